// The Debian package: built once with `npm run package:deb`'s code, its contents, control
// fields, conffiles and modes checked, lintian without errors or warnings, then extracted
// with dpkg-deb -x into a temporary root (never installed on this machine) whose
// /usr/sbin/ucarp-ts fails over against Debian's ucarp in the lab.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildDeb } from '../../scripts/package-deb.js';
import { requireLab, requireProgram } from '../lab/requirements.js';
import { run } from '../lab/run.js';
import { ucarpAvailable } from '../support/carp-lab.js';
import { installedFailover, packageVersion } from '../support/installed.js';

requireLab();
ucarpAvailable();
requireProgram('dpkg-deb', 'dpkg');
requireProgram('dpkg-shlibdeps', 'dpkg-dev');
requireProgram('lintian', 'lintian');
requireProgram('cc', 'build-essential');

/** `dpkg-deb -c` lines as path -> mode string ("-rw-------") and link target. */
async function contents(deb: string): Promise<Map<string, { mode: string; link?: string }>> {
  const r = await run(['dpkg-deb', '-c', deb]);
  assert.equal(r.code, 0, r.stderr);
  const map = new Map<string, { mode: string; link?: string }>();
  for (const line of r.stdout.trim().split('\n')) {
    const m = /^(\S+)\s+\S+\s+\d+\s+\S+\s+\S+\s+\.\/(.*?)(?: -> (.*))?$/.exec(line);
    assert.ok(m, `dpkg-deb -c line: ${line}`);
    map.set(m[2]!.replace(/\/$/, ''), { mode: m[1]!, ...(m[3] ? { link: m[3] } : {}) });
  }
  return map;
}

describe('the Debian package', () => {
  let dir: string;
  let deb: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ucarp-ts-deb-test-'));
    deb = buildDeb(dir);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is named ucarp-ts_VERSION_ARCH.deb and declares its dependencies', async () => {
    const arch = (await run(['dpkg', '--print-architecture'])).stdout.trim();
    assert.equal(deb, join(dir, `ucarp-ts_${packageVersion()}_${arch}.deb`));
    const field = async (name: string): Promise<string> => (await run(['dpkg-deb', '-f', deb, name])).stdout.trim();
    assert.equal(await field('Package'), 'ucarp-ts');
    assert.equal(await field('Version'), packageVersion());
    assert.match(await field('Depends'), /^nodejs \(>= 20\.19\), libc6 \(>= [\d.]+\)/);
    const conffiles = (await run(['sh', '-c', `dpkg-deb --ctrl-tarfile '${deb}' | tar -xOf - ./conffiles`])).stdout.trim().split('\n');
    assert.deepEqual(conffiles.sort(), ['/etc/ucarp-ts/example.conf.sample', '/etc/ucarp-ts/vip-down.sh', '/etc/ucarp-ts/vip-up.sh']);
  });

  it('holds the tree, the command, the man page, completion, the units and the examples, with their modes', async () => {
    const files = await contents(deb);
    const expect: Record<string, string> = {
      'usr/lib/ucarp-ts/dist/src/cli.js': '-rwxr-xr-x',
      'usr/lib/ucarp-ts/dist/src/daemon-process.cjs': '-rw-r--r--',
      'usr/lib/ucarp-ts/build/Release/packet_socket.node': '-rw-r--r--',
      'usr/lib/ucarp-ts/build/Release/process_exec.node': '-rw-r--r--',
      'usr/lib/ucarp-ts/build/Release/link_events.node': '-rw-r--r--',
      'usr/lib/ucarp-ts/build/Release/raw_fd.node': '-rw-r--r--',
      'usr/lib/ucarp-ts/build/Release/nowait_send.node': '-rw-r--r--',
      'usr/lib/ucarp-ts/build/Release/advert_socket6.node': '-rw-r--r--',
      'usr/lib/ucarp-ts/node_modules/raw-socket/build/Release/raw.node': '-rw-r--r--',
      'usr/lib/ucarp-ts/node_modules/yargs/package.json': '-rw-r--r--',
      'usr/share/man/man8/ucarp-ts.8.gz': '-rw-r--r--',
      'usr/share/bash-completion/completions/ucarp-ts': '-rw-r--r--',
      'usr/share/zsh/vendor-completions/_ucarp-ts': '-rw-r--r--',
      'lib/systemd/system/ucarp-ts@.service': '-rw-r--r--',
      'lib/systemd/system/ucarp-ts.service': '-rw-r--r--',
      'usr/lib/ucarp-ts/dist/src/read-config-dir.js': '-rw-r--r--',
      'etc/ucarp-ts/example.conf.sample': '-rw-------',
      'etc/ucarp-ts/vip-up.sh': '-rwxr-xr-x',
      'etc/ucarp-ts/vip-down.sh': '-rwxr-xr-x',
      'usr/share/doc/ucarp-ts/copyright': '-rw-r--r--',
      'usr/share/doc/ucarp-ts/changelog.gz': '-rw-r--r--',
      'usr/share/doc/ucarp-ts/examples/init.d/ucarp-ts': '-rw-r--r--',
    };
    for (const [path, mode] of Object.entries(expect)) assert.equal(files.get(path)?.mode, mode, path);
    assert.equal(files.get('usr/sbin/ucarp-ts')?.link, '../lib/ucarp-ts/dist/src/cli.js');
    const strays = [...files.keys()].filter((p) => /\.(ts|map|c|cc|gyp|o|npmignore)$|\/(src|test)\/.*\.(cc|c|h)$|node_modules\/nan\/|\/obj\.target\//.test(p));
    assert.deepEqual(strays, [], 'no sources, build intermediates or build-only modules');
  });

  it('lintian: no errors, no warnings', async (t) => {
    const r = await run(['lintian', '-I', deb], { timeoutMs: 180_000 });
    const tags = r.stdout.split('\n').filter((l) => /^[EW]: /.test(l));
    t.diagnostic(`lintian: ${r.stdout.split('\n').filter((l) => /^I: /.test(l)).length} informational tags (README, "Debian package")`);
    assert.deepEqual(tags, []);
    assert.ok(r.code === 0, `lintian exit ${r.code}: ${r.stderr}`);
  });

  it('extracted with dpkg-deb -x: its man page reads, and /usr/sbin/ucarp-ts fails over against ucarp', async (t) => {
    const root = join(dir, 'root');
    const x = await run(['dpkg-deb', '-x', deb, root]);
    assert.equal(x.code, 0, x.stderr);
    assert.equal(readlinkSync(join(root, 'usr/sbin/ucarp-ts')), '../lib/ucarp-ts/dist/src/cli.js');
    const man = await run(['man', '--warnings', '-l', join(root, 'usr/share/man/man8/ucarp-ts.8.gz')], { env: { ...process.env, MANPAGER: 'cat', MANWIDTH: '80' } });
    assert.equal(man.code, 0, man.stderr);
    assert.equal(man.stderr, '');
    assert.match(man.stdout, /--script-timeout/);
    // Every bundled module has its licence, with its text, in the copyright file.
    const copyright = readFileSync(join(root, 'usr/share/doc/ucarp-ts/copyright'), 'utf8');
    const paragraphs = copyright.split('\n\n');
    for (const name of readdirSync(join(root, 'usr/lib/ucarp-ts/node_modules'))) {
      const p = paragraphs.find((para) => para.startsWith(`Files: usr/lib/ucarp-ts/node_modules/${name}/*`));
      assert.ok(p && /^License: [A-Za-z0-9.-]+\n (Copyright|Permission|\S)/m.test(p) && !/unknown|object Object/.test(p), `licence of ${name}: ${p}`);
    }
    await installedFailover(t, join(root, 'usr/sbin/ucarp-ts'), join(root, 'usr/lib/ucarp-ts'));
  });
});
