// The groups one process runs, each a Daemon of its own (election, timers, scripts,
// checks, counts), over the ports they share. Starting, stopping and signalling them
// all, and a reload that touches only the groups whose file changed.
import { diffGroups, type GroupDiff } from '../config/group-set.js';
import type { GroupSettings } from '../config/settings.js';
import type { GroupSnapshot } from '../control/snapshot.js';
import { createDriver } from './create-driver.js';
import { Daemon, EXIT_INTERNAL_ERROR, type SyncLink } from './daemon.js';
import { withInjectedFault } from './fault-injection.js';
import { LinkPorts } from './link-port.js';
import { SyncGroup } from '../core/sync-group.js';
import type { ElectionEvent } from '../core/election/types.js';
import { monotonicMs } from './monotonic-clock.js';
import type { Logger } from './logger.js';

/** How log lines name a group when a process runs several: file name, protocol, id. */
export function groupLabel(g: GroupSettings): string {
  return g.protocol === 'carp' ? `${g.name} CARP vhid ${g.vhid}` : `${g.name} VRRPv${g.protocol.slice(-1)} vrid ${g.vhid}`;
}

export class Groups {
  private readonly running = new Map<string, Daemon>();
  private stopping = false;
  private exitCode = 0;
  private resolveDone!: (code: number) => void;
  /** Resolves with the exit status once every group has stopped after stop() or a fault. */
  readonly done = new Promise<number>((resolve) => (this.resolveDone = resolve));

  constructor(
    private readonly log: Logger,
    /** Several groups (--config-dir): each group's log lines carry its label. */
    private readonly labelled: boolean,
    /** The interfaces' sockets, shared by the groups on each (tests give fakes). */
    private readonly ports: Pick<LinkPorts, 'attach' | 'strays'> = new LinkPorts(log),
  ) {}

  get failing(): boolean {
    return [...this.running.values()].some((d) => d.failing);
  }

  /** Starts each group; if one cannot start, those started are stopped again and the error is thrown. */
  start(groups: readonly GroupSettings[]): void {
    const created = groups.map((g) => this.create(g));
    this.joinSyncGroups(null);
    const started: Daemon[] = [];
    try {
      for (const d of created) {
        d.start();
        started.push(d);
      }
    } catch (e) {
      for (const d of created) if (!started.includes(d)) this.running.delete(d.settings.name);
      for (const d of started) void d.stop('start-up failed');
      const failed = created[started.length];
      // With many groups, the line names the one that could not start.
      if (this.labelled && failed && e instanceof Error) e.message = `${groupLabel(failed.settings)}: ${e.message}`;
      throw e;
    }
  }

  /** A group, known but not started: its sync group is wired before its first event. */
  private create(g: GroupSettings): Daemon {
    const log = this.labelled ? this.log.child(`${groupLabel(g)}: `) : this.log;
    const daemon = new Daemon(g, withInjectedFault(createDriver(g)), log, this.ports);
    this.running.set(g.name, daemon);
    void daemon.done.then((code) => this.stopped(g.name, daemon, code));
    return daemon;
  }

  /**
   * Ties the running groups that name the same sync group together (only those names in
   * `touched`, or all): a new SyncGroup over their elections, in name order. Returns
   * the groups made, which a reload settles once its new members have started.
   */
  private joinSyncGroups(touched: ReadonlySet<string> | null): Omit<SyncLink, 'index'>[] {
    const byName = new Map<string, Daemon[]>();
    for (const d of [...this.running.values()].sort((a, b) => (a.settings.name < b.settings.name ? -1 : 1))) {
      const name = d.settings.syncGroup;
      if (name !== null && (touched === null || touched.has(name))) byName.set(name, [...(byName.get(name) ?? []), d]);
    }
    const made: Omit<SyncLink, 'index'>[] = [];
    for (const [name, members] of byName) {
      // A sync group of one is the election alone.
      if (members.length < 2) {
        members[0]!.joinSyncGroup(null);
        continue;
      }
      const group = new SyncGroup(name, members.map((d) => ({ name: d.settings.name, election: d.election })));
      // An idle master's socket sends its adverts (Daemon.repeatStanding), so its election
      // is behind until told. What the group reads of a member (its role, its standing) does
      // not depend on that; what it hands a member does: in a turn, a member is held (its
      // socket stops repeating, its election hears what went out) just before its first
      // event, and handed its standing adverts back when the turn is over. Members the turn
      // does not touch keep repeating: holding all of them at every turn (a CARP member's
      // 60 adverts encoded again each time) left 18 MB more resident with 50 CARP members in
      // one group (bench --only groups-uts). (A turn may start inside another: a failing
      // election stops its daemon at once. Only the outermost one releases.)
      let depth = 0;
      let held: Daemon[] = [];
      const deliver = (member: number, event: ElectionEvent<unknown>) => {
        const d = members[member]!;
        if (depth > 0 && !d.heldBySync) {
          d.holdRepeats();
          held.push(d);
        }
        return d.deliver(event);
      };
      const turn = (run: () => void): void => {
        depth++;
        try {
          run();
        } finally {
          if (--depth === 0) {
            const release = held;
            held = [];
            for (const d of release) d.releaseRepeats();
          }
        }
      };
      members.forEach((d, index) => d.joinSyncGroup({ group, index, deliver, turn }));
      made.push({ group, deliver, turn });
    }
    return made;
  }

  private stopped(name: string, daemon: Daemon, code: number): void {
    if (this.running.get(name) === daemon) this.running.delete(name);
    if (code !== 0) {
      // One group's internal error: every group hands over and the process exits non-zero
      // for init to restart it sound, rather than going on in a state nobody knows.
      this.exitCode = code;
      this.stop('internal error in another group');
    }
    if (this.stopping && this.running.size === 0) this.resolveDone(this.exitCode);
  }

  /** Stops every group (hand-overs included); a second call ends the waits for successors. */
  stop(why: string): void {
    this.stopping = true;
    if (this.running.size === 0) return this.resolveDone(this.exitCode);
    for (const d of this.running.values()) void d.stop(why);
  }

  /** An error no group can reason about: each hands over, and the process exits 70. */
  fail(what: string, e: unknown): void {
    this.exitCode = EXIT_INTERNAL_ERROR;
    this.stopping = true;
    if (this.running.size === 0) return this.resolveDone(this.exitCode);
    for (const d of this.running.values()) d.fail(what, e);
  }

  /** SIGUSR1: one line per group, and the packets no group took, per interface. */
  status(): void {
    for (const d of this.running.values()) d.status();
    if (!this.labelled) return;
    for (const [ifname, counts] of this.ports.strays()) {
      const parts = Object.entries(counts).map(([r, n]) => `${r}=${n}`);
      if (parts.length > 0) this.log.notice(`${ifname}: packets for no group: ${parts.join(' ')}`);
    }
  }

  /** SIGUSR2: every master steps down. */
  demote(): void {
    for (const d of this.running.values()) d.demote();
  }

  snapshots(): GroupSnapshot[] {
    return [...this.running.values()].map((d) => d.snapshot());
  }

  settings(): GroupSettings[] {
    return [...this.running.values()].map((d) => d.settings);
  }

  /**
   * Runs the wanted groups instead of the running ones: removed and changed groups stop
   * first (a removed master hands over), so that their ids and addresses are free; then
   * added and changed ones start. Unchanged groups are not touched at all.
   */
  async reload(wanted: readonly GroupSettings[]): Promise<GroupDiff> {
    const diff = diffGroups(this.settings(), wanted);
    const leaving = [...diff.removed, ...diff.changed.map(([old]) => old)];
    await Promise.all(
      leaving.map((g) => {
        const d = this.running.get(g.name);
        return d ? d.stop(diff.removed.includes(g) ? 'its file was removed' : 'its file changed') : undefined;
      }),
    );
    if (this.stopping) return diff;
    const arriving = [...diff.added, ...diff.changed.map(([, now]) => now)];
    const created = arriving.map((g) => this.create(g));
    // Only the sync groups a reload touches are rebuilt: the others keep their state.
    const touched = new Set([...leaving, ...arriving].flatMap((g) => (g.syncGroup !== null ? [g.syncGroup] : [])));
    let rebuilt = this.joinSyncGroups(touched);
    for (const d of created) {
      try {
        d.start();
      } catch (e) {
        this.running.delete(d.settings.name);
        this.log.error(`${groupLabel(d.settings)}: cannot start: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (created.some((d) => !this.running.has(d.settings.name))) rebuilt = this.joinSyncGroups(touched);
    // Their members' present states may call for orders (a new member joins a MASTER group).
    for (const { group, deliver, turn } of rebuilt) turn(() => group.settle(monotonicMs(), deliver));
    return diff;
  }
}
