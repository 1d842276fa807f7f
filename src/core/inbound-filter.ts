// The cheap checks every received packet passes before any protocol decoding or
// HMAC: they reject floods of forged or stray packets for the price of a few reads.
import { drop, type Decoded } from './drop-reason.js';
import { decodeIpv4Inbound, type InboundPacket } from './inbound-packet.js';
import { ipFamily, isMulticast, type IpAddress } from './ip-address.js';

/** Every advert leaves with TTL (hop limit) 255; one that arrives with 255 crossed no router. */
export const LINK_LOCAL_HOP_LIMIT = 255;

export interface InboundPolicy {
  self: IpAddress;
  group: IpAddress;
  /** With unicast peers, only they are heard, and only when addressed to us or the group. */
  peers: readonly IpAddress[];
  /**
   * --peer-min-ttl: the lowest TTL (hop limit) accepted from a listed peer, whose adverts
   * may cross routers (keepalived's min_ttl). 255 (the default) is the link-local rule,
   * which anything that is not a listed peer always meets.
   */
  peerMinTtl: number;
}

export function screenInbound(pkt: InboundPacket, policy: InboundPolicy): Decoded<InboundPacket> {
  // Hop limit 255 proves the sender is on our link: routers decrement it. Only a listed
  // peer may be further away, and no further than --peer-min-ttl allows.
  const hops = pkt.hopLimit;
  if (hops !== LINK_LOCAL_HOP_LIMIT && !(hops >= policy.peerMinTtl && policy.peers.includes(pkt.source))) return drop('ttl');
  if (pkt.source === policy.self) return drop('own');
  if (policy.peers.length > 0) {
    if (!policy.peers.includes(pkt.source)) return drop('peer');
    // IPv6 peers may address any of our unicast addresses (the source is our link-local
    // one, but a peer may know us by a global address); the kernel delivers only ours.
    const ours = pkt.destination === policy.self || (ipFamily(pkt.destination) === 6 && !isMulticast(pkt.destination) && pkt.destination !== '::');
    if (!ours && pkt.destination !== policy.group) return drop('destination');
  } else if (pkt.destination !== policy.group) {
    return drop('destination');
  }
  return { ok: true, value: pkt };
}

/** The IPv4 receive path: a whole IPv4 packet from the raw socket, decoded and screened. */
export function screenIpv4(buf: Buffer, policy: InboundPolicy): Decoded<InboundPacket> {
  const decoded = decodeIpv4Inbound(buf);
  return decoded.ok ? screenInbound(decoded.value, policy) : decoded;
}
