// Issue 16's scale rows: COUNT groups (half CARP at advbase 1, half VRRPv3 at 1 s) per node
// on two lab nodes. Each row settles them, measures the master side's idle CPU and memory
// (summed over its processes), then crashes the master's host and times until every address
// is on the other node with every up script run. ucarp-ts: one process per node with every
// group, the first half in one sync group; ucarp: COUNT Debian ucarp processes per node (CARP only); keepalived: one per node
// with COUNT VRRPv3 instances at 1 s, the first half in one vrrp_sync_group.
// Run by scripts/bench.ts (rows groups-*) and by scripts/bench-groups.ts alone.
import { withLab, type Lab } from '../../test/lab/lab.js';
import { run } from '../../test/lab/run.js';
import { startCarp, type CarpNode } from '../../test/support/carp-lab.js';
import { GROUP_PASSWORD, GroupsNode, type GroupSpec } from '../../test/support/group-lab.js';
import { startKeepalivedSync, type Keepalived, type KeepalivedMember } from '../../test/support/keepalived.js';
import { cpuBetween, memoryKb, processTree, sampleCpu } from './proc.js';
import type { GroupsFailure, GroupsResult, GroupsRowId, IdleFigures } from './types.js';

export interface GroupsOptions {
  /** Groups per node: even, 2..100. */
  count: number;
  /** How long every row runs settled before its idle window (the same for every daemon). */
  warmupSeconds: number;
  idleSeconds: number;
  log: (line: string) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Half CARP (vhid 1..), half VRRPv3 (vrid 101..), addresses 10.77.0.120 and up. The first
 * half in one sync group, as keepalived's row has half its instances in a vrrp_sync_group
 * (ucarp, which has no sync groups, ignores it).
 */
function groups(count: number, preferred: boolean): GroupSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const carp = i < count / 2;
    return {
      name: `g${String(i + 1).padStart(3, '0')}`,
      protocol: carp ? 'carp' : 'vrrp3',
      id: carp ? i + 1 : 101 + i - count / 2,
      vip: `10.77.0.${120 + i}`,
      preference: carp ? (preferred ? 0 : 100) : preferred ? 200 : 100,
      extra: carp ? ['UCARP_SYNC_GROUP=first-half'] : [],
    } satisfies GroupSpec;
  });
}

type Measured = Omit<GroupsResult, 'id' | 'count'>;

class GroupsRun {
  readonly vips: string[];
  constructor(
    readonly lab: Lab,
    readonly o: GroupsOptions,
  ) {
    this.vips = groups(o.count, true).map((g) => g.vip);
  }

  /** How many of the addresses the host carries: one `ip` call, so it can be polled. */
  async heldCount(host: string): Promise<number> {
    const r = await run(['ip', '-n', this.lab.host(host).ns, '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
    const have = new Set([...r.stdout.matchAll(/ inet ([\d.]+)\//g)].map((m) => m[1]));
    return this.vips.filter((v) => have.has(v)).length;
  }

  async waitHeld(host: string, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let n = 0;
    while ((n = await this.heldCount(host)) < this.o.count && Date.now() < deadline) await sleep(20);
    return n;
  }

  /** The master side's idle CPU and resident memory over the window, summed over every process given. */
  async idle(roots: readonly number[]): Promise<IdleFigures> {
    const pids = roots.flatMap((p) => processTree(p));
    const before = sampleCpu(pids);
    const start = performance.now();
    await sleep(this.o.idleSeconds * 1000);
    const cpuMs = cpuBetween(before, sampleCpu(pids));
    const mem = memoryKb(pids);
    return { windowMs: performance.now() - start, cpuMs, rssKb: mem.rss, anonKb: mem.anon, processes: pids.length };
  }

  /** Crashes a's host and times until b holds every address (the addresses a's cut eth0 keeps are removed). */
  async crashAndTime(upScripts?: () => number[]): Promise<{ takeoverMs: number; held: number }> {
    const crashedAt = Date.now();
    await this.lab.crash('a');
    for (const v of this.vips) await run(['ip', '-n', this.lab.host('a').ns, 'addr', 'del', `${v}/32`, 'dev', 'eth0']);
    const held = await this.waitHeld('b', 20_000);
    let takeoverMs = Date.now() - crashedAt;
    // With up scripts, the takeover is over when the last one started (each records when):
    // its own time, not when this loop got round to look.
    const ups = upScripts?.() ?? [];
    if (ups.length >= this.o.count) takeoverMs = Math.max(...ups) - crashedAt;
    return { takeoverMs, held };
  }

  async ucarpTs(): Promise<Measured> {
    const master = groups(this.o.count, true);
    const backup = groups(this.o.count, false);
    const t0 = Date.now();
    const a = new GroupsNode(this.lab, this.lab.host('a'), master);
    await Promise.all(master.map((g) => a.waitForState(g, 'MASTER', 20_000)));
    const b = new GroupsNode(this.lab, this.lab.host('b'), backup);
    await Promise.all(backup.map((g) => b.waitForState(g, 'BACKUP', 20_000)));
    const settleMs = Date.now() - t0;
    await sleep(this.o.warmupSeconds * 1000); // past start-up: V8 has compiled what an idle master runs
    const settled = await this.heldCount('a');
    const flapped = backup.filter((g) => b.states(g).join() !== 'BACKUP').length;
    if (flapped > 0) this.o.log(`groups-uts: ${flapped} of b's groups left BACKUP while settling`);
    const idle = await this.idle([a.process.pid]);
    const upsBefore = b.scriptCalls().filter((c) => c.script === 'up').length;
    const moved = await this.crashAndTime(() => b.scriptCalls().filter((c) => c.script === 'up').slice(upsBefore).map((c) => c.at));
    await b.stop();
    return { settleMs, settled, idle, ...moved };
  }

  /** ucarp speaks CARP only: one process per group, vhid 1.., advbase 1, advskew 0 (a) and 100 (b). */
  async ucarp(): Promise<Measured> {
    const start = (host: string, advskew: number): CarpNode[] =>
      this.vips.map((vip, i) => startCarp(this.lab, host, 'ucarp', { vip, vhid: i + 1, password: GROUP_PASSWORD, advbase: 1, advskew }));
    const t0 = Date.now();
    const a = start('a', 0);
    await Promise.all(a.map((n) => n.waitForState('MASTER', 30_000)));
    const b = start('b', 100);
    await Promise.all(b.map((n) => n.waitForState('BACKUP', 30_000)));
    const settleMs = Date.now() - t0;
    await sleep(this.o.warmupSeconds * 1000);
    const settled = await this.heldCount('a');
    const idle = await this.idle(a.map((n) => n.process.pid));
    const moved = await this.crashAndTime(() => b.flatMap((n) => n.scriptCalls().filter((c) => c.script === 'up').slice(-1).map((c) => c.at)));
    await Promise.all(b.map((n) => n.stop()));
    return { settleMs, settled, idle, ...moved };
  }

  /** One keepalived per node: VRRPv3 instances at 1 s (vrid 1..), the first half in one vrrp_sync_group. */
  async keepalived(): Promise<Measured> {
    const start = (host: string, priority: number): Keepalived => {
      const members: KeepalivedMember[] = this.vips.map((vip, i) => ({
        instance: `vi${i + 1}`, nic: this.lab.nic(host, 'eth0'), version: 3, vrid: i + 1, priority, advertInt: 1, vips: [vip],
      }));
      return startKeepalivedSync(this.lab, host, 'half', members, this.o.count / 2);
    };
    const t0 = Date.now();
    const a = start('a', 200);
    await Promise.all(this.vips.map((_, i) => a.waitForState('MASTER', 30_000, 0, `vi${i + 1}`)));
    const b = start('b', 100);
    await Promise.all(this.vips.map((_, i) => b.waitForState('BACKUP', 30_000, 0, `vi${i + 1}`)));
    const settleMs = Date.now() - t0;
    await sleep(this.o.warmupSeconds * 1000);
    const settled = await this.heldCount('a');
    const idle = await this.idle([a.process.pid]);
    const moved = await this.crashAndTime(); // keepalived adds its addresses itself
    await b.stop();
    return { settleMs, settled, idle, ...moved };
  }
}

/** The rows one after the other, each in a fresh lab of two nodes; a row that fails says why and the next one runs. */
export async function runGroupsRows(ids: readonly GroupsRowId[], o: GroupsOptions): Promise<(GroupsResult | GroupsFailure)[]> {
  const out: (GroupsResult | GroupsFailure)[] = [];
  for (const id of ids) {
    try {
      const m = await withLab({ hosts: ['a', 'b'] }, (lab) => {
        const r = new GroupsRun(lab, o);
        return id === 'groups-uts' ? r.ucarpTs() : id === 'groups-ucarp' ? r.ucarp() : r.keepalived();
      });
      out.push({ id, count: o.count, ...m });
      o.log(`${id}: ${o.count} groups settled in ${m.settleMs} ms (a holds ${m.settled}); master idle over ${o.idleSeconds} s: ` +
        `CPU ${((100 * m.idle.cpuMs) / m.idle.windowMs).toFixed(2)}% of a core, resident ${(m.idle.rssKb / 1024).toFixed(1)} MB in ${m.idle.processes} process(es); ` +
        `master host crashed: b holds ${m.held}/${o.count} after ${m.takeoverMs} ms`);
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      out.push({ id, count: o.count, error });
      o.log(`${id}: failed: ${error.split('\n')[0]}`);
    }
  }
  return out;
}
