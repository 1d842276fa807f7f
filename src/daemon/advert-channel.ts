// The advert socket of one interface and family, shared by the groups on it, and each
// group's channel through it: payloads go out to a destination, InboundPackets come
// in. IPv4 rides on raw-socket with IP_HDRINCL, so each group's header is built here
// (its own source and TOS, reused: a master sends the same bytes every interval) and
// decoded on the way in. IPv6 rides on our own addon, where the kernel builds the
// header (from the socket's one source address) and reports each packet's hop limit
// and destination.
import type { Decoded } from '../core/drop-reason.js';
import { decodeIpv4Inbound, type InboundPacket } from '../core/inbound-packet.js';
import { ipFamily, type IpAddress, type IpFamily } from '../core/ip-address.js';
import { encodeIpv4Packet } from '../core/packets/ipv4-header.js';
import type { GroupSettings } from '../config/settings.js';
import { openAdvertSocket } from '../net/advert-socket.js';
import { openAdvertSocket6 } from '../net/advert-socket6.js';

/** What one group sends through its interface's socket. */
export interface AdvertChannel {
  readonly family: IpFamily;
  /** Sends one protocol payload (CARP or VRRP). Rejects, never throws. */
  send(payload: Buffer, dst: IpAddress): Promise<void>;
  /**
   * Sends the payloads to dst in turn at firstDueMs and every everyMs after from native
   * code, then the last one again and again (lastRepeats) or onEnd() once they are out,
   * until stopRepeat (see AdvertSocket.repeat). False when unavailable: adverts then go
   * through the election one by one.
   */
  repeat(payloads: readonly Buffer[], dst: IpAddress, firstDueMs: number, everyMs: number, lastRepeats: boolean, onEnd: (e?: Error) => void): boolean;
  /** How many of the schedule's instants passed, and how many packets went out. */
  stopRepeat(): { slots: number; sends: number };
}

/** The socket itself, for its owner (link-port.ts). */
export interface LinkSocket {
  readonly family: IpFamily;
  /**
   * A group's channel: its adverts leave with its own source (IPv4) and TOS, and its
   * native repeat is the socket's schedule for id (its vhid/vrid, unique on the socket).
   * ipOutput (--ip-output): its repeated adverts too go through the IP layer.
   */
  channel(src: IpAddress, tos: number, id: number, ipOutput: boolean): AdvertChannel;
  /** Binds and joins again after the interface was re-created. Throws if it cannot. */
  rejoin(): void;
  /** A classic BPF program for the kernel to run first. Throws if it cannot. */
  attachFilter(program: Buffer): void;
  close(): void;
}

export interface ChannelHandlers {
  /** Every received packet, or why its IP header was refused. */
  onPacket(packet: Decoded<InboundPacket>): void;
  onError(error: Error): void;
}

/** The socket for the first group's interface and family (that of its virtual addresses). */
export function openLinkSocket(s: GroupSettings, h: ChannelHandlers): LinkSocket {
  if (ipFamily(s.srcip) === 6) {
    const sock = openAdvertSocket6({ ifname: s.interface, group: s.mcast, source: s.srcip });
    sock.onPacket((p) => h.onPacket({ ok: true, value: p }));
    sock.onError(h.onError);
    return {
      family: 6,
      channel: (_src, _tos, id, ipOutput) => ({
        family: 6,
        send: (payload, dst) => sock.send(payload, dst),
        repeat: (payloads, dst, firstDueMs, everyMs, lastRepeats, onEnd) => sock.repeat(id, payloads, dst, firstDueMs, everyMs, lastRepeats, onEnd, ipOutput),
        stopRepeat: () => sock.stopRepeat(id),
      }),
      rejoin: () => sock.rejoin(),
      attachFilter: (program) => sock.attachFilter(program),
      close: () => sock.close(),
    };
  }
  const sock = openAdvertSocket({ ifname: s.interface, srcip: s.srcip, group: s.mcast });
  sock.onPacket((buf) => h.onPacket(decodeIpv4Inbound(buf)));
  sock.onError(h.onError);
  return {
    family: 4,
    channel(src, tos, id, ipOutput) {
      const lastAdvert = new Map<IpAddress, { payload: Buffer; packet: Buffer }>();
      const packetFor = (payload: Buffer, dst: IpAddress): Buffer => {
        let last = lastAdvert.get(dst);
        if (!last || !last.payload.equals(payload)) {
          last = { payload, packet: encodeIpv4Packet({ src, dst, tos }, payload) };
          lastAdvert.set(dst, last);
        }
        return last.packet;
      };
      return {
        family: 4,
        send: (payload, dst) => sock.send(packetFor(payload, dst), dst),
        repeat: (payloads, dst, firstDueMs, everyMs, lastRepeats, onEnd) =>
          sock.repeat(
            id,
            // One standing advert reuses the packet; a sequence (CARP's counters) is built once.
            payloads.length === 1 ? [packetFor(payloads[0]!, dst)] : payloads.map((p) => encodeIpv4Packet({ src, dst, tos }, p)),
            dst, firstDueMs, everyMs, lastRepeats, onEnd, ipOutput,
          ),
        stopRepeat: () => sock.stopRepeat(id),
      };
    },
    rejoin: () => sock.rejoin(),
    attachFilter: (program) => sock.attachFilter(program),
    close: () => sock.close(),
  };
}
