// A private /dev/log for a daemon in a lab: the daemon runs under `unshare --mount`
// with an overlay on /dev whose /dev/log is this test's own datagram socket (a bind
// mount of it, or a symlink to its path so the test can remove and re-create it as a
// restarting syslog daemon does). The machine's /dev and its syslog are never touched.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { requireLab, requireProgram } from './requirements.js';

interface Server {
  on(event: 'message', cb: (buf: Buffer) => void): void;
  on(event: 'error', cb: (e: Error) => void): void;
  bind(path: string): void;
  close(): void;
}
const unix = createRequire(import.meta.url)('unix-dgram') as { createSocket(t: 'unix_dgram'): Server };

/** Needs unshare and overlayfs to put a test-owned socket on /dev/log; missing ones fail loudly. */
export function requireDevLogLab(): void {
  requireLab();
  requireProgram('unshare', 'util-linux');
  if (!readFileSync('/proc/filesystems', 'utf8').includes('overlay')) throw new Error('this kernel has no overlayfs: the syslog tests cannot bind /dev/log');
}

/** A fake syslog daemon: a datagram socket at `path`, and the lines it got. */
export class FakeSyslog {
  readonly lines: string[] = [];
  private readonly socket: Server;
  constructor(readonly path: string) {
    this.socket = unix.createSocket('unix_dgram');
    this.socket.on('message', (b) => this.lines.push(b.toString('utf8')));
    this.socket.on('error', (e) => assert.fail(e));
    this.socket.bind(path);
  }
  /** The first line matching re, among those from index `since` on (see lines.length). */
  async waitFor(re: RegExp, ms = 8000, since = 0): Promise<string> {
    const end = Date.now() + ms;
    for (;;) {
      const hit = this.lines.slice(since).find((l) => re.test(l));
      if (hit) return hit;
      if (Date.now() > end) throw new Error(`no syslog line ${re} within ${ms} ms; got:\n${this.lines.join('\n')}`);
      await sleep(20);
    }
  }
  /** Closes the socket and removes its file, as a stopping syslog daemon does. */
  close(): void {
    this.socket.close();
    rmSync(this.path, { force: true });
  }
}

/** How the private /dev/log points at the test's socket. */
export type DevLog = { bind: string } | { symlink: string } | null;

let overlays = 0;
/** argv that runs `argv` in a private mount namespace with /dev/log as `devLog` says (absent for null). */
export function withDevLog(root: string, devLog: DevLog, argv: readonly string[]): string[] {
  const o = join(root, `overlay${overlays++}`);
  mkdirSync(join(o, 'upper'), { recursive: true });
  mkdirSync(join(o, 'work'));
  const point =
    devLog === null ? [] : 'bind' in devLog ? ['touch /dev/log', `mount --bind ${devLog.bind} /dev/log`] : [`ln -s ${devLog.symlink} /dev/log`];
  const script = [
    'set -e',
    `mount -t overlay overlay -o lowerdir=/dev,upperdir=${o}/upper,workdir=${o}/work /dev`,
    'rm -f /dev/log',
    ...point,
    'exec "$@"',
  ].join('\n');
  return ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', ...argv];
}
