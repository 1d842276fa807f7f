// Ports for Groups without sockets or root: what each group sends, and (native: true) a
// repeater that keeps the schedule it was handed as the socket's native one does, so a
// test sees what went out natively and what through the election.
import type { IpAddress } from '../../src/core/ip-address.js';
import type { GroupPort, PortMember } from '../../src/daemon/link-port.js';
import { monotonicMs } from '../../src/daemon/monotonic-clock.js';

/** What one group's port did, in order: 'repeat' (handed a schedule), 'stop' (took it back), 'send'. */
export interface PortEvent {
  group: string;
  kind: 'repeat' | 'stop' | 'send';
  payload?: Buffer;
  /** stop: the schedule's instants passed and packets out (those sends went out natively). */
  slots?: number;
  sends?: number;
  /** stop: the packets that went out natively, in order. */
  natively?: Buffer[];
}

interface Schedule {
  payloads: readonly Buffer[];
  firstDueMs: number;
  everyMs: number;
  lastRepeats: boolean;
  timer: NodeJS.Timeout | null;
}

export class FakePorts {
  readonly events: PortEvent[] = [];
  /** Each group's schedule while the fake socket repeats for it. */
  private readonly schedules = new Map<string, Schedule>();
  /** The groups by name, to hand them packets. */
  readonly members = new Map<string, PortMember>();

  constructor(private readonly native: boolean) {}

  repeating(group: string): boolean {
    return this.schedules.has(group);
  }

  /** Packets the group's election sent itself (not the repeater's). */
  sent(group: string): Buffer[] {
    return this.events.flatMap((e) => (e.group === group && e.kind === 'send' ? [e.payload!] : []));
  }

  /** Every packet the group sent, through its election or natively, in the order they went out (as far as taken back). */
  wire(group: string): Buffer[] {
    return this.events.flatMap((e) => (e.group !== group ? [] : e.kind === 'send' ? [e.payload!] : (e.natively ?? [])));
  }

  attach = (m: PortMember): GroupPort => {
    const group = m.settings.name;
    const log = (e: Omit<PortEvent, 'group'>) => this.events.push({ group, ...e });
    this.members.set(group, m);
    return {
      family: 4,
      running: true,
      mac: Buffer.alloc(6),
      send: async (payload: Buffer, _dst: IpAddress) => void log({ kind: 'send', payload }),
      repeat: (payloads, _dst, firstDueMs, everyMs, lastRepeats, onEnd) => {
        if (!this.native) return false;
        if (this.schedules.has(group)) throw new Error(`${group}: repeat while repeating`);
        const s: Schedule = { payloads, firstDueMs, everyMs, lastRepeats, timer: null };
        // A sequence ends once its last advert is due: the daemon takes the schedule back then.
        if (!lastRepeats) s.timer = setTimeout(() => onEnd(), Math.max(0, firstDueMs + (payloads.length - 1) * everyMs - monotonicMs()) + 1);
        this.schedules.set(group, s);
        log({ kind: 'repeat', payload: payloads[0] });
        return true;
      },
      stopRepeat: () => {
        const s = this.schedules.get(group);
        if (!s) return { slots: 0, sends: 0 };
        this.schedules.delete(group);
        if (s.timer) clearTimeout(s.timer);
        const now = monotonicMs();
        let slots = now >= s.firstDueMs ? Math.floor((now - s.firstDueMs) / s.everyMs) + 1 : 0;
        if (!s.lastRepeats) slots = Math.min(slots, s.payloads.length);
        const natively = Array.from({ length: slots }, (_, i) => s.payloads[Math.min(i, s.payloads.length - 1)]!);
        log({ kind: 'stop', slots, sends: slots, natively });
        return { slots, sends: slots };
      },
      sendFrame: () => {},
      detach: () => {
        clearTimeout(this.schedules.get(group)?.timer ?? undefined);
        this.schedules.delete(group);
      },
    };
  };

  strays = (): [string, Record<string, number>][] => [];
}
