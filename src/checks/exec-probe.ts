// exec: checks: the program runs directly (no shell) in its own process group, which is
// killed whole at the timeout, so a hung check and everything it started go away.
// stdout is discarded and only stderr's last line is kept (for the reason), so a check
// that prints megabytes costs nothing but the time to read them.
import { execa } from 'execa';
import { timedOut, type ProbeOutcome } from './outcome.js';

const STDERR_TAIL = 200;

export async function execProbe(argv: string[], timeoutMs: number, signal: AbortSignal): Promise<ProbeOutcome> {
  const child = execa(argv[0]!, argv.slice(1), {
    detached: true,
    reject: false,
    buffer: false,
    stdin: 'ignore',
    stdout: 'ignore',
    stderr: 'pipe',
    extendEnv: true,
    cleanup: true,
  });
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL);
  });
  let expired = false;
  const killGroup = (): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const timer = setTimeout(() => {
    expired = true;
    killGroup();
  }, timeoutMs);
  const onAbort = (): void => killGroup();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const r = await child;
    if (expired) return timedOut(timeoutMs);
    if (r.exitCode === 0) return { ok: true, reason: 'exit status 0' };
    const last = tail.trim().split('\n').at(-1)?.trim();
    const why = r.signal ? `killed by ${r.signal}` : r.exitCode !== undefined ? `exit status ${r.exitCode}` : (r as { code?: string }).code ?? 'could not run';
    return { ok: false, reason: last ? `${why}: ${last}` : why };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}
