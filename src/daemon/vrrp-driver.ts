// VRRPv2 (RFC 3768) and VRRPv3 (RFC 5798) for IPv4, as keepalived 2.2.7 speaks them.
import { drop, type Decoded } from '../core/drop-reason.js';
import { VrrpElection, type VrrpHeard, type VrrpToSend } from '../core/election/vrrp-election.js';
import type { IpAddress } from '../core/ip-address.js';
import type { InboundPacket } from '../core/inbound-packet.js';
import { KEEPALIVED_TOS } from '../core/packets/ipv4-header.js';
import { checkVrrp2Auth, decodeVrrp, encodeVrrp } from '../core/packets/vrrp.js';
import type { VrrpGroupSettings } from '../config/settings.js';
import { checkRule } from '../checks/probe.js';
import type { ProtocolDriver } from './protocol-driver.js';

/** True when both lists hold the same addresses, in any order (peers may list them differently). */
export function sameAddressSet(theirs: readonly IpAddress[], ours: ReadonlySet<IpAddress>): boolean {
  if (theirs.length !== ours.size) return false;
  const seen = new Set<IpAddress>();
  for (const a of theirs) {
    if (!ours.has(a) || seen.has(a)) return false;
    seen.add(a);
  }
  return true;
}

export function createVrrpDriver(s: VrrpGroupSettings, version: 2 | 3): ProtocolDriver<VrrpHeard, VrrpToSend> {
  // Settings carry seconds; the wire and the election count centiseconds.
  const intervalCs = Math.round(s.advbase * 100);
  const password = version === 2 ? s.password : null;
  const ours = new Set(s.addrs);
  const election = new VrrpElection({
    version,
    self: s.srcip,
    priority: s.priority,
    intervalCs,
    preempt: s.preempt,
    neutral: s.neutral,
    downOnStop: true, // RFC 5798: a stopping master releases the addresses
    checks: s.checks.map(checkRule),
    announce: s.announce,
  });
  return {
    name: `VRRPv${version}`,
    election,
    tos: KEEPALIVED_TOS,
    advertIntervalMs: election.advertIntervalMs,
    decode(pkt: InboundPacket): Decoded<VrrpHeard> | 'other-group' {
      const decoded = decodeVrrp(pkt.payload, version, { src: pkt.source, dst: pkt.destination });
      if (!decoded.ok) return decoded;
      const ad = decoded.value;
      if (ad.vrid !== s.vhid) return 'other-group';
      if (version === 2 && !checkVrrp2Auth(ad, password)) return drop('auth');
      // RFC 3768/5798 allow an exception for the owner; keepalived drops any mismatch,
      // and so do we, so that a mixed group judges a misconfigured peer the same way.
      if (!sameAddressSet(ad.addrs, ours)) return drop('addresses');
      // RFC 3768: a v2 interval that differs from ours is dropped; v3 adopts the master's.
      if (version === 2 && ad.intervalCs !== intervalCs) return drop('interval');
      return { ok: true, value: { src: pkt.source, priority: ad.priority, intervalCs: ad.intervalCs } };
    },
    encode(out: VrrpToSend, dst: IpAddress): Buffer {
      // The v3 checksum covers the pseudo-header, so a unicast peer gets its own copy.
      return encodeVrrp(
        { version, vrid: s.vhid, priority: out.priority, intervalCs: out.intervalCs, addrs: s.addrs, password },
        { src: s.srcip, dst },
      );
    },
    describe: () =>
      `priority ${s.priority} interval ${intervalCs * 10} ms${s.preempt ? ' preempt' : ''}` +
      (version === 2 ? (password ? ' auth simple' : ' no auth') : ''),
    isLeaving: (ad) => ad.priority === 0,
    preference: () => ({ configured: s.priority, effective: election.effectivePriority }),
  };
}
