// src/daemon/send-failures.ts: a lasting failure to send adverts is one error line, a
// sum once a minute, and one line when sending works again, whatever the interval.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SEND_FAILURE_REPORT_MS, SendFailures } from '../../src/daemon/send-failures.js';

describe('send failures', () => {
  it('at a 50 ms interval for 150 s: the first failure, two sums, and the recovery', () => {
    const f = new SendFailures();
    const lines: string[] = [];
    let now = 1_000_000;
    for (let i = 0; i < 3000; i++, now += 50) {
      const line = f.failed('sending advertisement to 224.0.0.18: sendto: Operation not permitted', now);
      if (line) lines.push(line);
    }
    const back = f.sent(now);
    assert.equal(lines.length, 3, lines.join('\n'));
    assert.match(lines[0]!, /^sending advertisement to 224\.0\.0\.18: sendto: Operation not permitted \(while this lasts/);
    // Sums at 60 s and 120 s: every failure after the first is in one of them or in the last line.
    const summed = lines.slice(1).map((l) => Number(/^(\d+) more adverts not sent in the last 60 s; the last: sending/.exec(l)?.[1]));
    assert.deepEqual(summed, [SEND_FAILURE_REPORT_MS / 50, SEND_FAILURE_REPORT_MS / 50]);
    assert.equal(back, `adverts are sent again, after 150 s and ${3000 - 1 - summed[0]! - summed[1]!} more failed sends`);
  });

  it('a single failure: one line, and a short one on recovery; sending that works says nothing', () => {
    const f = new SendFailures();
    assert.equal(f.sent(0), null);
    assert.ok(f.failed('x', 1000));
    assert.equal(f.sent(3000), 'adverts are sent again, after 2 s');
    assert.equal(f.sent(4000), null);
    assert.ok(f.failed('x', 5000), 'a new failure is logged again');
  });
});
