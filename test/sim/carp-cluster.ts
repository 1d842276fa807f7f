// Builds simulated CARP clusters for the tests.
import { CarpElection, type CarpElectionConfig, type CarpHeard, type CarpToSend } from '../../src/core/election/carp-election.js';
import { initialCounter } from '../../src/core/election/replay-guard.js';
import { parseIp } from '../../src/core/ip-address.js';
import { Random } from '../support/random.js';
import { Simulator, type SimNodeSpec } from './simulator.js';

export type CarpNodeOptions = Partial<Omit<CarpElectionConfig, 'self' | 'initialCounter'>> & { addr: string };

/** Simulated wall clock at t=0, so restarted nodes get fresh counters as real ones do. */
const EPOCH_MS = 1_780_000_000_000;

export function carpNode(o: CarpNodeOptions): SimNodeSpec<CarpHeard, CarpToSend> {
  const self = parseIp(o.addr);
  if (self === undefined) throw new Error(`bad address ${o.addr}`);
  return {
    addr: self,
    create: (now) =>
      new CarpElection({
        self,
        advbase: o.advbase ?? 1,
        advskew: o.advskew ?? 0,
        deadratio: o.deadratio ?? 3,
        preempt: o.preempt ?? false,
        neutral: o.neutral ?? false,
        downOnStop: o.downOnStop ?? true,
        demoteQuietMs: o.demoteQuietMs ?? 3000,
        checks: o.checks ?? [],
        initialCounter: initialCounter(EPOCH_MS + now),
      }),
  };
}

export function carpCluster(nodes: CarpNodeOptions[], seed = 1): Simulator<CarpHeard, CarpToSend> {
  return new Simulator(nodes.map(carpNode), (sent, src) => ({ src, ...sent }), new Random(seed));
}
