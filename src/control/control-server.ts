// The daemon's end of the control socket: a unix stream socket at <run dir>/<pid>.sock
// (directory 0700, socket 0600) that answers one request line, "status", with the
// process's snapshot as one JSON line, then closes. Small and bounded: a few
// connections at once, a second to ask, a short request, and the answer is built
// from counters in memory, so a query never holds up an advertisement.
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { MAX_REQUEST_BYTES, socketPath, STATUS_REQUEST } from './run-dir.js';
import type { ProcessSnapshot } from './snapshot.js';

const MAX_CONNECTIONS = 4;
const IDLE_MS = 1000;

export interface ControlServer {
  readonly path: string;
  close(): void;
}

/** Creates the run directory (0700, ours) or checks an existing one; throws with the reason. */
export function prepareRunDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
  const uid = process.getuid?.() ?? 0;
  if (st.uid !== uid) throw new Error(`${dir} belongs to uid ${st.uid}, not to this user (${uid})`);
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** Listens at <dir>/<pid>.sock; errors after start-up go to onError. */
export function openControlServer(dir: string, answer: () => ProcessSnapshot, onError: (e: Error) => void): Promise<ControlServer> {
  prepareRunDir(dir);
  const path = socketPath(dir, process.pid);
  removeStale(path); // a socket left by an earlier process that had this PID
  const server: Server = createServer((sock) => serve(sock, answer));
  server.maxConnections = MAX_CONNECTIONS;
  const removeOnExit = (): void => removeStale(path);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      server.on('error', onError);
      try {
        chmodSync(path, 0o600);
      } catch (e) {
        server.close();
        reject(e);
        return;
      }
      process.on('exit', removeOnExit);
      resolve({
        path,
        close() {
          process.off('exit', removeOnExit);
          server.close();
          removeStale(path);
        },
      });
    });
  });
}

function serve(sock: Socket, answer: () => ProcessSnapshot): void {
  sock.setTimeout(IDLE_MS, () => sock.destroy());
  sock.on('error', () => sock.destroy()); // the asker went away: nothing to tell anyone
  let request = '';
  sock.setEncoding('utf8');
  sock.on('data', (chunk: string) => {
    request += chunk;
    const nl = request.indexOf('\n');
    if (nl < 0 && request.length <= MAX_REQUEST_BYTES) return;
    sock.removeAllListeners('data');
    const line = nl < 0 ? null : request.slice(0, nl).trim();
    const reply = line === STATUS_REQUEST ? answer() : { error: `unknown request (ask "${STATUS_REQUEST}")` };
    sock.end(`${JSON.stringify(reply)}\n`);
  });
}

function removeStale(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // not there
  }
}
