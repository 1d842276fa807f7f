// Unicast VRRP between ucarp-ts (--peer) and keepalived 2.2.7 (unicast_peer), over IPv4 and
// IPv6: nothing goes to the multicast group, the VRRPv3 checksum covers the unicast
// destination, and the addresses hand over both ways. One scenario, run per case.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { withLab, type Lab } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';
import { keepalivedAvailable, startKeepalived, type KeepalivedOptions } from '../support/keepalived.js';
import { assertSoleHolderFor, outageDuring, startUcarpTs, waitForSoleHolder, type UcarpTsVrrpOptions } from '../support/keepalived-lab.js';

requireLab();
keepalivedAvailable();

interface Case {
  name: string;
  version: 2 | 3;
  advbase: number;
  password?: string;
  ipv6?: boolean;
  /** keepalived's priority when it comes back behind the ucarp-ts master (100). */
  returnPriority: number;
}

const cases: Case[] = [
  // 100 vs 100: the master, ucarp-ts, stays.
  { name: 'VRRPv3 at 50 ms', version: 3, advbase: 0.05, returnPriority: 100 },
  { name: 'VRRPv2 at 1 s with a password', version: 2, advbase: 1, password: 'secret', returnPriority: 100 },
  // keepalived 2.2.7 sets no unicast hop limit on its IPv6 socket: its unicast adverts leave
  // with the system default (64), which --peer-min-ttl admits from the listed peer only.
  { name: 'VRRPv3 over IPv6 at 50 ms (--peer-min-ttl=64 for keepalived)', version: 3, advbase: 0.05, ipv6: true, returnPriority: 50 },
];

describe('unicast VRRP with keepalived', () => {
  for (const c of cases) {
    const VIPS = c.ipv6 ? ['fd77::1:e9', 'fd77::1:ea'] : ['10.77.0.233', '10.77.0.234'];
    const VIP = VIPS[0]!;
    const vrid = c.ipv6 ? 61 : 51;
    const group = c.ipv6 ? 'ff02::12' : '224.0.0.18';
    const LAB = { hosts: ['ka', 'uts'], client: true, ipv6: c.ipv6 };

    it(`${c.name}: adverts go host to host, none to ${group}, and the addresses hand over both ways`, async (t: TestContext) => {
      await withLab(LAB, async (lab: Lab) => {
        const kaAddr = c.ipv6 ? lab.host('ka').addr6! : lab.host('ka').addr;
        const utsAddr = c.ipv6 ? lab.host('uts').addr6! : lab.host('uts').addr;
        // Over IPv6 ucarp-ts sends from its link-local address (no --srcip).
        const utsSource = c.ipv6 ? lab.host('uts').linkLocal! : utsAddr;
        const startMs = 3 * c.advbase * 1000 + 1000 + 5000;
        const holdMs = Math.max(1000, 4.5 * c.advbase * 1000);
        const kaOpts = (priority: number): KeepalivedOptions => ({
          version: c.version, vrid, priority, advertInt: c.advbase, vips: VIPS, password: c.password, unicastPeers: [utsAddr],
        });
        const utsOpts: UcarpTsVrrpOptions = {
          protocol: c.version === 2 ? 'vrrp2' : 'vrrp3', vrid, priority: 100, advbase: c.advbase, addrs: VIPS, password: c.password, peers: [kaAddr],
          extraArgs: c.ipv6 ? ['--peer-min-ttl=64'] : undefined,
        };

        // keepalived (150) MASTER, ucarp-ts (100) BACKUP; every advert on keepalived's host is recorded.
        const capture = await lab.tcpdump('ka', c.ipv6 ? 'ip6 proto 112' : 'ip proto 112');
        const ka = startKeepalived(lab, 'ka', kaOpts(150));
        await ka.waitForState('MASTER', startMs);
        const uts = startUcarpTs(lab, 'uts', utsOpts);
        await uts.waitForState('BACKUP');
        await assertSoleHolderFor(lab, VIPS, 'ka', holdMs);

        // keepalived stops (priority 0 to ucarp-ts): ucarp-ts takes over and advertises to keepalived's host.
        let mark = uts.process.mark();
        let report = await outageDuring(lab, VIP, () => ka.stop(), async () => {
          await uts.waitForState('MASTER', 5000, mark);
          await waitForSoleHolder(lab, VIPS, 'uts');
        });
        t.diagnostic(`keepalived SIGTERM -> ucarp-ts: outage ${report.longestGapMs} ms`);

        // keepalived comes back behind the ucarp-ts master and accepts its adverts.
        const ka2 = startKeepalived(lab, 'ka', kaOpts(c.returnPriority));
        await ka2.waitForState('BACKUP', startMs);
        await assertSoleHolderFor(lab, VIPS, 'uts', holdMs);
        assert.doesNotMatch(ka2.process.output, /Entering MASTER|checksum|invalid passwd/i);

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
        const ours = adverts.filter((l) => l.includes(`> ${kaAddr}:`));
        const theirs = adverts.filter((l) => l.includes(`${kaAddr} > ${utsAddr}:`));
        assert.ok(ours.length > 0, "ucarp-ts advertised to keepalived's address");
        assert.ok(theirs.length > 0, "keepalived advertised to ucarp-ts's address");
        assert.ok(ours.every((l) => l.includes(`${utsSource} >`)), `ours: from ${utsSource}`);
        assert.deepEqual(adverts.filter((l) => l.includes(group)), [], 'no advertisement went to the multicast group');
        if (c.ipv6) {
          assert.ok(ours.every((l) => l.includes('hlim 255')), 'ours: hop limit 255');
          assert.ok(theirs.every((l) => l.includes('hlim 64')), "keepalived's: hop limit 64 (why --peer-min-ttl is needed)");
        }
      });
    });
  }
});
