// The slice of raw-socket 1.8.1 (a CommonJS package without type declarations)
// that ucarp-ts uses, loaded lazily so importing our modules never needs it.
import { createRequire } from 'node:module';

export interface RawSocket {
  send(
    buffer: Buffer,
    offset: number,
    length: number,
    address: string,
    afterCallback: (error: Error | null, bytes: number) => void,
  ): RawSocket;
  setOption(level: number, option: number, value: Buffer | number, length?: number): void;
  pauseRecv(): RawSocket;
  resumeRecv(): RawSocket;
  close(): RawSocket;
  on(event: 'message', cb: (buffer: Buffer, source: string) => void): RawSocket;
  on(event: 'error', cb: (error: Error) => void): RawSocket;
  on(event: 'close', cb: () => void): RawSocket;
}

export interface RawSocketModule {
  createSocket(options: { protocol: number; addressFamily?: number; bufferSize?: number }): RawSocket;
  SocketLevel: { SOL_SOCKET: number; IPPROTO_IP: number };
  SocketOption: { SO_BINDTODEVICE: number; IP_HDRINCL: number; SO_RCVBUF: number };
}

let loaded: RawSocketModule | undefined;

export function rawSocketModule(): RawSocketModule {
  loaded ??= createRequire(import.meta.url)('raw-socket') as RawSocketModule;
  return loaded;
}
