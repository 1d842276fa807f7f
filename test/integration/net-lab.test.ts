// The lab harness itself: what it builds, and that it never leaves anything behind.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { listNamespaces } from '../lab/cleanup.js';
import { Lab, sweepStaleLabs, withLab } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';
import { runSync } from '../lab/run.js';
import { supportScript } from '../lab/support-paths.js';

requireLab();

const rootLinks = (): string[] =>
  runSync(['ip', '-o', 'link', 'show']).stdout.split('\n').map((l) => l.split(':')[1]?.trim() ?? '').filter(Boolean).sort();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function runChild(how: string, signal?: NodeJS.Signals): Promise<{ namespaces: string[]; code: number | null }> {
  const child = spawn(process.execPath, [supportScript('net-lab-child'), how], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.resume();
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  while (!out.includes('\n')) {
    if (child.exitCode !== null) break;
    await sleep(20);
  }
  const line = out.split('\n')[0]!;
  assert.ok(line.startsWith('{'), `child printed: ${out}`);
  const { namespaces } = JSON.parse(line) as { namespaces: string[] };
  if (signal) child.kill(signal);
  return { namespaces, code: await exited };
}

describe('lab harness', () => {
  it('builds hosts and a client on a bridge with nothing in the root namespace, and destroy() removes it all', async () => {
    const linksBefore = rootLinks();
    const lab = await Lab.create({ hosts: ['a', 'b'], client: true, subnet: '10.78.1' });
    let sleeper;
    try {
      assert.deepEqual(rootLinks(), linksBefore, 'the root namespace must not change');
      const names = listNamespaces();
      for (const n of [`${lab.id}-a`, `${lab.id}-b`, `${lab.id}-client`, `${lab.id}-switch`]) assert.ok(names.includes(n), n);
      assert.match(lab.id, new RegExp(`^uts${process.pid}-\\d+$`));
      assert.deepEqual(
        lab.hosts.map((h) => [h.name, h.addr, h.ifname]),
        [['a', '10.78.1.11', 'eth0'], ['b', '10.78.1.12', 'eth0'], ['client', '10.78.1.100', 'eth0']],
      );
      assert.equal(await lab.ping('client', '10.78.1.12'), true);
      assert.equal(await lab.neighMac('client', '10.78.1.12'), lab.host('b').mac);
      assert.deepEqual(await lab.holders('10.78.1.11'), ['a']);
      const r = await lab.exec('a', ['sh', '-c', 'echo out; echo err >&2; exit 7']);
      assert.deepEqual(r, { stdout: 'out\n', stderr: 'err\n', code: 7 });
      sleeper = lab.spawn('b', ['sh', '-c', 'echo started; exec sleep 600']);
      await sleeper.waitForOutput(/started/);
      assert.equal(alive(sleeper.pid), true);
    } finally {
      await lab.destroy();
    }
    assert.equal(alive(sleeper.pid), false, 'spawned processes are killed');
    assert.deepEqual(listNamespaces().filter((n) => n.startsWith(`${lab.id}-`)), []);
    assert.deepEqual(rootLinks(), linksBefore);
  });

  it('a routed dual-stack lab: each host alone on an IPv4 and an IPv6 subnet, the router forwards both, also after a cut cable', async () => {
    await withLab({ hosts: ['a', 'b'], client: true, routed: true, ipv6: true, subnet: '10.78.4' }, async (lab) => {
      assert.deepEqual(
        lab.hosts.map((h) => [h.name, h.addr, h.gateway, h.addr6, h.gateway6]),
        [
          ['a', '10.78.5.11', '10.78.5.1', 'fd77:5::11', 'fd77:5::1'],
          ['b', '10.78.6.11', '10.78.6.1', 'fd77:6::11', 'fd77:6::1'],
          ['client', '10.78.7.100', '10.78.7.1', 'fd77:7::100', 'fd77:7::1'],
        ],
      );
      assert.equal(await lab.ping('client', '10.78.5.11'), true);
      // One router: the echo reply arrives with hop limit 63 (64 - 1).
      const r = await lab.exec('client', ['ping', '-6', '-n', '-c', '1', '-W', '2', 'fd77:6::11']);
      assert.match(r.stdout, /ttl=63/, r.stdout + r.stderr);
      await lab.cutLink('b');
      assert.equal(await lab.ping('client', 'fd77:6::11'), false);
      await lab.restoreLink('b');
      assert.equal(await lab.ping('client', 'fd77:6::11', 3000), true, "the router's IPv6 address survives the cut");
    });
  });

  it('withLab destroys the lab when the body throws, and passes the error on', async () => {
    let id = '';
    await assert.rejects(
      withLab({ hosts: ['a'] }, async (lab) => {
        id = lab.id;
        lab.spawn('a', ['sleep', '600']);
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.ok(id);
    assert.deepEqual(listNamespaces().filter((n) => n.startsWith(`${id}-`)), []);
  });

  for (const [how, signal] of [['exit', undefined], ['throw', undefined], ['wait', 'SIGTERM'], ['wait', 'SIGINT']] as const) {
    it(`a process that ${signal ? `gets ${signal}` : how === 'exit' ? 'calls process.exit' : 'dies of an uncaught exception'} leaves no namespace`, async () => {
      const { namespaces, code } = await runChild(how, signal);
      assert.equal(namespaces.length, 2);
      assert.notEqual(code, 0);
      const left = listNamespaces().filter((n) => namespaces.includes(n));
      assert.deepEqual(left, []);
    });
  }

  it('sweepStaleLabs removes namespaces whose creator is dead, and only those', async () => {
    const dead = spawn('true');
    await new Promise((r) => dead.on('close', r));
    const stale = `uts${dead.pid}-0-x`;
    const mine = `uts${process.pid}-999-keep`;
    runSync(['ip', 'netns', 'add', stale]);
    runSync(['ip', 'netns', 'add', mine]);
    try {
      const removed = sweepStaleLabs();
      assert.ok(removed.includes(stale));
      const names = listNamespaces();
      assert.equal(names.includes(stale), false);
      assert.equal(names.includes(mine), true);
    } finally {
      runSync(['ip', 'netns', 'del', stale]);
      runSync(['ip', 'netns', 'del', mine]);
    }
  });

  it('crash() cuts the cable and kills what runs in the host; the pinger measures the outage', async () => {
    await withLab({ hosts: ['a', 'b'], client: true }, async (lab) => {
      const pinger = await lab.startPinger('client', lab.host('a').addr, 5);
      await sleep(300);
      await lab.cutLink('a');
      await sleep(400);
      await lab.restoreLink('a');
      await sleep(300);
      const report = await pinger.stop();
      assert.ok(report.replies.length > 50, `only ${report.replies.length} replies`);
      assert.ok(report.longestGapMs >= 350 && report.longestGapMs < 1500, `gap ${report.longestGapMs} ms`);
      assert.equal(report.duplicates, 0);

      const victim = lab.spawn('a', ['sleep', '600']);
      await lab.crash('a');
      const status = await victim.exited;
      assert.equal(status.signal, 'SIGKILL');
      assert.equal(await lab.ping('client', lab.host('a').addr), false);
    });
  });

  it('netem: loss is emulated (tc netem where the kernel has it, a BPF filter otherwise); delay needs netem', async () => {
    await withLab({ hosts: ['a', 'b'] }, async (lab) => {
      // Resolve b's MAC first: with the loss on, a lost ARP request costs every ping until
      // the kernel's next ARP try, a second later, and the loss measured is no longer the emulated one.
      await lab.exec('a', ['ping', '-n', '-q', '-c', '1', '-W', '1', lab.host('b').addr]);
      const how = await lab.netem('a', 'loss 50%');
      const r = await lab.exec('a', ['ping', '-n', '-q', '-c', '300', '-i', '0.002', '-W', '1', lab.host('b').addr]);
      const loss = Number(/(\d+(?:\.\d+)?)% packet loss/.exec(r.stdout)?.[1]);
      // Only the echo requests cross A's side of the cable, so ping's loss is the emulated loss.
      assert.ok(loss > 30 && loss < 70, `loss ${loss}% with ${how}`);
      await lab.clearNetem('a');
      const clean = await lab.exec('a', ['ping', '-n', '-q', '-c', '100', '-i', '0.002', '-W', '1', lab.host('b').addr]);
      assert.match(clean.stdout, / 0% packet loss/);
      if (how === 'bpf-loss') await assert.rejects(lab.netem('a', 'loss 20% delay 10ms'), /no sch_netem/);
    });
  });
});
