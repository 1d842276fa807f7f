// raw-socket opens its socket without close-on-exec, so every up/down script
// (and whatever a script leaves running) would inherit the advertisement
// socket. raw-socket does not expose the descriptor; we find it as the socket
// that appeared in /proc/self/fd while it was created.
import { readdirSync, readlinkSync } from 'node:fs';
import { nativeAddonIfBuilt } from './native-addon.js';

function socketFds(): Set<number> {
  const fds = new Set<number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc/self/fd');
  } catch {
    return fds;
  }
  for (const e of entries) {
    try {
      if (readlinkSync(`/proc/self/fd/${e}`).startsWith('socket:')) fds.add(Number(e));
    } catch {
      /* closed meanwhile */
    }
  }
  return fds;
}

/**
 * Runs create() and marks the sockets it opened close-on-exec. Marking a stray
 * descriptor of Node's own would be harmless: Node opens everything that way.
 * Also returns the descriptor when exactly one socket appeared (for the socket
 * filter and direct sends), else undefined.
 */
export function withCloexec<T>(create: () => T): { value: T; fd: number | undefined } {
  const native = nativeAddonIfBuilt();
  if (!native) return { value: create(), fd: undefined }; // best effort: the addon is needed for ARP anyway
  const before = socketFds();
  const value = create();
  const opened: number[] = [];
  for (const fd of socketFds()) {
    if (before.has(fd) || fd <= 2) continue;
    opened.push(fd);
    try {
      native.cloexec(fd);
    } catch {
      /* closed meanwhile */
    }
  }
  return { value, fd: opened.length === 1 ? opened[0] : undefined };
}
