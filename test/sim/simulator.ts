// A simulated segment: several elections, one simulated clock, and a lossy,
// delaying, duplicating, partitionable network. Adverts travel as the fields the
// election sends; the codec has its own tests. Whatever a node's election does is
// recorded, so tests can check who held the address at every instant.
import type { CheckResult, CheckStatus } from '../../src/core/election/health.js';
import type { Election, ElectionAction, ElectionEvent, Role } from '../../src/core/election/types.js';
import type { IpAddress } from '../../src/core/ip-address.js';
import { Random } from '../support/random.js';
import { TaskQueue } from './task-queue.js';

export interface NetworkConditions {
  loss: number;
  duplicate: number;
  minDelayMs: number;
  maxDelayMs: number;
}

export const PERFECT: NetworkConditions = { loss: 0, duplicate: 0, minDelayMs: 0.2, maxDelayMs: 1 };

export interface SimNodeSpec<In, Out> {
  addr: IpAddress;
  create: (now: number) => Election<In, Out>;
}

export interface SentAdvert<Out> {
  at: number;
  node: number;
  advert: Out;
  /** The sender's role once the event that made it send was handled. */
  role: Role;
}

export interface Transition {
  at: number;
  node: number;
  from: Role;
  to: Role;
  reason: string;
}

interface SimNode<In, Out> {
  spec: SimNodeSpec<In, Out>;
  election: Election<In, Out> | null;
  group: number;
  timerToken: number;
  scriptsRun: { at: number; script: 'up' | 'down' }[];
  sent: number;
  linkUp: boolean;
}

export class Simulator<In, Out> {
  readonly transitions: Transition[] = [];
  readonly drops: { at: number; node: number; reason: string }[] = [];
  readonly sentAdverts: SentAdvert<Out>[] = [];
  readonly checkChanges: { at: number; node: number; index: number; status: CheckStatus }[] = [];
  conditions: NetworkConditions = PERFECT;
  private readonly nodes: SimNode<In, Out>[];
  private readonly queue = new TaskQueue();

  constructor(
    specs: SimNodeSpec<In, Out>[],
    private readonly toHeard: (sent: Out, src: IpAddress) => In,
    readonly random: Random,
  ) {
    this.nodes = specs.map((spec) => ({
      spec,
      election: null,
      group: 0,
      timerToken: 0,
      scriptsRun: [],
      sent: 0,
      linkUp: true,
    }));
  }

  get now(): number {
    return this.queue.now;
  }

  get size(): number {
    return this.nodes.length;
  }

  role(i: number): Role | 'DOWN' {
    return this.nodes[i]!.election?.role ?? 'DOWN';
  }

  masters(): number[] {
    return this.nodes.flatMap((n, i) => (n.election?.role === 'MASTER' ? [i] : []));
  }

  scripts(i: number): { at: number; script: 'up' | 'down' }[] {
    return this.nodes[i]!.scriptsRun;
  }

  advertsSent(i: number): number {
    return this.nodes[i]!.sent;
  }

  /** Boots (or reboots after a crash) node i. */
  boot(i: number): void {
    const node = this.nodes[i]!;
    node.election = node.spec.create(this.now);
    // As the daemon does: the carrier is known before the election starts.
    if (!node.linkUp) this.deliver(i, { type: 'link', up: false });
    this.deliver(i, { type: 'start' });
  }

  /** The host dies: no goodbye, no more packets. */
  crash(i: number): void {
    const node = this.nodes[i]!;
    if (node.election?.role === 'MASTER') this.record(i, 'MASTER', 'INIT', 'crashed');
    node.election = null;
    node.timerToken++;
  }

  /** A graceful stop (SIGTERM): the election hands over, and the process is gone once it says 'stopped'. */
  stop(i: number): void {
    this.deliver(i, { type: 'stop' });
  }

  /** True while node i is stopping but still holds on for its successor. */
  isUp(i: number): boolean {
    return this.nodes[i]!.election !== null;
  }

  demote(i: number): void {
    this.deliver(i, { type: 'demote' });
  }

  setLink(i: number, up: boolean): void {
    this.nodes[i]!.linkUp = up;
    this.deliver(i, { type: 'link', up });
  }

  /** A health check's probe on node i finished, as the daemon reports it. */
  checkResult(i: number, result: CheckResult): void {
    this.deliver(i, { type: 'check', ...result });
  }

  /**
   * Runs check `index` of node i every intervalMs from now on, as the daemon's prober
   * does; `health(now)` says whether the service is up (or a file check's value).
   */
  probeEvery(i: number, index: number, intervalMs: number, health: (now: number) => boolean | number): void {
    const probe = (): void => {
      if (!this.nodes[i]!.election) return; // stopped or crashed: its probes stop with it
      const h = health(this.now);
      const ok = typeof h === 'boolean' ? h : true;
      this.checkResult(i, { index, ok, reason: ok ? 'ok' : 'failed', ...(typeof h === 'number' ? { value: h } : {}) });
      this.push(this.now + intervalMs, probe);
    };
    this.push(this.now + intervalMs, probe);
  }

  /** Nodes only hear nodes with the same group number. */
  partition(groups: number[]): void {
    groups.forEach((g, i) => (this.nodes[i]!.group = g));
  }

  heal(): void {
    for (const n of this.nodes) n.group = 0;
  }

  /** Injects an advert as if `src` had sent it (a replay, a forged-but-valid packet). */
  inject(to: number, advert: In): void {
    this.deliver(to, { type: 'advert', advert });
  }

  at(time: number, run: () => void): void {
    this.push(time, run);
  }

  runUntil(time: number, onStep?: () => void): void {
    this.queue.runUntil(time, onStep);
  }

  private deliver(i: number, event: ElectionEvent<In>): void {
    const node = this.nodes[i]!;
    if (!node.election) return;
    const actions = node.election.handle(event, this.now);
    this.apply(i, actions);
    this.armTimer(i);
  }

  private apply(i: number, actions: ElectionAction<Out>[]): void {
    const node = this.nodes[i]!;
    for (const action of actions) {
      switch (action.type) {
        case 'advertise':
          node.sent++;
          this.sentAdverts.push({ at: this.now, node: i, advert: action.advert, role: node.election!.role });
          this.broadcast(i, action.advert);
          break;
        case 'transition':
          this.record(i, action.from, action.to, action.reason);
          break;
        case 'run-script':
          node.scriptsRun.push({ at: this.now, script: action.script });
          break;
        case 'drop':
          this.drops.push({ at: this.now, node: i, reason: action.reason });
          break;
        case 'check-state':
          this.checkChanges.push({ at: this.now, node: i, index: action.index, status: action.status });
          break;
        case 'announce':
          break;
        case 'stopped':
          node.election = null;
          node.timerToken++;
          return;
      }
    }
  }

  private broadcast(from: number, advert: Out): void {
    const sender = this.nodes[from]!;
    if (!sender.linkUp) return;
    const { loss, duplicate, minDelayMs, maxDelayMs } = this.conditions;
    this.nodes.forEach((node, to) => {
      if (to === from || node.group !== sender.group) return;
      const copies = this.random.chance(loss) ? 0 : this.random.chance(duplicate) ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        const heard = this.toHeard(advert, sender.spec.addr);
        this.push(this.now + this.random.between(minDelayMs, maxDelayMs), () => {
          if (node.linkUp && node.group === sender.group) this.deliver(to, { type: 'advert', advert: heard });
        });
      }
    });
  }

  private armTimer(i: number): void {
    const node = this.nodes[i]!;
    const token = ++node.timerToken;
    const due = node.election?.deadline();
    if (due === null || due === undefined) return;
    this.push(Math.max(due, this.now), () => {
      if (node.timerToken === token) this.deliver(i, { type: 'timeout' });
    });
  }

  private record(node: number, from: Role, to: Role, reason: string): void {
    this.transitions.push({ at: this.now, node, from, to, reason });
  }

  private push(at: number, run: () => void): void {
    this.queue.push(at, run);
  }
}
