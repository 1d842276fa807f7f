// struct sock_filter as the kernel reads it: u16 code, u8 jt, u8 jf, u32 k, host order.
import { endianness } from 'node:os';
import type { BpfInstruction } from '../core/kernel-filter.js';

export function encodeBpfProgram(program: readonly BpfInstruction[]): Buffer {
  const b = Buffer.alloc(program.length * 8);
  const le = endianness() === 'LE';
  program.forEach((ins, i) => {
    const o = i * 8;
    if (le) b.writeUInt16LE(ins.code, o);
    else b.writeUInt16BE(ins.code, o);
    b.writeUInt8(ins.jt, o + 2);
    b.writeUInt8(ins.jf, o + 3);
    if (le) b.writeUInt32LE(ins.k, o + 4);
    else b.writeUInt32BE(ins.k, o + 4);
  });
  return b;
}
