// One run of one health check: what the probe found, in the words the log shows.
import type { CheckSpec } from '../config/check-spec.js';
import type { CheckRule } from '../core/election/health.js';
import { execProbe } from './exec-probe.js';
import { fileProbe, interfaceProbe, processProbe } from './host-probes.js';
import { httpProbe, tcpProbe } from './net-probes.js';
import { withDeadline, type ProbeOutcome } from './outcome.js';

export type { ProbeOutcome } from './outcome.js';

/** Runs the probe; never rejects, and settles by the check's timeout. */
export function runProbe(spec: CheckSpec, signal: AbortSignal): Promise<ProbeOutcome> {
  const t = spec.target;
  switch (t.kind) {
    case 'exec':
      return execProbe(t.argv, spec.timeoutMs, signal);
    case 'tcp':
      return tcpProbe(t.host, t.port, spec.timeoutMs);
    case 'http':
      return httpProbe(t.url, spec.timeoutMs);
    case 'process':
      return withDeadline(processProbe(t.name), spec.timeoutMs);
    case 'file':
      return withDeadline(fileProbe(t.path, spec.weight), spec.timeoutMs);
    case 'interface':
      return Promise.resolve(interfaceProbe(t.ifname));
  }
}

/** What the election needs to know of a check: its counting and its weight. */
export function checkRule(spec: CheckSpec): CheckRule {
  const scaled = spec.target.kind === 'file' && spec.weight !== 0;
  return { name: spec.name, rise: spec.rise, fall: spec.fall, weight: spec.weight, ...(scaled ? { scaled } : {}) };
}
