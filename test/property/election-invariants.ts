// Invariants every election's actions must keep, whatever the protocol: transitions start
// from the current role and change it, and scripts run only right after a transition,
// up for MASTER and down otherwise. Returns the role after the actions. Also the health
// checks' oracle both elections are held to.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { CheckRule } from '../../src/core/election/health.js';
import type { Election, ElectionAction, ElectionEvent, Role } from '../../src/core/election/types.js';

export function checkTransitions<Out>(actions: ElectionAction<Out>[], role: Role): Role {
  for (const [k, a] of actions.entries()) {
    if (a.type === 'transition') {
      assert.equal(a.from, role, 'a transition starts from the current role');
      assert.notEqual(a.to, a.from);
      role = a.to;
    }
    if (a.type === 'run-script') {
      const prev = actions[k - 1];
      assert.ok(prev?.type === 'transition', 'scripts run only on a state change');
      assert.equal(a.script, prev.to === 'MASTER' ? 'up' : 'down');
    }
  }
  return role;
}

/** Up to three checks with any rise, fall and weight (0 most often: FAULT). */
export const checkRules: fc.Arbitrary<CheckRule[]> = fc.array(
  fc.record({
    rise: fc.integer({ min: 1, max: 4 }),
    fall: fc.integer({ min: 1, max: 4 }),
    weight: fc.oneof(fc.constant(0), fc.integer({ min: -300, max: 300 })),
  }).map((r) => ({ ...r, name: `exec:/bin/check-${r.rise}-${r.fall}` })),
  { maxLength: 3 },
);

export function checkEvents<In>(rules: CheckRule[]): fc.Arbitrary<ElectionEvent<In>>[] {
  if (rules.length === 0) return [];
  return [
    fc.record({ index: fc.integer({ min: 0, max: rules.length - 1 }), ok: fc.boolean() })
      .map(({ index, ok }) => ({ type: 'check' as const, index, ok, reason: ok ? 'ok' : 'exit status 1' })),
  ];
}

/**
 * The checks as the rules define them, written independently of the election: a check
 * starts healthy and changes state once its last `fall` (healthy) or `rise` (failing)
 * results all disagree with its state.
 */
export class HealthOracle {
  private readonly history: boolean[][];
  readonly healthy: boolean[];

  constructor(private readonly rules: CheckRule[]) {
    this.history = rules.map(() => []);
    this.healthy = rules.map(() => true);
  }

  /** Records a result; true when the check changed state. */
  record(index: number, ok: boolean): boolean {
    const h = this.history[index]!;
    h.push(ok);
    const need = this.healthy[index] ? this.rules[index]!.fall : this.rules[index]!.rise;
    const last = h.slice(-need);
    if (last.length < need || last.some((r) => r === this.healthy[index])) return false;
    this.healthy[index] = ok;
    h.length = 0;
    return true;
  }

  get fault(): boolean {
    return this.rules.some((r, i) => r.weight === 0 && !this.healthy[i]);
  }

  get delta(): number {
    return this.rules.reduce((d, r, i) => d + (r.weight < 0 && !this.healthy[i] ? r.weight : r.weight > 0 && this.healthy[i] ? r.weight : 0), 0);
  }
}

/** Announcements come only from a MASTER, and never from one told not to announce. */
export function checkAnnouncement<Out>(action: ElectionAction<Out>, role: Role, announce: boolean): void {
  if (action.type !== 'announce') return;
  assert.equal(role, 'MASTER');
  assert.ok(announce, 'no announcement with --no-announce');
}

/**
 * Two elections, one driven by timeouts alone and one by a shell that sends the standing
 * adverts itself (as the advert socket does: the sequence in turn, then the last again
 * with lastRepeats, else it hands the schedule back once they are out, with at most
 * `max` at a time), see the same events at the same times: they must send the same
 * adverts at the same instants and end in the same role and schedule after each event.
 */
export function checkStandingAdverts<In>(make: () => Election<In, unknown>, evs: readonly ElectionEvent<In>[], gaps: readonly number[], max: number): void {
  const byTimeouts = make();
  const repeating = make();
  const sentA: string[] = [];
  const sentB: string[] = [];
  const json = (v: unknown): string => JSON.stringify(v ?? null, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  const record = (into: string[], at: number, actions: readonly { type: string; advert?: unknown }[]): void => {
    for (const a of actions) into.push(`${at.toFixed(6)} ${a.type} ${json(a.advert)}`);
  };
  let now = 0;
  record(sentA, 0, byTimeouts.handle({ type: 'start' }, 0));
  record(sentB, 0, repeating.handle({ type: 'start' }, 0));
  evs.forEach((ev, i) => {
    const target = now + gaps[i]!;
    for (let due = byTimeouts.deadline(); due !== null && due <= target; due = byTimeouts.deadline()) {
      record(sentA, due, byTimeouts.handle({ type: 'timeout' }, due));
    }
    for (let due = repeating.deadline(); due !== null && due <= target; due = repeating.deadline()) {
      const standing = repeating.standingAdverts(max);
      if (!standing) {
        record(sentB, due, repeating.handle({ type: 'timeout' }, due));
        continue;
      }
      assert.ok(standing.adverts.length >= 1 && standing.adverts.length <= max, 'between one and max adverts');
      // What the socket does until the next event, or until a sequence that does not repeat is out.
      let sends = 0;
      let at = due;
      for (; at <= target; at = due + sends * standing.everyMs) {
        record(sentB, at, [{ type: 'advertise', advert: standing.adverts[Math.min(sends, standing.adverts.length - 1)] }]);
        sends++;
        if (!standing.lastRepeats && sends === standing.adverts.length) break;
      }
      const handBack = at <= target ? at : target;
      assert.deepEqual(repeating.handle({ type: 'repeated', slots: sends, sends }, handBack), []);
    }
    record(sentA, target, byTimeouts.handle(ev, target));
    record(sentB, target, repeating.handle(ev, target));
    now = target;
    assert.deepEqual(sentB, sentA);
    assert.equal(repeating.role, byTimeouts.role);
    assert.equal(repeating.deadline(), byTimeouts.deadline());
  });
}
