// IPv4 header parsing and building for the advertisement path. Only what CARP and
// VRRP need: no options are built, fragments are refused.
import { drop, type Decoded } from '../drop-reason.js';
import { ipFamily, ipFromBytes, writeIp, type IpAddress } from '../ip-address.js';
import { internetChecksum } from './checksum.js';

export const IPV4_HEADER_LENGTH = 20;
/** IP protocol number shared by CARP and VRRP. */
export const IPPROTO_CARP = 112;
export const IPPROTO_VRRP = 112;
/** IPTOS_LOWDELAY: what ucarp puts in the TOS byte. */
export const UCARP_TOS = 0x10;
/** Internetwork control precedence: what keepalived puts in the TOS byte. */
export const KEEPALIVED_TOS = 0xc0;

const FLAG_DF = 0x4000;
const FLAG_MF = 0x2000;
const OFFSET_MASK = 0x1fff;

export interface Ipv4Packet {
  src: IpAddress;
  dst: IpAddress;
  ttl: number;
  tos: number;
  protocol: number;
  /** Identification field; ucarp sends a random one, keepalived counts up from 1. */
  id: number;
  dontFragment: boolean;
  /** View of the bytes after the header up to the total length (Ethernet padding excluded). */
  payload: Buffer;
}

/**
 * Decodes an IPv4 packet. Checks the version, header length, total length, header
 * checksum, and refuses fragments (an advertisement is never fragmented and a
 * fragment's payload cannot be checked). TTL and protocol are left to the caller so
 * that it can count them.
 */
export function decodeIpv4Packet(buf: Buffer): Decoded<Ipv4Packet> {
  if (buf.length < IPV4_HEADER_LENGTH) return drop('short');
  const b0 = buf[0]!;
  if (b0 >>> 4 !== 4) return drop('ip-header');
  const headerLength = (b0 & 0x0f) * 4;
  if (headerLength < IPV4_HEADER_LENGTH) return drop('ip-header');
  const totalLength = buf.readUInt16BE(2);
  if (totalLength < headerLength) return drop('ip-header');
  if (buf.length < headerLength || buf.length < totalLength) return drop('short');
  const flags = buf.readUInt16BE(6);
  if ((flags & FLAG_MF) !== 0 || (flags & OFFSET_MASK) !== 0) return drop('ip-header');
  if (internetChecksum(buf.subarray(0, headerLength)) !== 0) return drop('checksum');
  return {
    ok: true,
    value: {
      src: ipFromBytes(buf, 12, 4),
      dst: ipFromBytes(buf, 16, 4),
      ttl: buf[8]!,
      tos: buf[1]!,
      protocol: buf[9]!,
      id: buf.readUInt16BE(4),
      dontFragment: (flags & FLAG_DF) !== 0,
      payload: buf.subarray(headerLength, totalLength),
    },
  };
}

export interface Ipv4HeaderOptions {
  src: IpAddress;
  dst: IpAddress;
  payloadLength: number;
  /** Default 255: CARP and VRRP receivers drop anything else. */
  ttl?: number;
  /** Default 0x10 (IPTOS_LOWDELAY), as ucarp. */
  tos?: number;
  /** Default true, as ucarp. */
  dontFragment?: boolean;
  /** Default 112. */
  protocol?: number;
  /** Default 0. */
  id?: number;
}

function checkField(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`IPv4 ${name} must be an integer in 0..${max}, got ${value}`);
  }
}

/** Encodes a 20-byte IPv4 header (no options) with its checksum filled in. */
export function encodeIpv4Header(o: Ipv4HeaderOptions): Buffer {
  const ttl = o.ttl ?? 255;
  const tos = o.tos ?? UCARP_TOS;
  const protocol = o.protocol ?? IPPROTO_CARP;
  const id = o.id ?? 0;
  checkField('payload length', o.payloadLength, 0xffff - IPV4_HEADER_LENGTH);
  checkField('ttl', ttl, 255);
  checkField('tos', tos, 255);
  checkField('protocol', protocol, 255);
  checkField('id', id, 0xffff);
  if (ipFamily(o.src) !== 4) throw new RangeError(`IPv4 source must be an IPv4 address, got ${o.src}`);
  if (ipFamily(o.dst) !== 4) throw new RangeError(`IPv4 destination must be an IPv4 address, got ${o.dst}`);
  const h = Buffer.alloc(IPV4_HEADER_LENGTH);
  h[0] = 0x45;
  h[1] = tos;
  h.writeUInt16BE(IPV4_HEADER_LENGTH + o.payloadLength, 2);
  h.writeUInt16BE(id, 4);
  h.writeUInt16BE((o.dontFragment ?? true) ? FLAG_DF : 0, 6);
  h[8] = ttl;
  h[9] = protocol;
  writeIp(o.src, h, 12);
  writeIp(o.dst, h, 16);
  h.writeUInt16BE(internetChecksum(h), 10);
  return h;
}

/** Header and payload in one buffer, ready for a raw socket with IP_HDRINCL. */
export function encodeIpv4Packet(o: Omit<Ipv4HeaderOptions, 'payloadLength'>, payload: Buffer): Buffer {
  return Buffer.concat([encodeIpv4Header({ ...o, payloadLength: payload.length }), payload]);
}
