// Hand-built packets for the net-layer tests. The real codecs live in
// src/core/packets; these only need to be recognisable on the wire.
import { ipToBytes, parseIp, type IpAddress } from '../../src/core/ip-address.js';
import { encodeIpv6Packet, NEXT_HEADER_VRRP, VRRP_IPV6_GROUP } from '../../src/core/packets/ipv6-header.js';
import { ETHERTYPE_IPV6, ipv6MulticastMac } from '../../src/core/packets/ethernet.js';
import { encodeVrrp } from '../../src/core/packets/vrrp.js';

export const TEST_MAGIC = 0x75636172; // "ucar"

export function ipChecksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < header.length; i += 2) sum += header.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** IPv4 packet as ucarp sends it (TOS 0x10, DF, TTL 255), payload: magic + seq. */
export function testIpPacket(src: IpAddress, dst: IpAddress, seq: number, protocol = 112): Buffer {
  const payload = Buffer.alloc(36);
  payload.writeUInt32BE(TEST_MAGIC, 0);
  payload.writeUInt32BE(seq >>> 0, 4);
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h[1] = 0x10;
  h.writeUInt16BE(20 + payload.length, 2);
  h.writeUInt16BE(0, 4);
  h.writeUInt16BE(0x4000, 6);
  h[8] = 255;
  h[9] = protocol;
  ipToBytes(src).copy(h, 12);
  ipToBytes(dst).copy(h, 16);
  h.writeUInt16BE(ipChecksum(h), 10);
  return Buffer.concat([h, payload]);
}

export function readTestSeq(ipPacket: Buffer): number | undefined {
  const ihl = (ipPacket[0]! & 0x0f) * 4;
  if (ipPacket.length < ihl + 8 || ipPacket.readUInt32BE(ihl) !== TEST_MAGIC) return undefined;
  return ipPacket.readUInt32BE(ihl + 4);
}

export function parseMac(text: string): Buffer {
  return Buffer.from(text.split(':').map((p) => parseInt(p, 16)));
}

export function ethernetFrame(dst: Buffer, src: Buffer, ethertype: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(14);
  dst.copy(h, 0);
  src.copy(h, 6);
  h.writeUInt16BE(ethertype, 12);
  return Buffer.concat([h, payload]);
}

/** An Ethernet frame (hex, for net-frame) from a lab host's link-local address to ff02::12, next header 112. */
export function ipv6GroupFrame(host: { linkLocal?: string; mac: string }, payload: Buffer, hopLimit: number): string {
  const ip = encodeIpv6Packet({ src: parseIp(host.linkLocal!)!, dst: VRRP_IPV6_GROUP, nextHeader: NEXT_HEADER_VRRP, hopLimit }, payload);
  return ethernetFrame(ipv6MulticastMac(VRRP_IPV6_GROUP), parseMac(host.mac), ETHERTYPE_IPV6, ip).toString('hex');
}

/** A well-formed VRRPv3 advert over IPv6 from a lab host (hex, for net-frame), for vrid fd77::1:<vrid>. */
export function vrrp6AdvertFrame(host: { linkLocal?: string; mac: string }, vrid: number, hopLimit = 255): string {
  const src = parseIp(host.linkLocal!)!;
  const vrrp = encodeVrrp({ version: 3, vrid, priority: 200, intervalCs: 10, addrs: [parseIp(`fd77::1:${vrid}`)!] }, { src, dst: VRRP_IPV6_GROUP });
  return ipv6GroupFrame(host, vrrp, hopLimit);
}

/** Gratuitous ARP request: "ip is at mac", sender and target address both ip. */
export function gratuitousArp(mac: Buffer, ip: IpAddress): Buffer {
  const arp = Buffer.alloc(28);
  arp.writeUInt16BE(1, 0); // Ethernet
  arp.writeUInt16BE(0x0800, 2);
  arp[4] = 6;
  arp[5] = 4;
  arp.writeUInt16BE(1, 6); // request
  mac.copy(arp, 8);
  ipToBytes(ip).copy(arp, 14);
  ipToBytes(ip).copy(arp, 24);
  return ethernetFrame(Buffer.alloc(6, 0xff), mac, 0x0806, arp);
}
