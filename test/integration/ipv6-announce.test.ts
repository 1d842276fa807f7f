// A lone ucarp-ts IPv6 router (VRRPv3, two addresses, no --srcip): what it puts on the
// wire when it becomes MASTER, read from a capture on the client, and what --status says.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decodeNeighborAdvert } from '../../src/core/packets/neighbor-advert.js';
import { decodeIpv6Packet, NEXT_HEADER_VRRP } from '../../src/core/packets/ipv6-header.js';
import { decodeVrrp } from '../../src/core/packets/vrrp.js';
import { withLab } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';
import { startUcarpTs, waitForSoleHolder } from '../support/keepalived-lab.js';
import { statusCommand } from '../support/metrics-lab.js';
import { parsePcap } from '../support/pcap.js';
import { parseMac } from '../support/net-test-frames.js';

requireLab();
const VIPS = ['fd77::1:e9', 'fd77::1:ea'];

describe('IPv6 router on the wire', () => {
  it('adverts from the link-local address to ff02::12; per address an unsolicited NA, repeated once; --status lists the IPv6 addresses', async () => {
    await withLab({ hosts: ['uts'], client: true, ipv6: true }, async (lab) => {
      const uts = lab.host('uts');
      const cap = await lab.tcpdump('client', 'ip6 proto 112 or icmp6');
      const d = startUcarpTs(lab, 'uts', { protocol: 'vrrp3', vrid: 61, priority: 100, advbase: 0.05, addrs: VIPS });
      await d.waitForState('MASTER', 5000);
      await waitForSoleHolder(lab, VIPS, 'uts');
      // The repeat comes a few adverts later.
      await new Promise((r) => setTimeout(r, 600));

      const st = await statusCommand(lab.runDir);
      assert.equal(st.code, 0, st.stdout + st.stderr);
      assert.match(st.stdout, /^eth0 vrrp3 vhid 61: MASTER/m);
      assert.ok(st.stdout.includes(`addresses ${VIPS.join(',')}`), st.stdout);
      await d.stop();

      const frames = parsePcap(readFileSync((await cap.stop()).pcapPath)).records.map((r) => r.frame).filter((f) => f.readUInt16BE(12) === 0x86dd);
      const adverts = frames.map((f) => decodeIpv6Packet(f.subarray(14))).flatMap((p) => (p.ok && p.value.nextHeader === NEXT_HEADER_VRRP ? [p.value] : []));
      assert.ok(adverts.length >= 5, `${adverts.length} adverts`);
      const priorities = adverts.map((a) => {
        assert.deepEqual([a.src, a.dst, a.hopLimit, a.trafficClass], [uts.linkLocal, 'ff02::12', 255, 0xc0]);
        const v = decodeVrrp(a.payload, 3, a);
        assert.ok(v.ok, 'checksum and layout right');
        assert.deepEqual(v.value.addrs, VIPS);
        return v.value.priority;
      });
      assert.equal(priorities.at(-1), 0, 'the stop sends priority 0');

      const nas = frames.map(decodeNeighborAdvert).flatMap((n) => (n.ok && n.value.src !== uts.linkLocal ? [n.value] : []));
      for (const na of nas) {
        assert.deepEqual(na.ethSrc, parseMac(uts.mac));
        assert.deepEqual(na.targetMac, parseMac(uts.mac));
        assert.equal(na.src, na.target);
        assert.equal(na.dst, 'ff02::1');
        assert.equal(na.hopLimit, 255);
        assert.deepEqual([na.override, na.solicited, na.router], [true, false, false]);
      }
      // Once on becoming MASTER and once more a few adverts later, as the gratuitous ARP.
      for (const vip of VIPS) assert.equal(nas.filter((n) => n.target === vip).length, 2, `NAs for ${vip}: ${nas.map((n) => n.target).join(' ')}`);
    });
  });
});
