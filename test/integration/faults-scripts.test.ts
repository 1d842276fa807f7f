// Issue 6, hook scripts on the bad day, with real ucarp-ts processes in lab hosts: an
// upscript that is missing, not executable, failing or hanging is logged, a hung one
// is killed at its limit with its whole process group while the master keeps
// advertising, and state and address stay consistent. --xparam reaches the script as
// one literal argument (no shell) and the script never sees the password.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { nodeArgv, withLab, type Lab } from '../lab/lab.js';
import { requireLab, requireProgram } from '../lab/requirements.js';
import { run } from '../lab/run.js';
import { addressScripts, alive, CLI, PASS, sleep, startNode, until, type CarpNode } from './faults-helpers.js';

requireLab();
requireProgram('tcpdump', 'tcpdump');
requireProgram('pgrep', 'procps');

const SLACK_MS = 1500;

function script(lab: Lab, name: string, body: string, mode = 0o755): string {
  const path = join(lab.tmpDir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, mode);
  return path;
}

/** Processes in a process group, by pgrep (exit 1: none). */
async function groupMembers(pgid: number): Promise<number[]> {
  const r = await run(['pgrep', '-g', String(pgid)]);
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

/** Epoch ms of each packet in a pcap, from tcpdump -tt. */
async function packetTimes(pcapPath: string): Promise<number[]> {
  const r = await run(['tcpdump', '-tt', '-n', '-r', pcapPath], { timeoutMs: 30_000 });
  return r.stdout
    .split('\n')
    .filter((l) => /^\d+\.\d+ /.test(l))
    .map((l) => Math.round(Number(l.split(' ')[0]) * 1000));
}

describe('faults: hook scripts', () => {
  it('a missing or non-executable upscript is refused at start-up with one line and exit 66', async () => {
    await withLab({ hosts: ['a'] }, async (lab) => {
      const h = lab.host('a');
      const noExec = script(lab, 'no-exec.sh', 'exit 0', 0o644);
      for (const [up, why] of [[join(lab.tmpDir, 'missing.sh'), 'no such file'], [noExec, 'not executable']] as const) {
        const r = await lab.exec('a', nodeArgv(CLI, '-i', 'eth0', '-s', h.addr, '-v', '20', '-p', PASS, '-a', '10.77.0.210', '-u', up, '--facility=none'));
        assert.equal(r.code, 66, `${up}: ${r.stderr}`);
        const lines = r.stderr.trim().split('\n');
        assert.equal(lines.length, 1, r.stderr);
        assert.match(lines[0]!, new RegExp(`${why}`));
        assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      }
    });
  });

  it('upscripts that vanish, lose their execute bit or exit 1 once running: logged, the master stays MASTER and advertises', async (t) => {
    await withLab({ hosts: ['c', 'd', 'e', 'x'] }, async (lab) => {
      const { down } = addressScripts(lab);
      const cases = [
        { host: 'c', vhid: 22, up: script(lab, 'up-vanishes.sh', 'exit 0'), spoil: (p: string) => rmSync(p), log: /Unable to exec \S+up-vanishes\.sh: No such file or directory/ },
        { host: 'd', vhid: 23, up: script(lab, 'up-noexec.sh', 'exit 0'), spoil: (p: string) => chmodSync(p, 0o644), log: /Unable to exec \S+up-noexec\.sh: Permission denied/ },
        { host: 'e', vhid: 24, up: script(lab, 'up-fails.sh', 'exit 1'), spoil: () => {}, log: /up script \S+up-fails\.sh exited with status 1/ },
      ];
      const capture = await lab.tcpdump('x', 'ip proto 112');
      const nodes: CarpNode[] = cases.map((c) => startNode(lab, c.host, { vhid: c.vhid, vip: `10.77.0.${c.vhid + 200}`, upscript: c.up, downscript: down }));
      // BACKUP first (the start-up downscript ran); spoil the upscript before it is due.
      await Promise.all(nodes.map((n) => n.waitForState('BACKUP', 10_000)));
      cases.forEach((c) => c.spoil(c.up));
      await Promise.all(nodes.map((n) => n.waitForState('MASTER', 3200 + SLACK_MS + 2000)));
      await Promise.all(nodes.map((n, i) => n.proc.waitForOutput(cases[i]!.log, 5000)));
      const marks = nodes.map((n) => n.proc.mark());
      await sleep(3000);
      const lines = (await capture.stop()).lines;
      for (const [i, n] of nodes.entries()) {
        assert.deepEqual(n.transitions(marks[i]), [], `${n.host} stayed MASTER`);
        assert.match(await n.status(), /^MASTER on eth0 /);
        assert.ok(alive(n.pid), `${n.host} alive`);
        const adverts = lines.filter((l) => l.includes(`${lab.host(n.host).addr} > 224.0.0.18`)).length;
        t.diagnostic(`${n.host}: ${adverts} adverts; ${cases[i]!.log.source}`);
        assert.ok(adverts >= 3, `${n.host} sent ${adverts} adverts`);
        // The address was never added (the upscript did not run), and nobody else has it.
        assert.deepEqual(await lab.holders(`10.77.0.${cases[i]!.vhid + 200}`), []);
      }
    });
  });

  for (const variant of ['sleep', 'ignores SIGTERM'] as const) {
    it(`a hung upscript (${variant}) with --script-timeout 2: killed with its process group, adverts go on, backup stays BACKUP`, async (t) => {
      const VIP = '10.77.0.220';
      await withLab({ hosts: ['a', 'b'] }, async (lab) => {
        const pgidFile = join(lab.tmpDir, 'hang.pgid');
        const hang = script(
          lab,
          'up-hangs.sh',
          [
            variant === 'ignores SIGTERM' ? "trap '' TERM" : '',
            'ip addr add "$2/32" dev "$1"',
            `echo "$$ $(cut -d' ' -f5 /proc/$$/stat)" > ${pgidFile}`,
            'sleep 1000 &',
            'sleep 1000',
          ].join('\n'),
        );
        const capture = await lab.tcpdump('b', `ip proto 112 and src host ${lab.host('a').addr}`);
        const a = startNode(lab, 'a', { vhid: 21, vip: VIP, advskew: 0, upscript: hang, extra: ['--script-timeout=2'] });
        await a.waitForState('BACKUP', 10_000);
        const b = startNode(lab, 'b', { vhid: 21, vip: VIP, advskew: 50 });
        await b.waitForState('BACKUP', 10_000);
        await a.waitForState('MASTER', 3200 + SLACK_MS + 2000);
        const masterAt = Date.now();
        await until('the hung script to write its group', () => existsSync(pgidFile) && readFileSync(pgidFile, 'utf8').trim().split(' ').length === 2);
        const [pid, pgid] = readFileSync(pgidFile, 'utf8').trim().split(' ').map(Number) as [number, number];
        assert.equal(pid, pgid, 'the script leads its own process group');
        assert.ok((await groupMembers(pgid)).length >= 3, 'sh and two sleeps in the group while it hangs');

        await a.proc.waitForOutput(/up script \S+up-hangs\.sh still running after 2 s: killing its process group/, 2000 + SLACK_MS + 1000);
        const limitAt = Date.now();
        const signal = variant === 'sleep' ? 'SIGTERM' : 'SIGKILL';
        await a.proc.waitForOutput(new RegExp(`up script \\S+up-hangs\\.sh killed by ${signal} after \\d+ ms`), 2000 + SLACK_MS + 1000);
        const killedAt = Date.now();
        await until('the whole process group gone', async () => (await groupMembers(pgid)).length === 0, 3000);
        await sleep(1500);
        const times = (await packetTimes(capture.pcapPath)).filter((ms) => ms >= masterAt - 300);
        await capture.stop();
        const gaps = times.slice(1).map((ms, i) => ms - times[i]!);
        const during = times.filter((ms) => ms <= killedAt).length;
        t.diagnostic(`${variant}: limit hit ${limitAt - masterAt} ms after MASTER, killed (${signal}) after ${killedAt - masterAt} ms; ` +
          `${during} adverts from a while the script ran, largest gap ${Math.max(...gaps)} ms`);
        assert.ok(limitAt - masterAt >= 1500 && limitAt - masterAt <= 2000 + SLACK_MS, `limit after ${limitAt - masterAt} ms`);
        assert.ok(during >= Math.floor((killedAt - masterAt) / 1000), `only ${during} adverts in ${killedAt - masterAt} ms`);
        assert.ok(Math.max(...gaps) <= 1000 + 600, `an advert gap of ${Math.max(...gaps)} ms: ${JSON.stringify(gaps)}`);
        assert.deepEqual(b.transitions(), ['BACKUP'], 'b never took over');

        // Consistent afterwards: a is MASTER with the address (added before the hang), b
        // BACKUP without; and the script queue is not stuck: a demotion runs the downscript.
        assert.match(await a.status(), /^MASTER on eth0 id 21 /);
        assert.deepEqual(await lab.holders(VIP), ['a']);
        const bMark = b.proc.mark();
        a.proc.kill('SIGUSR2');
        await b.waitForState('MASTER', 3000, bMark);
        await until('the address to move to b', async () => (await lab.holders(VIP)).join() === 'b', 5000);
        assert.equal(a.state(), 'BACKUP');
        assert.ok(alive(a.pid) && alive(b.pid));
      });
    });
  }

  it('--xparam with shell metacharacters arrives as one literal argument; scripts never see the password', async () => {
    await withLab({ hosts: ['f', 'g'] }, async (lab) => {
      const dump = (name: string): string =>
        script(lab, name, `d=${lab.tmpDir}/$UCARP_SRCIP-$UCARP_STATE\n{ echo "$#"; for a in "$@"; do printf '[%s]\\n' "$a"; done; } > "$d.args"\nenv > "$d.env"\nip addr ${name.startsWith('up') ? 'add' : 'del'} "$2/32" dev "$1" 2>/dev/null\nexit 0`);
      const up = dump('up-dump.sh');
      const down = dump('down-dump.sh');
      const canary = join(lab.tmpDir, 'pwned');
      const xparam = `one two; touch ${canary} $(touch ${canary}2) \`touch ${canary}3\` | & > < * ? ' " \\ $HOME %s`;
      const secretArg = 'Arg-s3cret-pw';
      const secretEnv = 'Env-s3cret-pw';
      const common = (host: string): string[] => [
        '-i', 'eth0', '-s', lab.host(host).addr, '-a', `10.77.0.${host === 'f' ? 225 : 226}`, '-u', up, '-d', down, `--xparam=${xparam}`, '--facility=none',
      ];
      // f gets the password on the command line, g from UCARP_PASS in its environment.
      const f = lab.spawn('f', nodeArgv(CLI, ...common('f'), '-v', '25', '-p', secretArg));
      const g = lab.spawn('g', nodeArgv(CLI, ...common('g'), '-v', '26'), { env: { ...process.env, UCARP_PASS: secretEnv } });
      await Promise.all([f, g].map((p) => p.waitForOutput(/Switching to state: MASTER/, 3200 + SLACK_MS + 3000)));
      for (const [host, secret] of [['f', secretArg], ['g', secretEnv]] as const) {
        for (const state of ['BACKUP', 'MASTER']) {
          const base = join(lab.tmpDir, `${lab.host(host).addr}-${state}`);
          await until(`${host}'s ${state} script output`, () => existsSync(`${base}.env`), 5000);
          const args = readFileSync(`${base}.args`, 'utf8');
          assert.equal(args, `3\n[eth0]\n[10.77.0.${host === 'f' ? 225 : 226}]\n[${xparam}]\n`, `${host} ${state}`);
          const env = readFileSync(`${base}.env`, 'utf8');
          assert.ok(!env.includes(secret), `${host} ${state}: the password is in the script's environment`);
          assert.doesNotMatch(env, /^[^=]*PASS[^=]*=/im, `${host} ${state}: a *PASS* variable`);
          assert.match(env, new RegExp(`^UCARP_XPARAM=${xparam.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
        }
      }
      for (const suffix of ['', '2', '3']) assert.ok(!existsSync(canary + suffix), `a shell ran the xparam (${canary}${suffix} exists)`);
    });
  });

  it('a script that every user may write (mode 777) draws a warning at start-up', async () => {
    await withLab({ hosts: ['a'] }, async (lab) => {
      const up = script(lab, 'up-777.sh', 'exit 0', 0o777);
      chmodSync(up, 0o777); // writeFileSync's mode is masked by the umask
      const { down } = addressScripts(lab);
      const n = startNode(lab, 'a', { vhid: 27, vip: '10.77.0.227', upscript: up, downscript: down });
      await n.waitForState('BACKUP', 10_000);
      await sleep(300);
      const warning = n.log.split('\n').find((l) => l.includes(up) && /any user|writable/i.test(l));
      assert.ok(warning, `no warning about ${up} in:\n${n.log}`);
      assert.match(warning, /\[WARNING\]/);
      // A 755 script, the control: no such warning.
      assert.ok(!n.log.split('\n').some((l) => l.includes(down) && /any user|writable/i.test(l)), n.log);
    });
  });
});
