// process:, file: and interface: checks: read /proc and /sys, no external program.
import { readdir, readFile } from 'node:fs/promises';
import { readLinkState } from '../net/interface-info.js';
import { errorReason, type ProbeOutcome } from './outcome.js';

export async function processProbe(name: string): Promise<ProbeOutcome> {
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((p) => /^[0-9]+$/.test(p));
  for (const pid of pids) {
    // A process may exit between readdir and here: that one just does not count.
    const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
    if (comm.trimEnd() === name) return { ok: true, reason: `running as ${pid}` };
  }
  return { ok: false, reason: 'no such process' };
}

/** keepalived's track_file: an integer; 0 is healthy for weight 0, otherwise value x weight. */
export async function fileProbe(path: string, weight: number): Promise<ProbeOutcome> {
  let text: string;
  try {
    text = (await readFile(path, 'utf8')).trim();
  } catch (e) {
    return { ok: false, reason: `cannot read: ${errorReason(e)}` };
  }
  if (!/^[+-]?[0-9]{1,9}$/.test(text)) return { ok: false, reason: 'does not hold an integer' };
  const value = Number(text);
  if (weight !== 0) return { ok: true, reason: `holds ${value}`, value };
  return { ok: value === 0, reason: `holds ${value}`, value };
}

export function interfaceProbe(ifname: string): ProbeOutcome {
  const link = readLinkState(ifname);
  if (!link) return { ok: false, reason: 'no such interface' };
  return link.running ? { ok: true, reason: 'carrier' } : { ok: false, reason: 'no carrier' };
}
