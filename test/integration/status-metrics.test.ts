// Issue 12, in namespaces: a ucarp-ts pair with --metrics bound to each host's lab
// address, scraped from the client; --status reading both daemons' control sockets
// (in one run directory, shared through the filesystem), also with one stopped.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { withLab } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';
import { startFlood } from '../support/flood.js';
import { assertPromtoolAccepts, METRICS_PORT, sample, scrape, statusCommand } from '../support/metrics-lab.js';
import { sleep, startNode, until, type CarpNode } from './faults-helpers.js';

const VHID = 7;
const VIP = '10.77.0.240';
const L = { vhid: String(VHID), interface: 'eth0', protocol: 'carp' };

describe('status and metrics', () => {
  it('a scraped pair: state gauges, adverts, a flood under its reason, a failover, --status with a stopped daemon', async (t) => {
    requireLab();
    await withLab({ hosts: ['a', 'b', 'x'], client: true }, async (lab) => {
      const runDir = lab.runDir; // both daemons' sockets, shared through the filesystem across namespaces
      const node = (host: string, advskew: number): CarpNode =>
        startNode(lab, host, { vhid: VHID, vip: VIP, advskew, extra: [`--metrics=${lab.host(host).addr}:${METRICS_PORT}`, `--run-dir=${runDir}`] });
      const a = node('a', 0);
      await a.waitForState('MASTER', 10_000);
      const b = node('b', 50);
      await b.waitForState('BACKUP', 10_000);
      await sleep(1500);

      const a1 = await scrape(lab, 'client', 'a');
      const b1 = await scrape(lab, 'client', 'b');
      await assertPromtoolAccepts(a1.body);
      await assertPromtoolAccepts(b1.body);
      assert.equal(sample(a1.samples, 'ucarp_ts_state', L), 2);
      assert.equal(sample(b1.samples, 'ucarp_ts_state', L), 1);
      await sleep(2200);
      const a2 = await scrape(lab, 'client', 'a');
      const b2 = await scrape(lab, 'client', 'b');
      const sent = (s: typeof a1) => sample(s.samples, 'ucarp_ts_adverts_sent_total', L);
      const received = (s: typeof a1) => sample(s.samples, 'ucarp_ts_adverts_received_total', L);
      assert.ok(sent(a2) >= sent(a1) + 2, `master's adverts sent: ${sent(a1)} then ${sent(a2)}`);
      assert.equal(sent(b2), 0, 'a backup sends nothing');
      assert.ok(received(b2) >= received(b1) + 2, `backup's adverts received: ${received(b1)} then ${received(b2)}`);
      assert.ok(a2.samples.get('process_resident_memory_bytes')! > 10e6);

      // --status: both daemons, one line each, healthy.
      const st = await statusCommand(runDir);
      t.diagnostic(st.stdout);
      assert.equal(st.code, 0, st.stdout + st.stderr);
      const lines = st.stdout.trim().split('\n');
      assert.equal(lines.length, 2, st.stdout);
      assert.ok(lines.some((l) => l.startsWith('eth0 carp vhid 7: MASTER') && l.includes(`pid ${a.pid}`) && l.includes(`addresses ${VIP}`)), st.stdout);
      assert.ok(lines.some((l) => l.startsWith('eth0 carp vhid 7: BACKUP') && l.includes(`pid ${b.pid}`) && l.includes(`master heard ${lab.host('a').addr}`)), st.stdout);
      const js = JSON.parse((await statusCommand(runDir, true)).stdout) as { exitCode: number; daemons: { pid: number; groups: { state: string; lastScript: { script: string; result: string } | null }[] }[] };
      assert.equal(js.exitCode, 0);
      const byPid = new Map(js.daemons.map((d) => [d.pid, d]));
      assert.equal(byPid.get(a.pid)!.groups[0]!.state, 'MASTER');
      assert.equal(byPid.get(a.pid)!.groups[0]!.lastScript?.script, 'up');
      assert.equal(byPid.get(a.pid)!.groups[0]!.lastScript?.result, 'ok');
      assert.equal(byPid.get(b.pid)!.groups[0]!.state, 'BACKUP');

      // A flood of forged adverts: counted under auth on both.
      const auth0 = sample(a2.samples, 'ucarp_ts_refused_packets_total', { ...L, reason: 'auth' }, 0);
      const flood = await startFlood(lab, 'x', { vhid: VHID, rate: 1000, seconds: 2, kinds: ['forged'] });
      const report = await flood.done;
      await sleep(300);
      const a3 = await scrape(lab, 'client', 'a');
      const auth = sample(a3.samples, 'ucarp_ts_refused_packets_total', { ...L, reason: 'auth' }) - auth0;
      t.diagnostic(`flood: ${report.sent} forged sent, ${auth} refused for auth by the master`);
      assert.ok(auth >= 0.9 * report.sent && auth <= report.sent, `${auth} auth refusals of ${report.sent} forged`);
      assert.equal(sample(a3.samples, 'ucarp_ts_state', L), 2, 'the flood moved nothing');

      // A failover (SIGUSR2 on the master): the gauges swap, one transition each, one bow-out.
      const b3 = await scrape(lab, 'client', 'b');
      const tr = (s: typeof a1, state: string) => sample(s.samples, 'ucarp_ts_transitions_total', { ...L, state });
      const bow = (s: typeof a1, dir: string) => sample(s.samples, `ucarp_ts_bow_outs_${dir}_total`, L);
      const mark = b.proc.mark();
      a.proc.kill('SIGUSR2');
      await b.waitForState('MASTER', 5000, mark);
      await sleep(500);
      const a4 = await scrape(lab, 'client', 'a');
      const b4 = await scrape(lab, 'client', 'b');
      assert.equal(sample(a4.samples, 'ucarp_ts_state', L), 1);
      assert.equal(sample(b4.samples, 'ucarp_ts_state', L), 2);
      assert.equal(tr(a4, 'BACKUP') - tr(a3, 'BACKUP'), 1);
      assert.equal(tr(a4, 'MASTER'), tr(a3, 'MASTER'));
      assert.equal(tr(b4, 'MASTER') - tr(b3, 'MASTER'), 1);
      assert.equal(tr(b4, 'BACKUP'), tr(b3, 'BACKUP'));
      assert.equal(bow(a4, 'sent') - bow(a3, 'sent'), 1, 'the demoted master bowed out once');
      assert.equal(bow(b4, 'received') - bow(b3, 'received'), 1, 'the backup heard it');

      // A stopped daemon cannot answer: --status says so within its second, and fails.
      process.kill(b.pid, 'SIGSTOP');
      try {
        const t0 = Date.now();
        const stopped = await statusCommand(runDir);
        const took = Date.now() - t0;
        t.diagnostic(`--status with b stopped, ${took} ms:\n${stopped.stdout}`);
        assert.equal(stopped.code, 1, stopped.stdout + stopped.stderr);
        assert.match(stopped.stdout, new RegExp(`^pid ${b.pid}: not answering \\(no answer within 1 s\\)$`, 'm'));
        assert.match(stopped.stdout, /^eth0 carp vhid 7: BACKUP .*pid \d+$/m);
        assert.ok(took < 4000, `--status took ${took} ms`);
      } finally {
        process.kill(b.pid, 'SIGCONT');
      }

      // A taken port is a start-up error, one line, before the daemon does anything.
      const c = startNode(lab, 'a', { vhid: 9, vip: '10.77.0.241', extra: [`--metrics=${lab.host('a').addr}:${METRICS_PORT}`, `--run-dir=${runDir}`] });
      const ended = await c.proc.exited;
      assert.equal(ended.code, 1, c.log);
      // One error line (after the start-up warning a CARP downscript without --shutdown gets).
      const errors = c.log.split('\n').filter((l) => l.startsWith('ucarp-ts:'));
      assert.deepEqual(errors, [`ucarp-ts: --metrics ${lab.host('a').addr}:${METRICS_PORT}: address already in use`], c.log);
      assert.doesNotMatch(c.log, /Switching to state/, 'nothing ran');

      for (const n of [a, b]) n.proc.kill('SIGTERM');
      await Promise.all([a.proc.exited, b.proc.exited]);
      await until('the control sockets to be removed', async () => (await statusCommand(runDir)).code === 3, 3000);
    });
  });

  it('a group held in FAULT by its health check: --status exits 1 and shows it, the gauges say 3 and down', async (t) => {
    requireLab();
    await withLab({ hosts: ['a'], client: true }, async (lab) => {
      const runDir = lab.runDir;
      const flag = join(lab.tmpDir, 'service-health');
      writeFileSync(flag, '1\n'); // keepalived's track_file: non-zero is failing
      const check = `file:${flag},interval=0.2,fall=1,rise=1`;
      const a = startNode(lab, 'a', { vhid: VHID, vip: VIP, extra: [`--check=${check}`, `--metrics=${lab.host('a').addr}:${METRICS_PORT}`, `--run-dir=${runDir}`] });
      await a.waitForState('FAULT', 10_000);

      const st = await statusCommand(runDir);
      t.diagnostic(st.stdout);
      assert.equal(st.code, 1, st.stdout + st.stderr);
      assert.match(st.stdout, /^eth0 carp vhid 7: FAULT /m);
      assert.ok(st.stdout.includes(`checks ${check}=down`), st.stdout);
      const m = await scrape(lab, 'client', 'a');
      await assertPromtoolAccepts(m.body);
      assert.equal(sample(m.samples, 'ucarp_ts_state', L), 3);
      assert.equal(sample(m.samples, 'ucarp_ts_check_state', { ...L, check }), 0);

      // The service is back: the group leaves FAULT, wins the election alone, and is healthy.
      const mark = a.proc.mark();
      writeFileSync(flag, '0\n');
      await a.waitForState('MASTER', 10_000, mark);
      const ok = await statusCommand(runDir);
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      assert.ok(ok.stdout.includes(`checks ${check}=up`), ok.stdout);
      const m2 = await scrape(lab, 'client', 'a');
      assert.equal(sample(m2.samples, 'ucarp_ts_state', L), 2);
      assert.equal(sample(m2.samples, 'ucarp_ts_check_state', { ...L, check }), 1);
      a.proc.kill('SIGTERM');
      await a.proc.exited;
    });
  });
});
