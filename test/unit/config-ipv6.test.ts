// IPv6 settings: --protocol vrrp3 with IPv6 --addr values is an IPv6 virtual router;
// --srcip defaults to the interface's link-local address and must be one if given;
// ff02::12 is the default group; peers are IPv6; with --peer (unicast across routers)
// --srcip may be a global address of the interface; every mistake is one clear line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoryHostChecks } from '../../src/config/host-checks.js';
import { parseSettings, type ParseOutcome } from '../../src/config/parse-settings.js';
import { settingsOf as flatSettingsOf, type FlatSettings as Settings } from '../support/flat-settings.js';

const host = memoryHostChecks({
  interfaces: [
    { name: 'lo', loopback: true, up: true },
    { name: 'eth0', loopback: false, up: true },
    { name: 'eth1', loopback: false, up: true },
  ],
  linkLocal: { eth0: ['fe80::77:ff:fe00:b'], eth1: [] },
  global6: { eth0: ['fd81:1::11'], eth1: ['fd81:9::11'] },
});
const V6 = ['--interface=eth0', '--protocol=vrrp3', '--vhid=61', '--addr=fd79::100'];

function run(argv: string[], env: Record<string, string> = {}): ParseOutcome {
  return parseSettings(argv, env, host);
}

const settingsOf = (out: ParseOutcome): Settings => flatSettingsOf(out);

/** One line on stderr, exit 64, and the line says all of `says`. */
function refused(out: ParseOutcome, ...says: string[]): void {
  assert.equal(out.kind, 'exit');
  if (out.kind !== 'exit') return;
  assert.equal(out.code, 64);
  const line = out.stderr ?? '';
  assert.equal(line.trim().split('\n').length, 1, line);
  for (const s of says) assert.ok(line.includes(s), `"${line.trim()}" should say "${s}"`);
}

describe('IPv6 settings', () => {
  it('without --srcip: the source is the link-local address of --interface, the group ff02::12', () => {
    const s = settingsOf(run([...V6, '--addr=FD79:0:0::101']));
    assert.equal(s.srcip, 'fe80::77:ff:fe00:b');
    assert.equal(s.mcast, 'ff02::12');
    assert.deepEqual(s.addrs, ['fd79::100', 'fd79::101'], 'addresses in canonical form');
  });

  it('--srcip, if given, must be a link-local address of that interface', () => {
    assert.equal(settingsOf(run([...V6, '--srcip=fe80::77:ff:fe00:b'])).srcip, 'fe80::77:ff:fe00:b');
    refused(run([...V6, '--srcip=fe80::99']), '--srcip', 'not a link-local address of eth0', 'fe80::77:ff:fe00:b');
    refused(run([...V6, '--srcip=fd79::11']), '--srcip', 'must be a link-local address');
    refused(run([...V6, '--srcip=10.0.0.1']), '--srcip', 'must be an IPv6 address, as --addr is');
  });

  it('with --peer, --srcip may be a global address of --interface (routers do not forward link-local sources)', () => {
    const s = settingsOf(run([...V6, '--srcip=fd81:1::11', '--peer=fd81:2::11', '--peer-min-ttl=254']));
    assert.equal(s.srcip, 'fd81:1::11');
    assert.deepEqual([s.peers, s.peerMinTtl], [['fd81:2::11'], 254]);
    assert.equal(settingsOf(run([...V6, '--srcip=FD81:1:0::11', '--peer=fd81:2::11'])).srcip, 'fd81:1::11', 'canonical form');
    // A link-local source stays allowed with peers (unicast on one segment), and is still checked.
    assert.equal(settingsOf(run([...V6, '--srcip=fe80::77:ff:fe00:b', '--peer=fe80::77:ff:fe00:c'])).srcip, 'fe80::77:ff:fe00:b');
    refused(run([...V6, '--srcip=fe80::99', '--peer=fd81:2::11']), '--srcip', 'not a link-local address of eth0');
  });

  it('a global --srcip without --peer, or not on --interface, or our own peer, is refused in one line', () => {
    refused(run([...V6, '--srcip=fd81:1::11']), '--srcip', 'must be a link-local address', 'a global one only with --peer');
    refused(run([...V6, '--srcip=fd81:9::11', '--peer=fd81:2::11']), '--srcip', 'not an address of eth0', 'fd81:1::11');
    refused(run([...V6.filter((a) => !a.startsWith('--interface')), '--interface=lo', '--srcip=fd81:1::11', '--peer=fd81:2::11']),
      '--srcip', 'not an address of lo', 'none');
    refused(run([...V6, '--srcip=fd81:1::11', '--peer=fd81:1::11']), '--peer', 'not this host');
    refused(run([...V6, '--srcip=ff02::12', '--peer=fd81:2::11']), '--srcip', 'unicast');
  });

  it('the config file and the environment give a routed IPv6 pair too', () => {
    const env = { UCARP_SRCIP: 'fd81:1::11', UCARP_PEER: 'fd81:2::11', UCARP_PEER_MIN_TTL: '254' };
    const s = settingsOf(run(V6, env));
    assert.deepEqual([s.srcip, s.peers, s.peerMinTtl], ['fd81:1::11', ['fd81:2::11'], 254]);
  });

  it('an interface without a link-local address is refused with the reason', () => {
    refused(run([...V6.filter((a) => !a.startsWith('--interface')), '--interface=eth1']), '--srcip', 'eth1 has no IPv6 link-local address');
  });

  it('mixed families in one group are refused in one line', () => {
    refused(run([...V6, '--addr=10.0.0.100']), '--addr', 'mixes IPv4 with IPv6', 'one process per family');
  });

  it('CARP and VRRPv2 refuse IPv6 addresses, saying why', () => {
    refused(run(['--interface=eth0', '--srcip=10.0.0.1', '--vhid=61', '--pass=x', '--addr=fd79::100']), '--addr', 'need --protocol vrrp3', 'CARP');
    refused(run(['--interface=eth0', '--protocol=vrrp2', '--vhid=61', '--addr=fd79::100']), '--addr', 'need --protocol vrrp3', 'VRRPv2');
  });

  it('--peer takes IPv6 unicast peers, not IPv4 ones and not ourselves', () => {
    assert.deepEqual(settingsOf(run([...V6, '--peer=fd79::12', '--peer=fe80::77:ff:fe00:c'])).peers, ['fd79::12', 'fe80::77:ff:fe00:c']);
    refused(run([...V6, '--peer=10.0.0.2']), '--peer', 'must be an IPv6 address');
    refused(run([...V6, '--peer=ff02::12']), '--peer', 'unicast');
    refused(run([...V6, '--peer=fe80::77:ff:fe00:b']), '--peer', 'not this host');
  });

  it('--mcast must be an IPv6 multicast group for an IPv6 router', () => {
    assert.equal(settingsOf(run([...V6, '--mcast=ff02::1:12'])).mcast, 'ff02::1:12');
    refused(run([...V6, '--mcast=224.0.0.18']), '--mcast', 'must be an IPv6 address');
    refused(run([...V6, '--mcast=fd79::1']), '--mcast', 'ff00::/8');
  });

  it('the config file and the environment list IPv6 addresses too', () => {
    const s = settingsOf(run(['--interface=eth0', '--protocol=vrrp3', '--vhid=61'], { UCARP_ADDR: 'fd79::100, fd79::101' }));
    assert.deepEqual(s.addrs, ['fd79::100', 'fd79::101']);
  });

  it('IPv4 is unchanged: --srcip is still required there', () => {
    refused(run(['--interface=eth0', '--protocol=vrrp3', '--vhid=61', '--addr=10.0.0.100']), '--srcip', 'required');
    refused(run(['--interface=eth0', '--protocol=vrrp3', '--vhid=61', '--srcip=fe80::1', '--addr=10.0.0.100']), '--srcip', 'must be an IPv4 address');
  });
});
