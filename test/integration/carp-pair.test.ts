// ucarp-ts with ucarp-ts in lab namespaces: the election, failover when the master's
// host dies (with the client's ARP entry following the new master) and when only its
// process is killed, loss of carrier with a new election on its return, preemption.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { withLab, type Lab } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';
import {
  assertHoldersFor,
  assertWithin,
  forgetAddress,
  pingDuring,
  preemptWindow,
  silentFailoverWindow,
  SLACK_MS,
  startBackup,
  startCarp,
  startMaster,
  waitForClientMac,
  waitForHolders,
  type CarpNode,
} from '../support/carp-lab.js';

requireLab();

const VIP = '10.77.0.200';
const LAB = { hosts: ['a', 'b'], client: true };

/** Starts a (advskew 0) and then b (advskew 50) as backups together; a must win. */
async function electPair(lab: Lab, extra: { preempt?: boolean } = {}): Promise<{ a: CarpNode; b: CarpNode }> {
  const a = await startBackup(lab, 'a', 'ucarp-ts', { vip: VIP, advskew: 0, ...extra });
  const b = await startBackup(lab, 'b', 'ucarp-ts', { vip: VIP, advskew: 50, ...extra });
  await a.waitForState('MASTER', a.masterDownMs + 3000);
  await waitForHolders(lab, VIP, ['a']);
  return { a, b };
}

describe('CARP: ucarp-ts with ucarp-ts', { concurrency: 2 }, () => {
  it('elects the smaller advskew; when the master host dies the backup takes over within its master-down interval and the client follows', async (t: TestContext) => {
    await withLab(LAB, async (lab) => {
      const { a, b } = await electPair(lab);
      await assertHoldersFor(lab, VIP, ['a'], 1500);
      assert.deepEqual(a.states(), ['BACKUP', 'MASTER']);
      assert.deepEqual(b.states(), ['BACKUP'], 'b heard a and stayed BACKUP');
      assert.equal(await lab.ping('client', VIP), true);
      assert.equal(await lab.neighMac('client', VIP), lab.host('a').mac);

      const arp = await lab.tcpdump('client', 'arp');
      const mark = b.mark();
      let crashedAt = 0;
      let masterAt = 0;
      const report = await pingDuring(
        lab,
        VIP,
        async () => {
          crashedAt = Date.now();
          await lab.crash('a');
        },
        async () => {
          masterAt = await b.waitForState('MASTER', b.masterDownMs + 3000, mark);
          await forgetAddress(lab, 'a', VIP);
          await waitForHolders(lab, VIP, ['b']);
          await waitForClientMac(lab, VIP, lab.host('b').mac);
        },
      );
      const captured = await arp.stop();
      const failover = masterAt - crashedAt;
      t.diagnostic(`host crash -> ucarp-ts backup MASTER: ${failover} ms (master-down ${b.masterDownMs.toFixed(0)} ms); client outage ${report.longestGapMs} ms`);
      // The last advert came at most one interval before the crash.
      assertWithin('failover', failover, ...silentFailoverWindow(a, b));
      assertWithin('client outage', report.longestGapMs, b.masterDownMs - a.advertIntervalMs, b.masterDownMs + SLACK_MS + 300);
      assert.equal(report.duplicates, 0);

      // The client learnt b's MAC from b's gratuitous ARP, not by asking.
      const bMac = lab.host('b').mac;
      assert.ok(
        captured.lines.some((l) => l.includes(`${bMac} > ff:ff:ff:ff:ff:ff`) && l.includes(`who-has ${VIP} (ff:ff:ff:ff:ff:ff) tell ${VIP}`)),
        `no gratuitous ARP from b:\n${captured.lines.join('\n')}`,
      );
      const asked = captured.lines.filter((l) => l.includes(`who-has ${VIP} tell ${lab.host('client').addr}`));
      assert.deepEqual(asked, [], 'the client never had to ask for the address');
      assert.equal(await lab.ping('client', VIP), true);
    });
  });

  it('when only the master process is killed (SIGKILL), the backup takes over within its master-down interval', async (t: TestContext) => {
    await withLab(LAB, async (lab) => {
      const { a, b } = await electPair(lab);
      assert.equal(await lab.ping('client', VIP), true);
      const mark = b.mark();
      const killedAt = Date.now();
      const status = await a.stop('SIGKILL');
      assert.equal(status.signal, 'SIGKILL');
      const failover = (await b.waitForState('MASTER', b.masterDownMs + 3000, mark)) - killedAt;
      t.diagnostic(`master SIGKILLed -> ucarp-ts backup MASTER: ${failover} ms (master-down ${b.masterDownMs.toFixed(0)} ms)`);
      assertWithin('failover', failover, ...silentFailoverWindow(a, b));
      // A killed daemon runs no downscript: the address stays on a until someone removes it.
      await waitForHolders(lab, VIP, ['a', 'b']);
      await forgetAddress(lab, 'a', VIP);
      await waitForHolders(lab, VIP, ['b']);
      await waitForClientMac(lab, VIP, lab.host('b').mac);
      assert.equal(await lab.ping('client', VIP), true);
      assert.deepEqual(b.states(), ['BACKUP', 'MASTER']);
    });
  });

  it('loss of carrier: the master goes BACKUP and runs its downscript, the other takes over; on return a new election gives the preempting node back the address', async (t: TestContext) => {
    await withLab(LAB, async (lab) => {
      const { a, b } = await electPair(lab, { preempt: true });
      const aMark = a.mark();
      const bMark = b.mark();
      const cutAt = Date.now();
      await lab.cutLink('a');
      await a.process.waitForOutput(/eth0 lost carrier/, 2000, aMark);
      await a.waitForState('BACKUP', 2000, aMark);
      const takeover = (await b.waitForState('MASTER', b.masterDownMs + 3000, bMark)) - cutAt;
      t.diagnostic(`carrier lost on the master -> other MASTER: ${takeover} ms (master-down ${b.masterDownMs.toFixed(0)} ms)`);
      assertWithin('takeover', takeover, ...silentFailoverWindow(a, b));
      await waitForHolders(lab, VIP, ['b']); // a's downscript removed it there
      const aDown = a.scriptCalls().at(-1);
      assert.equal(aDown?.script, 'down');
      assert.equal(aDown.env.UCARP_STATE, 'BACKUP');
      assert.deepEqual(aDown.args, ['eth0', VIP]);

      const aBack = a.mark();
      const bBack = b.mark();
      const restoredAt = Date.now();
      await lab.restoreLink('a');
      await a.process.waitForOutput(/eth0 is running again: new election/, 2000, aBack);
      // a hears b's slower adverts and preempts: within one of b's intervals, not a master-down wait.
      const back = (await a.waitForState('MASTER', 5000, aBack)) - restoredAt;
      await b.waitForState('BACKUP', 3000, bBack);
      t.diagnostic(`carrier back -> preempting node MASTER again: ${back} ms`);
      assertWithin('preempt after the link returned', back, ...preemptWindow(b, a));
      await waitForHolders(lab, VIP, ['a']);
      const aSwitches = a.mark();
      const bSwitches = b.mark();
      await assertHoldersFor(lab, VIP, ['a'], 3500);
      a.assertNoSwitchSince(aSwitches, 'one master after the new election');
      b.assertNoSwitchSince(bSwitches, 'one master after the new election');
      assert.equal(await lab.ping('client', VIP), true);
    });
  });

  it('preemption: a better node that comes back takes the address only with --preempt', async (t: TestContext) => {
    await withLab(LAB, async (lab) => {
      const b = await startMaster(lab, 'b', 'ucarp-ts', { vip: VIP, advskew: 50 });

      // Without --preempt the current master keeps it, well past a's master-down interval.
      const patient = await startBackup(lab, 'a', 'ucarp-ts', { vip: VIP, advskew: 0 });
      await assertHoldersFor(lab, VIP, ['b'], patient.masterDownMs + 1000);
      assert.deepEqual(patient.states(), ['BACKUP']);
      assert.deepEqual((await patient.stop()).code, 0);

      const bMark = b.mark();
      const eager = startCarp(lab, 'a', 'ucarp-ts', { vip: VIP, advskew: 0, preempt: true });
      const backupAt = await eager.waitForState('BACKUP');
      const masterAt = await eager.waitForState('MASTER', 5000);
      await b.waitForState('BACKUP', 3000, bMark);
      t.diagnostic(`--preempt: BACKUP -> MASTER in ${masterAt - backupAt} ms (b advertises every ${b.advertIntervalMs.toFixed(0)} ms)`);
      assertWithin('preemption', masterAt - backupAt, ...preemptWindow(b, eager));
      await waitForHolders(lab, VIP, ['a']);
      await assertHoldersFor(lab, VIP, ['a'], 2000);
      assert.deepEqual(b.states(), ['BACKUP', 'MASTER', 'BACKUP']);
    });
  });
});
