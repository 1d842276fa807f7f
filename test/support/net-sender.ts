// Run inside a lab host: opens an advert socket and sends test packets to the
// group, then reports (JSON on stdout) what it sent, what it heard itself, and how many
// bytes the host's IP layer sent meanwhile (adverts sent as link frames skip it).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseIp } from '../../src/core/ip-address.js';
import { monotonicMs } from '../../src/daemon/monotonic-clock.js';
import { openAdvertSocket } from '../../src/net/advert-socket.js';
import { testIpPacket } from './net-test-frames.js';

const { values } = parseArgs({
  options: {
    ifname: { type: 'string', default: 'eth0' },
    srcip: { type: 'string' },
    group: { type: 'string', default: '224.0.0.18' },
    count: { type: 'string', default: '5' },
    'interval-ms': { type: 'string', default: '10' },
    'linger-ms': { type: 'string', default: '300' },
    loop: { type: 'boolean', default: false },
    // The packets go out from the socket's native repeater, as a CARP master's adverts do.
    repeat: { type: 'boolean', default: false },
    // With --repeat: the packets split into this many runs, each the schedule of its own key, all at once (as groups sharing a socket).
    schedules: { type: 'string', default: '1' },
    // --standing MS: one packet repeated at every instant for MS (VRRP's standing advert), the
    // event loop held up (blocked, as by a stuck call) for --block-ms of it from --block-after-ms.
    standing: { type: 'string' },
    'block-after-ms': { type: 'string', default: '0' },
    'block-ms': { type: 'string', default: '0' },
    // --repeat and --standing: where to (default: the group).
    to: { type: 'string' },
    // --standing: halfway, key 0's schedule is replaced by one to this address.
    'switch-to': { type: 'string' },
  },
});

/**
 * Bytes the IP layer of this namespace sent (IpExt OutOctets in /proc/net/netstat): every
 * packet it sends, raw IP_HDRINCL ones too (which Ip OutRequests leaves out).
 */
function ipOutOctets(): number {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((l) => l.startsWith('IpExt: '));
  const names = lines[0]!.split(/\s+/);
  return Number(lines[1]!.split(/\s+/)[names.indexOf('OutOctets')]);
}
const ipBefore = ipOutOctets();

const srcip = parseIp(values.srcip ?? '');
const group = parseIp(values.group!);
if (srcip === undefined || group === undefined) throw new Error('need --srcip and --group');
const to = values.to !== undefined ? parseIp(values.to) : group;
const switchTo = values['switch-to'] !== undefined ? parseIp(values['switch-to']) : undefined;
if (to === undefined || (values['switch-to'] !== undefined && switchTo === undefined)) throw new Error('bad --to or --switch-to');
const sock = openAdvertSocket({ ifname: values.ifname!, srcip, group, multicastLoop: values.loop });
let heard = 0;
sock.onPacket(() => heard++);
const errors: string[] = [];
sock.onError((e) => errors.push(e.message));

const count = Number(values.count);
const interval = Number(values['interval-ms']);
let sent = 0;
let ended: string | undefined;
if (values.standing !== undefined) {
  let end: Error | undefined | null = null;
  if (!sock.repeat(0, [testIpPacket(srcip, to, 0)], to, monotonicMs() + interval, interval, true, (e) => (end = e ?? undefined)))
    errors.push('repeat is unavailable');
  const blockAfter = Number(values['block-after-ms']);
  const blockMs = Number(values['block-ms']);
  if (switchTo !== undefined) {
    await new Promise((r) => setTimeout(r, Number(values.standing) / 2));
    sent += sock.stopRepeat(0).sends;
    if (!sock.repeat(0, [testIpPacket(srcip, switchTo, 1)], switchTo, monotonicMs() + interval, interval, true, (e) => (end = e ?? undefined)))
      errors.push('repeat is unavailable');
  }
  await new Promise((r) => setTimeout(r, blockAfter));
  if (blockMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, blockMs);
  await new Promise((r) => setTimeout(r, Math.max(0, Number(values.standing) / (switchTo !== undefined ? 2 : 1) - blockAfter - blockMs)));
  sent += sock.stopRepeat(0).sends;
  const e = end as Error | undefined | null;
  ended = e === null ? 'running' : e === undefined ? 'done' : ((e as NodeJS.ErrnoException).code ?? e.message);
} else if (values.repeat) {
  const keys = Array.from({ length: Number(values.schedules) }, (_, key) => key);
  const packets = Array.from({ length: count }, (_, seq) => testIpPacket(srcip, to, seq));
  const run = Math.ceil(count / keys.length);
  const firstDue = monotonicMs() + interval;
  const ends = await Promise.all(
    keys.map(
      (key) =>
        new Promise<Error | undefined>((resolve) => {
          if (!sock.repeat(key, packets.slice(key * run, (key + 1) * run), to, firstDue, interval, false, resolve)) resolve(new Error('repeat is unavailable'));
        }),
    ),
  );
  for (const e of ends) if (e) errors.push(e.message);
  for (const key of keys) sent += sock.stopRepeat(key).sends;
}
for (let seq = 0; seq < (values.repeat || values.standing !== undefined ? 0 : count); seq++) {
  try {
    await sock.send(testIpPacket(srcip, group, seq), group);
    sent++;
  } catch (e) {
    errors.push((e as Error).message);
  }
  if (interval > 0) await new Promise((r) => setTimeout(r, interval));
}
await new Promise((r) => setTimeout(r, Number(values['linger-ms'])));
sock.close();
process.stdout.write(JSON.stringify({ sent, heardOwn: heard, errors, ipLayerOctets: ipOutOctets() - ipBefore, packetLength: testIpPacket(srcip, group, 0).length, ...(ended ? { ended } : {}) }) + '\n');
