// Run inside a lab host: sends --count well-formed VRRPv3 adverts for --vrid with a
// forged source (--src), to --dst, with the TTL given (--ttl), at priority 255, then
// prints {"sent":N}. For the refusal checks of routed elections (--peer, --peer-min-ttl):
// every field is right except who sent it or how far it came.
import { parseArgs } from 'node:util';
import { parseIp, type IpAddress } from '../../src/core/ip-address.js';
import { encodeIpv4Packet, KEEPALIVED_TOS } from '../../src/core/packets/ipv4-header.js';
import { encodeVrrp } from '../../src/core/packets/vrrp.js';
import { openAdvertSocket } from '../../src/net/advert-socket.js';

if (process.argv.length <= 2) {
  process.stdout.write('forge-vrrp: a lab helper; see test/integration/bgp-anycast.test.ts\n');
  process.exit(0);
}

const { values } = parseArgs({
  options: {
    ifname: { type: 'string', default: 'eth0' },
    local: { type: 'string' },
    src: { type: 'string' },
    dst: { type: 'string' },
    ttl: { type: 'string', default: '255' },
    vrid: { type: 'string' },
    addr: { type: 'string', multiple: true, default: [] },
    'interval-cs': { type: 'string', default: '10' },
    count: { type: 'string', default: '5' },
  },
});
const ip = (name: string, text: string | undefined): IpAddress => {
  const a = text === undefined ? undefined : parseIp(text);
  if (a === undefined) throw new Error(`--${name} needs an IPv4 address`);
  return a;
};
const src = ip('src', values.src);
const dst = ip('dst', values.dst);
const sock = openAdvertSocket({ ifname: values.ifname!, srcip: ip('local', values.local), group: parseIp('224.0.0.18')! });
const payload = encodeVrrp(
  { version: 3, vrid: Number(values.vrid), priority: 255, intervalCs: Number(values['interval-cs']), addrs: values.addr!.map((a) => ip('addr', a)), password: null },
  { src, dst },
);
let sent = 0;
for (let i = 0; i < Number(values.count); i++) {
  await sock.send(encodeIpv4Packet({ src, dst, ttl: Number(values.ttl), tos: KEEPALIVED_TOS }, payload), dst);
  sent++;
  await new Promise((r) => setTimeout(r, 20));
}
sock.close();
process.stdout.write(`${JSON.stringify({ sent })}\n`);
