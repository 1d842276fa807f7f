// A small reader for classic pcap files (not pcapng), enough for the captured
// advertisements under test/fixtures.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const LINKTYPE_ETHERNET = 1;

export interface PcapRecord {
  /** Capture time in seconds since the epoch (fractional). */
  time: number;
  /** Length on the wire; larger than frame.length when the capture was cut short. */
  originalLength: number;
  frame: Buffer;
}

export interface PcapFile {
  linkType: number;
  snapLength: number;
  records: PcapRecord[];
}

export function parsePcap(data: Buffer): PcapFile {
  if (data.length < 24) throw new Error('pcap: file shorter than its global header');
  const magic = data.readUInt32LE(0);
  let le: boolean;
  let fractionScale: number;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = true;
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) le = false;
  else throw new Error(`pcap: unknown magic 0x${magic.toString(16)}`);
  // The nanosecond variant has magic a1b23c4d in the file's byte order.
  if (le) fractionScale = magic === 0xa1b23c4d ? 1e-9 : 1e-6;
  else fractionScale = magic === 0x4d3cb2a1 ? 1e-9 : 1e-6;
  const u32 = (off: number): number => (le ? data.readUInt32LE(off) : data.readUInt32BE(off));
  const snapLength = u32(16);
  const linkType = u32(20) & 0x0fffffff;
  const records: PcapRecord[] = [];
  let off = 24;
  while (off < data.length) {
    if (off + 16 > data.length) throw new Error(`pcap: truncated record header at ${off}`);
    const seconds = u32(off);
    const fraction = u32(off + 4);
    const includedLength = u32(off + 8);
    const originalLength = u32(off + 12);
    off += 16;
    if (off + includedLength > data.length) throw new Error(`pcap: truncated record at ${off}`);
    records.push({
      time: seconds + fraction * fractionScale,
      originalLength,
      frame: Buffer.from(data.subarray(off, off + includedLength)),
    });
    off += includedLength;
  }
  return { linkType, snapLength, records };
}

/** Absolute path of a file in test/fixtures, from the compiled dist/test/support. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../../../test/fixtures/${name}`, import.meta.url));
}

/** The Ethernet frames of a fixture capture, checked to be Ethernet and uncut. */
export function readEthernetFixture(name: string): PcapRecord[] {
  const file = parsePcap(readFileSync(fixturePath(name)));
  if (file.linkType !== LINKTYPE_ETHERNET) throw new Error(`${name}: link type ${file.linkType}, not Ethernet`);
  for (const r of file.records) {
    if (r.originalLength !== r.frame.length) throw new Error(`${name}: a frame was cut by the snap length`);
  }
  return file.records;
}

/** The reference captures in test/fixtures and the parameters their senders ran with. */
export interface CarpCapture {
  file: string;
  kind: 'carp';
  srcip: string;
  vhid: number;
  password: string;
  addr: string;
  advbase: number;
  advskew: number;
  group: string;
  nomcast: boolean;
}

export interface VrrpCapture {
  file: string;
  kind: 'vrrp2' | 'vrrp3';
  srcip: string;
  vrid: number;
  priority: number;
  intervalCs: number;
  /** null when the sender used no authentication. */
  password: string | null;
  addrs: string[];
  group: string;
}

export const CARP_CAPTURES: readonly CarpCapture[] = [
  {
    file: 'ucarp-vhid42-love.pcap',
    kind: 'carp',
    srcip: '10.77.0.11',
    vhid: 42,
    password: 'love',
    addr: '10.77.0.252',
    advbase: 1,
    advskew: 10,
    group: '224.0.0.18',
    nomcast: false,
  },
  {
    file: 'ucarp-vhid200-longpass-nomcast.pcap',
    kind: 'carp',
    srcip: '10.77.0.11',
    vhid: 200,
    password: 'a-much-longer-pass!',
    addr: '192.0.2.77',
    advbase: 2,
    advskew: 255,
    group: '224.0.0.18',
    nomcast: true,
  },
  {
    file: 'ucarp-vhid1-mcast239.pcap',
    kind: 'carp',
    srcip: '10.77.0.11',
    vhid: 1,
    password: 'geheim',
    addr: '10.77.0.1',
    advbase: 1,
    advskew: 0,
    group: '239.192.0.5',
    nomcast: false,
  },
];

export const VRRP_CAPTURES: readonly VrrpCapture[] = [
  {
    file: 'keepalived-vrrp2-vrid51.pcap',
    kind: 'vrrp2',
    srcip: '10.77.0.11',
    vrid: 51,
    priority: 150,
    intervalCs: 100,
    password: '1111',
    addrs: ['10.77.0.233', '10.77.0.234'],
    group: '224.0.0.18',
  },
  {
    file: 'keepalived-vrrp3-vrid51.pcap',
    kind: 'vrrp3',
    srcip: '10.77.0.11',
    vrid: 51,
    priority: 150,
    intervalCs: 100,
    password: null,
    addrs: ['10.77.0.233', '10.77.0.234'],
    group: '224.0.0.18',
  },
];

/** keepalived 2.2.7's VRRPv3 over IPv6 (see /work/shared/vectors/README.md). */
export const VRRP6_CAPTURE = {
  file: 'keepalived-vrrp3-ipv6-vrid61.pcap',
  kind: 'vrrp3',
  srcip: 'fe80::b8e7:c0ff:feb2:cf10',
  mac: 'ba:e7:c0:b2:cf:10',
  vrid: 61,
  priority: 150,
  intervalCs: 100,
  addrs: ['fd79::100', 'fd79::101'],
  group: 'ff02::12',
} as const;
