// Issue 6, network faults with real ucarp-ts processes in lab namespaces: a partition
// that heals, a lossy link, the interface deleted and re-created, and link flaps.
// Each ends with exactly one master and the address on exactly one host.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withLab, type Lab } from '../lab/lab.js';
import { requireLab, requireProgram } from '../lab/requirements.js';
import { runOk } from '../lab/run.js';
import { alive, sleep, startNode, until, type CarpNode } from './faults-helpers.js';

requireLab();
requireProgram('tcpdump', 'tcpdump');

const INTERVAL_MS = 1000; // advbase 1, advskew 0: the best node's interval
const SLACK_MS = 1500; // timers and scripts on a loaded 2-core machine

const mastersOf = (nodes: CarpNode[]): string[] => nodes.filter((n) => n.state() === 'MASTER').map((n) => n.host);

/** Waits until exactly one node says MASTER and exactly that host holds the address. */
async function oneMaster(lab: Lab, nodes: CarpNode[], vip: string, ms: number): Promise<string> {
  return until(
    'exactly one master holding the address',
    async () => {
      const m = mastersOf(nodes);
      if (m.length !== 1) return false;
      const holders = await lab.holders(vip);
      return holders.length === 1 && holders[0] === m[0] ? m[0]! : false;
    },
    ms,
    25,
  );
}

function assertNoInternalErrors(nodes: CarpNode[]): void {
  for (const n of nodes) {
    assert.ok(n.proc.running && alive(n.pid), `${n.host} is alive:\n${n.log.slice(-2000)}`);
    assert.doesNotMatch(n.log, /internal error|uncaught|TypeError|RangeError/i, `${n.host}'s log`);
  }
}

async function startPair(lab: Lab, vhid: number, vip: string, aExtra: { preempt?: boolean; extra?: string[] } = {}): Promise<[CarpNode, CarpNode]> {
  const a = startNode(lab, 'a', { vhid, vip, advskew: 0, ...aExtra });
  await a.waitForState('MASTER', 10_000);
  const b = startNode(lab, 'b', { vhid, vip, advskew: 50 });
  await b.waitForState('BACKUP', 10_000);
  await until('a alone to hold the address', async () => (await lab.holders(vip)).join() === 'a');
  return [a, b];
}

describe('faults: network', () => {
  it('partition: a bridge port leaves the bridge, two masters; after the heal one master within two intervals', async (t) => {
    const VIP = '10.77.0.202';
    await withLab({ hosts: ['a', 'b', 'c'] }, async (lab) => {
      const [a, b] = await startPair(lab, 31, VIP);
      const c = startNode(lab, 'c', { vhid: 31, vip: VIP, advskew: 100 });
      await c.waitForState('BACKUP', 10_000);
      const nodes = [a, b, c];
      const marks = nodes.map((n) => n.proc.mark());

      // Out of the bridge but still up: a keeps its carrier and hears nobody.
      const sw = lab.switchNs;
      const port = lab.host('a').peer;
      await runOk(['ip', '-n', sw, 'link', 'set', port, 'nomaster']);
      await b.waitForState('MASTER', 3200 + SLACK_MS + 1000, marks[1]);
      await until('a and b both holding the address', async () => (await lab.holders(VIP)).join() === 'a,b');
      assert.deepEqual(mastersOf(nodes), ['a', 'b'], 'two masters while partitioned');
      assert.doesNotMatch(a.log.slice(marks[0]), /lost carrier/, 'a kept its carrier');

      await sleep(1500); // a few adverts sent into the void on each side
      const healedAt = performance.now();
      await runOk(['ip', '-n', sw, 'link', 'set', port, 'master', 'br0']);
      const winner = await oneMaster(lab, nodes, VIP, 2 * INTERVAL_MS + SLACK_MS + 1000);
      const healMs = Math.round(performance.now() - healedAt);
      t.diagnostic(`partition healed: one master (${winner}) holding the address ${healMs} ms after the heal`);
      assert.equal(winner, 'a', 'the shorter interval wins');
      assert.ok(healMs <= 2 * INTERVAL_MS + SLACK_MS, `one master only after ${healMs} ms`);

      // And it stays that way.
      const settled = nodes.map((n) => n.proc.mark());
      await sleep(2500);
      nodes.forEach((n, i) => assert.deepEqual(n.transitions(settled[i]), [], `${n.host} changed state after settling`));
      assert.deepEqual(await lab.holders(VIP), ['a']);
      assert.deepEqual(c.transitions(marks[2]), [], 'c never moved');
      assertNoInternalErrors(nodes);
    });
  });

  it('20% loss on the master (delay too where the kernel has netem): no flapping beyond the protocol, one master', async (t) => {
    const VIP = '10.77.0.203';
    const OBSERVE_MS = 20_000;
    await withLab({ hosts: ['a', 'b'] }, async (lab) => {
      const [a, b] = await startPair(lab, 32, VIP);
      assert.ok(await lab.ping('a', lab.host('b').addr), 'a reaches b (and knows its MAC) before the loss');
      let mode: string;
      try {
        mode = await lab.netem('a', 'loss 20% delay 20ms');
      } catch (e) {
        // This kernel has no sch_netem: only loss can be emulated (see test/lab/loss.ts).
        t.diagnostic(`no netem here (${(e as Error).message.split('\n')[0]}): 20% loss only, no delay`);
        mode = await lab.netem('a', 'loss 20%');
      }
      // The loss is real: 100 quick pings from a lose about a fifth (requests go out through the impaired cable).
      const pings = await lab.exec('a', ['ping', '-n', '-q', '-c', '100', '-i', '0.01', '-W', '1', lab.host('b').addr]);
      const pingLoss = Number(/([\d.]+)% packet loss/.exec(pings.stdout)?.[1]);
      assert.ok(pingLoss >= 8 && pingLoss <= 35, `ping loss ${pingLoss}%:\n${pings.stdout}`);
      const marks = [a.proc.mark(), b.proc.mark()];
      const capture = await lab.tcpdump('b', `ip proto 112 and src host ${lab.host('a').addr}`);
      await sleep(OBSERVE_MS);
      const heard = (await capture.stop()).lines.length;
      const aMoves = a.transitions(marks[0]);
      const bMoves = b.transitions(marks[1]);
      t.diagnostic(`${mode}: ping loss ${pingLoss}%; b received ${heard} of a's ~${OBSERVE_MS / INTERVAL_MS} adverts in ${OBSERVE_MS} ms; ` +
        `a transitions ${JSON.stringify(aMoves)}, b ${JSON.stringify(bMoves)}`);
      assert.ok(heard >= 10, `b received only ${heard} adverts from a`);
      assert.deepEqual(aMoves, [], 'the master never left');
      assert.ok(bMoves.filter((s) => s === 'MASTER').length <= 2, `b took over ${bMoves.length} times`);
      await lab.clearNetem('a');
      assert.equal(await oneMaster(lab, [a, b], VIP, 3000), 'a');
      assertNoInternalErrors([a, b]);
    });
  });

  it('the interface deleted and re-created on the master: BACKUP, the other takes over, then it is heard again and preempts', async (t) => {
    const VIP = '10.77.0.204';
    await withLab({ hosts: ['a', 'b'] }, async (lab) => {
      // --debug: a logs each advert it hears, the proof that its socket receives again.
      const [a, b] = await startPair(lab, 33, VIP, { preempt: true, extra: ['--debug'] });
      let aMark = a.proc.mark();
      const bMark = b.proc.mark();
      const removedAt = performance.now();
      await lab.removeInterface('a');
      await a.waitForState('BACKUP', 2000, aMark);
      await b.waitForState('MASTER', 3200 + SLACK_MS + 1000, bMark);
      const takeoverMs = Math.round(performance.now() - removedAt);
      assert.equal(await oneMaster(lab, [a, b], VIP, 3000), 'b');

      await sleep(1000);
      aMark = a.proc.mark();
      const bMark2 = b.proc.mark();
      const addedAt = performance.now();
      await lab.addInterface('a');
      await a.proc.waitForOutput(/eth0 was re-created \(index \d+\): rejoining/, 3000, aMark);
      await a.proc.waitForOutput(new RegExp(`advert from ${lab.host('b').addr.replace(/\./g, '\\.')}`), 4000, aMark);
      await a.waitForState('MASTER', 4000, aMark);
      const backMs = Math.round(performance.now() - addedAt);
      await b.waitForState('BACKUP', 3000, bMark2);
      assert.equal(await oneMaster(lab, [a, b], VIP, 3000), 'a');
      assert.match(a.log.slice(aMark), /preempting a slower master/, 'a took over because it heard b, not by timeout');
      t.diagnostic(`interface deleted: b master after ${takeoverMs} ms; re-created: a heard b and preempted after ${backMs} ms`);
      await sleep(1500);
      assert.deepEqual(await lab.holders(VIP), ['a']);
      assertNoInternalErrors([a, b]);
    });
  });

  it('10 quick link flaps on the master: no crash, one master at the end', async (t) => {
    const VIP = '10.77.0.205';
    await withLab({ hosts: ['a', 'b'] }, async (lab) => {
      const [a, b] = await startPair(lab, 34, VIP);
      const marks = [a.proc.mark(), b.proc.mark()];
      for (let i = 0; i < 10; i++) {
        await lab.cutLink('a');
        await sleep(300 + (i % 3) * 100);
        await lab.restoreLink('a');
        await sleep(300 + ((i + 1) % 3) * 100);
      }
      const winner = await oneMaster(lab, [a, b], VIP, 3200 + 2 * INTERVAL_MS + SLACK_MS);
      const settled = [a.proc.mark(), b.proc.mark()];
      await sleep(2500);
      assert.deepEqual([a.transitions(settled[0]), b.transitions(settled[1])], [[], []], 'settled for good');
      assert.deepEqual(await lab.holders(VIP), [winner]);
      const carrierLines = (a.log.slice(marks[0]).match(/lost carrier/g) ?? []).length;
      t.diagnostic(`link flaps: a saw ${carrierLines} of 10 carrier losses; ${winner} is master; a ${JSON.stringify(a.transitions(marks[0]))}, b ${JSON.stringify(b.transitions(marks[1]))}`);
      assert.ok(carrierLines >= 5, `a noticed only ${carrierLines} carrier losses`);
      assertNoInternalErrors([a, b]);
    });
  });
});
