// Run inside a lab host: sends Ethernet frames (hex on the command line)
// through the packet socket, and reports the result as JSON.
import { parseArgs } from 'node:util';
import { readInterface } from '../../src/net/interface-info.js';
import { openPacketSocket } from '../../src/net/packet-socket.js';

const { values } = parseArgs({
  options: {
    ifname: { type: 'string', default: 'eth0' },
    hex: { type: 'string', multiple: true, default: [] },
    ifindex: { type: 'string' },
    'close-first': { type: 'boolean', default: false },
  },
});

const info = readInterface(values.ifname!);
const ifindex = values.ifindex !== undefined ? Number(values.ifindex) : info?.ifindex;
try {
  if (ifindex === undefined) throw new Error(`no interface ${values.ifname}`);
  const sock = openPacketSocket(ifindex);
  let sent = 0;
  if (values['close-first']) sock.close();
  try {
    for (const hex of values.hex!) {
      sock.send(Buffer.from(hex, 'hex'));
      sent++;
    }
  } finally {
    sock.close();
  }
  process.stdout.write(JSON.stringify({ ok: true, sent }) + '\n');
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  process.stdout.write(JSON.stringify({ ok: false, message: err.message, code: err.code }) + '\n');
}
