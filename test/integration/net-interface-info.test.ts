// interface-info read inside lab hosts: carrier, addresses, vanishing interfaces.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { interfaceExists, readInterface } from '../../src/net/interface-info.js';
import { Lab } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';
import { supportArgv } from '../lab/support-paths.js';

requireLab();

interface IfReport {
  exists: boolean;
  info: { name: string; ifindex: number; mac: string; running: boolean; ipv4: string[] } | null | undefined;
  first: string | null;
}

describe('interface names that are not interfaces', () => {
  it('are reported as absent, never thrown', () => {
    for (const name of ['', '.', '..', '../..', 'a/b', 'averyveryverylongname', 'no-such-if0']) {
      assert.equal(readInterface(name), undefined, name);
      assert.equal(interfaceExists(name), false, name);
    }
  });
});

describe('interface-info in a lab', () => {
  let lab: Lab;
  before(async () => {
    lab = await Lab.create({ hosts: ['a', 'b'] });
  });
  after(async () => {
    await lab?.destroy();
  });

  async function report(host = 'a', name = 'eth0'): Promise<IfReport> {
    const r = await lab.exec(host, supportArgv('net-ifinfo', name));
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as IfReport;
  }

  async function until(check: (r: IfReport) => boolean, what: string): Promise<IfReport> {
    let last = await report();
    for (let i = 0; i < 40 && !check(last); i++) {
      await sleep(50);
      last = await report();
    }
    assert.ok(check(last), `${what}: ${JSON.stringify(last)}`);
    return last;
  }

  it('reads index, MAC, running and addresses, and picks eth0 as the first non-loopback interface', async () => {
    const r = await report();
    assert.equal(r.exists, true);
    assert.equal(r.info?.name, 'eth0');
    assert.equal(r.info?.mac, lab.host('a').mac);
    assert.equal(r.info?.running, true);
    assert.deepEqual(r.info?.ipv4, [lab.host('a').addr]);
    assert.ok(Number.isInteger(r.info?.ifindex));
    assert.equal(r.first, 'eth0');
  });

  it('reports running=false without carrier (addresses still listed) and true once the cable is back', async () => {
    await lab.cutLink('a');
    const down = await until((r) => r.info?.running === false, 'after cutLink');
    assert.deepEqual(down.info?.ipv4, [lab.host('a').addr], 'addresses must not vanish with the carrier');
    await lab.restoreLink('a');
    await until((r) => r.info?.running === true, 'after restoreLink');
  });

  it('reports running=false when the interface is administratively down', async () => {
    await lab.exec('a', ['ip', 'link', 'set', 'eth0', 'down']);
    try {
      await until((r) => r.info?.running === false, 'after ip link set down');
    } finally {
      await lab.exec('a', ['ip', 'link', 'set', 'eth0', 'up']);
    }
    await until((r) => r.info?.running === true, 'after ip link set up');
  });

  it('lists a secondary (virtual) address too', async () => {
    await lab.exec('a', ['ip', 'addr', 'add', '10.77.0.251/32', 'dev', 'eth0']);
    try {
      const r = await report();
      assert.deepEqual(r.info?.ipv4, [lab.host('a').addr, '10.77.0.251']);
    } finally {
      await lab.exec('a', ['ip', 'addr', 'del', '10.77.0.251/32', 'dev', 'eth0']);
    }
  });

  it('returns undefined while the interface is gone and a new index once it is back', async () => {
    const before = await report();
    await lab.removeInterface('a');
    const gone = await report();
    assert.equal(gone.exists, false);
    assert.equal(gone.info ?? undefined, undefined);
    assert.equal(gone.first, null);
    await lab.addInterface('a');
    const back = await until((r) => r.info?.running === true, 'after re-creating eth0');
    assert.notEqual(back.info?.ifindex, before.info?.ifindex);
    assert.equal(back.info?.mac, lab.host('a').mac);
  });
});
