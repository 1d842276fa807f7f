// Counts refused packets by reason and logs one summary line per period, only when
// something was refused: a flood of forged packets costs a line every ten seconds,
// not a line per packet as in ucarp.
import type { DropReason } from '../core/drop-reason.js';

export class DropCounter {
  private readonly total = new Map<string, number>();
  private readonly recent = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly report: (line: string) => void,
    private readonly periodMs = 10_000,
  ) {}

  count(reason: DropReason | 'other-vhid'): void {
    this.recent.set(reason, (this.recent.get(reason) ?? 0) + 1);
    this.total.set(reason, (this.total.get(reason) ?? 0) + 1);
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.periodMs);
      this.timer.unref();
    }
  }

  /** Logs what was refused since the last summary. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.recent.size === 0) return;
    const parts = [...this.recent].filter(([r]) => r !== 'other-vhid').map(([r, n]) => `${n} ${r}`);
    this.recent.clear();
    if (parts.length > 0) this.report(`Refused packets in the last ${this.periodMs / 1000} s: ${parts.join(', ')}`);
  }

  /** Every refusal since start, by reason. */
  byReason(): Record<string, number> {
    return Object.fromEntries(this.total);
  }

  totals(): string {
    const parts = [...this.total].map(([r, n]) => `${r}=${n}`);
    return parts.length > 0 ? parts.join(' ') : 'none';
  }

  stop(): void {
    this.flush();
  }
}
