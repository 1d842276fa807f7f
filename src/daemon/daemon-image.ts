// The daemon image: the lean program (dist/src/daemon-process.js) that runs a virtual
// host once the command has parsed and checked its options. It never loads the option
// parser or the config-file reader, which keeps the long-running process small.
import { closeSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encodeHandover, type Handover } from '../config/settings-transfer.js';
import { loadAddon } from '../net/native-addon.js';

// The bundle `npm run build` makes (scripts/bundle-daemon.ts), unless a later `tsc` alone
// has rebuilt the modules since: then the bundle is stale and the modules run as they are.
const BUNDLE = fileURLToPath(new URL('../daemon-process.cjs', import.meta.url));
const MODULE = fileURLToPath(new URL('../daemon-process.js', import.meta.url));
export const DAEMON_ENTRY = bundleIsCurrent() ? BUNDLE : MODULE;

function bundleIsCurrent(): boolean {
  try {
    return statSync(BUNDLE).mtimeMs >= statSync(MODULE).mtimeMs;
  } catch {
    return false;
  }
}

/** The daemon image reads its settings from this descriptor (after exec). */
export const SETTINGS_FD_FLAG = '--settings-fd=';

/**
 * Node flags for the daemon. Semi-spaces of at most 1 MB instead of 16: idle, the heap
 * never grows that far, and under a flood of forged packets, whose garbage all dies
 * young, the default would let the nursery (and resident memory) grow by up to 30 MB.
 * One V8 helper thread instead of four: the heap is a few MB, one is plenty, and each
 * thread costs its stack and malloc arena (about 0.7 MB resident, measured).
 * No memory reducer: on a heap of 4-5 MB its collections in the first minute after
 * start (about 40 ms of CPU on the benchmark VM) cost more than they give back; measured
 * over the benchmark's 30-s idle window right after start, CARP advbase 1 went from
 * 2.0 to 0.65 ms of CPU per second (ucarp: 0.11).
 * Five times V8's default interrupt budget (67584 bytes of bytecode), so a function must
 * run five times as long before the optimizing compiler (TurboFan) is considered. Start-up
 * code (URL and path helpers, a CARP run's 60 HMACs) no longer reaches it, and a daemon
 * that only idles never runs TurboFan, whose code is 3.4 MB of Node's binary that stays
 * resident once run: idle masters 54.6 -> 50.6 MB (CARP), 54.1 -> 50.6 MB (VRRPv3)
 * (`profile.js --memory`). Three times was not enough for CARP; ten times cost a quarter
 * more CPU under a flood of forged VRRP packets, five times none outside the noise.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--v8-pool-size=1', '--no-memory-reducer', '--interrupt-budget=337920'];

/**
 * The daemon's environment: the command's, without the password (already read), and
 * with one malloc arena, since its threads hardly allocate (0.7 MB resident, measured).
 * Hook scripts get a clean environment of their own (script-environment.ts).
 */
export function daemonEnv(from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(from)) if (k !== 'UCARP_PASS' && v !== undefined) env[k] = v;
  env.MALLOC_ARENA_MAX ??= '1';
  return env;
}

/** The daemon image's command line; the masked title after it is only for ps until the title is set. */
export function daemonArgv(extra: readonly string[], title: string): string[] {
  return [process.execPath, ...process.execArgv, ...DAEMON_NODE_FLAGS, DAEMON_ENTRY, ...extra, ...title.split(' ')];
}

interface ProcessExecAddon {
  memfd(name: string, data: Buffer): number;
  execve(path: string, argv: readonly string[], env: readonly string[]): never;
}

/**
 * Replaces this process (same PID) with the daemon image, the settings in a sealed
 * memory file. Returns only by throwing, when exec is impossible; the caller may then
 * run the daemon in this process instead.
 */
export function execDaemon(handover: Handover): never {
  const addon = loadAddon<ProcessExecAddon>('process_exec');
  const fd = addon.memfd('ucarp-ts-settings', encodeHandover(handover));
  const env = Object.entries(daemonEnv()).map(([k, v]) => `${k}=${v}`);
  try {
    return addon.execve(process.execPath, daemonArgv([`${SETTINGS_FD_FLAG}${fd}`], handover.title), env);
  } catch (e) {
    closeSync(fd); // it holds the password and is open across exec: no hook script may inherit it
    throw e;
  }
}
