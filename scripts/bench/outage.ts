// Pure arithmetic of the benchmark: the outage a pinging client saw, the spread of
// repeated measurements, CPU time as a share of a core. No I/O here (unit-tested).

export interface Outage {
  /** Longest gap between two replies that ends after the event, ms. */
  ms: number;
  /** The replies bounding that gap (same clock as the input). */
  from: number;
  to: number;
}

/**
 * The outage caused by an event at `eventAt`: the longest gap between consecutive
 * replies among the gaps that end after the event. Gaps that closed before the event
 * are the machine's noise, not the failover's. Undefined when the client had no reply
 * before the event (it never reached the address) or none after it (never recovered).
 */
export function outageAround(replies: readonly number[], eventAt: number): Outage | undefined {
  const sorted = [...replies].sort((a, b) => a - b);
  if (sorted.length < 2 || sorted[0]! > eventAt || sorted[sorted.length - 1]! <= eventAt) return undefined;
  let best: Outage | undefined;
  for (let i = 1; i < sorted.length; i++) {
    const from = sorted[i - 1]!;
    const to = sorted[i]!;
    if (to <= eventAt) continue;
    if (!best || to - from > best.ms) best = { ms: to - from, from, to };
  }
  return best;
}

export interface Spread {
  /** Values that were measured (failed trials are counted in `failed`). */
  n: number;
  failed: number;
  median: number;
  min: number;
  max: number;
}

/** Median and range of the measured values; undefined when none was measured. */
export function spread(values: readonly (number | undefined)[]): Spread | undefined {
  const ok = values.filter((v): v is number => v !== undefined && Number.isFinite(v)).sort((a, b) => a - b);
  if (ok.length === 0) return undefined;
  const mid = Math.floor(ok.length / 2);
  const median = ok.length % 2 === 1 ? ok[mid]! : (ok[mid - 1]! + ok[mid]!) / 2;
  return { n: ok.length, failed: values.length - ok.length, median, min: ok[0]!, max: ok[ok.length - 1]! };
}

/** CPU time over a wall-clock window as a percentage of one core. */
export function percentOfCore(cpuMs: number, windowMs: number): number {
  if (!(windowMs > 0)) throw new Error(`window must be positive, got ${windowMs}`);
  return (cpuMs / windowMs) * 100;
}

/** CPU time over a window scaled to CPU seconds per hour. */
export function cpuSecondsPerHour(cpuMs: number, windowMs: number): number {
  return (percentOfCore(cpuMs, windowMs) / 100) * 3600;
}

/**
 * Intervals where replies kept coming: consecutive replies no further apart than
 * `joinMs` belong to one run. For drawing; a single reply is a run of length 0.
 */
export function replyRuns(replies: readonly number[], joinMs: number): [number, number][] {
  const sorted = [...replies].sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const t of sorted) {
    const last = runs[runs.length - 1];
    if (last && t - last[1] <= joinMs) last[1] = t;
    else runs.push([t, t]);
  }
  return runs;
}
