// A seeded fuzz of the receive path: random and mutated packets (starting from the
// reference captures) go through decodeIpv4Packet, decodeCarp + verify and decodeVrrp for
// both versions. Outcomes are counted by reason; any exception, or a forged packet that
// verifies, stops the run with the seed, iteration and bytes needed to replay it.
// Used by scripts/fuzz-decoder.ts and by test/unit/packets-fuzz.test.ts.
import { parseIp } from '../../src/core/ip-address.js';
import { createCarpAuth, decodeCarp, encodeCarp, type CarpAuth } from '../../src/core/packets/carp.js';
import { internetChecksum } from '../../src/core/packets/checksum.js';
import { decodeEthernetFrame } from '../../src/core/packets/ethernet.js';
import { decodeIpv4Packet } from '../../src/core/packets/ipv4-header.js';
import { checkVrrp2Auth, decodeVrrp, encodeVrrp } from '../../src/core/packets/vrrp.js';
import { CARP_CAPTURES, VRRP_CAPTURES, readEthernetFixture } from './pcap.js';
import { Random } from './random.js';

export interface FuzzResult {
  seed: number;
  count: number;
  /** Outcome name (stage:reason, or stage:ok / verified) → how many packets. */
  outcomes: Record<string, number>;
  elapsedMs: number;
  packetsPerSecond: number;
}

interface Corpus {
  /** IPv4 packets (Ethernet stripped) from every capture. */
  seeds: Buffer[];
  authByVhid: Map<number, CarpAuth>;
  /** counter:hmac of every captured CARP advert: the only ones allowed to verify. */
  genuine: Set<string>;
  /** The captured CARP headers whole. */
  captured: Set<string>;
  vrrpPassword: Buffer;
}

function loadCorpus(): Corpus {
  const seeds: Buffer[] = [];
  const authByVhid = new Map<number, CarpAuth>();
  const genuine = new Set<string>();
  const captured = new Set<string>();
  const ipOf = (frame: Buffer): Buffer => {
    const eth = decodeEthernetFrame(frame);
    if (!eth.ok) throw new Error('fixture frame does not parse');
    const ip = decodeIpv4Packet(eth.value.payload);
    if (!ip.ok) throw new Error(`fixture IP packet refused: ${ip.reason}`);
    return eth.value.payload.subarray(0, 20 + ip.value.payload.length);
  };
  for (const c of CARP_CAPTURES) {
    authByVhid.set(c.vhid, createCarpAuth(Buffer.from(c.password), c.vhid, [parseIp(c.addr)!]));
    for (const r of readEthernetFixture(c.file)) {
      const ip = ipOf(r.frame);
      seeds.push(ip);
      genuine.add(ip.toString('hex', 28));
      captured.add(ip.toString('hex', 20));
    }
  }
  for (const c of VRRP_CAPTURES) for (const r of readEthernetFixture(c.file)) seeds.push(ipOf(r.frame));
  const vrrpPassword = Buffer.from(VRRP_CAPTURES.find((c) => c.password !== null)!.password!);
  return { seeds, authByVhid, genuine, captured, vrrpPassword };
}

const INTERESTING = [0x00, 0x01, 0x07, 0x21, 0x22, 0x31, 0x45, 0x70, 0x7f, 0x80, 0xfe, 0xff];

function randomBytes(rng: Random, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = rng.int(0, 255);
  return b;
}

function mutate(rng: Random, seed: Buffer, seeds: Buffer[]): Buffer {
  let b = Buffer.from(seed);
  const edits = rng.int(1, 4);
  for (let e = 0; e < edits; e++) {
    const at = b.length > 0 ? rng.int(0, b.length - 1) : 0;
    switch (rng.int(0, 7)) {
      case 0:
      case 1:
        if (b.length > 0) b[at] = b[at]! ^ (1 << rng.int(0, 7));
        break;
      case 2:
        if (b.length > 0) b[at] = rng.int(0, 255);
        break;
      case 3:
        if (b.length > 0) b[at] = rng.pick(INTERESTING);
        break;
      case 4:
        b = b.subarray(0, rng.int(0, b.length));
        break;
      case 5:
        b = Buffer.concat([b.subarray(0, at), randomBytes(rng, rng.int(1, 12)), b.subarray(at)]);
        break;
      case 6:
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + rng.int(1, 8)))]);
        break;
      default: {
        // Splice: a slice of another capture over this one.
        const other = rng.pick(seeds);
        const from = rng.int(0, other.length - 1);
        other.copy(b, at, from, from + rng.int(1, 16));
      }
    }
  }
  return b;
}

/** Makes the lengths and checksums right again, so the mutation reaches the later checks. */
function repair(rng: Random, b: Buffer): void {
  if (b.length < 20 || b[0] !== 0x45) return;
  if (rng.chance(0.7)) b.writeUInt16BE(b.length, 2);
  const total = Math.min(b.readUInt16BE(2), b.length);
  if (total >= 28) {
    const payload = b.subarray(20, total);
    payload.writeUInt16BE(0, 6);
    const sum =
      payload[0]! >>> 4 === 3 ? internetChecksum(pseudoHeader(b, payload.length), payload) : internetChecksum(payload);
    payload.writeUInt16BE(sum, 6);
  }
  b.writeUInt16BE(0, 10);
  b.writeUInt16BE(internetChecksum(b.subarray(0, 20)), 10);
}

function pseudoHeader(ipPacket: Buffer, length: number): Buffer {
  const p = Buffer.alloc(12);
  ipPacket.copy(p, 0, 12, 20);
  p[9] = 112;
  p.writeUInt16BE(length, 10);
  return p;
}

/** A random packet that looks like IPv4 protocol 112 on the outside. */
function plausible(rng: Random): Buffer {
  const payload = randomBytes(rng, rng.int(0, 80));
  if (payload.length > 0 && rng.chance(0.7)) payload[0] = rng.pick([0x21, 0x31]);
  if (payload.length > 3 && rng.chance(0.5)) payload[3] = rng.int(0, 8);
  const b = Buffer.concat([Buffer.from('4510000000004000ff70000000000000e0000012', 'hex'), payload]);
  b.writeUInt32BE(rng.int(0, 0xffffffff) >>> 0, 12);
  repair(rng, b);
  return b;
}

class Outcomes {
  readonly counts = new Map<string, number>();
  add(name: string): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }
}

function examine(packet: Buffer, corpus: Corpus, out: Outcomes): void {
  const ip = decodeIpv4Packet(packet);
  if (!ip.ok) {
    out.add(`ip:${ip.reason}`);
    return;
  }
  out.add('ip:ok');
  const payload = ip.value.payload;
  const carp = decodeCarp(payload);
  if (!carp.ok) out.add(`carp:${carp.reason}`);
  else {
    const auth = corpus.authByVhid.get(carp.value.vhid);
    if (!auth) out.add('carp:other-vhid');
    else if (!auth.verify(carp.value)) out.add('carp:auth');
    else {
      // The HMAC covers vhid, address and counter only; anything that verifies must carry
      // a genuine counter and HMAC, and must re-encode to exactly the bytes received.
      if (!corpus.genuine.has(payload.toString('hex', 8))) throw new Error('a forged CARP advert verified');
      const again = encodeCarp(carp.value, auth);
      if (!again.equals(payload)) throw new Error('a verified CARP advert does not re-encode to its bytes');
      // A captured advert with advbase, advskew or demote edited (and the checksum
      // fixed) still verifies: the CARP HMAC does not cover those fields.
      out.add(corpus.captured.has(payload.toString('hex')) ? 'carp:verified' : 'carp:verified-edited-replay');
    }
  }
  for (const version of [2, 3] as const) {
    const d = decodeVrrp(payload, version, ip.value);
    if (!d.ok) {
      out.add(`vrrp${version}:${d.reason}`);
      continue;
    }
    if (version === 3 && (payload[4]! & 0xf0) === 0) {
      const again = encodeVrrp(d.value, ip.value);
      if (!again.equals(payload)) throw new Error('a VRRPv3 advert does not re-encode to its bytes');
    }
    if (version === 2) out.add(checkVrrp2Auth(d.value, corpus.vrrpPassword) ? 'vrrp2:ok' : 'vrrp2:auth');
    else out.add('vrrp3:ok');
  }
}

let cachedCorpus: Corpus | undefined;

export function runPacketFuzz(count: number, seed: number): FuzzResult {
  const corpus = (cachedCorpus ??= loadCorpus());
  const rng = new Random(seed);
  const out = new Outcomes();
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    let packet: Buffer;
    const roll = rng.next();
    if (roll < 0.1) packet = randomBytes(rng, rng.int(0, 200));
    else if (roll < 0.25) packet = plausible(rng);
    else {
      packet = mutate(rng, rng.pick(corpus.seeds), corpus.seeds);
      if (rng.chance(0.6)) repair(rng, packet);
    }
    try {
      examine(packet, corpus, out);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new Error(`fuzz seed ${seed}, packet ${i}: ${why}; packet ${packet.toString('hex')}`, { cause: err });
    }
  }
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  const outcomes = Object.fromEntries([...out.counts].sort(([a], [b]) => a.localeCompare(b)));
  return { seed, count, outcomes, elapsedMs, packetsPerSecond: Math.round(count / (elapsedMs / 1000)) };
}
