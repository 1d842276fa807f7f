// BIRD 2 inside a lab namespace: run by hand in the foreground as a lab process (so it
// dies with its host or the lab and its log is the process output), with its own config
// and control socket in the lab's directory, never as the machine's service.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Lab, LabProcess } from './lab.js';
import { requireProgram } from './requirements.js';
import type { RunResult } from './run.js';

const BIRD = '/usr/sbin/bird';
const BIRDC = '/usr/sbin/birdc';

export interface Bird {
  /** The control socket: `birdc -s <socket>`. */
  readonly socket: string;
  readonly daemon: LabProcess;
  birdc(...command: string[]): Promise<RunResult>;
}

/** Starts bird with conf in a lab host and waits until birdc answers. */
export async function startBird(lab: Lab, host: string, conf: string): Promise<Bird> {
  requireProgram(BIRD, 'bird2');
  requireProgram(BIRDC, 'bird2');
  const base = join(lab.tmpDir, `bird-${host}`);
  const socket = `${base}.ctl`;
  writeFileSync(`${base}.conf`, conf);
  const daemon = lab.spawn(host, [BIRD, '-f', '-c', `${base}.conf`, '-s', socket, '-P', `${base}.pid`]);
  const birdc = (...command: string[]): Promise<RunResult> => lab.exec(host, [BIRDC, '-s', socket, ...command]);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const r = await birdc('show', 'status');
    if (r.code === 0 && /Daemon is up and running/.test(r.stdout)) break;
    if (!daemon.running || Date.now() > deadline) assert.fail(`BIRD in ${host} did not come up: ${r.stdout}${r.stderr}\n--- output ---\n${daemon.output.slice(-3000)}`);
    await sleep(100);
  }
  return { socket, daemon, birdc };
}
