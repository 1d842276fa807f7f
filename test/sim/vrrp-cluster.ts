// Builds simulated VRRP groups for the tests.
import { parseIp } from '../../src/core/ip-address.js';
import { VrrpElection, type VrrpElectionConfig, type VrrpHeard, type VrrpToSend } from '../../src/core/election/vrrp-election.js';
import { Random } from '../support/random.js';
import { Simulator, type SimNodeSpec } from './simulator.js';

export type VrrpNodeOptions = Partial<Omit<VrrpElectionConfig, 'self'>> & { addr: string };

export function vrrpNode(o: VrrpNodeOptions): SimNodeSpec<VrrpHeard, VrrpToSend> {
  const self = parseIp(o.addr);
  if (self === undefined) throw new Error(`bad address ${o.addr}`);
  const version = o.version ?? 3;
  return {
    addr: self,
    create: () =>
      new VrrpElection({
        version,
        self,
        priority: o.priority ?? 100,
        intervalCs: o.intervalCs ?? 100,
        preempt: o.preempt ?? false,
        neutral: o.neutral ?? false,
        downOnStop: o.downOnStop ?? true,
        demoteQuietMs: o.demoteQuietMs ?? 3000,
        checks: o.checks ?? [],
      }),
  };
}

export function vrrpCluster(nodes: VrrpNodeOptions[], seed = 1): Simulator<VrrpHeard, VrrpToSend> {
  return new Simulator(nodes.map(vrrpNode), (sent, src) => ({ src, ...sent }), new Random(seed));
}
