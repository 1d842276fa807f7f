// What the benchmark measures, as plain data: the rows it runs and what each produced.

export type Impl = 'ucarp-ts' | 'ucarp' | 'keepalived';
export type Proto = 'carp' | 'vrrp3';
export type EventKind = 'crash' | 'sigterm' | 'service';

/**
 * The service rows' health check, the same for ucarp-ts (--check) and keepalived
 * (vrrp_script): the local HTTP service every second, 2 failures to fail, 2 successes
 * to recover, weight 0 (FAULT).
 */
export const SERVICE_CHECK = { intervalS: 1, fall: 2, rise: 2, timeoutS: 1 } as const;

/**
 * The protocol's Master_Down_Interval for the backups of this benchmark, ms: how long a
 * backup waits after the master's last advertisement. CARP (advbase 1, advskew 50):
 * 3 * advbase + advskew/256 s; VRRPv3 (50 ms, priority 100): 3 * interval + (256 - priority) * interval / 256.
 */
export function masterDownMs(proto: Proto): number {
  return proto === 'carp' ? 3 * 1000 + (50 * 1000) / 256 : 3 * 50 + ((256 - 100) * 50) / 256;
}

export interface RowSpec {
  id: string;
  label: string;
  proto: Proto;
  master: Impl;
  backup: Impl;
  /** Mixed pairs: outages only, no resource columns. */
  extra: boolean;
  /**
   * Both daemons watch a local HTTP service with SERVICE_CHECK; the row measures what a
   * client of that service sees when it dies on the master (and memory with checks running).
   */
  service?: boolean;
  /** 'bgp': the routed pair of examples/bgp-anycast (scripts/bench/routed.ts); default one segment. */
  topology?: 'bgp';
  /** 6: VRRPv3 over IPv6 (the address VIP6, IPv6 on the lab's segment); default 4. */
  family?: 4 | 6;
}

export interface Trial {
  /** Reply times relative to the event, ms. */
  replies: number[];
  /** Undefined when the trial failed (see error). */
  outageMs?: number;
  gapFrom?: number;
  gapTo?: number;
  /** Replies marked DUP!: two hosts answered one request. */
  duplicates: number;
  /** How long the client pinged before the event and after it, ms (the chart's window). */
  windowFrom: number;
  windowTo: number;
  error?: string;
}

export interface IdleFigures {
  windowMs: number;
  cpuMs: number;
  rssKb: number;
  /** The anonymous (private) part of rssKb; the rest is the program's files, shared. */
  anonKb: number;
  /** How many processes the daemon is (memory and CPU are their sums). */
  processes: number;
  /** Over several rounds (bench/rounds.ts): each round's CPU, percent of a core. */
  roundShares?: number[];
}

export interface FloodFigures {
  windowMs: number;
  cpuMs: number;
  /** Packets the flooder reports sent, and its achieved rate. */
  sent: number;
  achievedRate: number;
  /** The master stayed MASTER and the backup BACKUP through the flood. */
  heldRoles: boolean;
  /** What changed when the roles were not held. */
  roleChanges?: string;
  /** Over several rounds (bench/rounds.ts): each round's CPU, percent of a core. */
  roundShares?: number[];
}

export interface RowResult {
  spec: RowSpec;
  trials: Record<EventKind, Trial[]>;
  idle?: IdleFigures | { error: string };
  /** Undefined: not measured (see the note in the table). */
  flood?: FloodFigures | { error: string };
}

/** The figures measured earlier on this machine (shared/ucarp-behaviour.md), for comparison. */
export interface ReferenceLine {
  label: string;
  crash: string;
  sigterm: string;
  service: string;
  rss: string;
  idle: string;
  flood: string;
}

export const REFERENCE: ReferenceLine[] = [
  { label: 'ref: ucarp 1.5.2 (behaviour doc)', crash: '3128 ms', sigterm: '3556 ms', service: '–', rss: '5.4 MB', idle: '–', flood: '10% (syslog off), 16–24% (on)' },
  { label: 'ref: keepalived VRRPv3 50 ms (behaviour doc)', crash: '155 ms', sigterm: '44 ms', service: '–', rss: '3.4 MB', idle: '–', flood: '–' },
];

/** Issue 16's scale rows: many groups per node, each implementation its own way (scripts/bench/groups.ts). */
export type GroupsRowId = 'groups-uts' | 'groups-ucarp' | 'groups-keepalived';
export const GROUPS_ROW_IDS: readonly GroupsRowId[] = ['groups-uts', 'groups-ucarp', 'groups-keepalived'];

/**
 * The backups' Master_Down_Interval in the groups rows, ms (the longer of the two protocols):
 * CARP advbase 1, advskew 100: 3 s + 100/256 s; VRRPv3 at 1 s, priority 100: 3 s + 156/256 s.
 */
export const GROUPS_MASTER_DOWN_MS = Math.max(3000 + (100 * 1000) / 256, 3000 + (156 * 1000) / 256);

export interface GroupsResult {
  id: GroupsRowId;
  /** Groups per node. */
  count: number;
  settleMs: number;
  /** Addresses the master node held once settled. */
  settled: number;
  /** The master side's idle figures, summed over its processes. */
  idle: IdleFigures;
  /** From the master host's crash until the other node held every address (and ran every up script). */
  takeoverMs: number;
  /** Addresses the other node held when the wait ended. */
  held: number;
}

/** A groups row that could not be measured. */
export interface GroupsFailure {
  id: GroupsRowId;
  count: number;
  error: string;
}
