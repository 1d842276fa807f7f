// Every option is accepted in each of its long and short forms, with getopt_long's
// rules, and ends up in the right Settings field.
import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSettings, type ParseOutcome } from '../../src/config/parse-settings.js';
import { memoryHostChecks } from '../../src/config/host-checks.js';
import { OPTIONS } from '../../src/config/options.js';
import { parseIp } from '../../src/core/ip-address.js';
import { settingsOf, type FlatSettings as Settings } from '../support/flat-settings.js';

const host = memoryHostChecks({
  files: {
    '/etc/ucarp/pass': 'filepass\n',
    '/etc/ucarp/vip.conf': 'UCARP_ADVSKEW=42\nUCARP_MASK=24\n',
  },
  executables: ['/etc/ucarp/up.sh', '/etc/ucarp/down.sh'],
  interfaces: [
    { name: 'lo', loopback: true, up: true },
    { name: 'eth0', loopback: false, up: true },
    { name: 'eth1', loopback: false, up: true },
  ],
});

const ip = (s: string) => parseIp(s)!;
const REQUIRED: Record<string, string> = {
  interface: 'eth0',
  srcip: '10.0.0.1',
  vhid: '7',
  pass: 'secret',
  addr: '10.0.0.100',
};

function run(argv: string[], env: Record<string, string> = {}): ParseOutcome {
  return parseSettings(argv, env, host);
}


/** The required options as --long=value, minus the ones the case supplies itself. */
function required(except: string[] = []): string[] {
  return Object.entries(REQUIRED)
    .filter(([k]) => !except.includes(k))
    .map(([k, v]) => `--${k}=${v}`);
}

interface Acceptance {
  long: string;
  value?: string;
  /** Extra arguments the option needs to make sense (e.g. --protocol for --priority). */
  with?: string[];
  check: (s: Settings) => void;
}

const table: Acceptance[] = [
  { long: 'interface', value: 'eth1', check: (s) => assert.equal(s.interface, 'eth1') },
  { long: 'srcip', value: '192.168.1.2', check: (s) => assert.equal(s.srcip, ip('192.168.1.2')) },
  { long: 'mcast', value: '224.0.0.99', check: (s) => assert.equal(s.mcast, ip('224.0.0.99')) },
  { long: 'vhid', value: '255', check: (s) => assert.equal(s.vhid, 255) },
  { long: 'pass', value: 'p4ss=w0rd', check: (s) => assert.deepEqual(s.password, Buffer.from('p4ss=w0rd')) },
  { long: 'passfile', value: '/etc/ucarp/pass', check: (s) => assert.deepEqual(s.password, Buffer.from('filepass')) },
  { long: 'preempt', check: (s) => assert.equal(s.preempt, true) },
  { long: 'neutral', check: (s) => assert.equal(s.neutral, true) },
  { long: 'addr', value: '10.9.9.9', check: (s) => assert.deepEqual(s.addrs, [ip('10.9.9.9')]) },
  { long: 'advbase', value: '5', check: (s) => assert.equal(s.advbase, 5) },
  { long: 'advskew', value: '100', check: (s) => assert.equal(s.advskew, 100) },
  { long: 'upscript', value: '/etc/ucarp/up.sh', check: (s) => assert.equal(s.upscript, '/etc/ucarp/up.sh') },
  { long: 'downscript', value: '/etc/ucarp/down.sh', check: (s) => assert.equal(s.downscript, '/etc/ucarp/down.sh') },
  { long: 'deadratio', value: '10', check: (s) => assert.equal(s.deadratio, 10) },
  { long: 'debug', check: (s) => assert.equal(s.debug, true) },
  { long: 'shutdown', check: (s) => assert.equal(s.shutdown, true) },
  { long: 'daemonize', check: (s) => assert.equal(s.daemonize, true) },
  { long: 'ignoreifstate', check: (s) => assert.equal(s.ignoreifstate, true) },
  { long: 'nomcast', check: (s) => assert.equal(s.nomcast, true) },
  { long: 'facility', value: 'local3', check: (s) => assert.equal(s.facility, 'local3') },
  { long: 'xparam', value: 'extra arg', check: (s) => assert.equal(s.xparam, 'extra arg') },
  { long: 'config', value: '/etc/ucarp/vip.conf', check: (s) => {
    assert.equal(s.advskew, 42);
    assert.deepEqual(s.extraEnv, { UCARP_MASK: '24' });
  } },
  { long: 'protocol', value: 'vrrp2', check: (s) => assert.equal(s.protocol, 'vrrp2') },
  { long: 'priority', value: '255', with: ['--protocol=vrrp3'], check: (s) => assert.equal(s.priority, 255) },
  { long: 'peer', value: '10.0.0.2', check: (s) => assert.deepEqual(s.peers, [ip('10.0.0.2')]) },
  { long: 'peer-min-ttl', value: '250', with: ['--peer=10.0.0.2'], check: (s) => assert.equal(s.peerMinTtl, 250) },
  { long: 'no-announce', check: (s) => assert.equal(s.announce, false) },
  { long: 'ip-output', check: (s) => assert.equal(s.ipOutput, true) },
  { long: 'script-timeout', value: '120', check: (s) => assert.equal(s.scriptTimeoutMs, 120_000) },
  { long: 'pidfile', value: '/run/ucarp-ts.pid', check: (s) => assert.equal(s.pidfile, '/run/ucarp-ts.pid') },
  { long: 'check', value: 'tcp:127.0.0.1:80', check: (s) => assert.deepEqual(s.checks.map((c) => c.target), [{ kind: 'tcp', host: '127.0.0.1', port: 80 }]) },
  { long: 'metrics', value: '10.0.0.1:9167', check: (s) => assert.deepEqual(s.metrics, { host: '10.0.0.1', port: 9167 }) },
  { long: 'run-dir', value: '/tmp/ucarp-run', check: (s) => assert.equal(s.runDir, '/tmp/ucarp-run') },
  { long: 'sync-group', value: 'router-1', check: (s) => assert.equal(s.syncGroup, 'router-1') },
];

test('the table names every option except --help and --version', () => {
  const named = new Set(table.map((t) => t.long));
  for (const o of OPTIONS) {
    // --help, --version and --status [--json] do something else than run (status-metrics.test.ts);
    // --config-dir takes no group option beside it (config-dir.test.ts).
    if (!['help', 'version', 'status', 'json', 'config-dir'].includes(o.long)) assert.ok(named.has(o.long), `--${o.long} not tested`);
  }
  assert.equal(OPTIONS.filter((o) => o.ucarp).length, 22, 'all 22 ucarp options are in the option table');
});

for (const row of table) {
  const spec = OPTIONS.find((o) => o.long === row.long)!;
  const protocol = row.with?.[0]?.split('=')[1] ?? (row.long === 'protocol' ? row.value! : 'carp');
  // --passfile replaces --pass; VRRPv3 takes no password.
  const without = row.long === 'passfile' || protocol === 'vrrp3' ? [row.long, 'pass'] : [row.long];
  const rest = [...required(without), ...(row.with ?? [])];
  const forms: string[][] = [];
  if (row.value === undefined) {
    forms.push([`--${row.long}`]);
    if (spec.short) forms.push([`-${spec.short}`]);
  } else {
    forms.push([`--${row.long}=${row.value}`], [`--${row.long}`, row.value]);
    if (spec.short) forms.push([`-${spec.short}`, row.value], [`-${spec.short}${row.value}`]);
  }
  for (const form of forms) {
    test(`accepted: ${form.join(' ')}`, () => {
      row.check(settingsOf(run([...rest, ...form])));
    });
  }
}

test('defaults', () => {
  const s = settingsOf(run(required()));
  assert.deepEqual(s, {
    name: 'ucarp',
    protocol: 'carp',
    interface: 'eth0',
    srcip: ip('10.0.0.1'),
    mcast: ip('224.0.0.18'),
    vhid: 7,
    password: Buffer.from('secret'),
    preempt: false,
    neutral: false,
    addrs: [ip('10.0.0.100')],
    advbase: 1,
    advskew: 0,
    deadratio: 3,
    upscript: null,
    downscript: null,
    debug: false,
    shutdown: false,
    daemonize: false,
    ignoreifstate: false,
    nomcast: false,
    facility: 'daemon',
    xparam: null,
    peers: [],
    peerMinTtl: 255,
    announce: true,
    ipOutput: false,
    scriptTimeoutMs: 30_000,
    pidfile: null,
    checks: [],
    metrics: null,
    configDir: null,
    syncGroup: null,
    runDir: '/run/ucarp-ts',
    extraEnv: {},
  });
});

test('missing scripts are warnings, as in ucarp', () => {
  const out = run(required());
  assert.equal(out.kind, 'run');
  if (out.kind === 'run') assert.deepEqual(out.warnings, ['no upscript given', 'no downscript given']);
  const both = run([...required(), '-u', '/etc/ucarp/up.sh', '-d', '/etc/ucarp/down.sh', '-z']);
  assert.ok(both.kind === 'run' && both.warnings.length === 0);
});

test('CARP: a downscript without --shutdown is one warning (the address stays on a stopped master); VRRP releases it anyway', () => {
  const carp = run([...required(), '-u', '/etc/ucarp/up.sh', '-d', '/etc/ucarp/down.sh']);
  assert.ok(carp.kind === 'run');
  assert.deepEqual(carp.warnings, ['--downscript without --shutdown: a stopped MASTER keeps the virtual address (as ucarp); add --shutdown to release it']);
  const vrrp = run([...required(['pass']), '--protocol=vrrp3', '-u', '/etc/ucarp/up.sh', '-d', '/etc/ucarp/down.sh']);
  assert.ok(vrrp.kind === 'run', vrrp.kind === 'exit' ? vrrp.stderr : '');
  assert.deepEqual(vrrp.warnings, []);
});

test('the interface defaults to the first non-loopback interface that is up', () => {
  const h = memoryHostChecks({
    interfaces: [
      { name: 'lo', loopback: true, up: true },
      { name: 'ifb0', loopback: false, up: false },
      { name: 'ens3', loopback: false, up: true },
    ],
  });
  const out = parseSettings(required(['interface']), {}, h);
  assert.equal(settingsOf(out).interface, 'ens3');
  const down = memoryHostChecks({ interfaces: [{ name: 'lo', loopback: true, up: true }, { name: 'ifb0', loopback: false, up: false }] });
  assert.equal(settingsOf(parseSettings(required(['interface']), {}, down)).interface, 'ifb0');
});

test('--help and -h print every option with its short form, exit 0', () => {
  for (const argv of [['--help'], ['-h'], ['--hel'], [...required(), '-h'], ['-Ph'], ['--help', '--bogus'], ['--vhid=0', '--help']]) {
    const out = run(argv);
    assert.equal(out.kind, 'exit');
    if (out.kind !== 'exit') continue;
    assert.equal(out.code, 0);
    assert.equal(out.stderr, undefined);
    const help = out.stdout ?? '';
    for (const o of OPTIONS) {
      assert.ok(help.includes(`--${o.long}`), `help lacks --${o.long}`);
      if (o.short) assert.ok(help.includes(`(-${o.short}`), `help lacks -${o.short}`);
    }
    assert.match(help, /ucarp/);
    assert.match(help, /nopreempt/);
  }
});

test('--version and -V print the package version, exit 0', async () => {
  const { readFileSync } = await import('node:fs');
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  for (const argv of [['--version'], ['-V'], ['--vers'], ['-DV']]) {
    assert.deepEqual(run(argv), { kind: 'exit', code: 0, stdout: `ucarp-ts ${pkg.version}\n` });
  }
});

test('getopt: bundled switches', () => {
  const s = settingsOf(run([...required(), '-PzB', '-nDSM']));
  assert.deepEqual(
    [s.preempt, s.shutdown, s.daemonize, s.neutral, s.debug, s.ignoreifstate, s.nomcast],
    [true, true, true, true, true, true, true],
  );
});

test('getopt: a bundle may end in an option with its value, attached or next', () => {
  const a = settingsOf(run([...required(['vhid']), '-Pv3']));
  assert.deepEqual([a.preempt, a.vhid], [true, 3]);
  const b = settingsOf(run([...required(['vhid']), '-zv', '4']));
  assert.deepEqual([b.shutdown, b.vhid], [true, 4]);
});

test('getopt: an attached short value is the whole rest of the argument', () => {
  const s = settingsOf(run(['-ieth0', '-s10.0.0.1', '-v7', '-psecret', '-a10.0.0.100', '-x-PzB']));
  assert.equal(s.xparam, '-PzB');
  assert.equal(s.preempt, false);
});

test('getopt: a value in the next argument may start with a dash', () => {
  const s = settingsOf(run([...required(['pass']), '--pass', '-dash-', '-x', '--not-an-option']));
  assert.deepEqual(s.password, Buffer.from('-dash-'));
  assert.equal(s.xparam, '--not-an-option');
});

test('getopt: --opt=value keeps everything after the first "="', () => {
  const s = settingsOf(run([...required(['pass']), '--pass=a=b=c', '--xparam=']));
  assert.deepEqual(s.password, Buffer.from('a=b=c'));
  assert.equal(s.xparam, '');
});

test('getopt: unambiguous long prefixes, exact names over prefixes', () => {
  const s = settingsOf(run(['--int=eth1', '--src', '10.0.0.1', '--vh=9', '--pass', 'secret', '--add=10.0.0.100', '--pre', '--nom']));
  assert.deepEqual([s.interface, s.vhid, s.preempt, s.nomcast], ['eth1', 9, true, true]);
  // "pass" is a prefix of "passfile" but an exact match wins, as in getopt_long.
  assert.deepEqual(settingsOf(run(required())).password, Buffer.from('secret'));
});

test('getopt: the last of a repeated single-valued option wins', () => {
  const s = settingsOf(run([...required(), '--vhid=8', '-v', '9', '-k1', '--advskew=2']));
  assert.deepEqual([s.vhid, s.advskew], [9, 2]);
});

test('getopt: "--" ends the options', () => {
  assert.equal(run([...required(), '--']).kind, 'run');
});

test('--addr and --peer repeat, in order', () => {
  const s = settingsOf(run([...required(['addr']), '-a', '10.0.0.3', '--addr=10.0.0.1', '-a10.0.0.2', '--peer=10.0.0.7', '--peer', '10.0.0.8']));
  assert.deepEqual(s.addrs, ['10.0.0.3', '10.0.0.1', '10.0.0.2'].map(ip));
  assert.deepEqual(s.peers, ['10.0.0.7', '10.0.0.8'].map(ip));
});

test('protocol specifics: VRRPv3 centisecond advbase, no password; VRRPv2 optional short password', () => {
  const v3 = settingsOf(run([...required(['pass']), '--protocol=vrrp3', '--advbase=0.05', '--priority=150']));
  assert.deepEqual([v3.protocol, v3.advbase, v3.priority, v3.password], ['vrrp3', 0.05, 150, null]);
  for (const [text, value] of [['0.01', 0.01], ['40.95', 40.95], ['1', 1], ['2.5', 2.5], ['0.10', 0.1], ['3.000', 3]] as const) {
    assert.equal(settingsOf(run([...required(['pass']), '--protocol', 'vrrp3', '-b', text])).advbase, value);
  }
  const v2 = settingsOf(run([...required(['pass']), '--protocol=vrrp2']));
  assert.deepEqual([v2.password, v2.advbase, v2.priority], [null, 1, 100]);
  assert.deepEqual(settingsOf(run([...required(['pass']), '--protocol=vrrp2', '-p', '12345678'])).password, Buffer.from('12345678'));
  assert.equal(settingsOf(run([...required(), '--protocol=CARP'])).protocol, 'carp');
});

test('CARP limits: advbase 0 with a skew, 19-byte password, bounds inclusive', () => {
  const s = settingsOf(run([...required(['pass']), '-b0', '-k1', '-p', 'x'.repeat(19)]));
  assert.deepEqual([s.advbase, s.advskew, s.password?.length], [0, 1, 19]);
  const max = settingsOf(run([...required(['vhid']), '-v255', '-b255', '-k255', '-r255', '--script-timeout=3600']));
  assert.deepEqual([max.vhid, max.advbase, max.advskew, max.deadratio, max.scriptTimeoutMs], [255, 255, 255, 255, 3_600_000]);
  const min = settingsOf(run([...required(['vhid']), '-v1', '-r1', '--script-timeout=1', '-fnone']));
  assert.deepEqual([min.vhid, min.deadratio, min.scriptTimeoutMs, min.facility], [1, 1, 1000, 'none']);
});

test('the password file is read up to the first newline, CR stripped', () => {
  const h = memoryHostChecks({ files: { '/p': 'crlf-pass\r\nnext\n', '/q': 'no-newline' } });
  const a = parseSettings([...required(['pass']), '-o', '/p'], {}, h);
  assert.deepEqual(settingsOf(a).password, Buffer.from('crlf-pass'));
  const b = parseSettings([...required(['pass']), '--passfile=/q'], {}, h);
  assert.deepEqual(settingsOf(b).password, Buffer.from('no-newline'));
});

test('script and pid file paths are made absolute (they must survive --daemonize)', () => {
  const h = memoryHostChecks({ executables: ['up.sh'] });
  const s = settingsOf(parseSettings([...required(), '-u', 'up.sh', '--pidfile=run/x.pid'], {}, h));
  assert.equal(s.upscript, `${process.cwd()}/up.sh`);
  assert.equal(s.pidfile, `${process.cwd()}/run/x.pid`);
});

describe('--check', () => {
  const checkHost = memoryHostChecks({
    executables: ['/usr/local/bin/pgsql-ok', '/etc/ucarp/up.sh'],
    interfaces: [{ name: 'lo', loopback: true, up: true }, { name: 'eth0', loopback: false, up: true }, { name: 'eth1', loopback: false, up: true }],
  });
  const ARGS = ['--interface=eth0', '--srcip=10.0.0.1', '--vhid=7', '--pass=pw', '--addr=10.0.0.100'];
  const run = (argv: string[], env: Record<string, string> = {}) => {
    const out = parseSettings([...ARGS, ...argv], { PATH: '/usr/bin:/usr/local/bin', ...env }, checkHost);
    assert.equal(out.kind, 'run', out.kind === 'exit' ? out.stderr : '');
    return out.kind === 'run' ? settingsOf(out).checks : [];
  };

  it('reads every kind with its defaults, in order', () => {
    const checks = run([
      '--check=exec:pgsql-ok --db main', '--check=tcp:127.0.0.1:5432', '--check=http://127.0.0.1:8080/health?x=1',
      '--check=https://example.invalid/', '--check=process:nginx', '--check=file:/run/prio', '--check=interface:eth1',
    ]);
    assert.deepEqual(checks.map((c) => c.target), [
      { kind: 'exec', argv: ['/usr/local/bin/pgsql-ok', '--db', 'main'] },
      { kind: 'tcp', host: '127.0.0.1', port: 5432 },
      { kind: 'http', url: 'http://127.0.0.1:8080/health?x=1' },
      { kind: 'http', url: 'https://example.invalid/' },
      { kind: 'process', name: 'nginx' },
      { kind: 'file', path: '/run/prio' },
      { kind: 'interface', ifname: 'eth1' },
    ]);
    for (const c of checks) assert.deepEqual([c.intervalMs, c.timeoutMs, c.rise, c.fall, c.weight], [1000, 1000, 2, 2, 0]);
    assert.equal(checks[0]!.name, 'exec:pgsql-ok --db main');
  });

  it('reads the parameters', () => {
    const [c] = run(['--check=tcp:[::1]:80,interval=0.5,timeout=0.25,fall=3,rise=5,weight=-20']);
    assert.deepEqual(c, { name: 'tcp:[::1]:80,interval=0.5,timeout=0.25,fall=3,rise=5,weight=-20', target: { kind: 'tcp', host: '::1', port: 80 }, intervalMs: 500, timeoutMs: 250, rise: 5, fall: 3, weight: -20 });
  });

  it('takes several checks from UCARP_CHECK, separated by ";"; the command line replaces them', () => {
    assert.deepEqual(run([], { UCARP_CHECK: 'tcp:127.0.0.1:80 ; process:nginx,weight=10;' }).map((c) => c.name), ['tcp:127.0.0.1:80', 'process:nginx,weight=10']);
    assert.deepEqual(run(['--check=process:haproxy'], { UCARP_CHECK: 'tcp:127.0.0.1:80' }).map((c) => c.name), ['process:haproxy']);
  });
});
