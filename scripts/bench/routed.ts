// The routed pair (issue 15): the address on the master's lo, announced over BGP through
// FRR, the hosts on two subnets behind one router. The client pings it across the router
// while the master host dies or its ucarp-ts is stopped. IPv4, or IPv6 (a /128, VRRPv3 from
// the hosts' global addresses, BGP over IPv6).
import { waitForBgpNextHops } from '../../test/lab/frr.js';
import { BGP_NETS, settleBgpPair, startBgpLab, waitForState, type BgpFamily } from '../../test/support/bgp-lab.js';
import { outageTrial } from './scenarios.js';
import type { EventKind, Proto, Trial } from './types.js';

export function routedTrial(proto: Proto, kind: EventKind, pingIntervalMs: number, family: BgpFamily = 4): Promise<Trial> {
  const net = BGP_NETS[family];
  return outageTrial(net.lab, async (lab) => {
    const pair = await startBgpLab(lab, { protocol: proto, family });
    const { a, b } = await settleBgpPair(lab, pair);
    const pinger = await lab.startPinger('client', net.vip, pingIntervalMs);
    await pinger.process.waitForOutput(/bytes from/, 5_000);
    let mark = 0;
    return {
      pinger,
      before: async () => {
        mark = b.mark();
      },
      event: async () => {
        if (kind === 'crash') await lab.crash('a');
        else process.kill(a.pid, 'SIGTERM');
      },
      settled: async () => {
        await waitForState(b, 'MASTER', mark);
        await waitForBgpNextHops(pair.router, net.prefix, [net.addr(lab.host('b'))]);
      },
    };
  });
}
