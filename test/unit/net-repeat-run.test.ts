// What the advert sockets hand the sender thread, and how its answers come back.
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { test } from 'node:test';
import { loadAddon } from '../../src/net/native-addon.js';
import { endReporter, packRun, stopCounts } from '../../src/net/repeat-run.js';

test('a run is one buffer of equal-length packets; none, an empty one or unequal lengths are no run', () => {
  const one = Buffer.from([1, 2, 3]);
  assert.deepEqual(packRun([one]), { all: one, length: 3 });
  assert.equal(packRun([one])!.all, one, 'a single packet is not copied');
  assert.deepEqual(packRun([one, Buffer.from([4, 5, 6])]), { all: Buffer.from([1, 2, 3, 4, 5, 6]), length: 3 });
  assert.equal(packRun([]), null);
  assert.equal(packRun([Buffer.alloc(0)]), null);
  assert.equal(packRun([one, Buffer.from([4, 5])]), null);
});

test('errno 0 ends a run without an error; any other errno is the described failed send, with its code', () => {
  const got: (Error | undefined)[] = [];
  const report = endReporter((e) => got.push(e), (e) => Object.assign(e, { message: `socket: ${e.message}` }));
  report(0);
  report(constants.errno.ENETDOWN);
  assert.equal(got[0], undefined);
  assert.equal(got[1]!.message, 'socket: ENETDOWN');
  assert.equal((got[1] as NodeJS.ErrnoException).code, 'ENETDOWN');
  assert.deepEqual(stopCounts([4, 3]), { slots: 4, sends: 3 });
});

test("both addons' repeat() and repeatOnLink() refuse a run or schedule that is not one, before any socket is touched", () => {
  type Repeat = (...args: unknown[]) => unknown;
  const { repeat: v4, repeatOnLink: link } = loadAddon<{ repeat: Repeat; repeatOnLink: Repeat }>('raw_fd');
  const v6 = loadAddon<{ repeat: Repeat }>('advert_socket6').repeat;
  const run = Buffer.from([0x45, 0, 0, 0, 0x45, 0, 0, 0]); // two "IPv4 packets" of 4 bytes
  const end = (): void => {};
  // [packets, packetLength, firstDueMs, everyMs, lastRepeats, onEnd]: valid, then each spoiled in turn.
  const good = [run, 4, 0, 50, true, end];
  const spoiled = [
    [Buffer.alloc(0), 4, 0, 50, true, end], // no packet
    [run, 3, 0, 50, true, end], // 8 bytes are not packets of 3
    [run, 0, 0, 50, true, end],
    ['run', 4, 0, 50, true, end],
    [run, 4, 0, 0.5, true, end], // an interval under 1 ms
    [run, 4, 0, Number.NaN, true, end],
    [run, 4, 0, 50, 'yes', end],
    [run, 4, 0, 50, true, null], // no onEnd
  ];
  // The schedule's arguments sit at 2-3 and after the addon's own (IPv4: dst; IPv6: dst, src, ifindex).
  const v4Args = ([p, n, due, every, last, onEnd]: unknown[]) => [-1, 1, p, n, 0xe0000012, due, every, last, onEnd];
  const v6Args = ([p, n, due, every, last, onEnd]: unknown[]) => [-1, 1, p, n, Buffer.alloc(16), Buffer.alloc(16), 1, due, every, last, onEnd];
  const linkArgs = ([p, n, due, every, last, onEnd]: unknown[], ifindex = 1, mac: unknown = Buffer.alloc(6)) => [-1, 1, p, n, ifindex, mac, due, every, last, onEnd];
  for (const bad of spoiled) {
    assert.throws(() => v4(...v4Args(bad)), TypeError, `IPv4 ${String(bad)}`);
    assert.throws(() => v6(...v6Args(bad)), TypeError, `IPv6 ${String(bad)}`);
    assert.throws(() => link(...linkArgs(bad)), TypeError, `link ${String(bad)}`);
  }
  // The link's own: an interface index, a 6-byte MAC, and IP packets (the EtherType is their version).
  assert.throws(() => link(...linkArgs(good, 0)), TypeError, 'link: ifindex 0');
  assert.throws(() => link(...linkArgs(good, 1, Buffer.alloc(5))), TypeError, 'link: a 5-byte MAC');
  assert.throws(() => link(...linkArgs(good, 1, 'mac')), TypeError, 'link: no MAC');
  assert.throws(() => link(...linkArgs([Buffer.alloc(8), 4, 0, 50, true, end])), TypeError, 'link: packets that are not IP');
  assert.throws(() => v4(...v4Args(good).slice(0, 8)), TypeError, 'IPv4: an argument short');
  // The valid schedule gets past the checks: IPv6 then finds no socket -1.
  assert.throws(() => v6(...v6Args(good)), { code: 'EBADF' });
});
