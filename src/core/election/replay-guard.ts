// Replay protection for CARP's 64-bit counter, which ucarp sends but never checks.
//
// The rule: remember, per sender address, the highest counter accepted from it. A
// higher counter is fresh. A counter at or below it is a replay, a stale packet, or a
// sender that restarted with a new random counter (ucarp does that). Those are told
// apart by what follows: a live sender counts up by one per advertisement, a replay
// of one captured packet repeats the same number. So a lower counter is refused, but
// once RESYNC_RUN refused counters in a row from one sender each rise by at most
// MAX_STEP over the previous one, the sender is taken to have restarted and its new
// sequence is adopted. A replayed stale packet therefore never resets a backup's
// master-down timer, and a restarted master is heard again after a few adverts.
// ucarp-ts itself starts its counter from the wall clock (see initialCounter), so a
// restarted ucarp-ts is fresh at once, and it only ever raises its counter to what it
// hears, so its own sequence never falls back.

export const RESYNC_RUN = 3;
export const MAX_STEP = 16n;
const MAX_SENDERS = 256;

interface SenderTrack {
  high: bigint;
  /** Start of a possible new sequence below `high`. */
  runLast: bigint | null;
  runLength: number;
}

export class ReplayGuard {
  private readonly senders = new Map<number, SenderTrack>();

  /** True when the advertisement is fresh and may reach the election. */
  accept(sender: number, counter: bigint): boolean {
    const track = this.senders.get(sender);
    if (!track) {
      this.remember(sender, { high: counter, runLast: null, runLength: 0 });
      return true;
    }
    if (counter > track.high) {
      track.high = counter;
      track.runLast = null;
      track.runLength = 0;
      return true;
    }
    if (track.runLast !== null && counter > track.runLast && counter - track.runLast <= MAX_STEP) {
      track.runLast = counter;
      track.runLength++;
    } else {
      track.runLast = counter;
      track.runLength = 1;
    }
    if (track.runLength >= RESYNC_RUN) {
      track.high = counter;
      track.runLast = null;
      track.runLength = 0;
      return true;
    }
    return false;
  }

  private remember(sender: number, track: SenderTrack): void {
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
