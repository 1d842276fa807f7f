// Health checks on a simulated segment: FAULT hands over, weights reorder a group as
// keepalived would, rise/fall hysteresis holds under flapping, FAULT stays silent.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CheckRule } from '../../src/core/election/health.js';
import { carpCluster } from './carp-cluster.js';
import type { Simulator } from './simulator.js';
import { vrrpCluster } from './vrrp-cluster.js';

const INTERVAL_MS = 1000;
const check = (o: Partial<CheckRule> = {}): CheckRule => ({ name: 'http://127.0.0.1/health', rise: 2, fall: 2, weight: 0, ...o });

/** A service per node that is up unless its window of downtime covers now. */
class Services {
  private readonly down = new Map<number, [number, number][]>();
  kill(node: number, from: number, until = Infinity): void {
    this.down.set(node, [...(this.down.get(node) ?? []), [from, until]]);
  }
  up(node: number, now: number): boolean {
    return !(this.down.get(node) ?? []).some(([a, b]) => now >= a && now < b);
  }
}

function probeAll<In, Out>(sim: Simulator<In, Out>, services: Services, phaseMs = 0): void {
  for (let i = 0; i < sim.size; i++) {
    const node = i;
    // Probes do not run in step with the adverts: each node starts its own at some phase.
    sim.at(sim.now + phaseMs * (i + 1), () => sim.probeEvery(node, 0, INTERVAL_MS, (now) => services.up(node, now)));
  }
}

/** Adverts a node sent while in FAULT, other than the one leaving advert at the instant it got there. */
function faultAdverts<In, Out>(sim: Simulator<In, Out>): number {
  return sim.sentAdverts.filter((a) => a.role === 'FAULT' && !sim.transitions.some((t) => t.node === a.node && t.to === 'FAULT' && t.at === a.at)).length;
}

const clusters = {
  carp: () => carpCluster([{ addr: '10.0.0.1', checks: [check()] }, { addr: '10.0.0.2', advskew: 50, checks: [check()] }]),
  vrrp3: () => vrrpCluster([{ addr: '10.0.0.1', priority: 200, checks: [check()] }, { addr: '10.0.0.2', priority: 100, checks: [check()] }]),
  vrrp2: () => vrrpCluster([{ addr: '10.0.0.1', priority: 200, version: 2, checks: [check()] }, { addr: '10.0.0.2', priority: 100, version: 2, checks: [check()] }]),
};

describe('health checks on a simulated segment', () => {
  for (const [name, make] of Object.entries(clusters)) {
    it(`${name}: a master whose service dies hands over within fall x interval + one advertisement, and never advertises in FAULT`, () => {
      for (const phase of [0, 130, 499, 777]) {
        const sim = make() as Simulator<unknown, unknown>;
        const services = new Services();
        sim.boot(0);
        sim.boot(1);
        probeAll(sim, services, phase);
        sim.runUntil(10_000);
        assert.deepEqual(sim.masters(), [0]);
        const deathAt = 10_000 + phase / 3;
        services.kill(0, deathAt);
        sim.runUntil(20_000);
        assert.deepEqual(sim.masters(), [1], `phase ${phase}`);
        assert.equal(sim.role(0), 'FAULT');
        const takeover = sim.transitions.find((t) => t.node === 1 && t.to === 'MASTER')!;
        const bound = 2 * INTERVAL_MS + INTERVAL_MS; // fall x interval + one advertisement
        assert.ok(takeover.at - deathAt <= bound, `${name} phase ${phase}: took ${takeover.at - deathAt} ms`);
        const fault = sim.transitions.find((t) => t.node === 0 && t.to === 'FAULT')!;
        // CARP's bow-out: at once; VRRP's priority 0: after the backup's skew time.
        const answer = name === 'carp' ? 0 : ((256 - 100) * INTERVAL_MS) / 256;
        assert.ok(takeover.at - fault.at < answer + 5, `the backup answers the leaving advert at once (${takeover.at - fault.at} ms)`);
        assert.equal(sim.scripts(0).at(-1)?.script, 'down', 'the faulty master ran its downscript');
        assert.equal(faultAdverts(sim), 0, 'FAULT never advertises');
      }
    });
  }

  it('a healed node goes to BACKUP and, with --preempt, takes the address back', () => {
    for (const preempt of [false, true]) {
      const sim = vrrpCluster([
        { addr: '10.0.0.1', priority: 200, preempt, checks: [check()] },
        { addr: '10.0.0.2', priority: 100, checks: [check()] },
      ]);
      const services = new Services();
      sim.boot(0);
      sim.boot(1);
      probeAll(sim, services, 100);
      services.kill(0, 10_000, 15_000);
      sim.runUntil(14_000);
      assert.deepEqual(sim.masters(), [1]);
      sim.runUntil(30_000);
      const back = sim.transitions.find((t) => t.node === 0 && t.from === 'FAULT')!;
      assert.equal(back.to, 'BACKUP');
      assert.ok(back.at >= 15_000 && back.at <= 15_000 + 2 * INTERVAL_MS + 1, 'healthy again after rise results');
      assert.deepEqual(sim.masters(), preempt ? [0] : [1]);
    }
  });

  it('when every node fails, nobody holds the address; the first to heal takes it', () => {
    const sim = carpCluster([{ addr: '10.0.0.1', checks: [check()] }, { addr: '10.0.0.2', advskew: 50, checks: [check()] }]);
    const services = new Services();
    sim.boot(0);
    sim.boot(1);
    probeAll(sim, services, 50);
    services.kill(0, 10_000);
    services.kill(1, 10_000, 25_000);
    let doubled = false;
    sim.runUntil(20_000, () => (doubled ||= sim.masters().length > 1));
    assert.deepEqual(sim.masters(), []);
    assert.deepEqual([sim.role(0), sim.role(1)], ['FAULT', 'FAULT']);
    sim.runUntil(40_000, () => (doubled ||= sim.masters().length > 1));
    assert.deepEqual(sim.masters(), [1]);
    assert.equal(doubled, false);
    assert.equal(faultAdverts(sim), 0);
  });

  it('rise/fall hysteresis: a check that flaps faster than fall never faults; a failed one needs rise good results in a row', () => {
    const sim = vrrpCluster([{ addr: '10.0.0.1', priority: 200, checks: [check({ fall: 3, rise: 3 })] }, { addr: '10.0.0.2', priority: 100 }]);
    sim.boot(0);
    sim.boot(1);
    let n = 0;
    // fail, fail, ok, fail, fail, ok, ...: never three failures in a row
    sim.probeEvery(0, 0, INTERVAL_MS, () => ++n % 3 === 0);
    sim.runUntil(60_000);
    assert.deepEqual(sim.masters(), [0]);
    assert.equal(sim.checkChanges.length, 0, 'no state change, so nothing to log');

    const sim2 = vrrpCluster([{ addr: '10.0.0.1', priority: 200, checks: [check({ fall: 1, rise: 3 })] }, { addr: '10.0.0.2', priority: 100 }]);
    sim2.boot(0);
    sim2.boot(1);
    let m = 0;
    // one failure, then ok, ok, fail, ok, ok, fail...: never three good ones in a row
    sim2.probeEvery(0, 0, INTERVAL_MS, () => m++ > 0 && m % 3 !== 1);
    sim2.runUntil(60_000);
    assert.equal(sim2.role(0), 'FAULT');
    assert.deepEqual(sim2.masters(), [1]);
    assert.equal(sim2.checkChanges.length, 1, 'one change, logged once');
    assert.equal(faultAdverts(sim2), 0);
  });

  it('weights reorder a three-node VRRP group as keepalived would (preempting backups)', () => {
    // priorities 100 / 90 / 80; node 0 loses 30 while its check fails, node 1 loses 15.
    const sim = vrrpCluster([
      { addr: '10.0.0.1', priority: 100, preempt: true, checks: [check({ weight: -30 })] },
      { addr: '10.0.0.2', priority: 90, preempt: true, checks: [check({ weight: -15 })] },
      { addr: '10.0.0.3', priority: 80, preempt: true, checks: [check({ weight: 0 })] },
    ]);
    const services = new Services();
    for (let i = 0; i < 3; i++) sim.boot(i);
    probeAll(sim, services, 70);
    sim.runUntil(10_000);
    assert.deepEqual(sim.masters(), [0]);
    services.kill(0, 10_000, 30_000); // 70: below both others
    sim.runUntil(20_000);
    assert.deepEqual(sim.masters(), [1], 'node 1 (90) outranks node 0 (70) and node 2 (80)');
    services.kill(1, 20_000, 40_000); // 75
    sim.runUntil(30_000);
    assert.deepEqual(sim.masters(), [2], 'node 2 (80) outranks 75 and 70');
    sim.runUntil(35_000); // node 0 healed: 100
    assert.deepEqual(sim.masters(), [0]);
    assert.equal(sim.role(1), 'BACKUP', 'a negative weight never means FAULT');
    assert.ok(sim.transitions.every((t) => t.to !== 'FAULT'));
  });

  it('a positive weight raises a node while its check succeeds', () => {
    const sim = vrrpCluster([
      { addr: '10.0.0.1', priority: 100, preempt: true },
      { addr: '10.0.0.2', priority: 90, preempt: true, checks: [check({ weight: 20 })] },
    ]);
    const services = new Services();
    sim.boot(0);
    sim.boot(1);
    sim.probeEvery(1, 0, INTERVAL_MS, (now) => services.up(1, now));
    sim.runUntil(10_000);
    assert.deepEqual(sim.masters(), [1], '90 + 20 outranks 100');
    services.kill(1, 10_000);
    sim.runUntil(20_000);
    assert.deepEqual(sim.masters(), [0]);
  });

  it('CARP: a master lowered by a weight advertises the longer skew at once and a preempting backup takes over within one advertisement', () => {
    const sim = carpCluster([
      { addr: '10.0.0.1', advskew: 0, checks: [check({ weight: -100 })] },
      { addr: '10.0.0.2', advskew: 50, preempt: true },
    ]);
    const services = new Services();
    sim.boot(0);
    sim.boot(1);
    sim.probeEvery(0, 0, INTERVAL_MS, (now) => services.up(0, now));
    sim.runUntil(10_000);
    assert.deepEqual(sim.masters(), [0]);
    services.kill(0, 10_000.5);
    sim.runUntil(20_000);
    assert.deepEqual(sim.masters(), [1]);
    const changed = sim.checkChanges.find((c) => c.node === 0)!;
    const takeover = sim.transitions.find((t) => t.node === 1 && t.to === 'MASTER')!;
    assert.ok(takeover.at - changed.at < 5, `took ${takeover.at - changed.at} ms after the skew changed`);
    const lowered = sim.sentAdverts.filter((a) => a.node === 0 && a.at === changed.at).at(-1);
    assert.deepEqual(lowered?.advert, { ...(lowered?.advert as object), advbase: 1, advskew: 100 }, 'the longer skew went out at once');
  });

  it('a file check with a weight moves the priority by value x weight', () => {
    const sim = vrrpCluster([
      { addr: '10.0.0.1', priority: 100, preempt: true, checks: [check({ name: 'file:/run/prio', weight: -10, scaled: true, rise: 1, fall: 1 })] },
      { addr: '10.0.0.2', priority: 80, preempt: true },
    ]);
    sim.boot(0);
    sim.boot(1);
    let value = 1; // 100 - 10 = 90: still ahead
    sim.probeEvery(0, 0, INTERVAL_MS, () => value);
    sim.runUntil(10_000);
    assert.deepEqual(sim.masters(), [0]);
    value = 3; // 70: behind
    sim.runUntil(20_000);
    assert.deepEqual(sim.masters(), [1]);
    value = 0;
    sim.runUntil(30_000);
    assert.deepEqual(sim.masters(), [0]);
  });
});
