// The VRRP side of faults-flood: a third host floods a ucarp-ts VRRP pair with forged
// VRRP advertisements for its vrid (test/support/flood-vrrp.ts), each with one fault a
// master must drop (TTL, checksum, vrid, version, address list, address count, v2
// password) at a priority that would win if it got through, plus valid ones at priority 1
// that a master must ignore. The master keeps the address throughout, the backup never
// takes over, the master keeps advertising on time without being talked into answering
// every packet, and each log counts the refusals by reason in a few summary lines.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { withLab, type Lab } from '../lab/lab.js';
import { requireLab, requireProgram } from '../lab/requirements.js';
import { defaultFloodKinds, startFlood, type FloodReport } from '../support/flood.js';
import type { VrrpFloodKind } from '../support/flood-vrrp.js';
import { startUcarpTs } from '../support/keepalived-lab.js';
import { alive, CarpNode, CLOCK_TICKS, holdersUntil, rawSocketDrops, sleep, until } from './faults-helpers.js';

requireLab();
requireProgram('tcpdump', 'tcpdump');

const VHID = 7;
const VIP = '10.77.0.200';

/** The reason each forged kind is refused under, as SIGUSR1's totals name it. */
const REASON: Record<Exclude<VrrpFloodKind, 'vrrp-lower'>, string> = {
  'vrrp-ttl': 'ttl',
  'vrrp-checksum': 'checksum',
  'vrrp-vrid': 'other-vhid',
  'vrrp-version': 'version',
  'vrrp-addresses': 'addresses',
  'vrrp-count': 'addresses',
  'vrrp-auth': 'auth',
};

/**
 * Kinds the kernel drops before the daemon sees them (the socket filter of
 * src/core/kernel-filter.ts): they must not reach its counters at all.
 */
const IN_KERNEL = new Set<VrrpFloodKind>(['vrrp-ttl', 'vrrp-vrid', 'vrrp-version']);

/** "... (refused packets: ttl=3 version=2)" → {ttl: 3, version: 2}. */
function statusCounts(line: string): Map<string, number> {
  const m = /refused packets: (.*)\)$/.exec(line);
  assert.ok(m, `no refused-packet totals in "${line}"`);
  const counts = new Map<string, number>();
  if (m[1] === 'none') return counts;
  for (const kv of m[1]!.split(' ')) counts.set(kv.split('=')[0]!, Number(kv.split('=')[1]));
  return counts;
}

/** The counts of every "Refused packets" summary line, summed. */
function summaryTotals(log: string): { lines: number; total: number } {
  let lines = 0;
  let total = 0;
  for (const m of log.matchAll(/Refused packets in the last \d+ s: (.*)$/gm)) {
    lines++;
    for (const part of m[1]!.split(', ')) total += Number(part.split(' ')[0]);
  }
  return { lines, total };
}

/** Lines in the log that are about refused or dropped packets, whatever their wording. */
const packetLines = (log: string): string[] => log.split('\n').filter((l) => /refused|dropp|bad |invalid|checksum|auth|priority/i.test(l));

interface Case {
  protocol: 'vrrp2' | 'vrrp3';
  advbase: number;
  password?: string;
  rate: number;
  seconds: number;
}

async function floodPair(lab: Lab, t: TestContext, c: Case): Promise<void> {
  const start = (host: string, priority: number): CarpNode =>
    new CarpNode(lab, host, startUcarpTs(lab, host, { protocol: c.protocol, vrid: VHID, priority, advbase: c.advbase, addrs: [VIP], password: c.password }).process);
  const started = async (n: CarpNode, state: 'MASTER' | 'BACKUP'): Promise<void> => {
    await n.waitForState(state, 10_000).catch((e: unknown) => assert.fail(`${n.host}: ${String(e)}\n${n.log.slice(-2000)}`));
  };
  const a = start('a', 150);
  await started(a, 'MASTER');
  const b = start('b', 100);
  await started(b, 'BACKUP');
  await until('a alone to hold the address', async () => (await lab.holders(VIP)).join() === 'a');
  const aMark = a.proc.mark();
  const bMark = b.proc.mark();
  // The master's adverts as the backup hears them: on time, and not one per forged packet.
  const adverts = await lab.tcpdump('b', `ip proto 112 and src host ${lab.host('a').addr}`);
  const captureFrom = performance.now();

  const kinds = defaultFloodKinds(c.protocol) as VrrpFloodKind[];
  const flood = await startFlood(lab, 'x', {
    vhid: VHID, rate: c.rate, seconds: c.seconds, kinds, protocol: c.protocol, advbase: c.advbase, addrs: [VIP], pass: c.password,
  });
  const t0 = performance.now();
  const cpu0 = a.cpuTicks();
  const { value: report, samples: holderSamples } = await holdersUntil<FloodReport>(lab, VIP, flood.done);
  const seconds = (performance.now() - t0) / 1000;
  const cpuA = ((a.cpuTicks() - cpu0) / CLOCK_TICKS / seconds) * 100;
  const captured = (await adverts.stop()).lines.filter((l) => /VRRPv\d/.test(l));
  const advertsPerSecond = captured.length / ((performance.now() - captureFrom) / 1000);
  t.diagnostic(
    `flood: ${report.sent} packets in ${report.elapsedMs} ms (${report.achievedRate}/s, ${JSON.stringify(report.byKind)}, ` +
      `${report.errors} send errors); master CPU ${cpuA.toFixed(1)}% of a core; master adverts ${advertsPerSecond.toFixed(1)}/s`,
  );

  // The flood really was one, and every kind went out.
  assert.ok(report.sent >= 0.8 * c.rate * c.seconds, `only ${report.sent} packets sent: ${JSON.stringify(report)}`);
  for (const k of kinds) assert.ok((report.byKind[k] ?? 0) >= (0.8 * report.sent) / kinds.length / 1.01, `kind ${k}: ${JSON.stringify(report.byKind)}`);

  // Roles held: the address never moved or doubled, neither daemon changed state.
  assert.ok(holderSamples.length >= 4 * c.seconds, `only ${holderSamples.length} samples of the holders`);
  assert.deepEqual(holderSamples.filter((s) => s.join() !== 'a'), [], 'the master held the address alone in every sample');
  assert.deepEqual(b.transitions(bMark), [], `the backup changed state:\n${b.log.slice(-2000)}`);
  assert.deepEqual(a.transitions(aMark), [], `the master changed state:\n${a.log.slice(-2000)}`);

  // One advert per interval, plus at most one answer per interval to the priority-1 adverts.
  const perInterval = 1 / c.advbase;
  assert.ok(advertsPerSecond >= 0.75 * perInterval, `the master advertised ${advertsPerSecond.toFixed(1)}/s, expected ${perInterval}/s`);
  assert.ok(advertsPerSecond <= 2.25 * perInterval, `the master advertised ${advertsPerSecond.toFixed(1)}/s: it answers the flood`);

  assert.ok(alive(a.pid) && a.proc.running, 'master alive');
  assert.ok(alive(b.pid) && b.proc.running, 'backup alive');
  await sleep(300); // the last packets in the receive queues
  const statuses = { master: await a.status(), backup: await b.status() };
  t.diagnostic(`master: ${statuses.master}`);
  t.diagnostic(`backup: ${statuses.backup}`);
  assert.match(statuses.master, new RegExp(`^MASTER on eth0 id ${VHID} `));
  assert.match(statuses.backup, new RegExp(`^BACKUP on eth0 id ${VHID} `));

  // Each forged kind is counted under its own reason, and nothing else is refused.
  const sentFor = new Map<string, number>();
  for (const k of kinds) {
    if (k !== 'vrrp-lower' && !IN_KERNEL.has(k)) sentFor.set(REASON[k], (sentFor.get(REASON[k]) ?? 0) + report.byKind[k]!);
  }
  const refusable = [...sentFor.values()].reduce((x, y) => x + y, 0);
  for (const [who, host] of [['master', 'a'], ['backup', 'b']] as const) {
    const counts = statusCounts(statuses[who]);
    const dropped = await rawSocketDrops(lab, host);
    const total = [...counts.values()].reduce((x, y) => x + y, 0);
    t.diagnostic(`${who}: ${total} refused + ${dropped} dropped by the kernel (receive queue full) of ${refusable} forged to be refused`);
    // Also: nothing the kernel filter drops (ttl, other-vhid, version) got through to be counted.
    assert.deepEqual([...counts.keys()].filter((r) => !sentFor.has(r)), [], `${who} refused for reasons no kind was built for: ${statuses[who]}`);
    for (const [reason, sent] of sentFor) {
      const n = counts.get(reason) ?? 0;
      assert.ok(n <= sent && n >= 0.5 * sent, `${who}: ${n} ${reason} of ${sent} sent: ${statuses[who]}`);
    }
    assert.ok(total + dropped >= 0.99 * refusable, `${who}: ${total} refused + ${dropped} kernel drops of ${refusable}`);
  }

  // A graceful stop flushes the last summary; the logs hold a few counted lines, no line per packet.
  for (const n of [a, b]) n.proc.kill('SIGTERM');
  const [ea, eb] = await Promise.all([a.proc.exited, b.proc.exited]);
  assert.equal(ea.code, 0, a.log.slice(-2000));
  assert.equal(eb.code, 0, b.log.slice(-2000));
  for (const [who, n, mark] of [['master', a, aMark], ['backup', b, bMark]] as const) {
    const log = n.log.slice(mark);
    const s = summaryTotals(log);
    const lines = packetLines(log);
    t.diagnostic(`${who}: ${s.lines} summary lines, ${lines.length} lines about packets, ${s.total} refused`);
    assert.ok(s.lines >= 1 && s.lines <= Math.ceil(c.seconds / 10) + 2, `${who}: ${s.lines} summary lines:\n${lines.join('\n')}`);
    assert.ok(lines.length <= s.lines + 3, `${who}: ${lines.length} lines about packets:\n${lines.slice(0, 20).join('\n')}`);
    // The summaries leave out other vrids (another group's traffic is no fault); the totals do not.
    const counts = statusCounts(statuses[who]);
    assert.equal(s.total, [...counts].filter(([r]) => r !== 'other-vhid').reduce((x, [, v]) => x + v, 0), `${who}: the summaries add up to the status totals`);
  }
}

describe('faults: floods of forged VRRP advertisements', () => {
  it('VRRPv3 every 50 ms, 20,000 forged adverts/s for 10 s: the master keeps the address, the backup stays BACKUP, refusals counted', async (t) => {
    await withLab({ hosts: ['a', 'b', 'x'] }, (lab) => floodPair(lab, t, { protocol: 'vrrp3', advbase: 0.05, rate: 20_000, seconds: 10 }));
  });

  it('VRRPv2 with a password, 5,000 forged adverts/s for 5 s (wrong password among them): same', async (t) => {
    await withLab({ hosts: ['a', 'b', 'x'] }, (lab) => floodPair(lab, t, { protocol: 'vrrp2', advbase: 1, password: 'vrrp-pw', rate: 5_000, seconds: 5 }));
  });
});
