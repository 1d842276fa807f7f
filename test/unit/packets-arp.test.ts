// Gratuitous ARP frame layout and the MAC address helpers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseIp } from '../../src/core/ip-address.js';
import { encodeGratuitousArp, decodeArp } from '../../src/core/packets/arp.js';
import {
  BROADCAST_MAC,
  ipv4MulticastMac,
  VIRTUAL_ROUTER_MAC,
  encodeEthernetFrame,
  formatMac,
  decodeEthernetFrame,
  ucarpAdvertMac,
} from '../../src/core/packets/ethernet.js';

const mac = Buffer.from([0x02, 0x11, 0x22, 0x33, 0x44, 0x55]);
const vip = parseIp('10.77.0.252')!;

describe('encodeGratuitousArp', () => {
  const frame = encodeGratuitousArp(mac, vip);

  it('is a 60-byte broadcast frame from our MAC with EtherType 0x0806', () => {
    assert.equal(frame.length, 60);
    assert.equal(frame.toString('hex', 0, 6), 'ffffffffffff');
    assert.deepEqual(frame.subarray(6, 12), mac);
    assert.equal(frame.readUInt16BE(12), 0x0806);
  });

  it('carries an Ethernet/IPv4 ARP request with sender = target = the virtual address', () => {
    const expected = Buffer.from(
      '0001' + // hardware type Ethernet
        '0800' + // protocol IPv4
        '06' + // hardware address length
        '04' + // protocol address length
        '0001' + // request
        '021122334455' + // sender hardware address
        '0a4d00fc' + // sender protocol address 10.77.0.252
        'ffffffffffff' + // target hardware address
        '0a4d00fc', // target protocol address
      'hex',
    );
    assert.deepEqual(frame.subarray(14, 42), expected);
    assert.deepEqual(frame.subarray(42), Buffer.alloc(18), 'zero padding to 60 bytes');
  });

  it('can put another target hardware address (ucarp puts its own MAC there)', () => {
    const f = encodeGratuitousArp(mac, vip, mac);
    assert.deepEqual(f.subarray(32, 38), mac);
  });

  it('parses back with decodeArp', () => {
    const a = decodeArp(frame);
    assert.ok(a);
    assert.equal(a.op, 1);
    assert.deepEqual(a.ethDst, BROADCAST_MAC);
    assert.deepEqual(a.ethSrc, mac);
    assert.deepEqual(a.senderHw, mac);
    assert.equal(a.senderIp, vip);
    assert.deepEqual(a.targetHw, BROADCAST_MAC);
    assert.equal(a.targetIp, vip);
  });

  it('decodeArp refuses non-ARP and short frames', () => {
    const ipFrame = Buffer.from(frame);
    ipFrame.writeUInt16BE(0x0800, 12);
    assert.equal(decodeArp(ipFrame), null);
    assert.equal(decodeArp(frame.subarray(0, 41)), null);
    const notIpv4 = Buffer.from(frame);
    notIpv4.writeUInt16BE(0x86dd, 16);
    assert.equal(decodeArp(notIpv4), null);
  });

  it('refuses a MAC that is not 6 bytes', () => {
    assert.throws(() => encodeGratuitousArp(Buffer.alloc(5), vip), RangeError);
  });
});

describe('MAC helpers', () => {
  it('virtual router MAC is 00:00:5e:00:01:<vrid>', () => {
    assert.equal(formatMac(VIRTUAL_ROUTER_MAC(51)), '00:00:5e:00:01:33');
    assert.throws(() => VIRTUAL_ROUTER_MAC(256), RangeError);
  });

  it("ucarp's advertisement source is 00:00:5e:00:00:<vhid>", () => {
    assert.equal(formatMac(ucarpAdvertMac(42)), '00:00:5e:00:00:2a');
    assert.equal(formatMac(ucarpAdvertMac(200)), '00:00:5e:00:00:c8');
  });

  it('multicast MAC keeps the low 23 bits of the group', () => {
    assert.equal(formatMac(ipv4MulticastMac(parseIp('224.0.0.18')!)), '01:00:5e:00:00:12');
    assert.equal(formatMac(ipv4MulticastMac(parseIp('239.192.0.5')!)), '01:00:5e:40:00:05');
    assert.equal(formatMac(ipv4MulticastMac(parseIp('239.128.0.5')!)), '01:00:5e:00:00:05');
  });
});

describe('Ethernet framing', () => {
  it('builds dst, src, EtherType, payload without padding, and splits it back', () => {
    const payload = Buffer.from('abc');
    const f = encodeEthernetFrame(BROADCAST_MAC, mac, 0x0800, payload);
    assert.equal(f.toString('hex'), 'ffffffffffff' + '021122334455' + '0800' + '616263');
    const p = decodeEthernetFrame(f);
    assert.ok(p.ok);
    assert.deepEqual(p.value.dst, BROADCAST_MAC);
    assert.deepEqual(p.value.src, mac);
    assert.equal(p.value.etherType, 0x0800);
    assert.deepEqual(p.value.payload, payload);
    assert.deepEqual(decodeEthernetFrame(f.subarray(0, 13)), { ok: false, reason: 'short' });
  });
});
