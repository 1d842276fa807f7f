// The Prometheus text exposition format (version 0.0.4) of the groups' snapshots and
// the process's own figures. Written by hand, not with prom-client: prom-client costs
// about 2.5 MB of the daemon's resident memory (VmRSS of a lone master in a lab,
// 51.2 -> 53.7 MB with its registry, these families and its default metrics, measured),
// on top of the 2 MB node:http itself costs, against a 55 MB budget, for what is a
// page of text. promtool checks this output in the tests.
import { GROUP_STATES, SCRIPT_RESULTS, type GroupSnapshot } from '../control/snapshot.js';

export interface ProcessFigures {
  residentBytes: number;
  cpuSeconds: number;
  startTimeSeconds: number;
  openFds: number;
  version: string;
}

type Labels = Record<string, string>;

/** Label values escaped as the format requires: backslash, double quote, newline. */
const escapeValue = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

const labelText = (l: Labels): string => {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${escapeValue(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};

/** Go's float formatting, as Prometheus parses it: +Inf, NaN, integers without a point. */
const num = (n: number): string => (n === Infinity ? '+Inf' : n === -Infinity ? '-Inf' : Number.isNaN(n) ? 'NaN' : String(n));

class Family {
  readonly lines: string[] = [];
  constructor(
    readonly name: string,
    readonly type: 'gauge' | 'counter' | 'histogram',
    readonly help: string,
  ) {}
  sample(labels: Labels, value: number, suffix = ''): void {
    this.lines.push(`${this.name}${suffix}${labelText(labels)} ${num(value)}`);
  }
}

/** The numbers the "state" gauge uses: 0 init, 1 backup, 2 master, 3 fault. */
export const STATE_VALUE: Record<string, number> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3 };

export function renderMetrics(groups: readonly GroupSnapshot[], proc: ProcessFigures): string {
  const P = 'ucarp_ts_';
  const f = {
    info: new Family(`${P}build_info`, 'gauge', 'Always 1; the version of ucarp-ts in a label.'),
    state: new Family(`${P}state`, 'gauge', 'Group state: 0 init, 1 backup, 2 master, 3 fault.'),
    since: new Family(`${P}state_change_time_seconds`, 'gauge', 'Unix time of the last state change (start-up for init).'),
    transitions: new Family(`${P}transitions_total`, 'counter', 'State changes, by the state entered.'),
    priority: new Family(`${P}priority`, 'gauge', 'VRRP priority (higher wins), as configured and as advertised.'),
    advskew: new Family(`${P}advskew`, 'gauge', 'CARP advskew (lower wins), as configured and as advertised.'),
    sent: new Family(`${P}adverts_sent_total`, 'counter', 'Advertisements sent.'),
    received: new Family(`${P}adverts_received_total`, 'counter', 'Advertisements accepted from other nodes.'),
    failed: new Family(`${P}adverts_send_failures_total`, 'counter', 'Advertisements the kernel refused to send (also in adverts_sent_total).'),
    bowSent: new Family(`${P}bow_outs_sent_total`, 'counter', 'Leaving advertisements sent: CARP bow-out (advbase and advskew 255), VRRP priority 0.'),
    bowReceived: new Family(`${P}bow_outs_received_total`, 'counter', 'Leaving advertisements received: CARP bow-out, VRRP priority 0.'),
    refused: new Family(`${P}refused_packets_total`, 'counter', 'Packets refused, by reason (other-vhid: another group\'s, ignored).'),
    runs: new Family(`${P}script_runs_total`, 'counter', 'Hook script runs, by script and result.'),
    duration: new Family(`${P}script_duration_seconds`, 'histogram', 'How long hook scripts ran.'),
    check: new Family(`${P}check_state`, 'gauge', 'Health check state: 1 up, 0 down, -1 unknown.'),
    rss: new Family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.'),
    cpu: new Family('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.'),
    start: new Family('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.'),
    fds: new Family('process_open_fds', 'gauge', 'Number of open file descriptors.'),
  };
  f.info.sample({ version: proc.version }, 1);
  const several = groups.length > 1;
  for (const g of groups) {
    const base: Labels = { ...(several ? { group: g.group, name: g.name } : {}), vhid: String(g.vhid), interface: g.interface, protocol: g.protocol };
    f.state.sample(base, STATE_VALUE[g.state] ?? 0);
    f.since.sample(base, Date.parse(g.since) / 1000);
    for (const s of GROUP_STATES) f.transitions.sample({ ...base, state: s }, g.transitions[s] ?? 0);
    const pref = g.preference.kind === 'priority' ? f.priority : f.advskew;
    pref.sample({ ...base, which: 'configured' }, g.preference.configured);
    pref.sample({ ...base, which: 'effective' }, g.preference.effective);
    f.sent.sample(base, g.adverts.sent);
    f.received.sample(base, g.adverts.received);
    f.failed.sample(base, g.adverts.failed);
    f.bowSent.sample(base, g.bowOuts.sent);
    f.bowReceived.sample(base, g.bowOuts.received);
    for (const [reason, n] of Object.entries(g.refused)) f.refused.sample({ ...base, reason }, n);
    for (const script of ['up', 'down']) {
      for (const result of SCRIPT_RESULTS) f.runs.sample({ ...base, script, result }, g.scriptRuns[script]?.[result] ?? 0);
      const h = g.scriptDurations[script];
      if (!h) continue;
      h.bounds.forEach((le, i) => f.duration.sample({ ...base, script, le: num(le) }, h.counts[i]!, '_bucket'));
      f.duration.sample({ ...base, script, le: '+Inf' }, h.counts[h.bounds.length]!, '_bucket');
      f.duration.sample({ ...base, script }, h.sum, '_sum');
      f.duration.sample({ ...base, script }, h.count, '_count');
    }
    for (const c of g.checks) f.check.sample({ ...base, check: c.name }, c.state === 'up' ? 1 : c.state === 'down' ? 0 : -1);
  }
  f.rss.sample({}, proc.residentBytes);
  f.cpu.sample({}, proc.cpuSeconds);
  f.start.sample({}, proc.startTimeSeconds);
  f.fds.sample({}, proc.openFds);

  const out: string[] = [];
  for (const fam of Object.values(f)) {
    if (fam.lines.length === 0) continue; // no groups yet, or no checks: no family
    out.push(`# HELP ${fam.name} ${fam.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${fam.name} ${fam.type}`, ...fam.lines);
  }
  return `${out.join('\n')}\n`;
}
