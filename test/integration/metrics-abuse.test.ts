// Issue 12: what a hostile or broken HTTP client can do to the metrics port. Garbage,
// oversized headers, slowloris clients and more connections than the server takes,
// for several seconds, while tcpdump on the client times the master's adverts: they
// stay on time, the daemon's memory stays flat, and a scrape still works afterwards.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { withLab } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';
import { supportArgv } from '../lab/support-paths.js';
import { timedPackets } from '../support/carp-lab.js';
import { METRICS_PORT, scrape } from '../support/metrics-lab.js';
import { sleep, startNode } from './faults-helpers.js';

const VIP = '10.77.0.242';
const ABUSE_SECONDS = 6;
const vmRssKb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

describe('metrics port under abuse', () => {
  it('garbage, huge headers, slowloris and a crowd: answered or dropped, adverts on time, memory flat', async (t) => {
    requireLab();
    await withLab({ hosts: ['a'], client: true }, async (lab) => {
      const a = startNode(lab, 'a', { vhid: 8, vip: VIP, extra: [`--metrics=${lab.host('a').addr}:${METRICS_PORT}`] });
      await a.waitForState('MASTER', 10_000);
      for (let i = 0; i < 3; i++) await scrape(lab, 'client', 'a'); // warm: the HTTP code has run
      await sleep(1000);
      const rssBefore = vmRssKb(a.pid);
      const capture = await lab.tcpdump('client', `ip proto 112 and src host ${lab.host('a').addr}`);
      const r = await lab.exec('client', supportArgv('http-probe', 'abuse', lab.host('a').addr, String(METRICS_PORT), String(ABUSE_SECONDS)), { timeoutMs: 60_000 });
      await sleep(500);
      const { pcapPath } = await capture.stop();
      const rssAfter = vmRssKb(a.pid);
      const out = JSON.parse(r.stdout.trim()) as Record<string, { first?: string; closedAfterMs?: number } | number | string>;
      t.diagnostic(`abuse: ${r.stdout.trim()}`);
      assert.equal(out.error, undefined, r.stdout + r.stderr);
      assert.equal(out.notFound, 404);
      assert.equal(out.wrongMethod, 405);
      assert.match((out.garbage as { first: string }).first, /^HTTP\/1\.1 400 /);
      assert.match((out.hugeHeader as { first: string }).first, /^HTTP\/1\.1 431 /);
      // Headers must arrive within 3 s (checked every 0.5 s); slow clients are cut off then.
      assert.ok((out.slowlorisLongestMs as number) < 6000, `a slowloris client was held ${out.slowlorisLongestMs} ms`);
      assert.equal(out.afterStatus, 200, 'a scrape still works');

      const adverts = await timedPackets(pcapPath);
      const gaps = adverts.slice(1).map((p, i) => p.at - adverts[i]!.at);
      const worst = Math.max(...gaps);
      t.diagnostic(`${adverts.length} adverts, worst gap ${worst} ms; VmRSS ${rssBefore} kB before, ${rssAfter} kB after`);
      assert.ok(adverts.length >= ABUSE_SECONDS - 1, `only ${adverts.length} adverts`);
      assert.ok(worst <= 1300, `an advert came ${worst} ms after the one before (interval 1000 ms)`);
      assert.ok(rssAfter - rssBefore < 4096, `VmRSS grew from ${rssBefore} to ${rssAfter} kB`);
      assert.ok(a.proc.running);
    });
  });
});
