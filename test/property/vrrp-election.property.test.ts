// Properties of the VRRP election under arbitrary event sequences.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { VrrpElection, type VrrpElectionConfig, type VrrpHeard } from '../../src/core/election/vrrp-election.js';
import type { ElectionEvent, Role } from '../../src/core/election/types.js';
import { checkAnnouncement, checkEvents, checkRules, checkStandingAdverts, checkTransitions, HealthOracle } from './election-invariants.js';
import { compareIp, ipv4FromWord } from '../../src/core/ip-address.js';

const SELF_WORD = 0x0a000005;
const SELF = ipv4FromWord(SELF_WORD);
const QUIET_MS = 3000;

const config: fc.Arbitrary<VrrpElectionConfig> = fc
  .record({
    version: fc.constantFrom(2 as const, 3 as const),
    priority: fc.integer({ min: 1, max: 255 }),
    seconds: fc.integer({ min: 1, max: 255 }),
    centiseconds: fc.integer({ min: 1, max: 4095 }),
    preempt: fc.boolean(),
    neutral: fc.boolean(),
    downOnStop: fc.boolean(),
    checks: checkRules,
    announce: fc.boolean(),
  })
  .map(({ seconds, centiseconds, ...c }) => ({
    ...c,
    self: SELF,
    intervalCs: c.version === 2 ? seconds * 100 : centiseconds,
    demoteQuietMs: QUIET_MS,
  }));

/** Adverts as the driver would pass them: v2 ones always carry our interval (others are dropped). */
function heard(cfg: VrrpElectionConfig): fc.Arbitrary<VrrpHeard> {
  return fc.record({
    src: fc.oneof(fc.integer({ min: 1, max: 0xffffffff }), fc.constantFrom(SELF_WORD - 1, SELF_WORD + 1)).map(ipv4FromWord),
    priority: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, cfg.priority)),
    intervalCs: cfg.version === 2 ? fc.constant(cfg.intervalCs) : fc.integer({ min: 1, max: 4095 }),
  });
}

function events(cfg: VrrpElectionConfig): fc.Arbitrary<ElectionEvent<VrrpHeard>[]> {
  const event: fc.Arbitrary<ElectionEvent<VrrpHeard>> = fc.oneof(
    { weight: 4, arbitrary: fc.constant({ type: 'timeout' as const }) },
    { weight: 6, arbitrary: heard(cfg).map((advert) => ({ type: 'advert' as const, advert })) },
    { weight: 1, arbitrary: fc.boolean().map((up) => ({ type: 'link' as const, up })) },
    { weight: 1, arbitrary: fc.constant({ type: 'demote' as const }) },
    { weight: 1, arbitrary: fc.constant({ type: 'start' as const }) },
    ...checkEvents<VrrpHeard>([...(cfg.checks ?? [])]).map((arbitrary) => ({ weight: 4, arbitrary })),
  );
  return fc.array(event, { maxLength: 80 });
}

const scenario = config.chain((cfg) =>
  fc.tuple(fc.constant(cfg), events(cfg), fc.array(fc.integer({ min: 0, max: 3 * cfg.intervalCs * 10 + 2000 }), { minLength: 80, maxLength: 80 })),
);

const outranks = (ad: VrrpHeard, cfg: VrrpElectionConfig, priority: number): boolean =>
  ad.priority > priority || (ad.priority === priority && compareIp(ad.src, cfg.self) > 0);

describe('VRRP election properties', () => {
  it('keeps actions consistent with its role and the RFC rules for any event sequence', () => {
    fc.assert(
      fc.property(scenario, ([cfg, evs, gaps]) => {
        const e = new VrrpElection(cfg);
        let role: Role = 'INIT';
        let now = 0;
        let linkUp = true;
        let quietEnd = -Infinity;
        const oracle = new HealthOracle([...(cfg.checks ?? [])]);
        let advertised = cfg.priority;
        // Within 1..254 once moved; a raised owner stays the owner.
        const effectiveOf = (delta: number): number =>
          cfg.priority === 255 && delta > 0 ? 255 : delta === 0 ? cfg.priority : Math.min(254, Math.max(1, cfg.priority + delta));
        const check = (ev: ElectionEvent<VrrpHeard>, at: number): void => {
          now = at;
          if (ev.type === 'link') linkUp = ev.up;
          const before = e.role;
          const effectiveBefore = effectiveOf(oracle.delta);
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
          const effective = effectiveOf(oracle.delta);
          for (const a of actions) {
            if (a.type === 'advertise') {
              assert.equal(a.advert.intervalCs, cfg.intervalCs, 'we always advertise our own interval');
              if (a.advert.priority === 0) {
                assert.ok(ev.type === 'demote' || ev.type === 'stop' || (ev.type === 'check' && e.role === 'FAULT'), 'priority 0 only when leaving');
              } else assert.equal(a.advert.priority, effective, 'the configured priority moved by the weights, within 1..254');
              assert.ok(before === 'MASTER' || e.role === 'MASTER', 'only a master advertises');
              if (a.advert.priority !== 0) advertised = a.advert.priority;
            }
            checkAnnouncement(a, e.role, cfg.announce ?? true);
          }
          assert.equal(e.role, role, 'the role is what the transitions said');
          assert.equal(e.role === 'FAULT', oracle.fault, 'FAULT exactly while a weight-0 check fails');
          if (e.role === 'FAULT') assert.equal(e.deadline(), null, 'FAULT never takes over nor advertises');
          if (before === 'MASTER' && e.role === 'MASTER' && effective !== effectiveBefore) {
            assert.equal(advertised, effective, 'a master whose priority moved has advertised it at once');
          }
          if (ev.type === 'demote' && before === 'MASTER') quietEnd = now + QUIET_MS;

          if (ev.type === 'advert' && before === 'MASTER') {
            const ad = ev.advert;
            if (ad.priority !== 0 && outranks(ad, cfg, effective)) assert.equal(e.role, 'BACKUP', 'a master yields to a better one');
            else assert.equal(e.role, 'MASTER', 'a master keeps the role against a worse one');
          }
          if (ev.type === 'advert' && before === 'BACKUP' && ev.advert.priority === 0 && linkUp) {
            assert.ok(e.deadline()! <= Math.max(now + e.skewMs, quietEnd) + 1e-9, 'a priority-0 advert cuts the wait to the skew time');
          }

          const due = e.deadline();
          if (e.role === 'MASTER') {
            assert.ok(linkUp, 'never master without carrier');
            assert.ok(due !== null && due > now && due <= now + cfg.intervalCs * 10 + 1e-9, 'a master always has its next advert due within an interval');
          }
          if (e.role === 'BACKUP' && linkUp) {
            assert.ok(due !== null && due > now - 1e-9, 'a backup with carrier always waits for something');
            assert.ok(due <= Math.max(now + e.masterDownMs, quietEnd) + 1e-9, 'a backup never waits longer than Master_Down_Interval');
          }
          if (e.role === 'BACKUP' && !linkUp) assert.equal(due, null, 'no takeover without carrier');
        };
        check({ type: 'start' }, 0);
        if (cfg.priority === 255) assert.equal(e.role, 'MASTER', 'the owner starts as MASTER');
        evs.forEach((ev, i) => {
          // A correct shell delivers every deadline that passes; a 'timeout' in the
          // sequence itself is a spurious wake-up and must change nothing early.
          const target = now + gaps[i]!;
          for (let due = e.deadline(); due !== null && due <= target; due = e.deadline()) check({ type: 'timeout' }, due);
          check(ev, target);
        });
      }),
      { numRuns: 2000 },
    );
  });

  it('a shell that repeats the standing advert itself sends what the timeouts would, when they would, and leaves the same state', () => {
    fc.assert(
      fc.property(scenario, ([cfg, evs, gaps]) => checkStandingAdverts(() => new VrrpElection(cfg), evs, gaps, 60)),
      { numRuns: 1000 },
    );
  });

  it('a stopping master sends one priority-0 advert, keeps the address until a successor speaks, then releases it (RFC 5798 6.4.3) and stays silent', () => {
    fc.assert(
      fc.property(config, fc.boolean(), (cfg, successorSpeaks) => {
        const e = new VrrpElection(cfg);
        e.handle({ type: 'start' }, 0);
        if (e.role !== 'MASTER') e.handle({ type: 'timeout' }, e.deadline()!);
        assert.equal(e.role, 'MASTER');
        const stopAt = e.deadline()! - 1;
        const actions = e.handle({ type: 'stop' }, stopAt);
        const ads = actions.filter((a) => a.type === 'advertise');
        assert.equal(ads.length, 1);
        assert.ok(ads[0]!.type === 'advertise' && ads[0]!.advert.priority === 0);
        assert.equal(actions.some((a) => a.type === 'run-script' || a.type === 'stopped'), false, 'the address stays until the handover');
        const wait = e.deadline()! - stopAt;
        assert.ok(wait > 0 && wait <= 1500 && wait < cfg.intervalCs * 10 + 500, `waits ${wait} ms for a successor`);
        const finish = successorSpeaks
          ? e.handle({ type: 'advert', advert: { src: ipv4FromWord(0x0a000009), priority: 50, intervalCs: cfg.intervalCs } }, stopAt + 1)
          : e.handle({ type: 'timeout' }, e.deadline()!);
        // With or without --shutdown: a VRRP router in Initialize must not answer for the addresses.
        assert.deepEqual(finish, [{ type: 'run-script', script: 'down' }, { type: 'stopped' }]);
        assert.equal(e.deadline(), null);
        assert.deepEqual(e.handle({ type: 'timeout' }, 1e9), []);
      }),
    );
  });

  it('abandoning (the election failed): a master says priority 0 and releases the addresses at once; others just stop', () => {
    fc.assert(
      fc.property(scenario, fc.boolean(), ([cfg, evs, gaps], stopFirst) => {
        const e = new VrrpElection(cfg);
        let now = 0;
        e.handle({ type: 'start' }, now);
        evs.forEach((ev, i) => e.handle(ev, (now += gaps[i]!)));
        if (stopFirst) e.handle({ type: 'stop' }, now);
        const role = e.role;
        const out = e.abandon();
        assert.deepEqual(out.at(-1), { type: 'stopped' });
        const ads = out.filter((a) => a.type === 'advertise');
        if (role === 'MASTER') assert.ok(ads.length === 1 && ads[0]!.type === 'advertise' && ads[0]!.advert.priority === 0);
        else assert.equal(ads.length, 0);
        const downs = out.filter((a) => a.type === 'run-script');
        if (role === 'MASTER') assert.deepEqual(downs, [{ type: 'run-script', script: 'down' }]);
        else if (!stopFirst) assert.deepEqual(out, [{ type: 'stopped' }], 'a backup has nothing to give back');
        else assert.ok(downs.length <= 1);
        assert.equal(e.deadline(), null);
        assert.deepEqual(e.handle({ type: 'timeout' }, now + 1e9), []);
      }),
      { numRuns: 1000 },
    );
  });

  it('timing: Master_Down_Interval = 3 intervals + skew, skew per RFC 3768 / RFC 5798', () => {
    fc.assert(
      fc.property(config, (cfg) => {
        fc.pre(cfg.priority !== 255);
        const e = new VrrpElection({ ...cfg, checks: [] });
        e.handle({ type: 'start' }, 0);
        const skew = cfg.version === 2 ? ((256 - cfg.priority) * 1000) / 256 : ((256 - cfg.priority) * cfg.intervalCs * 10) / 256;
        assert.ok(Math.abs(e.skewMs - skew) < 1e-9);
        assert.ok(Math.abs(e.deadline()! - (3 * cfg.intervalCs * 10 + skew)) < 1e-9);
      }),
    );
  });
});
