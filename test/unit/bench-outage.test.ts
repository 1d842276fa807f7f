// The benchmark's arithmetic: the outage from ping reply times, spreads, CPU shares,
// reply runs, and the /proc parsers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cpuSecondsPerHour, outageAround, percentOfCore, replyRuns, spread } from '../../scripts/bench/outage.js';
import { cpuBetween, parseSchedstatNs, parseStat, parseStatusKb } from '../../scripts/bench/proc.js';
import { masterDownMs } from '../../scripts/bench/types.js';

/** Replies every `step` ms from `from` to `to` inclusive. */
const every = (from: number, to: number, step = 5): number[] => {
  const out: number[] = [];
  for (let t = from; t <= to; t += step) out.push(t);
  return out;
};

describe('outageAround', () => {
  it('is the gap across the event', () => {
    const replies = [...every(-300, -5), ...every(3190, 3500)];
    assert.deepEqual(outageAround(replies, 0), { ms: 3195, from: -5, to: 3190 });
  });

  it('counts a gap that starts after the event (the master answered a little longer)', () => {
    const replies = [...every(-300, 20), ...every(60, 400)];
    assert.deepEqual(outageAround(replies, 0), { ms: 40, from: 20, to: 60 });
  });

  it('ignores a longer hiccup that was over before the event', () => {
    const replies = [...every(-300, -200), ...every(-120, -5), ...every(25, 300)];
    assert.deepEqual(outageAround(replies, 0), { ms: 30, from: -5, to: 25 });
  });

  it('takes the longest of several gaps after the event', () => {
    const replies = [...every(-100, 0), ...every(10, 20), ...every(70, 100), ...every(120, 200)];
    assert.equal(outageAround(replies, 0)?.ms, 50);
  });

  it('is a single ping interval when nothing was lost', () => {
    assert.equal(outageAround(every(-300, 300), 0)?.ms, 5);
  });

  it('does not depend on the order of the replies', () => {
    const replies = [...every(-300, -5), ...every(100, 300)].reverse();
    assert.deepEqual(outageAround(replies, 0), { ms: 105, from: -5, to: 100 });
  });

  it('is undefined without replies on both sides of the event', () => {
    assert.equal(outageAround([], 0), undefined);
    assert.equal(outageAround([-10], 0), undefined);
    assert.equal(outageAround(every(-300, -5), 0), undefined, 'never recovered');
    assert.equal(outageAround(every(5, 300), 0), undefined, 'never reached before');
  });

  it('works on absolute timestamps too', () => {
    const t0 = 1_700_000_000_000;
    const replies = [...every(t0 - 100, t0), ...every(t0 + 180, t0 + 300)];
    assert.deepEqual(outageAround(replies, t0), { ms: 180, from: t0, to: t0 + 180 });
  });
});

describe('spread', () => {
  it('gives median and range, skipping failed trials', () => {
    assert.deepEqual(spread([30, 10, 20]), { n: 3, failed: 0, median: 20, min: 10, max: 30 });
    assert.deepEqual(spread([40, undefined, 10, 20, 30]), { n: 4, failed: 1, median: 25, min: 10, max: 40 });
    assert.deepEqual(spread([7]), { n: 1, failed: 0, median: 7, min: 7, max: 7 });
  });

  it('is undefined when nothing was measured', () => {
    assert.equal(spread([]), undefined);
    assert.equal(spread([undefined, undefined]), undefined);
  });
});

describe('CPU shares', () => {
  it('scales CPU time over a window', () => {
    assert.equal(percentOfCore(50, 10_000), 0.5);
    assert.equal(cpuSecondsPerHour(50, 10_000), 18);
    assert.equal(cpuSecondsPerHour(0, 30_000), 0);
    assert.throws(() => percentOfCore(1, 0));
  });
});

describe('replyRuns', () => {
  it('joins replies closer than the limit', () => {
    assert.deepEqual(replyRuns([...every(0, 20), ...every(100, 110)], 15), [[0, 20], [100, 110]]);
  });
  it('keeps a lone reply as a run of length 0', () => {
    assert.deepEqual(replyRuns([50, 0, 5], 15), [[0, 5], [50, 50]]);
    assert.deepEqual(replyRuns([], 15), []);
  });
});

describe('/proc parsers', () => {
  it('reads ppid and utime+stime, whatever the command name holds', () => {
    const line = '4242 (node (a) b) S 4241 4242 4242 0 -1 4194560 1234 0 0 0 150 37 0 0 20 0 11 0 99 1000 2000 18446744073709551615';
    assert.deepEqual(parseStat(line), { pid: 4242, ppid: 4241, cpuTicks: 187 });
  });

  it('refuses what is not a stat line', () => {
    assert.throws(() => parseStat('garbage'));
    assert.throws(() => parseStat('1 (x) S 0'));
  });

  it('reads VmRSS and RssAnon in kB', () => {
    const status = 'Name:\tnode\nVmPeak:\t 1000 kB\nVmRSS:\t   61234 kB\nRssAnon:\t   24000 kB\nThreads:\t11\n';
    assert.equal(parseStatusKb(status, 'VmRSS'), 61234);
    assert.equal(parseStatusKb(status, 'RssAnon'), 24000);
    assert.equal(parseStatusKb('Name:\tzombie\nState:\tZ (zombie)\n', 'VmRSS'), undefined);
  });

  it('reads the time on a CPU from schedstat', () => {
    assert.equal(parseSchedstatNs('81629437 75648673 262\n'), 81629437);
    assert.equal(parseSchedstatNs('x'), undefined);
  });

  it('uses the scheduler time when the same threads were sampled, else the ticks', () => {
    const a = { tickMs: 100, schedMs: 103.5, threads: '1/1,1/2' };
    assert.equal(cpuBetween(a, { tickMs: 110, schedMs: 111.25, threads: '1/1,1/2' }), 7.75);
    assert.equal(cpuBetween(a, { tickMs: 110, schedMs: 105, threads: '1/1' }), 10);
    assert.equal(cpuBetween({ tickMs: 100, threads: '' }, { tickMs: 130, threads: '' }), 30);
  });
});

describe('masterDownMs', () => {
  it('is CARP 3 s + 50/256 s and VRRPv3 150 ms + 156/256 of 50 ms', () => {
    assert.equal(Math.round(masterDownMs('carp')), 3195);
    assert.equal(Math.round(masterDownMs('vrrp3')), 180);
  });
});
