// Run inside a lab host: prints what interface-info reports, as JSON.
import { firstNonLoopbackInterface, interfaceExists, readInterface } from '../../src/net/interface-info.js';

const name = process.argv[2] ?? 'eth0';
const info = readInterface(name);
process.stdout.write(
  JSON.stringify({
    exists: interfaceExists(name),
    info: info && {
      name: info.name,
      ifindex: info.ifindex,
      mac: [...info.mac].map((b) => b.toString(16).padStart(2, '0')).join(':'),
      running: info.running,
      ipv4: info.ipv4,
    },
    first: firstNonLoopbackInterface() ?? null,
  }) + '\n',
);
