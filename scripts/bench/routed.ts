// The routed pair (issue 15): the address on the master's lo, announced over BGP through
// FRR, the hosts on two subnets behind one router. The client pings it across the router
// while the master host dies or its ucarp-ts is stopped.
import { waitForBgpNextHops } from '../../test/lab/frr.js';
import { withLab } from '../../test/lab/lab.js';
import { BGP_LAB, BGP_PREFIX, BGP_VIP, settleBgpPair, startBgpLab, waitForState } from '../../test/support/bgp-lab.js';
import { outageAround } from './outage.js';
import type { EventKind, Trial } from './types.js';

const BEFORE_MS = 300;
const AFTER_MS = 300;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function routedTrial(kind: EventKind, pingIntervalMs: number): Promise<Trial> {
  let eventAt = 0;
  let replies: number[] = [];
  let duplicates = 0;
  let windowFrom = -BEFORE_MS;
  let windowTo = 0;
  try {
    await withLab(BGP_LAB, async (lab) => {
      const pair = await startBgpLab(lab);
      const { a, b } = await settleBgpPair(lab, pair);
      const pinger = await lab.startPinger('client', BGP_VIP, pingIntervalMs);
      const startedAt = Date.now();
      let failure: unknown;
      try {
        await pinger.process.waitForOutput(/bytes from/, 5_000);
        await sleep(BEFORE_MS);
        const mark = b.mark();
        eventAt = Date.now();
        if (kind === 'crash') await lab.crash('a');
        else process.kill(a.pid, 'SIGTERM');
        await waitForState(b, 'MASTER', mark);
        await waitForBgpNextHops(pair.router, BGP_PREFIX, [lab.host('b').addr]);
        await pinger.process.waitForOutput(/bytes from/, 5_000, pinger.process.mark());
        await sleep(AFTER_MS);
      } catch (e) {
        failure = e;
      }
      const report = await pinger.stop();
      if (eventAt === 0) eventAt = report.stoppedAt;
      replies = report.replies.map((t) => t - eventAt);
      duplicates = report.duplicates;
      windowFrom = startedAt - eventAt;
      windowTo = report.stoppedAt - eventAt;
      if (failure) throw failure;
    });
  } catch (e) {
    return { replies, duplicates, windowFrom, windowTo, error: e instanceof Error ? e.message : String(e) };
  }
  const o = outageAround(replies, 0);
  if (!o) return { replies, duplicates, windowFrom, windowTo, error: 'no reply before or after the event' };
  return { replies, duplicates, windowFrom, windowTo, outageMs: o.ms, gapFrom: o.from, gapTo: o.to };
}
