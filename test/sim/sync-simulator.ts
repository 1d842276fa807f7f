// Hosts that each carry several groups, every group on a simulated segment of its own
// choosing (an inside and an outside network, say), with the groups of a host in one
// sync group: the shape of a router-like pair. One simulated clock, a lossy network per
// segment, carrier per host and segment, partitions per segment. Each host runs the
// core's SyncGroup exactly as the daemon does: every event of a member goes through
// its dispatch. CARP and VRRP groups mix freely (adverts travel as the fields sent).
import assert from 'node:assert/strict';
import type { CheckResult } from '../../src/core/election/health.js';
import type { Election, ElectionAction, ElectionEvent, Role } from '../../src/core/election/types.js';
import { SyncGroup } from '../../src/core/sync-group.js';
import type { Random } from '../support/random.js';
import { PERFECT, type NetworkConditions, type SimNodeSpec } from './simulator.js';
import { TaskQueue } from './task-queue.js';

export interface SyncSimGroup {
  /** The member's name in the logs ("outside"). */
  name: string;
  segment: string;
  /** One node spec per host, in host order: the group's election on that host. */
  hosts: SimNodeSpec<unknown, unknown>[];
}

export interface SyncSimTransition {
  at: number;
  host: number;
  member: number;
  from: Role;
  to: Role;
  reason: string;
}

interface Member {
  election: Election<unknown, unknown> | null;
  timerToken: number;
}

interface Host {
  members: Member[];
  sync: SyncGroup<unknown, unknown> | null;
  /** Carrier per segment name (absent: up). */
  linkDown: Set<string>;
  stopping: boolean;
}

export class SyncSimulator {
  readonly transitions: SyncSimTransition[] = [];
  readonly scripts: { at: number; host: number; member: number; script: 'up' | 'down' }[] = [];
  conditions: NetworkConditions = PERFECT;
  private readonly queue = new TaskQueue();
  private readonly hosts: Host[];
  /** Partition side per segment and host (absent: 0). */
  private readonly sides = new Map<string, number[]>();

  constructor(
    private readonly groups: SyncSimGroup[],
    readonly random: Random,
    /** False: the same hosts and groups without a sync group (as plain ucarp would run them). */
    private readonly synced = true,
  ) {
    const n = groups[0]!.hosts.length;
    assert.ok(groups.every((g) => g.hosts.length === n), 'every group names every host');
    this.hosts = Array.from({ length: n }, () => ({ members: groups.map(() => ({ election: null, timerToken: 0 })), sync: null, linkDown: new Set(), stopping: false }));
  }

  get now(): number {
    return this.queue.now;
  }

  get hostCount(): number {
    return this.hosts.length;
  }

  get memberCount(): number {
    return this.groups.length;
  }

  role(host: number, member: number): Role | 'DOWN' {
    return this.hosts[host]!.members[member]!.election?.role ?? 'DOWN';
  }

  /** The hosts that are MASTER of member (group) m. */
  mastersOf(member: number): number[] {
    return this.hosts.flatMap((h, i) => (h.members[member]!.election?.role === 'MASTER' ? [i] : []));
  }

  /** The one host that is MASTER of every group while no other host is MASTER of any, or null. */
  soleMaster(): number | null {
    const per = this.groups.map((_, m) => this.mastersOf(m));
    const first = per[0]!;
    return first.length === 1 && per.every((p) => p.length === 1 && p[0] === first[0]) ? first[0]! : null;
  }

  boot(host: number): void {
    const h = this.hosts[host]!;
    h.stopping = false;
    h.members.forEach((m, k) => (m.election = this.groups[k]!.hosts[host]!.create(this.now)));
    const elections = h.members.map((m) => m.election!);
    h.sync = this.synced && elections.length > 1 ? new SyncGroup('pair', this.groups.map((g, k) => ({ name: g.name, election: elections[k]! }))) : null;
    this.groups.forEach((g, k) => {
      if (h.linkDown.has(g.segment)) this.deliver(host, k, { type: 'link', up: false });
    });
    this.groups.forEach((_, k) => this.deliver(host, k, { type: 'start' }));
  }

  crash(host: number): void {
    const h = this.hosts[host]!;
    h.members.forEach((m, k) => {
      if (m.election?.role === 'MASTER') this.transitions.push({ at: this.now, host, member: k, from: 'MASTER', to: 'INIT', reason: 'crashed' });
      m.election = null;
      m.timerToken++;
    });
    h.sync = null;
  }

  /** SIGTERM: every member hands over by itself. */
  stop(host: number): void {
    this.hosts[host]!.stopping = true;
    this.groups.forEach((_, k) => this.deliver(host, k, { type: 'stop' }));
  }

  isUp(host: number): boolean {
    return this.hosts[host]!.members.some((m) => m.election !== null);
  }

  demote(host: number, member: number): void {
    this.deliver(host, member, { type: 'demote' });
  }

  /** Carrier of host's interface on `segment` (every member on it hears the event). */
  setLink(host: number, segment: string, up: boolean): void {
    const h = this.hosts[host]!;
    if (up) h.linkDown.delete(segment);
    else h.linkDown.add(segment);
    this.groups.forEach((g, k) => {
      if (g.segment === segment) this.deliver(host, k, { type: 'link', up });
    });
  }

  checkResult(host: number, member: number, result: CheckResult): void {
    this.deliver(host, member, { type: 'check', ...result });
  }

  /** Partition one segment: hosts hear each other there only with the same side number. */
  partition(segment: string, sides: number[]): void {
    this.sides.set(segment, sides);
  }

  heal(): void {
    this.sides.clear();
  }

  at(time: number, run: () => void): void {
    this.queue.push(time, run);
  }

  runUntil(time: number, onStep?: () => void): void {
    this.queue.runUntil(time, onStep);
  }

  /**
   * The sync group's promise, checked between turns: on every host that runs and is not
   * stopping, the members that have started are all MASTER or none is.
   */
  assertTogether(context: string): void {
    this.hosts.forEach((h, host) => {
      if (!h.sync || h.stopping) return;
      const roles = h.members.map((m) => m.election?.role ?? 'DOWN').filter((r) => r !== 'INIT' && r !== 'DOWN');
      const masters = roles.filter((r) => r === 'MASTER').length;
      assert.ok(masters === 0 || masters === roles.length, `${context}: host ${host} is MASTER of only some members (${roles.join(',')}) at ${this.now}`);
    });
  }

  private side(segment: string, host: number): number {
    return this.sides.get(segment)?.[host] ?? 0;
  }

  private deliver(host: number, member: number, event: ElectionEvent<unknown>): void {
    const h = this.hosts[host]!;
    const election = h.members[member]!.election;
    if (!election) return;
    // As the daemon does: an event that needs no present (an unchanged check result) is
    // handed to its member alone, outside any turn of the group.
    if (h.sync && election.needsPresent(event)) h.sync.dispatch(member, event, this.now, (m, e) => this.handle(host, m, e));
    else this.handle(host, member, event);
  }

  /** What the daemon's per-group dispatch does: hand the event over, perform, re-arm. */
  private handle(host: number, member: number, event: ElectionEvent<unknown>): readonly ElectionAction<unknown>[] {
    const m = this.hosts[host]!.members[member]!;
    const election = m.election;
    if (!election) return [];
    const actions = election.handle(event, this.now);
    for (const a of actions) {
      switch (a.type) {
        case 'advertise':
          this.broadcast(host, member, a.advert);
          break;
        case 'transition':
          this.transitions.push({ at: this.now, host, member, from: a.from, to: a.to, reason: a.reason });
          break;
        case 'run-script':
          this.scripts.push({ at: this.now, host, member, script: a.script });
          break;
        case 'stopped':
          m.election = null;
          break;
        default:
          break;
      }
    }
    this.armTimer(host, member);
    return actions;
  }

  private broadcast(from: number, member: number, advert: unknown): void {
    const group = this.groups[member]!;
    const segment = group.segment;
    if (this.hosts[from]!.linkDown.has(segment)) return;
    const { loss, duplicate, minDelayMs, maxDelayMs } = this.conditions;
    const side = this.side(segment, from);
    this.hosts.forEach((h, to) => {
      if (to === from || this.side(segment, to) !== side) return;
      const copies = this.random.chance(loss) ? 0 : this.random.chance(duplicate) ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        const heard = { src: group.hosts[from]!.addr, ...(advert as object) };
        this.queue.push(this.now + this.random.between(minDelayMs, maxDelayMs), () => {
          if (!h.linkDown.has(segment) && this.side(segment, to) === this.side(segment, from)) this.deliver(to, member, { type: 'advert', advert: heard });
        });
      }
    });
  }

  private armTimer(host: number, member: number): void {
    const m = this.hosts[host]!.members[member]!;
    const token = ++m.timerToken;
    const due = m.election?.deadline();
    if (due === null || due === undefined) return;
    this.queue.push(Math.max(due, this.now), () => {
      if (m.timerToken === token) this.deliver(host, member, { type: 'timeout' });
    });
  }
}
