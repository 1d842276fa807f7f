// IPv4 header parsing limits, and the checksum and SHA-1 primitives under it all.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { parseIp } from '../../src/core/ip-address.js';
import { decodeIpv4Inbound } from '../../src/core/inbound-packet.js';
import { internetChecksum } from '../../src/core/packets/checksum.js';
import { encodeIpv4Header, encodeIpv4Packet, decodeIpv4Packet } from '../../src/core/packets/ipv4-header.js';
import { HmacSha1WithPrefix, sha1 } from '../../src/core/packets/sha1.js';

const src = parseIp('10.77.0.11')!;
const dst = parseIp('224.0.0.18')!;

describe('internetChecksum', () => {
  it('matches the RFC 1071 worked example', () => {
    // Words 0001 f203 f4f5 f6f7 sum to 0xddf2 after the end-around carry.
    assert.equal(internetChecksum(Buffer.from('0001f203f4f5f6f7', 'hex')), ~0xddf2 & 0xffff);
  });

  it('treats parts as one concatenated buffer, odd lengths included', () => {
    const whole = Buffer.from('0001f203f4f5f6f7ab', 'hex');
    const expected = internetChecksum(whole);
    assert.equal(internetChecksum(whole.subarray(0, 3), whole.subarray(3, 4), Buffer.alloc(0), whole.subarray(4)), expected);
    assert.equal(internetChecksum(whole.subarray(0, 1), whole.subarray(1, 8), whole.subarray(8)), expected);
  });

  it('of nothing is 0xffff, of a buffer holding its checksum is 0', () => {
    assert.equal(internetChecksum(), 0xffff);
    const h = encodeIpv4Header({ src, dst, payloadLength: 36 });
    assert.equal(internetChecksum(h), 0);
  });
});

describe('decodeIpv4Packet', () => {
  const payload = Buffer.from('0123456789', 'latin1');
  const packet = encodeIpv4Packet({ src, dst, id: 0x1234 }, payload);

  it('reads the fields and bounds the payload by the total length', () => {
    const padded = Buffer.concat([packet, Buffer.alloc(16)]);
    const p = decodeIpv4Packet(padded);
    assert.ok(p.ok);
    assert.deepEqual(p.value, {
      src,
      dst,
      ttl: 255,
      tos: 0x10,
      protocol: 112,
      id: 0x1234,
      dontFragment: true,
      payload,
    });
  });

  it('skips IP options', () => {
    const h = Buffer.alloc(24);
    packet.copy(h, 0, 0, 20);
    h[0] = 0x46;
    h.writeUInt16BE(24 + payload.length, 2);
    h.writeUInt16BE(0, 10);
    h.writeUInt16BE(internetChecksum(h), 10);
    const p = decodeIpv4Packet(Buffer.concat([h, payload]));
    assert.ok(p.ok);
    assert.deepEqual(p.value.payload, payload);
  });

  const withHeader = (edit: (b: Buffer) => void, fixChecksum = true): Buffer => {
    const b = Buffer.from(packet);
    edit(b);
    if (fixChecksum) {
      b.writeUInt16BE(0, 10);
      b.writeUInt16BE(internetChecksum(b.subarray(0, 20)), 10);
    }
    return b;
  };
  const refused = (reason: string): unknown => ({ ok: false, reason });

  it('names why it refuses', () => {
    assert.deepEqual(decodeIpv4Packet(packet.subarray(0, 19)), refused('short'));
    assert.deepEqual(decodeIpv4Packet(packet.subarray(0, packet.length - 1)), refused('short'));
    assert.deepEqual(decodeIpv4Packet(withHeader((b) => (b[0] = 0x65))), refused('ip-header'));
    assert.deepEqual(decodeIpv4Packet(withHeader((b) => (b[0] = 0x44))), refused('ip-header'));
    assert.deepEqual(decodeIpv4Packet(withHeader((b) => b.writeUInt16BE(19, 2))), refused('ip-header'));
    assert.deepEqual(decodeIpv4Packet(withHeader((b) => (b[0] = 0x4f))), refused('ip-header'));
    const longHeader = withHeader((b) => ((b[0] = 0x4f), b.writeUInt16BE(60, 2)));
    assert.deepEqual(decodeIpv4Packet(longHeader), refused('short'));
    assert.deepEqual(decodeIpv4Packet(withHeader((b) => b.writeUInt16BE(0x2000, 6))), refused('ip-header'));
    assert.deepEqual(decodeIpv4Packet(withHeader((b) => b.writeUInt16BE(0x0001, 6))), refused('ip-header'));
    assert.deepEqual(decodeIpv4Packet(withHeader((b) => (b[8] = 1), false)), refused('checksum'));
  });

  it('leaves TTL and protocol to the caller', () => {
    const p = decodeIpv4Packet(withHeader((b) => ((b[8] = 1), (b[9] = 17))));
    assert.ok(p.ok);
    assert.equal(p.value.ttl, 1);
    assert.equal(p.value.protocol, 17);
  });

  it('decodeIpv4Inbound: the family-neutral packet, protocol 112 only', () => {
    const p = decodeIpv4Inbound(withHeader((b) => (b[8] = 254)));
    assert.deepEqual(p, { ok: true, value: { source: src, destination: dst, hopLimit: 254, payload } });
    assert.deepEqual(decodeIpv4Inbound(withHeader((b) => (b[9] = 17))), refused('protocol'));
    assert.deepEqual(decodeIpv4Inbound(packet.subarray(0, 19)), refused('short'));
  });

  it('encodeIpv4Header refuses out-of-range fields', () => {
    assert.throws(() => encodeIpv4Header({ src, dst, payloadLength: 65516 }), RangeError);
    assert.throws(() => encodeIpv4Header({ src, dst, payloadLength: 1, ttl: 256 }), RangeError);
    assert.throws(() => encodeIpv4Header({ src, dst, payloadLength: 1, id: -1 }), RangeError);
  });
});

describe('SHA-1 and HMAC-SHA1 agree with node:crypto', () => {
  it('sha1 at every length around the block boundaries', () => {
    for (let n = 0; n <= 200; n++) {
      const data = Buffer.alloc(n, n & 0xff);
      assert.deepEqual(Buffer.from(sha1(data)), createHash('sha1').update(data).digest(), `length ${n}`);
    }
  });

  it('HMAC with short, 64-byte and long keys and prefixes of many lengths', () => {
    for (const keyLength of [0, 4, 19, 20, 63, 64, 65, 150]) {
      const key = Buffer.alloc(keyLength, 0x5a);
      for (const prefixLength of [0, 3, 7, 43, 47, 48, 55, 56, 64, 120, 130]) {
        const prefix = Buffer.alloc(prefixLength, 0xa5);
        const h = new HmacSha1WithPrefix(key, prefix, 8);
        const suffix = Buffer.from('0011223344556677', 'hex');
        const out = Buffer.alloc(20);
        h.digestInto(suffix, out);
        const expected = createHmac('sha1', key).update(prefix).update(suffix).digest();
        assert.deepEqual(out, expected, `key ${keyLength} prefix ${prefixLength}`);
      }
    }
  });

  it('HMAC refuses a suffix of the wrong length', () => {
    const h = new HmacSha1WithPrefix(Buffer.from('k'), Buffer.from('p'), 8);
    assert.throws(() => h.digestInto(Buffer.alloc(7), Buffer.alloc(20)), RangeError);
  });
});
