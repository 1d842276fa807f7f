// Strict readers for option values. Each names the option it reads (`where`) in the
// UsageError it throws, says what is allowed, and shows what it got.
import { isIPv4, isIPv6 } from 'node:net';
import { ipFamily, ipv4Word, isMulticast, parseIp, type IpAddress } from '../core/ip-address.js';
import { UsageError } from './errors.js';

/** One value as given, and how to name it in an error ("--vhid", "UCARP_VHID (environment)", ...). */
export interface Raw {
  text: string | true;
  where: string;
}

export function textOf(raw: Raw): string {
  // Switches are the only options without text, and they are never read as text.
  if (raw.text === true) throw new UsageError(raw.where, 'needs a value');
  return raw.text;
}

/** A whole decimal number: digits only, so no sign, spaces, exponent, hex or fraction. */
export function readWhole(raw: Raw, min: number, max: number, unit = ''): number {
  const text = textOf(raw);
  const value = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) {
    throw new UsageError(raw.where, `must be a whole number${unit} from ${min} to ${max}`, undefined, text);
  }
  return value;
}

/** Seconds with at most two decimals (VRRPv3 counts in centiseconds), returned in seconds. */
export function readCentiseconds(raw: Raw, minCs: number, maxCs: number): number {
  const text = textOf(raw);
  const m = /^([0-9]+)(?:\.([0-9]+))?$/.exec(text);
  let cs = NaN;
  if (m) {
    const frac = (m[2] ?? '').replace(/0+$/, '');
    if (frac.length <= 2) cs = Number(m[1]) * 100 + Number(frac.padEnd(2, '0'));
  }
  if (!(cs >= minCs && cs <= maxCs)) {
    throw new UsageError(
      raw.where,
      `must be a number of seconds from ${(minCs / 100).toFixed(2)} to ${(maxCs / 100).toFixed(2)} in steps of 0.01`,
      undefined,
      text,
    );
  }
  return cs / 100;
}

const TRUE_WORDS = ['1', 'yes', 'true', 'on'];
const FALSE_WORDS = ['0', 'no', 'false', 'off'];

/** A switch: present on the command line, or 1/0, yes/no, true/false, on/off elsewhere. */
export function readSwitch(raw: Raw): boolean {
  if (raw.text === true) return true;
  const word = raw.text.toLowerCase();
  if (TRUE_WORDS.includes(word)) return true;
  if (FALSE_WORDS.includes(word)) return false;
  throw new UsageError(raw.where, 'must be one of 1/0, yes/no, true/false, on/off', undefined, raw.text);
}

export type AddressKind = 'unicast' | 'multicast';

/** An IPv4 address (strict dotted quad) or an IPv6 one (any valid spelling, no zone) of the given kind. */
export function readIp(raw: Raw, kind: AddressKind, text: string = textOf(raw)): IpAddress {
  const addr = parseIp(text);
  if (addr === undefined) {
    throw new UsageError(raw.where, 'must be an IPv4 address in dotted-quad form (10.0.0.1) or an IPv6 address (2001:db8::1)', undefined, text);
  }
  return checkKind(raw, kind, addr, text);
}

function checkKind(raw: Raw, kind: AddressKind, addr: IpAddress, text: string): IpAddress {
  const v6 = ipFamily(addr) === 6;
  if (kind === 'multicast' && !isMulticast(addr)) {
    const range = v6 ? 'ff00::/8, like ff02::12' : '224.0.0.0 to 239.255.255.255';
    throw new UsageError(raw.where, `must be a multicast group address, ${range}`, undefined, text);
  }
  if (kind === 'unicast') {
    // 0.0.0.0, multicast, and 240.0.0.0 and up (reserved, broadcast) can't be a host's address; nor :: or ff00::/8.
    const bad = v6 ? isMulticast(addr) || addr === '::' : ipv4Word(addr) === 0 || ipv4Word(addr) >>> 28 >= 0xe;
    if (bad) {
      const what = v6 ? ':: or multicast' : '0.0.0.0, multicast or broadcast';
      throw new UsageError(raw.where, `must be a unicast address (not ${what})`, undefined, text);
    }
  }
  return addr;
}

/** Splits a repeatable value from the environment or a file: commas and/or spaces. */
export function splitList(text: string): string[] {
  return text.split(/[\s,]+/).filter((s) => s.length > 0);
}

/** HOST:PORT with an IPv4 address or a bracketed IPv6 one ([::1]:9167), for a listening socket. */
export function readListenAddress(raw: Raw): { host: string; port: number } {
  const text = textOf(raw);
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]+)):([0-9]{1,5})$/.exec(text);
  const host = m ? (m[1] ?? m[2])! : '';
  const port = m ? Number(m[3]) : NaN;
  const hostOk = m?.[1] !== undefined ? isIPv6(host) : isIPv4(host);
  if (!m || !hostOk || !(port >= 1 && port <= 65535)) {
    throw new UsageError(raw.where, 'must be HOST:PORT with an IPv4 address or [IPv6] address and a port from 1 to 65535, like 10.0.0.1:9167', undefined, text);
  }
  return { host, port };
}
