// The IP-level socket for advertisements (IP protocol 112), over raw-socket.
// The caller hands complete IPv4 packets (IP_HDRINCL) and gets complete IPv4
// packets back, each a private copy.
import { endianness } from 'node:os';
import { ipv4Word, isMulticast, writeIp, type IpAddress } from '../core/ip-address.js';
import { ipv4MulticastMac } from '../core/packets/ethernet.js';
import { withCloexec } from './cloexec.js';
import { readInterface } from './interface-info.js';
import { forEachBatchRecord } from './batch-records.js';
import { rawFdAddon } from './kernel-addons.js';
import { errnoError } from './native-addon.js';
import { addCounts, endReporter, openLinkRepeater, packRun, stopCounts } from './repeat-run.js';
import { rawSocketModule, type RawSocket } from './raw-socket-module.js';

// <linux/in.h>
const IP_MULTICAST_IF = 32;
const IP_MULTICAST_LOOP = 34;
const IP_ADD_MEMBERSHIP = 35;
const IP_DROP_MEMBERSHIP = 36;
const RECEIVE_BUFFER_BYTES = 1 << 20;

export interface AdvertSocketOptions {
  ifname: string;
  /** This host's address on ifname: the membership and multicast source. */
  srcip: IpAddress;
  group: IpAddress;
  protocol?: number;
  /** Receive our own multicast packets. ucarp never does; tests use it as a control. */
  multicastLoop?: boolean;
}

export interface AdvertSocket {
  readonly ifname: string;
  /** The interface index the socket is currently joined on. */
  readonly ifindex: number;
  readonly closed: boolean;
  /** Sends one complete IPv4 packet. Rejects (never throws) on failure. */
  send(ipPacket: Buffer, dst: IpAddress): Promise<void>;
  /**
   * Sends the IPv4 packets (all of one length) to dst in turn, at firstDueMs (monotonicMs's
   * clock) and every everyMs after, from native code, without waking JavaScript, until
   * stopRepeat; after the last one, with lastRepeats, that one at every instant after,
   * else onEnd() once it is out. False when that is unavailable. onEnd(error): a send
   * failed, and repeating has stopped. The socket keeps one such schedule per key (each
   * group sharing it uses its id); a new one for a key replaces that key's. To a multicast
   * dst on Ethernet they leave as link frames, unless ipOutput asks for the IP layer
   * (where netfilter's OUTPUT chain sees them: --ip-output).
   */
  repeat(key: number, ipPackets: readonly Buffer[], dst: IpAddress, firstDueMs: number, everyMs: number, lastRepeats: boolean, onEnd: (e?: Error) => void, ipOutput?: boolean): boolean;
  /** Stops key's repeating: how many of the schedule's instants passed, and how many packets went out. */
  stopRepeat(key: number): { slots: number; sends: number };
  /** Every received IPv4 packet, as a copy the listener may keep. Returns an unsubscribe. */
  onPacket(cb: (ipPacket: Buffer) => void): () => void;
  /** Receive-side errors, and exceptions thrown by packet listeners. */
  onError(cb: (error: Error) => void): () => void;
  /**
   * Has the kernel run this classic BPF program (8-byte instructions) on every packet
   * before queueing it. Throws if it cannot (the socket keeps working unfiltered).
   */
  attachFilter(program: Buffer): void;
  /** Binds and joins again, e.g. after the interface was deleted and re-created. Throws if it cannot. */
  rejoin(): void;
  close(): void;
}

// raw-socket's native wrapper is garbage-collected when JavaScript holds no
// reference, and then silently stops delivering. Every open socket lives here.
const openSockets = new Set<AdvertSocket>();

/** How many advert sockets are open (for tests of the GC guard and of close). */
export function openAdvertSocketCount(): number {
  return openSockets.size;
}

// struct ip_mreqn: group, local address (both network order), ifindex (host order).
// Giving the index as well as the address keeps the choice of interface exact.
function mreqn(group: IpAddress, local: IpAddress, ifindex: number): Buffer {
  const b = Buffer.alloc(12);
  writeIp(group, b, 0);
  writeIp(local, b, 4);
  if (endianness() === 'LE') b.writeInt32LE(ifindex, 8);
  else b.writeInt32BE(ifindex, 8);
  return b;
}

function describe(step: string, opts: AdvertSocketOptions, error: unknown): Error {
  const why = error instanceof Error ? error.message : String(error);
  return new Error(`advert socket on ${opts.ifname} (${opts.srcip}): ${step}: ${why}`, { cause: error });
}

export function openAdvertSocket(opts: AdvertSocketOptions): AdvertSocket {
  const raw = rawSocketModule();
  const IP = raw.SocketLevel.IPPROTO_IP;
  const first = readInterface(opts.ifname);
  if (!first) throw new Error(`advert socket: interface ${opts.ifname} does not exist`);

  let sock: RawSocket;
  // raw-socket's descriptor, when found: for the filter and for sends without the queue.
  let fd: number | undefined;
  try {
    ({ value: sock, fd } = withCloexec(() => raw.createSocket({ protocol: opts.protocol ?? 112 })));
  } catch (e) {
    throw describe('socket()', opts, e);
  }
  const direct = fd !== undefined ? rawFdAddon() : undefined;

  let ifindex = first.ifindex;
  let closed = false;
  const packetListeners = new Set<(p: Buffer) => void>();
  const errorListeners = new Set<(e: Error) => void>();
  const pending = new Set<(e: Error) => void>();
  // raw-socket's queue (used when the direct send is unavailable or the buffer is full)
  // sends only when its poll reports "writable" and no packet is waiting: while one
  // always is (a flood the daemon cannot drain as fast as it arrives, measured with
  // --debug at 10,000 packets/s), queued sends never went out and a master went
  // silent. So raw-socket's receiving pauses until the queued sends are out (batched
  // receiving polls a descriptor of its own and needs no pause).
  let sendsQueued = 0;

  const report = (error: Error): void => {
    if (errorListeners.size === 0) {
      process.emitWarning(error.message, 'AdvertSocketWarning');
      return;
    }
    for (const cb of errorListeners) cb(error);
  };

  const bindAndJoin = (previousIndex: number | undefined): void => {
    const info = readInterface(opts.ifname);
    if (!info) throw new Error(`interface ${opts.ifname} does not exist`);
    // SO_BINDTODEVICE resolves the name to an index once, so it is redone here.
    const name = Buffer.from(`${opts.ifname}\0`);
    sock.setOption(raw.SocketLevel.SOL_SOCKET, raw.SocketOption.SO_BINDTODEVICE, name, name.length);
    if (previousIndex !== undefined && previousIndex !== info.ifindex) {
      // The kernel keeps a socket's membership of a vanished device, and a
      // socket may hold only net.ipv4.igmp_max_memberships (20) of them: without
      // this drop the 20th rejoin fails with ENOBUFS.
      try {
        sock.setOption(IP, IP_DROP_MEMBERSHIP, mreqn(opts.group, opts.srcip, previousIndex), 12);
      } catch {
        /* nothing to drop */
      }
    }
    try {
      sock.setOption(IP, IP_ADD_MEMBERSHIP, mreqn(opts.group, opts.srcip, info.ifindex), 12);
    } catch (e) {
      // Already a member on this very index: a rejoin after a mere link flap.
      if (!(e instanceof Error && /already in use/i.test(e.message))) throw e;
    }
    sock.setOption(IP, IP_MULTICAST_IF, mreqn(opts.group, opts.srcip, info.ifindex), 12);
    ifindex = info.ifindex;
  };

  try {
    sock.setOption(IP, raw.SocketOption.IP_HDRINCL, 1);
    // Room for a burst: under a flood of forged packets a genuine advert must not be
    // the one the kernel drops for a full queue (the kernel caps this at rmem_max).
    sock.setOption(raw.SocketLevel.SOL_SOCKET, raw.SocketOption.SO_RCVBUF, RECEIVE_BUFFER_BYTES);
    sock.setOption(IP, IP_MULTICAST_LOOP, opts.multicastLoop ? 1 : 0);
    bindAndJoin(undefined);
  } catch (e) {
    sock.close();
    throw describe('setup', opts, e);
  }

  // Standing adverts to a group leave as Ethernet frames when the interface is Ethernet and
  // the addon can; anything else (unicast peers, other link types, no addon) through the raw socket.
  const link = fd !== undefined ? openLinkRepeater(opts.ifname) : null;

  // Set when the addon receives in batches (below).
  let batchFd: number | undefined;
  const shutDown = (): void => {
    closed = true;
    if (direct && fd !== undefined) direct.forgetRepeat(fd);
    link?.close();
    if (batchFd !== undefined) direct?.stopReceive(batchFd);
    openSockets.delete(api);
    const error = new Error(`advert socket on ${opts.ifname} is closed`);
    for (const reject of pending) reject(error);
    pending.clear();
  };

  const deliver = (packet: Buffer): void => {
    for (const cb of packetListeners) {
      try {
        cb(packet);
      } catch (e) {
        report(describe('packet listener threw', opts, e));
      }
    }
  };
  // Receiving in batches (raw_fd's receive: recvmmsg, one call per round of packets)
  // when the addon has it; raw-socket's own receiving (a wake-up, a recvfrom and two
  // calls into JavaScript per packet: README, "Where the CPU goes") then stays paused
  // for good. Without the addon, or if it cannot, raw-socket receives as before.
  if (direct && fd !== undefined && typeof direct.receive === 'function') {
    try {
      direct.receive(fd, (batch, count, errno) => {
        if (batch) forEachBatchRecord(batch, count, 0, deliver);
        else report(describe('receive', opts, errnoError(errno)));
      });
      sock.pauseRecv();
      batchFd = fd;
    } catch {
      /* raw-socket's own receiving */
    }
  }
  const batched = batchFd !== undefined;
  // raw-socket hands a view of one receive buffer that the next packet overwrites.
  if (!batched) sock.on('message', (buffer: Buffer) => deliver(Buffer.from(buffer)));
  sock.on('error', (e: Error) => report(describe('receive', opts, e)));
  sock.on('close', () => {
    // Also reached when raw-socket closes the socket itself after a poll error.
    if (!closed) {
      shutDown();
      report(new Error(`advert socket on ${opts.ifname} was closed by raw-socket`));
    }
  });

  const api: AdvertSocket = {
    ifname: opts.ifname,
    get ifindex() {
      return ifindex;
    },
    get closed() {
      return closed;
    },
    send(ipPacket: Buffer, dst: IpAddress): Promise<void> {
      if (closed) return Promise.reject(new Error(`advert socket on ${opts.ifname} is closed`));
      if (direct && fd !== undefined) {
        try {
          const bytes = direct.sendTo(fd, ipPacket, ipv4Word(dst));
          if (bytes === ipPacket.length) return Promise.resolve();
          return Promise.reject(new Error(`advert socket sent ${bytes} of ${ipPacket.length} bytes`));
        } catch (e) {
          // A full send buffer: queue it with raw-socket, which waits until there is room.
          if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') return Promise.reject(describe(`send to ${dst}`, opts, e));
        }
      }
      return new Promise<void>((resolve, reject) => {
        pending.add(reject);
        if (sendsQueued++ === 0 && !batched) sock.pauseRecv();
        sock.send(ipPacket, 0, ipPacket.length, dst, (error, bytes) => {
          if (--sendsQueued === 0 && !closed && !batched) sock.resumeRecv();
          pending.delete(reject);
          if (error) reject(describe(`send to ${dst}`, opts, error));
          else if (bytes !== ipPacket.length) reject(new Error(`advert socket sent ${bytes} of ${ipPacket.length} bytes`));
          else resolve();
        });
      });
    },
    repeat(key, ipPackets, dst, firstDueMs, everyMs, lastRepeats, onEnd, ipOutput = false): boolean {
      const run = packRun(ipPackets);
      if (closed || !direct || fd === undefined || !run) return false;
      const failed = (e: Error): Error => Object.assign(e, { message: `advert socket on ${opts.ifname}: send to ${dst}: ${e.message}` });
      const onEnded = endReporter(onEnd, failed);
      // A key has one schedule, on one of the two descriptors: starting it on one ends it on the other.
      if (!ipOutput && link && isMulticast(dst)) {
        direct.stopRepeat(fd, key);
        link.repeat(key, run, ifindex, ipv4MulticastMac(dst), firstDueMs, everyMs, lastRepeats, onEnded);
      } else {
        link?.stop(key);
        direct.repeat(fd, key, run.all, run.length, ipv4Word(dst), firstDueMs, everyMs, lastRepeats, onEnded);
      }
      return true;
    },
    stopRepeat(key) {
      if (closed || !direct || fd === undefined) return { slots: 0, sends: 0 };
      const onSocket = stopCounts(direct.stopRepeat(fd, key));
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
      if (closed) throw new Error(`advert socket on ${opts.ifname} is closed`);
      const addon = rawFdAddon();
      if (!addon) throw new Error('the raw_fd addon is not built');
      if (fd === undefined) throw new Error("raw-socket's descriptor was not found");
      addon.attachFilter(fd, program);
    },
    rejoin(): void {
      if (closed) throw new Error(`advert socket on ${opts.ifname} is closed`);
      try {
        bindAndJoin(ifindex);
      } catch (e) {
        throw describe('rejoin', opts, e);
      }
    },
    close(): void {
      if (closed) return;
      shutDown();
      sock.close();
    },
  };
  openSockets.add(api);
  return api;
}
