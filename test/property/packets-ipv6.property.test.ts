// Properties of the IPv6 codecs: the header round-trips over every field range, the
// neighbour advertisement round-trips for any MAC and target, every single-bit
// corruption of its ICMPv6 message is caught, and no input makes a decoder throw.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ipFromBytes } from '../../src/core/ip-address.js';
import { decodeIpv6Packet, encodeIpv6Packet, ipv6UpperChecksum, NEXT_HEADER_VRRP } from '../../src/core/packets/ipv6-header.js';
import { decodeNeighborAdvert, encodeNeighborAdvert } from '../../src/core/packets/neighbor-advert.js';
import { decodeVrrp, encodeVrrp } from '../../src/core/packets/vrrp.js';
import { flipBit } from '../support/bits.js';

const byte = fc.integer({ min: 0, max: 255 });
const address = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => ipFromBytes(a, 0, 6));
const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((a) => Buffer.from(a));
const bytes = (maxLength: number): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));

describe('IPv6 header properties', () => {
  it('encode → decode returns every field and the payload', () => {
    fc.assert(
      fc.property(
        fc.record({ src: address, dst: address, nextHeader: byte, hopLimit: byte, trafficClass: byte, flowLabel: fc.integer({ min: 0, max: 0xfffff }) }),
        bytes(300),
        bytes(20),
        (o, payload, padding) => {
          // Ethernet padding after the payload is not part of it.
          const d = decodeIpv6Packet(Buffer.concat([encodeIpv6Packet(o, payload), padding]));
          assert.ok(d.ok);
          assert.deepEqual({ ...d.value, payload: Buffer.from(d.value.payload) }, { ...o, payload });
        },
      ),
    );
  });

  it('the pseudo-header checksum stored in a message verifies, and any single-bit flip of the message breaks it', () => {
    fc.assert(
      fc.property(address, address, bytes(64).filter((b) => b.length >= 4), fc.nat(), (src, dst, body, pick) => {
        const msg = Buffer.from(body);
        msg.writeUInt16BE(0, 2);
        msg.writeUInt16BE(ipv6UpperChecksum(src, dst, NEXT_HEADER_VRRP, msg), 2);
        assert.equal(ipv6UpperChecksum(src, dst, NEXT_HEADER_VRRP, msg), 0);
        const bit = pick % (msg.length * 8);
        assert.notEqual(ipv6UpperChecksum(src, dst, NEXT_HEADER_VRRP, flipBit(msg, bit)), 0);
      }),
    );
  });
});

describe('VRRPv3 over IPv6 properties', () => {
  it('encode → decode returns every field; a single-bit flip is refused or decodes to different fields', () => {
    fc.assert(
      fc.property(
        fc.record({ vrid: byte, priority: byte, intervalCs: fc.integer({ min: 1, max: 4095 }), addrs: fc.array(address, { maxLength: 12 }) }),
        address,
        address,
        fc.nat(),
        (f, src, dst, pick) => {
          const fields = { version: 3 as const, ...f };
          const wire = encodeVrrp(fields, { src, dst });
          assert.equal(wire.length, 8 + 16 * f.addrs.length);
          const d = decodeVrrp(wire, 3, { src, dst });
          assert.ok(d.ok);
          assert.deepEqual([d.value.vrid, d.value.priority, d.value.intervalCs, d.value.addrs], [f.vrid, f.priority, f.intervalCs, f.addrs]);
          const bit = pick % (wire.length * 8);
          const flipped = decodeVrrp(flipBit(wire, bit), 3, { src, dst });
          // The reserved bits of the interval field are ignored (RFC 5798); the checksum still catches them.
          assert.equal(flipped.ok, false, `bit ${bit}`);
        },
      ),
    );
  });
});

describe('neighbour advertisement properties', () => {
  it('encode → decode gives back the MAC and target, unsolicited and overriding', () => {
    fc.assert(
      fc.property(mac, address, (m, target) => {
        const d = decodeNeighborAdvert(encodeNeighborAdvert(m, target));
        assert.ok(d.ok);
        assert.deepEqual(d.value.ethSrc, m);
        assert.deepEqual(d.value.targetMac, m);
        assert.equal(d.value.target, target);
        assert.equal(d.value.src, target);
        assert.deepEqual([d.value.hopLimit, d.value.router, d.value.solicited, d.value.override], [255, false, false, true]);
      }),
    );
  });

  it('every single-bit flip of the IPv6 addresses or the ICMPv6 message is refused', () => {
    fc.assert(
      fc.property(mac, address, fc.nat(), (m, target, pick) => {
        const frame = encodeNeighborAdvert(m, target);
        // Source, destination and the whole ICMPv6 message are under the checksum.
        const from = (14 + 8) * 8;
        const bit = from + (pick % (frame.length * 8 - from));
        assert.equal(decodeNeighborAdvert(flipBit(frame, bit)).ok, false, `bit ${bit}`);
      }),
    );
  });

  it('decoders never throw, on arbitrary and on mutated frames', () => {
    fc.assert(
      fc.property(bytes(200), (b) => {
        decodeIpv6Packet(b);
        decodeNeighborAdvert(b);
      }),
    );
    fc.assert(
      fc.property(mac, address, fc.array(fc.tuple(fc.nat(), byte), { maxLength: 8 }), fc.nat(100), (m, target, edits, cut) => {
        const f = Buffer.from(encodeNeighborAdvert(m, target));
        for (const [at, value] of edits) f[at % f.length] = value;
        decodeNeighborAdvert(f.subarray(0, Math.max(0, f.length - cut)));
        decodeIpv6Packet(f.subarray(14));
      }),
    );
  });
});
