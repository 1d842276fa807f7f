// What both advert sockets hand their addon's sender thread (native/advert_repeater.c),
// and how its answers come back: one Buffer of equal-length packets, an errno for the
// end of a schedule, [slots, sends] for a stop.
import { isEthernet } from './interface-info.js';
import { rawFdAddon } from './kernel-addons.js';
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

/** Two stops' answers as one. */
export const addCounts = (a: { slots: number; sends: number }, b: { slots: number; sends: number }) => ({ slots: a.slots + b.slots, sends: a.sends + b.sends });

/**
 * The packet socket through which both advert sockets send their standing adverts to a
 * group as Ethernet frames, past the IP layer's work per packet (native/raw_fd.c: openLink,
 * repeatOnLink; the EtherType follows the packets' IP version). Schedules are keyed as on
 * the advert socket: its owner stops a key on one when it starts it on the other.
 */
export interface LinkRepeater {
  repeat(key: number, run: { all: Buffer; length: number }, ifindex: number, dstMac: Buffer, firstDueMs: number, everyMs: number, lastRepeats: boolean, onEnd: (errno: number) => void): void;
  stop(key: number): { slots: number; sends: number };
  close(): void;
}

/** The link repeater on an Ethernet interface, or null (another link type, no addon, no socket): the IP layer serves. */
export function openLinkRepeater(ifname: string): LinkRepeater | null {
  const addon = rawFdAddon();
  const { openLink, repeatOnLink, closeLink } = addon ?? {};
  if (!addon || !openLink || !repeatOnLink || !closeLink || !isEthernet(ifname)) return null;
  let fd: number;
  try {
    fd = openLink.call(addon);
  } catch {
    return null;
  }
  return {
    repeat: (key, run, ifindex, dstMac, firstDueMs, everyMs, lastRepeats, onEnd) =>
      repeatOnLink.call(addon, fd, key, run.all, run.length, ifindex, dstMac, firstDueMs, everyMs, lastRepeats, onEnd),
    stop: (key) => stopCounts(addon.stopRepeat(fd, key)),
    close: () => closeLink.call(addon, fd),
  };
}
