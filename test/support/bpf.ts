// A classic BPF interpreter for the instructions src/core/kernel-filter.ts emits, so its
// programs can be run on packets in unit tests the way the kernel runs them (an
// out-of-range load rejects the packet, as in the kernel).
import { BPF, SKF_NET_OFF, type BpfInstruction } from '../../src/core/kernel-filter.js';

const LOADS = new Map<number, { size: 1 | 2 | 4; indexed: boolean }>([
  [BPF.LD_W_ABS, { size: 4, indexed: false }],
  [BPF.LD_H_ABS, { size: 2, indexed: false }],
  [BPF.LD_B_ABS, { size: 1, indexed: false }],
  [BPF.LD_B_IND, { size: 1, indexed: true }],
  [BPF.LDX_B_MSH, { size: 1, indexed: false }],
]);

/**
 * The number of bytes the kernel would keep: 0 means dropped. `network`: the packet
 * from its network header on, where the socket's data starts later (IPv6 raw sockets
 * hand the payload); loads at SKF_NET_OFF + n read it.
 */
export function runBpf(program: readonly BpfInstruction[], packet: Buffer, network?: Buffer): number {
  let a = 0;
  let x = 0;
  const load = (k: number, size: 1 | 2 | 4): number | undefined => {
    let buf = packet;
    let off = k;
    if (k >= SKF_NET_OFF) {
      if (!network) return undefined;
      buf = network;
      off = k - SKF_NET_OFF;
    }
    if (off < 0 || off + size > buf.length) return undefined;
    return size === 1 ? buf[off]! : size === 2 ? buf.readUInt16BE(off) : buf.readUInt32BE(off);
  };
  for (let pc = 0; pc < program.length; pc++) {
    const ins = program[pc]!;
    const ld = LOADS.get(ins.code);
    if (ld) {
      const v = load(ld.indexed ? x + ins.k : ins.k, ld.size);
      if (v === undefined) return 0;
      if (ins.code === BPF.LDX_B_MSH) x = 4 * (v & 0xf);
      else a = v;
      continue;
    }
    switch (ins.code) {
      case BPF.ALU_SUB_X:
        a = (a - x) >>> 0;
        break;
      case BPF.JEQ_K:
        pc += a === ins.k ? ins.jt : ins.jf;
        break;
      case BPF.JGT_K:
        pc += a > ins.k ? ins.jt : ins.jf;
        break;
      case BPF.JGE_K:
        pc += a >= ins.k ? ins.jt : ins.jf;
        break;
      case BPF.RET_K:
        return ins.k;
      default:
        throw new Error(`bpf: unknown instruction 0x${ins.code.toString(16)} at ${pc}`);
    }
  }
  throw new Error('bpf: ran off the end of the program');
}
