// The two small addons that talk to the kernel for speed (binding.gyp): link_events
// (rtnetlink link announcements) and raw_fd (socket filter, direct send, batched receive). Loaded on
// first use; a missing build is an answer (undefined), never an exception, because
// the daemon works without them, only at a higher cost.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { findUpwards } from './package-root.js';

export interface LinkEventsAddon {
  /** Calls back with each rtnetlink datagram, or (null, errno) when the socket failed or overflowed. */
  open(cb: (datagram: Buffer | null, errno: number) => void): number;
  close(id: number): void;
}

export interface RawFdAddon {
  attachFilter(fd: number, program: Buffer): void;
  /** Throws an Error with .code (EAGAIN, ENETDOWN...) on failure. */
  sendTo(fd: number, packet: Buffer, dst: number): number;
  /**
   * Sends the packets (each packetLength bytes) in turn at firstDueMs (process.hrtime's
   * clock) and every everyMs after, from the addon's sender thread; then the last one forever
   * (lastRepeats) or onEnd(0). onEnd(errno): a send failed, and repeating stopped. One
   * schedule per key on a descriptor (the groups sharing a socket use their ids).
   */
  repeat(fd: number, key: number, packets: Buffer, packetLength: number, dst: number, firstDueMs: number, everyMs: number, lastRepeats: boolean, onEnd: (errno: number) => void): void;
  /** A packet socket for repeatOnLink (close-on-exec, receiving nothing). Throws an Error with .code. */
  openLink?(): number;
  /**
   * repeat(), but the IP packets leave as Ethernet frames to dstMac (a group's address) on
   * ifindex, past the IP layer: see native/raw_fd.c.
   */
  repeatOnLink?(linkFd: number, key: number, packets: Buffer, packetLength: number, ifindex: number, dstMac: Buffer, firstDueMs: number, everyMs: number, lastRepeats: boolean, onEnd: (errno: number) => void): void;
  /** Forgets linkFd's schedules and closes it. */
  closeLink?(linkFd: number): void;
  /** Stops key's repeating: [instants passed, packets sent] since repeat(). */
  stopRepeat(fd: number, key: number): [number, number];
  /** Every key's, before the descriptor is closed. */
  forgetRepeat(fd: number): void;
  /**
   * Receives on fd in batches (native/batch_receive.h records, no extra bytes), from a
   * duplicate of fd on the loop: callback(batch, count, 0), or (null, 0, errno) on failure.
   */
  receive(fd: number, callback: (batch: Buffer | null, count: number, errno: number) => void): void;
  /** Before the descriptor is closed. */
  stopReceive(fd: number): void;
}

const loaded = new Map<string, unknown>();

function load<T>(name: string): T | undefined {
  if (loaded.has(name)) return loaded.get(name) as T | undefined;
  const file = join('build', 'Release', `${name}.node`);
  let addon: T | undefined;
  try {
    const root = findUpwards(import.meta.url, file);
    if (root) addon = createRequire(import.meta.url)(join(root, file)) as T;
  } catch {
    addon = undefined;
  }
  loaded.set(name, addon);
  return addon;
}

export const linkEventsAddon = (): LinkEventsAddon | undefined => load<LinkEventsAddon>('link_events');
export const rawFdAddon = (): RawFdAddon | undefined => load<RawFdAddon>('raw_fd');
