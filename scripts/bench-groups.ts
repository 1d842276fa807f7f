// Issue 16's scale benchmark: 100 groups (50 CARP at advbase 1, 50 VRRPv3 at 1 s) per
// node in one ucarp-ts process each, two nodes in lab namespaces. Settles them, measures
// the master's idle CPU and memory, then crashes the master's host and times until all
// 100 addresses are on the other node with every up script run. Prints the figures and
// the targets (master-down interval + 200 ms; at most 1% of a core idle; at most 70 MB).
// Beside it, in the same run and lab, one after the other: 100 Debian ucarp processes per
// node (CARP, the sums of their CPU and memory) and one keepalived per node with 100
// vrrp_instances (VRRPv3 at 1 s, 50 of them in one vrrp_sync_group), measured the same way.
//
//   node dist/scripts/bench-groups.js [--groups N] [--idle-seconds S] [--only ucarp-ts,ucarp,keepalived]
import { parseArgs } from 'node:util';
import { withLab, type Lab } from '../test/lab/lab.js';
import { run } from '../test/lab/run.js';
import { requireLab } from '../test/lab/requirements.js';
import { startCarp, ucarpAvailable, type CarpNode } from '../test/support/carp-lab.js';
import { GROUP_PASSWORD, GroupsNode, type GroupSpec } from '../test/support/group-lab.js';
import { keepalivedAvailable, startKeepalivedSync, type Keepalived, type KeepalivedMember } from '../test/support/keepalived.js';
import { cpuBetween, memoryKb, processTree, sampleCpu } from './bench/proc.js';

const ROWS = ['ucarp-ts', 'ucarp', 'keepalived'] as const;
type Row = (typeof ROWS)[number];

const { values } = parseArgs({ options: { groups: { type: 'string' }, 'idle-seconds': { type: 'string' }, only: { type: 'string' } } });
const COUNT = Number(values.groups ?? 100);
const IDLE_S = Number(values['idle-seconds'] ?? 20);
const ONLY = (values.only?.split(',') ?? [...ROWS]) as Row[];
if (!(COUNT >= 2 && COUNT <= 100 && COUNT % 2 === 0)) throw new Error('--groups: an even number from 2 to 100');
if (!ONLY.every((r) => ROWS.includes(r))) throw new Error(`--only: some of ${ROWS.join(',')}`);

requireLab();
if (ONLY.includes('ucarp')) ucarpAvailable();
if (ONLY.includes('keepalived')) keepalivedAvailable();

/** Half CARP (vhid 1..), half VRRPv3 (vrid 101..), addresses 10.77.0.120 and up. */
function groups(preferred: boolean): GroupSpec[] {
  return Array.from({ length: COUNT }, (_, i) => {
    const carp = i < COUNT / 2;
    return {
      name: `g${String(i + 1).padStart(3, '0')}`,
      protocol: carp ? 'carp' : 'vrrp3',
      id: carp ? i + 1 : 101 + i - COUNT / 2,
      vip: `10.77.0.${120 + i}`,
      preference: carp ? (preferred ? 0 : 100) : preferred ? 200 : 100,
    } satisfies GroupSpec;
  });
}
const VIPS = groups(true).map((g) => g.vip);

// The backups' Master_Down_Interval: CARP advskew 100: 3 s + 100/256 s; VRRPv3 priority 100: 3 s + 156/256 s.
const MASTER_DOWN_MS = Math.max(3000 + (100 * 1000) / 256, 3000 + (156 * 1000) / 256);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** How many of the addresses the host carries: one `ip` call, so it can be polled. */
async function heldCount(lab: Lab, host: string): Promise<number> {
  const r = await run(['ip', '-n', lab.host(host).ns, '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
  const have = new Set([...r.stdout.matchAll(/ inet ([\d.]+)\//g)].map((m) => m[1]));
  return VIPS.filter((v) => have.has(v)).length;
}

async function waitHeld(lab: Lab, host: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let n = 0;
  while ((n = await heldCount(lab, host)) < COUNT && Date.now() < deadline) await sleep(20);
  return n;
}

/** The master side's idle CPU (% of a core) and resident memory over IDLE_S, summed over every process given. */
async function idle(roots: readonly number[]): Promise<{ cpuPct: number; rssMb: number; anonMb: number; processes: number }> {
  const pids = roots.flatMap((p) => processTree(p));
  const before = sampleCpu(pids);
  const start = performance.now();
  await sleep(IDLE_S * 1000);
  const cpuMs = cpuBetween(before, sampleCpu(pids));
  const mem = memoryKb(pids);
  return { cpuPct: (100 * cpuMs) / (performance.now() - start), rssMb: mem.rss / 1024, anonMb: mem.anon / 1024, processes: pids.length };
}

interface Result {
  row: Row;
  settleMs: number;
  settled: number;
  cpuPct: number;
  rssMb: number;
  anonMb: number;
  processes: number;
  takeoverMs: number;
  held: number;
}

/** After a row: the crashed master's cable back, and no address left on either node. */
async function reset(lab: Lab): Promise<void> {
  await lab.restoreLink('a');
  for (const h of ['a', 'b']) for (const v of VIPS) await run(['ip', '-n', lab.host(h).ns, 'addr', 'del', `${v}/32`, 'dev', 'eth0']);
}

/** Crashes a's host and times until b holds every address (the addresses a's cut eth0 keeps are removed). */
async function crashAndTime(lab: Lab, upScripts?: () => number[]): Promise<{ takeoverMs: number; held: number }> {
  const crashedAt = Date.now();
  await lab.crash('a');
  for (const v of VIPS) await run(['ip', '-n', lab.host('a').ns, 'addr', 'del', `${v}/32`, 'dev', 'eth0']);
  const held = await waitHeld(lab, 'b', 20_000);
  let takeoverMs = Date.now() - crashedAt;
  // With up scripts, the takeover is over when the last one started (each records when):
  // its own time, not when this loop got round to look.
  const ups = upScripts?.() ?? [];
  if (ups.length >= COUNT) takeoverMs = Math.max(...ups) - crashedAt;
  return { takeoverMs, held };
}

async function ucarpTsRow(lab: Lab): Promise<Result> {
  const master = groups(true);
  const backup = groups(false);
  const t0 = Date.now();
  const a = new GroupsNode(lab, lab.host('a'), master);
  await Promise.all(master.map((g) => a.waitForState(g, 'MASTER', 20_000)));
  const b = new GroupsNode(lab, lab.host('b'), backup);
  await Promise.all(backup.map((g) => b.waitForState(g, 'BACKUP', 20_000)));
  const settleMs = Date.now() - t0;
  await sleep(10_000); // past start-up: V8 has compiled what an idle master runs
  const settled = await heldCount(lab, 'a');
  const flapped = backup.filter((g) => b.states(g).join() !== 'BACKUP').length;
  if (flapped > 0) console.log(`ucarp-ts: ${flapped} of b's groups left BACKUP while settling`);
  const usage = await idle([a.process.pid]);
  const upsBefore = b.scriptCalls().filter((c) => c.script === 'up').length;
  const moved = await crashAndTime(lab, () => b.scriptCalls().filter((c) => c.script === 'up').slice(upsBefore).map((c) => c.at));
  await b.stop();
  return { row: 'ucarp-ts', settleMs, settled, ...usage, ...moved };
}

/** ucarp speaks CARP only: COUNT processes per node, vhid 1.., advbase 1, advskew 0 (a) and 100 (b). */
async function ucarpRow(lab: Lab): Promise<Result> {
  const start = (host: string, advskew: number): CarpNode[] =>
    VIPS.map((vip, i) => startCarp(lab, host, 'ucarp', { vip, vhid: i + 1, password: GROUP_PASSWORD, advbase: 1, advskew }));
  const t0 = Date.now();
  const a = start('a', 0);
  await Promise.all(a.map((n) => n.waitForState('MASTER', 30_000)));
  const b = start('b', 100);
  await Promise.all(b.map((n) => n.waitForState('BACKUP', 30_000)));
  const settleMs = Date.now() - t0;
  await sleep(5000);
  const settled = await heldCount(lab, 'a');
  const usage = await idle(a.map((n) => n.process.pid));
  const moved = await crashAndTime(lab, () => b.flatMap((n) => n.scriptCalls().filter((c) => c.script === 'up').slice(-1).map((c) => c.at)));
  await Promise.all(b.map((n) => n.stop()));
  return { row: 'ucarp', settleMs, settled, ...usage, ...moved };
}

/** One keepalived per node: COUNT VRRPv3 instances at 1 s (vrid 1..), the first half in one vrrp_sync_group. */
async function keepalivedRow(lab: Lab): Promise<Result> {
  const start = (host: string, priority: number): Keepalived => {
    const members: KeepalivedMember[] = VIPS.map((vip, i) => ({
      instance: `vi${i + 1}`, nic: lab.nic(host, 'eth0'), version: 3, vrid: i + 1, priority, advertInt: 1, vips: [vip],
    }));
    return startKeepalivedSync(lab, host, 'half', members, COUNT / 2);
  };
  const t0 = Date.now();
  const a = start('a', 200);
  await Promise.all(VIPS.map((_, i) => a.waitForState('MASTER', 30_000, 0, `vi${i + 1}`)));
  const b = start('b', 100);
  await Promise.all(VIPS.map((_, i) => b.waitForState('BACKUP', 30_000, 0, `vi${i + 1}`)));
  const settleMs = Date.now() - t0;
  await sleep(5000);
  const settled = await heldCount(lab, 'a');
  const usage = await idle([a.process.pid]);
  const moved = await crashAndTime(lab); // keepalived adds its addresses itself
  await b.stop();
  return { row: 'keepalived', settleMs, settled, ...usage, ...moved };
}

const rows: Result[] = [];
await withLab({ hosts: ['a', 'b'] }, async (lab) => {
  const bench: Record<Row, (lab: Lab) => Promise<Result>> = { 'ucarp-ts': ucarpTsRow, ucarp: ucarpRow, keepalived: keepalivedRow };
  for (const row of ROWS.filter((r) => ONLY.includes(r))) {
    const r = await bench[row](lab);
    rows.push(r);
    console.log(`${row}: ${COUNT} groups settled in ${r.settleMs} ms (a holds ${r.settled}/${COUNT}); master idle over ${IDLE_S} s: ` +
      `CPU ${r.cpuPct.toFixed(2)}% of a core, resident ${r.rssMb.toFixed(1)} MB (${r.anonMb.toFixed(1)} MB anonymous) in ${r.processes} process(es); ` +
      `master host crashed: b holds ${r.held}/${COUNT} after ${r.takeoverMs} ms`);
    await reset(lab);
  }
});

console.log(`\n| ${COUNT} groups per node | settle | master idle CPU (% of a core) | master resident (anonymous) | takeover after a crash |`);
console.log('| --- | --- | --- | --- | --- |');
for (const r of rows) {
  const label = r.row === 'ucarp-ts' ? 'ucarp-ts, one process' : r.row === 'ucarp' ? `ucarp, ${COUNT} processes` : `keepalived, ${COUNT} instances (${COUNT / 2} synced)`;
  console.log(`| ${label} | ${(r.settleMs / 1000).toFixed(1)} s | ${r.cpuPct.toFixed(2)}% | ${r.rssMb.toFixed(1)} MB (${r.anonMb.toFixed(1)} MB) | ${r.held}/${COUNT} in ${r.takeoverMs} ms |`);
}
const uts = rows.find((r) => r.row === 'ucarp-ts');
if (uts) {
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log(`ucarp-ts targets: takeover <= ${Math.round(MASTER_DOWN_MS + 200)} ms ${verdict(uts.takeoverMs <= MASTER_DOWN_MS + 200 && uts.held === COUNT)}; ` +
    `idle CPU <= 1% ${verdict(uts.cpuPct <= 1)}; resident <= 70 MB ${verdict(uts.rssMb <= 70)}`);
}
