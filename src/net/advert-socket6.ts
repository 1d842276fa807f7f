// The IPv6 socket for VRRPv3 adverts (next header 112), over our own addon
// (native/advert_socket6.c): an IPv6 raw socket hands over only the payload, and the
// hop limit RFC 5798 §5.1.2 requires to be 255 comes as ancillary data that Node and
// raw-socket cannot read. Each received packet arrives as the core's InboundPacket
// (source, destination, hop limit, payload); sends go out from the interface's
// link-local address with hop limit 255 and traffic class 0xc0 (as keepalived's), to
// the group or a peer. A master's standing adverts to the group leave as Ethernet frames
// on Ethernet, as the IPv4 ones do (advert-socket.ts): their IPv6 header is then ours.
import type { InboundPacket } from '../core/inbound-packet.js';
import { ipFromBytes, ipToBytes, isMulticast, type IpAddress } from '../core/ip-address.js';
import { ipv6MulticastMac } from '../core/packets/ethernet.js';
import { encodeIpv6Packet, NEXT_HEADER_VRRP } from '../core/packets/ipv6-header.js';
import { forEachBatchRecord } from './batch-records.js';
import { loadAddon } from './native-addon.js';
import { addCounts, endReporter, openLinkRepeater, packRun, stopCounts } from './repeat-run.js';
import { linkLocalAddress } from './interface-ipv6.js';
import { readLinkState } from './interface-info.js';

export interface AdvertSocket6Options {
  ifname: string;
  /** ff02::12 unless --mcast says otherwise. */
  group: IpAddress;
  /** The source of what we send; default: the interface's link-local address. */
  source?: IpAddress;
  protocol?: number;
  /** Receive our own multicast packets (tests use it as a control). */
  multicastLoop?: boolean;
  trafficClass?: number;
}

/**
 * One received packet. Should the kernel ever leave out the ancillary data, the hop
 * limit reads 0 and the destination :: (never seen; the inbound screen drops both).
 */
export interface ReceivedPacket6 extends InboundPacket {
  ifindex: number;
  /** Longer than the addon's 4096-byte buffer: payload is cut short (and fails its checksum). */
  truncated: boolean;
}

export interface AdvertSocket6 {
  readonly ifname: string;
  readonly ifindex: number;
  /** The source address our packets carry. */
  readonly source: IpAddress;
  readonly closed: boolean;
  /** Sends one payload (the VRRP packet). Rejects (never throws) on failure. */
  send(payload: Buffer, destination: IpAddress): Promise<void>;
  onPacket(cb: (packet: ReceivedPacket6) => void): () => void;
  onError(cb: (error: Error) => void): () => void;
  /**
   * Sends the payloads (all of one length) to destination in turn, at firstDueMs and
   * every everyMs after, from the addon's sender thread, as AdvertSocket.repeat does for
   * IPv4 (see there), also as Ethernet frames to a multicast destination on Ethernet
   * unless ipOutput. The source is the one in use now; a rejoin ends it (the send fails).
   */
  repeat(key: number, payloads: readonly Buffer[], destination: IpAddress, firstDueMs: number, everyMs: number, lastRepeats: boolean, onEnd: (e?: Error) => void, ipOutput?: boolean): boolean;
  /** Stops key's repeating: how many of the schedule's instants passed, and how many packets went out. */
  stopRepeat(key: number): { slots: number; sends: number };
  /** A classic BPF program: payload at offset 0, the IPv6 header at SKF_NET_OFF. Throws if refused. */
  attachFilter(program: Buffer): void;
  /** Binds and joins again (the interface was re-created); re-reads the link-local source. Throws if it cannot. */
  rejoin(): void;
  close(): void;
}

interface AdvertSocket6Addon {
  open(
    ifname: string,
    ifindex: number,
    group: Buffer,
    protocol: number,
    loop: boolean,
    trafficClass: number,
    cb: (batch: Buffer | null, count: number, errno: number) => void,
  ): number;
  send(id: number, payload: Buffer, destination: Buffer, source: Buffer, ifindex: number): number;
  repeat(
    id: number,
    key: number,
    payloads: Buffer,
    payloadLength: number,
    destination: Buffer,
    source: Buffer,
    ifindex: number,
    firstDueMs: number,
    everyMs: number,
    lastRepeats: boolean,
    onEnd: (errno: number) => void,
  ): void;
  stopRepeat(id: number, key: number): [number, number];
  rejoin(id: number, ifname: string, ifindex: number, previousIfindex: number, group: Buffer): void;
  attachFilter(id: number, program: Buffer): void;
  close(id: number): void;
}

// The extra bytes native/advert_socket6.c writes into each batch record (batch-records.ts).
export const RECORD_EXTRA = 38;
const FLAG_NO_HOPLIMIT = 2;
const FLAG_NO_DESTINATION = 4;
const UNSPECIFIED = ipFromBytes(Buffer.alloc(16), 0, 6);
/** keepalived's traffic class for VRRP over IPv6 (DSCP CS6, network control). */
export const VRRP6_TRAFFIC_CLASS = 0xc0;

let addon: AdvertSocket6Addon | undefined;

/**
 * Splits one batch from the addon into packets; each payload is a view of that batch,
 * which nothing reuses. Throws when the records do not fill the batch (forEachBatchRecord).
 */
export function decodeReceiveBatch(batch: Buffer, count: number): ReceivedPacket6[] {
  const out: ReceivedPacket6[] = [];
  forEachBatchRecord(batch, count, RECORD_EXTRA, (payload, truncated, at) => {
    const flags = batch[at + 37]!;
    out.push({
      source: ipFromBytes(batch, at, 6),
      destination: flags & FLAG_NO_DESTINATION ? UNSPECIFIED : ipFromBytes(batch, at + 16, 6),
      hopLimit: flags & FLAG_NO_HOPLIMIT ? 0 : batch[at + 36]!,
      ifindex: batch.readUInt32BE(at + 32),
      payload,
      truncated,
    });
  });
  return out;
}

export function openAdvertSocket6(opts: AdvertSocket6Options): AdvertSocket6 {
  addon ??= loadAddon<AdvertSocket6Addon>('advert_socket6');
  const native = addon;
  const where = (): string => `IPv6 advert socket on ${opts.ifname}`;
  const describe = (step: string, error: unknown): Error => {
    const why = error instanceof Error ? error.message : String(error);
    return Object.assign(new Error(`${where()}: ${step}: ${why}`, { cause: error }), { code: (error as NodeJS.ErrnoException)?.code });
  };
  const findSource = (): IpAddress => {
    const s = opts.source ?? linkLocalAddress(opts.ifname);
    if (!s) throw new Error(`${opts.ifname} has no IPv6 link-local address (is IPv6 disabled on it?)`);
    return s;
  };
  const first = readLinkState(opts.ifname);
  if (!first) throw new Error(`${where()}: interface ${opts.ifname} does not exist`);
  let source = findSource();
  const group = ipToBytes(opts.group);
  let ifindex = first.ifindex;
  let closed = false;
  const packetListeners = new Set<(p: ReceivedPacket6) => void>();
  const errorListeners = new Set<(e: Error) => void>();
  const report = (error: Error): void => {
    if (errorListeners.size === 0) {
      process.emitWarning(error.message, 'AdvertSocketWarning');
      return;
    }
    for (const cb of errorListeners) cb(error);
  };

  const nextHeader = opts.protocol ?? NEXT_HEADER_VRRP;
  const trafficClass = opts.trafficClass ?? VRRP6_TRAFFIC_CLASS;
  let id: number;
  try {
    id = native.open(opts.ifname, ifindex, group, nextHeader, opts.multicastLoop ?? false, trafficClass, (batch, count, errno) => {
      if (closed) return;
      if (!batch) {
        report(describe('receive', Object.assign(new Error(`errno ${errno}`), { errno })));
        return;
      }
      let packets: ReceivedPacket6[];
      try {
        packets = decodeReceiveBatch(batch, count);
      } catch (e) {
        report(describe('receive', e));
        return;
      }
      for (const packet of packets) {
        for (const cb of packetListeners) {
          try {
            cb(packet);
          } catch (e) {
            report(describe('packet listener threw', e));
          }
        }
      }
    });
  } catch (e) {
    throw describe('setup', e);
  }

  // Standing adverts to a group as frames when the interface is Ethernet and the addon can.
  const link = openLinkRepeater(opts.ifname);

  return {
    ifname: opts.ifname,
    get ifindex() {
      return ifindex;
    },
    get source() {
      return source;
    },
    get closed() {
      return closed;
    },
    send(payload: Buffer, destination: IpAddress): Promise<void> {
      if (closed) return Promise.reject(new Error(`${where()} is closed`));
      try {
        const sent = native.send(id, payload, ipToBytes(destination), ipToBytes(source), ifindex);
        if (sent !== payload.length) return Promise.reject(new Error(`${where()} sent ${sent} of ${payload.length} bytes`));
        return Promise.resolve();
      } catch (e) {
        return Promise.reject(describe(`send to ${destination}`, e));
      }
    },
    repeat(key, payloads, destination, firstDueMs, everyMs, lastRepeats, onEnd, ipOutput = false): boolean {
      const run = packRun(payloads);
      if (closed || !run) return false;
      const failed = (e: Error): Error => describe(`send to ${destination}`, e);
      // A key has one schedule, on one of the two descriptors: starting it on one ends it on the other.
      if (!ipOutput && link && isMulticast(destination)) {
        // The header the kernel would write, but for the flow label: 0 here, a hash there (auto_flowlabels).
        const packets = packRun(payloads.map((p) => encodeIpv6Packet({ src: source, dst: destination, nextHeader, trafficClass }, p)))!;
        native.stopRepeat(id, key);
        link.repeat(key, packets, ifindex, ipv6MulticastMac(destination), firstDueMs, everyMs, lastRepeats, endReporter(onEnd, failed));
      } else {
        link?.stop(key);
        native.repeat(id, key, run.all, run.length, ipToBytes(destination), ipToBytes(source), ifindex, firstDueMs, everyMs, lastRepeats, endReporter(onEnd, failed));
      }
      return true;
    },
    stopRepeat(key) {
      if (closed) return { slots: 0, sends: 0 };
      const onSocket = stopCounts(native.stopRepeat(id, key));
      return link ? addCounts(onSocket, link.stop(key)) : onSocket;
    },
    onPacket(cb) {
      packetListeners.add(cb);
      return () => packetListeners.delete(cb);
    },
    onError(cb) {
      errorListeners.add(cb);
      return () => errorListeners.delete(cb);
    },
    attachFilter(program: Buffer): void {
      if (closed) throw new Error(`${where()} is closed`);
      native.attachFilter(id, program);
    },
    rejoin(): void {
      if (closed) throw new Error(`${where()} is closed`);
      try {
        const state = readLinkState(opts.ifname);
        if (!state) throw new Error(`interface ${opts.ifname} does not exist`);
        source = findSource();
        native.rejoin(id, opts.ifname, state.ifindex, ifindex, group);
        ifindex = state.ifindex;
      } catch (e) {
        throw describe('rejoin', e);
      }
    },
    close(): void {
      if (closed) return;
      closed = true;
      link?.close();
      native.close(id);
    },
  };
}
