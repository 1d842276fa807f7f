// CARP nodes in lab hosts for the integration tests: ucarp-ts (the built cli) or
// Debian's ucarp 1.5.2 with the same options, each with up/down scripts that add or
// remove the virtual address and record their arguments and environment, plus the
// waits and checks the scenarios share (holders, state lines, timings, the client).
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { joinContinuationLines } from '../lab/capture.js';
import { nodeArgv, type Lab, type LabHost, type LabProcess, type PingReport } from '../lab/lab.js';
import type { ExitStatus } from '../lab/process-handle.js';
import { run } from '../lab/run.js';

export const UCARP = '/usr/sbin/ucarp';
export const UCARP_TS_CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

export type Impl = 'ucarp-ts' | 'ucarp';
export type CarpState = 'MASTER' | 'BACKUP' | 'FAULT';

/** Throws unless Debian's ucarp is installed: interop tests never skip. */
export const ucarpAvailable = (): true => {
  if (!existsSync(UCARP)) throw new Error(`ucarp tests cannot run: ${UCARP} is missing (install ucarp: scripts/setup.sh)`);
  return true;
};

/** Room for a loaded machine (other tests share its two cores) on top of the protocol's own timing. */
export const SLACK_MS = 500;

/**
 * How late ucarp 1.5.2 may act. It reads packets through libpcap, whose TPACKET_V3
 * ring hands a packet over only when its block times out (ucarp's 1 s capture
 * timeout), and a BACKUP checks its master-down timer only when poll() returns, at
 * least once a second. Measured here: preemption and bow-out reactions 250..1000 ms
 * after the packet was on the wire; host-crash takeovers 2.7..3.6 s for a 3.2 s
 * master-down interval. ucarp-ts reacts at once (0).
 */
export const UCARP_LATE_MS = 1000;

export interface CarpNodeOptions {
  vip: string;
  vhid?: number;
  password?: string;
  advbase?: number;
  advskew?: number;
  /** Default: the host's lab address. */
  srcip?: string;
  preempt?: boolean;
  nomcast?: boolean;
  xparam?: string;
  /** 'env': the password goes in UCARP_PASS (ucarp-ts only) instead of on the command line. */
  passwordVia?: 'arg' | 'env';
  /** Added to the daemon's environment. */
  env?: Record<string, string>;
  /** --shutdown (default on): a stopped MASTER runs its downscript. */
  shutdown?: boolean;
  extraArgs?: string[];
  /** ucarp-ts only: an installed ucarp-ts command to run (npm prefix, .deb tree) instead of this build's cli. */
  command?: string;
}

export const DEFAULT_VHID = 7;
export const DEFAULT_PASSWORD = 'lab-secret-8z';

/** CARP's master-down interval, advbase * 3 + advskew / 256 seconds, in ms. */
export const masterDownMs = (advbase: number, advskew: number): number => advbase * 3000 + (advskew * 1000) / 256;
/** A MASTER's advertisement interval, ms. */
export const advertIntervalMs = (advbase: number, advskew: number): number => advbase * 1000 + (advskew * 1000) / 256;

/** One run of an up or down script, as the recorder wrote it down. */
export interface ScriptCall {
  script: 'up' | 'down';
  /** Wall clock, ms. */
  at: number;
  args: string[];
  env: Record<string, string>;
}

export function carpArgs(host: LabHost, o: CarpNodeOptions, scripts: { up: string; down: string }): string[] {
  const args = [
    `--interface=${host.ifname}`,
    `--srcip=${o.srcip ?? host.addr}`,
    `--vhid=${o.vhid ?? DEFAULT_VHID}`,
    `--addr=${o.vip}`,
    `--advbase=${o.advbase ?? 1}`,
    `--advskew=${o.advskew ?? 0}`,
    `--upscript=${scripts.up}`,
    `--downscript=${scripts.down}`,
    '--facility=none',
  ];
  if (o.passwordVia !== 'env') args.push(`--pass=${o.password ?? DEFAULT_PASSWORD}`);
  if (o.shutdown ?? true) args.push('--shutdown');
  if (o.preempt) args.push('--preempt');
  if (o.nomcast) args.push('--nomcast');
  if (o.xparam !== undefined) args.push(`--xparam=${o.xparam}`);
  return [...args, ...(o.extraArgs ?? [])];
}

const sq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

// The recorder writes first (so a failing `ip` cannot hide the call), then acts. Into
// one file for one group; with `record` a directory (several groups' scripts run at
// once), one file per call, so that concurrent calls cannot interleave their lines.
export function recorderScript(which: 'up' | 'down', record: string, perCall = false): string {
  const act =
    which === 'up'
      ? 'exec ip addr add "$2/32" dev "$1"'
      : '# At start-up the address is usually absent: nothing to remove is no failure.\nip addr del "$2/32" dev "$1" 2>/dev/null\nexit 0';
  const target = perCall ? `> ${sq(record)}/"$(date +%s%N)-$$"` : `>> ${sq(record)}`;
  return [
    '#!/bin/sh',
    '{',
    `  printf 'CALL ${which} %s\\n' "$(date +%s%N)"`,
    '  for a in "$@"; do printf \'ARG %s\\n\' "$a"; done',
    "  env | sed 's/^/ENV /'",
    "  printf 'END\\n'",
    `} ${target}`,
    act,
    '',
  ].join('\n');
}

export function parseScriptCalls(text: string): ScriptCall[] {
  const calls: ScriptCall[] = [];
  let cur: ScriptCall | null = null;
  for (const line of text.split('\n')) {
    const call = /^CALL (up|down) (\d+)$/.exec(line);
    if (call) {
      cur = { script: call[1] as 'up' | 'down', at: Number(BigInt(call[2]!) / 1_000_000n), args: [], env: {} };
      continue;
    }
    if (!cur) continue;
    if (line === 'END') {
      calls.push(cur);
      cur = null;
    } else if (line.startsWith('ARG ')) {
      cur.args.push(line.slice(4));
    } else if (line.startsWith('ENV ')) {
      const eq = line.indexOf('=');
      if (eq > 4) cur.env[line.slice(4, eq)] = line.slice(eq + 1);
    }
  }
  return calls;
}

const LOG_TIME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?:/;

/** The wall-clock time (ms) in a ucarp or ucarp-ts log line ("2026-01-02T03:04:05.123456: ..."). */
export function logLineTime(line: string): number {
  const m = LOG_TIME.exec(line);
  assert.ok(m, `no timestamp in log line: ${line}`);
  // Local time, as both programs print it; ucarp has microseconds.
  return new Date(`${m[1]}.${(m[2] ?? '0').padEnd(3, '0').slice(0, 3)}`).getTime();
}

let nodeCounter = 0;

export class CarpNode {
  readonly process: LabProcess;
  readonly record: string;
  readonly scripts: { up: string; down: string };
  readonly argv: string[];

  constructor(
    readonly lab: Lab,
    readonly host: LabHost,
    readonly impl: Impl,
    readonly options: CarpNodeOptions,
  ) {
    const n = nodeCounter++;
    this.record = join(lab.tmpDir, `${host.name}-${n}.calls`);
    const up = join(lab.tmpDir, `${host.name}-${n}-up.sh`);
    const down = join(lab.tmpDir, `${host.name}-${n}-down.sh`);
    writeFileSync(up, recorderScript('up', this.record));
    writeFileSync(down, recorderScript('down', this.record));
    chmodSync(up, 0o755);
    chmodSync(down, 0o755);
    this.scripts = { up, down };
    const args = carpArgs(host, options, this.scripts);
    this.argv = impl === 'ucarp' ? [UCARP, ...args] : options.command ? [options.command, ...args] : nodeArgv(UCARP_TS_CLI, ...args);
    const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
    if (options.passwordVia === 'env') env.UCARP_PASS = options.password ?? DEFAULT_PASSWORD;
    this.process = lab.spawn(host, this.argv, { env });
  }

  get name(): string {
    return `${this.impl}@${this.host.name}`;
  }

  get masterDownMs(): number {
    return masterDownMs(this.options.advbase ?? 1, this.options.advskew ?? 0);
  }

  get advertIntervalMs(): number {
    return advertIntervalMs(this.options.advbase ?? 1, this.options.advskew ?? 0);
  }

  /** How late this implementation may act on a packet or on its own timer (see UCARP_LATE_MS). */
  get lateMs(): number {
    return this.impl === 'ucarp' ? UCARP_LATE_MS : 0;
  }

  mark(): number {
    return this.process.mark();
  }

  /** Every "Switching to state: X" so far, in order. */
  states(): CarpState[] {
    return [...this.process.output.matchAll(/Switching to state: (MASTER|BACKUP|FAULT)/g)].map((m) => m[1] as CarpState);
  }

  /**
   * Waits for "Switching to state: <state>" printed after `since` (an output mark)
   * and resolves with the time the daemon logged it (its own timestamp, wall clock ms).
   */
  async waitForState(state: CarpState, timeoutMs = 8000, since = 0): Promise<number> {
    const m = await this.process.waitForOutput(new RegExp(`^.*Switching to state: ${state}$`, 'm'), timeoutMs, since);
    return logLineTime(m[0]);
  }

  /** Asserts that no state line appeared after `since`. */
  assertNoSwitchSince(since: number, why: string): void {
    const after = this.process.output.slice(since);
    assert.doesNotMatch(after, /Switching to state/, `${this.name}: ${why}\n--- output ---\n${after.slice(-3000)}`);
  }

  scriptCalls(): ScriptCall[] {
    return existsSync(this.record) ? parseScriptCalls(readFileSync(this.record, 'utf8')) : [];
  }

  /** Sends a signal to the daemon alone (not its scripts); ip netns exec has exec'd into it. */
  signal(sig: NodeJS.Signals): void {
    if (!this.process.running) return;
    try {
      process.kill(this.process.pid, sig);
    } catch {
      /* gone */
    }
  }

  /** Signals the daemon and waits for it to exit (SIGKILL after timeoutMs). */
  async stop(sig: NodeJS.Signals = 'SIGTERM', timeoutMs = 6000): Promise<ExitStatus> {
    this.signal(sig);
    const timer = setTimeout(() => this.process.kill('SIGKILL'), timeoutMs);
    const status = await this.process.exited;
    clearTimeout(timer);
    return status;
  }
}

export function startCarp(lab: Lab, host: string, impl: Impl, options: CarpNodeOptions): CarpNode {
  return new CarpNode(lab, lab.host(host), impl, options);
}

/** Starts a node and waits for its first state line (BACKUP: it runs and listens). */
export async function startBackup(lab: Lab, host: string, impl: Impl, options: CarpNodeOptions): Promise<CarpNode> {
  const node = startCarp(lab, host, impl, options);
  await node.waitForState('BACKUP', 8000);
  return node;
}

/** Starts a node alone on the segment and waits until it is MASTER and holds the address. */
export async function startMaster(lab: Lab, host: string, impl: Impl, options: CarpNodeOptions): Promise<CarpNode> {
  const node = startCarp(lab, host, impl, options);
  await node.waitForState('MASTER', node.masterDownMs + 6000);
  await waitForHolders(lab, options.vip, [host]);
  return node;
}

/** Polls `ip addr` until exactly these hosts hold the address. */
export async function waitForHolders(lab: Lab, vip: string, expected: string[], timeoutMs = 3000): Promise<void> {
  const want = [...expected].sort();
  const deadline = Date.now() + timeoutMs;
  let now: string[] = [];
  for (;;) {
    now = (await lab.holders(vip)).sort();
    if (JSON.stringify(now) === JSON.stringify(want)) return;
    if (Date.now() > deadline) break;
    await sleep(25);
  }
  assert.fail(`expected ${JSON.stringify(want)} to hold ${vip}; holders: ${JSON.stringify(now)}`);
}

/** Asserts, sampling all along, that exactly these hosts hold the address for durationMs. */
export async function assertHoldersFor(lab: Lab, vip: string, expected: string[], durationMs: number): Promise<void> {
  const want = JSON.stringify([...expected].sort());
  const end = Date.now() + durationMs;
  do {
    const now = JSON.stringify((await lab.holders(vip)).sort());
    assert.equal(now, want, `holders of ${vip} changed during a steady period`);
    await sleep(100);
  } while (Date.now() < end);
}

/** A crashed host keeps the address on its cut interface; an operator would remove it. */
export async function forgetAddress(lab: Lab, host: string, vip: string): Promise<void> {
  const h = lab.host(host);
  await lab.exec(h, ['ip', 'addr', 'del', `${vip}/32`, 'dev', h.ifname]);
}

/**
 * When `backup` may take over after `master` vanished without a word: its master-down
 * interval after the last advert, which left at most one interval before; ucarp may
 * hear that advert late and notice the silence late (twice UCARP_LATE_MS).
 */
export function silentFailoverWindow(master: CarpNode, backup: CarpNode): [number, number] {
  return [backup.masterDownMs - master.advertIntervalMs - 50, backup.masterDownMs + 2 * backup.lateMs + SLACK_MS];
}

/** When a --preempt node that has started listening takes over from a slower master: at its next advert. */
export function preemptWindow(master: CarpNode, preempter: CarpNode): [number, number] {
  return [0, master.advertIntervalMs + preempter.lateMs + SLACK_MS];
}

/** Checks a measured duration against [min, max] and says what it was. */
export function assertWithin(what: string, ms: number, min: number, max: number): void {
  assert.ok(ms >= min && ms <= max, `${what}: ${ms} ms, expected ${Math.round(min)}..${Math.round(max)} ms`);
}

/**
 * Runs `event` while the client pings `vip` every 10 ms; `settled` waits for the
 * new holder. The report's longestGapMs is what the client saw of the change.
 */
export async function pingDuring(lab: Lab, vip: string, event: () => Promise<void>, settled: () => Promise<void>): Promise<PingReport> {
  const pinger = await lab.startPinger('client', vip, 10);
  const body = (async () => {
    await pinger.process.waitForOutput(/bytes from/, 3000); // the path works before the event
    await sleep(200);
    await event();
    await settled();
    await sleep(300);
  })();
  const failed = await body.then(() => null, (e: unknown) => ({ e }));
  const report = await pinger.stop(); // always, then report what went wrong
  if (failed) throw failed.e;
  return report;
}

/** Waits until the client's ARP entry for vip shows `mac`; resolves with the wall-clock time seen. */
export async function waitForClientMac(lab: Lab, vip: string, mac: string, timeoutMs = 3000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let seen: string | undefined;
  for (;;) {
    seen = await lab.neighMac('client', vip);
    if (seen === mac) return Date.now();
    if (Date.now() > deadline) break;
    await sleep(20);
  }
  assert.fail(`client's ARP entry for ${vip} is ${seen ?? 'absent'}, expected ${mac}`);
}

/** Adds a second address (as --srcip) to a host's eth0, e.g. for the tie-break addresses. */
export async function addHostAddress(lab: Lab, host: string, cidr: string): Promise<void> {
  const h = lab.host(host);
  const r = await lab.exec(h, ['ip', 'addr', 'add', cidr, 'dev', h.ifname]);
  assert.equal(r.code, 0, `ip addr add ${cidr} on ${host}: ${r.stderr}`);
}

export interface TimedPacket {
  /** Wall clock, ms. */
  at: number;
  line: string;
}

/** A stopped capture's packets with their times (tcpdump -tt -n -e -vv). */
export async function timedPackets(pcapPath: string): Promise<TimedPacket[]> {
  const r = await run(['tcpdump', '-r', pcapPath, '-tt', '-n', '-e', '-vv'], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, `tcpdump -r ${pcapPath}: ${r.stderr}`);
  return joinContinuationLines(r.stdout).map((line) => ({ at: Math.floor(Number(line.split(' ')[0]) * 1000), line }));
}

/** tcpdump shows CARP as VRRPv2: advskew as "prio", advbase as "intvl". The bow-out is 255/255. */
export const isBowOut = (p: TimedPacket, src: string): boolean => p.line.includes(` ${src} > `) && /prio 255, .*intvl 255s/.test(p.line);
