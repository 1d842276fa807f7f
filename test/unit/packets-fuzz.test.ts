// A fixed-seed slice of scripts/fuzz-decoder: 200,000 random and mutated packets through
// the whole receive path with no exception, no forgery accepted, and every stage reached.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runPacketFuzz } from '../support/packet-fuzz.js';

describe('packet decoder fuzz', () => {
  it('survives 200,000 packets and reaches every decoder outcome', () => {
    const r = runPacketFuzz(200_000, 20240611);
    const o = r.outcomes;
    const ipTotal = Object.entries(o)
      .filter(([k]) => k.startsWith('ip:'))
      .reduce((s, [, n]) => s + n, 0);
    assert.equal(ipTotal, 200_000, 'every packet has exactly one IP outcome');
    const carpTotal = Object.entries(o)
      .filter(([k]) => k.startsWith('carp:'))
      .reduce((s, [, n]) => s + n, 0);
    assert.equal(carpTotal, o['ip:ok'], 'every IP-valid packet has one CARP outcome');
    const expected = [
      'ip:ok', 'ip:short', 'ip:ip-header', 'ip:checksum',
      'carp:version', 'carp:type', 'carp:length', 'carp:checksum', 'carp:auth', 'carp:other-vhid',
      'carp:verified', 'carp:verified-edited-replay',
      'vrrp2:version', 'vrrp2:length', 'vrrp2:checksum', 'vrrp2:interval', 'vrrp2:ok', 'vrrp2:auth',
      'vrrp3:version', 'vrrp3:length', 'vrrp3:checksum', 'vrrp3:interval', 'vrrp3:ok',
    ];
    for (const name of expected) assert.ok((o[name] ?? 0) > 0, `outcome ${name} never happened: ${JSON.stringify(o)}`);
  });

  it('is reproducible from its seed', () => {
    assert.deepEqual(runPacketFuzz(5_000, 7).outcomes, runPacketFuzz(5_000, 7).outcomes);
    assert.notDeepEqual(runPacketFuzz(5_000, 7).outcomes, runPacketFuzz(5_000, 8).outcomes);
  });
});
