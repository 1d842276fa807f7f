// tcpdump inside a lab host, written to a pcap file and decoded on stop.
import { run } from './run.js';
import type { LabProcess } from './process-handle.js';

export interface CaptureResult {
  /** One line per packet (tcpdump -n -e -vv; continuation lines joined). */
  lines: string[];
  /** The raw capture; it lives in the lab's temporary folder until destroy(). */
  pcapPath: string;
}

export interface Capture {
  readonly process: LabProcess;
  readonly pcapPath: string;
  stop(): Promise<CaptureResult>;
}

export function joinContinuationLines(text: string): string[] {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    if (/^\s/.test(line) && lines.length > 0) lines[lines.length - 1] += ' ' + line.trim();
    else lines.push(line);
  }
  return lines;
}

export function makeCapture(proc: LabProcess, pcapPath: string): Capture {
  return {
    process: proc,
    pcapPath,
    async stop(): Promise<CaptureResult> {
      proc.kill('SIGINT'); // flushes and closes the file
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await proc.exited;
      clearTimeout(timer);
      // Reading a file needs no namespace.
      const r = await run(['tcpdump', '-r', pcapPath, '-n', '-e', '-vv'], { timeoutMs: 30_000 });
      return { lines: joinContinuationLines(r.stdout), pcapPath };
    },
  };
}
