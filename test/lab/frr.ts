// FRR (zebra and bgpd) inside a lab namespace, as frr-notes describe: one pathspace per
// instance (-N), so several FRRs share the machine; run directories owned by frr and
// removed with the lab. The daemons run in the foreground as lab processes, so they
// die with their host (crash) or the lab, and their logs are in the process output.
import assert from 'node:assert/strict';
import { chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Lab, LabProcess } from './lab.js';
import { requireProgram } from './requirements.js';
import { runSync, type RunResult } from './run.js';

const FRR_BIN = '/usr/lib/frr';
const RUN_DIR = '/var/run/frr';

export interface Frr {
  /** The pathspace: `vtysh -N <instance>`. */
  readonly instance: string;
  readonly daemons: LabProcess[];
  vtysh(...commands: string[]): Promise<RunResult>;
}

function frrIds(): { uid: number; gid: number } {
  const uid = Number(runSync(['id', '-u', 'frr']).stdout.trim());
  const gid = Number(runSync(['id', '-g', 'frr']).stdout.trim());
  assert.ok(Number.isInteger(uid) && Number.isInteger(gid), 'the frr user is missing: install the frr package (scripts/setup.sh)');
  return { uid, gid };
}

/**
 * Starts zebra and bgpd with bgpdConf in a lab host (or the router, with host 'router')
 * and waits until vtysh answers. The instance is named after the lab and the host.
 */
export async function startFrr(lab: Lab, host: string, bgpdConf: string): Promise<Frr> {
  requireProgram(`${FRR_BIN}/bgpd`, 'frr');
  requireProgram('/usr/bin/vtysh', 'frr');
  const instance = `${lab.id}-${host}`;
  const dir = `${RUN_DIR}/${instance}`;
  const { uid, gid } = frrIds();
  mkdirSync(dir, { recursive: true });
  lab.onDestroy(() => rmSync(dir, { recursive: true, force: true }));
  // vtysh -N reads /etc/frr/<instance>/vtysh.conf, and complains on every call without it.
  const etc = `/etc/frr/${instance}`;
  mkdirSync(etc, { recursive: true });
  lab.onDestroy(() => rmSync(etc, { recursive: true, force: true }));
  writeFileSync(`${etc}/vtysh.conf`, '');
  chownSync(dir, uid, gid);
  const files = { zebra: `${dir}/zebra.conf`, bgpd: `${dir}/bgpd.conf` };
  writeFileSync(files.zebra, `hostname ${host}\n`);
  writeFileSync(files.bgpd, bgpdConf);
  for (const f of Object.values(files)) chownSync(f, uid, gid);
  const inLab = (argv: string[]): LabProcess => (host === 'router' ? lab.spawnInRouter(argv) : lab.spawn(host, argv));
  const daemon = (name: 'zebra' | 'bgpd'): LabProcess =>
    inLab([`${FRR_BIN}/${name}`, '-N', instance, '-f', files[name], '-i', `${dir}/${name}.pid`, '-P', '0',
      '-u', 'frr', '-g', 'frr', '--log', 'stdout', ...(name === 'bgpd' ? ['-p', '179'] : [])]);
  const zebra = daemon('zebra');
  await waitForVty(lab, host, instance, 'zebra', zebra);
  const bgpd = daemon('bgpd');
  await waitForVty(lab, host, instance, 'bgpd', bgpd);
  const vtysh = (...commands: string[]): Promise<RunResult> => {
    const argv = ['vtysh', '-N', instance, ...commands.flatMap((c) => ['-c', c])];
    return host === 'router' ? lab.execInRouter(argv) : lab.exec(host, argv);
  };
  return { instance, daemons: [zebra, bgpd], vtysh };
}

async function waitForVty(lab: Lab, host: string, instance: string, name: string, proc: LabProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  const argv = ['vtysh', '-N', instance, '-d', name, '-c', 'show version'];
  for (;;) {
    const r = host === 'router' ? await lab.execInRouter(argv) : await lab.exec(host, argv);
    if (r.code === 0) return;
    if (!proc.running || Date.now() > deadline) {
      assert.fail(`FRR ${name} in ${host} did not come up: ${r.stderr.trim()}\n--- output ---\n${proc.output.slice(-3000)}`);
    }
    await sleep(100);
  }
}

/** The next hops the router's BGP table has for a prefix (`show bgp ipv4|ipv6 unicast <prefix> json`), best first; IPv6: the global one. */
export async function bgpNextHops(frr: Frr, prefix: string): Promise<string[]> {
  const r = await frr.vtysh(`show bgp ${prefix.includes(':') ? 'ipv6' : 'ipv4'} unicast ${prefix} json`);
  if (r.code !== 0) return [];
  const table = JSON.parse(r.stdout || '{}') as { paths?: { nexthops?: { ip: string }[]; bestpath?: { overall?: boolean } }[] };
  const paths = [...(table.paths ?? [])].sort((x, y) => Number(y.bestpath?.overall ?? false) - Number(x.bestpath?.overall ?? false));
  return paths.flatMap((p) => (p.nexthops ?? []).map((n) => n.ip).slice(0, 1));
}

/** Polls until the router's BGP paths for the prefix go via exactly these next hops. */
export async function waitForBgpNextHops(frr: Frr, prefix: string, expected: string[], timeoutMs = 10_000): Promise<number> {
  const want = JSON.stringify([...expected].sort());
  const deadline = Date.now() + timeoutMs;
  let now: string[] = [];
  for (;;) {
    now = await bgpNextHops(frr, prefix);
    if (JSON.stringify([...now].sort()) === want) return Date.now();
    if (Date.now() > deadline) break;
    await sleep(50);
  }
  assert.fail(`router's BGP paths for ${prefix}: ${JSON.stringify(now)}, expected ${want}`);
}
