// The npm package as a new user gets it: `npm pack` ships what runs and nothing else,
// `npm install -g --prefix` (a temporary one) builds the native addons, puts ucarp-ts on
// the prefix's PATH and its man page in the prefix's manual, and the installed command
// fails over against Debian's ucarp in the lab.
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { requireLab, requireProgram } from '../lab/requirements.js';
import { run } from '../lab/run.js';
import { ucarpAvailable } from '../support/carp-lab.js';
import { installedFailover, packTarball, REPO_ROOT } from '../support/installed.js';

requireLab();
ucarpAvailable();
requireProgram('cc', 'build-essential');

describe('the npm package', () => {
  let dir: string;
  let tarball: string;
  let prefix: string;
  let installRoot: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ucarp-ts-npm-'));
    tarball = await packTarball(dir);
    prefix = join(dir, 'prefix');
    installRoot = join(prefix, 'lib', 'node_modules', 'ucarp-ts');
    const r = await run(['npm', 'install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', tarball], { timeoutMs: 300_000 });
    assert.equal(r.code, 0, `npm install -g --prefix ${prefix} ${tarball}: ${r.stderr}`);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ships the built code, the addon sources, examples, the man page, completion, README and LICENSE; no tests, sources or maps', async () => {
    const r = await run(['tar', '-tzf', tarball]);
    assert.equal(r.code, 0, r.stderr);
    const files = r.stdout.trim().split('\n').map((f) => f.replace(/^package\//, ''));
    for (const f of [
      'package.json', 'README.md', 'LICENSE', 'binding.gyp', 'native/packet_socket.c', 'native/process_exec.c', 'native/nowait_send.c', 'native/advert_socket6.c', 'native/batch_receive.c', 'native/advert_repeater.c', 'native/advert_repeater.h',
      'dist/src/cli.js', 'dist/src/daemon-process.cjs', 'dist/src/read-config-dir.js', 'dist/man/ucarp-ts.8', 'dist/completion/ucarp-ts', 'dist/completion/_ucarp-ts',
      'examples/ucarp-ts.conf', 'examples/systemd/ucarp-ts@.service', 'examples/systemd/ucarp-ts.service',
    ]) assert.ok(files.includes(f), `the tarball has ${f}`);
    const strays = files.filter((f) => /^(src|test|scripts|build|dist\/test|dist\/scripts|node_modules|docs)\/|\.(map|ts)$/.test(f));
    assert.deepEqual(strays, [], 'nothing that does not run');
    // A guard against a whole tree slipping in, not a budget: 132 with the groups' modules,
    // batched receive and the BIRD example.
    assert.ok(files.length < 160, `${files.length} files`);
  });

  it('LICENSE is the licence package.json names', () => {
    const { license } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { license: string };
    assert.equal(readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8').split('\n')[0], `${license} License`);
  });

  it('installs the command, its man page and the built addons into the prefix', () => {
    assert.ok(lstatSync(join(prefix, 'bin', 'ucarp-ts')).isSymbolicLink(), 'bin/ucarp-ts');
    assert.ok(existsSync(join(prefix, 'share', 'man', 'man8', 'ucarp-ts.8')), 'share/man/man8/ucarp-ts.8');
    for (const addon of ['packet_socket', 'process_exec', 'nowait_send', 'advert_socket6']) assert.ok(existsSync(join(installRoot, 'build', 'Release', `${addon}.node`)), `${addon}.node built at install`);
  });

  it('the installed ucarp-ts: --version, BACKUP behind ucarp, takes over when the ucarp host dies', async (t) => {
    await installedFailover(t, join(prefix, 'bin', 'ucarp-ts'), installRoot);
  });
});
