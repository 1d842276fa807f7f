// The asking end: finds every daemon's control socket in the run directory and asks
// each, all at once, for its snapshot. A daemon that does not answer within the time
// limit (stopped, hung) is reported as such; a socket whose process is gone is
// removed. Never waits longer than the limit, however many daemons there are.
import { readdirSync, unlinkSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { isRunningUcarpTs } from '../daemon/pidfile.js';
import { pidOfSocket, STATUS_REQUEST } from './run-dir.js';
import { STATUS_FORMAT, type ProcessSnapshot } from './snapshot.js';

export const QUERY_TIMEOUT_MS = 1000;
/** Far more than any answer; a peer that sends more is not a ucarp-ts daemon. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

export type DaemonAnswer = { pid: number; snapshot: ProcessSnapshot } | { pid: number; problem: string };

export interface StatusQuery {
  /** False when the run directory does not exist. */
  dirExists: boolean;
  answers: DaemonAnswer[];
}

export interface QueryOptions {
  timeoutMs?: number;
  /** Whether a PID is a running ucarp-ts (tests stand in for it). */
  isDaemon?: (pid: number) => boolean;
}

export async function queryDaemons(dir: string, { timeoutMs = QUERY_TIMEOUT_MS, isDaemon = isRunningUcarpTs }: QueryOptions = {}): Promise<StatusQuery> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { dirExists: false, answers: [] };
    throw new Error(`cannot read ${dir}: ${(e as Error).message}`);
  }
  // A socket whose PID is no running ucarp-ts is stale: removed, not asked.
  const pids = names.map(pidOfSocket).filter((p): p is number => p !== null).sort((a, b) => a - b);
  const asked = await Promise.all(
    pids.map((pid) => (isDaemon(pid) ? ask(join(dir, `${pid}.sock`), pid, timeoutMs) : (removeQuietly(join(dir, `${pid}.sock`)), null))),
  );
  return { dirExists: true, answers: asked.filter((a): a is DaemonAnswer => a !== null) };
}

/** The daemon's answer, a problem to report, or null when nobody listens (a stale socket, removed). */
function ask(path: string, pid: number, timeoutMs: number): Promise<DaemonAnswer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const sock = createConnection(path);
    const finish = (a: DaemonAnswer | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(a);
    };
    const timer = setTimeout(() => finish({ pid, problem: `no answer within ${timeoutMs / 1000} s` }), timeoutMs);
    sock.on('connect', () => sock.write(`${STATUS_REQUEST}\n`));
    sock.on('data', (d: Buffer) => {
      size += d.length;
      if (size > MAX_ANSWER_BYTES) finish({ pid, problem: 'answer too long' });
      else chunks.push(d);
    });
    sock.on('end', () => finish(parseAnswer(pid, Buffer.concat(chunks).toString('utf8'))));
    sock.on('error', (e: NodeJS.ErrnoException) => {
      // Nobody listens: the process with this PID is not the daemon that made the socket.
      if (e.code === 'ECONNREFUSED' || e.code === 'ENOENT') {
        if (e.code === 'ECONNREFUSED') removeQuietly(path);
        finish(null);
      } else {
        finish({ pid, problem: `cannot ask: ${e.message}` });
      }
    });
  });
}

function parseAnswer(pid: number, text: string): DaemonAnswer {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { pid, problem: 'answer is not JSON' };
  }
  const snap = v as Partial<ProcessSnapshot> | null;
  if (!snap || snap.format !== STATUS_FORMAT || !Array.isArray(snap.groups)) {
    return { pid, problem: `answer is not ${STATUS_FORMAT}` };
  }
  return { pid, snapshot: snap as ProcessSnapshot };
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already, or not ours to remove
  }
}
