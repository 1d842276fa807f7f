// A process started inside a lab namespace: its own process group (so the
// whole tree can be signalled), its output collected for waitForOutput.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to stdin, which is then closed. Default: stdin is /dev/null. */
  input?: string;
  /** Output kept in memory; older output is dropped past this. Default 32 MiB. */
  maxOutputChars?: number;
}

export interface LabProcess {
  readonly pid: number;
  readonly host: string;
  readonly argv: readonly string[];
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr interleaved as they arrived. */
  readonly output: string;
  readonly running: boolean;
  /** Resolves when the process has exited and its output is complete. */
  readonly exited: Promise<ExitStatus>;
  /** A position in `output`, for waiting only for what comes after it. */
  mark(): number;
  /**
   * Resolves with the first match in the output after `since` (default: from the
   * start); rejects on timeout or when the process exits without it. Matches are
   * looked for within lines as they complete.
   */
  waitForOutput(re: RegExp, timeoutMs?: number, since?: number): Promise<RegExpExecArray>;
  /** Signals the whole process group; a no-op once it is gone. */
  kill(signal?: NodeJS.Signals): void;
  /**
   * SIGTERM to the process alone (as an init system stops a daemon, leaving its
   * scripts to it), SIGKILL to the group if it is still there after graceMs; resolves on exit.
   */
  terminate(graceMs?: number): Promise<void>;
}

class Collected {
  text = '';
  dropped = 0; // characters trimmed from the front
  constructor(private readonly max: number) {}
  append(s: string): void {
    this.text += s;
    if (this.text.length > this.max) {
      const cut = this.text.length - Math.floor(this.max / 2);
      this.text = this.text.slice(cut);
      this.dropped += cut;
    }
  }
  get end(): number {
    return this.dropped + this.text.length;
  }
  from(pos: number): string {
    return this.text.slice(Math.max(0, pos - this.dropped));
  }
}

export function spawnInNamespace(host: string, ns: string, argv: readonly string[], opts: SpawnOptions = {}): LabProcess {
  const max = opts.maxOutputChars ?? 32 * 1024 * 1024;
  const child = spawn('ip', ['netns', 'exec', ns, ...argv], {
    detached: true, // its own process group, killed as one
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    env: opts.env ?? process.env,
    cwd: opts.cwd,
  });
  if (opts.input !== undefined) child.stdin!.end(opts.input);
  const pid = child.pid ?? -1;
  const out = new Collected(max);
  const err = new Collected(max);
  const all = new Collected(max);
  const watchers = new Set<() => void>();
  let running = pid > 0;
  const onData = (which: Collected) => (d: string) => {
    which.append(d);
    all.append(d);
    for (const w of watchers) w();
  };
  child.stdout!.setEncoding('utf8').on('data', onData(out));
  child.stderr!.setEncoding('utf8').on('data', onData(err));

  const exited = new Promise<ExitStatus>((resolve) => {
    child.on('error', (e) => {
      all.append(`[lab] could not start ${argv.join(' ')}: ${e.message}\n`);
    });
    child.on('close', (code, signal) => {
      running = false;
      resolve({ code, signal });
      for (const w of watchers) w();
    });
  });

  const handle: LabProcess = {
    pid,
    host,
    argv,
    get stdout() {
      return out.from(0);
    },
    get stderr() {
      return err.from(0);
    },
    get output() {
      return all.from(0);
    },
    get running() {
      return running;
    },
    exited,
    mark: () => all.end,
    waitForOutput(re: RegExp, timeoutMs = 5000, since = 0): Promise<RegExpExecArray> {
      const pattern = new RegExp(re.source, re.flags.replace('g', ''));
      let scanFrom = since;
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const text = all.from(scanFrom);
          const m = pattern.exec(text);
          if (m) {
            finish();
            m.index += Math.max(scanFrom, all.dropped);
            resolve(m);
            return;
          }
          // Rescan only the unfinished last line next time.
          const lastNl = text.lastIndexOf('\n');
          if (lastNl >= 0) scanFrom = Math.max(scanFrom, all.dropped) + lastNl + 1;
          if (!running) {
            finish();
            reject(new Error(`${host}: ${argv.join(' ')} exited without printing ${re}\n--- output ---\n${all.from(0).slice(-4000)}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`${host}: no ${re} within ${timeoutMs} ms\n--- output ---\n${all.from(0).slice(-4000)}`));
        }, timeoutMs);
        const finish = (): void => {
          clearTimeout(timer);
          watchers.delete(check);
        };
        watchers.add(check);
        check();
      });
    },
    kill(signal: NodeJS.Signals = 'SIGTERM'): void {
      if (!running || pid <= 0) return;
      try {
        process.kill(-pid, signal);
      } catch {
        /* already gone */
      }
    },
    async terminate(graceMs = 5000): Promise<void> {
      if (!running || pid <= 0) return;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const timer = setTimeout(() => handle.kill('SIGKILL'), graceMs);
      await handle.exited;
      clearTimeout(timer);
    },
  };
  return handle;
}

/**
 * Resolves with the wall-clock time (ms) at which `pid` was seen to have exited: gone,
 * or a zombie. A zombie counts: a daemonized process is reaped by init, which on some
 * machines takes a second or more after the process itself is done (measured here).
 */
export async function waitForPidExit(pid: number, timeoutMs: number): Promise<number> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    let state: string | undefined;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    } catch {
      state = undefined;
    }
    const now = Date.now();
    if (state === undefined || state === 'Z' || state === 'X') return now;
    if (now > end) throw new Error(`pid ${pid} still running (state ${state}) ${timeoutMs} ms later`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
