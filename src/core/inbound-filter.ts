// The cheap checks every received packet passes before any protocol decoding or
// HMAC: they reject floods of forged or stray packets for the price of a few reads.
import { drop, type Decoded } from './drop-reason.js';
import type { IpAddress } from './ip-address.js';
import { decodeIpv4Packet, type Ipv4Packet } from './packets/ipv4-header.js';

/** Every advert leaves with TTL 255; one that arrives with 255 crossed no router. */
export const LINK_LOCAL_TTL = 255;

export interface InboundPolicy {
  self: IpAddress;
  group: IpAddress;
  /** With unicast peers, only they are heard, and only when addressed to us or the group. */
  peers: readonly IpAddress[];
  /**
   * --peer-min-ttl: the lowest TTL accepted from a listed peer, whose adverts may cross
   * routers (keepalived's min_ttl). 255 (the default) is the link-local rule, which
   * anything that is not a listed peer always meets.
   */
  peerMinTtl: number;
}

export function screenInbound(buf: Buffer, policy: InboundPolicy): Decoded<Ipv4Packet> {
  const parsed = decodeIpv4Packet(buf);
  if (!parsed.ok) return parsed;
  const pkt = parsed.value;
  if (pkt.protocol !== 112) return drop('protocol');
  // TTL 255 proves the sender is on our link: routers decrement it. Only a listed peer
  // may be further away, and no further than --peer-min-ttl allows.
  if (pkt.ttl !== LINK_LOCAL_TTL && !(pkt.ttl >= policy.peerMinTtl && policy.peers.includes(pkt.src))) return drop('ttl');
  if (pkt.src === policy.self) return drop('own');
  if (policy.peers.length > 0) {
    if (!policy.peers.includes(pkt.src)) return drop('peer');
    if (pkt.dst !== policy.self && pkt.dst !== policy.group) return drop('destination');
  } else if (pkt.dst !== policy.group) {
    return drop('destination');
  }
  return parsed;
}
