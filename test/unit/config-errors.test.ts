// Every way to get the configuration wrong ends in one line on stderr that names the
// option (or key) at fault, a non-zero exit code, no stack trace, and no password.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSettings } from '../../src/config/parse-settings.js';
import { memoryHostChecks } from '../../src/config/host-checks.js';

const SECRET = 'Sup3rSecretPw';
const FILE_SECRET = 'FromTheFile42';

const host = memoryHostChecks({
  files: {
    '/etc/ucarp/pass': `${FILE_SECRET}\nsecond line\n`,
    '/etc/ucarp/empty-pass': '\nsecret on line two\n',
    '/etc/ucarp/long-pass': 'p'.repeat(20) + '\n',
    '/etc/ucarp/not-exec.sh': '#!/bin/sh\n',
    '/etc/ucarp/nested.conf': 'UCARP_CONFIG=/etc/other.conf\n',
    '/etc/ucarp/bad-value.conf': '# vip\nUCARP_VHID=7\n\nUCARP_ADVSKEW=abc\n',
    '/etc/ucarp/bad-bool.conf': 'UCARP_PREEMPT=sometimes\n',
    '/etc/ucarp/no-equals.conf': 'UCARP_VHID=7\nUCARP_PASS ' + SECRET + '\n',
    '/etc/ucarp/junk.conf': 'UCARP_VHID=7\n\n!!! ' + SECRET + '\n',
    '/etc/ucarp/hash.conf': `UCARP_PASS=${SECRET}#x\n`,
    '/etc/ucarp/unclosed.conf': `UCARP_PASS="${SECRET}\n`,
    '/etc/ucarp/after-quote.conf': `UCARP_PASS="${SECRET}" trailing\n`,
  },
  unreadable: ['/etc/ucarp/secret-pass'],
  directories: ['/etc/ucarp'],
  executables: ['/etc/ucarp/up.sh', '/etc/ucarp/down.sh'],
  interfaces: [
    { name: 'lo', loopback: true, up: true },
    { name: 'eth0', loopback: false, up: true },
  ],
});

const BASE = ['--interface=eth0', '--srcip=10.0.0.1', '--vhid=7', `--pass=${SECRET}`, '--addr=10.0.0.100'];
const VRRP_BASE = ['--interface=eth0', '--srcip=10.0.0.1', '--vhid=7', '--addr=10.0.0.100'];

/** BASE with one option replaced (or removed with value null). */
function base(option: string, value: string | null, from = BASE): string[] {
  const rest = from.filter((a) => !a.startsWith(`--${option}=`));
  return value === null ? rest : [...rest, `--${option}=${value}`];
}

interface Case {
  name: string;
  argv: string[];
  env?: Record<string, string>;
  /** Text the line must contain, normally the option name. */
  names: string;
  code?: number;
}

const cases: Case[] = [];
const bad = (option: string, values: string[], from = BASE, names = `--${option}`) => {
  for (const v of values) cases.push({ name: `--${option}=${JSON.stringify(v)}`, argv: base(option, v, from), names });
};

const NOT_WHOLE = ['', ' 5', '5 ', '1e2', '0x10', '12abc', '-1', '+5', '1.5', '１'];
bad('vhid', [...NOT_WHOLE, '0', '256', '1000']);
bad('advskew', [...NOT_WHOLE, '256', '300']);
bad('advbase', [...NOT_WHOLE, '256']);
bad('advbase', ['0', '256', '0.5', '1e0'], [...BASE.slice(0, 3), '--addr=10.0.0.100', '--protocol=vrrp2']);
bad('advbase', ['0', '0.00', '0.001', '40.96', '41', '1e1', '.5', '1.', '0x1', '-1', ''], [...VRRP_BASE, '--protocol=vrrp3']);
bad('deadratio', [...NOT_WHOLE, '0', '256', '3.0']);
bad('priority', [...NOT_WHOLE, '0', '256'], [...VRRP_BASE, '--protocol=vrrp2']);
bad('script-timeout', [...NOT_WHOLE, '0', '3601', '30s']);
const NOT_ADDR = ['', '10.0.0', '10.0.0.256', '010.0.0.1', '10.0.0.1.5', 'host', ' 10.0.0.1', '10.0.0.1/24', '::1'];
bad('srcip', [...NOT_ADDR, '224.0.0.1', '0.0.0.0', '255.255.255.255']);
bad('addr', [...NOT_ADDR, '224.0.0.5', '0.0.0.0']);
bad('mcast', [...NOT_ADDR, '10.0.0.1', '240.0.0.1']);
bad('peer', [...NOT_ADDR, '224.0.0.18', '10.0.0.1']);
bad('peer-min-ttl', [...NOT_WHOLE, '0', '256'], [...BASE, '--peer=10.0.0.2']);
bad('protocol', ['', 'vrrp', 'vrrp4', 'carp2', 'ucarp']);
bad('facility', ['', 'local8', 'bogus', 'daemon,user', 'LOCAL 0']);
bad('interface', ['', 'eth9', 'a/b', 'x'.repeat(16), '../lo']);
bad('pass', ['', 'p'.repeat(20), 'é'.repeat(10)]);
bad('pass', ['123456789'], [...VRRP_BASE, '--protocol=vrrp2']);
bad('pass', ['x'], [...VRRP_BASE, '--protocol=vrrp3']);
bad('pidfile', ['']);
bad('check', [
  '', 'nokind', ':x', 'bogus:x', 'exec:', 'tcp:', 'tcp:host', 'tcp:host:0', 'tcp:host:65536', 'tcp:a b:80',
  'http://', 'http:x', 'https:///path', 'ftp://x/', 'process:', 'process:a-name-longer-than-15', 'process:a/b',
  'interface:eth9', 'tcp:h:80,interval=0', 'tcp:h:80,timeout=abc', 'tcp:h:80,fall=0', 'tcp:h:80,rise=256',
  'tcp:h:80,weight=255', 'tcp:h:80,weight=1.5', 'tcp:h:80,falls=2', 'tcp:h:80,fall=2,fall=3', 'tcp:h:80;tcp:h:81',
]);
bad('metrics', ['', '9167', 'localhost:9167', '10.0.0.1:0', '10.0.0.1:65536', '::1:80', '[10.0.0.1]:80', '10.0.0.1:']);
bad('run-dir', ['']);

const more: Case[] = [
  // files
  { name: 'passfile missing', argv: [...base('pass', null), '--passfile=/nope'], names: '--passfile', code: 66 },
  { name: 'passfile unreadable', argv: [...base('pass', null), '-o', '/etc/ucarp/secret-pass'], names: '--passfile', code: 66 },
  { name: 'passfile is a directory', argv: [...base('pass', null), '-o/etc/ucarp'], names: '--passfile', code: 66 },
  { name: 'passfile empty first line', argv: [...base('pass', null), '-o', '/etc/ucarp/empty-pass'], names: '--passfile' },
  { name: 'passfile too long', argv: [...base('pass', null), '-o', '/etc/ucarp/long-pass'], names: '--passfile' },
  { name: 'passfile empty name', argv: [...base('pass', null), '--passfile='], names: '--passfile' },
  { name: 'passfile with vrrp3', argv: [...VRRP_BASE, '--protocol=vrrp3', '-o', '/etc/ucarp/pass'], names: '--passfile' },
  { name: 'pass and passfile', argv: [...BASE, '--passfile=/etc/ucarp/pass'], names: '--passfile' },
  { name: 'upscript missing', argv: [...BASE, '--upscript=/nope.sh'], names: '--upscript', code: 66 },
  { name: 'upscript not executable', argv: [...BASE, '-u', '/etc/ucarp/not-exec.sh'], names: '--upscript', code: 66 },
  { name: 'upscript a directory', argv: [...BASE, '-u', '/etc/ucarp'], names: '--upscript', code: 66 },
  { name: 'upscript empty', argv: [...BASE, '--upscript='], names: '--upscript' },
  { name: 'exec check missing', argv: [...BASE, '--check=exec:/nope/check --flag'], names: '--check', code: 66 },
  { name: 'exec check not executable', argv: [...BASE, '--check=exec:/etc/ucarp/not-exec.sh'], names: '--check', code: 66 },
  { name: 'exec check not on PATH', argv: [...BASE, '--check=exec:no-such-program'], env: { PATH: '/etc/ucarp' }, names: '--check', code: 66 },
  { name: 'env check list', argv: BASE, env: { UCARP_CHECK: 'tcp:h:80; bogus:1' }, names: 'UCARP_CHECK (environment)' },
  { name: 'downscript missing', argv: [...BASE, '--downscript=/nope.sh'], names: '--downscript', code: 66 },
  { name: 'downscript not executable', argv: [...BASE, '-d/etc/ucarp/not-exec.sh'], names: '--downscript', code: 66 },
  { name: 'config missing', argv: [...BASE, '--config=/nope.conf'], names: '--config', code: 66 },
  { name: 'config-dir missing', argv: ['--config-dir=/nope'], names: '--config-dir', code: 66 },
  { name: 'sync-group bad name', argv: [...BASE, '--sync-group=a b'], names: '--sync-group' },
  { name: 'config unreadable', argv: [...BASE, '-c', '/etc/ucarp/secret-pass'], names: '--config', code: 66 },
  { name: 'config empty name', argv: [...BASE, '--config='], names: '--config' },
  { name: 'config names a config', argv: [...BASE, '-c', '/etc/ucarp/nested.conf'], names: 'UCARP_CONFIG in /etc/ucarp/nested.conf line 1' },
  { name: 'config bad value', argv: ['-c', '/etc/ucarp/bad-value.conf', ...BASE], names: 'UCARP_ADVSKEW in /etc/ucarp/bad-value.conf line 4' },
  { name: 'config bad switch', argv: ['-c', '/etc/ucarp/bad-bool.conf', ...BASE], names: 'UCARP_PREEMPT in /etc/ucarp/bad-bool.conf line 1' },
  { name: 'config line without =', argv: ['-c', '/etc/ucarp/no-equals.conf', ...BASE], names: 'UCARP_PASS in /etc/ucarp/no-equals.conf line 2' },
  { name: 'config junk line', argv: ['-c', '/etc/ucarp/junk.conf', ...BASE], names: '/etc/ucarp/junk.conf line 3' },
  { name: 'config unquoted #', argv: ['-c', '/etc/ucarp/hash.conf', ...BASE], names: 'UCARP_PASS in /etc/ucarp/hash.conf line 1' },
  { name: 'config unclosed quote', argv: ['-c', '/etc/ucarp/unclosed.conf', ...BASE], names: 'UCARP_PASS in /etc/ucarp/unclosed.conf line 1' },
  { name: 'config text after quote', argv: ['-c', '/etc/ucarp/after-quote.conf', ...BASE], names: 'UCARP_PASS in /etc/ucarp/after-quote.conf line 1' },
  { name: 'UCARP_CONFIG missing', argv: BASE, env: { UCARP_CONFIG: '/nope.conf' }, names: 'UCARP_CONFIG (environment)', code: 66 },
  // required
  { name: 'no vhid', argv: base('vhid', null), names: '--vhid' },
  { name: 'no srcip', argv: base('srcip', null), names: '--srcip' },
  { name: 'no addr', argv: base('addr', null), names: '--addr' },
  { name: 'no password for carp', argv: base('pass', null), names: '--pass' },
  { name: 'no interface at all', argv: base('interface', null), names: '--interface' }, // see the host below
  // conflicts and protocol mismatches
  { name: 'advbase 0 with advskew 0', argv: [...BASE, '--advbase=0'], names: '--advbase' },
  { name: 'advbase 0 with explicit advskew 0', argv: [...BASE, '-b0', '-k0'], names: '--advbase' },
  { name: 'advskew with vrrp2', argv: [...VRRP_BASE, '--protocol=vrrp2', '--advskew=10'], names: '--advskew' },
  { name: 'advskew with vrrp3', argv: [...VRRP_BASE, '--protocol=vrrp3', '-k', '0'], names: '--advskew' },
  { name: 'nomcast with vrrp3', argv: [...VRRP_BASE, '--protocol=vrrp3', '--nomcast'], names: '--nomcast' },
  { name: 'deadratio with vrrp2', argv: [...VRRP_BASE, '--protocol=vrrp2', '--deadratio=4'], names: '--deadratio' },
  { name: 'priority with carp', argv: [...BASE, '--priority=100'], names: '--priority' },
  { name: 'nomcast with peer', argv: [...BASE, '--peer=10.0.0.2', '-M'], names: '--nomcast' },
  { name: 'mcast with peer', argv: [...BASE, '--peer=10.0.0.2', '-m', '224.0.0.18'], names: '--mcast' },
  { name: 'duplicate addr', argv: [...BASE, '--addr=10.0.0.100'], names: '--addr' },
  { name: 'peer-min-ttl without peer', argv: [...BASE, '--peer-min-ttl=250'], names: '--peer-min-ttl' },
  { name: 'UCARP_PEER_MIN_TTL without peer', argv: BASE, env: { UCARP_PEER_MIN_TTL: '250' }, names: 'UCARP_PEER_MIN_TTL' },
  { name: 'duplicate peer', argv: [...BASE, '--peer=10.0.0.2', '--peer', '10.0.0.2'], names: '--peer' },
  // the command line itself
  { name: 'unknown long option', argv: [...BASE, '--foo'], names: 'unknown option --foo' },
  { name: 'unknown long option with value', argv: [...BASE, `--foo=${SECRET}`], names: 'unknown option --foo' },
  { name: 'unknown short option', argv: [...BASE, '-q'], names: 'unknown option -q' },
  { name: 'unknown short in a bundle', argv: [...BASE, '-PqB'], names: 'unknown option -q' },
  { name: 'missing value at the end, long', argv: [...BASE, '--vhid'], names: '--vhid' },
  { name: 'missing value at the end, short', argv: [...BASE, '-k'], names: '--advskew' },
  { name: 'missing value at the end, bundle', argv: [...BASE, '-Pb'], names: '--advbase' },
  { name: 'switch given a value', argv: [...BASE, `--preempt=${SECRET}`], names: '--preempt' },
  { name: 'another switch given a value', argv: [...BASE, '--debug=1'], names: '--debug' },
  { name: 'ambiguous prefix', argv: [...BASE, '--p'], names: 'ambiguous option --p' },
  { name: 'ambiguous prefix with password', argv: [...base('pass', null), `--pas=${SECRET}`], names: 'ambiguous option --pas' },
  { name: 'stray argument', argv: [...BASE, 'eth0'], names: 'unexpected argument' },
  { name: 'stray password', argv: [...BASE, SECRET], names: 'unexpected argument' },
  { name: 'stray after --', argv: [...BASE, '--', '-P'], names: 'unexpected argument' },
  { name: 'lone dash', argv: [...BASE, '-'], names: 'unexpected argument' },
  // environment
  { name: 'env advskew', argv: BASE, env: { UCARP_ADVSKEW: '300' }, names: 'UCARP_ADVSKEW (environment)' },
  { name: 'env vhid', argv: base('vhid', null), env: { UCARP_VHID: '0x10' }, names: 'UCARP_VHID (environment)' },
  { name: 'env switch', argv: BASE, env: { UCARP_PREEMPT: 'maybe' }, names: 'UCARP_PREEMPT (environment)' },
  { name: 'env switch blank-padded', argv: BASE, env: { UCARP_SHUTDOWN: ' yes' }, names: 'UCARP_SHUTDOWN (environment)' },
  { name: 'env addr list', argv: base('addr', null), env: { UCARP_ADDR: '10.0.0.1, 10.0.0.x' }, names: 'UCARP_ADDR (environment)' },
  { name: 'env addr list of commas', argv: base('addr', null), env: { UCARP_ADDR: ', ,' }, names: 'UCARP_ADDR (environment)' },
  { name: 'env addr duplicate', argv: base('addr', null), env: { UCARP_ADDR: '10.0.0.5 10.0.0.5' }, names: 'UCARP_ADDR (environment)' },
  { name: 'env password too long', argv: base('pass', null), env: { UCARP_PASS: SECRET.repeat(2) }, names: 'UCARP_PASS (environment)' },
  { name: 'env pass and passfile', argv: base('pass', null), env: { UCARP_PASS: SECRET, UCARP_PASSFILE: '/etc/ucarp/pass' }, names: 'UCARP_PASSFILE (environment)' },
  { name: 'env priority with carp', argv: BASE, env: { UCARP_PRIORITY: '100' }, names: 'UCARP_PRIORITY (environment)' },
];
cases.push(...more);

const noInterfaceHost = memoryHostChecks({ interfaces: [{ name: 'lo', loopback: true, up: true }] });

for (const c of cases) {
  test(`refused: ${c.name}`, () => {
    const h = c.name === 'no interface at all' ? noInterfaceHost : host;
    const out = parseSettings(c.argv, c.env ?? {}, h);
    assert.equal(out.kind, 'exit', `accepted ${JSON.stringify(c.argv)}`);
    if (out.kind !== 'exit') return;
    assert.equal(out.code, c.code ?? 64);
    assert.equal(out.stdout, undefined);
    const err = out.stderr ?? '';
    assert.match(err, /^ucarp-ts: [^\n]+\n$/, `not one line: ${JSON.stringify(err)}`);
    assert.ok(err.includes(c.names), `${JSON.stringify(err)} does not name ${c.names}`);
    assert.doesNotMatch(err, /^\s+at /m);
    assert.ok(!err.includes(SECRET), `password leaked: ${err}`);
    assert.ok(!err.includes(FILE_SECRET), `password file leaked: ${err}`);
  });
}

test('the error line has the documented shape', () => {
  const out = parseSettings([...BASE, '--advskew=300'], {}, host);
  assert.deepEqual(out, { kind: 'exit', code: 64, stderr: 'ucarp-ts: --advskew: must be a whole number from 0 to 255 (got "300")\n' });
  const env = parseSettings(BASE, { UCARP_ADVSKEW: '300' }, host);
  assert.equal(env.kind === 'exit' && env.stderr, 'ucarp-ts: UCARP_ADVSKEW (environment): must be a whole number from 0 to 255 (got "300")\n');
  const file = parseSettings(['-c', '/etc/ucarp/bad-value.conf', ...BASE], {}, host);
  assert.equal(
    file.kind === 'exit' && file.stderr,
    'ucarp-ts: UCARP_ADVSKEW in /etc/ucarp/bad-value.conf line 4: must be a whole number from 0 to 255 (got "abc")\n',
  );
  const unknown = parseSettings([...BASE, '--foo'], {}, host);
  assert.equal(unknown.kind === 'exit' && unknown.stderr, 'ucarp-ts: unknown option --foo\n');
});

test('a value that contains the password is not shown', () => {
  // A misplaced password in another option's value is withheld from the message.
  const out = parseSettings([...BASE, `--srcip=${SECRET}`], {}, host);
  assert.equal(out.kind, 'exit');
  if (out.kind === 'exit') {
    assert.ok(out.stderr?.startsWith('ucarp-ts: --srcip: '));
    assert.ok(!out.stderr?.includes(SECRET));
  }
  const fromEnv = parseSettings(base('vhid', null, base('pass', null)), { UCARP_PASS: SECRET, UCARP_XPARAM: 'x', UCARP_VHID: SECRET }, host);
  assert.ok(fromEnv.kind === 'exit' && !fromEnv.stderr?.includes(SECRET));
});

test('the table covers every option that takes a value', async () => {
  const { OPTIONS } = await import('../../src/config/options.js');
  const covered = new Set(cases.map((c) => /--([a-z-]+)/.exec(c.names)?.[1]));
  for (const o of OPTIONS) {
    if (o.takesValue && o.long !== 'xparam') assert.ok(covered.has(o.long), `no refusal case for --${o.long}`);
  }
});
