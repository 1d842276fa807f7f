// Decoding rtnetlink link announcements (RTM_NEWLINK, RTM_DELLINK; <linux/rtnetlink.h>).
// Pure: takes the datagram the kernel sent, returns what it says about each link.
// Netlink is in the host's byte order.
import { endianness } from 'node:os';

const NLMSG_HDRLEN = 16;
const IFINFOMSG_LEN = 16;
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
const IFLA_IFNAME = 3;
const IFF_UP = 0x1;
const IFF_LOWER_UP = 0x10000;

export interface LinkAnnouncement {
  deleted: boolean;
  ifindex: number;
  /** Empty when the announcement carries no name. */
  name: string;
  /** Administratively up with carrier (IFF_UP and IFF_LOWER_UP: what sysfs's carrier says). */
  running: boolean;
}

const align4 = (n: number): number => (n + 3) & ~3;

/** Every link announcement in the datagram; anything malformed ends the walk. */
export function parseLinkAnnouncements(buf: Buffer, littleEndian = endianness() === 'LE'): LinkAnnouncement[] {
  const u16 = (o: number): number => (littleEndian ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number): number => (littleEndian ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const i32 = (o: number): number => (littleEndian ? buf.readInt32LE(o) : buf.readInt32BE(o));
  const out: LinkAnnouncement[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const len = u32(off);
    const type = u16(off + 4);
    if (len < NLMSG_HDRLEN || off + len > buf.length) break;
    if ((type === RTM_NEWLINK || type === RTM_DELLINK) && len >= NLMSG_HDRLEN + IFINFOMSG_LEN) {
      const ifi = off + NLMSG_HDRLEN;
      const flags = u32(ifi + 8);
      let name = '';
      let a = ifi + IFINFOMSG_LEN;
      while (a + 4 <= off + len) {
        const alen = u16(a);
        const atype = u16(a + 2) & 0x3fff; // without NLA_F_NESTED / NLA_F_NET_BYTEORDER
        if (alen < 4 || a + alen > off + len) break;
        if (atype === IFLA_IFNAME) {
          const value = buf.subarray(a + 4, a + alen);
          const nul = value.indexOf(0);
          name = value.subarray(0, nul < 0 ? value.length : nul).toString('latin1');
        }
        a += align4(alen);
      }
      out.push({
        deleted: type === RTM_DELLINK,
        ifindex: i32(ifi + 4),
        name,
        running: (flags & IFF_UP) !== 0 && (flags & IFF_LOWER_UP) !== 0,
      });
    }
    off += align4(len);
  }
  return out;
}

/** Builds one announcement datagram (for tests). */
export function encodeLinkAnnouncement(a: LinkAnnouncement, littleEndian = endianness() === 'LE'): Buffer {
  const name = Buffer.from(`${a.name}\0`, 'latin1');
  const attrLen = 4 + name.length;
  const len = NLMSG_HDRLEN + IFINFOMSG_LEN + align4(attrLen);
  const b = Buffer.alloc(len);
  const w16 = (v: number, o: number): number => (littleEndian ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  const w32 = (v: number, o: number): number => (littleEndian ? b.writeUInt32LE(v >>> 0, o) : b.writeUInt32BE(v >>> 0, o));
  w32(len, 0);
  w16(a.deleted ? RTM_DELLINK : RTM_NEWLINK, 4);
  w32(a.ifindex, NLMSG_HDRLEN + 4);
  w32(a.running ? IFF_UP | IFF_LOWER_UP | 0x40 : IFF_UP, NLMSG_HDRLEN + 8);
  w16(attrLen, NLMSG_HDRLEN + IFINFOMSG_LEN);
  w16(IFLA_IFNAME, NLMSG_HDRLEN + IFINFOMSG_LEN + 2);
  name.copy(b, NLMSG_HDRLEN + IFINFOMSG_LEN + 4);
  return b;
}
