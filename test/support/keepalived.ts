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

/** keepalived.conf for one instance called VI_1 on eth0. IPv6 addresses make it an IPv6 instance (version 3). */
export function keepalivedConfig(host: { name: string; addr: string; ifname: string; addr6?: string }, o: KeepalivedOptions): string {
  const ipv6 = o.vips.some((v) => v.includes(':'));
  const lines = [
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
    'vrrp_instance VI_1 {',
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
  return lines.join('\n');
}

export interface Keepalived {
  readonly process: LabProcess;
  readonly confPath: string;
  /** Waits for "(VI_1) Entering <state> STATE" after the given output mark. */
  waitForState(state: 'MASTER' | 'BACKUP' | 'FAULT', timeoutMs?: number, since?: number): Promise<void>;
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
  const base = join(lab.tmpDir, `keepalived-${host.name}${o.instance ? `-${o.instance}` : ''}`);
  const confPath = `${base}.conf`;
  writeFileSync(confPath, keepalivedConfig(host, o));
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
    async waitForState(state, timeoutMs = 10_000, since = 0) {
      await proc.waitForOutput(new RegExp(`\\(VI_1\\) Entering ${state} STATE`), timeoutMs, since);
    },
    async stop() {
      // `ip netns exec` execs keepalived, so this pid is keepalived's parent process.
      await proc.terminate();
    },
  };
}
