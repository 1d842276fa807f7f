// Issue 6: a captured advertisement of the master, replayed every 0.5 s from a third
// host after the master died, must not delay the ucarp-ts backup's takeover (ucarp's
// backup never takes over under the same replay). The dead master is ucarp-ts, then
// Debian's ucarp, whose lone master sends a fresh random counter in each advert.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { withLab } from '../lab/lab.js';
import { requireLab, requireProgram } from '../lab/requirements.js';
import { captureAdvert, startFlood } from '../support/flood.js';
import { sleep, startNode, until } from './faults-helpers.js';

requireLab();
requireProgram('ucarp', 'ucarp');

const VHID = 9;
const VIP = '10.77.0.201';
const BACKUP_SKEW = 50;
// advbase * deadratio + advskew/256 after the last advert heard; the crash comes at
// most one interval after it, so this bounds the takeover from the crash.
const MASTER_DOWN_MS = 3000 + (BACKUP_SKEW * 1000) / 256;
// A loaded 2-core machine: timers fire late, processes start slowly.
const SLACK_MS = 1500;

async function replayScenario(t: TestContext, master: 'ucarp-ts' | 'ucarp'): Promise<void> {
  await withLab({ hosts: ['a', 'b', 'x'] }, async (lab) => {
    const a = startNode(lab, 'a', { vhid: VHID, vip: VIP, advskew: 0, ucarp: master === 'ucarp' });
    await a.waitForState('MASTER', 10_000);
    const b = startNode(lab, 'b', { vhid: VHID, vip: VIP, advskew: BACKUP_SKEW });
    await b.waitForState('BACKUP', 10_000);
    await until('a alone to hold the address', async () => (await lab.holders(VIP)).join() === 'a');
    // b is listening now, so it hears (and accepts) the very advert x captures.
    await sleep(1200);
    const advert = await captureAdvert(lab, 'x', { from: lab.host('a').addr, vhid: VHID });
    assert.equal(advert.packet[8], 255, 'captured with TTL 255, as sent');

    // Replaying from before the crash: the first copies reach b while a still lives.
    const replay = await startFlood(lab, 'x', { vhid: VHID, rate: 2, seconds: 20, kinds: ['replay'], packet: advert.packet });
    const bMark = b.proc.mark();
    await sleep(600);
    const crashedAt = performance.now();
    await lab.crash('a');
    await b.waitForState('MASTER', MASTER_DOWN_MS + SLACK_MS + 2000, bMark);
    const takeoverMs = Math.round(performance.now() - crashedAt);
    // The replay goes on: the new master must not step down for it either.
    await sleep(2500);
    const report = await replay.stop();
    const status = await b.status();
    t.diagnostic(`${master} master crashed: ucarp-ts backup took over after ${takeoverMs} ms ` +
      `(master-down interval ${MASTER_DOWN_MS.toFixed(0)} ms) under ${report.sent} replays; ${status}`);

    assert.ok(takeoverMs <= MASTER_DOWN_MS + SLACK_MS, `takeover took ${takeoverMs} ms`);
    assert.deepEqual(b.transitions(bMark), ['MASTER'], `b stayed MASTER while the replay went on:\n${b.log.slice(-2000)}`);
    const replays = Number(/\breplay=(\d+)/.exec(status)?.[1] ?? 0);
    // Every copy b received was refused: at least those sent up to its takeover.
    assert.ok(replays >= 5, `status shows ${replays} refused replays (sent ${report.sent}): ${status}`);
    assert.ok(replays <= report.sent, status);
    assert.match(status, /^MASTER on eth0 id 9 /);
    // a was SIGKILLed with its cable cut: its copy of the address is a dead host's.
    assert.ok((await lab.holders(VIP)).includes('b'), 'b holds the address');
  });
}

describe('faults: a replayed advertisement of a dead master', () => {
  it('ucarp-ts master dies: the ucarp-ts backup takes over in the normal time and counts the replays', async (t) => {
    await replayScenario(t, 'ucarp-ts');
  });

  it("Debian's ucarp master dies: the ucarp-ts backup takes over in the normal time and counts the replays", async (t) => {
    await replayScenario(t, 'ucarp');
  });
});
