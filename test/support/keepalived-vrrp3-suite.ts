// One VRRPv3 suite between ucarp-ts and keepalived 2.2.7, run once per address family by
// keepalived-vrrp3.test.ts (IPv4) and keepalived-vrrp3-ipv6.test.ts: election by priority,
// priority-0 handover and crash failover both ways, at 1 s and at 50 ms, two addresses
// moving together, and SIGUSR2 demotion. A client pings the first address every 5 ms; the
// longest gap in its replies is the outage, reported as a test diagnostic. Both families
// make the same checks; IPv6 adds that the client's neighbour entry follows the master.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { withLab, type Lab, type LabOptions } from '../lab/lab.js';
import { startKeepalived } from './keepalived.js';
import { assertSoleHolderFor, forgetDeadHost, outageDuring, startUcarpTs, waitForSoleHolder } from './keepalived-lab.js';

export interface Vrrp3Family {
  /** Put in each describe name, e.g. 'over IPv6'; empty for IPv4. */
  label: string;
  /** The two addresses the group holds; the client pings the first. */
  vips: string[];
  vrid: number;
  lab: LabOptions;
  /** Intervals (ms) for the crash test; the rest runs at 1000 and 50 ms. */
  crashIntervalsMs: number[];
  /** IPv6: the client's neighbour entry must follow the master (the unsolicited NA). */
  clientFollows: boolean;
}

/** RFC 5798 Master_Down_Interval in ms. */
const masterDownMs = (priority: number, intervalMs: number): number => 3 * intervalMs + ((256 - priority) * intervalMs) / 256;

/** The client's neighbour entry for the address names this host's MAC within withinMs. */
export async function assertClientFollows(lab: Lab, addr: string, host: string, withinMs: number): Promise<void> {
  const want = lab.host(host).mac;
  const deadline = Date.now() + withinMs;
  let seen: string | undefined;
  for (;;) {
    seen = await lab.neighMac('client', addr);
    if (seen === want) return;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`the client's neighbour entry for ${addr} is ${seen ?? 'absent'}, not ${host}'s ${want}`);
}

export function vrrp3KeepalivedSuite(f: Vrrp3Family): void {
  const VIPS = f.vips;
  const VIP = VIPS[0]!;
  const vrid = f.vrid;
  const on = f.label ? ` ${f.label}` : '';
  const follows = f.clientFollows ? ', the client follows at once' : '';
  /** Family-specific: the client's neighbour entry names this host (IPv6 only). */
  const clientFollows = async (lab: Lab, host: string, withinMs: number): Promise<void> => {
    if (f.clientFollows) await assertClientFollows(lab, VIP, host, withinMs);
  };

  for (const intervalMs of [1000, 50]) {
    const advbase = intervalMs / 1000;
    // Start-up waits a Master_Down_Interval; leave room for a busy machine.
    const startMs = masterDownMs(1, intervalMs) + 5000;
    // Scripts (ip addr add) and a busy CI machine on top of the protocol's time.
    const slackMs = 400;

    describe(`VRRPv3${on} at ${intervalMs} ms with keepalived`, () => {
      it(`keepalived (150) is MASTER, ucarp-ts (100) BACKUP; keepalived stopped: ucarp-ts takes over within its skew time${follows}`, async (t: TestContext) => {
        await withLab(f.lab, async (lab) => {
          const ka = startKeepalived(lab, 'ka', { version: 3, vrid, priority: 150, advertInt: advbase, vips: VIPS });
          await ka.waitForState('MASTER', startMs);
          const uts = startUcarpTs(lab, 'uts', { protocol: 'vrrp3', vrid, priority: 100, advbase, addrs: VIPS });
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

      it('ucarp-ts (200) is MASTER, keepalived (100) BACKUP; ucarp-ts SIGTERMed: its priority-0 advert hands over to keepalived at once', async (t: TestContext) => {
        await withLab(f.lab, async (lab) => {
          const uts = startUcarpTs(lab, 'uts', { protocol: 'vrrp3', vrid, priority: 200, advbase, addrs: VIPS });
          await uts.waitForState('MASTER', startMs);
          const ka = startKeepalived(lab, 'ka', { version: 3, vrid, priority: 100, advertInt: advbase, vips: VIPS });
          await ka.waitForState('BACKUP');
          await assertSoleHolderFor(lab, VIPS, 'uts', Math.max(500, 4 * intervalMs));
          assert.doesNotMatch(ka.process.output, /Entering MASTER/, 'keepalived followed ucarp-ts from the start');
          assert.equal(await lab.ping('client', VIP), true, 'the client reaches the address through ucarp-ts');
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

      if (f.crashIntervalsMs.includes(intervalMs)) it('crash failover both ways: the backup takes over after Master_Down_Interval', async (t: TestContext) => {
        await withLab(f.lab, async (lab) => {
          // keepalived dies; ucarp-ts (100) takes over.
          const ka = startKeepalived(lab, 'ka', { version: 3, vrid, priority: 150, advertInt: advbase, vips: VIPS });
          await ka.waitForState('MASTER', startMs);
          const uts = startUcarpTs(lab, 'uts', { protocol: 'vrrp3', vrid, priority: 100, advbase, addrs: VIPS });
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
        await withLab(f.lab, async (lab) => {
          // ucarp-ts dies; keepalived (100) takes over.
          const uts = startUcarpTs(lab, 'uts', { protocol: 'vrrp3', vrid, priority: 150, advbase, addrs: VIPS });
          await uts.waitForState('MASTER', startMs);
          const ka = startKeepalived(lab, 'ka', { version: 3, vrid, priority: 100, advertInt: advbase, vips: VIPS });
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

  describe(`VRRPv3${on} at 50 ms with keepalived: SIGUSR2`, () => {
    it('a demoted ucarp-ts master hands over to keepalived at once and stays BACKUP', async (t: TestContext) => {
      await withLab(f.lab, async (lab) => {
        const uts = startUcarpTs(lab, 'uts', { protocol: 'vrrp3', vrid, priority: 200, advbase: 0.05, addrs: VIPS });
        await uts.waitForState('MASTER', masterDownMs(1, 50) + 5000);
        const ka = startKeepalived(lab, 'ka', { version: 3, vrid, priority: 100, advertInt: 0.05, vips: VIPS });
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
