// The cheap checks every received packet passes before any protocol decoding or
// HMAC: they reject floods of forged or stray packets for the price of a few reads.
import { drop, type Decoded } from './drop-reason.js';
import type { Ipv4 } from './ipv4-address.js';
import { parseIpv4Packet, type Ipv4Packet } from './packets/ipv4-header.js';

export interface InboundPolicy {
  self: Ipv4;
  group: Ipv4;
  /** With unicast peers, only they are heard, and only when addressed to us or the group. */
  peers: readonly Ipv4[];
}

export function screenInbound(buf: Buffer, policy: InboundPolicy): Decoded<Ipv4Packet> {
  const parsed = parseIpv4Packet(buf);
  if (!parsed.ok) return parsed;
  const pkt = parsed.value;
  if (pkt.protocol !== 112) return drop('protocol');
  // TTL 255 proves the sender is on our link: routers decrement it.
  if (pkt.ttl !== 255) return drop('ttl');
  if (pkt.src === policy.self) return drop('own');
  if (policy.peers.length > 0) {
    if (!policy.peers.includes(pkt.src)) return drop('peer');
    if (pkt.dst !== policy.self && pkt.dst !== policy.group) return drop('destination');
  } else if (pkt.dst !== policy.group) {
    return drop('destination');
  }
  return parsed;
}
