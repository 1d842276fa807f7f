// How a group reports adverts it could not send. A failure that lasts (an OUTPUT rule
// that drops them, a route that is gone) would otherwise be one error line per advert,
// twenty a second at a 50 ms interval: the first failure is logged, the rest are counted
// and summed up once a minute and when sending works again.

/** How often a lasting failure is summed up in the log. */
export const SEND_FAILURE_REPORT_MS = 60_000;

export class SendFailures {
  /** Failures since the last line about them; null while sending works. */
  private unreported: number | null = null;
  private since = 0;
  private reportedAt = 0;

  /** One advert was not sent (why, at now, wall clock ms): the line to log, or null to stay quiet. */
  failed(why: string, now: number): string | null {
    if (this.unreported === null) {
      this.unreported = 0;
      this.since = this.reportedAt = now;
      return `${why} (while this lasts, failed adverts are counted and reported once a minute)`;
    }
    this.unreported++;
    if (now - this.reportedAt < SEND_FAILURE_REPORT_MS) return null;
    const n = this.unreported;
    this.unreported = 0;
    this.reportedAt = now;
    return `${n} more adverts not sent in the last ${Math.round(SEND_FAILURE_REPORT_MS / 1000)} s; the last: ${why}`;
  }

  /** An advert went out: the line to log when that ends a failure, else null. */
  sent(now: number): string | null {
    if (this.unreported === null) return null;
    const n = this.unreported;
    this.unreported = null;
    const lasted = Math.round((now - this.since) / 1000);
    return `adverts are sent again, after ${lasted} s${n > 0 ? ` and ${n} more failed sends` : ''}`;
  }
}
