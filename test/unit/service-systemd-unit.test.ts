// examples/systemd/ucarp-ts@.service: the keys that make it a safe template for
// ucarp-ts (the integration test runs systemd-analyze on it where available).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const UNIT = fileURLToPath(new URL('../../../examples/systemd/ucarp-ts@.service', import.meta.url));

/** section -> key -> values (a key may repeat). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set(header[1]!, current);
      continue;
    }
    const eq = line.indexOf('=');
    assert.ok(current && eq > 0, `not a key=value line in a section: ${line}`);
    const key = line.slice(0, eq);
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1)]);
  }
  return sections;
}

const unit = parseUnit(readFileSync(UNIT, 'utf8'));
const service = unit.get('Service')!;
const one = (key: string): string => {
  const v = service.get(key);
  assert.ok(v && v.length === 1, `[Service] ${key} once`);
  return v[0]!;
};
const words = (key: string): string[] => one(key).split(/\s+/).sort();

test('a template reading /etc/ucarp-ts/%i.conf with --config, daemonized with a pidfile systemd follows', () => {
  const exec = one('ExecStart').split(/\s+/);
  assert.ok(exec.includes('--config=/etc/ucarp-ts/%i.conf'));
  assert.ok(exec.includes('--daemonize'));
  assert.equal(one('Type'), 'forking');
  const pidfile = exec.find((w) => w.startsWith('--pidfile='))?.slice('--pidfile='.length);
  assert.equal(pidfile, one('PIDFile'));
  assert.ok(pidfile!.startsWith(`/run/${one('RuntimeDirectory')}/`), 'the pidfile is in the writable runtime directory');
  assert.deepEqual(unit.get('Unit')!.get('ConditionPathExists'), ['/etc/ucarp-ts/%i.conf']);
  assert.deepEqual(unit.get('Install')!.get('WantedBy'), ['multi-user.target']);
});

test('only CAP_NET_RAW and CAP_NET_ADMIN', () => {
  assert.deepEqual(words('CapabilityBoundingSet'), ['CAP_NET_ADMIN', 'CAP_NET_RAW']);
  assert.deepEqual(words('AmbientCapabilities'), ['CAP_NET_ADMIN', 'CAP_NET_RAW']);
});

test('the usual hardening', () => {
  assert.equal(one('NoNewPrivileges'), 'yes');
  assert.equal(one('ProtectSystem'), 'strict');
  assert.equal(one('ProtectHome'), 'yes');
  assert.equal(one('PrivateTmp'), 'yes');
  for (const k of ['ProtectKernelTunables', 'ProtectKernelModules', 'ProtectControlGroups', 'RestrictNamespaces', 'RestrictSUIDSGID', 'LockPersonality']) {
    assert.equal(one(k), 'yes', k);
  }
  // Advertisements (AF_INET raw), ARP frames (AF_PACKET), /dev/log and the daemonize
  // channel (AF_UNIX), and `ip` in the hooks (AF_NETLINK).
  assert.deepEqual(words('RestrictAddressFamilies'), ['AF_INET', 'AF_NETLINK', 'AF_PACKET', 'AF_UNIX']);
  // V8 needs writable+executable memory for its JIT.
  assert.equal(service.get('MemoryDenyWriteExecute'), undefined);
});

test('restarts on failure; a stop is SIGTERM to ucarp-ts alone, with time for the handover and the downscript', () => {
  assert.equal(one('Restart'), 'on-failure');
  assert.equal(one('KillSignal'), 'SIGTERM');
  assert.equal(one('KillMode'), 'mixed');
  assert.ok(parseInt(one('TimeoutStopSec'), 10) > 30, 'longer than the 30 s script limit');
  assert.equal(service.get('ExecStop'), undefined, 'no ExecStop: systemd sends KillSignal');
});
