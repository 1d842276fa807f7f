// The VRRP driver against keepalived 2.2.7's own captured advertisements: what it accepts,
// what it refuses and why, and that what it sends is byte for byte what keepalived sends.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VrrpGroupSettings } from '../../src/config/settings.js';
import { parseIp, writeIp, type IpAddress } from '../../src/core/ip-address.js';
import { internetChecksum } from '../../src/core/packets/checksum.js';
import { decodeEthernetFrame } from '../../src/core/packets/ethernet.js';
import { decodeIpv4Inbound, type InboundPacket } from '../../src/core/inbound-packet.js';
import { KEEPALIVED_TOS } from '../../src/core/packets/ipv4-header.js';
import { createDriver } from '../../src/daemon/create-driver.js';
import { createVrrpDriver, sameAddressSet } from '../../src/daemon/vrrp-driver.js';
import { VRRP_CAPTURES, readEthernetFixture } from '../support/pcap.js';
import { vrrpGroupSettings } from '../support/group-settings.js';

const ip = (s: string): IpAddress => parseIp(s)!;

function settings(over: Partial<VrrpGroupSettings>): VrrpGroupSettings {
  return vrrpGroupSettings({ srcip: ip('10.77.0.12'), vhid: 51, addrs: [ip('10.77.0.233'), ip('10.77.0.234')], ...over });
}

function packets(file: string): InboundPacket[] {
  return readEthernetFixture(file).map(({ frame }) => {
    const eth = decodeEthernetFrame(frame);
    assert.ok(eth.ok);
    const pkt = decodeIpv4Inbound(eth.value.payload);
    assert.ok(pkt.ok);
    return pkt.value;
  });
}

/** A copy of pkt with its VRRP payload changed and the VRRP checksum fixed up (v3 over the pseudo-header). */
function tamper(pkt: InboundPacket, version: 2 | 3, edit: (p: Buffer) => void): InboundPacket {
  const payload = Buffer.from(pkt.payload);
  edit(payload);
  payload.writeUInt16BE(0, 6);
  let sum: number;
  if (version === 2) sum = internetChecksum(payload);
  else {
    const pseudo = Buffer.alloc(12);
    writeIp(pkt.source, pseudo, 0);
    writeIp(pkt.destination, pseudo, 4);
    pseudo[9] = 112;
    pseudo.writeUInt16BE(payload.length, 10);
    sum = internetChecksum(pseudo, payload);
  }
  payload.writeUInt16BE(sum, 6);
  return { ...pkt, payload };
}

for (const c of VRRP_CAPTURES) {
  const version = c.kind === 'vrrp2' ? 2 : 3;
  const password = c.password === null ? null : Buffer.from(c.password);
  const ours = settings({ protocol: c.kind, password, advbase: c.intervalCs / 100 });
  const driverFor = (s: VrrpGroupSettings) => createVrrpDriver(s, version);

  describe(`VRRP driver on keepalived's ${c.file}`, () => {
    const captured = packets(c.file);

    it('accepts every advertisement and reports sender, priority and interval', () => {
      const driver = createDriver(ours);
      assert.equal(driver.name, `VRRPv${version}`);
      assert.equal(driver.tos, KEEPALIVED_TOS);
      for (const pkt of captured) {
        const d = driver.decode(pkt);
        assert.ok(d !== 'other-group' && d.ok, JSON.stringify(d));
        assert.deepEqual(d.value, { src: ip(c.srcip), priority: c.priority, intervalCs: c.intervalCs });
      }
    });

    it('sends, in keepalived\'s place, the very bytes keepalived sent', () => {
      const driver = driverFor(settings({ protocol: c.kind, password, advbase: c.intervalCs / 100, srcip: ip(c.srcip), priority: c.priority }));
      for (const pkt of captured) {
        assert.deepEqual(driver.encode({ priority: c.priority, intervalCs: c.intervalCs }, pkt.destination), pkt.payload);
      }
    });

    it('accepts the addresses in any order, refuses a different set', () => {
      const reversed = driverFor({ ...ours, addrs: [...ours.addrs].reverse() });
      const d = reversed.decode(captured[0]!);
      assert.ok(d !== 'other-group' && d.ok);
      for (const addrs of [[ip('10.77.0.233')], [ip('10.77.0.233'), ip('10.77.0.235')], [...ours.addrs, ip('10.77.0.235')]]) {
        assert.deepEqual(driverFor({ ...ours, addrs }).decode(captured[0]!), { ok: false, reason: 'addresses' });
      }
      assert.equal(sameAddressSet([ip('10.0.0.1'), ip('10.0.0.1')], new Set([ip('10.0.0.1'), ip('10.0.0.2')])), false, 'a repeated address is not the set');
    });

    it('leaves other virtual routers alone', () => {
      assert.equal(driverFor({ ...ours, vhid: 52 }).decode(captured[0]!), 'other-group');
    });

    if (version === 2) {
      it('refuses a wrong password, a missing one, and one it did not expect', () => {
        assert.deepEqual(driverFor({ ...ours, password: Buffer.from('1112') }).decode(captured[0]!), { ok: false, reason: 'auth' });
        assert.deepEqual(driverFor({ ...ours, password: null }).decode(captured[0]!), { ok: false, reason: 'auth' });
        const noAuth = tamper(captured[0]!, 2, (p) => {
          p[4] = 0;
          p.fill(0, p.length - 8);
        });
        assert.deepEqual(driverFor(ours).decode(noAuth), { ok: false, reason: 'auth' });
      });

      it('refuses an advertisement interval other than its own (RFC 3768)', () => {
        assert.deepEqual(driverFor({ ...ours, advbase: 2 }).decode(captured[0]!), { ok: false, reason: 'interval' });
      });
    } else {
      it('takes any advertised interval (the backup adopts it), and checks the pseudo-header', () => {
        const fast = tamper(captured[0]!, 3, (p) => p.writeUInt16BE(5, 4));
        const d = driverFor(ours).decode(fast);
        assert.ok(d !== 'other-group' && d.ok);
        assert.equal(d.value.intervalCs, 5);
        // The same bytes sent to another destination fail the checksum.
        assert.deepEqual(driverFor(ours).decode({ ...captured[0]!, destination: ip('10.77.0.12') }), { ok: false, reason: 'checksum' });
      });

      it('computes a unicast peer\'s checksum over that peer\'s address', () => {
        const peer = ip('10.77.0.11');
        const driver = driverFor({ ...ours, peers: [peer] });
        const payload = driver.encode({ priority: 100, intervalCs: 5 }, peer);
        const back = driverFor(settings({ srcip: peer })).decode({ ...captured[0]!, source: ours.srcip, destination: peer, payload });
        assert.ok(back !== 'other-group' && back.ok);
        assert.deepEqual(back.value, { src: ours.srcip, priority: 100, intervalCs: 5 });
      });
    }
  });
}
