// Ethernet II framing and the MAC addresses CARP and VRRP use.
import { drop, type Decoded } from '../drop-reason.js';
import { ipToBytes, ipv4Word, type IpAddress } from '../ip-address.js';

export const ETHERNET_HEADER_LENGTH = 14;
/** Smallest frame without the FCS; shorter ones are padded with zeros. */
export const ETHERNET_MIN_FRAME = 60;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;

export const BROADCAST_MAC: Buffer = Buffer.alloc(6, 0xff);

function checkMac(mac: Uint8Array, what: string): void {
  if (mac.length !== 6) throw new RangeError(`${what} MAC must be 6 bytes, got ${mac.length}`);
}

function checkId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id > 255) throw new RangeError(`id must be 0..255, got ${id}`);
}

/** RFC 5798 virtual router MAC for IPv4: 00:00:5e:00:01:<vrid>. */
export function VIRTUAL_ROUTER_MAC(vhid: number): Buffer {
  checkId(vhid);
  return Buffer.from([0x00, 0x00, 0x5e, 0x00, 0x01, vhid]);
}

/** The Ethernet source ucarp puts on its advertisements: 00:00:5e:00:00:<vhid>. */
export function ucarpAdvertMac(vhid: number): Buffer {
  checkId(vhid);
  return Buffer.from([0x00, 0x00, 0x5e, 0x00, 0x00, vhid]);
}

/** RFC 1112 mapping: 01:00:5e plus the low 23 bits of the group. */
export function ipv4MulticastMac(address: IpAddress): Buffer {
  const group = ipv4Word(address);
  return Buffer.from([0x01, 0x00, 0x5e, (group >>> 16) & 0x7f, (group >>> 8) & 0xff, group & 0xff]);
}

/** RFC 2464 §7: 33:33 and the group's last 32 bits; ff02::1 -> 33:33:00:00:00:01. */
export function ipv6MulticastMac(group: IpAddress): Buffer {
  const b = ipToBytes(group);
  return Buffer.from([0x33, 0x33, b[12]!, b[13]!, b[14]!, b[15]!]);
}

export function formatMac(mac: Uint8Array): string {
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Header plus payload; no padding (the kernel pads short frames it sends). */
export function encodeEthernetFrame(dst: Buffer, src: Buffer, etherType: number, payload: Buffer): Buffer {
  checkMac(dst, 'destination');
  checkMac(src, 'source');
  if (!Number.isInteger(etherType) || etherType < 0 || etherType > 0xffff) {
    throw new RangeError(`EtherType must be 0..0xffff, got ${etherType}`);
  }
  const frame = Buffer.alloc(ETHERNET_HEADER_LENGTH + payload.length);
  dst.copy(frame, 0);
  src.copy(frame, 6);
  frame.writeUInt16BE(etherType, 12);
  payload.copy(frame, ETHERNET_HEADER_LENGTH);
  return frame;
}

export interface EthernetFrame {
  dst: Buffer;
  src: Buffer;
  etherType: number;
  /** View of everything after the header, padding included. */
  payload: Buffer;
}

/** Splits an untagged Ethernet II frame. */
export function decodeEthernetFrame(frame: Buffer): Decoded<EthernetFrame> {
  if (frame.length < ETHERNET_HEADER_LENGTH) return drop('short');
  return {
    ok: true,
    value: {
      dst: frame.subarray(0, 6),
      src: frame.subarray(6, 12),
      etherType: frame.readUInt16BE(12),
      payload: frame.subarray(ETHERNET_HEADER_LENGTH),
    },
  };
}
