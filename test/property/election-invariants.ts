// Invariants every election's actions must keep, whatever the protocol: transitions start
// from the current role and change it, and scripts run only right after a transition,
// up for MASTER and down otherwise. Returns the role after the actions. Also the health
// checks' oracle both elections are held to.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { CheckRule } from '../../src/core/election/health.js';
import type { ElectionAction, ElectionEvent, Role } from '../../src/core/election/types.js';

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
