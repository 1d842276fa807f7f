// What goes on the wire when the election says "announce": per address, the frames
// that make the neighbours send its traffic to our MAC. IPv4: a gratuitous ARP.
// IPv6 (an unsolicited neighbour advertisement) joins here with VRRPv3 over IPv6;
// until then the settings refuse IPv6 addresses, so none reaches this point.
import { ipFamily, type IpAddress } from '../core/ip-address.js';
import { encodeGratuitousArp } from '../core/packets/arp.js';

export interface AnnouncementFrame {
  frame: Buffer;
  /** For an error line: "gratuitous ARP for 10.0.0.1". */
  what: string;
}

export function announcementFrames(mac: Buffer, addr: IpAddress): AnnouncementFrame[] {
  if (ipFamily(addr) === 4) return [{ frame: encodeGratuitousArp(mac, addr), what: `gratuitous ARP for ${addr}` }];
  return [];
}
