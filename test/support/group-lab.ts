// ucarp-ts running many groups in one process (--config-dir) in a lab host: a config
// directory of group files, recorder scripts shared by the groups (each call names its
// address, in a file of its own), and waits on one group's labelled log lines.
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeArgv, type Lab, type LabHost, type LabProcess } from '../lab/lab.js';
import type { ExitStatus } from '../lab/process-handle.js';
import { logLineTime, parseScriptCalls, recorderScript, UCARP_TS_CLI, type CarpState, type ScriptCall } from './carp-lab.js';

export interface GroupSpec {
  /** The file's name without ".conf". */
  name: string;
  protocol: 'carp' | 'vrrp3';
  id: number;
  vip: string;
  /** CARP advskew or VRRP priority. */
  preference: number;
  /** The host's interface (a LabNic's name); eth0 unless told. */
  ifname?: string;
  /** More KEY=value lines (UCARP_MASK=24, ...). */
  extra?: string[];
}

/** The CARP groups' password (a ucarp peer needs it too). */
export const GROUP_PASSWORD = 'lab-groups-pw';

export function groupLabel(g: GroupSpec): string {
  return g.protocol === 'carp' ? `${g.name} CARP vhid ${g.id}` : `${g.name} VRRPv3 vrid ${g.id}`;
}

/** A --config file for the group, with $VAR references as an operator would write them. */
export function groupFile(nic: { ifname: string; addr: string }, g: GroupSpec, scripts: { up: string; down: string }): string {
  const lines = [
    `UCARP_INTERFACE=${nic.ifname}`,
    // An IPv6 group sends from the interface's link-local address.
    ...(g.vip.includes(':') ? [] : [`UCARP_SRCIP=${nic.addr}`]),
    `UCARP_PROTOCOL=${g.protocol}`,
    `UCARP_VHID=${g.id}`,
    `UCARP_ADDR=${g.vip}`,
    `UCARP_SCRIPTS=${join(scripts.up, '..')}`,
    `UCARP_UPSCRIPT=$UCARP_SCRIPTS/${scripts.up.split('/').pop()}`,
    `UCARP_DOWNSCRIPT="\${UCARP_SCRIPTS}/${scripts.down.split('/').pop()}"`,
  ];
  if (g.protocol === 'carp') lines.push(`UCARP_PASS='${GROUP_PASSWORD}'`, `UCARP_ADVSKEW=${g.preference}`, 'UCARP_SHUTDOWN=yes');
  else lines.push(`UCARP_PRIORITY=${g.preference}`);
  return [...lines, ...(g.extra ?? [])].join('\n') + '\n';
}

let counter = 0;

export class GroupsNode {
  readonly dir: string;
  readonly record: string;
  readonly scripts: { up: string; down: string };
  readonly process: LabProcess;

  constructor(
    readonly lab: Lab,
    readonly host: LabHost,
    groups: readonly GroupSpec[],
    extraArgs: readonly string[] = [],
    /** Hook scripts of one's own (e.g. the examples) instead of the recorders. */
    scripts?: { up: string; down: string },
  ) {
    const n = counter++;
    this.dir = join(lab.tmpDir, `${host.name}-groups-${n}`);
    mkdirSync(this.dir);
    this.record = join(lab.tmpDir, `${host.name}-groups-${n}.calls`);
    mkdirSync(this.record);
    const up = join(lab.tmpDir, `${host.name}-groups-${n}-up.sh`);
    const down = join(lab.tmpDir, `${host.name}-groups-${n}-down.sh`);
    writeFileSync(up, recorderScript('up', this.record, true));
    writeFileSync(down, recorderScript('down', this.record, true));
    chmodSync(up, 0o755);
    chmodSync(down, 0o755);
    this.scripts = scripts ?? { up, down };
    for (const g of groups) this.write(g);
    this.process = lab.spawn(host, nodeArgv(UCARP_TS_CLI, '--config-dir', this.dir, '--facility=none', ...extraArgs));
  }

  write(g: GroupSpec): void {
    const nic = this.lab.nic(this.host, g.ifname ?? this.host.ifname);
    writeFileSync(join(this.dir, `${g.name}.conf`), groupFile(nic, g, this.scripts), { mode: 0o600 });
  }

  remove(name: string): void {
    rmSync(join(this.dir, `${name}.conf`));
  }

  mark(): number {
    return this.process.mark();
  }

  /** Waits for the group's "Switching to state: X" after `since`; resolves with its log time. */
  async waitForState(g: GroupSpec, state: CarpState, timeoutMs = 8000, since = 0): Promise<number> {
    const label = groupLabel(g).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const m = await this.process.waitForOutput(new RegExp(`^.*${label}: Switching to state: ${state}$`, 'm'), timeoutMs, since);
    return logLineTime(m[0]);
  }

  /** The group's state lines after `since`. */
  states(g: GroupSpec, since = 0): CarpState[] {
    const label = groupLabel(g).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const re = new RegExp(`${label}: Switching to state: (MASTER|BACKUP|FAULT)`, 'g');
    return [...this.process.output.slice(since).matchAll(re)].map((m) => m[1] as CarpState);
  }

  /** Script calls (all groups), optionally only those for one address. */
  scriptCalls(vip?: string): ScriptCall[] {
    // One file per call, named by its start (ns): in name order is in time order.
    const text = readdirSync(this.record).sort().map((f) => readFileSync(join(this.record, f), 'utf8')).join('');
    const calls = parseScriptCalls(text);
    return vip ? calls.filter((c) => c.args[1] === vip) : calls;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.process.running) process.kill(this.process.pid, sig);
  }

  async stop(sig: NodeJS.Signals = 'SIGTERM', timeoutMs = 8000): Promise<ExitStatus> {
    this.signal(sig);
    const timer = setTimeout(() => this.process.kill('SIGKILL'), timeoutMs);
    const status = await this.process.exited;
    clearTimeout(timer);
    return status;
  }
}
