// The flood column uses the project's flood generator (test/support/flood.ts): a third
// lab host sends forged packets shaped for the row's protocol, bounded in rate and time.
// Loaded at run time so the benchmark still runs (without that column) in a build that
// lacks it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Lab } from '../../test/lab/lab.js';
import { VHID, VIP, VRRP_ADVBASE } from './daemons.js';
import type { Flooder } from './scenarios.js';
import type { Proto } from './types.js';

const FLOOD_MODULE = new URL('../../test/support/flood.js', import.meta.url);

/** The part of test/support/flood.ts used here. */
interface FloodModule {
  startFlood(
    lab: Lab,
    host: string,
    o: { vhid: number; rate: number; seconds: number; kinds: string[]; protocol?: Proto; advbase?: number; addrs?: string[]; pass?: string },
  ): Promise<{ done: Promise<{ sent: number; achievedRate: number; errors: number; firstError?: string }>; stop(): Promise<unknown> }>;
  defaultFloodKinds(protocol: Proto): string[];
}

/**
 * What each row's master is flooded with (test/support/flood-vrrp.ts has the details).
 * CARP, 'forged': well-formed advertisements for the vhid at the best priority with a fresh
 * counter and a random HMAC, so only the HMAC check can refuse them. VRRPv3: forged
 * adverts for the vrid in turn with a wrong TTL, a bad checksum, another vrid, version 2,
 * a foreign address list or an extra address (each at a priority that would win), and
 * valid ones at priority 1 that a master must ignore.
 */
export function floodOptions(proto: Proto, kinds: (p: Proto) => string[]): { kinds: string[]; protocol: Proto; advbase?: number; addrs?: string[] } {
  // CARP rows keep the packets they always had, so their figures stay comparable.
  if (proto === 'carp') return { kinds: kinds('carp'), protocol: 'carp' };
  return { kinds: kinds(proto), protocol: proto, advbase: VRRP_ADVBASE, addrs: [VIP] };
}

export async function loadFlooder(): Promise<Flooder | undefined> {
  if (!existsSync(fileURLToPath(FLOOD_MODULE))) return undefined;
  const mod = (await import(FLOOD_MODULE.href)) as FloodModule;
  return async (lab, from, spec, rate, seconds, started) => {
    const flood = await mod.startFlood(lab, from, { vhid: VHID, rate, seconds, ...floodOptions(spec.proto, mod.defaultFloodKinds) });
    started();
    const report = await flood.done;
    if (report.sent === 0) throw new Error(`the flood sent nothing: ${report.firstError ?? 'no error reported'}`);
    return { sent: report.sent, achievedRate: report.achievedRate };
  };
}
