// The routed pair of issue 15, for the lab test and the benchmark: two hosts on different
// subnets behind one router running FRR bgpd (and zebra), each host with its own BGP
// speaker (FRR, or BIRD 2) and ucarp-ts (VRRPv3 or CARP, --peer the other host,
// --peer-min-ttl, --no-announce) running the speaker's example scripts
// (examples/bgp-anycast or examples/bgp-anycast-bird), which put the address on lo and announce it.
// IPv4, or IPv6 (VRRPv3 from the hosts' global addresses, BGP sessions over IPv6, a /128).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBird } from '../lab/bird.js';
import { startFrr, waitForBgpNextHops, type Frr } from '../lab/frr.js';
import { nodeArgv, type Lab, type LabHost, type LabOptions, type LabProcess } from '../lab/lab.js';
import { UCARP_TS_CLI } from './keepalived-lab.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));
export const BGP_VRID = 15;
const ROUTER_ASN = 65000;
const HOSTS = { a: { asn: 65001 }, b: { asn: 65002 } } as const;
export type BgpHost = keyof typeof HOSTS;
/** One router between the hosts: their adverts arrive with TTL 254. */
export const BGP_MIN_TTL = 254;

export type BgpProtocol = 'vrrp3' | 'carp';
/** The election each host runs: a is preferred, b is its backup. */
export interface BgpElection {
  protocol: BgpProtocol;
  /** Named in reports, e.g. 'VRRPv3 100 ms'. */
  label: string;
  /** How long a backup waits for a silent master. */
  masterDownMs: number;
  /** ucarp-ts's options for a host (forge-advert takes the same --pass). */
  options(h: BgpHost): string[];
}
const CARP_PASS = 'routed';
export const BGP_ELECTIONS: Record<BgpProtocol, BgpElection> = {
  vrrp3: {
    protocol: 'vrrp3',
    label: 'VRRPv3 100 ms',
    masterDownMs: 360,
    options: (h) => ['--protocol=vrrp3', `--priority=${h === 'a' ? 150 : 100}`, '--advbase=0.1'],
  },
  // ucarp's whole seconds: b waits 3 x 1 s + 50/256 s (advbase x deadratio + advskew).
  carp: {
    protocol: 'carp',
    label: 'CARP advbase 1',
    masterDownMs: 3200,
    options: (h) => ['--protocol=carp', `--pass=${CARP_PASS}`, '--advbase=1', `--advskew=${h === 'a' ? 0 : 50}`],
  },
};
/** The lab's short BGP timers, named in reports: keepalive 1 s, hold 3 s, connect retry 1 s. */
export const BGP_TIMERS = 'BGP keepalive 1 s, hold 3 s';

export type BgpFamily = 4 | 6;
/** What differs between the IPv4 and the IPv6 pair: the service address and which lab addresses carry everything. */
export interface BgpNet {
  family: BgpFamily;
  /** The service address, and its route (/32 or /128). */
  vip: string;
  prefix: string;
  lab: LabOptions;
  /** A host's own address (its --srcip, its BGP session's end), and its router's. */
  addr(h: LabHost): string;
  gateway(h: LabHost): string;
}
const LAB_HOSTS = { hosts: ['a', 'b'], client: true, routed: true, subnet: '10.81.0' };
export const BGP_NETS: Record<BgpFamily, BgpNet> = {
  4: { family: 4, vip: '10.81.100.1', prefix: '10.81.100.1/32', lab: LAB_HOSTS, addr: (h) => h.addr, gateway: (h) => h.gateway! },
  // Routers do not forward link-local sources: the hosts' global addresses (the lab's fd77:<k>::11).
  6: { family: 6, vip: 'fd81:100::1', prefix: 'fd81:100::1/128', lab: { ...LAB_HOSTS, ipv6: true }, addr: (h) => h.addr6!, gateway: (h) => h.gateway6! },
};

/** FRR neighbour lines for a session in the net's family only (an IPv6 session carries no IPv4 routes). */
function frrNeighbour(net: BgpNet, peer: string, asn: number): { session: string; families: string } {
  const session = ` neighbor ${peer} remote-as ${asn}\n neighbor ${peer} timers 1 3\n neighbor ${peer} timers connect 1\n`;
  const families = net.family === 4 ? '' : ` address-family ipv4 unicast\n  no neighbor ${peer} activate\n exit-address-family\n` +
    ` address-family ipv6 unicast\n  neighbor ${peer} activate\n exit-address-family\n`;
  return { session, families };
}

function frrConf(asn: number, routerId: string, neighbours: { session: string; families: string }[]): string {
  return `frr defaults datacenter\nrouter bgp ${asn}\n bgp router-id ${routerId}\n no bgp ebgp-requires-policy\n` +
    `${neighbours.map((n) => n.session).join('')}${neighbours.map((n) => n.families).join('')}!\n`;
}

function routerConf(lab: Lab, net: BgpNet): string {
  return frrConf(ROUTER_ASN, '10.81.0.1', (Object.keys(HOSTS) as BgpHost[]).map((h) => frrNeighbour(net, net.addr(lab.host(h)), HOSTS[h].asn)));
}

function frrHostConf(lab: Lab, net: BgpNet, h: BgpHost): string {
  const host = lab.host(h);
  return frrConf(HOSTS[h].asn, host.addr, [frrNeighbour(net, net.gateway(host), ROUTER_ASN)]);
}

/**
 * examples/bgp-anycast-bird/bird-host-a.conf itself, for host h, logging to stderr (the lab
 * process output), with only the net's family: the other family's protocols (those with
 * an ipv4 or ipv6 channel) are left out, as the example tells an operator to.
 */
function birdHostConf(lab: Lab, net: BgpNet, h: BgpHost): string {
  const host = lab.host(h);
  const other = new RegExp(`^\\s+${net.family === 4 ? 'ipv6' : 'ipv4'}\\b`, 'm');
  const example = readFileSync(`${EXAMPLES}bgp-anycast-bird/bird-host-a.conf`, 'utf8');
  // Top-level blocks end with a "}" in column 0; a channel's own block is indented.
  const oneFamily = example.replace(/^protocol [^\n]*\{\n[\s\S]*?^\}\n/gm, (block) => (other.test(block) ? '' : block));
  assert.notEqual(oneFamily, example, `bird-host-a.conf has no protocol for ${other}`);
  const edits: [RegExp, string][] = [
    [/^log .*;$/m, 'log stderr all;'],
    [/^router id .*;$/m, `router id ${host.addr};`],
    [/^( *route ).* blackhole;$/m, `$1${net.prefix} blackhole;`],
    [/^( *local ).* as \d+;$/m, `$1${net.addr(host)} as ${HOSTS[h].asn};`],
    [/^( *neighbor ).* as \d+;$/m, `$1${net.gateway(host)} as ${ROUTER_ASN};`],
  ];
  return edits.reduce((conf, [re, to]) => {
    assert.match(conf, re, `bird-host-a.conf has no line for ${re}`);
    return conf.replace(re, to);
  }, oneFamily);
}

export type BgpSpeaker = 'frr' | 'bird';
/** A host's BGP speaker as its ucarp-ts scripts see it. */
export interface HostSpeaker {
  /** The scripts' xparam: the FRR instance, or BIRD's control socket. */
  xparam: string;
  /** Its view of the BGP sessions and routes, for diagnostics. */
  show(): Promise<string>;
}
const SCRIPTS: Record<BgpSpeaker, { up: string; down: string }> = {
  frr: { up: `${EXAMPLES}bgp-anycast/bgp-up.sh`, down: `${EXAMPLES}bgp-anycast/bgp-down.sh` },
  bird: { up: `${EXAMPLES}bgp-anycast-bird/bird-up.sh`, down: `${EXAMPLES}bgp-anycast-bird/bird-down.sh` },
};

/** vtysh commands that show the BGP sessions and table of the net's family. */
const showBgp = (net: BgpNet): string[] => {
  const afi = net.family === 4 ? 'ipv4' : 'ipv6';
  return [`show bgp ${afi} unicast summary`, `show bgp ${afi} unicast`];
};

async function startSpeaker(lab: Lab, net: BgpNet, h: BgpHost, speaker: BgpSpeaker): Promise<HostSpeaker> {
  if (speaker === 'bird') {
    const bird = await startBird(lab, h, birdHostConf(lab, net, h));
    return { xparam: bird.socket, show: async () => (await bird.birdc('show', 'protocols', 'all')).stdout };
  }
  const frr = await startFrr(lab, h, frrHostConf(lab, net, h));
  return { xparam: frr.instance, show: async () => (await frr.vtysh(...showBgp(net))).stdout };
}

export interface BgpLabOptions {
  /** Default vrrp3. */
  protocol?: BgpProtocol;
  /** The hosts' BGP speaker; the router always runs FRR. Default frr. */
  speaker?: BgpSpeaker;
  /** Default 4; the lab must have been built with BGP_NETS[family].lab. */
  family?: BgpFamily;
}

export interface BgpPair {
  election: BgpElection;
  net: BgpNet;
  router: Frr;
  hosts: Record<BgpHost, HostSpeaker>;
  /** Starts (or restarts) ucarp-ts on a host, with extra options (e.g. a --check). */
  startUcarpTs(h: BgpHost, extra?: string[]): LabProcess;
}

/** FRR on the router, the speaker on both hosts; ucarp-ts (running the protocol's election) is started by the caller. */
export async function startBgpLab(lab: Lab, o: BgpLabOptions = {}): Promise<BgpPair> {
  const election = BGP_ELECTIONS[o.protocol ?? 'vrrp3'];
  const speaker = o.speaker ?? 'frr';
  const net = BGP_NETS[o.family ?? 4];
  const router = await startFrr(lab, 'router', routerConf(lab, net));
  const hosts = { a: await startSpeaker(lab, net, 'a', speaker), b: await startSpeaker(lab, net, 'b', speaker) };
  const startUcarpTs = (h: BgpHost, extra: string[] = []): LabProcess => {
    const host = lab.host(h);
    const config = join(lab.tmpDir, `${h}.conf`);
    // The AS number reaches the scripts from the config file, as in the example.
    writeFileSync(config, `UCARP_BGP_ASN=${HOSTS[h].asn}\nUCARP_NO_ANNOUNCE=1\nUCARP_PEER_MIN_TTL=${BGP_MIN_TTL}\n`);
    return lab.spawn(h, nodeArgv(UCARP_TS_CLI,
      `--config=${config}`, `--interface=${host.ifname}`, `--srcip=${net.addr(host)}`, `--peer=${net.addr(lab.host(h === 'a' ? 'b' : 'a'))}`,
      ...election.options(h), `--vhid=${BGP_VRID}`, `--addr=${net.vip}`,
      `--upscript=${SCRIPTS[speaker].up}`, `--downscript=${SCRIPTS[speaker].down}`, `--xparam=${hosts[h].xparam}`,
      '--shutdown', '--facility=none', ...extra), { env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' } });
  };
  return { election, net, router, hosts, startUcarpTs };
}

export const waitForState = (p: LabProcess, s: 'MASTER' | 'BACKUP', since = 0): Promise<RegExpExecArray> =>
  p.waitForOutput(new RegExp(`Switching to state: ${s}`), 15_000, since);

/** forge-advert's options for an advert of the pair's group, signed as the pair signs its own. */
export const forgeOptions = (pair: BgpPair): string[] =>
  [`--protocol=${pair.election.protocol}`, `--pass=${CARP_PASS}`, `--vrid=${BGP_VRID}`, `--addr=${pair.net.vip}`];

/** A MASTER and a BACKUP settled, the router's route via a alone; diagnostics if it never comes. */
export async function settleBgpPair(lab: Lab, pair: BgpPair, extraA: string[] = []): Promise<Record<BgpHost, LabProcess>> {
  const a = pair.startUcarpTs('a', extraA);
  await waitForState(a, 'MASTER');
  const b = pair.startUcarpTs('b');
  await waitForState(b, 'BACKUP');
  await waitForBgpNextHops(pair.router, pair.net.prefix, [pair.net.addr(lab.host('a'))], 20_000).catch(async (e: unknown) => {
    const router = (await pair.router.vtysh(...showBgp(pair.net))).stdout;
    throw new Error(`${String(e)}\n--- router\n${router}\n--- a\n${await pair.hosts.a.show()}\n--- ucarp-ts a\n${a.output.slice(-2000)}`);
  });
  return { a, b };
}
