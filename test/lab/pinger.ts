// Continuous ping from one lab host, to measure how long a virtual address was
// unreachable during a failover: the longest gap between two replies.
import type { LabProcess } from './process-handle.js';

export interface PingReport {
  /** Reply times, ms since the epoch (ping -D, wall clock). */
  replies: number[];
  sent: number;
  /** Replies marked (DUP!): two hosts answered the same request, i.e. two masters. */
  duplicates: number;
  /** Longest time between two consecutive replies, ms (0 with fewer than two). */
  longestGapMs: number;
  /** When that gap began and ended (reply timestamps), if there was one. */
  gapFrom?: number;
  gapTo?: number;
  startedAt: number;
  stoppedAt: number;
  output: string;
}

export interface Pinger {
  readonly process: LabProcess;
  stop(): Promise<PingReport>;
}

const REPLY = /^\[(\d+\.\d+)\] \d+ bytes from .*icmp_seq=(\d+)(.*)$/;
const SENT = /(\d+) packets transmitted/;

export function parsePingOutput(output: string, startedAt: number, stoppedAt: number): PingReport {
  const replies: number[] = [];
  let duplicates = 0;
  for (const line of output.split('\n')) {
    const m = REPLY.exec(line.trim());
    if (!m) continue;
    if (m[3]!.includes('DUP!')) {
      duplicates++;
      continue;
    }
    replies.push(Math.round(Number(m[1]) * 1000));
  }
  let longestGapMs = 0;
  let gapFrom: number | undefined;
  let gapTo: number | undefined;
  for (let i = 1; i < replies.length; i++) {
    const gap = replies[i]! - replies[i - 1]!;
    if (gap > longestGapMs) {
      longestGapMs = gap;
      gapFrom = replies[i - 1];
      gapTo = replies[i];
    }
  }
  const sent = Number(SENT.exec(output)?.[1] ?? 0);
  return { replies, sent, duplicates, longestGapMs, gapFrom, gapTo, startedAt, stoppedAt, output };
}

export function makePinger(proc: LabProcess): Pinger {
  const startedAt = Date.now();
  return {
    process: proc,
    async stop(): Promise<PingReport> {
      proc.kill('SIGINT'); // ping prints its summary on SIGINT
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await proc.exited;
      clearTimeout(timer);
      return parsePingOutput(proc.stdout, startedAt, Date.now());
    },
  };
}
