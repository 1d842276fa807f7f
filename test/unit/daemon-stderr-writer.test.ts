// The daemon's stderr writer (src/daemon/stderr-writer.ts) against the three ways a
// log reader fails: a full pipe nobody reads (also when the pipe's description was
// left blocking, as a spawned hook script leaves it), a socket nobody reads
// (journald's stream), and a reader that has gone (EPIPE). Writes never block, lines
// beyond the bound are dropped and counted, the writer says so once, and catches up.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { constants, closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { supportArgv } from '../lab/support-paths.js';

interface Report {
  kind: string;
  ms: number;
  dropped: number;
  events: string[];
  open: boolean;
}

const LINES = 20_000; // 2.1 MB: far more than a pipe (64 KiB) and the queue (64 KiB) hold

function child(stderr: 'pipe' | number, lines = LINES, delayMs = 0, stayMs = 3000): { proc: ChildProcess; report: Promise<Report> } {
  const [cmd, ...args] = supportArgv('stderr-writer-child', String(lines), String(delayMs), String(stayMs));
  const proc = spawn(cmd!, args, { stdio: ['ignore', 'pipe', stderr] });
  const report = new Promise<Report>((resolve, reject) => {
    let out = '';
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!) as Report);
    });
    proc.on('close', (code) => reject(new Error(`child exited (${code}) without a report: ${out}`)));
  });
  return { proc, report };
}

describe('StderrWriter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stderr-writer-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a full pipe nobody reads, its description left blocking: writes never wait, excess lines are dropped and counted, said once', async () => {
    const fifo = join(dir, 'fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo (coreutils)');
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writeEnd = openSync(fifo, constants.O_WRONLY); // blocking, as after a spawned child reset it
    const { proc, report } = child(writeEnd);
    closeSync(writeEnd);
    const r = await report;
    assert.equal(r.kind, 'fifo');
    assert.ok(r.ms < 2000, `writing took ${r.ms} ms`);
    assert.ok(r.dropped > LINES / 2, `dropped ${r.dropped}`);
    assert.deepEqual(r.events, ['stalled']);
    assert.equal(r.open, true, 'a slow reader is no dead reader');
    // The reader catches up: the queue drains and ends with the count of what was lost.
    let text = '';
    const buf = Buffer.alloc(65536);
    const end = Date.now() + 5000;
    while (!text.includes('dropped') && Date.now() < end) {
      try {
        const n = readSync(reader, buf);
        text += buf.toString('utf8', 0, n);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        await new Promise((res) => setTimeout(res, 10));
      }
    }
    closeSync(reader);
    proc.kill();
    assert.match(text, new RegExp(`\\n${r.dropped} log lines dropped: stderr was not being read\\n`));
    assert.match(text, /^line 0 x+\n/, 'the first lines were kept');
  });

  it('a socket nobody reads (journald stream): writes never wait, excess lines are dropped', async () => {
    const { proc, report } = child('pipe'); // libuv makes stdio "pipes" socketpairs
    proc.stderr!.pause();
    const r = await report;
    proc.kill();
    assert.equal(r.kind, 'socket');
    assert.ok(r.ms < 2000, `writing took ${r.ms} ms`);
    assert.ok(r.dropped > 0, 'the socket filled');
    assert.deepEqual(r.events, ['stalled']);
  });

  it('a reader that has gone: EPIPE turns the writer off, once, and later lines cost nothing', async () => {
    const { proc, report } = child('pipe', 1000, 300, 100);
    proc.stderr!.destroy();
    const r = await report;
    assert.deepEqual(r.events, ['closed EPIPE']);
    assert.equal(r.open, false);
    assert.equal(r.dropped, 0, 'off, not dropping');
    await new Promise((res) => proc.on('close', res));
  });
});
