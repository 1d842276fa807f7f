// Replay protection for CARP's 64-bit counter, which ucarp sends but never checks.
//
// What senders do: ucarp-ts starts from the wall clock and counts up by one per
// advertisement. ucarp picks a fresh random counter for every advertisement until it
// hears a peer, then carries that peer's counter on, counting up by one. A replay
// repeats a packet that was on the wire, so its counter is one this host has
// already seen from that sender (the HMAC covers the counter, so it cannot be
// changed; advbase and advskew are not covered, which is why the counter must be).
//
// The rule, per sender address:
// 1. A counter already accepted from that sender (among its last SEEN_MEMORY) is a replay.
// 2. A sender that counts up (its last two accepted counters differ by 1..MAX_STEP) is
//    "sequenced": a counter at or below its last one is stale and refused, unless
//    RESYNC_RUN refused counters in a row each rise by 1..MAX_STEP, which is what a
//    sender that restarted from a lower counter looks like; its new sequence is adopted.
// 3. Anything else is fresh.
// So a dead master's captured adverts never reset a backup's timer, ucarp's random
// counters are heard, and a restarted peer is heard again after a few adverts.

import type { IpAddress } from '../ip-address.js';

export const RESYNC_RUN = 3;
export const MAX_STEP = 16n;
export const SEEN_MEMORY = 4096;
const MAX_SENDERS = 64;

class SenderTrack {
  last: bigint;
  sequenced = false;
  private readonly seen = new Set<bigint>();
  private readonly order: bigint[] = [];
  runLast: bigint | null = null;
  runLength = 0;

  constructor(first: bigint) {
    this.last = first;
    this.remember(first);
  }

  hasSeen(counter: bigint): boolean {
    return this.seen.has(counter);
  }

  adopt(counter: bigint): void {
    this.sequenced = counter > this.last && counter - this.last <= MAX_STEP;
    this.last = counter;
    this.runLast = null;
    this.runLength = 0;
    this.remember(counter);
  }

  private remember(counter: bigint): void {
    this.seen.add(counter);
    this.order.push(counter);
    if (this.order.length > SEEN_MEMORY) this.seen.delete(this.order.shift()!);
  }
}

export class ReplayGuard {
  private readonly senders = new Map<IpAddress, SenderTrack>();

  /** True when the advertisement is fresh and may reach the election. */
  accept(sender: IpAddress, counter: bigint): boolean {
    const track = this.senders.get(sender);
    if (!track) {
      this.addSender(sender, new SenderTrack(counter));
      return true;
    }
    if (track.hasSeen(counter)) return false;
    if (track.sequenced && counter <= track.last && !this.resynced(track, counter)) return false;
    track.adopt(counter);
    return true;
  }

  private resynced(track: SenderTrack, counter: bigint): boolean {
    if (track.runLast !== null && counter > track.runLast && counter - track.runLast <= MAX_STEP) track.runLength++;
    else track.runLength = 1;
    track.runLast = counter;
    if (track.runLength < RESYNC_RUN) return false;
    track.last = counter - 1n; // so adopt() sees the new sequence as counting up
    return true;
  }

  private addSender(sender: IpAddress, track: SenderTrack): void {
    if (this.senders.size >= MAX_SENDERS) {
      // Only authenticated senders get here, so this is a bound, not a defence.
      const oldest = this.senders.keys().next().value;
      if (oldest !== undefined) this.senders.delete(oldest);
    }
    this.senders.set(sender, track);
  }
}

/** A starting counter above anything this host sent before a restart (ms << 16). */
export function initialCounter(wallClockMs: number): bigint {
  return BigInt(Math.floor(wallClockMs)) << 16n;
}
