// A sync group (keepalived's vrrp_sync_group): several groups of one node, e.g. a
// router's inside and outside addresses, that must be MASTER on the same node. Pure:
// it reads its members' elections and answers with 'sync' events for them; the shell
// (or the simulator) hands those out like any other event.
//
// The rules, for the members of one node that have started and are not stopping:
//
// - Leave together. When a member leaves MASTER (it lost its election, a check put it in
//   FAULT, its link lost carrier, SIGUSR2), every other MASTER leaves at once with a
//   handover (CARP bow-out / VRRP priority 0), so the peer takes them all together.
//   While a member cannot be MASTER (FAULT, no carrier, a demotion's quiet period), the
//   others are held out of MASTER.
// - Take over together. When a member becomes MASTER, every other member does too, at
//   once (keepalived does the same): when the peer hands the group over, one member hears
//   it first, and the others, whose master may have gone silent without a word (its link
//   died), need not wait out their master-down interval. (keepalived 2.2.7 is slower
//   here: a member that heard priority 0 waits until every member's own timer has run
//   out. It converges all the same; README, sync groups against keepalived.)
// - But a member takes over by itself (its master went silent, or it preempts) only while
//   no other member follows a live master. Otherwise the node would take the group,
//   lose the member whose master is alive at once, hand all back, and take it again
//   after the next silence: forever, while one segment is partitioned or a peer's
//   member is gone. Taking over because a master handed over (bow-out, priority 0)
//   is not held back: that is the peer giving up the whole group.
//
// So after every turn (one event and what the group orders because of it) a node's
// members are all MASTER or none is. A member that cannot win never pulls the others
// in: it is held (FAULT, carrier, quiet) or it follows its master, which holds the
// others' own takeovers back. With one member there is no order at all: the election
// alone, exactly as without a sync group.
//
// How a shell uses it (the simulator's SyncSimulator does exactly this):
//
//   const group = new SyncGroup('web', [{ name: 'outside', election: a }, { name: 'inside', election: b }]);
//   // every event of every member, including 'start', 'timeout', adverts, carrier, checks:
//   group.dispatch(k, event, now, (member, ev) => shellDispatch(member, ev));
//
// where shellDispatch hands ev to that member's election, performs the actions (adverts,
// scripts, logs: a transition's reason says "following sync group web: ..." when the
// group ordered it), re-arms that member's timer, and returns the actions. The orders
// arrive as ElectionEvents of type 'sync' through the same function, before dispatch
// returns; the shell needs no other case for them. A 'stop' given through dispatch
// takes the member out of the group (it hands over by itself); after abandon() call
// retire(k). On a reload that changes the members, build a new SyncGroup over the
// surviving elections and call settle(now, deliver) once.
import type { Election, ElectionAction, ElectionEvent, SyncOrder, SyncStanding } from './election/types.js';

export interface SyncMember<In, Out> {
  /** For the log lines: the group's name (its config file's, say). */
  name: string;
  election: Election<In, Out>;
}

/**
 * Hands `event` to member `member` as the shell hands it any event (performing the
 * actions, re-arming its timer) and returns the actions the election gave.
 */
export type DeliverEvent<In, Out> = (member: number, event: ElectionEvent<In>) => readonly ElectionAction<Out>[];

/** What happened during one turn, in the order the group needs it. */
interface Turn {
  left: { member: number; reason: string } | null;
  became: { member: number; reason: string } | null;
  /** Members already ordered to lead or leave this turn (an order is given once). */
  ordered: Set<number>;
}

const newTurn = (): Turn => ({ left: null, became: null, ordered: new Set() });

export class SyncGroup<In, Out> {
  private readonly retired: boolean[];
  /** The last gate each member was given, so unchanged gates are not sent again. */
  private readonly gates: (string | null)[];

  constructor(
    readonly name: string,
    private readonly members: readonly SyncMember<In, Out>[],
  ) {
    this.retired = members.map(() => false);
    this.gates = members.map(() => null);
  }

  /**
   * One turn: hands `event` to member `member` through `deliver`, then hands out every
   * order the group gives because of it (through `deliver` too), until there is none.
   * A 'stop' retires the member: it hands over by itself and leaves the group.
   */
  dispatch(member: number, event: ElectionEvent<In>, now: number, deliver: DeliverEvent<In, Out>): void {
    if (event.type === 'stop') this.retired[member] = true;
    const turn = newTurn();
    this.note(turn, member, deliver(member, event));
    this.giveOrders(now, deliver, turn);
  }

  /**
   * A member whose election the shell abandoned (or stopped without dispatch) is no
   * longer part of the group: the others neither follow nor wait for it.
   */
  retire(member: number): void {
    this.retired[member] = true;
  }

  /** Gives the orders the members' present state calls for (e.g. after building the group on a reload). */
  settle(now: number, deliver: DeliverEvent<In, Out>): void {
    this.giveOrders(now, deliver, newTurn());
  }

  private giveOrders(now: number, deliver: DeliverEvent<In, Out>, turn: Turn): void {
    // Each round either gives no order or moves a member it has not moved this turn.
    for (let round = 0; round <= this.members.length + 1; round++) {
      const orders = this.orders(now, turn);
      if (orders.length === 0) return;
      for (const { member, order } of orders) this.note(turn, member, deliver(member, { type: 'sync', order }));
    }
  }

  private note(turn: Turn, member: number, actions: readonly ElectionAction<Out>[]): void {
    if (this.retired[member]) return;
    for (const a of actions) {
      if (a.type !== 'transition') continue;
      if (a.from === 'MASTER' && a.to !== 'MASTER') turn.left ??= { member, reason: a.reason };
      if (a.to === 'MASTER') turn.became ??= { member, reason: a.reason };
    }
  }

  private orders(now: number, turn: Turn): { member: number; order: SyncOrder }[] {
    const active = this.members.flatMap((m, i) => (!this.retired[i] && m.election.role !== 'INIT' ? [i] : []));
    const standing = new Map<number, SyncStanding>(active.map((i) => [i, this.members[i]!.election.syncStanding(now)]));
    const orders: { member: number; order: SyncOrder }[] = [];

    this.members.forEach((_, i) => {
      if (this.retired[i]) return;
      const gate: SyncOrder & { kind: 'gate' } = { kind: 'gate', hold: null, until: 0, wait: false };
      for (const j of active) {
        const s = standing.get(j)!;
        if (j === i) continue;
        if (s.blocked !== null && (gate.hold === null || s.until > gate.until)) {
          gate.hold = `member ${this.members[j]!.name}: ${s.blocked}`;
          gate.until = s.until;
        }
        if (s.follows) gate.wait = true;
      }
      const key = JSON.stringify(gate);
      if (key === this.gates[i]) return;
      this.gates[i] = key;
      orders.push({ member: i, order: gate });
    });

    const masters = active.filter((i) => this.members[i]!.election.role === 'MASTER');
    if (masters.length === 0) return orders;
    const blocked = active.find((i) => standing.get(i)!.blocked !== null);
    const says = (what: string): string => `following sync group ${this.name}: ${what}`;
    const order = (members: number[], o: SyncOrder): void => {
      for (const member of members) {
        if (turn.ordered.has(member)) continue;
        turn.ordered.add(member);
        orders.push({ member, order: o });
      }
    };
    if (blocked !== undefined) {
      const why = `member ${this.members[blocked]!.name} cannot be MASTER (${standing.get(blocked)!.blocked})`;
      order(masters, { kind: 'leave', reason: says(why) });
    } else if (turn.left) {
      order(masters, { kind: 'leave', reason: says(`member ${this.members[turn.left.member]!.name} left MASTER (${turn.left.reason})`) });
    } else {
      const backups = active.filter((i) => this.members[i]!.election.role === 'BACKUP');
      const why = turn.became
        ? `member ${this.members[turn.became.member]!.name} became MASTER (${turn.became.reason})`
        : `member ${this.members[masters[0]!]!.name} is MASTER`;
      order(backups, { kind: 'lead', reason: says(why) });
    }
    return orders;
  }
}
