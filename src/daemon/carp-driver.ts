// CARP as ucarp 1.5.2 speaks it.
import { drop, type Decoded } from '../core/drop-reason.js';
import { CarpElection, isBowOut, type CarpHeard, type CarpToSend } from '../core/election/carp-election.js';
import { initialCounter } from '../core/election/replay-guard.js';
import { createCarpAuth, decodeCarp, encodeCarp } from '../core/packets/carp.js';
import type { InboundPacket } from '../core/inbound-packet.js';
import { UCARP_TOS } from '../core/packets/ipv4-header.js';
import type { CarpGroupSettings } from '../config/settings.js';
import { checkRule } from '../checks/probe.js';
import type { ProtocolDriver } from './protocol-driver.js';

export function createCarpDriver(s: CarpGroupSettings, wallClockMs: number): ProtocolDriver<CarpHeard, CarpToSend> {
  const auth = createCarpAuth(s.password, s.vhid, s.addrs);
  const election = new CarpElection({
    self: s.srcip,
    advbase: s.advbase,
    advskew: s.advskew,
    deadratio: s.deadratio,
    preempt: s.preempt,
    neutral: s.neutral,
    downOnStop: s.shutdown,
    checks: s.checks.map(checkRule),
    announce: s.announce,
    initialCounter: initialCounter(wallClockMs),
  });
  return {
    name: 'CARP',
    election,
    tos: UCARP_TOS,
    advertIntervalMs: election.advertIntervalMs,
    decode(pkt: InboundPacket): Decoded<CarpHeard> | 'other-group' {
      const decoded = decodeCarp(pkt.payload);
      if (!decoded.ok) return decoded;
      const ad = decoded.value;
      if (ad.vhid !== s.vhid) return 'other-group';
      // Cheap sanity before the HMAC: an interval of zero cannot come from a real peer.
      if (ad.advbase === 0 && ad.advskew === 0) return drop('interval');
      if (!auth.verify(ad)) return drop('auth');
      return { ok: true, value: { src: pkt.source, advbase: ad.advbase, advskew: ad.advskew, counter: ad.counter } };
    },
    encode(out: CarpToSend): Buffer {
      return encodeCarp({ vhid: s.vhid, advbase: out.advbase, advskew: out.advskew, counter: out.counter }, auth);
    },
    describe: () => `advbase ${s.advbase} advskew ${s.advskew}`,
    isLeaving: isBowOut,
    preference: () => ({ configured: s.advskew, effective: election.effectiveAdvskew }),
  };
}
