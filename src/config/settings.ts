// The validated settings one ucarp-ts process runs with: what belongs to the process
// (logging, pidfile, daemonizing, status and metrics), and one entry per group (a
// virtual host: CARP vhid or VRRP vrid on an interface). Everything the daemon and the
// protocol core read comes from here; parsing and validation produce it.
import type { IpAddress } from '../core/ip-address.js';
import type { CheckSpec } from './check-spec.js';

/** The --protocol values (the shell completion offers these). */
export const PROTOCOLS = ['carp', 'vrrp2', 'vrrp3'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** What the whole process shares, whatever its groups. */
export interface ProcessSettings {
  debug: boolean;
  daemonize: boolean;
  /** syslog facility name, or 'none'. */
  facility: string;
  pidfile: string | null;
  /** --metrics: where to serve Prometheus metrics, or null. */
  metrics: { host: string; port: number } | null;
  /** Directory of the control socket (--status finds the daemon there). */
  runDir: string;
  /** --config-dir, absolute, when the groups come from a directory (SIGHUP then reloads it). */
  configDir: string | null;
}

/** What every group has, whatever its protocol. */
interface GroupBase {
  /** For logs and status: the config file's name without ".conf", or DEFAULT_GROUP_NAME. */
  name: string;
  interface: string;
  srcip: IpAddress;
  /** Multicast group advertisements go to (224.0.0.18 unless --mcast). */
  mcast: IpAddress;
  /** CARP vhid or VRRP vrid, 1..255. */
  vhid: number;
  preempt: boolean;
  neutral: boolean;
  /** Virtual addresses, at least one, in the order given. */
  addrs: IpAddress[];
  /** Advertisement interval in seconds (CARP whole seconds, VRRPv3 0.01 steps). */
  advbase: number;
  upscript: string | null;
  downscript: string | null;
  ignoreifstate: boolean;
  xparam: string | null;
  /** Unicast peers; empty means multicast to the group. */
  peers: IpAddress[];
  /** Lowest TTL accepted from a listed peer (--peer-min-ttl); 255, the link-local rule, by default. */
  peerMinTtl: number;
  /** Gratuitous ARP on becoming MASTER; false with --no-announce (the address is routed, not on a segment). */
  announce: boolean;
  /**
   * --ip-output: every advert through the kernel's IP output (netfilter OUTPUT sees it);
   * otherwise the standing multicast adverts leave as Ethernet frames (advert-socket.ts, advert-socket6.ts).
   */
  ipOutput: boolean;
  /** How long one hook script may run before its process group is killed. */
  scriptTimeoutMs: number;
  /** Health checks, in the order given. */
  checks: CheckSpec[];
  /** UCARP_* variables (file and environment) that ucarp-ts does not use itself: passed to scripts. */
  extraEnv: Record<string, string>;
  /** --sync-group: the groups of this process with the same name are MASTER together (src/core/sync-group.ts). */
  syncGroup: string | null;
}

export interface CarpGroupSettings extends GroupBase {
  protocol: 'carp';
  /** From --pass, --passfile or UCARP_PASS; CARP always has one. */
  password: Buffer;
  /** CARP skew, 0..255 (1/256 s). */
  advskew: number;
  deadratio: number;
  /** Run the downscript when stopped as MASTER (ucarp's -z); VRRP always does. */
  shutdown: boolean;
  /** Ethernet broadcast instead of multicast (ucarp's -M). */
  nomcast: boolean;
}

export interface VrrpGroupSettings extends GroupBase {
  protocol: 'vrrp2' | 'vrrp3';
  /** VRRPv2 simple authentication, or null (always null for VRRPv3). */
  password: Buffer | null;
  /** VRRP priority, 1..255. */
  priority: number;
}

export type GroupSettings = CarpGroupSettings | VrrpGroupSettings;

export interface Settings {
  process: ProcessSettings;
  /** At least one; exactly one without --config-dir. */
  groups: GroupSettings[];
}

/** The group name of a single group given without a config file. */
export const DEFAULT_GROUP_NAME = 'ucarp';

/** Unique within a process: "<interface>/<protocol>/<vhid>". */
export function groupKey(g: GroupSettings): string {
  return `${g.interface}/${g.protocol}/${g.vhid}`;
}
