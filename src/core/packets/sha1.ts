// SHA-1 (FIPS 180-4) and HMAC-SHA1 (RFC 2104) in plain TypeScript, written for one job:
// the CARP HMAC, computed once per received advertisement. Its message is a constant
// prefix followed by an 8-byte counter, so the key pads and the prefix are hashed once
// ahead of time and each packet costs two compressions, with no allocation. node:crypto
// cannot resume from a saved state: createHmac per packet re-hashes both key pads and
// builds a native object, 2.5-3.6 µs per HMAC against 0.56-0.62 µs for this (measured
// side by side, 200,000 each, Node 20 on the benchmark VM), so this stays. Either is
// a small part of the ~8 µs a refused packet costs the daemon (the wake-up and the
// copy into JavaScript are the rest).

const IV = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0];

// Message schedule, shared: the functions below never run concurrently.
const W = new Int32Array(80);

/** Runs the compression function on the 64-byte block at `offset`, updating `state`. */
export function sha1Compress(state: Int32Array, block: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const j = offset + 4 * i;
    W[i] = (block[j]! << 24) | (block[j + 1]! << 16) | (block[j + 2]! << 8) | block[j + 3]!;
  }
  for (let i = 16; i < 80; i++) {
    const x = W[i - 3]! ^ W[i - 8]! ^ W[i - 14]! ^ W[i - 16]!;
    W[i] = (x << 1) | (x >>> 31);
  }
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  let t = 0;
  for (let i = 0; i < 20; i++) {
    t = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + W[i]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  for (let i = 20; i < 40; i++) {
    t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + W[i]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  for (let i = 40; i < 60; i++) {
    t = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e - 0x70e44324 + W[i]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  for (let i = 60; i < 80; i++) {
    t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e - 0x359d3e2a + W[i]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = t;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
}

function writeState(state: Int32Array, out: Uint8Array, offset: number): void {
  for (let i = 0; i < 5; i++) {
    const v = state[i]!;
    out[offset + 4 * i] = v >>> 24;
    out[offset + 4 * i + 1] = (v >>> 16) & 0xff;
    out[offset + 4 * i + 2] = (v >>> 8) & 0xff;
    out[offset + 4 * i + 3] = v & 0xff;
  }
}

/**
 * Builds the final block(s) for a message of `totalLength` bytes whose last `tail`
 * bytes are not yet compressed: room for the tail, the 0x80 marker, and the bit length.
 */
function finalBlocks(tailLength: number, totalLength: number): Uint8Array {
  const size = Math.ceil((tailLength + 9) / 64) * 64;
  const blocks = new Uint8Array(size);
  blocks[tailLength] = 0x80;
  const bits = totalLength * 8;
  const high = Math.floor(bits / 0x100000000);
  const low = bits >>> 0;
  for (let i = 0; i < 4; i++) {
    blocks[size - 8 + i] = (high >>> (24 - 8 * i)) & 0xff;
    blocks[size - 4 + i] = (low >>> (24 - 8 * i)) & 0xff;
  }
  return blocks;
}

/** Plain SHA-1 of `data`, 20 bytes. */
export function sha1(data: Uint8Array): Uint8Array {
  const state = Int32Array.from(IV);
  const full = data.length - (data.length % 64);
  for (let off = 0; off < full; off += 64) sha1Compress(state, data, off);
  const last = finalBlocks(data.length - full, data.length);
  last.set(data.subarray(full));
  for (let off = 0; off < last.length; off += 64) sha1Compress(state, last, off);
  const out = new Uint8Array(20);
  writeState(state, out, 0);
  return out;
}

/**
 * HMAC-SHA1 over `prefix || suffix`, where the prefix and the suffix length are fixed
 * when the object is built. Everything that does not depend on the suffix is done then.
 */
export class HmacSha1WithPrefix {
  private readonly innerMid: Int32Array;
  private readonly outerMid: Int32Array;
  /** Final inner block(s): uncompressed prefix tail, then the suffix, then padding. */
  private readonly innerLast: Uint8Array;
  private readonly suffixOffset: number;
  /** Final outer block: the inner digest, then padding for 64 + 20 bytes. */
  private readonly outerLast: Uint8Array;
  private readonly work = new Int32Array(5);

  constructor(
    key: Uint8Array,
    prefix: Uint8Array,
    readonly suffixLength: number,
  ) {
    const k = key.length > 64 ? sha1(key) : key;
    const pad = new Uint8Array(64);
    pad.set(k);
    for (let i = 0; i < 64; i++) pad[i] = pad[i]! ^ 0x36;
    this.innerMid = Int32Array.from(IV);
    sha1Compress(this.innerMid, pad, 0);
    const full = prefix.length - (prefix.length % 64);
    for (let off = 0; off < full; off += 64) sha1Compress(this.innerMid, prefix, off);
    this.suffixOffset = prefix.length - full;
    this.innerLast = finalBlocks(this.suffixOffset + suffixLength, 64 + prefix.length + suffixLength);
    this.innerLast.set(prefix.subarray(full));

    for (let i = 0; i < 64; i++) pad[i] = pad[i]! ^ 0x36 ^ 0x5c;
    this.outerMid = Int32Array.from(IV);
    sha1Compress(this.outerMid, pad, 0);
    this.outerLast = finalBlocks(20, 64 + 20);
  }

  /** Writes HMAC(prefix || suffix) to out[outOffset .. outOffset + 20). */
  digestInto(suffix: Uint8Array, out: Uint8Array, outOffset = 0): void {
    if (suffix.length !== this.suffixLength) throw new RangeError(`suffix must be ${this.suffixLength} bytes`);
    const work = this.work;
    this.innerLast.set(suffix, this.suffixOffset);
    work.set(this.innerMid);
    for (let off = 0; off < this.innerLast.length; off += 64) sha1Compress(work, this.innerLast, off);
    writeState(work, this.outerLast, 0);
    work.set(this.outerMid);
    sha1Compress(work, this.outerLast, 0);
    writeState(work, out, outOffset);
  }
}
