// The IPv6 advert socket (native/advert_socket6.c), for real, between two lab hosts
// with IPv6 on the bridge.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ipv6UpperChecksum, NEXT_HEADER_VRRP, VRRP_IPV6_GROUP } from '../../src/core/packets/ipv6-header.js';
import { ipv6MulticastMac } from '../../src/core/packets/ethernet.js';
import { Lab } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';
import { supportArgv } from '../lab/support-paths.js';
import { ipToBytes, parseIp } from '../../src/core/ip-address.js';
import { keepalivedAvailable, startKeepalived } from '../support/keepalived.js';
import { parsePcap } from '../support/pcap.js';
import { ipv6GroupFrame, TEST_MAGIC, vrrp6AdvertFrame } from '../support/net-test-frames.js';
import { lastJson } from '../support/json-output.js';

requireLab();

interface Received {
  why: string;
  count: number;
  seqs: number[];
  sources: string[];
  destinations: string[];
  hopLimits: number[];
  ifindexes: number[];
  truncated: boolean;
  errors: string[];
}

describe('IPv6 advert socket (next header 112) in a lab', () => {
  let lab: Lab;
  before(async () => {
    lab = await Lab.create({ hosts: ['a', 'b'], ipv6: true });
  });
  after(async () => {
    await lab?.destroy();
  });

  async function receive(host: string, ...args: string[]) {
    const rx = lab.spawn(host, supportArgv('net-advert6', 'receive', ...args));
    const m = await rx.waitForOutput(/^ready ifindex=(\d+) source=(\S+)/m, 10_000);
    return { rx, ifindex: Number(m[1]), source: m[2] };
  }

  interface SendReport {
    sent: number;
    heardOwn: number;
    source: string;
    errors: string[];
    /** Bytes the sender's IPv6 layer sent during the run (Ip6OutOctets), its MLD reports included. */
    ipLayerOctets: number;
    /** Of each test packet, header included. */
    packetLength: number;
  }

  async function sendReport(host: string, ...args: string[]): Promise<SendReport> {
    const r = await lab.exec(host, supportArgv('net-advert6', 'send', ...args));
    assert.equal(r.code, 0, r.stderr);
    return lastJson<SendReport>(r.stdout);
  }

  /** What was sent and heard, without the IP layer's count. */
  async function send(host: string, ...args: string[]) {
    const { sent, heardOwn, source, errors } = await sendReport(host, ...args);
    return { sent, heardOwn, source, errors };
  }

  it('delivers A\'s packets to B from A\'s link-local address to ff02::12 with hop limit 255; A does not hear itself', async () => {
    const { rx, ifindex, source } = await receive('b', '--expect', '10');
    assert.equal(source, lab.host('b').linkLocal);
    const tx = await send('a', '--count', '10', '--interval-ms', '2');
    assert.deepEqual(tx, { sent: 10, heardOwn: 0, source: lab.host('a').linkLocal, errors: [] });
    await rx.exited;
    const got = lastJson<Received>(rx.stdout);
    assert.equal(got.why, 'complete');
    assert.deepEqual(got.seqs, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(got.sources, [lab.host('a').linkLocal]);
    assert.deepEqual(got.destinations, ['ff02::12']);
    assert.deepEqual(got.hopLimits, [255]);
    assert.deepEqual(got.ifindexes, [ifindex]);
    assert.equal(got.truncated, false);
    assert.deepEqual(got.errors, []);
  });

  it("standing adverts from the sender thread: a run in order, then the last one repeated, from A's link-local address", async () => {
    const { rx } = await receive('b', '--expect', '7');
    // A run of 3 sent once each (CARP's shape: the run ends and says so)...
    const run = await send('a', '--repeat', '--count', '3', '--interval-ms', '5');
    assert.deepEqual(run, { sent: 3, heardOwn: 0, source: lab.host('a').linkLocal, errors: [] });
    // ...and one packet repeated at every instant until stopped (VRRP's).
    const standing = await send('a', '--repeat', '--count', '1', '--repeat-total', '5', '--interval-ms', '20', '--linger-ms', '0');
    assert.ok(standing.sent >= 4 && standing.sent <= 6, `sent ${standing.sent} in about 5 intervals`);
    assert.deepEqual(standing.errors, []);
    await rx.exited;
    const got = lastJson<Received>(rx.stdout);
    assert.equal(got.why, 'complete');
    assert.deepEqual(got.seqs.slice(0, 3), [0, 1, 2]);
    assert.ok(got.seqs.slice(3).every((s) => s === 0), `repeated: ${got.seqs.slice(3).join(',')}`);
    assert.deepEqual(got.sources, [lab.host('a').linkLocal]);
    assert.deepEqual(got.hopLimits, [255]);
  });

  it('control: with multicast loop on, the sender does hear itself', async () => {
    const tx = await send('a', '--count', '3', '--loop');
    assert.equal(tx.sent, 3);
    assert.equal(tx.heardOwn, 3);
  });

  it('sends with traffic class 0xc0 and hop limit 255 on the wire (as keepalived)', async () => {
    const cap = await lab.tcpdump('b', 'ip6 proto 112');
    await send('a', '--count', '2');
    const frames = parsePcap(readFileSync((await cap.stop()).pcapPath)).records.map((r) => r.frame);
    assert.ok(frames.length >= 2, `captured ${frames.length}`);
    for (const f of frames) {
      assert.deepEqual(f.subarray(0, 6), ipv6MulticastMac(VRRP_IPV6_GROUP));
      assert.equal((f.readUInt32BE(14) >>> 20) & 0xff, 0xc0);
      assert.equal(f[14 + 7], 255);
    }
  });

  it('standing adverts to the group leave as frames past the IPv6 layer, with the header the kernel would write', async () => {
    const cap = await lab.tcpdump('b', 'ip6 proto 112');
    const tx = await sendReport('a', '--repeat', '--count', '12', '--interval-ms', '10');
    assert.deepEqual([tx.sent, tx.errors], [12, []]);
    // What the IPv6 layer counts is the membership's MLD reports, not the 12 adverts.
    assert.ok(tx.ipLayerOctets < 6 * tx.packetLength, `${tx.ipLayerOctets} bytes through the IPv6 layer for 12 repeated adverts of ${tx.packetLength}`);
    const frames = parsePcap(readFileSync((await cap.stop()).pcapPath)).records.map((r) => r.frame);
    assert.equal(frames.length, 12);
    const a = lab.host('a');
    for (const [seq, f] of frames.entries()) {
      assert.deepEqual([f.subarray(0, 6), f.subarray(6, 12).toString('hex'), f.readUInt16BE(12)], [ipv6MulticastMac(VRRP_IPV6_GROUP), a.mac.replace(/:/g, ''), 0x86dd]);
      assert.equal(f.readUInt32BE(14) >>> 28, 6);
      assert.equal((f.readUInt32BE(14) >>> 20) & 0xff, 0xc0, 'traffic class');
      assert.deepEqual([f.readUInt16BE(18), f[20], f[21]], [24, NEXT_HEADER_VRRP, 255], 'payload length, next header, hop limit');
      assert.deepEqual([f.subarray(22, 38), f.subarray(38, 54)], [ipToBytes(parseIp(a.linkLocal!)!), ipToBytes(VRRP_IPV6_GROUP)]);
      assert.equal(f.readUInt32BE(54 + 4), seq, 'in order, each once');
    }
  });

  it('with ipOutput (--ip-output) standing adverts go through the IPv6 layer, and B hears them all', async () => {
    const { rx } = await receive('b', '--expect', '12');
    const tx = await sendReport('a', '--repeat', '--count', '12', '--interval-ms', '10', '--ip-output');
    assert.deepEqual([tx.sent, tx.errors], [12, []]);
    assert.ok(tx.ipLayerOctets >= 12 * tx.packetLength, `${tx.ipLayerOctets} bytes through the IPv6 layer for 12 repeated adverts of ${tx.packetLength}`);
    await rx.exited;
    const got = lastJson<Received>(rx.stdout);
    assert.deepEqual([got.why, got.seqs], ['complete', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]]);
    assert.deepEqual([got.sources, got.hopLimits], [[lab.host('a').linkLocal], [255]]);
  });

  it('reports the hop limit a packet arrived with: a frame sent with hop limit 64 says 64', async () => {
    const { rx } = await receive('b', '--expect', '1');
    const a = lab.host('a');
    const payload = Buffer.alloc(24);
    payload.writeUInt32BE(TEST_MAGIC, 0);
    payload.writeUInt32BE(77, 4);
    const r = await lab.exec('a', supportArgv('net-frame', '--hex', ipv6GroupFrame(a, payload, 64)));
    assert.deepEqual(lastJson(r.stdout), { ok: true, sent: 1 });
    await rx.exited;
    const got = lastJson<Received>(rx.stdout);
    assert.deepEqual([got.count, got.seqs, got.hopLimits], [1, [77], [64]]);
  });

  it('sends and receives unicast (--peer): to B\'s global and to its link-local address', async () => {
    const b = lab.host('b');
    for (const to of [b.addr6!, b.linkLocal!]) {
      const { rx } = await receive('b', '--expect', '3');
      const tx = await send('a', '--count', '3', '--to', to);
      assert.deepEqual(tx.errors, []);
      await rx.exited;
      const got = lastJson<Received>(rx.stdout);
      assert.equal(got.count, 3, `to ${to}`);
      assert.deepEqual(got.destinations, [to]);
      assert.deepEqual(got.hopLimits, [255]);
      assert.deepEqual(got.sources, [lab.host('a').linkLocal]);
    }
  });

  it('after the interface is deleted and re-created, hears again once rejoined', async () => {
    const { rx, ifindex } = await receive('b', '--expect', '3', '--timeout-ms', '20000');
    await lab.removeInterface('b');
    await lab.addInterface('b');
    await send('a', '--count', '2');
    assert.doesNotMatch(rx.output, /^\{/m, 'nothing should have been delivered before rejoin');
    const mark = rx.mark();
    rx.kill('SIGUSR1');
    const m = await rx.waitForOutput(/rejoined ifindex=(\d+)|rejoin failed.*/, 5000, mark);
    assert.ok(m[1], m[0]);
    assert.notEqual(Number(m[1]), ifindex, 'the re-created interface has a new index');
    const tx = await send('a', '--count', '3');
    assert.deepEqual(tx.errors, []);
    await rx.exited;
    const got = lastJson<Received>(rx.stdout);
    assert.equal(got.why, 'complete');
    assert.deepEqual(got.ifindexes, [Number(m[1])]);
  });

  it('receives keepalived 2.2.7\'s IPv6 adverts: from its link-local address, hop limit 255, checksum right over the pseudo-header', async () => {
    keepalivedAvailable();
    const { rx } = await receive('b', '--all', '--expect', '2', '--timeout-ms', '15000');
    const ka = startKeepalived(lab, 'a', { version: 3, vrid: 61, priority: 150, advertInt: 0.1, vips: ['fd77::1:61'] });
    try {
      await rx.exited;
    } finally {
      await ka.stop();
    }
    const got = lastJson<Received & { payloads: string[] }>(rx.stdout);
    assert.equal(got.why, 'complete');
    assert.deepEqual(got.sources, [lab.host('a').linkLocal]);
    assert.deepEqual(got.destinations, ['ff02::12']);
    assert.deepEqual(got.hopLimits, [255]);
    for (const hex of got.payloads) {
      const vrrp = Buffer.from(hex, 'hex');
      assert.equal(vrrp[0], 0x31, 'VRRPv3 advertisement');
      assert.equal(vrrp[1], 61);
      assert.equal(ipv6UpperChecksum(parseIp(lab.host('a').linkLocal!)!, VRRP_IPV6_GROUP, NEXT_HEADER_VRRP, vrrp), 0);
      assert.deepEqual(vrrp.subarray(8), ipToBytes(parseIp('fd77::1:61')!));
    }
  });

  it('the kernel filter runs on it (header at SKF_NET_OFF): only our vrid at hop limit 255 reaches the process', async () => {
    keepalivedAvailable();
    const a = lab.host('a');
    const { rx } = await receive('b', '--all', '--filter-vrid', '61', '--expect', '3', '--timeout-ms', '15000');
    // Right vrid and checksum, but hop limit 64: dropped by the kernel.
    const frame = vrrp6AdvertFrame(a, 61, 64);
    assert.deepEqual(lastJson((await lab.exec('a', supportArgv('net-frame', '--hex', frame, '--hex', frame))).stdout), { ok: true, sent: 2 });
    // Another vrid: dropped by the kernel.
    const other = startKeepalived(lab, 'a', { version: 3, vrid: 62, priority: 150, advertInt: 0.05, vips: ['fd77::1:62'], instance: 'other' });
    await other.waitForState('MASTER', 5000);
    await new Promise((r) => setTimeout(r, 300));
    await other.stop();
    assert.doesNotMatch(rx.output, /^\{/m, 'nothing reached the process yet');
    const ka = startKeepalived(lab, 'a', { version: 3, vrid: 61, priority: 150, advertInt: 0.1, vips: ['fd77::1:61'] });
    try {
      await rx.exited;
    } finally {
      await ka.stop();
    }
    const got = lastJson<Received & { payloads: string[] }>(rx.stdout);
    assert.equal(got.why, 'complete');
    assert.deepEqual(got.hopLimits, [255]);
    assert.deepEqual([...new Set(got.payloads.map((h) => Buffer.from(h, 'hex')[1]))], [61]);
  });

  it('the filter of several groups runs on it: only their vrids at hop limit 255 reach the process', async () => {
    const a = lab.host('a');
    const { rx } = await receive('b', '--all', '--filter-vrid', '61,63,64', '--expect', '2', '--timeout-ms', '10000');
    // Dropped by the kernel: another vrid, a wrong hop limit; then one of two groups' that pass.
    const frames = [vrrp6AdvertFrame(a, 62), vrrp6AdvertFrame(a, 65), vrrp6AdvertFrame(a, 61, 64), vrrp6AdvertFrame(a, 63), vrrp6AdvertFrame(a, 64)];
    assert.deepEqual(lastJson((await lab.exec('a', supportArgv('net-frame', ...frames.flatMap((f) => ['--hex', f])))).stdout), { ok: true, sent: 5 });
    await rx.exited;
    const got = lastJson<Received & { payloads: string[] }>(rx.stdout);
    assert.equal(got.why, 'complete');
    assert.deepEqual(got.payloads.map((h) => Buffer.from(h, 'hex')[1]), [63, 64]);
  });

  it('its sockets are close-on-exec: a child process inherits neither the raw IPv6 socket nor the packet socket', async () => {
    const r = await lab.exec('a', [process.execPath, '--input-type=module', '-e', `
      const { readdirSync, readlinkSync } = await import('node:fs');
      const { execFileSync } = await import('node:child_process');
      const { openAdvertSocket6 } = await import(${JSON.stringify(new URL('../../src/net/advert-socket6.js', import.meta.url).href)});
      const { VRRP_IPV6_GROUP } = await import(${JSON.stringify(new URL('../../src/core/packets/ipv6-header.js', import.meta.url).href)});
      const sockets = () => readdirSync('/proc/self/fd').map((f) => { try { return readlinkSync('/proc/self/fd/' + f); } catch { return ''; } }).filter((l) => l.startsWith('socket:'));
      const before = new Set(sockets());
      const s = openAdvertSocket6({ ifname: 'eth0', group: VRRP_IPV6_GROUP });
      const ours = sockets().filter((l) => !before.has(l));
      const child = execFileSync('sh', ['-c', 'for f in /proc/self/fd/*; do readlink $f; done; true']).toString().split('\\n');
      process.stdout.write(JSON.stringify({ ours: ours.length, inherited: ours.filter((l) => child.includes(l)).length }));
      s.close();
    `]);
    assert.equal(r.code, 0, r.stderr);
    // The raw IPv6 socket, and on Ethernet the packet socket for the standing adverts.
    assert.deepEqual(JSON.parse(r.stdout), { ours: 2, inherited: 0 });
  });
});
