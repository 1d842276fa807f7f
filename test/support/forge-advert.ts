// Run inside a lab host: sends --count well-formed adverts for --vrid with a forged
// source (--src), to --dst, with the TTL given (--ttl), then prints {"sent":N}: VRRPv3
// at priority 255, or (--protocol=carp) CARP at advskew 0 signed with --pass. For the
// refusal checks of routed elections (--peer, --peer-min-ttl): every field is right
// except who sent it or how far it came. IPv6 (VRRPv3 only): the kernel would not send
// from a forged source, so the whole frame goes out through the packet socket to
// --dst-mac, with --ttl as its hop limit.
import { parseArgs } from 'node:util';
import { ipFamily, parseIp, type IpAddress } from '../../src/core/ip-address.js';
import { encodeIpv4Packet, KEEPALIVED_TOS, UCARP_TOS } from '../../src/core/packets/ipv4-header.js';
import { createCarpAuth, encodeCarp } from '../../src/core/packets/carp.js';
import { encodeEthernetFrame, ETHERTYPE_IPV6 } from '../../src/core/packets/ethernet.js';
import { encodeIpv6Packet, NEXT_HEADER_VRRP } from '../../src/core/packets/ipv6-header.js';
import { encodeVrrp } from '../../src/core/packets/vrrp.js';
import { openAdvertSocket } from '../../src/net/advert-socket.js';
import { readInterface } from '../../src/net/interface-info.js';
import { openPacketSocket } from '../../src/net/packet-socket.js';
import { VRRP6_TRAFFIC_CLASS } from '../../src/net/advert-socket6.js';

if (process.argv.length <= 2) {
  process.stdout.write('forge-advert: a lab helper; see test/integration/bgp-anycast.test.ts\n');
  process.exit(0);
}

const { values } = parseArgs({
  options: {
    protocol: { type: 'string', default: 'vrrp3' },
    pass: { type: 'string' },
    ifname: { type: 'string', default: 'eth0' },
    local: { type: 'string' },
    src: { type: 'string' },
    dst: { type: 'string' },
    'dst-mac': { type: 'string' },
    ttl: { type: 'string', default: '255' },
    vrid: { type: 'string' },
    addr: { type: 'string', multiple: true, default: [] },
    'interval-cs': { type: 'string', default: '10' },
    count: { type: 'string', default: '5' },
  },
});
const ip = (name: string, text: string | undefined): IpAddress => {
  const a = text === undefined ? undefined : parseIp(text);
  if (a === undefined) throw new Error(`--${name} needs an IP address`);
  return a;
};
const src = ip('src', values.src);
const dst = ip('dst', values.dst);
const vrid = Number(values.vrid);
const addrs = values.addr!.map((a) => ip('addr', a));
const carp = values.protocol === 'carp';
if (!carp && values.protocol !== 'vrrp3') throw new Error('--protocol must be carp or vrrp3');
if (carp && values.pass === undefined) throw new Error('--protocol=carp needs --pass');
const payload = carp
  ? encodeCarp({ vhid: vrid, advbase: 1, advskew: 0, counter: BigInt(Date.now()) << 20n }, createCarpAuth(Buffer.from(values.pass!), vrid, addrs))
  : encodeVrrp({ version: 3, vrid, priority: 255, intervalCs: Number(values['interval-cs']), addrs, password: null }, { src, dst });
const sender = ((): { send(): Promise<void>; close(): void } => {
  if (ipFamily(src) === 4) {
    const sock = openAdvertSocket({ ifname: values.ifname!, srcip: ip('local', values.local), group: parseIp('224.0.0.18')! });
    const packet = encodeIpv4Packet({ src, dst, ttl: Number(values.ttl), tos: carp ? UCARP_TOS : KEEPALIVED_TOS }, payload);
    return { send: () => sock.send(packet, dst), close: () => sock.close() };
  }
  if (carp) throw new Error('CARP has no IPv6');
  const link = readInterface(values.ifname!);
  if (!link) throw new Error(`no interface ${values.ifname}`);
  const dstMac = Buffer.from((values['dst-mac'] ?? '').replaceAll(':', ''), 'hex');
  if (dstMac.length !== 6) throw new Error('IPv6 needs --dst-mac');
  const sock = openPacketSocket(link.ifindex);
  const ipPacket = encodeIpv6Packet({ src, dst, nextHeader: NEXT_HEADER_VRRP, hopLimit: Number(values.ttl), trafficClass: VRRP6_TRAFFIC_CLASS }, payload);
  const frame = encodeEthernetFrame(dstMac, link.mac, ETHERTYPE_IPV6, ipPacket);
  return { send: async () => sock.send(frame), close: () => sock.close() };
})();
let sent = 0;
for (let i = 0; i < Number(values.count); i++) {
  await sender.send();
  sent++;
  await new Promise((r) => setTimeout(r, 20));
}
sender.close();
process.stdout.write(`${JSON.stringify({ sent })}\n`);
