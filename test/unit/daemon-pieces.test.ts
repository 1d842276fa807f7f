// Small shell pieces: the masked command line, the script environment, the inbound
// filter, the announcement frames, the test-only fault switch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { screenIpv4, type InboundPolicy } from '../../src/core/inbound-filter.js';
import { parseIp } from '../../src/core/ip-address.js';
import { encodeGratuitousArp } from '../../src/core/packets/arp.js';
import { encodeIpv4Packet } from '../../src/core/packets/ipv4-header.js';
import type { GroupSettings } from '../../src/config/settings.js';
import { announcementFrames } from '../../src/daemon/announcement.js';
import { maskedCommandLine } from '../../src/daemon/process-title.js';
import { scriptEnvironment } from '../../src/daemon/script-environment.js';
import { TEST_FAULT_ENV, withInjectedFault } from '../../src/daemon/fault-injection.js';
import type { ProtocolDriver } from '../../src/daemon/protocol-driver.js';
import type { Election } from '../../src/core/election/types.js';

const ip = (s: string) => parseIp(s)!;

describe('masked command line', () => {
  const cases: [string[], string][] = [
    [['--pass=secret', '-v', '1'], 'ucarp-ts --pass=* -v 1'],
    [['--pass', 'secret', '-v', '1'], 'ucarp-ts --pass * -v 1'],
    [['-p', 'secret'], 'ucarp-ts -p *'],
    [['-psecret', '-P'], 'ucarp-ts -p* -P'],
    [['-Pzpsecret'], 'ucarp-ts -Pzp*'],
    [['-Pp', 'secret'], 'ucarp-ts -Pp *'],
    [['-a', '10.0.0.1', '--upscript=/etc/up.sh'], 'ucarp-ts -a 10.0.0.1 --upscript=/etc/up.sh'],
    [['-i', 'eth0'], 'ucarp-ts -i eth0'],
  ];
  for (const [args, expected] of cases) {
    it(`masks ${args.join(' ')}`, () => {
      const masked = maskedCommandLine(args);
      assert.equal(masked, expected);
      assert.ok(!masked.includes('secret'));
    });
  }
});

describe('script environment', () => {
  it('has the state and settings, the extra config variables, and never a password', () => {
    const s = {
      protocol: 'carp', interface: 'eth0', srcip: ip('10.0.0.1'), vhid: 42, addrs: [ip('10.0.0.100'), ip('10.0.0.101')],
      advbase: 1, advskew: 50, priority: 100, xparam: 'x y', password: Buffer.from('secret'),
      extraEnv: { UCARP_MASK: '24', UCARP_PASS: 'secret', UCARP_PASSFILE: '/etc/p' },
    } as unknown as GroupSettings;
    const env = scriptEnvironment(s, 'MASTER', ip('10.0.0.101'));
    assert.equal(env.UCARP_STATE, 'MASTER');
    assert.equal(env.UCARP_VHID, '42');
    assert.equal(env.UCARP_ADDR, '10.0.0.101');
    assert.equal(env.UCARP_ADDRS, '10.0.0.100 10.0.0.101');
    assert.equal(env.UCARP_MASK, '24');
    assert.equal(env.UCARP_XPARAM, 'x y');
    assert.ok(!Object.values(env).some((v) => v.includes('secret')));
    assert.ok(!Object.keys(env).some((k) => k.includes('PASS')));
  });
});

describe('inbound filter', () => {
  const policy: InboundPolicy = { self: ip('10.0.0.1'), group: ip('224.0.0.18'), peers: [], peerMinTtl: 255 };
  const pkt = (o: { src?: string; dst?: string; ttl?: number; protocol?: number }): Buffer =>
    encodeIpv4Packet({ src: ip(o.src ?? '10.0.0.2'), dst: ip(o.dst ?? '224.0.0.18'), ttl: o.ttl ?? 255, protocol: o.protocol ?? 112 }, Buffer.alloc(36));
  const reason = (b: Buffer, p = policy): string => {
    const r = screenIpv4(b, p);
    return r.ok ? 'ok' : r.reason;
  };
  it('accepts a peer advert to the group', () => assert.equal(reason(pkt({})), 'ok'));
  it('refuses a routed packet (TTL below 255)', () => assert.equal(reason(pkt({ ttl: 254 })), 'ttl'));
  it('refuses another protocol', () => assert.equal(reason(pkt({ protocol: 17 })), 'protocol'));
  it('ignores our own packets', () => assert.equal(reason(pkt({ src: '10.0.0.1' })), 'own'));
  it('refuses another group', () => assert.equal(reason(pkt({ dst: '239.1.1.1' })), 'destination'));
  it('refuses truncated packets', () => assert.equal(reason(pkt({}).subarray(0, 12)), 'short'));
  it('with --peer, hears only the listed peers, unicast to us or to the group', () => {
    const p = { ...policy, peers: [ip('10.0.0.2')] };
    assert.equal(reason(pkt({ dst: '10.0.0.1' }), p), 'ok');
    assert.equal(reason(pkt({ src: '10.0.0.3', dst: '10.0.0.1' }), p), 'peer');
    assert.equal(reason(pkt({ dst: '10.0.0.9' }), p), 'destination');
  });
  it('with --peer-min-ttl, hears listed peers from that far, and nobody else from off-link', () => {
    const p = { ...policy, peers: [ip('10.0.0.2'), ip('10.9.0.2')], peerMinTtl: 250 };
    assert.equal(reason(pkt({ src: '10.9.0.2', dst: '10.0.0.1', ttl: 250 }), p), 'ok');
    assert.equal(reason(pkt({ src: '10.9.0.2', dst: '10.0.0.1', ttl: 253 }), p), 'ok');
    assert.equal(reason(pkt({ src: '10.9.0.2', dst: '10.0.0.1', ttl: 249 }), p), 'ttl');
    assert.equal(reason(pkt({ src: '10.0.0.2', dst: '10.0.0.1', ttl: 255 }), p), 'ok');
    // A forger that is not listed is refused at any TTL, as without the option.
    assert.equal(reason(pkt({ src: '10.9.0.3', dst: '10.0.0.1', ttl: 254 }), p), 'ttl');
    assert.equal(reason(pkt({ src: '10.9.0.3', dst: '10.0.0.1', ttl: 255 }), p), 'peer');
    // Without the option, a listed peer too must be on the link.
    assert.equal(reason(pkt({ src: '10.9.0.2', dst: '10.0.0.1', ttl: 254 }), { ...p, peerMinTtl: 255 }), 'ttl');
  });
});

describe('the test-only fault switch', () => {
  const election: Election<unknown, unknown> = {
    role: 'BACKUP',
    handle: () => [],
    needsPresent: () => true,
    deadline: () => null,
    checks: () => [],
    standingAdverts: () => null,
    abandon: () => [{ type: 'stopped' }],
    syncStanding: () => ({ blocked: null, until: Infinity, follows: false }),
  };
  const driver = { name: 'test', election, tos: 0, advertIntervalMs: 1000 } as unknown as ProtocolDriver;

  it('is off unless its variable names a fault', () => {
    assert.equal(withInjectedFault(driver, {}), driver);
    assert.equal(withInjectedFault(driver, { [TEST_FAULT_ENV]: 'bogus' }), driver);
  });

  it('election:N throws from the Nth event on, and leaves the way out (abandon) intact', () => {
    const faulty = withInjectedFault(driver, { [TEST_FAULT_ENV]: 'election:3' }).election;
    assert.deepEqual(faulty.handle({ type: 'start' }, 0), []);
    assert.deepEqual(faulty.handle({ type: 'timeout' }, 1), []);
    for (let i = 0; i < 3; i++) assert.throws(() => faulty.handle({ type: 'timeout' }, 2), /injected fault/);
    assert.deepEqual(faulty.abandon(), [{ type: 'stopped' }]);
  });
});

describe('announcement frames', () => {
  it('an IPv4 address is announced by one gratuitous ARP from our MAC', () => {
    const mac = Buffer.from('020000000001', 'hex');
    const frames = announcementFrames(mac, ip('10.77.0.252'));
    assert.equal(frames.length, 1);
    assert.deepEqual(frames[0]!.frame, encodeGratuitousArp(mac, ip('10.77.0.252')));
    assert.equal(frames[0]!.what, 'gratuitous ARP for 10.77.0.252');
  });
});
