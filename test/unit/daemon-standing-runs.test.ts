// Handing a run of standing adverts back after a stop reuses the bytes already encoded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseIp } from '../../src/core/ip-address.js';
import { StandingRuns } from '../../src/daemon/standing-runs.js';

const group = parseIp('224.0.0.18')!;
const peer = parseIp('10.0.0.2')!;
const run = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ counter: BigInt(from + i), skew: 0 }));

test('the rest of a run after some went out is not encoded again; only the new tail is', () => {
  const runs = new StandingRuns();
  let encoded = 0;
  const encode = (a: unknown): Buffer => {
    encoded++;
    return Buffer.from(String((a as { counter: bigint }).counter));
  };
  const first = runs.encode(run(100, 60), group, encode);
  assert.equal(encoded, 60);
  // 7 went out natively, 2 more through the election: the next run starts at 109.
  const second = runs.encode(run(109, 60), group, encode);
  assert.equal(encoded, 60 + 9, 'only the 9 adverts past the end of the first run');
  assert.equal(second[0], first[9], 'the same bytes, not a copy');
  assert.deepEqual(second.map(String), run(109, 60).map((a) => String(a.counter)));
  // Anything else about an advert changed (its skew): encoded afresh.
  runs.encode(run(109, 60).map((a) => ({ ...a, skew: 50 })), group, encode);
  assert.equal(encoded, 69 + 60);
  // Another destination, or after forget(): afresh too.
  runs.encode(run(109, 60).map((a) => ({ ...a, skew: 50 })), peer, encode);
  assert.equal(encoded, 129 + 60);
  runs.forget();
  runs.encode(run(109, 60).map((a) => ({ ...a, skew: 50 })), peer, encode);
  assert.equal(encoded, 189 + 60);
});
