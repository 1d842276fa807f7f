// VRRP election for IPv4: the RFC 5798 state machine, with RFC 3768's timing when
// running version 2. Pure: every input arrives as (event, now) and every effect
// leaves as an action, in the same vocabulary as the CARP election.
//
// Preemption follows ucarp-ts's --preempt flag, off by default. RFC 5798 and keepalived
// both preempt by default, but ucarp-ts is a drop-in for ucarp, whose users expect a
// recovered node to wait until the master fails; the address owner (priority 255)
// always preempts, as the RFC demands.
import { compareIp, type IpAddress } from '../ip-address.js';
import { ElectionBase, type CommonElectionConfig } from './election-base.js';
import { vrrpEffectivePriority } from './health.js';
import type { ElectionAction } from './types.js';

export const VRRP_PRIORITY_OWNER = 255;
/** A master that is leaving: backups take over after their skew time. */
export const VRRP_PRIORITY_STOP = 0;

export interface VrrpElectionConfig extends CommonElectionConfig {
  version: 2 | 3;
  /** Our primary address: the tie-break between equal priorities. */
  self: IpAddress;
  /** 1..255; 255 means we own the addresses. */
  priority: number;
  /** Our advertisement interval in centiseconds (v2: whole seconds, so a multiple of 100). */
  intervalCs: number;
  preempt: boolean;
}

/** What the election learns from a received advertisement that passed every check. */
export interface VrrpHeard {
  /** The sender's primary address (the IP source). */
  src: IpAddress;
  priority: number;
  intervalCs: number;
}

/** The fields of an advertisement to send; the driver adds vrid, addresses and auth. */
export interface VrrpToSend {
  priority: number;
  intervalCs: number;
}

type Actions = ElectionAction<VrrpToSend>[];

export class VrrpElection extends ElectionBase<VrrpHeard, VrrpToSend> {
  /** v3: the interval the current master advertises (RFC 5798 Master_Adver_Interval). */
  private masterAdverCs: number;
  /** One extra advert per interval in answer to lower-priority masters, so a flood cannot make us chatty. */
  private answeredSinceAdvert = false;
  /** The priority we advertise now: state, not configuration, since health checks move it. */
  protected priority: number;
  /** The priority as checks have set it, for the status and metrics. */
  get effectivePriority(): number {
    return this.priority;
  }

  constructor(private readonly cfg: VrrpElectionConfig) {
    super(cfg);
    this.masterAdverCs = cfg.intervalCs;
    this.priority = cfg.priority;
  }

  private get preempts(): boolean {
    return this.cfg.preempt || this.priority === VRRP_PRIORITY_OWNER;
  }

  get advertIntervalMs(): number {
    return this.cfg.intervalCs * 10;
  }

  /** RFC 3768: (256 - priority) / 256 s. RFC 5798: (256 - priority) * Master_Adver_Interval / 256. */
  get skewMs(): number {
    const share = (256 - this.priority) / 256;
    return this.cfg.version === 2 ? share * 1000 : share * this.masterAdverCs * 10;
  }

  /** Three intervals of the master's plus the skew. */
  get masterDownMs(): number {
    const interval = this.cfg.version === 2 ? this.cfg.intervalCs : this.masterAdverCs;
    return 3 * interval * 10 + this.skewMs;
  }

  protected override startUp(now: number): Actions {
    if (this.priority === VRRP_PRIORITY_OWNER && this.linkUp) return this.becomeMaster(now, 'address owner');
    return super.startUp(now);
  }

  protected override reelect(now: number): Actions {
    // A fresh election, as at start-up: the owner takes over at once, others wait.
    if (this.priority === VRRP_PRIORITY_OWNER && this.linkUp && now >= this.quietUntil) return this.becomeMaster(now, 'address owner, back');
    return super.reelect(now);
  }

  protected applyPriorityDelta(delta: number): boolean {
    const priority = vrrpEffectivePriority(this.cfg.priority, delta);
    if (priority === this.priority) return false;
    this.priority = priority;
    return true;
  }

  protected override waitForMaster(now: number): void {
    this.masterAdverCs = this.cfg.intervalCs;
    super.waitForMaster(now);
  }

  protected override onMasterAdvert(): void {
    this.answeredSinceAdvert = false;
  }

  /**
   * RFC 5798 6.4.3: a master that shuts down sends priority 0 and goes to Initialize,
   * where it must not answer for the addresses; keepalived removes them too. So a
   * stopping VRRP master always releases them (downscript), --shutdown or not.
   */
  protected override releasesOnStop(): boolean {
    return true;
  }

  protected saysLeaving(ad: VrrpHeard): boolean {
    return ad.priority === VRRP_PRIORITY_STOP;
  }

  protected heardAsBackup(ad: VrrpHeard, now: number): Actions {
    if (ad.priority === VRRP_PRIORITY_STOP) {
      // The master is leaving: the best backup (shortest skew) answers first.
      // (A demoted node still waits out its quiet period: deadline() sees to that.)
      this.timerAt = now + this.skewMs;
      this.following = false;
      this.masterLeft = true;
      return [];
    }
    if (now < this.quietUntil) {
      // Demoted: follow whoever is master, never preempt before the quiet period ends.
      this.followMaster(ad, now);
      return [];
    }
    // With preemption a lower-priority master is ignored, so our timer runs out and we take over.
    if (!this.preempts || ad.priority >= this.priority) this.followMaster(ad, now);
    else this.following = false;
    return [];
  }

  protected heardAsMaster(ad: VrrpHeard, now: number): Actions {
    if (ad.priority === VRRP_PRIORITY_STOP) {
      // Another master is leaving: say at once that we are here (RFC 5798 6.4.3).
      this.timerAt = now + this.advertIntervalMs;
      this.answeredSinceAdvert = false;
      return [this.ownAdvert()];
    }
    // VRRP compares primary addresses numerically (CARP's ucarp order does not apply).
    const theyWin = ad.priority > this.priority || (ad.priority === this.priority && compareIp(ad.src, this.cfg.self) > 0);
    if (!theyWin) {
      // RFC: discard. keepalived answers with an advert so the other master steps down
      // without waiting for our next interval; we do too, once per interval.
      if (this.answeredSinceAdvert) return [];
      this.answeredSinceAdvert = true;
      return [this.ownAdvert()];
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
    this.following = true;
    this.masterLeft = false;
  }

  protected ownAdvert(): ElectionAction<VrrpToSend> {
    return { type: 'advertise', advert: { priority: this.priority, intervalCs: this.cfg.intervalCs } };
  }

  protected leavingAdvert(): ElectionAction<VrrpToSend> {
    return { type: 'advertise', advert: { priority: VRRP_PRIORITY_STOP, intervalCs: this.cfg.intervalCs } };
  }
}
