// --status and --metrics without a network: the exposition (checked by promtool), the
// status lines and exit codes, the counters, and the control socket in a temporary
// run directory (never the machine's /run/ucarp-ts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { memoryHostChecks } from '../../src/config/host-checks.js';
import { parseSettings } from '../../src/config/parse-settings.js';
import { parseIp } from '../../src/core/ip-address.js';
import { openControlServer } from '../../src/control/control-server.js';
import { socketPath } from '../../src/control/run-dir.js';
import { STATUS_FORMAT, type ProcessSnapshot } from '../../src/control/snapshot.js';
import { queryDaemons } from '../../src/control/status-query.js';
import { formatGroup, formatStatus, statusExitCode, statusJson } from '../../src/control/status-text.js';
import { Histogram, scriptResultKind } from '../../src/daemon/group-stats.js';
import { renderMetrics } from '../../src/metrics/exposition.js';
import { assertPromtoolAccepts, parseSamples, sample } from '../support/metrics-lab.js';
import { groupSnapshot } from '../support/snapshots.js';

const PROC = { residentBytes: 48e6, cpuSeconds: 1.5, startTimeSeconds: 1767322800.25, openFds: 12, version: '0.1.0' };
const tempDir = (): string => mkdtempSync(join(tmpdir(), 'ucarp-ts-run-'));

describe('metrics exposition', () => {
  it('one group: the labels the issue names, no group label, promtool accepts it', async () => {
    const text = renderMetrics([groupSnapshot()], PROC);
    await assertPromtoolAccepts(text);
    const s = parseSamples(text);
    const L = { vhid: '7', interface: 'eth0', protocol: 'carp' };
    assert.equal(sample(s, 'ucarp_ts_state', L), 2);
    assert.equal(sample(s, 'ucarp_ts_transitions_total', { ...L, state: 'MASTER' }), 1);
    assert.equal(sample(s, 'ucarp_ts_refused_packets_total', { ...L, reason: 'auth' }), 5);
    assert.equal(sample(s, 'ucarp_ts_advskew', { ...L, which: 'effective' }), 10);
    assert.equal(sample(s, 'ucarp_ts_script_runs_total', { ...L, script: 'up', result: 'ok' }), 1);
    assert.equal(sample(s, 'ucarp_ts_script_duration_seconds_bucket', { ...L, script: 'up', le: '0.01' }), 0);
    assert.equal(sample(s, 'ucarp_ts_script_duration_seconds_bucket', { ...L, script: 'up', le: '+Inf' }), 1);
    assert.equal(s.get('process_start_time_seconds'), PROC.startTimeSeconds);
    assert.doesNotMatch(text, /group="/);
    assert.doesNotMatch(text, /ucarp_ts_check_state/, 'no checks, no family');
  });

  it('several groups get a group and a name label; VRRP priority, FAULT, checks and odd label values still pass promtool', async () => {
    const vrrp = groupSnapshot({
      group: 'eth1/vrrp3/51', name: 'db', interface: 'eth1', protocol: 'vrrp3', vhid: 51, state: 'FAULT',
      preference: { kind: 'priority', configured: 150, effective: 100 },
      checks: [{ name: 'web "8080"\\path\nx', state: 'down', since: null }, { name: 'dns', state: 'up', since: null }],
      refused: {}, scriptDurations: {}, scriptRuns: {},
    });
    const text = renderMetrics([groupSnapshot(), vrrp], PROC);
    await assertPromtoolAccepts(text);
    const s = parseSamples(text);
    assert.equal(sample(s, 'ucarp_ts_state', { group: 'eth1/vrrp3/51', name: 'db', vhid: '51', interface: 'eth1', protocol: 'vrrp3' }), 3);
    assert.equal(sample(s, 'ucarp_ts_priority', { group: 'eth1/vrrp3/51', name: 'db', vhid: '51', interface: 'eth1', protocol: 'vrrp3', which: 'effective' }), 100);
    assert.match(text, /check="web \\"8080\\"\\\\path\\nx"\} 0$/m);
  });

  it('no group yet: only the process figures, still valid', async () => {
    await assertPromtoolAccepts(renderMetrics([], PROC));
  });
});

describe('status lines and exit codes', () => {
  const snap = (groups = [groupSnapshot()]): ProcessSnapshot => ({ format: STATUS_FORMAT, pid: 42, version: '0.1.0', groups });
  const now = Date.parse('2026-01-02T03:09:05.000Z');

  it('one line with everything an operator asks', () => {
    assert.equal(
      formatGroup(groupSnapshot(), 42, now),
      'eth0 carp vhid 7: MASTER since 2026-01-02T03:04:05.000Z (5m 0s); advskew 10; master heard 10.0.0.2 5m 5s ago; ' +
        'addresses 10.0.0.100; checks none; adverts sent 12 received 3; bow-outs sent 0 received 1; refused auth=5 ttl=1; ' +
        'last script up 10.0.0.100 ok in 12 ms, 5m 0s ago; pid 42',
    );
    assert.match(formatGroup(groupSnapshot({ preference: { kind: 'priority', configured: 150, effective: 90 } }), 1, now), /; priority 150 \(effective 90\);/);
  });

  it('several groups in one daemon: each line starts with its group name; one group: no name', () => {
    const db = groupSnapshot({ group: 'eth1/vrrp3/51', name: 'db', interface: 'eth1', protocol: 'vrrp3', vhid: 51 });
    const web = groupSnapshot({ name: 'web' });
    const lines = formatStatus({ dirExists: true, answers: [{ pid: 42, snapshot: snap([web, db]) }] }, '/x', now).trimEnd().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^web: eth0 carp vhid 7: MASTER since /);
    assert.match(lines[1]!, /^db: eth1 vrrp3 vhid 51: MASTER since .*; pid 42$/);
    const one = formatStatus({ dirExists: true, answers: [{ pid: 42, snapshot: snap([web]) }] }, '/x', now);
    assert.match(one, /^eth0 carp vhid 7: MASTER since /);
  });

  it('0 healthy, 1 for FAULT, a failed last script or a silent daemon, 3 for none', () => {
    assert.equal(statusExitCode({ dirExists: true, answers: [{ pid: 42, snapshot: snap() }] }), 0);
    assert.equal(statusExitCode({ dirExists: true, answers: [{ pid: 42, snapshot: snap([groupSnapshot({ state: 'FAULT' })]) }] }), 1);
    const failed = groupSnapshot({ lastScript: { ...groupSnapshot().lastScript!, result: 'failed', exitCode: 2 } });
    assert.equal(statusExitCode({ dirExists: true, answers: [{ pid: 42, snapshot: snap([failed]) }] }), 1);
    assert.match(formatGroup(failed, 42, now), /last script up 10\.0\.0\.100 failed \(exit 2\)/);
    assert.equal(statusExitCode({ dirExists: true, answers: [{ pid: 42, snapshot: snap() }, { pid: 43, problem: 'no answer within 1 s' }] }), 1);
    assert.equal(statusExitCode({ dirExists: false, answers: [] }), 3);
    assert.match(formatStatus({ dirExists: false, answers: [] }, '/x'), /^no ucarp-ts daemon found \(\/x does not exist\)$/m);
    const js = JSON.parse(statusJson({ dirExists: true, answers: [{ pid: 42, snapshot: snap() }, { pid: 43, problem: 'p' }] }));
    assert.equal(js.exitCode, 1);
    assert.deepEqual(js.daemons.map((d: { pid: number; answering: boolean }) => [d.pid, d.answering]), [[42, true], [43, false]]);
  });
});

describe('counters', () => {
  it('histogram buckets are cumulative, +Inf last', () => {
    const h = new Histogram([0.01, 0.1]);
    for (const v of [0.005, 0.05, 0.05, 7]) h.observe(v);
    assert.deepEqual(h.snapshot(), { bounds: [0.01, 0.1], counts: [1, 3, 4], sum: 7.105, count: 4 });
  });
  it('script results', () => {
    assert.equal(scriptResultKind({ ok: true, exitCode: 0, timedOut: false, durationMs: 1 }), 'ok');
    assert.equal(scriptResultKind({ ok: false, exitCode: 3, timedOut: false, durationMs: 1 }), 'failed');
    assert.equal(scriptResultKind({ ok: false, signal: 'SIGKILL', timedOut: false, durationMs: 1 }), 'killed');
    assert.equal(scriptResultKind({ ok: false, signal: 'SIGTERM', timedOut: true, durationMs: 1 }), 'timeout');
    assert.equal(scriptResultKind({ ok: false, timedOut: false, durationMs: 1 }), 'error');
  });
});

describe('control socket', () => {
  // This test process stands in for a daemon; any other PID is none.
  const isDaemon = (pid: number): boolean => pid === process.pid;
  const snapshot = (): ProcessSnapshot => ({ format: STATUS_FORMAT, pid: process.pid, version: 'test', groups: [groupSnapshot()] });

  it('root-only files, an answer, removed on close; a missing directory is "no daemon"', async () => {
    const dir = join(tempDir(), 'run'); // created by the server
    const server = await openControlServer(dir, snapshot, () => {});
    try {
      assert.equal(statSync(dir).mode & 0o777, 0o700);
      assert.equal(statSync(server.path).mode & 0o777, 0o600);
      const q = await queryDaemons(dir, { isDaemon });
      assert.equal(q.answers.length, 1);
      const a = q.answers[0]!;
      assert.ok('snapshot' in a, JSON.stringify(a));
      assert.equal(a.snapshot.groups[0]!.vhid, 7);
    } finally {
      server.close();
    }
    assert.equal(existsSync(server.path), false);
    assert.deepEqual(await queryDaemons(dir, { isDaemon }), { dirExists: true, answers: [] });
    assert.deepEqual(await queryDaemons(join(dir, 'nope'), { isDaemon }), { dirExists: false, answers: [] });
  });

  it('a socket of a dead process is removed; a daemon that does not answer costs one second, not more', async () => {
    const dir = tempDir();
    const dead = spawn('true');
    await new Promise((r) => dead.on('exit', r));
    writeFileSync(socketPath(dir, dead.pid!), ''); // its socket file, left behind
    // A live daemon whose socket accepts and never answers (as a SIGSTOPped daemon's backlog does).
    const live = spawn('sleep', ['30']);
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(socketPath(dir, live.pid!), r));
    try {
      const t0 = Date.now();
      const q = await queryDaemons(dir, { isDaemon: (pid) => pid === live.pid });
      const took = Date.now() - t0;
      assert.deepEqual(q.answers, [{ pid: live.pid, problem: 'no answer within 1 s' }]);
      assert.ok(took >= 900 && took < 2500, `${took} ms`);
      assert.equal(existsSync(socketPath(dir, dead.pid!)), false, 'the stale socket is gone');
    } finally {
      silent.close();
      live.kill();
    }
  });

  it('anything but "status" gets an error, and the server goes on', async () => {
    const dir = tempDir();
    const server = await openControlServer(dir, snapshot, () => {});
    try {
      const reply = await new Promise<string>((resolve) => {
        const s = connect(server.path, () => s.write('x'.repeat(500)));
        let got = '';
        s.setEncoding('utf8').on('data', (d: string) => (got += d)).on('close', () => resolve(got));
      });
      assert.match(reply, /"error":"unknown request/);
      assert.equal((await queryDaemons(dir, { isDaemon })).answers.length, 1);
    } finally {
      server.close();
    }
  });
});

describe('options', () => {
  const HOST = memoryHostChecks({ files: { '/etc/ucarp-ts.conf': 'UCARP_RUN_DIR=/srv/run\n' }, executables: [], interfaces: [{ name: 'eth0', loopback: false, up: true }] });
  const BASE = ['--interface=eth0', '--srcip=10.0.0.1', '--vhid=7', '--pass=s', '--addr=10.0.0.100'];
  const parse = (argv: string[], env: Record<string, string> = {}) => parseSettings(argv, env, HOST);
  const settings = (argv: string[], env: Record<string, string> = {}) => {
    const o = parse([...BASE, ...argv], env);
    if (o.kind !== 'run') assert.fail(JSON.stringify(o));
    return o.settings;
  };
  const error = (argv: string[]): string => {
    const o = parse(argv);
    assert.equal(o.kind, 'exit');
    return o.kind === 'exit' ? (o.stderr ?? '') : '';
  };

  it('--metrics HOST:PORT (IPv4 or [IPv6]) and UCARP_METRICS; nothing else', () => {
    assert.deepEqual(settings(['--metrics=10.0.0.1:9167']).process.metrics, { host: '10.0.0.1', port: 9167 });
    assert.deepEqual(settings(['--metrics=[::1]:80']).process.metrics, { host: '::1', port: 80 });
    assert.deepEqual(settings([], { UCARP_METRICS: '0.0.0.0:9167' }).process.metrics, { host: '0.0.0.0', port: 9167 });
    assert.equal(settings([]).process.metrics, null);
    for (const bad of ['9167', 'localhost:9167', '10.0.0.1:0', '10.0.0.1:70000', '::1:80', '10.0.0.256:1']) {
      assert.match(error([...BASE, `--metrics=${bad}`]), /--metrics: must be HOST:PORT/, bad);
    }
    // ucarp's abbreviation still means --mcast.
    assert.equal(settings(['--m=239.1.2.3']).groups[0]!.mcast, parseIp('239.1.2.3'));
  });

  it('--status takes only --json, --run-dir and --config; the run directory from any source', () => {
    assert.deepEqual(parse(['--status']), { kind: 'status', json: false, runDir: '/run/ucarp-ts' });
    assert.deepEqual(parse(['--status', '--json', '--run-dir=/tmp/r']), { kind: 'status', json: true, runDir: '/tmp/r' });
    assert.deepEqual(parse(['--status'], { UCARP_RUN_DIR: '/e' }), { kind: 'status', json: false, runDir: '/e' });
    assert.deepEqual(parse(['--status', '--config=/etc/ucarp-ts.conf']), { kind: 'status', json: false, runDir: '/srv/run' });
    assert.match(error(['--status', '--vhid=1']), /--vhid: cannot be used with --status/);
    assert.match(error(['--json']), /--json: only with --status/);
    assert.equal(settings(['--run-dir=/x']).process.runDir, '/x');
  });
});
