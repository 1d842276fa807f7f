// Health checks as the election sees them: results in, rise/fall hysteresis, and what
// the checks ask of the election: FAULT, or a change of priority. Pure: the probes
// that produce the results are shell (src/checks). keepalived's vrrp_script and
// track_file rules: a weight of 0 means FAULT while failing; a negative weight lowers
// the priority while failing, a positive one raises it while healthy; a file check
// with a weight moves the priority by the file's value times the weight.

export interface CheckRule {
  /** The spec as the operator wrote it, for logs and scripts. */
  name: string;
  /** Consecutive successes before a failing check is healthy again. */
  rise: number;
  /** Consecutive failures before a healthy check is failing. */
  fall: number;
  weight: number;
  /** A file check: its value times the weight moves the priority (only with a weight). */
  scaled?: boolean;
}

/** One probe's outcome, as the 'check' event carries it. */
export interface CheckResult {
  /** Index into the configured checks. */
  index: number;
  ok: boolean;
  /** Why it failed (or "ok"): "exit status 1", "HTTP 503", "timed out after 1 s". */
  reason: string;
  /** A file check's integer. */
  value?: number;
}

export interface CheckStatus {
  name: string;
  healthy: boolean;
  /** The reason of the result that made it change state (or "not run yet"). */
  reason: string;
  /** A scaled file check's last value. */
  value: number;
}

interface CheckState extends CheckStatus {
  /** Consecutive results that disagree with `healthy`. */
  streak: number;
}

export class Health {
  private readonly states: CheckState[];

  constructor(private readonly rules: readonly CheckRule[]) {
    // Healthy until proven otherwise (keepalived's default), so start-up is not delayed.
    this.states = rules.map((r) => ({ name: r.name, healthy: true, reason: 'not run yet', value: 0, streak: 0 }));
  }

  get size(): number {
    return this.rules.length;
  }

  /** Counts one result; returns the check's status when what it asks of the election changed. */
  record(result: CheckResult): CheckStatus | null {
    const step = this.step(result);
    if (!step) return null;
    Object.assign(this.states[result.index]!, step.next);
    return step.changed ? this.status(result.index) : null;
  }

  /** Whether record(result) would change what the checks ask of the election (it only counts otherwise). */
  wouldChange(result: CheckResult): boolean {
    return this.step(result)?.changed ?? false;
  }

  /** The check's state after this result and whether that changes what it asks; null for an index no rule has. */
  private step(result: CheckResult): { next: CheckState; changed: boolean } | null {
    const rule = this.rules[result.index];
    const st = this.states[result.index];
    if (!rule || !st) return null;
    let next: CheckState;
    if (result.ok === st.healthy) {
      const revalued = rule.scaled && result.ok && result.value !== undefined && result.value !== st.value;
      next = revalued ? { ...st, streak: 0, value: result.value!, reason: result.reason } : { ...st, streak: 0 };
    } else if (st.streak + 1 < (st.healthy ? rule.fall : rule.rise)) {
      next = { ...st, streak: st.streak + 1 };
    } else {
      const value = rule.scaled && result.ok && result.value !== undefined ? result.value : st.value;
      next = { ...st, healthy: result.ok, streak: 0, reason: result.reason, value };
    }
    return { next, changed: next.healthy !== st.healthy || next.value !== st.value };
  }

  status(index: number): CheckStatus {
    const { name, healthy, reason, value } = this.states[index]!;
    return { name, healthy, reason, value };
  }

  statuses(): CheckStatus[] {
    return this.states.map((_, i) => this.status(i));
  }

  /** The first failing check that means FAULT, or null. A scaled file that cannot be read is one: no value to reason with. */
  faulty(): CheckStatus | null {
    const k = this.rules.findIndex((r, i) => !this.states[i]!.healthy && (r.weight === 0 || r.scaled));
    return k < 0 ? null : this.status(k);
  }

  /** What the checks add to the configured priority (negative: less preferred). */
  priorityDelta(): number {
    let delta = 0;
    this.rules.forEach((r, i) => {
      const st = this.states[i]!;
      if (r.scaled) delta += st.healthy ? st.value * r.weight : 0;
      else if (r.weight < 0 && !st.healthy) delta += r.weight;
      else if (r.weight > 0 && st.healthy) delta += r.weight;
    });
    return delta;
  }
}

/**
 * VRRP: the configured priority moved by the checks, kept within 1..254 once moved, so a
 * lowered owner (255) is no longer the owner, and no check makes a node the owner.
 */
export function vrrpEffectivePriority(base: number, delta: number): number {
  if (delta === 0) return base;
  if (base === 255 && delta > 0) return 255;
  return Math.min(254, Math.max(1, base + delta));
}

/** CARP: the interval is the priority, so less preferred means a longer skew, within 0..254 (255 is the bow-out's). */
export function carpEffectiveSkew(base: number, delta: number): number {
  if (delta === 0) return base;
  return Math.min(254, Math.max(0, base - delta));
}
