// The advertisement socket, for real, between two lab hosts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseIp } from '../../src/core/ip-address.js';
import { Lab } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';
import { supportArgv, supportScript } from '../lab/support-paths.js';
import { ethernetFrame, parseMac, testIpPacket } from '../support/net-test-frames.js';
import { lastJson } from '../support/json-output.js';

requireLab();

interface ReceiverSummary {
  why: string;
  count: number;
  intact: boolean;
  distinctSeqs: number;
  sources: string[];
  destinations: string[];
  perDestination: Record<string, number>;
  ttls: number[];
  toses: number[];
  protocols: number[];
  dfFlags: boolean[];
  socketStillReferenced: boolean;
  gcRuns: number;
  errors: string[];
}

interface SenderReport {
  sent: number;
  heardOwn: number;
  errors: string[];
  /** Bytes the sender's IP layer sent during the run (its namespace's IpExt OutOctets). */
  ipLayerOctets: number;
  /** Of each test packet. */
  packetLength: number;
  /** --standing: how the schedule stood at the end ('running', or the code of its end). */
  ended?: string;
}

describe('advert socket (IP protocol 112) in a lab', () => {
  let lab: Lab;
  before(async () => {
    lab = await Lab.create({ hosts: ['a', 'b'], client: true });
  });
  after(async () => {
    await lab?.destroy();
  });

  async function startReceiver(host: string, ...args: string[]) {
    const srcip = lab.host(host).addr;
    const rx = lab.spawn(host, supportArgv('net-receiver', '--srcip', srcip, ...args));
    await rx.waitForOutput(/^ready/m, 10_000);
    return rx;
  }

  async function send(host: string, ...args: string[]): Promise<SenderReport> {
    const r = await lab.exec(host, supportArgv('net-sender', '--srcip', lab.host(host).addr, ...args));
    assert.equal(r.code, 0, r.stderr);
    return lastJson<SenderReport>(r.stdout);
  }

  it('delivers A\'s packets to B as ucarp sends them, each as a private copy, and A does not hear itself', async () => {
    const rx = await startReceiver('b', '--expect', '20', '--timeout-ms', '10000');
    const tx = await send('a', '--count', '20', '--interval-ms', '5');
    assert.deepEqual([tx.sent, tx.heardOwn, tx.errors], [20, 0, []]);
    assert.ok(tx.ipLayerOctets >= 20 * tx.packetLength, `one-off sends go through the IP layer: ${tx.ipLayerOctets} bytes counted there for 20 packets of ${tx.packetLength}`);
    await rx.exited;
    const got = lastJson<ReceiverSummary>(rx.stdout);
    assert.equal(got.why, 'complete');
    assert.equal(got.count, 20);
    assert.equal(got.distinctSeqs, 20);
    assert.equal(got.intact, true, 'a delivered buffer changed after delivery');
    assert.deepEqual(got.sources, [lab.host('a').addr]);
    assert.deepEqual(got.destinations, ['224.0.0.18']);
    assert.deepEqual(got.ttls, [255]);
    assert.deepEqual(got.toses, [0x10]);
    assert.deepEqual(got.protocols, [112]);
    assert.deepEqual(got.dfFlags, [true]);
    assert.deepEqual(got.errors, []);
  });

  /** Sends 12 packets from the native repeater in the given number of schedules (keys) at once; B hears each once. */
  async function repeatTwelve(schedules: number, message: string): Promise<void> {
    const rx = await startReceiver('b', '--expect', '12', '--timeout-ms', '10000');
    const tx = await send('a', '--repeat', '--schedules', String(schedules), '--count', '12', '--interval-ms', '20');
    assert.deepEqual([tx.sent, tx.heardOwn, tx.errors], [12, 0, []]);
    // To a group on Ethernet they leave as frames, past the IP layer (native/raw_fd.c):
    // what it counts is the membership's IGMP reports, not the 12 adverts.
    assert.ok(tx.ipLayerOctets < 6 * tx.packetLength, `${tx.ipLayerOctets} bytes through the IP layer for 12 repeated adverts of ${tx.packetLength}`);
    await rx.exited;
    const got = lastJson<ReceiverSummary>(rx.stdout);
    assert.equal(got.why, 'complete');
    assert.equal(got.count, 12);
    assert.equal(got.distinctSeqs, 12, message);
    // The same packets as through the IP layer (the receiving kernel checked their header checksums).
    assert.deepEqual(got.sources, [lab.host('a').addr]);
    assert.deepEqual(got.destinations, ['224.0.0.18']);
    assert.deepEqual([got.ttls, got.toses, got.protocols, got.dfFlags], [[255], [0x10], [112], [true]]);
    assert.deepEqual(got.errors, []);
  }

  it('sends a sequence of packets from its native repeater, each once and in turn, then says it is done', async () => {
    await repeatTwelve(1, 'every packet of the sequence once');
  });

  it('repeats several schedules at once, one per key (the groups sharing a socket), each sending its own packets', async () => {
    await repeatTwelve(3, "every key's packets once: no schedule replaced another");
  });

  it('a held-up event loop stops the standing adverts (ETIMEDOUT), so a stuck daemon lets its backup take over; an idle one never does', async (t) => {
    // 20 ms adverts: the loop must answer a ping within 500 ms. Idle for 2 s: it does, all along.
    const idle = await send('a', '--standing', '2000', '--interval-ms', '20');
    assert.deepEqual([idle.ended, idle.errors], ['running', []]);
    assert.ok(idle.sent >= 90, `${idle.sent} adverts in 2 s at 20 ms`);
    // Blocked from 1.2 s to 4.2 s: the adverts stop within two windows (1 s) of the block, not at its end.
    const stuck = await send('a', '--standing', '4500', '--block-after-ms', '1200', '--block-ms', '3000', '--interval-ms', '20');
    t.diagnostic(`idle: ${idle.sent} adverts in 2 s; blocked from 1.2 s: ${stuck.sent} adverts, the last about ${stuck.sent * 20} ms in`);
    assert.deepEqual([stuck.ended, stuck.errors], ['ETIMEDOUT', []]);
    assert.ok(stuck.sent >= 50 && stuck.sent <= 2500 / 20, `${stuck.sent} adverts: the last ${stuck.sent * 20} ms into a run blocked from 1200 ms on`);
  });

  it('repeats to a unicast peer through the IP layer (a frame would need its MAC), and B hears each', async () => {
    const b = lab.host('b').addr;
    const rx = await startReceiver('b', '--expect', '10000', '--timeout-ms', '1500');
    const tx = await send('a', '--standing', '1000', '--interval-ms', '20', '--to', b);
    assert.deepEqual([tx.ended, tx.errors], ['running', []]);
    assert.ok(tx.sent >= 40, `${tx.sent} adverts in 1 s at 20 ms`);
    assert.ok(tx.ipLayerOctets >= tx.sent * tx.packetLength, `${tx.ipLayerOctets} bytes through the IP layer for ${tx.sent} adverts of ${tx.packetLength}`);
    await rx.exited;
    const got = lastJson<ReceiverSummary>(rx.stdout);
    assert.deepEqual(got.perDestination, { [b]: tx.sent });
  });

  it('a key moved from the group to a unicast peer leaves the group: one schedule per key, whichever way it is sent', async () => {
    const b = lab.host('b').addr;
    const rx = await startReceiver('b', '--expect', '10000', '--timeout-ms', '2500');
    const tx = await send('a', '--standing', '2000', '--interval-ms', '20', '--switch-to', b);
    assert.deepEqual([tx.ended, tx.errors], ['running', []]);
    await rx.exited;
    const got = lastJson<ReceiverSummary>(rx.stdout);
    // 1 s to each at 20 ms: about 50 each; the group's would grow to 100 if its schedule went on.
    const group = got.perDestination['224.0.0.18'] ?? 0;
    const peer = got.perDestination[b] ?? 0;
    assert.ok(group >= 40 && group <= 55, `${group} adverts to the group in its 1 s`);
    assert.ok(peer >= 40 && peer <= 55, `${peer} adverts to the peer in its 1 s`);
    assert.equal(group + peer, tx.sent);
  });

  it('standing adverts go on while the link has no carrier (the device drops them), and B hears them again once it returns', async () => {
    const rx = await startReceiver('b', '--expect', '10000', '--timeout-ms', '3500');
    const cut = (async () => {
      await new Promise((r) => setTimeout(r, 800));
      await lab.cutLink('a');
      await new Promise((r) => setTimeout(r, 800));
      await lab.restoreLink('a');
    })();
    const [tx] = await Promise.all([send('a', '--standing', '3000', '--interval-ms', '20'), cut]);
    assert.deepEqual([tx.ended, tx.errors], ['running', []]);
    await rx.exited;
    const got = lastJson<ReceiverSummary>(rx.stdout);
    // Before the cut about 40, after it about 70: B heard adverts from both sides of it, and not those sent into the cut.
    assert.ok(got.count >= 80 && got.count < tx.sent, `B heard ${got.count} of ${tx.sent} adverts around an 800 ms cut`);
  });

  it('control: with IP_MULTICAST_LOOP on, the sender does hear itself (so the check above means something)', async () => {
    const tx = await send('a', '--count', '5', '--loop');
    assert.equal(tx.sent, 5);
    assert.equal(tx.heardOwn, 5);
  });

  it('works for another group (--mcast=239.192.0.5)', async () => {
    const rx = await startReceiver('b', '--group', '239.192.0.5', '--expect', '5');
    const tx = await send('a', '--group', '239.192.0.5', '--count', '5');
    assert.equal(tx.sent, 5);
    await rx.exited;
    const got = lastJson<ReceiverSummary>(rx.stdout);
    assert.equal(got.count, 5);
    assert.deepEqual(got.destinations, ['239.192.0.5']);
  });

  it('receives a --nomcast frame: Ethernet broadcast sent through the packet socket, IP destination still the group', async () => {
    const rx = await startReceiver('b', '--expect', '3');
    const a = lab.host('a');
    const frames = [0, 1, 2].map((seq) =>
      ethernetFrame(Buffer.alloc(6, 0xff), parseMac(a.mac), 0x0800, testIpPacket(parseIp(a.addr)!, parseIp('224.0.0.18')!, seq)).toString('hex'),
    );
    const r = await lab.exec('a', supportArgv('net-frame', ...frames.flatMap((h) => ['--hex', h])));
    assert.deepEqual(lastJson(r.stdout), { ok: true, sent: 3 });
    await rx.exited;
    const got = lastJson<ReceiverSummary>(rx.stdout);
    assert.equal(got.count, 3);
    assert.deepEqual(got.sources, [a.addr]);
  });

  it('after the interface is deleted and re-created, hears nothing until rejoin(), then hears again', async () => {
    const rx = await startReceiver('b', '--expect', '4', '--timeout-ms', '20000');
    const before = /ready ifindex=(\d+)/.exec(rx.output)![1];
    // A rejoin on the same interface (a mere link flap) is harmless.
    const same = await (async () => {
      const mark = rx.mark();
      rx.kill('SIGUSR1');
      return (await rx.waitForOutput(/(rejoined|rejoin failed).*/, 5000, mark))[0];
    })();
    assert.equal(same, `rejoined ifindex=${before}`);
    await lab.removeInterface('b');
    await lab.addInterface('b');
    await send('a', '--count', '3');
    assert.doesNotMatch(rx.output, /^\{/m, 'nothing should have been delivered before rejoin');
    const mark = rx.mark();
    rx.kill('SIGUSR1');
    const m = await rx.waitForOutput(/rejoined ifindex=(\d+)/, 5000, mark);
    assert.notEqual(m[1], before, 'the re-created interface has a new index');
    await send('a', '--count', '4');
    await rx.exited;
    const got = lastJson<ReceiverSummary>(rx.stdout);
    assert.equal(got.why, 'complete');
    assert.equal(got.count, 4);
  });

  it('is bound to its interface: packets arriving on another interface of the host are not seen', async () => {
    // A second cable, straight from the client to B (x1 in the client, x0 in B).
    const b = lab.host('b');
    assert.equal((await lab.exec('client', ['ip', 'link', 'add', 'x1', 'type', 'veth', 'peer', 'name', 'x0', 'netns', b.ns])).code, 0);
    try {
      await lab.exec('client', ['ip', 'addr', 'add', '10.99.0.2/24', 'dev', 'x1']);
      await lab.exec('client', ['ip', 'link', 'set', 'x1', 'up']);
      await lab.exec('b', ['ip', 'addr', 'add', '10.99.0.1/24', 'dev', 'x0']);
      await lab.exec('b', ['ip', 'link', 'set', 'x0', 'up']);
      const onEth0 = await startReceiver('b', '--expect', '1', '--timeout-ms', '1500');
      const onX0 = lab.spawn('b', supportArgv('net-receiver', '--ifname', 'x0', '--srcip', '10.99.0.1', '--expect', '3'));
      await onX0.waitForOutput(/^ready/m, 10_000);
      const r = await lab.exec('client', supportArgv('net-sender', '--ifname', 'x1', '--srcip', '10.99.0.2', '--count', '3'));
      assert.equal(lastJson<SenderReport>(r.stdout).sent, 3);
      await onX0.exited;
      assert.equal(lastJson<ReceiverSummary>(onX0.stdout).count, 3, 'the control receiver on x0 hears them');
      await onEth0.exited;
      const got = lastJson<ReceiverSummary>(onEth0.stdout);
      assert.equal(got.why, 'timeout');
      assert.equal(got.count, 0);
    } finally {
      await lab.exec('client', ['ip', 'link', 'del', 'x1']);
    }
  });

  it('rejoins after more re-creations than the 20 memberships a socket may hold', { timeout: 60_000 }, async () => {
    const rx = await startReceiver('b', '--expect', '3', '--timeout-ms', '50000');
    for (let i = 0; i < 25; i++) {
      await lab.removeInterface('b');
      await lab.addInterface('b');
      const mark = rx.mark();
      rx.kill('SIGUSR1');
      const m = await rx.waitForOutput(/(rejoined|rejoin failed).*/, 5000, mark);
      assert.match(m[0], /rejoined/, `re-creation ${i + 1}: ${m[0]}`);
    }
    await send('a', '--count', '3');
    await rx.exited;
    assert.equal(lastJson<ReceiverSummary>(rx.stdout).count, 3);
  });

  it('keeps delivering 2,500 packets over several seconds while the GC is forced and only the module holds the socket', { timeout: 60_000 }, async () => {
    const count = 2500;
    const rx = lab.spawn(
      'b',
      [process.execPath, '--expose-gc', supportScript('net-receiver'), '--srcip', lab.host('b').addr,
        '--expect', String(count), '--timeout-ms', '40000', '--gc-every-ms', '20'],
    );
    await rx.waitForOutput(/^ready/m, 10_000);
    const started = Date.now();
    const tx = await send('a', '--count', String(count), '--interval-ms', '2');
    const seconds = (Date.now() - started) / 1000;
    assert.equal(tx.sent, count);
    assert.ok(seconds >= 3, `sending took only ${seconds}s; the test wants several seconds`);
    await rx.exited;
    const got = lastJson<ReceiverSummary>(rx.stdout);
    assert.equal(got.count, count, `received ${got.count} of ${count}`);
    assert.equal(got.distinctSeqs, count);
    assert.equal(got.intact, true);
    assert.ok(got.gcRuns > 50, `only ${got.gcRuns} forced collections`);
    assert.equal(got.socketStillReferenced, true);
  });
});
