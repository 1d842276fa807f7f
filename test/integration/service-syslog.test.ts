// Syslog delivery through the real /dev/log path: each daemon gets a private /dev/log
// that is a datagram socket this test owns (test/lab/dev-log.ts), so ucarp-ts writes to
// /dev/log exactly as it would on a server and the machine's syslog is never touched.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Lab, nodeArgv, type LabProcess } from '../lab/lab.js';
import { requireDevLogLab, withDevLog } from '../lab/dev-log.js';
import { FakeSyslog } from '../support/fake-syslog.js';


const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const VIP = '10.77.0.60';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

requireDevLogLab();

describe('syslog on /dev/log, for real', () => {
  let lab: Lab;
  let dir: string;
  const procs: LabProcess[] = [];
  const daemons: number[] = [];
  before(async () => {
    lab = await Lab.create({ hosts: ['a'] });
    dir = mkdtempSync(join(tmpdir(), 'svc-syslog-'));
  });
  after(async () => {
    for (const p of procs) p.kill('SIGKILL');
    for (const pid of daemons) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const args = (...extra: string[]): string[] =>
    nodeArgv(CLI, '-i', 'eth0', '-s', lab.host('a').addr, '-v', '5', '-p', 'pw', '-a', VIP, ...extra);

  it('in the foreground: stderr and syslog, with the facility given, ident ucarp-ts and the pid', async () => {
    const log = new FakeSyslog(join(dir, 'fg.sock'));
    try {
      const p = lab.spawn('a', withDevLog(dir, { bind: log.path }, args('--facility=local5')));
      procs.push(p);
      await p.waitForOutput(/Switching to state: MASTER/, 8000);
      // local5 = 21, warning = 4: <172>
      const line = await log.waitFor(/Switching to state: MASTER/);
      assert.match(line, new RegExp(`^<172>[A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d ucarp-ts\\[${p.pid}\\]: Switching to state: MASTER$`));
      assert.ok(log.lines.some((l) => /^<172>.*ucarp-ts\[\d+\]: Switching to state: BACKUP$/.test(l)), log.lines.join('\n'));
      assert.ok(log.lines.some((l) => /^<174>.*ucarp-ts\[\d+\]: ucarp-ts CARP vhid 5 on eth0/.test(l)), 'info is severity 6');
      assert.doesNotMatch(p.stderr, /syslog unavailable/);
      p.kill('SIGTERM');
      await p.exited;
      await log.waitFor(/: Stopping \(SIGTERM\)$/);
    } finally {
      log.close();
    }
  });

  it('daemonized: only syslog (facility daemon by default), the pidfile pid as the syslog pid', async () => {
    const log = new FakeSyslog(join(dir, 'bg.sock'));
    const pidfile = join(dir, 'bg.pid');
    try {
      const r = await lab.exec('a', withDevLog(dir, { bind: log.path }, args('--daemonize', `--pidfile=${pidfile}`)));
      assert.equal(r.code, 0, r.stderr);
      const pid = Number(readFileSync(pidfile, 'utf8'));
      daemons.push(pid);
      // daemon = 3: warning <28>, info <30>
      const master = await log.waitFor(/Switching to state: MASTER/);
      assert.match(master, new RegExp(`^<28>.{15} ucarp-ts\\[${pid}\\]: Switching to state: MASTER$`));
      assert.ok(log.lines.some((l) => l.startsWith('<28>') && l.endsWith(': no upscript given')), 'start-up warnings reach syslog too');
      // The parent prints the start-up warnings for whoever started it, and nothing else.
      assert.deepEqual(
        r.stderr.trim().split('\n').map((l) => l.replace(/^\S+: /, '')),
        ['[WARNING] no upscript given', '[WARNING] no downscript given'],
      );
      process.kill(pid, 'SIGTERM');
      await log.waitFor(new RegExp(`^<30>.{15} ucarp-ts\\[${pid}\\]: Stopping \\(SIGTERM\\)$`));
    } finally {
      log.close();
    }
  });

  it('--facility=none sends nothing to syslog', async () => {
    const log = new FakeSyslog(join(dir, 'none.sock'));
    try {
      const p = lab.spawn('a', withDevLog(dir, { bind: log.path }, args('--facility=none', '--advbase=1')));
      procs.push(p);
      await p.waitForOutput(/Switching to state: BACKUP/, 8000);
      await sleep(300);
      p.kill('SIGTERM');
      await p.exited;
      assert.deepEqual(log.lines, []);
    } finally {
      log.close();
    }
  });

  it('without /dev/log: one warning on stderr, and the daemon runs on', async () => {
    const p = lab.spawn('a', withDevLog(dir, null, args()));
    procs.push(p);
    await p.waitForOutput(/Switching to state: MASTER/, 8000);
    p.kill('SIGUSR1'); // one more line to log
    await p.waitForOutput(/MASTER on eth0 id 5/, 3000);
    const warnings = p.stderr.split('\n').filter((l) => l.includes('syslog unavailable'));
    assert.equal(warnings.length, 1, p.stderr);
    assert.match(warnings[0]!, /\[WARNING\] syslog unavailable \(\/dev\/log: no such file\): logging to stderr only$/);
    assert.equal(p.running, true);
    p.kill('SIGTERM');
    const status = await p.exited;
    assert.equal(status.code, 0);
  });
});
