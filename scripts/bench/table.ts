// The results as a table: cells as text, laid out for the terminal or as Markdown.
// Pure (unit-tested).
import { cpuSecondsPerHour, percentOfCore, spread } from './outage.js';
import type { EventKind, GroupsFailure, GroupsResult, GroupsRowId, RowResult, Trial } from './types.js';
import { REFERENCE } from './types.js';

export const COLUMNS = [
  'pair (master → backup)',
  'outage, master host dies',
  'outage, SIGTERM to master',
  'outage, service on master dies',
  'resident memory',
  'CPU idle, per hour',
  'CPU under 20k forged pkt/s',
] as const;

/** "median ms (min–max)", with failures and duplicate replies said. */
export function outageCell(trials: readonly Trial[]): string {
  if (trials.length === 0) return '–';
  const s = spread(trials.map((t) => t.outageMs));
  const dups = trials.reduce((n, t) => n + t.duplicates, 0);
  const notes: string[] = [];
  if (s && s.failed > 0) notes.push(`${s.failed}/${trials.length} failed`);
  if (dups > 0) notes.push(`${dups} DUP replies`);
  if (!s) {
    const why = trials.find((t) => t.error)?.error ?? 'no outage measured';
    return `failed: ${why.split('\n')[0]!.slice(0, 60)}`;
  }
  let cell = `${Math.round(s.median)} ms`;
  if (s.n > 1) cell += ` (${Math.round(s.min)}–${Math.round(s.max)}, n=${s.n})`;
  return notes.length > 0 ? `${cell} [${notes.join(', ')}]` : cell;
}

export function mb(kb: number): string {
  return `${(kb / 1024).toFixed(1)} MB`;
}

export function idleCells(r: RowResult): [string, string] {
  if (!r.idle) return ['–', '–'];
  if ('error' in r.idle) return ['failed', `failed: ${r.idle.error.split('\n')[0]!.slice(0, 50)}`];
  const perHour = cpuSecondsPerHour(r.idle.cpuMs, r.idle.windowMs);
  const pct = percentOfCore(r.idle.cpuMs, r.idle.windowMs);
  const procs = r.idle.processes > 1 ? `, ${r.idle.processes} processes` : '';
  return [
    `${mb(r.idle.rssKb)} (anon ${(r.idle.anonKb / 1024).toFixed(1)}${procs})`,
    `${perHour.toFixed(1)} s (${pct.toFixed(pct < 0.1 ? 3 : 2)}% of a core${roundsNote(r.idle.roundShares, pct < 0.1 ? 3 : 2)})`,
  ];
}

/** "; rounds a/b/c" when the figure is the median of several rounds. */
function roundsNote(shares: readonly number[] | undefined, digits: number): string {
  return shares && shares.length > 1 ? `; rounds ${shares.map((s) => s.toFixed(digits)).join('/')}` : '';
}

export function floodCell(r: RowResult, floodAvailable: boolean): string {
  if (r.spec.extra || r.spec.service) return '–';
  if (!r.flood) return floodAvailable ? '–' : 'not measured (no flood tool)';
  if ('error' in r.flood) return `failed: ${r.flood.error.split('\n')[0]!.slice(0, 50)}`;
  const pct = percentOfCore(r.flood.cpuMs, r.flood.windowMs);
  const rate = `${(r.flood.achievedRate / 1000).toFixed(1)}k/s sent`;
  return `${pct.toFixed(1)}% (${rate}${r.flood.heldRoles ? '' : ', roles changed!'}${roundsNote(r.flood.roundShares, 1)})`;
}

export function rowCells(r: RowResult, floodAvailable: boolean): string[] {
  const [rss, idle] = idleCells(r);
  const kinds: EventKind[] = ['crash', 'sigterm', 'service'];
  return [r.spec.label, ...kinds.map((k) => outageCell(r.trials[k])), rss, idle, floodCell(r, floodAvailable)];
}

export function tableRows(results: readonly RowResult[], floodAvailable: boolean): string[][] {
  return [
    ...results.map((r) => rowCells(r, floodAvailable)),
    ...REFERENCE.map((ref) => [ref.label, ref.crash, ref.sigterm, ref.service, ref.rss, ref.idle, ref.flood]),
  ];
}

export const GROUPS_COLUMNS = [
  'groups per node',
  'settle',
  'master idle CPU (% of a core)',
  'master resident (anonymous)',
  'takeover after the master host dies',
] as const;

export function groupsLabel(id: GroupsRowId, count: number): string {
  if (id === 'groups-uts') return `ucarp-ts, ${count} groups in one process`;
  if (id === 'groups-ucarp') return `ucarp 1.5.2, ${count} processes`;
  return `keepalived 2.2.7, ${count} instances (${count / 2} in a sync group)`;
}

/** One line per groups row, in GROUPS_COLUMNS. */
export function groupsRows(results: readonly (GroupsResult | GroupsFailure)[]): string[][] {
  return results.map((r) => {
    const label = groupsLabel(r.id, r.count);
    if ('error' in r) return [label, `failed: ${r.error.split('\n')[0]!.slice(0, 60)}`, '–', '–', '–'];
    const pct = percentOfCore(r.idle.cpuMs, r.idle.windowMs);
    return [
      label,
      `${(r.settleMs / 1000).toFixed(1)} s${r.settled < r.count ? ` (${r.settled}/${r.count} held)` : ''}`,
      `${pct.toFixed(2)}%`,
      `${mb(r.idle.rssKb)} (${mb(r.idle.anonKb)})${r.idle.processes > 1 ? `, ${r.idle.processes} processes` : ''}`,
      `${r.held}/${r.count} in ${Math.round(r.takeoverMs)} ms`,
    ];
  });
}

/** Plain text with aligned columns, for the terminal. */
export function renderText(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** A Markdown table; '|' inside a cell is escaped. */
export function renderMarkdown(header: readonly string[], rows: readonly string[][]): string {
  const esc = (c: string): string => c.replace(/\|/g, '\\|');
  const line = (cells: readonly string[]): string => `| ${cells.map(esc).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
