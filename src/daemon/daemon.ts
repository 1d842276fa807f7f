// The shell around the pure election: sockets in, timers, actions out (packets,
// scripts, announcements, logs), signals. Everything here is I/O; every decision is the
// election's. One Daemon runs one group (virtual host); the sockets it shares with the
// other groups on its interface are its port's (link-port.ts).
import type { IpAddress } from '../core/ip-address.js';
import { screenInbound, type InboundPolicy } from '../core/inbound-filter.js';
import type { Decoded } from '../core/drop-reason.js';
import type { InboundPacket } from '../core/inbound-packet.js';
import type { Election, ElectionAction, ElectionEvent, Role, StandingAdverts } from '../core/election/types.js';
import type { DeliverEvent, SyncGroup } from '../core/sync-group.js';
import { BROADCAST_MAC, encodeEthernetFrame, ETHERTYPE_IPV4, ucarpAdvertMac } from '../core/packets/ethernet.js';
import { encodeIpv4Packet } from '../core/packets/ipv4-header.js';
import type { GroupSettings } from '../config/settings.js';
import type { CheckSnapshot, GroupSnapshot } from '../control/snapshot.js';
import { announcementFrames } from './announcement.js';
import { DropCounter } from './drop-counter.js';
import type { GroupPort, PortMember } from './link-port.js';
import { StandingRuns } from './standing-runs.js';
import { GroupStats } from './group-stats.js';
import type { Logger } from './logger.js';
import type { ProtocolDriver } from './protocol-driver.js';
import { ScriptRunner } from './script-runner.js';
import { monotonicMs } from './monotonic-clock.js';
import { scriptEnvironment } from './script-environment.js';
import { SendFailures } from './send-failures.js';
import { ChecksRunner } from '../checks/checks-runner.js';


/** Exit status after an internal error (sysexits EX_SOFTWARE), so init restarts the daemon. */
export const EXIT_INTERNAL_ERROR = 70;

/** A group's place in its sync group: the group, its index there, and how to hand any member an event. */
export interface SyncLink {
  group: SyncGroup<unknown, unknown>;
  index: number;
  deliver: DeliverEvent<unknown, unknown>;
  /** Runs one turn of the group: a member it hands an event is held first and released after (holdRepeats ... releaseRepeats). */
  turn(run: () => void): void;
}

export interface DaemonHooks {
  /** Called once the sockets are open and the election has started. */
  onReady?: () => void;
}

export class Daemon implements PortMember {
  private readonly policy: InboundPolicy;
  private readonly drops: DropCounter;
  private readonly stats: GroupStats;
  private readonly scripts: ScriptRunner;
  private readonly checks: ChecksRunner;
  /** The state the last transition entered: the scripts' UCARP_STATE. */
  private entered: Role = 'INIT';
  private port: GroupPort | null = null;
  private linkUp = true;
  private timer: NodeJS.Timeout | null = null;
  /** Which arming of the timer is current: a turn-by-turn wait from an older one stops. */
  private timerToken = 0;
  /** The advert socket sends the election's standing advert itself (see armTimer). */
  private repeating = false;
  private readonly standingRuns = new StandingRuns();
  /** A repeated send failed: adverts go through the election one by one until one is sent. */
  private repeatPaused = false;
  private readonly sendFailures = new SendFailures();
  /** Its sync group's turn is under way: its election stays current, its adverts on its own timer, until the turn ends. */
  private held = false;
  private stopping: Promise<void> | null = null;
  private onStopped: () => void = () => {};
  private stopRequested = false;
  /** An internal error happened: stopping, and the exit will be non-zero. */
  private faulted = false;
  /** ...and the election failed even to stop: left without a handover. */
  private abandoned = false;
  private exitCode = 0;
  /** Up scripts queued or running, per address. */
  private readonly upScriptsPending = new Map<IpAddress, number>();
  /** Addresses the election asked to announce while their up script was still running. */
  private readonly announceWhenUp = new Set<IpAddress>();
  private ipId = Math.floor(Math.random() * 0xffff);
  private readonly sends = new Set<Promise<void>>();
  private resolveDone!: (code: number) => void;
  readonly done = new Promise<number>((resolve) => (this.resolveDone = resolve));
  /** Wall-clock time of each check's last change of state, for the status snapshot. */
  private readonly checkSince = new Map<string, string>();

  constructor(
    readonly settings: GroupSettings,
    private readonly driver: ProtocolDriver,
    private readonly log: Logger,
    /** Where its port comes from: the process's ports, shared with the other groups. */
    private readonly ports: { attach(member: PortMember): GroupPort },
  ) {
    this.policy = { self: settings.srcip, group: settings.mcast, peers: settings.peers, peerMinTtl: settings.peerMinTtl };
    this.drops = new DropCounter((line) => log.warning(line));
    this.stats = new GroupStats(settings, () => driver.preference(), () => this.drops.byReason(), () => this.checkSnapshots());
    this.scripts = new ScriptRunner(log, settings.scriptTimeoutMs);
    this.checks = new ChecksRunner(settings.checks, (index, outcome) => {
      if (!this.stopRequested) this.dispatch({ type: 'check', index, ...outcome });
    });
  }

  get role(): Role {
    return this.driver.election.role;
  }

  get advertIntervalMs(): number {
    return this.driver.advertIntervalMs;
  }

  get tos(): number {
    return this.driver.tos;
  }

  /** Joins its port and starts the election. Throws (before any packet) if the network is unusable. */
  start(hooks: DaemonHooks = {}): void {
    const s = this.settings;
    this.port = this.ports.attach(this);
    this.linkUp = s.ignoreifstate || this.port.running;
    this.log.info(
      `ucarp-ts ${this.driver.name} vhid ${s.vhid} on ${s.interface} (${s.srcip}), ` +
        `virtual ${s.addrs.join(', ')}, ${this.driver.describe()}`,
    );
    // The carrier is known before the election starts, so an owner never flashes MASTER.
    if (!this.linkUp) {
      this.log.warning(`${s.interface} has no carrier: staying BACKUP until it returns`);
      this.dispatch({ type: 'link', up: false });
    }
    this.dispatch({ type: 'start' });
    this.checks.start();
    hooks.onReady?.();
  }

  /** Graceful stop: hand over if MASTER, run what must run, close everything. */
  stop(why: string): Promise<void> {
    if (this.stopping) {
      this.dispatch({ type: 'stop' }); // asked again: stop waiting for a successor
      return this.stopping;
    }
    this.log.info(`Stopping (${why})`);
    this.stopRequested = true;
    this.checks.stop();
    this.stopping = (async () => {
      const handedOver = new Promise<void>((resolve) => (this.onStopped = resolve));
      this.dispatch({ type: 'stop' });
      // A MASTER keeps the address until its successor advertises (make before break).
      await handedOver;
      await Promise.allSettled([...this.sends]);
      await this.scripts.idle();
      this.shutdownIo();
      this.resolveDone(this.exitCode);
    })();
    return this.stopping;
  }

  get failing(): boolean {
    return this.faulted;
  }

  /**
   * A fault the daemon cannot reason about (the election threw, an exception reached
   * the top): one line, then a clean stop as far as it still works (handover, the
   * downscript where a stop runs it) and a non-zero exit, so init restarts a sound one.
   * Never an error loop on a host that may hold the address.
   */
  fail(what: string, e: unknown): void {
    if (this.faulted) return;
    this.faulted = true;
    this.exitCode = process.exitCode = EXIT_INTERNAL_ERROR;
    this.log.error(`internal error (${what}): ${describeError(e)}; handing over and exiting`);
    // However the stop goes, the process is gone once a handover and a downscript had their time.
    const capMs = this.driver.advertIntervalMs + 500 + this.settings.scriptTimeoutMs + 1000;
    setTimeout(() => this.resolveDone(this.exitCode), capMs);
    void this.stop('internal error');
  }

  /** SIGUSR2. */
  demote(): void {
    if (this.role !== 'MASTER') {
      this.log.info('Not MASTER: nothing to demote');
      return;
    }
    this.dispatch({ type: 'demote' });
  }

  /** Each check as the status command and the metrics show it: unknown until its first change. */
  private checkSnapshots(): CheckSnapshot[] {
    return this.driver.election.checks().map((c) => {
      const since = this.checkSince.get(c.name) ?? null;
      return { name: c.name, state: since === null ? 'unknown' : c.healthy ? 'up' : 'down', since, detail: c.reason };
    });
  }

  /** SIGUSR1: one status line. */
  status(): void {
    const s = this.settings;
    const checks = this.driver.election.checks().map((c) => `${c.name} ${c.healthy ? 'healthy' : `failing (${c.reason})`}`);
    const health = checks.length > 0 ? `; checks: ${checks.join(', ')}` : '';
    const failed = this.stats.snapshot().adverts.failed;
    const unsent = failed > 0 ? `; adverts not sent: ${failed}` : '';
    this.log.notice(`${this.role} on ${s.interface} id ${s.vhid} (refused packets: ${this.drops.totals()}${unsent}${health})`);
  }

  /** For --status and the metrics. */
  snapshot(): GroupSnapshot {
    if (this.repeating) {
      this.collectRepeats(); // counts the adverts sent so far
      this.armTimer();
    }
    return this.stats.snapshot();
  }

  /** Its place in a sync group of two or more (set before start), or null. */
  private sync: SyncLink | null = null;

  joinSyncGroup(link: SyncLink | null): void {
    this.sync = link;
  }

  /** Held by its sync group's turn (see holdRepeats). */
  get heldBySync(): boolean {
    return this.held;
  }

  /**
   * Its sync group's turn hands it an event: the socket stops repeating and the election
   * hears what went out, so what it is told acts on the present; until releaseRepeats,
   * its adverts go through the election.
   */
  holdRepeats(): void {
    this.held = true;
    this.collectRepeats();
  }

  /** The turn is over: the timer again, and the standing adverts back to the socket if any. */
  releaseRepeats(): void {
    this.held = false;
    this.armTimer();
  }

  get election(): Election<unknown, unknown> {
    return this.driver.election;
  }

  /**
   * Every event goes through here: to the election, or, in a sync group, through the
   * group, which may order other members about because of it (src/core/sync-group.ts).
   * Returns this group's own actions for the event.
   */
  private dispatch(event: ElectionEvent<unknown>): ElectionAction<unknown>[] {
    // A probe result that changes nothing is only counted: the socket's standing adverts
    // go on (a CARP master's run is neither stopped nor encoded again every probe).
    if (!this.abandoned && !this.driver.election.needsPresent(event)) {
      const actions = this.decide(event);
      for (const action of actions) this.perform(action);
      return actions;
    }
    const sync = this.sync;
    if (!sync || this.abandoned) return this.deliver(event);
    let own: ElectionAction<unknown>[] | null = null;
    sync.turn(() =>
      sync.group.dispatch(sync.index, event, monotonicMs(), (member, ev) => {
        const actions = sync.deliver(member, ev);
        if (member === sync.index) own ??= [...actions];
        return actions;
      }),
    );
    if (this.abandoned) sync.group.retire(sync.index);
    return own ?? [];
  }

  /** One event to the election, and what it asks done (a sync group's members each get theirs here). */
  deliver(event: ElectionEvent<unknown>): ElectionAction<unknown>[] {
    this.collectRepeats();
    const actions = this.decide(event);
    for (const action of actions) this.perform(action);
    this.armTimer();
    return actions;
  }

  /** Stops the socket's repeating and tells the election what went out, before it hears anything else. */
  private collectRepeats(): void {
    if (!this.repeating) return;
    this.repeating = false;
    const { slots, sends } = this.port?.stopRepeat() ?? { slots: 0, sends: 0 };
    for (let i = 0; i < sends; i++) this.stats.sent({ leaving: false });
    if (slots > 0) for (const action of this.decide({ type: 'repeated', slots, sends })) this.perform(action);
  }

  private decide(event: ElectionEvent<unknown>): ElectionAction<unknown>[] {
    let actions: ElectionAction<unknown>[];
    try {
      actions = this.driver.election.handle(event, monotonicMs());
    } catch (e) {
      if (!this.faulted) {
        this.fail(`the election failed on '${event.type}'`, e);
        return [];
      }
      // It fails even to stop: leave without it.
      this.abandoned = true;
      try {
        actions = this.driver.election.abandon();
      } catch {
        this.resolveDone(this.exitCode); // nothing more can be done for the address
        return [];
      }
    }
    return actions;
  }

  private perform(action: ElectionAction<unknown>): void {
    switch (action.type) {
      case 'advertise':
        this.advertise(action.advert);
        this.stats.sent({ leaving: this.driver.isLeaving(action.advert) });
        break;
      case 'transition':
        this.entered = action.to;
        this.stats.entered(action.to);
        this.log.warning(`Switching to state: ${action.to}`);
        // An order of its sync group is news to whoever reads the log; anything else is debug detail.
        if (action.reason.startsWith('following sync group')) this.log.info(`(${action.reason})`);
        else this.log.debug(`(${action.from} -> ${action.to}: ${action.reason})`);
        if (this.stopRequested && action.from === 'MASTER' && !this.abandoned) {
          this.log.info('Handing over: the others are told; the address stays until a successor advertises');
        }
        break;
      case 'run-script':
        this.runScripts(action.script);
        break;
      case 'announce':
        this.announce();
        break;
      case 'drop':
        this.drops.count(action.reason);
        break;
      case 'stopped':
        this.onStopped();
        break;
      case 'check-state': {
        const { name, healthy, reason, value } = action.status;
        const what = healthy ? (value !== 0 ? `healthy, value ${value}` : 'healthy') : 'failing';
        this.log.warning(`Check ${name}: ${what} (${reason})`);
        this.checkSince.set(name, new Date().toISOString());
        break;
      }
    }
  }

  private armTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const token = ++this.timerToken;
    let due: number | null;
    try {
      due = this.driver.election.deadline();
    } catch (e) {
      return this.fail('the election failed to give its deadline', e);
    }
    if (due === null || this.repeatStanding(due)) return;
    const wait = due - monotonicMs();
    // A takeover is timed to a fraction of a millisecond: setTimeout counts whole
    // milliseconds of a cached loop time, so it is set to wake up to a millisecond
    // early and the rest is waited out turn by turn. Only a master that really went
    // silent gets that far; a MASTER's own adverts need no such precision.
    const precise = this.role !== 'MASTER';
    const delay = precise ? Math.max(0, Math.floor(wait) - 1) : Math.max(0, Math.ceil(wait));
    // setImmediate: if the loop was held up, packets already waiting in the socket are
    // read (poll phase) before the timeout is judged, so a stall cannot fake silence.
    // A MASTER's timer only sends its next advert: it skips that extra loop turn.
    this.timer = precise ? setTimeout(() => setImmediate(() => this.fireAt(due, token)), delay) : setTimeout(() => this.fireAt(due, token), delay);
  }

  /**
   * A MASTER with nothing but periodic adverts to send hands the packets and the schedule
   * to the socket, which sends them from native code: VRRP's one unchanged advert for as
   * long as nothing happens, CARP's next STANDING_ADVERTS (each with its own counter and
   * HMAC), after which the socket hands the schedule back and this runs again. An idle
   * master then wakes JavaScript never (VRRP) or once a minute (CARP at advbase 1). What
   * and when stay the election's (standingAdverts).
   */
  private repeatStanding(due: number): boolean {
    const s = this.settings;
    if (this.repeatPaused || this.held || !this.port || (s.protocol === 'carp' && s.nomcast && s.peers.length === 0) || s.peers.length > 1) return false;
    let standing: StandingAdverts<unknown> | null;
    try {
      standing = this.driver.election.standingAdverts(STANDING_ADVERTS);
    } catch (e) {
      this.fail('the election failed to give its standing adverts', e);
      return true;
    }
    if (!standing) return false;
    const dst = s.peers[0] ?? s.mcast;
    const adverts = standing.lastRepeats ? standing.adverts.slice(0, 1) : standing.adverts;
    const payloads = this.standingRuns.encode(adverts, dst, (a) => this.driver.encode(a, dst));
    this.repeating = this.port.repeat(payloads, dst, due, standing.everyMs, standing.lastRepeats, (e) => {
      if (!e) {
        // All sent: the election hears so and hands over the next ones.
        this.collectRepeats();
        this.armTimer();
        return;
      }
      if ((e as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
        // native/advert_repeater.c: the event loop did not answer its ping in time (blocked).
        this.log.warning('The event loop was held up: the standing adverts stopped so that a backup could take over; sending through the election');
      } else if (this.linkUp) this.log.debug(`${e.message}: sending through the election`);
      // The advert that failed goes out the usual way (queued when the buffer is full, logged when it fails).
      this.repeatPaused = true;
      this.dispatch({ type: 'timeout' });
    });
    return this.repeating;
  }

  private fireAt(due: number, token: number): void {
    if (token !== this.timerToken) return; // re-armed meanwhile
    if (monotonicMs() >= due) this.dispatch({ type: 'timeout' });
    else setImmediate(() => this.fireAt(due, token));
  }

  /** A packet its port received for its id (or, alone on the port, any packet). */
  onPacket(pkt: Decoded<InboundPacket>): void {
    const screened = pkt.ok ? screenInbound(pkt.value, this.policy) : pkt;
    if (!screened.ok) {
      if (screened.reason !== 'own') this.drops.count(screened.reason);
      return;
    }
    const decoded = this.driver.decode(screened.value);
    if (decoded === 'other-group') {
      this.drops.count('other-vhid');
      return;
    }
    if (!decoded.ok) {
      this.drops.count(decoded.reason);
      if (this.log.debugging) this.log.debug(`refused packet from ${screened.value.source}: ${decoded.reason}`);
      return;
    }
    if (this.log.debugging) this.log.debug(`advert from ${screened.value.source}: ${JSON.stringify(decoded.value, bigintJson)}`);
    const actions = this.dispatch({ type: 'advert', advert: decoded.value });
    // Received means accepted: a replay the election refused is counted as refused only.
    if (!actions.some((a) => a.type === 'drop')) this.stats.heard(screened.value.source, { leaving: this.driver.isLeaving(decoded.value) });
  }

  private advertise(out: unknown): void {
    const s = this.settings;
    const destinations: IpAddress[] = s.peers.length > 0 ? s.peers : [s.mcast];
    for (const dst of destinations) {
      const payload = this.driver.encode(out, dst);
      if (s.protocol === 'carp' && s.nomcast && s.peers.length === 0) {
        // ucarp --nomcast: Ethernet broadcast, IP destination still the group.
        this.ipId = (this.ipId + 1) & 0xffff;
        const ip = encodeIpv4Packet({ src: s.srcip, dst, tos: this.driver.tos, id: this.ipId }, payload);
        this.sendFrame(encodeEthernetFrame(BROADCAST_MAC, ucarpAdvertMac(s.vhid), ETHERTYPE_IPV4, ip), 'advertisement');
        continue;
      }
      const sending = (this.port?.send(payload, dst) ?? Promise.resolve()).then(
        () => {
          this.repeatPaused = false;
          const line = this.sendFailures.sent(Date.now());
          if (line) this.log.notice(line);
        },
        (e: unknown) => {
          this.stats.sendFailed();
          if (!this.linkUp) return; // without carrier, failing sends are expected
          const line = this.sendFailures.failed(`sending advertisement to ${dst}: ${e instanceof Error ? e.message : String(e)}`, Date.now());
          if (line) this.log.error(line);
        },
      );
      this.sends.add(sending);
      void sending.finally(() => this.sends.delete(sending));
    }
  }

  private announce(): void {
    // An address whose up script is still running is announced when the script is done:
    // announced earlier, clients would send its traffic here before it can be answered
    // (while a handing-over master could still answer it). Whether to announce at all is
    // the election's call (--no-announce): only what it asked for is ever sent.
    for (const addr of this.settings.addrs) {
      if (this.upScriptsPending.has(addr)) this.announceWhenUp.add(addr);
      else this.announceAddress(addr);
    }
  }

  private sendFrame(frame: Buffer, what: string): void {
    try {
      if (!this.port) throw new Error('no packet socket');
      this.port.sendFrame(frame);
    } catch (e) {
      if (this.linkUp) this.log.error(`sending ${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private runScripts(which: 'up' | 'down'): void {
    const s = this.settings;
    const path = which === 'up' ? s.upscript : s.downscript;
    if (!path) return;
    const state = which === 'up' ? 'MASTER' : this.entered === 'FAULT' ? 'FAULT' : 'BACKUP';
    const failing = this.driver.election.checks().filter((c) => !c.healthy).map((c) => c.name);
    // The advert of this state change (a bow-out above all) leaves before the script is
    // forked: the socket writes in a later turn of the loop, and forking a process this
    // size holds the loop for milliseconds. Never longer than a few ms, whatever the socket does.
    const sent = Promise.race([Promise.allSettled([...this.sends]), new Promise((r) => setTimeout(r, 20))]);
    for (const addr of s.addrs) {
      const args = [s.interface, addr, ...(s.xparam !== null ? [s.xparam] : [])];
      const done = this.scripts.enqueue({ label: which, path, args, env: scriptEnvironment(s, state, addr, failing) }, sent);
      void done.then((result) => this.stats.scriptRan(which, path, addr, result));
      if (which !== 'up') continue;
      // The address exists only once the upscript has added it: announce it then.
      this.upScriptsPending.set(addr, (this.upScriptsPending.get(addr) ?? 0) + 1);
      void done.then(() => {
        const left = (this.upScriptsPending.get(addr) ?? 1) - 1;
        if (left > 0) this.upScriptsPending.set(addr, left);
        else this.upScriptsPending.delete(addr);
        if (left > 0 || !this.announceWhenUp.delete(addr)) return;
        if (this.role === 'MASTER' && !this.stopRequested) this.announceAddress(addr);
      });
    }
  }

  private announceAddress(addr: IpAddress): void {
    for (const { frame, what } of announcementFrames(this.port?.mac ?? Buffer.alloc(6), addr)) this.sendFrame(frame, what);
  }

  /** Its port saw the carrier change (maybe: compared here). */
  onLink(running: boolean): void {
    const s = this.settings;
    if (s.ignoreifstate) return;
    const up = running;
    if (up === this.linkUp) return;
    this.linkUp = up;
    this.standingRuns.forget();
    this.log.warning(up ? `${s.interface} is running again: new election` : `${s.interface} lost carrier`);
    this.dispatch({ type: 'link', up });
  }

  private shutdownIo(): void {
    if (this.timer) clearTimeout(this.timer);
    this.checks.stop();
    this.drops.stop();
    this.port?.detach();
  }
}

/** One line: the message and where it was thrown. */
function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const where = e.stack?.split('\n').find((l) => l.trimStart().startsWith('at '))?.trim();
  return where ? `${e.message} (${where})` : e.message;
}

/** How many adverts a MASTER whose adverts differ (CARP) hands to the socket at a time: a minute at advbase 1. */
const STANDING_ADVERTS = 60;

const bigintJson = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);
