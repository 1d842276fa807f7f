// CARP election with ucarp 1.5.2's rules, so mixed ucarp / ucarp-ts clusters agree.
// Pure: every input arrives as (event, now) and every effect leaves as an action.
import { ucarpOrderKey, type IpAddress } from '../ip-address.js';
import { ElectionBase, type CommonElectionConfig } from './election-base.js';
import { carpEffectiveSkew } from './health.js';
import { ReplayGuard } from './replay-guard.js';
import type { ElectionAction } from './types.js';

export interface CarpElectionConfig extends CommonElectionConfig {
  self: IpAddress;
  advbase: number;
  advskew: number;
  deadratio: number;
  preempt: boolean;
  initialCounter: bigint;
}

/** What the election learns from a received, authenticated CARP advertisement. */
export interface CarpHeard {
  src: IpAddress;
  advbase: number;
  advskew: number;
  counter: bigint;
}

/** The fields of an advertisement to send; the shell adds vhid, auth and headers. */
export interface CarpToSend {
  advbase: number;
  advskew: number;
  counter: bigint;
}

/** advbase 255 / advskew 255: ucarp backups treat it as "master gone now". */
export const BOW_OUT = { advbase: 255, advskew: 255 } as const;

export const isBowOut = (ad: { advbase: number; advskew: number }): boolean =>
  ad.advbase === BOW_OUT.advbase && ad.advskew === BOW_OUT.advskew;

const COUNTER_MASK = (1n << 64n) - 1n;

type Actions = ElectionAction<CarpToSend>[];

/** An interval in 1/256 s, the unit CARP priorities are compared in. */
const ticks = (advbase: number, advskew: number): number => advbase * 256 + advskew;
const ticksToMs = (t: number): number => (t * 1000) / 256;

export class CarpElection extends ElectionBase<CarpHeard, CarpToSend> {
  private counter: bigint;
  private readonly guard = new ReplayGuard();
  /** The skew we advertise now: state, not configuration, since health checks move it. */
  protected advskew: number;
  /** The skew as checks have set it, for the status and metrics. */
  get effectiveAdvskew(): number {
    return this.advskew;
  }

  constructor(private readonly cfg: CarpElectionConfig) {
    super(cfg);
    this.counter = cfg.initialCounter;
    this.advskew = cfg.advskew;
  }

  private get ourTicks(): number {
    return ticks(this.cfg.advbase, this.advskew);
  }

  /** A master slower than this is as good as gone (ucarp compares advbase*deadratio with our skew). */
  private get deadTicks(): number {
    return ticks(this.cfg.advbase * this.cfg.deadratio, this.advskew);
  }

  get advertIntervalMs(): number {
    return ticksToMs(this.ourTicks);
  }

  get masterDownMs(): number {
    return ticksToMs(this.deadTicks);
  }

  protected override admit(ad: CarpHeard): Actions | null {
    if (!this.guard.accept(ad.src, ad.counter)) return [{ type: 'drop', reason: 'replay' }];
    // ucarp carries the last counter it heard forward; we never let ours fall back.
    if (ad.counter > this.counter) this.counter = ad.counter;
    return null;
  }

  protected saysLeaving(ad: CarpHeard): boolean {
    return isBowOut(ad);
  }

  protected heardAsMaster(ad: CarpHeard, now: number): Actions {
    const theirs = ticks(ad.advbase, ad.advskew);
    const theyWin =
      theirs < this.ourTicks || (theirs === this.ourTicks && ucarpOrderKey(ad.src) < ucarpOrderKey(this.cfg.self));
    if (!theyWin) return this.announcement();
    // One last advert prompts the winner to re-announce the address to clients.
    const actions: Actions = [this.ownAdvert()];
    this.enter('BACKUP', 'preferred master heard', actions, true);
    this.follow(now);
    return actions;
  }

  protected heardAsBackup(ad: CarpHeard, now: number): Actions {
    if (now < this.quietUntil) {
      this.follow(now);
      return [];
    }
    const theirs = ticks(ad.advbase, ad.advskew);
    if (this.cfg.preempt && this.ourTicks < theirs) return this.becomeMaster(now, 'preempting a slower master');
    // The bow-out advert, or any master slower than our patience.
    if (theirs > this.deadTicks) {
      this.masterLeft = isBowOut(ad);
      return this.becomeMaster(now, 'master bowed out');
    }
    this.follow(now);
    return [];
  }

  protected applyPriorityDelta(delta: number): boolean {
    // advbase 0 needs a skew: an interval of zero is no interval.
    const skew = Math.max(this.cfg.advbase === 0 ? 1 : 0, carpEffectiveSkew(this.cfg.advskew, delta));
    if (skew === this.advskew) return false;
    this.advskew = skew;
    return true;
  }

  /** Each advert carries the next counter (and so a new HMAC): never the same bytes twice. */
  protected override advertsRepeat(): boolean {
    return false;
  }

  /** The coming adverts, counter by counter, so a shell can send a minute of them without waking the election. */
  protected override nextAdverts(max: number): CarpToSend[] {
    const out: CarpToSend[] = [];
    let counter = this.counter;
    for (let i = 0; i < max; i++) {
      counter = (counter + 1n) & COUNTER_MASK;
      out.push({ advbase: this.cfg.advbase, advskew: this.advskew, counter });
    }
    return out;
  }

  protected override sentStanding(sends: number): void {
    this.counter = (this.counter + BigInt(sends)) & COUNTER_MASK;
  }

  protected ownAdvert(): ElectionAction<CarpToSend> {
    return this.advertisement(this.cfg.advbase, this.advskew);
  }

  protected leavingAdvert(): ElectionAction<CarpToSend> {
    return this.advertisement(BOW_OUT.advbase, BOW_OUT.advskew);
  }

  private advertisement(advbase: number, advskew: number): ElectionAction<CarpToSend> {
    this.counter = (this.counter + 1n) & COUNTER_MASK;
    return { type: 'advertise', advert: { advbase, advskew, counter: this.counter } };
  }
}
