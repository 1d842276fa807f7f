// Addresses inside the core are one type for both families: the canonical text form,
// branded so that only parseIp and ipFromBytes make one. Canonical means one spelling
// per address (IPv4 a strict dotted quad; IPv6 as RFC 5952 writes it: lowercase, no
// leading zeros, the longest run of two or more zero groups as "::", no zone id), so
// `===`, Map keys and Set membership compare addresses, and logs print them as they are.

declare const ipAddressBrand: unique symbol;
export type IpAddress = string & { readonly [ipAddressBrand]: true };
export type IpFamily = 4 | 6;

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** The four octets of a strict dotted quad (no leading zeros beyond "0", no shorthand), or undefined. */
function dottedOctets(text: string): number[] | undefined {
  const m = DOTTED.exec(text);
  if (!m) return undefined;
  const octets: number[] = [];
  for (let i = 1; i <= 4; i++) {
    const part = m[i]!;
    if (part.length > 1 && part.startsWith('0')) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    octets.push(octet);
  }
  return octets;
}

/** The eight 16-bit groups of any valid IPv6 spelling (with "::" and a dotted IPv4 tail), or undefined. */
function ipv6Groups(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string, last: boolean): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const fields = part.split(':');
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      if (last && i === fields.length - 1 && f.includes('.')) {
        const o = dottedOctets(f);
        if (!o) return undefined;
        out.push((o[0]! << 8) | o[1]!, (o[2]! << 8) | o[3]!);
      } else if (HEX_GROUP.test(f)) {
        out.push(parseInt(f, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  if (halves.length === 1) {
    const all = groupsOf(text, true);
    return all?.length === 8 ? all : undefined;
  }
  const head = groupsOf(halves[0]!, false);
  const tail = groupsOf(halves[1]!, true);
  if (!head || !tail || head.length + tail.length > 7) return undefined;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/** RFC 5952 text of eight groups: the longest (first, on a tie) run of two or more zeros becomes "::". */
function formatGroups(g: ArrayLike<number>): IpAddress {
  let bestAt = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLength) {
      bestAt = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string => Array.from({ length: to - from }, (_, k) => g[from + k]!.toString(16)).join(':');
  if (bestAt < 0) return hex(0, 8) as IpAddress;
  return `${hex(0, bestAt)}::${hex(bestAt + bestLength, 8)}` as IpAddress;
}

/**
 * Parses an address strictly: a dotted quad as ucarp's inet_pton takes it, or any valid
 * IPv6 spelling (returned in canonical form). Zone ids ("%eth0") are refused.
 */
export function parseIp(text: string): IpAddress | undefined {
  if (!text.includes(':')) return dottedOctets(text) ? (text as IpAddress) : undefined;
  const groups = ipv6Groups(text);
  return groups ? formatGroups(groups) : undefined;
}

export function ipFamily(a: IpAddress): IpFamily {
  return a.includes(':') ? 6 : 4;
}

// The bytes of the few addresses a daemon deals with (its own, the group, peers) are
// asked for on every send and every tie-break: computed once and kept.
const BYTES_CACHE_LIMIT = 1024;
const bytesCache = new Map<string, Buffer>();

/** The address's bytes, shared: never to be modified. */
function bytesOf(a: IpAddress): Buffer {
  let b = bytesCache.get(a);
  if (b) return b;
  if (ipFamily(a) === 4) {
    b = Buffer.from(dottedOctets(a) ?? invalid(a));
  } else {
    const groups = ipv6Groups(a) ?? invalid(a);
    b = Buffer.alloc(16);
    groups.forEach((v, i) => b!.writeUInt16BE(v, 2 * i));
  }
  if (bytesCache.size >= BYTES_CACHE_LIMIT) bytesCache.clear();
  bytesCache.set(a, b);
  return b;
}

function invalid(a: string): never {
  throw new TypeError(`not an IP address: ${JSON.stringify(a)}`);
}

/** The 4 or 16 bytes in network order, in a new buffer. */
export function ipToBytes(a: IpAddress): Buffer {
  return Buffer.from(bytesOf(a));
}

/** Writes the 4 or 16 bytes into buf at offset, without allocating; returns the offset after them. */
export function writeIp(a: IpAddress, buf: Uint8Array, offset: number): number {
  const b = bytesOf(a);
  buf.set(b, offset);
  return offset + b.length;
}

// Every received packet names two addresses, nearly always the same few: a small
// direct-mapped table returns their text without building a string. A flood of random
// sources only overwrites slots (no growth, no eviction work).
const V4_SLOTS = 256;
const v4Words = new Int32Array(V4_SLOTS);
const v4Texts = new Array<IpAddress | undefined>(V4_SLOTS);

/** The address in buf at offset (4 bytes for family 4, 16 for 6). */
export function ipFromBytes(buf: Uint8Array, offset: number, family: IpFamily): IpAddress {
  if (family === 4) {
    const a = buf[offset]!;
    const b = buf[offset + 1]!;
    const c = buf[offset + 2]!;
    const d = buf[offset + 3]!;
    const word = (a << 24) | (b << 16) | (c << 8) | d;
    const slot = (d ^ c) & (V4_SLOTS - 1);
    const cached = v4Texts[slot];
    if (cached !== undefined && v4Words[slot] === word) return cached;
    const text = `${a}.${b}.${c}.${d}` as IpAddress;
    v4Words[slot] = word;
    v4Texts[slot] = text;
    return text;
  }
  const groups = new Array<number>(8);
  for (let i = 0; i < 8; i++) groups[i] = (buf[offset + 2 * i]! << 8) | buf[offset + 2 * i + 1]!;
  return formatGroups(groups);
}

/** Byte (numeric) order, as VRRP compares addresses: negative, zero or positive. Both of one family. */
export function compareIp(a: IpAddress, b: IpAddress): number {
  const x = bytesOf(a);
  const y = bytesOf(b);
  if (x.length !== y.length) throw new RangeError(`cannot compare ${a} with ${b}: different address families`);
  return Buffer.compare(x, y);
}

/** The 32-bit value of an IPv4 address (network order read big-endian), as BPF and sockaddr_in want it. */
export function ipv4Word(a: IpAddress): number {
  const b = bytesOf(a);
  if (b.length !== 4) throw new RangeError(`${a} is not an IPv4 address`);
  return b.readUInt32BE(0);
}

/** 224.0.0.0/4 or ff00::/8. */
export function isMulticast(a: IpAddress): boolean {
  const b = bytesOf(a);
  return b.length === 4 ? b[0]! >>> 4 === 0xe : b[0] === 0xff;
}

/** fe80::/10, where VRRPv3 over IPv6 takes its source address. */
export function isIpv6LinkLocal(a: IpAddress): boolean {
  const b = bytesOf(a);
  return b.length === 16 && b[0] === 0xfe && (b[1]! & 0xc0) === 0x80;
}

/**
 * ucarp's tie-break order (IPv4 only: ucarp has no IPv6 CARP). ucarp compares two
 * addresses as the 32-bit words they are in memory, read as host integers; on
 * little-endian machines that makes the last octet the most significant. 10.77.2.1
 * therefore sorts below 10.77.1.2, and the lower one wins a tie. Mixing orders in one
 * cluster gives two masters, so every comparison between peers goes through this key.
 */
export function ucarpOrderKey(a: IpAddress): number {
  const b = bytesOf(a);
  if (b.length !== 4) throw new RangeError(`CARP compares IPv4 addresses only, got ${a}`);
  return b.readUInt32LE(0);
}

/** The IPv4 address of a 32-bit value (the inverse of ipv4Word). */
export function ipv4FromWord(word: number): IpAddress {
  return `${word >>> 24}.${(word >>> 16) & 255}.${(word >>> 8) & 255}.${word & 255}` as IpAddress;
}
