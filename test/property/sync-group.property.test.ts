// Properties of the sync-group coordinator driving CARP and VRRP elections under
// arbitrary event sequences (every member's events interleaved, every deadline
// delivered as a shell would).
//
// The invariant, precisely: after every turn (one event handed to one member through
// SyncGroup.dispatch, with every order the group gives because of it), the members that
// have started and are not stopping are all MASTER or none of them is. So no member is
// MASTER while another member of its node is not for longer than one turn.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { CheckRule } from '../../src/core/election/health.js';
import type { Election, ElectionAction, ElectionEvent, Role } from '../../src/core/election/types.js';
import { SyncGroup } from '../../src/core/sync-group.js';
import { carpNode } from '../sim/carp-cluster.js';
import type { SimNodeSpec } from '../sim/simulator.js';
import { vrrpNode } from '../sim/vrrp-cluster.js';
import { checkRules, checkTransitions } from './election-invariants.js';

/** The peers' addresses, in whatever type the elections take them. */
const PEERS = ['10.0.0.1', '10.0.0.3', '10.0.0.9'].map((addr) => carpNode({ addr }).addr);

const member = fc.record({
  protocol: fc.constantFrom('carp' as const, 'vrrp' as const),
  preempt: fc.boolean(),
  neutral: fc.boolean(),
  advskew: fc.integer({ min: 0, max: 254 }),
  priority: fc.integer({ min: 1, max: 255 }),
  version: fc.constantFrom(2 as const, 3 as const),
  checks: checkRules,
});
type MemberConfig = typeof member extends fc.Arbitrary<infer T> ? T : never;

function spec(c: MemberConfig, k: number): SimNodeSpec<unknown, unknown> {
  const common = { addr: `10.0.${k}.2`, preempt: c.preempt, neutral: c.neutral, checks: c.checks };
  return c.protocol === 'carp' ? carpNode({ ...common, advskew: c.advskew }) : vrrpNode({ ...common, priority: c.priority, version: c.version });
}

/** An advert with both protocols' fields: each election reads its own. */
const advert = fc.record({
  src: fc.constantFrom(...PEERS),
  advbase: fc.constantFrom(1, 1, 2, 255),
  advskew: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constant(255)),
  counter: fc.bigInt({ min: 0n, max: 1n << 62n }),
  priority: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constant(0)),
  intervalCs: fc.constant(100),
});

const step = (n: number, rules: CheckRule[][]): fc.Arbitrary<{ member: number; event: ElectionEvent<unknown>; gap: number }> =>
  fc.record({ member: fc.integer({ min: 0, max: n - 1 }), gap: fc.integer({ min: 0, max: 4000 }), pick: fc.integer({ min: 0, max: 99 }), advert, ok: fc.boolean(), index: fc.nat() })
    .map(({ member, gap, pick, advert, ok, index }) => {
      const checks = rules[member]!.length;
      const event: ElectionEvent<unknown> =
        pick < 45 ? { type: 'advert', advert }
        : pick < 60 && checks > 0 ? { type: 'check', index: index % checks, ok, reason: ok ? 'ok' : 'exit status 1' }
        : pick < 70 ? { type: 'link', up: ok }
        : pick < 76 ? { type: 'demote' }
        : pick < 78 ? { type: 'stop' }
        : pick < 82 ? { type: 'start' }
        : { type: 'timeout' };
      return { member, event, gap };
    });

const scenario = fc.array(member, { minLength: 1, maxLength: 3 }).chain((configs) =>
  fc.tuple(fc.constant(configs), fc.array(step(configs.length, configs.map((c) => c.checks)), { maxLength: 120 })));

/** Drives a group's members as a shell would; returns its log of actions per member. */
class Node {
  readonly elections: Election<unknown, unknown>[];
  readonly group: SyncGroup<unknown, unknown>;
  readonly log: ElectionAction<unknown>[][];
  readonly roles: Role[];
  readonly stopping = new Set<number>();
  now = 0;

  constructor(configs: MemberConfig[]) {
    this.elections = configs.map((c, k) => spec(c, k).create(0));
    this.group = new SyncGroup('web', configs.map((_, k) => ({ name: `m${k}`, election: this.elections[k]! })));
    this.log = configs.map(() => []);
    this.roles = configs.map(() => 'INIT');
  }

  private readonly deliver = (m: number, event: ElectionEvent<unknown>): ElectionAction<unknown>[] => {
    const actions = this.elections[m]!.handle(event, this.now);
    // A stop's last downscript follows no transition (its own tests cover it).
    this.roles[m] = actions.some((a) => a.type === 'stopped') ? 'INIT' : checkTransitions(actions, this.roles[m]!);
    assert.equal(this.elections[m]!.role, this.roles[m], 'the role is what the transitions said');
    this.log[m]!.push(...actions);
    return actions;
  };

  turn(m: number, event: ElectionEvent<unknown>, at: number): void {
    this.now = at;
    if (event.type === 'stop') this.stopping.add(m);
    this.group.dispatch(m, event, at, this.deliver);
    const active = this.elections.filter((e, k) => e.role !== 'INIT' && !this.stopping.has(k));
    const masters = active.filter((e) => e.role === 'MASTER').length;
    assert.ok(masters === 0 || masters === active.length, `all MASTER or none after a turn: ${this.elections.map((e) => e.role).join(',')}`);
  }

  /** Every deadline up to `target`, earliest first, each its own turn. */
  advance(target: number): void {
    for (;;) {
      let next: number | null = null;
      let who = -1;
      this.elections.forEach((e, k) => {
        const due = e.deadline();
        if (due !== null && due <= target && (next === null || due < next)) [next, who] = [due, k];
      });
      if (next === null) return;
      this.turn(who, { type: 'timeout' }, Math.max(next, this.now));
    }
  }
}

describe('sync group properties', () => {
  it('after every turn, the started members are all MASTER or none is; each member stays consistent with its role', () => {
    fc.assert(
      fc.property(scenario, ([configs, steps]) => {
        const node = new Node(configs);
        configs.forEach((_, k) => node.turn(k, { type: 'start' }, 0));
        for (const { member, event, gap } of steps) {
          const at = node.now + gap;
          node.advance(at);
          node.turn(member, event, at);
        }
        // Orders only ever come as 'sync' events, which a group of one never sees.
        if (configs.length === 1) assert.ok(node.log[0]!.every((a) => a.type !== 'transition' || !a.reason.startsWith('following sync group')));
      }),
      { numRuns: 1500, includeErrorInReport: true },
    );
  });

  it('a group of one is exactly the election alone: same actions, roles and deadlines', () => {
    fc.assert(
      fc.property(member.chain((c) => fc.tuple(fc.constant(c), fc.array(step(1, [c.checks]), { maxLength: 120 }))), ([config, steps]) => {
        const alone = spec(config, 0).create(0);
        const node = new Node([config]);
        const same = (ev: ElectionEvent<unknown>, at: number): void => {
          const expected = alone.handle(ev, at);
          const before = node.log[0]!.length;
          node.turn(0, ev, at);
          assert.deepEqual(node.log[0]!.slice(before), expected);
          assert.equal(node.elections[0]!.role, alone.role);
          assert.equal(node.elections[0]!.deadline(), alone.deadline());
        };
        same({ type: 'start' }, 0);
        let now = 0;
        for (const { event, gap } of steps) {
          const at = now + gap;
          for (let due = alone.deadline(); due !== null && due <= at; due = alone.deadline()) same({ type: 'timeout' }, Math.max(due, now));
          same(event, (now = at));
        }
      }),
      { numRuns: 1000, includeErrorInReport: true },
    );
  });

  it('a member never takes over by itself while another member cannot be MASTER (FAULT, no carrier, demoted)', () => {
    fc.assert(
      fc.property(scenario.filter(([c]) => c.length > 1), ([configs, steps]) => {
        const node = new Node(configs);
        const blockedBefore = (): boolean[] => node.elections.map((e, k) => e.role !== 'INIT' && !node.stopping.has(k) && e.syncStanding(node.now).blocked !== null);
        const turn = node.turn.bind(node);
        node.turn = (m, event, at) => {
          node.now = at;
          const blocked = blockedBefore();
          const before = node.log.map((l) => l.length);
          turn(m, event, at);
          // A member the turn itself unblocked (its carrier came back) may lead the others.
          const blockedAfter = blockedBefore();
          node.log.forEach((l, k) => {
            if (node.stopping.has(k)) return; // stopped: out of the group
            const others = blocked.some((b, j) => b && blockedAfter[j] && j !== k);
            for (const a of l.slice(before[k])) {
              if (a.type === 'transition' && a.to === 'MASTER') assert.ok(!others, `member ${k} became MASTER (${a.reason}) while another member could not be`);
            }
          });
        };
        configs.forEach((_, k) => node.turn(k, { type: 'start' }, 0));
        for (const { member, event, gap } of steps) {
          const at = node.now + gap;
          node.advance(at);
          node.turn(member, event, at);
        }
      }),
      { numRuns: 1000, includeErrorInReport: true },
    );
  });
});
