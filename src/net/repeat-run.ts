// What both advert sockets hand their addon's sender thread (native/advert_repeater.c),
// and how its answers come back: one Buffer of equal-length packets, an errno for the
// end of a schedule, [slots, sends] for a stop.
import { errnoError } from './native-addon.js';

/** The packets of one schedule as the addons take them, with their one length; null when the lengths differ (or there are none). */
export function packRun(packets: readonly Buffer[]): { all: Buffer; length: number } | null {
  const length = packets[0]?.length ?? 0;
  if (length === 0 || packets.some((p) => p.length !== length)) return null;
  return { all: packets.length === 1 ? packets[0]! : Buffer.concat(packets), length };
}

/** The addon's onEnd(errno) as the socket's onEnd(error?): 0 is a run sent, anything else a failed send, described by `describe`. */
export function endReporter(onEnd: (e?: Error) => void, describe: (e: Error) => Error): (errno: number) => void {
  return (errno) => (errno === 0 ? onEnd() : onEnd(describe(errnoError(errno))));
}

/** stopRepeat's answer. */
export const stopCounts = ([slots, sends]: [number, number]): { slots: number; sends: number } => ({ slots, sends });
