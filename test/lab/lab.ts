// The lab: hosts in network namespaces on one bridge, built with `ip` alone.
//
//   uts<pid>-<n>-switch   holds bridge br0 and one veth end per host (v<octet>)
//   uts<pid>-<n>-<host>   holds lo and eth0 (the other veth end), <subnet>.<octet>/24
//
// With `routed`, the middle namespace is a router instead (uts<pid>-<n>-router): every
// host gets a subnet of its own, <a>.<b>.<c+1+i>.0/24, at .11, behind the router at .1
// (the client on the next subnet, at .100), so nothing is on a shared segment.
// With `ipv6` too it is dual stack: subnet k (<c+1+i>) is also fd77:<k>::/64, the host at
// fd77:<k>::11, the client at fd77:<k>::100, the router at fd77:<k>::1 forwarding IPv6.
//
// With `secondSubnet` (bridged labs only) there is a second network, as a router pair has an
// inside and an outside: bridge br1 in the switch namespace, and every host (the client too)
// also has eth1 at <secondSubnet>.<octet>/24, its cable w<octet>; cutLink(host, 'eth1') cuts it.
//
// Nothing is created in the root namespace. Every namespace is removed by
// destroy(), by withLab() whatever happens, by process exit/signal handlers,
// and by sweepStaleLabs() for runs that were killed outright.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCapture, type Capture } from './capture.js';
import { NAMESPACE_PATTERN, registerLab, removeNamespaceSync, sweepStaleLabs, unregisterLab } from './cleanup.js';
import { lossBytecode, parseLossOnly } from './loss.js';
import { makePinger, type Pinger } from './pinger.js';
import { spawnInNamespace, type LabProcess, type SpawnOptions } from './process-handle.js';
import { run, runOk, type RunOptions, type RunResult } from './run.js';

export { sweepStaleLabs } from './cleanup.js';
export type { LabProcess, SpawnOptions } from './process-handle.js';
export type { Pinger, PingReport } from './pinger.js';
export type { Capture, CaptureResult } from './capture.js';

export interface LabOptions {
  hosts: string[];
  /** Adds a host named "client" at <subnet>.100. */
  client?: boolean;
  /** First three octets. Default '10.77.0'. */
  subnet?: string;
  /** Keep the temporary folder (captures) after destroy(). */
  keepFiles?: boolean;
  /** A router with one subnet per host instead of one bridge (see the top of this file). */
  routed?: boolean;
  /**
   * IPv6 on the hosts: each eth0 keeps its link-local address (from its MAC) and gets
   * fd77::<octet>/64 (bridged) or fd77:<k>::11/64 (routed), all usable at once (no
   * duplicate address detection).
   */
  ipv6?: boolean;
  /** First three octets of a second network: br1, and eth1 on every host (see the top of this file). */
  secondSubnet?: string;
}

/** One of a host's interfaces and its cable to the switch. */
export interface LabNic {
  ifname: string;
  addr: string;
  mac: string;
  /** The switch-side end of the cable. */
  peer: string;
  /** The bridge the cable is on (bridged labs). */
  bridge: string;
}

export interface LabHost {
  name: string;
  ns: string;
  ifname: string;
  addr: string;
  mac: string;
  /** The switch-side end of this host's cable. */
  peer: string;
  /** Routed labs: the router's address on this host's subnet (its default route). */
  gateway?: string;
  /** IPv6 labs: the link-local address of eth0 (from its MAC) and its fd77::<octet> (routed: fd77:<k>::11). */
  linkLocal?: string;
  addr6?: string;
  /** Routed IPv6 labs: the router's address on this host's subnet (its default IPv6 route). */
  gateway6?: string;
  /** Labs with a second network: eth1 on it. */
  eth1?: LabNic;
}

type HostRef = string | LabHost;

const HOST_NAME = /^[a-z][a-z0-9]{0,11}$/;
const FIRST_HOST_OCTET = 11;
const CLIENT_OCTET = 100;
let labCounter = 0;

/** The link-local address eth0 derives from its MAC (02:77:00:00:00:<octet>). */
const linkLocalOf = (octet: number): string => `fe80::77:ff:fe00:${octet.toString(16)}`;

/** argv that runs a compiled script of this project with the current node. */
export function nodeArgv(script: string, ...args: string[]): string[] {
  return [process.execPath, '--enable-source-maps', script, ...args];
}

export class Lab {
  readonly id: string;
  readonly switchNs: string;
  readonly subnet: string;
  readonly tmpDir: string;
  private readonly hostsByName = new Map<string, LabHost>();
  private readonly processes = new Map<string, Set<LabProcess>>();
  private readonly routerProcesses = new Set<LabProcess>();
  private readonly keepFiles: boolean;
  private readonly routed: boolean;
  private readonly ipv6: boolean;
  private readonly secondSubnet: string | undefined;
  private readonly atDestroy: (() => void)[] = [];
  private destroyed = false;
  private blackhole = false;
  private captureCount = 0;

  private constructor(opts: LabOptions) {
    this.id = `uts${process.pid}-${labCounter++}`;
    this.routed = opts.routed ?? false;
    this.ipv6 = opts.ipv6 ?? false;
    this.secondSubnet = opts.secondSubnet;
    this.switchNs = `${this.id}-${this.routed ? 'router' : 'switch'}`;
    this.subnet = opts.subnet ?? '10.77.0';
    this.keepFiles = opts.keepFiles ?? false;
    this.tmpDir = mkdtempSync(join(tmpdir(), `ucarp-ts-${this.id}-`));
  }

  /** Builds the lab. On failure, whatever was built is removed again. */
  static async create(opts: LabOptions): Promise<Lab> {
    for (const net of [opts.subnet ?? '10.77.0', opts.secondSubnet ?? '10.79.0']) {
      if (!/^\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(net)) throw new Error(`bad subnet ${net}`);
    }
    if (opts.secondSubnet !== undefined && (opts.routed || opts.ipv6)) throw new Error('a second network is for bridged IPv4 labs only');
    const names = [...opts.hosts];
    if (names.length + FIRST_HOST_OCTET > CLIENT_OCTET) throw new Error('too many hosts');
    for (const n of names) {
      if (!HOST_NAME.test(n) || n === 'switch' || n === 'router' || n === 'client') throw new Error(`bad host name "${n}"`);
    }
    if (new Set(names).size !== names.length) throw new Error('duplicate host names');
    sweepStaleLabs();
    const lab = new Lab(opts);
    registerLab(lab);
    try {
      await lab.build(names, opts.client ?? false);
    } catch (e) {
      await lab.destroy();
      throw e;
    }
    return lab;
  }

  private async build(names: string[], client: boolean): Promise<void> {
    const sw = this.switchNs;
    await runOk(['ip', 'netns', 'add', sw]);
    await runOk(['ip', '-n', sw, 'link', 'set', 'lo', 'up']);
    if (this.routed && this.ipv6) {
      // A dual-stack router: forwards IPv6 too; keeps its addresses while a host's cable is cut.
      await runOk(['ip', 'netns', 'exec', sw, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.forwarding=1',
        'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0',
        'net.ipv6.conf.all.keep_addr_on_down=1', 'net.ipv6.conf.default.keep_addr_on_down=1']);
    } else {
      // No IPv6 on the switch either: its neighbour and router solicitations would reach every host.
      await run(['ip', 'netns', 'exec', sw, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    }
    // A plain learning switch: no STP delay, and multicast flooded to every port
    // whatever IGMP snooping would have learnt (ucarp may use any group).
    if (this.routed) {
      // A plain router: forwards whatever it is given (spoofing tests need that), no reverse-path filter.
      await runOk(['ip', 'netns', 'exec', sw, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1',
        'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0']);
    } else {
      for (const br of this.secondSubnet === undefined ? ['br0'] : ['br0', 'br1']) {
        await runOk(['ip', '-n', sw, 'link', 'add', br, 'type', 'bridge', 'stp_state', '0', 'mcast_snooping', '0']);
        await runOk(['ip', '-n', sw, 'link', 'set', br, 'up']);
      }
    }
    const plan = names.map((name, i) => ({ name, octet: FIRST_HOST_OCTET + i }));
    if (client) plan.push({ name: 'client', octet: CLIENT_OCTET });
    const [a, b, c] = this.subnet.split('.').map(Number) as [number, number, number];
    for (const [i, { name, octet }] of plan.entries()) {
      // Routed: host i alone on subnet c+1+i, at .11 (the client at .100), the router at .1.
      const net = this.routed ? `${a}.${b}.${c + 1 + i}` : this.subnet;
      const net6 = `fd77:${c + 1 + i}::`;
      const ipv6 = this.routed
        ? { linkLocal: linkLocalOf(octet), addr6: `${net6}${name === 'client' ? octet : FIRST_HOST_OCTET}`, gateway6: `${net6}1` }
        : { linkLocal: linkLocalOf(octet), addr6: `fd77::${octet.toString(16)}` };
      const host: LabHost = {
        name,
        ns: `${this.id}-${name}`,
        ifname: 'eth0',
        addr: `${net}.${this.routed && name !== 'client' ? FIRST_HOST_OCTET : octet}`,
        mac: `02:77:00:00:00:${octet.toString(16).padStart(2, '0')}`,
        peer: `v${octet}`,
        ...(this.routed ? { gateway: `${net}.1` } : {}),
        ...(this.ipv6 ? ipv6 : {}),
        ...(this.secondSubnet !== undefined
          ? { eth1: { ifname: 'eth1', addr: `${this.secondSubnet}.${octet}`, mac: `02:77:00:00:01:${octet.toString(16).padStart(2, '0')}`, peer: `w${octet}`, bridge: 'br1' } }
          : {}),
      };
      this.hostsByName.set(name, host);
      this.processes.set(name, new Set());
      await runOk(['ip', 'netns', 'add', host.ns]);
      await runOk(['ip', '-n', host.ns, 'link', 'set', 'lo', 'up']);
      if (this.ipv6) {
        // Addresses usable at once (duplicate address detection would hold them a second), no router solicitations.
        await runOk(['ip', 'netns', 'exec', host.ns, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0',
          'net.ipv6.conf.default.router_solicitations=0', 'net.ipv6.conf.default.accept_ra=0']);
      } else {
        // IPv6 off: its router and listener chatter only clutters captures.
        await run(['ip', 'netns', 'exec', host.ns, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
      }
      await this.addInterface(host);
      if (host.eth1) await this.addBridgedNic(host, host.eth1);
    }
  }

  get hosts(): LabHost[] {
    return [...this.hostsByName.values()];
  }

  host(ref: HostRef): LabHost {
    const name = typeof ref === 'string' ? ref : ref.name;
    const h = this.hostsByName.get(name);
    if (!h) throw new Error(`no host "${name}" in lab ${this.id}`);
    return h;
  }

  /**
   * Where ucarp-ts daemons started in this lab put their control sockets: the lab's own
   * folder, never the machine's /run/ucarp-ts (other test runs share the machine).
   */
  get runDir(): string {
    return join(this.tmpDir, 'run');
  }

  /** The environment for a command in the lab: UCARP_RUN_DIR is the lab's unless the caller set it. */
  private labEnv(env: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
    const base = env ?? process.env;
    return { ...base, UCARP_RUN_DIR: env?.UCARP_RUN_DIR ?? this.runDir };
  }

  /** Runs a command inside the host's namespace and waits for it. */
  exec(ref: HostRef, argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    this.assertLive();
    return run(['ip', 'netns', 'exec', this.host(ref).ns, ...argv], { timeoutMs: 60_000, ...opts, env: this.labEnv(opts.env) });
  }

  /** Starts a long-running command inside the host's namespace. */
  spawn(ref: HostRef, argv: readonly string[], opts: SpawnOptions = {}): LabProcess {
    this.assertLive();
    const h = this.host(ref);
    const proc = spawnInNamespace(h.name, h.ns, argv, { ...opts, env: this.labEnv(opts.env) });
    const set = this.processes.get(h.name)!;
    set.add(proc);
    void proc.exited.then(() => set.delete(proc));
    return proc;
  }

  /** The host's interfaces: eth0, and eth1 in labs with a second network. */
  nics(ref: HostRef): LabNic[] {
    const h = this.host(ref);
    return [{ ifname: h.ifname, addr: h.addr, mac: h.mac, peer: h.peer, bridge: 'br0' }, ...(h.eth1 ? [h.eth1] : [])];
  }

  /** One of the host's interfaces by name. */
  nic(ref: HostRef, ifname: string): LabNic {
    const n = this.nics(ref).find((x) => x.ifname === ifname);
    if (!n) throw new Error(`host "${this.host(ref).name}" has no ${ifname} in lab ${this.id}`);
    return n;
  }

  /** Takes the switch side of the cable down (eth0's unless told): the host sees no carrier. */
  async cutLink(ref: HostRef, ifname = 'eth0'): Promise<void> {
    await runOk(['ip', '-n', this.switchNs, 'link', 'set', this.nic(ref, ifname).peer, 'down']);
  }

  async restoreLink(ref: HostRef, ifname = 'eth0'): Promise<void> {
    await runOk(['ip', '-n', this.switchNs, 'link', 'set', this.nic(ref, ifname).peer, 'up']);
  }

  /** The host dies: every cable cut, and everything running in it SIGKILLed. */
  async crash(ref: HostRef): Promise<void> {
    const h = this.host(ref);
    for (const n of this.nics(h)) await this.cutLink(h, n.ifname);
    await this.killAllIn(h, 'SIGKILL');
  }

  /** Deletes the host's eth0 (and its cable): for interfaces that vanish. */
  async removeInterface(ref: HostRef): Promise<void> {
    await runOk(['ip', '-n', this.switchNs, 'link', 'del', this.host(ref).peer]);
  }

  /** (Re-)creates the host's eth0 with its MAC and address; it gets a new ifindex. */
  async addInterface(ref: HostRef): Promise<void> {
    const h = this.host(ref);
    await runOk(['ip', '-n', this.switchNs, 'link', 'add', h.peer, 'type', 'veth', 'peer', 'name', h.ifname, 'netns', h.ns]);
    await runOk(['ip', '-n', h.ns, 'link', 'set', h.ifname, 'address', h.mac]);
    if (h.gateway) {
      await runOk(['ip', '-n', this.switchNs, 'addr', 'add', `${h.gateway}/24`, 'dev', h.peer]);
      if (h.gateway6) await runOk(['ip', '-n', this.switchNs, 'addr', 'add', `${h.gateway6}/64`, 'dev', h.peer, 'nodad']);
      await runOk(['ip', '-n', this.switchNs, 'link', 'set', h.peer, 'up']);
    } else {
      await runOk(['ip', '-n', this.switchNs, 'link', 'set', h.peer, 'master', 'br0', 'up']);
    }
    await runOk(['ip', '-n', h.ns, 'addr', 'add', `${h.addr}/24`, 'dev', h.ifname]);
    if (h.addr6) await runOk(['ip', '-n', h.ns, 'addr', 'add', `${h.addr6}/64`, 'dev', h.ifname, 'nodad']);
    await runOk(['ip', '-n', h.ns, 'link', 'set', h.ifname, 'up']);
    if (h.gateway) await runOk(['ip', '-n', h.ns, 'route', 'add', 'default', 'via', h.gateway]);
    if (h.gateway6) await runOk(['ip', '-n', h.ns, '-6', 'route', 'add', 'default', 'via', h.gateway6]);
  }

  private async addBridgedNic(h: LabHost, n: LabNic): Promise<void> {
    await runOk(['ip', '-n', this.switchNs, 'link', 'add', n.peer, 'type', 'veth', 'peer', 'name', n.ifname, 'netns', h.ns]);
    await runOk(['ip', '-n', h.ns, 'link', 'set', n.ifname, 'address', n.mac]);
    await runOk(['ip', '-n', this.switchNs, 'link', 'set', n.peer, 'master', n.bridge, 'up']);
    await runOk(['ip', '-n', h.ns, 'addr', 'add', `${n.addr}/24`, 'dev', n.ifname]);
    await runOk(['ip', '-n', h.ns, 'link', 'set', n.ifname, 'up']);
  }

  /** Runs a command inside the router (routed labs) or switch namespace. */
  execInRouter(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    this.assertLive();
    return run(['ip', 'netns', 'exec', this.switchNs, ...argv], { timeoutMs: 60_000, ...opts });
  }

  /** Starts a long-running command in the router namespace; it is killed with the lab. */
  spawnInRouter(argv: readonly string[], opts: SpawnOptions = {}): LabProcess {
    this.assertLive();
    const proc = spawnInNamespace('router', this.switchNs, argv, opts);
    this.routerProcesses.add(proc);
    void proc.exited.then(() => this.routerProcesses.delete(proc));
    return proc;
  }

  /** Cleans up something the lab made outside its namespaces and folder (e.g. FRR's run directories). */
  onDestroy(fn: () => void): void {
    this.atDestroy.push(fn);
  }

  /** The hosts whose eth0 (or eth1) carries this address. */
  async holders(addr: string): Promise<string[]> {
    const found = await Promise.all(
      this.hosts.map(async (h) => {
        const v6 = addr.includes(':');
        const r = await run(['ip', '-n', h.ns, v6 ? '-6' : '-4', '-o', 'addr', 'show']);
        // "2: eth0    inet 10.77.0.11/24 ...": only the lab's interfaces count (not lo).
        const ifnames = new Set(this.nics(h).map((n) => n.ifname));
        const has = r.stdout.split('\n').some((l) => ifnames.has((l.split(/\s+/)[1] ?? '').replace(/@.*/, '')) && l.includes(` ${v6 ? 'inet6' : 'inet'} ${addr}/`));
        return has ? h.name : undefined;
      }),
    );
    return found.filter((n): n is string => n !== undefined);
  }

  /** The MAC that `from` has in its neighbour table for addr, if any. */
  async neighMac(from: HostRef, addr: string): Promise<string | undefined> {
    const h = this.host(from);
    const r = await run(['ip', '-n', h.ns, 'neigh', 'show', 'to', addr, 'dev', h.ifname]);
    return /\blladdr ([0-9a-f:]{17})/.exec(r.stdout)?.[1];
  }

  /** One ping, true when answered within timeoutMs. */
  async ping(from: HostRef, addr: string, timeoutMs = 1000): Promise<boolean> {
    const wait = Math.max(1, Math.ceil(timeoutMs / 1000));
    const r = await this.exec(from, ['ping', '-n', '-c', '1', '-W', String(wait), addr]);
    return r.code === 0;
  }

  /** Pings continuously (root may go far below ping's 200 ms floor). */
  async startPinger(from: HostRef, addr: string, intervalMs = 10): Promise<Pinger> {
    const interval = (intervalMs / 1000).toFixed(3);
    const proc = this.spawn(from, ['ping', '-n', '-D', '-W', '1', '-i', interval, addr]);
    await proc.waitForOutput(/^PING /m, 5000);
    return makePinger(proc);
  }

  /** Starts tcpdump on the host's eth0; resolves once it is capturing. */
  async tcpdump(ref: HostRef, filter = ''): Promise<Capture> {
    const h = this.host(ref);
    const pcapPath = join(this.tmpDir, `${h.name}-${this.captureCount++}.pcap`);
    // --immediate-mode: otherwise packets wait in the capture ring and a quick stop loses them.
    const argv = ['tcpdump', '-i', h.ifname, '-n', '--immediate-mode', '-U', '-w', pcapPath];
    if (filter) argv.push(filter);
    const proc = this.spawn(h, argv);
    await proc.waitForOutput(/listening on/, 10_000);
    return makeCapture(proc, pcapPath);
  }

  /**
   * Impairs the host's outgoing traffic, e.g. 'loss 20% delay 10ms'. Uses
   * tc netem where the kernel has it; otherwise only 'loss N%' is possible (see
   * loss.ts) and anything else throws.
   */
  async netem(ref: HostRef, spec: string): Promise<'netem' | 'bpf-loss'> {
    const h = this.host(ref);
    const r = await run(['tc', '-n', h.ns, 'qdisc', 'replace', 'dev', h.ifname, 'root', 'netem', ...spec.trim().split(/\s+/)]);
    if (r.code === 0) return 'netem';
    if (!/unknown/i.test(r.stderr)) throw new Error(`tc netem ${spec}: ${r.stderr.trim()}`);
    const percent = parseLossOnly(spec);
    if (percent === undefined) {
      throw new Error(`this kernel has no sch_netem; only "loss N%" can be emulated here, not "${spec}"`);
    }
    await this.ensureBlackhole();
    const sw = this.switchNs;
    await run(['tc', '-n', sw, 'qdisc', 'add', 'dev', h.peer, 'clsact']); // may already exist
    await run(['tc', '-n', sw, 'filter', 'del', 'dev', h.peer, 'ingress']);
    await runOk(['tc', '-n', sw, 'filter', 'add', 'dev', h.peer, 'ingress', 'bpf', 'bytecode', lossBytecode(percent),
      'action', 'mirred', 'egress', 'redirect', 'dev', 'blackhole0']);
    return 'bpf-loss';
  }

  async clearNetem(ref: HostRef): Promise<void> {
    const h = this.host(ref);
    await run(['tc', '-n', h.ns, 'qdisc', 'del', 'dev', h.ifname, 'root']);
    await run(['tc', '-n', this.switchNs, 'qdisc', 'del', 'dev', h.peer, 'clsact']);
  }

  // A veth pair left down: mirred drops whatever is redirected to it.
  private async ensureBlackhole(): Promise<void> {
    if (this.blackhole) return;
    await runOk(['ip', '-n', this.switchNs, 'link', 'add', 'blackhole0', 'type', 'veth', 'peer', 'name', 'blackhole1']);
    this.blackhole = true;
  }

  private async killAllIn(h: LabHost, signal: NodeJS.Signals): Promise<void> {
    for (const p of this.processes.get(h.name) ?? []) p.kill(signal);
    // Also whatever those started in their own groups (scripts, daemons).
    const r = await run(['ip', 'netns', 'pids', h.ns]);
    for (const pid of r.stdout.split(/\s+/).filter(Boolean).map(Number)) {
      if (pid === process.pid) continue;
      try {
        process.kill(pid, signal);
      } catch {
        /* gone */
      }
    }
  }

  private namespaces(): string[] {
    return [...this.hosts.map((h) => h.ns), this.switchNs];
  }

  private assertLive(): void {
    if (this.destroyed) throw new Error(`lab ${this.id} is destroyed`);
  }

  /** Kills every process started in the lab and deletes every namespace. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    const all = [...this.processes.values(), this.routerProcesses].flatMap((s) => [...s]);
    for (const p of all) p.kill('SIGKILL');
    await Promise.race([Promise.all(all.map((p) => p.exited)), new Promise((r) => setTimeout(r, 3000))]);
    this.finish();
  }

  /** The same, synchronously, for exit and signal handlers. */
  destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const s of [...this.processes.values(), this.routerProcesses]) for (const p of s) p.kill('SIGKILL');
    this.finish();
  }

  private finish(): void {
    for (const ns of this.namespaces()) {
      if (NAMESPACE_PATTERN.test(ns)) removeNamespaceSync(ns);
    }
    if (!this.keepFiles) rmSync(this.tmpDir, { recursive: true, force: true });
    for (const fn of this.atDestroy.splice(0)) {
      try {
        fn();
      } catch {
        /* the rest still needs cleaning */
      }
    }
    unregisterLab(this);
  }
}

/** Creates a lab, runs fn, and always destroys the lab. */
export async function withLab<T>(opts: LabOptions, fn: (lab: Lab) => Promise<T>): Promise<T> {
  const lab = await Lab.create(opts);
  try {
    return await fn(lab);
  } finally {
    await lab.destroy();
  }
}
