// The groups of one process as a set: which of them cannot run side by side, and what
// a reload changes. Pure: the parser and the daemon both use it.
import { ipFamily, type IpAddress } from '../core/ip-address.js';
import type { GroupSettings } from './settings.js';

/** A group and the file it came from (its name for error messages). */
export interface SourcedGroup {
  source: string;
  group: GroupSettings;
}

/** Sockets and ids are per (interface, family). */
export type AddressFamily = 'ipv4' | 'ipv6';

export function addressFamily(g: GroupSettings): AddressFamily {
  return ipFamily(g.srcip) === 6 ? 'ipv6' : 'ipv4';
}

/**
 * Where a group's adverts meet the others': one advert socket per interface and
 * family. CARP and VRRP share IP protocol 112, the multicast group and the virtual
 * MAC 00:00:5e:00:01:<id> (and CARP's header reads as VRRPv2's), so a CARP vhid and a
 * VRRP vrid of the same number on one link would each see the other's adverts as
 * their own: one id space per link, whatever the protocol.
 */
export function linkKey(g: GroupSettings): string {
  return `${g.interface}/${addressFamily(g)}`;
}

const describe = (g: GroupSettings): string => (g.protocol === 'carp' ? `vhid ${g.vhid}` : `vrid ${g.vhid}`);

/** The first conflict between two groups, as one sentence naming both files; null when none. */
export function findConflict(groups: readonly SourcedGroup[]): string | null {
  const ids = new Map<string, SourcedGroup>();
  const addresses = new Map<IpAddress, SourcedGroup>();
  /** The multicast group of each link: its one advert socket is a member of one group. */
  const multicast = new Map<string, SourcedGroup>();
  /** IPv6: the socket sends from one source address, so the groups of an interface share it. */
  const sources = new Map<string, SourcedGroup>();
  for (const entry of groups) {
    const g = entry.group;
    if (addressFamily(g) === 'ipv6') {
      const other = sources.get(linkKey(g));
      if (other && other.group.srcip !== g.srcip) {
        return `${entry.source}: source ${g.srcip} on ${g.interface}, where ${other.source} uses ${other.group.srcip}; the IPv6 groups of an interface share one`;
      }
      if (!other) sources.set(linkKey(g), entry);
    }
    if (g.peers.length === 0) {
      const other = multicast.get(linkKey(g));
      if (other && other.group.mcast !== g.mcast) {
        return `${entry.source}: multicast group ${g.mcast} on ${g.interface}, where ${other.source} uses ${other.group.mcast}; the groups of an interface share one`;
      }
      if (!other) multicast.set(linkKey(g), entry);
    }
    const id = `${linkKey(g)}/${g.vhid}`;
    const first = ids.get(id);
    if (first) {
      return (
        `${entry.source}: ${describe(g)} on ${g.interface} is already used by ${first.source} (${describe(first.group)}); ` +
        'CARP and VRRP share one id space per interface'
      );
    }
    ids.set(id, entry);
    for (const addr of g.addrs) {
      const owner = addresses.get(addr);
      if (owner) return `${entry.source}: address ${addr} is already in ${owner.source}`;
      addresses.set(addr, entry);
    }
  }
  return null;
}

export interface GroupDiff {
  added: GroupSettings[];
  removed: GroupSettings[];
  /** A group whose file changed: [running, new]. */
  changed: [GroupSettings, GroupSettings][];
  unchanged: GroupSettings[];
}

/** Settings compare by value (the parser builds them in one key order); the password as its bytes. */
function sameSettings(a: GroupSettings, b: GroupSettings): boolean {
  const text = (g: GroupSettings) => JSON.stringify({ ...g, password: g.password?.toString('base64') ?? null });
  return text(a) === text(b);
}

/** What a reload does, group by group (a group is known by its name, i.e. its file). */
export function diffGroups(running: readonly GroupSettings[], wanted: readonly GroupSettings[]): GroupDiff {
  const before = new Map(running.map((g) => [g.name, g]));
  const after = new Map(wanted.map((g) => [g.name, g]));
  const diff: GroupDiff = { added: [], removed: [], changed: [], unchanged: [] };
  for (const g of running) if (!after.has(g.name)) diff.removed.push(g);
  for (const g of wanted) {
    const old = before.get(g.name);
    if (!old) diff.added.push(g);
    else if (sameSettings(old, g)) diff.unchanged.push(old);
    else diff.changed.push([old, g]);
  }
  return diff;
}
