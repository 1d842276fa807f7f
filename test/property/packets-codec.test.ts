// Properties of the packet codecs over their whole field ranges: round trips, every
// single-bit corruption caught, and decoders that never throw.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CARP_LENGTH, createCarpAuth, decodeCarp, encodeCarp } from '../../src/core/packets/carp.js';
import { internetChecksum } from '../../src/core/packets/checksum.js';
import { decodeArp } from '../../src/core/packets/arp.js';
import { decodeEthernetFrame } from '../../src/core/packets/ethernet.js';
import { encodeIpv4Packet, decodeIpv4Packet } from '../../src/core/packets/ipv4-header.js';
import { HmacSha1WithPrefix } from '../../src/core/packets/sha1.js';
import { checkVrrp2Auth, decodeVrrp, encodeVrrp, vrrp2AuthBytes, type VrrpFields } from '../../src/core/packets/vrrp.js';
import { ipv4FromWord, ipv4Word, type IpAddress } from '../../src/core/ip-address.js';
import { flipBit } from '../support/bits.js';

const byte = fc.integer({ min: 0, max: 255 });
const ipv4 = fc.integer({ min: 0, max: 0xffffffff }).map(ipv4FromWord);
const counter = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const bytes = (maxLength: number): fc.Arbitrary<Buffer> =>
  fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));

const carpCase = fc.record({
  vhid: byte,
  advskew: byte,
  advbase: byte,
  demote: byte,
  counter,
  password: bytes(40),
  addrs: fc.array(ipv4, { minLength: 1, maxLength: 6 }),
});

const vrrpCase: fc.Arbitrary<VrrpFields & { src: IpAddress; dst: IpAddress }> = fc.oneof(
  fc.record({
    version: fc.constant(2 as const),
    vrid: byte,
    priority: byte,
    intervalCs: fc.integer({ min: 1, max: 255 }).map((s) => s * 100),
    addrs: fc.array(ipv4, { maxLength: 20 }),
    password: fc.option(bytes(12), { nil: null }),
    src: ipv4,
    dst: ipv4,
  }),
  fc.record({
    version: fc.constant(3 as const),
    vrid: byte,
    priority: byte,
    intervalCs: fc.integer({ min: 1, max: 4095 }),
    addrs: fc.array(ipv4, { maxLength: 20 }),
    src: ipv4,
    dst: ipv4,
  }),
);

describe('CARP codec properties', () => {
  it('encode → decode returns every field, and the HMAC verifies', () => {
    fc.assert(
      fc.property(carpCase, (c) => {
        const auth = createCarpAuth(c.password, c.vhid, c.addrs);
        const wire = encodeCarp(c, auth);
        assert.equal(wire.length, CARP_LENGTH);
        assert.equal(internetChecksum(wire), 0);
        const d = decodeCarp(wire);
        assert.ok(d.ok);
        const { hmac, ...fields } = d.value;
        assert.deepEqual(fields, {
          vhid: c.vhid,
          advskew: c.advskew,
          advbase: c.advbase,
          demote: c.demote,
          counter: c.counter,
        });
        assert.deepEqual(hmac, auth.sign(c.counter));
        assert.equal(auth.verify(d.value), true);
      }),
    );
  });

  it('the HMAC is HMAC-SHA1(password, 2 1 vhid sorted-addresses counter)', () => {
    fc.assert(
      fc.property(carpCase, (c) => {
        const auth = createCarpAuth(c.password, c.vhid, c.addrs);
        const msg = Buffer.alloc(3 + 4 * c.addrs.length + 8);
        msg[0] = 2;
        msg[1] = 1;
        msg[2] = c.vhid;
        c.addrs.map(ipv4Word).sort((a, b) => a - b).forEach((a, i) => msg.writeUInt32BE(a, 3 + 4 * i));
        msg.writeBigUInt64BE(c.counter, msg.length - 8);
        assert.deepEqual(auth.sign(c.counter), createHmac('sha1', c.password).update(msg).digest());
      }),
    );
  });

  it('every single-bit flip of the IP packet or the CARP header is refused by parse, decode or verify', () => {
    fc.assert(
      fc.property(carpCase, ipv4, ipv4, (c, src, dst) => {
        const auth = createCarpAuth(c.password, c.vhid, c.addrs);
        const packet = encodeIpv4Packet({ src, dst }, encodeCarp(c, auth));
        for (let bit = 0; bit < packet.length * 8; bit++) {
          const ip = decodeIpv4Packet(flipBit(packet, bit));
          if (!ip.ok) continue;
          const d = decodeCarp(ip.value.payload);
          assert.ok(!d.ok || !auth.verify(d.value), `bit ${bit} went through`);
        }
        // The bare header too, without the IP checksum's help.
        const header = encodeCarp(c, auth);
        for (let bit = 0; bit < CARP_LENGTH * 8; bit++) {
          const d = decodeCarp(flipBit(header, bit));
          assert.ok(!d.ok || !auth.verify(d.value), `CARP bit ${bit} went through`);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('a different password, vhid, address or counter does not verify', () => {
    fc.assert(
      fc.property(carpCase, bytes(40), ipv4, counter, (c, otherPass, otherAddr, otherCounter) => {
        const auth = createCarpAuth(c.password, c.vhid, c.addrs);
        const d = decodeCarp(encodeCarp(c, auth));
        assert.ok(d.ok);
        // HMAC keys equal up to trailing zero bytes are the same key.
        const trim = (b: Buffer): string => b.toString('hex').replace(/(00)+$/, '');
        if (trim(otherPass) !== trim(c.password)) {
          assert.equal(createCarpAuth(otherPass, c.vhid, c.addrs).verify(d.value), false);
        }
        if (!c.addrs.includes(otherAddr)) {
          assert.equal(createCarpAuth(c.password, c.vhid, [...c.addrs.slice(1), otherAddr]).verify(d.value), false);
        }
        if (otherCounter !== c.counter) assert.equal(auth.verify({ ...d.value, counter: otherCounter }), false);
        const otherVhid = (c.vhid + 1) % 256;
        assert.equal(createCarpAuth(c.password, otherVhid, c.addrs).verify({ ...d.value, vhid: otherVhid }), false);
      }),
    );
  });
});

describe('VRRP codec properties', () => {
  it('encode → decode returns every field', () => {
    fc.assert(
      fc.property(vrrpCase, (c) => {
        const ip = { src: c.src, dst: c.dst };
        const d = decodeVrrp(encodeVrrp(c, ip), c.version, ip);
        assert.ok(d.ok, d.ok ? '' : d.reason);
        const password = c.password ?? null;
        assert.deepEqual(d.value, {
          version: c.version,
          vrid: c.vrid,
          priority: c.priority,
          intervalCs: c.intervalCs,
          addrs: c.addrs,
          authType: c.version === 2 && password ? 1 : 0,
          authData: c.version === 2 ? vrrp2AuthBytes(password) : Buffer.alloc(0),
        });
        if (c.version === 2) assert.equal(checkVrrp2Auth(d.value, password), true);
      }),
    );
  });

  it('every single-bit flip is refused or decodes to different fields', () => {
    fc.assert(
      fc.property(vrrpCase, (c) => {
        const ip = { src: c.src, dst: c.dst };
        const wire = encodeVrrp(c, ip);
        const original = decodeVrrp(wire, c.version, ip);
        assert.ok(original.ok);
        for (let bit = 0; bit < wire.length * 8; bit++) {
          const d = decodeVrrp(flipBit(wire, bit), c.version, ip);
          if (d.ok) assert.notDeepEqual(d.value, original.value, `bit ${bit}`);
        }
        if (c.version === 3) {
          // The v3 checksum also covers the addresses the packet travelled between.
          for (let bit = 0; bit < 32; bit++) {
            const flip = (a: IpAddress): IpAddress => ipv4FromWord((ipv4Word(a) ^ (1 << bit)) >>> 0);
            assert.equal(decodeVrrp(wire, 3, { src: flip(c.src), dst: c.dst }).ok, false);
            assert.equal(decodeVrrp(wire, 3, { src: c.src, dst: flip(c.dst) }).ok, false);
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('decoders never throw', () => {
  const decodeEverything = (buf: Buffer, src: IpAddress, dst: IpAddress, auth: ReturnType<typeof createCarpAuth>): void => {
    decodeEthernetFrame(buf);
    decodeArp(buf);
    const ip = decodeIpv4Packet(buf);
    const payloads = ip.ok ? [buf, ip.value.payload] : [buf];
    for (const p of payloads) {
      const c = decodeCarp(p);
      if (c.ok) auth.verify(c.value);
      for (const v of [2, 3] as const) {
        const d = decodeVrrp(p, v, { src, dst });
        if (d.ok && v === 2) checkVrrp2Auth(d.value, Buffer.from('pw'));
      }
    }
  };
  const auth = createCarpAuth(Buffer.from('pw'), 33, [ipv4FromWord(0x0a000001)]);

  it('on arbitrary buffers of 0..200 bytes', () => {
    fc.assert(
      fc.property(bytes(200), ipv4, ipv4, (buf, src, dst) => {
        decodeEverything(buf, src, dst, auth);
      }),
      { numRuns: 2000 },
    );
  });

  const edit = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: byte }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('append' as const), data: bytes(20) }),
  );

  it('on mutated valid CARP and VRRP packets', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          carpCase.map((c) => encodeCarp(c, createCarpAuth(c.password, c.vhid, c.addrs))),
          vrrpCase.map((c) => encodeVrrp(c, c)),
        ),
        fc.boolean(),
        fc.array(edit, { minLength: 1, maxLength: 5 }),
        (payload, withIp, edits) => {
          let b = withIp ? encodeIpv4Packet({ src: ipv4FromWord(1), dst: ipv4FromWord(2) }, payload) : Buffer.from(payload);
          for (const e of edits) {
            if (e.kind === 'set' && b.length > 0) b[e.at % b.length] = e.value;
            else if (e.kind === 'truncate') b = b.subarray(0, e.at % (b.length + 1));
            else if (e.kind === 'append') b = Buffer.concat([b, e.data]);
          }
          decodeEverything(b, ipv4FromWord(1), ipv4FromWord(2), auth);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('primitive properties', () => {
  it('the checksum of parts equals the checksum of their concatenation', () => {
    fc.assert(
      fc.property(fc.array(bytes(9), { maxLength: 8 }), (parts) => {
        assert.equal(internetChecksum(...parts), internetChecksum(Buffer.concat(parts)));
      }),
    );
  });

  it('HMAC with a precomputed prefix equals node:crypto HMAC-SHA1', () => {
    fc.assert(
      fc.property(bytes(150), bytes(200), bytes(80), (key, prefix, suffix) => {
        const out = Buffer.alloc(20);
        new HmacSha1WithPrefix(key, prefix, suffix.length).digestInto(suffix, out);
        assert.deepEqual(out, createHmac('sha1', key).update(prefix).update(suffix).digest());
      }),
    );
  });
});
