// What the shell hands the core for every received packet, whatever the address
// family: the two addresses, the hop count left (IPv4 TTL or IPv6 hop limit) and the
// protocol payload. IPv4 raw sockets deliver the whole header, decoded here; other
// paths fill it from what their socket reports.
import { drop, type Decoded } from './drop-reason.js';
import type { IpAddress } from './ip-address.js';
import { decodeIpv4Packet, IPPROTO_VRRP } from './packets/ipv4-header.js';

export interface InboundPacket {
  source: IpAddress;
  destination: IpAddress;
  /** IPv4 TTL or IPv6 hop limit, as received. */
  hopLimit: number;
  /** The protocol's bytes (CARP or VRRP), bounded by the IP length. */
  payload: Buffer;
}

/** A received IPv4 packet (header included): the header's own checks, then protocol 112 (CARP and VRRP). */
export function decodeIpv4Inbound(buf: Buffer): Decoded<InboundPacket> {
  const decoded = decodeIpv4Packet(buf);
  if (!decoded.ok) return decoded;
  const ip = decoded.value;
  if (ip.protocol !== IPPROTO_VRRP) return drop('protocol');
  return { ok: true, value: { source: ip.src, destination: ip.dst, hopLimit: ip.ttl, payload: ip.payload } };
}
