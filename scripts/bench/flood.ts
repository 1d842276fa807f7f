// The flood column uses the project's flood generator (test/support/flood.ts): a third
// lab host sends forged protocol-112 packets, bounded in rate and time. Loaded at run
// time so the benchmark still runs (without that column) in a build that lacks it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Lab } from '../../test/lab/lab.js';
import { VHID } from './daemons.js';
import type { Flooder } from './scenarios.js';

const FLOOD_MODULE = new URL('../../test/support/flood.js', import.meta.url);

/** The part of test/support/flood.ts used here. */
interface FloodModule {
  startFlood(
    lab: Lab,
    host: string,
    o: { vhid: number; rate: number; seconds: number; kinds: string[] },
  ): Promise<{ done: Promise<{ sent: number; achievedRate: number; errors: number; firstError?: string }>; stop(): Promise<unknown> }>;
}

/**
 * 'forged': well-formed CARP advertisements for the victim's vhid at the best priority
 * with a fresh counter and a random HMAC, so only the HMAC check can refuse them. A VRRPv3
 * daemon sees the same packets as version-2 adverts for its vrid.
 */
export const FLOOD_KINDS = ['forged'];

export async function loadFlooder(): Promise<Flooder | undefined> {
  if (!existsSync(fileURLToPath(FLOOD_MODULE))) return undefined;
  const mod = (await import(FLOOD_MODULE.href)) as FloodModule;
  return async (lab, from, _spec, rate, seconds, started) => {
    const flood = await mod.startFlood(lab, from, { vhid: VHID, rate, seconds, kinds: FLOOD_KINDS });
    started();
    const report = await flood.done;
    if (report.sent === 0) throw new Error(`the flood sent nothing: ${report.firstError ?? 'no error reported'}`);
    return { sent: report.sent, achievedRate: report.achievedRate };
  };
}
