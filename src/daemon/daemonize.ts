// --daemonize without fork(): Node cannot fork, so the command starts itself again,
// detached (setsid, stdio on /dev/null), with an IPC channel. The validated settings
// go over the channel, never on the child's command line (world-readable in /proc), and
// the child answers once its sockets are open and the election runs, or with the one
// line that says why it could not start. The parent exits only on that answer.
import { spawn } from 'node:child_process';

/** Marks the re-started process. Not UCARP_*: those are settings and script variables. */
const CHILD_MARK = 'UCARPTS_DAEMON_CHILD';
const DEFAULT_READY_TIMEOUT_MS = 30_000;
/** How long a child that reported failure may take to exit. */
const EXIT_GRACE_MS = 5000;

type ToChild = { type: 'handover'; payload: string };
type ToParent = { type: 'ready'; pid: number } | { type: 'failed'; reason: string; code: number };

/** reason: one line without the "ucarp-ts: " prefix; code: the exit status to pass on. */
export type DetachOutcome = { ok: true; pid: number } | { ok: false; reason: string; code: number };

export interface DetachOptions {
  /** The program to run again; default: this node with the same script and flags. */
  argv?: readonly string[];
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Parent side: start the daemon in the background, hand it payload, and wait until it runs or fails. */
export function startDetached(payload: string, opts: DetachOptions = {}): Promise<DetachOutcome> {
  const [cmd, ...cmdArgs] = opts.argv ?? [process.execPath, ...process.execArgv, process.argv[1]!];
  return new Promise((resolve) => {
    let settled = false;
    const child = spawn(cmd!, cmdArgs, {
      detached: true, // setsid(): no controlling terminal, its own session
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      env: { ...(opts.env ?? process.env), [CHILD_MARK]: '1' },
      cwd: process.cwd(),
    });
    const finish = (outcome: DetachOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (child.connected) child.disconnect();
      child.unref();
      resolve(outcome);
    };
    const timeoutMs = opts.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
      finish({ ok: false, code: 1, reason: `the daemon did not report ready within ${timeoutMs / 1000} s; stopped it` });
    }, timeoutMs);
    let failure: DetachOutcome | null = null;
    child.on('message', (m: ToParent) => {
      if (m.type === 'ready') finish({ ok: true, pid: m.pid });
      else if (m.type === 'failed' && !failure) {
        // Return only once it is gone: no half-started daemon outlives a failed start.
        failure = { ok: false, reason: m.reason, code: m.code };
        clearTimeout(timer);
        setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }, EXIT_GRACE_MS).unref();
      }
    });
    child.on('error', (e) => finish({ ok: false, code: 1, reason: `cannot start the daemon: ${e.message}` }));
    // 'close', not 'exit': a last 'failed' message is read before the channel closes.
    child.on('close', (code, signal) =>
      finish(failure ?? { ok: false, code: 1, reason: `the daemon exited (${signal ?? `code ${code}`}) before it was ready` }),
    );
    child.send({ type: 'handover', payload } satisfies ToChild);
  });
}

export interface DaemonChild {
  /** What the parent handed over (the encoded settings). */
  readonly payload: Promise<string>;
  /** Tell the parent the daemon runs; closes the channel. */
  ready(): void;
  /** Tell the parent why the daemon cannot run (one line) and its exit status; closes the channel. */
  fail(reason: string, code: number): Promise<void>;
  readonly answered: boolean;
}

/** Child side: null unless this process is a daemon started by startDetached. */
export function daemonChild(): DaemonChild | null {
  if (process.env[CHILD_MARK] !== '1' || typeof process.send !== 'function') return null;
  delete process.env[CHILD_MARK];
  let answered = false;
  const say = (m: ToParent): Promise<void> =>
    new Promise((resolve) => {
      if (answered || !process.connected) return resolve();
      answered = true;
      process.send!(m, undefined, {}, () => {
        process.disconnect();
        resolve();
      });
    });
  const payload = new Promise<string>((resolve, reject) => {
    process.once('message', (m: ToChild) =>
      m?.type === 'handover' && typeof m.payload === 'string' ? resolve(m.payload) : reject(new Error('bad message from the parent')),
    );
    process.once('disconnect', () => reject(new Error('the parent went away before handing over the settings')));
  });
  return {
    payload,
    ready: () => void say({ type: 'ready', pid: process.pid }),
    fail: (reason, code) => say({ type: 'failed', reason: reason.replace(/^ucarp-ts: /, '').trim(), code }),
    get answered() {
      return answered;
    },
  };
}
