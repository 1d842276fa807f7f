// tcp: and http(s): checks with node:net and node:http(s): no curl, no shell.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
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

export function httpProbe(url: string, timeoutMs: number): Promise<ProbeOutcome> {
  return bounded(timeoutMs, (done) => {
    const request = url.startsWith('https:') ? httpsRequest : httpRequest;
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
