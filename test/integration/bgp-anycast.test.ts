// Issue 15: two hosts on different subnets, one router between them running FRR bgpd,
// each host with its own BGP speaker peering with the router (FRR, or BIRD 2) and ucarp-ts
// (VRRPv3, and CARP, with --peer the other host, --peer-min-ttl, --no-announce) driving
// the speaker's example scripts (examples/bgp-anycast, examples/bgp-anycast-bird).
// The service address lives on lo and reaches the client through the router's BGP table.
// IPv6 too (FRR and BIRD): VRRPv3 over IPv6 between the hosts' global addresses, a /128
// over IPv6 sessions.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitForBgpNextHops } from '../lab/frr.js';
import { withLab, type Lab, type LabProcess } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';
import { supportArgv } from '../lab/support-paths.js';
import { BGP_MIN_TTL, BGP_NETS, BGP_TIMERS, forgeOptions, settleBgpPair, startBgpLab, waitForState as state, type BgpFamily, type BgpPair, type BgpProtocol, type BgpSpeaker } from '../support/bgp-lab.js';
import { outageDuring } from '../support/keepalived-lab.js';

/** The "refused packets: peer=N ttl=M" totals of a SIGUSR1 status line. */
async function refusals(p: LabProcess): Promise<Record<string, number>> {
  const mark = p.mark();
  process.kill(p.pid, 'SIGUSR1');
  const m = await p.waitForOutput(/refused packets: ([^)]*)\)/, 5000, mark);
  return Object.fromEntries(m[1]!.split(' ').filter((w) => w.includes('=')).map((w) => [w.split('=')[0]!, Number(w.split('=')[1])]));
}

/**
 * Sends two kinds of forged adverts to A, 5 of each at the best priority, and returns what
 * tcpdump on A saw of them: from a non-peer on A's own link (the router, TTL 255), and with
 * B's source from too far (TTL under the minimum). IPv4 sends the second from the client,
 * across the router (TTL 200, arriving with 199); IPv6, which the kernel would not send from
 * a forged source, sends both as whole frames from the router onto A's link (hop limit 199).
 */
async function forgeSpoofs(lab: Lab, pair: BgpPair): Promise<{ nonPeer: string[]; tooFar: string[] }> {
  const net = pair.net;
  const A = net.addr(lab.host('a'));
  const B = net.addr(lab.host('b'));
  const gateway = net.gateway(lab.host('a'));
  const v6 = net.family === 6;
  const filter = v6
    ? `ip6 proto 112 and (src host ${gateway} or (src host ${B} and ip6[7] < ${BGP_MIN_TTL}))`
    : `ip proto 112 and (src host ${gateway} or (src host ${B} and ip[8] < ${BGP_MIN_TTL}))`;
  const capture = await lab.tcpdump('a', filter);
  const forge = (argv: string[]) => supportArgv('forge-advert', ...argv, ...forgeOptions(pair), `--dst=${A}`, '--count=5');
  const onALink = [`--ifname=${lab.host('a').peer}`, `--local=${gateway}`, `--dst-mac=${lab.host('a').mac}`];
  let r = await lab.execInRouter(forge([...onALink, `--src=${gateway}`, '--ttl=255']));
  assert.equal(r.code, 0, r.stderr);
  r = v6
    ? await lab.execInRouter(forge([...onALink, `--src=${B}`, '--ttl=199']))
    : await lab.exec('client', forge([`--local=${lab.host('client').addr}`, `--src=${B}`, '--ttl=200']));
  assert.equal(r.code, 0, r.stderr);
  await sleep(500);
  const lines = (await capture.stop()).lines;
  const arrived = v6 ? 'hlim 199' : 'ttl 199';
  return { nonPeer: lines.filter((l) => l.includes(`${gateway} > ${A}`)), tooFar: lines.filter((l) => l.includes(`${B} > ${A}`) && l.includes(arrived)) };
}

/** The routed pair running the protocol's election: one master, spoofs, SIGTERM, a crash. */
async function routedFailover(protocol: BgpProtocol, speaker: BgpSpeaker, family: BgpFamily = 4): Promise<void> {
  const net = BGP_NETS[family];
  await withLab(net.lab, async (lab) => {
    const pair = await startBgpLab(lab, { protocol, speaker, family });
    const router = pair.router;
    const A = net.addr(lab.host('a'));
    const B = net.addr(lab.host('b'));
    const { prefix, vip: VIP } = net;

    // --- one master, the route via it alone, the client reaches the address
    const settled = await settleBgpPair(lab, pair);
    let ucarpA = settled.a;
    // The BGP table has it; the router's kernel may get it a moment later.
    let reached = false;
    for (let i = 0; i < 10 && !reached; i++) reached = await lab.ping('client', VIP, 1000);
    if (!reached) {
      const show = async (...argv: string[]) => (await lab.exec('a', ['ip', `-${family}`, ...argv])).stdout + (await lab.execInRouter(['ip', `-${family}`, ...argv])).stdout;
      assert.fail(`the client does not reach ${VIP} through the router\n${await show('route')}\n${await show('addr')}\n${ucarpA.output.slice(-2000)}`);
    }
    await sleep(1000);
    assert.doesNotMatch(ucarpA.output, /Switching to state: MASTER[\s\S]*Switching to state: BACKUP/, 'A stays MASTER');
    await waitForBgpNextHops(router, prefix, [A]);

    // --- a non-peer on A's own link (TTL 255) and a peer's forged address from two hops
    // away (TTL under the minimum), each at the best priority: both reach A (captured),
    // both are refused (A stays MASTER) and counted, as 'peer' and as 'ttl'.
    const marks = { a: ucarpA.mark() };
    const forged = await forgeSpoofs(lab, pair);
    assert.equal(forged.nonPeer.length, 5, `non-peer adverts on the wire:\n${forged.nonPeer.join('\n')}`);
    assert.equal(forged.tooFar.length, 5, `too-far adverts on the wire:\n${forged.tooFar.join('\n')}`);
    assert.doesNotMatch(ucarpA.output.slice(marks.a), /Switching to state/, 'the forged adverts changed nothing');
    // With --peer the kernel filter leaves source and TTL to the daemon, which counts each.
    const counted = await refusals(ucarpA);
    assert.deepEqual([counted.peer, counted.ttl], [5, 5], `refusals counted by the daemon: ${JSON.stringify(counted)}`);

    // --- SIGTERM on the master: bow-out, B announces, A withdraws
    const term = await outageDuring(lab, VIP, async () => {
      process.kill(ucarpA.pid, 'SIGTERM');
    }, async () => {
      await ucarpA.exited;
      await waitForBgpNextHops(router, prefix, [B]);
    });
    console.log(`# ${protocol}, ${speaker}, IPv${family}: SIGTERM outage ${term.longestGapMs} ms (pings every 5 ms)`);
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
    console.log(`# ${protocol}, ${speaker}, IPv${family}: crash outage ${crash.longestGapMs} ms (${pair.election.label}, ${BGP_TIMERS})`);
    // Master-down plus the up script and one BGP update; the router drops the dead host's
    // session when the link goes (fast external failover), not after the hold time.
    const bound = pair.election.masterDownMs + 1700;
    assert.ok(crash.longestGapMs <= bound, `crash outage ${crash.longestGapMs} ms, expected at most ${bound} ms`);
  });
}

describe('BGP anycast across a router (examples/bgp-anycast)', () => {
  const cases: [BgpProtocol, BgpSpeaker, BgpFamily][] = [['vrrp3', 'frr', 4], ['carp', 'frr', 4], ['vrrp3', 'bird', 4], ['vrrp3', 'frr', 6], ['vrrp3', 'bird', 6]];
  for (const [protocol, speaker, family] of cases) {
    it(`${protocol}, ${speaker}, IPv${family}: one master announces; spoofs are refused and counted; SIGTERM and a crash move the route`, { timeout: 180_000 }, async () => {
      requireLab();
      await routedFailover(protocol, speaker, family);
    });
  }
  for (const protocol of ['vrrp3', 'carp'] as BgpProtocol[]) {
    it(`${protocol}: a failing health check on the master (FAULT) withdraws the route; the backup announces`, { timeout: 120_000 }, async () => {
      requireLab();
      await withLab(BGP_NETS[4].lab, async (lab) => {
        const pair = await startBgpLab(lab, { protocol });
        const { vip: VIP, prefix } = pair.net;
        const flag = join(lab.tmpDir, 'service-state');
        writeFileSync(flag, '0\n');
        const { a, b } = await settleBgpPair(lab, pair, [`--check=file:${flag},interval=0.2,fall=1,rise=1`]);
        const mark = b.mark();
        const report = await outageDuring(lab, VIP, async () => writeFileSync(flag, '1\n'), async () => {
          await state(b, 'MASTER', mark);
          await waitForBgpNextHops(pair.router, prefix, [pair.net.addr(lab.host('b'))]);
        });
        await a.waitForOutput(/Switching to state: FAULT/, 5000);
        console.log(`# ${protocol}: FAULT outage ${report.longestGapMs} ms (check every 200 ms, fall 1)`);
        // The check's interval, then bow-out, B's announcement and A's withdrawal.
        assert.ok(report.longestGapMs <= 1000, `FAULT outage ${report.longestGapMs} ms, expected at most 1000 ms`);
      });
    });
  }
});
