// CARP election with ucarp 1.5.2's rules, so mixed ucarp / ucarp-ts clusters agree.
// Pure: every input arrives as (event, now) and every effect leaves as an action.
import { ucarpOrderKey, type Ipv4 } from '../ipv4-address.js';
import { ReplayGuard } from './replay-guard.js';
import type { Election, ElectionAction, ElectionEvent, Role } from './types.js';

export interface CarpElectionConfig {
  self: Ipv4;
  advbase: number;
  advskew: number;
  deadratio: number;
  preempt: boolean;
  /** --neutral: no downscript when entering BACKUP at start-up. */
  neutral: boolean;
  /** --shutdown: run the downscript when stopping as MASTER. */
  downOnStop: boolean;
  initialCounter: bigint;
  /** How long SIGUSR2 keeps a demoted node from taking over again (ucarp: 3 s). */
  demoteQuietMs?: number;
}

/** What the election learns from a received, authenticated CARP advertisement. */
export interface CarpHeard {
  src: Ipv4;
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

/** Adverts after becoming MASTER before the gratuitous ARP is repeated (as ucarp). */
const DELAYED_ARP_ADVERTS = 2;

const COUNTER_MASK = (1n << 64n) - 1n;

type Actions = ElectionAction<CarpToSend>[];

/** An interval in 1/256 s, the unit CARP priorities are compared in. */
const ticks = (advbase: number, advskew: number): number => advbase * 256 + advskew;
const ticksToMs = (t: number): number => (t * 1000) / 256;

export class CarpElection implements Election<CarpHeard, CarpToSend> {
  private state: Role = 'INIT';
  private timerAt: number | null = null;
  private quietUntil = 0;
  private linkUp = true;
  private counter: bigint;
  private arpCountdown = -1;
  private readonly guard = new ReplayGuard();
  private readonly ourTicks: number;

  constructor(private readonly cfg: CarpElectionConfig) {
    this.counter = cfg.initialCounter;
    this.ourTicks = ticks(cfg.advbase, cfg.advskew);
  }

  get role(): Role {
    return this.state;
  }

  get advertIntervalMs(): number {
    return ticksToMs(this.ourTicks);
  }

  get masterDownMs(): number {
    return ticksToMs(ticks(this.cfg.advbase * this.cfg.deadratio, this.cfg.advskew));
  }

  deadline(): number | null {
    if (this.timerAt === null) return null;
    return Math.max(this.timerAt, this.state === 'BACKUP' ? this.quietUntil : 0);
  }

  handle(event: ElectionEvent<CarpHeard>, now: number): Actions {
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
    const actions: Actions = [];
    this.enter('BACKUP', 'start-up', actions, !this.cfg.neutral);
    this.timerAt = this.linkUp ? now + this.masterDownMs : null;
    return actions;
  }

  private timeout(now: number): Actions {
    const due = this.deadline();
    if (due === null || now < due) return [];
    if (this.state === 'MASTER') return this.advertiseAsMaster(now);
    if (this.state === 'BACKUP') return this.becomeMaster(now, 'no advertisement heard');
    return [];
  }

  private heard(ad: CarpHeard, now: number): Actions {
    if (this.state === 'INIT') return [];
    if (!this.guard.accept(ad.src, ad.counter)) return [{ type: 'drop', reason: 'replay' }];
    // ucarp carries the last counter it heard forward; we never let ours fall back.
    if (ad.counter > this.counter) this.counter = ad.counter;
    const theirs = ticks(ad.advbase, ad.advskew);

    if (this.state === 'MASTER') {
      const theyWin =
        theirs < this.ourTicks || (theirs === this.ourTicks && ucarpOrderKey(ad.src) < ucarpOrderKey(this.cfg.self));
      if (!theyWin) return [{ type: 'gratuitous-arp' }];
      // One last advert prompts the winner to re-announce the address to clients.
      const actions: Actions = [this.advertisement(this.cfg.advbase, this.cfg.advskew)];
      this.enter('BACKUP', 'preferred master heard', actions, true);
      this.timerAt = now + this.masterDownMs;
      return actions;
    }

    // BACKUP
    if (!this.linkUp || now < this.quietUntil) {
      this.timerAt = this.linkUp ? now + this.masterDownMs : null;
      return [];
    }
    if (this.cfg.preempt && this.ourTicks < theirs) return this.becomeMaster(now, 'preempting a slower master');
    // A master advertising slower than we would wait for is as good as gone (the bow-out).
    if (ticks(this.cfg.advbase * this.cfg.deadratio, this.cfg.advskew) < theirs) {
      return this.becomeMaster(now, 'master bowed out');
    }
    this.timerAt = now + this.masterDownMs;
    return [];
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
    // ucarp never re-elects here; we start a fresh master-down wait.
    if (wasDown && this.state === 'BACKUP') this.timerAt = now + this.masterDownMs;
    return [];
  }

  private demote(now: number): Actions {
    if (this.state !== 'MASTER') return [];
    const actions: Actions = [this.advertisement(BOW_OUT.advbase, BOW_OUT.advskew)];
    this.enter('BACKUP', 'demoted by SIGUSR2', actions, true);
    this.quietUntil = now + (this.cfg.demoteQuietMs ?? 3000);
    this.timerAt = now + this.masterDownMs;
    return actions;
  }

  private stop(): Actions {
    const actions: Actions = [];
    if (this.state === 'MASTER') {
      actions.push(this.advertisement(BOW_OUT.advbase, BOW_OUT.advskew));
      this.enter('BACKUP', 'shutting down', actions, this.cfg.downOnStop);
    }
    this.state = 'INIT';
    this.timerAt = null;
    return actions;
  }

  private becomeMaster(now: number, reason: string): Actions {
    const actions: Actions = [];
    this.enter('MASTER', reason, actions, true);
    actions.push(this.advertisement(this.cfg.advbase, this.cfg.advskew), { type: 'gratuitous-arp' });
    this.arpCountdown = DELAYED_ARP_ADVERTS;
    this.timerAt = now + this.advertIntervalMs;
    return actions;
  }

  private advertiseAsMaster(now: number): Actions {
    const actions: Actions = [this.advertisement(this.cfg.advbase, this.cfg.advskew)];
    if (this.arpCountdown > 0 && --this.arpCountdown === 0) {
      actions.push({ type: 'gratuitous-arp' });
      this.arpCountdown = -1;
    }
    // Schedule from the previous deadline, not from now, so a late wake-up does not drift.
    const next = (this.timerAt ?? now) + this.advertIntervalMs;
    this.timerAt = next > now ? next : now + this.advertIntervalMs;
    return actions;
  }

  private advertisement(advbase: number, advskew: number): ElectionAction<CarpToSend> {
    this.counter = (this.counter + 1n) & COUNTER_MASK;
    return { type: 'advertise', advert: { advbase, advskew, counter: this.counter } };
  }

  private enter(to: Role, reason: string, actions: Actions, runScript: boolean): void {
    const from = this.state;
    this.state = to;
    actions.push({ type: 'transition', from, to, reason });
    if (runScript) actions.push({ type: 'run-script', script: to === 'MASTER' ? 'up' : 'down' });
  }
}
