// Comparing a received authenticator with the expected one in time that does not
// depend on where they differ, so a forger learns nothing from how fast we answer.
// Ours rather than node:crypto's timingSafeEqual: loading node:crypto for one call
// costs the daemon about 1 MB of resident memory.

/** True when a and b hold the same bytes; the time depends only on the lengths. */
export function sameBytesConstantTime(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
