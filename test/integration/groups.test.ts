// Many groups in one ucarp-ts process (--config-dir) in lab namespaces: ten groups (CARP
// and VRRPv3) on two nodes share one socket per interface, elect independently, log and
// report one line per group, and all move when the master host dies; SIGHUP reloads the
// directory touching only the files that changed.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { withLab, type Lab } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';
import { assertWithin, forgetAddress, SLACK_MS, startCarp, ucarpAvailable, waitForHolders } from '../support/carp-lab.js';
import { keepalivedAvailable, startKeepalived } from '../support/keepalived.js';
import { GROUP_PASSWORD, groupLabel, GroupsNode, type GroupSpec } from '../support/group-lab.js';
import { lastJson } from '../support/json-output.js';
import { vrrp6AdvertFrame } from '../support/net-test-frames.js';
import { supportArgv } from '../lab/support-paths.js';

requireLab();

const LAB = { hosts: ['a', 'b'] };
const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));

/** Five CARP and five VRRPv3 groups; `preference` makes a node preferred (small advskew, high priority) or not. */
function tenGroups(preferred: boolean): GroupSpec[] {
  return Array.from({ length: 10 }, (_, i) => {
    const carp = i < 5;
    return {
      name: `g${String(i + 1).padStart(2, '0')}`,
      protocol: carp ? 'carp' : 'vrrp3',
      id: i + 1,
      vip: `10.77.0.${201 + i}`,
      preference: carp ? (preferred ? 0 : 100) : preferred ? 200 : 100,
    } satisfies GroupSpec;
  });
}

async function allHeldBy(lab: Lab, groups: readonly GroupSpec[], host: string, timeoutMs = 3000): Promise<void> {
  await Promise.all(groups.map((g) => waitForHolders(lab, g.vip, [host], timeoutMs)));
}

describe('many groups in one process', { concurrency: 2 }, () => {
  it('ten groups on two nodes: one socket each, all elect the preferred node, SIGUSR1 names each, all move when it dies', async (t: TestContext) => {
    await withLab(LAB, async (lab) => {
      const groupsA = tenGroups(true);
      const groupsB = tenGroups(false);
      const a = new GroupsNode(lab, lab.host('a'), groupsA);
      await Promise.all(groupsA.map((g) => a.waitForState(g, 'MASTER', 8000)));
      await allHeldBy(lab, groupsA, 'a');
      const b = new GroupsNode(lab, lab.host('b'), groupsB);
      await Promise.all(groupsB.map((g) => b.waitForState(g, 'BACKUP', 8000)));
      await sleep(4000); // longer than any master-down interval: b hears a in every group
      for (const g of groupsB) assert.deepEqual(b.states(g), ['BACKUP'], `${groupLabel(g)} on b`);
      await allHeldBy(lab, groupsA, 'a');
      // Scripts ran once per group, in each group's own order.
      for (const g of groupsA) assert.deepEqual(a.scriptCalls(g.vip).map((c) => c.script), ['down', 'up'], g.name);

      // One advert socket (raw, IP protocol 112 = 0x70) for all ten groups in a's namespace.
      const raw = await lab.exec('a', ['cat', '/proc/net/raw']);
      assert.equal(raw.stdout.split('\n').filter((l) => /^\s*\d+: [0-9A-F]{8}:0070 /.test(l)).length, 1, raw.stdout);

      const mark = a.mark();
      a.signal('SIGUSR1');
      const status = await a.process.waitForOutput(/g10 VRRPv3 vrid 10: MASTER on eth0 id 10/, 3000, mark);
      assert.ok(status);
      for (const g of groupsA) assert.match(a.process.output.slice(mark), new RegExp(`${groupLabel(g)}: MASTER on eth0 id ${g.id} \\(refused packets`));

      const crashedAt = Date.now();
      await lab.crash('a');
      await Promise.all(groupsA.map((g) => forgetAddress(lab, 'a', g.vip))); // its cut interface keeps them
      await allHeldBy(lab, groupsB, 'b', 8000);
      const movedMs = Date.now() - crashedAt;
      // VRRPv3 at priority 100: 3 s + 156/256 s; CARP at advskew 100: 3 s + 100/256 s.
      assertWithin('all ten addresses on b after the crash', movedMs, 2000, 3610 + 200 + SLACK_MS + 500);
      t.diagnostic(`master host crashed: all 10 addresses on b after ${movedMs} ms`);
      for (const g of groupsB) assert.deepEqual(b.scriptCalls(g.vip).map((c) => c.script), ['down', 'up'], g.name);
      await b.stop();
    });
  });

  it('IPv6: groups share one socket and its kernel filter; adverts for another vrid or from beyond a router never reach the process', async () => {
    await withLab({ hosts: ['a', 'b'], ipv6: true }, async (lab) => {
      const groups = (priority: number): GroupSpec[] =>
        [1, 2, 3].map((id) => ({ name: `v6-${id}`, protocol: 'vrrp3', id, vip: `fd77::1:${id}`, preference: priority }));
      const a = new GroupsNode(lab, lab.host('a'), groups(200));
      await Promise.all(groups(200).map((g) => a.waitForState(g, 'MASTER', 8000)));
      const b = new GroupsNode(lab, lab.host('b'), groups(100), ['--debug']);
      await Promise.all(groups(100).map((g) => b.waitForState(g, 'BACKUP', 8000)));
      const mark = b.mark();
      // Twenty adverts for vrid 9 (no group's) and twenty for vrid 1 at hop limit 64, from a's address.
      const forged = Array.from({ length: 20 }, () => [vrrp6AdvertFrame(lab.host('a'), 9), vrrp6AdvertFrame(lab.host('a'), 1, 64)]).flat();
      const sent = await lab.exec('a', supportArgv('net-frame', ...forged.flatMap((f) => ['--hex', f])));
      assert.deepEqual(lastJson(sent.stdout), { ok: true, sent: 40 }, sent.stderr);
      await sleep(4000); // longer than the master-down interval: b hears a's adverts through its filter
      for (const g of groups(100)) assert.deepEqual(b.states(g, mark), [], `${groupLabel(g)} on b stays BACKUP`);
      b.signal('SIGUSR1');
      await b.process.waitForOutput(/v6-3 VRRPv3 vrid 3: BACKUP on eth0 id 3 /, 3000, mark);
      await sleep(500); // the interface's line for packets of no group would come next
      const log = b.process.output;
      assert.doesNotMatch(log.slice(mark), /packets for no group/, 'vrid 9 never reached the process');
      assert.doesNotMatch(log.slice(mark), /v6-1 VRRPv3 vrid 1: .*\bttl=/, 'nor did hop limit 64');
      assert.match(log, /kernel packet filter attached \(\d+ instructions\)/);
      assert.doesNotMatch(log, /no kernel packet filter/);
      await Promise.all([a.stop(), b.stop()]);
    });
  });

  it('SIGHUP: a new file starts, a removed one stops with a handover, a changed one restarts, the others are not touched', async () => {
    await withLab(LAB, async (lab) => {
      const groups = tenGroups(true).slice(0, 4); // g01..g04, CARP
      const a = new GroupsNode(lab, lab.host('a'), groups);
      await Promise.all(groups.map((g) => a.waitForState(g, 'MASTER', 8000)));
      await allHeldBy(lab, groups, 'a');
      const [keep1, removed, changed, keep2] = groups as [GroupSpec, GroupSpec, GroupSpec, GroupSpec];
      const added: GroupSpec = { name: 'g05', protocol: 'vrrp3', id: 5, vip: '10.77.0.205', preference: 200 };
      const before = a.scriptCalls().length;
      const mark = a.mark();

      a.write(added);
      a.remove(removed.name);
      a.write({ ...changed, preference: 20 });
      a.signal('SIGHUP');
      await a.process.waitForOutput(/Reloaded .*: 1 added \(g05 VRRPv3 vrid 5\), 1 removed \(g02 CARP vhid 2\), 1 changed \(g03 CARP vhid 3\), 2 unchanged/, 8000, mark);
      await a.waitForState(added, 'MASTER', 8000, mark);
      await a.waitForState(changed, 'MASTER', 8000, mark);
      await waitForHolders(lab, added.vip, ['a']);
      await waitForHolders(lab, changed.vip, ['a']);
      await waitForHolders(lab, removed.vip, []); // CARP with --shutdown: released after the handover

      for (const g of [keep1, keep2]) {
        assert.deepEqual(a.states(g, mark), [], `${g.name} was not touched`);
        assert.equal(a.scriptCalls(g.vip).length, 2, `${g.name}: no script ran`);
      }
      const calls = a.scriptCalls().slice(before).map((c) => `${c.script} ${c.args[1]}`);
      assert.ok(calls.includes(`down ${removed.vip}`), calls.join(', '));
      assert.deepEqual(calls.filter((c) => c.endsWith(keep1.vip) || c.endsWith(keep2.vip)), []);

      // A bad file: the reload is refused with one line, and every group goes on.
      const mark2 = a.mark();
      a.write({ ...keep1, name: 'zbad', vip: keep2.vip, id: 9 });
      a.signal('SIGHUP');
      await a.process.waitForOutput(/reload refused, every group goes on as it was: .*zbad\.conf: address 10\.77\.0\.204 is already in .*g04\.conf/, 8000, mark2);
      assert.doesNotMatch(a.process.output.slice(mark2), /Switching to state/);
      assert.equal((await a.stop()).code, 0);
    });
  });

  it("examples' scripts: removing one group's address leaves the others of its subnet (promote_secondaries)", async () => {
    await withLab(LAB, async (lab) => {
      // A subnet of their own, so the first address is its primary; the kernel default: no promotion.
      for (const key of ['all', 'eth0']) {
        const r = await lab.exec('a', ['sysctl', '-qw', `net.ipv4.conf.${key}.promote_secondaries=0`]);
        assert.equal(r.code, 0, r.stderr);
      }
      const extra = ['UCARP_MASK=24'];
      const groups: GroupSpec[] = [
        { name: 'first', protocol: 'vrrp3', id: 1, vip: '10.78.0.1', preference: 200, extra },
        { name: 'second', protocol: 'vrrp3', id: 2, vip: '10.78.0.2', preference: 200, extra },
      ];
      const a = new GroupsNode(lab, lab.host('a'), groups, [], { up: join(EXAMPLES, 'vip-up.sh'), down: join(EXAMPLES, 'vip-down.sh') });
      await Promise.all(groups.map((g) => a.waitForState(g, 'MASTER', 8000)));
      await allHeldBy(lab, groups, 'a');
      // Both become MASTER at once, so either script may add its address first: that one is the primary.
      const shown = await lab.exec('a', ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0', 'to', '10.78.0.0/24']);
      const lines = shown.stdout.split('\n').filter(Boolean);
      assert.equal(lines.length, 2, shown.stdout);
      const secondary = groups.filter((g) => lines.some((l) => l.includes(`inet ${g.vip}/24 `) && / secondary /.test(l)));
      assert.equal(secondary.length, 1, `one address is the other's secondary:\n${shown.stdout}`);
      const [kept] = secondary as [GroupSpec];
      const primary = groups.find((g) => g !== kept)!;

      const mark = a.mark();
      a.remove(primary.name);
      a.signal('SIGHUP');
      await a.process.waitForOutput(/Reloaded .*: 0 added, 1 removed/, 8000, mark);
      await waitForHolders(lab, primary.vip, []); // VRRP: a stopped master releases its address
      await waitForHolders(lab, kept.vip, ['a']);
      const promote = await lab.exec('a', ['sysctl', '-n', 'net.ipv4.conf.eth0.promote_secondaries']);
      assert.equal(promote.stdout.trim(), '1', 'vip-down.sh turned promotion on');
      assert.deepEqual(a.states(kept, mark), [], 'the other group was not touched');
      await a.stop();
    });
  });

  it("beside Debian's ucarp and keepalived on one segment: each group elects with its own peer, and all move when ucarp-ts stops", async () => {
    ucarpAvailable();
    keepalivedAvailable();
    await withLab(LAB, async (lab) => {
      // a (ucarp-ts) is preferred in c1 and v3; b's ucarp and keepalived in c2 and v4.
      // Whoever started first, the preferred side ends up MASTER: everyone preempts (keepalived does by default).
      const extra = ['UCARP_PREEMPT=yes'];
      const groups: GroupSpec[] = [
        { name: 'c1', protocol: 'carp', id: 1, vip: '10.77.0.211', preference: 0, extra },
        { name: 'c2', protocol: 'carp', id: 2, vip: '10.77.0.212', preference: 100, extra },
        { name: 'v3', protocol: 'vrrp3', id: 3, vip: '10.77.0.213', preference: 200, extra },
        { name: 'v4', protocol: 'vrrp3', id: 4, vip: '10.77.0.214', preference: 100, extra },
      ];
      const [c1, c2, v3, v4] = groups as [GroupSpec, GroupSpec, GroupSpec, GroupSpec];
      const peers = [
        startCarp(lab, 'b', 'ucarp', { vip: c1.vip, vhid: 1, password: GROUP_PASSWORD, advskew: 100, preempt: true }),
        startCarp(lab, 'b', 'ucarp', { vip: c2.vip, vhid: 2, password: GROUP_PASSWORD, advskew: 0, preempt: true }),
      ];
      const k3 = startKeepalived(lab, 'b', { version: 3, vrid: 3, priority: 100, advertInt: 1, vips: [v3.vip], instance: 'k3' });
      const k4 = startKeepalived(lab, 'b', { version: 3, vrid: 4, priority: 200, advertInt: 1, vips: [v4.vip], instance: 'k4' });
      await Promise.all([k3.waitForState('BACKUP'), k4.waitForState('BACKUP')]);
      const a = new GroupsNode(lab, lab.host('a'), groups);
      await Promise.all([a.waitForState(c1, 'MASTER', 10_000), a.waitForState(v3, 'MASTER', 10_000)]);
      await Promise.all([
        waitForHolders(lab, c1.vip, ['a'], 8000),
        waitForHolders(lab, v3.vip, ['a'], 8000),
        waitForHolders(lab, c2.vip, ['b'], 8000),
        waitForHolders(lab, v4.vip, ['b'], 8000),
      ]);
      await sleep(1000);
      for (const g of [c1, v3]) assert.equal(a.states(g).at(-1), 'MASTER', g.name);
      for (const g of [c2, v4]) assert.equal(a.states(g).at(-1), 'BACKUP', g.name);
      const mark = a.mark();
      await sleep(3000);
      for (const g of groups) assert.deepEqual(a.states(g, mark), [], `${g.name} is steady`);

      // SIGTERM: both masters hand over (bow-out, priority 0) and release (CARP --shutdown, VRRP always).
      assert.equal((await a.stop()).code, 0);
      await Promise.all([waitForHolders(lab, c1.vip, ['b'], 4000), waitForHolders(lab, v3.vip, ['b'], 4000)]);
      await Promise.all([waitForHolders(lab, c2.vip, ['b']), waitForHolders(lab, v4.vip, ['b'])]);
      for (const p of peers) await p.stop();
      await Promise.all([k3.stop(), k4.stop()]);
    });
  });

  it('a sync group on two nodes: a failing check on one member of the master moves every member to the other node', async (t: TestContext) => {
    await withLab(LAB, async (lab) => {
      const health = join(lab.tmpDir, 'inside-health');
      writeFileSync(health, '0');
      const sync = 'UCARP_SYNC_GROUP=router';
      const check = `UCARP_CHECK=file:${health},interval=0.2,fall=1,rise=1`;
      const spec = (preferred: boolean, withCheck: boolean): GroupSpec[] => [
        { name: 'inside', protocol: 'vrrp3', id: 1, vip: '10.77.0.221', preference: preferred ? 200 : 100, extra: withCheck ? [sync, check] : [sync] },
        { name: 'outside', protocol: 'carp', id: 2, vip: '10.77.0.222', preference: preferred ? 0 : 100, extra: [sync] },
      ];
      const [inside, outside] = spec(true, true) as [GroupSpec, GroupSpec];
      const a = new GroupsNode(lab, lab.host('a'), spec(true, true));
      await Promise.all([inside, outside].map((g) => a.waitForState(g, 'MASTER', 8000)));
      const b = new GroupsNode(lab, lab.host('b'), spec(false, false));
      await Promise.all([inside, outside].map((g) => b.waitForState(g, 'BACKUP', 8000)));
      await sleep(1500);
      await Promise.all([waitForHolders(lab, inside.vip, ['a']), waitForHolders(lab, outside.vip, ['a'])]);

      const mark = a.mark();
      const failedAt = Date.now();
      writeFileSync(health, '1');
      await a.waitForState(inside, 'FAULT', 3000, mark);
      await a.waitForState(outside, 'BACKUP', 3000, mark);
      await Promise.all([waitForHolders(lab, inside.vip, ['b'], 3000), waitForHolders(lab, outside.vip, ['b'], 3000)]);
      t.diagnostic(`check failed: both addresses on b after ${Date.now() - failedAt} ms`);
      assert.match(a.process.output.slice(mark), /outside CARP vhid 2: \(following sync group router: member inside/);
      await sleep(1500);
      await Promise.all([waitForHolders(lab, inside.vip, ['b']), waitForHolders(lab, outside.vip, ['b'])]);
      await Promise.all([a.stop(), b.stop()]);
    });
  });
});
