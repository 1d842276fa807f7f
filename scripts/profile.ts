// Where a master's CPU goes: runs one benchmark pair in a lab (as the benchmark does) and
// reports, for the master over a window, CPU time, wake-ups (scheduler timeslices and
// context switches from /proc) and, with --strace, system calls by name (strace -c; it
// slows the process, so CPU figures come from a run without it).
//
//   node dist/scripts/profile.js --row uts-carp|uts-vrrp|ucarp|keepalived|uts-vrrp6|keepalived6|uts-carp-check|uts-vrrp-check
//        [--flood] [--rate N] [--seconds S] [--warmup S] [--strace] [--perf FILE] [--memory] [--output]
// With no warm-up the window starts where the benchmark's idle window does. --strace needs
// strace, --perf needs perf (Debian: strace, linux-perf); neither is needed by the tests.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { withLab } from '../test/lab/lab.js';
import { requireLab } from '../test/lab/requirements.js';
import { loadFlooder } from './bench/flood.js';
import { startPair } from './bench/scenarios.js';
import { startServices } from '../test/support/http-service.js';
import type { RowSpec } from './bench/types.js';

const ROWS: Record<string, RowSpec> = {
  'uts-carp': { id: 'uts-carp', label: 'ucarp-ts CARP', proto: 'carp', master: 'ucarp-ts', backup: 'ucarp-ts', extra: false },
  ucarp: { id: 'ucarp', label: 'ucarp CARP', proto: 'carp', master: 'ucarp', backup: 'ucarp', extra: false },
  'uts-vrrp': { id: 'uts-vrrp', label: 'ucarp-ts VRRPv3', proto: 'vrrp3', master: 'ucarp-ts', backup: 'ucarp-ts', extra: false },
  keepalived: { id: 'keepalived', label: 'keepalived VRRPv3', proto: 'vrrp3', master: 'keepalived', backup: 'keepalived', extra: false },
  'uts-vrrp6': { id: 'uts-vrrp6', label: 'ucarp-ts VRRPv3 over IPv6', proto: 'vrrp3', master: 'ucarp-ts', backup: 'ucarp-ts', extra: false, family: 6 },
  keepalived6: { id: 'keepalived6', label: 'keepalived VRRPv3 over IPv6', proto: 'vrrp3', master: 'keepalived', backup: 'keepalived', extra: false, family: 6 },
  'uts-carp-check': { id: 'uts-carp-check', label: 'ucarp-ts CARP, http check', proto: 'carp', master: 'ucarp-ts', backup: 'ucarp-ts', extra: false, service: true },
  'uts-vrrp-check': { id: 'uts-vrrp-check', label: 'ucarp-ts VRRPv3, http check', proto: 'vrrp3', master: 'ucarp-ts', backup: 'ucarp-ts', extra: false, service: true },
};

const USAGE = `usage: node dist/scripts/profile.js --row ${Object.keys(ROWS).join('|')}
       [--flood] [--rate N] [--seconds S] [--warmup S] [--strace] [--perf FILE] [--memory] [--output]
`;

/** A mistyped option or row is one line and the usage, never a stack. */
function usage(problem: string): never {
  process.stderr.write(`profile: ${problem}\n${USAGE}`);
  process.exit(64);
}

function parseOptions() {
  try {
    return parseArgs({
      options: {
        row: { type: 'string', default: 'uts-carp' },
        flood: { type: 'boolean', default: false },
        rate: { type: 'string', default: '20000' },
        seconds: { type: 'string', default: '10' },
        strace: { type: 'boolean', default: false },
        perf: { type: 'string' },
        output: { type: 'boolean', default: false },
        warmup: { type: 'string', default: '0' },
        memory: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (e) {
    return usage(e instanceof Error ? e.message : String(e));
  }
}

const values = parseOptions();
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const spec = ROWS[values.row!];
if (!spec) usage(`--row: one of ${Object.keys(ROWS).join(', ')}`);
const seconds = Number(values.seconds);
requireLab();

interface ThreadSample {
  cpuNs: number;
  slices: number;
  voluntary: number;
  involuntary: number;
}

function sample(pids: number[]): ThreadSample {
  const s: ThreadSample = { cpuNs: 0, slices: 0, voluntary: 0, involuntary: 0 };
  for (const pid of pids) {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const sched = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
      s.cpuNs += sched[0]!;
      s.slices += sched[2]!;
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      s.voluntary += Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? 0);
      s.involuntary += Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? 0);
    }
  }
  return s;
}

function perThread(pid: number): string {
  return readdirSync(`/proc/${pid}/task`)
    .map((tid) => {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const sched = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
      return `${name}:${(sched[0]! / 1e6).toFixed(1)}ms/${sched[2]}`;
    })
    .join(' ');
}

/** Where a process's resident memory is: its largest mappings by Rss (smaps), then the totals. */
function memoryMap(pid: number): string {
  const byName = new Map<string, { rss: number; anon: number }>();
  let name = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      name = head[2] ? `${head[2]} (${head[1]})` : `[anonymous] (${head[1]})`;
      continue;
    }
    const field = /^(Rss|Anonymous):\s+(\d+) kB/.exec(line);
    if (!field) continue;
    const m = byName.get(name) ?? { rss: 0, anon: 0 };
    if (field[1] === 'Rss') m.rss += Number(field[2]);
    else m.anon += Number(field[2]);
    byName.set(name, m);
  }
  const rows = [...byName].sort((a, b) => b[1].rss - a[1].rss);
  const total = rows.reduce((t, [, m]) => t + m.rss, 0);
  return rows
    .slice(0, 12)
    .map(([n, m]) => `  ${String(m.rss).padStart(7)} kB rss  ${String(m.anon).padStart(7)} kB anon  ${n}\n`)
    .join('') + `  ${String(total).padStart(7)} kB in all\n`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function collect(argv: string[]): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', () => resolve(out));
  });
}

if (values.flood && spec.family === 6) throw new Error('--flood: the flood tool forges IPv4 packets only');
await withLab({ hosts: ['master', 'backup', 'flood'], ipv6: spec.family === 6 }, async (lab) => {
  if (spec.service) await startServices(lab, ['master', 'backup']);
  const { master } = await startPair(lab, spec);
  await sleep(Number(values.warmup) * 1000);
  const pids = master.pids();
  const before = sample(pids);
  const threadsBefore = perThread(pids[0]!);
  const t0 = performance.now();
  const tools: Promise<string>[] = [];
  if (values.strace) tools.push(collect(['timeout', '-s', 'INT', String(seconds), 'strace', '-c', '-f', ...pids.flatMap((p) => ['-p', String(p)])]));
  if (values.perf) tools.push(collect(['perf', 'record', '-g', '-o', values.perf, ...pids.flatMap((p) => ['-p', String(p)]), '--', 'sleep', String(seconds)]));
  let floodDone: Promise<unknown> = sleep(seconds * 1000);
  if (values.flood) {
    const flooder = await loadFlooder();
    if (!flooder) throw new Error('no flood generator built');
    floodDone = flooder(lab, 'flood', spec, Number(values.rate), seconds, () => {});
  }
  await floodDone;
  const after = sample(pids);
  const s = (performance.now() - t0) / 1000;
  const out = await Promise.all(tools);
  const rate = (n: number): string => (n / s).toFixed(1);
  process.stdout.write(
    `${spec.label}${values.flood ? ` flood ${values.rate}/s` : ' idle'} over ${s.toFixed(1)} s:\n` +
      `  CPU ${((after.cpuNs - before.cpuNs) / 1e6 / s).toFixed(3)} ms/s (${(((after.cpuNs - before.cpuNs) / 1e9 / s) * 3600).toFixed(2)} s/hour)\n` +
      `  timeslices ${rate(after.slices - before.slices)}/s, voluntary switches ${rate(after.voluntary - before.voluntary)}/s, involuntary ${rate(after.involuntary - before.involuntary)}/s\n` +
      `  threads before: ${threadsBefore}\n  threads after:  ${perThread(pids[0]!)}\n` +
      out.join('\n'),
  );
  if (values.memory) process.stdout.write(pids.map((pid) => `memory of ${pid}:\n${memoryMap(pid)}`).join(''));
  if (values.output) process.stdout.write(master.process.output.slice(-20000));
});
