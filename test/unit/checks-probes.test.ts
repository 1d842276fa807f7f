// Each probe kind against real local things (loopback sockets, programs, /proc, files):
// what counts as healthy, and the reason a failure is logged with.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { CheckSpec, CheckTarget } from '../../src/config/check-spec.js';
import { runProbe } from '../../src/checks/probe.js';

const spec = (target: CheckTarget, o: Partial<CheckSpec> = {}): CheckSpec => ({ name: 'x', target, intervalMs: 1000, timeoutMs: 1000, rise: 2, fall: 2, weight: 0, ...o });
const probe = (target: CheckTarget, o: Partial<CheckSpec> = {}) => runProbe(spec(target, o), new AbortController().signal);
const listen = (server: Server | ReturnType<typeof createHttpServer>): Promise<number> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));

describe('health check probes', () => {
  const servers: { close(): void }[] = [];
  after(() => servers.forEach((s) => s.close()));

  it('tcp: accepted is healthy; refused says so', async () => {
    const server = createServer((c) => c.destroy());
    servers.push(server);
    const port = await listen(server);
    assert.deepEqual(await probe({ kind: 'tcp', host: '127.0.0.1', port }), { ok: true, reason: 'connected' });
    server.close();
    assert.deepEqual(await probe({ kind: 'tcp', host: '127.0.0.1', port }), { ok: false, reason: 'connect ECONNREFUSED' });
  });

  it('http: 2xx and 3xx are healthy, 5xx is not, a silent server times out', async () => {
    let status = 200;
    let hang = false;
    const server = createHttpServer((req, res) => {
      if (hang) return;
      res.writeHead(status, { location: '/' });
      res.end('x'.repeat(100_000));
    });
    servers.push(server);
    const port = await listen(server);
    const url = `http://127.0.0.1:${port}/health`;
    for (const [s, ok] of [[200, true], [302, true], [404, false], [503, false]] as const) {
      status = s;
      assert.deepEqual(await probe({ kind: 'http', url }), { ok, reason: `HTTP ${s}` });
    }
    hang = true;
    const t0 = performance.now();
    assert.deepEqual(await probe({ kind: 'http', url }, { timeoutMs: 300 }), { ok: false, reason: 'timed out after 0.3 s' });
    assert.ok(performance.now() - t0 < 1000);
    server.closeAllConnections();
  });

  it('https: speaks TLS (node:https is loaded at the first https: check)', async () => {
    // A plain HTTP server: a check that spoke plain HTTP would call it healthy.
    const server = createHttpServer((req, res) => res.end('ok'));
    servers.push(server);
    const port = await listen(server);
    assert.deepEqual(await probe({ kind: 'http', url: `http://127.0.0.1:${port}/` }), { ok: true, reason: 'HTTP 200' });
    const outcome = await probe({ kind: 'http', url: `https://127.0.0.1:${port}/` });
    assert.equal(outcome.ok, false);
    assert.match(outcome.reason, /^connect (EPROTO|ECONNRESET)/, outcome.reason);
    server.closeAllConnections();
  });

  it('exec: exit 0 is healthy; a status, a signal or a hang is a failure, and a hung group is killed whole', async () => {
    assert.deepEqual(await probe({ kind: 'exec', argv: ['/bin/true'] }), { ok: true, reason: 'exit status 0' });
    assert.deepEqual(await probe({ kind: 'exec', argv: ['/bin/sh', '-c', 'echo db down >&2; exit 3'] }), { ok: false, reason: 'exit status 3: db down' });
    assert.deepEqual(await probe({ kind: 'exec', argv: ['/bin/sh', '-c', 'kill -SEGV $$'] }), { ok: false, reason: 'killed by SIGSEGV' });
    const dir = mkdtempSync(join(tmpdir(), 'uts-check-'));
    const marker = join(dir, 'grandchild');
    const t0 = performance.now();
    // The grandchild would write the marker after 1.5 s unless the whole group dies at 0.3 s.
    const hung = await probe({ kind: 'exec', argv: ['/bin/sh', '-c', `(sleep 1.5; touch ${marker}) & sleep 30`] }, { timeoutMs: 300 });
    assert.deepEqual(hung, { ok: false, reason: 'timed out after 0.3 s' });
    assert.ok(performance.now() - t0 < 1000, 'answered at the timeout');
    await new Promise((r) => setTimeout(r, 1800));
    assert.equal(existsSync(marker), false, 'the grandchild was killed with its group');
  });

  it('exec: megabytes of output are drained, not kept', async () => {
    const before = process.memoryUsage().rss;
    const r = await probe({ kind: 'exec', argv: ['/usr/bin/head', '-c', '50000000', '/dev/zero'] }, { timeoutMs: 5000 });
    assert.deepEqual(r, { ok: true, reason: 'exit status 0' });
    assert.ok(process.memoryUsage().rss - before < 20e6, 'the output was not buffered');
  });

  it('process: found by its command name in /proc', async () => {
    assert.equal((await probe({ kind: 'process', name: 'node' })).ok, true);
    assert.deepEqual(await probe({ kind: 'process', name: 'no-such-proc' }), { ok: false, reason: 'no such process' });
  });

  it('file: 0 is healthy without a weight; with one, the value is reported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uts-check-'));
    const path = join(dir, 'prio');
    assert.equal((await probe({ kind: 'file', path })).reason, 'cannot read: ENOENT');
    writeFileSync(path, '0\n');
    assert.deepEqual(await probe({ kind: 'file', path }), { ok: true, reason: 'holds 0', value: 0 });
    writeFileSync(path, '-3\n');
    assert.deepEqual(await probe({ kind: 'file', path }), { ok: false, reason: 'holds -3', value: -3 });
    assert.deepEqual(await probe({ kind: 'file', path }, { weight: 10 }), { ok: true, reason: 'holds -3', value: -3 });
    writeFileSync(path, 'lots\n');
    assert.deepEqual(await probe({ kind: 'file', path }, { weight: 10 }), { ok: false, reason: 'does not hold an integer' });
  });

  it('interface: carrier, or why not', async () => {
    assert.deepEqual(await probe({ kind: 'interface', ifname: 'lo' }), { ok: true, reason: 'carrier' });
    assert.deepEqual(await probe({ kind: 'interface', ifname: 'nosuch9' }), { ok: false, reason: 'no such interface' });
  });
});
