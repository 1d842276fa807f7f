// The IPv6 kernel socket filter, run by the BPF interpreter as the kernel runs it on the
// IPv6 raw socket (payload at offset 0, header at SKF_NET_OFF), on keepalived's captured
// IPv6 adverts: they all pass; a wrong hop limit, vrid, version, group, our own source or
// a cut packet do not; with --peer, who sent it and from how far are the daemon's to
// count; and it never drops what the daemon's own screen and version/vrid check would accept.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { screenInbound, type InboundPolicy } from '../../src/core/inbound-filter.js';
import { parseIp, writeIp, type IpAddress } from '../../src/core/ip-address.js';
import { kernelFilterProgram, type KernelFilterPolicy } from '../../src/core/kernel-filter.js';
import { decodeIpv6Packet, IPV6_HEADER_LENGTH, NEXT_HEADER_VRRP } from '../../src/core/packets/ipv6-header.js';
import { runBpf } from '../support/bpf.js';
import { readEthernetFixture, VRRP6_CAPTURE } from '../support/pcap.js';

const ip = (s: string): IpAddress => parseIp(s)!;
const RECEIVER = ip('fe80::77:ff:fe00:c');
const SENDER = ip(VRRP6_CAPTURE.srcip);
const POLICY: KernelFilterPolicy = { protocol: 'vrrp3', vhid: VRRP6_CAPTURE.vrid, self: RECEIVER, group: ip('ff02::12'), peers: [] };
const adverts = readEthernetFixture(VRRP6_CAPTURE.file)
  .map((r) => Buffer.from(r.frame.subarray(14)))
  .filter((p) => p[6] === NEXT_HEADER_VRRP);
const pkt = adverts[0]!;

/** As the IPv6 raw socket's filter sees the packet: its data is the payload, the header before it. */
const accepts = (policy: KernelFilterPolicy, packet: Buffer): boolean => runBpf(kernelFilterProgram(policy), packet.subarray(IPV6_HEADER_LENGTH), packet) > 0;
const edited = (edit: (b: Buffer) => void): Buffer => {
  const b = Buffer.from(pkt);
  edit(b);
  return b;
};

describe('kernel socket filter, IPv6', () => {
  it('lets every captured keepalived advert through', () => {
    assert.equal(adverts.length, 6);
    for (const p of adverts) assert.ok(accepts(POLICY, p));
  });

  it('drops a wrong hop limit, another vrid, VRRPv2, another group, our own source, a cut packet', () => {
    assert.equal(accepts(POLICY, edited((b) => (b[7] = 254))), false);
    assert.equal(accepts(POLICY, edited((b) => (b[IPV6_HEADER_LENGTH + 1] = 62))), false);
    assert.equal(accepts(POLICY, edited((b) => (b[IPV6_HEADER_LENGTH] = 0x21))), false);
    assert.equal(accepts(POLICY, edited((b) => writeIp(ip('ff02::1'), b, 24))), false);
    assert.equal(accepts(POLICY, edited((b) => writeIp(RECEIVER, b, 8))), false);
    assert.equal(accepts(POLICY, edited((b) => b.writeUInt16BE(4, 4))), false);
  });

  it('with --peer: source, hop limit and destination are left to the daemon, which counts them; our own source is still dropped', () => {
    const peers = { ...POLICY, peers: [ip('fd77::99')] };
    assert.ok(accepts(peers, pkt), 'a stranger reaches the screen, which counts it as peer');
    assert.ok(accepts(peers, edited((b) => (b[7] = 64))), 'so does a hop limit below 255 (counted as ttl)');
    assert.ok(accepts(peers, edited((b) => writeIp(ip('fd77::c'), b, 24))), 'to one of our unicast addresses');
    assert.equal(accepts(peers, edited((b) => writeIp(RECEIVER, b, 8))), false);
    assert.equal(accepts(peers, edited((b) => (b[IPV6_HEADER_LENGTH + 1] = 62))), false);
  });

  it('never drops what the daemon would accept (any byte of the packet changed)', () => {
    const policies: InboundPolicy[] = [
      { self: RECEIVER, group: POLICY.group, peers: [], peerMinTtl: 255 },
      { self: RECEIVER, group: POLICY.group, peers: [SENDER], peerMinTtl: 100 },
    ];
    for (const policy of policies) {
      const kernel = { ...POLICY, peers: policy.peers };
      fc.assert(
        fc.property(fc.nat(pkt.length - 1), fc.nat(255), (at, value) => {
          const b = edited((x) => (x[at] = value));
          const d = decodeIpv6Packet(b);
          if (!d.ok || d.value.nextHeader !== NEXT_HEADER_VRRP || b.readUInt16BE(4) !== b.length - IPV6_HEADER_LENGTH) return;
          // What the socket would hand in: the kernel fills source, destination and hop limit from the header.
          const screened = screenInbound({ source: d.value.src, destination: d.value.dst, hopLimit: d.value.hopLimit, payload: d.value.payload }, policy);
          const ours = d.value.payload[0] === 0x31 && d.value.payload[1] === POLICY.vhid;
          if (screened.ok && ours) assert.ok(accepts(kernel, b), `byte ${at} = ${value}`);
        }),
        { numRuns: 2000 },
      );
    }
  });
});
