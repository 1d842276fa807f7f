// Properties of the inbound filter's TTL and peer rules over every TTL, source and
// policy: what --peer-min-ttl lets through, and what it never does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { screenInbound, type InboundPolicy } from '../../src/core/inbound-filter.js';
import { ipv4FromWord, type IpAddress } from '../../src/core/ip-address.js';
import type { InboundPacket } from '../../src/core/inbound-packet.js';

const SELF_WORD = 0x0a000001;
const SELF = ipv4FromWord(SELF_WORD);
const GROUP = ipv4FromWord(0xe0000012);
const ttl = fc.integer({ min: 0, max: 255 });
// Sources from a small range, so that they are often listed peers, sometimes ourselves.
const source = fc.integer({ min: SELF_WORD, max: SELF_WORD + 12 }).map(ipv4FromWord);
const policy: fc.Arbitrary<InboundPolicy> = fc.record({
  self: fc.constant(SELF),
  group: fc.constant(GROUP),
  peers: fc.uniqueArray(fc.integer({ min: SELF_WORD + 1, max: SELF_WORD + 12 }).map(ipv4FromWord), { maxLength: 4 }),
  peerMinTtl: fc.integer({ min: 1, max: 255 }),
});
const destination = fc.constantFrom(SELF, GROUP);

const packet = (source: IpAddress, destination: IpAddress, hopLimit: number): InboundPacket => ({ source, destination, hopLimit, payload: Buffer.alloc(36) });

describe('inbound filter properties', () => {
  it('accepts exactly: a listed peer at or above the minimum TTL, or anyone admissible at 255', () => {
    fc.assert(
      fc.property(policy, source, destination, ttl, (p, src, dst, t) => {
        const r = screenInbound(packet(src, dst, t), p);
        const listed = p.peers.includes(src);
        const reachable = p.peers.length > 0 ? listed : dst === GROUP;
        const farEnough = t === 255 || (listed && t >= p.peerMinTtl);
        assert.equal(r.ok, src !== SELF && reachable && farEnough);
        if (!r.ok && !farEnough) assert.equal(r.reason, 'ttl');
      }),
      { numRuns: 2000 },
    );
  });

  it('a sender that is not a listed peer is never heard below TTL 255, whatever the minimum', () => {
    fc.assert(
      fc.property(policy, source, destination, fc.integer({ min: 0, max: 254 }), (p, src, dst, t) => {
        fc.pre(!p.peers.includes(src));
        const r = screenInbound(packet(src, dst, t), p);
        assert.equal(r.ok, false);
      }),
      { numRuns: 2000 },
    );
  });

  it('a lower minimum only ever lets more through (never less)', () => {
    fc.assert(
      fc.property(policy, fc.integer({ min: 1, max: 255 }), source, destination, ttl, (p, lower, src, dst, t) => {
        fc.pre(lower <= p.peerMinTtl);
        const strict = screenInbound(packet(src, dst, t), p).ok;
        const loose = screenInbound(packet(src, dst, t), { ...p, peerMinTtl: lower }).ok;
        assert.ok(!strict || loose);
      }),
      { numRuns: 2000 },
    );
  });
});
