// An interface's IPv6 addresses, from /proc/net/if_inet6: it lists them whatever the
// link state (os.networkInterfaces() hides interfaces without carrier) and says which
// are link-local and which are still tentative (duplicate address detection running).
import { readFileSync } from 'node:fs';
import { ipFromBytes, type IpAddress } from '../core/ip-address.js';

const IFA_F_DADFAILED = 0x08;
const IFA_F_TENTATIVE = 0x40;
const SCOPE_LINK = 0x20;

export interface Ipv6InterfaceAddress {
  address: IpAddress;
  prefixLength: number;
  linkLocal: boolean;
  /** Duplicate address detection has not finished (or failed): not usable as a source yet. */
  tentative: boolean;
}

/** Parses /proc/net/if_inet6 text for one interface (pure, for tests). */
export function parseIfInet6(text: string, ifname: string): Ipv6InterfaceAddress[] {
  const out: Ipv6InterfaceAddress[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length !== 6 || f[5] !== ifname || !/^[0-9a-f]{32}$/i.test(f[0]!)) continue;
    const scope = parseInt(f[3]!, 16);
    const flags = parseInt(f[4]!, 16);
    out.push({
      address: ipFromBytes(Buffer.from(f[0]!, 'hex'), 0, 6),
      prefixLength: parseInt(f[2]!, 16),
      linkLocal: scope === SCOPE_LINK,
      tentative: (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) !== 0,
    });
  }
  return out;
}

/** The interface's IPv6 addresses; none when it does not exist or IPv6 is off. */
export function readIpv6Addresses(ifname: string): Ipv6InterfaceAddress[] {
  try {
    return parseIfInet6(readFileSync('/proc/net/if_inet6', 'utf8'), ifname);
  } catch {
    return [];
  }
}

/** The interface's link-local address (the first usable one), as VRRPv3 over IPv6 sends from. */
export function linkLocalAddress(ifname: string): IpAddress | undefined {
  const all = readIpv6Addresses(ifname).filter((a) => a.linkLocal);
  return (all.find((a) => !a.tentative) ?? all[0])?.address;
}
