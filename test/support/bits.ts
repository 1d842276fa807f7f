// Corrupting packets one bit at a time, for the codecs' property tests.

/** A copy of buf with bit number `bit` (0 = the first byte's most significant) flipped. */
export function flipBit(buf: Buffer, bit: number): Buffer {
  const b = Buffer.from(buf);
  b[bit >> 3] = b[bit >> 3]! ^ (0x80 >> (bit & 7));
  return b;
}
