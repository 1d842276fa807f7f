// Chaos, then calm, for VRRP groups: whatever happened before, once the segment is quiet
// and whole the group must settle on exactly one master and keep it. Many seeds; a
// failure names its seed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Random } from '../support/random.js';
import { vrrpCluster, type VrrpNodeOptions } from './vrrp-cluster.js';
import { assertSettles, chaosThenCalm, watchUnderLoss } from './chaos.js';

const SEEDS = Number(process.env.SIM_SEEDS ?? 300);

function randomGroup(rnd: Random): VrrpNodeOptions[] {
  const n = rnd.int(2, 5);
  const version = rnd.pick([2, 3] as const);
  const used = new Set<string>();
  const nodes: VrrpNodeOptions[] = [];
  while (nodes.length < n) {
    const addr = `10.${rnd.int(0, 3)}.${rnd.int(1, 3)}.${rnd.int(1, 4)}`;
    if (used.has(addr)) continue;
    used.add(addr);
    nodes.push({
      addr,
      version,
      // Few distinct priorities on purpose: equal priorities and address tie-breaks happen often.
      priority: rnd.pick([50, 100, 100, 200, 255]),
      // v2 peers must agree on the interval (mismatches are dropped); v3 peers may differ.
      intervalCs: version === 2 ? 100 : rnd.pick([5, 10, 100]),
      preempt: rnd.chance(0.4),
    });
  }
  return nodes;
}

function chaos(seed: number): void {
  const rnd = new Random(seed);
  const specs = randomGroup(rnd);
  const sim = vrrpCluster(specs, seed * 7919);
  const context = `seed ${seed}: ${JSON.stringify(specs)}`;
  const m = assertSettles(sim, chaosThenCalm(sim, rnd), context);
  // The master is one no other node would displace: no node that preempts has a higher priority.
  specs.forEach((spec, i) => {
    const preempts = spec.preempt || spec.priority === 255;
    if (i !== m && preempts) assert.ok(spec.priority! <= specs[m]!.priority!, `node ${i} would preempt node ${m}, ${context}`);
  });
}

describe('VRRP convergence under faults', () => {
  it(`settles on exactly one master after chaos (${SEEDS} seeds)`, () => {
    for (let seed = 1; seed <= SEEDS; seed++) chaos(seed);
  });

  for (const intervalCs of [100, 5]) {
    it(`v3 ${intervalCs * 10} ms: does not flap at 5% loss, and any false takeover resolves at once`, () => {
      const hours = intervalCs === 100 ? 1 : 0.25;
      const end = 10_000 + hours * 3_600_000;
      let changes = 0;
      for (let seed = 1; seed <= 5; seed++) {
        const sim = vrrpCluster(
          [
            { addr: '10.0.0.1', priority: 200, intervalCs },
            { addr: '10.0.0.2', priority: 150, intervalCs },
            { addr: '10.0.0.3', priority: 100, intervalCs },
          ],
          seed,
        );
        for (let i = 0; i < 3; i++) sim.boot(i);
        sim.runUntil(10_000);
        assert.deepEqual(sim.masters(), [0]);
        // The true master answers a false one at once; only a lost answer makes it wait an interval.
        const conditions = { loss: 0.05, duplicate: 0.01, minDelayMs: 0.1, maxDelayMs: 5 };
        changes += watchUnderLoss(sim, conditions, end, 2 * intervalCs * 10 + 10, 0, `seed ${seed}`);
      }
      // Three lost adverts in a row to one of two backups happen about every 4000 intervals.
      if (process.env.SIM_VERBOSE) console.log(`takeovers: ${changes}`);
      const intervals = (5 * hours * 3_600_000) / (intervalCs * 10);
      assert.ok(changes <= intervals / 1000, `${changes} takeovers in ${intervals} intervals`);
    });
  }
});
