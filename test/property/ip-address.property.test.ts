// Properties of the address parser and formatter over every IPv4 value and random IPv6
// bytes: a round trip through bytes, one canonical text (checked against the WHATWG URL
// serialiser, which writes IPv6 hosts as RFC 5952 does), and every spelling of an
// address parsing to it.
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compareIp, ipFromBytes, ipToBytes, ipv4FromWord, ipv4Word, parseIp, ucarpOrderKey } from '../../src/core/ip-address.js';

const word = fc.integer({ min: 0, max: 0xffffffff });
// Random bytes, and bytes with zero runs, which are what compression is about.
const v6bytes = fc.oneof(
  fc.uint8Array({ minLength: 16, maxLength: 16 }),
  fc.array(fc.constantFrom(0, 0, 0, 1, 0xffff), { minLength: 8, maxLength: 8 }).map((groups) => {
    const b = Buffer.alloc(16);
    groups.forEach((g, i) => b.writeUInt16BE(g, 2 * i));
    return b;
  }),
).map((a) => Buffer.from(a));

const whatwg = (a: string): string => new URL(`http://[${a}]/`).hostname.slice(1, -1);

/** Another spelling of the same eight groups: leading zeros, upper case, "::" anywhere legal, a dotted tail. */
function respell(b: Buffer, style: { pad: boolean; upper: boolean; compressAt: number; dotted: boolean }): string {
  const groups = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(2 * i));
  const hex = (g: number): string => {
    const h = style.pad ? g.toString(16).padStart(4, '0') : g.toString(16);
    return style.upper ? h.toUpperCase() : h;
  };
  const fields = groups.map(hex);
  if (style.dotted) fields.splice(6, 2, `${b[12]}.${b[13]}.${b[14]}.${b[15]}`);
  // Compress one run of zero groups starting at compressAt (before any dotted tail), if there is one.
  const limit = style.dotted ? 6 : 8;
  const at = style.compressAt % 8;
  let end = at;
  while (end < limit && groups[end] === 0) end++;
  if (end - at < 1) return fields.join(':');
  return `${fields.slice(0, at).join(':')}::${fields.slice(end).join(':')}`;
}

describe('IP address properties', () => {
  it('every IPv4 value: bytes -> text -> bytes, and the text parses to itself', () => {
    fc.assert(
      fc.property(word, (w) => {
        const b = Buffer.alloc(4);
        b.writeUInt32BE(w >>> 0);
        const a = ipFromBytes(b, 0, 4);
        assert.equal(a, ipv4FromWord(w));
        assert.equal(parseIp(a), a);
        assert.deepEqual(ipToBytes(a), b);
        assert.equal(ipv4Word(a), w);
        assert.equal(ucarpOrderKey(a), b.readUInt32LE(0));
      }),
      { numRuns: 5000 },
    );
  });

  it('IPv6 bytes -> text -> bytes; the text is canonical (idempotent, as WHATWG URL writes it)', () => {
    fc.assert(
      fc.property(v6bytes, (b) => {
        const a = ipFromBytes(b, 0, 6);
        assert.deepEqual(ipToBytes(a), b);
        assert.equal(parseIp(a), a);
        assert.equal(a, whatwg(a));
        assert.equal(a, a.toLowerCase());
      }),
      { numRuns: 5000 },
    );
  });

  it('every spelling of an IPv6 address parses to its canonical text', () => {
    const style = fc.record({ pad: fc.boolean(), upper: fc.boolean(), compressAt: fc.nat(), dotted: fc.boolean() });
    fc.assert(
      fc.property(v6bytes, style, (b, s) => {
        const text = respell(b, s);
        assert.equal(parseIp(text), ipFromBytes(b, 0, 6), text);
      }),
      { numRuns: 5000 },
    );
  });

  it('orders as the bytes do', () => {
    fc.assert(
      fc.property(fc.oneof(fc.tuple(word, word).map(([x, y]) => [ipv4FromWord(x), ipv4FromWord(y)] as const), fc.tuple(v6bytes, v6bytes).map(([x, y]) => [ipFromBytes(x, 0, 6), ipFromBytes(y, 0, 6)] as const)), ([a, b]) => {
        assert.equal(Math.sign(compareIp(a, b)), Math.sign(Buffer.compare(ipToBytes(a), ipToBytes(b))));
      }),
    );
  });

  it('accepts nothing that is not an address (strings near the address alphabet)', () => {
    const near = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:.%'.split('')), maxLength: 45 });
    fc.assert(
      fc.property(near, (text) => {
        const a = parseIp(text);
        if (a !== undefined) assert.notEqual(isIP(text), 0, text);
        // Node takes zone ids and IPv4 with leading zeros is not a thing it takes either.
        if (isIP(text) !== 0 && !text.includes('%')) assert.notEqual(a, undefined, text);
      }),
      { numRuns: 5000 },
    );
  });
});
