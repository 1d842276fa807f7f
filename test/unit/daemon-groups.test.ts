// Groups in one process, with fake ports (no sockets, no root): each runs its own
// election; a sync group's members are MASTER together, one member's FAULT takes the
// others out with it and its recovery brings them back, while a group outside the
// sync group is untouched; a reload that changes nothing touches nothing. Idle masters,
// sync members too, leave their adverts to the socket's repeater: a turn of a sync
// group takes a member's back before it hands it an event, and its election hears what went out.
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
import { Logger } from '../../src/daemon/logger.js';
import { parseIp } from '../../src/core/ip-address.js';
import { decodeCarp } from '../../src/core/packets/carp.js';
import { encodeVrrp } from '../../src/core/packets/vrrp.js';
import { FakePorts } from '../support/fake-ports.js';

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

/** Two VRRPv3 groups in the sync group router. */
const ROUTER = { [`${D}/inside.conf`]: file(1, ['UCARP_SYNC_GROUP=router']), [`${D}/outside.conf`]: file(2, ['UCARP_SYNC_GROUP=router']) };

/** Groups over fake ports whose sockets repeat, and their log lines; all stopped after `body`. */
async function withGroups(body: (g: { groups: Groups; ports: FakePorts; lines: string[] }) => Promise<void>): Promise<void> {
  const ports = new FakePorts(true);
  const lines: string[] = [];
  const log = new Logger(false);
  log.addSink((level, m) => lines.push(`${level} ${m}`));
  const groups = new Groups(log, true, ports);
  try {
    await body({ groups, ports, lines });
  } finally {
    groups.stop('test');
    await groups.done;
  }
}

const snapshotOf = (groups: Groups, name: string) => groups.snapshots().find((g) => g.name === name)!;

/**
 * Replays what the ports did: no member of the sync group sent an advert through its
 * election while its own socket still repeated for it (a turn takes a member's repeat
 * back before it hands the member an event); and the counters of each member (and of each group in `others`) count every
 * advert that went out, natively or not (the snapshot takes the repeats back first).
 * Returns those counts.
 */
function assertRepeatsAccounted(groups: Groups, ports: FakePorts, members: readonly string[], others: readonly string[] = []): number[] {
  const repeating = new Set<string>();
  ports.events.forEach((e, i) => {
    if (!members.includes(e.group)) return;
    if (e.kind === 'repeat') repeating.add(e.group);
    if (e.kind === 'stop') repeating.delete(e.group);
    if (e.kind === 'send') assert.ok(!repeating.has(e.group), `port event ${i}: ${e.group} sent while its socket repeated for it`);
  });
  return [...members, ...others].map((name) => {
    const sent = snapshotOf(groups, name).adverts.sent;
    assert.equal(sent, ports.wire(name).length, `${name}: adverts counted`);
    return sent;
  });
}

const repeatedNatively = (ports: FakePorts, name: string) => ports.events.some((e) => e.group === name && e.kind === 'stop' && e.sends! > 0);

/** VRRPv3 priority: the payload's third byte. */
const priority = (payload: Buffer) => payload[2];

async function until(what: string, ok: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`not within ${ms} ms: ${what}`);
    await sleep(10);
  }
}

test('a sync group leaves and comes back together; a group outside it is not touched; an unchanged reload touches nothing', () =>
  withGroups(async ({ groups, ports, lines }) => {
    const dir = mkdtempSync(join(tmpdir(), 'ucarp-ts-groups-'));
    const health = join(dir, 'health');
    writeFileSync(health, '0');
    const started = performance.now();
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
      const state = (name: string) => snapshotOf(groups, name).state;
      await until('all MASTER', () => ['inside', 'outside', 'solo'].every((n) => state(n) === 'MASTER'));

      writeFileSync(health, '1');
      await until('inside FAULT, outside out of MASTER with it', () => state('inside') === 'FAULT' && state('outside') === 'BACKUP');
      assert.ok(lines.some((l) => /^info outside VRRPv3 vrid 2: \(following sync group router: .*inside/.test(l)), lines.join('\n'));
      await sleep(300); // longer than a master-down interval: outside is held, not re-elected alone
      assert.equal(state('outside'), 'BACKUP');
      assert.equal(state('solo'), 'MASTER');
      assert.equal(snapshotOf(groups, 'solo').transitions.MASTER, 1, 'solo was not touched');

      writeFileSync(health, '0');
      await until('both MASTER again', () => state('inside') === 'MASTER' && state('outside') === 'MASTER');

      // Healthy again: a check result every 50 ms that changes nothing leaves both
      // members' repeats alone (no stop, no new schedule).
      await until('both repeat natively', () => ports.repeating('inside') && ports.repeating('outside'));
      const quiet = ports.events.length;
      await sleep(300);
      assert.deepEqual(ports.events.slice(quiet), [], 'six unchanged check results: the schedules undisturbed');

      const before = lines.length;
      const diff = await groups.reload(settings.map((g) => ({ ...g })));
      assert.deepEqual([diff.added, diff.removed, diff.changed].map((x) => x.length), [0, 0, 0]);
      await sleep(200);
      assert.deepEqual(lines.slice(before).filter((l) => /Switching/.test(l)), []);

      // The turns that changed something took both members' repeats back and gave them out
      // again: each election heard what went out, so none sent an advert twice.
      const most = Math.ceil((performance.now() - started) / 50) + 1;
      for (const sent of assertRepeatsAccounted(groups, ports, ['inside', 'outside'], ['solo'])) assert.ok(sent <= most, `${sent} adverts: at most one per 50 ms`);
      assert.ok(repeatedNatively(ports, 'inside'), 'inside repeated natively');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }));

test('idle sync members repeat natively; on SIGUSR2 each takes its repeat back before it hands over, and all hand over', () =>
  withGroups(async ({ groups, ports }) => {
    groups.start(parse(ROUTER, '/x'));
    await until('both repeat natively', () => ports.repeating('inside') && ports.repeating('outside'));
    const idle = ports.events.length;
    await sleep(300); // six adverts' time
    assert.deepEqual(ports.events.slice(idle), [], 'no wake-up: no advert through the elections, the schedules undisturbed');

    groups.demote();
    assert.equal(snapshotOf(groups, 'inside').state, 'BACKUP');
    assert.equal(snapshotOf(groups, 'outside').state, 'BACKUP');
    const turn = ports.events.slice(idle);
    assert.deepEqual(turn.map((e) => `${e.group} ${e.kind}`).slice(0, 4), ['inside stop', 'inside send', 'outside stop', 'outside send']);
    assert.ok(turn[0]!.sends! >= 5 && turn[2]!.sends! >= 5, 'the elections heard the six adverts that went out');
    assert.deepEqual(turn.filter((e) => e.kind === 'send').map((e) => `${e.group} ${priority(e.payload!)}`), ['inside 0', 'outside 0']);
    assert.ok(!ports.repeating('inside') && !ports.repeating('outside'));
    assertRepeatsAccounted(groups, ports, ['inside', 'outside']);
  }));

test('a better master heard by one idle sync member: it follows, the other takes its repeat back and hands over', () =>
  withGroups(async ({ groups, ports, lines }) => {
    groups.start(parse(ROUTER, '/x'));
    await until('both repeat natively', () => ports.repeating('inside') && ports.repeating('outside'));
    await sleep(120);
    const mark = ports.events.length;
    const [src, dst] = [parseIp('10.0.0.2')!, parseIp('224.0.0.18')!];
    const better = encodeVrrp({ version: 3, vrid: 2, priority: 255, intervalCs: 5, addrs: [parseIp('10.0.0.102')!] }, { src, dst });
    ports.members.get('outside')!.onPacket({ ok: true, value: { source: src, destination: dst, hopLimit: 255, payload: better } });

    const turn = ports.events.slice(mark).map((e) => `${e.group} ${e.kind}${e.kind === 'send' ? ` ${priority(e.payload!)}` : ''}`);
    // outside follows the better master quietly; inside hands over (priority 0) on the group's order.
    assert.deepEqual(turn, ['outside stop', 'inside stop', 'inside send 0']);
    assert.ok(lines.some((l) => /^info inside VRRPv3 vrid 1: \(following sync group router: member outside left MASTER/.test(l)), lines.join('\n'));
    assertRepeatsAccounted(groups, ports, ['inside', 'outside']);
  }));

test('CARP sync members repeat natively and their counters run on without a gap or a repeat, across repeats and a handover', () =>
  withGroups(async ({ groups, ports }) => {
    const carp = (vhid: number) =>
      ['UCARP_INTERFACE=eth0', 'UCARP_SRCIP=10.0.0.1', `UCARP_VHID=${vhid}`, `UCARP_PASS=secret${vhid}`, `UCARP_ADDR=10.0.0.${100 + vhid}`,
        'UCARP_ADVBASE=1', 'UCARP_DEADRATIO=1', 'UCARP_SYNC_GROUP=router'].join('\n') + '\n';
    groups.start(parse({ [`${D}/inside.conf`]: carp(1), [`${D}/outside.conf`]: carp(2) }, '/x'));
    await until('both repeat natively', () => ports.repeating('inside') && ports.repeating('outside'), 6000);
    await sleep(1100); // one advert natively
    groups.snapshots(); // the status command takes the repeats back (and hands them out again)
    await sleep(1100);
    groups.demote();
    const carpOf = (p: Buffer) => {
      const d = decodeCarp(p);
      assert.ok(d.ok, 'a CARP advert');
      return d.value;
    };
    for (const name of ['inside', 'outside']) {
      const counters = ports.wire(name).map((p) => carpOf(p).counter);
      assert.ok(counters.length >= 5, `${name}: ${counters.length} adverts`);
      counters.forEach((c, i) => i > 0 && assert.equal(c, counters[i - 1]! + 1n, `${name}: advert ${i} of ${counters.join(' ')}`));
      assert.equal(carpOf(ports.sent(name).at(-1)!).advskew, 255, `${name}: a bow-out last`);
      assert.ok(repeatedNatively(ports, name), `${name}: repeated natively`);
    }
    assertRepeatsAccounted(groups, ports, ['inside', 'outside']);
  }));

test('a reload adds a member to an idle MASTER sync group: it leads at once, the others repeat on undisturbed', () =>
  withGroups(async ({ groups, ports }) => {
    groups.start(parse(ROUTER, '/x'));
    await until('both repeat natively', () => ports.repeating('inside') && ports.repeating('outside'));
    await sleep(120);
    await groups.reload(parse({ ...ROUTER, [`${D}/dmz.conf`]: file(3, ['UCARP_SYNC_GROUP=router']) }, '/x'));
    // The reload waited for no timer: led by the group, not after its own master-down interval.
    assert.equal(snapshotOf(groups, 'dmz').state, 'MASTER');
    for (const name of ['inside', 'outside']) assert.equal(snapshotOf(groups, name).transitions.MASTER, 1, `${name} untouched`);
    await until('all three repeat natively', () => ['inside', 'outside', 'dmz'].every((n) => ports.repeating(n)));
    assertRepeatsAccounted(groups, ports, ['inside', 'outside', 'dmz']);
  }));
