// A classic BPF interpreter for the instructions src/core/kernel-filter.ts emits, so its
// programs can be run on packets in unit tests the way the kernel runs them (an
// out-of-range load rejects the packet, as in the kernel).
import { BPF, type BpfInstruction } from '../../src/core/kernel-filter.js';

/** The number of bytes the kernel would keep: 0 means dropped. */
export function runBpf(program: readonly BpfInstruction[], packet: Buffer): number {
  let a = 0;
  let x = 0;
  const load = (off: number, size: 1 | 2 | 4): number | undefined => {
    if (off < 0 || off + size > packet.length) return undefined;
    return size === 1 ? packet[off]! : size === 2 ? packet.readUInt16BE(off) : packet.readUInt32BE(off);
  };
  for (let pc = 0; pc < program.length; pc++) {
    const ins = program[pc]!;
    let v: number | undefined;
    switch (ins.code) {
      case BPF.LD_W_ABS:
        v = load(ins.k, 4);
        if (v === undefined) return 0;
        a = v;
        break;
      case BPF.LD_H_ABS:
        v = load(ins.k, 2);
        if (v === undefined) return 0;
        a = v;
        break;
      case BPF.LD_B_ABS:
        v = load(ins.k, 1);
        if (v === undefined) return 0;
        a = v;
        break;
      case BPF.LD_B_IND:
        v = load(x + ins.k, 1);
        if (v === undefined) return 0;
        a = v;
        break;
      case BPF.LDX_B_MSH:
        v = load(ins.k, 1);
        if (v === undefined) return 0;
        x = 4 * (v & 0xf);
        break;
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
