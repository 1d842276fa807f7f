// ucarp-ts as an operator installs it: the npm tarball (`npm pack`, then `npm install -g
// --prefix` into a temporary directory) or the Debian package (built, then extracted with
// dpkg-deb -x into a temporary root). Nothing goes into the machine's own directories.
// The lab scenario both install tests share: the installed command beside Debian's ucarp.
import assert from 'node:assert/strict';
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { withLab } from '../lab/lab.js';
import { run } from '../lab/run.js';
import {
  assertHoldersFor,
  assertWithin,
  forgetAddress,
  silentFailoverWindow,
  startBackup,
  ucarpAvailable,
  waitForClientMac,
  waitForHolders,
} from './carp-lab.js';

/** The repository root (this file runs as dist/test/support/installed.js). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const packageVersion = (): string => (JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8')) as { version: string }).version;

/** `npm pack` of the current build (no prepack: the tests run from that build) into dir; the tarball's path. */
export async function packTarball(dir: string): Promise<string> {
  const r = await run(['npm', 'pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: REPO_ROOT, timeoutMs: 120_000 });
  assert.equal(r.code, 0, `npm pack: ${r.stderr}`);
  return `${dir}/${r.stdout.trim().split('\n').pop()}`;
}

/**
 * The installed `command` (its package root is `packageRoot`) in the lab: `--version`,
 * then BACKUP behind a Debian ucarp MASTER with no flapping; the ucarp host dies and the
 * installed ucarp-ts takes over within its master-down interval, adds the address and
 * announces it (the client's ARP entry follows); SIGTERM stops it with its downscript.
 * The daemon must run on the installed package's own native addons.
 */
export async function installedFailover(t: TestContext, command: string, packageRoot: string): Promise<void> {
  ucarpAvailable();
  const vip = '10.77.0.214';
  await withLab({ hosts: ['u', 't'], client: true }, async (lab) => {
    const version = await lab.exec(lab.host('t'), [command, '--version']);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), `ucarp-ts ${packageVersion()}`);

    const ucarp = await startBackup(lab, 'u', 'ucarp', { vip, advskew: 0 });
    const ts = await startBackup(lab, 't', 'ucarp-ts', { vip, advskew: 50, command });
    await ucarp.waitForState('MASTER', ucarp.masterDownMs + 3000);
    await waitForHolders(lab, vip, ['u']);
    await assertHoldersFor(lab, vip, ['u'], 2500);
    assert.deepEqual(ts.states(), ['BACKUP']);
    assert.equal(await lab.ping('client', vip), true);
    assert.equal(await lab.neighMac('client', vip), lab.host('u').mac);

    const mark = ts.mark();
    const crashedAt = Date.now();
    await lab.crash('u');
    const failover = (await ts.waitForState('MASTER', ts.masterDownMs + 3000, mark)) - crashedAt;
    t.diagnostic(`ucarp host dies -> installed ucarp-ts MASTER: ${failover} ms`);
    assertWithin('failover', failover, ...silentFailoverWindow(ucarp, ts));
    await forgetAddress(lab, 'u', vip);
    await waitForHolders(lab, vip, ['t']);
    await waitForClientMac(lab, vip, lab.host('t').mac);
    assert.equal(await lab.ping('client', vip), true);
    // The addons it runs on are the install's own, built there (not this build's).
    const maps = readFileSync(`/proc/${ts.process.pid}/maps`, 'utf8');
    const root = realpathSync(packageRoot);
    for (const addon of ['build/Release/packet_socket.node', 'node_modules/raw-socket/build/Release/raw.node'])
      assert.ok(maps.includes(`${root}/${addon}`), `the daemon has ${root}/${addon} loaded`);

    const status = await ts.stop('SIGTERM');
    assert.equal(status.code, 0);
    assert.equal(ts.scriptCalls().at(-1)?.script, 'down');
    await waitForHolders(lab, vip, []);
  });
}
