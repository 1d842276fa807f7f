// Bad options never reach the network: each is one line on stderr and a non-zero exit,
// while tcpdump in the lab host sees nothing leave it (no CARP advert, no ARP). A valid
// run afterwards, on the same capture, shows the capture would have seen them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { nodeArgv, withLab } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';
import { startCarp, timedPackets, UCARP_TS_CLI } from '../support/carp-lab.js';

requireLab();

const GOOD = {
  interface: '--interface=eth0',
  srcip: '--srcip=10.77.0.11',
  vhid: '--vhid=7',
  pass: '--pass=secret',
  addr: '--addr=10.77.0.200',
};
type Key = keyof typeof GOOD;

interface Refusal {
  /** Replaces (or, with undefined, removes) some of the good options. */
  set?: Partial<Record<Key, string | undefined>>;
  extra?: string[];
  /** What the one line must name. */
  names: RegExp;
}

const REFUSALS: Refusal[] = [
  { extra: ['--advskew', '300'], names: /--advskew/ }, // ucarp would run with 44
  { extra: ['-k', '300'], names: /--advskew/ },
  { extra: ['--advskew=12abc'], names: /--advskew/ },
  { extra: ['--advbase=256'], names: /--advbase/ },
  { extra: ['--advbase=0', '--advskew=0'], names: /--advbase/ },
  { extra: ['--deadratio=0'], names: /--deadratio/ },
  { set: { vhid: '--vhid=0' }, names: /--vhid/ },
  { set: { vhid: '--vhid=256' }, names: /--vhid/ },
  { set: { addr: '--addr=10.77.0.300' }, names: /--addr/ },
  { set: { srcip: '--srcip=bogus' }, names: /--srcip/ },
  { extra: ['--mcast=10.0.0.1'], names: /--mcast/ },
  { set: { interface: '--interface=nosuch0' }, names: /--interface/ },
  { set: { pass: undefined }, names: /--pass/ },
  { set: { pass: '--passfile=/nonexistent/pass' }, names: /--passfile/ },
  { extra: ['--upscript=/nonexistent/up.sh'], names: /--upscript/ },
  { extra: ['--bogus'], names: /--bogus/ },
  { extra: ['--check=bogus:x'], names: /--check: unknown kind/ },
  { extra: ['--check=exec:/nonexistent/check'], names: /--check: cannot run/ },
  { extra: ['--check=http://', '--check=tcp:127.0.0.1:80'], names: /--check: is not a URL/ },
  { extra: ['--check=tcp:127.0.0.1:80,falls=2'], names: /--check: unknown parameter/ },
];

function argvOf(r: Refusal): string[] {
  const opts: Partial<Record<Key, string | undefined>> = { ...GOOD, ...r.set };
  return [...Object.values(opts).filter((v): v is string => v !== undefined), ...(r.extra ?? [])];
}

describe('CARP: refused options', () => {
  it('every bad option exits non-zero with one line on stderr, and not one packet leaves the host', async () => {
    await withLab({ hosts: ['a'] }, async (lab) => {
      // CARP, ARP, and anything else the host itself sends (the switch's own IPv6 chatter is not ours).
      const capture = await lab.tcpdump('a', `ip proto 112 or arp or ether src ${lab.host('a').mac}`);
      const results = [];
      // A few at a time: the machine has two cores.
      for (let i = 0; i < REFUSALS.length; i += 4) {
        const batch = REFUSALS.slice(i, i + 4);
        results.push(...(await Promise.all(batch.map(async (r) => ({ r, out: await lab.exec('a', nodeArgv(UCARP_TS_CLI, ...argvOf(r))) })))));
      }
      for (const { r, out } of results) {
        const what = argvOf(r).join(' ');
        assert.ok(out.code !== 0 && out.code !== null, `${what}: exit ${out.code}`);
        assert.equal(out.stdout, '', what);
        const lines = out.stderr.split('\n').filter((l) => l !== '');
        assert.equal(lines.length, 1, `${what}: one line, got:\n${out.stderr}`);
        assert.match(lines[0]!, /^ucarp-ts: /, what);
        assert.match(lines[0]!, r.names, what);
      }
      await sleep(200); // anything sent would be in the capture by now
      const validFrom = Date.now();

      // The control: a valid node with a 78 ms interval is MASTER at once and advertises.
      const control = startCarp(lab, 'a', 'ucarp-ts', { vip: '10.77.0.200', advbase: 0, advskew: 20 });
      await control.waitForState('MASTER', 5000);
      await sleep(300);
      await control.stop('SIGKILL');
      const packets = await timedPackets((await capture.stop()).pcapPath);
      const before = packets.filter((p) => p.at < validFrom);
      assert.deepEqual(before.map((p) => p.line), [], 'nothing left the host while bad options were refused');
      assert.ok(packets.some((p) => / 10\.77\.0\.11 > 224\.0\.0\.18: /.test(p.line)), `the capture saw the valid run's adverts:\n${packets.map((p) => p.line).join('\n')}`);
    });
  });
});
