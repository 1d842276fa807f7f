// A client of the lab's HTTP service: GET http://ADDR:PORT/ every INTERVAL ms (a fresh
// connection each time, as a new visitor's) and print each answer in ping -D's form, so
// test/lab/pinger.ts reads it: the gaps are what a user of the service saw, which a ping
// of the address alone cannot show (a master whose service died still answers pings).
import { request } from 'node:http';

const [addr, port, intervalText] = process.argv.slice(2);
const intervalMs = Number(intervalText);
let sent = 0;
let seq = 0;

function poll(): void {
  const n = ++seq;
  sent++;
  const req = request({ host: addr, port: Number(port), path: '/', agent: false, timeout: 200 }, (res) => {
    res.resume();
    if (res.statusCode === 200) process.stdout.write(`[${(Date.now() / 1000).toFixed(6)}] 3 bytes from ${addr}: icmp_seq=${n}\n`);
  });
  req.on('timeout', () => req.destroy());
  req.on('error', () => {});
  req.end();
}

process.stdout.write(`PING ${addr} (HTTP every ${intervalMs} ms)\n`);
const timer = setInterval(poll, intervalMs);
process.on('SIGINT', () => {
  clearInterval(timer);
  process.stdout.write(`\n${sent} packets transmitted\n`);
  process.exit(0);
});
