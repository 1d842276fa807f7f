// The settings split and the group set, over random directories of group files: what
// starts is exactly one group per file, refused exactly when two files are in each
// other's way; and a reload's diff is a partition that touches only what changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseSettings } from '../../src/config/parse-settings.js';
import { memoryHostChecks } from '../../src/config/host-checks.js';
import { diffGroups } from '../../src/config/group-set.js';
import type { GroupSettings } from '../../src/config/settings.js';
import { parseIp } from '../../src/core/ip-address.js';
import { carpGroupSettings } from '../support/group-settings.js';

const D = '/etc/ucarp-ts';
const HOST_IFS = [
  { name: 'eth0', loopback: false, up: true },
  { name: 'eth1', loopback: false, up: true },
];

interface FileSpec {
  iface: 'eth0' | 'eth1';
  protocol: 'carp' | 'vrrp2' | 'vrrp3';
  id: number;
  /** Last octets of 10.0.0.x addresses. */
  addrs: number[];
  skewOrPriority: number;
}

const fileSpec: fc.Arbitrary<FileSpec> = fc.record({
  iface: fc.constantFrom('eth0', 'eth1'),
  protocol: fc.constantFrom('carp', 'vrrp2', 'vrrp3'),
  id: fc.integer({ min: 1, max: 6 }),
  addrs: fc.uniqueArray(fc.integer({ min: 100, max: 120 }), { minLength: 1, maxLength: 3 }),
  skewOrPriority: fc.integer({ min: 1, max: 254 }),
});

function fileText(f: FileSpec): string {
  const lines = [
    `UCARP_INTERFACE=${f.iface}`,
    'UCARP_SRCIP=10.0.0.1',
    `UCARP_PROTOCOL=${f.protocol}`,
    `UCARP_VHID=${f.id}`,
    `UCARP_ADDR="${f.addrs.map((a) => `10.0.0.${a}`).join(' ')}"`,
  ];
  if (f.protocol === 'carp') lines.push('UCARP_PASS=pw', `UCARP_ADVSKEW=${f.skewOrPriority}`);
  else lines.push(`UCARP_PRIORITY=${f.skewOrPriority}`);
  return lines.join('\n') + '\n';
}

/** The model: the first file (in name order) that clashes with an earlier one, by id first, then by its addresses in order. */
function modelConflict(files: [string, FileSpec][]): [string, string] | null {
  for (let j = 0; j < files.length; j++) {
    const [b, fb] = files[j]!;
    const earlier = files.slice(0, j);
    const byId = earlier.find(([, fa]) => fa.iface === fb.iface && fa.id === fb.id);
    const byAddr = fb.addrs.map((x) => earlier.find(([, fa]) => fa.addrs.includes(x))).find((e) => e !== undefined);
    const first = byId ?? byAddr;
    if (first) return [first[0], b];
  }
  return null;
}

test('a config directory starts one group per file, or is refused naming two clashing files', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,7}$/), fileSpec), { minLength: 1, maxLength: 8, selector: ([n]) => n }), (entries) => {
      const sorted = [...entries].sort(([a], [b]) => (`${a}.conf` < `${b}.conf` ? -1 : 1));
      const files = Object.fromEntries(sorted.map(([name, f]) => [`${D}/${name}.conf`, fileText(f)]));
      const out = parseSettings(['--config-dir', D], {}, memoryHostChecks({ files, interfaces: HOST_IFS }));
      const clash = modelConflict(sorted);
      if (clash) {
        assert.equal(out.kind, 'exit');
        const line = out.kind === 'exit' ? out.stderr! : '';
        assert.ok(line.startsWith(`ucarp-ts: ${D}/${clash[1]}.conf: `) && line.includes(`${D}/${clash[0]}.conf`), line);
        return;
      }
      assert.equal(out.kind, 'run', out.kind === 'exit' ? out.stderr : '');
      if (out.kind !== 'run') return;
      assert.deepEqual(
        out.settings.groups.map((g) => [g.name, g.interface, g.protocol, g.vhid, g.protocol === 'carp' ? g.advskew : g.priority]),
        sorted.map(([name, f]) => [name, f.iface, f.protocol, f.id, f.skewOrPriority]),
      );
    }),
    { numRuns: 300 },
  );
});

// Groups for the diff: a name and a few fields that may differ.
const group = (name: string, vhid: number, advskew: number, pw: string): GroupSettings =>
  carpGroupSettings({ name, vhid, addrs: [parseIp(`10.0.0.${100 + vhid}`)!], password: Buffer.from(pw), advskew });
const groupsArb = fc
  .uniqueArray(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 }), fc.constantFrom('p', 'q')), { selector: ([n]) => n, maxLength: 6 })
  .map((xs) => xs.map(([n, v, k, p]) => group(n, v, k, p)));

test('a reload diff is a partition: unchanged means equal, changed means not, nothing is lost', () => {
  fc.assert(
    fc.property(groupsArb, groupsArb, (running, wanted) => {
      const d = diffGroups(running, wanted);
      const names = (gs: GroupSettings[]) => gs.map((g) => g.name).sort();
      const after = [...d.added, ...d.changed.map(([, n]) => n), ...d.unchanged];
      assert.deepEqual(names(after), names(wanted));
      assert.deepEqual(names([...d.removed, ...d.changed.map(([o]) => o), ...d.unchanged]), names(running));
      for (const g of d.unchanged) assert.deepEqual(g, wanted.find((w) => w.name === g.name));
      for (const [o, n] of d.changed) assert.notDeepEqual(o, n);
      // Back again undoes it; the same set changes nothing.
      const back = diffGroups(wanted, running);
      assert.deepEqual(names(back.added), names(d.removed));
      assert.deepEqual(names(back.unchanged), names(d.unchanged));
      const same = diffGroups(running, running.map((g) => ({ ...g, password: Buffer.from(g.password!) })));
      assert.deepEqual([same.added, same.removed, same.changed], [[], [], []]);
    }),
    { numRuns: 500 },
  );
});
