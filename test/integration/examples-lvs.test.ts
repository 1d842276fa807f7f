// examples/lvs-dr: two directors in lab hosts, each driven by a copy of director.conf,
// with lvs-up.sh / lvs-down.sh as hooks. This kernel has no IPVS, so `ipvsadm` is a
// stand-in on PATH that records its arguments; the address moves for real.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Lab, nodeArgv, type LabProcess } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';

requireLab();

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const LVS = fileURLToPath(new URL('../../../examples/lvs-dr/', import.meta.url));
const VIP = '10.77.0.95';
const REAL = ['10.77.0.21', '10.77.0.22'];

const STAND_IN = `#!/bin/sh
# ipvsadm stand-in: one line per call, next to this script.
echo "$*" >> "$(dirname "$0")/calls"
`;

async function waitFor(what: string, cond: () => Promise<boolean> | boolean, ms = 6000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('examples/lvs-dr: a director pair moves the VIP and the IPVS services together', () => {
  let lab: Lab;
  let dir: string;
  const procs: LabProcess[] = [];
  before(async () => {
    lab = await Lab.create({ hosts: ['dir1', 'dir2'] });
    dir = mkdtempSync(join(tmpdir(), 'svc-lvs-'));
  });
  after(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const calls = (host: string): string[] => {
    const f = join(dir, host, 'calls');
    return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n') : [];
  };

  function start(host: string, skew: number): LabProcess {
    const bin = join(dir, host);
    mkdirSync(bin);
    writeFileSync(join(bin, 'ipvsadm'), STAND_IN);
    chmodSync(join(bin, 'ipvsadm'), 0o755);
    let conf = readFileSync(join(LVS, 'director.conf'), 'utf8');
    for (const [k, v] of Object.entries({
      UCARP_SRCIP: lab.host(host).addr,
      UCARP_ADDR: VIP,
      UCARP_ADVSKEW: String(skew),
      UCARP_UPSCRIPT: join(LVS, 'lvs-up.sh'),
      UCARP_DOWNSCRIPT: join(LVS, 'lvs-down.sh'),
      UCARP_LVS_REAL_SERVERS: REAL.join(' '),
    })) {
      const re = new RegExp(`^${k}=.*$`, 'm');
      assert.match(conf, re);
      conf = conf.replace(re, `${k}=${v}`);
    }
    const path = join(dir, `${host}.conf`);
    writeFileSync(path, `${conf}UCARP_FACILITY=none\n`, { mode: 0o600 });
    const p = lab.spawn(host, nodeArgv(CLI, `--config=${path}`), { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    procs.push(p);
    return p;
  }

  it('MASTER builds the services (direct routing to each real server) then takes the VIP; BACKUP has neither', async () => {
    const d1 = start('dir1', 0);
    const d2 = start('dir2', 50);
    await d1.waitForOutput(/Switching to state: MASTER/, 8000);
    await waitFor('the VIP on dir1', async () => (await lab.holders(VIP)).includes('dir1'));
    assert.deepEqual(await lab.holders(VIP), ['dir1']);
    const up = calls('dir1');
    for (const port of ['80', '443']) {
      assert.ok(up.includes(`-A -t ${VIP}:${port} -s wlc`), up.join('\n'));
      for (const rs of REAL) assert.ok(up.includes(`-a -t ${VIP}:${port} -r ${rs}:${port} -g -w 1`), up.join('\n'));
    }
    assert.ok(up.includes('--start-daemon master --mcast-interface eth0 --syncid 10'), up.join('\n'));
    await d2.waitForOutput(/Switching to state: BACKUP/, 3000);
    await waitFor('the start-up downscript on dir2', () => calls('dir2').some((c) => c.startsWith('--start-daemon backup')));
    const down = calls('dir2');
    assert.ok(down.includes(`-D -t ${VIP}:80`) && down.includes(`-D -t ${VIP}:443`), down.join('\n'));
    assert.ok(!down.some((c) => c.startsWith('-A')), 'BACKUP builds no services');
  });

  it('when the MASTER director dies, the other builds the services and takes the VIP', async () => {
    const d2 = procs[1]!;
    const mark = d2.mark();
    await lab.crash('dir1');
    await d2.waitForOutput(/Switching to state: MASTER/, 6000, mark);
    await waitFor('the VIP on dir2', async () => (await lab.holders(VIP)).includes('dir2'));
    const up = calls('dir2');
    assert.ok(up.includes(`-A -t ${VIP}:80 -s wlc`), up.join('\n'));
    assert.ok(up.includes(`-a -t ${VIP}:443 -r ${REAL[1]}:443 -g -w 1`), up.join('\n'));
    assert.ok(up.includes('--start-daemon master --mcast-interface eth0 --syncid 10'), up.join('\n'));
  });
});
