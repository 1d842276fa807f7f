// Whole-group behaviour of the VRRP election (RFC 3768 / RFC 5798) on a simulated segment.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseIp } from '../../src/core/ip-address.js';
import { vrrpCluster } from './vrrp-cluster.js';

const ip = (s: string) => parseIp(s)!;

/** Master_Down_Interval in ms for a backup of this priority listening to this interval. */
function masterDownMs(version: 2 | 3, priority: number, intervalCs: number): number {
  const skew = version === 2 ? ((256 - priority) * 1000) / 256 : ((256 - priority) * intervalCs * 10) / 256;
  return 3 * intervalCs * 10 + skew;
}

function takeoverOf(sim: ReturnType<typeof vrrpCluster>, node: number, after: number) {
  const t = sim.transitions.find((x) => x.node === node && x.to === 'MASTER' && x.at >= after);
  assert.ok(t, `node ${node} became MASTER after ${after}`);
  return t;
}

describe('VRRP election on a simulated segment', () => {
  for (const version of [2, 3] as const) {
    it(`v${version}: the highest priority wins whatever the boot order`, () => {
      for (const order of [[0, 1, 2], [2, 1, 0], [1, 2, 0]]) {
        const sim = vrrpCluster(
          [{ addr: '10.0.0.1', priority: 100 }, { addr: '10.0.0.2', priority: 200 }, { addr: '10.0.0.3', priority: 150 }].map((n) => ({ ...n, version })),
        );
        for (const i of order) sim.boot(i);
        sim.runUntil(10_000);
        assert.deepEqual(sim.masters(), [1], `boot order ${order}`);
      }
    });
  }

  it('breaks a tie of equal priority by the numerically higher primary address (not ucarp\'s order)', () => {
    // Byte-swapped (ucarp-style) order would pick 10.1.2.1 here; VRRP compares numerically.
    for (const version of [2, 3] as const) {
      for (const order of [[0, 1], [1, 0]]) {
        const sim = vrrpCluster([{ addr: '10.1.2.1', version }, { addr: '10.2.1.1', version }]);
        sim.boot(order[0]!);
        sim.boot(order[1]!);
        sim.runUntil(30_000);
        assert.deepEqual(sim.masters(), [1], `v${version} boot order ${order}`);
      }
    }
  });

  it('the address owner (priority 255) becomes MASTER at start-up at once and displaces a master', () => {
    const sim = vrrpCluster([{ addr: '10.0.0.1', priority: 100 }, { addr: '10.0.0.2', priority: 255 }]);
    sim.boot(0);
    sim.runUntil(10_000);
    assert.deepEqual(sim.masters(), [0]);
    sim.boot(1); // no --preempt, but the owner always preempts
    assert.equal(sim.role(1), 'MASTER', 'owner is MASTER the instant it starts');
    sim.runUntil(10_010);
    assert.deepEqual(sim.masters(), [1]);
    assert.equal(sim.role(0), 'BACKUP');
    assert.equal(takeoverOf(sim, 1, 0).at, 10_000);
  });

  const failover: { version: 2 | 3; intervalCs: number; priority: number }[] = [
    { version: 2, intervalCs: 100, priority: 100 },
    { version: 2, intervalCs: 300, priority: 50 },
    { version: 3, intervalCs: 100, priority: 100 },
    { version: 3, intervalCs: 5, priority: 100 },
  ];
  for (const { version, intervalCs, priority } of failover) {
    it(`v${version} ${intervalCs * 10} ms: a backup takes over Master_Down_Interval after the master dies`, () => {
      const sim = vrrpCluster([
        { addr: '10.0.0.1', version, intervalCs, priority: 200 },
        { addr: '10.0.0.2', version, intervalCs, priority },
      ]);
      sim.boot(0);
      sim.boot(1);
      sim.runUntil(20_000);
      assert.deepEqual(sim.masters(), [0]);
      // The backup last heard the master at most one interval before the crash.
      const lastHeard = sim.now;
      sim.crash(0);
      sim.runUntil(lastHeard + 20_000);
      assert.deepEqual(sim.masters(), [1]);
      const down = masterDownMs(version, priority, intervalCs);
      const took = takeoverOf(sim, 1, lastHeard).at - lastHeard;
      assert.ok(took <= down + 2, `took ${took} ms, master down ${down} ms`);
      assert.ok(took >= down - intervalCs * 10 - 2, `took ${took} ms: not before ${down} ms of silence`);
      assert.deepEqual(sim.scripts(1).map((s) => s.script), ['down', 'up']);
    });
  }

  for (const { version, intervalCs } of [{ version: 2, intervalCs: 100 }, { version: 3, intervalCs: 100 }, { version: 3, intervalCs: 5 }] as const) {
    it(`v${version} ${intervalCs * 10} ms: a stopping master hands over within the best backup's skew time`, () => {
      const sim = vrrpCluster([
        { addr: '10.0.0.1', version, intervalCs, priority: 200 },
        { addr: '10.0.0.2', version, intervalCs, priority: 150 },
        { addr: '10.0.0.3', version, intervalCs, priority: 100 },
      ]);
      for (let i = 0; i < 3; i++) sim.boot(i);
      sim.runUntil(10_000.5);
      assert.deepEqual(sim.masters(), [0]);
      sim.stop(0);
      const stoppedAt = sim.now;
      const skew = version === 2 ? ((256 - 150) * 1000) / 256 : ((256 - 150) * intervalCs * 10) / 256;
      sim.runUntil(stoppedAt + skew + 2);
      assert.deepEqual(sim.masters(), [1], 'the higher-priority backup answers first');
      const took = takeoverOf(sim, 1, stoppedAt).at - stoppedAt;
      assert.ok(took >= skew && took <= skew + 2, `took ${took} ms, skew ${skew} ms`);
      sim.runUntil(stoppedAt + 30_000);
      assert.deepEqual(sim.masters(), [1], 'the other backup heard the new master in time and stayed BACKUP');
      assert.equal(sim.transitions.filter((t) => t.node === 2 && t.to === 'MASTER').length, 0);
    });
  }

  for (const downOnStop of [true, false]) {
    it(`a stopping master releases its addresses after its successor's first advert, ${downOnStop ? 'with' : 'without'} --shutdown (RFC 5798 6.4.3)`, () => {
      const sim = vrrpCluster([{ addr: '10.0.0.1', priority: 200, downOnStop }, { addr: '10.0.0.2', priority: 100 }]);
      sim.boot(0);
      sim.boot(1);
      sim.runUntil(10_000.5);
      assert.deepEqual(sim.masters(), [0]);
      sim.stop(0);
      const stoppedAt = sim.now;
      sim.runUntil(stoppedAt + 3000);
      const takeover = takeoverOf(sim, 1, stoppedAt);
      const down = sim.scripts(0).at(-1)!;
      assert.equal(down.script, 'down');
      assert.ok(down.at >= takeover.at && down.at > stoppedAt, 'make before break: released once the successor spoke');
      assert.equal(sim.isUp(0), false);
    });
  }

  it('a lone stopping master waits less than one interval + 0.5 s for a successor, then releases its addresses', () => {
    for (const intervalCs of [5, 100, 300]) {
      const sim = vrrpCluster([{ addr: '10.0.0.1', intervalCs, downOnStop: false }]);
      sim.boot(0);
      sim.runUntil(20_000.5);
      assert.deepEqual(sim.masters(), [0]);
      sim.stop(0);
      const stoppedAt = sim.now;
      sim.runUntil(stoppedAt + 5000);
      const down = sim.scripts(0).at(-1)!;
      assert.equal(down.script, 'down');
      assert.ok(down.at - stoppedAt < intervalCs * 10 + 500, `released ${down.at - stoppedAt} ms after the stop (interval ${intervalCs * 10} ms)`);
    }
  });

  it('without --preempt a better node that joins later waits; with it, it takes over after Master_Down_Interval', () => {
    for (const preempt of [false, true]) {
      const sim = vrrpCluster([{ addr: '10.0.0.1', priority: 100 }, { addr: '10.0.0.2', priority: 200, preempt }]);
      sim.boot(0);
      sim.runUntil(10_000);
      sim.boot(1);
      const bootedAt = sim.now;
      sim.runUntil(40_000);
      if (!preempt) {
        assert.deepEqual(sim.masters(), [0]);
        continue;
      }
      assert.deepEqual(sim.masters(), [1]);
      assert.equal(sim.role(0), 'BACKUP');
      const took = takeoverOf(sim, 1, bootedAt).at - bootedAt;
      const down = masterDownMs(3, 200, 100);
      assert.ok(Math.abs(took - down) < 1, `preempted after ${took} ms, master down ${down} ms`);
      // The displaced master stepped down as soon as it heard the preempting advert.
      const stepDown = sim.transitions.find((t) => t.node === 0 && t.to === 'BACKUP' && t.at > bootedAt)!;
      assert.ok(stepDown.at - (bootedAt + took) < 2);
    }
  });

  it('with --preempt a backup still follows a master of equal priority', () => {
    const sim = vrrpCluster([{ addr: '10.0.0.9', priority: 100 }, { addr: '10.0.0.1', priority: 100, preempt: true }]);
    sim.boot(0);
    sim.runUntil(10_000);
    sim.boot(1);
    sim.runUntil(60_000);
    assert.deepEqual(sim.masters(), [0]);
  });

  it('v3: a backup adopts the master\'s advertised interval for its Master_Down_Interval', () => {
    // The backup is configured for 1 s but the master advertises every 50 ms.
    const sim = vrrpCluster([{ addr: '10.0.0.1', intervalCs: 5, priority: 200 }, { addr: '10.0.0.2', intervalCs: 100, priority: 100 }]);
    sim.boot(0);
    sim.runUntil(5_000);
    sim.boot(1);
    sim.runUntil(10_000);
    assert.deepEqual(sim.masters(), [0]);
    const lastHeard = sim.now;
    sim.crash(0);
    sim.runUntil(lastHeard + 5_000);
    const took = takeoverOf(sim, 1, lastHeard).at - lastHeard;
    const down = masterDownMs(3, 100, 5);
    assert.ok(took <= down + 2, `took ${took} ms, expected the master's ${down} ms, not ${masterDownMs(3, 100, 100)} ms`);
  });

  it('SIGUSR2 demotion hands over within the skew time and the demoted node stays quiet', () => {
    const sim = vrrpCluster([{ addr: '10.0.0.1', priority: 200, preempt: true }, { addr: '10.0.0.2', priority: 100 }]);
    sim.boot(0);
    sim.boot(1);
    sim.runUntil(10_000);
    assert.deepEqual(sim.masters(), [0]);
    sim.demote(0);
    const skew = ((256 - 100) * 1000) / 256;
    sim.runUntil(10_000 + skew + 2);
    assert.deepEqual(sim.masters(), [1]);
    sim.runUntil(12_900); // within the 3 s quiet period: no preemption back
    assert.deepEqual(sim.masters(), [1]);
    sim.runUntil(20_000); // after it, --preempt lets the better node return
    assert.deepEqual(sim.masters(), [0]);
  });

  it('a master that loses carrier steps down; the link coming back starts a fresh election', () => {
    const sim = vrrpCluster([{ addr: '10.0.0.1', priority: 200 }, { addr: '10.0.0.2', priority: 100 }]);
    sim.boot(0);
    sim.boot(1);
    sim.runUntil(10_000);
    sim.setLink(0, false);
    assert.equal(sim.role(0), 'BACKUP');
    sim.runUntil(20_000);
    assert.deepEqual(sim.masters(), [1]);
    sim.setLink(0, true);
    sim.runUntil(40_000);
    assert.deepEqual(sim.masters(), [1], 'the current master keeps the address (no --preempt)');

    sim.crash(1);
    sim.setLink(0, false);
    sim.runUntil(60_000);
    assert.deepEqual(sim.masters(), []);
    sim.setLink(0, true);
    sim.runUntil(60_000 + masterDownMs(3, 200, 100) + 1);
    assert.deepEqual(sim.masters(), [0]);
  });

  it('the owner takes the address back at once when its link returns', () => {
    const sim = vrrpCluster([{ addr: '10.0.0.1', priority: 255 }, { addr: '10.0.0.2', priority: 100 }]);
    sim.boot(0);
    sim.boot(1);
    sim.runUntil(10_000);
    sim.setLink(0, false);
    sim.runUntil(20_000);
    assert.deepEqual(sim.masters(), [1]);
    sim.setLink(0, true);
    sim.runUntil(20_005);
    assert.deepEqual(sim.masters(), [0]);
  });

  it('two masters after a partition settle on the better one as soon as they hear each other', () => {
    const sim = vrrpCluster([{ addr: '10.0.0.1', priority: 200, intervalCs: 400 }, { addr: '10.0.0.2', priority: 100, intervalCs: 400 }]);
    sim.boot(0);
    sim.boot(1);
    sim.runUntil(10_000);
    sim.partition([0, 1]);
    sim.runUntil(40_000);
    assert.deepEqual(sim.masters(), [0, 1]);
    sim.heal();
    // Whoever advertises first is heard; the better master answers a worse one at once.
    const healedAt = sim.now;
    sim.runUntil(healedAt + 4_000 + 5);
    assert.deepEqual(sim.masters(), [0]);
  });

  it('a master that hears a priority-0 advert re-advertises at once', () => {
    const sim = vrrpCluster([{ addr: '10.0.0.1', priority: 200 }]);
    sim.boot(0);
    sim.runUntil(5_000.5);
    assert.deepEqual(sim.masters(), [0]);
    const before = sim.advertsSent(0);
    sim.inject(0, { src: ip('10.0.0.7'), priority: 0, intervalCs: 100 });
    assert.equal(sim.advertsSent(0), before + 1);
    assert.deepEqual(sim.masters(), [0]);
  });

  it('answers a flood of lower-priority adverts with at most one extra advert per interval', () => {
    const sim = vrrpCluster([{ addr: '10.0.0.1', priority: 200 }]);
    sim.boot(0);
    sim.runUntil(5_000.5);
    const before = sim.advertsSent(0);
    for (let t = 5_001; t < 15_000; t += 1) sim.at(t, () => sim.inject(0, { src: ip('10.0.0.7'), priority: 50, intervalCs: 100 }));
    sim.runUntil(15_000);
    const sent = sim.advertsSent(0) - before;
    assert.ok(sent <= 2 * 10 + 1, `${sent} adverts in 10 s`);
    assert.deepEqual(sim.masters(), [0]);
  });

  it('advertises at its interval as MASTER, 50 ms with VRRPv3', () => {
    const sim = vrrpCluster([{ addr: '10.0.0.1', intervalCs: 5 }]);
    sim.boot(0);
    sim.runUntil(1_000);
    assert.deepEqual(sim.masters(), [0]);
    const before = sim.advertsSent(0);
    sim.runUntil(11_000);
    assert.equal(sim.advertsSent(0) - before, 200);
  });
});
