// The few questions settings validation asks the host. Behind an interface so unit
// tests can answer them without touching /sys or the file system.
import { accessSync, constants, readdirSync, readFileSync, statSync } from 'node:fs';
import { parseIp, type IpAddress } from '../core/ip-address.js';
import { readIpv6Addresses } from '../net/interface-ipv6.js';

export interface NetInterface {
  name: string;
  loopback: boolean;
  /** Administratively up (IFF_UP). */
  up: boolean;
}

export type ExecutableCheck = 'ok' | 'missing' | 'not-a-file' | 'not-executable';

export interface HostChecks {
  /** Network interfaces in kernel (ifindex) order. */
  interfaces(): NetInterface[];
  /** The whole file; throws an Error with an errno `code` (ENOENT, EACCES, EISDIR...) when it cannot. */
  readFile(path: string): Buffer;
  /** The names in a directory; throws like readFile (ENOTDIR for a file). */
  listDir(path: string): string[];
  executable(path: string): ExecutableCheck;
  /** Permission bits of a file (st_mode & 0o7777), or undefined when it cannot be read. */
  mode?(path: string): number | undefined;
  /** The interface's IPv6 link-local addresses (VRRPv3 over IPv6 sends from one), usable ones first. */
  linkLocalAddresses(ifname: string): IpAddress[];
  /** The interface's other IPv6 addresses (a --peer pair across routers may send from one). */
  globalAddresses(ifname: string): IpAddress[];
}

const SYS_NET = '/sys/class/net';
const IFF_UP = 0x1;
const IFF_LOOPBACK = 0x8;

function readSys(name: string, file: string): string | undefined {
  try {
    return readFileSync(`${SYS_NET}/${name}/${file}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export const realHostChecks: HostChecks = {
  interfaces() {
    let names: string[];
    try {
      names = readdirSync(SYS_NET);
    } catch {
      return [];
    }
    return names
      .map((name) => {
        const flags = Number(readSys(name, 'flags') ?? '0') || 0;
        const index = Number(readSys(name, 'ifindex') ?? '') || Number.MAX_SAFE_INTEGER;
        return { name, index, loopback: (flags & IFF_LOOPBACK) !== 0, up: (flags & IFF_UP) !== 0 };
      })
      .sort((a, b) => a.index - b.index || a.name.localeCompare(b.name))
      .map(({ name, loopback, up }) => ({ name, loopback, up }));
  },
  readFile(path) {
    return readFileSync(path);
  },
  linkLocalAddresses(ifname) {
    const all = readIpv6Addresses(ifname).filter((a) => a.linkLocal);
    return [...all.filter((a) => !a.tentative), ...all.filter((a) => a.tentative)].map((a) => a.address);
  },
  globalAddresses(ifname) {
    return readIpv6Addresses(ifname).filter((a) => !a.linkLocal).map((a) => a.address);
  },
  listDir(path) {
    return readdirSync(path);
  },
  mode(path) {
    try {
      return statSync(path).mode & 0o7777;
    } catch {
      return undefined;
    }
  },
  executable(path) {
    let isFile: boolean;
    try {
      isFile = statSync(path).isFile();
    } catch {
      return 'missing';
    }
    if (!isFile) return 'not-a-file';
    try {
      accessSync(path, constants.X_OK);
      return 'ok';
    } catch {
      return 'not-executable';
    }
  },
};

export interface MemoryHost {
  interfaces?: NetInterface[];
  /** Readable files and their contents. */
  files?: Record<string, string | Buffer>;
  /** Paths that exist but cannot be read (EACCES). */
  unreadable?: string[];
  /** Paths that are directories. */
  directories?: string[];
  /** Regular files with an execute bit. */
  executables?: string[];
  /** Permission bits of files, where a test cares. */
  modes?: Record<string, number>;
  /** IPv6 link-local addresses per interface (default: fe80::1 on eth0). */
  linkLocal?: Record<string, string[]>;
  /** Other IPv6 addresses per interface (default: none). */
  global6?: Record<string, string[]>;
}

/** HostChecks answered from memory, for tests and simulations that must not touch the host. */
export function memoryHostChecks(host: MemoryHost = {}): HostChecks {
  const files = host.files ?? {};
  const fail = (code: string, path: string) => Object.assign(new Error(`${code}: ${path}`), { code });
  return {
    interfaces: () => host.interfaces ?? [
      { name: 'lo', loopback: true, up: true },
      { name: 'eth0', loopback: false, up: true },
    ],
    readFile(path) {
      if (host.unreadable?.includes(path)) throw fail('EACCES', path);
      if (host.directories?.includes(path)) throw fail('EISDIR', path);
      const content = files[path] ?? (host.executables?.includes(path) ? '#!/bin/sh\n' : undefined);
      if (content === undefined) throw fail('ENOENT', path);
      return Buffer.from(content);
    },
    listDir(path) {
      const prefix = path.replace(/\/*$/, '/');
      const inside = [...Object.keys(files), ...(host.executables ?? []), ...(host.directories ?? [])].filter((p) => p.startsWith(prefix));
      if (inside.length === 0 && !host.directories?.includes(path)) throw fail(path in files ? 'ENOTDIR' : 'ENOENT', path);
      return [...new Set(inside.map((p) => p.slice(prefix.length).split('/')[0]!))];
    },
    mode: (path) => host.modes?.[path],
    linkLocalAddresses: (ifname) => (host.linkLocal ?? { eth0: ['fe80::1'] })[ifname]?.map((a) => parseIp(a)!) ?? [],
    globalAddresses: (ifname) => host.global6?.[ifname]?.map((a) => parseIp(a)!) ?? [],
    executable(path) {
      if (host.executables?.includes(path)) return 'ok';
      if (host.directories?.includes(path)) return 'not-a-file';
      if (path in files || host.unreadable?.includes(path)) return 'not-executable';
      return 'missing';
    },
  };
}
