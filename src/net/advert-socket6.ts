// The IPv6 socket for VRRPv3 adverts (next header 112), over our own addon
// (native/advert_socket6.c): an IPv6 raw socket hands over only the payload, and the
// hop limit RFC 5798 §5.1.2 requires to be 255 comes as ancillary data that Node and
// raw-socket cannot read. Each received packet arrives with its source, destination,
// hop limit and payload; sends go out from the interface's link-local address with
// hop limit 255 and traffic class 0xc0 (as keepalived's), to the group or a peer.
import { loadAddon } from './native-addon.js';
import { linkLocalAddress } from './interface-ipv6.js';
import { readLinkState } from './interface-info.js';

export interface AdvertSocket6Options {
  ifname: string;
  /** ff02::12 unless --mcast says otherwise. */
  group: Buffer;
  /** The source of what we send; default: the interface's link-local address. */
  source?: Buffer;
  protocol?: number;
  /** Receive our own multicast packets (tests use it as a control). */
  multicastLoop?: boolean;
  trafficClass?: number;
}

/** One received packet: addresses as 16 network-order bytes. */
export interface ReceivedPacket6 {
  source: Buffer;
  /** undefined if the kernel gave no IPV6_PKTINFO (never seen; screened out as unknown). */
  destination: Buffer | undefined;
  /** undefined if the kernel gave no IPV6_HOPLIMIT (never seen; screened out). */
  hopLimit: number | undefined;
  ifindex: number;
  payload: Buffer;
  /** Longer than the addon's 4096-byte buffer: payload is cut short. */
  truncated: boolean;
}

export interface AdvertSocket6 {
  readonly ifname: string;
  readonly ifindex: number;
  /** The source address our packets carry. */
  readonly source: Buffer;
  readonly closed: boolean;
  /** Sends one payload (the VRRP packet). Rejects (never throws) on failure. */
  send(payload: Buffer, destination: Buffer): Promise<void>;
  onPacket(cb: (packet: ReceivedPacket6) => void): () => void;
  onError(cb: (error: Error) => void): () => void;
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
  rejoin(id: number, ifname: string, ifindex: number, previousIfindex: number, group: Buffer): void;
  attachFilter(id: number, program: Buffer): void;
  close(id: number): void;
}

// The record layout written by native/advert_socket6.c.
const RECORD_HEADER = 40;
const FLAG_TRUNCATED = 1;
const FLAG_NO_HOPLIMIT = 2;
const FLAG_NO_DESTINATION = 4;
/** keepalived's traffic class for VRRP over IPv6 (DSCP CS6, network control). */
export const VRRP6_TRAFFIC_CLASS = 0xc0;

let addon: AdvertSocket6Addon | undefined;

/** Splits one batch from the addon into packets; each is a view of that batch, which nothing reuses. */
export function decodeReceiveBatch(batch: Buffer, count: number): ReceivedPacket6[] {
  const out: ReceivedPacket6[] = [];
  let at = 0;
  for (let i = 0; i < count && at + RECORD_HEADER <= batch.length; i++) {
    const flags = batch[at + 37]!;
    const length = batch.readUInt16BE(at + 38);
    const end = Math.min(at + RECORD_HEADER + length, batch.length);
    out.push({
      source: batch.subarray(at, at + 16),
      destination: flags & FLAG_NO_DESTINATION ? undefined : batch.subarray(at + 16, at + 32),
      hopLimit: flags & FLAG_NO_HOPLIMIT ? undefined : batch[at + 36]!,
      ifindex: batch.readUInt32BE(at + 32),
      payload: batch.subarray(at + RECORD_HEADER, end),
      truncated: (flags & FLAG_TRUNCATED) !== 0,
    });
    at = end;
  }
  return out;
}

function hex16(b: Buffer): string {
  return (b.toString('hex').match(/.{4}/g) ?? []).join(':');
}

export function openAdvertSocket6(opts: AdvertSocket6Options): AdvertSocket6 {
  addon ??= loadAddon<AdvertSocket6Addon>('advert_socket6');
  const native = addon;
  const where = (): string => `IPv6 advert socket on ${opts.ifname}`;
  const describe = (step: string, error: unknown): Error => {
    const why = error instanceof Error ? error.message : String(error);
    return Object.assign(new Error(`${where()}: ${step}: ${why}`, { cause: error }), { code: (error as NodeJS.ErrnoException)?.code });
  };
  const findSource = (): Buffer => {
    const s = opts.source ?? linkLocalAddress(opts.ifname);
    if (!s) throw new Error(`${opts.ifname} has no IPv6 link-local address (is IPv6 disabled on it?)`);
    return s;
  };
  const first = readLinkState(opts.ifname);
  if (!first) throw new Error(`${where()}: interface ${opts.ifname} does not exist`);
  let source = findSource();
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

  let id: number;
  try {
    id = native.open(opts.ifname, ifindex, opts.group, opts.protocol ?? 112, opts.multicastLoop ?? false, opts.trafficClass ?? VRRP6_TRAFFIC_CLASS, (batch, count, errno) => {
      if (closed) return;
      if (!batch) {
        report(describe('receive', Object.assign(new Error(`errno ${errno}`), { errno })));
        return;
      }
      for (const packet of decodeReceiveBatch(batch, count)) {
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
    send(payload: Buffer, destination: Buffer): Promise<void> {
      if (closed) return Promise.reject(new Error(`${where()} is closed`));
      try {
        const sent = native.send(id, payload, destination, source, ifindex);
        if (sent !== payload.length) return Promise.reject(new Error(`${where()} sent ${sent} of ${payload.length} bytes`));
        return Promise.resolve();
      } catch (e) {
        return Promise.reject(describe(`send to ${hex16(destination)}`, e));
      }
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
        native.rejoin(id, opts.ifname, state.ifindex, ifindex, opts.group);
        ifindex = state.ifindex;
      } catch (e) {
        throw describe('rejoin', e);
      }
    },
    close(): void {
      if (closed) return;
      closed = true;
      native.close(id);
    },
  };
}
