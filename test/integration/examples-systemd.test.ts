// examples/systemd (the template ucarp-ts@.service and the one unit ucarp-ts.service)
// through systemd's own checker: `systemd-analyze verify` must have nothing to say, and
// the offline security review must rate each unit well.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Lab } from '../lab/lab.js';
import { requireLab, requireProgram } from '../lab/requirements.js';
import { run, runSync } from '../lab/run.js';

requireLab();

const UNIT = fileURLToPath(new URL('../../../examples/systemd/ucarp-ts@.service', import.meta.url));
const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));

requireProgram('systemd-analyze', 'systemd');

// The template (checked as one instance of it) and the one unit for a --config-dir.
for (const [file, instanceName] of [['ucarp-ts@.service', 'ucarp-ts@vip1.service'], ['ucarp-ts.service', 'ucarp-ts.service']] as const) {
  describe(`${file}, checked by systemd-analyze`, () => {
    let dir: string;
    let instance: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'svc-systemd-'));
      // verify insists that ExecStart's program exists: point it at this build.
      const text = readFileSync(join(EXAMPLES, 'systemd', file), 'utf8').replace(/\/usr\/local\/bin\/ucarp-ts/g, CLI);
      writeFileSync(join(dir, file), text);
      instance = join(dir, instanceName);
      if (instanceName !== file) symlinkSync(file, instance);
    });
    after(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('systemd-analyze verify: no complaint about any key', async () => {
      const r = await run(['systemd-analyze', 'verify', '--man=no', instance], { timeoutMs: 30_000 });
      assert.equal(r.code, 0, r.stderr);
      const complaints = (r.stdout + r.stderr).split('\n').filter((l) => l.includes('ucarp-ts'));
      assert.deepEqual(complaints, []);
    });

    it('systemd-analyze security: exposure 3.0 or better ("OK")', async (t) => {
      const r = await run(['systemd-analyze', 'security', '--offline=yes', '--no-pager', instance], { timeoutMs: 30_000 });
      const m = /Overall exposure level for \S+: (\d+\.\d+) (\S+)/.exec(r.stdout + r.stderr);
      assert.ok(m, `systemd-analyze security gave no exposure level: ${(r.stderr || r.stdout).trim().split('\n')[0]}`);
      const exposure = Number(m[1]);
      t.diagnostic(`exposure ${exposure} ${m[2]}`);
      assert.ok(exposure <= 3.0, `exposure ${exposure} ${m[2]}`);
    });
  });
}

/** [Service] key's value in the unit (single-valued keys only). */
function serviceKey(key: string): string {
  const m = new RegExp(`^${key}=(.*)$`, 'm').exec(readFileSync(UNIT, 'utf8'));
  assert.ok(m, `the unit has no ${key}`);
  return m[1]!;
}

requireProgram('setpriv', 'util-linux');

describe("the unit's ExecStart, run with the unit's capabilities and no-new-privs, in a lab host", () => {
  let lab: Lab;
  let dir: string;
  const VIP = '10.77.0.90';
  before(async () => {
    lab = await Lab.create({ hosts: ['a'] });
    dir = mkdtempSync(join(tmpdir(), 'svc-systemd-run-'));
  });
  after(async () => {
    await lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('starts, holds the address with only CAP_NET_RAW and CAP_NET_ADMIN, and stops cleanly on KillSignal', async () => {
    let conf = readFileSync(join(EXAMPLES, 'ucarp-ts.conf'), 'utf8');
    for (const [k, v] of Object.entries({
      UCARP_SRCIP: lab.host('a').addr,
      UCARP_ADDR: VIP,
      UCARP_UPSCRIPT: join(EXAMPLES, 'vip-up.sh'),
      UCARP_DOWNSCRIPT: join(EXAMPLES, 'vip-down.sh'),
    })) {
      conf = conf.replace(new RegExp(`^${k}=.*$`, 'm'), `${k}=${v}`);
    }
    writeFileSync(join(dir, 'vip1.conf'), `${conf}UCARP_FACILITY=none\n`, { mode: 0o600 });
    const pidfile = join(dir, 'ucarp-ts.pid');
    const exec = serviceKey('ExecStart')
      .replace('/usr/local/bin/ucarp-ts', CLI)
      .replace('/etc/ucarp-ts/%i.conf', join(dir, 'vip1.conf'))
      .replace(serviceKey('PIDFile'), pidfile)
      .split(/\s+/);
    const caps = serviceKey('CapabilityBoundingSet').split(/\s+/).map((c) => `+${c.replace(/^CAP_/, '').toLowerCase()}`);
    const r = await lab.exec('a', ['setpriv', '--no-new-privs', '--bounding-set', ['-all', ...caps].join(','), '--inh-caps', '-all', ...exec]);
    assert.equal(r.code, 0, r.stderr);
    const pid = Number(readFileSync(pidfile, 'utf8'));
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const CAP_NET_ADMIN = 12;
      const CAP_NET_RAW = 13;
      assert.equal(/^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1], ((1n << BigInt(CAP_NET_ADMIN)) | (1n << BigInt(CAP_NET_RAW))).toString(16).padStart(16, '0'));
      assert.equal(/^NoNewPrivs:\s*(\d)$/m.exec(status)?.[1], '1');
      const end = Date.now() + 8000;
      while (!(await lab.holders(VIP)).includes('a')) {
        assert.ok(Date.now() < end, 'the upscript (ip addr) ran with those capabilities');
        await new Promise((res) => setTimeout(res, 50));
      }
      process.kill(pid, serviceKey('KillSignal') as NodeJS.Signals);
      const gone = Date.now() + 5000;
      while (existsSync(`/proc/${pid}`)) {
        assert.ok(Date.now() < gone, 'exits on KillSignal');
        await new Promise((res) => setTimeout(res, 50));
      }
      assert.ok(!existsSync(pidfile));
      assert.deepEqual(await lab.holders(VIP), [], 'UCARP_SHUTDOWN=yes: the downscript dropped the address');
    } finally {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
});
