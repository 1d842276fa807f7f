// `npm run demo`: two ucarp-ts hosts share a virtual address in network namespaces
// while a client pings it; the master host dies, then the new master is stopped
// gracefully, and the demo prints how long the client lost the address each time.
// Everything it builds is removed at the end, on failure, and on Ctrl-C.
import { fileURLToPath } from 'node:url';
import { Lab, nodeArgv, type LabProcess, type Pinger } from '../test/lab/lab.js';
import { listNamespaces } from '../test/lab/cleanup.js';
import { requireLab } from '../test/lab/requirements.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const UP = fileURLToPath(new URL('../../examples/vip-up.sh', import.meta.url));
const DOWN = fileURLToPath(new URL('../../examples/vip-down.sh', import.meta.url));
const VIP = '10.77.0.50';
const PING_EVERY_MS = 5;

const t0 = Date.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bold = (s: string): string => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

function say(text: string): void {
  const t = ((Date.now() - t0) / 1000).toFixed(1).padStart(5);
  process.stdout.write(`[${t}s] ${text}\n`);
}
function detail(text: string): void {
  process.stdout.write(`         ${text}\n`);
}

let lab: Lab | undefined;

// Ctrl-C: say so, remove the lab at once (synchronously), leave with 130.
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    process.stdout.write(`\n${sig === 'SIGINT' ? 'Interrupted' : 'Terminated'}: removing the lab.\n`);
    lab?.destroySync();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}

function startUcarp(host: string, advskew: number): LabProcess {
  return lab!.spawn(
    host,
    nodeArgv(CLI, '--interface=eth0', `--srcip=${lab!.host(host).addr}`, '--vhid=1', '--pass=demo', `--addr=${VIP}`,
      '--advbase=1', `--advskew=${advskew}`, `--upscript=${UP}`, `--downscript=${DOWN}`, '--shutdown', '--facility=none'),
  );
}

async function showAddresses(down: string[] = []): Promise<void> {
  for (const h of lab!.hosts.filter((x) => x.name !== 'client')) {
    const r = await lab!.exec(h, ['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
    const addrs = [...r.stdout.matchAll(/inet (\S+)/g)].map((m) => m[1]!);
    const holds = addrs.some((a) => a.startsWith(`${VIP}/`));
    const note = down.includes(h.name) ? '(dead: cable cut, unreachable)' : holds ? '<- holds the virtual address' : '';
    detail(`ip addr on ${h.name.padEnd(5)}: ${addrs.join('  ').padEnd(30)}${note}`);
  }
  const mac = await lab!.neighMac('client', VIP);
  const owner = lab!.hosts.find((h) => h.mac === mac)?.name;
  if (mac) detail(`client's ARP entry for ${VIP}: ${mac}${owner ? ` (${owner})` : ''}`);
}

/** Waits until the client gets replies again after `mark`, then a little longer, and stops pinging. */
async function outageOf(pinger: Pinger, mark: number): Promise<number> {
  await pinger.process.waitForOutput(/bytes from/, 15_000, mark);
  await sleep(300);
  const report = await pinger.stop();
  return report.longestGapMs;
}

async function main(): Promise<void> {
  requireLab(); // throws the reason when the lab cannot be built (try: sudo npm run demo)

  console.log(bold('ucarp-ts demo: two hosts share a virtual address while a client pings it\n'));
  lab = await Lab.create({ hosts: ['alpha', 'bravo'], client: true });
  say(`lab built: ${lab.hosts.map((h) => `${h.name} ${h.addr}`).join(', ')} on one bridge`);
  detail(`(network namespaces ${lab.id}-*; virtual address ${VIP})`);

  say('starting ucarp-ts on alpha (advskew 0) and bravo (advskew 50): CARP vhid 1, advbase 1, --shutdown');
  let alpha = startUcarp('alpha', 0);
  const bravo = startUcarp('bravo', 50);
  await alpha.waitForOutput(/Switching to state: MASTER/, 10_000);
  say('alpha: Switching to state: MASTER  (it advertises more often, so it wins)');
  await bravo.waitForOutput(/Switching to state: BACKUP/, 5000);
  while (!(await lab.holders(VIP)).includes('alpha')) await sleep(20);
  await showAddresses();

  say(`the client pings ${VIP} every ${PING_EVERY_MS} ms`);
  let pinger = await lab.startPinger('client', VIP, PING_EVERY_MS);
  await pinger.process.waitForOutput(/bytes from/, 5000);
  await sleep(700);

  say(bold('alpha dies: its cable is cut and every process on it is SIGKILLed'));
  let mark = pinger.process.mark();
  const crashAt = Date.now();
  let bravoMark = bravo.mark();
  await lab.crash('alpha');
  await bravo.waitForOutput(/Switching to state: MASTER/, 10_000, bravoMark);
  say(`bravo: Switching to state: MASTER  (${Date.now() - crashAt} ms after the crash: 3 advertisements missed)`);
  const crashOutage = await outageOf(pinger, mark);
  await showAddresses(['alpha']);
  say(bold(`the client lost ${VIP} for ${crashOutage} ms`));

  say('alpha comes back: ucarp-ts starts (BACKUP: its downscript drops the stale address), then the cable');
  alpha = startUcarp('alpha', 0);
  await alpha.waitForOutput(/Switching to state: BACKUP/, 10_000);
  while ((await lab.holders(VIP)).includes('alpha')) await sleep(20);
  await lab.restoreLink('alpha');
  await sleep(1500); // long enough to hear bravo's advertisements: alpha stays BACKUP (no --preempt)
  await showAddresses();

  pinger = await lab.startPinger('client', VIP, PING_EVERY_MS);
  await pinger.process.waitForOutput(/bytes from/, 5000);
  await sleep(500);
  say(bold('graceful handover: SIGTERM to bravo, which bows out (advbase 255) and runs its downscript'));
  mark = pinger.process.mark();
  const alphaMark = alpha.mark();
  const stopAt = Date.now();
  bravo.kill('SIGTERM');
  await alpha.waitForOutput(/Switching to state: MASTER/, 10_000, alphaMark);
  say(`alpha: Switching to state: MASTER  (${Date.now() - stopAt} ms after the SIGTERM)`);
  const gracefulOutage = await outageOf(pinger, mark);
  await bravo.exited;
  await showAddresses();
  say(bold(`the client lost ${VIP} for ${gracefulOutage} ms`));

  alpha.kill('SIGTERM');
  await alpha.exited;

  console.log(`\n${bold('Outage seen by the client')} (pinging every ${PING_EVERY_MS} ms; ucarp 1.5.2 in the same two-host setup, for comparison):`);
  console.log(`  master host died (link down + SIGKILL): ${String(crashOutage).padStart(5)} ms   (ucarp 1.5.2: 3128 ms)`);
  console.log(`  graceful stop of the master (SIGTERM):  ${String(gracefulOutage).padStart(5)} ms   (ucarp 1.5.2: 3556 ms, it just leaves)`);
}

let failed = false;
try {
  await main();
} catch (e) {
  failed = true;
  process.stdout.write(`\ndemo failed: ${e instanceof Error ? e.message : String(e)}\n`);
} finally {
  if (lab) {
    const id = lab.id;
    await lab.destroy();
    const left = listNamespaces().filter((n) => n.startsWith(`${id}-`));
    console.log(left.length === 0 ? `\nLab removed: no namespace left (${((Date.now() - t0) / 1000).toFixed(1)} s in all).` : `\nStill there: ${left.join(' ')}`);
    if (left.length > 0) failed = true;
  }
}
process.exit(failed ? 1 : 0);
