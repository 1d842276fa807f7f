// What a daemon says about itself: the answer on its control socket (ucarp-ts
// --status), and what its metrics are rendered from. One process answers for a list
// of groups (one today; several once a process runs many virtual hosts), so every
// consumer already handles a list. Plain JSON: --status --json prints it as it is.
import type { Protocol } from '../config/settings.js';

export const STATUS_FORMAT = 'ucarp-ts-status/1';

/** A group's state; FAULT is a group held down by a failing health check. */
export const GROUP_STATES = ['INIT', 'BACKUP', 'MASTER', 'FAULT'] as const;
export type GroupState = (typeof GROUP_STATES)[number];

/** How a hook script ended: ok (exit 0), failed (non-zero exit), killed (signal), timeout, error (could not start). */
export const SCRIPT_RESULTS = ['ok', 'failed', 'killed', 'timeout', 'error'] as const;
export type ScriptResultKind = (typeof SCRIPT_RESULTS)[number];

export interface ScriptRunSnapshot {
  script: 'up' | 'down';
  path: string;
  /** The virtual address it was run for. */
  address: string;
  result: ScriptResultKind;
  exitCode: number | null;
  signal: string | null;
  /** Wall clock, ISO 8601. */
  startedAt: string;
  durationSeconds: number;
}

export interface CheckSnapshot {
  name: string;
  state: 'up' | 'down' | 'unknown';
  /** Wall clock, ISO 8601, of the last change; null before the first result. */
  since: string | null;
  detail?: string;
}

/** Cumulative counts per upper bound (seconds), Prometheus-style. */
export interface HistogramSnapshot {
  bounds: number[];
  /** One more than bounds: the last is +Inf, the count of every observation. */
  counts: number[];
  sum: number;
  count: number;
}

export interface GroupSnapshot {
  /** Unique within the process: "<interface>/<protocol>/<vhid>". */
  group: string;
  /** Its config file's name without ".conf" (with --config-dir), or "ucarp". */
  name: string;
  interface: string;
  protocol: Protocol;
  vhid: number;
  state: GroupState;
  /** Wall clock, ISO 8601, of the last state change (the start for INIT). */
  since: string;
  /** CARP: advskew (lower is preferred); VRRP: priority (higher is preferred). */
  preference: { kind: 'advskew' | 'priority'; configured: number; effective: number };
  /** The sender of the last advertisement accepted from another node. */
  masterHeard: { address: string; at: string } | null;
  addresses: string[];
  /** Health checks and their state; empty when none are configured. */
  checks: CheckSnapshot[];
  /** failed: adverts the kernel refused to send (counted in sent too), e.g. dropped by an OUTPUT rule. */
  adverts: { sent: number; received: number; failed: number };
  /** CARP bow-outs (advbase and advskew 255) and VRRP priority-0 adverts. */
  bowOuts: { sent: number; received: number };
  /** Refused packets by reason (other-vhid: another group's, ignored). */
  refused: Record<string, number>;
  /** State changes by the state entered. */
  transitions: Record<GroupState, number>;
  lastScript: ScriptRunSnapshot | null;
  /** Runs by script and result, e.g. { up: { ok: 3 } }. */
  scriptRuns: Record<string, Partial<Record<ScriptResultKind, number>>>;
  scriptDurations: Record<string, HistogramSnapshot>;
}

export interface ProcessSnapshot {
  format: typeof STATUS_FORMAT;
  pid: number;
  version: string;
  groups: GroupSnapshot[];
}

/** Healthy: not FAULT, and the last script (if any) succeeded. */
export function groupHealthy(g: GroupSnapshot): boolean {
  return g.state !== 'FAULT' && (g.lastScript === null || g.lastScript.result === 'ok');
}
