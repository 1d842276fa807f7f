// How the command starts the daemon image: the flags and environment it gets, and a
// command line that shows only the masked title after the program's own words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DAEMON_ENTRY, DAEMON_NODE_FLAGS, daemonArgv, daemonEnv } from '../../src/daemon/daemon-image.js';

test('the daemon environment drops UCARP_PASS, keeps the rest, and asks for one malloc arena', () => {
  const env = daemonEnv({ PATH: '/bin', UCARP_PASS: 'secret', UCARP_MASK: '24', EMPTY: undefined });
  assert.deepEqual(env, { PATH: '/bin', UCARP_MASK: '24', MALLOC_ARENA_MAX: '1' });
});

test("an operator's own MALLOC_ARENA_MAX is left alone", () => {
  assert.equal(daemonEnv({ MALLOC_ARENA_MAX: '4' }).MALLOC_ARENA_MAX, '4');
});

test('the command line: node, its flags, the daemon entry, the extra words, then the masked title', () => {
  const argv = daemonArgv(['--settings-fd=5'], 'ucarp-ts --pass=* --vhid=1');
  assert.equal(argv[0], process.execPath);
  const entry = argv.indexOf(DAEMON_ENTRY);
  assert.ok(entry > 0, 'the entry is on the command line');
  for (const flag of DAEMON_NODE_FLAGS) assert.ok(argv.slice(1, entry).includes(flag), `${flag} before the entry`);
  assert.deepEqual(argv.slice(entry + 1), ['--settings-fd=5', 'ucarp-ts', '--pass=*', '--vhid=1']);
  assert.match(DAEMON_ENTRY, /daemon-process\.c?js$/);
});
