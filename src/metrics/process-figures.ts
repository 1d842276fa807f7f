// The standard process metrics, read when scraped: cheap calls, no sampling timers.
import { readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { ProcessFigures } from './exposition.js';

export function processFigures(version: string): ProcessFigures {
  const cpu = process.cpuUsage();
  let openFds = 0;
  try {
    openFds = readdirSync('/proc/self/fd').length - 1; // less the one readdir held open
  } catch {
    openFds = NaN;
  }
  return {
    residentBytes: process.memoryUsage.rss(),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    startTimeSeconds: performance.timeOrigin / 1000,
    openFds,
    version,
  };
}
