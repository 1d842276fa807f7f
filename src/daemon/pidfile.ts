// The pidfile: one line with the daemon's pid, there exactly while it runs.
// Written with O_EXCL under a temporary name and then hard-linked into place, so
// the file appears whole and two daemons starting at once cannot both own it.
import { closeSync, linkSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export class PidfileError extends Error {}

/** The pid in the file, or null when it is missing or holds no pid. */
export function readPid(path: string): number | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new PidfileError(`cannot read pidfile ${path}: ${(e as Error).message}`);
  }
  const m = /^\s*(\d+)\s*$/.exec(text);
  const pid = m ? Number(m[1]) : NaN;
  return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
}

/**
 * Whether pid is a running ucarp-ts. A pid that exists but belongs to another
 * program (reused after a crash) does not count: refusing to start because of it
 * would need an operator to clean up after every power loss.
 */
export function isRunningUcarpTs(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    // Our title (process-title.ts) starts with "ucarp-ts"; before it is set the
    // command line names the cli script of the ucarp-ts package.
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('ucarp-ts');
  } catch {
    return true; // no /proc: assume the worst
  }
}

/** Throws PidfileError when another live ucarp-ts owns the file. A stale file is left for writePidfile. */
export function checkPidfile(path: string, self = process.pid): void {
  const pid = readPid(path);
  if (pid !== null && pid !== self && isRunningUcarpTs(pid)) {
    throw new PidfileError(`already running as pid ${pid} (pidfile ${path})`);
  }
}

export function writePidfile(path: string, pid = process.pid): void {
  const tmp = join(dirname(path), `.${basename(path)}.${pid}.tmp`);
  try {
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      writeSync(fd, `${pid}\n`);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw new PidfileError(`cannot write pidfile ${path}: ${(e as Error).message}`);
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, path);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) {
          throw new PidfileError(`cannot write pidfile ${path}: ${(e as Error).message}`);
        }
      }
      const owner = readPid(path);
      if (owner === pid) return;
      if (owner !== null && isRunningUcarpTs(owner)) throw new PidfileError(`already running as pid ${owner} (pidfile ${path})`);
      try {
        unlinkSync(path); // stale: its process is gone
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new PidfileError(`cannot replace stale pidfile ${path}: ${(e as Error).message}`);
      }
    }
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      /* nothing to tidy */
    }
  }
}

/** Removes the file if it still names this process; never throws (it runs on the way out). */
export function removePidfile(path: string, pid = process.pid): void {
  try {
    if (readPid(path) === pid) unlinkSync(path);
  } catch {
    /* nothing more can be done while exiting */
  }
}
