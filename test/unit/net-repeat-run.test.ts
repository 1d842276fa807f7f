// What the advert sockets hand the sender thread, and how its answers come back.
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { test } from 'node:test';
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
