// Running commands for the lab: async for normal use, sync for exit handlers
// (a process 'exit' listener cannot wait for anything).
import { spawn, spawnSync } from 'node:child_process';

export interface RunResult {
  stdout: string;
  stderr: string;
  /** Exit code, or null when killed by a signal (or when it could not start). */
  code: number | null;
}

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const [cmd, ...args] = argv;
    if (cmd === undefined) throw new Error('run: empty argv');
    const child = spawn(cmd, args, {
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            stderr += `\n[lab] timed out after ${opts.timeoutMs} ms: ${argv.join(' ')}\n`;
            child.kill('SIGKILL');
          }, opts.timeoutMs);
    child.on('error', (e) => {
      stderr += String(e);
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
}

/** Runs and throws (with stderr in the message) unless the exit code is 0. */
export async function runOk(argv: readonly string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(argv, opts);
  if (r.code !== 0) throw new Error(`command failed (${r.code}): ${argv.join(' ')}\n${r.stderr.trim()}`);
  return r.stdout;
}

export function runSync(argv: readonly string[]): RunResult {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error('runSync: empty argv');
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', code: r.status };
}
