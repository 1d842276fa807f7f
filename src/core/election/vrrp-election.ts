// VRRP election for IPv4: the RFC 5798 state machine, with RFC 3768's timing when
// running version 2. Pure: every input arrives as (event, now) and every effect
// leaves as an action, in the same vocabulary as the CARP election.
//
// Preemption follows ucarp-ts's --preempt flag, off by default. RFC 5798 and keepalived
// both preempt by default, but ucarp-ts is a drop-in for ucarp, whose users expect a
// recovered node to wait until the master fails; the address owner (priority 255)
// always preempts, as the RFC demands.
import type { Ipv4 } from '../ipv4-address.js';
import type { Election, ElectionAction, ElectionEvent, Role } from './types.js';

export const VRRP_PRIORITY_OWNER = 255;
/** A master that is leaving: backups take over after their skew time. */
export const VRRP_PRIORITY_STOP = 0;

export interface VrrpElectionConfig {
  version: 2 | 3;
  /** Our primary address: the tie-break between equal priorities. */
  self: Ipv4;
  /** 1..255; 255 means we own the addresses. */
  priority: number;
  /** Our advertisement interval in centiseconds (v2: whole seconds, so a multiple of 100). */
  intervalCs: number;
  preempt: boolean;
  /** --neutral: no downscript when entering BACKUP at start-up. */
  neutral: boolean;
  /** --shutdown: run the downscript when stopping as MASTER. */
  downOnStop: boolean;
  /** How long SIGUSR2 keeps a demoted node from taking over again (as ucarp: 3 s). */
  demoteQuietMs?: number;
}

/** What the election learns from a received advertisement that passed every check. */
export interface VrrpHeard {
  /** The sender's primary address (the IP source). */
  src: Ipv4;
  priority: number;
  intervalCs: number;
}

/** The fields of an advertisement to send; the driver adds vrid, addresses and auth. */
export interface VrrpToSend {
  priority: number;
  intervalCs: number;
}

/** Adverts after becoming MASTER before the gratuitous ARP is repeated (as the CARP side). */
const DELAYED_ARP_ADVERTS = 2;

type Actions = ElectionAction<VrrpToSend>[];

export class VrrpElection implements Election<VrrpHeard, VrrpToSend> {
  private state: Role = 'INIT';
  private timerAt: number | null = null;
  private quietUntil = 0;
  private linkUp = true;
  private arpCountdown = -1;
  /** v3: the interval the current master advertises (RFC 5798 Master_Adver_Interval). */
  private masterAdverCs: number;
  /** One extra advert per interval in answer to lower-priority masters, so a flood cannot make us chatty. */
  private answeredSinceAdvert = false;
  private readonly preempts: boolean;

  constructor(private readonly cfg: VrrpElectionConfig) {
    this.masterAdverCs = cfg.intervalCs;
    this.preempts = cfg.preempt || cfg.priority === VRRP_PRIORITY_OWNER;
  }

  get role(): Role {
    return this.state;
  }

  get advertIntervalMs(): number {
    return this.cfg.intervalCs * 10;
  }

  /** RFC 3768: (256 - priority) / 256 s. RFC 5798: (256 - priority) * Master_Adver_Interval / 256. */
  get skewMs(): number {
    const share = (256 - this.cfg.priority) / 256;
    return this.cfg.version === 2 ? share * 1000 : share * this.masterAdverCs * 10;
  }

  /** Three intervals of the master's plus the skew. */
  get masterDownMs(): number {
    const interval = this.cfg.version === 2 ? this.cfg.intervalCs : this.masterAdverCs;
    return 3 * interval * 10 + this.skewMs;
  }

  deadline(): number | null {
    if (this.timerAt === null) return null;
    return Math.max(this.timerAt, this.state === 'BACKUP' ? this.quietUntil : 0);
  }

  handle(event: ElectionEvent<VrrpHeard>, now: number): Actions {
    switch (event.type) {
      case 'start':
        return this.start(now);
      case 'timeout':
        return this.timeout(now);
      case 'advert':
        return this.heard(event.advert, now);
      case 'link':
        return event.up ? this.linkRestored(now) : this.linkLost();
      case 'demote':
        return this.demote(now);
      case 'stop':
        return this.stop();
    }
  }

  private start(now: number): Actions {
    if (this.state !== 'INIT') return [];
    if (this.cfg.priority === VRRP_PRIORITY_OWNER && this.linkUp) return this.becomeMaster(now, 'address owner');
    const actions: Actions = [];
    this.enter('BACKUP', 'start-up', actions, !this.cfg.neutral);
    this.waitForMaster(now);
    return actions;
  }

  private timeout(now: number): Actions {
    const due = this.deadline();
    if (due === null || now < due) return [];
    if (this.state === 'MASTER') return this.advertiseAsMaster(now);
    if (this.state === 'BACKUP') return this.becomeMaster(now, 'master down interval passed');
    return [];
  }

  private heard(ad: VrrpHeard, now: number): Actions {
    if (this.state === 'MASTER') return this.heardAsMaster(ad, now);
    if (this.state !== 'BACKUP') return [];
    if (!this.linkUp) return [];
    if (ad.priority === VRRP_PRIORITY_STOP) {
      // The master is leaving: the best backup (shortest skew) answers first.
      // (A demoted node still waits out its quiet period: deadline() sees to that.)
      this.timerAt = now + this.skewMs;
      return [];
    }
    if (now < this.quietUntil) {
      // Demoted: follow whoever is master, never preempt before the quiet period ends.
      this.followMaster(ad, now);
      return [];
    }
    // With preemption a lower-priority master is ignored, so our timer runs out and we take over.
    if (!this.preempts || ad.priority >= this.cfg.priority) this.followMaster(ad, now);
    return [];
  }

  private heardAsMaster(ad: VrrpHeard, now: number): Actions {
    if (ad.priority === VRRP_PRIORITY_STOP) {
      // Another master is leaving: say at once that we are here (RFC 5798 6.4.3).
      this.timerAt = now + this.advertIntervalMs;
      this.answeredSinceAdvert = false;
      return [this.advertisement(this.cfg.priority)];
    }
    // VRRP compares primary addresses numerically (CARP's ucarp order does not apply).
    const theyWin = ad.priority > this.cfg.priority || (ad.priority === this.cfg.priority && ad.src > this.cfg.self);
    if (!theyWin) {
      // RFC: discard. keepalived answers with an advert so the other master steps down
      // without waiting for our next interval; we do too, once per interval.
      if (this.answeredSinceAdvert) return [];
      this.answeredSinceAdvert = true;
      return [this.advertisement(this.cfg.priority)];
    }
    const actions: Actions = [];
    this.enter('BACKUP', 'higher priority master heard', actions, true);
    this.followMaster(ad, now);
    return actions;
  }

  /** Accept ad's sender as master: adopt its interval (v3) and restart the master-down wait. */
  private followMaster(ad: VrrpHeard, now: number): void {
    if (this.cfg.version === 3) this.masterAdverCs = ad.intervalCs;
    this.timerAt = now + this.masterDownMs;
  }

  private waitForMaster(now: number): void {
    this.masterAdverCs = this.cfg.intervalCs;
    this.timerAt = this.linkUp ? now + this.masterDownMs : null;
  }

  private linkLost(): Actions {
    this.linkUp = false;
    const actions: Actions = [];
    if (this.state === 'MASTER') this.enter('BACKUP', 'interface lost carrier', actions, true);
    if (this.state !== 'INIT') this.timerAt = null;
    return actions;
  }

  private linkRestored(now: number): Actions {
    const wasDown = !this.linkUp;
    this.linkUp = true;
    if (!wasDown || this.state !== 'BACKUP') return [];
    // A fresh election, as at start-up: the owner takes over at once, others wait.
    if (this.cfg.priority === VRRP_PRIORITY_OWNER && now >= this.quietUntil) return this.becomeMaster(now, 'address owner, link back');
    this.waitForMaster(now);
    return [];
  }

  private demote(now: number): Actions {
    if (this.state !== 'MASTER') return [];
    const actions: Actions = [this.advertisement(VRRP_PRIORITY_STOP)];
    this.enter('BACKUP', 'demoted by SIGUSR2', actions, true);
    this.quietUntil = now + (this.cfg.demoteQuietMs ?? 3000);
    this.waitForMaster(now);
    return actions;
  }

  private stop(): Actions {
    const actions: Actions = [];
    if (this.state === 'MASTER') {
      actions.push(this.advertisement(VRRP_PRIORITY_STOP));
      this.enter('BACKUP', 'shutting down', actions, this.cfg.downOnStop);
    }
    this.state = 'INIT';
    this.timerAt = null;
    return actions;
  }

  private becomeMaster(now: number, reason: string): Actions {
    const actions: Actions = [];
    this.enter('MASTER', reason, actions, true);
    actions.push(this.advertisement(this.cfg.priority), { type: 'gratuitous-arp' });
    this.arpCountdown = DELAYED_ARP_ADVERTS;
    this.answeredSinceAdvert = false;
    this.timerAt = now + this.advertIntervalMs;
    return actions;
  }

  private advertiseAsMaster(now: number): Actions {
    const actions: Actions = [this.advertisement(this.cfg.priority)];
    if (this.arpCountdown > 0 && --this.arpCountdown === 0) {
      actions.push({ type: 'gratuitous-arp' });
      this.arpCountdown = -1;
    }
    this.answeredSinceAdvert = false;
    // Schedule from the previous deadline, not from now, so a late wake-up does not drift.
    const next = (this.timerAt ?? now) + this.advertIntervalMs;
    this.timerAt = next > now ? next : now + this.advertIntervalMs;
    return actions;
  }

  private advertisement(priority: number): ElectionAction<VrrpToSend> {
    return { type: 'advertise', advert: { priority, intervalCs: this.cfg.intervalCs } };
  }

  private enter(to: Role, reason: string, actions: Actions, runScript: boolean): void {
    const from = this.state;
    this.state = to;
    actions.push({ type: 'transition', from, to, reason });
    if (runScript) actions.push({ type: 'run-script', script: to === 'MASTER' ? 'up' : 'down' });
  }
}
