// The IPv6 header, its pseudo-header checksum, VRRPv3 over IPv6 and the unsolicited
// neighbour advertisement, against keepalived 2.2.7's IPv6 capture: every frame
// decodes, and what we encode from the decoded fields is the captured bytes again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeNeighborAdvert, encodeNeighborAdvert } from '../../src/core/packets/neighbor-advert.js';
import { ETHERTYPE_IPV6, ipv6MulticastMac } from '../../src/core/packets/ethernet.js';
import {
  ALL_NODES_IPV6,
  decodeIpv6Packet,
  encodeIpv6Header,
  encodeIpv6PseudoHeader,
  ipv6UpperChecksum,
  NEXT_HEADER_ICMPV6,
  NEXT_HEADER_VRRP,
  VRRP_IPV6_GROUP,
} from '../../src/core/packets/ipv6-header.js';
import { readEthernetFixture, VRRP6_CAPTURE } from '../support/pcap.js';
import { parseIp } from '../../src/core/ip-address.js';
import { decodeVrrp, encodeVrrp } from '../../src/core/packets/vrrp.js';

const frames = readEthernetFixture(VRRP6_CAPTURE.file).map((r) => r.frame);
const mac = Buffer.from(VRRP6_CAPTURE.mac.split(':').map((h) => parseInt(h, 16)));
const ip = (f: Buffer) => {
  const d = decodeIpv6Packet(f.subarray(14));
  assert.ok(d.ok, 'decodes');
  return d.value;
};
const adverts = frames.filter((f) => ip(f).nextHeader === NEXT_HEADER_VRRP);
const nas = frames.filter((f) => ip(f).nextHeader === NEXT_HEADER_ICMPV6);

describe('IPv6 header on the keepalived capture', () => {
  it('holds adverts and neighbour advertisements, all IPv6', () => {
    assert.equal(adverts.length, 6);
    assert.equal(nas.length, 10);
    for (const f of frames) assert.equal(f.readUInt16BE(12), ETHERTYPE_IPV6);
  });

  it('adverts: from the link-local address to ff02::12, hop limit 255, traffic class 0xc0', () => {
    for (const f of adverts) {
      const p = ip(f);
      assert.equal(p.src, VRRP6_CAPTURE.srcip);
      assert.equal(p.dst, VRRP_IPV6_GROUP);
      assert.equal(p.hopLimit, 255);
      assert.equal(p.trafficClass, 0xc0);
      assert.equal(p.payload.length, 8 + 16 * VRRP6_CAPTURE.addrs.length);
      assert.deepEqual(f.subarray(0, 6), ipv6MulticastMac(VRRP_IPV6_GROUP));
    }
  });

  it('every header re-encodes byte for byte from its decoded fields', () => {
    for (const f of frames) {
      const p = ip(f);
      const header = encodeIpv6Header({
        src: p.src,
        dst: p.dst,
        payloadLength: p.payload.length,
        nextHeader: p.nextHeader,
        hopLimit: p.hopLimit,
        trafficClass: p.trafficClass,
        flowLabel: p.flowLabel,
      });
      assert.deepEqual(header, f.subarray(14, 54));
    }
  });

  it('the adverts\' VRRP checksums verify over the IPv6 pseudo-header', () => {
    for (const f of adverts) {
      const p = ip(f);
      assert.equal(ipv6UpperChecksum(p.src, p.dst, NEXT_HEADER_VRRP, p.payload), 0);
      const flipped = Buffer.from(p.payload);
      flipped[3]! ^= 0x01;
      assert.notEqual(ipv6UpperChecksum(p.src, p.dst, NEXT_HEADER_VRRP, flipped), 0);
    }
  });

  it('the pseudo-header is source, destination, 32-bit length, three zeros, next header', () => {
    const p = encodeIpv6PseudoHeader(parseIp('fe80::1')!, VRRP_IPV6_GROUP, 40, 112);
    assert.equal(p.toString('hex'), 'fe800000000000000000000000000001' + 'ff020000000000000000000000000012' + '00000028' + '00000070');
  });

  it('refuses what is not IPv6 or shorter than it claims', () => {
    const good = frames[0]!.subarray(14);
    assert.deepEqual(decodeIpv6Packet(good.subarray(0, 39)), { ok: false, reason: 'short' });
    assert.deepEqual(decodeIpv6Packet(good.subarray(0, good.length - 1)), { ok: false, reason: 'short' });
    const v4 = Buffer.from(good);
    v4[0] = 0x45;
    assert.deepEqual(decodeIpv6Packet(v4), { ok: false, reason: 'ip-header' });
  });
});

describe('unsolicited neighbour advertisement', () => {
  it('keepalived\'s: from the address to ff02::1, hop limit 255, Override only, our MAC as target link-layer address', () => {
    const targets = new Set<string>();
    for (const f of nas) {
      const d = decodeNeighborAdvert(f);
      assert.ok(d.ok);
      const na = d.value;
      assert.deepEqual(na.ethDst, Buffer.from('333300000001', 'hex'));
      assert.deepEqual(na.ethSrc, mac);
      assert.equal(na.src, na.target);
      assert.equal(na.dst, ALL_NODES_IPV6);
      assert.equal(na.hopLimit, 255);
      assert.deepEqual([na.router, na.solicited, na.override], [false, false, true]);
      assert.deepEqual(na.targetMac, mac);
      targets.add(na.target);
    }
    assert.deepEqual([...targets].sort(), [...VRRP6_CAPTURE.addrs].sort());
  });

  it('ours is keepalived\'s frame byte for byte', () => {
    for (const f of nas) {
      const d = decodeNeighborAdvert(f);
      assert.ok(d.ok);
      assert.deepEqual(encodeNeighborAdvert(mac, d.value.target), f);
    }
  });

  it('a flipped bit anywhere in the ICMPv6 message fails the checksum', () => {
    const f = nas[0]!;
    for (let i = 54; i < f.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const g = Buffer.from(f);
        g[i]! ^= 1 << bit;
        const d = decodeNeighborAdvert(g);
        assert.equal(d.ok, false, `byte ${i} bit ${bit}`);
      }
    }
  });

  it('refuses other ICMPv6 types and broken options', () => {
    const na = encodeNeighborAdvert(mac, parseIp('fd79::100')!);
    const solicitation = Buffer.from(na);
    solicitation[54] = 135;
    assert.equal(decodeNeighborAdvert(solicitation).ok, false);
    const zeroLengthOption = Buffer.from(na);
    zeroLengthOption[54 + 25] = 0;
    assert.equal(decodeNeighborAdvert(zeroLengthOption).ok, false);
    assert.deepEqual(decodeNeighborAdvert(na.subarray(0, 13)), { ok: false, reason: 'short' });
  });
});

describe('VRRPv3 over IPv6 on the keepalived capture', () => {
  const decoded = adverts.map((f) => {
    const p = ip(f);
    const d = decodeVrrp(p.payload, 3, p);
    assert.ok(d.ok, `decodes: ${JSON.stringify(d)}`);
    return { p, ad: d.value };
  });

  it('decodes every advert: vrid 61, interval 100 cs, both addresses; priority 150, and 0 in the last (the stop)', () => {
    for (const { ad } of decoded) {
      assert.equal(ad.version, 3);
      assert.equal(ad.vrid, VRRP6_CAPTURE.vrid);
      assert.equal(ad.intervalCs, VRRP6_CAPTURE.intervalCs);
      assert.deepEqual(ad.addrs, VRRP6_CAPTURE.addrs);
    }
    assert.deepEqual(decoded.map(({ ad }) => ad.priority), [150, 150, 150, 150, 150, 0]);
  });

  it('re-encodes each advert byte for byte, checksum included', () => {
    for (const { p, ad } of decoded) {
      const again = encodeVrrp({ version: 3, vrid: ad.vrid, priority: ad.priority, intervalCs: ad.intervalCs, addrs: ad.addrs }, p);
      assert.deepEqual(again, p.payload);
    }
  });

  it('the checksum covers the IPv6 pseudo-header: another source or destination fails it', () => {
    const { p } = decoded[0]!;
    assert.deepEqual(decodeVrrp(p.payload, 3, { src: parseIp('fe80::1')!, dst: p.dst }), { ok: false, reason: 'checksum' });
    assert.deepEqual(decodeVrrp(p.payload, 3, { src: p.src, dst: parseIp('fd79::11')! }), { ok: false, reason: 'checksum' });
  });

  it('VRRPv2 has no IPv6: refused both ways', () => {
    const { p } = decoded[0]!;
    assert.deepEqual(decodeVrrp(p.payload, 2, p), { ok: false, reason: 'version' });
    assert.throws(() => encodeVrrp({ version: 2, vrid: 1, priority: 1, intervalCs: 100, addrs: [] }, p), /VRRPv2 has no IPv6/);
    assert.throws(() => encodeVrrp({ version: 3, vrid: 1, priority: 1, intervalCs: 100, addrs: [parseIp('10.0.0.1')!] }, p), /IPv6 addresses only/);
  });
});
