// Reading a daemon's memory and CPU time from /proc. The parsers are pure (tested);
// the readers take a process and its descendants, since keepalived is two processes.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface StatFields {
  pid: number;
  ppid: number;
  /** utime + stime, clock ticks, all threads of the process. */
  cpuTicks: number;
}

/** /proc/PID/stat. The command name is in parentheses and may hold spaces or ')'. */
export function parseStat(text: string): StatFields {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc stat line: ${text.slice(0, 80)}`);
  const pid = Number(text.slice(0, open).trim());
  // After the name: field 3 (state) onwards; ppid is field 4, utime 14, stime 15.
  const rest = text.slice(close + 1).trim().split(/\s+/);
  const field = (n: number): number => {
    const v = Number(rest[n - 3]);
    if (!Number.isFinite(v)) throw new Error(`/proc stat field ${n} missing in ${text.slice(0, 80)}`);
    return v;
  };
  return { pid, ppid: field(4), cpuTicks: field(14) + field(15) };
}

/** A "Name: N kB" line of /proc/PID/status; undefined when absent (a zombie has no memory lines). */
export function parseStatusKb(text: string, field: 'VmRSS' | 'RssAnon'): number | undefined {
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

let ticksPerSecond: number | undefined;

/** The kernel's USER_HZ (almost always 100). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

function readStat(pid: number): StatFields | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined; // gone
  }
}

/** The process and every live descendant. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(Number(name));
    if (!st) continue;
    const list = children.get(st.ppid) ?? [];
    list.push(st.pid);
    children.set(st.ppid, list);
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    if (out.includes(pid)) continue;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out.filter((p) => readStat(p) !== undefined);
}

/** /proc/PID/task/TID/schedstat: time on a CPU in ns (first field). */
export function parseSchedstatNs(text: string): number | undefined {
  const v = Number(text.trim().split(/\s+/)[0]);
  return Number.isFinite(v) ? v : undefined;
}

export interface CpuSample {
  /** utime+stime of the processes, ms (clock-tick resolution). */
  tickMs: number;
  /** Sum of the threads' time on a CPU, ms (ns resolution); undefined without schedstat. */
  schedMs?: number;
  /** The threads seen, to tell whether both samples cover the same ones. */
  threads: string;
}

export function sampleCpu(pids: readonly number[]): CpuSample {
  const hz = clockTicksPerSecond();
  let ticks = 0;
  let ns: number | undefined = 0;
  const threads: string[] = [];
  for (const pid of pids) {
    ticks += readStat(pid)?.cpuTicks ?? 0;
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // gone
    }
    for (const tid of tids) {
      try {
        const v = parseSchedstatNs(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8'));
        if (v === undefined || ns === undefined) ns = undefined;
        else ns += v;
        threads.push(`${pid}/${tid}`);
      } catch {
        ns = undefined;
      }
    }
  }
  return { tickMs: (ticks * 1000) / hz, schedMs: ns === undefined ? undefined : ns / 1e6, threads: threads.sort().join(',') };
}

/**
 * CPU time between two samples, ms: the threads' scheduler time when the same threads
 * were there both times (exact to the ns), otherwise utime+stime (to the clock tick,
 * but it also counts threads that ended in between).
 */
export function cpuBetween(a: CpuSample, b: CpuSample): number {
  if (a.schedMs !== undefined && b.schedMs !== undefined && a.threads === b.threads) return b.schedMs - a.schedMs;
  return b.tickMs - a.tickMs;
}

/**
 * Sums of VmRSS and of its anonymous part over these processes, kB. The rest of VmRSS
 * is mapped files (the program and its libraries), shared with other processes running them.
 */
export function memoryKb(pids: readonly number[]): { rss: number; anon: number } {
  let rss = 0;
  let anon = 0;
  for (const pid of pids) {
    try {
      const text = readFileSync(`/proc/${pid}/status`, 'utf8');
      rss += parseStatusKb(text, 'VmRSS') ?? 0;
      anon += parseStatusKb(text, 'RssAnon') ?? 0;
    } catch {
      /* gone */
    }
  }
  return { rss, anon };
}
