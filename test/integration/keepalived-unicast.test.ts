// Unicast VRRP between ucarp-ts (--peer) and keepalived 2.2.7 (unicast_peer): nothing goes
// to the multicast group, the VRRPv3 checksum covers the unicast destination, and the
// addresses hand over both ways.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { withLab, type Lab } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';
import { keepalivedAvailable, startKeepalived, type KeepalivedOptions } from '../support/keepalived.js';
import { assertSoleHolderFor, outageDuring, startUcarpTs, waitForSoleHolder, type UcarpTsVrrpOptions } from '../support/keepalived-lab.js';

requireLab();
keepalivedAvailable();
const VIPS = ['10.77.0.233', '10.77.0.234'];
const VIP = VIPS[0]!;
const LAB = { hosts: ['ka', 'uts'], client: true };

const cases: { name: string; version: 2 | 3; advbase: number; password?: string }[] = [
  { name: 'VRRPv3 at 50 ms', version: 3, advbase: 0.05 },
  { name: 'VRRPv2 at 1 s with a password', version: 2, advbase: 1, password: 'secret' },
];

describe('unicast VRRP with keepalived', () => {
  for (const c of cases) {
    it(`${c.name}: adverts go host to host, and the addresses hand over both ways`, async (t: TestContext) => {
      await withLab(LAB, async (lab: Lab) => {
        const ka0 = lab.host('ka').addr;
        const uts0 = lab.host('uts').addr;
        const startMs = 3 * c.advbase * 1000 + 1000 + 5000;
        const kaOpts = (priority: number): KeepalivedOptions => ({
          version: c.version, vrid: 51, priority, advertInt: c.advbase, vips: VIPS, password: c.password, unicastPeers: [uts0],
        });
        const utsOpts: UcarpTsVrrpOptions = {
          protocol: c.version === 2 ? 'vrrp2' : 'vrrp3', vrid: 51, priority: 100, advbase: c.advbase, addrs: VIPS, password: c.password, peers: [ka0],
        };

        // keepalived (150) MASTER, ucarp-ts (100) BACKUP; every advert on keepalived's host is recorded.
        const capture = await lab.tcpdump('ka', 'ip proto 112');
        const ka = startKeepalived(lab, 'ka', kaOpts(150));
        await ka.waitForState('MASTER', startMs);
        const uts = startUcarpTs(lab, 'uts', utsOpts);
        await uts.waitForState('BACKUP');
        await assertSoleHolderFor(lab, VIPS, 'ka', Math.max(1000, 4.5 * c.advbase * 1000));

        // keepalived stops (priority 0 to ucarp-ts): ucarp-ts takes over and advertises to keepalived's host.
        let mark = uts.process.mark();
        let report = await outageDuring(lab, VIP, () => ka.stop(), async () => {
          await uts.waitForState('MASTER', 5000, mark);
          await waitForSoleHolder(lab, VIPS, 'uts');
        });
        t.diagnostic(`keepalived SIGTERM -> ucarp-ts: outage ${report.longestGapMs} ms`);

        // keepalived comes back as the lower priority (100 vs 100: the higher address, ucarp-ts, stays).
        const ka2 = startKeepalived(lab, 'ka', kaOpts(100));
        await ka2.waitForState('BACKUP');
        await assertSoleHolderFor(lab, VIPS, 'uts', Math.max(1000, 4.5 * c.advbase * 1000));
        assert.doesNotMatch(ka2.process.output, /Entering MASTER|Invalid VRRPv3 checksum|invalid passwd/);

        mark = ka2.process.mark();
        report = await outageDuring(lab, VIP, () => uts.stop(), async () => {
          await ka2.waitForState('MASTER', 5000, mark);
          await waitForSoleHolder(lab, VIPS, 'ka');
        });
        assert.match(ka2.process.output.slice(mark), /Backup received priority 0 advertisement/);
        t.diagnostic(`ucarp-ts SIGTERM -> keepalived: outage ${report.longestGapMs} ms`);
        await ka2.stop();

        const { lines } = await capture.stop();
        const adverts = lines.filter((l) => /VRRPv[23], Advertisement/.test(l));
        assert.ok(adverts.some((l) => l.includes(`${uts0} > ${ka0}:`)), 'ucarp-ts advertised to keepalived\'s address');
        assert.ok(adverts.some((l) => l.includes(`${ka0} > ${uts0}:`)), 'keepalived advertised to ucarp-ts\'s address');
        const toGroup = adverts.filter((l) => l.includes('224.0.0.18'));
        assert.deepEqual(toGroup, [], 'no advertisement went to the multicast group');
      });
    });
  }
});
