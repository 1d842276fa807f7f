// Issue 15: two hosts on different subnets, one router between them running FRR bgpd,
// each host with its own FRR peering with the router and ucarp-ts (VRRPv3, --peer the
// other host, --peer-min-ttl, --no-announce) driving examples/bgp-anycast's scripts.
// The service address lives on lo and reaches the client through the router's BGP table.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFrr, waitForBgpNextHops, type Frr } from '../lab/frr.js';
import { nodeArgv, withLab, type Lab, type LabProcess } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';
import { supportArgv } from '../lab/support-paths.js';
import { outageDuring, UCARP_TS_CLI } from '../support/keepalived-lab.js';

const EXAMPLE = fileURLToPath(new URL('../../../examples/bgp-anycast/', import.meta.url));
const VIP = '10.81.100.1';
const VRID = 15;
const ROUTER_ASN = 65000;
const HOSTS = { a: { asn: 65001, priority: 150 }, b: { asn: 65002, priority: 100 } } as const;
type HostName = keyof typeof HOSTS;
/** One router between the hosts: their adverts arrive with TTL 254. */
const MIN_TTL = 254;
const ADVBASE = 0.1;

// Keepalive 1 s, hold 3 s, connect retry 1 s: the lab's short BGP timers.
const TIMERS = (peer: string): string => ` neighbor ${peer} timers 1 3\n neighbor ${peer} timers connect 1\n`;

function routerConf(lab: Lab): string {
  const peers = (Object.keys(HOSTS) as HostName[]).map((h) => ` neighbor ${lab.host(h).addr} remote-as ${HOSTS[h].asn}\n${TIMERS(lab.host(h).addr)}`);
  return `frr defaults datacenter\nrouter bgp ${ROUTER_ASN}\n bgp router-id 10.81.0.1\n no bgp ebgp-requires-policy\n${peers.join('')}!\n`;
}

function hostConf(lab: Lab, h: HostName): string {
  const { addr, gateway } = lab.host(h);
  return `frr defaults datacenter\nrouter bgp ${HOSTS[h].asn}\n bgp router-id ${addr}\n no bgp ebgp-requires-policy\n` +
    ` neighbor ${gateway} remote-as ${ROUTER_ASN}\n${TIMERS(gateway!)}!\n`;
}

function startUcarpTs(lab: Lab, h: HostName, frr: Frr): LabProcess {
  const other = h === 'a' ? 'b' : 'a';
  const host = lab.host(h);
  const config = join(lab.tmpDir, `${h}.conf`);
  // The AS number reaches the scripts from the config file, as in the example.
  writeFileSync(config, `UCARP_BGP_ASN=${HOSTS[h].asn}\nUCARP_NO_ANNOUNCE=1\nUCARP_PEER_MIN_TTL=${MIN_TTL}\n`);
  return lab.spawn(h, nodeArgv(UCARP_TS_CLI,
    `--config=${config}`, `--interface=${host.ifname}`, `--srcip=${host.addr}`, `--peer=${lab.host(other).addr}`,
    '--protocol=vrrp3', `--vhid=${VRID}`, `--priority=${HOSTS[h].priority}`, `--advbase=${ADVBASE}`, `--addr=${VIP}`,
    `--upscript=${EXAMPLE}bgp-up.sh`, `--downscript=${EXAMPLE}bgp-down.sh`, `--xparam=${frr.instance}`,
    '--shutdown', '--facility=none'), { env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' } });
}

const state = (p: LabProcess, s: 'MASTER' | 'BACKUP', since = 0): Promise<RegExpExecArray> =>
  p.waitForOutput(new RegExp(`Switching to state: ${s}`), 15_000, since);

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
    await withLab({ hosts: ['a', 'b'], client: true, routed: true, subnet: '10.81.0' }, async (lab) => {
      const router = await startFrr(lab, 'router', routerConf(lab));
      const frr = { a: await startFrr(lab, 'a', hostConf(lab, 'a')), b: await startFrr(lab, 'b', hostConf(lab, 'b')) };
      const A = lab.host('a').addr;
      const B = lab.host('b').addr;
      const prefix = `${VIP}/32`;

      // --- one master, the route via it alone, the client reaches the address
      let ucarpA = startUcarpTs(lab, 'a', frr.a);
      await state(ucarpA, 'BACKUP');
      await state(ucarpA, 'MASTER');
      const ucarpB = startUcarpTs(lab, 'b', frr.b);
      await state(ucarpB, 'BACKUP');
      await waitForBgpNextHops(router, prefix, [A], 20_000).catch(async (e: unknown) => {
        const show = async (f: Frr) => (await f.vtysh('show ip bgp summary', 'show ip bgp', 'show running-config')).stdout;
        throw new Error(`${String(e)}\n--- router\n${await show(router)}\n--- a\n${await show(frr.a)}\n--- ucarp a\n${ucarpA.output.slice(-2000)}\n--- bgpd a\n${frr.a.daemons[1]!.output.slice(-2000)}`);
      });
      assert.ok(await lab.ping('client', VIP, 2000), 'the client reaches the address through the router');
      await sleep(1000);
      assert.doesNotMatch(ucarpA.output, /Switching to state: BACKUP[\s\S]*Switching to state: BACKUP/, 'A stays MASTER');
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
      assert.ok(term.longestGapMs <= 500, `SIGTERM outage ${term.longestGapMs} ms, expected at most 500 ms`);
      assert.equal((await ucarpA.exited).code, 0);

      // --- A returns (no preemption: B keeps it); then B's host dies
      ucarpA = startUcarpTs(lab, 'a', frr.a);
      await state(ucarpA, 'BACKUP');
      await sleep(1000);
      await waitForBgpNextHops(router, prefix, [B]);
      const since = ucarpA.mark();
      const crash = await outageDuring(lab, VIP, () => lab.crash('b'), async () => {
        await state(ucarpA, 'MASTER', since);
        await waitForBgpNextHops(router, prefix, [A]);
      });
      console.log(`# crash outage ${crash.longestGapMs} ms (VRRPv3 ${ADVBASE * 1000} ms, BGP keepalive 1 s hold 3 s)`);
      // Master-down (3.6 intervals) plus the up script and one BGP update; the router drops
      // the dead host's session when the link goes (fast external failover), not after the hold time.
      assert.ok(crash.longestGapMs <= 2000, `crash outage ${crash.longestGapMs} ms, expected at most 2000 ms`);
    });
  });
});
