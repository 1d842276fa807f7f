// The validated settings one ucarp-ts process runs with. Everything the daemon and
// the protocol core read comes from here; parsing and validation produce it.
import type { IpAddress } from '../core/ip-address.js';
import type { CheckSpec } from './check-spec.js';

/** The --protocol values (the shell completion offers these). */
export const PROTOCOLS = ['carp', 'vrrp2', 'vrrp3'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export interface Settings {
  protocol: Protocol;
  interface: string;
  srcip: IpAddress;
  /** Multicast group advertisements go to (224.0.0.18 unless --mcast). */
  mcast: IpAddress;
  /** CARP vhid or VRRP vrid, 1..255. */
  vhid: number;
  /** From --pass, --passfile or UCARP_PASS; null only for VRRP without authentication. */
  password: Buffer | null;
  preempt: boolean;
  neutral: boolean;
  /** Virtual addresses, at least one, in the order given. */
  addrs: IpAddress[];
  /** Advertisement interval in seconds (CARP whole seconds, VRRPv3 0.01 steps). */
  advbase: number;
  /** CARP skew, 0..255 (1/256 s). */
  advskew: number;
  /** VRRP priority, 1..255. */
  priority: number;
  deadratio: number;
  upscript: string | null;
  downscript: string | null;
  debug: boolean;
  shutdown: boolean;
  daemonize: boolean;
  ignoreifstate: boolean;
  nomcast: boolean;
  /** syslog facility name, or 'none'. */
  facility: string;
  xparam: string | null;
  /** Unicast peers; empty means multicast to the group. */
  peers: IpAddress[];
  /** Lowest TTL accepted from a listed peer (--peer-min-ttl); 255, the link-local rule, by default. */
  peerMinTtl: number;
  /** Gratuitous ARP on becoming MASTER; false with --no-announce (the address is routed, not on a segment). */
  announce: boolean;
  /** How long one hook script may run before its process group is killed. */
  scriptTimeoutMs: number;
  pidfile: string | null;
  /** Health checks, in the order given. */
  checks: CheckSpec[];
  /** --metrics: where to serve Prometheus metrics, or null. */
  metrics: { host: string; port: number } | null;
  /** Directory of the control socket (--status finds the daemon there). */
  runDir: string;
  /** UCARP_* variables (file and environment) that ucarp-ts does not use itself: passed to scripts. */
  extraEnv: Record<string, string>;
}
