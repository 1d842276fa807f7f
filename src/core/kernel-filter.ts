// The classic BPF program the kernel runs on every packet of the advert socket
// (SO_ATTACH_FILTER), so that floods of forged or stray packets are dropped before
// they wake the process. It applies the checks of inbound-filter.ts that need no
// state and no cryptography, plus the group's version and id:
//
//   protocol 112, TTL 255, not our own source, the destination screenIpv4 wants,
//   a sane length, then the first payload byte (version and type: CARP and VRRPv2
//   are both 0x21, VRRPv3 0x31) and our vhid/vrid.
//
// With --peer it leaves out who sent the packet and how far it came (the TTL): an advert
// for our group from a stranger, or from a peer further away than --peer-min-ttl allows,
// is what an operator of a routed pair must see, so the daemon's screen counts it ('peer',
// 'ttl') instead of the kernel dropping it unseen. It costs a wake-up and a screen (no
// decoding, no HMAC) per such packet: README ("Where it differs from ucarp") has the price.
//
// The IPv6 program (VRRPv3 only) does the same on the IPv6 socket, where the payload
// comes first and the header is reached through SKF_NET_OFF.
//
// A socket shared by several groups of one interface (either family) gets one program
// that passes what any of them would take (kernelFilterForGroups).
//
// Everything it lets through is screened again in JavaScript, so the filter only has
// to never drop a packet the daemon would accept. Pure: returns the instructions.
import { ipFamily, ipToBytes, ipv4Word, type IpAddress } from './ip-address.js';
import { CARP_LENGTH } from './packets/carp.js';

/** struct sock_filter. */
export interface BpfInstruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

// <linux/bpf_common.h> / <linux/filter.h>
export const BPF = {
  LD_W_ABS: 0x20,
  LD_H_ABS: 0x28,
  LD_B_ABS: 0x30,
  LD_B_IND: 0x50,
  LDX_B_MSH: 0xb1,
  ALU_SUB_X: 0x1c,
  JEQ_K: 0x15,
  JGT_K: 0x25,
  JGE_K: 0x35,
  RET_K: 0x06,
} as const;

export interface KernelFilterPolicy {
  protocol: 'carp' | 'vrrp2' | 'vrrp3';
  vhid: number;
  self: IpAddress;
  group: IpAddress;
  /** With peers, source and TTL are left to the daemon's screen (counted there). */
  peers: readonly IpAddress[];
}

const ACCEPT_BYTES = 0xffff;
/** Keeps every packet: replaces a program that no longer fits the socket's groups. */
export const KERNEL_FILTER_PASS_ALL: readonly BpfInstruction[] = [{ code: BPF.RET_K, jt: 0, jf: 0, k: ACCEPT_BYTES }];
// VRRP: 8-byte header, up to 255 addresses, v2's 8 bytes of authentication.
const VRRP_MIN = 8;
const VRRP_MAX = 8 + 4 * 255 + 8;
const VRRP6_MAX = 8 + 16 * 255;
/** SKF_NET_OFF: loads relative to the network header, for sockets whose data starts after it. */
export const SKF_NET_OFF = 0xfff00000;

type Target = 'next' | 'drop' | 'accept' | number; // number: an instruction index
interface Pending {
  code: number;
  k: number;
  jt: Target;
  jf: Target;
}

/** Builds a program with jumps to labels, resolved to the relative offsets BPF wants. */
function assembler() {
  const code: Pending[] = [];
  const op = (c: number, k: number): void => void code.push({ code: c, k, jt: 'next', jf: 'next' });
  const jump = (c: number, k: number, jt: Target, jf: Target): void => void code.push({ code: c, k: k >>> 0, jt, jf });
  // if (A == k) then else
  const jeq = (k: number, jt: Target, jf: Target): void => jump(BPF.JEQ_K, k, jt, jf);
  const require = (k: number): void => jeq(k, 'next', 'drop');
  /** Jumps to `to` when A equals one of ks, else on to `otherwise`. */
  const oneOf = (ks: readonly number[], to: Target, otherwise: Target): void => {
    const after = code.length + ks.length;
    ks.forEach((k, i) => jeq(k, to === 'next' ? after : to, i === ks.length - 1 ? otherwise : 'next'));
  };
  /** Jumps to `to` when the 16 bytes at `at` are one of the IPv6 addresses, else on to `otherwise` (8 instructions each). */
  const oneOfAddresses6 = (at: number, addrs: readonly IpAddress[], to: Target, otherwise: Target): void => {
    const after = code.length + 8 * addrs.length;
    const label = (t: Target): Target => (t === 'next' ? after : t);
    addrs.forEach((a, n) => {
      const b = ipToBytes(a);
      // A word that differs skips the rest of this address.
      const miss = n === addrs.length - 1 ? label(otherwise) : code.length + 8;
      for (let i = 0; i < 4; i++) {
        op(BPF.LD_W_ABS, at + 4 * i);
        jeq(b.readUInt32BE(4 * i), i < 3 ? 'next' : label(to), miss);
      }
    });
  };
  /** Accepts when A is one of the ids, else drops; runs of consecutive ids as ranges (ids 1..100 are two jumps). */
  const acceptIds = (ids: readonly number[]): void => {
    const ranges: [number, number][] = [];
    for (const id of [...new Set(ids)].sort((a, b) => a - b)) {
      const last = ranges.at(-1);
      if (last && last[1] === id - 1) last[1] = id;
      else ranges.push([id, id]);
    }
    ranges.forEach(([lo, hi], i) => {
      const nextRange: Target = i === ranges.length - 1 ? 'drop' : 'next';
      if (lo === hi) return jeq(lo, 'accept', nextRange);
      // Ascending: below this range is below every later one too.
      jump(BPF.JGE_K, lo, 'next', 'drop');
      jump(BPF.JGT_K, hi, nextRange, 'accept');
    });
  };
  const finish = (): BpfInstruction[] => {
    op(BPF.RET_K, ACCEPT_BYTES);
    const accept = code.length - 1;
    op(BPF.RET_K, 0);
    const drop = code.length - 1;
    return code.map((ins, i) => {
      const offset = (t: Target): number => {
        const to = t === 'next' ? i + 1 : t === 'drop' ? drop : t === 'accept' ? accept : t;
        const rel = to - i - 1;
        if (rel < 0 || rel > 255) throw new Error(`kernel filter: jump out of range at ${i}`);
        return rel;
      };
      const isJump = ins.code === BPF.JEQ_K || ins.code === BPF.JGT_K || ins.code === BPF.JGE_K;
      return { code: ins.code, jt: isJump ? offset(ins.jt) : 0, jf: isJump ? offset(ins.jf) : 0, k: ins.k >>> 0 };
    });
  };
  return { code, op, jeq, require, jump, oneOf, oneOfAddresses6, acceptIds, finish };
}

const unique = <T>(xs: readonly T[]): T[] => [...new Set(xs)];

export function kernelFilterProgram(p: KernelFilterPolicy): BpfInstruction[] {
  if (ipFamily(p.self) === 6) return unionProgram6([p], true);
  const { code, op, jeq, require, jump, finish } = assembler();

  op(BPF.LD_B_ABS, 9);
  require(112);
  if (p.peers.length === 0) {
    // Routers decrement it: only senders on our link.
    op(BPF.LD_B_ABS, 8);
    require(255);
  }
  op(BPF.LD_W_ABS, 12);
  jeq(ipv4Word(p.self), 'drop', 'next');
  op(BPF.LD_W_ABS, 16);
  // With peers, addressed to us (unicast) or the group.
  if (p.peers.length > 0) jeq(ipv4Word(p.self), code.length + 2, 'next');
  require(ipv4Word(p.group));
  // X = IP header length; A = payload length
  op(BPF.LDX_B_MSH, 0);
  op(BPF.LD_H_ABS, 2);
  op(BPF.ALU_SUB_X, 0);
  if (p.protocol === 'carp') require(CARP_LENGTH);
  else {
    jump(BPF.JGE_K, VRRP_MIN, 'next', 'drop');
    jump(BPF.JGT_K, VRRP_MAX, 'drop', 'next');
  }
  op(BPF.LD_B_IND, 0);
  require(p.protocol === 'vrrp3' ? 0x31 : 0x21);
  op(BPF.LD_B_IND, 1);
  require(p.vhid);
  return finish();
}

/**
 * One program for a socket shared by several groups (one interface, many vhids): it
 * lets through what any of them would take, checking only what they agree on, the
 * union of their destinations, versions and ids. Each group screens again what it
 * gets. Sets whose ids would not fit the jumps of one program leave the id to the
 * daemon.
 */
export function kernelFilterForGroups(policies: readonly KernelFilterPolicy[]): BpfInstruction[] {
  if (policies.length === 1) return kernelFilterProgram(policies[0]!);
  const families = unique(policies.map((p) => ipFamily(p.self)));
  if (families.length !== 1) throw new Error('kernel filter: the groups of one socket have one address family');
  const union = families[0] === 6 ? unionProgram6 : unionProgram4;
  try {
    return union(policies, true);
  } catch {
    return union(policies, false);
  }
}

function unionProgram4(policies: readonly KernelFilterPolicy[], withIds: boolean): BpfInstruction[] {
  const { op, oneOf, jump, acceptIds, finish } = assembler();
  op(BPF.LD_B_ABS, 9);
  oneOf([112], 'next', 'drop');
  // Routers decrement the TTL: only senders on our link, unless a group has peers (whose
  // TTL its own screen judges and counts, as kernelFilterProgram leaves it).
  if (policies.every((p) => p.peers.length === 0)) {
    op(BPF.LD_B_ABS, 8);
    oneOf([255], 'next', 'drop');
  }
  op(BPF.LD_W_ABS, 12);
  oneOf(unique(policies.map((p) => ipv4Word(p.self))), 'drop', 'next');
  op(BPF.LD_W_ABS, 16);
  oneOf(unique(policies.flatMap((p) => (p.peers.length > 0 ? [p.group, p.self] : [p.group]).map(ipv4Word))), 'next', 'drop');
  op(BPF.LDX_B_MSH, 0);
  op(BPF.LD_H_ABS, 2);
  op(BPF.ALU_SUB_X, 0);
  jump(BPF.JGE_K, Math.min(VRRP_MIN, CARP_LENGTH), 'next', 'drop');
  jump(BPF.JGT_K, Math.max(VRRP_MAX, CARP_LENGTH), 'drop', 'next');
  op(BPF.LD_B_IND, 0);
  oneOf(unique(policies.map((p) => (p.protocol === 'vrrp3' ? 0x31 : 0x21))), withIds ? 'next' : 'accept', 'drop');
  if (withIds) {
    op(BPF.LD_B_IND, 1);
    acceptIds(policies.map((p) => p.vhid));
  }
  return finish();
}

/**
 * VRRPv3 over IPv6, for one group or the union of several. The IPv6 raw socket's
 * filter sees the payload at offset 0 (the socket's protocol, 112, is the next
 * header); the IPv6 header is reached through SKF_NET_OFF. The same checks as for
 * IPv4, with 16-byte addresses compared word by word. With --peer a destination that
 * is not multicast is left to the daemon's screen (a peer may address any of our
 * unicast addresses, and the kernel delivers only ours).
 */
function unionProgram6(policies: readonly KernelFilterPolicy[], withIds: boolean): BpfInstruction[] {
  const { code, op, require, jeq, jump, oneOfAddresses6, acceptIds, finish } = assembler();
  const peers = policies.some((p) => p.peers.length > 0);
  if (!peers) {
    op(BPF.LD_B_ABS, SKF_NET_OFF + 7); // hop limit: routers decrement it
    require(255);
  }
  oneOfAddresses6(SKF_NET_OFF + 8, unique(policies.map((p) => p.self)), 'drop', 'next');
  const groups = unique(policies.map((p) => p.group));
  if (peers) {
    op(BPF.LD_B_ABS, SKF_NET_OFF + 24); // ff00::/8 is multicast: then one of the groups
    jeq(0xff, 'next', code.length + 1 + 8 * groups.length);
  }
  oneOfAddresses6(SKF_NET_OFF + 24, groups, 'next', 'drop');
  op(BPF.LD_H_ABS, SKF_NET_OFF + 4); // payload length (an advert has no extension headers)
  jump(BPF.JGE_K, VRRP_MIN, 'next', 'drop');
  jump(BPF.JGT_K, VRRP6_MAX, 'drop', 'next');
  op(BPF.LD_B_ABS, 0);
  jeq(0x31, withIds ? 'next' : 'accept', 'drop');
  if (withIds) {
    op(BPF.LD_B_ABS, 1);
    acceptIds(policies.map((p) => p.vhid));
  }
  return finish();
}
