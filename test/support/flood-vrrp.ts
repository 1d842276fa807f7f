// VRRP-shaped flood packets (see flood-sender.ts): forged advertisements for the victim's
// vrid that a correct master must drop or ignore without changing state (RFC 3768 7.1,
// RFC 5798 7.1 and 6.4.3). Every kind that must be dropped carries one fault only and a
// priority above any non-owner master's, so a receiver that skips that one check would
// yield: the flood tests each check, not just the parser.
//
//   vrrp-ttl        TTL 1..254 (the only fault)               RFC: MUST verify TTL 255
//   vrrp-checksum   the VRRP checksum is off by one            MUST verify the checksum
//   vrrp-vrid       another vrid                                MUST verify the VRID
//   vrrp-version    a valid advert of the other VRRP version    MUST verify the version
//   vrrp-addresses  one address, not ours, priority 254         non-owner mismatch: MUST drop
//   vrrp-count      ours plus one more, priority 254            (same rule, other count)
//   vrrp-auth       VRRPv2 only: a wrong simple-text password   MUST authenticate
//   vrrp-lower      a valid advert at priority 1: accepted, and a master keeps its role
//
// Pure: no sockets, no side effects on import, so flood.ts and the benchmark can use the
// kind lists and tests can decode what the sender would send.
import { ipv4FromWord, ipv4Word, type IpAddress } from '../../src/core/ip-address.js';
import { encodeIpv4Packet, KEEPALIVED_TOS } from '../../src/core/packets/ipv4-header.js';
import { encodeVrrp } from '../../src/core/packets/vrrp.js';
import type { Random } from './random.js';

export const VRRP_FLOOD_KINDS = [
  'vrrp-ttl',
  'vrrp-checksum',
  'vrrp-vrid',
  'vrrp-version',
  'vrrp-addresses',
  'vrrp-count',
  'vrrp-auth',
  'vrrp-lower',
] as const;
export type VrrpFloodKind = (typeof VRRP_FLOOD_KINDS)[number];

/** The address owner's priority: no master outranks it, so a missed check shows as a takeover. */
export const FORGED_PRIORITY = 255;
/** RFC 5798 7.1: an address mismatch is only dropped when the sender is not the owner. */
export const FORGED_MISMATCH_PRIORITY = 254;
/** The lowest priority a live router sends (0 means "leaving", which a master must answer at once). */
export const LOWER_PRIORITY = 1;

export type FloodProtocol = 'carp' | 'vrrp2' | 'vrrp3';

/** The kinds a flood of a group of this protocol sends by default. */
export function defaultFloodKinds(protocol: FloodProtocol): string[] {
  if (protocol === 'carp') return ['forged'];
  // No password in VRRPv3, so nothing for vrrp-auth to get wrong.
  return VRRP_FLOOD_KINDS.filter((k) => protocol === 'vrrp2' || k !== 'vrrp-auth');
}

export interface VrrpForgeOptions {
  version: 2 | 3;
  vrid: number;
  src: IpAddress;
  group: IpAddress;
  /** The group's virtual addresses, in its order. */
  addrs: IpAddress[];
  /** The group's interval in seconds (v2: whole seconds), so only the intended fault differs. */
  advbase: number;
  /** v2: the group's password (null: no authentication). */
  password: Buffer | null;
  rng: Random;
}

/** One builder per kind; each call returns a whole IPv4 packet with a fresh IP id. */
export function vrrpForgers(o: VrrpForgeOptions): Record<VrrpFloodKind, () => Buffer> {
  if (o.addrs.length === 0) throw new Error('VRRP flood kinds need the group\'s addresses (--addr)');
  const ours = new Set(o.addrs);
  let foreign = o.addrs[0]!;
  do foreign = ipv4FromWord((ipv4Word(foreign) + 1) >>> 0);
  while (ours.has(foreign));
  const ip = { src: o.src, dst: o.group };
  const intervalCs = (version: 2 | 3): number =>
    version === 2 ? Math.max(1, Math.min(255, Math.round(o.advbase))) * 100 : Math.max(1, Math.min(4095, Math.round(o.advbase * 100)));

  const advert = (f: { version?: 2 | 3; vrid?: number; priority?: number; addrs?: IpAddress[]; password?: Buffer | null }): Buffer => {
    const version = f.version ?? o.version;
    return encodeVrrp(
      {
        version,
        vrid: f.vrid ?? o.vrid,
        priority: f.priority ?? FORGED_PRIORITY,
        intervalCs: intervalCs(version),
        addrs: f.addrs ?? o.addrs,
        password: f.password !== undefined ? f.password : o.password,
      },
      ip,
    );
  };
  const packet = (vrrp: Buffer, ttl = 255): Buffer =>
    encodeIpv4Packet({ ...ip, ttl, tos: KEEPALIVED_TOS, id: o.rng.int(1, 0xffff) }, vrrp);

  // A password of the same length as the real one (or "wrong" when there is none), never equal to it.
  const wrongPassword = (): Buffer => {
    const real = o.password && o.password.length > 0 ? o.password : Buffer.from('wrong');
    const w = Buffer.from(real);
    w[o.rng.int(0, Math.min(w.length, 8) - 1)]! ^= 1 + o.rng.int(0, 0xfe);
    return w;
  };

  return {
    'vrrp-ttl': () => packet(advert({}), o.rng.int(1, 254)),
    'vrrp-checksum': () => {
      const v = advert({});
      v.writeUInt16BE((v.readUInt16BE(6) + 1) & 0xffff, 6);
      return packet(v);
    },
    'vrrp-vrid': () => packet(advert({ vrid: (o.vrid % 255) + 1 })),
    // The other version, valid for it: v2 carries the password, v3 none.
    'vrrp-version': () => packet(advert({ version: o.version === 2 ? 3 : 2 })),
    'vrrp-addresses': () => packet(advert({ priority: FORGED_MISMATCH_PRIORITY, addrs: [foreign] })),
    'vrrp-count': () => packet(advert({ priority: FORGED_MISMATCH_PRIORITY, addrs: [...o.addrs, foreign] })),
    'vrrp-auth': () => {
      if (o.version !== 2) throw new Error('vrrp-auth is a VRRPv2 kind');
      return packet(advert({ password: wrongPassword() }));
    },
    'vrrp-lower': () => packet(advert({ priority: LOWER_PRIORITY })),
  };
}
