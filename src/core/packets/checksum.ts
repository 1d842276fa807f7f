// The Internet checksum (RFC 1071): one's complement of the one's complement sum of
// 16-bit big-endian words. Several parts are summed as if concatenated, so a pseudo-
// header and a packet need no copy; an odd-length part carries its last byte over.

/**
 * Returns the checksum to store in a header whose checksum field is zero, or, run over
 * a packet that already carries its checksum, 0 when that checksum is right.
 */
export function internetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  // True when the previous part ended on the high byte of a word.
  let odd = false;
  for (const part of parts) {
    let i = 0;
    const n = part.length;
    if (odd && n > 0) {
      sum += part[0]!;
      i = 1;
      odd = false;
    }
    const even = n - ((n - i) & 1);
    for (; i < even; i += 2) sum += (part[i]! << 8) | part[i + 1]!;
    if (i < n) {
      sum += part[i]! << 8;
      odd = true;
    }
    // Fold now and then so the sum stays a small integer whatever the input size.
    if (sum > 0x7fffffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}
