// Whole-cluster behaviour of the CARP election on a simulated segment.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseIp } from '../../src/core/ip-address.js';
import { carpCluster } from './carp-cluster.js';

const ip = (s: string) => parseIp(s)!;

describe('CARP election on a simulated segment', () => {
  it('elects the node with the shorter interval and fails over after the master-down interval', () => {
    const sim = carpCluster([
      { addr: '10.0.0.1', advskew: 0 },
      { addr: '10.0.0.2', advskew: 50 },
    ]);
    sim.boot(0);
    sim.boot(1);
    sim.runUntil(10_000);
    assert.deepEqual(sim.masters(), [0]);
    assert.equal(sim.role(1), 'BACKUP');

    sim.crash(0);
    const crashAt = sim.now;
    sim.runUntil(crashAt + 20_000);
    assert.deepEqual(sim.masters(), [1]);
    const takeover = sim.transitions.find((t) => t.node === 1 && t.to === 'MASTER')!;
    const masterDownMs = 3000 + (50 * 1000) / 256;
    assert.ok(takeover.at - crashAt <= masterDownMs + 2, `took ${takeover.at - crashAt} ms`);
    assert.ok(takeover.at - crashAt >= masterDownMs - 1000, 'not before the master could have been silent that long');
    assert.deepEqual(
      sim.scripts(1).map((s) => s.script),
      ['down', 'up'],
    );
  });

  it('breaks a tie of equal intervals by ucarp\'s address order (10.77.2.1 beats 10.77.1.2)', () => {
    for (const order of [[0, 1], [1, 0]]) {
      const sim = carpCluster([{ addr: '10.77.1.2' }, { addr: '10.77.2.1' }]);
      sim.boot(order[0]!);
      sim.boot(order[1]!);
      sim.runUntil(30_000);
      assert.deepEqual(sim.masters(), [1], `boot order ${order}`);
    }
  });

  it('with equal intervals and no tie, lets the first master keep the address when both were up', () => {
    const sim = carpCluster([{ addr: '10.0.0.1', advskew: 100 }, { addr: '10.0.0.2', advskew: 10 }]);
    sim.boot(0);
    sim.runUntil(10_000);
    assert.deepEqual(sim.masters(), [0]);
    sim.boot(1); // better, but without --preempt it waits as BACKUP
    sim.runUntil(60_000);
    assert.deepEqual(sim.masters(), [0]);
  });

  it('with --preempt, a better node that joins later takes over at once', () => {
    const sim = carpCluster([{ addr: '10.0.0.1', advskew: 100 }, { addr: '10.0.0.2', advskew: 10, preempt: true }]);
    sim.boot(0);
    sim.runUntil(10_000);
    sim.boot(1);
    sim.runUntil(12_500);
    assert.deepEqual(sim.masters(), [1]);
    assert.equal(sim.role(0), 'BACKUP');
  });

  it('hands over at once when the master stops gracefully (bow-out advert)', () => {
    const sim = carpCluster([{ addr: '10.0.0.1' }, { addr: '10.0.0.2', advskew: 50 }]);
    sim.boot(0);
    sim.boot(1);
    sim.runUntil(10_000);
    sim.stop(0);
    const stoppedAt = sim.now;
    sim.runUntil(stoppedAt + 50);
    assert.deepEqual(sim.masters(), [1]);
    const takeover = sim.transitions.find((t) => t.node === 1 && t.to === 'MASTER')!;
    assert.ok(takeover.at - stoppedAt < 5);
    assert.equal(takeover.reason, 'master bowed out');
    // Make before break: the leaving master dropped the address only once its successor spoke.
    const down = sim.scripts(0).at(-1)!;
    assert.equal(down.script, 'down');
    assert.ok(down.at >= takeover.at);
    assert.equal(sim.isUp(0), false, 'and then it was gone');
  });

  it("without --shutdown a stopping master hands over but keeps its address (ucarp's rule)", () => {
    const sim = carpCluster([{ addr: '10.0.0.1', downOnStop: false }, { addr: '10.0.0.2', advskew: 50 }]);
    sim.boot(0);
    sim.boot(1);
    sim.runUntil(10_000);
    const scriptsBefore = sim.scripts(0).length;
    sim.stop(0);
    sim.runUntil(sim.now + 3000);
    assert.deepEqual(sim.masters(), [1]);
    assert.equal(sim.isUp(0), false);
    assert.equal(sim.scripts(0).length, scriptsBefore, 'no downscript');
  });

  it('SIGUSR2 demotion hands over at once and the demoted node stays quiet', () => {
    const sim = carpCluster([{ addr: '10.0.0.1', advskew: 0, preempt: true }, { addr: '10.0.0.2', advskew: 50 }]);
    sim.boot(0);
    sim.boot(1);
    sim.runUntil(10_000);
    assert.deepEqual(sim.masters(), [0]);
    sim.demote(0);
    sim.runUntil(10_020);
    assert.deepEqual(sim.masters(), [1]);
    sim.runUntil(12_900); // still within the 3 s quiet period: no preemption back
    assert.deepEqual(sim.masters(), [1]);
    sim.runUntil(20_000); // after it, --preempt lets the better node return
    assert.deepEqual(sim.masters(), [0]);
  });

  it('a master that loses carrier steps down; the link coming back starts a fresh election', () => {
    const sim = carpCluster([{ addr: '10.0.0.1' }, { addr: '10.0.0.2', advskew: 50 }]);
    sim.boot(0);
    sim.boot(1);
    sim.runUntil(10_000);
    sim.setLink(0, false);
    assert.equal(sim.role(0), 'BACKUP');
    sim.runUntil(20_000);
    assert.deepEqual(sim.masters(), [1]);
    assert.equal(sim.role(0), 'BACKUP', 'no takeover while the link is down');
    sim.setLink(0, true);
    sim.runUntil(40_000);
    assert.deepEqual(sim.masters(), [1], 'the current master keeps the address (no --preempt)');

    // Alone on the segment, a node whose link returns takes the address after the wait.
    sim.crash(1);
    sim.setLink(0, false);
    sim.runUntil(60_000);
    assert.deepEqual(sim.masters(), []);
    sim.setLink(0, true);
    sim.runUntil(64_000);
    assert.deepEqual(sim.masters(), [0]);
  });

  it('a replayed advert of a dead master does not delay the takeover', () => {
    const sim = carpCluster([{ addr: '10.0.0.1' }, { addr: '10.0.0.2', advskew: 50 }]);
    sim.boot(0);
    sim.boot(1);
    sim.runUntil(10_000);
    // An attacker recorded one of the master's adverts: counter at or below what was heard.
    const recorded = { src: ip('10.0.0.1'), advbase: 1, advskew: 0, counter: 0n };
    sim.crash(0);
    const crashAt = sim.now;
    for (let t = crashAt; t < crashAt + 10_000; t += 500) sim.at(t, () => sim.inject(1, recorded));
    sim.runUntil(crashAt + 10_000);
    assert.deepEqual(sim.masters(), [1]);
    const takeover = sim.transitions.find((t) => t.node === 1 && t.to === 'MASTER')!;
    assert.ok(takeover.at - crashAt <= 3000 + 200 + 2);
    assert.ok(sim.drops.filter((d) => d.reason === 'replay').length >= 5);
  });

  it('still hears a peer that restarted with a lower counter (as ucarp does) after a few adverts', () => {
    const sim = carpCluster([{ addr: '10.0.0.1', advskew: 50 }]);
    sim.boot(0);
    sim.runUntil(1);
    const peer = ip('10.0.0.9');
    let counter = 1_000_000n;
    // A live peer that is the better master; then it restarts with a random, lower counter.
    for (let t = 100; t < 2_100; t += 1000) sim.at(t, () => sim.inject(0, { src: peer, advbase: 1, advskew: 0, counter: counter++ }));
    sim.runUntil(2_500);
    assert.equal(sim.role(0), 'BACKUP');
    counter = 5n;
    for (let t = 2_600; t < 30_000; t += 1000) sim.at(t, () => sim.inject(0, { src: peer, advbase: 1, advskew: 0, counter: counter++ }));
    sim.runUntil(30_000);
    assert.equal(sim.role(0), 'BACKUP', 'the restarted master keeps us as backup');
    const replays = sim.drops.filter((d) => d.reason === 'replay').length;
    assert.equal(replays, 2, 'only the first adverts of the new sequence were held back');
  });

  it('keeps hearing a ucarp master that sends a fresh random counter in every advert', () => {
    const sim = carpCluster([{ addr: '10.0.0.1', advskew: 50 }]);
    sim.boot(0);
    const ucarp = ip('10.0.0.9');
    for (let t = 100; t < 60_000; t += 1000) {
      const counter = BigInt(Math.floor(sim.random.next() * 2 ** 53)) * 2048n + BigInt(Math.floor(sim.random.next() * 2048));
      sim.at(t, () => sim.inject(0, { src: ucarp, advbase: 1, advskew: 0, counter }));
    }
    sim.runUntil(60_000);
    assert.equal(sim.role(0), 'BACKUP');
    assert.equal(sim.drops.length, 0);
  });

  it('advertises at the configured interval as MASTER, sub-second with advbase 0', () => {
    const sim = carpCluster([{ addr: '10.0.0.1', advbase: 0, advskew: 64 }]);
    sim.boot(0);
    sim.runUntil(1_000); // master-down = 3 * 0 + 64/256 s = 250 ms
    assert.deepEqual(sim.masters(), [0]);
    const before = sim.advertsSent(0);
    sim.runUntil(11_000);
    assert.equal(sim.advertsSent(0) - before, 40); // every 250 ms
  });
});
