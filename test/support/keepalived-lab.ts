// The ucarp-ts side of the keepalived interoperability tests: start ucarp-ts in VRRP
// mode in a lab host with up/down scripts that add and remove the addresses (keepalived
// adds its own), and check who holds the addresses.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeArgv, type Lab, type LabProcess, type PingReport } from '../lab/lab.js';
import { addressScripts } from '../lab/address-scripts.js';

export const UCARP_TS_CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

export interface UcarpTsVrrpOptions {
  protocol: 'vrrp2' | 'vrrp3';
  vrid: number;
  priority: number;
  /** Seconds; fractional for vrrp3. */
  advbase: number;
  addrs: string[];
  password?: string;
  preempt?: boolean;
  peers?: string[];
  extraArgs?: string[];
}

export interface UcarpTs {
  readonly process: LabProcess;
  /** Waits for "Switching to state: <state>" after the given output mark. */
  waitForState(state: 'MASTER' | 'BACKUP' | 'FAULT', timeoutMs?: number, since?: number): Promise<void>;
  /** Graceful stop (SIGTERM; --shutdown runs the downscript); waits for the exit. */
  stop(): Promise<void>;
}


export function ucarpTsArgs(lab: Lab, hostName: string, o: UcarpTsVrrpOptions): string[] {
  const host = lab.host(hostName);
  const { up, down } = addressScripts(lab);
  // IPv6: no --srcip, so the daemon takes the interface's link-local address.
  const ipv6 = o.addrs.some((a) => a.includes(':'));
  const args = [
    `--interface=${host.ifname}`,
    ...(ipv6 ? [] : [`--srcip=${host.addr}`]),
    `--vhid=${o.vrid}`,
    `--protocol=${o.protocol}`,
    `--priority=${o.priority}`,
    `--advbase=${o.advbase}`,
    ...o.addrs.map((a) => `--addr=${a}`),
    `--upscript=${up}`,
    `--downscript=${down}`,
    '--shutdown',
    '--facility=none',
  ];
  if (o.password !== undefined) args.push(`--pass=${o.password}`);
  if (o.preempt) args.push('--preempt');
  for (const p of o.peers ?? []) args.push(`--peer=${p}`);
  return [...args, ...(o.extraArgs ?? [])];
}

export function startUcarpTs(lab: Lab, hostName: string, o: UcarpTsVrrpOptions): UcarpTs {
  const proc = lab.spawn(hostName, nodeArgv(UCARP_TS_CLI, ...ucarpTsArgs(lab, hostName, o)));
  return {
    process: proc,
    async waitForState(state, timeoutMs = 10_000, since = 0) {
      await proc.waitForOutput(new RegExp(`Switching to state: ${state}`), timeoutMs, since);
    },
    async stop() {
      await proc.terminate();
    },
  };
}

/** Polls `ip addr` until exactly `expected` holds every address and nobody else holds any. */
export async function waitForSoleHolder(lab: Lab, addrs: string[], expected: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string[][] = [];
  for (;;) {
    last = await Promise.all(addrs.map((a) => lab.holders(a)));
    if (last.every((h) => h.length === 1 && h[0] === expected)) return;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`expected ${expected} alone to hold ${addrs.join(', ')}; holders: ${JSON.stringify(last)}`);
}

/** Asserts, for a while, that `expected` alone keeps holding the addresses (no flapping, no second holder). */
export async function assertSoleHolderFor(lab: Lab, addrs: string[], expected: string, durationMs: number): Promise<void> {
  const end = Date.now() + durationMs;
  do {
    const now = await Promise.all(addrs.map((a) => lab.holders(a)));
    assert.ok(now.every((h) => h.length === 1 && h[0] === expected), `expected ${expected} alone to hold ${addrs.join(', ')}; holders: ${JSON.stringify(now)}`);
    await new Promise((r) => setTimeout(r, 100));
  } while (Date.now() < end);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * What a client pinging `addr` every 5 ms sees while `event` happens: the report's
 * longestGapMs is the outage. `settled` waits until the new holder is in place.
 */
export async function outageDuring(lab: Lab, addr: string, event: () => Promise<void>, settled: () => Promise<void>): Promise<PingReport> {
  const pinger = await lab.startPinger('client', addr, 5);
  const during = (async () => {
    await sleep(300);
    await event();
    await settled();
    await sleep(300);
  })();
  // Stop the pinger whatever happened, then report the failure if there was one.
  const outcome = await during.then(() => null, (e: unknown) => ({ e }));
  const report = await pinger.stop();
  if (outcome) throw outcome.e;
  assert.ok(report.replies.length > 0, `the client never reached ${addr}`);
  return report;
}

/** A crashed host keeps its addresses on its (cut) interface; they no longer count. */
export async function forgetDeadHost(lab: Lab, hostName: string, addrs: string[]): Promise<void> {
  const h = lab.host(hostName);
  for (const a of addrs) await lab.exec(h, ['ip', 'addr', 'del', `${a}/${a.includes(':') ? 128 : 32}`, 'dev', h.ifname]);
}
