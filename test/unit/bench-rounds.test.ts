// The benchmark's rounds as one figure: the median round's CPU, the largest round's memory,
// and no failed round hidden.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { combineFlood, combineIdle } from '../../scripts/bench/rounds.js';
import type { FloodFigures, IdleFigures } from '../../scripts/bench/types.js';

const idle = (cpuMs: number, windowMs: number, rssKb: number): IdleFigures => ({ cpuMs, windowMs, rssKb, anonKb: rssKb / 2, processes: 1 });
const flood = (cpuMs: number, heldRoles = true, roleChanges?: string): FloodFigures => ({
  cpuMs,
  windowMs: 10_000,
  sent: 200_000,
  achievedRate: 20_000,
  heldRoles,
  ...(roleChanges ? { roleChanges } : {}),
});

describe('combineIdle', () => {
  it('takes the round whose CPU share is the median, by share (windows differ), and the largest memory of any round', () => {
    // Shares 0.30%, 0.20%, 0.25%: the median is the third round, though its cpuMs is the largest.
    const got = combineIdle([idle(60, 20_000, 50_000), idle(40, 20_000, 52_000), idle(75, 30_000, 49_000)]);
    assert.ok(got && 'cpuMs' in got);
    assert.deepEqual([got.cpuMs, got.windowMs, got.rssKb, got.anonKb], [75, 30_000, 52_000, 26_000]);
    assert.deepEqual(got.roundShares?.map((s) => s.toFixed(2)), ['0.30', '0.20', '0.25']);
  });

  it('takes the lower middle of an even count, and one round as it is', () => {
    const two = combineIdle([idle(50, 20_000, 1), idle(40, 20_000, 1)]);
    assert.ok(two && 'cpuMs' in two);
    assert.equal(two.cpuMs, 40);
    const one = combineIdle([idle(50, 20_000, 7)]);
    assert.ok(one && 'cpuMs' in one);
    assert.deepEqual([one.cpuMs, one.rssKb], [50, 7]);
  });

  it('fails the row when any round failed, saying which, and is undefined for no rounds', () => {
    assert.deepEqual(combineIdle([idle(50, 20_000, 1), { error: 'the pair changed roles while idle' }, idle(40, 20_000, 1)]), {
      error: 'round 2 of 3: the pair changed roles while idle',
    });
    assert.equal(combineIdle([]), undefined);
  });

  it('property: the figure is one of the rounds, with at least half of them at or below its share and at least half at or above', () => {
    const round = fc.record({ cpuMs: fc.integer({ min: 0, max: 10_000 }), windowMs: fc.integer({ min: 1, max: 60_000 }), rssKb: fc.integer({ min: 0, max: 1e6 }) });
    fc.assert(
      fc.property(fc.array(round, { minLength: 1, maxLength: 9 }), (rounds) => {
        const got = combineIdle(rounds.map((r) => idle(r.cpuMs, r.windowMs, r.rssKb)));
        assert.ok(got && 'cpuMs' in got);
        const share = got.cpuMs / got.windowMs;
        const shares = rounds.map((r) => r.cpuMs / r.windowMs);
        assert.ok(rounds.some((r) => r.cpuMs === got.cpuMs && r.windowMs === got.windowMs));
        assert.ok(shares.filter((s) => s <= share).length * 2 >= rounds.length);
        assert.ok(shares.filter((s) => s >= share).length * 2 >= rounds.length);
        assert.equal(got.rssKb, Math.max(...rounds.map((r) => r.rssKb)));
      }),
    );
  });
});

describe('combineFlood', () => {
  it('takes the median round, and holds the roles only when every round held them', () => {
    const got = combineFlood([flood(900), flood(1100, false, 'the backup logged 1× state changes'), flood(1000)]);
    assert.ok(got && 'cpuMs' in got);
    assert.equal(got.cpuMs, 1000);
    assert.equal(got.heldRoles, false);
    assert.equal(got.roleChanges, 'the backup logged 1× state changes');
    assert.deepEqual(got.roundShares, [9, 11, 10]);
  });

  it('fails the row when any round failed', () => {
    assert.deepEqual(combineFlood([flood(900), { error: 'the flood never started' }]), { error: 'round 2 of 2: the flood never started' });
  });
});
