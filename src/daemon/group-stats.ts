// What one group has done, counted where the shell performs it (adverts, state
// changes, scripts) and read out as a snapshot for --status and the metrics. Only
// counting: every decision stays in the election. Times are wall clock for people.
import type { IpAddress } from '../core/ip-address.js';
import { groupKey, type GroupSettings } from '../config/settings.js';
import {
  GROUP_STATES,
  type CheckSnapshot,
  type GroupSnapshot,
  type GroupState,
  type HistogramSnapshot,
  type ScriptResultKind,
  type ScriptRunSnapshot,
} from '../control/snapshot.js';
import type { ScriptResult } from './script-runner.js';

/** Upper bounds (seconds) of the script-duration histogram: a few ms (ip addr) to the longest time-out. */
export const SCRIPT_DURATION_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600];

export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    let i = this.bounds.findIndex((b) => value <= b);
    if (i < 0) i = this.bounds.length;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  snapshot(): HistogramSnapshot {
    let running = 0;
    const cumulative = this.counts.map((n) => (running += n));
    return { bounds: [...this.bounds], counts: cumulative, sum: this.sum, count: this.count };
  }
}

export function scriptResultKind(r: ScriptResult): ScriptResultKind {
  if (r.timedOut) return 'timeout';
  if (r.ok) return 'ok';
  if (r.signal) return 'killed';
  if (r.exitCode !== undefined) return 'failed';
  return 'error';
}

/** What an advert says, in its protocol's terms: its preference, and whether it is a bow-out. */
export interface AdvertFacts {
  leaving: boolean;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export class GroupStats {
  private state: GroupState = 'INIT';
  private since = Date.now();
  private readonly transitions = Object.fromEntries(GROUP_STATES.map((s) => [s, 0])) as Record<GroupState, number>;
  private readonly adverts = { sent: 0, received: 0, failed: 0 };
  private readonly bowOuts = { sent: 0, received: 0 };
  private masterHeard: { address: IpAddress; at: number } | null = null;
  private lastScript: ScriptRunSnapshot | null = null;
  private readonly scriptRuns: Record<string, Partial<Record<ScriptResultKind, number>>> = {};
  private readonly durations = new Map<string, Histogram>();

  constructor(
    private readonly settings: GroupSettings,
    /** Preference as configured, and as advertised now (a health check may lower it). */
    private readonly preference: () => { configured: number; effective: number },
    /** Refused packets by reason, from the drop counter. */
    private readonly refused: () => Record<string, number>,
    /** Health checks (issue 10 fills this in). */
    private readonly checks: () => CheckSnapshot[] = () => [],
  ) {}

  entered(to: GroupState): void {
    this.state = to;
    this.since = Date.now();
    this.transitions[to]++;
  }

  sent(facts: AdvertFacts): void {
    this.adverts.sent++;
    if (facts.leaving) this.bowOuts.sent++;
  }

  /** An advert that sent() counted could not go out. */
  sendFailed(): void {
    this.adverts.failed++;
  }

  heard(from: IpAddress, facts: AdvertFacts): void {
    this.adverts.received++;
    if (facts.leaving) this.bowOuts.received++;
    this.masterHeard = { address: from, at: Date.now() };
  }

  scriptRan(script: 'up' | 'down', path: string, address: IpAddress, r: ScriptResult): void {
    const result = scriptResultKind(r);
    const seconds = r.durationMs / 1000;
    this.lastScript = {
      script,
      path,
      address,
      result,
      exitCode: r.exitCode ?? null,
      signal: r.signal ?? null,
      startedAt: iso(Date.now() - r.durationMs),
      durationSeconds: seconds,
    };
    const runs = (this.scriptRuns[script] ??= {});
    runs[result] = (runs[result] ?? 0) + 1;
    let h = this.durations.get(script);
    if (!h) this.durations.set(script, (h = new Histogram(SCRIPT_DURATION_BOUNDS)));
    h.observe(seconds);
  }

  snapshot(): GroupSnapshot {
    const s = this.settings;
    return {
      group: groupKey(s),
      name: s.name,
      interface: s.interface,
      protocol: s.protocol,
      vhid: s.vhid,
      state: this.state,
      since: iso(this.since),
      preference: { kind: s.protocol === 'carp' ? 'advskew' : 'priority', ...this.preference() },
      masterHeard: this.masterHeard && { address: this.masterHeard.address, at: iso(this.masterHeard.at) },
      addresses: [...s.addrs],
      checks: this.checks(),
      adverts: { ...this.adverts },
      bowOuts: { ...this.bowOuts },
      refused: this.refused(),
      transitions: { ...this.transitions },
      lastScript: this.lastScript && { ...this.lastScript },
      scriptRuns: structuredClone(this.scriptRuns),
      scriptDurations: Object.fromEntries([...this.durations].map(([k, h]) => [k, h.snapshot()])),
    };
  }
}
