// Run inside a lab host (see flood.ts). Two modes:
//
//   --mode=flood    sends --rate protocol-112 packets per second for --seconds to the
//                   group, cycling through --kinds (random, forged, replay, wrong-ttl
//                   for CARP; the vrrp-* kinds of flood-vrrp.ts with --protocol=vrrp2|3),
//                   then prints one JSON report line: {"sent":..,"byKind":{..},..}.
//                   SIGTERM/SIGINT stop it early; the report is printed all the same.
//   --mode=capture  waits for one CARP advertisement from --from for --vhid and prints
//                   {"packet":"<hex of the whole IPv4 packet>"}.
//
// A {"ready":true} line is printed once the socket is open, so a caller knows when the
// flood really starts. Nothing here runs forever: a flood stops after rate*seconds
// packets, a capture after --timeout-ms.
import { parseArgs } from 'node:util';
import { parseIp, type IpAddress } from '../../src/core/ip-address.js';
import { createCarpAuth, encodeCarp } from '../../src/core/packets/carp.js';
import { internetChecksum } from '../../src/core/packets/checksum.js';
import { encodeIpv4Packet, decodeIpv4Packet } from '../../src/core/packets/ipv4-header.js';
import { openAdvertSocket } from '../../src/net/advert-socket.js';
import { VRRP_FLOOD_KINDS, vrrpForgers, type FloodProtocol, type VrrpFloodKind } from './flood-vrrp.js';
import { Random } from './random.js';

export const CARP_FLOOD_KINDS = ['random', 'forged', 'replay', 'wrong-ttl'] as const;
export const FLOOD_KINDS = [...CARP_FLOOD_KINDS, ...VRRP_FLOOD_KINDS] as const;
export type FloodKind = (typeof CARP_FLOOD_KINDS)[number] | VrrpFloodKind;

// Packets handed to raw-socket but not yet sent: it keeps them in a JS array and sends
// one per poll callback, so an unbounded backlog would only cost memory and latency.
const MAX_IN_FLIGHT = 2048;
const TICK_MS = 2;
// Longest a flood may be asked to run: the helper must stop by itself.
const MAX_SECONDS = 600;

// `node --test dist/test/` runs every file under test/ with no arguments: say what
// this is and succeed instead of failing as a "test".
if (process.argv.length <= 2) {
  process.stdout.write('flood-sender: a lab helper; see test/support/flood.ts\n');
  process.exit(0);
}

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'flood' },
    ifname: { type: 'string', default: 'eth0' },
    srcip: { type: 'string' },
    group: { type: 'string', default: '224.0.0.18' },
    vhid: { type: 'string', default: '1' },
    // The virtual address(es) and password: for a correctly signed wrong-ttl packet, and
    // for VRRP kinds, whose every other field must match the group's.
    addr: { type: 'string', multiple: true, default: [] },
    pass: { type: 'string' },
    // The group's protocol and interval (seconds), for the vrrp-* kinds.
    protocol: { type: 'string', default: 'carp' },
    advbase: { type: 'string', default: '1' },
    kinds: { type: 'string', default: 'forged' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '1' },
    packet: { type: 'string' },
    seed: { type: 'string', default: '1' },
    from: { type: 'string' },
    'timeout-ms': { type: 'string', default: '10000' },
  },
});

function fail(message: string): never {
  process.stderr.write(`flood-sender: ${message}\n`);
  process.exit(2);
}

function address(name: string, text: string | undefined): IpAddress {
  const a = text === undefined ? undefined : parseIp(text);
  if (a === undefined) fail(`--${name} needs an IPv4 address, got ${JSON.stringify(text)}`);
  return a;
}

function positive(name: string, text: string | undefined, max: number): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || n > max) fail(`--${name} must be in (0, ${max}], got ${JSON.stringify(text)}`);
  return n;
}

const srcip = address('srcip', values.srcip);
const group = address('group', values.group);
const vhid = Number(values.vhid);
if (!Number.isInteger(vhid) || vhid < 0 || vhid > 255) fail('--vhid must be 0..255');

const sock = openAdvertSocket({ ifname: values.ifname!, srcip, group });
const write = (obj: unknown): void => void process.stdout.write(`${JSON.stringify(obj)}\n`);

if (values.mode === 'capture') {
  const from = address('from', values.from);
  const timeoutMs = positive('timeout-ms', values['timeout-ms'], 600_000);
  const timer = setTimeout(() => {
    sock.close();
    fail(`no advertisement from ${from} for vhid ${vhid} within ${timeoutMs} ms`);
  }, timeoutMs);
  sock.onPacket((ip) => {
    const p = decodeIpv4Packet(ip);
    if (!p.ok || p.value.src !== from || p.value.protocol !== 112) return;
    const carp = p.value.payload;
    if (carp.length < 36 || carp[0] !== 0x21 || carp[1] !== vhid) return;
    clearTimeout(timer);
    write({ packet: ip.toString('hex'), ttl: p.value.ttl, counter: carp.readBigUInt64BE(8).toString() });
    sock.close();
  });
  write({ ready: true });
} else if (values.mode === 'flood') {
  await flood();
} else {
  fail(`unknown --mode ${values.mode}`);
}

async function flood(): Promise<void> {
  const kinds = values.kinds!.split(',').map((k) => k.trim()) as FloodKind[];
  for (const k of kinds) if (!FLOOD_KINDS.includes(k)) fail(`unknown kind "${k}" (${FLOOD_KINDS.join(', ')})`);
  const protocol = values.protocol as FloodProtocol;
  if (!['carp', 'vrrp2', 'vrrp3'].includes(protocol)) fail(`--protocol must be carp, vrrp2 or vrrp3, got ${JSON.stringify(protocol)}`);
  const wantsVrrp = kinds.some((k) => (VRRP_FLOOD_KINDS as readonly string[]).includes(k));
  if (wantsVrrp && protocol === 'carp') fail('vrrp-* kinds need --protocol=vrrp2 or vrrp3');
  if (kinds.includes('vrrp-auth') && protocol !== 'vrrp2') fail('kind vrrp-auth is for --protocol=vrrp2 only');
  const rate = positive('rate', values.rate, 1_000_000);
  const seconds = positive('seconds', values.seconds, MAX_SECONDS);
  const total = Math.max(1, Math.round(rate * seconds));
  const rng = new Random(Number(values.seed) >>> 0);
  const replay = values.packet ? Buffer.from(values.packet, 'hex') : undefined;
  if (kinds.includes('replay') && (!replay || replay.length < 20)) fail('kind replay needs --packet <hex of an IPv4 packet>');

  // A correctly signed advert is only possible with the real password; otherwise a
  // wrong-ttl packet carries a wrong HMAC like a forged one.
  const addrs = values.addr!.map((a) => address('addr', a));
  const realAuth = values.pass && addrs.length > 0 ? createCarpAuth(Buffer.from(values.pass), vhid, addrs) : undefined;
  let counter = BigInt(Date.now()) << 16n;

  const randomBytes = (n: number): Buffer => {
    const b = Buffer.alloc((n + 3) & ~3);
    for (let i = 0; i < b.length; i += 4) b.writeUInt32LE(Math.floor(rng.next() * 0x100000000), i);
    return b.subarray(0, n);
  };
  // Well-formed for the victim's vhid and the best priority (advbase 1, advskew 0), a
  // fresh counter each time, a random HMAC: only the HMAC check can refuse it.
  const forgedCarp = (): Buffer => {
    const h = Buffer.alloc(36);
    h[0] = 0x21;
    h[1] = vhid;
    h[2] = 0;
    h[3] = 7;
    h[5] = 1;
    randomBytes(28).copy(h, 8);
    h.writeUInt16BE(internetChecksum(h), 6);
    return h;
  };
  if (wantsVrrp && addrs.length === 0) fail('vrrp-* kinds need the group\'s --addr');
  const vrrp = wantsVrrp
    ? vrrpForgers({
        version: protocol === 'vrrp2' ? 2 : 3,
        vrid: vhid,
        src: srcip,
        group,
        addrs,
        advbase: positive('advbase', values.advbase, 255),
        password: values.pass ? Buffer.from(values.pass) : null,
        rng,
      })
    : undefined;
  const build: Record<FloodKind, () => Buffer> = {
    ...(Object.fromEntries(VRRP_FLOOD_KINDS.map((k) => [k, () => vrrp![k]()])) as Record<VrrpFloodKind, () => Buffer>),
    random: () => encodeIpv4Packet({ src: srcip, dst: group, id: rng.int(1, 0xffff) }, randomBytes(rng.int(0, 64))),
    forged: () => encodeIpv4Packet({ src: srcip, dst: group, id: rng.int(1, 0xffff) }, forgedCarp()),
    replay: () => replay!,
    'wrong-ttl': () => {
      const carp = realAuth ? encodeCarp({ vhid, advbase: 1, advskew: 0, counter: ++counter }, realAuth) : forgedCarp();
      return encodeIpv4Packet({ src: srcip, dst: group, ttl: rng.int(1, 254), id: rng.int(1, 0xffff) }, carp);
    },
  };

  const byKind: Record<string, number> = {};
  for (const k of kinds) byKind[k] = 0;
  let queued = 0;
  let sent = 0;
  let errors = 0;
  let firstError: string | undefined;
  let stopped = false;
  let behindMax = 0;
  const started = performance.now();

  const send = (): void => {
    const kind = kinds[queued % kinds.length]!;
    queued++;
    sock.send(build[kind](), group).then(
      () => {
        sent++;
        byKind[kind]!++;
      },
      (e: unknown) => {
        errors++;
        firstError ??= e instanceof Error ? e.message : String(e);
      },
    );
  };

  const finished = new Promise<void>((resolve) => {
    const tick = (): void => {
      if (stopped) return resolve();
      // The first packet goes at once, then one every 1/rate s (a schedule, not a
      // sleep per packet, so timer jitter does not lower the rate).
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
      behindMax = Math.max(behindMax, due - queued);
      while (queued < due && queued - sent - errors < MAX_IN_FLIGHT) send();
      if (queued >= total) return resolve();
      setTimeout(tick, TICK_MS);
    };
    tick();
  });
  const stop = (): void => {
    stopped = true;
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  write({ ready: true });
  await finished;
  // Let what is queued go out (bounded: a socket that cannot send must not hold us).
  const drainEnd = performance.now() + 5000;
  while (sent + errors < queued && performance.now() < drainEnd) await new Promise((r) => setTimeout(r, 5));
  const elapsedMs = Math.round(performance.now() - started);
  sock.close();
  write({
    sent,
    byKind,
    errors,
    firstError,
    requested: total,
    rate,
    seconds,
    elapsedMs,
    achievedRate: Math.round((sent / elapsedMs) * 1000),
    stoppedEarly: stopped,
    maxBacklog: behindMax,
  });
}
