// --config-dir: one group per *.conf file, process-wide options beside it, and every
// mistake (a bad file, a group option beside it, two groups in each other's way) one
// line naming the file(s), with nothing started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSettings, type ParseOutcome } from '../../src/config/parse-settings.js';
import { memoryHostChecks } from '../../src/config/host-checks.js';
import { parseIp } from '../../src/core/ip-address.js';
import type { Settings } from '../../src/config/settings.js';

const ip = (s: string) => parseIp(s)!;
const D = '/etc/ucarp-ts';
const carp = (vhid: number, addr: string, extra = '') =>
  `UCARP_INTERFACE=eth0\nUCARP_SRCIP=10.0.0.1\nUCARP_VHID=${vhid}\nUCARP_PASS=secret${vhid}\nUCARP_ADDR=${addr}\n${extra}`;
const vrrp = (vrid: number, addr: string, iface = 'eth0') =>
  `UCARP_INTERFACE=${iface}\nUCARP_SRCIP=10.0.0.1\nUCARP_PROTOCOL=vrrp3\nUCARP_VHID=${vrid}\nUCARP_PRIORITY=150\nUCARP_ADDR=${addr}\n`;

const INTERFACES = [
  { name: 'lo', loopback: true, up: true },
  { name: 'eth0', loopback: false, up: true },
  { name: 'eth1', loopback: false, up: true },
];

function run(argv: string[], files: Record<string, string>, env: Record<string, string> = {}): ParseOutcome {
  return parseSettings(argv, env, memoryHostChecks({ files, interfaces: INTERFACES, executables: ['/usr/lib/up.sh'] }));
}

function settings(out: ParseOutcome): Settings {
  if (out.kind !== 'run') assert.fail(`refused: ${(out.kind === 'exit' ? out.stderr : out.kind) ?? ''}`);
  return out.settings;
}

const refusal = (out: ParseOutcome): string => (out.kind === 'exit' ? (out.stderr ?? '') : assert.fail(`not refused: ${out.kind}`));

test('every *.conf is one group, named after its file, in name order; other files are not read', () => {
  const out = run(['--config-dir', D, '--facility=local3', '--pidfile=/run/u.pid', '-D'], {
    [`${D}/web.conf`]: carp(1, '10.0.0.101', 'UCARP_BASE=/usr/lib\nUCARP_UPSCRIPT=$UCARP_BASE/up.sh\n'),
    [`${D}/db.conf`]: vrrp(2, '10.0.0.102'),
    [`${D}/README`]: 'not a config file',
    [`${D}/.hidden.conf`]: 'garbage',
    [`${D}/web.conf.dpkg-old`]: 'garbage',
  });
  const s = settings(out);
  assert.deepEqual(s.process, { debug: true, daemonize: false, facility: 'local3', pidfile: '/run/u.pid', metrics: null, runDir: '/run/ucarp-ts', configDir: D });
  assert.deepEqual(s.groups.map((g) => [g.name, g.protocol, g.vhid, g.addrs]), [
    ['db', 'vrrp3', 2, [ip('10.0.0.102')]],
    ['web', 'carp', 1, [ip('10.0.0.101')]],
  ]);
  const web = s.groups[1]!;
  assert.ok(web.protocol === 'carp');
  assert.deepEqual([web.upscript, web.password, web.extraEnv], ['/usr/lib/up.sh', Buffer.from('secret1'), { UCARP_BASE: '/usr/lib' }]);
  // Each group's warnings name its file.
  assert.ok(out.kind === 'run' && out.warnings.includes(`${D}/web.conf: no downscript given`), out.kind === 'run' ? out.warnings.join('\n') : '');
});

test('UCARP_CONFIG_DIR works as --config-dir; process-wide options come from the environment too', () => {
  const s = settings(run([], { [`${D}/a.conf`]: carp(1, '10.0.0.101') }, { UCARP_CONFIG_DIR: D, UCARP_FACILITY: 'none', UCARP_MASK: '24' }));
  assert.equal(s.process.facility, 'none');
  assert.equal(s.process.configDir, D);
  assert.equal(s.groups[0]!.extraEnv.UCARP_MASK, '24');
});

test('a group option beside --config-dir is refused, on the command line or in the environment', () => {
  const files = { [`${D}/a.conf`]: carp(1, '10.0.0.101') };
  assert.equal(refusal(run(['--config-dir', D, '--vhid=3'], files)), `ucarp-ts: --vhid: a group setting: with --config-dir it belongs in each group's file in ${D}\n`);
  assert.equal(refusal(run(['--config-dir', D, '-P'], files)), `ucarp-ts: --preempt: a group setting: with --config-dir it belongs in each group's file in ${D}\n`);
  assert.match(refusal(run(['--config-dir', D], files, { UCARP_ADVSKEW: '10' })), /^ucarp-ts: UCARP_ADVSKEW \(environment\): a group setting/);
  assert.match(refusal(run(['--config-dir', D, '--config', `${D}/a.conf`], files)), /^ucarp-ts: --config: cannot be used with --config-dir/);
});

test('a bad file is one error naming the file, the line and the key; a process-wide key in a group file too', () => {
  const good = carp(1, '10.0.0.101');
  assert.equal(
    refusal(run(['--config-dir', D], { [`${D}/a.conf`]: good, [`${D}/b.conf`]: carp(2, '10.0.0.102', 'UCARP_ADVSKEW=300\n') })),
    `ucarp-ts: UCARP_ADVSKEW in ${D}/b.conf line 6: must be a whole number from 0 to 255 (got "300")\n`,
  );
  assert.equal(
    refusal(run(['--config-dir', D], { [`${D}/a.conf`]: good + 'UCARP_PIDFILE=/run/x.pid\n' })),
    `ucarp-ts: UCARP_PIDFILE in ${D}/a.conf line 6: process-wide: with --config-dir give --pidfile on the command line or in the environment\n`,
  );
  assert.match(refusal(run(['--config-dir', D], { [`${D}/a.conf`]: 'UCARP_VHID=1\n' })), /^ucarp-ts: --vhid|^ucarp-ts: --srcip|^ucarp-ts: --addr|^ucarp-ts: --pass/);
  assert.equal(refusal(run(['--config-dir', D], { '/etc/other/x.conf': good })), `ucarp-ts: --config-dir: cannot read the directory "${D}": no such file\n`);
  assert.equal(refusal(run(['--config-dir', D], { [`${D}/README`]: 'x' })), `ucarp-ts: --config-dir: no *.conf file in "${D}": nothing to run\n`);
});

test('two groups with one id on one interface, or one address in two groups, are refused naming both files', () => {
  const a = `${D}/a.conf`;
  const b = `${D}/b.conf`;
  assert.equal(
    refusal(run(['--config-dir', D], { [a]: carp(5, '10.0.0.101'), [b]: carp(5, '10.0.0.102') })),
    `ucarp-ts: ${b}: vhid 5 on eth0 is already used by ${a} (vhid 5); CARP and VRRP share one id space per interface\n`,
  );
  // CARP vhid 5 and VRRP vrid 5 on one link would read each other's adverts: refused.
  assert.equal(
    refusal(run(['--config-dir', D], { [a]: carp(5, '10.0.0.101'), [b]: vrrp(5, '10.0.0.102') })),
    `ucarp-ts: ${b}: vrid 5 on eth0 is already used by ${a} (vhid 5); CARP and VRRP share one id space per interface\n`,
  );
  // On another interface the same id is another group.
  assert.equal(settings(run(['--config-dir', D], { [a]: carp(5, '10.0.0.101'), [b]: vrrp(5, '10.0.0.102', 'eth1') })).groups.length, 2);
  assert.equal(
    refusal(run(['--config-dir', D], { [a]: carp(1, '10.0.0.101'), [b]: carp(2, '10.0.0.102 10.0.0.101') })),
    `ucarp-ts: ${b}: address 10.0.0.101 is already in ${a}\n`,
  );
  // One advert socket per interface joins one multicast group.
  assert.equal(
    refusal(run(['--config-dir', D], { [a]: carp(1, '10.0.0.101'), [b]: carp(2, '10.0.0.102', 'UCARP_MCAST=224.0.0.99\n') })),
    `ucarp-ts: ${b}: multicast group 224.0.0.99 on eth0, where ${a} uses 224.0.0.18; the groups of an interface share one\n`,
  );
});

test('no password of any file ever reaches an error line', () => {
  const out = run(['--config-dir', D], { [`${D}/a.conf`]: carp(1, '10.0.0.101'), [`${D}/b.conf`]: carp(2, '10.0.0.102', 'UCARP_XPARAM=secret1\nUCARP_ADVBASE=secret2\n') });
  assert.ok(!refusal(out).includes('secret2'), refusal(out));
});

test('IPv6 groups of one interface share their source (the socket sends from one); with one source they run side by side', () => {
  const v6 = (vrid: number, src: string) => `UCARP_INTERFACE=eth0\nUCARP_SRCIP=${src}\nUCARP_PROTOCOL=vrrp3\nUCARP_VHID=${vrid}\nUCARP_ADDR=fd79::${vrid}\n`;
  const run6 = (files: Record<string, string>) =>
    parseSettings(['--config-dir', D], {}, memoryHostChecks({ files, interfaces: INTERFACES, linkLocal: { eth0: ['fe80::1', 'fe80::2'] } }));
  const a = `${D}/a.conf`;
  const b = `${D}/b.conf`;
  assert.equal(settings(run6({ [a]: v6(1, 'fe80::1'), [b]: v6(2, 'fe80::1') })).groups.length, 2);
  assert.equal(
    refusal(run6({ [a]: v6(1, 'fe80::1'), [b]: v6(2, 'fe80::2') })),
    `ucarp-ts: ${b}: source fe80::2 on eth0, where ${a} uses fe80::1; the IPv6 groups of an interface share one\n`,
  );
});
