// ucarp-ts --status: one line per group for people, the answers as JSON for programs,
// and an exit status for monitoring: 0 every group healthy, 1 a group in FAULT, a
// failed last script or a daemon that does not answer, 3 no daemon found.
import type { DaemonAnswer, StatusQuery } from './status-query.js';
import { groupHealthy, type GroupSnapshot } from './snapshot.js';

export const STATUS_OK = 0;
export const STATUS_UNHEALTHY = 1;
export const STATUS_NO_DAEMON = 3;

export function statusExitCode(q: StatusQuery): number {
  if (q.answers.length === 0) return STATUS_NO_DAEMON;
  const bad = q.answers.some((a) => !('snapshot' in a) || !a.snapshot.groups.every(groupHealthy));
  return bad ? STATUS_UNHEALTHY : STATUS_OK;
}

/** "3m 12s", "2h 5m", "4d 1h": coarse enough to read at a glance. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

const pairs = (r: Record<string, number>): string =>
  Object.entries(r)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k}=${n}`)
    .join(' ') || 'none';

/** `named`: the daemon serves several groups (--config-dir), so the line starts with the group's name. */
export function formatGroup(g: GroupSnapshot, pid: number, now: number, named = false): string {
  const ago = (iso: string): string => `${formatAge(now - Date.parse(iso))} ago`;
  const p = g.preference;
  const parts = [
    `${named ? `${g.name}: ` : ''}${g.interface} ${g.protocol} vhid ${g.vhid}: ${g.state} since ${g.since} (${formatAge(now - Date.parse(g.since))})`,
    `${p.kind} ${p.configured}${p.effective !== p.configured ? ` (effective ${p.effective})` : ''}`,
    `master heard ${g.masterHeard ? `${g.masterHeard.address} ${ago(g.masterHeard.at)}` : 'none'}`,
    `addresses ${g.addresses.join(',')}`,
    `checks ${g.checks.length ? g.checks.map((c) => `${c.name}=${c.state}`).join(' ') : 'none'}`,
    `adverts sent ${g.adverts.sent} received ${g.adverts.received}${g.adverts.failed > 0 ? ` failed ${g.adverts.failed}` : ''}`,
    `bow-outs sent ${g.bowOuts.sent} received ${g.bowOuts.received}`,
    `refused ${pairs(g.refused)}`,
    `last script ${lastScript(g, ago)}`,
    `pid ${pid}`,
  ];
  return parts.join('; ');
}

function lastScript(g: GroupSnapshot, ago: (iso: string) => string): string {
  const r = g.lastScript;
  if (!r) return 'none';
  const how = r.result === 'failed' ? `failed (exit ${r.exitCode})` : r.result === 'killed' ? `killed (${r.signal})` : r.result;
  return `${r.script} ${r.address} ${how} in ${Math.round(r.durationSeconds * 1000)} ms, ${ago(r.startedAt)}`;
}

function formatAnswer(a: DaemonAnswer, now: number): string[] {
  if (!('snapshot' in a)) return [`pid ${a.pid}: not answering (${a.problem})`];
  if (a.snapshot.groups.length === 0) return [`pid ${a.pid}: starting, no group yet`];
  const named = a.snapshot.groups.length > 1;
  return a.snapshot.groups.map((g) => formatGroup(g, a.pid, now, named));
}

export function formatStatus(q: StatusQuery, runDir: string, now = Date.now()): string {
  if (q.answers.length === 0) return `no ucarp-ts daemon found (${runDir}${q.dirExists ? ' has no live control socket' : ' does not exist'})\n`;
  return q.answers.flatMap((a) => formatAnswer(a, now)).join('\n') + '\n';
}

/** --status --json: every daemon's answer, as it gave it. */
export function statusJson(q: StatusQuery): string {
  const daemons = q.answers.map((a) => ('snapshot' in a ? { answering: true, ...a.snapshot } : { pid: a.pid, answering: false, problem: a.problem }));
  return `${JSON.stringify({ exitCode: statusExitCode(q), daemons }, null, 2)}\n`;
}
