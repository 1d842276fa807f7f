// Group snapshots for unit tests of --status and the metrics: a plausible group, changed by `over`.
import type { GroupSnapshot } from '../../src/control/snapshot.js';

export function groupSnapshot(over: Partial<GroupSnapshot> = {}): GroupSnapshot {
  return {
    group: 'eth0/carp/7',
    name: 'ucarp',
    interface: 'eth0',
    protocol: 'carp',
    vhid: 7,
    state: 'MASTER',
    since: '2026-01-02T03:04:05.000Z',
    preference: { kind: 'advskew', configured: 10, effective: 10 },
    masterHeard: { address: '10.0.0.2', at: '2026-01-02T03:04:00.000Z' },
    addresses: ['10.0.0.100'],
    checks: [],
    adverts: { sent: 12, received: 3, failed: 0 },
    bowOuts: { sent: 0, received: 1 },
    refused: { auth: 5, ttl: 1 },
    transitions: { INIT: 0, BACKUP: 1, MASTER: 1, FAULT: 0 },
    lastScript: {
      script: 'up', path: '/etc/up', address: '10.0.0.100', result: 'ok', exitCode: 0, signal: null,
      startedAt: '2026-01-02T03:04:05.000Z', durationSeconds: 0.012,
    },
    scriptRuns: { up: { ok: 1 }, down: { ok: 1 } },
    scriptDurations: {
      up: { bounds: [0.01, 0.1], counts: [0, 1, 1], sum: 0.012, count: 1 },
    },
    ...over,
  };
}
