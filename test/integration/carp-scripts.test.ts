// The up/down scripts as a ucarp user's scripts see them, in lab namespaces: the
// arguments `interface vip [xparam]` exactly as ucarp 1.5.2 passes them (an xparam with
// spaces and shell metacharacters arrives as one literal argument), the UCARP_*
// environment without the password, and the log lines operators grep for.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { withLab } from '../lab/lab.js';
import { requireLab } from '../lab/requirements.js';
import { DEFAULT_PASSWORD, startCarp, ucarpAvailable, waitForHolders, type CarpNode, type ScriptCall } from '../support/carp-lab.js';

requireLab();
ucarpAvailable();

function assertNoPassword(calls: ScriptCall[]): void {
  for (const c of calls) {
    for (const [k, v] of Object.entries(c.env)) {
      assert.doesNotMatch(k, /PASS/i, `${c.script} script got ${k}`);
      assert.ok(!v.includes(DEFAULT_PASSWORD), `${c.script} script got the password in ${k}`);
    }
  }
}

/** The "Spawning [...]" line for a script, the shape ucarp prints. */
const spawning = (node: CarpNode, which: 'up' | 'down', args: string[]): string => `Spawning [${[node.scripts[which], ...args].join(' ')}]`;

describe('CARP hook scripts', () => {
  it('get `interface vip xparam` as ucarp passes them, the UCARP_* environment and never the password; the log says so', async () => {
    await withLab({ hosts: ['t', 'u'] }, async (lab) => {
      const marker = join(lab.tmpDir, 'a-shell-ran');
      // Each of these would do something if a shell ever saw it.
      const XPARAM = `two words; touch ${marker} $(touch ${marker}) \`touch ${marker}\` & "dq" 'sq' | * > ${marker} $HOME \\`;
      const VIPS = { ts: '10.77.0.201', ucarp: '10.77.0.202', plain: '10.77.0.203' };
      // Three virtual hosts, each alone in its vhid, so each becomes MASTER.
      const ts = startCarp(lab, 't', 'ucarp-ts', { vip: VIPS.ts, vhid: 11, xparam: XPARAM, env: { FROM_THE_CALLER: 'x' } });
      const ucarp = startCarp(lab, 'u', 'ucarp', { vip: VIPS.ucarp, vhid: 12, xparam: XPARAM });
      const plain = startCarp(lab, 't', 'ucarp-ts', { vip: VIPS.plain, vhid: 13, passwordVia: 'env' });
      await Promise.all([ts, ucarp, plain].map((n) => n.waitForState('MASTER', n.masterDownMs + 5000)));
      await Promise.all([waitForHolders(lab, VIPS.ts, ['t']), waitForHolders(lab, VIPS.ucarp, ['u']), waitForHolders(lab, VIPS.plain, ['t'])]);

      // ucarp's arguments are the reference; ucarp-ts passes the very same.
      const ucarpCalls = ucarp.scriptCalls();
      assert.deepEqual(ucarpCalls.map((c) => [c.script, c.args]), [['down', ['eth0', VIPS.ucarp, XPARAM]], ['up', ['eth0', VIPS.ucarp, XPARAM]]]);
      const tsCalls = ts.scriptCalls();
      assert.deepEqual(tsCalls.map((c) => [c.script, c.args]), [['down', ['eth0', VIPS.ts, XPARAM]], ['up', ['eth0', VIPS.ts, XPARAM]]]);
      assert.deepEqual(plain.scriptCalls().map((c) => [c.script, c.args]), [['down', ['eth0', VIPS.plain]], ['up', ['eth0', VIPS.plain]]]);
      assert.equal(existsSync(marker), false, 'no shell interpreted the xparam');

      for (const [call, state] of [[tsCalls[0]!, 'BACKUP'], [tsCalls[1]!, 'MASTER']] as const) {
        assert.equal(call.env.UCARP_STATE, state);
        assert.equal(call.env.UCARP_VHID, '11');
        assert.equal(call.env.UCARP_INTERFACE, 'eth0');
        assert.equal(call.env.UCARP_ADDR, VIPS.ts);
        assert.equal(call.env.UCARP_XPARAM, XPARAM);
        assert.equal(call.env.FROM_THE_CALLER, undefined, 'a clean environment, not the daemon’s');
      }
      assert.equal(plain.scriptCalls()[1]!.env.UCARP_VHID, '13');
      assertNoPassword(tsCalls);
      assertNoPassword(plain.scriptCalls()); // given as UCARP_PASS, still not passed on

      for (const node of [ts, ucarp]) {
        const vip = node === ts ? VIPS.ts : VIPS.ucarp;
        const out = node.process.output;
        assert.ok(out.includes(spawning(node, 'down', ['eth0', vip, XPARAM])), `${node.name}: ${out}`);
        assert.ok(out.includes(spawning(node, 'up', ['eth0', vip, XPARAM])), `${node.name}: ${out}`);
        assert.match(out, /\[WARNING\] Switching to state: BACKUP\n/);
        assert.match(out, /\[WARNING\] Switching to state: MASTER\n/);
      }
      assert.ok(plain.process.output.includes(spawning(plain, 'up', ['eth0', VIPS.plain])));

      // --shutdown: a stopped MASTER runs its downscript (state BACKUP), then exits 0.
      const stopped = await ts.stop('SIGTERM');
      assert.deepEqual(stopped, { code: 0, signal: null });
      const last = ts.scriptCalls().at(-1)!;
      assert.deepEqual([last.script, last.args, last.env.UCARP_STATE], ['down', ['eth0', VIPS.ts, XPARAM], 'BACKUP']);
      await waitForHolders(lab, VIPS.ts, []);
    });
  });
});
