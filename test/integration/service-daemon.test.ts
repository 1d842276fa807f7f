// ucarp-ts as a service, for real in lab namespaces: --daemonize returns once the
// daemon runs (or with its reason), --pidfile lives exactly as long as the daemon, and
// the password never shows in /proc/PID/cmdline, from --pass, --passfile or UCARP_PASS.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Lab, nodeArgv, type LabProcess } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';

requireLab();

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));
const VIP = '10.77.0.50';
const SECRET = 'Sup3r-s3cret';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, f: () => Promise<T | undefined | false>, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function cmdline(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('ucarp-ts --daemonize and --pidfile in a lab', () => {
  let lab: Lab;
  let dir: string;
  const started: number[] = [];
  before(async () => {
    lab = await Lab.create({ hosts: ['a', 'b'] });
    dir = mkdtempSync(join(tmpdir(), 'svc-daemon-'));
  });
  after(async () => {
    for (const pid of started) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const base = (host: string, ...extra: string[]): string[] => [
    '--interface=eth0',
    `--srcip=${lab.host(host).addr}`,
    '--vhid=7',
    `--addr=${VIP}`,
    `--upscript=${join(EXAMPLES, 'vip-up.sh')}`,
    `--downscript=${join(EXAMPLES, 'vip-down.sh')}`,
    '--shutdown', // else the CARP warning that the address would stay on a stopped host
    '--facility=none',
    ...extra,
  ];

  it('returns 0 once the daemon runs, which writes the pidfile, hides the password, and takes the address', async (t) => {
    const pidfile = join(dir, 'a.pid');
    const t0 = Date.now();
    const r = await lab.exec('a', nodeArgv(CLI, ...base('a', '--pass', SECRET, '--daemonize', `--pidfile=${pidfile}`)));
    const readyMs = Date.now() - t0;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', 'nothing on stderr when all is well');
    const pid = Number(readFileSync(pidfile, 'utf8'));
    started.push(pid);
    assert.ok(alive(pid), 'the pidfile names a live process as soon as the parent returns');
    const cl = cmdline(pid);
    assert.ok(!cl.includes(SECRET), cl);
    assert.match(cl, /^ucarp-ts .*--pass \*/);
    // Its own session, re-parented away from the command that started it.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    assert.equal(Number(stat[3]), pid, 'session leader');
    assert.deepEqual(await until('MASTER to add the address', async () => ((await lab.holders(VIP)).length ? lab.holders(VIP) : undefined)), ['a']);
    t.diagnostic(`daemonized start returned after ${readyMs} ms`);
  });

  it('refuses a second start on a live pidfile with one clear line, daemonized or not', async () => {
    const pidfile = join(dir, 'a.pid');
    const owner = Number(readFileSync(pidfile, 'utf8'));
    for (const mode of [['--daemonize'], []]) {
      const r = await lab.exec('a', nodeArgv(CLI, ...base('a', '--pass', SECRET, ...mode, `--pidfile=${pidfile}`)), { timeoutMs: 10_000 });
      assert.notEqual(r.code, 0);
      assert.equal(r.stderr, `ucarp-ts: already running as pid ${owner} (pidfile ${pidfile})\n`);
      assert.equal(Number(readFileSync(pidfile, 'utf8')), owner);
    }
  });

  it('on SIGTERM the daemon exits and removes its pidfile (and, with --shutdown, the address)', async () => {
    const pidfile = join(dir, 'a.pid');
    const pid = Number(readFileSync(pidfile, 'utf8'));
    process.kill(pid, 'SIGTERM');
    await until('exit', async () => !alive(pid), 5000);
    assert.ok(!existsSync(pidfile));
  });

  it('replaces a stale pidfile', async () => {
    const pidfile = join(dir, 'stale.pid');
    writeFileSync(pidfile, '4194000\n'); // above any pid the kernel hands out here
    const r = await lab.exec('b', nodeArgv(CLI, ...base('b', '--pass', SECRET, '-B', `--pidfile=${pidfile}`)));
    assert.equal(r.code, 0, r.stderr);
    const pid = Number(readFileSync(pidfile, 'utf8'));
    started.push(pid);
    assert.notEqual(pid, 4194000);
    assert.ok(alive(pid));
    process.kill(pid, 'SIGTERM');
    await until('exit', async () => !alive(pid), 5000);
    assert.ok(!existsSync(pidfile));
  });

  it('a SIGTERM sent the moment the parent returns still stops the daemon cleanly', async () => {
    // The daemon is held up just after it tells its parent it runs (as a loaded machine may
    // deschedule it there), so the signal arrives before its event loop turns again.
    const pidfile = join(dir, 'early.pid');
    const env = { ...process.env, UCARPTS_TEST_FAULT: 'ready-stall:500' };
    const r = await lab.exec('b', nodeArgv(CLI, ...base('b', '--pass', SECRET, '-B', `--pidfile=${pidfile}`)), { env });
    assert.equal(r.code, 0, r.stderr);
    const pid = Number(readFileSync(pidfile, 'utf8'));
    started.push(pid);
    process.kill(pid, 'SIGTERM');
    await until('exit', async () => !alive(pid), 5000);
    assert.ok(!existsSync(pidfile), 'the handler ran: the pidfile is gone');
  });

  it('when the daemon fails after parsing, the parent prints its one-line reason and exits non-zero', async () => {
    const pidfile = '/proc/ucarp-ts-cannot-write-here.pid';
    const r = await lab.exec('a', nodeArgv(CLI, ...base('a', '--pass', SECRET, '-B', `--pidfile=${pidfile}`)), { timeoutMs: 15_000 });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^ucarp-ts: cannot write pidfile \/proc\/ucarp-ts-cannot-write-here\.pid: .+\n$/);
    assert.equal(r.stderr.split('\n').length, 2, 'one line');
    const pids = (await lab.exec('a', ['ip', 'netns', 'pids', lab.host('a').ns])).stdout.split(/\s+/).filter(Boolean).map(Number);
    assert.deepEqual(pids.filter((p) => alive(p) && cmdline(p).startsWith('ucarp-ts')), [], 'no daemon left behind');
  });

  it('a usage error is reported by the parent itself, with its exit code', async () => {
    const r = await lab.exec('a', nodeArgv(CLI, ...base('a', '--pass', SECRET, '-B', '--advskew=300')));
    assert.equal(r.code, 64);
    assert.match(r.stderr, /^ucarp-ts: --advskew: .*\n$/);
  });
});

describe('the password in a lab: masked, from --pass, --passfile and UCARP_PASS alike', () => {
  let lab: Lab;
  let dir: string;
  const procs: LabProcess[] = [];
  before(async () => {
    lab = await Lab.create({ hosts: ['a', 'b'] });
    dir = mkdtempSync(join(tmpdir(), 'svc-pass-'));
  });
  after(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const args = (host: string, skew: number): string[] => [
    '-i', 'eth0', '-s', lab.host(host).addr, '-v', '9', '-a', VIP, '-k', String(skew), '-f', 'none',
    '-u', join(EXAMPLES, 'vip-up.sh'), '-d', join(EXAMPLES, 'vip-down.sh'),
  ];

  it('a --passfile node and a UCARP_PASS node agree (one MASTER); neither password is in a command line', async () => {
    const passfile = join(dir, 'pass');
    writeFileSync(passfile, `${SECRET}\n`);
    chmodSync(passfile, 0o600);
    const a = lab.spawn('a', nodeArgv(CLI, ...args('a', 0), '--passfile', passfile));
    const b = lab.spawn('b', nodeArgv(CLI, ...args('b', 50)), { env: { ...process.env, UCARP_PASS: SECRET } });
    procs.push(a, b);
    await a.waitForOutput(/Switching to state: MASTER/, 8000);
    // b would also go MASTER after 3.2 s if it could not verify a's advertisements.
    await sleep(4500);
    assert.doesNotMatch(b.output, /Switching to state: MASTER/);
    assert.deepEqual(await lab.holders(VIP), ['a']);
    for (const p of [a, b]) assert.ok(!cmdline(p.pid).includes(SECRET));
    // The daemon image (same PID) was started without UCARP_PASS in its environment.
    assert.ok(!readFileSync(`/proc/${b.pid}/environ`, 'latin1').includes(SECRET), 'UCARP_PASS left in the environment');
    for (const p of [a, b]) assert.match(readFileSync(`/proc/${p.pid}/maps`, 'latin1'), /process_exec\.node|packet_socket\.node/);
    assert.doesNotMatch(a.output + b.output, new RegExp(SECRET));
    a.kill('SIGTERM');
    b.kill('SIGTERM');
    await Promise.all([a.exited, b.exited]);
  });

  for (const form of [['--pass', SECRET], [`--pass=${SECRET}`], ['-p', SECRET], [`-Pp${SECRET}`]]) {
    it(`"${form.join(' ')}" is gone from /proc/PID/cmdline once running`, async () => {
      const a = lab.spawn('a', nodeArgv(CLI, ...args('a', 0), ...form));
      procs.push(a);
      await a.waitForOutput(/Switching to state: BACKUP/, 8000);
      const cl = cmdline(a.pid);
      assert.ok(!cl.includes(SECRET), cl);
      assert.match(cl, /^ucarp-ts /);
      a.kill('SIGKILL');
      await a.exited;
    });
  }

  it('a passfile readable by group or others draws a warning', async () => {
    const passfile = join(dir, 'pass-open');
    writeFileSync(passfile, `${SECRET}\n`);
    chmodSync(passfile, 0o644);
    const a = lab.spawn('a', nodeArgv(CLI, ...args('a', 0), '--passfile', passfile));
    procs.push(a);
    await a.waitForOutput(/Switching to state: BACKUP/, 8000);
    a.kill('SIGKILL');
    await a.exited;
    assert.match(a.stderr, /\[WARNING\] .*pass-open.*readable by (group|others)/);
  });
});
