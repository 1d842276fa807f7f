// The unsolicited Neighbor Advertisement (RFC 4861 §4.4, §7.2.6) a new IPv6 master
// sends for each virtual address, the IPv6 counterpart of gratuitous ARP: from the
// address itself to all nodes (ff02::1), hop limit 255, Override set so that caches
// take the new MAC at once, Solicited and Router clear, with the Target Link-Layer
// Address option. Built as a whole Ethernet frame for the packet socket.
import { drop, type Decoded } from '../drop-reason.js';
import { ipFamily, ipFromBytes, writeIp, type IpAddress } from '../ip-address.js';
import { encodeEthernetFrame, ETHERNET_HEADER_LENGTH, ETHERTYPE_IPV6, ipv6MulticastMac } from './ethernet.js';
import { ALL_NODES_IPV6, decodeIpv6Packet, encodeIpv6Packet, ipv6UpperChecksum, NEXT_HEADER_ICMPV6 } from './ipv6-header.js';


const ICMPV6_NEIGHBOR_ADVERT = 136;
const NA_LENGTH = 24;
const OPTION_TARGET_LINK_LAYER = 2;
const FLAG_ROUTER = 0x80;
const FLAG_SOLICITED = 0x40;
const FLAG_OVERRIDE = 0x20;

export interface NeighborAdvert {
  ethDst: Buffer;
  ethSrc: Buffer;
  src: IpAddress;
  dst: IpAddress;
  hopLimit: number;
  router: boolean;
  solicited: boolean;
  override: boolean;
  target: IpAddress;
  /** The Target Link-Layer Address option, if present. */
  targetMac: Buffer | undefined;
}

/** The frame announcing that `target` is at `mac`. */
export function encodeNeighborAdvert(mac: Buffer, target: IpAddress): Buffer {
  if (mac.length !== 6) throw new RangeError('MAC address must be 6 bytes');
  if (ipFamily(target) !== 6) throw new RangeError(`target must be an IPv6 address, got ${target}`);
  const icmp = Buffer.alloc(NA_LENGTH + 8);
  icmp[0] = ICMPV6_NEIGHBOR_ADVERT;
  icmp[4] = FLAG_OVERRIDE;
  writeIp(target, icmp, 8);
  icmp[24] = OPTION_TARGET_LINK_LAYER;
  icmp[25] = 1; // in units of 8 bytes
  mac.copy(icmp, 26);
  icmp.writeUInt16BE(ipv6UpperChecksum(target, ALL_NODES_IPV6, NEXT_HEADER_ICMPV6, icmp), 2);
  const ip = encodeIpv6Packet({ src: target, dst: ALL_NODES_IPV6, nextHeader: NEXT_HEADER_ICMPV6, hopLimit: 255 }, icmp);
  return encodeEthernetFrame(ipv6MulticastMac(ALL_NODES_IPV6), mac, ETHERTYPE_IPV6, ip);
}

/** Reads an Ethernet frame carrying an ICMPv6 Neighbor Advertisement with a right checksum. */
export function decodeNeighborAdvert(frame: Buffer): Decoded<NeighborAdvert> {
  if (frame.length < ETHERNET_HEADER_LENGTH) return drop('short');
  if (frame.readUInt16BE(12) !== ETHERTYPE_IPV6) return drop('ip-header');
  const ip = decodeIpv6Packet(frame.subarray(ETHERNET_HEADER_LENGTH));
  if (!ip.ok) return ip;
  const { src, dst, hopLimit, nextHeader, payload: icmp } = ip.value;
  if (nextHeader !== NEXT_HEADER_ICMPV6) return drop('protocol');
  if (icmp.length < NA_LENGTH) return drop('short');
  if (icmp[0] !== ICMPV6_NEIGHBOR_ADVERT || icmp[1] !== 0) return drop('type');
  if (ipv6UpperChecksum(src, dst, NEXT_HEADER_ICMPV6, icmp) !== 0) return drop('checksum');
  let targetMac: Buffer | undefined;
  // Options: type, length in 8-byte units (0 is invalid, RFC 4861 §4.6).
  for (let at = NA_LENGTH; at < icmp.length; ) {
    if (at + 2 > icmp.length || icmp[at + 1] === 0) return drop('length');
    const len = icmp[at + 1]! * 8;
    if (at + len > icmp.length) return drop('length');
    if (icmp[at] === OPTION_TARGET_LINK_LAYER && len === 8) targetMac = icmp.subarray(at + 2, at + 8);
    at += len;
  }
  const flags = icmp[4]!;
  return {
    ok: true,
    value: {
      ethDst: frame.subarray(0, 6),
      ethSrc: frame.subarray(6, 12),
      src,
      dst,
      hopLimit,
      router: (flags & FLAG_ROUTER) !== 0,
      solicited: (flags & FLAG_SOLICITED) !== 0,
      override: (flags & FLAG_OVERRIDE) !== 0,
      target: ipFromBytes(icmp, 8, 6),
      targetMac,
    },
  };
}
