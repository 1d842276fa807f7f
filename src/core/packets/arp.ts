// Gratuitous ARP: how a new master tells the segment that the virtual address moved.
import { ipFamily, ipFromBytes, writeIp, type IpAddress } from '../ip-address.js';
import { BROADCAST_MAC, ETHERNET_MIN_FRAME, ETHERTYPE_ARP, ETHERTYPE_IPV4, encodeEthernetFrame } from './ethernet.js';

export const ARP_LENGTH = 28;
export const ARP_OP_REQUEST = 1;
export const ARP_OP_REPLY = 2;
const HTYPE_ETHERNET = 1;

/**
 * A broadcast frame from `mac` carrying an ARP request with sender = target = addr,
 * padded to 60 bytes. The target hardware address is broadcast by default; ucarp
 * 1.5.2 puts its own MAC there instead, which receivers ignore in a request.
 */
export function encodeGratuitousArp(mac: Buffer, addr: IpAddress, targetHw: Buffer = BROADCAST_MAC): Buffer {
  if (mac.length !== 6 || targetHw.length !== 6) throw new RangeError('MAC addresses must be 6 bytes');
  if (ipFamily(addr) !== 4) throw new RangeError(`ARP announces IPv4 addresses only, got ${addr}`);
  const arp = Buffer.alloc(ETHERNET_MIN_FRAME - 14);
  arp.writeUInt16BE(HTYPE_ETHERNET, 0);
  arp.writeUInt16BE(ETHERTYPE_IPV4, 2);
  arp[4] = 6;
  arp[5] = 4;
  arp.writeUInt16BE(ARP_OP_REQUEST, 6);
  mac.copy(arp, 8);
  writeIp(addr, arp, 14);
  targetHw.copy(arp, 18);
  writeIp(addr, arp, 24);
  return encodeEthernetFrame(BROADCAST_MAC, mac, ETHERTYPE_ARP, arp);
}

export interface ArpFrame {
  ethDst: Buffer;
  ethSrc: Buffer;
  op: number;
  senderHw: Buffer;
  senderIp: IpAddress;
  targetHw: Buffer;
  targetIp: IpAddress;
}

/** Decodes an Ethernet frame carrying IPv4-over-Ethernet ARP; null for anything else. */
export function decodeArp(frame: Buffer): ArpFrame | null {
  if (frame.length < 14 + ARP_LENGTH || frame.readUInt16BE(12) !== ETHERTYPE_ARP) return null;
  const a = frame.subarray(14);
  if (a.readUInt16BE(0) !== HTYPE_ETHERNET || a.readUInt16BE(2) !== ETHERTYPE_IPV4 || a[4] !== 6 || a[5] !== 4) {
    return null;
  }
  return {
    ethDst: frame.subarray(0, 6),
    ethSrc: frame.subarray(6, 12),
    op: a.readUInt16BE(6),
    senderHw: a.subarray(8, 14),
    senderIp: ipFromBytes(a, 14, 4),
    targetHw: a.subarray(18, 24),
    targetIp: ipFromBytes(a, 24, 4),
  };
}
