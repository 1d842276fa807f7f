// Properties of the CARP election under arbitrary event sequences.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CarpElection, type CarpHeard } from '../../src/core/election/carp-election.js';
import { ReplayGuard, RESYNC_RUN } from '../../src/core/election/replay-guard.js';
import type { CheckRule } from '../../src/core/election/health.js';
import type { ElectionEvent, Role } from '../../src/core/election/types.js';
import { checkAnnouncement, checkEvents, checkRules, checkStandingAdverts, checkTransitions, HealthOracle } from './election-invariants.js';
import { ipv4FromWord } from '../../src/core/ip-address.js';

const heard = fc.record({
  src: fc.integer({ min: 1, max: 0xffffffff }).map(ipv4FromWord),
  advbase: fc.integer({ min: 0, max: 255 }),
  advskew: fc.integer({ min: 0, max: 255 }),
  // Below 2^63: the 64-bit wrap-around of a counter copied from a peer is not what this checks.
  counter: fc.bigInt({ min: 0n, max: 1n << 63n }),
});

const events = (rules: CheckRule[]): fc.Arbitrary<ElectionEvent<CarpHeard>> => fc.oneof(
  ...checkEvents<CarpHeard>(rules).map((arbitrary) => ({ weight: 4, arbitrary })),
  { weight: 4, arbitrary: fc.constant({ type: 'timeout' as const }) },
  { weight: 4, arbitrary: heard.map((advert) => ({ type: 'advert' as const, advert })) },
  { weight: 1, arbitrary: fc.boolean().map((up) => ({ type: 'link' as const, up })) },
  { weight: 1, arbitrary: fc.constant({ type: 'demote' as const }) },
  { weight: 1, arbitrary: fc.constant({ type: 'start' as const }) },
);

const config = fc.record({
  advbase: fc.integer({ min: 0, max: 255 }),
  advskew: fc.integer({ min: 0, max: 255 }),
  deadratio: fc.integer({ min: 1, max: 10 }),
  preempt: fc.boolean(),
  neutral: fc.boolean(),
  downOnStop: fc.boolean(),
  announce: fc.boolean(),
}).filter((c) => c.advbase > 0 || c.advskew > 0);

describe('CARP election properties', () => {
  it('keeps actions consistent with its role for any event sequence', () => {
    fc.assert(
      fc.property(config.chain((cfg) => fc.tuple(fc.constant(cfg), checkRules)).chain(([cfg, rules]) =>
        fc.tuple(fc.constant(cfg), fc.constant(rules), fc.array(fc.tuple(events(rules), fc.integer({ min: 0, max: 5000 })), { maxLength: 80 }))),
      ([cfg, rules, steps]) => {
        const e = new CarpElection({ ...cfg, checks: rules, self: ipv4FromWord(0x0a000001), initialCounter: 1000n });
        const oracle = new HealthOracle(rules);
        const minSkew = cfg.advbase === 0 ? 1 : 0;
        const skewOf = (delta: number): number => Math.max(minSkew, delta === 0 ? cfg.advskew : Math.min(254, Math.max(0, cfg.advskew - delta)));
        let advertised = -1;
        let role: Role = 'INIT';
        let now = 0;
        let lastCounter = 1000n;
        let linkUp = true;
        const check = (ev: ElectionEvent<CarpHeard>, at: number): void => {
          now = at;
          if (ev.type === 'link') linkUp = ev.up;
          const before = e.role;
          const skewBefore = skewOf(oracle.delta);
          const flipped = ev.type === 'check' && oracle.record(ev.index, ev.ok);
          const needed = e.needsPresent(ev);
          const dueBefore = e.deadline();
          assert.equal(needed, ev.type !== 'check' || flipped, 'only a check result that changes nothing may be handed over without the present');
          const actions = e.handle(ev, now);
          if (!needed) {
            assert.deepEqual(actions, [], 'an event that needs no present asks nothing');
            assert.equal(e.deadline(), dueBefore, 'nor moves the deadline');
          }
          role = checkTransitions(actions, role);
          assert.equal(actions.some((a) => a.type === 'check-state'), flipped, 'a check-state action exactly when a check changes state');
          for (const a of actions) {
            if (a.type === 'advertise') {
              assert.ok(a.advert.counter > lastCounter, 'counters only go up');
              lastCounter = a.advert.counter;
              assert.ok(before === 'MASTER' || e.role === 'MASTER', 'only a master advertises');
              if (a.advert.advskew === 255 && a.advert.advbase === 255) {
                assert.ok(ev.type === 'demote' || (ev.type === 'check' && e.role === 'FAULT'), 'the bow-out only when leaving');
              } else {
                assert.equal(a.advert.advbase, cfg.advbase);
                assert.equal(a.advert.advskew, skewOf(oracle.delta));
                advertised = a.advert.advskew;
              }
            }
            checkAnnouncement(a, e.role, cfg.announce);
          }
          assert.equal(e.role, role, 'the role is what the transitions said');
          assert.equal(e.role === 'FAULT', oracle.fault, 'FAULT exactly while a weight-0 check fails');
          if (e.role === 'FAULT') assert.equal(e.deadline(), null, 'FAULT never takes over nor advertises');
          if (before === 'MASTER' && e.role === 'MASTER' && skewOf(oracle.delta) !== skewBefore) {
            assert.equal(advertised, skewOf(oracle.delta), 'a master whose skew moved has advertised it at once');
          }
          const due = e.deadline();
          if (e.role === 'MASTER') assert.ok(due !== null && due > now, 'a master always has its next advert scheduled');
          if (e.role === 'BACKUP' && linkUp) assert.ok(due !== null && due > now - 1e-9, 'a backup with carrier always waits for something');
          if (e.role === 'MASTER') assert.ok(linkUp, 'never master without carrier');
        };
        check({ type: 'start' }, 0);
        for (const [ev, dt] of steps) {
          // A correct shell delivers every deadline that passes; a 'timeout' in the
          // sequence itself is a spurious wake-up and must change nothing early.
          const target = now + dt;
          for (let due = e.deadline(); due !== null && due <= target; due = e.deadline()) check({ type: 'timeout' }, due);
          check(ev, target);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('a shell that sends the standing adverts itself, a few at a time, sends what the timeouts would, when they would, and leaves the same state', () => {
    fc.assert(
      fc.property(
        config.chain((cfg) => fc.tuple(fc.constant(cfg), checkRules)).chain(([cfg, rules]) =>
          fc.tuple(
            fc.constant(cfg),
            fc.constant(rules),
            fc.array(events(rules), { minLength: 40, maxLength: 40 }),
            fc.array(fc.integer({ min: 0, max: 12_000 }), { minLength: 40, maxLength: 40 }),
            fc.integer({ min: 1, max: 8 }),
          )),
        ([cfg, rules, evs, gaps, max]) =>
          checkStandingAdverts(() => new CarpElection({ ...cfg, checks: rules, self: ipv4FromWord(0x0a000001), initialCounter: 1000n }), evs, gaps, max),
      ),
      { numRuns: 1000 },
    );
  });

  it('hands over with a bow-out advert when a master stops, keeps the address until a successor speaks, then stays silent', () => {
    fc.assert(
      fc.property(config, fc.boolean(), (cfg, successorSpeaks) => {
        const e = new CarpElection({ ...cfg, self: ipv4FromWord(1), initialCounter: 0n });
        e.handle({ type: 'start' }, 0);
        e.handle({ type: 'timeout' }, e.deadline()!);
        assert.equal(e.role, 'MASTER');
        const stopAt = e.deadline()! - 1;
        const actions = e.handle({ type: 'stop' }, stopAt);
        const ad = actions.find((a) => a.type === 'advertise');
        assert.ok(ad && ad.type === 'advertise');
        assert.deepEqual([ad.advert.advbase, ad.advert.advskew], [255, 255]);
        assert.equal(actions.some((a) => a.type === 'run-script' || a.type === 'stopped'), false, 'the address stays until the handover');
        // Gone no later than one advertisement interval plus 0.5 s when no successor speaks.
        const wait = e.deadline()! - stopAt;
        assert.ok(wait > 0 && wait <= 1500 && wait < cfg.advbase * 1000 + (cfg.advskew * 1000) / 256 + 500, `waits ${wait} ms`);
        const finish = successorSpeaks
          ? e.handle({ type: 'advert', advert: { src: ipv4FromWord(2), advbase: 1, advskew: 0, counter: 99n } }, stopAt + 1)
          : e.handle({ type: 'timeout' }, e.deadline()!);
        assert.deepEqual(finish.map((a) => a.type), cfg.downOnStop ? ['run-script', 'stopped'] : ['stopped']);
        assert.equal(e.deadline(), null);
        assert.deepEqual(e.handle({ type: 'timeout' }, 1e9), []);
      }),
    );
  });
  it('abandoning (the election failed): a master bows out at once, runs its downscript only with --shutdown; others just stop', () => {
    fc.assert(
      fc.property(config.chain((cfg) => fc.tuple(fc.constant(cfg), checkRules)).chain(([cfg, rules]) =>
        fc.tuple(fc.constant(cfg), fc.constant(rules), fc.array(fc.tuple(events(rules), fc.integer({ min: 0, max: 5000 })), { maxLength: 60 }), fc.boolean())),
      ([cfg, rules, steps, stopFirst]) => {
        const e = new CarpElection({ ...cfg, checks: rules, self: ipv4FromWord(0x0a000001), initialCounter: 1000n });
        let now = 0;
        e.handle({ type: 'start' }, now);
        for (const [ev, gap] of steps) e.handle(ev, (now += gap));
        if (stopFirst) e.handle({ type: 'stop' }, now);
        const role = e.role;
        const out = e.abandon();
        assert.deepEqual(out.at(-1), { type: 'stopped' });
        const ads = out.filter((a) => a.type === 'advertise');
        const downs = out.filter((a) => a.type === 'run-script');
        if (role === 'MASTER') {
          assert.ok(ads.length === 1 && ads[0]!.type === 'advertise' && ads[0]!.advert.advbase === 255 && ads[0]!.advert.advskew === 255);
          assert.deepEqual(downs, cfg.downOnStop ? [{ type: 'run-script', script: 'down' }] : []);
        } else {
          assert.equal(ads.length, 0);
          if (!stopFirst) assert.deepEqual(out, [{ type: 'stopped' }], 'a backup has nothing to give back');
          if (!cfg.downOnStop) assert.deepEqual(downs, []);
        }
        assert.equal(e.deadline(), null);
        assert.deepEqual(e.handle({ type: 'timeout' }, now + 1e9), []);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('replay guard properties', () => {
  it('accepts every advert of a sender that counts up', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 1n << 62n }), fc.array(fc.bigInt({ min: 1n, max: 1000n }), { maxLength: 50 }), (start, steps) => {
        const g = new ReplayGuard();
        let c = start;
        assert.ok(g.accept(ipv4FromWord(7), c));
        for (const s of steps) assert.ok(g.accept(ipv4FromWord(7), (c += s)));
      }),
    );
  });

  it('never accepts a packet it has already accepted, however often it is replayed', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 50 }), (counters, times) => {
        const g = new ReplayGuard();
        const accepted = counters.filter((c) => g.accept(ipv4FromWord(9), c));
        for (let i = 0; i < times; i++) for (const c of accepted) assert.equal(g.accept(ipv4FromWord(9), c), false);
      }),
    );
  });

  it('refuses stale counters from a sender that counts up', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 100n, max: 1n << 62n }), fc.bigInt({ min: 1n, max: 99n }), fc.integer({ min: 1, max: 200 }), (high, back, times) => {
        const g = new ReplayGuard();
        g.accept(ipv4FromWord(9), high - 1n);
        g.accept(ipv4FromWord(9), high);
        for (let i = 0; i < times; i++) assert.equal(g.accept(ipv4FromWord(9), high - back), false);
      }),
    );
  });

  it('hears ucarp before it has a peer: a fresh random counter in every advert', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: 2, maxLength: 60 }), (counters) => {
        const g = new ReplayGuard();
        // Random 64-bit values essentially never land within MAX_STEP above the previous one.
        const looksSequenced = counters.some((c, i) => i > 0 && c > counters[i - 1]! && c - counters[i - 1]! <= 16n);
        fc.pre(!looksSequenced);
        for (const c of counters) assert.ok(g.accept(ipv4FromWord(4), c));
      }),
    );
  });

  it(`adopts a restarted sender's lower sequence after ${RESYNC_RUN} adverts`, () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n << 40n, max: 1n << 62n }), fc.bigInt({ min: 0n, max: 1n << 39n }), (high, restart) => {
        const g = new ReplayGuard();
        g.accept(ipv4FromWord(3), high - 1n);
        g.accept(ipv4FromWord(3), high);
        const verdicts = Array.from({ length: RESYNC_RUN + 2 }, (_, i) => g.accept(ipv4FromWord(3), restart + BigInt(i)));
        assert.deepEqual(verdicts, [...new Array<boolean>(RESYNC_RUN - 1).fill(false), true, true, true]);
      }),
    );
  });

  it('tracks senders separately', () => {
    const g = new ReplayGuard();
    assert.ok(g.accept(ipv4FromWord(1), 100n));
    assert.ok(g.accept(ipv4FromWord(2), 5n));
    assert.equal(g.accept(ipv4FromWord(1), 100n), false);
    assert.ok(g.accept(ipv4FromWord(2), 6n));
  });
});
