// Runs inside a lab host: HTTP requests to a daemon's metrics port, printed as one JSON
// line. `get URL [METHOD]` makes one request; `abuse HOST PORT SECONDS` throws garbage,
// oversized headers, slowloris clients and a crowd of idle connections at it and says
// how the server answered each.
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function get(url: string, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Sends raw bytes, then reads until the server closes; the first line of the answer and how long it took. */
function raw(host: string, port: number, data: Buffer | string, holdMs = 0): Promise<{ first: string; closedAfterMs: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const sock: Socket = connect(port, host);
    let got = '';
    sock.on('connect', () => {
      sock.write(data);
      if (holdMs) setTimeout(() => sock.end(), holdMs);
    });
    sock.setEncoding('utf8').on('data', (d: string) => (got += d));
    const done = (): void => resolve({ first: got.split('\r\n')[0] ?? '', closedAfterMs: Date.now() - t0 });
    sock.on('close', done);
    sock.on('error', () => {});
  });
}

/** A slowloris client: a header byte every stepMs; how long until the server hangs up. */
function slowloris(host: string, port: number, stepMs: number, maxMs: number): Promise<{ first: string; closedAfterMs: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const sock = connect(port, host);
    const text = 'GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(10_000);
    let i = 0;
    let got = '';
    const timer = setInterval(() => {
      if (Date.now() - t0 > maxMs) sock.destroy();
      else if (!sock.destroyed) sock.write(text[i++ % text.length]!);
    }, stepMs);
    sock.setEncoding('utf8').on('data', (d: string) => (got += d));
    sock.on('close', () => {
      clearInterval(timer);
      resolve({ first: got.split('\r\n')[0] ?? '', closedAfterMs: Date.now() - t0 });
    });
    sock.on('error', () => {});
  });
}

async function abuse(host: string, port: number, seconds: number): Promise<Record<string, unknown>> {
  const url = `http://${host}:${port}`;
  const end = Date.now() + seconds * 1000;
  const result: Record<string, unknown> = {};
  result.notFound = (await get(`${url}/`)).status;
  result.wrongMethod = (await get(`${url}/metrics`, 'POST')).status;
  result.garbage = await raw(host, port, Buffer.from('\x00\xff garbage \r\n\r\n'.repeat(20), 'latin1'));
  result.hugeHeader = await raw(host, port, `GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(64 * 1024)}\r\n\r\n`);
  result.silent = await raw(host, port, '', 0);
  let rounds = 0;
  const slow: Promise<{ first: string; closedAfterMs: number }>[] = [];
  while (Date.now() < end) {
    rounds++;
    // A crowd of slow clients, more than the server takes at once, and garbage alongside.
    for (let i = 0; i < 20; i++) slow.push(slowloris(host, port, 200, 20_000));
    await Promise.all(Array.from({ length: 20 }, () => raw(host, port, 'NOT HTTP AT ALL\r\n\r\n')));
    await Promise.all(Array.from({ length: 5 }, () => raw(host, port, `GET /metrics HTTP/1.1\r\n${'X-A: b\r\n'.repeat(2000)}\r\n`)));
    await sleep(300);
  }
  const slowDone = await Promise.all(slow);
  result.rounds = rounds;
  result.slowlorisLongestMs = Math.max(...slowDone.map((s) => s.closedAfterMs));
  result.slowlorisCount = slowDone.length;
  await sleep(500);
  const after = await get(`${url}/metrics`);
  result.afterStatus = after.status;
  return result;
}

const [mode, ...args] = process.argv.slice(2);
try {
  if (mode === 'get') console.log(JSON.stringify(await get(args[0]!, args[1])));
  else if (mode === 'abuse') console.log(JSON.stringify(await abuse(args[0]!, Number(args[1]), Number(args[2]))));
  else throw new Error(`usage: http-probe get URL [METHOD] | abuse HOST PORT SECONDS`);
} catch (e) {
  console.log(JSON.stringify({ error: e instanceof Error ? e.message : String(e) }));
  process.exitCode = 1;
}
