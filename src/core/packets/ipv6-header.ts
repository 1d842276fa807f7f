// The IPv6 header (RFC 8200 §3) and the pseudo-header upper-layer checksums cover
// (§8.1). The advert socket never sees a header (the kernel builds it and hands over
// the payload); these serve the neighbour advertisements, which go out as whole
// Ethernet frames, and tests that build or read frames.
import { drop, type Decoded } from '../drop-reason.js';
import { ipFamily, ipFromBytes, parseIp, writeIp, type IpAddress } from '../ip-address.js';
import { internetChecksum } from './checksum.js';

export const IPV6_HEADER_LENGTH = 40;
export const NEXT_HEADER_ICMPV6 = 58;
export const NEXT_HEADER_VRRP = 112;
/** The VRRPv3 group for IPv6 (RFC 5798 §5.1.2.2). */
export const VRRP_IPV6_GROUP: IpAddress = parseIp('ff02::12')!;
export const ALL_NODES_IPV6: IpAddress = parseIp('ff02::1')!;

export interface Ipv6Packet {
  src: IpAddress;
  dst: IpAddress;
  hopLimit: number;
  trafficClass: number;
  flowLabel: number;
  nextHeader: number;
  /** View of the bytes after the header up to the payload length (Ethernet padding excluded). */
  payload: Buffer;
}

export interface Ipv6HeaderOptions {
  src: IpAddress;
  dst: IpAddress;
  payloadLength: number;
  nextHeader: number;
  /** Default 255: VRRP and neighbour discovery receivers drop anything else. */
  hopLimit?: number;
  /** Default 0. */
  trafficClass?: number;
  /** Default 0. */
  flowLabel?: number;
}

function checkField(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`IPv6 ${name} must be an integer in 0..${max}, got ${value}`);
  }
}

function checkAddress(name: string, a: IpAddress): void {
  if (ipFamily(a) !== 6) throw new RangeError(`IPv6 ${name} address must be an IPv6 address, got ${a}`);
}

/**
 * Reads an IPv6 packet: version 6 and a payload length the buffer holds. The next
 * header is reported, not followed: adverts and neighbour advertisements carry no
 * extension headers, and the caller counts anything else as the wrong protocol.
 */
export function decodeIpv6Packet(buf: Buffer): Decoded<Ipv6Packet> {
  if (buf.length < IPV6_HEADER_LENGTH) return drop('short');
  const word = buf.readUInt32BE(0);
  if (word >>> 28 !== 6) return drop('ip-header');
  const payloadLength = buf.readUInt16BE(4);
  if (buf.length < IPV6_HEADER_LENGTH + payloadLength) return drop('short');
  return {
    ok: true,
    value: {
      src: ipFromBytes(buf, 8, 6),
      dst: ipFromBytes(buf, 24, 6),
      hopLimit: buf[7]!,
      trafficClass: (word >>> 20) & 0xff,
      flowLabel: word & 0xfffff,
      nextHeader: buf[6]!,
      payload: buf.subarray(IPV6_HEADER_LENGTH, IPV6_HEADER_LENGTH + payloadLength),
    },
  };
}

export function encodeIpv6Header(o: Ipv6HeaderOptions): Buffer {
  const hopLimit = o.hopLimit ?? 255;
  const trafficClass = o.trafficClass ?? 0;
  const flowLabel = o.flowLabel ?? 0;
  checkAddress('source', o.src);
  checkAddress('destination', o.dst);
  checkField('payload length', o.payloadLength, 0xffff);
  checkField('next header', o.nextHeader, 255);
  checkField('hop limit', hopLimit, 255);
  checkField('traffic class', trafficClass, 255);
  checkField('flow label', flowLabel, 0xfffff);
  const h = Buffer.alloc(IPV6_HEADER_LENGTH);
  h.writeUInt32BE(((6 << 28) | (trafficClass << 20) | flowLabel) >>> 0, 0);
  h.writeUInt16BE(o.payloadLength, 4);
  h[6] = o.nextHeader;
  h[7] = hopLimit;
  writeIp(o.src, h, 8);
  writeIp(o.dst, h, 24);
  return h;
}

export function encodeIpv6Packet(o: Omit<Ipv6HeaderOptions, 'payloadLength'>, payload: Buffer): Buffer {
  return Buffer.concat([encodeIpv6Header({ ...o, payloadLength: payload.length }), payload]);
}

/** The 40-byte pseudo-header of RFC 8200 §8.1: source, destination, upper-layer length, next header. */
export function encodeIpv6PseudoHeader(src: IpAddress, dst: IpAddress, upperLength: number, nextHeader: number): Buffer {
  checkAddress('source', src);
  checkAddress('destination', dst);
  checkField('upper-layer length', upperLength, 0xffffffff);
  checkField('next header', nextHeader, 255);
  const p = Buffer.alloc(40);
  writeIp(src, p, 0);
  writeIp(dst, p, 16);
  p.writeUInt32BE(upperLength, 32);
  p[39] = nextHeader;
  return p;
}

/**
 * The upper-layer checksum over the pseudo-header and the message: the value to
 * store when the message's checksum field is zero, 0 when the message carries a right one.
 */
export function ipv6UpperChecksum(src: IpAddress, dst: IpAddress, nextHeader: number, message: Uint8Array): number {
  return internetChecksum(encodeIpv6PseudoHeader(src, dst, message.length, nextHeader), message);
}
