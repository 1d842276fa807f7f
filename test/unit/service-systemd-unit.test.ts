// examples/systemd: the template ucarp-ts@.service (a group per instance) and
// ucarp-ts.service (every group in one process), with the keys that make them safe,
// the same in both (the integration test runs systemd-analyze on them where available).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const unitPath = (name: string): string => fileURLToPath(new URL(`../../../examples/systemd/${name}`, import.meta.url));

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

function readUnit(name: string) {
  const unit = parseUnit(readFileSync(unitPath(name), 'utf8'));
  const service = unit.get('Service')!;
  const one = (key: string): string => {
    const v = service.get(key);
    assert.ok(v && v.length === 1, `[Service] ${key} once`);
    return v[0]!;
  };
  const words = (key: string): string[] => one(key).split(/\s+/).sort();
  return { unit, service, one, words };
}

test('a template reading /etc/ucarp-ts/%i.conf with --config, daemonized with a pidfile systemd follows', () => {
  const { unit, one } = readUnit('ucarp-ts@.service');
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

test('one unit for every group: --config-dir /etc/ucarp-ts, daemonized with a pidfile, reload is SIGHUP', () => {
  const { unit, one } = readUnit('ucarp-ts.service');
  const exec = one('ExecStart').split(/\s+/);
  assert.ok(exec.includes('--config-dir=/etc/ucarp-ts'));
  assert.ok(exec.includes('--daemonize'));
  assert.ok(!exec.some((w) => w.startsWith('--config=')));
  assert.equal(one('Type'), 'forking');
  const pidfile = exec.find((w) => w.startsWith('--pidfile='))?.slice('--pidfile='.length);
  assert.equal(pidfile, one('PIDFile'));
  assert.ok(pidfile!.startsWith(`/run/${one('RuntimeDirectory')}/`), 'the pidfile is in the writable runtime directory');
  assert.equal(one('ExecReload'), '/bin/kill -HUP $MAINPID');
  assert.deepEqual(unit.get('Unit')!.get('ConditionDirectoryNotEmpty'), ['/etc/ucarp-ts']);
  assert.deepEqual(unit.get('Install')!.get('WantedBy'), ['multi-user.target']);
});

test('both units harden the service the same way', () => {
  const a = readUnit('ucarp-ts@.service').service;
  const b = readUnit('ucarp-ts.service').service;
  const differ = ['Type', 'RuntimeDirectory', 'PIDFile', 'ExecStart', 'ExecReload'];
  const keys = new Set([...a.keys(), ...b.keys()].filter((k) => !differ.includes(k)));
  for (const k of keys) assert.deepEqual(b.get(k), a.get(k), k);
});

for (const name of ['ucarp-ts@.service', 'ucarp-ts.service']) {
  const { service, one, words } = readUnit(name);

  test(`${name}: only CAP_NET_RAW and CAP_NET_ADMIN`, () => {
    assert.deepEqual(words('CapabilityBoundingSet'), ['CAP_NET_ADMIN', 'CAP_NET_RAW']);
    assert.deepEqual(words('AmbientCapabilities'), ['CAP_NET_ADMIN', 'CAP_NET_RAW']);
  });

  test(`${name}: the usual hardening`, () => {
    assert.equal(one('NoNewPrivileges'), 'yes');
    assert.equal(one('ProtectSystem'), 'strict');
    assert.equal(one('ProtectHome'), 'yes');
    assert.equal(one('PrivateTmp'), 'yes');
    for (const k of ['ProtectKernelTunables', 'ProtectKernelModules', 'ProtectControlGroups', 'RestrictNamespaces', 'RestrictSUIDSGID', 'LockPersonality']) {
      assert.equal(one(k), 'yes', k);
    }
    // IPv4 and IPv6 advertisements (raw AF_INET, AF_INET6), ARP and NA frames (AF_PACKET),
    // /dev/log and the daemonize channel (AF_UNIX), link events and `ip` in the hooks (AF_NETLINK).
    assert.deepEqual(words('RestrictAddressFamilies'), ['AF_INET', 'AF_INET6', 'AF_NETLINK', 'AF_PACKET', 'AF_UNIX']);
    // V8 needs writable+executable memory for its JIT.
    assert.equal(service.get('MemoryDenyWriteExecute'), undefined);
  });

  test(`${name}: restarts on failure; a stop is SIGTERM to ucarp-ts alone, with time for the handover and the downscript`, () => {
    assert.equal(one('Restart'), 'on-failure');
    assert.equal(one('KillSignal'), 'SIGTERM');
    assert.equal(one('KillMode'), 'mixed');
    assert.ok(parseInt(one('TimeoutStopSec'), 10) > 30, 'longer than the 30 s script limit');
    assert.equal(service.get('ExecStop'), undefined, 'no ExecStop: systemd sends KillSignal');
  });
}
