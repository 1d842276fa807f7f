// keepalived's vrrp_script for the benchmark's service row: exits 0 when the local
// service answers 2xx/3xx within the timeout, as ucarp-ts's http: check judges it.
import { get } from 'node:http';

const [url, timeoutText] = process.argv.slice(2);
const req = get(url!, { agent: false, timeout: Number(timeoutText ?? 1000) }, (res) => {
  res.resume();
  const s = res.statusCode ?? 0;
  process.exit(s >= 200 && s < 400 ? 0 : 1);
});
req.on('timeout', () => process.exit(1));
req.on('error', () => process.exit(1));
