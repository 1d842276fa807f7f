// Running Debian's keepalived 2.2.7 inside a lab host: one VRRP instance per process,
// its configuration and pid files in the lab's temporary folder, in the foreground
// with its log on the console so tests can wait for its state changes.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab, LabProcess } from '../lab/lab.js';

export const KEEPALIVED = '/usr/sbin/keepalived';

export interface KeepalivedOptions {
  version: 2 | 3;
  vrid: number;
  priority: number;
  /** Seconds; fractional for v3 (keepalived's advert_int). */
  advertInt: number;
  vips: string[];
  /** v2 simple-text authentication (auth_type PASS). */
  password?: string;
  /** keepalived preempts unless told nopreempt. */
  nopreempt?: boolean;
  /** Unicast: our source address and the peers, instead of multicast. */
  unicastPeers?: string[];
  /** Several keepalived processes on one host need their own files: a name for this one. */
  instance?: string;
  /** A vrrp_script the instance tracks: its command line, interval in seconds, fall, rise, weight. */
  trackScript?: { command: string; interval: number; fall: number; rise: number; weight: number };
}

type KeepalivedHost = { name: string; addr: string; ifname: string; addr6?: string };

/** keepalived.conf for one instance called VI_1 on eth0. IPv6 addresses make it an IPv6 instance (version 3). */
export function keepalivedConfig(host: KeepalivedHost, o: KeepalivedOptions): string {
  return [...globalLines(host, o), ...instanceLines('VI_1', host, o)].join('\n');
}

/** One instance of a keepalived sync group, on one of the host's interfaces. */
export interface KeepalivedMember extends KeepalivedOptions {
  /** Its vrrp_instance name (also how its log lines are told apart). */
  instance: string;
  nic: { ifname: string; addr: string };
}

/** keepalived.conf for a vrrp_sync_group `group` of the first `synced` instances (all unless told; no track script). */
export function keepalivedSyncConfig(host: KeepalivedHost, group: string, members: readonly KeepalivedMember[], synced = members.length): string {
  return [
    ...globalLines(host, {}),
    `vrrp_sync_group ${group} {`, '  group {', ...members.slice(0, synced).map((m) => `    ${m.instance}`), '  }', '}',
    ...members.flatMap((m) => instanceLines(m.instance, { ...host, ...m.nic }, m)),
  ].join('\n');
}

function globalLines(host: KeepalivedHost, o: Pick<KeepalivedOptions, 'trackScript'>): string[] {
  return [
    'global_defs {',
    `  router_id lab_${host.name}`,
    // Announce the addresses once on takeover, like ucarp-ts; no repeat 5 s later to muddy captures.
    '  vrrp_garp_master_delay 0',
    '  vrrp_garp_master_repeat 1',
    ...(o.trackScript
      ? [
          // Run as root without asking for a keepalived_script user, as the lab has none.
          '  enable_script_security', '  script_user root',
          '}',
          'vrrp_script chk {',
          `  script "${o.trackScript.command}"`,
          `  interval ${o.trackScript.interval}`, `  fall ${o.trackScript.fall}`, `  rise ${o.trackScript.rise}`, `  weight ${o.trackScript.weight}`,
        ]
      : []),
    '}',
  ];
}

function instanceLines(instance: string, host: KeepalivedHost, o: KeepalivedOptions): string[] {
  const ipv6 = o.vips.some((v) => v.includes(':'));
  const lines = [
    `vrrp_instance ${instance} {`,
    // nopreempt is only allowed with an initial BACKUP state, and BACKUP is what ucarp-ts starts in too.
    '  state BACKUP',
    `  interface ${host.ifname}`,
    `  virtual_router_id ${o.vrid}`,
    `  priority ${o.priority}`,
    `  advert_int ${o.advertInt}`,
    `  version ${o.version}`,
  ];
  if (o.nopreempt) lines.push('  nopreempt');
  if (o.trackScript) lines.push('  track_script {', '    chk', '  }');
  if (o.password !== undefined) lines.push('  authentication {', '    auth_type PASS', `    auth_pass ${o.password}`, '  }');
  if (o.unicastPeers) {
    lines.push(`  unicast_src_ip ${ipv6 ? host.addr6 : host.addr}`, '  unicast_peer {', ...o.unicastPeers.map((p) => `    ${p}`), '  }');
  }
  lines.push('  virtual_ipaddress {', ...o.vips.map((v) => `    ${v}/${v.includes(':') ? 128 : 32} dev ${host.ifname}`), '  }', '}', '');
  return lines;
}

export interface Keepalived {
  readonly process: LabProcess;
  readonly confPath: string;
  /** Waits for "(<instance>) Entering <state> STATE" (VI_1 unless told) after the given output mark. */
  waitForState(state: 'MASTER' | 'BACKUP' | 'FAULT', timeoutMs?: number, since?: number, instance?: string): Promise<void>;
  /** SIGTERM to the parent, which stops its VRRP child (priority 0 if MASTER); waits for the exit. */
  stop(): Promise<void>;
}

/** True when keepalived is installed; otherwise throws: interop tests never skip. */
export function keepalivedAvailable(): true {
  if (!existsSync(KEEPALIVED)) throw new Error(`keepalived tests cannot run: ${KEEPALIVED} is missing (install keepalived: scripts/setup.sh)`);
  return true;
}

export function startKeepalived(lab: Lab, hostName: string, o: KeepalivedOptions): Keepalived {
  const host = lab.host(hostName);
  return runKeepalived(lab, hostName, `keepalived-${host.name}${o.instance ? `-${o.instance}` : ''}`, keepalivedConfig(host, o));
}

/** keepalived with a vrrp_sync_group of the (first `synced`) members, each on its own interface of the host. */
export function startKeepalivedSync(lab: Lab, hostName: string, group: string, members: readonly KeepalivedMember[], synced?: number): Keepalived {
  const host = lab.host(hostName);
  return runKeepalived(lab, hostName, `keepalived-${host.name}-${group}`, keepalivedSyncConfig(host, group, members, synced));
}

function runKeepalived(lab: Lab, hostName: string, name: string, config: string): Keepalived {
  const host = lab.host(hostName);
  const base = join(lab.tmpDir, name);
  const confPath = `${base}.conf`;
  writeFileSync(confPath, config);
  const argv = [
    KEEPALIVED,
    '--dont-fork', '--log-console', '--log-detail', '--no-syslog', '--vrrp', '--dont-respawn',
    '--use-file', confPath,
    '--pid', `${base}.pid`, '--vrrp_pid', `${base}-vrrp.pid`, '--checkers_pid', `${base}-checkers.pid`,
  ];
  const proc = lab.spawn(host, argv);
  return {
    process: proc,
    confPath,
    async waitForState(state, timeoutMs = 10_000, since = 0, instance = 'VI_1') {
      await proc.waitForOutput(new RegExp(`\\(${instance}\\) Entering ${state} STATE`), timeoutMs, since);
    },
    async stop() {
      // `ip netns exec` execs keepalived, so this pid is keepalived's parent process.
      await proc.terminate();
    },
  };
}
