// The kernel socket filter in a lab: a ucarp-ts pair where the master's filter cannot be
// attached (its namespace allows sockets too little option memory) and the backup's is.
// Both keep working (the backup hears every advert of the master, so it stays BACKUP);
// the master says once that it has no filter; forged adverts with a wrong TTL and
// adverts of another vhid reach the unfiltered master's counters and never the
// filtered backup's. ucarp and keepalived peers are heard through the filter in
// carp-ucarp, keepalived-* and the flood tests.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withLab } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';
import { startFlood } from '../support/flood.js';
import { PASS, sleep, startNode } from './faults-helpers.js';

const VHID = 9;
const VIP = '10.77.0.209';
const NO_FILTER = /no kernel packet filter \(/g;

const count = (status: string, reason: string): number => Number(new RegExp(`\\b${reason}=(\\d+)`).exec(status)?.[1] ?? 0);

describe('net: kernel socket filter', () => {
  it('a master without the filter says so once and works; the filtered backup never sees wrong-TTL or other-vhid packets', async (t) => {
    requireLab();
    await withLab({ hosts: ['a', 'b', 'x'] }, async (lab) => {
      // SO_ATTACH_FILTER charges the program to the socket's option memory (per namespace).
      await lab.exec('a', ['sysctl', '-q', '-w', 'net.core.optmem_max=64']);
      const a = startNode(lab, 'a', { vhid: VHID, vip: VIP, advskew: 0 });
      await a.waitForState('MASTER', 10_000);
      const b = startNode(lab, 'b', { vhid: VHID, vip: VIP, advskew: 50 });
      await b.waitForState('BACKUP', 10_000);
      const bMark = b.proc.mark();
      const floods = await Promise.all([
        startFlood(lab, 'x', { vhid: VHID, rate: 500, seconds: 3, kinds: ['wrong-ttl'], pass: PASS, addrs: [VIP] }),
        startFlood(lab, 'x', { vhid: VHID + 1, rate: 500, seconds: 3, kinds: ['forged'] }),
      ]);
      const [ttl, other] = await Promise.all(floods.map((f) => f.done));
      await sleep(1500); // a few more adverts of the master after the floods
      const [aStatus, bStatus] = [await a.status(), await b.status()];
      t.diagnostic(`sent ${ttl!.sent} wrong-TTL, ${other!.sent} for vhid ${VHID + 1}; master: ${aStatus}; backup: ${bStatus}`);

      assert.equal(a.log.match(NO_FILTER)?.length ?? 0, 1, `the master says once that it has no filter:\n${a.log.slice(-2000)}`);
      assert.equal(b.log.match(NO_FILTER)?.length ?? 0, 0, `the backup has its filter:\n${b.log.slice(-2000)}`);
      assert.match(aStatus, new RegExp(`^MASTER on eth0 id ${VHID} `));
      assert.match(bStatus, new RegExp(`^BACKUP on eth0 id ${VHID} `));
      assert.deepEqual(b.transitions(bMark), [], 'the backup heard the master throughout');
      // Unfiltered: screened in JavaScript, counted. Filtered: never reached the process.
      assert.ok(count(aStatus, 'ttl') >= 0.9 * ttl!.sent, aStatus);
      assert.ok(count(aStatus, 'other-vhid') >= 0.9 * other!.sent, aStatus);
      assert.equal(count(bStatus, 'ttl'), 0, bStatus);
      assert.equal(count(bStatus, 'other-vhid'), 0, bStatus);
    });
  });
});
