// What a probe reports, and the deadline every probe is held to.

export interface ProbeOutcome {
  ok: boolean;
  /** "ok", "connect ECONNREFUSED", "exit status 1", "HTTP 503", "timed out after 1 s". */
  reason: string;
  /** A file check's integer. */
  value?: number;
}

export const timedOut = (ms: number): ProbeOutcome => ({ ok: false, reason: `timed out after ${ms / 1000} s` });

export const errorReason = (e: unknown): string => {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : e instanceof Error ? e.message : String(e);
};

/** Settles once: the first of the probe's answer and its deadline. */
export function bounded(timeoutMs: number, start: (done: (o: ProbeOutcome) => void) => () => void): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    let cleanup: () => void = () => {};
    const done = (o: ProbeOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cleanup();
      resolve(o);
    };
    const timer = setTimeout(() => done(timedOut(timeoutMs)), timeoutMs);
    cleanup = start(done);
  });
}


/** A probe that has no way to give up on its own (a file on a hung mount) still answers by the deadline. */
export function withDeadline(probe: Promise<ProbeOutcome>, timeoutMs: number): Promise<ProbeOutcome> {
  return bounded(timeoutMs, (done) => {
    probe.then(done, (e: unknown) => done({ ok: false, reason: errorReason(e) }));
    return () => {};
  });
}
