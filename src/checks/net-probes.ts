// tcp: and http(s): checks with node:net and node:http(s): no curl, no shell.
import { request as httpRequest } from 'node:http';
import type * as Https from 'node:https';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { bounded, errorReason, type ProbeOutcome } from './outcome.js';

export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return bounded(timeoutMs, (done) => {
    const socket = connect({ host, port });
    socket.once('connect', () => done({ ok: true, reason: 'connected' }));
    socket.once('error', (e) => done({ ok: false, reason: `connect ${errorReason(e)}` }));
    return () => socket.destroy();
  });
}

// node:https brings TLS and OpenSSL's set-up: 1.1 MB resident (measured on an idle Node),
// so it is loaded at the first https: check, not by every daemon.
let https: typeof Https | undefined;
const httpsModule = (): typeof Https => (https ??= createRequire(import.meta.url)('node:https') as typeof Https);

export function httpProbe(url: string, timeoutMs: number): Promise<ProbeOutcome> {
  return bounded(timeoutMs, (done) => {
    const request = url.startsWith('https:') ? httpsModule().request : httpRequest;
    // No keep-alive agent: every probe is a fresh connection, as a new client's would be.
    const req = request(url, { agent: false, headers: { 'user-agent': 'ucarp-ts health check' } }, (res) => {
      const status = res.statusCode ?? 0;
      res.resume(); // the body is not needed: drain it
      done(status >= 200 && status < 400 ? { ok: true, reason: `HTTP ${status}` } : { ok: false, reason: `HTTP ${status}` });
    });
    req.once('error', (e) => done({ ok: false, reason: `connect ${errorReason(e)}` }));
    req.end();
    return () => req.destroy();
  });
}
