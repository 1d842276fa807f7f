// The kernel socket filter (src/core/kernel-filter.ts), run by a BPF interpreter on real
// adverts captured from ucarp and keepalived: it lets every one of them through and
// drops what the daemon would refuse for a wrong TTL, vhid/vrid, version, length,
// destination or our own source (with --peer, not for the source or the TTL: those the
// daemon counts); and (property) it never drops a packet the daemon's own receive path
// would accept.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { screenIpv4 } from '../../src/core/inbound-filter.js';
import { ipFromBytes, parseIp, writeIp, type IpAddress } from '../../src/core/ip-address.js';
import { kernelFilterForGroups, kernelFilterProgram, type KernelFilterPolicy } from '../../src/core/kernel-filter.js';
import { internetChecksum } from '../../src/core/packets/checksum.js';
import { IPV4_HEADER_LENGTH } from '../../src/core/packets/ipv4-header.js';
import { encodeBpfProgram } from '../../src/net/bpf-encode.js';
import { runBpf } from '../support/bpf.js';
import { CARP_CAPTURES, readEthernetFixture, VRRP_CAPTURES } from '../support/pcap.js';

const ip = (s: string): IpAddress => parseIp(s)!;
const RECEIVER = ip('10.77.0.12');

interface Case {
  file: string;
  policy: KernelFilterPolicy;
}

const CASES: Case[] = [
  ...CARP_CAPTURES.map((c) => ({ file: c.file, policy: { protocol: 'carp' as const, vhid: c.vhid, self: RECEIVER, group: ip(c.group), peers: [] } })),
  ...VRRP_CAPTURES.map((c) => ({ file: c.file, policy: { protocol: c.kind, vhid: c.vrid, self: RECEIVER, group: ip(c.group), peers: [] } })),
];

const packetsOf = (file: string): Buffer[] => readEthernetFixture(file).map((r) => Buffer.from(r.frame.subarray(14)));
const accepts = (policy: KernelFilterPolicy, pkt: Buffer): boolean => runBpf(kernelFilterProgram(policy), pkt) > 0;
const edited = (pkt: Buffer, edit: (b: Buffer) => void): Buffer => {
  const b = Buffer.from(pkt);
  edit(b);
  return b;
};

describe('kernel socket filter', () => {
  for (const c of CASES) {
    describe(c.file, () => {
      const packets = packetsOf(c.file);
      const pkt = packets[0]!;
      it('lets every captured advert through', () => {
        assert.ok(packets.length > 0);
        for (const p of packets) assert.ok(accepts(c.policy, p));
      });
      it('drops a wrong TTL, another vhid, our own source, another destination, a cut packet', () => {
        assert.equal(accepts(c.policy, edited(pkt, (b) => (b[8] = 254))), false);
        assert.equal(accepts(c.policy, edited(pkt, (b) => (b[IPV4_HEADER_LENGTH + 1] = (c.policy.vhid % 255) + 1))), false);
        assert.equal(accepts(c.policy, edited(pkt, (b) => writeIp(RECEIVER, b, 12))), false);
        assert.equal(accepts(c.policy, edited(pkt, (b) => writeIp(ip('224.0.0.19'), b, 16))), false);
        assert.equal(accepts(c.policy, pkt.subarray(0, IPV4_HEADER_LENGTH + 1)), false);
      });
      it("drops the other protocol's version (CARP and VRRPv2 share 0x21, VRRPv3 is 0x31)", () => {
        const v3 = c.policy.protocol === 'vrrp3';
        assert.equal(accepts(c.policy, edited(pkt, (b) => (b[IPV4_HEADER_LENGTH] = v3 ? 0x21 : 0x31))), false);
      });
      it('with --peer: lets through what is addressed to us or the group; who sent it is left to the screen', () => {
        const peers = { ...c.policy, peers: [ip('10.77.0.99')] };
        assert.ok(accepts(peers, pkt));
        assert.ok(accepts(peers, edited(pkt, (b) => writeIp(RECEIVER, b, 16))));
        assert.equal(accepts(peers, edited(pkt, (b) => writeIp(ip('10.77.0.50'), b, 16))), false);
        assert.equal(accepts(peers, edited(pkt, (b) => writeIp(RECEIVER, b, 12))), false);
      });
      it('with --peer: passes exactly what the screen accepts or counts as peer/ttl, from any source at any TTL', () => {
        // A new TTL and the header checksum to match, as a router leaves it.
        const ttl = (b: Buffer, t: number) => edited(b, (x) => {
          x[8] = t;
          x.writeUInt16BE(0, 10);
          x.writeUInt16BE(internetChecksum(x.subarray(0, (x[0]! & 0xf) * 4)), 10);
        });
        const src = ipFromBytes(pkt, 12, 4);
        const stranger = edited(pkt, (b) => writeIp(ip('10.77.0.66'), b, 12));
        for (const peerMinTtl of [255, 250]) {
          const policy = { self: RECEIVER, group: c.policy.group, peers: [src], peerMinTtl };
          for (const from of [pkt, stranger]) {
            for (let t = 0; t <= 255; t++) {
              const screened = screenIpv4(ttl(from, t), policy);
              const counted = screened.ok || screened.reason === 'peer' || screened.reason === 'ttl';
              assert.equal(accepts({ ...c.policy, peers: [src] }, ttl(from, t)), counted, `TTL ${t}, min ${peerMinTtl}, ${from === pkt ? 'peer' : 'stranger'}`);
              if (from === stranger) assert.equal(screened.ok, false);
            }
          }
          assert.equal(screenIpv4(ttl(pkt, peerMinTtl - 1), policy).ok, false);
          assert.equal(screenIpv4(ttl(pkt, peerMinTtl), policy).ok, true);
        }
      });
      it('never drops what screenInbound lets through with the right version and vhid (any byte changed)', () => {
        const policy = { self: RECEIVER, group: c.policy.group, peers: [], peerMinTtl: 255 };
        fc.assert(
          fc.property(fc.nat(pkt.length - 1), fc.nat(255), (at, value) => {
            const b = edited(pkt, (x) => (x[at] = value));
            const screened = screenIpv4(b, policy);
            const payload = b.subarray((b[0]! & 0xf) * 4);
            const ours = payload[0] === (c.policy.protocol === 'vrrp3' ? 0x31 : 0x21) && payload[1] === c.policy.vhid;
            const saneLength = c.policy.protocol !== 'carp' || b.readUInt16BE(2) - (b[0]! & 0xf) * 4 === 36;
            if (screened.ok && ours && saneLength && b.readUInt16BE(2) === b.length) assert.ok(accepts(c.policy, b));
          }),
          { numRuns: 2000 },
        );
      });
    });
  }
  it('encodes struct sock_filter: 8 bytes per instruction', () => {
    const program = kernelFilterProgram(CASES[0]!.policy);
    assert.equal(encodeBpfProgram(program).length, program.length * 8);
  });
  it('a socket shared by groups lets through all that any one of them would, and no other id', () => {
    const policyArb = fc.record({
      protocol: fc.constantFrom('carp' as const, 'vrrp2' as const, 'vrrp3' as const),
      vhid: fc.integer({ min: 1, max: 255 }),
      self: fc.constantFrom(RECEIVER, ip('10.77.0.13')),
      group: fc.constantFrom(ip('224.0.0.18'), ip('224.0.0.19')),
      peers: fc.constantFrom([], [ip('10.77.0.99')]),
    });
    const all = CASES.flatMap((c) => packetsOf(c.file).slice(0, 2));
    fc.assert(
      fc.property(fc.array(policyArb, { minLength: 1, maxLength: 40 }), fc.constantFrom(...all), fc.nat(255), fc.nat(255), (policies, pkt, at, value) => {
        const b = edited(pkt, (x) => (x[at % x.length] = value));
        const union = kernelFilterForGroups(policies);
        const anyOne = policies.some((p) => runBpf(kernelFilterProgram(p), b) > 0);
        if (anyOne) assert.ok(runBpf(union, b) > 0);
        const id = b[((b[0]! & 0xf) * 4) + 1];
        if (!policies.some((p) => p.vhid === id)) assert.equal(runBpf(union, b), 0);
      }),
      { numRuns: 2000 },
    );
    // Every odd id: one jump each, 128 in all.
    const pkt = packetsOf(CASES[0]!.file)[0]!;
    const withId = (id: number): Buffer => edited(pkt, (b) => (b[IPV4_HEADER_LENGTH + 1] = id));
    const odd = kernelFilterForGroups(Array.from({ length: 128 }, (_, i) => ({ ...CASES[0]!.policy, vhid: 2 * i + 1 })));
    assert.ok(runBpf(odd, withId(255)) > 0);
    assert.equal(runBpf(odd, withId(254)), 0);
    // Pairs of ids (85 ranges) for 100 sources: too many jumps for one program, so the ids are left to the daemon.
    const pairs = Array.from({ length: 255 }, (_, i) => i + 1).filter((v) => v % 3 !== 0);
    const many = kernelFilterForGroups(pairs.map((vhid, i) => ({ ...CASES[0]!.policy, vhid, self: ip(`10.77.1.${i % 100}`) })));
    assert.ok(runBpf(many, withId(3)) > 0);
    assert.equal(runBpf(many, edited(withId(1), (b) => (b[8] = 254))), 0);
  });
});
