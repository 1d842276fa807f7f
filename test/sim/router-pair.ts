// A router-like pair for the sync-group tests: two hosts, each carrying one group per
// network (outside, inside, ...), CARP or VRRP, host 0 preferred on every network.
import type { CheckRule } from '../../src/core/election/health.js';
import { Random } from '../support/random.js';
import { carpNode } from './carp-cluster.js';
import { SyncSimulator } from './sync-simulator.js';
import { vrrpNode } from './vrrp-cluster.js';

export type Protocol = 'carp' | 'vrrp';

export const NETWORKS = ['outside', 'inside', 'dmz'] as const;

export interface PairOptions {
  preempt?: boolean;
  /**
   * Per network, the host its election prefers (default 0), or 'tie' for equal priorities
   * (the addresses decide): the networks may disagree, and the sync group must still settle.
   */
  preferred?: (0 | 1 | 'tie')[];
  checks?: CheckRule[];
  /** False: the same groups without a sync group. */
  synced?: boolean;
}

/** One group per protocol given, on the networks outside, inside, dmz in that order. */
export function routerPair(protocols: Protocol[], seed: number, o: PairOptions = {}): SyncSimulator {
  const groups = protocols.map((p, k) => {
    const name = NETWORKS[k]!;
    const preferred = o.preferred?.[k] ?? 0;
    const hosts = [0, 1].map((host) => {
      const addr = `10.${k}.0.${host + 1}`;
      const common = { addr, preempt: o.preempt ?? false, checks: o.checks ?? [] };
      const better = preferred === 'tie' || host === preferred;
      return p === 'carp' ? carpNode({ ...common, advskew: better ? 0 : 10 }) : vrrpNode({ ...common, priority: better ? 200 : 100 });
    });
    return { name, segment: name, hosts };
  });
  return new SyncSimulator(groups, new Random(seed), o.synced ?? true);
}

/** The protocol mixes every scenario runs with. */
export const MIXES: Protocol[][] = [['carp', 'carp'], ['vrrp', 'vrrp'], ['carp', 'vrrp'], ['vrrp', 'carp', 'vrrp']];
