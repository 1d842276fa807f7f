// IPv4 addresses inside the core are plain numbers: the 32-bit value in network
// (big-endian) order, so 10.0.0.1 is 0x0a000001. Parsing and formatting live here.

export type Ipv4 = number;

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses a dotted quad strictly (no leading zeros beyond "0", no shorthand). */
export function parseIpv4(text: string): Ipv4 | undefined {
  const m = DOTTED.exec(text);
  if (!m) return undefined;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i]!;
    if (part.length > 1 && part.startsWith('0')) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value >>> 0;
}

export function formatIpv4(addr: Ipv4): string {
  return `${addr >>> 24}.${(addr >>> 16) & 255}.${(addr >>> 8) & 255}.${addr & 255}`;
}

export function ipv4ToBytes(addr: Ipv4): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(addr >>> 0, 0);
  return b;
}

export function ipv4FromBytes(buf: Uint8Array, offset = 0): Ipv4 {
  return ((buf[offset]! << 24) | (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!) >>> 0;
}

export function isMulticast(addr: Ipv4): boolean {
  return addr >>> 28 === 0xe;
}

/**
 * ucarp's tie-break order. ucarp compares two addresses as the 32-bit words they are
 * in memory, read as host integers; on little-endian machines that makes the last
 * octet the most significant. 10.77.2.1 therefore sorts below 10.77.1.2, and the
 * lower one wins a tie. Mixing orders in one cluster gives two masters, so every
 * comparison between peers goes through this key.
 */
export function ucarpOrderKey(addr: Ipv4): number {
  return (
    (((addr & 0xff) << 24) | (((addr >>> 8) & 0xff) << 16) | (((addr >>> 16) & 0xff) << 8) | (addr >>> 24)) >>> 0
  );
}
