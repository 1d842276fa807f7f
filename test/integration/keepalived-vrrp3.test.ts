// ucarp-ts and Debian's keepalived 2.2.7 in one VRRPv3 group, in namespaces: election by
// priority, priority-0 handover and crash failover both ways, at 1 s and at 50 ms, two
// addresses moving together, and SIGUSR2 demotion. A client pings the first address every
// 5 ms; the longest gap in its replies is the outage, reported as a test diagnostic.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { withLab } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';
import { keepalivedAvailable, startKeepalived } from '../support/keepalived.js';
import { assertSoleHolderFor, forgetDeadHost, outageDuring, startUcarpTs, waitForSoleHolder } from '../support/keepalived-lab.js';

requireLab();
keepalivedAvailable();
const VIPS = ['10.77.0.233', '10.77.0.234'];
const VIP = VIPS[0]!;
const LAB = { hosts: ['ka', 'uts'], client: true };

/** RFC 5798 Master_Down_Interval in ms. */
const masterDownMs = (priority: number, intervalMs: number): number => 3 * intervalMs + ((256 - priority) * intervalMs) / 256;

for (const intervalMs of [1000, 50]) {
  const advbase = intervalMs / 1000;
  // Start-up waits a Master_Down_Interval; leave room for a busy machine.
  const startMs = masterDownMs(1, intervalMs) + 5000;
  // Scripts (ip addr add) and a busy CI machine on top of the protocol's time.
  const slackMs = 400;

  describe(`VRRPv3 at ${intervalMs} ms with keepalived`, () => {
    it('keepalived (150) is MASTER, ucarp-ts (100) BACKUP; keepalived stopped: ucarp-ts takes over within its skew time', async (t: TestContext) => {
      await withLab(LAB, async (lab) => {
        const ka = startKeepalived(lab, 'ka', { version: 3, vrid: 51, priority: 150, advertInt: advbase, vips: VIPS });
        await ka.waitForState('MASTER', startMs);
        const uts = startUcarpTs(lab, 'uts', { protocol: 'vrrp3', vrid: 51, priority: 100, advbase, addrs: VIPS });
        await uts.waitForState('BACKUP');
        await assertSoleHolderFor(lab, VIPS, 'ka', Math.max(500, 4 * intervalMs));

        const mark = uts.process.mark();
        const report = await outageDuring(lab, VIP, () => ka.stop(), async () => {
          await uts.waitForState('MASTER', 5000, mark);
          await waitForSoleHolder(lab, VIPS, 'uts');
        });
        const skewMs = ((256 - 100) * intervalMs) / 256;
        t.diagnostic(`keepalived SIGTERM -> ucarp-ts: outage ${report.longestGapMs} ms (skew ${skewMs.toFixed(0)} ms)`);
        assert.ok(report.longestGapMs < skewMs + slackMs, `outage ${report.longestGapMs} ms`);
        await uts.stop();
      });
    });

    it('ucarp-ts (200) is MASTER, keepalived (100) BACKUP; ucarp-ts SIGTERMed: keepalived takes over at once', async (t: TestContext) => {
      await withLab(LAB, async (lab) => {
        const uts = startUcarpTs(lab, 'uts', { protocol: 'vrrp3', vrid: 51, priority: 200, advbase, addrs: VIPS });
        await uts.waitForState('MASTER', startMs);
        const ka = startKeepalived(lab, 'ka', { version: 3, vrid: 51, priority: 100, advertInt: advbase, vips: VIPS });
        await ka.waitForState('BACKUP');
        await assertSoleHolderFor(lab, VIPS, 'uts', Math.max(500, 4 * intervalMs));
        assert.doesNotMatch(ka.process.output, /Entering MASTER/, 'keepalived followed ucarp-ts from the start');

        const mark = ka.process.mark();
        const report = await outageDuring(lab, VIP, () => uts.stop(), async () => {
          await ka.waitForState('MASTER', 5000, mark);
          await waitForSoleHolder(lab, VIPS, 'ka');
        });
        assert.match(ka.process.output.slice(mark), /Backup received priority 0 advertisement/);
        const skewMs = ((256 - 100) * intervalMs) / 256;
        t.diagnostic(`ucarp-ts SIGTERM -> keepalived: outage ${report.longestGapMs} ms (skew ${skewMs.toFixed(0)} ms)`);
        assert.ok(report.longestGapMs < skewMs + slackMs, `outage ${report.longestGapMs} ms`);
        await ka.stop();
      });
    });

    it('crash failover both ways: the backup takes over after Master_Down_Interval', async (t: TestContext) => {
      await withLab(LAB, async (lab) => {
        // keepalived dies; ucarp-ts (100) takes over.
        const ka = startKeepalived(lab, 'ka', { version: 3, vrid: 51, priority: 150, advertInt: advbase, vips: VIPS });
        await ka.waitForState('MASTER', startMs);
        const uts = startUcarpTs(lab, 'uts', { protocol: 'vrrp3', vrid: 51, priority: 100, advbase, addrs: VIPS });
        await uts.waitForState('BACKUP');
        await waitForSoleHolder(lab, VIPS, 'ka');
        const mark = uts.process.mark();
        const down = masterDownMs(100, intervalMs);
        const report = await outageDuring(lab, VIP, () => lab.crash('ka'), () => uts.waitForState('MASTER', down + 5000, mark));
        t.diagnostic(`keepalived host dies -> ucarp-ts: outage ${report.longestGapMs} ms (master down ${down.toFixed(0)} ms)`);
        assert.ok(report.longestGapMs < down + slackMs, `outage ${report.longestGapMs} ms`);
        await forgetDeadHost(lab, 'ka', VIPS);
        await waitForSoleHolder(lab, VIPS, 'uts');
      });
      await withLab(LAB, async (lab) => {
        // ucarp-ts dies; keepalived (100) takes over.
        const uts = startUcarpTs(lab, 'uts', { protocol: 'vrrp3', vrid: 51, priority: 150, advbase, addrs: VIPS });
        await uts.waitForState('MASTER', startMs);
        const ka = startKeepalived(lab, 'ka', { version: 3, vrid: 51, priority: 100, advertInt: advbase, vips: VIPS });
        await ka.waitForState('BACKUP');
        await waitForSoleHolder(lab, VIPS, 'uts');
        const mark = ka.process.mark();
        const down = masterDownMs(100, intervalMs);
        const report = await outageDuring(lab, VIP, () => lab.crash('uts'), () => ka.waitForState('MASTER', down + 5000, mark));
        t.diagnostic(`ucarp-ts host dies -> keepalived: outage ${report.longestGapMs} ms (master down ${down.toFixed(0)} ms)`);
        assert.ok(report.longestGapMs < down + slackMs, `outage ${report.longestGapMs} ms`);
        await forgetDeadHost(lab, 'uts', VIPS);
        await waitForSoleHolder(lab, VIPS, 'ka');
      });
    });
  });

  if (intervalMs !== 50) continue;

  describe('VRRPv3 at 50 ms with keepalived: SIGUSR2', () => {
    it('a demoted ucarp-ts master hands over to keepalived at once and stays BACKUP', async (t: TestContext) => {
      await withLab(LAB, async (lab) => {
        const uts = startUcarpTs(lab, 'uts', { protocol: 'vrrp3', vrid: 51, priority: 200, advbase: 0.05, addrs: VIPS });
        await uts.waitForState('MASTER', startMs);
        const ka = startKeepalived(lab, 'ka', { version: 3, vrid: 51, priority: 100, advertInt: 0.05, vips: VIPS });
        await ka.waitForState('BACKUP');
        await waitForSoleHolder(lab, VIPS, 'uts');
        const mark = ka.process.mark();
        const report = await outageDuring(lab, VIP, async () => {
          process.kill(uts.process.pid, 'SIGUSR2');
        }, async () => {
          await ka.waitForState('MASTER', 5000, mark);
          await waitForSoleHolder(lab, VIPS, 'ka');
        });
        t.diagnostic(`SIGUSR2 ucarp-ts -> keepalived: outage ${report.longestGapMs} ms`);
        assert.ok(report.longestGapMs < 400, `outage ${report.longestGapMs} ms`);
        // Past the 3 s quiet period, ucarp-ts (no --preempt) follows keepalived.
        await assertSoleHolderFor(lab, VIPS, 'ka', 3500);
        assert.ok(uts.process.running);
        await uts.stop();
        await ka.stop();
      });
    });
  });
}
