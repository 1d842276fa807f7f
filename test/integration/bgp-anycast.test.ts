// Issue 15: two hosts on different subnets, one router between them running FRR bgpd,
// each host with its own FRR peering with the router and ucarp-ts (VRRPv3, --peer the
// other host, --peer-min-ttl, --no-announce) driving examples/bgp-anycast's scripts.
// The service address lives on lo and reaches the client through the router's BGP table.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitForBgpNextHops } from '../lab/frr.js';
import { withLab, type LabProcess } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';
import { supportArgv } from '../lab/support-paths.js';
import { BGP_ADVBASE, BGP_LAB, BGP_PREFIX, BGP_TIMERS, BGP_VIP as VIP, BGP_VRID as VRID, settleBgpPair, startBgpLab, waitForState as state } from '../support/bgp-lab.js';
import { outageDuring } from '../support/keepalived-lab.js';

/** The "refused packets: peer=N ttl=M" totals of a SIGUSR1 status line. */
async function refusals(p: LabProcess): Promise<Record<string, number>> {
  const mark = p.mark();
  process.kill(p.pid, 'SIGUSR1');
  const m = await p.waitForOutput(/refused packets: ([^)]*)\)/, 5000, mark);
  return Object.fromEntries(m[1]!.split(' ').filter((w) => w.includes('=')).map((w) => [w.split('=')[0]!, Number(w.split('=')[1])]));
}

describe('BGP anycast across a router (examples/bgp-anycast)', () => {
  it('one master announces; spoofs are refused; SIGTERM and a crash move the route', { timeout: 180_000 }, async () => {
    requireLab();
    await withLab(BGP_LAB, async (lab) => {
      const pair = await startBgpLab(lab);
      const router = pair.router;
      const A = lab.host('a').addr;
      const B = lab.host('b').addr;
      const prefix = BGP_PREFIX;

      // --- one master, the route via it alone, the client reaches the address
      const settled = await settleBgpPair(lab, pair);
      let ucarpA = settled.a;
      assert.ok(await lab.ping('client', VIP, 2000), 'the client reaches the address through the router');
      await sleep(1000);
      assert.doesNotMatch(ucarpA.output, /Switching to state: MASTER[\s\S]*Switching to state: BACKUP/, 'A stays MASTER');
      await waitForBgpNextHops(router, prefix, [A]);

      // --- a non-peer on A's own link (TTL 255) and a peer's forged address from two hops
      // away (TTL under the minimum): both refused and counted, and A stays MASTER.
      const marks = { a: ucarpA.mark() };
      const forge = (argv: string[]) => supportArgv('forge-vrrp', ...argv, `--vrid=${VRID}`, `--addr=${VIP}`, `--dst=${A}`, '--count=5');
      const fromRouter = lab.host('a').peer;
      let r = await lab.execInRouter(forge([`--ifname=${fromRouter}`, `--local=${lab.host('a').gateway}`, `--src=${lab.host('a').gateway}`, '--ttl=255']));
      assert.equal(r.code, 0, r.stderr);
      r = await lab.exec('client', forge([`--local=${lab.host('client').addr}`, `--src=${B}`, '--ttl=200']));
      assert.equal(r.code, 0, r.stderr);
      await sleep(300);
      const counted = await refusals(ucarpA);
      assert.equal(counted.peer, 5, `non-peer adverts counted: ${JSON.stringify(counted)}`);
      assert.equal(counted.ttl, 5, `adverts from too far counted: ${JSON.stringify(counted)}`);
      assert.doesNotMatch(ucarpA.output.slice(marks.a), /Switching to state/, 'the forged adverts changed nothing');

      // --- SIGTERM on the master: bow-out, B announces, A withdraws
      const term = await outageDuring(lab, VIP, async () => {
        process.kill(ucarpA.pid, 'SIGTERM');
      }, async () => {
        await ucarpA.exited;
        await waitForBgpNextHops(router, prefix, [B]);
      });
      console.log(`# SIGTERM outage ${term.longestGapMs} ms (pings every 5 ms)`);
      // Bow-out, the successor announces, the old master withdraws and keeps the address a moment.
      assert.ok(term.longestGapMs <= 300, `SIGTERM outage ${term.longestGapMs} ms, expected at most 300 ms`);
      assert.equal((await ucarpA.exited).code, 0);

      // --- A returns (no preemption: B keeps it); then B's host dies
      ucarpA = pair.startUcarpTs('a');
      await state(ucarpA, 'BACKUP');
      await sleep(1000);
      await waitForBgpNextHops(router, prefix, [B]);
      const since = ucarpA.mark();
      const crash = await outageDuring(lab, VIP, () => lab.crash('b'), async () => {
        await state(ucarpA, 'MASTER', since);
        await waitForBgpNextHops(router, prefix, [A]);
      });
      console.log(`# crash outage ${crash.longestGapMs} ms (VRRPv3 ${BGP_ADVBASE * 1000} ms, ${BGP_TIMERS})`);
      // Master-down (3.6 intervals) plus the up script and one BGP update; the router drops
      // the dead host's session when the link goes (fast external failover), not after the hold time.
      assert.ok(crash.longestGapMs <= 2000, `crash outage ${crash.longestGapMs} ms, expected at most 2000 ms`);
    });
  });
});
