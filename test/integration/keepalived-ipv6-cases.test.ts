// More of VRRPv3 over IPv6 between ucarp-ts and keepalived 2.2.7, at 50 ms: preemption
// both ways, the tie-break of equal priorities by source address, and dual stack (an IPv4
// and an IPv6 group with the same VRID on one interface). Unicast peers over IPv6 are a
// case of keepalived-unicast.test.ts.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { withLab } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';
import { keepalivedAvailable, startKeepalived } from '../support/keepalived.js';
import { assertSoleHolderFor, outageDuring, startUcarpTs, waitForSoleHolder } from '../support/keepalived-lab.js';

requireLab();
keepalivedAvailable();
const VIPS = ['fd77::1:e9', 'fd77::1:ea'];
const VIP = VIPS[0]!;
const LAB = { hosts: ['ka', 'uts'], client: true, ipv6: true };
const ADVBASE = 0.05;
const START_MS = 5000;

describe('VRRPv3 over IPv6 with keepalived: preemption, tie-break, dual stack', () => {
  it('preemption both ways: ucarp-ts (200, --preempt) takes over from keepalived (100); keepalived (250) takes it back', async (t: TestContext) => {
    await withLab(LAB, async (lab) => {
      const ka = startKeepalived(lab, 'ka', { version: 3, vrid: 61, priority: 100, advertInt: ADVBASE, vips: VIPS });
      await ka.waitForState('MASTER', START_MS);
      const mark = ka.process.mark();
      const uts = startUcarpTs(lab, 'uts', { protocol: 'vrrp3', vrid: 61, priority: 200, advbase: ADVBASE, addrs: VIPS, preempt: true });
      await uts.waitForState('MASTER', START_MS);
      await ka.waitForState('BACKUP', 2000, mark);
      await waitForSoleHolder(lab, VIPS, 'uts');
      await assertSoleHolderFor(lab, VIPS, 'uts', 500);
      await ka.stop();

      // keepalived preempts by default.
      const ka2 = startKeepalived(lab, 'ka', { version: 3, vrid: 61, priority: 250, advertInt: ADVBASE, vips: VIPS });
      const utsMark = uts.process.mark();
      const report = await outageDuring(lab, VIP, async () => {}, async () => {
        await ka2.waitForState('MASTER', START_MS);
        await uts.waitForState('BACKUP', 2000, utsMark);
        await waitForSoleHolder(lab, VIPS, 'ka');
      });
      t.diagnostic(`keepalived (250) preempts ucarp-ts: longest gap ${report.longestGapMs} ms`);
      await assertSoleHolderFor(lab, VIPS, 'ka', 500);
      await uts.stop();
      await ka2.stop();
    });
  });

  it('equal priorities: of two masters, the one with the smaller link-local address steps down, as both judge it', async () => {
    await withLab(LAB, async (lab) => {
      // ka's fe80::77:ff:fe00:b < uts's fe80::77:ff:fe00:c.
      assert.ok(lab.host('ka').linkLocal! < lab.host('uts').linkLocal!);
      // Both cables silent: each hears nobody and becomes MASTER.
      await lab.netem('ka', 'loss 100%');
      await lab.netem('uts', 'loss 100%');
      const ka = startKeepalived(lab, 'ka', { version: 3, vrid: 61, priority: 100, advertInt: ADVBASE, vips: VIPS });
      const uts = startUcarpTs(lab, 'uts', { protocol: 'vrrp3', vrid: 61, priority: 100, advbase: ADVBASE, addrs: VIPS });
      await ka.waitForState('MASTER', START_MS);
      await uts.waitForState('MASTER', START_MS);
      const [kaMark, utsMark] = [ka.process.mark(), uts.process.mark()];
      // They hear each other again: RFC 5798 §6.4.3, the master with the smaller address yields.
      await lab.clearNetem('ka');
      await lab.clearNetem('uts');
      await ka.waitForState('BACKUP', 3000, kaMark);
      await waitForSoleHolder(lab, VIPS, 'uts');
      await assertSoleHolderFor(lab, VIPS, 'uts', 500);
      assert.doesNotMatch(uts.process.output.slice(utsMark), /Switching to state/, 'ucarp-ts stayed MASTER');
      await uts.stop();
      await ka.stop();
    });
  });

  it('dual stack: an IPv4 and an IPv6 group with VRID 61 on one interface are two routers, each failing over on its own', async () => {
    await withLab(LAB, async (lab) => {
      const VIP4 = '10.77.0.233';
      const ka4 = startKeepalived(lab, 'ka', { version: 3, vrid: 61, priority: 150, advertInt: ADVBASE, vips: [VIP4], instance: 'v4' });
      const ka6 = startKeepalived(lab, 'ka', { version: 3, vrid: 61, priority: 150, advertInt: ADVBASE, vips: VIPS, instance: 'v6' });
      await ka4.waitForState('MASTER', START_MS);
      await ka6.waitForState('MASTER', START_MS);
      const uts4 = startUcarpTs(lab, 'uts', { protocol: 'vrrp3', vrid: 61, priority: 100, advbase: ADVBASE, addrs: [VIP4] });
      const uts6 = startUcarpTs(lab, 'uts', { protocol: 'vrrp3', vrid: 61, priority: 100, advbase: ADVBASE, addrs: VIPS });
      await uts4.waitForState('BACKUP');
      await uts6.waitForState('BACKUP');
      await assertSoleHolderFor(lab, [VIP4, ...VIPS], 'ka', 500);

      // The IPv6 router moves; the IPv4 one stays where it is.
      await ka6.stop();
      await uts6.waitForState('MASTER', 3000);
      await waitForSoleHolder(lab, VIPS, 'uts');
      await assertSoleHolderFor(lab, [VIP4], 'ka', 500);
      assert.doesNotMatch(uts4.process.output, /Switching to state: MASTER/);

      await ka4.stop();
      await uts4.waitForState('MASTER', 3000);
      await waitForSoleHolder(lab, [VIP4], 'uts');
      assert.equal(await lab.ping('client', VIP4), true);
      assert.equal(await lab.ping('client', VIP), true);
      await uts4.stop();
      await uts6.stop();
    });
  });
});
