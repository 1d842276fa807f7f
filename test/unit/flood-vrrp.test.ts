// The VRRP flood kinds (test/support/flood-vrrp.ts) against ucarp-ts's own receive path:
// each forged kind is refused for the one reason it was built for, carries a priority
// that would make the master yield if it got through, and the priority-1 kind is
// accepted and leaves a master a master. The lab test (faults-flood-vrrp) then sends
// the same packets at 20,000/s.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VrrpGroupSettings } from '../../src/config/settings.js';
import type { ElectionAction } from '../../src/core/election/types.js';
import type { VrrpHeard, VrrpToSend } from '../../src/core/election/vrrp-election.js';
import { screenIpv4 } from '../../src/core/inbound-filter.js';
import { parseIp, type IpAddress } from '../../src/core/ip-address.js';
import { IPV4_HEADER_LENGTH } from '../../src/core/packets/ipv4-header.js';
import { createVrrpDriver } from '../../src/daemon/vrrp-driver.js';
import { floodOptions } from '../../scripts/bench/flood.js';
import { VIP, VRRP_ADVBASE } from '../../scripts/bench/daemons.js';
import { defaultFloodKinds, FORGED_MISMATCH_PRIORITY, LOWER_PRIORITY, vrrpForgers, type VrrpFloodKind } from '../support/flood-vrrp.js';
import { Random } from '../support/random.js';
import { vrrpGroupSettings } from '../support/group-settings.js';

const ip = (s: string): IpAddress => parseIp(s)!;
const GROUP = ip('224.0.0.18');
const MASTER = ip('10.77.0.11');
const FLOODER = ip('10.77.0.13');
const VIPS = [ip('10.77.0.200'), ip('10.77.0.201')];
const PRIORITY = 150;

function settings(version: 2 | 3, password: string | null): VrrpGroupSettings {
  return vrrpGroupSettings({
    protocol: version === 2 ? 'vrrp2' : 'vrrp3', srcip: MASTER, mcast: GROUP, vhid: 7,
    password: password === null ? null : Buffer.from(password), addrs: VIPS,
    advbase: version === 2 ? 1 : 0.05, priority: PRIORITY,
  });
}

/** What the receive path makes of a packet: a drop reason, 'other-group', or the advert. */
function receive(s: VrrpGroupSettings, version: 2 | 3, packet: Buffer): string | VrrpHeard {
  const screened = screenIpv4(packet, { self: s.srcip, group: s.mcast, peers: [], peerMinTtl: 255 });
  if (!screened.ok) return screened.reason;
  const decoded = createVrrpDriver(s, version).decode(screened.value);
  if (decoded === 'other-group') return decoded;
  return decoded.ok ? decoded.value : decoded.reason;
}

/** A master election for these settings, past its start-up wait. */
function masterOf(s: VrrpGroupSettings, version: 2 | 3) {
  const election = createVrrpDriver(s, version).election;
  election.handle({ type: 'start' }, 0);
  election.handle({ type: 'timeout' }, election.deadline()!);
  assert.equal(election.role, 'MASTER');
  return election;
}

const EXPECTED: Record<VrrpFloodKind, string> = {
  'vrrp-ttl': 'ttl',
  'vrrp-checksum': 'checksum',
  'vrrp-vrid': 'other-group',
  'vrrp-version': 'version',
  'vrrp-addresses': 'addresses',
  'vrrp-count': 'addresses',
  'vrrp-auth': 'auth',
  'vrrp-lower': 'accepted',
};

for (const [version, password] of [[3, null], [2, 'secret'], [2, null]] as const) {
  describe(`VRRPv${version} flood kinds${version === 2 ? (password ? ' (simple password)' : ' (no auth)') : ''}`, () => {
    const s = settings(version, password);
    const forge = vrrpForgers({
      version, vrid: s.vhid, src: FLOODER, group: GROUP, addrs: VIPS, advbase: s.advbase, password: s.password, rng: new Random(7),
    });
    const kinds = defaultFloodKinds(version === 2 ? 'vrrp2' : 'vrrp3') as VrrpFloodKind[];

    it('offers vrrp-auth only where there is a password field', () => {
      assert.equal(kinds.includes('vrrp-auth'), version === 2);
      assert.equal(kinds.length, version === 2 ? 8 : 7);
    });

    for (const kind of kinds) {
      it(`${kind}: ${EXPECTED[kind]}, every time`, () => {
        const election = masterOf(s, version);
        for (let i = 0; i < 200; i++) {
          const packet = forge[kind]();
          const got = receive(s, version, packet);
          if (kind === 'vrrp-lower') {
            assert.ok(typeof got === 'object', `refused: ${String(got)}`);
            assert.equal(got.priority, LOWER_PRIORITY);
            assert.equal(got.src, FLOODER);
            // A master ignores it: no transition, at most one answering advert per interval.
            const actions: ElectionAction<VrrpToSend>[] = election.handle({ type: 'advert', advert: got }, 1000 + i / 1000);
            assert.ok(actions.every((a) => a.type === 'advertise' && a.advert.priority === PRIORITY), JSON.stringify(actions));
            assert.equal(election.role, 'MASTER');
          } else {
            assert.equal(got, EXPECTED[kind], `packet ${i}: ${packet.toString('hex')}`);
            // The teeth: had the check been skipped, this priority beats the master's.
            const priority = packet[IPV4_HEADER_LENGTH + 2]!;
            assert.ok(priority >= FORGED_MISMATCH_PRIORITY && priority > PRIORITY, `priority ${priority}`);
          }
        }
      });
    }

    it('the lower-priority kind is answered at most once per interval, however many arrive', () => {
      const election = masterOf(s, version);
      let answers = 0;
      for (let i = 0; i < 1000; i++) {
        const got = receive(s, version, forge['vrrp-lower']());
        assert.ok(typeof got === 'object');
        answers += election.handle({ type: 'advert', advert: got }, 1000).length;
      }
      assert.equal(answers, 1);
      assert.equal(election.role, 'MASTER');
    });

    it('control: the same advert without its fault, at the forged priority, makes the master yield', () => {
      const election = masterOf(s, version);
      const got = receive(s, version, forge['vrrp-lower']());
      assert.ok(typeof got === 'object');
      const actions = election.handle({ type: 'advert', advert: { ...got, priority: FORGED_MISMATCH_PRIORITY } }, 1000);
      assert.ok(actions.some((a) => a.type === 'transition' && a.to === 'BACKUP'), JSON.stringify(actions));
    });
  });
}

describe('the benchmark floods each row with its own protocol', () => {
  it('CARP rows keep the forged CARP adverts; VRRPv3 rows get the VRRPv3 kinds for their vrid, interval and address', () => {
    assert.deepEqual(floodOptions('carp', defaultFloodKinds), { kinds: ['forged'], protocol: 'carp' });
    const v3 = floodOptions('vrrp3', defaultFloodKinds);
    assert.deepEqual(v3, { kinds: defaultFloodKinds('vrrp3'), protocol: 'vrrp3', advbase: VRRP_ADVBASE, addrs: [VIP] });
    assert.ok(v3.kinds.every((k) => k.startsWith('vrrp-')) && !v3.kinds.includes('vrrp-auth'), v3.kinds.join());
  });
});
