// Health checks in lab namespaces, with a real HTTP service in every host: kill it on the
// master and the address moves to a healthy node (ucarp-ts, Debian's ucarp, keepalived)
// within fall x interval + 100 ms (plus room for a loaded machine); start it again and,
// with --preempt, the address comes back.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, it, type TestContext } from 'node:test';
import { withLab, type Lab } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';
import {
  assertWithin,
  startBackup,
  startMaster,
  timedPackets,
  ucarpAvailable,
  UCARP_LATE_MS,
  waitForClientMac,
  waitForHolders,
} from '../support/carp-lab.js';
import { serviceCheck, startServices } from '../support/http-service.js';
import { keepalivedAvailable, startKeepalived } from '../support/keepalived.js';
import { startUcarpTs, waitForSoleHolder } from '../support/keepalived-lab.js';

requireLab();
ucarpAvailable();
keepalivedAvailable();

const VIP = '10.77.0.200';
const INTERVAL_S = 0.5;
const FALL = 2;
const CHECK = serviceCheck(`,interval=${INTERVAL_S},fall=${FALL},rise=2`);
/** The bound: fall x interval + 100 ms. */
const BOUND_MS = FALL * INTERVAL_S * 1000 + 100;
/** What a loaded 2-core CI machine may add to the bound (other lab tests share it). */
const LOAD_MS = 250;

/** Kills the service on `from` and waits until the client reaches `to` for the address; the time it took. */
async function killAndFollow(lab: Lab, services: Awaited<ReturnType<typeof startServices>>, from: string, to: string): Promise<number> {
  assert.equal(await lab.ping('client', VIP), true);
  assert.equal(await lab.neighMac('client', VIP), lab.host(from).mac);
  const killedAt = await services.get(from)!.kill();
  const movedAt = await waitForClientMac(lab, VIP, lab.host(to).mac, BOUND_MS + 3000);
  await waitForHolders(lab, VIP, [to]);
  return movedAt - killedAt;
}

describe('health checks: the address follows the service', { concurrency: 2 }, () => {
  it('ucarp-ts pair: the master whose service dies hands over within fall x interval + 100 ms; with --preempt it takes the address back', async (t: TestContext) => {
    await withLab({ hosts: ['a', 'b'], client: true }, async (lab) => {
      const services = await startServices(lab, ['a', 'b']);
      const a = await startMaster(lab, 'a', 'ucarp-ts', { vip: VIP, advskew: 0, preempt: true, extraArgs: [CHECK] });
      const b = await startBackup(lab, 'b', 'ucarp-ts', { vip: VIP, advskew: 50, extraArgs: [CHECK] });
      await waitForHolders(lab, VIP, ['a']);
      const mark = a.mark();
      const outage = await killAndFollow(lab, services, 'a', 'b');
      t.diagnostic(`service killed on the master -> client reaches b: ${outage} ms (bound ${BOUND_MS} ms)`);
      assertWithin('outage', outage, 0, BOUND_MS + LOAD_MS);
      await a.waitForState('FAULT', 2000, mark);
      assert.match(a.process.output.slice(mark), /Check http:\/\/127\.0\.0\.1:8080\/health\S*: failing \(connect ECONNREFUSED\)/);
      assert.equal([...a.process.output.slice(mark).matchAll(/Check /g)].length, 1, 'one line per change, not one per run');
      const down = a.scriptCalls().at(-1)!;
      assert.equal(down.script, 'down');
      assert.equal(down.env.UCARP_STATE, 'FAULT');
      assert.match(down.env.UCARP_CHECK_FAILED ?? '', /^http:\/\/127\.0\.0\.1:8080\/health/);
      const statusMark = a.mark();
      a.signal('SIGUSR1');
      await a.process.waitForOutput(/FAULT on eth0 id 7 .*checks: http:\S+ failing \(connect ECONNREFUSED\)/, 2000, statusMark);

      // Healthy again: BACKUP after rise results, then --preempt takes over at b's next advert.
      const back = a.mark();
      const restartedAt = Date.now();
      await services.get('a')!.start();
      await a.waitForState('BACKUP', 3000, back);
      const masterAt = await a.waitForState('MASTER', 3000, back);
      t.diagnostic(`service back on a -> a MASTER: ${masterAt - restartedAt} ms`);
      await waitForHolders(lab, VIP, ['a']);
      await waitForClientMac(lab, VIP, lab.host('a').mac);
      assert.deepEqual(b.states(), ['BACKUP', 'MASTER', 'BACKUP']);
    });
  });

  it('ucarp-ts master, Debian ucarp backup (no --preempt): the bow-out hands over when the service dies', async (t: TestContext) => {
    await withLab({ hosts: ['a', 'u'], client: true }, async (lab) => {
      const services = await startServices(lab, ['a']);
      await startMaster(lab, 'a', 'ucarp-ts', { vip: VIP, advskew: 0, extraArgs: [CHECK] });
      const u = await startBackup(lab, 'u', 'ucarp', { vip: VIP, advskew: 50 });
      await waitForHolders(lab, VIP, ['a']);
      const outage = await killAndFollow(lab, services, 'a', 'u');
      t.diagnostic(`service killed on the ucarp-ts master -> client reaches ucarp: ${outage} ms`);
      // ucarp hears the bow-out late (libpcap's 1 s block timeout): its own lateness on top.
      assertWithin('outage', outage, 0, BOUND_MS + UCARP_LATE_MS + LOAD_MS);
      assert.deepEqual(u.states(), ['BACKUP', 'MASTER']);
    });
  });

  for (const [label, weight, priority, ucarpState] of [
    ['weight 0: priority 0, then FAULT', 0, 150, 'FAULT'],
    ['weight -60: 150 drops to 90, keepalived (100) preempts', -60, 150, 'BACKUP'],
  ] as const) {
    it(`VRRPv3, keepalived backup, ${label}`, async (t: TestContext) => {
      await withLab({ hosts: ['a', 'k'], client: true }, async (lab) => {
        const services = await startServices(lab, ['a']);
        const uts = startUcarpTs(lab, 'a', {
          protocol: 'vrrp3', vrid: 51, priority, advbase: 0.1, addrs: [VIP],
          extraArgs: [serviceCheck(`,interval=${INTERVAL_S},fall=${FALL},rise=2,weight=${weight}`)],
        });
        await uts.waitForState('MASTER', 5000);
        const k = startKeepalived(lab, 'k', { version: 3, vrid: 51, priority: 100, advertInt: 0.1, vips: [VIP] });
        await k.waitForState('BACKUP', 10_000);
        await waitForSoleHolder(lab, [VIP], 'a');
        const mark = uts.process.mark();
        const outage = await killAndFollow(lab, services, 'a', 'k');
        t.diagnostic(`service killed on ucarp-ts (weight ${weight}) -> client reaches keepalived: ${outage} ms`);
        // weight 0: keepalived answers priority 0 after its skew time (~60 ms here); a
        // lowered priority: keepalived preempts once its master-down interval has run (~360 ms).
        const answer = weight === 0 ? 100 : 3 * 100 + ((256 - 100) * 100) / 256 + 50;
        assertWithin('outage', outage, 0, BOUND_MS + answer + LOAD_MS);
        await uts.waitForState(ucarpState, 2000, mark);
        await waitForSoleHolder(lab, [VIP], 'k');
      });
    });
  }
});

describe('health checks: probes never hold up the protocol', () => {
  it('a hung exec check, one that prints megabytes and one killed by a signal: adverts stay on time, the failures count', async (t: TestContext) => {
    await withLab({ hosts: ['a'] }, async (lab) => {
      const segv = `${lab.tmpDir}/segv.sh`;
      writeFileSync(segv, '#!/bin/sh\nkill -SEGV $$\n');
      chmodSync(segv, 0o755);
      const checks = [
        '--check=exec:/bin/sleep 30,interval=0.3,timeout=0.2,fall=1,rise=1,weight=-10',
        '--check=exec:/usr/bin/head -c 30000000 /dev/zero,interval=0.3,timeout=2,fall=1,rise=1,weight=-10',
        `--check=exec:${segv},interval=0.3,fall=1,rise=1,weight=-10`,
      ];
      const capture = await lab.tcpdump('a', 'ip proto 112');
      const a = await startMaster(lab, 'a', 'ucarp-ts', { vip: VIP, advbase: 1, advskew: 0, extraArgs: checks });
      await a.process.waitForOutput(/Check exec:\/bin\/sleep 30\S*: failing \(timed out after 0\.2 s\)/, 3000);
      await a.process.waitForOutput(/Check exec:\S+segv\.sh\S*: failing \(killed by SIGSEGV\)/, 3000);
      const from = Date.now();
      await new Promise((r) => setTimeout(r, 5000));
      const adverts = (await timedPackets((await capture.stop()).pcapPath)).filter((p) => p.at >= from && p.line.includes(`${lab.host('a').addr} > 224.0.0.18`));
      const gaps = adverts.slice(1).map((p, i) => p.at - adverts[i]!.at);
      t.diagnostic(`${adverts.length} adverts in 5 s, gaps ${Math.min(...gaps)}..${Math.max(...gaps)} ms`);
      // Two failing checks of weight -10: advskew 20, an interval of 1078 ms.
      assert.ok(adverts.every((p) => /prio 20,/.test(p.line)), 'advskew 20: both failures count, the big output did not');
      assert.ok(gaps.length >= 3 && Math.max(...gaps) <= 1078 + 150, `adverts late: ${gaps.join(', ')}`);
      assert.doesNotMatch(a.process.output, /Check exec:\/usr\/bin\/head/, 'megabytes of output are a healthy check');
      const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${a.process.pid}/status`, 'utf8'))![1]) / 1024;
      t.diagnostic(`VmRSS with three exec checks running: ${rss.toFixed(1)} MB`);
      assert.ok(rss <= 60, `VmRSS ${rss.toFixed(1)} MB`);
    });
  });

  it('tcp, process, file and interface checks each see their target fail and recover', async () => {
    await withLab({ hosts: ['a'] }, async (lab) => {
      const services = await startServices(lab, ['a']);
      const flag = `${lab.tmpDir}/healthy`;
      writeFileSync(flag, '0\n');
      // A veth pair inside the host: dummy1 has carrier while its peer is up.
      for (const argv of [['ip', 'link', 'add', 'dummy1', 'type', 'veth', 'peer', 'name', 'dummy1p'], ['ip', 'link', 'set', 'dummy1', 'up'], ['ip', 'link', 'set', 'dummy1p', 'up']]) {
        const r = await lab.exec('a', argv);
        assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
      }
      // /proc shows every process of the machine, whatever the network namespace: a name of its own.
      const name = `svc${process.pid}`.slice(0, 15);
      copyFileSync('/bin/sleep', `${lab.tmpDir}/${name}`);
      chmodSync(`${lab.tmpDir}/${name}`, 0o755);
      const sleeper = lab.spawn('a', [`${lab.tmpDir}/${name}`, '600']);
      const p = ',interval=0.2,fall=1,rise=1,weight=-1';
      const a = await startMaster(lab, 'a', 'ucarp-ts', {
        vip: VIP,
        extraArgs: [`--check=tcp:127.0.0.1:8080${p}`, `--check=process:${name}${p}`, `--check=file:${flag}${p}`, `--check=interface:dummy1${p}`],
      });
      const expect = async (what: RegExp): Promise<void> => {
        await a.process.waitForOutput(what, 3000, 0);
      };
      await services.get('a')!.kill();
      await expect(/Check tcp:127\.0\.0\.1:8080\S*: failing \(connect ECONNREFUSED\)/);
      await services.get('a')!.start();
      await expect(/Check tcp:127\.0\.0\.1:8080\S*: healthy \(connected\)/);
      sleeper.kill('SIGKILL');
      await expect(new RegExp(`Check process:${name}\\S*: failing \\(no such process\\)`));
      writeFileSync(flag, '1\n');
      // With a weight, a file's value moves the priority (value x weight) instead of failing.
      await expect(/Check file:\S+: healthy, value 1 \(holds 1\)/);
      writeFileSync(flag, '0\n');
      await expect(/Check file:\S+: healthy \(holds 0\)/);
      await lab.exec('a', ['ip', 'link', 'set', 'dummy1p', 'down']);
      await expect(/Check interface:dummy1\S*: failing \(no carrier\)/);
      await lab.exec('a', ['ip', 'link', 'set', 'dummy1p', 'up']);
      await expect(/Check interface:dummy1\S*: healthy \(carrier\)/);
      assert.deepEqual(a.states(), ['BACKUP', 'MASTER'], 'negative weights never mean FAULT');
    });
  });
});
