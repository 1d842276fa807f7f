// Packet loss without sch_netem. This kernel has no netem (nor gact), but it has
// clsact, classic-BPF classifiers with a random number load, and mirred. So a
// filter on the switch side of a host's cable picks packets at random and
// redirects them to a device that is down, which drops them: silent loss on the
// wire, as netem gives. Delay cannot be emulated this way.

// BPF: A = random u32; if A >= threshold pass (0), else match (-1: drop).
export function lossBytecode(percent: number): string {
  if (!(percent >= 0 && percent <= 100)) throw new RangeError(`loss must be 0..100%, got ${percent}`);
  const threshold = Math.min(0xffffffff, Math.round((percent / 100) * 2 ** 32));
  const LD_RANDOM = 0x20; // BPF_LD | BPF_W | BPF_ABS
  const SKF_AD_RANDOM = 2 ** 32 - 0x1000 + 56; // SKF_AD_OFF + SKF_AD_RANDOM
  const JGE_K = 0x35;
  const RET_K = 0x06;
  const prog = [
    [LD_RANDOM, 0, 0, SKF_AD_RANDOM],
    [JGE_K, 0, 1, threshold],
    [RET_K, 0, 0, 0],
    [RET_K, 0, 0, 0xffffffff],
  ];
  return `${prog.length},${prog.map((i) => i.join(' ')).join(',')}`;
}

/** Parses "loss 20%" (the only netem spec the fallback can honour). */
export function parseLossOnly(spec: string): number | undefined {
  const m = /^\s*loss\s+(?:random\s+)?(\d+(?:\.\d+)?)%\s*$/.exec(spec);
  return m ? Number(m[1]) : undefined;
}
