// `npm run demo` end to end (its program, without the setup step): the story it
// tells, the outages it measures, and no namespace left, also after a Ctrl-C.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { listNamespaces } from '../lab/cleanup.js';
import { requireLab } from '../lab/requirements.js';

requireLab();

const DEMO = fileURLToPath(new URL('../../scripts/demo.js', import.meta.url));

interface Run {
  code: number | null;
  output: string;
  pid: number;
}

function runDemo(interruptWhen?: RegExp): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--enable-source-maps', DEMO], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let interrupted = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    const onData = (d: Buffer) => {
      output += d.toString('utf8');
      if (interruptWhen && !interrupted && interruptWhen.test(output)) {
        interrupted = true;
        child.kill('SIGINT'); // what Ctrl-C delivers
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, pid: child.pid! });
    });
  });
}

const leftBy = (pid: number) => listNamespaces().filter((n) => n.startsWith(`uts${pid}-`));

describe('the demo', () => {
  it('fails the master over twice, reports both outages, and removes its lab', async (t) => {
    const started = Date.now();
    const r = await runDemo();
    const seconds = (Date.now() - started) / 1000;
    assert.equal(r.code, 0, r.output);
    for (const step of [
      /alpha: Switching to state: MASTER/,
      /ip addr on alpha: 10\.77\.0\.11\/24 +10\.77\.0\.50\/24 +<- holds the virtual address/,
      /the client pings 10\.77\.0\.50 every 5 ms/,
      /alpha dies: its cable is cut/,
      /bravo: Switching to state: MASTER/,
      /client's ARP entry for 10\.77\.0\.50: 02:77:00:00:00:0c \(bravo\)/,
      /graceful handover: SIGTERM to bravo/,
      /client's ARP entry for 10\.77\.0\.50: 02:77:00:00:00:0b \(alpha\)/,
      /Lab removed: no namespace left/,
    ]) {
      assert.match(r.output, step);
    }
    const crash = Number(/master host died \(link down \+ SIGKILL\): +(\d+) ms/.exec(r.output)?.[1]);
    const graceful = Number(/graceful stop of the master \(SIGTERM\): +(\d+) ms/.exec(r.output)?.[1]);
    t.diagnostic(`outage: crash ${crash} ms, graceful ${graceful} ms; demo ${seconds.toFixed(1)} s`);
    // Dead master: 3 advertisements of 1 s missed (3.2 s for advskew 50) from the last one heard.
    assert.ok(crash >= 1800 && crash <= 4000, `crash outage ${crash} ms`);
    // Bow-out: the backup takes over at once.
    assert.ok(graceful > 0 && graceful < 1000, `graceful outage ${graceful} ms`);
    assert.ok(seconds < 40, `took ${seconds} s`);
    assert.deepEqual(leftBy(r.pid), []);
  });

  it('on Ctrl-C in the middle, it says so, removes everything and exits 130', async () => {
    const r = await runDemo(/alpha dies/);
    assert.equal(r.code, 130, r.output);
    assert.match(r.output, /Interrupted: removing the lab\./);
    assert.deepEqual(leftBy(r.pid), []);
  });
});
