// The tie-break between two masters advertising equal intervals, in lab namespaces.
// ucarp orders the two source addresses as host integers read from network-order
// memory (last octet first on x86), so between 10.77.1.2 and 10.77.2.1 it keeps
// 10.77.2.1. Two masters only meet when a partition heals, so each test cuts both
// hosts off (100% loss on their outgoing traffic), lets both become MASTER, heals,
// and checks that exactly the 10.77.2.1 node is left, whatever runs where.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { withLab } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';
import {
  addHostAddress,
  assertHoldersFor,
  assertWithin,
  SLACK_MS,
  startBackup,
  ucarpAvailable,
  waitForHolders,
  type CarpNode,
  type Impl,
} from '../support/carp-lab.js';

requireLab();
ucarpAvailable();
const VIP = '10.77.0.200';
/** Same advbase and advskew on both: equal intervals. */
const ADVSKEW = 0;
/** Host p gets LOW (numerically smaller), host q gets HIGH; ucarp keeps HIGH. */
const LOW = '10.77.1.2';
const HIGH = '10.77.2.1';

interface Case {
  onLow: Impl;
  onHigh: Impl;
  first: 'low' | 'high';
}

async function partitionHeals(t: TestContext, c: Case): Promise<void> {
  await withLab({ hosts: ['p', 'q'] }, async (lab) => {
    await addHostAddress(lab, 'p', `${LOW}/16`);
    await addHostAddress(lab, 'q', `${HIGH}/16`);
    await lab.netem('p', 'loss 100%');
    await lab.netem('q', 'loss 100%');
    const start = (which: 'low' | 'high'): Promise<CarpNode> =>
      which === 'low'
        ? startBackup(lab, 'p', c.onLow, { vip: VIP, advskew: ADVSKEW, srcip: LOW })
        : startBackup(lab, 'q', c.onHigh, { vip: VIP, advskew: ADVSKEW, srcip: HIGH });
    const firstNode = await start(c.first);
    const secondNode = await start(c.first === 'low' ? 'high' : 'low');
    const [low, high] = c.first === 'low' ? [firstNode, secondNode] : [secondNode, firstNode];
    // Cut off from each other, both take the address.
    await Promise.all([low.waitForState('MASTER', low.masterDownMs + 3000), high.waitForState('MASTER', high.masterDownMs + 3000)]);
    await waitForHolders(lab, VIP, ['p', 'q']);

    const lowMark = low.mark();
    const highMark = high.mark();
    const healedAt = Date.now();
    await lab.clearNetem('p');
    await lab.clearNetem('q');
    // The 10.77.1.2 node yields when it hears the other's next advert.
    const yielded = (await low.waitForState('BACKUP', 6000, lowMark)) - healedAt;
    t.diagnostic(`${c.onLow} on ${LOW} yields to ${c.onHigh} on ${HIGH} ${yielded} ms after the partition healed`);
    assertWithin('yield', yielded, 0, high.advertIntervalMs + low.lateMs + SLACK_MS);
    await waitForHolders(lab, VIP, ['q']);
    // Past a master-down interval: nobody comes back, nobody flaps.
    await assertHoldersFor(lab, VIP, ['q'], low.masterDownMs + low.lateMs + 1000);
    high.assertNoSwitchSince(highMark, `${HIGH} stays MASTER`);
    assert.deepEqual(low.states().slice(-1), ['BACKUP']);
    assert.equal(low.process.output.slice(lowMark).match(/Switching to state/g)?.length, 1, `${LOW} switched once: ${low.process.output.slice(lowMark)}`);
  });
}

describe('CARP tie-break between equal intervals (10.77.1.2 vs 10.77.2.1)', { concurrency: 3 }, () => {
  const cases: Case[] = [
    { onLow: 'ucarp', onHigh: 'ucarp', first: 'low' }, // the reference: what ucarp itself does here
    { onLow: 'ucarp', onHigh: 'ucarp-ts', first: 'low' },
    { onLow: 'ucarp', onHigh: 'ucarp-ts', first: 'high' },
    { onLow: 'ucarp-ts', onHigh: 'ucarp', first: 'low' },
    { onLow: 'ucarp-ts', onHigh: 'ucarp', first: 'high' },
    { onLow: 'ucarp-ts', onHigh: 'ucarp-ts', first: 'low' },
  ];
  for (const c of cases) {
    const firstName = c.first === 'low' ? `${c.onLow} on ${LOW}` : `${c.onHigh} on ${HIGH}`;
    it(`${c.onLow} on ${LOW} and ${c.onHigh} on ${HIGH} (${firstName} started first): ${HIGH} stays MASTER`, (t) => partitionHeals(t, c));
  }
});
