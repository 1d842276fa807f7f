// docs/benchmarks.md and the chart's panels, from the results of one run. Pure (tested).
import { panelWindow, type Lane, type Panel } from './svg.js';
import { COLUMNS, GROUPS_COLUMNS, groupsRows, renderMarkdown, tableRows } from './table.js';
import { renderVerdicts, type Verdict } from './targets.js';
import { GROUPS_MASTER_DOWN_MS, masterDownMs, type EventKind, type GroupsFailure, type GroupsResult, type Proto, type RowResult } from './types.js';

export interface RunInfo {
  date: string;
  command: string;
  machine: string;
  versions: string;
  /** Load averages when the run began and ended: other work on the machine shows here. */
  load: string;
  durationS: number;
  settings: string;
  /** How long every master ran, settled, before its idle or flood window. */
  warmupS: number;
}

const EVENT_TITLES: Record<EventKind, string> = {
  crash: 'master host dies (link cut + SIGKILL)',
  sigterm: 'SIGTERM to the master',
  service: 'the service on the master dies (HTTP client every 5 ms)',
};
const PROTO_TITLES: Record<Proto, string> = { carp: 'CARP, advbase 1', vrrp3: 'VRRPv3, 50 ms' };

/** One panel per protocol and event, one lane per trial. */
export function chartPanels(results: readonly RowResult[]): Panel[] {
  const panels: Panel[] = [];
  for (const proto of ['carp', 'vrrp3'] as const) {
    for (const kind of ['crash', 'sigterm', 'service'] as const) {
      const lanes: Lane[] = [];
      for (const r of results.filter((x) => x.spec.proto === proto)) {
        r.trials[kind].forEach((t, i) => {
          lanes.push({
            label: `${r.spec.label} #${i + 1}`,
            replies: t.replies,
            outage: t.outageMs !== undefined ? { from: t.gapFrom!, to: t.gapTo!, ms: t.outageMs } : undefined,
            error: t.error,
          });
        });
      }
      if (lanes.length === 0) continue;
      const down = masterDownMs(proto);
      panels.push({
        title: `${PROTO_TITLES[proto]}: ${EVENT_TITLES[kind]}`,
        lanes,
        ...panelWindow(lanes),
        marks: [{ ms: down, label: `backup's Master_Down_Interval ${Math.round(down)} ms` }],
      });
    }
  }
  return panels;
}

/** Issue 16's rows of the run and their verdicts (none: the run left them out). */
export interface GroupsSection {
  results: readonly (GroupsResult | GroupsFailure)[];
  verdicts: readonly Verdict[];
}

function renderGroupsSection(g: GroupsSection, warmupS: number): string[] {
  if (g.results.length === 0) return [];
  const n = g.results[0]!.count;
  return [
    `## Many groups per node (issue 16)`,
    '',
    renderMarkdown(GROUPS_COLUMNS, groupsRows(g.results)),
    '',
    `Two nodes, each with ${n} groups (${n / 2} CARP at advbase 1, ${n / 2} VRRPv3 at 1 s; ucarp, which speaks`,
    `CARP only, runs all ${n} as CARP), one row after the other, each in a fresh lab. ucarp-ts: one process`,
    `per node with every group, the ${n / 2} CARP groups in one sync group; ucarp: one process per group (it has no`,
    `sync groups); keepalived: one per node with ${n}`,
    `vrrp_instances, ${n / 2} of them in one vrrp_sync_group. Once every group has settled (the master`,
    `node MASTER in all, the other BACKUP), the master side is left alone for the same ${warmupS}-s warm-up`,
    'as the pairs, then for the idle window: CPU and memory are summed over all its processes (ucarp\'s resident sum counts',
    'its shared libraries once per process; its anonymous part is what each process adds). Then',
    'the master\'s host dies (link cut, every process SIGKILLed) and the takeover runs until the',
    'other node holds every address and, where the daemon runs up scripts, the last one started.',
    `The backups' Master_Down_Interval is ${Math.round(GROUPS_MASTER_DOWN_MS)} ms.`,
    '',
    '```',
    ...renderVerdicts(g.verdicts),
    '```',
    '',
  ];
}

export function renderReport(
  results: readonly RowResult[],
  verdicts: readonly Verdict[],
  info: RunInfo,
  floodAvailable: boolean,
  chartFile: string,
  groups: GroupsSection = { results: [], verdicts: [] },
): string {
  return [
    '# Benchmarks',
    '',
    'ucarp-ts against ucarp 1.5.2 and keepalived 2.2.7, every row measured in the same run, in',
    'network namespaces on one machine. This file and the chart are written by the benchmark;',
    'run it again to replace them.',
    '',
    '```sh',
    info.command,
    '```',
    '',
    `- Date: ${info.date}, ${info.durationS.toFixed(0)} s`,
    `- Machine: ${info.machine}`,
    `- Software: ${info.versions}`,
    `- Load average at start / end: ${info.load} (other work on the machine adds noise to every row alike)`,
    `- Settings: ${info.settings}`,
    '',
    '## Results',
    '',
    renderMarkdown(COLUMNS, tableRows(results, floodAvailable)),
    '',
    'Outages: median (min–max, n trials) of the longest gap between two replies a client saw',
    'while pinging the virtual address every 5 ms; only gaps ending after the event count. The',
    '`ref:` lines are the figures measured earlier on this machine (`shared/ucarp-behaviour.md`,',
    'one trial, the crash at a random point of the advertisement interval). Memory is VmRSS of the',
    'master daemon (all its processes: keepalived runs two); "anon" is its anonymous part, the rest',
    'being the mapped program and libraries, shared with other processes running them. CPU is the',
    'master\'s time on a CPU (all threads) over the window: idle as CPU seconds per hour and as a',
    'share of one core, flood as a share of one core.',
    '',
    '## Targets (issue 5)',
    '',
    '```',
    ...renderVerdicts(verdicts),
    '```',
    '',
    ...renderGroupsSection(groups, info.warmupS),
    '## What the client saw',
    '',
    'Green: replies; red outline: the outage; dashed line: the event (crash or SIGTERM).',
    '',
    `![replies around each failover](${chartFile})`,
    '',
    '## How each row is run',
    '',
    '- A fresh lab per trial: a bridge, the master (10.77.0.11), the backup (10.77.0.12) and a',
    '  client (10.77.0.100), each in its own namespace. The master is started first and must hold',
    '  10.77.0.250 before the backup starts; the backup must say BACKUP.',
    '- CARP: `--advbase=1`, master `--advskew=0`, backup `--advskew=50`, both `--shutdown` with',
    '  `ip addr add/del` scripts, syslog off. VRRPv3: advertisement interval 50 ms, priorities 150',
    '  and 100; keepalived adds and removes the address itself, ucarp-ts by its scripts.',
    '- The event (crash or SIGTERM) is fired as soon as the client has seen an advertisement of',
    '  the master, so a backup that waits for silence waits its whole Master_Down_Interval (CARP:',
    '  3 × 1 s + 50/256 s = 3195 ms; VRRPv3: 3 × 50 ms + 156/256 × 50 ms = 180 ms) in every trial,',
    '  and the rows compare without the luck of where in the interval the master went.',
    '- Master host dies: its switch port goes down and every process in its namespace gets',
    '  SIGKILL. SIGTERM: the master daemon alone is sent SIGTERM (ucarp and ucarp-ts run their',
    '  downscript; ucarp-ts first sends the CARP bow-out or VRRP priority 0, keepalived priority 0).',
    `- Warm-up: a daemon runs for months, so its CPU is measured in steady state. Every master,`,
    `  ucarp-ts and the reference daemons alike, runs settled for ${info.warmupS} s (the pair started, the`,
    '  master holding the address, the backup BACKUP) before its idle or flood window begins; the',
    '  start-up (for ucarp-ts: loading and compiling its code, the first collections) is left out.',
    '- Idle: each pair of the main rows in a lab of its own, one pair at a time (side by side on',
    '  this 2-core machine, pairs shared cores and caches unevenly, and the same two rows\' ratio',
    '  moved by a third between runs), left alone for the warm-up and then the window; the',
    '  master\'s CPU time (per-thread scheduler time in /proc) over the window and its memory at',
    '  the end are read from /proc. This is done in rounds (`--idle-rounds`, 3), round after round',
    '  over the rows, each time with a fresh pair: a pair\'s CPU per advert depends on where its',
    '  threads land and what ran just before (two identical ucarp-ts pairs side by side differed by',
    '  up to 1.6×), so the row shows the round with the median CPU, every round\'s figure beside it,',
    '  and the largest memory of any round; a failed round fails the row.',
    '- Flood: right after each round\'s idle window, in the same lab, a third host runs the project\'s flood',
    '  tool (`test/support/flood.ts`). CARP rows, kind',
    '  `forged`: CARP advertisements for the vhid at the best priority with a fresh counter and a',
    '  random HMAC, so only the HMAC check can refuse them. VRRPv3 rows (`test/support/flood-vrrp.ts`):',
    '  VRRPv3 advertisements for the vrid, valid but for one fault each, in turn: a TTL under 255, a',
    '  bad checksum, another vrid, version 2, a foreign address, an extra address (all at priority',
    '  254 or 255, so a master that missed the check would yield), and valid ones at priority 1,',
    '  which a master ignores (keepalived answers each with an advertisement, ucarp-ts at most once',
    '  per interval). The master\'s CPU is read around the flood and the pair must keep its roles.',
    '  keepalived runs with its log on the console (a pipe read',
    '  by the benchmark), and logs one line per refused packet; ucarp runs with syslog off and',
    '  logs nothing per packet; ucarp-ts counts refusals and logs a summary every 10 s.',
    '',
  ].join('\n');
}
