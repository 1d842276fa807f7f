// examples/init.d/ucarp-ts, for real in a lab host: status, start, start again,
// restart, stop, and the LSB status codes, with the pidfile and --daemonize.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Lab } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';

requireLab();

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));
const INIT = join(EXAMPLES, 'init.d', 'ucarp-ts');
const VIP = '10.77.0.80';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(cond: () => Promise<boolean> | boolean, ms = 6000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('examples/init.d/ucarp-ts in a lab host', () => {
  let lab: Lab;
  let dir: string;
  let pidfile: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    lab = await Lab.create({ hosts: ['a'] });
    dir = mkdtempSync(join(tmpdir(), 'svc-init-'));
    pidfile = join(dir, 'ucarp-ts.pid');
    const example = readFileSync(join(EXAMPLES, 'ucarp-ts.conf'), 'utf8');
    const set = (text: string, key: string, value: string) => text.replace(new RegExp(`^#?${key}=.*$`, 'm'), `${key}=${value}`);
    let conf = example;
    for (const [k, v] of Object.entries({
      UCARP_SRCIP: lab.host('a').addr,
      UCARP_ADDR: VIP,
      UCARP_UPSCRIPT: join(EXAMPLES, 'vip-up.sh'),
      UCARP_DOWNSCRIPT: join(EXAMPLES, 'vip-down.sh'),
    })) {
      conf = set(conf, k, v);
    }
    writeFileSync(join(dir, 'ucarp-ts.conf'), `${conf}UCARP_FACILITY=none\n`, { mode: 0o600 });
    env = { ...process.env, UCARPTS_DAEMON: CLI, UCARPTS_CONFIG: join(dir, 'ucarp-ts.conf'), UCARPTS_PIDFILE: pidfile };
  });
  after(async () => {
    if (pidfile && existsSync(pidfile)) {
      const pid = Number(readFileSync(pidfile, 'utf8'));
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    await lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const init = (action: string, extraEnv: NodeJS.ProcessEnv = {}) => lab.exec('a', [INIT, action], { env: { ...env, ...extraEnv }, timeoutMs: 60_000 });
  const holds = async () => (await lab.holders(VIP)).includes('a');

  it('status before start: 3, not running', async () => {
    const r = await init('status');
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'ucarp-ts is not running\n');
  });

  let firstPid = 0;
  it('start: returns once running, pidfile written, the node takes the address', async () => {
    const r = await init('start');
    assert.equal(r.code, 0, r.stderr);
    firstPid = Number(readFileSync(pidfile, 'utf8'));
    assert.equal(r.stdout, `ucarp-ts started (pid ${firstPid})\n`);
    assert.ok(alive(firstPid));
    await waitFor(holds);
  });

  it('status: 0, running; a second start is a no-op', async () => {
    let r = await init('status');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `ucarp-ts is running (pid ${firstPid})\n`);
    r = await init('start');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `ucarp-ts is already running (pid ${firstPid})\n`);
    assert.equal(Number(readFileSync(pidfile, 'utf8')), firstPid);
  });

  it('restart: a new daemon, which takes the address again', async () => {
    const r = await init('restart');
    assert.equal(r.code, 0, r.stderr);
    const pid = Number(readFileSync(pidfile, 'utf8'));
    assert.notEqual(pid, firstPid);
    assert.ok(!alive(firstPid));
    assert.match(r.stdout, new RegExp(`^ucarp-ts stopped\\nucarp-ts started \\(pid ${pid}\\)\\n$`));
    await waitFor(holds);
  });

  it('stop: the daemon exits, its pidfile goes, and as MASTER with UCARP_SHUTDOWN it drops the address', async () => {
    const pid = Number(readFileSync(pidfile, 'utf8'));
    const r = await init('stop');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'ucarp-ts stopped\n');
    assert.ok(!alive(pid));
    assert.ok(!existsSync(pidfile));
    assert.equal(await holds(), false);
    const again = await init('stop');
    assert.equal(again.code, 0);
    assert.equal(again.stdout, 'ucarp-ts is not running\n');
  });

  it('status with a pidfile left by a dead daemon: 1', async () => {
    writeFileSync(pidfile, '4194000\n');
    const r = await init('status');
    assert.equal(r.code, 1);
    assert.match(r.stdout, /not running, but .*ucarp-ts\.pid exists/);
  });

  it('start with a bad setting: non-zero, with ucarp-ts\'s own reason', async () => {
    const bad = join(dir, 'bad.conf');
    writeFileSync(bad, readFileSync(join(dir, 'ucarp-ts.conf'), 'utf8').replace(/^UCARP_VHID=.*$/m, 'UCARP_VHID=300'), { mode: 0o600 });
    const r = await init('start', { UCARPTS_CONFIG: bad });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /ucarp-ts: UCARP_VHID in .*bad\.conf line \d+: .*\(got "300"\)/);
    assert.match(r.stderr, /ucarp-ts: failed to start/);
  });

  it('an unknown action: usage, exit 2', async () => {
    const r = await init('bogus');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^Usage: .* \{start\|stop\|restart\|force-reload\|status\}/);
  });
});
