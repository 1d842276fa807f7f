// One row's idle and flood windows over several rounds, as one figure. Each round starts a
// fresh pair, and a pair's CPU per advert depends on where its threads land and on what
// else wakes the machine: a 50 ms master measured alone moved by ±7% between pairs, and
// two pairs side by side by up to 1.6x. So the figure is the round with the median CPU,
// and memory the largest any round had (a ceiling is what a target on memory asks).
import type { FloodFigures, IdleFigures } from './types.js';

type Measured<T> = T | { error: string };

const pct = (f: { cpuMs: number; windowMs: number }): number => f.cpuMs / f.windowMs;

/** The run whose CPU share is the median (the lower middle of an even count). */
function medianRun<T extends { cpuMs: number; windowMs: number }>(runs: readonly T[]): T {
  const sorted = [...runs].sort((a, b) => pct(a) - pct(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** Every round's CPU share, in round order (percent of a core). */
const shares = (runs: readonly { cpuMs: number; windowMs: number }[]): number[] => runs.map((r) => pct(r) * 100);

/** The rounds when all were measured; else the row's error (a failed round must not hide), or undefined for none. */
function measuredRounds<T>(runs: readonly Measured<T>[]): readonly T[] | { error: string } | undefined {
  if (runs.length === 0) return undefined;
  const failed = runs.find((r): r is { error: string } => typeof r === 'object' && r !== null && 'error' in r);
  return failed ? { error: `round ${runs.indexOf(failed) + 1} of ${runs.length}: ${failed.error}` } : (runs as readonly T[]);
}

/** The rounds' idle figures as one. */
export function combineIdle(runs: readonly Measured<IdleFigures>[]): Measured<IdleFigures> | undefined {
  const ok = measuredRounds(runs);
  if (!Array.isArray(ok)) return ok as { error: string } | undefined;
  const mid = medianRun(ok);
  const biggest = ok.reduce((a, b) => (b.rssKb > a.rssKb ? b : a));
  return { ...mid, rssKb: biggest.rssKb, anonKb: biggest.anonKb, roundShares: shares(ok) };
}

/** The rounds' flood figures as one: the median round, the roles held only if every round held them. */
export function combineFlood(runs: readonly Measured<FloodFigures>[]): Measured<FloodFigures> | undefined {
  const ok = measuredRounds(runs);
  if (!Array.isArray(ok)) return ok as { error: string } | undefined;
  const mid = medianRun(ok);
  const changes = ok.map((r) => r.roleChanges).filter((c): c is string => c !== undefined);
  return {
    ...mid,
    heldRoles: ok.every((r) => r.heldRoles),
    ...(changes.length > 0 ? { roleChanges: changes.join('; ') } : {}),
    roundShares: shares(ok),
  };
}
