// Runs the up/down hook scripts: one at a time, in the order the state changes
// happened, never through a shell, never blocking the protocol (the event loop keeps
// advertising while a script runs), and never for longer than the time limit, after
// which the script's whole process group is killed. execa, as for exec: checks (version
// 8: see README, "How it is built", for why not 9).
import { execa } from 'execa';
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
  /** From spawn to exit (or to the error that kept it from starting). */
  durationMs: number;
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

  /**
   * Queues a script, to start once the ones before it have finished and `after` has
   * settled; the promise settles (never rejects) when it has finished.
   */
  enqueue(job: ScriptJob, after: Promise<unknown> = Promise.resolve()): Promise<ScriptResult> {
    this.pending++;
    const run = this.tail.then(() => after).then(() => this.run(job)).finally(() => this.pending--);
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
    const took = (): number => monotonicMs() - started;
    let timedOut = false;
    try {
      const child = execa(job.path, job.args, {
        env: job.env,
        extendEnv: false,
        detached: true, // its own process group, so a time-out can kill everything it started
        // Inherited, not piped: a script that leaves a child in the background
        // (arping &) must not hold us until that child closes a pipe.
        stdio: ['ignore', 'inherit', 'inherit'],
        reject: false,
        // A stopping daemon waits for its scripts; execa must not kill them on exit.
        cleanup: false,
      });
      const pid = child.pid;
      const killer = setTimeout(() => {
        timedOut = true;
        this.log.error(`${job.label} script ${job.path} still running after ${this.timeoutMs / 1000} s: killing its process group`);
        killGroup(pid, 'SIGTERM');
        setTimeout(() => killGroup(pid, 'SIGKILL'), KILL_GRACE_MS).unref();
      }, this.timeoutMs);
      const end = await child;
      clearTimeout(killer);
      const ms = Math.round(monotonicMs() - started);
      const code = (end as { code?: string }).code;
      if (end.exitCode === undefined && !end.signal) {
        // It never started: execa gives the spawn error's code and no exit.
        const why = code === 'ENOENT' ? 'No such file or directory' : code === 'EACCES' ? 'Permission denied' : (end as { shortMessage?: string }).shortMessage ?? String(code);
        this.log.error(`Unable to exec ${job.path}: ${why}`);
        return { ok: false, timedOut, durationMs: took() };
      }
      if (end.signal) {
        this.log.error(`${job.label} script ${job.path} killed by ${end.signal} after ${ms} ms`);
        return { ok: false, signal: end.signal, timedOut, durationMs: took() };
      }
      if (end.exitCode !== 0) {
        this.log.error(`${job.label} script ${job.path} exited with status ${end.exitCode} after ${ms} ms`);
        return { ok: false, exitCode: end.exitCode, timedOut, durationMs: took() };
      }
      this.log.info(`${job.label} script ${job.path} finished in ${ms} ms`);
      return { ok: true, exitCode: 0, timedOut, durationMs: took() };
    } catch (e) {
      this.log.error(`Unable to run ${job.path}: ${e instanceof Error ? e.message : String(e)}`);
      return { ok: false, timedOut, durationMs: took() };
    }
  }
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
