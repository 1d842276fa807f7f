// The AF_PACKET socket: gratuitous ARP on the wire, and its errors.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseIp } from '../../src/core/ip-address.js';
import { Lab } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';
import { supportArgv } from '../lab/support-paths.js';
import { gratuitousArp, parseMac } from '../support/net-test-frames.js';

requireLab();

interface FrameReport {
  ok: boolean;
  sent?: number;
  message?: string;
  code?: string;
}

const VIP = '10.77.0.250';

describe('packet socket in a lab', () => {
  let lab: Lab;
  before(async () => {
    lab = await Lab.create({ hosts: ['a', 'b'], client: true });
  });
  after(async () => {
    await lab?.destroy();
  });

  async function sendFrames(host: string, ...args: string[]): Promise<FrameReport> {
    const r = await lab.exec(host, supportArgv('net-frame', ...args));
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as FrameReport;
  }

  it('sends a gratuitous ARP that B captures and that moves the client\'s existing neighbour entry', async () => {
    const a = lab.host('a');
    const b = lab.host('b');
    // The client learns the virtual address at B first.
    assert.equal((await lab.exec('b', ['ip', 'addr', 'add', `${VIP}/32`, 'dev', 'eth0'])).code, 0);
    assert.equal(await lab.ping('client', VIP), true);
    assert.equal(await lab.neighMac('client', VIP), b.mac);
    assert.equal((await lab.exec('b', ['ip', 'addr', 'del', `${VIP}/32`, 'dev', 'eth0'])).code, 0);
    // Linux ignores a neighbour update within locktime (1 s) of the last one.
    await sleep(1200);

    const capture = await lab.tcpdump('b', 'arp');
    const frame = gratuitousArp(parseMac(a.mac), parseIp(VIP)!);
    assert.deepEqual(await sendFrames('a', '--hex', frame.toString('hex')), { ok: true, sent: 1 });

    let mac: string | undefined;
    for (let i = 0; i < 40 && mac !== a.mac; i++) {
      await sleep(50);
      mac = await lab.neighMac('client', VIP);
    }
    assert.equal(mac, a.mac, 'the client should now send the virtual address\'s traffic to A');

    const { lines } = await capture.stop();
    const garp = lines.filter((l) => l.includes(`who-has ${VIP} tell ${VIP}`));
    assert.equal(garp.length, 1, lines.join('\n'));
    assert.match(garp[0]!, new RegExp(`^\\S+ ${a.mac} > ff:ff:ff:ff:ff:ff, ethertype ARP`));
  });

  it('reports a missing interface as ENODEV', async () => {
    const r = await sendFrames('a', '--ifindex', '9999', '--hex', 'ffffffffffff');
    assert.equal(r.ok, false);
    assert.equal(r.code, 'ENODEV');
    assert.match(r.message!, /No such device/);
  });

  it('refuses a frame shorter than an Ethernet header, and sends after close', async () => {
    const short = await sendFrames('a', '--hex', '00');
    assert.equal(short.ok, false);
    assert.match(short.message!, /Ethernet header/);
    const closed = await sendFrames('a', '--close-first', '--hex', gratuitousArp(parseMac(lab.host('a').mac), parseIp(VIP)!).toString('hex'));
    assert.equal(closed.ok, false);
    assert.match(closed.message!, /closed/);
  });

  it('reports ENETDOWN on an interface that is administratively down', async () => {
    assert.equal((await lab.exec('a', ['ip', 'link', 'set', 'eth0', 'down'])).code, 0);
    try {
      const r = await sendFrames('a', '--hex', gratuitousArp(parseMac(lab.host('a').mac), parseIp(VIP)!).toString('hex'));
      assert.equal(r.ok, false);
      assert.equal(r.code, 'ENETDOWN');
    } finally {
      await lab.exec('a', ['ip', 'link', 'set', 'eth0', 'up']);
    }
  });
});
