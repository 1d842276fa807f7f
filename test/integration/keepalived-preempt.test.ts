// Preemption between ucarp-ts and keepalived 2.2.7 (VRRPv3, 50 ms, to keep it short).
// keepalived preempts unless told nopreempt; ucarp-ts only with --preempt (ucarp's
// default), except as the address owner (priority 255), which always preempts.
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
const START_MS = 5000;
/** Long enough for any backup to have taken over had it wanted to: 20 intervals. */
const HOLD_MS = 1000;

describe('VRRPv3 preemption with keepalived', () => {
  it('keepalived (200, preempting by default) takes the addresses from a ucarp-ts master (100)', async (t: TestContext) => {
    await withLab(LAB, async (lab) => {
      const uts = startUcarpTs(lab, 'uts', { protocol: 'vrrp3', vrid: 51, priority: 100, advbase: 0.05, addrs: VIPS });
      await uts.waitForState('MASTER', START_MS);
      await waitForSoleHolder(lab, VIPS, 'uts');
      const mark = uts.process.mark();
      let ka: ReturnType<typeof startKeepalived> | undefined;
      const report = await outageDuring(lab, VIP, async () => {
        ka = startKeepalived(lab, 'ka', { version: 3, vrid: 51, priority: 200, advertInt: 0.05, vips: VIPS });
      }, async () => {
        await uts.waitForState('BACKUP', START_MS, mark);
        await waitForSoleHolder(lab, VIPS, 'ka');
      });
      t.diagnostic(`keepalived preempts ucarp-ts: outage ${report.longestGapMs} ms`);
      await assertSoleHolderFor(lab, VIPS, 'ka', HOLD_MS);
      await ka!.stop();
    });
  });

  it('keepalived (200) with nopreempt leaves a ucarp-ts master (100) alone', async () => {
    await withLab(LAB, async (lab) => {
      const uts = startUcarpTs(lab, 'uts', { protocol: 'vrrp3', vrid: 51, priority: 100, advbase: 0.05, addrs: VIPS });
      await uts.waitForState('MASTER', START_MS);
      const ka = startKeepalived(lab, 'ka', { version: 3, vrid: 51, priority: 200, advertInt: 0.05, vips: VIPS, nopreempt: true });
      await ka.waitForState('BACKUP');
      await assertSoleHolderFor(lab, VIPS, 'uts', HOLD_MS);
      assert.doesNotMatch(ka.process.output, /Entering MASTER/);
      await ka.stop();
    });
  });

  for (const preempt of [true, false]) {
    it(`ucarp-ts (200) ${preempt ? 'with' : 'without'} --preempt ${preempt ? 'takes over from' : 'waits behind'} a keepalived master (100)`, async (t: TestContext) => {
      await withLab(LAB, async (lab) => {
        const ka = startKeepalived(lab, 'ka', { version: 3, vrid: 51, priority: 100, advertInt: 0.05, vips: VIPS });
        await ka.waitForState('MASTER', START_MS);
        await waitForSoleHolder(lab, VIPS, 'ka');
        const mark = ka.process.mark();
        if (!preempt) {
          const uts = startUcarpTs(lab, 'uts', { protocol: 'vrrp3', vrid: 51, priority: 200, advbase: 0.05, addrs: VIPS });
          await uts.waitForState('BACKUP');
          await assertSoleHolderFor(lab, VIPS, 'ka', HOLD_MS);
          assert.doesNotMatch(uts.process.output, /Switching to state: MASTER/);
          return;
        }
        const report = await outageDuring(lab, VIP, async () => {
          startUcarpTs(lab, 'uts', { protocol: 'vrrp3', vrid: 51, priority: 200, advbase: 0.05, addrs: VIPS, preempt: true });
        }, async () => {
          await ka.waitForState('BACKUP', START_MS, mark);
          await waitForSoleHolder(lab, VIPS, 'uts');
        });
        t.diagnostic(`ucarp-ts --preempt takes over from keepalived: outage ${report.longestGapMs} ms`);
        await assertSoleHolderFor(lab, VIPS, 'uts', HOLD_MS);
      });
    });
  }

  it('ucarp-ts as address owner (255) takes over from a keepalived master at once, without --preempt', async (t: TestContext) => {
    await withLab(LAB, async (lab) => {
      const ka = startKeepalived(lab, 'ka', { version: 3, vrid: 51, priority: 100, advertInt: 0.05, vips: VIPS });
      await ka.waitForState('MASTER', START_MS);
      await waitForSoleHolder(lab, VIPS, 'ka');
      const mark = ka.process.mark();
      let uts: ReturnType<typeof startUcarpTs> | undefined;
      const report = await outageDuring(lab, VIP, async () => {
        uts = startUcarpTs(lab, 'uts', { protocol: 'vrrp3', vrid: 51, priority: 255, advbase: 0.05, addrs: VIPS });
        await uts.waitForState('MASTER', START_MS);
      }, async () => {
        await ka.waitForState('BACKUP', START_MS, mark);
        await waitForSoleHolder(lab, VIPS, 'uts');
      });
      assert.doesNotMatch(uts!.process.output, /Switching to state: BACKUP/, 'the owner never waits as BACKUP');
      t.diagnostic(`owner ucarp-ts takes over from keepalived: outage ${report.longestGapMs} ms`);
      await assertSoleHolderFor(lab, VIPS, 'uts', HOLD_MS);
    });
  });
});
