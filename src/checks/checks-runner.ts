// Runs every configured check on its own interval and hands each result to the daemon.
// Checks never wait for one another, nor for adverts or scripts: each is its own chain
// of timers, and a check whose run is not over when the next is due skips that turn.
import type { CheckSpec } from '../config/check-spec.js';
import { runProbe, type ProbeOutcome } from './probe.js';

export class ChecksRunner {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly abort = new AbortController();

  constructor(
    private readonly specs: readonly CheckSpec[],
    private readonly onResult: (index: number, outcome: ProbeOutcome) => void,
  ) {}

  start(): void {
    this.specs.forEach((spec, index) => this.schedule(spec, index, 0));
  }

  /** Stops the timers and kills any exec check still running. */
  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.abort.abort();
  }

  private schedule(spec: CheckSpec, index: number, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.run(spec, index);
    }, delayMs);
    this.timers.add(timer);
  }

  private async run(spec: CheckSpec, index: number): Promise<void> {
    if (this.abort.signal.aborted) return;
    const started = performance.now();
    let outcome: ProbeOutcome;
    try {
      outcome = await runProbe(spec, this.abort.signal);
    } catch (e) {
      outcome = { ok: false, reason: e instanceof Error ? e.message : String(e) };
    }
    if (this.abort.signal.aborted) return;
    this.onResult(index, outcome);
    const elapsed = performance.now() - started;
    // Next run one interval after this one started; an overrun skips to the next slot.
    this.schedule(spec, index, spec.intervalMs - (elapsed % spec.intervalMs));
  }
}
