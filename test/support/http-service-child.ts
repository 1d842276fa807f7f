// The service a health check watches in the lab: a tiny HTTP server (node:http) on every
// address of its host, port from argv. Prints "listening" once it accepts connections.
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('ok\n');
}).listen(port, '0.0.0.0', () => process.stdout.write('listening\n'));
