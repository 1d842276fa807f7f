// What goes on the wire when the election says "announce": per address, the frames
// that make the neighbours send its traffic to our MAC. IPv4: a gratuitous ARP. IPv6:
// an unsolicited Neighbor Advertisement (RFC 4861 §7.2.6), Override set, so that
// caches take the new MAC at once rather than after their own probing.
import { ipFamily, type IpAddress } from '../core/ip-address.js';
import { encodeGratuitousArp } from '../core/packets/arp.js';
import { encodeNeighborAdvert } from '../core/packets/neighbor-advert.js';

export interface AnnouncementFrame {
  frame: Buffer;
  /** For an error line: "gratuitous ARP for 10.0.0.1". */
  what: string;
}

export function announcementFrames(mac: Buffer, addr: IpAddress): AnnouncementFrame[] {
  if (ipFamily(addr) === 4) return [{ frame: encodeGratuitousArp(mac, addr), what: `gratuitous ARP for ${addr}` }];
  return [{ frame: encodeNeighborAdvert(mac, addr), what: `neighbour advertisement for ${addr}` }];
}
