// The pidfile: written whole, refused while another ucarp-ts lives, stale ones replaced,
// removed only by its owner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { checkPidfile, isRunningUcarpTs, PidfileError, readPid, removePidfile, writePidfile } from '../../src/daemon/pidfile.js';

function scratch(): { dir: string; path: string; done(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'svc-pidfile-'));
  return { dir, path: join(dir, 'ucarp-ts.pid'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A live process whose title says ucarp-ts, as a running daemon's does. */
async function fakeDaemon(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', "process.title = 'ucarp-ts --vhid 1'; console.log('up'); setInterval(() => {}, 1000)"], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await once(child.stdout!, 'data');
  return child;
}

/** A pid that no process has now. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid!;
}

test('writes "<pid>\\n", mode 644, and leaves no temporary file', () => {
  const s = scratch();
  try {
    writePidfile(s.path, 4321);
    assert.equal(readFileSync(s.path, 'utf8'), '4321\n');
    assert.equal(statSync(s.path).mode & 0o777, 0o644);
    assert.deepEqual(readdirSync(s.dir), ['ucarp-ts.pid']);
    assert.equal(readPid(s.path), 4321);
  } finally {
    s.done();
  }
});

test('readPid: missing or garbage is null', () => {
  const s = scratch();
  try {
    assert.equal(readPid(s.path), null);
    writeFileSync(s.path, 'not a pid\n');
    assert.equal(readPid(s.path), null);
    writeFileSync(s.path, '');
    assert.equal(readPid(s.path), null);
    writeFileSync(s.path, '  77 \n');
    assert.equal(readPid(s.path), 77);
  } finally {
    s.done();
  }
});

test('a live ucarp-ts in the file refuses a second start, with a clear message', async () => {
  const s = scratch();
  const other = await fakeDaemon();
  try {
    assert.equal(isRunningUcarpTs(other.pid!), true);
    writeFileSync(s.path, `${other.pid}\n`);
    assert.throws(() => checkPidfile(s.path), (e: unknown) => {
      assert.ok(e instanceof PidfileError);
      assert.equal(e.message, `already running as pid ${other.pid} (pidfile ${s.path})`);
      return true;
    });
    assert.throws(() => writePidfile(s.path, 4321), /already running as pid/);
    assert.equal(readPid(s.path), other.pid, 'the live owner keeps its file');
  } finally {
    other.kill('SIGKILL');
    s.done();
  }
});

test('a stale file (no such process, garbage, or a pid reused by another program) is replaced', async () => {
  const s = scratch();
  const unrelated = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    for (const content of [`${await deadPid()}\n`, 'garbage', `${unrelated.pid}\n`]) {
      writeFileSync(s.path, content);
      checkPidfile(s.path);
      writePidfile(s.path, 5555);
      assert.equal(readFileSync(s.path, 'utf8'), '5555\n');
      removePidfile(s.path, 5555);
    }
  } finally {
    unrelated.kill('SIGKILL');
    s.done();
  }
});

test('the file naming this very process is not "another" daemon', () => {
  const s = scratch();
  try {
    writePidfile(s.path, process.pid);
    checkPidfile(s.path); // no throw
    writePidfile(s.path, process.pid); // idempotent
    assert.equal(readPid(s.path), process.pid);
  } finally {
    s.done();
  }
});

test('removePidfile removes only its own pid, and never throws', () => {
  const s = scratch();
  try {
    writePidfile(s.path, 1111);
    removePidfile(s.path, 2222);
    assert.ok(existsSync(s.path), "another process's file is left alone");
    removePidfile(s.path, 1111);
    assert.ok(!existsSync(s.path));
    removePidfile(s.path, 1111);
    removePidfile(join(s.dir, 'nope', 'x.pid'), 1);
  } finally {
    s.done();
  }
});

test('an unwritable location is a PidfileError naming the file', () => {
  const path = join(tmpdir(), 'svc-pidfile-no-such-dir', 'x.pid');
  assert.throws(() => writePidfile(path, 1), (e: unknown) => e instanceof PidfileError && e.message.startsWith(`cannot write pidfile ${path}:`));
});
