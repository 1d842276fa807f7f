// One interface and address family as the groups on it share it: one advert socket,
// one packet socket (gratuitous ARP, --nomcast frames), one watch of the link, one
// kernel filter for all their ids. A received packet goes to the group of its
// vhid/vrid (both are the payload's second byte), much as an endpoint hands each
// datagram to its connection; a packet for no group is counted here, once.
import type { Decoded } from '../core/drop-reason.js';
import type { InboundPacket } from '../core/inbound-packet.js';
import { KERNEL_FILTER_PASS_ALL, kernelFilterForGroups, type KernelFilterPolicy } from '../core/kernel-filter.js';
import { linkKey } from '../config/group-set.js';
import type { GroupSettings } from '../config/settings.js';
import { encodeBpfProgram } from '../net/bpf-encode.js';
import { readInterface } from '../net/interface-info.js';
import { watchLink, type LinkState, type LinkWatch } from '../net/link-watch.js';
import { openPacketSocket, type PacketSocket } from '../net/packet-socket.js';
import { openLinkSocket, type AdvertChannel, type LinkSocket } from './advert-channel.js';
import { DropCounter } from './drop-counter.js';
import type { Logger } from './logger.js';

/** What a port asks of each group on it. */
export interface PortMember {
  readonly settings: GroupSettings;
  /** Its advert interval, to size the link polling. */
  readonly advertIntervalMs: number;
  /** IP TOS of its adverts (IPv4): its protocol's. */
  readonly tos: number;
  onPacket(packet: Decoded<InboundPacket>): void;
  /** The carrier changed (or may have: the group compares). */
  onLink(running: boolean): void;
}

/**
 * What a group uses of its port: its advert channel (its native repeat is the socket's
 * schedule for its id, so every group on a shared port repeats on its own), the carrier,
 * frames.
 */
export interface GroupPort extends AdvertChannel {
  /** Carrier at the moment of the call. */
  readonly running: boolean;
  readonly mac: Buffer;
  /** A whole Ethernet frame; throws when there is no packet socket. */
  sendFrame(frame: Buffer): void;
  /** Leaves the port; the last one out closes it. */
  detach(): void;
}

export class LinkPort {
  private socket: LinkSocket;
  private packetSocket: PacketSocket | null = null;
  private mac: Buffer = Buffer.alloc(6);
  private ifindex = -1;
  private running: boolean;
  private linkWatch: LinkWatch | null = null;
  private readonly members = new Map<number, PortMember>();
  /** Packets for no group on this port (only counted with several groups: one group counts its own). */
  private readonly strays: DropCounter;
  private filterWarned = false;

  /** Opens the sockets for the first group. Throws (before any packet) if the network is unusable. */
  constructor(
    readonly ifname: string,
    first: GroupSettings,
    private readonly log: Logger,
    private readonly onEmpty: () => void,
  ) {
    const info = readInterface(ifname);
    if (!info) throw new Error(`interface ${ifname} does not exist`);
    this.adoptInterface(info.ifindex, info.mac);
    this.running = info.running;
    this.socket = openLinkSocket(first, {
      onPacket: (pkt) => this.route(pkt),
      onError: (e) => this.log.error(`socket: ${e.message}`),
    });
    this.strays = new DropCounter((line) => log.warning(`${ifname}: ${line}`));
  }

  /** Joins a group; its id must be free on this port. */
  attach(member: PortMember): GroupPort {
    const s = member.settings;
    if (this.members.has(s.vhid)) throw new Error(`${this.ifname}: id ${s.vhid} is already in use in this process`);
    this.members.set(s.vhid, member);
    this.attachKernelFilter();
    if (!this.linkWatch) {
      // Carrier only demotes or re-elects, so (without kernel announcements) a few checks a
      // second are plenty at any interval.
      const pollMs = Math.max(100, Math.min(250, member.advertIntervalMs / 2));
      this.linkWatch = watchLink(this.ifname, {
        pollMs,
        onChange: (link) => this.checkInterface(link),
        onNotice: (line) => this.log.warning(line),
      });
    }
    const port = this;
    const channel = this.socket.channel(s.srcip, member.tos, s.vhid, s.ipOutput);
    let attached = true;
    return {
      family: channel.family,
      get running() {
        return port.running;
      },
      get mac() {
        return port.mac;
      },
      send: (payload, dst) => channel.send(payload, dst),
      repeat: (payloads, dst, firstDueMs, everyMs, lastRepeats, onEnd) => channel.repeat(payloads, dst, firstDueMs, everyMs, lastRepeats, onEnd),
      stopRepeat: () => channel.stopRepeat(),
      sendFrame: (frame) => {
        if (!this.packetSocket) throw new Error('no packet socket');
        this.packetSocket.send(frame);
      },
      detach: () => {
        if (!attached) return;
        attached = false;
        channel.stopRepeat(); // the socket may stay open for the others: its schedule must not
        this.members.delete(s.vhid);
        if (this.members.size === 0) this.close();
        else this.attachKernelFilter();
      },
    };
  }

  /** Refused packets no group took, by reason. */
  strayCounts(): Record<string, number> {
    return this.strays.byReason();
  }

  private route(pkt: Decoded<InboundPacket>): void {
    const only = this.members.size === 1 ? this.members.values().next().value : undefined;
    // One group screens and counts everything itself, exactly as a lone daemon always has.
    if (only) return only.onPacket(pkt);
    if (!pkt.ok) return this.strays.count(pkt.reason);
    const id = pkt.value.payload[1];
    const member = id === undefined ? undefined : this.members.get(id);
    if (member) return member.onPacket(pkt);
    this.strays.count(id === undefined ? 'length' : 'other-vhid');
  }

  /** Forged and stray packets dropped by the kernel cost no wake-up; without the filter, JavaScript screens them all. */
  private attachKernelFilter(): void {
    const policies: KernelFilterPolicy[] = [...this.members.values()].map(({ settings: s }) => ({
      protocol: s.protocol,
      vhid: s.vhid,
      self: s.srcip,
      group: s.mcast,
      peers: s.peers,
    }));
    try {
      const program = kernelFilterForGroups(policies);
      this.socket.attachFilter(encodeBpfProgram(program));
      this.log.debug(`kernel packet filter attached (${program.length} instructions)`);
    } catch (e) {
      // The program attached for fewer groups would drop the adverts of the one that joined:
      // one that passes everything replaces it. (Where nothing could be attached, there is none.)
      try {
        this.socket.attachFilter(encodeBpfProgram(KERNEL_FILTER_PASS_ALL));
      } catch {
        // The first attach failed the same way.
      }
      if (this.filterWarned) return;
      this.filterWarned = true;
      this.log.warning(`no kernel packet filter (${e instanceof Error ? e.message : String(e)}): every packet is screened by the daemon`);
    }
  }

  private checkInterface(link: LinkState | undefined): void {
    if (link && link.ifindex !== this.ifindex) {
      // Deleted and re-created: a new index needs new sockets bound to it.
      const info = readInterface(this.ifname);
      if (info) {
        this.log.warning(`${this.ifname} was re-created (index ${info.ifindex}): rejoining`);
        this.adoptInterface(info.ifindex, info.mac);
        try {
          this.socket.rejoin();
        } catch (e) {
          this.log.error(`rejoining the group on ${this.ifname}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    }
    this.running = link?.running ?? false;
    for (const m of [...this.members.values()]) m.onLink(this.running);
  }

  private adoptInterface(ifindex: number, mac: Buffer): void {
    this.ifindex = ifindex;
    this.mac = mac;
    this.packetSocket?.close();
    this.packetSocket = null;
    try {
      this.packetSocket = openPacketSocket(ifindex);
    } catch (e) {
      this.log.error(`opening a packet socket on ${this.ifname}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private close(): void {
    this.linkWatch?.close();
    this.strays.stop();
    this.socket.close();
    this.packetSocket?.close();
    this.onEmpty();
  }
}

/** The ports of a process, one per interface (and, with IPv6, per address family). */
export class LinkPorts {
  private readonly ports = new Map<string, LinkPort>();

  constructor(private readonly log: Logger) {}

  /** The port for a group's link, opened if it is the first group there. */
  attach(member: PortMember): GroupPort {
    const s = member.settings;
    const key = linkKey(s);
    let port = this.ports.get(key);
    if (!port) {
      port = new LinkPort(s.interface, s, this.log, () => this.ports.delete(key));
      this.ports.set(key, port);
    }
    return port.attach(member);
  }

  /** Stray packets (for no group) per interface, for SIGUSR1. */
  strays(): [string, Record<string, number>][] {
    return [...this.ports.values()].map((p) => [p.ifname, p.strayCounts()]);
  }
}
