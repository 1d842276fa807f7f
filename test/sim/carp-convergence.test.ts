// Chaos, then calm: whatever happened before, once the segment is quiet and whole the
// cluster must settle on exactly one master and keep it. Many seeds; a failure names its seed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Random } from '../support/random.js';
import { carpCluster, type CarpNodeOptions } from './carp-cluster.js';
import { assertSettles, chaosThenCalm, watchUnderLoss } from './chaos.js';

const SEEDS = Number(process.env.SIM_SEEDS ?? 300);

function randomCluster(rnd: Random): CarpNodeOptions[] {
  const n = rnd.int(2, 5);
  const used = new Set<string>();
  const nodes: CarpNodeOptions[] = [];
  while (nodes.length < n) {
    const addr = `10.${rnd.int(0, 3)}.${rnd.int(1, 3)}.${rnd.int(1, 4)}`;
    if (used.has(addr)) continue;
    used.add(addr);
    // Small skew range on purpose: equal intervals and address tie-breaks happen often.
    nodes.push({ addr, advbase: 1, advskew: rnd.pick([0, 0, 10, 10, 50, 200]), preempt: rnd.chance(0.4) });
  }
  return nodes;
}

function chaos(seed: number): void {
  const rnd = new Random(seed);
  const specs = randomCluster(rnd);
  const sim = carpCluster(specs, seed * 7919);
  assertSettles(sim, chaosThenCalm(sim, rnd), `seed ${seed}: ${JSON.stringify(specs)}`);
}

describe('CARP convergence under faults', () => {
  it(`settles on exactly one master after chaos (${SEEDS} seeds)`, () => {
    for (let seed = 1; seed <= SEEDS; seed++) chaos(seed);
  });

  it('does not flap at 5% loss, and any false takeover resolves within two intervals', () => {
    let changes = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const sim = carpCluster([{ addr: '10.0.0.1' }, { addr: '10.0.0.2', advskew: 20 }, { addr: '10.0.0.3', advskew: 40 }], seed);
      for (let i = 0; i < 3; i++) sim.boot(i);
      sim.runUntil(10_000);
      assert.deepEqual(sim.masters(), [0]);
      changes += watchUnderLoss(sim, { loss: 0.05, duplicate: 0.01, minDelayMs: 0.1, maxDelayMs: 5 }, 3_610_000, 2000, 0, `seed ${seed}`);
    }
    // Three lost adverts in a row to one of two backups: about 0.9 an hour at 5% loss.
    assert.ok(changes <= 30, `${changes} takeovers in 10 simulated hours`);
  });
});
