// Groups in one process, with fake ports (no sockets, no root): each runs its own
// election; a sync group's members are MASTER together, one member's FAULT takes the
// others out with it and its recovery brings them back, while a group outside the
// sync group is untouched; a reload that changes nothing touches nothing.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { memoryHostChecks } from '../../src/config/host-checks.js';
import { parseSettings } from '../../src/config/parse-settings.js';
import type { GroupSettings } from '../../src/config/settings.js';
import { Groups } from '../../src/daemon/groups.js';
import type { GroupPort, PortMember } from '../../src/daemon/link-port.js';
import { Logger } from '../../src/daemon/logger.js';

const D = '/etc/ucarp-ts';

/** VRRPv3 at 50 ms alone on its link: MASTER about 180 ms after its start. */
const file = (vrid: number, extra: string[] = []) =>
  [
    'UCARP_INTERFACE=eth0', 'UCARP_SRCIP=10.0.0.1', 'UCARP_PROTOCOL=vrrp3', `UCARP_VHID=${vrid}`,
    `UCARP_ADDR=10.0.0.${100 + vrid}`, 'UCARP_ADVBASE=0.05', ...extra,
  ].join('\n') + '\n';

function parse(files: Record<string, string>, checkFile: string): GroupSettings[] {
  const out = parseSettings(['--config-dir', D], {}, memoryHostChecks({ files: { ...files, [checkFile]: '0' } }));
  assert.equal(out.kind, 'run', out.kind === 'exit' ? out.stderr : '');
  return out.kind === 'run' ? out.settings.groups : [];
}

const fakePorts = () => ({
  attach: (_m: PortMember): GroupPort => ({
    family: 4,
    running: true,
    mac: Buffer.alloc(6),
    send: async () => {},
    repeat: () => false,
    stopRepeat: () => ({ slots: 0, sends: 0 }),
    sendFrame: () => {},
    detach: () => {},
  }),
  strays: (): [string, Record<string, number>][] => [],
});

async function until(what: string, ok: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`not within ${ms} ms: ${what}`);
    await sleep(10);
  }
}

test('a sync group leaves and comes back together; a group outside it is not touched; an unchanged reload touches nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ucarp-ts-groups-'));
  const health = join(dir, 'health');
  writeFileSync(health, '0');
  const lines: string[] = [];
  const log = new Logger(false);
  log.addSink((level, m) => lines.push(`${level} ${m}`));
  const groups = new Groups(log, true, fakePorts());
  try {
    const settings = parse(
      {
        [`${D}/inside.conf`]: file(1, ['UCARP_SYNC_GROUP=router', `UCARP_CHECK=file:${health},interval=0.05,fall=1,rise=1`]),
        [`${D}/outside.conf`]: file(2, ['UCARP_SYNC_GROUP=router']),
        [`${D}/solo.conf`]: file(3),
      },
      health,
    );
    groups.start(settings);
    const state = (name: string) => groups.snapshots().find((g) => g.name === name)?.state;
    await until('all MASTER', () => ['inside', 'outside', 'solo'].every((n) => state(n) === 'MASTER'));

    writeFileSync(health, '1');
    await until('inside FAULT, outside out of MASTER with it', () => state('inside') === 'FAULT' && state('outside') === 'BACKUP');
    assert.ok(lines.some((l) => /^info outside VRRPv3 vrid 2: \(following sync group router: .*inside/.test(l)), lines.join('\n'));
    await sleep(300); // longer than a master-down interval: outside is held, not re-elected alone
    assert.equal(state('outside'), 'BACKUP');
    assert.equal(state('solo'), 'MASTER');
    assert.equal(groups.snapshots().find((g) => g.name === 'solo')!.transitions.MASTER, 1, 'solo was not touched');

    writeFileSync(health, '0');
    await until('both MASTER again', () => state('inside') === 'MASTER' && state('outside') === 'MASTER');

    const before = lines.length;
    const diff = await groups.reload(settings.map((g) => ({ ...g })));
    assert.deepEqual([diff.added, diff.removed, diff.changed].map((x) => x.length), [0, 0, 0]);
    await sleep(200);
    assert.deepEqual(lines.slice(before).filter((l) => /Switching/.test(l)), []);
  } finally {
    groups.stop('test');
    await groups.done;
    rmSync(dir, { recursive: true, force: true });
  }
});
