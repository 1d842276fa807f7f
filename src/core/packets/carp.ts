// The CARP advertisement as ucarp 1.5.2 sends it (the OpenBSD IPv4 layout):
//
//   0: version 2 << 4 | type 1   1: vhid   2: advskew   3: authlen (7)
//   4: demote                    5: advbase            6-7: checksum over these 36 bytes
//   8-15: counter                16-35: HMAC-SHA1
//
// The HMAC covers only version, type, vhid, the virtual address(es) and the counter:
// advbase, advskew and demote are protected by nothing but the checksum.
import { sameBytesConstantTime } from './constant-time.js';
import { drop, type Decoded } from '../drop-reason.js';
import { compareIp, ipFamily, writeIp, type IpAddress } from '../ip-address.js';
import { internetChecksum } from './checksum.js';
import { HmacSha1WithPrefix } from './sha1.js';

export const CARP_LENGTH = 36;
export const CARP_VERSION = 2;
export const CARP_TYPE_ADVERTISEMENT = 1;
/** Authentication length in 32-bit words: the 8-byte counter and the 20-byte HMAC. */
export const CARP_AUTHLEN = 7;
export const CARP_HMAC_LENGTH = 20;
export const CARP_COUNTER_MAX = (1n << 64n) - 1n;

export interface CarpAdvert {
  vhid: number;
  advskew: number;
  advbase: number;
  demote: number;
  /** The 8 counter bytes read big-endian. */
  counter: bigint;
  /** A copy of the 20 HMAC bytes. */
  hmac: Buffer;
}

/**
 * The HMAC key and message prefix for one virtual host, prepared once. The message is
 * the bytes 2, 1, vhid, the virtual addresses in ascending numeric order (4 bytes each,
 * network order), then the counter as sent. With one address this is ucarp's HMAC; the
 * key is the password's bytes (ucarp's zero padding of the key changes nothing in HMAC).
 */
export class CarpAuth {
  readonly vhid: number;
  /** The addresses the HMAC covers, sorted. */
  readonly addrs: readonly IpAddress[];
  private readonly hmac: HmacSha1WithPrefix;
  private readonly counterBytes = Buffer.alloc(8);
  // DataView's 64-bit write is several times cheaper than Buffer's, but wraps silently.
  private readonly counterView = new DataView(this.counterBytes.buffer, this.counterBytes.byteOffset, 8);
  private readonly scratch = Buffer.alloc(CARP_HMAC_LENGTH);

  constructor(password: Buffer, vhid: number, addrs: readonly IpAddress[]) {
    if (!Number.isInteger(vhid) || vhid < 0 || vhid > 255) throw new RangeError(`vhid must be 0..255, got ${vhid}`);
    if (addrs.length === 0) throw new RangeError('CARP authentication needs at least one address');
    if (addrs.some((a) => ipFamily(a) !== 4)) throw new RangeError('CARP authenticates IPv4 addresses only');
    this.vhid = vhid;
    this.addrs = Object.freeze([...addrs].sort(compareIp));
    const prefix = Buffer.alloc(3 + 4 * addrs.length);
    prefix[0] = CARP_VERSION;
    prefix[1] = CARP_TYPE_ADVERTISEMENT;
    prefix[2] = vhid;
    this.addrs.forEach((addr, i) => writeIp(addr, prefix, 3 + 4 * i));
    this.hmac = new HmacSha1WithPrefix(password, prefix, 8);
  }

  /** The 20-byte HMAC for a counter, in a new buffer. */
  sign(counter: bigint): Buffer {
    const out = Buffer.alloc(CARP_HMAC_LENGTH);
    this.signInto(counter, out, 0);
    return out;
  }

  /** Writes the HMAC for a counter into out at offset; throws if the counter is not 64-bit unsigned. */
  signInto(counter: bigint, out: Uint8Array, offset: number): void {
    if (counter < 0n || counter > CARP_COUNTER_MAX) throw new RangeError('CARP counter must be 0..2^64-1');
    this.counterView.setBigUint64(0, counter);
    this.hmac.digestInto(this.counterBytes, out, offset);
  }

  /** True when the advert is for this vhid and its HMAC matches (compared in constant time). */
  verify(ad: CarpAdvert): boolean {
    if (ad.vhid !== this.vhid || ad.hmac.length !== CARP_HMAC_LENGTH) return false;
    if (typeof ad.counter !== 'bigint' || ad.counter < 0n || ad.counter > CARP_COUNTER_MAX) return false;
    this.signInto(ad.counter, this.scratch, 0);
    return sameBytesConstantTime(this.scratch, ad.hmac);
  }
}

export function createCarpAuth(password: Buffer, vhid: number, addrs: readonly IpAddress[]): CarpAuth {
  return new CarpAuth(password, vhid, addrs);
}

export interface CarpFields {
  vhid: number;
  advskew: number;
  advbase: number;
  counter: bigint;
  /** Default 0, as ucarp. */
  demote?: number;
}

function checkByte(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 255) {
    throw new RangeError(`CARP ${name} must be an integer in 0..255, got ${value}`);
  }
}

/** The 36-byte CARP header with its HMAC and checksum. The HMAC uses auth's vhid, which must match. */
export function encodeCarp(a: CarpFields, auth: CarpAuth): Buffer {
  const demote = a.demote ?? 0;
  checkByte('vhid', a.vhid);
  checkByte('advskew', a.advskew);
  checkByte('advbase', a.advbase);
  checkByte('demote', demote);
  if (a.vhid !== auth.vhid) throw new RangeError(`vhid ${a.vhid} does not match the key's vhid ${auth.vhid}`);
  if (a.counter < 0n || a.counter > CARP_COUNTER_MAX) throw new RangeError('CARP counter must be 0..2^64-1');
  const h = Buffer.alloc(CARP_LENGTH);
  h[0] = (CARP_VERSION << 4) | CARP_TYPE_ADVERTISEMENT;
  h[1] = a.vhid;
  h[2] = a.advskew;
  h[3] = CARP_AUTHLEN;
  h[4] = demote;
  h[5] = a.advbase;
  h.writeBigUInt64BE(a.counter, 8);
  auth.signInto(a.counter, h, 16);
  h.writeUInt16BE(internetChecksum(h), 6);
  return h;
}

/**
 * Decodes a CARP header from an IP payload (already bounded by the IP total length).
 * Exactly 36 bytes are accepted: ucarp always sends 36 (ucarp itself would ignore extra
 * bytes, but no sender produces them). Does not check the vhid or the HMAC.
 */
export function decodeCarp(payload: Buffer): Decoded<CarpAdvert> {
  if (payload.length === 0) return drop('length');
  const b0 = payload[0]!;
  if (b0 >>> 4 !== CARP_VERSION) return drop('version');
  if ((b0 & 0x0f) !== CARP_TYPE_ADVERTISEMENT) return drop('type');
  if (payload.length !== CARP_LENGTH) return drop('length');
  if (payload[3] !== CARP_AUTHLEN) return drop('length');
  if (internetChecksum(payload) !== 0) return drop('checksum');
  return {
    ok: true,
    value: {
      vhid: payload[1]!,
      advskew: payload[2]!,
      advbase: payload[5]!,
      demote: payload[4]!,
      counter: payload.readBigUInt64BE(8),
      hmac: Buffer.from(payload.subarray(16, 36)),
    },
  };
}
