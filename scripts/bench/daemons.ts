// Starting each daemon of the benchmark in a lab host with the same role settings:
// CARP advbase 1 with advskew 0 (master) / 50 (backup), VRRPv3 every 50 ms with
// priority 150 (master) / 100 (backup). All of them run up/down scripts (or, for
// keepalived, its own address handling) and give the address up when stopped.
import { fileURLToPath } from 'node:url';
import type { Lab, LabProcess } from '../../test/lab/lab.js';
import { HTTP_CHECK_PROGRAM, SERVICE_PORT } from '../../test/support/http-service.js';
import { startKeepalived } from '../../test/support/keepalived.js';
import { ucarpTsArgs } from '../../test/support/keepalived-lab.js';
import { processTree } from './proc.js';
import { SERVICE_CHECK, type Impl, type Proto } from './types.js';
import { addressScripts } from '../../test/lab/address-scripts.js';

export const VIP = '10.77.0.250';
/** The IPv6 rows' address: in the lab's fd77::/64, on-link for the client. */
export const VIP6 = 'fd77::1:fa';
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

const SERVICE_URL = `http://127.0.0.1:${SERVICE_PORT}/health`;
const { intervalS, fall, rise, timeoutS } = SERVICE_CHECK;
/** ucarp-ts's health check of the local service (weight 0: FAULT while it fails). */
const SERVICE_CHECK_ARG = `--check=${SERVICE_URL},interval=${intervalS},timeout=${timeoutS},fall=${fall},rise=${rise}`;

/** The row's virtual address. */
export const vipOf = (family: 4 | 6 = 4): string => (family === 6 ? VIP6 : VIP);

/** withCheck: the daemon watches the local HTTP service (the service rows); family 6: VRRPv3 over IPv6. */
export function startDaemon(lab: Lab, impl: Impl, proto: Proto, host: string, role: Role, withCheck = false, family: 4 | 6 = 4): BenchDaemon {
  const vip = vipOf(family);
  const priority = role === 'master' ? 150 : 100;
  const check = withCheck ? [SERVICE_CHECK_ARG] : [];
  let proc: LabProcess;
  let stateRe: (s: State) => RegExp = (s) => new RegExp(`Switching to state: ${s}\\b`);
  if (impl === 'keepalived') {
    if (proto !== 'vrrp3') throw new Error('keepalived runs VRRP only');
    const trackScript = withCheck
      ? { command: `${process.execPath} ${HTTP_CHECK_PROGRAM} ${SERVICE_URL} ${timeoutS * 1000}`, interval: intervalS, fall, rise, weight: 0 }
      : undefined;
    proc = startKeepalived(lab, host, { version: 3, vrid: VHID, priority, advertInt: VRRP_ADVBASE, vips: [vip], trackScript }).process;
    stateRe = (s) => new RegExp(`\\(VI_1\\) Entering ${s} STATE`);
  } else if (impl === 'ucarp') {
    if (proto !== 'carp') throw new Error('ucarp runs CARP only');
    proc = lab.spawn(host, [UCARP, ...carpArgs(lab, host, role)]);
  } else if (proto === 'carp') {
    proc = lab.spawn(host, asInstalled([...carpArgs(lab, host, role), ...check]));
  } else {
    proc = lab.spawn(host, asInstalled(ucarpTsArgs(lab, host, { protocol: 'vrrp3', vrid: VHID, priority, advbase: VRRP_ADVBASE, addrs: [vip], extraArgs: check })));
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
