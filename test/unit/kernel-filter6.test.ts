// The IPv6 kernel socket filter, run by the BPF interpreter as the kernel runs it on the
// IPv6 raw socket (payload at offset 0, header at SKF_NET_OFF), on keepalived's captured
// IPv6 adverts: they all pass; a wrong hop limit, vrid, version, group, our own source or
// a cut packet do not; with --peer, who sent it and from how far are the daemon's to
// count; and it never drops what the daemon's own screen and version/vrid check would accept.
// A socket shared by several groups: the union program passes every advert one of them
// takes, and (without --peer) only those.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Decoded } from '../../src/core/drop-reason.js';
import type { InboundPacket } from '../../src/core/inbound-packet.js';
import { screenInbound, type InboundPolicy } from '../../src/core/inbound-filter.js';
import { isMulticast, parseIp, writeIp, type IpAddress } from '../../src/core/ip-address.js';
import { kernelFilterForGroups, kernelFilterProgram, type BpfInstruction, type KernelFilterPolicy } from '../../src/core/kernel-filter.js';
import { decodeIpv6Packet, IPV6_HEADER_LENGTH, NEXT_HEADER_VRRP } from '../../src/core/packets/ipv6-header.js';
import { runBpf } from '../support/bpf.js';
import { readEthernetFixture, VRRP6_CAPTURE } from '../support/pcap.js';

const ip = (s: string): IpAddress => parseIp(s)!;
const RECEIVER = ip('fe80::77:ff:fe00:c');
const SENDER = ip(VRRP6_CAPTURE.srcip);
const STRANGER = ip('fe80::66');
const POLICY: KernelFilterPolicy = { protocol: 'vrrp3', vhid: VRRP6_CAPTURE.vrid, self: RECEIVER, group: ip('ff02::12'), peers: [] };
const adverts = readEthernetFixture(VRRP6_CAPTURE.file)
  .map((r) => Buffer.from(r.frame.subarray(14)))
  .filter((p) => p[6] === NEXT_HEADER_VRRP);
const pkt = adverts[0]!;

/** As the IPv6 raw socket's filter sees the packet: its data is the payload, the header before it. */
const passes = (program: readonly BpfInstruction[], packet: Buffer): boolean => runBpf(program, packet.subarray(IPV6_HEADER_LENGTH), packet) > 0;
const accepts = (policy: KernelFilterPolicy, packet: Buffer): boolean => passes(kernelFilterProgram(policy), packet);
const edited = (edit: (b: Buffer) => void, from: Buffer = pkt): Buffer => {
  const b = Buffer.from(from);
  edit(b);
  return b;
};

/**
 * The daemon's screen of a packet as the IPv6 socket hands it in (the kernel fills source,
 * destination and hop limit from the header); undefined for what is no whole advert packet.
 */
function screen(b: Buffer, policy: InboundPolicy): Decoded<InboundPacket> | undefined {
  const d = decodeIpv6Packet(b);
  if (!d.ok || d.value.nextHeader !== NEXT_HEADER_VRRP || b.readUInt16BE(4) !== b.length - IPV6_HEADER_LENGTH) return undefined;
  return screenInbound({ source: d.value.src, destination: d.value.dst, hopLimit: d.value.hopLimit, payload: d.value.payload }, policy);
}

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
    assert.equal(accepts(peers, edited((b) => writeIp(ip('ff02::1'), b, 24))), false, 'not to another multicast group');
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
          const ours = b[IPV6_HEADER_LENGTH] === 0x31 && b[IPV6_HEADER_LENGTH + 1] === POLICY.vhid;
          if (screen(b, policy)?.ok && ours) assert.ok(accepts(kernel, b), `byte ${at} = ${value}`);
        }),
        { numRuns: 2000 },
      );
    }
  });

  it('with --peer: passes exactly what the screen accepts or counts as peer/ttl, from any source at any hop limit', () => {
    const kernel = { ...POLICY, peers: [SENDER] };
    const stranger = edited((b) => writeIp(STRANGER, b, 8));
    for (const to of [POLICY.group, RECEIVER, ip('fd77::c')]) {
      for (const peerMinTtl of [255, 250]) {
        const policy: InboundPolicy = { self: RECEIVER, group: POLICY.group, peers: [SENDER], peerMinTtl };
        for (const from of [pkt, stranger]) {
          for (let hops = 0; hops <= 255; hops++) {
            const b = edited((x) => {
              x[7] = hops;
              writeIp(to, x, 24);
            }, from);
            const screened = screen(b, policy)!;
            const counted = screened.ok || screened.reason === 'peer' || screened.reason === 'ttl';
            assert.equal(accepts(kernel, b), counted, `to ${to}, hop limit ${hops}, min ${peerMinTtl}, ${from === pkt ? 'peer' : 'stranger'}`);
          }
        }
      }
    }
  });
});

describe('kernel socket filter, IPv6, one socket shared by several groups', () => {
  const policies = (vrids: readonly number[], peers: readonly IpAddress[] = []): KernelFilterPolicy[] => vrids.map((vhid) => ({ ...POLICY, vhid, peers }));
  const advert = (vrid: number, edit: (b: Buffer) => void = () => {}): Buffer =>
    edited((b) => {
      b[IPV6_HEADER_LENGTH + 1] = vrid;
      edit(b);
    });

  it("ten groups: each one's advert passes; other vrids, a wrong hop limit, our own source, another group, VRRPv2 do not", () => {
    const program = kernelFilterForGroups(policies([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    assert.ok(program.length <= 30, `${program.length} instructions`);
    for (let vrid = 0; vrid <= 255; vrid++) assert.equal(passes(program, advert(vrid)), vrid >= 1 && vrid <= 10, `vrid ${vrid}`);
    assert.equal(passes(program, advert(3, (b) => (b[7] = 254))), false);
    assert.equal(passes(program, advert(3, (b) => writeIp(RECEIVER, b, 8))), false);
    assert.equal(passes(program, advert(3, (b) => writeIp(ip('ff02::1'), b, 24))), false);
    assert.equal(passes(program, advert(3, (b) => writeIp(ip('fd77::c'), b, 24))), false);
    assert.equal(passes(program, advert(3, (b) => (b[IPV6_HEADER_LENGTH] = 0x21))), false);
    assert.equal(passes(program, advert(3, (b) => b.writeUInt16BE(4, 4))), false);
  });

  it('with a --peer group among them: any hop limit, any source but ours, a unicast destination pass; another multicast group does not', () => {
    const program = kernelFilterForGroups([...policies([1, 2]), ...policies([3], [SENDER])]);
    assert.ok(passes(program, advert(1, (b) => (b[7] = 64))));
    assert.ok(passes(program, advert(2, (b) => writeIp(STRANGER, b, 8))));
    assert.ok(passes(program, advert(3, (b) => writeIp(ip('fd77::c'), b, 24))));
    assert.equal(passes(program, advert(3, (b) => writeIp(RECEIVER, b, 8))), false);
    assert.equal(passes(program, advert(3, (b) => writeIp(ip('ff02::1'), b, 24))), false);
    assert.equal(passes(program, advert(4)), false);
  });

  it('passes every advert one of the groups takes; without --peer, only those; with it, nothing for another vrid, version or from us', () => {
    const group = fc.record({
      vhid: fc.integer({ min: 1, max: 255 }),
      peers: fc.constantFrom<IpAddress[]>([], [SENDER]),
      peerMinTtl: fc.constantFrom(255, 100),
    });
    /** Mostly what a group takes, often one thing not. */
    const mostly = <T>(usual: T, other: fc.Arbitrary<T>): fc.Arbitrary<T> => fc.oneof({ arbitrary: fc.constant(usual), weight: 3 }, { arbitrary: other, weight: 1 });
    const packet = fc.record({
      hopLimit: mostly(255, fc.nat(255)),
      source: mostly(SENDER, fc.constantFrom(STRANGER, RECEIVER)),
      destination: mostly(POLICY.group, fc.constantFrom(ip('ff02::1'), ip('fd77::c'), RECEIVER)),
      version: mostly(0x31, fc.nat(255)),
      /** A vrid of the groups (by index), or any. */
      vrid: fc.oneof(fc.nat(), fc.integer({ min: -256, max: -1 })),
      /** One more byte anywhere. */
      byte: fc.option(fc.tuple(fc.nat(pkt.length - 1), fc.nat(255)), { freq: 3 }),
    });
    fc.assert(
      fc.property(fc.array(group, { minLength: 1, maxLength: 40 }), fc.boolean(), packet, (drawn, withPeers, p) => {
        const groups = withPeers ? drawn : drawn.map((g) => ({ ...g, peers: [] }));
        const vrid = p.vrid >= 0 ? groups[p.vrid % groups.length]!.vhid : -p.vrid - 1;
        const b = advert(vrid, (x) => {
          x[7] = p.hopLimit;
          writeIp(p.source, x, 8);
          writeIp(p.destination, x, 24);
          x[IPV6_HEADER_LENGTH] = p.version;
          if (p.byte) x[p.byte[0]] = p.byte[1];
        });
        // The kernel hands the socket only whole packets of next header 112.
        if (screen(b, { ...POLICY, peerMinTtl: 255 }) === undefined) return;
        const inbound = groups.map((g): InboundPolicy => ({ self: RECEIVER, group: POLICY.group, peers: g.peers, peerMinTtl: g.peerMinTtl }));
        const kernel = groups.map((g): KernelFilterPolicy => ({ ...POLICY, vhid: g.vhid, peers: g.peers }));
        const [version, id] = [b[IPV6_HEADER_LENGTH], b[IPV6_HEADER_LENGTH + 1]];
        const taken = groups.some((g, i) => version === 0x31 && id === g.vhid && screen(b, inbound[i]!)!.ok);
        const passed = passes(kernelFilterForGroups(kernel), b);
        if (taken) assert.ok(passed, 'a group takes it');
        if (kernel.some((k) => accepts(k, b))) assert.ok(passed, "a group's own program passes it");
        if (!passed) return;
        assert.equal(version, 0x31);
        assert.ok(groups.some((g) => g.vhid === id));
        const d = decodeIpv6Packet(b);
        assert.ok(d.ok);
        assert.notEqual(d.value.src, RECEIVER, 'never from us');
        if (groups.every((g) => g.peers.length === 0)) assert.ok(taken, 'without --peer, only what a group takes');
        else assert.ok(!isMulticast(d.value.dst) || d.value.dst === POLICY.group, 'no other multicast group');
      }),
      { numRuns: 3000 },
    );
  });

  it('ids that would not fit the jumps of one program are left to the daemon; the rest is still checked', () => {
    // Pairs of ids (1-2, 4-5, ...): 85 ranges; with 20 of our own sources the program would be too long for its jumps.
    const vrids = Array.from({ length: 255 }, (_, i) => i + 1).filter((v) => v % 3 !== 0);
    const selves = Array.from({ length: 20 }, (_, i) => ip(`fe80::77:ff:fe00:${(i + 12).toString(16)}`));
    const program = kernelFilterForGroups(vrids.map((vhid, i) => ({ ...POLICY, vhid, self: selves[i % selves.length]! })));
    assert.ok(passes(program, advert(3)), 'a vrid of no group: left to the daemon');
    assert.equal(passes(program, advert(1, (b) => (b[7] = 254))), false);
    assert.equal(passes(program, advert(1, (b) => writeIp(selves[19]!, b, 8))), false);
    // With the ids, every one is checked, as one jump each when they are not consecutive.
    const odd = kernelFilterForGroups(policies(Array.from({ length: 128 }, (_, i) => 2 * i + 1)));
    assert.ok(passes(odd, advert(255)));
    assert.equal(passes(odd, advert(254)), false);
  });

  it('refuses groups of two address families: a socket has one', () => {
    assert.throws(() => kernelFilterForGroups([POLICY, { ...POLICY, self: ip('10.77.0.12'), group: ip('224.0.0.18') }]), /one address family/);
  });
});
