// The measurements, each in a lab of its own: a failover seen by a pinging client,
// an idle pair, a master under a flood.
import { withLab, type Lab, type LabOptions, type LabProcess, type Pinger } from '../../test/lab/lab.js';
import { startHttpClient, startServices } from '../../test/support/http-service.js';
import { startDaemon, vipOf, type BenchDaemon } from './daemons.js';
import { outageAround } from './outage.js';
import { routedTrial } from './routed.js';
import { cpuBetween, memoryKb, sampleCpu, type CpuSample } from './proc.js';
import { masterDownMs, SERVICE_CHECK, type EventKind, type FloodFigures, type IdleFigures, type RowSpec, type Trial } from './types.js';

export const PING_INTERVAL_MS = 5;
const BEFORE_MS = 300;
const AFTER_MS = 300;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export interface Pair {
  master: BenchDaemon;
  backup: BenchDaemon;
}

/** Master first (until it holds the address), then the backup (until it says BACKUP). */
export async function startPair(lab: Lab, spec: RowSpec): Promise<Pair> {
  const master = startDaemon(lab, spec.master, spec.proto, 'master', 'master', spec.service, spec.family);
  // CARP: advbase * deadratio of silence at start-up; generous for a loaded machine.
  await master.waitForState('MASTER', spec.proto === 'carp' ? 10_000 : 5_000);
  const backup = startDaemon(lab, spec.backup, spec.proto, 'backup', 'backup', spec.service, spec.family);
  await backup.waitForState('BACKUP', 10_000);
  await waitForHolder(lab, 'master', 5_000, vipOf(spec.family));
  return { master, backup };
}

export async function waitForHolder(lab: Lab, host: string, timeoutMs: number, vip = vipOf()): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string[] = [];
  while (Date.now() < deadline) {
    last = await lab.holders(vip);
    if (last.length === 1 && last[0] === host) return;
    await sleep(20);
  }
  throw new Error(`${host} does not hold ${vip} alone (holders: ${last.join(', ') || 'none'})`);
}

/** Prints a line per advertisement the client hears from the host (IPv6: from its link-local address). */
async function sniffAdverts(lab: Lab, from: string, family: 4 | 6 = 4): Promise<LabProcess> {
  const h = lab.host('client');
  const filter = family === 6 ? `ip6 proto 112 and src host ${lab.host(from).linkLocal}` : `ip proto 112 and src host ${lab.host(from).addr}`;
  const p = lab.spawn(h, ['tcpdump', '-l', '-n', '--immediate-mode', '-i', h.ifname, filter]);
  await p.waitForOutput(/listening on/, 10_000);
  return p;
}

/** What one failover trial needs from its pair: how to fire the event and when it is over. */
export interface TrialPlan {
  /** The client pings the address; the pair is settled. */
  pinger: Pinger;
  /** Waits for the right moment, right before the event. */
  before(): Promise<void>;
  /** The master dies or is stopped. */
  event(): Promise<void>;
  /** Resolves once the successor has taken over (the client's replies are awaited after it). */
  settled(): Promise<void>;
}

/**
 * One failover seen by a client pinging the address every few ms, in a lab of its own:
 * the replies relative to the event and the outage around it.
 */
export async function outageTrial(labOpts: LabOptions, plan: (lab: Lab) => Promise<TrialPlan>): Promise<Trial> {
  let eventAt = 0;
  let replies: number[] = [];
  let duplicates = 0;
  let windowFrom = -BEFORE_MS;
  let windowTo = 0;
  try {
    await withLab(labOpts, async (lab) => {
      const p = await plan(lab);
      const startedAt = Date.now();
      let failure: unknown;
      try {
        await sleep(BEFORE_MS);
        await p.before();
        eventAt = Date.now();
        await p.event();
        await p.settled();
        // Then until the client hears the address again, and a little longer.
        await p.pinger.process.waitForOutput(/bytes from/, 5_000, p.pinger.process.mark());
        await sleep(AFTER_MS);
      } catch (e) {
        failure = e;
      }
      const report = await p.pinger.stop();
      if (eventAt === 0) eventAt = report.stoppedAt; // failed before the event
      replies = report.replies.map((t) => t - eventAt);
      duplicates = report.duplicates;
      windowFrom = startedAt - eventAt;
      windowTo = report.stoppedAt - eventAt;
      if (failure) throw failure;
    });
  } catch (e) {
    return { replies, duplicates, windowFrom, windowTo, error: message(e) };
  }
  const o = outageAround(replies, 0);
  if (!o) return { replies, duplicates, windowFrom, windowTo, error: 'no reply before or after the event' };
  return { replies, duplicates, windowFrom, windowTo, outageMs: o.ms, gapFrom: o.from, gapTo: o.to };
}

/**
 * One failover on a segment. The event comes right after an advertisement of the master,
 * so a backup that waits for silence waits its whole Master_Down_Interval in every trial,
 * and rows compare without the luck of where in the interval the master went.
 */
export async function failoverTrial(spec: RowSpec, kind: EventKind): Promise<Trial> {
  if (spec.topology === 'bgp') return routedTrial(spec.proto, kind, PING_INTERVAL_MS, spec.family);
  const vip = vipOf(spec.family);
  return outageTrial({ hosts: ['master', 'backup'], client: true, ipv6: spec.family === 6 }, async (lab) => {
    const services = spec.service ? await startServices(lab, ['master', 'backup']) : undefined;
    const { master, backup } = await startPair(lab, spec);
    const sniffer = await sniffAdverts(lab, 'master', spec.family);
    // The service rows: a client of the service, since the address alone still answers pings.
    const pinger = services ? await startHttpClient(lab, 'client', vip, PING_INTERVAL_MS) : await lab.startPinger('client', vip, PING_INTERVAL_MS);
    let mark = 0;
    return {
      pinger,
      before: async () => {
        await sniffer.waitForOutput(/ IP6? /, 5_000, sniffer.mark());
        // The service dies right after a probe, as the other events come right after an
        // advert: every trial then waits the checks' whole fall x interval, whoever runs them.
        if (kind === 'service') await services!.get('master')!.probed();
        mark = backup.process.mark();
      },
      event: async () => {
        if (kind === 'crash') await lab.crash('master');
        else if (kind === 'service') await services!.get('master')!.kill();
        else master.terminate();
      },
      settled: async () => {
        const detect = kind === 'service' ? SERVICE_CHECK.fall * SERVICE_CHECK.intervalS * 1000 : 0;
        await backup.waitForState('MASTER', detect + masterDownMs(spec.proto) + 5_000, mark);
      },
    };
  });
}

/**
 * A settled pair, measured alone: after warmupMs, the master's CPU time over the idle
 * window and its memory at the end; then, when a flooder is given, its CPU while a third
 * host floods it with forged advertisements. The pair must keep its roles while idle.
 */
export async function idleThenFlood(
  spec: RowSpec,
  warmupMs: number,
  windowMs: number,
  flood?: { flooder: Flooder; rate: number; seconds: number },
): Promise<{ idle: IdleFigures; flood?: FloodFigures | { error: string } }> {
  return withLab({ hosts: flood ? ['master', 'backup', 'flood'] : ['master', 'backup'] }, async (lab) => {
    if (spec.service) await startServices(lab, ['master', 'backup']); // healthy: the checks keep running
    const { master, backup } = await startPair(lab, spec);
    const marks = [master.process.mark(), backup.process.mark()] as const;
    await sleep(warmupMs);
    const pids = master.pids();
    const before = sampleCpu(pids);
    const t0 = performance.now();
    await sleep(windowMs);
    const cpu = cpuBetween(before, sampleCpu(pids));
    const elapsed = performance.now() - t0;
    const mem = memoryKb(pids);
    const changed = roleChanges(master, backup, marks);
    if (changed) throw new Error(`the pair changed roles while idle: ${changed}`);
    const idle: IdleFigures = { windowMs: elapsed, cpuMs: cpu, rssKb: mem.rss, anonKb: mem.anon, processes: pids.length };
    if (!flood) return { idle };
    try {
      return { idle, flood: await floodWindow(lab, spec, master, backup, flood.flooder, flood.rate, flood.seconds) };
    } catch (e) {
      return { idle, flood: { error: message(e) } };
    }
  });
}

export interface FloodRun {
  sent: number;
  achievedRate: number;
}

/**
 * Floods the group from a lab host with forged advertisements for the row's protocol;
 * calls started() once packets are going out and resolves when the flood is over.
 */
export type Flooder = (lab: Lab, from: string, spec: RowSpec, rate: number, seconds: number, started: () => void) => Promise<FloodRun>;

/** The master's CPU while the lab's flood host floods it with forged advertisements. */
async function floodWindow(lab: Lab, spec: RowSpec, master: BenchDaemon, backup: BenchDaemon, flood: Flooder, rate: number, seconds: number): Promise<FloodFigures> {
  const marks = [master.process.mark(), backup.process.mark()] as const;
  const pids = master.pids();
  let before: CpuSample | undefined;
  let t0 = Number.NaN;
  const run = await flood(lab, 'flood', spec, rate, seconds, () => {
    before = sampleCpu(pids);
    t0 = performance.now();
  });
  if (!before) throw new Error('the flood never started');
  const cpu = cpuBetween(before, sampleCpu(pids));
  const windowMs = performance.now() - t0;
  const changed = roleChanges(master, backup, marks);
  return { windowMs, cpuMs: cpu, sent: run.sent, achievedRate: run.achievedRate, heldRoles: !changed, roleChanges: changed };
}

const STATE_CHANGE = /Switching to state: \w+|Entering \w+ STATE/g;

/** Undefined when both daemons still run and neither changed state since the marks; else what happened. */
export function roleChanges(master: BenchDaemon, backup: BenchDaemon, marks: readonly [number, number]): string | undefined {
  const said: string[] = [];
  for (const [d, since, name] of [[master, marks[0], 'master'], [backup, marks[1], 'backup']] as const) {
    if (!d.process.running) said.push(`the ${name} (${d.impl}) exited`);
    const changes = d.process.output.slice(since).match(STATE_CHANGE) ?? [];
    if (changes.length > 0) said.push(`the ${name} (${d.impl}) logged ${changes.length}× state changes (${[...new Set(changes)].join(', ')})`);
  }
  return said.length > 0 ? said.join('; ') : undefined;
}
