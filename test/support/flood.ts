// Protocol-112 packet floods and replays from a lab host, for fault tests and the
// benchmark. The packets come from test/support/flood-sender.ts running inside the
// host's namespace, so they only ever reach that lab's bridge. Every flood is bounded:
// rate * seconds packets, then the sender exits by itself.
//
//   const flood = await startFlood(lab, 'attacker', { vhid: 7, rate: 20_000, seconds: 10, kinds: ['forged', 'random'] });
//   const report = await flood.done;   // { sent, byKind, ... }
//
//   // VRRP groups: forged VRRP adverts, each with one fault a master must drop (flood-vrrp.ts).
//   await startFlood(lab, 'attacker', { vhid: 7, rate: 20_000, seconds: 10, protocol: 'vrrp3',
//     advbase: 0.05, addrs: ['10.77.0.200'], kinds: defaultFloodKinds('vrrp3') });
//
//   const advert = await captureAdvert(lab, 'attacker', { from: lab.host('a').addr, vhid: 7 });
//   const replay = await startFlood(lab, 'attacker', { vhid: 7, rate: 2, seconds: 20, kinds: ['replay'], packet: advert.packet });
import type { Lab, LabProcess } from '../lab/lab.js';
import { supportArgv } from '../lab/support-paths.js';
import type { FloodKind } from './flood-sender.js';
import type { FloodProtocol } from './flood-vrrp.js';

export type { FloodKind } from './flood-sender.js';
export { defaultFloodKinds, type FloodProtocol } from './flood-vrrp.js';

export interface FloodOptions {
  /** The victim's virtual host id (forged and wrong-ttl packets carry it). */
  vhid: number;
  /** Packets per second, all kinds together. */
  rate: number;
  seconds: number;
  /** Cycled packet by packet: ['forged', 'random'] sends half of each. */
  kinds: FloodKind[];
  /** Default 224.0.0.18. */
  group?: string;
  /** For 'replay': the whole IPv4 packet to repeat (from captureAdvert). */
  packet?: Buffer;
  /**
   * With pass and addrs, 'wrong-ttl' packets are correctly signed (only the TTL is wrong).
   * VRRP kinds need addrs (the group's addresses) and, for a VRRPv2 group with a password, pass.
   */
  pass?: string;
  addrs?: string[];
  /** The group's protocol: 'vrrp2' or 'vrrp3' for the vrrp-* kinds. Default 'carp'. */
  protocol?: FloodProtocol;
  /** The group's advertisement interval in seconds, for the vrrp-* kinds. Default 1. */
  advbase?: number;
  seed?: number;
  /** Default 'eth0'. */
  ifname?: string;
}

export interface FloodReport {
  /** Packets the kernel accepted for sending. */
  sent: number;
  byKind: Partial<Record<FloodKind, number>>;
  errors: number;
  firstError?: string;
  requested: number;
  rate: number;
  seconds: number;
  elapsedMs: number;
  achievedRate: number;
  stoppedEarly: boolean;
  /** Most packets the sender ever was behind its schedule. */
  maxBacklog: number;
}

export interface Flood {
  readonly process: LabProcess;
  /** Resolves with the sender's report once it has finished (or was stopped). */
  readonly done: Promise<FloodReport>;
  /** Stops the flood early; resolves with the report. */
  stop(): Promise<FloodReport>;
}

function lastJsonLine(text: string): Record<string, unknown> | undefined {
  const lines = text.split('\n').filter((l) => l.startsWith('{'));
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      return JSON.parse(lines[i]!) as Record<string, unknown>;
    } catch {
      /* a torn line: keep looking */
    }
  }
  return undefined;
}

/** Starts a flood from `host`; resolves once the sender's socket is open. */
export async function startFlood(lab: Lab, host: string, o: FloodOptions): Promise<Flood> {
  const h = lab.host(host);
  const args = [
    '--mode=flood',
    `--ifname=${o.ifname ?? h.ifname}`,
    `--srcip=${h.addr}`,
    `--group=${o.group ?? '224.0.0.18'}`,
    `--vhid=${o.vhid}`,
    `--rate=${o.rate}`,
    `--seconds=${o.seconds}`,
    `--kinds=${o.kinds.join(',')}`,
    `--seed=${o.seed ?? 1}`,
  ];
  if (o.packet) args.push(`--packet=${o.packet.toString('hex')}`);
  if (o.pass !== undefined) args.push(`--pass=${o.pass}`);
  for (const a of o.addrs ?? []) args.push(`--addr=${a}`);
  if (o.protocol) args.push(`--protocol=${o.protocol}`);
  if (o.advbase !== undefined) args.push(`--advbase=${o.advbase}`);
  const proc = lab.spawn(host, supportArgv('flood-sender', ...args));
  await proc.waitForOutput(/^\{"ready":true\}/m, 15_000);
  const done = proc.exited.then((status) => {
    const report = lastJsonLine(proc.stdout);
    if (!report || typeof report.sent !== 'number') {
      throw new Error(`flood sender on ${host} ended (${JSON.stringify(status)}) without a report:\n${proc.output.slice(-2000)}`);
    }
    return report as unknown as FloodReport;
  });
  return {
    process: proc,
    done,
    stop(): Promise<FloodReport> {
      proc.kill('SIGTERM');
      return done;
    },
  };
}

export interface CapturedAdvert {
  /** The whole IPv4 packet as received. */
  packet: Buffer;
  counter: bigint;
}

/** Listens on `host` for one CARP advertisement from `from` for vhid and returns it. */
export async function captureAdvert(
  lab: Lab,
  host: string,
  o: { from: string; vhid: number; group?: string; timeoutMs?: number; ifname?: string },
): Promise<CapturedAdvert> {
  const h = lab.host(host);
  const timeoutMs = o.timeoutMs ?? 10_000;
  const proc = lab.spawn(
    host,
    supportArgv(
      'flood-sender',
      '--mode=capture',
      `--ifname=${o.ifname ?? h.ifname}`,
      `--srcip=${h.addr}`,
      `--group=${o.group ?? '224.0.0.18'}`,
      `--vhid=${o.vhid}`,
      `--from=${o.from}`,
      `--timeout-ms=${timeoutMs}`,
    ),
  );
  const status = await proc.exited;
  const r = lastJsonLine(proc.stdout);
  if (status.code !== 0 || !r || typeof r.packet !== 'string') {
    throw new Error(`capture on ${host} failed (${JSON.stringify(status)}):\n${proc.output.slice(-2000)}`);
  }
  return { packet: Buffer.from(r.packet, 'hex'), counter: BigInt(r.counter as string) };
}
