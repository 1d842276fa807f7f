// The hook script runner: order, time limit with process-group kill, failures logged.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Logger } from '../../src/daemon/logger.js';
import { ScriptRunner } from '../../src/daemon/script-runner.js';

function capturingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = new Logger(false);
  log.addSink((level, message) => lines.push(`${level}: ${message}`));
  return { log, lines };
}

function script(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

// A killed orphan may linger as a zombie until init reaps it: that is not alive.
const alive = (pid: number): boolean => {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};

describe('ScriptRunner', () => {
  it('runs scripts one at a time in the order they were queued, with literal arguments', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uts-scripts-'));
    const out = join(dir, 'out');
    const s = script(dir, 'rec.sh', `sleep 0.05; printf '%s|' "$@" >> ${out}; echo >> ${out}`);
    const { log, lines } = capturingLogger();
    const runner = new ScriptRunner(log, 5000);
    const results = await Promise.all([
      runner.enqueue({ label: 'down', path: s, args: ['eth0', '10.0.0.1'], env: {} }),
      runner.enqueue({ label: 'up', path: s, args: ['eth0', '10.0.0.1', '$(touch /tmp/x) ; rm -rf'], env: {} }),
      runner.enqueue({ label: 'down', path: s, args: ['eth0', '10.0.0.1'], env: {} }),
    ]);
    assert.deepEqual(results.map((r) => r.ok), [true, true, true]);
    assert.deepEqual(readFileSync(out, 'utf8').trim().split('\n'), [
      'eth0|10.0.0.1|',
      'eth0|10.0.0.1|$(touch /tmp/x) ; rm -rf|',
      'eth0|10.0.0.1|',
    ]);
    assert.equal(lines.filter((l) => l.includes(`Spawning [${s} eth0 10.0.0.1`)).length, 3);
    assert.equal(runner.busy, false);
  });

  it('does not block the event loop while a script runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uts-scripts-'));
    const s = script(dir, 'slow.sh', 'sleep 0.5');
    const runner = new ScriptRunner(capturingLogger().log, 5000);
    let ticks = 0;
    const t = setInterval(() => ticks++, 10);
    await runner.enqueue({ label: 'up', path: s, args: [], env: {} });
    clearInterval(t);
    assert.ok(ticks >= 10, `only ${ticks} ticks of 10 ms during a 500 ms script: the loop was blocked`);
  });

  it('kills a hung script and everything it started after the time limit, then goes on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uts-scripts-'));
    const pidFile = join(dir, 'child.pid');
    const hung = script(dir, 'hung.sh', `sleep 600 & echo $! > ${pidFile}; wait`);
    const next = script(dir, 'next.sh', 'exit 0');
    const { log, lines } = capturingLogger();
    const runner = new ScriptRunner(log, 300);
    const started = Date.now();
    const [first, second] = await Promise.all([
      runner.enqueue({ label: 'up', path: hung, args: [], env: {} }),
      runner.enqueue({ label: 'down', path: next, args: [], env: {} }),
    ]);
    assert.equal(first.ok, false);
    assert.equal(first.timedOut, true);
    assert.ok(Date.now() - started < 3000);
    assert.equal(second.ok, true, 'the queue goes on after a killed script');
    const child = Number(readFileSync(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(alive(child), false, 'the background child of the script was killed too');
    assert.ok(lines.some((l) => /still running after 0.3 s: killing its process group/.test(l)));
  });

  it('logs a missing script, a non-executable one and a failing one, and never throws', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uts-scripts-'));
    const noexec = join(dir, 'noexec.sh');
    writeFileSync(noexec, '#!/bin/sh\n');
    const failing = script(dir, 'fail.sh', 'exit 3');
    const { log, lines } = capturingLogger();
    const runner = new ScriptRunner(log, 5000);
    const results = await Promise.all([
      runner.enqueue({ label: 'up', path: join(dir, 'missing.sh'), args: [], env: {} }),
      runner.enqueue({ label: 'up', path: noexec, args: [], env: {} }),
      runner.enqueue({ label: 'up', path: failing, args: [], env: {} }),
    ]);
    assert.deepEqual(results.map((r) => r.ok), [false, false, false]);
    assert.equal(results[2]!.exitCode, 3);
    assert.ok(lines.some((l) => l.startsWith('error: Unable to exec') && l.includes('missing.sh') && l.includes('No such file')));
    assert.ok(lines.some((l) => l.startsWith('error: Unable to exec') && l.includes('noexec.sh') && l.includes('Permission denied')));
    assert.ok(lines.some((l) => l.includes('exited with status 3')));
  });

  it('gives the script exactly the environment it was handed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uts-scripts-'));
    const out = join(dir, 'env');
    const s = script(dir, 'env.sh', `env > ${out}`);
    await new ScriptRunner(capturingLogger().log, 5000).enqueue({ label: 'up', path: s, args: [], env: { PATH: '/usr/bin:/bin', UCARP_STATE: 'MASTER' } });
    const names = readFileSync(out, 'utf8').trim().split('\n').map((l) => l.split('=')[0]).filter((n) => n !== 'PWD' && n !== 'SHLVL' && n !== '_');
    assert.deepEqual(names.sort(), ['PATH', 'UCARP_STATE']);
  });
});
