// Every advertisement ucarp 1.5.2 sent in the reference captures must parse, verify,
// and be reproduced byte for byte by our encoder from the same parameters and counter.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ipv4FromWord, ipv4Word, parseIp, type IpAddress } from '../../src/core/ip-address.js';
import { CARP_LENGTH, createCarpAuth, decodeCarp, encodeCarp, type CarpAdvert } from '../../src/core/packets/carp.js';
import {
  BROADCAST_MAC,
  ETHERTYPE_IPV4,
  ipv4MulticastMac,
  decodeEthernetFrame,
  ucarpAdvertMac,
} from '../../src/core/packets/ethernet.js';
import { encodeIpv4Header, decodeIpv4Packet, type Ipv4Packet } from '../../src/core/packets/ipv4-header.js';
import { CARP_CAPTURES, readEthernetFixture } from '../support/pcap.js';

function addr(text: string): IpAddress {
  const a = parseIp(text);
  assert.ok(a !== undefined, text);
  return a;
}

interface Captured {
  frame: Buffer;
  ip: Ipv4Packet;
  ipBytes: Buffer;
  carp: CarpAdvert;
}

function load(file: string): Captured[] {
  const records = readEthernetFixture(file);
  assert.ok(records.length >= 2, `${file} holds several advertisements`);
  return records.map(({ frame }) => {
    const eth = decodeEthernetFrame(frame);
    assert.ok(eth.ok);
    assert.equal(eth.value.etherType, ETHERTYPE_IPV4);
    const ip = decodeIpv4Packet(eth.value.payload);
    assert.ok(ip.ok, `IPv4 parse: ${ip.ok ? '' : ip.reason}`);
    const carp = decodeCarp(ip.value.payload);
    assert.ok(carp.ok, `CARP decode: ${carp.ok ? '' : carp.reason}`);
    return { frame, ip: ip.value, ipBytes: eth.value.payload, carp: carp.value };
  });
}

for (const c of CARP_CAPTURES) {
  describe(`ucarp capture ${c.file}`, () => {
    const packets = load(c.file);
    const group = addr(c.group);
    const vaddr = addr(c.addr);
    const auth = createCarpAuth(Buffer.from(c.password), c.vhid, [vaddr]);

    it('frames are exactly Ethernet + 20-byte IP + 36-byte CARP, from 00:00:5e:00:00:<vhid>', () => {
      for (const p of packets) {
        assert.equal(p.frame.length, 14 + 20 + CARP_LENGTH);
        assert.deepEqual(p.frame.subarray(6, 12), ucarpAdvertMac(c.vhid));
        const expectedDst = c.nomcast ? BROADCAST_MAC : ipv4MulticastMac(group);
        assert.deepEqual(p.frame.subarray(0, 6), expectedDst);
      }
    });

    it('IP header: TTL 255, TOS 0x10, DF, protocol 112, from srcip to the group', () => {
      for (const p of packets) {
        assert.equal(p.ip.ttl, 255);
        assert.equal(p.ip.tos, 0x10);
        assert.equal(p.ip.dontFragment, true);
        assert.equal(p.ip.protocol, 112);
        assert.equal(p.ip.src, addr(c.srcip));
        // Even with --nomcast the IP destination stays the group.
        assert.equal(p.ip.dst, group);
        assert.equal(p.ip.payload.length, CARP_LENGTH);
      }
    });

    it('encodeIpv4Header with the captured id reproduces the captured header', () => {
      for (const p of packets) {
        const h = encodeIpv4Header({ src: p.ip.src, dst: p.ip.dst, payloadLength: CARP_LENGTH, id: p.ip.id });
        assert.deepEqual(h, p.ipBytes.subarray(0, 20));
      }
    });

    it('CARP fields are the command-line parameters, demote 0', () => {
      for (const p of packets) {
        assert.equal(p.carp.vhid, c.vhid);
        assert.equal(p.carp.advbase, c.advbase);
        assert.equal(p.carp.advskew, c.advskew);
        assert.equal(p.carp.demote, 0);
        assert.equal(p.ip.payload[3], 7, 'authlen');
      }
    });

    it('ucarp, alone on the segment, sends an unrelated counter every time', () => {
      const counters = packets.map((p) => p.carp.counter);
      assert.equal(new Set(counters).size, counters.length);
      for (let i = 1; i < counters.length; i++) assert.notEqual(counters[i], counters[i - 1]! + 1n);
    });

    it('the HMAC verifies with the right password, vhid and address, and only with them', () => {
      const wrongPass = createCarpAuth(Buffer.from(`${c.password}x`), c.vhid, [vaddr]);
      const wrongAddr = createCarpAuth(Buffer.from(c.password), c.vhid, [ipv4FromWord((ipv4Word(vaddr) + 1) >>> 0)]);
      const otherVhid = (c.vhid % 255) + 1;
      const wrongVhid = createCarpAuth(Buffer.from(c.password), otherVhid, [vaddr]);
      for (const p of packets) {
        assert.equal(auth.verify(p.carp), true);
        assert.equal(wrongPass.verify(p.carp), false);
        assert.equal(wrongAddr.verify(p.carp), false);
        // Same bytes claimed for another vhid: the vhid is inside the HMAC.
        assert.equal(wrongVhid.verify({ ...p.carp, vhid: otherVhid }), false);
        assert.equal(auth.verify({ ...p.carp, counter: p.carp.counter ^ 1n }), false);
        assert.deepEqual(auth.sign(p.carp.counter), p.carp.hmac);
      }
    });

    it('encodeCarp with the same parameters and counter reproduces the 36 bytes', () => {
      for (const p of packets) {
        const encoded = encodeCarp(
          { vhid: c.vhid, advskew: c.advskew, advbase: c.advbase, counter: p.carp.counter },
          auth,
        );
        assert.deepEqual(encoded, p.ip.payload);
      }
    });
  });
}

describe('CARP decoder strictness', () => {
  const [first] = load(CARP_CAPTURES[0]!.file);
  const good = Buffer.from(first!.ip.payload);

  it('accepts only exactly 36 bytes', () => {
    assert.equal(decodeCarp(good.subarray(0, 35)).ok, false);
    assert.deepEqual(decodeCarp(Buffer.concat([good, Buffer.alloc(4)])), { ok: false, reason: 'length' });
    assert.deepEqual(decodeCarp(Buffer.alloc(0)), { ok: false, reason: 'length' });
  });

  it('names the reason: version, type, authlen, checksum', () => {
    const mutate = (at: number, value: number): Buffer => {
      const b = Buffer.from(good);
      b[at] = value;
      return b;
    };
    assert.deepEqual(decodeCarp(mutate(0, 0x31)), { ok: false, reason: 'version' });
    assert.deepEqual(decodeCarp(mutate(0, 0x22)), { ok: false, reason: 'type' });
    assert.deepEqual(decodeCarp(mutate(3, 8)), { ok: false, reason: 'length' });
    assert.deepEqual(decodeCarp(mutate(2, good[2]! ^ 1)), { ok: false, reason: 'checksum' });
  });

  it('returns a copy of the HMAC, not a view of the receive buffer', () => {
    const b = Buffer.from(good);
    const d = decodeCarp(b);
    assert.ok(d.ok);
    b.fill(0);
    assert.deepEqual(d.value.hmac, good.subarray(16));
  });
});

describe('CarpAuth with several addresses', () => {
  it('orders the addresses numerically, so the order given does not matter', () => {
    const pass = Buffer.from('secret');
    const a = createCarpAuth(pass, 7, [addr('10.0.0.9'), addr('10.0.0.10'), addr('9.255.255.255')]);
    const b = createCarpAuth(pass, 7, [addr('9.255.255.255'), addr('10.0.0.10'), addr('10.0.0.9')]);
    assert.deepEqual(a.addrs, [addr('9.255.255.255'), addr('10.0.0.9'), addr('10.0.0.10')]);
    assert.deepEqual(a.sign(12345n), b.sign(12345n));
    const single = createCarpAuth(pass, 7, [addr('10.0.0.9')]);
    assert.notDeepEqual(a.sign(12345n), single.sign(12345n));
  });

  it('refuses an empty address list and out-of-range fields', () => {
    assert.throws(() => createCarpAuth(Buffer.from('x'), 1, []), RangeError);
    const auth = createCarpAuth(Buffer.from('x'), 1, [addr('10.0.0.1')]);
    assert.throws(() => encodeCarp({ vhid: 2, advskew: 0, advbase: 1, counter: 0n }, auth), RangeError);
    assert.throws(() => encodeCarp({ vhid: 1, advskew: 256, advbase: 1, counter: 0n }, auth), RangeError);
    assert.throws(() => encodeCarp({ vhid: 1, advskew: 0, advbase: 1, counter: 1n << 64n }, auth), RangeError);
    assert.throws(() => encodeCarp({ vhid: 1, advskew: 0, advbase: 1, counter: -1n }, auth), RangeError);
  });
});
