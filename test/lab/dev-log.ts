// A private /dev/log for a daemon in a lab: the daemon runs under `unshare --mount`
// with an overlay on /dev whose /dev/log is this test's own datagram socket (a
// FakeSyslog, test/support/fake-syslog.ts): a bind mount of it, or a symlink to its path
// so the test can remove and re-create it as a restarting syslog daemon does. The
// machine's /dev and its syslog are never touched.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireLab, requireProgram } from './requirements.js';

/** Needs unshare and overlayfs to put a test-owned socket on /dev/log; missing ones fail loudly. */
export function requireDevLogLab(): void {
  requireLab();
  requireProgram('unshare', 'util-linux');
  if (!readFileSync('/proc/filesystems', 'utf8').includes('overlay')) throw new Error('this kernel has no overlayfs: the syslog tests cannot bind /dev/log');
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
