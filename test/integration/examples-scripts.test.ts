// examples/vip-up.sh, vip-down.sh and ucarp-ts.conf, for real: two lab hosts each
// driven by nothing but a copy of the example config file (addresses filled in), and
// the scripts on their own with the variables they read.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Lab, nodeArgv, type LabProcess } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';

requireLab();

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));
const UP = join(EXAMPLES, 'vip-up.sh');
const DOWN = join(EXAMPLES, 'vip-down.sh');
const VIP = '10.77.0.70';

/** The example file with some keys set (commented-out ones are enabled). */
function exampleConfig(text: string, values: Record<string, string>): string {
  let out = text;
  for (const [key, value] of Object.entries(values)) {
    const re = new RegExp(`^#?${key}=.*$`, 'm');
    assert.match(out, re, `the example config has no ${key}`);
    out = out.replace(re, `${key}=${value}`);
  }
  return out;
}

async function addrLines(lab: Lab, host: string): Promise<string[]> {
  const r = await lab.exec(host, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
  return r.stdout.split('\n').filter((l) => l.includes(` ${VIP}/`)).map((l) => l.replace(/\\.*$/, '').trim());
}

describe('examples: the config file alone drives a node, and the scripts move the address', () => {
  let lab: Lab;
  let dir: string;
  const procs: LabProcess[] = [];
  before(async () => {
    lab = await Lab.create({ hosts: ['a', 'b'] });
    dir = mkdtempSync(join(tmpdir(), 'svc-examples-'));
  });
  after(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ucarp-ts --config example.conf: MASTER adds VIP/UCARP_MASK with the alias label; on SIGTERM the other takes it', async () => {
    const example = readFileSync(join(EXAMPLES, 'ucarp-ts.conf'), 'utf8');
    const conf = (host: string, skew: number): string => {
      const path = join(dir, `${host}.conf`);
      writeFileSync(
        path,
        exampleConfig(example, {
          UCARP_SRCIP: lab.host(host).addr,
          UCARP_ADDR: VIP,
          UCARP_ADVSKEW: String(skew),
          UCARP_UPSCRIPT: UP,
          UCARP_DOWNSCRIPT: DOWN,
          UCARP_MASK: '26',
          UCARP_IF_ALIAS: 'vip',
        }),
        { mode: 0o600 },
      );
      return path;
    };
    const a = lab.spawn('a', nodeArgv(CLI, `--config=${conf('a', 0)}`));
    const b = lab.spawn('b', nodeArgv(CLI, `--config=${conf('b', 50)}`));
    procs.push(a, b);
    await a.waitForOutput(/Switching to state: MASTER/, 8000);
    await waitFor(async () => (await addrLines(lab, 'a')).length === 1);
    const [line] = await addrLines(lab, 'a');
    assert.match(line!, new RegExp(`inet ${VIP.replace(/\./g, '\\.')}/26 .*eth0:vip`));
    assert.deepEqual(await addrLines(lab, 'b'), []);
    assert.match(a.output, /Spawning \[.*vip-up\.sh eth0 10\.77\.0\.70\]/);

    const mark = b.mark();
    a.kill('SIGTERM'); // UCARP_SHUTDOWN=yes in the example: the downscript runs before a exits
    await b.waitForOutput(/Switching to state: MASTER/, 3000, mark);
    assert.equal((await a.exited).code, 0);
    await waitFor(async () => (await addrLines(lab, 'b')).length === 1);
    assert.deepEqual(await addrLines(lab, 'a'), []);
    assert.match((await addrLines(lab, 'b'))[0]!, /\/26 .*eth0:vip/);
    b.kill('SIGTERM');
    await b.exited;
    assert.deepEqual(await addrLines(lab, 'b'), [], 'b as MASTER also dropped it on the way out');
  });

  it('vip-up.sh: default /24 without UCARP_MASK, a dotted mask works, a repeat is harmless; vip-down.sh tolerates absence', async () => {
    const env = (vars: Record<string, string>) => ({ env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...vars } });
    let r = await lab.exec('a', [UP, 'eth0', VIP], env({}));
    assert.equal(r.code, 0, r.stderr);
    assert.match((await addrLines(lab, 'a'))[0]!, /\/24 /);
    r = await lab.exec('a', [UP, 'eth0', VIP, 'xparam'], env({}));
    assert.equal(r.code, 0, `a second upscript must not fail: ${r.stderr}`);
    assert.equal((await addrLines(lab, 'a')).length, 1);
    r = await lab.exec('a', [DOWN, 'eth0', VIP], env({}));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await addrLines(lab, 'a'), []);
    r = await lab.exec('a', [DOWN, 'eth0', VIP], env({}));
    assert.equal(r.code, 0, `the start-up downscript finds nothing to remove: ${r.stderr}`);

    r = await lab.exec('a', [UP, 'eth0', VIP], env({ UCARP_MASK: '255.255.255.128' }));
    assert.equal(r.code, 0, r.stderr);
    assert.match((await addrLines(lab, 'a'))[0]!, /\/25 /);
    r = await lab.exec('a', [DOWN, 'eth0', VIP], env({ UCARP_MASK: '255.255.255.128' }));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await addrLines(lab, 'a'), []);

    r = await lab.exec('a', [UP, 'eth0'], env({}));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /usage: vip-up\.sh INTERFACE ADDRESS/);
  });
});

describe('examples: the scripts with IPv6 addresses', () => {
  let lab: Lab;
  const VIP6 = 'fd77::1:70';
  before(async () => {
    lab = await Lab.create({ hosts: ['a'], ipv6: true });
    // As on a real host: duplicate address detection on, so only nodad makes the address usable at once.
    await lab.exec('a', ['sysctl', '-q', '-w', 'net.ipv6.conf.eth0.accept_dad=1']);
  });
  after(async () => {
    await lab?.destroy();
  });
  const lines6 = async (): Promise<string[]> => {
    const r = await lab.exec('a', ['ip', '-6', '-o', 'addr', 'show', 'dev', 'eth0']);
    return r.stdout.split('\n').filter((l) => l.includes(` ${VIP6}/`)).map((l) => l.replace(/\\.*$/, '').trim());
  };

  it('vip-up.sh adds ADDR/UCARP_PREFIX6 (default 64) usable at once (nodad), a repeat is harmless; vip-down.sh removes it and tolerates absence', async () => {
    const env = (vars: Record<string, string>) => ({ env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...vars } });
    let r = await lab.exec('a', [UP, 'eth0', VIP6], env({ UCARP_MASK: '24', UCARP_IF_ALIAS: 'vip' }));
    assert.equal(r.code, 0, r.stderr);
    const [line] = await lines6();
    assert.match(line!, /\/64 /);
    assert.doesNotMatch(line!, /tentative/);
    r = await lab.exec('a', [UP, 'eth0', VIP6], env({}));
    assert.equal(r.code, 0, `a second upscript must not fail: ${r.stderr}`);
    assert.equal((await lines6()).length, 1);
    r = await lab.exec('a', [DOWN, 'eth0', VIP6], env({}));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await lines6(), []);
    r = await lab.exec('a', [DOWN, 'eth0', VIP6], env({}));
    assert.equal(r.code, 0, `the start-up downscript finds nothing to remove: ${r.stderr}`);
    r = await lab.exec('a', [UP, 'eth0', VIP6], env({ UCARP_PREFIX6: '112' }));
    assert.equal(r.code, 0, r.stderr);
    assert.match((await lines6())[0]!, /\/112 /);
    r = await lab.exec('a', [DOWN, 'eth0', VIP6], env({ UCARP_PREFIX6: '112' }));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await lines6(), []);
  });
});

async function waitFor(cond: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
