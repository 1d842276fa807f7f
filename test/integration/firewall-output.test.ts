// A firewall's OUTPUT chain and the adverts (README, VRRP section): by default a MASTER's
// standing multicast adverts, IPv4 and IPv6, leave as Ethernet frames, which an OUTPUT rule does not see
// (as with ucarp); with --ip-output every advert goes through the IP layer, so a rule that
// drops them silences the node and its backup takes over (as with keepalived), with one
// error line for as long as that lasts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withLab, type Lab } from '../lab/lab.js';
import { requireLab, requireProgram } from '../lab/requirements.js';
import { startBackup, waitForHolders, type CarpNode } from '../support/carp-lab.js';
import { GroupsNode, type GroupSpec } from '../support/group-lab.js';

requireLab();
requireProgram('nft', 'nftables');

const VIP = '10.77.0.205';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LAB = { hosts: ['a', 'b'] };

/** a (advskew 0, with its extra options) MASTER, b (advskew 100) BACKUP. */
async function pair(lab: Lab, extraArgs: string[]): Promise<{ a: CarpNode; b: CarpNode }> {
  const a = await startBackup(lab, 'a', 'ucarp-ts', { vip: VIP, advskew: 0, extraArgs });
  const b = await startBackup(lab, 'b', 'ucarp-ts', { vip: VIP, advskew: 100 });
  await a.waitForState('MASTER', a.masterDownMs + 3000);
  await waitForHolders(lab, VIP, ['a']);
  return { a, b };
}

/** In a's namespace only: OUTPUT drops (and counts) protocol 112, CARP's and VRRP's, IPv4 and IPv6. */
async function dropAdvertsOnOutput(lab: Lab): Promise<void> {
  const rules = 'table inet lab {\n  chain out {\n    type filter hook output priority 0;\n    meta l4proto 112 counter drop\n  }\n}\n';
  const r = await lab.exec('a', ['nft', '-f', '-'], { input: rules });
  assert.equal(r.code, 0, r.stderr);
}

/** Packets the OUTPUT rule has dropped so far. */
async function dropped(lab: Lab): Promise<number> {
  const r = await lab.exec('a', ['nft', 'list', 'chain', 'inet', 'lab', 'out']);
  const m = /counter packets (\d+)/.exec(r.stdout);
  assert.ok(m, r.stdout + r.stderr);
  return Number(m[1]);
}

describe("a firewall's OUTPUT chain and the adverts", { concurrency: 2 }, () => {
  it('by default the standing adverts pass by an OUTPUT drop rule: the master keeps its address', async () => {
    await withLab(LAB, async (lab) => {
      const { a, b } = await pair(lab, []);
      const mark = b.mark();
      await dropAdvertsOnOutput(lab);
      await sleep(b.masterDownMs + 1500);
      b.assertNoSwitchSince(mark, "a's adverts kept arriving");
      assert.deepEqual(await lab.holders(VIP), ['a']);
      // The first adverts after becoming MASTER (with the repeated announcement) are sent one by
      // one through the IP layer, and the rule may have caught some; the standing ones pass it.
      const before = await dropped(lab);
      await sleep(2 * a.advertIntervalMs + 500);
      assert.equal(await dropped(lab), before, 'the standing adverts do not go through OUTPUT');
      await Promise.all([a.stop(), b.stop()]);
    });
  });

  it('with --ip-output the rule silences the master, and the backup takes over', async () => {
    await withLab(LAB, async (lab) => {
      const { a, b } = await pair(lab, ['--ip-output']);
      const mark = b.mark();
      await dropAdvertsOnOutput(lab);
      await b.waitForState('MASTER', b.masterDownMs + 2000, mark);
      assert.ok(await dropped(lab) >= 2, 'the adverts went through OUTPUT and were dropped there');
      // One error line for the lasting failure, not one per advert.
      const failures = a.process.output.match(/\[ERROR\] sending advertisement to 224\.0\.0\.18: .*Operation not permitted.*/g) ?? [];
      assert.equal(failures.length, 1, a.process.output);
      // The rule goes: a's adverts are back, and b, less preferred, steps down again.
      const back = b.mark();
      assert.equal((await lab.exec('a', ['nft', 'delete', 'table', 'inet', 'lab'])).code, 0);
      await b.waitForState('BACKUP', 2 * a.advertIntervalMs + 1000, back);
      await a.process.waitForOutput(/adverts are sent again, after \d+ s and \d+ more failed sends/, 2000);
      const status = a.mark();
      a.signal('SIGUSR1');
      await a.process.waitForOutput(/MASTER on eth0 id 7 \(refused packets: .*; adverts not sent: [1-9]\d*\)/, 2000, status);
      await Promise.all([a.stop(), b.stop()]);
    });
  });

  it('IPv6 VRRPv3: the same two ways (standing adverts as frames; with --ip-output through OUTPUT)', async () => {
    await withLab({ hosts: ['a', 'b'], ipv6: true }, async (lab) => {
      const vip = 'fd77::205';
      const group = (preference: number, extra: string[] = []): GroupSpec => ({ name: 'v6', protocol: 'vrrp3', id: 5, vip, preference, extra });
      for (const ipOutput of [false, true]) {
        const a = new GroupsNode(lab, lab.host('a'), [group(200, ipOutput ? ['UCARP_IP_OUTPUT=yes'] : [])]);
        await a.waitForState(group(200), 'MASTER', 8000);
        const b = new GroupsNode(lab, lab.host('b'), [group(100)]);
        await b.waitForState(group(100), 'BACKUP', 8000);
        await sleep(3000); // a's first adverts as MASTER went through the IP layer; its standing ones run now
        const mark = b.mark();
        await dropAdvertsOnOutput(lab);
        if (ipOutput) {
          await b.waitForState(group(100), 'MASTER', 5000, mark);
          assert.ok(await dropped(lab) >= 2, 'the adverts went through OUTPUT and were dropped there');
        } else {
          await sleep(4500); // longer than the master-down interval (3 s and the skew)
          assert.deepEqual(b.states(group(100), mark), [], "a's adverts kept arriving");
          assert.equal(await dropped(lab), 0, 'no standing advert went through OUTPUT');
        }
        assert.equal((await lab.exec('a', ['nft', 'delete', 'table', 'inet', 'lab'])).code, 0);
        await Promise.all([a.stop(), b.stop()]);
      }
    });
  });
});
