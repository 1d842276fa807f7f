// Milliseconds on the monotonic clock: wall-clock steps (NTP, an operator's date)
// never shorten or stretch a protocol timer. process.hrtime() rather than
// performance.now(): the latter loads perf_hooks, resident memory the daemon can spare.
export function monotonicMs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e3 + ns / 1e6;
}
