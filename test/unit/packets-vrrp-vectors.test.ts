// keepalived 2.2.7's VRRPv2 and VRRPv3 advertisements: decode, re-encode byte for byte,
// and make sure no decoder mistakes one protocol (or version) for another.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ipv4FromWord, ipv4Word, parseIp, writeIp, type IpAddress } from '../../src/core/ip-address.js';
import { decodeCarp } from '../../src/core/packets/carp.js';
import { internetChecksum } from '../../src/core/packets/checksum.js';
import { ETHERTYPE_IPV4, ipv4MulticastMac, decodeEthernetFrame } from '../../src/core/packets/ethernet.js';
import { encodeIpv4Header, decodeIpv4Packet, type Ipv4Packet } from '../../src/core/packets/ipv4-header.js';
import { checkVrrp2Auth, decodeVrrp, encodeVrrp } from '../../src/core/packets/vrrp.js';
import { CARP_CAPTURES, VRRP_CAPTURES, readEthernetFixture } from '../support/pcap.js';

function addr(text: string): IpAddress {
  const a = parseIp(text);
  assert.ok(a !== undefined, text);
  return a;
}

function ipPackets(file: string): { frame: Buffer; ip: Ipv4Packet; ipBytes: Buffer }[] {
  const records = readEthernetFixture(file);
  assert.ok(records.length >= 2);
  return records.map(({ frame }) => {
    const eth = decodeEthernetFrame(frame);
    assert.ok(eth.ok);
    assert.equal(eth.value.etherType, ETHERTYPE_IPV4);
    const ip = decodeIpv4Packet(eth.value.payload);
    assert.ok(ip.ok, ip.ok ? '' : ip.reason);
    return { frame, ip: ip.value, ipBytes: eth.value.payload };
  });
}

const v2Capture = VRRP_CAPTURES.find((c) => c.kind === 'vrrp2')!;
const v3Capture = VRRP_CAPTURES.find((c) => c.kind === 'vrrp3')!;

for (const c of VRRP_CAPTURES) {
  const version = c.kind === 'vrrp2' ? 2 : 3;
  describe(`keepalived capture ${c.file}`, () => {
    const packets = ipPackets(c.file);
    const password = c.password === null ? null : Buffer.from(c.password);
    const addrs = c.addrs.map(addr);

    it('IP header: TTL 255, TOS 0xc0, no DF, protocol 112, ids counting up; frame not padded', () => {
      packets.forEach((p, i) => {
        assert.equal(p.ip.ttl, 255);
        assert.equal(p.ip.tos, 0xc0);
        assert.equal(p.ip.dontFragment, false);
        assert.equal(p.ip.protocol, 112);
        assert.equal(p.ip.id, i + 1);
        assert.equal(p.ip.src, addr(c.srcip));
        assert.equal(p.ip.dst, addr(c.group));
        assert.deepEqual(p.frame.subarray(0, 6), ipv4MulticastMac(addr(c.group)));
        const vrrpLength = 8 + 4 * addrs.length + (version === 2 ? 8 : 0);
        assert.equal(p.ip.payload.length, vrrpLength);
        assert.equal(p.frame.length, 14 + 20 + vrrpLength);
        const h = encodeIpv4Header({
          src: p.ip.src,
          dst: p.ip.dst,
          payloadLength: vrrpLength,
          id: p.ip.id,
          tos: 0xc0,
          dontFragment: false,
        });
        assert.deepEqual(h, p.ipBytes.subarray(0, 20));
      });
    });

    it('decodes to the configured fields', () => {
      for (const p of packets) {
        const d = decodeVrrp(p.ip.payload, version, p.ip);
        assert.ok(d.ok, d.ok ? '' : d.reason);
        assert.equal(d.value.version, version);
        assert.equal(d.value.vrid, c.vrid);
        assert.equal(d.value.priority, c.priority);
        assert.equal(d.value.intervalCs, c.intervalCs);
        assert.deepEqual(d.value.addrs, addrs);
        if (version === 2) {
          assert.equal(d.value.authType, 1);
          assert.deepEqual(d.value.authData, Buffer.from('1111\0\0\0\0', 'latin1'));
        } else {
          assert.equal(d.value.authType, 0);
          assert.equal(d.value.authData.length, 0);
        }
      }
    });

    it('re-encodes byte for byte', () => {
      for (const p of packets) {
        const encoded = encodeVrrp(
          { version, vrid: c.vrid, priority: c.priority, intervalCs: c.intervalCs, addrs, password },
          p.ip,
        );
        assert.deepEqual(encoded, p.ip.payload);
      }
    });
  });
}

describe('VRRPv2 authentication', () => {
  const [p] = ipPackets(v2Capture.file);
  const d = decodeVrrp(p!.ip.payload, 2, p!.ip);
  assert.ok(d.ok);
  const ad = d.value;

  it('accepts the right password, refuses a wrong one or none', () => {
    assert.equal(checkVrrp2Auth(ad, Buffer.from('1111')), true);
    assert.equal(checkVrrp2Auth(ad, Buffer.from('1112')), false);
    assert.equal(checkVrrp2Auth(ad, Buffer.from('11111')), false);
    assert.equal(checkVrrp2Auth(ad, null), false);
  });

  it('with no password configured, wants auth type 0', () => {
    assert.equal(checkVrrp2Auth({ ...ad, authType: 0, authData: Buffer.alloc(8) }, null), true);
    assert.equal(checkVrrp2Auth({ ...ad, authType: 0 }, Buffer.from('1111')), false);
  });

  it('keeps 8 bytes of a longer password, as keepalived does', () => {
    const ip = { src: addr('10.0.0.1'), dst: addr('224.0.0.18') };
    const long = Buffer.from('0123456789');
    const e = encodeVrrp({ version: 2, vrid: 1, priority: 100, intervalCs: 100, addrs: [ipv4FromWord(1)], password: long }, ip);
    assert.deepEqual(e.subarray(e.length - 8), Buffer.from('01234567'));
    const back = decodeVrrp(e, 2, ip);
    assert.ok(back.ok);
    assert.equal(checkVrrp2Auth(back.value, long), true);
    assert.equal(checkVrrp2Auth(back.value, Buffer.from('01234567')), true);
  });

  it('without a password sends auth type 0 and zero bytes', () => {
    const ip = { src: addr('10.0.0.1'), dst: addr('224.0.0.18') };
    const e = encodeVrrp({ version: 2, vrid: 1, priority: 100, intervalCs: 300, addrs: [ipv4FromWord(1)] }, ip);
    assert.equal(e[4], 0);
    assert.equal(e[5], 3);
    assert.deepEqual(e.subarray(12), Buffer.alloc(8));
  });
});

describe('VRRPv3 checksum covers the IPv4 pseudo-header', () => {
  const packets = ipPackets(v3Capture.file);

  it('sums to zero only with the pseudo-header', () => {
    for (const p of packets) {
      const pseudo = Buffer.alloc(12);
      writeIp(p.ip.src, pseudo, 0);
      writeIp(p.ip.dst, pseudo, 4);
      pseudo[9] = 112;
      pseudo.writeUInt16BE(p.ip.payload.length, 10);
      assert.equal(internetChecksum(pseudo, p.ip.payload), 0);
      assert.notEqual(internetChecksum(p.ip.payload), 0);
    }
  });

  it('is refused when the addresses it was sent between differ', () => {
    const p = packets[0]!;
    const bad = (src: IpAddress, dst: IpAddress): unknown => decodeVrrp(p.ip.payload, 3, { src, dst });
    assert.deepEqual(bad(ipv4FromWord((ipv4Word(p.ip.src) + 1) >>> 0), p.ip.dst), { ok: false, reason: 'checksum' });
    assert.deepEqual(bad(p.ip.src, addr('224.0.0.19')), { ok: false, reason: 'checksum' });
  });
});

describe('one protocol is never read as another', () => {
  const v2 = ipPackets(v2Capture.file)[0]!.ip;
  const v3 = ipPackets(v3Capture.file)[0]!.ip;
  const carp = ipPackets(CARP_CAPTURES[0]!.file)[0]!.ip;
  const refused = (reason: string): unknown => ({ ok: false, reason });

  it('VRRPv3 fed to the v2 decoder, and v2 to the v3 decoder', () => {
    assert.deepEqual(decodeVrrp(v3.payload, 2, v3), refused('version'));
    assert.deepEqual(decodeVrrp(v2.payload, 3, v2), refused('version'));
  });

  it('CARP fed to the VRRP decoders', () => {
    // CARP's first byte is 0x21, like VRRPv2: the authlen byte (7) read as an address
    // count asks for 44 bytes, and there are 36.
    assert.deepEqual(decodeVrrp(carp.payload, 2, carp), refused('length'));
    assert.deepEqual(decodeVrrp(carp.payload, 3, carp), refused('version'));
  });

  it('VRRP fed to the CARP decoder', () => {
    assert.deepEqual(decodeCarp(v2.payload), refused('length'));
    assert.deepEqual(decodeCarp(v3.payload), refused('version'));
  });

  it('a 36-byte VRRPv2 (5 addresses) is still not CARP: its count is not authlen 7', () => {
    const ip = { src: addr('10.0.0.1'), dst: addr('224.0.0.18') };
    const five = encodeVrrp({ version: 2, vrid: 9, priority: 100, intervalCs: 100, addrs: [ipv4FromWord(1), ipv4FromWord(2), ipv4FromWord(3), ipv4FromWord(4), ipv4FromWord(5)] }, ip);
    assert.equal(five.length, 36);
    assert.deepEqual(decodeCarp(five), refused('length'));
  });
});

describe('VRRP decoder and encoder limits', () => {
  const ip = { src: addr('10.0.0.1'), dst: addr('224.0.0.18') };

  it('refuses interval 0, wrong type, and a length that disagrees with the count', () => {
    const v3 = encodeVrrp({ version: 3, vrid: 1, priority: 100, intervalCs: 5, addrs: [ipv4FromWord(7)] }, ip);
    const zeroInterval = Buffer.from(v3);
    zeroInterval.writeUInt16BE(0xf000, 4); // reserved bits set, interval 0
    zeroInterval.writeUInt16BE(0, 6);
    zeroInterval.writeUInt16BE(internetChecksum(pseudo(ip, zeroInterval.length), zeroInterval), 6);
    assert.deepEqual(decodeVrrp(zeroInterval, 3, ip), { ok: false, reason: 'interval' });
    const type2 = Buffer.from(v3);
    type2[0] = 0x32;
    assert.deepEqual(decodeVrrp(type2, 3, ip), { ok: false, reason: 'type' });
    assert.deepEqual(decodeVrrp(Buffer.concat([v3, Buffer.alloc(4)]), 3, ip), { ok: false, reason: 'length' });
    assert.deepEqual(decodeVrrp(v3.subarray(0, 7), 3, ip), { ok: false, reason: 'length' });
    assert.deepEqual(decodeVrrp(Buffer.alloc(0), 2, ip), { ok: false, reason: 'length' });
  });

  it('ignores the reserved bits of the v3 interval field', () => {
    const v3 = encodeVrrp({ version: 3, vrid: 1, priority: 100, intervalCs: 4095, addrs: [ipv4FromWord(7)] }, ip);
    const b = Buffer.from(v3);
    b[4] = b[4]! | 0xf0;
    b.writeUInt16BE(0, 6);
    b.writeUInt16BE(internetChecksum(pseudo(ip, b.length), b), 6);
    const d = decodeVrrp(b, 3, ip);
    assert.ok(d.ok);
    assert.equal(d.value.intervalCs, 4095);
  });

  it('refuses to encode what the wire cannot carry', () => {
    const base = { vrid: 1, priority: 100, addrs: [ipv4FromWord(7)] };
    assert.throws(() => encodeVrrp({ ...base, version: 2, intervalCs: 150 }, ip), RangeError);
    assert.throws(() => encodeVrrp({ ...base, version: 2, intervalCs: 25600 }, ip), RangeError);
    assert.throws(() => encodeVrrp({ ...base, version: 3, intervalCs: 4096 }, ip), RangeError);
    assert.throws(() => encodeVrrp({ ...base, version: 3, intervalCs: 0 }, ip), RangeError);
    assert.throws(() => encodeVrrp({ ...base, version: 3, intervalCs: 100, priority: 256 }, ip), RangeError);
    const many = Array.from({ length: 256 }, (_, i) => ipv4FromWord(i));
    assert.throws(() => encodeVrrp({ ...base, version: 3, intervalCs: 100, addrs: many }, ip), RangeError);
  });
});

function pseudo(ip: { src: IpAddress; dst: IpAddress }, length: number): Buffer {
  const p = Buffer.alloc(12);
  writeIp(ip.src, p, 0);
  writeIp(ip.dst, p, 4);
  p[9] = 112;
  p.writeUInt16BE(length, 10);
  return p;
}
