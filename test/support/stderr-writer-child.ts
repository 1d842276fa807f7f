// A child for the StderrWriter unit tests: writes N log lines through a StderrWriter on
// its own fd 2 (whatever the test connected there) and reports on stdout, as one JSON
// line, how long the writes took and what the writer said. Then it stays alive for a
// while so the test can read (or not) what is queued.
//   node stderr-writer-child.js <lines> <delayMs> <stayMs>
import { fstatSync } from 'node:fs';
import { StderrWriter } from '../../src/daemon/stderr-writer.js';

const [lines, delayMs, stayMs] = process.argv.slice(2).map(Number) as [number, number, number];
const events: string[] = [];
const st = fstatSync(2);
const kind = st.isSocket() ? 'socket' : st.isFIFO() ? 'fifo' : 'other';
const writer = new StderrWriter({
  maxQueuedBytes: 64 * 1024,
  retryMs: 20,
  onClosed: (why) => events.push(`closed ${why}`),
  onStalled: () => events.push('stalled'),
});

setTimeout(() => {
  const t0 = performance.now();
  for (let i = 0; i < lines; i++) writer.write(`line ${i} ${'x'.repeat(100)}\n`);
  const ms = performance.now() - t0;
  process.stdout.write(`${JSON.stringify({ kind, ms, dropped: writer.dropped, events, open: writer.open })}\n`);
  setTimeout(() => process.exit(0), stayMs);
}, delayMs);
