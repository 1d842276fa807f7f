// The service a health check watches in the lab: a tiny HTTP server (node:http) on every
// address of its host, port from argv. Prints "listening" once it accepts connections, and
// a line per health-check request (path /health), so a test can time an event to a probe.
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
createServer((req, res) => {
  // Once the answer is out, so a kill that follows cannot spoil this probe.
  if (req.url === '/health') res.once('finish', () => process.stdout.write('probed\n'));
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('ok\n');
}).listen(port, '0.0.0.0', () => process.stdout.write('listening\n'));
