// Files that guard the cluster: a password file others can read, a script others can change.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoryHostChecks } from '../../src/config/host-checks.js';
import { parseSettings } from '../../src/config/parse-settings.js';

const BASE = ['-i', 'eth0', '-s', '10.0.0.1', '-v', '1', '-a', '10.0.0.100'];

function warningsFor(argv: string[], modes: Record<string, number>): string[] {
  const out = parseSettings([...BASE, ...argv], {}, memoryHostChecks({
    files: { '/etc/ucarp/pass': 'secret\n' },
    executables: ['/etc/ucarp/up.sh', '/etc/ucarp/down.sh'],
    modes,
  }));
  assert.equal(out.kind, 'run');
  return out.kind === 'run' ? out.warnings : [];
}

describe('permission warnings', () => {
  it('warns when the password file is readable by others or group, not when it is 0600', () => {
    const scripts = ['-u', '/etc/ucarp/up.sh', '-d', '/etc/ucarp/down.sh', '-z', '-o', '/etc/ucarp/pass'];
    assert.ok(warningsFor(scripts, { '/etc/ucarp/pass': 0o644 }).some((w) => /\/etc\/ucarp\/pass is readable by others \(mode 0644\)/.test(w)));
    assert.ok(warningsFor(scripts, { '/etc/ucarp/pass': 0o640 }).some((w) => /readable by group/.test(w)));
    assert.deepEqual(warningsFor(scripts, { '/etc/ucarp/pass': 0o600 }), []);
  });

  it('warns when a script can be changed by any user', () => {
    const w = warningsFor(['-p', 'secret', '-u', '/etc/ucarp/up.sh', '-d', '/etc/ucarp/down.sh', '-z'], { '/etc/ucarp/up.sh': 0o777, '/etc/ucarp/down.sh': 0o755 });
    assert.equal(w.length, 1);
    assert.match(w[0]!, /upscript \/etc\/ucarp\/up.sh can be changed by any user \(mode 0777\)/);
  });

  it('never puts the password in a warning', () => {
    const w = warningsFor(['-o', '/etc/ucarp/pass'], { '/etc/ucarp/pass': 0o666 });
    assert.ok(w.length > 0 && w.every((line) => !line.includes('secret')));
  });
});
