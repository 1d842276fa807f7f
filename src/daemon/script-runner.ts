// Runs the up/down hook scripts: one at a time, in the order the state changes
// happened, never through a shell, never blocking the protocol (the event loop keeps
// advertising while a script runs), and never for longer than the time limit, after
// which the script's whole process group is killed. Plain child_process rather than
// execa: this needs only spawn, the exit status and a group kill, and execa 9 would
// add about 9.5 MB to the daemon's resident memory (measured), more than its budget.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from './logger.js';
import { monotonicMs } from './monotonic-clock.js';

export interface ScriptJob {
  /** 'up' or 'down', for the log. */
  label: string;
  path: string;
  args: string[];
  env: Record<string, string>;
}

export interface ScriptResult {
  ok: boolean;
  exitCode?: number;
  signal?: string;
  timedOut: boolean;
}

/** Grace between SIGTERM and SIGKILL for a script that overran its limit. */
const KILL_GRACE_MS = 2000;

export class ScriptRunner {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  constructor(
    private readonly log: Logger,
    private readonly timeoutMs: number,
  ) {}

  /** Queues a script; the promise settles (never rejects) when it has finished. */
  enqueue(job: ScriptJob): Promise<ScriptResult> {
    this.pending++;
    const run = this.tail.then(() => this.run(job)).finally(() => this.pending--);
    this.tail = run;
    return run;
  }

  get busy(): boolean {
    return this.pending > 0;
  }

  /** Resolves once every queued script has finished. */
  async idle(): Promise<void> {
    while (this.pending > 0) await this.tail;
  }

  private async run(job: ScriptJob): Promise<ScriptResult> {
    this.log.warning(`Spawning [${[job.path, ...job.args].join(' ')}]`);
    const started = monotonicMs();
    let timedOut = false;
    try {
      const child = spawn(job.path, job.args, {
        env: job.env,
        detached: true, // its own process group, so a time-out can kill everything it started
        // Inherited, not piped: a script that leaves a child in the background
        // (arping &) must not hold us until that child closes a pipe.
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      const pid = child.pid;
      const killer = setTimeout(() => {
        timedOut = true;
        this.log.error(`${job.label} script ${job.path} still running after ${this.timeoutMs / 1000} s: killing its process group`);
        killGroup(pid, 'SIGTERM');
        setTimeout(() => killGroup(pid, 'SIGKILL'), KILL_GRACE_MS).unref();
      }, this.timeoutMs);
      const end = await ended(child);
      clearTimeout(killer);
      const ms = Math.round(monotonicMs() - started);
      if ('error' in end) {
        const code = end.error.code;
        const why = code === 'ENOENT' ? 'No such file or directory' : code === 'EACCES' ? 'Permission denied' : end.error.message;
        this.log.error(`Unable to exec ${job.path}: ${why}`);
        return { ok: false, timedOut };
      }
      if (end.signal) {
        this.log.error(`${job.label} script ${job.path} killed by ${end.signal} after ${ms} ms`);
        return { ok: false, signal: end.signal, timedOut };
      }
      if (end.code !== 0) {
        this.log.error(`${job.label} script ${job.path} exited with status ${end.code} after ${ms} ms`);
        return { ok: false, exitCode: end.code ?? undefined, timedOut };
      }
      this.log.info(`${job.label} script ${job.path} finished in ${ms} ms`);
      return { ok: true, exitCode: 0, timedOut };
    } catch (e) {
      this.log.error(`Unable to run ${job.path}: ${e instanceof Error ? e.message : String(e)}`);
      return { ok: false, timedOut };
    }
  }
}

type Ending = { code: number | null; signal: NodeJS.Signals | null } | { error: NodeJS.ErrnoException };

/** How a script ended: its exit, or the error that kept it from starting (no exit follows). */
function ended(child: ChildProcess): Promise<Ending> {
  return new Promise((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => resolve({ error }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
