// syslog(3) without libc: RFC 3164 datagrams to /dev/log, formatted as glibc's
// syslog() writes them ("<PRI>Mmm dd hh:mm:ss ident[pid]: message"), so every
// syslog daemon and journald parse them as they parse ucarp's.
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';
import type { Level, LogSink } from './logger.js';

/** Facility numbers of <syslog.h>, by the names ucarp's --facility accepts. */
export const FACILITY_CODES: Readonly<Record<string, number>> = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
};

const SEVERITY: Record<Level, number> = { error: 3, warning: 4, notice: 5, info: 6, debug: 7 };

export const DEFAULT_SYSLOG_PATH = '/dev/log';
export const SYSLOG_IDENT = 'ucarp-ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function syslogPriority(facility: string, level: Level): number {
  const code = FACILITY_CODES[facility];
  if (code === undefined) throw new RangeError(`unknown syslog facility ${JSON.stringify(facility)}`);
  return code * 8 + SEVERITY[level];
}

/** glibc's "%h %e %T": local time, the day padded with a space. */
export function syslogTimestamp(d: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

export function formatSyslogLine(pri: number, when: Date, ident: string, pid: number, message: string): string {
  return `<${pri}>${syslogTimestamp(when)} ${ident}[${pid}]: ${message}`;
}

// The slice of unix-dgram (CommonJS, untyped) used here.
interface UnixDgramSocket {
  send(buf: Buffer, offset: number, length: number, path: string, cb: (err?: Error & { code?: unknown }) => void): void;
  on(event: 'error', cb: (e: Error) => void): void;
  close(): void;
}
interface UnixDgramModule {
  createSocket(type: 'unix_dgram'): UnixDgramSocket;
}
let unixDgram: UnixDgramModule | undefined;
function loadUnixDgram(): UnixDgramModule {
  unixDgram ??= createRequire(import.meta.url)('unix-dgram') as UnixDgramModule;
  return unixDgram;
}

/**
 * Whether unix-dgram's error means a full socket: its sendto() hands back -EAGAIN
 * (or -ENOBUFS); its connected send() says "congestion" (code 1).
 */
const isCongestion = (err: { code?: unknown; message?: string }): boolean =>
  err.code === 1 || err.message === 'congestion' || err.code === -osConstants.errno.EAGAIN || err.code === -osConstants.errno.ENOBUFS;

/** "no such file" for ENOENT etc.: unix-dgram reports errors as negative errno numbers. */
export function describeSendError(err: { code?: unknown; message?: string }): string {
  const code = err.code;
  if (isCongestion(err)) return 'the syslog daemon is not keeping up';
  const name =
    typeof code === 'number'
      ? Object.entries(osConstants.errno).find(([, n]) => n === -code)?.[0]
      : typeof code === 'string'
        ? code
        : undefined;
  switch (name) {
    case 'ENOENT':
      return 'no such file';
    case 'ECONNREFUSED':
      return 'no syslog daemon is listening';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return name ?? err.message ?? 'send failed';
  }
}

export interface SyslogOptions {
  facility: string;
  ident?: string;
  pid?: number;
  path?: string;
  /** Called once when messages cannot be delivered (again after they could be in between). */
  onUnavailable?: (reason: string) => void;
  now?: () => Date;
}

/** Lines kept while the syslog daemon catches up (see SyslogWriter). */
const MAX_HELD_LINES = 64;
/** How soon a full socket is tried again: unix-dgram's sendto() has no "writable" event. */
const RETRY_MS = 20;

/**
 * Sends each log line as one datagram. Unconnected sendto per message, as a
 * restarted syslog daemon (new socket inode) then just works again. Never throws
 * and never blocks.
 *
 * A syslog daemon that falls behind (a --debug flood fills its socket) must not cost
 * the lines that matter: seen in CI, a warning sent into a full socket was lost among
 * the debug lines. So while the socket is full, notice and worse wait in a short queue
 * (sent in order when the socket drains), info and debug are dropped, and a warning
 * says how many were. A full socket is not an outage: onUnavailable is for a socket
 * that is missing or refuses.
 */
export class SyslogWriter {
  private socket: UnixDgramSocket | null = null;
  private failing = false;
  private readonly ident: string;
  private readonly path: string;
  private congested = false;
  private retry: NodeJS.Timeout | null = null;
  private readonly held: Buffer[] = [];
  private droppedNow = 0;
  /** Lines dropped since start because the syslog daemon was not keeping up. */
  dropped = 0;
  readonly sink: LogSink;

  constructor(private readonly opts: SyslogOptions) {
    syslogPriority(opts.facility, 'info'); // refuse an unknown facility now, not per message
    this.ident = opts.ident ?? SYSLOG_IDENT;
    this.path = opts.path ?? DEFAULT_SYSLOG_PATH;
    this.sink = (level, message) => this.write(level, message);
  }

  write(level: Level, message: string): void {
    const buf = this.format(level, message);
    if (this.congested) this.hold(level, buf);
    else if (this.send(buf) === 'congested') {
      this.congested = true;
      this.hold(level, buf);
      this.retryLater();
    }
  }

  close(): void {
    try {
      this.socket?.close();
    } catch {
      /* already closed */
    }
    this.socket = null;
    this.held.length = 0;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
  }

  private retryLater(): void {
    this.retry ??= setTimeout(() => {
      this.retry = null;
      this.drain();
    }, RETRY_MS);
    this.retry.unref(); // held log lines must not keep a stopping daemon alive
  }

  private format(level: Level, message: string): Buffer {
    const line = formatSyslogLine(
      syslogPriority(this.opts.facility, level),
      this.opts.now?.() ?? new Date(),
      this.ident,
      this.opts.pid ?? process.pid,
      message.replace(/\n+$/, ''),
    );
    return Buffer.from(line, 'utf8');
  }

  /** One datagram; 'congested' when the socket is full (the line was not sent). */
  private send(buf: Buffer): 'sent' | 'congested' | 'failed' {
    // unix-dgram calls back before send() returns; a later callback counts as sent.
    let result: 'sent' | 'congested' | 'failed' = 'sent';
    try {
      this.socket ??= this.open();
      this.socket.send(buf, 0, buf.length, this.path, (err) => {
        if (!err) {
          this.failing = false;
        } else if (isCongestion(err)) {
          result = 'congested';
        } else {
          result = 'failed';
          this.failed(describeSendError(err));
        }
      });
    } catch (e) {
      result = 'failed';
      this.failed(e instanceof Error ? e.message : String(e));
    }
    return result;
  }

  private hold(level: Level, buf: Buffer): void {
    if (SEVERITY[level] <= SEVERITY.notice && this.held.length < MAX_HELD_LINES) {
      this.held.push(buf);
    } else {
      this.dropped++;
      this.droppedNow++;
    }
  }

  /** Sends what was held, in order, while the socket has room. */
  private drain(): void {
    if (!this.congested) return;
    while (this.held.length > 0) {
      if (this.send(this.held[0]!) === 'congested') return this.retryLater();
      this.held.shift();
    }
    this.congested = false;
    if (this.droppedNow > 0) {
      const n = this.droppedNow;
      this.droppedNow = 0;
      this.write('warning', `${n} log line${n === 1 ? '' : 's'} dropped: the syslog daemon was not keeping up`);
    }
  }

  private open(): UnixDgramSocket {
    const s = loadUnixDgram().createSocket('unix_dgram');
    s.on('error', (e) => this.failed(e.message));
    return s;
  }

  private failed(reason: string): void {
    if (this.failing) return;
    this.failing = true;
    this.opts.onUnavailable?.(`${this.path}: ${reason}`);
  }
}
