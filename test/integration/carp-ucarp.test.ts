// ucarp-ts mixed with Debian's ucarp 1.5.2 on one segment, in lab namespaces: one
// master whichever holds which role, no flapping, failover both ways when the master's
// host dies, the bow-out handover of a stopped ucarp-ts master against ucarp's silent
// exit, ucarp preempting ucarp-ts, and --nomcast between the two.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { withLab, type Lab } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';
import {
  assertHoldersFor,
  assertWithin,
  forgetAddress,
  isBowOut,
  pingDuring,
  preemptWindow,
  silentFailoverWindow,
  SLACK_MS,
  startBackup,
  startCarp,
  startMaster,
  timedPackets,
  ucarpAvailable,
  waitForClientMac,
  waitForHolders,
  type CarpNode,
  type Impl,
} from '../support/carp-lab.js';

requireLab();
ucarpAvailable();
const VIP = '10.77.0.200';
const STEADY_MS = 10_000;
const LAB = { hosts: ['u', 't'], client: true };

/**
 * Starts `first` (advskew 0) and then `second` (advskew 50) as backups together, lets the
 * election run, and checks that `first` alone is MASTER and stays so without flapping.
 */
async function electAndHold(lab: Lab, first: [string, Impl], second: [string, Impl]): Promise<{ master: CarpNode; backup: CarpNode }> {
  const master = await startBackup(lab, first[0], first[1], { vip: VIP, advskew: 0 });
  const backup = await startBackup(lab, second[0], second[1], { vip: VIP, advskew: 50 });
  await master.waitForState('MASTER', master.masterDownMs + 3000);
  await waitForHolders(lab, VIP, [first[0]]);
  const marks = [master.mark(), backup.mark()] as const;
  await assertHoldersFor(lab, VIP, [first[0]], STEADY_MS);
  master.assertNoSwitchSince(marks[0], 'no flapping while both run');
  backup.assertNoSwitchSince(marks[1], 'no flapping while both run');
  assert.deepEqual(master.states(), ['BACKUP', 'MASTER']);
  assert.deepEqual(backup.states(), ['BACKUP']);
  assert.equal(await lab.ping('client', VIP), true);
  assert.equal(await lab.neighMac('client', VIP), lab.host(first[0]).mac);
  return { master, backup };
}

/** Crashes the master's host and checks that the backup takes over within its master-down interval. */
async function crashMaster(t: TestContext, lab: Lab, master: CarpNode, backup: CarpNode): Promise<void> {
  const mark = backup.mark();
  const crashedAt = Date.now();
  await lab.crash(master.host.name);
  const failover = (await backup.waitForState('MASTER', backup.masterDownMs + 3000, mark)) - crashedAt;
  t.diagnostic(`${master.name} host dies -> ${backup.name} MASTER: ${failover} ms (master-down ${backup.masterDownMs.toFixed(0)} ms)`);
  assertWithin('failover', failover, ...silentFailoverWindow(master, backup));
  await forgetAddress(lab, master.host.name, VIP);
  await waitForHolders(lab, VIP, [backup.host.name]);
  await waitForClientMac(lab, VIP, backup.host.mac); // its gratuitous ARP
  assert.equal(await lab.ping('client', VIP), true);
}

/** Brings a crashed host back with a fresh node that must stay BACKUP behind the current master. */
async function rejoinAsBackup(lab: Lab, host: string, impl: Impl, holder: string): Promise<CarpNode> {
  await lab.restoreLink(host);
  const node = await startBackup(lab, host, impl, { vip: VIP, advskew: 0 });
  await assertHoldersFor(lab, VIP, [holder], 2000); // it hears the master (no --preempt: it waits)
  assert.deepEqual(node.states(), ['BACKUP']);
  return node;
}

describe('CARP: ucarp-ts with ucarp 1.5.2', { concurrency: 2 }, () => {
  it('ucarp MASTER, ucarp-ts BACKUP: one master, no flapping; ucarp host dies, ucarp-ts takes over; a stopped ucarp-ts MASTER hands back at once', async (t: TestContext) => {
    await withLab(LAB, async (lab) => {
      const { master: ucarp, backup: ts } = await electAndHold(lab, ['u', 'ucarp'], ['t', 'ucarp-ts']);
      await crashMaster(t, lab, ucarp, ts);

      const ucarp2 = await rejoinAsBackup(lab, 'u', 'ucarp', 't');
      const capture = await lab.tcpdump('client', 'ip proto 112');
      const mark = ucarp2.mark();
      let stoppedAt = 0;
      let masterAt = 0;
      const report = await pingDuring(
        lab,
        VIP,
        async () => {
          stoppedAt = Date.now();
          const status = await ts.stop('SIGTERM');
          assert.equal(status.code, 0);
        },
        async () => {
          masterAt = await ucarp2.waitForState('MASTER', 5000, mark);
          await waitForHolders(lab, VIP, ['u']); // ucarp-ts's downscript (--shutdown) removed it on t
        },
      );
      const bowOut = (await timedPackets((await capture.stop()).pcapPath)).find((p) => isBowOut(p, ts.host.addr));
      assert.ok(bowOut, 'the stopping ucarp-ts master sent the bow-out advert');
      const handover = masterAt - stoppedAt;
      t.diagnostic(
        `ucarp-ts MASTER SIGTERM -> bow-out on the wire ${bowOut.at - stoppedAt} ms -> ucarp MASTER ${handover} ms; ` +
          `client outage ${report.longestGapMs} ms (ucarp's own master-down would be ${ucarp2.masterDownMs.toFixed(0)} ms)`,
      );
      assertWithin('bow-out sent', bowOut.at - stoppedAt, 0, SLACK_MS);
      // ucarp acts on it as soon as libpcap hands it over: no master-down wait.
      assertWithin('ucarp takes over after the bow-out', masterAt - bowOut.at, 0, ucarp2.lateMs + SLACK_MS);
      // ucarp-ts keeps the address until ucarp advertises: the client barely notices.
      assertWithin('client outage', report.longestGapMs, 0, SLACK_MS);
      assert.equal(report.duplicates, 0);
      assert.equal(ts.scriptCalls().at(-1)?.script, 'down');
    });
  });

  it('ucarp-ts MASTER, ucarp BACKUP: one master, no flapping; ucarp-ts host dies, ucarp takes over; a stopped ucarp MASTER just leaves', async (t: TestContext) => {
    await withLab(LAB, async (lab) => {
      const { master: ts, backup: ucarp } = await electAndHold(lab, ['t', 'ucarp-ts'], ['u', 'ucarp']);
      await crashMaster(t, lab, ts, ucarp);

      // For comparison: ucarp sends nothing when stopped, so ucarp-ts waits out its master-down interval.
      const ts2 = await rejoinAsBackup(lab, 't', 'ucarp-ts', 'u');
      const mark = ts2.mark();
      const stoppedAt = Date.now();
      await ucarp.stop('SIGTERM');
      const takeover = (await ts2.waitForState('MASTER', ts2.masterDownMs + 3000, mark)) - stoppedAt;
      t.diagnostic(`ucarp MASTER SIGTERM -> ucarp-ts MASTER: ${takeover} ms (ucarp just leaves; master-down ${ts2.masterDownMs.toFixed(0)} ms)`);
      assertWithin('takeover', takeover, ...silentFailoverWindow(ucarp, ts2));
      await waitForHolders(lab, VIP, ['t']);
    });
  });

  it('--preempt on ucarp: returning with a smaller advskew, ucarp takes the address back from ucarp-ts', async (t: TestContext) => {
    await withLab(LAB, async (lab) => {
      const ts = await startMaster(lab, 't', 'ucarp-ts', { vip: VIP, advskew: 50 });
      const mark = ts.mark();
      const ucarp = startCarp(lab, 'u', 'ucarp', { vip: VIP, advskew: 0, preempt: true });
      const backupAt = await ucarp.waitForState('BACKUP');
      const masterAt = await ucarp.waitForState('MASTER', 5000);
      await ts.waitForState('BACKUP', 3000, mark);
      t.diagnostic(`ucarp --preempt: BACKUP -> MASTER in ${masterAt - backupAt} ms`);
      assertWithin('preemption', masterAt - backupAt, ...preemptWindow(ts, ucarp));
      await waitForHolders(lab, VIP, ['u']);
      const marks = [ucarp.mark(), ts.mark()] as const;
      await assertHoldersFor(lab, VIP, ['u'], 3500);
      ucarp.assertNoSwitchSince(marks[0], 'one master after preemption');
      ts.assertNoSwitchSince(marks[1], 'one master after preemption');
      assert.equal(await lab.ping('client', VIP), true);
    });
  });

  it('--nomcast: ucarp-ts and ucarp hear each other over broadcast frames whose IP destination is the group', async (t: TestContext) => {
    await withLab(LAB, async (lab) => {
      const ts = await startMaster(lab, 't', 'ucarp-ts', { vip: VIP, advskew: 50, nomcast: true });
      const capture = await lab.tcpdump('client', 'ip proto 112');
      const mark = ts.mark();
      // ucarp preempts ucarp-ts only if it hears its adverts; ucarp-ts yields only if it hears ucarp's.
      const ucarp = startCarp(lab, 'u', 'ucarp', { vip: VIP, advskew: 0, preempt: true, nomcast: true });
      const backupAt = await ucarp.waitForState('BACKUP');
      const masterAt = await ucarp.waitForState('MASTER', 5000);
      await ts.waitForState('BACKUP', 3000, mark);
      t.diagnostic(`--nomcast: ucarp preempted ucarp-ts ${masterAt - backupAt} ms after starting to listen`);
      // Heard, not timed out: ucarp's master-down interval is 3 s.
      assertWithin('preemption', masterAt - backupAt, ...preemptWindow(ts, ucarp));
      assert.ok(masterAt - backupAt < ucarp.masterDownMs);
      await waitForHolders(lab, VIP, ['u']);
      await assertHoldersFor(lab, VIP, ['u'], 2500);
      const { lines } = await capture.stop();
      const from = (ip: string) => lines.filter((l) => l.includes(` ${ip} > 224.0.0.18:`));
      assert.ok(from(ts.host.addr).length > 0, `no advert from ucarp-ts captured:\n${lines.join('\n')}`);
      assert.ok(from(ucarp.host.addr).length > 0, `no advert from ucarp captured:\n${lines.join('\n')}`);
      for (const l of lines) {
        assert.match(l, /> ff:ff:ff:ff:ff:ff, ethertype IPv4/, 'every advert is an Ethernet broadcast');
        assert.match(l, / > 224\.0\.0\.18: /, 'with the group as IP destination');
      }
    });
  });
});
