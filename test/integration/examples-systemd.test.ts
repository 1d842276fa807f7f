// examples/systemd (the template ucarp-ts@.service and the one unit ucarp-ts.service)
// through systemd's own checker: `systemd-analyze verify` must have nothing to say, and
// the offline security review must rate each unit well.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Lab } from '../lab/lab.js';
import { requireLab, requireProgram, requirePython3Module } from '../lab/requirements.js';
import { run, runSync } from '../lab/run.js';

requireLab();

const UNIT = fileURLToPath(new URL('../../../examples/systemd/ucarp-ts@.service', import.meta.url));
const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));
const CONFINE = fileURLToPath(new URL('../../../test/support/systemd-confine.py', import.meta.url));

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
function serviceKey(key: string, unit = UNIT): string {
  const m = new RegExp(`^${key}=(.*)$`, 'm').exec(readFileSync(unit, 'utf8'));
  assert.ok(m, `the unit has no ${key}`);
  return m[1]!;
}

requireProgram('setpriv', 'util-linux');
requirePython3Module('seccomp', 'python3-seccomp');

const ONE_UNIT = join(EXAMPLES, 'systemd', 'ucarp-ts.service');
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

describe("the units' ExecStart, run with the unit's capabilities, no-new-privs, address families and system call filter, in a lab host", () => {
  let lab: Lab;
  let dir: string;
  const VIP = '10.77.0.90';
  before(async () => {
    lab = await Lab.create({ hosts: ['a'], ipv6: true });
    dir = mkdtempSync(join(tmpdir(), 'svc-systemd-run-'));
  });
  after(async () => {
    await lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The example config file for this host, with the address, id and the example scripts. */
  function exampleConf(vip: string, vhid: number): string {
    let conf = readFileSync(join(EXAMPLES, 'ucarp-ts.conf'), 'utf8');
    for (const [k, v] of Object.entries({
      UCARP_SRCIP: lab.host('a').addr,
      UCARP_VHID: String(vhid),
      UCARP_ADDR: vip,
      UCARP_UPSCRIPT: join(EXAMPLES, 'vip-up.sh'),
      UCARP_DOWNSCRIPT: join(EXAMPLES, 'vip-down.sh'),
    })) {
      conf = conf.replace(new RegExp(`^${k}=.*$`, 'm'), `${k}=${v}`);
    }
    return conf;
  }

  /** Runs the unit's ExecStart (paths replaced) as systemd would confine it; returns the daemon's pid. */
  async function execStart(unit: string, replace: [string, string][]): Promise<number> {
    const pidfile = join(dir, 'ucarp-ts.pid');
    let line = serviceKey('ExecStart', unit).replace('/usr/local/bin/ucarp-ts', CLI).replace(serviceKey('PIDFile', unit), pidfile);
    for (const [from, to] of replace) line = line.replace(from, to);
    const caps = serviceKey('CapabilityBoundingSet', unit).split(/\s+/).map((c) => `+${c.replace(/^CAP_/, '').toLowerCase()}`);
    // RestrictAddressFamilies= and SystemCallFilter= apply to the daemon and its scripts: a seccomp filter does both here.
    const list = (key: string) => serviceKey(key, unit).split(/\s+/).join(',');
    const confine = [CONFINE, list('RestrictAddressFamilies'), list('SystemCallFilter'), serviceKey('SystemCallErrorNumber', unit)];
    const confined = ['/usr/bin/python3', ...confine, ...line.split(/\s+/)];
    const r = await lab.exec('a', ['setpriv', '--no-new-privs', '--bounding-set', ['-all', ...caps].join(','), '--inh-caps', '-all', ...confined]);
    assert.equal(r.code, 0, r.stderr);
    const pid = Number(readFileSync(pidfile, 'utf8'));
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const CAP_NET_ADMIN = 12;
    const CAP_NET_RAW = 13;
    assert.equal(/^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1], ((1n << BigInt(CAP_NET_ADMIN)) | (1n << BigInt(CAP_NET_RAW))).toString(16).padStart(16, '0'));
    assert.equal(/^NoNewPrivs:\s*(\d)$/m.exec(status)?.[1], '1');
    assert.equal(/^Seccomp:\s*(\d)$/m.exec(status)?.[1], '2', 'the daemon runs under the seccomp filter');
    return pid;
  }

  async function waitHeld(vip: string, held: boolean, what: string): Promise<void> {
    const end = Date.now() + 8000;
    while ((await lab.holders(vip)).includes('a') !== held) {
      assert.ok(Date.now() < end, what);
      await sleep(50);
    }
  }

  /** KillSignal, then the daemon must be gone with its pidfile. */
  async function stopUnit(unit: string, pid: number): Promise<void> {
    process.kill(pid, serviceKey('KillSignal', unit) as NodeJS.Signals);
    const gone = Date.now() + 5000;
    while (existsSync(`/proc/${pid}`)) {
      assert.ok(Date.now() < gone, 'exits on KillSignal');
      await sleep(50);
    }
    assert.ok(!existsSync(join(dir, 'ucarp-ts.pid')));
  }

  const kill = (pid: number) => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };

  /** One instance of the template on this config file: it takes vip, and releases it on KillSignal. */
  async function templateInstance(name: string, conf: string, vip: string, why: { held: string; released: string }): Promise<void> {
    writeFileSync(join(dir, `${name}.conf`), conf, { mode: 0o600 });
    const pid = await execStart(UNIT, [['/etc/ucarp-ts/%i.conf', join(dir, `${name}.conf`)]]);
    try {
      await waitHeld(vip, true, why.held);
      await stopUnit(UNIT, pid);
      assert.deepEqual(await lab.holders(vip), [], why.released);
    } finally {
      kill(pid);
    }
  }

  it('ucarp-ts@.service: starts, holds the address with only CAP_NET_RAW and CAP_NET_ADMIN, and stops cleanly on KillSignal', async () => {
    await templateInstance('vip1', `${exampleConf(VIP, 1)}UCARP_FACILITY=none\n`, VIP, {
      held: 'the upscript (ip addr) ran with those capabilities',
      released: 'UCARP_SHUTDOWN=yes: the downscript dropped the address',
    });
  });

  it('ucarp-ts@.service: an IPv6 VRRPv3 group (its raw socket is AF_INET6) holds its address and releases it', async () => {
    const VIP6 = 'fd77::90';
    const conf = exampleConf(VIP6, 3)
      .replace(/^UCARP_SRCIP=.*\n/m, '') // the link-local address of eth0
      .replace(/^UCARP_PASS=.*\n/m, '') // VRRPv3 has none
      .replace(/^UCARP_ADVSKEW=.*\n/m, '') // CARP only
      .concat('UCARP_PROTOCOL=vrrp3\nUCARP_FACILITY=none\n');
    await templateInstance('vip6', conf, VIP6, {
      held: 'the IPv6 group became MASTER and its upscript added the address',
      released: 'VRRP: the downscript dropped the address on stop',
    });
  });

  it('ucarp-ts.service: every file of the directory is a group; ExecReload (SIGHUP) adds a new one under the same confinement', async () => {
    const groupsDir = join(dir, 'groups');
    mkdirSync(groupsDir);
    const VIP2 = '10.77.0.91';
    writeFileSync(join(groupsDir, 'vip1.conf'), exampleConf(VIP, 1), { mode: 0o600 });
    const pid = await execStart(ONE_UNIT, [['/etc/ucarp-ts', groupsDir], ['--daemonize', '--daemonize --facility=none']]);
    try {
      await waitHeld(VIP, true, 'the first group holds its address');
      writeFileSync(join(groupsDir, 'vip2.conf'), exampleConf(VIP2, 2), { mode: 0o600 });
      assert.equal(serviceKey('ExecReload', ONE_UNIT), '/bin/kill -HUP $MAINPID');
      process.kill(pid, 'SIGHUP');
      await waitHeld(VIP2, true, 'the reload started the new group (its reader ran confined too)');
      assert.ok((await lab.holders(VIP)).includes('a'), 'the first group went on');
      await stopUnit(ONE_UNIT, pid);
      assert.deepEqual([...(await lab.holders(VIP)), ...(await lab.holders(VIP2))], [], 'both released on stop');
    } finally {
      kill(pid);
    }
  });
});
