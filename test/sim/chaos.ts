// The fault schedule and the checks shared by the CARP and VRRP convergence tests:
// random boots, crashes, graceful stops, partitions, carrier flaps, demotions and bad
// network conditions for a minute, then calm, then "exactly one master, and it stays".
import assert from 'node:assert/strict';
import type { Random } from '../support/random.js';
import { PERFECT, type NetworkConditions, type Simulator } from './simulator.js';

const CHAOS_MS = 60_000;
/** Longest wait after calm: a 3 s demotion quiet period, then master-down, plus a few intervals. */
const SETTLE_MS = 10_000;
const STABLE_MS = 30_000;

/** Runs a minute of random faults, then makes everything whole; returns when calm began. */
export function chaosThenCalm<In, Out>(sim: Simulator<In, Out>, rnd: Random): number {
  const n = sim.size;
  const up = new Array<boolean>(n).fill(false);
  for (let i = 0; i < n; i++) sim.at(rnd.between(0, 5000), () => ((up[i] = true), sim.boot(i)));
  for (let t = rnd.between(1000, 3000); t < CHAOS_MS; t += rnd.between(300, 5000)) {
    sim.at(t, () => {
      const i = rnd.int(0, n - 1);
      switch (rnd.int(0, 7)) {
        case 0: if (up[i]) { sim.crash(i); up[i] = false; } else { sim.boot(i); up[i] = true; } break;
        case 1: if (up[i]) { sim.stop(i); up[i] = false; } break;
        case 2: sim.partition(Array.from({ length: n }, () => rnd.int(0, 2))); break;
        case 3: sim.heal(); break;
        case 4: sim.setLink(i, rnd.chance(0.5)); break;
        case 5: sim.demote(i); break;
        default:
          sim.conditions = { loss: rnd.between(0, 0.4), duplicate: rnd.between(0, 0.2), minDelayMs: 0.1, maxDelayMs: rnd.between(1, 300) };
      }
    });
  }
  sim.runUntil(CHAOS_MS);
  sim.conditions = PERFECT;
  sim.heal();
  for (let i = 0; i < n; i++) {
    sim.setLink(i, true);
    if (!up[i]) sim.boot(i);
  }
  return CHAOS_MS;
}

/** After calm: one master within SETTLE_MS, and no change at all for STABLE_MS more. Returns the master. */
export function assertSettles<In, Out>(sim: Simulator<In, Out>, calmAt: number, context: string): number {
  const settleBy = calmAt + SETTLE_MS;
  sim.runUntil(settleBy);
  const roles = [...Array(sim.size).keys()].map((i) => sim.role(i)).join(',');
  assert.equal(sim.masters().length, 1, `one master after calm, ${context}, roles ${roles}`);
  const settled = sim.transitions.length;
  sim.runUntil(settleBy + STABLE_MS, () => assert.equal(sim.masters().length, 1, `stays one master, ${context}`));
  assert.equal(sim.transitions.length, settled, `no flapping once settled, ${context}`);
  return sim.masters()[0]!;
}

/**
 * Runs a settled cluster under lossy conditions until `end`: never no master, two masters
 * never for longer than `maxDualMs`, and node `preferred` holds the address at the end.
 * Returns how many takeovers happened.
 */
export function watchUnderLoss<In, Out>(
  sim: Simulator<In, Out>,
  conditions: NetworkConditions,
  end: number,
  maxDualMs: number,
  preferred: number,
  label: string,
): number {
  const start = sim.now;
  sim.conditions = conditions;
  let dualSince: number | null = null;
  sim.runUntil(end, () => {
    const count = sim.masters().length;
    assert.ok(count >= 1, `${label}: never no master at ${sim.now}`);
    if (count > 1) dualSince ??= sim.now;
    else dualSince = null;
    assert.ok(dualSince === null || sim.now - dualSince <= maxDualMs, `${label}: two masters for over ${maxDualMs} ms at ${sim.now}`);
  });
  assert.deepEqual(sim.masters(), [preferred], `${label}: the preferred node holds the address at the end`);
  return sim.transitions.filter((t) => t.at > start && t.to === 'MASTER').length;
}
