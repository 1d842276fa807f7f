// The daemon's stderr, written so that it can never hold up the protocol.
//
// Measured (issue 17): Node's process.stderr on a pipe is asynchronous only while the
// pipe's O_NONBLOCK flag is on, and that flag belongs to the open file description,
// shared with every process that inherited it. libuv clears it in each child it spawns
// with inherited stdio, so after the first hook script a full pipe (`| sleep 600`, a
// stalled logger or journald) blocked the daemon in write() (wchan anon_pipe_write)
// until its backup took over. When the reader is gone (`| head -2`) the EPIPE error
// was logged to the same stream, which failed again: 82% of a core, SIGTERM ignored.
//
// So the daemon never writes through process.stderr. A pipe or terminal is reopened
// (/proc/self/fd/2) as a description of our own, non-blocking, that no child can
// change; a socket (journald's stream) is written with send(MSG_DONTWAIT) (native
// addon); a regular file is written as is (it has no reader to wait for). Lines wait
// in a bounded queue while the reader is slow, and are dropped (and counted) when it
// is full. EPIPE or any other error turns the writer off for good: the caller logs
// one line elsewhere (syslog). Never throws.
import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';
import { loadAddon } from '../net/native-addon.js';

interface NowaitSendAddon {
  sendNowait(fd: number, data: Buffer): number;
}

export interface StderrWriterOptions {
  /** Default 2. */
  fd?: number;
  /** Queued bytes beyond which lines are dropped. Default 256 KiB. */
  maxQueuedBytes?: number;
  /** How often a full pipe is tried again. Default 100 ms. */
  retryMs?: number;
  /** Called once when writing failed for good (reason: the errno name, e.g. EPIPE). */
  onClosed?: (reason: string) => void;
  /** Called once per episode when lines start being dropped because nobody reads. */
  onStalled?: () => void;
  /** Formats the writer's own line (how many were dropped), newline included. */
  formatNotice?: (message: string) => string;
}

const DEFAULT_MAX_QUEUED = 256 * 1024;

type WriteFn = (data: Buffer) => number;

/** How to write to fd without ever blocking, and what to close afterwards. */
function openNonBlocking(fd: number): { write: WriteFn; ownFd: number | null } {
  let kind: 'pipe-or-tty' | 'socket' | 'other' = 'other';
  try {
    const st = fstatSync(fd);
    kind = st.isFIFO() || st.isCharacterDevice() ? 'pipe-or-tty' : st.isSocket() ? 'socket' : 'other';
  } catch {
    /* not open: the first write says so */
  }
  if (kind === 'pipe-or-tty') {
    try {
      const own = openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY | constants.O_APPEND | constants.O_NONBLOCK | constants.O_NOCTTY);
      return { write: (b) => writeSync(own, b), ownFd: own };
    } catch {
      /* no /proc: fall through to fd itself */
    }
  }
  if (kind === 'socket') {
    try {
      const addon = loadAddon<NowaitSendAddon>('nowait_send');
      return { write: (b) => addon.sendNowait(fd, b), ownFd: null };
    } catch {
      /* addon not built: plain writes, non-blocking only while the flag is */
    }
  }
  return { write: (b) => writeSync(fd, b), ownFd: null };
}

export class StderrWriter {
  private readonly opts: StderrWriterOptions;
  private readonly max: number;
  private readonly out: { write: WriteFn; ownFd: number | null };
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private retry: NodeJS.Timeout | null = null;
  private closed = false;
  private stalled = false;
  /** Lines dropped in the current stall, reported when the reader catches up. */
  private droppedNow = 0;
  /** Lines dropped since start. */
  dropped = 0;

  constructor(opts: StderrWriterOptions = {}) {
    this.opts = opts;
    this.max = opts.maxQueuedBytes ?? DEFAULT_MAX_QUEUED;
    this.out = openNonBlocking(opts.fd ?? 2);
  }

  get open(): boolean {
    return !this.closed;
  }

  write(line: string): void {
    if (this.closed) return;
    // line.length never exceeds its UTF-8 size: a full queue drops a line without encoding it.
    const data = this.queuedBytes + line.length > this.max ? null : Buffer.from(line, 'utf8');
    if (!data || this.queuedBytes + data.length > this.max) {
      this.dropped++;
      this.droppedNow++;
      if (!this.stalled) {
        this.stalled = true;
        this.opts.onStalled?.();
      }
      return;
    }
    this.queue.push(data);
    this.queuedBytes += data.length;
    if (!this.retry) this.flush();
  }

  /** Writes what it can without waiting, then stops and releases our descriptor. */
  close(): void {
    if (!this.closed) this.flush();
    this.release();
  }

  private release(): void {
    this.closed = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    if (this.out.ownFd !== null) {
      try {
        closeSync(this.out.ownFd);
      } catch {
        /* already closed */
      }
    }
  }

  private flush(): void {
    this.retry = null;
    while (!this.closed) {
      const head = this.queue[0];
      if (!head) {
        if (!this.stalled) return;
        // Caught up after a stall: say what was lost, once.
        this.stalled = false;
        const n = this.droppedNow;
        this.droppedNow = 0;
        const notice = `${n} log line${n === 1 ? '' : 's'} dropped: stderr was not being read`;
        this.queue.push(Buffer.from(this.opts.formatNotice?.(notice) ?? `${notice}\n`));
        this.queuedBytes += this.queue[0]!.length;
        continue;
      }
      let n: number;
      try {
        n = this.out.write(head);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? String(e);
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') {
          this.retry = setTimeout(() => this.flush(), this.opts.retryMs ?? 100);
          this.retry.unref(); // a full pipe must not keep a stopping daemon alive
          return;
        }
        if (code === 'EINTR') continue;
        this.release();
        this.opts.onClosed?.(code);
        return;
      }
      this.queuedBytes -= n;
      if (n >= head.length) this.queue.shift();
      else this.queue[0] = head.subarray(n);
    }
  }
}
