// The contract between a protocol's election (pure, no I/O) and whatever drives it:
// the daemon shell on a real network, or the simulator in tests. Time is a plain
// number of milliseconds from a monotonic clock, handed in with every event.
import type { CheckResult, CheckStatus } from './health.js';

/** FAULT: a health check with weight 0 fails; the node neither advertises nor takes over. */
export type Role = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT';

export type ElectionEvent<In> =
  | { type: 'start' }
  /** The deadline the election asked for has been reached. */
  | { type: 'timeout' }
  /** A decoded, authenticated advertisement from another node. */
  | { type: 'advert'; advert: In }
  /** Carrier came or went (never sent with --ignoreifstate). */
  | { type: 'link'; up: boolean }
  /** SIGUSR2: step down and keep quiet for a while, then listen again. */
  | { type: 'demote' }
  /** Graceful stop: hand over before the process exits. */
  | { type: 'stop' }
  /** A health check's probe finished (the election counts rise and fall). */
  | ({ type: 'check' } & CheckResult)
  /** Its sync group (src/core/sync-group.ts) orders something; never sent to a group of one. */
  | { type: 'sync'; order: SyncOrder }
  /**
   * The shell sent the standing adverts itself (see standingAdverts): `slots` of the
   * deadlines it gave have passed and `sends` adverts went out (one for several slots
   * when it was late), the first `sends` of the sequence; reported before any other
   * event, so the election's schedule and counter are current.
   */
  | { type: 'repeated'; slots: number; sends: number };

export interface StandingAdverts<Out> {
  adverts: Out[];
  everyMs: number;
  lastRepeats: boolean;
}

/** What a sync group asks of one member, because of what the other members of the node do. */
export type SyncOrder =
  /**
   * What the other members allow, kept until the next gate. `hold`: one of them cannot be
   * MASTER (FAULT, no carrier, demoted), so this one never becomes MASTER before `until`.
   * `wait`: one of them follows a live master, so this one's own takeovers (silence,
   * preemption) wait; a takeover because its master handed over still goes ahead.
   */
  | { kind: 'gate'; hold: string | null; until: number; wait: boolean }
  /** Another member became MASTER: so does this BACKUP, now. */
  | { kind: 'lead'; reason: string }
  /** Another member left MASTER or cannot be it: this MASTER leaves now, with a handover. */
  | { kind: 'leave'; reason: string };

/** What a sync group needs to know of a member (see SyncOrder). */
export interface SyncStanding {
  /** Why it cannot be MASTER now (FAULT, no carrier, demoted), or null. */
  blocked: string | null;
  /** When `blocked` ends by itself (a demotion's quiet period), or Infinity. */
  until: number;
  /** A BACKUP that follows a live master: it lost, or would lose, its own election. */
  follows: boolean;
}

export type ElectionAction<Out> =
  /** Send one advertisement with these fields, now. */
  | { type: 'advertise'; advert: Out }
  | { type: 'transition'; from: Role; to: Role; reason: string }
  | { type: 'run-script'; script: 'up' | 'down' }
  /** Tell the neighbours our addresses are here now; the shell picks the frames per address family. */
  | { type: 'announce' }
  /** An advertisement was refused by the election itself (counted, not logged one by one). */
  | { type: 'drop'; reason: 'replay' }
  /** After 'stop': the handover is done and the process may exit. */
  | { type: 'stopped' }
  /** A health check changed state (logged once, not per run). */
  | { type: 'check-state'; index: number; status: CheckStatus };

export interface Election<In, Out> {
  readonly role: Role;
  handle(event: ElectionEvent<In>, now: number): ElectionAction<Out>[];
  /**
   * False when handling the event now can only count it and acts on nothing (a probe
   * result that leaves its check as it was): a shell may then hand it over without first
   * stopping its standing adverts and reporting them.
   */
  needsPresent(event: ElectionEvent<In>): boolean;
  /** When the next 'timeout' is due, or null when nothing is scheduled. */
  deadline(): number | null;
  /** Each configured health check's state, for the status line and the scripts. */
  checks(): CheckStatus[];
  /**
   * What a MASTER sends at its deadline and every everyMs after, as long as no other
   * event arrives: `adverts` in turn (at most `max`), then, with lastRepeats, the last
   * one at every deadline after (VRRP's unchanged advert), else nothing more (CARP's,
   * each with the next counter: the shell then hands the schedule back). null when its
   * next timeout would do anything else. A shell may send those adverts without waking
   * the election, and reports them with a 'repeated' event.
   */
  standingAdverts(max: number): StandingAdverts<Out> | null;
  /** Stop now, for a shell whose election failed: the leaving advert and downscript a stop would give, then 'stopped'. */
  abandon(): ElectionAction<Out>[];
  /** For its sync group: whether it could be MASTER at `now`. */
  syncStanding(now: number): SyncStanding;
}
