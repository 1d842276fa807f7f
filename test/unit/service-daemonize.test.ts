// --daemonize's handshake: the payload (the settings) travels over the IPC channel (never the
// command line), the child runs detached in its own session on /dev/null, and the
// parent's outcome is the child's answer: ready, its reason, an early exit, or a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { daemonChild, startDetached } from '../../src/daemon/daemonize.js';

const DAEMONIZE_URL = new URL('../../src/daemon/daemonize.js', import.meta.url).href;

// A stand-in for the daemon image (its payload here is a JSON list of words): does what its first argument says, after noting how it runs.
const CHILD = `
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { daemonChild } from ${JSON.stringify(DAEMONIZE_URL)};
const c = daemonChild();
if (!c) process.exit(9);
const args = JSON.parse(await c.payload);
const [mode, report] = args;
const stat = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
writeFileSync(report, JSON.stringify({
  args,
  cmdline: readFileSync('/proc/self/cmdline', 'latin1').split('\\0').filter(Boolean),
  mark: process.env.UCARPTS_DAEMON_CHILD ?? null,
  sessionLeader: Number(stat[3]) === process.pid,
  stdio: [0, 1, 2].map((fd) => readlinkSync('/proc/self/fd/' + fd)),
}));
if (mode === 'ready') { c.ready(); setTimeout(() => process.exit(0), 2000); }
if (mode === 'fail') { await c.fail('ucarp-ts: --vhid: required', 64); process.exit(64); }
if (mode === 'die') process.exit(3);
if (mode === 'hang') setInterval(() => {}, 1000);
`;

function setup(): { dir: string; script: string; report: string; done(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'svc-daemonize-'));
  const script = join(dir, 'child.mjs');
  writeFileSync(script, CHILD);
  return { dir, script, report: join(dir, 'report.json'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

interface Report {
  args: string[];
  cmdline: string[];
  mark: string | null;
  sessionLeader: boolean;
  stdio: string[];
}

test('ready: the parent gets the pid; the child got the payload by IPC, detached, on /dev/null', async () => {
  const s = setup();
  try {
    const secret = 'pw-not-on-cmdline';
    const out = await startDetached(JSON.stringify(['ready', s.report, '--pass', secret]), { argv: [process.execPath, s.script, '--pass', '*'] });
    assert.equal(out.ok, true, JSON.stringify(out));
    const r = JSON.parse(readFileSync(s.report, 'utf8')) as Report;
    assert.deepEqual(r.args, ['ready', s.report, '--pass', secret]);
    assert.ok(!r.cmdline.join(' ').includes(secret), r.cmdline.join(' '));
    assert.deepEqual(r.cmdline.slice(-2), ['--pass', '*']);
    assert.equal(r.mark, null, 'the marker is not left for scripts to inherit');
    assert.equal(r.sessionLeader, true);
    assert.deepEqual(r.stdio, ['/dev/null', '/dev/null', '/dev/null']);
    if (out.ok) {
      process.kill(out.pid, 0); // still running after the parent let go
      process.kill(out.pid, 'SIGKILL');
    }
  } finally {
    s.done();
  }
});

test("failed: the parent gets the child's one line (without the prefix) and exit status", async () => {
  const s = setup();
  try {
    const out = await startDetached(JSON.stringify(['fail', s.report]), { argv: [process.execPath, s.script] });
    assert.deepEqual(out, { ok: false, reason: '--vhid: required', code: 64 });
  } finally {
    s.done();
  }
});

test('an exit before any answer is a failure that says so', async () => {
  const s = setup();
  try {
    const out = await startDetached(JSON.stringify(['die', s.report]), { argv: [process.execPath, s.script] });
    assert.deepEqual(out, { ok: false, code: 1, reason: 'the daemon exited (code 3) before it was ready' });
  } finally {
    s.done();
  }
});

test('a child that never answers is killed after the timeout', async () => {
  const s = setup();
  try {
    const started = Date.now();
    const out = await startDetached(JSON.stringify(['hang', s.report]), { argv: [process.execPath, s.script], timeoutMs: 1500 });
    assert.equal(out.ok, false);
    assert.match(!out.ok ? out.reason : '', /did not report ready within 1.5 s/);
    assert.ok(Date.now() - started < 5000);
    assert.ok(existsSync(s.report));
  } finally {
    s.done();
  }
});

test('a program that cannot start is a failure, not a crash', async () => {
  const out = await startDetached(JSON.stringify([]), { argv: ['/nonexistent/ucarp-ts'] });
  assert.equal(out.ok, false);
  assert.match(!out.ok ? out.reason : '', /cannot start the daemon|exited/);
});

test('an ordinary process is not a daemon child', () => {
  assert.equal(daemonChild(), null);
});
