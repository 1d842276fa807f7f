// The one address type: strict parsing, RFC 5952 canonical text, bytes, order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compareIp,
  ipFamily,
  ipFromBytes,
  ipToBytes,
  ipv4FromWord,
  ipv4Word,
  isIpv6LinkLocal,
  isMulticast,
  parseIp,
  ucarpOrderKey,
  type IpAddress,
} from '../../src/core/ip-address.js';

const ip = (s: string): IpAddress => {
  const a = parseIp(s);
  assert.ok(a !== undefined, s);
  return a;
};

describe('parseIp', () => {
  it('takes a strict dotted quad as it is', () => {
    for (const s of ['0.0.0.0', '10.77.0.1', '224.0.0.18', '255.255.255.255']) assert.equal(parseIp(s), s);
    for (const s of ['10.77.0.01', '256.0.0.1', '10.77.0', '10.77.0.1.2', ' 10.0.0.1', '10.0.0.1 ', '0x0a.0.0.1', '1e1.0.0.1', '']) {
      assert.equal(parseIp(s), undefined, s);
    }
  });

  it('writes IPv6 as RFC 5952 does', () => {
    const cases: [string, string][] = [
      ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first of two equal runs
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // one zero group stays
      ['2001:db8:0:0:1:0:0:0', '2001:db8:0:0:1::'], // the longest run wins
      ['fe80::1', 'fe80::1'],
      ['FF02::12', 'ff02::12'],
      ['0:0:0:0:0:0:0:0', '::'],
      ['::1', '::1'],
      ['1::', '1::'],
      ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
      ['::ffff:10.0.0.1', '::ffff:a00:1'],
      ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    ];
    for (const [text, canonical] of cases) assert.equal(parseIp(text), canonical, text);
  });

  it('refuses what is not one IPv6 address, zone ids included', () => {
    for (const s of ['fe80::1%eth0', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '1::2::3', ':::', ':1:2:3:4:5:6:7', '12345::', 'g::1', '::1.2.3', '::1.2.3.04', '1.2.3.4::', '[::1]']) {
      assert.equal(parseIp(s), undefined, s);
    }
  });
});

describe('address helpers', () => {
  it('family, bytes and words', () => {
    assert.equal(ipFamily(ip('10.0.0.1')), 4);
    assert.equal(ipFamily(ip('::')), 6);
    assert.deepEqual(ipToBytes(ip('10.77.0.1')), Buffer.from([10, 77, 0, 1]));
    assert.deepEqual(ipToBytes(ip('ff02::12')), Buffer.from('ff020000000000000000000000000012', 'hex'));
    assert.equal(ipv4Word(ip('10.0.0.1')), 0x0a000001);
    assert.equal(ipv4FromWord(0xe0000012), '224.0.0.18');
    assert.equal(ipFromBytes(Buffer.from('00fe800000000000000000000000000001', 'hex'), 1, 6), 'fe80::1');
    assert.throws(() => ipv4Word(ip('::1')), RangeError);
  });

  it('formats received IPv4 bytes right however often the same slot of its cache is hit', () => {
    const texts = ['0.0.0.0', '255.255.255.255', '10.0.1.1', '10.0.0.0', '0.0.0.0', '10.0.1.1', '1.0.0.0'];
    for (let round = 0; round < 2; round++) for (const t of texts) assert.equal(ipFromBytes(ipToBytes(ip(t)), 0, 4), t);
  });

  it('a caller may modify the bytes it was given', () => {
    const a = ip('10.0.0.7');
    ipToBytes(a).fill(0);
    assert.deepEqual(ipToBytes(a), Buffer.from([10, 0, 0, 7]));
  });

  it('multicast and link-local', () => {
    assert.ok(isMulticast(ip('224.0.0.18')) && isMulticast(ip('239.255.255.255')) && isMulticast(ip('ff02::12')));
    assert.ok(!isMulticast(ip('223.255.255.255')) && !isMulticast(ip('240.0.0.0')) && !isMulticast(ip('ff::1')) && !isMulticast(ip('fe80::1')));
    assert.ok(isIpv6LinkLocal(ip('fe80::1')) && isIpv6LinkLocal(ip('febf:ffff::1')));
    assert.ok(!isIpv6LinkLocal(ip('fec0::1')) && !isIpv6LinkLocal(ip('fe7f::1')) && !isIpv6LinkLocal(ip('169.254.0.1')));
  });

  it('compares numerically, never as text, and only within one family', () => {
    assert.ok(compareIp(ip('10.0.0.9'), ip('10.0.0.10')) < 0);
    assert.ok(compareIp(ip('fe80::9'), ip('fe80::10')) < 0);
    assert.equal(compareIp(ip('fe80::1'), ip('FE80:0::1')), 0);
    assert.throws(() => compareIp(ip('10.0.0.1'), ip('::1')), RangeError);
  });

  it("keeps ucarp's little-endian tie-break order", () => {
    assert.ok(ucarpOrderKey(ip('10.77.2.1')) < ucarpOrderKey(ip('10.77.1.2')));
    assert.equal(ucarpOrderKey(ip('10.77.1.2')), 0x02014d0a);
    assert.throws(() => ucarpOrderKey(ip('fe80::1')), RangeError);
  });
});
