// What the daemon needs to know about its interface, read from sysfs and
// getifaddrs. Interfaces can vanish (and come back with a new index) at any
// moment, so every reader returns undefined instead of throwing.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { ipFamily, ipv4FromWord, parseIp, type IpAddress } from '../core/ip-address.js';
import { nativeAddonIfBuilt } from './native-addon.js';

const IFF_UP = 0x1;
const IFF_LOOPBACK = 0x8;

export interface InterfaceInfo {
  name: string;
  ifindex: number;
  mac: Buffer;
  /** Administratively up and carrier present (IFF_UP and IFF_RUNNING). */
  running: boolean;
  ipv4: IpAddress[];
}

// Interface names never contain '/' and are at most 15 bytes; refusing others
// keeps a caller-supplied name from walking out of /sys/class/net.
function validName(name: string): boolean {
  return name.length > 0 && name.length <= 15 && !name.includes('/') && name !== '.' && name !== '..';
}

function sysfs(name: string, attr: string): string | undefined {
  try {
    return readFileSync(`/sys/class/net/${name}/${attr}`, 'utf8').trim();
  } catch {
    return undefined; // gone, or (carrier) unreadable while the link is down
  }
}

function parseMac(text: string): Buffer | undefined {
  const parts = text.split(':');
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-f]{2}$/i.test(p))) return undefined;
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}

// os.networkInterfaces() (libuv) leaves out interfaces that are not both up and
// running, so a link without carrier would seem to have lost its addresses;
// getifaddrs through the addon does not filter. The fallback is for runs
// without the native build.
function ipv4Addresses(name: string): IpAddress[] {
  const native = nativeAddonIfBuilt();
  if (native) {
    try {
      return native.ipv4Addresses(name).map((a) => ipv4FromWord(a >>> 0));
    } catch {
      /* fall back */
    }
  }
  const list = networkInterfaces()[name] ?? [];
  const out: IpAddress[] = [];
  for (const a of list) {
    if (a.family !== 'IPv4') continue;
    const ip = parseIp(a.address);
    if (ip !== undefined && ipFamily(ip) === 4) out.push(ip);
  }
  return out;
}

export function interfaceExists(name: string): boolean {
  return validName(name) && existsSync(`/sys/class/net/${name}`);
}

function readOnce(name: string): InterfaceInfo | undefined {
  const index = sysfs(name, 'ifindex');
  const address = sysfs(name, 'address');
  const flagsText = sysfs(name, 'flags');
  if (index === undefined || address === undefined || flagsText === undefined) return undefined;
  const ifindex = Number(index);
  const flags = Number(flagsText); // "0x1003"
  const mac = parseMac(address);
  if (!Number.isInteger(ifindex) || !Number.isInteger(flags) || !mac) return undefined;
  // sysfs "flags" is dev->flags, which never holds IFF_RUNNING; the carrier file
  // is what IFF_RUNNING is made from (it cannot be read while the link is down).
  const carrier = sysfs(name, 'carrier');
  const running = (flags & IFF_UP) !== 0 && carrier === '1';
  return { name, ifindex, mac, running, ipv4: ipv4Addresses(name) };
}

/**
 * Reads the interface, or undefined when it does not exist. If it was deleted
 * and re-created while being read (the index changed), the read is repeated so
 * the answer never mixes two incarnations.
 */
export function readInterface(name: string): InterfaceInfo | undefined {
  if (!validName(name)) return undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const info = readOnce(name);
    if (!info) return undefined;
    if (sysfs(name, 'ifindex') === String(info.ifindex)) return info;
  }
  return undefined;
}

// <linux/if_arp.h>
const ARPHRD_ETHER = 1;

/** Whether the interface carries Ethernet frames (also VLANs, bonds, bridges, veths), so a frame to a group's MAC reaches the group. */
export function isEthernet(name: string): boolean {
  return validName(name) && sysfs(name, 'type') === String(ARPHRD_ETHER);
}

/** The cheap part of readInterface, polled often: index and carrier only (three small sysfs reads). */
export function readLinkState(name: string): { ifindex: number; running: boolean } | undefined {
  if (!validName(name)) return undefined;
  const ifindex = Number(sysfs(name, 'ifindex'));
  const flags = Number(sysfs(name, 'flags'));
  if (!Number.isInteger(ifindex) || !Number.isInteger(flags)) return undefined;
  return { ifindex, running: (flags & IFF_UP) !== 0 && sysfs(name, 'carrier') === '1' };
}

/**
 * ucarp's default when --interface is absent: the first interface that is not
 * loopback, preferring one that is running, then one that is up, by index.
 */
export function firstNonLoopbackInterface(): string | undefined {
  let names: string[];
  try {
    names = readdirSync('/sys/class/net');
  } catch {
    return undefined;
  }
  const candidates: { name: string; ifindex: number; rank: number }[] = [];
  for (const name of names) {
    const flags = Number(sysfs(name, 'flags'));
    const ifindex = Number(sysfs(name, 'ifindex'));
    if (!Number.isInteger(flags) || !Number.isInteger(ifindex) || flags & IFF_LOOPBACK) continue;
    const up = (flags & IFF_UP) !== 0;
    const running = up && sysfs(name, 'carrier') === '1';
    candidates.push({ name, ifindex, rank: running ? 0 : up ? 1 : 2 });
  }
  candidates.sort((a, b) => a.rank - b.rank || a.ifindex - b.ifindex);
  return candidates[0]?.name;
}
