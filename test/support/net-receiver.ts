// Run inside a lab host: receives advertisements and reports (JSON on stdout)
// what arrived. It keeps every delivered buffer and checks at the end that each
// still holds its own packet, which fails if buffers were shared. It keeps no
// reference of its own to the socket, so only the advert-socket module's live
// set stands between raw-socket and the garbage collector (run with --expose-gc
// and --gc-every-ms to force the question).
import { parseArgs } from 'node:util';
import { ipFromBytes, parseIp } from '../../src/core/ip-address.js';
import { openAdvertSocket, type AdvertSocket } from '../../src/net/advert-socket.js';
import { readTestSeq } from './net-test-frames.js';

const { values } = parseArgs({
  options: {
    ifname: { type: 'string', default: 'eth0' },
    srcip: { type: 'string' },
    group: { type: 'string', default: '224.0.0.18' },
    expect: { type: 'string', default: '5' },
    'timeout-ms': { type: 'string', default: '5000' },
    'gc-every-ms': { type: 'string', default: '0' },
  },
});

const srcip = parseIp(values.srcip ?? '');
const group = parseIp(values.group!);
if (srcip === undefined || group === undefined) throw new Error('need --srcip and --group');
const expect = Number(values.expect);

const kept: Buffer[] = [];
const seqsAtArrival: number[] = [];
const errors: string[] = [];

function open(): { ifindex: number; sock: WeakRef<AdvertSocket> } {
  const sock = openAdvertSocket({ ifname: values.ifname!, srcip: srcip!, group: group! });
  sock.onPacket((p) => {
    const seq = readTestSeq(p);
    if (seq === undefined) return; // someone else's protocol-112 traffic
    kept.push(p);
    seqsAtArrival.push(seq);
    if (kept.length >= expect) finish('complete');
  });
  sock.onError((e) => errors.push(e.message));
  return { ifindex: sock.ifindex, sock: new WeakRef(sock) };
}

const { ifindex, sock } = open();

// SIGUSR1: rejoin (after the test re-created the interface).
process.on('SIGUSR1', () => {
  const s = sock.deref();
  try {
    s?.rejoin();
    process.stdout.write(`rejoined ifindex=${s?.ifindex}\n`);
  } catch (e) {
    process.stdout.write(`rejoin failed: ${(e as Error).message}\n`);
  }
});

const gcEvery = Number(values['gc-every-ms']);
const gc = (globalThis as { gc?: () => void }).gc;
let gcRuns = 0;
const gcTimer =
  gcEvery > 0 && gc
    ? setInterval(() => {
        gc();
        gcRuns++;
      }, gcEvery)
    : undefined;
const timer = setTimeout(() => finish('timeout'), Number(values['timeout-ms']));

process.stdout.write(`ready ifindex=${ifindex}\n`);

function finish(why: string): void {
  clearTimeout(timer);
  if (gcTimer) clearInterval(gcTimer);
  // Did any buffer change after delivery? With a shared buffer they all would
  // show the last packet's sequence number.
  const intact = kept.every((p, i) => readTestSeq(p) === seqsAtArrival[i]);
  const first = kept[0];
  const summary = {
    why,
    count: kept.length,
    intact,
    distinctSeqs: new Set(seqsAtArrival).size,
    sources: [...new Set(kept.map((p) => ipFromBytes(p, 12, 4)))],
    destinations: [...new Set(kept.map((p) => ipFromBytes(p, 16, 4)))],
    perDestination: kept.reduce<Record<string, number>>((n, p) => {
      const dst = ipFromBytes(p, 16, 4);
      n[dst] = (n[dst] ?? 0) + 1;
      return n;
    }, {}),
    ttls: [...new Set(kept.map((p) => p[8]))],
    toses: [...new Set(kept.map((p) => p[1]))],
    protocols: [...new Set(kept.map((p) => p[9]))],
    dfFlags: [...new Set(kept.map((p) => (p.readUInt16BE(6) & 0x4000) !== 0))],
    firstLength: first?.length ?? 0,
    socketStillReferenced: sock.deref() !== undefined,
    gcRuns,
    errors,
  };
  process.stdout.write(JSON.stringify(summary) + '\n');
  sock.deref()?.close();
  process.exit(0);
}
