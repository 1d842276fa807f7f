// Link-layer (AF_PACKET) sending through our own native addon. raw-socket has
// no packet sockets, and gratuitous ARP and --nomcast need whole Ethernet frames.
import { nativeAddon } from './native-addon.js';

export interface PacketSocket {
  readonly ifindex: number;
  /** Sends one complete Ethernet frame (destination MAC first). Throws on failure. */
  send(frame: Buffer): void;
  close(): void;
}

/** Opens a send-only packet socket bound to the interface with this index. */
export function openPacketSocket(ifindex: number): PacketSocket {
  const native = nativeAddon();
  let fd: number | undefined = native.open(ifindex);
  return {
    ifindex,
    send(frame: Buffer): void {
      if (fd === undefined) throw new Error('packet socket is closed');
      const sent = native.send(fd, ifindex, frame);
      if (sent !== frame.length) throw new Error(`packet socket sent ${sent} of ${frame.length} bytes`);
    },
    close(): void {
      if (fd === undefined) return;
      const old = fd;
      fd = undefined;
      native.close(old);
    },
  };
}
