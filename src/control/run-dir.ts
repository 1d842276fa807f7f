// Where each daemon's control socket lives: one per process, named by its PID, in a
// directory only root can enter (0700), so nobody else can ask or pose as a daemon.
import { join } from 'node:path';

export const DEFAULT_RUN_DIR = '/run/ucarp-ts';

export const socketPath = (dir: string, pid: number): string => join(dir, `${pid}.sock`);

/** The PID a socket file is named after, or null for any other file. */
export function pidOfSocket(name: string): number | null {
  const m = /^([1-9][0-9]{0,9})\.sock$/.exec(name);
  return m ? Number(m[1]) : null;
}

/** The one request a control socket answers. */
export const STATUS_REQUEST = 'status';
/** Longest request line a daemon reads; anything longer is refused. */
export const MAX_REQUEST_BYTES = 64;
