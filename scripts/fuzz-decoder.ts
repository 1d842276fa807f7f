// Fuzzes the packet decoders: node dist/scripts/fuzz-decoder.js [count] [seed]
// Prints the seed (to replay a run), the outcome counts and the throughput; exits
// non-zero with the offending packet if a decoder throws or a forgery verifies.
import { createHmac } from 'node:crypto';
import { parseIp } from '../src/core/ip-address.js';
import { createCarpAuth, decodeCarp, encodeCarp } from '../src/core/packets/carp.js';
import { runPacketFuzz } from '../test/support/packet-fuzz.js';

function parseArg(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) {
    console.error(`fuzz-decoder: ${name} must be a non-negative integer, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return n;
}

const count = parseArg(process.argv[2], 1_000_000, 'count');
const seed = parseArg(process.argv[3], Math.floor(Math.random() * 0x100000000), 'seed') >>> 0;
console.log(`seed ${seed}, ${count} packets`);
const result = runPacketFuzz(count, seed);
const width = Math.max(...Object.keys(result.outcomes).map((k) => k.length));
for (const [name, n] of Object.entries(result.outcomes)) console.log(`  ${name.padEnd(width)}  ${n}`);
console.log(`${count} packets in ${result.elapsedMs.toFixed(0)} ms: ${result.packetsPerSecond} packets/s, no exception`);

// The per-packet HMAC cost under a flood: sign a counter, decode, verify.
function nsPerCall(n: number, body: (i: number) => void): number {
  for (let i = 0; i < 20_000; i++) body(i);
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) body(i);
  return Number(process.hrtime.bigint() - t) / n;
}
const auth = createCarpAuth(Buffer.from('love'), 42, [parseIp('10.77.0.252')!]);
const ad = encodeCarp({ vhid: 42, advskew: 10, advbase: 1, counter: 0x0123456789abcdefn }, auth);
const decoded = decodeCarp(ad);
if (!decoded.ok) throw new Error('benchmark advert does not decode');
const sign = nsPerCall(200_000, (i) => auth.sign(BigInt(i)));
const verify = nsPerCall(200_000, () => auth.verify(decoded.value));
const decodeVerify = nsPerCall(200_000, () => {
  const d = decodeCarp(ad);
  if (!d.ok || !auth.verify(d.value)) throw new Error('verify failed');
});
const nodeHmac = nsPerCall(200_000, (i) => createHmac('sha1', 'love').update(ad.subarray(0, 15 + (i & 1))).digest());
console.log(
  `CARP HMAC: sign ${sign.toFixed(0)} ns, verify ${verify.toFixed(0)} ns, decode+verify ${decodeVerify.toFixed(0)} ns` +
    ` per packet (node:crypto createHmac alone: ${nodeHmac.toFixed(0)} ns)`,
);
