// Shared by the faults-*.test.ts files: ucarp-ts (and ucarp) nodes in lab hosts with
// scripts that move the virtual address, state tracking from the logs, polling, and
// CPU time from /proc. Not a test itself.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nodeArgv, type Lab, type LabProcess } from '../lab/lab.js';
import { addressScripts } from '../lab/address-scripts.js';
export { addressScripts };

export const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
export const PASS = 'fault-secret';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls f until it returns something truthy; throws after ms. */
export async function until<T>(what: string, f: () => Promise<T | undefined | false> | T | undefined | false, ms = 8000, stepMs = 50): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}


export interface NodeOptions {
  vhid: number;
  vip: string;
  advskew?: number;
  advbase?: number;
  preempt?: boolean;
  upscript?: string;
  downscript?: string;
  /** Extra arguments, e.g. ['--script-timeout=2']. */
  extra?: string[];
  /** Run Debian's ucarp instead of ucarp-ts. */
  ucarp?: boolean;
  /** 'vrrp3' or 'vrrp2' instead of CARP; then priority replaces advskew. */
  protocol?: 'vrrp2' | 'vrrp3';
  priority?: number;
  /** Default 'none': the tests read stderr. */
  facility?: string;
  /** Added to the daemon's environment. */
  env?: Record<string, string>;
  /** Rewrites the final argv, e.g. to run the daemon in a pipeline or with a private /dev/log. */
  wrap?: (argv: string[]) => string[];
}

export type State = 'MASTER' | 'BACKUP' | 'FAULT';

export class CarpNode {
  constructor(
    readonly lab: Lab,
    readonly host: string,
    readonly proc: LabProcess,
  ) {}

  get pid(): number {
    return this.proc.pid;
  }

  get log(): string {
    return this.proc.output;
  }

  /** Every state change in the log (after `since`, an output mark). */
  transitions(since = 0): State[] {
    const text = this.proc.output.slice(since);
    return [...text.matchAll(/Switching to state: (MASTER|BACKUP|FAULT)/g)].map((m) => m[1] as State);
  }

  /** The last state logged, or undefined before the first. */
  state(): State | undefined {
    return this.transitions().at(-1);
  }

  async waitForState(state: State, timeoutMs = 8000, since = 0): Promise<void> {
    await this.proc.waitForOutput(new RegExp(`Switching to state: ${state}`), timeoutMs, since);
  }

  /** SIGUSR1, then the status line it logs. */
  async status(): Promise<string> {
    const mark = this.proc.mark();
    this.proc.kill('SIGUSR1');
    const m = await this.proc.waitForOutput(/\[NOTICE\] ((?:MASTER|BACKUP|FAULT|INIT) on .*)$/m, 5000, mark);
    return m[1]!;
  }

  /** utime + stime of the daemon, in clock ticks. */
  cpuTicks(): number {
    return cpuTicks(this.pid);
  }
}

/** Starts ucarp-ts (or ucarp) in a lab host with --facility=none and address scripts. */
export function startNode(lab: Lab, host: string, o: NodeOptions): CarpNode {
  const h = lab.host(host);
  const s = addressScripts(lab);
  const args = [
    `--interface=${h.ifname}`,
    `--srcip=${h.addr}`,
    `--vhid=${o.vhid}`,
    ...(o.protocol === 'vrrp3' ? [] : [`--pass=${PASS}`]), // VRRPv3 has no authentication
    `--addr=${o.vip}`,
    `--advbase=${o.advbase ?? 1}`,
    ...(o.protocol ? [`--protocol=${o.protocol}`, `--priority=${o.priority ?? 100}`] : [`--advskew=${o.advskew ?? 0}`]),
    `--upscript=${o.upscript ?? s.up}`,
    `--downscript=${o.downscript ?? s.down}`,
    ...(o.preempt ? ['--preempt'] : []),
    ...(o.extra ?? []),
  ];
  // Both log to stderr in the foreground, which is what the tests read.
  const facility = `--facility=${o.facility ?? 'none'}`;
  const argv = o.ucarp ? ['ucarp', ...args, facility] : nodeArgv(CLI, ...args, facility);
  const env = o.env ? { ...process.env, ...o.env } : undefined;
  return new CarpNode(lab, host, lab.spawn(host, o.wrap ? o.wrap(argv) : argv, { env }));
}

export function cpuTicks(pid: number): number {
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);
}

/** Packets the kernel dropped (receive queue full) on the host's protocol-112 raw sockets. */
export async function rawSocketDrops(lab: Lab, host: string): Promise<number> {
  const r = await lab.exec(host, ['cat', '/proc/net/raw']);
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[1]?.endsWith(':0070'))
    .reduce((sum, f) => sum + Number(f.at(-1)), 0);
}

/** Clock ticks per second for /proc times (USER_HZ, 100 on Linux). */
export const CLOCK_TICKS = 100;

/** The ucarp-ts daemons running in a lab host (found by their title), for daemons started through a shell or --daemonize. */
export async function daemonPids(lab: Lab, host: string): Promise<number[]> {
  const r = await lab.exec(host, ['ip', 'netns', 'pids', lab.host(host).ns]);
  return r.stdout.split(/\s+/).filter(Boolean).map(Number).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith('ucarp-ts ');
    } catch {
      return false;
    }
  });
}

/** The one ucarp-ts daemon in a lab host, once it runs. */
export async function daemonPid(lab: Lab, host: string, ms = 8000): Promise<number> {
  return until(`a ucarp-ts daemon in ${host}`, async () => {
    const pids = await daemonPids(lab, host);
    if (pids.length > 1) throw new Error(`${pids.length} ucarp-ts daemons in ${host}: ${pids.join(' ')}`);
    return pids[0];
  }, ms, 20);
}

/** Resident memory of a process, kB. */
export function rssKb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Who holds the address, polled every stepMs for ms; returns every distinct sample. */
export async function sampleHolders(lab: Lab, vip: string, ms: number, stepMs = 200): Promise<string[][]> {
  const samples: string[][] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    samples.push(await lab.holders(vip));
    await sleep(stepMs);
  }
  return samples;
}

/** Who holds the address, polled every stepMs until `over` settles; returns its value and every sample. */
export async function holdersUntil<T>(lab: Lab, vip: string, over: Promise<T>, stepMs = 200): Promise<{ value: T; samples: string[][] }> {
  let settled = false;
  const done = over.finally(() => (settled = true));
  const samples: string[][] = [];
  while (!settled) {
    samples.push(await lab.holders(vip));
    await sleep(stepMs);
  }
  return { value: await done, samples };
}
