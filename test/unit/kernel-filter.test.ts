// The kernel socket filter (src/core/kernel-filter.ts), run by a BPF interpreter on real
// adverts captured from ucarp and keepalived: it lets every one of them through and
// drops what the daemon would refuse for a wrong TTL, vhid/vrid, version, length,
// destination or our own source; and (property) it never drops a packet the daemon's
// own receive path would accept.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { screenIpv4 } from '../../src/core/inbound-filter.js';
import { ipFromBytes, parseIp, writeIp, type IpAddress } from '../../src/core/ip-address.js';
import { kernelFilterProgram, type KernelFilterPolicy } from '../../src/core/kernel-filter.js';
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
      it('with --peer: hears the peers only, addressed to us or the group', () => {
        const src = ipFromBytes(pkt, 12, 4);
        const peers = { ...c.policy, peers: [ip('10.77.0.99'), src] };
        assert.ok(accepts(peers, pkt));
        assert.ok(accepts(peers, edited(pkt, (b) => writeIp(RECEIVER, b, 16))));
        assert.equal(accepts({ ...c.policy, peers: [ip('10.77.0.99')] }, pkt), false);
        assert.equal(accepts(peers, edited(pkt, (b) => writeIp(ip('10.77.0.50'), b, 16))), false);
      });
      it('with --peer-min-ttl: lets the peers through from that far, nobody else below 255', () => {
        const src = ipFromBytes(pkt, 12, 4);
        const routed = { ...c.policy, peers: [src], peerMinTtl: 250 };
        // A new TTL and the header checksum to match, as a router leaves it.
        const ttl = (t: number) => edited(pkt, (b) => {
          b[8] = t;
          b.writeUInt16BE(0, 10);
          b.writeUInt16BE(internetChecksum(b.subarray(0, (b[0]! & 0xf) * 4)), 10);
        });
        assert.ok(accepts(routed, ttl(250)));
        assert.ok(accepts(routed, ttl(255)));
        assert.equal(accepts(routed, ttl(249)), false);
        assert.equal(accepts({ ...routed, peers: [ip('10.77.0.99')] }, ttl(254)), false);
        // Agrees with the daemon's own screen at every TTL.
        const policy = { self: RECEIVER, group: c.policy.group, peers: [src], peerMinTtl: 250 };
        for (let t = 0; t <= 255; t++) assert.equal(accepts(routed, ttl(t)), screenIpv4(ttl(t), policy).ok, `TTL ${t}`);
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
});
