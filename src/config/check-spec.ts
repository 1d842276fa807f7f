// --check=SPEC: KIND:TARGET followed by optional ,key=value parameters, validated into a
// CheckSpec the daemon's probes run (src/checks) and the election counts (src/core).
import { isAbsolute, join, resolve as resolvePath } from 'node:path';
import { EX_NOINPUT, UsageError } from './errors.js';
import type { HostChecks } from './host-checks.js';
import { readCentiseconds, type Raw } from './values.js';

export type CheckTarget =
  /** argv[0] is an absolute path: found on PATH at start-up, run directly, never by a shell. */
  | { kind: 'exec'; argv: string[] }
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'http'; url: string }
  | { kind: 'process'; name: string }
  | { kind: 'file'; path: string }
  | { kind: 'interface'; ifname: string };

export interface CheckSpec {
  /** As the operator wrote it: logs, the status line and the scripts name checks by it. */
  name: string;
  target: CheckTarget;
  intervalMs: number;
  timeoutMs: number;
  rise: number;
  fall: number;
  weight: number;
}

/** Separates several checks in UCARP_CHECK; refused inside a spec, so it is never ambiguous. */
export const CHECK_SEPARATOR = ';';

const KINDS = 'exec, tcp, http, https, process, file or interface';
const PARAMS = ['interval', 'timeout', 'rise', 'fall', 'weight'] as const;
/** /proc/PID/comm holds at most 15 characters. */
const COMM_MAX = 15;
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function parseCheck(raw: Raw, text: string, host: HostChecks, env: Record<string, string | undefined>): CheckSpec {
  const bad = (problem: string, code?: number): never => {
    throw new UsageError(raw.where, problem, code, text);
  };
  if (text.includes(CHECK_SEPARATOR)) bad(`a check may not contain "${CHECK_SEPARATOR}" (it separates checks in UCARP_CHECK)`);
  // Parameters are the trailing ,key=value items; what comes before is the target.
  const params = new Map<string, string>();
  let body = text;
  for (let m = /,([A-Za-z_-]+)=([^,]*)$/.exec(body); m; m = /,([A-Za-z_-]+)=([^,]*)$/.exec(body)) {
    const key = m[1]!.toLowerCase();
    if (!(PARAMS as readonly string[]).includes(key)) bad(`unknown parameter "${m[1]}" (allowed: ${PARAMS.join(', ')})`);
    if (params.has(key)) bad(`parameter "${key}" given twice`);
    params.set(key, m[2]!);
    body = body.slice(0, m.index);
  }
  const colon = body.indexOf(':');
  if (colon <= 0) bad(`must be KIND:TARGET[,key=value...] with KIND one of ${KINDS}`);
  const kind = body.slice(0, colon).toLowerCase();
  const rest = body.slice(colon + 1);
  if (rest === '') bad(`needs a target after "${kind}:"`);

  const seconds = (key: string, dflt: number): number => {
    const v = params.get(key);
    return v === undefined ? dflt * 1000 : readCentiseconds({ text: v, where: `${raw.where} ${key}` }, 1, 360_000) * 1000;
  };
  const whole = (key: string, dflt: number, min: number, max: number): number => {
    const v = params.get(key);
    if (v === undefined) return dflt;
    const n = /^[+-]?[0-9]+$/.test(v) ? Number(v) : NaN;
    if (!(n >= min && n <= max)) bad(`${key} must be a whole number from ${min} to ${max}`);
    return n;
  };

  let target: CheckTarget;
  switch (kind) {
    case 'exec': {
      const argv = rest.trim().split(/\s+/);
      target = { kind: 'exec', argv: [findProgram(argv[0]!, host, env, raw, text), ...argv.slice(1)] };
      break;
    }
    case 'tcp': {
      const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(rest);
      const port = m ? Number(m[2]) : NaN;
      if (!m || !(port >= 1 && port <= 65535)) bad('tcp needs HOST:PORT, with a port from 1 to 65535');
      target = { kind: 'tcp', host: m![1]!.replace(/^\[|\]$/g, ''), port };
      break;
    }
    case 'http':
    case 'https': {
      let url: URL | null = null;
      try {
        url = new URL(body);
      } catch {
        // reported below
      }
      if (!url || !url.hostname || (url.protocol !== 'http:' && url.protocol !== 'https:') || !/^\/\/[^/]/.test(rest)) {
        bad(`is not a URL like ${kind}://HOST[:PORT]/PATH`);
      }
      target = { kind: 'http', url: url!.href };
      break;
    }
    case 'process':
      if (rest.length > COMM_MAX || rest.includes('/')) bad(`a process name is its command name: at most ${COMM_MAX} characters, no "/"`);
      target = { kind: 'process', name: rest };
      break;
    case 'file':
      target = { kind: 'file', path: resolvePath(rest) };
      break;
    case 'interface':
      if (!host.interfaces().some((i) => i.name === rest)) bad(`no such network interface "${rest}"`);
      target = { kind: 'interface', ifname: rest };
      break;
    default:
      return bad(`unknown kind "${kind}" (${KINDS})`);
  }
  return {
    name: text,
    target,
    intervalMs: seconds('interval', 1),
    timeoutMs: seconds('timeout', 1),
    rise: whole('rise', 2, 1, 255),
    fall: whole('fall', 2, 1, 255),
    weight: whole('weight', 0, -254, 254),
  };
}

/** The program's absolute path: as given when it has a "/", else the first on PATH, as execvp would. */
function findProgram(program: string, host: HostChecks, env: Record<string, string | undefined>, raw: Raw, text: string): string {
  const problem = { missing: 'no such file', 'not-a-file': 'not a regular file', 'not-executable': 'not executable' };
  if (program.includes('/')) {
    const path = isAbsolute(program) ? program : resolvePath(program);
    const state = host.executable(path);
    if (state !== 'ok') throw new UsageError(raw.where, `cannot run ${JSON.stringify(program)}: ${problem[state]}`, EX_NOINPUT, text);
    return path;
  }
  for (const dir of (env.PATH ?? DEFAULT_PATH).split(':').filter(Boolean)) {
    const path = join(dir, program);
    if (host.executable(path) === 'ok') return path;
  }
  throw new UsageError(raw.where, `cannot run ${JSON.stringify(program)}: not found on PATH`, EX_NOINPUT, text);
}
