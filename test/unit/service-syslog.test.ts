// The syslog writer: the line glibc's syslog() would send, and delivery over a real
// AF_UNIX datagram socket, including a missing or vanished /dev/log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SYSLOG_FACILITIES } from '../../src/config/options.js';
import {
  describeSendError,
  FACILITY_CODES,
  formatSyslogLine,
  SyslogWriter,
  syslogPriority,
  syslogTimestamp,
} from '../../src/daemon/syslog.js';
import { FakeSyslog } from '../support/fake-syslog.js';

const until = async (cond: () => boolean, ms = 2000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

test('every facility ucarp-ts accepts has its <syslog.h> number', () => {
  for (const f of SYSLOG_FACILITIES) assert.ok(f in FACILITY_CODES, f);
  assert.equal(FACILITY_CODES.daemon, 3);
  assert.equal(FACILITY_CODES.authpriv, 10);
  assert.equal(FACILITY_CODES.local0, 16);
  assert.equal(FACILITY_CODES.local7, 23);
});

test('priority is facility * 8 + severity', () => {
  assert.equal(syslogPriority('daemon', 'warning'), 28);
  assert.equal(syslogPriority('daemon', 'error'), 27);
  assert.equal(syslogPriority('local3', 'info'), 19 * 8 + 6);
  assert.equal(syslogPriority('kern', 'debug'), 7);
  assert.equal(syslogPriority('user', 'notice'), 13);
  assert.throws(() => syslogPriority('nosuch', 'info'), /unknown syslog facility/);
});

test("the line is glibc's: <PRI>Mmm dd hh:mm:ss ident[pid]: message, day padded with a space", () => {
  const d = new Date(2025, 0, 5, 7, 8, 9);
  assert.equal(syslogTimestamp(d), 'Jan  5 07:08:09');
  assert.equal(syslogTimestamp(new Date(2025, 11, 25, 23, 59, 0)), 'Dec 25 23:59:00');
  assert.equal(
    formatSyslogLine(28, d, 'ucarp-ts', 4242, 'Switching to state: MASTER'),
    '<28>Jan  5 07:08:09 ucarp-ts[4242]: Switching to state: MASTER',
  );
});

test('unix-dgram errno numbers become words', () => {
  assert.equal(describeSendError({ code: -2 }), 'no such file');
  assert.equal(describeSendError({ code: -111 }), 'no syslog daemon is listening');
  assert.equal(describeSendError({ code: 1, message: 'congestion' }), 'the syslog daemon is not keeping up');
});

test('delivers one datagram per message to the socket, with facility, ident and pid', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'svc-syslog-'));
  const path = join(dir, 'log');
  const server = new FakeSyslog(path);
  const problems: string[] = [];
  const w = new SyslogWriter({ facility: 'local4', path, onUnavailable: (r) => problems.push(r) });
  try {
    w.write('warning', 'Switching to state: MASTER');
    w.write('info', 'two lines\n');
    await until(() => server.lines.length === 2);
    assert.match(server.lines[0]!, new RegExp(`^<${20 * 8 + 4}>[A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d ucarp-ts\\[${process.pid}\\]: Switching to state: MASTER$`));
    assert.match(server.lines[1]!, /^<166>.* ucarp-ts\[\d+\]: two lines$/, 'trailing newline trimmed');
    assert.deepEqual(problems, []);
  } finally {
    w.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing socket is reported once per outage and never throws; delivery resumes when it returns', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'svc-syslog-'));
  const path = join(dir, 'log');
  const problems: string[] = [];
  const w = new SyslogWriter({ facility: 'daemon', path, onUnavailable: (r) => problems.push(r) });
  try {
    for (let i = 0; i < 5; i++) w.write('error', `lost ${i}`);
    assert.deepEqual(problems, [`${path}: no such file`]);

    const server = new FakeSyslog(path);
    w.write('notice', 'back');
    await until(() => server.lines.length === 1);
    assert.match(server.lines[0]!, /^<29>.*: back$/);
    server.close();

    // Socket file left behind by a dead syslog daemon: refused, reported again (a new outage).
    w.write('notice', 'refused');
    assert.equal(problems.length, 2);
    assert.match(problems[1]!, /no syslog daemon is listening/);
    unlinkSync(path);
    w.write('notice', 'still gone');
    assert.equal(problems.length, 2);
  } finally {
    w.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unknown facility is refused when the writer is made, not per message', () => {
  assert.throws(() => new SyslogWriter({ facility: 'bogus' }), /unknown syslog facility/);
});

test('a syslog daemon that falls behind: warnings wait and arrive in order, debug lines are dropped and counted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'svc-syslog-'));
  const path = join(dir, 'log');
  const server = new FakeSyslog(path);
  const problems: string[] = [];
  const w = new SyslogWriter({ facility: 'daemon', path, onUnavailable: (r) => problems.push(r) });
  try {
    // Written in one turn of the event loop, so the server reads none of it until the
    // socket is full (net.unix.max_dgram_qlen, 512 by default, is far below 5000).
    for (let i = 0; i < 5000; i++) w.write('debug', `refused packet ${i}`);
    w.write('warning', 'stderr is not being read');
    for (let i = 0; i < 5000; i++) w.write('debug', `refused packet again ${i}`);
    w.write('error', 'last words');
    await until(() => server.lines.some((l) => /dropped/.test(l)), 5000);
    const important = server.lines.filter((l) => !/refused packet/.test(l)).map((l) => l.replace(/^.*?\]: /, ''));
    assert.equal(important.length, 3, important.join('\n'));
    assert.deepEqual(important.slice(0, 2), ['stderr is not being read', 'last words']);
    const debugDelivered = server.lines.length - 3;
    assert.equal(important[2], `${10_000 - debugDelivered} log lines dropped: the syslog daemon was not keeping up`);
    assert.equal(w.dropped, 10_000 - debugDelivered);
    assert.ok(w.dropped > 0, 'the socket never filled: the test proves nothing');
    assert.deepEqual(problems, [], 'a full socket is not an outage');
  } finally {
    w.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
