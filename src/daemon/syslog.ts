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

/** "no such file" for ENOENT etc.: unix-dgram reports errors as negative errno numbers. */
export function describeSendError(err: { code?: unknown; message?: string }): string {
  const code = err.code;
  if (code === 1 || err.message === 'congestion') return 'the syslog daemon is not keeping up';
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

/**
 * Sends each log line as one datagram. Unconnected sendto per message, as a
 * restarted syslog daemon (new socket inode) then just works again. Never throws
 * and never blocks: a message that cannot be delivered is dropped.
 */
export class SyslogWriter {
  private socket: UnixDgramSocket | null = null;
  private failing = false;
  private readonly ident: string;
  private readonly path: string;
  readonly sink: LogSink;

  constructor(private readonly opts: SyslogOptions) {
    syslogPriority(opts.facility, 'info'); // refuse an unknown facility now, not per message
    this.ident = opts.ident ?? SYSLOG_IDENT;
    this.path = opts.path ?? DEFAULT_SYSLOG_PATH;
    this.sink = (level, message) => this.write(level, message);
  }

  write(level: Level, message: string): void {
    const line = formatSyslogLine(
      syslogPriority(this.opts.facility, level),
      this.opts.now?.() ?? new Date(),
      this.ident,
      this.opts.pid ?? process.pid,
      message.replace(/\n+$/, ''),
    );
    const buf = Buffer.from(line, 'utf8');
    try {
      this.socket ??= this.open();
      this.socket.send(buf, 0, buf.length, this.path, (err) => (err ? this.failed(describeSendError(err)) : this.delivered()));
    } catch (e) {
      this.failed(e instanceof Error ? e.message : String(e));
    }
  }

  close(): void {
    try {
      this.socket?.close();
    } catch {
      /* already closed */
    }
    this.socket = null;
  }

  private open(): UnixDgramSocket {
    const s = loadUnixDgram().createSocket('unix_dgram');
    s.on('error', (e) => this.failed(e.message));
    return s;
  }

  private delivered(): void {
    this.failing = false;
  }

  private failed(reason: string): void {
    if (this.failing) return;
    this.failing = true;
    this.opts.onUnavailable?.(`${this.path}: ${reason}`);
  }
}
