// Starting each daemon of the benchmark in a lab host with the same role settings:
// CARP advbase 1 with advskew 0 (master) / 50 (backup), VRRPv3 every 50 ms with
// priority 150 (master) / 100 (backup). All of them run up/down scripts (or, for
// keepalived, its own address handling) and give the address up when stopped.
import { fileURLToPath } from 'node:url';
import type { Lab, LabProcess } from '../../test/lab/lab.js';
import { startKeepalived } from '../../test/support/keepalived.js';
import { ucarpTsArgs } from '../../test/support/keepalived-lab.js';
import { processTree } from './proc.js';
import type { Impl, Proto } from './types.js';
import { addressScripts } from '../../test/lab/address-scripts.js';

export const VIP = '10.77.0.250';
export const VHID = 7;
export const CARP_PASS = 'bench';
export const VRRP_ADVBASE = 0.05;
const UCARP = '/usr/sbin/ucarp';
const UCARP_TS_CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

export type Role = 'master' | 'backup';
export type State = 'MASTER' | 'BACKUP';

export interface BenchDaemon {
  readonly impl: Impl;
  readonly host: string;
  readonly process: LabProcess;
  /** The daemon's processes (keepalived is a parent and a VRRP child). */
  pids(): number[];
  waitForState(state: State, timeoutMs: number, since?: number): Promise<void>;
  /** SIGTERM to the daemon itself, as an init system stops it. */
  terminate(): void;
}


/** The ucarp command line both ucarp and ucarp-ts take (syslog off, downscript on stop). */
export function carpArgs(lab: Lab, host: string, role: Role): string[] {
  const h = lab.host(host);
  const { up, down } = addressScripts(lab);
  return [
    `--interface=${h.ifname}`, `--srcip=${h.addr}`, `--vhid=${VHID}`, `--pass=${CARP_PASS}`, `--addr=${VIP}`,
    '--advbase=1', `--advskew=${role === 'master' ? 0 : 50}`,
    `--upscript=${up}`, `--downscript=${down}`, '--shutdown', '--facility=none',
  ];
}

/**
 * ucarp-ts as its installed command runs it: plain `node`, without the test lab's
 * --enable-source-maps (which the daemon image would inherit, with the memory it costs).
 */
function asInstalled(args: readonly string[]): string[] {
  return [process.execPath, UCARP_TS_CLI, ...args];
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}

export function startDaemon(lab: Lab, impl: Impl, proto: Proto, host: string, role: Role): BenchDaemon {
  const priority = role === 'master' ? 150 : 100;
  let proc: LabProcess;
  let stateRe: (s: State) => RegExp = (s) => new RegExp(`Switching to state: ${s}\\b`);
  if (impl === 'keepalived') {
    if (proto !== 'vrrp3') throw new Error('keepalived runs VRRP only');
    proc = startKeepalived(lab, host, { version: 3, vrid: VHID, priority, advertInt: VRRP_ADVBASE, vips: [VIP] }).process;
    stateRe = (s) => new RegExp(`\\(VI_1\\) Entering ${s} STATE`);
  } else if (impl === 'ucarp') {
    if (proto !== 'carp') throw new Error('ucarp runs CARP only');
    proc = lab.spawn(host, [UCARP, ...carpArgs(lab, host, role)]);
  } else if (proto === 'carp') {
    proc = lab.spawn(host, asInstalled(carpArgs(lab, host, role)));
  } else {
    proc = lab.spawn(host, asInstalled(ucarpTsArgs(lab, host, { protocol: 'vrrp3', vrid: VHID, priority, advbase: VRRP_ADVBASE, addrs: [VIP] })));
  }
  // `ip netns exec` execs the daemon, so the spawned pid is the daemon's own.
  return {
    impl,
    host,
    process: proc,
    pids: () => processTree(proc.pid),
    waitForState: async (state, timeoutMs, since = 0) => {
      await proc.waitForOutput(stateRe(state), timeoutMs, since);
    },
    terminate: () => signal(proc.pid, 'SIGTERM'),
  };
}
