// Sync groups under a minute of random faults (crashes, stops, partitions of one network
// or another, carrier flaps, demotions, failing checks, loss, delay, duplicates), then
// calm: every seed ends with one host MASTER of every group, and it stays. Throughout, no
// host is MASTER of only some of its groups between two turns.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Random } from '../support/random.js';
import { MIXES, routerPair } from './router-pair.js';
import { PERFECT } from './simulator.js';
import type { SyncSimulator } from './sync-simulator.js';

const CHAOS_MS = 60_000;
/** A demotion's 3 s quiet period, a master-down interval, and a few adverts. */
const SETTLE_MS = 10_000;
const STABLE_MS = 30_000;
const SEEDS = Number(process.env.SIM_SEEDS ?? 300);

function chaos(sim: SyncSimulator, rnd: Random): void {
  const segments = ['outside', 'inside', 'dmz'].slice(0, sim.memberCount);
  const hosts = sim.hostCount;
  for (let h = 0; h < hosts; h++) sim.at(rnd.between(0, 5000), () => sim.boot(h));
  for (let t = rnd.between(1000, 3000); t < CHAOS_MS; t += rnd.between(300, 5000)) {
    sim.at(t, () => {
      const h = rnd.int(0, hosts - 1);
      const m = rnd.int(0, sim.memberCount - 1);
      switch (rnd.int(0, 8)) {
        case 0: if (sim.isUp(h)) sim.crash(h); else sim.boot(h); break;
        case 1: if (sim.isUp(h)) sim.stop(h); break;
        case 2: sim.partition(rnd.pick(segments), Array.from({ length: hosts }, () => rnd.int(0, 1))); break;
        case 3: sim.heal(); break;
        case 4: sim.setLink(h, rnd.pick(segments), rnd.chance(0.5)); break;
        case 5: sim.demote(h, m); break;
        case 6: case 7: sim.checkResult(h, m, { index: 0, ok: rnd.chance(0.5), reason: 'chaos' }); break;
        default:
          sim.conditions = { loss: rnd.between(0, 0.4), duplicate: rnd.between(0, 0.2), minDelayMs: 0.1, maxDelayMs: rnd.between(1, 300) };
      }
    });
  }
  sim.runUntil(CHAOS_MS, () => sim.assertTogether(`seed ${rnd.seed} chaos`));
  sim.conditions = PERFECT;
  sim.heal();
  for (let h = 0; h < hosts; h++) {
    for (const s of segments) sim.setLink(h, s, true);
    for (let m = 0; m < sim.memberCount; m++) sim.checkResult(h, m, { index: 0, ok: true, reason: 'ok' });
    if (!sim.isUp(h)) sim.boot(h);
  }
}

describe('sync groups converge after random faults', () => {
  it(`${SEEDS} seeds, CARP, VRRP and mixed pairs: one host MASTER of every group, and it stays`, () => {
    const moves: number[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const protocols = MIXES[seed % MIXES.length]!;
      // A third of the seeds have networks that disagree on the preferred host, or tie.
      const rnd = new Random(seed * 7919);
      const preferred = seed % 3 === 1 ? protocols.map(() => rnd.pick([0, 1, 'tie'] as const)) : undefined;
      const sim = routerPair(protocols, seed, { preempt: seed % 2 === 0, preferred, checks: [{ name: 'exec:/bin/check', rise: 1, fall: 1, weight: 0 }] });
      const context = `seed ${seed} (${protocols.join('+')}${preferred ? `, preferred ${preferred.join(',')}` : ''})`;
      chaos(sim, rnd);
      sim.runUntil(CHAOS_MS + SETTLE_MS, () => sim.assertTogether(context));
      const master = sim.soleMaster();
      const roles = [0, 1].map((h) => [...Array(sim.memberCount).keys()].map((m) => sim.role(h, m)).join(',')).join(' | ');
      assert.notEqual(master, null, `${context}: one host MASTER of every group after calm, roles ${roles}`);
      const settled = sim.transitions.length;
      sim.runUntil(CHAOS_MS + SETTLE_MS + STABLE_MS, () => sim.assertTogether(context));
      assert.equal(sim.soleMaster(), master, `${context}: stays`);
      assert.equal(sim.transitions.length, settled, `${context}: no flapping once settled`);
      moves.push(sim.transitions.filter((t) => t.to === 'MASTER').length);
    }
    assert.ok(moves.every((n) => n > 0));
  });
});
