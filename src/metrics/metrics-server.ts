// GET /metrics over HTTP, and nothing else. Hardened so that no client can hold the
// daemon: small header limit, a few seconds to send a request, idle sockets closed,
// a handful of connections at once (more are dropped on accept), one request per
// connection. Rendering is a page of text from counters in memory, so a scrape never
// holds up an advertisement. Binding is done before the daemon starts: a taken port
// is a start-up error.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export const MAX_CONNECTIONS = 8;
const MAX_HEADER_BYTES = 4096;
const REQUEST_TIMEOUT_MS = 3000;
const IDLE_TIMEOUT_MS = 5000;
export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface MetricsServer {
  close(): void;
}

export function listenMetrics(host: string, port: number, render: () => string): Promise<MetricsServer> {
  const server: Server = createServer(
    {
      maxHeaderSize: MAX_HEADER_BYTES,
      headersTimeout: REQUEST_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      // The default checks time-outs every 30 s: a slow client would be held that long.
      connectionsCheckingInterval: 500,
      keepAlive: false,
    },
    (req, res) => answer(req, res, render),
  );
  server.maxConnections = MAX_CONNECTIONS;
  server.maxRequestsPerSocket = 1;
  server.timeout = IDLE_TIMEOUT_MS;
  server.keepAliveTimeout = 0;
  // A malformed request, an oversized header: answer 400/431 if the socket can still take it, then drop it.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (socket.writable && !socket.writableEnded) {
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    }
    socket.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject);
      server.on('error', () => {}); // accept errors (EMFILE) must not take the daemon down
      resolve({ close: () => server.close() });
    });
  });
}

function answer(req: IncomingMessage, res: ServerResponse, render: () => string): void {
  res.setHeader('Connection', 'close');
  const path = (req.url ?? '').split('?')[0];
  if (path !== '/metrics') return plain(res, 404, 'not found: only /metrics is served\n');
  if (req.method !== 'GET') {
    res.setHeader('Allow', 'GET');
    return plain(res, 405, 'method not allowed: only GET\n');
  }
  let body: string;
  try {
    body = render();
  } catch (e) {
    return plain(res, 500, `cannot render the metrics: ${e instanceof Error ? e.message : String(e)}\n`);
  }
  res.writeHead(200, { 'Content-Type': CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
