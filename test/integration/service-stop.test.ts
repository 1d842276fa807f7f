// Issue 17: stopping is prompt, daemonized or not. After SIGTERM a BACKUP exits at once;
// a MASTER exits no later than its successor's first advertisement, or one advertisement
// interval plus 0.5 s when none comes; a second SIGTERM exits at once. In VRRP mode a
// stopping MASTER releases its addresses (downscript) after its priority-0 advert, with or
// without --shutdown (RFC 5798 6.4.3); in CARP mode only with --shutdown, as ucarp, and
// it warns at start-up when the address would stay on a stopped host.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { nodeArgv, withLab, type Lab } from '../lab/lab.js';
import { waitForPidExit } from '../lab/process-handle.js';
import { requireLab, requireProgram } from '../lab/requirements.js';
import { advertIntervalMs, timedPackets } from '../support/carp-lab.js';
import { addressScripts, CLI, PASS, sleep, startNode, until } from './faults-helpers.js';

requireLab();
requireProgram('tcpdump', 'tcpdump');

const VHID = 9;
const VIP = '10.77.0.220';
/** The bound when no successor speaks: one advertisement interval (advbase 1) plus 0.5 s. */
const loneBoundMs = (advskew: number): number => advertIntervalMs(1, advskew) + 500;
/** A loaded 2-core machine's room on top of the bounds. */
const SLACK_MS = 500;

type Mode = 'foreground' | 'daemonized';

/** Starts ucarp-ts on a host (CARP, advbase 1) and resolves with its pid once it runs. */
async function startDaemon(lab: Lab, host: string, mode: Mode, advskew: number): Promise<number> {
  const pidfile = join(lab.tmpDir, `${host}-${Date.now()}.pid`);
  const extra = [`--pidfile=${pidfile}`, '--shutdown'];
  if (mode === 'foreground') {
    startNode(lab, host, { vhid: VHID, vip: VIP, advskew, extra });
  } else {
    const h = lab.host(host);
    const s = addressScripts(lab);
    const r = await lab.exec(host, nodeArgv(CLI, `--interface=${h.ifname}`, `--srcip=${h.addr}`, `--vhid=${VHID}`, `--pass=${PASS}`,
      `--addr=${VIP}`, `--advskew=${advskew}`, `--upscript=${s.up}`, `--downscript=${s.down}`, '--facility=none', '--daemonize', ...extra));
    assert.equal(r.code, 0, r.stderr);
  }
  return until(`${host}'s pidfile`, () => existsSync(pidfile) && Number(readFileSync(pidfile, 'utf8')));
}

/** SIGTERM (twice, `againAfterMs` apart, if given); resolves with when it was sent and when the process had exited. */
async function stopAndTime(pid: number, againAfterMs?: number): Promise<{ sentAt: number; exitAt: number; ms: number; reapMs: number }> {
  const sentAt = Date.now();
  process.kill(pid, 'SIGTERM');
  if (againAfterMs !== undefined) {
    await sleep(againAfterMs);
    process.kill(pid, 'SIGTERM');
  }
  const exitAt = await waitForPidExit(pid, 10_000);
  // Until its parent (init, for a daemonized one) reaps it, `kill -0` still finds it.
  await until('the exited process to be reaped', () => !existsSync(`/proc/${pid}`), 10_000, 5);
  return { sentAt, exitAt, ms: exitAt - sentAt, reapMs: Date.now() - exitAt };
}

describe('stopping is prompt', () => {
  for (const mode of ['foreground', 'daemonized'] as const) {
    it(`${mode}: a BACKUP exits at once, a MASTER at its successor's first advert, a lone MASTER within one interval + 0.5 s`, async (t) => {
      await withLab({ hosts: ['a', 'b'] }, async (lab) => {
        const a = await startDaemon(lab, 'a', mode, 0);
        await until('a to hold the address', async () => (await lab.holders(VIP)).join() === 'a', 10_000);
        let b = await startDaemon(lab, 'b', mode, 50);
        await sleep(300);

        const backup = await stopAndTime(b);
        t.diagnostic(`BACKUP exited ${backup.ms} ms after SIGTERM`);
        assert.ok(backup.ms <= SLACK_MS, `BACKUP exited ${backup.ms} ms after SIGTERM`);

        b = await startDaemon(lab, 'b', mode, 50);
        await sleep(300);
        const capture = await lab.tcpdump('a', `ip proto 112 and src host ${lab.host('b').addr}`);
        const master = await stopAndTime(a);
        await until('b to hold the address', async () => (await lab.holders(VIP)).join() === 'b', 5000);
        const firstAdvert = (await timedPackets((await capture.stop()).pcapPath))[0];
        assert.ok(firstAdvert, 'b advertised as the new MASTER');
        t.diagnostic(`MASTER exited ${master.ms} ms after SIGTERM, ${master.exitAt - firstAdvert.at} ms after its successor's first advert`);
        assert.ok(master.exitAt <= firstAdvert.at + SLACK_MS, `MASTER exited ${master.exitAt - firstAdvert.at} ms after its successor's first advert`);
        assert.ok(master.ms <= loneBoundMs(0) + SLACK_MS, `MASTER exited ${master.ms} ms after SIGTERM`);

        const lone = await stopAndTime(b);
        t.diagnostic(`lone MASTER (advskew 50) exited ${lone.ms} ms after SIGTERM (bound ${loneBoundMs(50)} ms), reaped ${lone.reapMs} ms later`);
        assert.ok(lone.ms <= loneBoundMs(50) + SLACK_MS, `lone MASTER exited ${lone.ms} ms after SIGTERM`);
      });
    });
  }

  it('a second SIGTERM exits at once, without waiting for a successor', async (t) => {
    await withLab({ hosts: ['a'] }, async (lab) => {
      const a = await startDaemon(lab, 'a', 'foreground', 0);
      await until('a to hold the address', async () => (await lab.holders(VIP)).join() === 'a', 10_000);
      const r = await stopAndTime(a, 100);
      t.diagnostic(`exited ${r.ms} ms after the first SIGTERM, 100 ms after which the second came`);
      assert.ok(r.ms <= 100 + SLACK_MS, `exited ${r.ms} ms after the first SIGTERM`);
    });
  });
});

describe('what a stopped MASTER does with the address', () => {
  it('VRRP: it runs its downscript after its priority-0 advert, without --shutdown', async () => {
    await withLab({ hosts: ['a'] }, async (lab) => {
      const capture = await lab.tcpdump('a', 'ip proto 112');
      const a = startNode(lab, 'a', { vhid: VHID, vip: VIP, protocol: 'vrrp3' });
      await a.waitForState('MASTER', 10_000);
      await until('a to hold the address', async () => (await lab.holders(VIP)).join() === 'a');
      assert.doesNotMatch(a.log, /shutdown/, 'no warning in VRRP mode');
      a.proc.kill('SIGTERM');
      assert.equal((await a.proc.exited).code, 0);
      assert.deepEqual(await lab.holders(VIP), [], 'the stopped VRRP master released the address');
      const packets = await timedPackets((await capture.stop()).pcapPath);
      assert.ok(packets.some((p) => / prio 0,/.test(p.line)), 'it sent a priority-0 advert');
    });
  });

  it('CARP: without --shutdown it keeps the address, as ucarp, and says so at start-up', async () => {
    await withLab({ hosts: ['a'] }, async (lab) => {
      const a = startNode(lab, 'a', { vhid: VHID, vip: VIP });
      await a.waitForState('MASTER', 10_000);
      await until('a to hold the address', async () => (await lab.holders(VIP)).join() === 'a');
      const warnings = a.log.split('\n').filter((l) => /--shutdown/.test(l));
      assert.equal(warnings.length, 1, a.log);
      assert.match(warnings[0]!, /\[WARNING\] --downscript without --shutdown: a stopped MASTER keeps the virtual address/);
      a.proc.kill('SIGTERM');
      assert.equal((await a.proc.exited).code, 0);
      assert.deepEqual(await lab.holders(VIP), ['a'], "ucarp's rule: the address stays");
    });
  });
});
