// A router-like pair in lab namespaces: two networks (inside on eth0, outside on eth1),
// one group per network, both in one sync group. The outside cable of the master is cut,
// and both addresses move to the other node together while a client on both networks
// keeps pinging them. Against a second ucarp-ts node, and against keepalived 2.2.7 with a
// vrrp_sync_group of two vrrp_instances, both ways round.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { withLab, type Lab, type PingReport } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';
import { waitForHolders } from '../support/carp-lab.js';
import { groupLabel, GroupsNode, type GroupSpec } from '../support/group-lab.js';
import { keepalivedAvailable, startKeepalivedSync, type KeepalivedMember } from '../support/keepalived.js';

requireLab();

const LAB = { hosts: ['a', 'b'], client: true, secondSubnet: '10.79.0' };
const INSIDE_VIP = '10.77.0.231';
const OUTSIDE_VIP = '10.79.0.231';
const SYNC = 'UCARP_SYNC_GROUP=router';

/** The pair's two groups on one node; `outside` may be CARP (a ucarp-ts peer) or must be VRRP (keepalived). */
function routerGroups(preferred: boolean, outside: 'carp' | 'vrrp3'): [GroupSpec, GroupSpec] {
  return [
    { name: 'inside', protocol: 'vrrp3', id: 1, vip: INSIDE_VIP, preference: preferred ? 200 : 100, extra: [SYNC] },
    {
      name: 'outside', protocol: outside, id: 2, vip: OUTSIDE_VIP, ifname: 'eth1', extra: [SYNC],
      preference: outside === 'carp' ? (preferred ? 0 : 100) : preferred ? 200 : 100,
    },
  ];
}

function keepalivedMembers(lab: Lab, host: string, priority: number): KeepalivedMember[] {
  return [
    { instance: 'inside', nic: lab.nic(host, 'eth0'), version: 3, vrid: 1, priority, advertInt: 1, vips: [INSIDE_VIP] },
    { instance: 'outside', nic: lab.nic(host, 'eth1'), version: 3, vrid: 2, priority, advertInt: 1, vips: [OUTSIDE_VIP] },
  ];
}

async function bothHeldBy(lab: Lab, host: string, timeoutMs = 3000): Promise<void> {
  await Promise.all([waitForHolders(lab, INSIDE_VIP, [host], timeoutMs), waitForHolders(lab, OUTSIDE_VIP, [host], timeoutMs)]);
}

/**
 * Cuts `host`'s outside cable while the client pings both addresses (every 10 ms), and
 * waits until `to` alone holds both (`ip addr` on both nodes). Returns each address's
 * ping report: the client reached it again after the move.
 */
async function cutOutsideDuring(lab: Lab, host: string, to: string, t: TestContext): Promise<{ inside: PingReport; outside: PingReport }> {
  const pingers = await Promise.all([lab.startPinger('client', INSIDE_VIP, 10), lab.startPinger('client', OUTSIDE_VIP, 10)]);
  const body = (async () => {
    await Promise.all(pingers.map((p) => p.process.waitForOutput(/bytes from/, 3000)));
    await sleep(200);
    const cutAt = Date.now();
    await lab.cutLink(host, 'eth1');
    await bothHeldBy(lab, to, 6000);
    t.diagnostic(`${host}'s outside cable cut: both addresses held by ${to} alone after ${Date.now() - cutAt} ms`);
    await sleep(1000);
    return cutAt;
  })();
  const outcome = await body.then((cutAt) => ({ cutAt }), (e: unknown) => ({ e }));
  const [inside, outside] = await Promise.all(pingers.map((p) => p.stop()));
  if ('e' in outcome) throw outcome.e;
  for (const [what, r] of [['inside', inside!], ['outside', outside!]] as const) {
    assert.ok(r.replies.some((at) => at > outcome.cutAt + 500), `the client reached the ${what} address after the move: ${r.output.slice(-400)}`);
    assert.equal(r.duplicates, 0, `${what}: two nodes answered`);
    t.diagnostic(`${what}: longest gap the client saw ${Math.round(r.longestGapMs)} ms`);
  }
  return { inside: inside!, outside: outside! };
}

describe('a router-like pair: inside and outside groups in one sync group', { concurrency: 1 }, () => {
  it('two ucarp-ts nodes: the master loses its outside link, both addresses move together, the log says why inside followed', async (t) => {
    await withLab(LAB, async (lab) => {
      const [inside, outside] = routerGroups(true, 'carp');
      const a = new GroupsNode(lab, lab.host('a'), [inside, outside]);
      await Promise.all([inside, outside].map((g) => a.waitForState(g, 'MASTER', 8000)));
      const b = new GroupsNode(lab, lab.host('b'), routerGroups(false, 'carp'));
      await Promise.all([inside, outside].map((g) => b.waitForState(g, 'BACKUP', 8000)));
      await sleep(1500);
      await bothHeldBy(lab, 'a');

      const mark = a.mark();
      await cutOutsideDuring(lab, 'a', 'b', t);
      const log = a.process.output.slice(mark);
      assert.match(log, /eth1 lost carrier/);
      assert.match(log, new RegExp(`${groupLabel(inside)}: \\(following sync group router: member outside [^)]*carrier`), log);
      assert.deepEqual(a.states(inside, mark), ['BACKUP']);
      assert.deepEqual([b.states(inside).at(-1), b.states(outside).at(-1)], ['MASTER', 'MASTER']);
      await sleep(1500);
      await bothHeldBy(lab, 'b'); // a, with no outside carrier, stays out of both
      await Promise.all([a.stop(), b.stop()]);
    });
  });

  it('ucarp-ts master against keepalived with a vrrp_sync_group: the outside link dies, keepalived takes both', async (t) => {
    keepalivedAvailable();
    await withLab(LAB, async (lab) => {
      const [inside, outside] = routerGroups(true, 'vrrp3');
      const a = new GroupsNode(lab, lab.host('a'), [inside, outside]);
      await Promise.all([inside, outside].map((g) => a.waitForState(g, 'MASTER', 8000)));
      const k = startKeepalivedSync(lab, 'b', 'router', keepalivedMembers(lab, 'b', 100));
      await Promise.all(['inside', 'outside'].map((i) => k.waitForState('BACKUP', 10_000, 0, i)));
      await sleep(1500);
      await bothHeldBy(lab, 'a');

      const mark = a.mark();
      const kmark = k.process.mark();
      await cutOutsideDuring(lab, 'a', 'b', t);
      await Promise.all(['inside', 'outside'].map((i) => k.waitForState('MASTER', 1000, kmark, i)));
      // keepalived 2.2.7 waits until every member wants MASTER: its inside heard priority 0,
      // but it moves only when its outside's own master-down interval has run out, and then
      // the sync group brings the inside along.
      const klog = k.process.output.slice(kmark);
      t.diagnostic(`keepalived: ${klog.split('\n').filter((l) => /priority 0|timeout|Entering|Syncing/.test(l)).join(' | ')}`);
      assert.match(klog, /\(inside\) Backup received priority 0 advertisement[\s\S]*\(outside\) Entering MASTER STATE[\s\S]*VRRP_Group\(router\) Syncing instances to MASTER state[\s\S]*\(inside\) Entering MASTER STATE/);
      assert.match(a.process.output.slice(mark), new RegExp(`${groupLabel(inside)}: \\(following sync group router: member outside`));
      await k.stop();
      await a.stop();
    });
  });

  it('keepalived master with a vrrp_sync_group against ucarp-ts: its outside link dies, ucarp-ts takes both', async (t) => {
    keepalivedAvailable();
    await withLab(LAB, async (lab) => {
      const k = startKeepalivedSync(lab, 'a', 'router', keepalivedMembers(lab, 'a', 200));
      await Promise.all(['inside', 'outside'].map((i) => k.waitForState('MASTER', 10_000, 0, i)));
      const [inside, outside] = routerGroups(false, 'vrrp3');
      const b = new GroupsNode(lab, lab.host('b'), [inside, outside]);
      await Promise.all([inside, outside].map((g) => b.waitForState(g, 'BACKUP', 8000)));
      await sleep(1500);
      await bothHeldBy(lab, 'a');

      const kmark = k.process.mark();
      const mark = b.mark();
      await cutOutsideDuring(lab, 'a', 'b', t);
      // keepalived puts both instances in FAULT; its inside says priority 0, so ucarp-ts
      // takes it after the skew time, and its outside follows at once.
      await Promise.all(['outside', 'inside'].map((i) => k.waitForState('FAULT', 1000, kmark, i)));
      assert.match(b.process.output.slice(mark), /outside VRRPv3 vrid 2: \(following sync group router: member inside became MASTER/);
      t.diagnostic(`keepalived: ${k.process.output.slice(kmark).split('\n').filter((l) => /Entering|sync|SYNC/.test(l)).join(' | ')}`);
      t.diagnostic(`ucarp-ts: ${b.process.output.slice(mark).split('\n').filter((l) => /Switching|following/.test(l)).join(' | ')}`);
      await k.stop();
      await b.stop();
    });
  });
});
