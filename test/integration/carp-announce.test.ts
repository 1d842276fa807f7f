// A new MASTER announces its address (gratuitous ARP) only once its up script has added
// it. Announced earlier, clients would send the address's traffic to a host that cannot
// answer it yet, while a master that is handing over could still have answered it.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { it, type TestContext } from 'node:test';
import { nodeArgv, withLab } from '../lab/lab.js';
import { requireLab, requireProgram } from '../lab/requirements.js';
import { parseIp } from '../../src/core/ip-address.js';
import { decodeArp } from '../../src/core/packets/arp.js';
import { formatMac } from '../../src/core/packets/ethernet.js';
import { parsePcap } from '../support/pcap.js';
import { carpArgs, UCARP_TS_CLI, waitForHolders } from '../support/carp-lab.js';

requireLab();
requireProgram('tcpdump', 'tcpdump');

const VIP = '10.77.0.200';
const SCRIPT_MS = 600;

/** Times (s since the epoch) of the ARP frames that announce `ip` as being at `mac`. */
function announcements(pcap: Buffer, ip: string, mac: string): number[] {
  return parsePcap(pcap)
    .records.filter(({ frame }) => {
      const arp = decodeArp(frame);
      return arp !== null && arp.senderIp === parseIp(ip) && formatMac(arp.senderHw) === mac;
    })
    .map((r) => r.time);
}

it('the first gratuitous ARP of a new MASTER comes after its (slow) up script has added the address', async (t: TestContext) => {
  await withLab({ hosts: ['a'], client: true }, async (lab) => {
    const added = join(lab.tmpDir, 'added-at');
    const up = join(lab.tmpDir, 'slow-up.sh');
    const down = join(lab.tmpDir, 'slow-down.sh');
    writeFileSync(up, `#!/bin/sh\nsleep ${SCRIPT_MS / 1000}\nip addr add "$2/32" dev "$1"\ndate +%s.%N > ${added}\n`);
    writeFileSync(down, '#!/bin/sh\nip addr del "$2/32" dev "$1" 2>/dev/null\nexit 0\n');
    chmodSync(up, 0o755);
    chmodSync(down, 0o755);

    const capture = await lab.tcpdump('client', 'arp');
    const host = lab.host('a');
    const a = lab.spawn('a', nodeArgv(UCARP_TS_CLI, ...carpArgs(host, { vip: VIP }, { up, down })));
    try {
      await a.waitForOutput(/Switching to state: MASTER/, 8000);
      await waitForHolders(lab, VIP, ['a'], 5000);
      await a.waitForOutput(/up script .* finished/, 5000);
      await new Promise((r) => setTimeout(r, 300)); // the announcement follows the script
    } finally {
      await a.terminate();
    }
    const { pcapPath } = await capture.stop();
    const addedAt = Number(readFileSync(added, 'utf8'));
    const times = announcements(readFileSync(pcapPath), VIP, host.mac);
    t.diagnostic(`address added at ${addedAt.toFixed(3)}; announced at ${times.map((x) => x.toFixed(3)).join(', ')}`);
    assert.ok(times.length > 0, 'the new MASTER announced its address');
    // pcap keeps microseconds; date, nanoseconds.
    for (const at of times) assert.ok(at >= addedAt - 1e-6, `announced ${((addedAt - at) * 1000).toFixed(1)} ms before the address existed`);
  });
});
