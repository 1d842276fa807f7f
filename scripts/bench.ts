// The benchmark: ucarp-ts, ucarp 1.5.2 and keepalived side by side, in network
// namespaces, in one run: the pairs, then issue 16's many-groups rows. Prints the tables
// and the targets, writes docs/benchmarks.md and docs/benchmarks.svg.
//
//   node dist/scripts/bench.js [--repeat N] [--extras-repeat N] [--no-extras]
//        [--warmup-seconds S] [--idle-seconds S] [--idle-rounds N] [--flood-rate N] [--flood-seconds S] [--groups N] [--no-groups]
//        [--only id,..] [--no-write]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { requireLab } from '../test/lab/requirements.js';
import { chartPanels, renderReport, type RunInfo } from './bench/report.js';
import { failoverTrial, idleThenFlood, PING_INTERVAL_MS, type Flooder } from './bench/scenarios.js';
import { renderChart } from './bench/svg.js';
import { COLUMNS, GROUPS_COLUMNS, groupsRows, renderText, tableRows } from './bench/table.js';
import { checkGroupsTargets, checkTargets, renderVerdicts } from './bench/targets.js';
import { GROUPS_ROW_IDS, type EventKind, type FloodFigures, type GroupsRowId, type IdleFigures, type Impl, type RowResult, type RowSpec } from './bench/types.js';
import { runGroupsRows } from './bench/groups.js';
import { loadFlooder } from './bench/flood.js';
import { combineFlood, combineIdle } from './bench/rounds.js';

const ROWS: RowSpec[] = [
  { id: 'uts-carp', label: 'ucarp-ts (CARP, advbase 1)', proto: 'carp', master: 'ucarp-ts', backup: 'ucarp-ts', extra: false },
  { id: 'ucarp', label: 'ucarp 1.5.2 (CARP, advbase 1)', proto: 'carp', master: 'ucarp', backup: 'ucarp', extra: false },
  { id: 'uts-vrrp', label: 'ucarp-ts (VRRPv3, 50 ms)', proto: 'vrrp3', master: 'ucarp-ts', backup: 'ucarp-ts', extra: false },
  { id: 'keepalived', label: 'keepalived 2.2.7 (VRRPv3, 50 ms)', proto: 'vrrp3', master: 'keepalived', backup: 'keepalived', extra: false },
  { id: 'uts-to-ucarp', label: 'ucarp-ts → ucarp backup (CARP)', proto: 'carp', master: 'ucarp-ts', backup: 'ucarp', extra: true },
  { id: 'ucarp-to-uts', label: 'ucarp → ucarp-ts backup (CARP)', proto: 'carp', master: 'ucarp', backup: 'ucarp-ts', extra: true },
  { id: 'uts-to-ka', label: 'ucarp-ts → keepalived backup (VRRPv3)', proto: 'vrrp3', master: 'ucarp-ts', backup: 'keepalived', extra: true },
  { id: 'ka-to-uts', label: 'keepalived → ucarp-ts backup (VRRPv3)', proto: 'vrrp3', master: 'keepalived', backup: 'ucarp-ts', extra: true },
  // Health checks: the service on the master dies (an HTTP check every 1 s, fall 2, rise 2, weight 0).
  { id: 'uts-carp-check', label: 'ucarp-ts (CARP, advbase 1, http check)', proto: 'carp', master: 'ucarp-ts', backup: 'ucarp-ts', extra: false, service: true },
  { id: 'uts-vrrp-check', label: 'ucarp-ts (VRRPv3, 50 ms, http check)', proto: 'vrrp3', master: 'ucarp-ts', backup: 'ucarp-ts', extra: false, service: true },
  { id: 'ka-check', label: 'keepalived 2.2.7 (VRRPv3, 50 ms, vrrp_script)', proto: 'vrrp3', master: 'keepalived', backup: 'keepalived', extra: false, service: true },
  // No peer tool does this out of the box: ucarp and keepalived announce by ARP on one segment.
  { id: 'uts-vrrp6', label: 'ucarp-ts (VRRPv3 over IPv6, 50 ms)', proto: 'vrrp3', master: 'ucarp-ts', backup: 'ucarp-ts', extra: true, family: 6 },
  { id: 'keepalived6', label: 'keepalived 2.2.7 (VRRPv3 over IPv6, 50 ms)', proto: 'vrrp3', master: 'keepalived', backup: 'keepalived', extra: true, family: 6 },
  { id: 'uts-to-ka6', label: 'ucarp-ts → keepalived backup (VRRPv3 over IPv6)', proto: 'vrrp3', master: 'ucarp-ts', backup: 'keepalived', extra: true, family: 6 },
  { id: 'ka6-to-uts', label: 'keepalived → ucarp-ts backup (VRRPv3 over IPv6)', proto: 'vrrp3', master: 'keepalived', backup: 'ucarp-ts', extra: true, family: 6 },
  { id: 'uts-bgp', label: 'ucarp-ts routed, BGP via FRR (VRRPv3 100 ms, keepalive 1 s, hold 3 s)', proto: 'vrrp3', master: 'ucarp-ts', backup: 'ucarp-ts', extra: true, topology: 'bgp' },
  { id: 'uts-bgp6', label: 'ucarp-ts routed over IPv6, BGP via FRR (VRRPv3 100 ms, keepalive 1 s, hold 3 s)', proto: 'vrrp3', master: 'ucarp-ts', backup: 'ucarp-ts', extra: true, topology: 'bgp', family: 6 },
  { id: 'uts-bgp-carp', label: 'ucarp-ts routed, BGP via FRR (CARP advbase 1, keepalive 1 s, hold 3 s)', proto: 'carp', master: 'ucarp-ts', backup: 'ucarp-ts', extra: true, topology: 'bgp' },
];

const BINARIES: Record<Impl, string> = { 'ucarp-ts': process.execPath, ucarp: '/usr/sbin/ucarp', keepalived: '/usr/sbin/keepalived' };

function usage(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(64);
}

function count(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) usage(`--${name} must be a number in ${min}..${max}, got ${JSON.stringify(text)}`);
  return n;
}

const HELP = `Usage: sudo npm run bench [-- options]
  --repeat N          outage trials per main row (5)
  --extras-repeat N   trials per mixed row (2)
  --no-extras         leave out the mixed rows
  --warmup-seconds N  how long every master runs before its idle or flood window (30)
  --idle-seconds N    idle CPU window (20)
  --idle-rounds N     rounds of idle and flood windows per main row, each with a fresh pair; the median counts (3)
  --flood-rate N      forged packets per second (20000)
  --flood-seconds N   flood duration (10)
  --groups N          groups per node in the groups rows (100)
  --no-groups         leave out the groups rows
  --only IDS          comma-separated rows: ${[...ROWS.map((r) => r.id), ...GROUPS_ROW_IDS].join(', ')}
  --no-write          print only; leave docs/benchmarks.md and the chart as they are
`;

const OPTIONS = {
  help: { type: 'boolean', short: 'h', default: false },
  repeat: { type: 'string' },
  'extras-repeat': { type: 'string' },
  'no-extras': { type: 'boolean', default: false },
  'warmup-seconds': { type: 'string' },
  'idle-seconds': { type: 'string' },
  'idle-rounds': { type: 'string' },
  'flood-rate': { type: 'string' },
  'flood-seconds': { type: 'string' },
  groups: { type: 'string' },
  'no-groups': { type: 'boolean', default: false },
  only: { type: 'string' },
  'no-write': { type: 'boolean', default: false },
} as const;

function parseOptions() {
  try {
    return parseArgs({ options: OPTIONS }).values;
  } catch (e) {
    // One line, never a stack, for a mistyped option.
    return usage(`${e instanceof Error ? e.message : String(e)} (--help lists the options)`);
  }
}

const values = parseOptions();
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const repeat = count('repeat', values.repeat, 5, 0, 50);
const extrasRepeat = count('extras-repeat', values['extras-repeat'], 2, 0, 50);
// A daemon runs for months: its CPU is measured in steady state, after the same warm-up for
// every daemon, not over its start-up (lazy compilation, the first collections).
const warmupSeconds = count('warmup-seconds', values['warmup-seconds'], 30, 0, 3600);
const idleSeconds = count('idle-seconds', values['idle-seconds'], 20, 1, 3600);
const idleRounds = count('idle-rounds', values['idle-rounds'], 3, 1, 20);
const floodRate = count('flood-rate', values['flood-rate'], 20_000, 1, 200_000);
const floodSeconds = count('flood-seconds', values['flood-seconds'], 10, 1, 120);
const groupsCount = count('groups', values.groups, 100, 2, 100);
if (groupsCount % 2 !== 0) usage(`--groups must be even (half CARP, half VRRPv3), got ${groupsCount}`);
const only = values.only?.split(',').map((s) => s.trim());
const ALL_IDS: string[] = [...ROWS.map((r) => r.id), ...GROUPS_ROW_IDS];
for (const id of only ?? []) if (!ALL_IDS.includes(id)) usage(`unknown row "${id}" (${ALL_IDS.join(', ')})`);

try {
  requireLab();
} catch (e) {
  usage(`${e instanceof Error ? e.message : String(e)} (run as root: sudo npm run bench)`);
}

const missing = (['ucarp', 'keepalived'] as const).filter((i) => !existsSync(BINARIES[i]));
const rows = ROWS.filter((r) => (only ? only.includes(r.id) : !(values['no-extras'] && r.extra)))
  .filter((r) => !(missing.includes(r.master as 'ucarp') || missing.includes(r.backup as 'ucarp')));
const GROUPS_NEEDS: Record<GroupsRowId, Impl> = { 'groups-uts': 'ucarp-ts', 'groups-ucarp': 'ucarp', 'groups-keepalived': 'keepalived' };
const groupsIds = GROUPS_ROW_IDS.filter((id) => (only ? only.includes(id) : !values['no-groups']))
  .filter((id) => !missing.includes(GROUPS_NEEDS[id] as 'ucarp'));
for (const m of missing) process.stderr.write(`bench: ${BINARIES[m]} is missing; its rows are left out (scripts/setup.sh installs it)\n`);

const progress = (line: string): void => void process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);
const t0 = performance.now();
const loadStart = os.loadavg();
const results: RowResult[] = rows.map((spec) => ({ spec, trials: { crash: [], sigterm: [], service: [] } }));
const flooder: Flooder | undefined = await loadFlooder();

// Outages: round after round over every row, so a burst of load elsewhere on the machine
// falls on all rows alike rather than on one.
const rounds = Math.max(repeat, extrasRepeat);
for (let round = 0; round < rounds; round++) {
  for (const r of results) {
    if (round >= (r.spec.extra ? extrasRepeat : repeat)) continue;
    for (const kind of (r.spec.service ? ['service'] : ['crash', 'sigterm']) as EventKind[]) {
      const trial = await failoverTrial(r.spec, kind);
      r.trials[kind].push(trial);
      progress(`${r.spec.label}, ${kind} #${round + 1}: ${trial.outageMs !== undefined ? `${trial.outageMs} ms` : `failed: ${trial.error?.split('\n')[0]}`}`);
    }
  }
}

// Idle, then flood: one pair at a time, each in a lab of its own, the machine otherwise
// quiet (as far as this run goes). Pairs measured side by side on a small machine shared
// its cores and caches unevenly: the same two daemons' idle ratio went from 0.91x to 1.36x
// between two runs. And round after round over every row, each with a fresh pair, the
// median round counting (bench/rounds.ts): one pair's luck, or a slow minute of the
// machine, falls on one round of one row, not on the figure.
const main = results.filter((r) => !r.spec.extra);
if (main.length > 0)
  progress(`idle${flooder ? ' and flood' : ''}: ${main.length} pairs one at a time, ${idleRounds} rounds, ${warmupSeconds} s of warm-up, then ${idleSeconds} s idle`);
if (!flooder) progress('flood: no flood generator (test/support/flood.js) in this build; column not measured');
const idleRuns = new Map<RowResult, (IdleFigures | { error: string })[]>(main.map((r) => [r, []]));
const floodRuns = new Map<RowResult, (FloodFigures | { error: string })[]>(main.map((r) => [r, []]));
for (let round = 0; round < idleRounds; round++) {
  for (const r of main) {
    const flood = flooder && !r.spec.service ? { flooder, rate: floodRate, seconds: floodSeconds } : undefined;
    let idle: IdleFigures | { error: string };
    let flooded: FloodFigures | { error: string } | undefined;
    try {
      const m = await idleThenFlood(r.spec, warmupSeconds * 1000, idleSeconds * 1000, flood);
      idle = m.idle;
      flooded = m.flood;
    } catch (e) {
      idle = { error: e instanceof Error ? e.message : String(e) };
    }
    idleRuns.get(r)!.push(idle);
    if (flooded) floodRuns.get(r)!.push(flooded);
    const idleText = 'cpuMs' in idle ? `${((idle.cpuMs / idle.windowMs) * 100).toFixed(3)}% idle, ${(idle.rssKb / 1024).toFixed(1)} MB` : `idle failed: ${idle.error.split('\n')[0]}`;
    const floodText = !flooded ? '' : 'cpuMs' in flooded ? `; flood ${((flooded.cpuMs / flooded.windowMs) * 100).toFixed(1)}% at ${flooded.achievedRate}/s${flooded.roleChanges ? `; ${flooded.roleChanges}` : ''}` : `; flood failed: ${flooded.error.split('\n')[0]}`;
    progress(`${r.spec.label}, round ${round + 1}: ${idleText}${floodText}`);
  }
}
for (const r of main) {
  r.idle = combineIdle(idleRuns.get(r)!);
  r.flood = combineFlood(floodRuns.get(r)!);
}

// Many groups per node (issue 16): after the pairs, one row at a time, each in its own lab.
if (groupsIds.length > 0) progress(`groups: ${groupsIds.join(', ')}, ${groupsCount} per node, idle window ${idleSeconds} s`);
const groups = await runGroupsRows(groupsIds, { count: groupsCount, warmupSeconds, idleSeconds, log: progress });

const durationS = (performance.now() - t0) / 1000;
const verdicts = checkTargets(results, PING_INTERVAL_MS);
const groupsVerdicts = checkGroupsTargets(groups);
if (results.length > 0) process.stdout.write(`\n${renderText(COLUMNS, tableRows(results, flooder !== undefined))}\n\n${renderVerdicts(verdicts).join('\n')}\n`);
if (groups.length > 0) process.stdout.write(`\n${renderText(GROUPS_COLUMNS, groupsRows(groups))}\n\n${renderVerdicts(groupsVerdicts).join('\n')}\n`);

if (!values['no-write']) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const docs = join(root, 'docs');
  mkdirSync(docs, { recursive: true });
  const info: RunInfo = {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    command: commandLine(),
    machine: machine(),
    versions: versions(),
    load: `${loadStart.map((l) => l.toFixed(2)).join(' ')} / ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    durationS,
    settings:
      `outage trials ${repeat} per main row, ${extrasRepeat} per mixed row; ping every ${PING_INTERVAL_MS} ms; ` +
      `warm-up ${warmupSeconds} s before each idle and flood window; idle window ${idleSeconds} s; flood ${floodRate} packets/s for ${floodSeconds} s; ` +
      `${idleRounds} rounds of both per main row, each with a fresh pair: CPU the median round's, memory the largest round's` +
      (groups.length > 0 ? `; groups rows ${groupsCount} per node, the same warm-up and idle window` : ''),
    warmupS: warmupSeconds,
  };
  const chart = renderChart('What a client pinging the virtual address every 5 ms saw', `${info.date} · ${info.machine}`, chartPanels(results));
  writeFileSync(join(docs, 'benchmarks.svg'), chart);
  writeFileSync(join(docs, 'benchmarks.md'), renderReport(results, verdicts, info, flooder !== undefined, 'benchmarks.svg', { results: groups, verdicts: groupsVerdicts }));
  process.stdout.write(`\nwrote docs/benchmarks.md and docs/benchmarks.svg (${durationS.toFixed(0)} s)\n`);
}

/** The command as it was given: through npm (which builds first) or straight to the compiled script. */
function commandLine(): string {
  const args = process.argv.slice(2).join(' ');
  if (process.env.npm_lifecycle_event === 'bench') return `sudo npm run bench${args ? ` -- ${args}` : ''}`;
  return `sudo node dist/scripts/bench.js${args ? ` ${args}` : ''}   # after the build; \`sudo npm run bench\` builds, then runs this`;
}

function machine(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${os.release()}`;
}

function versions(): string {
  // ucarp --help and keepalived --version print to stderr.
  const first = (argv: string[]): string => {
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
    return `${r.stdout ?? ''}\n${r.stderr ?? ''}`.split('\n').find((l) => l.trim())?.trim() ?? '?';
  };
  return [`Node ${process.version}`, first([BINARIES.ucarp, '--help']), first([BINARIES.keepalived, '--version'])].join(', ');
}
