// ucarp-ts and Debian's keepalived 2.2.7 in one VRRPv3 group over IPv6, in namespaces
// with IPv6 on the bridge: election by priority, priority-0 handover and crash failover
// both ways, at 1 s and at 50 ms, two addresses moving together. ucarp-ts runs without
// --srcip (its link-local address is the source). A client pings the first address
// (ping -6) every 5 ms; the longest gap in its replies is the outage, and its neighbour
// entry must follow ucarp-ts's MAC as soon as ucarp-ts takes over (the unsolicited NA).
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { withLab, type Lab } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';
import { keepalivedAvailable, startKeepalived } from '../support/keepalived.js';
import { assertSoleHolderFor, forgetDeadHost, outageDuring, startUcarpTs, waitForSoleHolder } from '../support/keepalived-lab.js';

requireLab();
keepalivedAvailable();
// In the lab's fd77::/64, so on-link for the client.
const VIPS = ['fd77::1:e9', 'fd77::1:ea'];
const VIP = VIPS[0]!;
const LAB = { hosts: ['ka', 'uts'], client: true, ipv6: true };

/** RFC 5798 Master_Down_Interval in ms. */
const masterDownMs = (priority: number, intervalMs: number): number => 3 * intervalMs + ((256 - priority) * intervalMs) / 256;

/** The client's neighbour entry for the address names this host's MAC. */
async function clientFollows(lab: Lab, host: string, withinMs: number): Promise<void> {
  const want = lab.host(host).mac;
  const deadline = Date.now() + withinMs;
  let seen: string | undefined;
  for (;;) {
    seen = await lab.neighMac('client', VIP);
    if (seen === want) return;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`the client's neighbour entry for ${VIP} is ${seen ?? 'absent'}, not ${host}'s ${want}`);
}

for (const intervalMs of [1000, 50]) {
  const advbase = intervalMs / 1000;
  const startMs = masterDownMs(1, intervalMs) + 5000;
  const slackMs = 400;

  describe(`VRRPv3 over IPv6 at ${intervalMs} ms with keepalived`, () => {
    it('keepalived (150) MASTER, ucarp-ts (100) BACKUP; keepalived stopped: ucarp-ts takes over, the client follows at once', async (t: TestContext) => {
      await withLab(LAB, async (lab) => {
        const ka = startKeepalived(lab, 'ka', { version: 3, vrid: 61, priority: 150, advertInt: advbase, vips: VIPS });
        await ka.waitForState('MASTER', startMs);
        const uts = startUcarpTs(lab, 'uts', { protocol: 'vrrp3', vrid: 61, priority: 100, advbase, addrs: VIPS });
        await uts.waitForState('BACKUP');
        await assertSoleHolderFor(lab, VIPS, 'ka', Math.max(500, 4 * intervalMs));
        assert.equal(await lab.ping('client', VIP), true, 'the client reaches the address through keepalived');
        await clientFollows(lab, 'ka', 0);

        const mark = uts.process.mark();
        const report = await outageDuring(lab, VIP, () => ka.stop(), async () => {
          await uts.waitForState('MASTER', 5000, mark);
          await waitForSoleHolder(lab, VIPS, 'uts');
          // Right after the takeover: the unsolicited NA, not the client's own probing (seconds later).
          await clientFollows(lab, 'uts', 300);
        });
        const skewMs = ((256 - 100) * intervalMs) / 256;
        t.diagnostic(`keepalived SIGTERM -> ucarp-ts: outage ${report.longestGapMs} ms (skew ${skewMs.toFixed(0)} ms)`);
        assert.ok(report.longestGapMs < skewMs + slackMs, `outage ${report.longestGapMs} ms`);
        await uts.stop();
      });
    });

    it('ucarp-ts (200) MASTER, keepalived (100) BACKUP; ucarp-ts stopped: its priority-0 advert hands over at once', async (t: TestContext) => {
      await withLab(LAB, async (lab) => {
        const uts = startUcarpTs(lab, 'uts', { protocol: 'vrrp3', vrid: 61, priority: 200, advbase, addrs: VIPS });
        await uts.waitForState('MASTER', startMs);
        const ka = startKeepalived(lab, 'ka', { version: 3, vrid: 61, priority: 100, advertInt: advbase, vips: VIPS });
        await ka.waitForState('BACKUP');
        await assertSoleHolderFor(lab, VIPS, 'uts', Math.max(500, 4 * intervalMs));
        assert.doesNotMatch(ka.process.output, /Entering MASTER/, 'keepalived followed ucarp-ts from the start');
        assert.equal(await lab.ping('client', VIP), true);
        await clientFollows(lab, 'uts', 0);

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

    // At 50 ms only: at 1 s the same code path only waits longer.
    if (intervalMs === 50) it('crash failover both ways: the backup takes over after Master_Down_Interval', async (t: TestContext) => {
      await withLab(LAB, async (lab) => {
        const ka = startKeepalived(lab, 'ka', { version: 3, vrid: 61, priority: 150, advertInt: advbase, vips: VIPS });
        await ka.waitForState('MASTER', startMs);
        const uts = startUcarpTs(lab, 'uts', { protocol: 'vrrp3', vrid: 61, priority: 100, advbase, addrs: VIPS });
        await uts.waitForState('BACKUP');
        await waitForSoleHolder(lab, VIPS, 'ka');
        const mark = uts.process.mark();
        const down = masterDownMs(100, intervalMs);
        const report = await outageDuring(lab, VIP, () => lab.crash('ka'), () => uts.waitForState('MASTER', down + 5000, mark));
        t.diagnostic(`keepalived host dies -> ucarp-ts: outage ${report.longestGapMs} ms (master down ${down.toFixed(0)} ms)`);
        assert.ok(report.longestGapMs < down + slackMs, `outage ${report.longestGapMs} ms`);
        await forgetDeadHost(lab, 'ka', VIPS);
        await waitForSoleHolder(lab, VIPS, 'uts');
        await clientFollows(lab, 'uts', 300);
      });
      await withLab(LAB, async (lab) => {
        const uts = startUcarpTs(lab, 'uts', { protocol: 'vrrp3', vrid: 61, priority: 150, advbase, addrs: VIPS });
        await uts.waitForState('MASTER', startMs);
        const ka = startKeepalived(lab, 'ka', { version: 3, vrid: 61, priority: 100, advertInt: advbase, vips: VIPS });
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
}
