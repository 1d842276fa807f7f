// What CARP and VRRP elections share: the roles, the one timer, carrier, SIGUSR2's
// quiet period, the repeated announcement of the addresses, leaving without a gap, what
// health checks do (FAULT, or a moved priority), and what a sync group orders (see
// src/core/sync-group.ts). The protocols supply their priorities, intervals and what
// they do with an advert.
import { Health, type CheckResult, type CheckRule, type CheckStatus } from './health.js';
import type { Election, ElectionAction, ElectionEvent, Role, StandingAdverts, SyncOrder, SyncStanding } from './types.js';

export interface CommonElectionConfig {
  /** --neutral: no downscript when entering BACKUP at start-up. */
  neutral: boolean;
  /** --shutdown: run the downscript when stopping as MASTER (CARP; VRRP always does, see releasesOnStop). */
  downOnStop: boolean;
  /** How long SIGUSR2 keeps a demoted node from taking over again (ucarp: 3 s). */
  demoteQuietMs?: number;
  /** Health checks, in the order their results are indexed. */
  checks?: readonly CheckRule[];
  /**
   * Announce the addresses to the neighbours (default true). False with --no-announce: the address
   * is routed (e.g. announced by BGP from the up script), and no neighbour of ours has it.
   */
  announce?: boolean;
}

/** Adverts after becoming MASTER before the announcement is repeated (as ucarp repeats its gratuitous ARP). */
const DELAYED_ANNOUNCE_ADVERTS = 2;
/** Longest a stopping master keeps the address while waiting for its successor. */
const MAX_HANDOVER_WAIT_MS = 1500;
/**
 * A stopping master exits no later than one advertisement interval plus 0.5 s after
 * the stop; the wait ends this much earlier, so that the downscript and the exit fit.
 */
const HANDOVER_EXIT_MARGIN_MS = 100;

export abstract class ElectionBase<In, Out> implements Election<In, Out> {
  protected state: Role = 'INIT';
  protected timerAt: number | null = null;
  protected quietUntil = 0;
  protected linkUp = true;
  private announceCountdown = -1;
  /** Stopping: the leaving advert is out, the address is still ours until a successor speaks. */
  private leaving = false;
  private readonly health: Health;
  /** A BACKUP whose timer a live master's advert set (it follows that master): for its sync group. */
  protected following = false;
  /** A BACKUP that heard its master hand over (bow-out, priority 0): its takeover is a handover's. */
  protected masterLeft = false;
  /** What the other members of its sync group allow (see SyncOrder's gate). */
  private syncGate = { hold: null as string | null, until: 0, wait: false };

  constructor(private readonly common: CommonElectionConfig) {
    this.health = new Health(common.checks ?? []);
  }

  abstract get advertIntervalMs(): number;
  abstract get masterDownMs(): number;
  /** An advertisement with our own priority. */
  protected abstract ownAdvert(): ElectionAction<Out>;
  /** CARP's bow-out or VRRP's priority 0. */
  protected abstract leavingAdvert(): ElectionAction<Out>;
  /** Whether an advert says its sender is leaving (so it is no successor). */
  protected abstract saysLeaving(ad: In): boolean;
  protected abstract heardAsMaster(ad: In, now: number): ElectionAction<Out>[];
  protected abstract heardAsBackup(ad: In, now: number): ElectionAction<Out>[];
  /** Moves the advertised priority by what the checks add to the configured one; true when it changed. */
  protected abstract applyPriorityDelta(delta: number): boolean;

  /** A refusal before anything else looks at the advert (CARP's replay guard), or null. */
  protected admit(_ad: In): ElectionAction<Out>[] | null {
    return null;
  }
  /** Start-up once INIT is left: BACKUP and wait, unless a protocol knows better. */
  protected startUp(now: number): ElectionAction<Out>[] {
    return this.waitAsBackup(now);
  }
  private waitAsBackup(now: number): ElectionAction<Out>[] {
    const actions: ElectionAction<Out>[] = [];
    if (this.state === 'INIT') this.enter('BACKUP', 'start-up', actions, !this.common.neutral);
    this.waitForMaster(now);
    return actions;
  }
  /** Carrier or health came back and we are BACKUP: a fresh election. */
  protected reelect(now: number): ElectionAction<Out>[] {
    this.waitForMaster(now);
    return [];
  }
  protected waitForMaster(now: number): void {
    this.following = false;
    this.masterLeft = false;
    this.timerAt = this.linkUp ? now + this.masterDownMs : null;
  }
  /** A master was heard that we do not challenge: wait for its silence. */
  protected follow(now: number): void {
    this.waitForMaster(now);
    this.following = true;
  }
  /** Called whenever a MASTER sends its periodic or first advert. */
  protected onMasterAdvert(): void {}
  /** Whether a MASTER's adverts are the same bytes while nothing happens (CARP's counter moves on with each). */
  protected advertsRepeat(): boolean {
    return true;
  }
  /**
   * The periodic adverts a MASTER would send next, at most max, leaving its state as it
   * is: the one advert when they repeat (the shell sends it again and again).
   */
  protected nextAdverts(max: number): Out[] {
    const own = this.ownAdvert();
    return own.type === 'advertise' ? [own.advert] : [];
  }
  /** The shell sent the first `sends` of nextAdverts' adverts (CARP moves its counter on). */
  protected sentStanding(sends: number): void {}
  /** Whether a stopping MASTER runs its downscript: CARP as ucarp, only with --shutdown. */
  protected releasesOnStop(): boolean {
    return this.common.downOnStop;
  }

  get role(): Role {
    return this.state;
  }

  checks(): CheckStatus[] {
    return this.health.statuses();
  }

  deadline(): number | null {
    if (this.timerAt === null) return null;
    return Math.max(this.timerAt, this.state === 'BACKUP' && !this.leaving ? this.quietUntil : 0);
  }

  standingAdverts(max: number): StandingAdverts<Out> | null {
    // Only plain periodic adverts: no repeated announcement still due, not leaving.
    if (this.state !== 'MASTER' || this.leaving || this.announceCountdown > 0 || this.timerAt === null || max < 1) return null;
    const adverts = this.nextAdverts(max);
    return adverts.length > 0 ? { adverts, everyMs: this.advertIntervalMs, lastRepeats: this.advertsRepeat() } : null;
  }

  needsPresent(event: ElectionEvent<In>): boolean {
    return event.type !== 'check' || this.health.wouldChange(event);
  }

  handle(event: ElectionEvent<In>, now: number): ElectionAction<Out>[] {
    switch (event.type) {
      case 'start':
        if (this.state !== 'INIT' || this.leaving) return [];
        // A positive weight counts from the start: a check is healthy until it fails.
        this.applyPriorityDelta(this.health.priorityDelta());
        return this.health.faulty() ? this.enterFault([], !this.common.neutral) : this.startUp(now);
      case 'timeout':
        return this.timeout(now);
      case 'advert':
        return this.heard(event.advert, now);
      case 'link':
        return event.up ? this.linkRestored(now) : this.linkLost();
      case 'demote':
        return this.demote(now);
      case 'stop':
        return this.stop(now);
      case 'check':
        return this.checkResult(event, now);
      case 'sync':
        return this.syncOrder(event.order, now);
      case 'repeated':
        return this.repeated(event.slots, event.sends);
    }
  }

  syncStanding(now: number): SyncStanding {
    const standing: SyncStanding = { blocked: null, until: Infinity, follows: false };
    if (this.state === 'FAULT') standing.blocked = `check ${this.health.faulty()?.name ?? '?'} failed`;
    else if (this.state === 'INIT' || this.leaving) return standing;
    else if (!this.linkUp) standing.blocked = 'interface lost carrier';
    else if (this.state === 'BACKUP' && now < this.quietUntil) return { blocked: 'demoted by SIGUSR2', until: this.quietUntil, follows: false };
    else standing.follows = this.state === 'BACKUP' && this.following;
    return standing;
  }

  private syncOrder(order: SyncOrder, now: number): ElectionAction<Out>[] {
    switch (order.kind) {
      case 'gate':
        this.syncGate = { hold: order.hold, until: order.until, wait: order.wait };
        return [];
      case 'lead':
        if (this.state !== 'BACKUP' || this.leaving || !this.linkUp || now < this.quietUntil || this.syncHeld(now)) return [];
        return this.becomeMaster(now, order.reason, true);
      case 'leave':
        if (this.state !== 'MASTER' || this.leaving) return [];
        return this.handOver(order.reason, now);
    }
  }

  private syncHeld(now: number): boolean {
    return this.syncGate.hold !== null && now < this.syncGate.until;
  }

  private checkResult(result: CheckResult, now: number): ElectionAction<Out>[] {
    const status = this.health.record(result);
    if (!status) return [];
    const actions: ElectionAction<Out>[] = [{ type: 'check-state', index: result.index, status }];
    const moved = this.applyPriorityDelta(this.health.priorityDelta());
    // Before start-up and while stopping, only the state is kept.
    if (this.state === 'INIT' || this.leaving) return actions;
    const fault = this.health.faulty() !== null;
    if (fault && this.state !== 'FAULT') {
      // As on a graceful stop, the others hear at once that we are going.
      const wasMaster = this.state === 'MASTER';
      if (wasMaster) actions.push(this.leavingAdvert());
      return this.enterFault(actions, wasMaster);
    }
    if (!fault && this.state === 'FAULT') {
      this.enter('BACKUP', 'every check is healthy again', actions, false);
      actions.push(...this.reelect(now));
      return actions;
    }
    if (moved && this.state === 'MASTER') {
      // Advertise the new priority at once, so a better peer with --preempt takes over now.
      actions.push(this.ownAdvert());
      this.onMasterAdvert();
      this.timerAt = now + this.advertIntervalMs;
    }
    // A more preferred backup has a shorter master-down interval: never wait past it.
    if (moved && this.state === 'BACKUP' && this.timerAt !== null) this.timerAt = Math.min(this.timerAt, now + this.masterDownMs);
    return actions;
  }

  /** FAULT: no adverts and no takeover until every check is healthy (the downscript when the address was ours). */
  private enterFault(actions: ElectionAction<Out>[], runScript: boolean): ElectionAction<Out>[] {
    const failing = this.health.faulty()!;
    this.enter('FAULT', `check ${failing.name} failed: ${failing.reason}`, actions, runScript);
    this.timerAt = null;
    return actions;
  }

  private timeout(now: number): ElectionAction<Out>[] {
    const due = this.deadline();
    if (due === null || now < due) return [];
    if (this.leaving) return this.finishLeaving();
    if (this.state === 'MASTER') return this.advertiseAsMaster(now);
    if (this.state === 'BACKUP') return this.becomeMaster(now, 'no advertisement heard');
    return [];
  }

  private heard(ad: In, now: number): ElectionAction<Out>[] {
    if (this.state === 'INIT') return [];
    const refused = this.admit(ad);
    if (refused) return refused;
    // A successor speaks: now the address can go (make before break).
    if (this.leaving) return this.saysLeaving(ad) ? [] : this.finishLeaving();
    if (this.state === 'MASTER') return this.heardAsMaster(ad, now);
    if (!this.linkUp || this.state === 'FAULT') return [];
    return this.heardAsBackup(ad, now);
  }

  private linkLost(): ElectionAction<Out>[] {
    this.linkUp = false;
    if (this.leaving) return this.finishLeaving();
    const actions: ElectionAction<Out>[] = [];
    if (this.state === 'MASTER') this.enter('BACKUP', 'interface lost carrier', actions, true);
    if (this.state !== 'INIT') this.timerAt = null;
    return actions;
  }

  private linkRestored(now: number): ElectionAction<Out>[] {
    const wasDown = !this.linkUp;
    this.linkUp = true;
    // ucarp never re-elects here; we do.
    return wasDown && this.state === 'BACKUP' && !this.leaving ? this.reelect(now) : [];
  }

  private demote(now: number): ElectionAction<Out>[] {
    if (this.state !== 'MASTER' || this.leaving) return [];
    this.quietUntil = now + (this.common.demoteQuietMs ?? 3000);
    return this.handOver('demoted by SIGUSR2', now);
  }

  /** MASTER to BACKUP at once, telling the others (bow-out / priority 0) so they take over now. */
  private handOver(reason: string, now: number): ElectionAction<Out>[] {
    const actions: ElectionAction<Out>[] = [this.leavingAdvert()];
    this.enter('BACKUP', reason, actions, true);
    this.waitForMaster(now);
    return actions;
  }

  /**
   * A stopping MASTER tells the others at once and keeps the address until a successor
   * advertises (or a short wait ends), so clients never find nobody holding it.
   */
  private stop(now: number): ElectionAction<Out>[] {
    if (this.leaving) return this.finishLeaving(); // asked twice: go now
    if (this.state !== 'MASTER') {
      this.state = 'INIT';
      this.timerAt = null;
      return [{ type: 'stopped' }];
    }
    const actions: ElectionAction<Out>[] = [this.leavingAdvert()];
    this.enter('BACKUP', 'shutting down: handing over', actions, false);
    this.leaving = true;
    this.timerAt = now + Math.min(this.masterDownMs, MAX_HANDOVER_WAIT_MS, this.advertIntervalMs + 500 - HANDOVER_EXIT_MARGIN_MS);
    return actions;
  }

  /**
   * Leaving at once, for a shell whose election has failed: the last word a clean stop
   * would say (the leaving advert if MASTER, the downscript where a stop runs it),
   * without waiting for anything. Uses nothing but the role, so it works when the rest
   * of the state can no longer be trusted.
   */
  abandon(): ElectionAction<Out>[] {
    const wasMaster = this.state === 'MASTER' || this.leaving;
    const actions: ElectionAction<Out>[] = [];
    if (this.state === 'MASTER') {
      actions.push(this.leavingAdvert());
      actions.push({ type: 'transition', from: 'MASTER', to: 'BACKUP', reason: 'leaving at once' });
    }
    if (wasMaster && this.releasesOnStop()) actions.push({ type: 'run-script', script: 'down' });
    actions.push({ type: 'stopped' });
    this.leaving = false;
    this.state = 'INIT';
    this.timerAt = null;
    return actions;
  }

  private finishLeaving(): ElectionAction<Out>[] {
    this.leaving = false;
    this.state = 'INIT';
    this.timerAt = null;
    const actions: ElectionAction<Out>[] = [];
    if (this.releasesOnStop()) actions.push({ type: 'run-script', script: 'down' });
    actions.push({ type: 'stopped' });
    return actions;
  }

  /** `led`: its sync group orders it (another member became MASTER), so no gate applies. */
  protected becomeMaster(now: number, reason: string, led = false): ElectionAction<Out>[] {
    // Its sync group keeps it out: it waits as a backup does, and the group decides.
    if (!led && (this.syncHeld(now) || (this.syncGate.wait && !this.masterLeft))) return this.waitAsBackup(now);
    const actions: ElectionAction<Out>[] = [];
    this.enter('MASTER', reason, actions, true);
    actions.push(this.ownAdvert(), ...this.announcement());
    this.announceCountdown = DELAYED_ANNOUNCE_ADVERTS;
    this.onMasterAdvert();
    this.timerAt = now + this.advertIntervalMs;
    return actions;
  }

  /** As advertiseAsMaster at each of those deadlines, on the same schedule (the adverts are out already). */
  private repeated(slots: number, sends: number): ElectionAction<Out>[] {
    if (slots <= 0 || this.standingAdverts(1) === null) return [];
    this.sentStanding(sends);
    this.onMasterAdvert();
    this.timerAt! += slots * this.advertIntervalMs;
    return [];
  }

  private advertiseAsMaster(now: number): ElectionAction<Out>[] {
    const actions: ElectionAction<Out>[] = [this.ownAdvert()];
    if (this.announceCountdown > 0 && --this.announceCountdown === 0) {
      actions.push(...this.announcement());
      this.announceCountdown = -1;
    }
    this.onMasterAdvert();
    // Schedule from the previous deadline, not from now, so a late wake-up does not drift.
    const next = (this.timerAt ?? now) + this.advertIntervalMs;
    this.timerAt = next > now ? next : now + this.advertIntervalMs;
    return actions;
  }

  /** The announcement a MASTER sends to (re-)claim its addresses, if it announces at all. */
  protected announcement(): ElectionAction<Out>[] {
    return this.common.announce === false ? [] : [{ type: 'announce' }];
  }

  protected enter(to: Role, reason: string, actions: ElectionAction<Out>[], runScript: boolean): void {
    const from = this.state;
    this.state = to;
    this.following = false;
    this.masterLeft = false;
    actions.push({ type: 'transition', from, to, reason });
    if (runScript) actions.push({ type: 'run-script', script: to === 'MASTER' ? 'up' : 'down' });
  }
}
