// Environment variables and the --config file: syntax, precedence (command line >
// environment > file > defaults), switches, lists, and UCARP_* pass-through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSettings, type ParseOutcome } from '../../src/config/parse-settings.js';
import { memoryHostChecks, realHostChecks, type MemoryHost } from '../../src/config/host-checks.js';
import { parseConfigFile } from '../../src/config/config-file.js';
import { parseIp } from '../../src/core/ip-address.js';
import { settingsOf, type FlatSettings as Settings } from '../support/flat-settings.js';

const ip = (s: string) => parseIp(s)!;

// The file an init script keeps next to its ucarp invocation.
const INIT_SCRIPT_CONF = `# /etc/ucarp/vip-042.conf - sourced by /etc/init.d/ucarp
UCARP_INTERFACE=eth0
UCARP_SRCIP=10.0.0.1
UCARP_VHID=42
UCARP_PASS="love sex secret god"
UCARP_ADVBASE=2
UCARP_ADDR=10.0.0.100
UCARP_UPSCRIPT=/usr/share/ucarp/vip-up
UCARP_DOWNSCRIPT=/usr/share/ucarp/vip-down
UCARP_MASK=24
`;

const HOST: MemoryHost = {
  files: { '/etc/ucarp/vip-042.conf': INIT_SCRIPT_CONF, '/etc/ucarp/pass': 'from-passfile\n' },
  executables: ['/usr/share/ucarp/vip-up', '/usr/share/ucarp/vip-down'],
};

function run(argv: string[], env: Record<string, string | undefined> = {}, files: Record<string, string> = {}): ParseOutcome {
  return parseSettings(argv, env, memoryHostChecks({ ...HOST, files: { ...HOST.files, ...files } }));
}


test('the init-script config file alone drives a complete Settings', () => {
  const out = run(['--config', '/etc/ucarp/vip-042.conf']);
  assert.equal(out.kind, 'run');
  if (out.kind !== 'run') return;
  // A downscript without UCARP_SHUTDOWN: ucarp's rule applies, and the operator is told.
  assert.deepEqual(out.warnings, ['--downscript without --shutdown: a stopped MASTER keeps the virtual address (as ucarp); add --shutdown to release it']);
  assert.deepEqual(settingsOf(out), {
    name: 'vip-042',
    protocol: 'carp',
    interface: 'eth0',
    srcip: ip('10.0.0.1'),
    mcast: ip('224.0.0.18'),
    vhid: 42,
    password: Buffer.from('love sex secret god'),
    preempt: false,
    neutral: false,
    addrs: [ip('10.0.0.100')],
    advbase: 2,
    advskew: 0,
    deadratio: 3,
    upscript: '/usr/share/ucarp/vip-up',
    downscript: '/usr/share/ucarp/vip-down',
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
    extraEnv: { UCARP_MASK: '24' },
  });
  // The same through -c, -cFILE and UCARP_CONFIG.
  for (const [argv, env] of [
    [['-c', '/etc/ucarp/vip-042.conf'], {}],
    [['-c/etc/ucarp/vip-042.conf'], {}],
    [[], { UCARP_CONFIG: '/etc/ucarp/vip-042.conf' }],
  ] as const) {
    assert.deepEqual(run([...argv], env), out);
  }
});

test('the same settings from the environment alone', () => {
  const env = Object.fromEntries(
    INIT_SCRIPT_CONF.split('\n')
      .filter((l) => l.startsWith('UCARP_'))
      .map((l) => {
        const [k, v] = l.split('=') as [string, string];
        return [k, v.replace(/^"|"$/g, '')];
      }),
  );
  // Only the name tells them apart: a group from a file is named after it.
  assert.deepEqual({ ...settingsOf(run([], env)), name: 'vip-042' }, settingsOf(run(['-c', '/etc/ucarp/vip-042.conf'])));
});

test('precedence: command line, then environment, then file, then defaults', () => {
  const file = { '/f.conf': 'UCARP_SRCIP=10.0.0.1\nUCARP_VHID=1\nUCARP_PASS=filepass\nUCARP_ADDR=10.0.0.100\nUCARP_ADVSKEW=30\nUCARP_ADVBASE=3\n' };
  const env = { UCARP_ADVSKEW: '20', UCARP_CONFIG: '/f.conf' };
  assert.equal(settingsOf(run(['-k', '10'], env, file)).advskew, 10);
  assert.equal(settingsOf(run([], env, file)).advskew, 20);
  assert.equal(settingsOf(run([], { UCARP_CONFIG: '/f.conf' }, file)).advskew, 30);
  assert.equal(settingsOf(run([], { UCARP_CONFIG: '/f.conf' }, { '/f.conf': file['/f.conf'].replace('UCARP_ADVSKEW=30\n', '') })).advskew, 0);
  // Each option is resolved on its own: advbase still comes from the file.
  assert.equal(settingsOf(run(['-k', '10'], env, file)).advbase, 3);
  // --config on the command line beats UCARP_CONFIG.
  const other = { ...file, '/g.conf': file['/f.conf'].replace('UCARP_VHID=1', 'UCARP_VHID=2') };
  assert.equal(settingsOf(run(['-c', '/g.conf'], { UCARP_CONFIG: '/f.conf' }, other)).vhid, 2);
});

test('precedence: a list is taken whole from the highest source', () => {
  const file = { '/f.conf': 'UCARP_SRCIP=10.0.0.1\nUCARP_VHID=1\nUCARP_PASS=p\nUCARP_ADDR="10.0.0.7 10.0.0.8"\n' };
  assert.deepEqual(settingsOf(run(['-c', '/f.conf'], {}, file)).addrs, [ip('10.0.0.7'), ip('10.0.0.8')]);
  assert.deepEqual(settingsOf(run(['-c', '/f.conf'], { UCARP_ADDR: '10.0.0.9,10.0.0.10' }, file)).addrs, [ip('10.0.0.9'), ip('10.0.0.10')]);
  assert.deepEqual(settingsOf(run(['-c', '/f.conf', '-a', '10.0.0.1'], { UCARP_ADDR: '10.0.0.9' }, file)).addrs, [ip('10.0.0.1')]);
  const peers = settingsOf(run(['-c', '/f.conf'], { UCARP_PEER: ' 10.0.0.2, 10.0.0.3  10.0.0.4 ' }, file)).peers;
  assert.deepEqual(peers, ['10.0.0.2', '10.0.0.3', '10.0.0.4'].map(ip));
});

test('precedence: the password comes from the highest source that gives one', () => {
  const file = { '/f.conf': 'UCARP_SRCIP=10.0.0.1\nUCARP_VHID=1\nUCARP_ADDR=10.0.0.100\nUCARP_PASS=filepass\n' };
  assert.deepEqual(settingsOf(run(['-c', '/f.conf'], {}, file)).password, Buffer.from('filepass'));
  assert.deepEqual(settingsOf(run(['-c', '/f.conf'], { UCARP_PASS: 'envpass' }, file)).password, Buffer.from('envpass'));
  // A --passfile on the command line overrides UCARP_PASS below it rather than conflicting.
  const s = settingsOf(run(['-c', '/f.conf', '-o', '/etc/ucarp/pass'], { UCARP_PASS: 'envpass' }, file));
  assert.deepEqual(s.password, Buffer.from('from-passfile'));
  assert.deepEqual(settingsOf(run(['-c', '/f.conf'], { UCARP_PASSFILE: '/etc/ucarp/pass' }, file)).password, Buffer.from('from-passfile'));
});

test('switches take 1/0, yes/no, true/false, on/off in any case', () => {
  const base = ['-s', '10.0.0.1', '-v', '1', '-p', 'p', '-a', '10.0.0.100'];
  const words: [string, boolean][] = [
    ['1', true], ['0', false], ['yes', true], ['no', false], ['true', true], ['false', false],
    ['on', true], ['off', false], ['YES', true], ['No', false], ['TRUE', true], ['Off', false],
  ];
  for (const key of ['PREEMPT', 'NEUTRAL', 'DEBUG', 'SHUTDOWN', 'DAEMONIZE', 'IGNOREIFSTATE', 'NOMCAST']) {
    for (const [word, value] of words) {
      const s = settingsOf(run(base, { [`UCARP_${key}`]: word }));
      assert.equal(s[key.toLowerCase() as 'preempt'], value, `UCARP_${key}=${word}`);
    }
  }
  // The environment can turn off a switch the file turns on.
  const file = { '/f.conf': 'UCARP_PREEMPT=yes\n' };
  assert.equal(settingsOf(run([...base, '-c', '/f.conf'], {}, file)).preempt, true);
  assert.equal(settingsOf(run([...base, '-c', '/f.conf'], { UCARP_PREEMPT: 'off' }, file)).preempt, false);
  assert.equal(settingsOf(run([...base, '-c', '/f.conf', '-P'], { UCARP_PREEMPT: 'off' }, file)).preempt, true);
});

test('extraEnv: unused UCARP_* variables from the file and the environment, environment winning', () => {
  const file = {
    '/f.conf': 'UCARP_SRCIP=10.0.0.1\nUCARP_VHID=1\nUCARP_PASS=p\nUCARP_ADDR=10.0.0.100\nUCARP_MASK=24\nUCARP_IF_ALIAS=eth0:1\nUCARP_OPTS="-P -z"\n',
  };
  const env = { UCARP_MASK: '16', UCARP_BROADCAST: '10.0.0.255', HOME: '/root', PATH: '/bin', UCARP_VHID: '2', UNSET: undefined };
  const s = settingsOf(run(['-c', '/f.conf'], env, file));
  assert.deepEqual(s.extraEnv, { UCARP_MASK: '16', UCARP_IF_ALIAS: 'eth0:1', UCARP_OPTS: '-P -z', UCARP_BROADCAST: '10.0.0.255' });
  assert.equal(s.vhid, 2);
});

test('empty variables count as not set', () => {
  const file = { '/f.conf': 'UCARP_SRCIP=10.0.0.1\nUCARP_VHID=1\nUCARP_PASS=p\nUCARP_ADDR=10.0.0.100\nUCARP_ADVSKEW=9\nUCARP_UPSCRIPT=\nUCARP_XPARAM=""\n' };
  const s = settingsOf(run(['-c', '/f.conf'], { UCARP_ADVSKEW: '', UCARP_DEBUG: '' }, file));
  assert.deepEqual([s.advskew, s.upscript, s.xparam, s.debug], [9, null, null, false]);
});

test('config file syntax: comments, blank lines, quotes, export, spaces, CRLF', () => {
  const text = [
    '# comment',
    '',
    '   # indented comment',
    'export UCARP_SRCIP=10.0.0.1',
    'UCARP_VHID = 5',
    "UCARP_PASS='pa ss#1'   # trailing comment",
    'UCARP_XPARAM="two words" ',
    'UCARP_ADDR=10.0.0.100 # the VIP',
    'UCARP_FACILITY=local0\r',
    'UCARP_VHID=6',
    'OTHER_SETTING=1',
    '\t',
  ].join('\n');
  const out = run(['-c', '/f.conf'], {}, { '/f.conf': text });
  const s = settingsOf(out);
  assert.deepEqual([s.srcip, s.vhid, s.password, s.xparam, s.addrs, s.facility], [
    ip('10.0.0.1'), 6, Buffer.from('pa ss#1'), 'two words', [ip('10.0.0.100')], 'local0',
  ]);
  assert.ok(out.kind === 'run');
  assert.deepEqual(out.warnings.filter((w) => w.includes('OTHER_SETTING')), ['/f.conf line 11: ignoring OTHER_SETTING, only UCARP_* settings are read']);
});

test('a malformed config line names the file, the line and the key', () => {
  const cases: [string, string][] = [
    ['UCARP_SRCIP=10.0.0.1\nUCARP_VHID 5\n', 'ucarp-ts: UCARP_VHID in /f.conf line 2: expected KEY=value\n'],
    ['UCARP_SRCIP=10.0.0.1\n\n\nUCARP_VHID=five\n', 'ucarp-ts: UCARP_VHID in /f.conf line 4: must be a whole number from 1 to 255 (got "five")\n'],
    ['[ucarp]\n', 'ucarp-ts: /f.conf line 1: expected KEY=value, a # comment or a blank line\n'],
    ['UCARP_PASS=abc#def\n', 'ucarp-ts: UCARP_PASS in /f.conf line 1: an unquoted "#" would start a comment here; put the value in quotes\n'],
    ["UCARP_XPARAM='abc\n", "ucarp-ts: UCARP_XPARAM in /f.conf line 1: missing closing ' (values must fit on one line)\n"],
    ['UCARP_XPARAM="a"b\n', 'ucarp-ts: UCARP_XPARAM in /f.conf line 1: unexpected text after the closing quote\n'],
    ['UCARP_NOMCAST=2\n', 'ucarp-ts: UCARP_NOMCAST in /f.conf line 1: must be one of 1/0, yes/no, true/false, on/off (got "2")\n'],
  ];
  for (const [text, line] of cases) {
    assert.deepEqual(run(['-c', '/f.conf'], {}, { '/f.conf': text }), { kind: 'exit', code: 64, stderr: line });
  }
});

test('parseConfigFile keeps line numbers and only UCARP_ keys', () => {
  const f = parseConfigFile('A=1\n# x\nUCARP_X=2\nUCARP_X="3"\n', 'f');
  assert.deepEqual([...f.entries], [['UCARP_X', { value: '3', line: 4 }]]);
  assert.deepEqual(f.warnings, ['f line 1: ignoring A, only UCARP_* settings are read']);
});

test('real host checks: files on disk, the loopback interface', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ucarp-ts-config-'));
  try {
    const up = join(dir, 'up.sh');
    const down = join(dir, 'down.sh');
    writeFileSync(up, '#!/bin/sh\n');
    writeFileSync(down, '#!/bin/sh\n');
    chmodSync(up, 0o755);
    chmodSync(down, 0o644);
    writeFileSync(join(dir, 'pass'), 'disk-pass\n');
    const conf = join(dir, 'vip.conf');
    writeFileSync(conf, `UCARP_INTERFACE=lo\nUCARP_SRCIP=127.0.0.1\nUCARP_VHID=3\nUCARP_PASSFILE=${dir}/pass\nUCARP_ADDR=127.0.0.9\nUCARP_UPSCRIPT=${up}\n`);
    const out = parseSettings(['-c', conf], {}, realHostChecks);
    const s = settingsOf(out);
    assert.deepEqual([s.interface, s.password, s.upscript], ['lo', Buffer.from('disk-pass'), up]);
    assert.ok(out.kind === 'run' && out.warnings.includes('no downscript given'));
    const bad = parseSettings(['-c', conf, '-d', down], {}, realHostChecks);
    assert.deepEqual(bad, { kind: 'exit', code: 66, stderr: `ucarp-ts: --downscript: cannot run "${down}": not executable\n` });
    const noIf = parseSettings(['-c', conf, '-i', 'nosuchif0'], {}, realHostChecks);
    assert.ok(noIf.kind === 'exit' && noIf.stderr?.startsWith('ucarp-ts: --interface: no such network interface'));
    assert.ok(realHostChecks.interfaces().some((i) => i.name === 'lo' && i.loopback));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('config files expand $VAR and ${VAR} as a sourcing shell would', () => {
  const conf = [
    "UCARP_BASE=/usr/share/ucarp",
    'UCARP_UPSCRIPT=$UCARP_BASE/vip-up',
    'UCARP_DOWNSCRIPT="${UCARP_BASE}/vip-down"',
    'HELPER=10.0.0',
    'UCARP_ADDR=${HELPER}.100',
    'UCARP_SRCIP=$HELPER.1',
    'UCARP_INTERFACE=$IF_FROM_ENV',
    'UCARP_VHID=42',
    'UCARP_PASS=secret',
  ].join('\n');
  const out = run(['-c', '/x.conf'], { IF_FROM_ENV: 'eth0' }, { '/x.conf': conf });
  const s = settingsOf(out);
  assert.deepEqual([s.upscript, s.downscript, s.addrs, s.srcip, s.interface], [
    '/usr/share/ucarp/vip-up', '/usr/share/ucarp/vip-down', [ip('10.0.0.100')], ip('10.0.0.1'), 'eth0',
  ]);
  // UCARP_BASE is no option: handed to the scripts; HELPER is referenced, so no "ignoring" warning.
  assert.equal(s.extraEnv.UCARP_BASE, '/usr/share/ucarp');
  assert.ok(out.kind === 'run' && !out.warnings.some((w) => w.includes('HELPER')), out.kind === 'run' ? out.warnings.join('; ') : '');
});

test('config files: single quotes keep $ literal, undefined is empty, references cannot loop', () => {
  const f = parseConfigFile(
    [
      "UCARP_A='$literal ${x} \\$y'",
      'UCARP_B="\\$HOME stays"',
      'UCARP_C=$UNDEFINED/up.sh',
      'UCARP_D=${UNDEFINED:-/default}',
      'UCARP_E=$UCARP_F',
      'UCARP_F=$UCARP_E',
      'UCARP_G=x$UCARP_G',
      'UCARP_H=$HOME/$(id)',
      'UNUSED=1',
    ].join('\n'),
    '/f.conf',
    { HOME: '/root' },
  );
  const values = Object.fromEntries([...f.entries].map(([k, e]) => [k, e.value]));
  assert.deepEqual(values, {
    UCARP_A: '$literal ${x} \\$y',
    UCARP_B: '$HOME stays',
    UCARP_C: '/up.sh',
    UCARP_D: '/default',
    UCARP_E: '',
    UCARP_F: '',
    UCARP_G: 'x',
    UCARP_H: '/root/$(id)', // no command substitution, ever
  });
  assert.deepEqual(f.warnings, ['/f.conf line 9: ignoring UNUSED, only UCARP_* settings are read']);
});

test('config files: the environment wins over the file, for references as for the settings', () => {
  const f = parseConfigFile('UCARP_VHID=1\nUCARP_XPARAM=vip$UCARP_VHID\n', '/f.conf', { UCARP_VHID: '7' });
  assert.equal(f.entries.get('UCARP_XPARAM')?.value, 'vip7');
  // A bad expanded value names the file, line and key.
  const bad = run(['-c', '/f.conf'], {}, { '/f.conf': 'UCARP_UPSCRIPT=$UCARP_BASE/up.sh\n' });
  assert.ok(bad.kind === 'exit' && bad.stderr === 'ucarp-ts: UCARP_UPSCRIPT in /f.conf line 1: cannot run "/up.sh": no such file\n', JSON.stringify(bad));
});
