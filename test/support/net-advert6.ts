// Run inside a lab host: the IPv6 advert socket, as a receiver or a sender; reports
// JSON on stdout. `receive` collects test packets (magic + seq) and says what each
// arrived with; `send` sends some to the group (or --to) and counts what it heard itself.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { IPV6_HEADER_LENGTH, VRRP_IPV6_GROUP } from '../../src/core/packets/ipv6-header.js';
import { openAdvertSocket6, type ReceivedPacket6 } from '../../src/net/advert-socket6.js';
import { parseIp } from '../../src/core/ip-address.js';
import { kernelFilterForGroups } from '../../src/core/kernel-filter.js';
import { encodeBpfProgram } from '../../src/net/bpf-encode.js';
import { TEST_MAGIC } from './net-test-frames.js';
import { monotonicMs } from '../../src/daemon/monotonic-clock.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    ifname: { type: 'string', default: 'eth0' },
    group: { type: 'string', default: 'ff02::12' },
    to: { type: 'string' },
    count: { type: 'string', default: '5' },
    expect: { type: 'string', default: '5' },
    'interval-ms': { type: 'string', default: '10' },
    'timeout-ms': { type: 'string', default: '5000' },
    'linger-ms': { type: 'string', default: '300' },
    loop: { type: 'boolean', default: false },
    /** Keep every packet, not only our test packets (to watch a real peer). */
    all: { type: 'boolean', default: false },
    /** send: the packets go out from the addon's sender thread, as a master's standing adverts do. */
    repeat: { type: 'boolean', default: false },
    /** With --repeat: after the last packet, that one again until this many went out (VRRP's unchanged advert). */
    'repeat-total': { type: 'string' },
    /** With --repeat: through the IP layer even to a group on Ethernet (--ip-output). */
    'ip-output': { type: 'boolean', default: false },
    /** Attach the daemon's kernel filter for these VRRPv3 vrids (comma-separated). */
    'filter-vrid': { type: 'string' },
  },
});

export function testPayload6(seq: number): Buffer {
  const p = Buffer.alloc(24);
  p.writeUInt32BE(TEST_MAGIC, 0);
  p.writeUInt32BE(seq >>> 0, 4);
  return p;
}

/** Bytes this namespace's IPv6 layer sent (Ip6OutOctets in /proc/net/snmp6), its MLD reports included. */
function ip6OutOctets(): number {
  const line = readFileSync('/proc/net/snmp6', 'utf8').split('\n').find((l) => l.startsWith('Ip6OutOctets'));
  return Number(line!.split(/\s+/)[1]);
}

const isTest = (p: ReceivedPacket6): boolean => p.payload.length >= 8 && p.payload.readUInt32BE(0) === TEST_MAGIC;
const group = parseIp(values.group!) ?? VRRP_IPV6_GROUP;
const sock = openAdvertSocket6({ ifname: values.ifname!, group, multicastLoop: values.loop });
const errors: string[] = [];
sock.onError((e) => errors.push(e.message));
if (values['filter-vrid'] !== undefined) {
  const vrids = values['filter-vrid'].split(',').map(Number);
  const program = kernelFilterForGroups(vrids.map((vhid) => ({ protocol: 'vrrp3', vhid, self: sock.source, group, peers: [] })));
  sock.attachFilter(encodeBpfProgram(program));
}

if (positionals[0] === 'receive') {
  const got: ReceivedPacket6[] = [];
  const expect = Number(values.expect);
  const finish = (why: string): void => {
    const uniq = <T>(xs: T[]): T[] => [...new Set(xs)];
    const summary = {
      why,
      count: got.length,
      seqs: values.all ? [] : got.map((p) => p.payload.readUInt32BE(4)),
      payloads: values.all ? uniq(got.map((p) => p.payload.toString('hex'))) : [],
      sources: uniq(got.map((p) => p.source)),
      destinations: uniq(got.map((p) => p.destination)),
      hopLimits: uniq(got.map((p) => p.hopLimit)),
      ifindexes: uniq(got.map((p) => p.ifindex)),
      truncated: got.some((p) => p.truncated),
      errors,
    };
    process.stdout.write(JSON.stringify(summary) + '\n');
    sock.close();
    process.exit(0);
  };
  const timer = setTimeout(() => finish('timeout'), Number(values['timeout-ms']));
  sock.onPacket((p) => {
    if (!values.all && !isTest(p)) return; // someone else's next-header-112 traffic
    got.push(p);
    if (got.length >= expect) {
      clearTimeout(timer);
      finish('complete');
    }
  });
  // SIGUSR1: rejoin (after the test re-created the interface).
  process.on('SIGUSR1', () => {
    try {
      sock.rejoin();
      process.stdout.write(`rejoined ifindex=${sock.ifindex}\n`);
    } catch (e) {
      process.stdout.write(`rejoin failed: ${(e as Error).message}\n`);
    }
  });
  process.stdout.write(`ready ifindex=${sock.ifindex} source=${sock.source}\n`);
} else if (positionals[0] === 'send') {
  const ipBefore = ip6OutOctets();
  let heard = 0;
  sock.onPacket((p) => {
    if (isTest(p)) heard++;
  });
  const to = values.to ? parseIp(values.to)! : group;
  let sent = 0;
  if (values.repeat) {
    const payloads = Array.from({ length: Number(values.count) }, (_, seq) => testPayload6(seq));
    const interval = Number(values['interval-ms']);
    const total = values['repeat-total'] === undefined ? undefined : Number(values['repeat-total']);
    const ended = await new Promise<Error | undefined>((resolve) => {
      if (!sock.repeat(1, payloads, to, monotonicMs() + interval, interval, total !== undefined, resolve, values['ip-output'])) resolve(new Error('repeat is unavailable'));
      if (total !== undefined) setTimeout(resolve, interval * (total - 0.5));
    });
    if (ended) errors.push(ended.message);
    sent = sock.stopRepeat(1).sends;
  }
  for (let seq = 0; seq < (values.repeat ? 0 : Number(values.count)); seq++) {
    try {
      await sock.send(testPayload6(seq), to);
      sent++;
    } catch (e) {
      errors.push((e as Error).message);
    }
    await new Promise((r) => setTimeout(r, Number(values['interval-ms'])));
  }
  await new Promise((r) => setTimeout(r, Number(values['linger-ms'])));
  sock.close();
  const ipLayerOctets = ip6OutOctets() - ipBefore;
  process.stdout.write(JSON.stringify({ sent, heardOwn: heard, source: sock.source, errors, ipLayerOctets, packetLength: IPV6_HEADER_LENGTH + testPayload6(0).length }) + '\n');
} else {
  throw new Error('usage: net-advert6 receive|send [options]');
}
