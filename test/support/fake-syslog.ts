// A fake syslog daemon for tests: an AF_UNIX datagram socket at a path, and the lines
// it received. The daemon under test finds it through a private /dev/log in a lab
// (test/lab/dev-log.ts) or through SyslogWriter's path in unit tests.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';

interface Server {
  on(event: 'message', cb: (buf: Buffer) => void): void;
  on(event: 'error', cb: (e: Error) => void): void;
  bind(path: string): void;
  close(): void;
}
const unix = createRequire(import.meta.url)('unix-dgram') as { createSocket(t: 'unix_dgram'): Server };

/** A fake syslog daemon: a datagram socket at `path`, and the lines it got. */
export class FakeSyslog {
  readonly lines: string[] = [];
  private readonly socket: Server;
  constructor(readonly path: string) {
    this.socket = unix.createSocket('unix_dgram');
    this.socket.on('message', (b) => this.lines.push(b.toString('utf8')));
    this.socket.on('error', (e) => assert.fail(e));
    this.socket.bind(path);
  }
  /** The first line matching re, among those from index `since` on (see lines.length). */
  async waitFor(re: RegExp, ms = 8000, since = 0): Promise<string> {
    const end = Date.now() + ms;
    for (;;) {
      const hit = this.lines.slice(since).find((l) => re.test(l));
      if (hit) return hit;
      if (Date.now() > end) throw new Error(`no syslog line ${re} within ${ms} ms; got:\n${this.lines.join('\n')}`);
      await sleep(20);
    }
  }
  /** Closes the socket; its file stays, as a crashed syslog daemon leaves it. */
  close(): void {
    this.socket.close();
  }
  /** Closes the socket and removes its file, as a stopping syslog daemon does. */
  remove(): void {
    this.close();
    rmSync(this.path, { force: true });
  }
}

