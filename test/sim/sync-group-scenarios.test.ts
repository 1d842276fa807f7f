// Sync groups in the simulator: a router-like pair whose groups (outside, inside, ...)
// move between the hosts together, whatever makes the master let go of one of them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MIXES, routerPair, type Protocol } from './router-pair.js';
import type { SyncSimulator } from './sync-simulator.js';

/** Boots host 0, then host 1, and runs until host 0 holds every group (checking the promise at every step). */
function settled(protocols: Protocol[], o: Parameters<typeof routerPair>[2] = {}): SyncSimulator {
  const sim = routerPair(protocols, 7, o);
  sim.boot(0);
  sim.at(500, () => sim.boot(1));
  sim.runUntil(10_000, () => sim.assertTogether('start-up'));
  assert.equal(sim.soleMaster(), 0, 'host 0 holds every group after start-up');
  return sim;
}

/** Runs to `until`, checking the promise; returns when host 1 held every group first (or null). */
function runWatching(sim: SyncSimulator, until: number, label: string): number | null {
  let movedAt: number | null = null;
  sim.runUntil(until, () => {
    sim.assertTogether(label);
    if (movedAt === null && sim.soleMaster() === 1) movedAt = sim.now;
  });
  return movedAt;
}

const mix = (p: Protocol[]): string => p.join('+');

describe('sync groups in the simulator', () => {
  for (const protocols of MIXES) {
    it(`${mix(protocols)}: the outside link of the master dies, and every address moves to the peer together`, () => {
      const sim = settled(protocols);
      sim.at(20_000, () => sim.setLink(0, 'outside', false));
      const movedAt = runWatching(sim, 50_000, 'outside link down');
      assert.ok(movedAt !== null && movedAt - 20_000 < 1100, `all moved within a handover (${movedAt === null ? 'never' : movedAt - 20_000} ms)`);
      assert.equal(sim.soleMaster(), 1, 'and host 1 keeps them while the link is down');
      const inside = sim.transitions.find((t) => t.host === 0 && t.member === 1 && t.from === 'MASTER');
      assert.equal(inside?.reason, 'following sync group pair: member outside cannot be MASTER (interface lost carrier)');
      // Carrier back: no preemption, so nothing moves.
      const before = sim.transitions.length;
      sim.at(60_000, () => sim.setLink(0, 'outside', true));
      runWatching(sim, 90_000, 'outside link back');
      assert.equal(sim.transitions.length, before, 'the carrier coming back moves nothing');
    });

    it(`${mix(protocols)}: a failing check puts one member in FAULT and every address moves`, () => {
      const sim = settled(protocols, { checks: [{ name: 'exec:/bin/false', rise: 2, fall: 2, weight: 0 }] });
      for (const t of [20_000, 21_000]) sim.at(t, () => sim.checkResult(0, 1, { index: 0, ok: false, reason: 'exit status 1' }));
      const movedAt = runWatching(sim, 40_000, 'inside check fails');
      assert.ok(movedAt !== null && movedAt - 21_000 < 1100, 'all moved at the second failure');
      assert.equal(sim.role(0, 1), 'FAULT');
      assert.ok(sim.transitions.some((t) => t.host === 0 && t.member === 0 && t.reason === 'following sync group pair: member inside cannot be MASTER (check exec:/bin/false failed)'));
      // Healthy again, with --preempt off: the addresses stay on host 1.
      for (const t of [50_000, 51_000]) sim.at(t, () => sim.checkResult(0, 1, { index: 0, ok: true, reason: 'ok' }));
      runWatching(sim, 70_000, 'check healthy');
      assert.equal(sim.soleMaster(), 1);
    });

    it(`${mix(protocols)}: SIGUSR2 on one member moves all, and with --preempt they come back together`, () => {
      const sim = settled(protocols, { preempt: true });
      sim.at(20_000, () => sim.demote(0, 0));
      const movedAt = runWatching(sim, 22_000, 'demote');
      assert.ok(movedAt !== null && movedAt - 20_000 < 1100, 'all moved at the demotion');
      // After the quiet period the preferred host preempts, every member at once.
      runWatching(sim, 40_000, 'preempt back');
      assert.equal(sim.soleMaster(), 0);
      const up = sim.transitions.filter((t) => t.host === 0 && t.at > 20_000 && t.to === 'MASTER');
      assert.equal(up.length, protocols.length, 'each member took over once');
    });
  }

  it('without a sync group the same link failure splits the groups (the test sees the difference)', () => {
    const sim = routerPair(['carp', 'carp'], 7, { synced: false });
    sim.boot(0);
    sim.at(500, () => sim.boot(1));
    sim.at(20_000, () => sim.setLink(0, 'outside', false));
    sim.runUntil(40_000);
    assert.deepEqual([sim.mastersOf(0), sim.mastersOf(1)], [[1], [0]]);
  });

  for (const protocols of MIXES) {
    it(`${mix(protocols)}: only the outside network partitioned: no flapping, the group stays whole on host 0`, () => {
      for (const preempt of [false, true]) {
        const sim = settled(protocols, { preempt });
        const before = sim.transitions.length;
        sim.at(20_000, () => sim.partition('outside', [0, 1]));
        runWatching(sim, 80_000, 'outside partitioned');
        assert.equal(sim.transitions.length, before, `no transition at all (preempt ${preempt})`);
        assert.equal(sim.soleMaster(), 0);
      }
    });

    it(`${mix(protocols)}: host 0 dies, host 1 takes every group after the longest master-down interval`, () => {
      const sim = settled(protocols);
      sim.at(20_000, () => sim.crash(0));
      const movedAt = runWatching(sim, 40_000, 'crash');
      assert.ok(movedAt !== null && movedAt - 20_000 < 5000, `moved in ${movedAt === null ? 'never' : movedAt - 20_000} ms`);
      sim.at(45_000, () => sim.boot(0));
      runWatching(sim, 70_000, 'reboot');
      assert.equal(sim.soleMaster(), 1, 'no preemption: host 1 keeps them');
    });
  }

  for (const protocols of MIXES) {
    it(`${mix(protocols)}: networks that disagree on the preferred host, split and healed: one host takes all, no flapping`, () => {
      for (const preempt of [false, true]) {
        const sim = routerPair(protocols, 11, { preempt, preferred: protocols.map((_, k) => (k % 2) as 0 | 1) });
        sim.boot(0);
        sim.boot(1);
        for (const network of ['outside', 'inside', 'dmz']) sim.at(10_000, () => sim.partition(network, [0, 1]));
        sim.at(30_000, () => sim.heal());
        sim.runUntil(45_000, () => sim.assertTogether('split'));
        assert.notEqual(sim.soleMaster(), null, `one host holds every group (preempt ${preempt})`);
        const settled = sim.transitions.length;
        sim.runUntil(90_000, () => sim.assertTogether('healed'));
        assert.equal(sim.transitions.length, settled, `no flapping (preempt ${preempt})`);
      }
    });
  }
});
