// IPv6 text <-> bytes for tests, through WHATWG URL host parsing (which writes the
// RFC 5952 form). The daemon has its own parser in src/core; this is a test aid only.

export function ipv6Bytes(text: string): Buffer {
  const host = new URL(`http://[${text}]`).hostname.slice(1, -1);
  const [head = '', tail] = host.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return Buffer.from(groups.map((g) => g.padStart(4, '0')).join(''), 'hex');
}

export function ipv6Text(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return new URL(`http://[${hex.match(/.{4}/g)!.join(':')}]`).hostname.slice(1, -1);
}
