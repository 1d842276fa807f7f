// VRRP advertisements: version 2 (RFC 3768) and version 3 (RFC 5798) for IPv4, and
// version 3 for IPv6 (RFC 5798 §5.1.2), laid out as keepalived 2.2.7 sends them.
//
//   0: version << 4 | type 1   1: vrid   2: priority   3: address count
//   v2: 4: auth type, 5: interval in seconds       v3: 4-5: 4 reserved bits, 12-bit interval (cs)
//   6-7: checksum   8..: addresses (4 or 16 bytes each)   v2 only: 8 bytes of authentication data
//
// The v2 checksum covers the VRRP packet; the v3 one also covers the IPv4 or the IPv6
// pseudo-header. The family is the IP packet's: its addresses say which.
import { sameBytesConstantTime } from './constant-time.js';
import { drop, type Decoded } from '../drop-reason.js';
import { ipFamily, ipFromBytes, writeIp, type IpAddress } from '../ip-address.js';
import { internetChecksum } from './checksum.js';
import { IPPROTO_VRRP } from './ipv4-header.js';
import { encodeIpv6PseudoHeader } from './ipv6-header.js';

export const VRRP_TYPE_ADVERTISEMENT = 1;
export const VRRP_HEADER_LENGTH = 8;
export const VRRP2_AUTH_LENGTH = 8;
export const VRRP2_AUTH_NONE = 0;
export const VRRP2_AUTH_SIMPLE = 1;
export const VRRP3_MAX_INTERVAL_CS = 0x0fff;

export interface VrrpAdvert {
  version: 2 | 3;
  vrid: number;
  priority: number;
  /** Advertisement interval in centiseconds; for v2 the wire's seconds times 100. */
  intervalCs: number;
  addrs: IpAddress[];
  /** v2 only; 0 for v3. */
  authType: number;
  /** v2: a copy of the 8 bytes; empty for v3. */
  authData: Buffer;
}

export interface VrrpFields {
  version: 2 | 3;
  vrid: number;
  priority: number;
  /** v2: a whole number of seconds times 100 (100..25500); v3: 1..4095. */
  intervalCs: number;
  addrs: IpAddress[];
  /** v2: simple-text password (type 1), truncated or zero-padded to 8 bytes; null for type 0. Ignored by v3. */
  password?: Buffer | null;
}

export interface IpPair {
  src: IpAddress;
  dst: IpAddress;
}

/** The 8 authentication bytes for a password: cut or zero-padded to 8, as keepalived does. */
export function vrrp2AuthBytes(password: Buffer | null): Buffer {
  const out = Buffer.alloc(VRRP2_AUTH_LENGTH);
  if (password) password.copy(out, 0, 0, Math.min(password.length, VRRP2_AUTH_LENGTH));
  return out;
}

function pseudoHeader(ip: IpPair, length: number): Buffer {
  if (ipFamily(ip.src) === 6) return encodeIpv6PseudoHeader(ip.src, ip.dst, length, IPPROTO_VRRP);
  const p = Buffer.alloc(12);
  writeIp(ip.src, p, 0);
  writeIp(ip.dst, p, 4);
  p[9] = IPPROTO_VRRP;
  p.writeUInt16BE(length, 10);
  return p;
}

function checkInt(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`VRRP ${name} must be an integer in ${min}..${max}, got ${value}`);
  }
}

export function encodeVrrp(a: VrrpFields, ip: IpPair): Buffer {
  if (a.version !== 2 && a.version !== 3) throw new RangeError(`VRRP version must be 2 or 3, got ${a.version}`);
  checkInt('vrid', a.vrid, 0, 255);
  checkInt('priority', a.priority, 0, 255);
  checkInt('address count', a.addrs.length, 0, 255);
  const v2 = a.version === 2;
  if (v2) {
    if (a.intervalCs % 100 !== 0) throw new RangeError(`VRRPv2 interval must be whole seconds, got ${a.intervalCs} cs`);
    checkInt('v2 interval (s)', a.intervalCs / 100, 1, 255);
  } else {
    checkInt('v3 interval (cs)', a.intervalCs, 1, VRRP3_MAX_INTERVAL_CS);
  }
  const family = ipFamily(ip.src);
  if (v2 && family === 6) throw new RangeError('VRRPv2 has no IPv6 (RFC 3768): use version 3');
  if (ipFamily(ip.dst) !== family) throw new RangeError(`VRRP source ${ip.src} and destination ${ip.dst} are of different families`);
  const size = family === 6 ? 16 : 4;
  const length = VRRP_HEADER_LENGTH + size * a.addrs.length + (v2 ? VRRP2_AUTH_LENGTH : 0);
  const p = Buffer.alloc(length);
  p[0] = (a.version << 4) | VRRP_TYPE_ADVERTISEMENT;
  p[1] = a.vrid;
  p[2] = a.priority;
  p[3] = a.addrs.length;
  if (v2) {
    const password = a.password ?? null;
    p[4] = password ? VRRP2_AUTH_SIMPLE : VRRP2_AUTH_NONE;
    p[5] = a.intervalCs / 100;
    vrrp2AuthBytes(password).copy(p, VRRP_HEADER_LENGTH + size * a.addrs.length);
  } else {
    p.writeUInt16BE(a.intervalCs, 4);
  }
  a.addrs.forEach((addr, i) => {
    if (ipFamily(addr) !== family) throw new RangeError(`VRRP over IPv${family} carries IPv${family} addresses only, got ${addr}`);
    writeIp(addr, p, VRRP_HEADER_LENGTH + size * i);
  });
  const sum = v2 ? internetChecksum(p) : internetChecksum(pseudoHeader(ip, length), p);
  p.writeUInt16BE(sum, 6);
  return p;
}

/**
 * Decodes a VRRP advertisement of the given version from an IP payload bounded by the
 * IP total length. The reserved bits of the v3 interval field are ignored (RFC 5798).
 */
export function decodeVrrp(payload: Buffer, version: 2 | 3, ip: IpPair): Decoded<VrrpAdvert> {
  if (payload.length === 0) return drop('length');
  const b0 = payload[0]!;
  if (b0 >>> 4 !== version) return drop('version');
  if ((b0 & 0x0f) !== VRRP_TYPE_ADVERTISEMENT) return drop('type');
  if (payload.length < VRRP_HEADER_LENGTH) return drop('length');
  const count = payload[3]!;
  const v2 = version === 2;
  const family = ipFamily(ip.src);
  if (v2 && family === 6) return drop('version');
  const size = family === 6 ? 16 : 4;
  const length = VRRP_HEADER_LENGTH + size * count + (v2 ? VRRP2_AUTH_LENGTH : 0);
  if (payload.length !== length) return drop('length');
  const sum = v2 ? internetChecksum(payload) : internetChecksum(pseudoHeader(ip, length), payload);
  if (sum !== 0) return drop('checksum');
  const intervalCs = v2 ? payload[5]! * 100 : payload.readUInt16BE(4) & VRRP3_MAX_INTERVAL_CS;
  if (intervalCs === 0) return drop('interval');
  const addrs: IpAddress[] = new Array<IpAddress>(count);
  for (let i = 0; i < count; i++) addrs[i] = ipFromBytes(payload, VRRP_HEADER_LENGTH + size * i, family);
  const authAt = VRRP_HEADER_LENGTH + size * count;
  return {
    ok: true,
    value: {
      version,
      vrid: payload[1]!,
      priority: payload[2]!,
      intervalCs,
      addrs,
      authType: v2 ? payload[4]! : 0,
      authData: v2 ? Buffer.from(payload.subarray(authAt, authAt + VRRP2_AUTH_LENGTH)) : Buffer.alloc(0),
    },
  };
}

/**
 * VRRPv2 authentication: with no password the advert must say auth type 0; with one it
 * must say type 1 (simple text) and carry the password cut or zero-padded to 8 bytes.
 */
export function checkVrrp2Auth(ad: VrrpAdvert, password: Buffer | null): boolean {
  if (password === null) return ad.authType === VRRP2_AUTH_NONE;
  if (ad.authType !== VRRP2_AUTH_SIMPLE || ad.authData.length !== VRRP2_AUTH_LENGTH) return false;
  return sameBytesConstantTime(ad.authData, vrrp2AuthBytes(password));
}
