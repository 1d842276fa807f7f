// The groups one process runs, each a Daemon of its own (election, timers, scripts,
// checks, counts), over the ports they share. Starting, stopping and signalling them
// all, and a reload that touches only the groups whose file changed.
import { diffGroups, type GroupDiff } from '../config/group-set.js';
import type { GroupSettings } from '../config/settings.js';
import type { GroupSnapshot } from '../control/snapshot.js';
import { createDriver } from './create-driver.js';
import { Daemon, EXIT_INTERNAL_ERROR } from './daemon.js';
import { withInjectedFault } from './fault-injection.js';
import { LinkPorts } from './link-port.js';
import type { Logger } from './logger.js';

/** How log lines name a group when a process runs several: file name, protocol, id. */
export function groupLabel(g: GroupSettings): string {
  return g.protocol === 'carp' ? `${g.name} CARP vhid ${g.vhid}` : `${g.name} VRRPv${g.protocol.slice(-1)} vrid ${g.vhid}`;
}

export class Groups {
  private readonly ports: LinkPorts;
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
  ) {
    this.ports = new LinkPorts(log);
  }

  get failing(): boolean {
    return [...this.running.values()].some((d) => d.failing);
  }

  /** Starts each group; if one cannot start, those started are stopped again and the error is thrown. */
  start(groups: readonly GroupSettings[]): void {
    const started: Daemon[] = [];
    try {
      for (const g of groups) started.push(this.startOne(g));
    } catch (e) {
      for (const d of started) void d.stop('start-up failed');
      throw e;
    }
  }

  private startOne(g: GroupSettings): Daemon {
    const log = this.labelled ? this.log.child(`${groupLabel(g)}: `) : this.log;
    const daemon = new Daemon(g, withInjectedFault(createDriver(g)), log, this.ports);
    daemon.start();
    this.running.set(g.name, daemon);
    void daemon.done.then((code) => this.stopped(g.name, daemon, code));
    return daemon;
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
    for (const g of [...diff.added, ...diff.changed.map(([, now]) => now)]) {
      if (this.stopping) break;
      try {
        this.startOne(g);
      } catch (e) {
        this.log.error(`${groupLabel(g)}: cannot start: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    return diff;
  }
}
