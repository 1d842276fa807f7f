// ucarp-ts and Debian's keepalived 2.2.7 in one VRRPv2 group (RFC 3768, 1 s adverts), in
// namespaces: with and without simple-text authentication, each as master and as backup,
// priority-0 handover both ways, and a wrong password really keeping them apart.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { withLab } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';
import { keepalivedAvailable, startKeepalived } from '../support/keepalived.js';
import { assertSoleHolderFor, outageDuring, startUcarpTs, waitForSoleHolder } from '../support/keepalived-lab.js';

requireLab();
keepalivedAvailable();
const VIPS = ['10.77.0.233', '10.77.0.234'];
const VIP = VIPS[0]!;
const LAB = { hosts: ['ka', 'uts'], client: true };
/** Master_Down_Interval of the lowest priority, plus room for a busy machine. */
const START_MS = 4000 + 5000;
/** RFC 3768 skew of a priority-100 backup: (256 - 100) / 256 s. */
const SKEW_100_MS = ((256 - 100) * 1000) / 256;

describe('VRRPv2 with keepalived', () => {
  for (const password of ['1111', undefined]) {
    const auth = password === undefined ? 'no authentication' : `password "${password}"`;

    it(`${auth}: keepalived MASTER, ucarp-ts BACKUP; keepalived stopped, ucarp-ts takes over within its skew time`, async (t: TestContext) => {
      await withLab(LAB, async (lab) => {
        const ka = startKeepalived(lab, 'ka', { version: 2, vrid: 51, priority: 150, advertInt: 1, vips: VIPS, password });
        await ka.waitForState('MASTER', START_MS);
        const uts = startUcarpTs(lab, 'uts', { protocol: 'vrrp2', vrid: 51, priority: 100, advbase: 1, addrs: VIPS, password });
        await uts.waitForState('BACKUP');
        await assertSoleHolderFor(lab, VIPS, 'ka', 4500); // longer than ucarp-ts's master-down: it hears keepalived
        assert.doesNotMatch(uts.process.output, /Switching to state: MASTER/);

        const mark = uts.process.mark();
        const report = await outageDuring(lab, VIP, () => ka.stop(), async () => {
          await uts.waitForState('MASTER', 5000, mark);
          await waitForSoleHolder(lab, VIPS, 'uts');
        });
        t.diagnostic(`keepalived SIGTERM -> ucarp-ts: outage ${report.longestGapMs} ms (skew ${SKEW_100_MS.toFixed(0)} ms)`);
        assert.ok(report.longestGapMs < SKEW_100_MS + 400, `outage ${report.longestGapMs} ms`);
        await uts.stop();
      });
    });

    it(`${auth}: ucarp-ts MASTER, keepalived BACKUP; ucarp-ts SIGTERMed, keepalived takes over within its skew time`, async (t: TestContext) => {
      await withLab(LAB, async (lab) => {
        const uts = startUcarpTs(lab, 'uts', { protocol: 'vrrp2', vrid: 51, priority: 200, advbase: 1, addrs: VIPS, password });
        await uts.waitForState('MASTER', START_MS);
        const ka = startKeepalived(lab, 'ka', { version: 2, vrid: 51, priority: 100, advertInt: 1, vips: VIPS, password });
        await ka.waitForState('BACKUP');
        await assertSoleHolderFor(lab, VIPS, 'uts', 4500);
        assert.doesNotMatch(ka.process.output, /Entering MASTER|invalid passwd|interval mismatch/);

        const mark = ka.process.mark();
        const report = await outageDuring(lab, VIP, () => uts.stop(), async () => {
          await ka.waitForState('MASTER', 5000, mark);
          await waitForSoleHolder(lab, VIPS, 'ka');
        });
        assert.match(ka.process.output.slice(mark), /Backup received priority 0 advertisement/);
        t.diagnostic(`ucarp-ts SIGTERM -> keepalived: outage ${report.longestGapMs} ms (skew ${SKEW_100_MS.toFixed(0)} ms)`);
        assert.ok(report.longestGapMs < SKEW_100_MS + 400, `outage ${report.longestGapMs} ms`);
        await ka.stop();
      });
    });
  }

  it('a different password keeps them apart: each refuses the other and both become MASTER', async () => {
    await withLab(LAB, async (lab) => {
      const ka = startKeepalived(lab, 'ka', { version: 2, vrid: 51, priority: 150, advertInt: 1, vips: [VIP], password: 'right' });
      const uts = startUcarpTs(lab, 'uts', { protocol: 'vrrp2', vrid: 51, priority: 100, advbase: 1, addrs: [VIP], password: 'wrong' });
      await Promise.all([ka.waitForState('MASTER', START_MS), uts.waitForState('MASTER', START_MS)]);
      await ka.process.waitForOutput(/received an invalid passwd/, 3000);
      const deadline = Date.now() + 3000;
      while ((await lab.holders(VIP)).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual((await lab.holders(VIP)).sort(), ['ka', 'uts']);
      await Promise.all([ka.stop(), uts.stop()]);
    });
  });
});
