// The benchmark's output: table cells, text and Markdown tables, target verdicts, the
// SVG chart and the report page.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chartPanels, renderReport, type RunInfo } from '../../scripts/bench/report.js';
import { escapeXml, formatTick, niceStep, panelWindow, renderChart } from '../../scripts/bench/svg.js';
import { COLUMNS, floodCell, GROUPS_COLUMNS, groupsRows, idleCells, outageCell, renderMarkdown, renderText, rowCells, tableRows } from '../../scripts/bench/table.js';
import { checkGroupsTargets, checkTargets, renderVerdicts } from '../../scripts/bench/targets.js';
import type { GroupsFailure, GroupsResult, GroupsRowId, RowResult, RowSpec, Trial } from '../../scripts/bench/types.js';

const every = (from: number, to: number, step = 5): number[] => {
  const out: number[] = [];
  for (let t = from; t <= to; t += step) out.push(t);
  return out;
};

function trial(outageMs: number | undefined, extra: Partial<Trial> = {}): Trial {
  if (outageMs === undefined) return { replies: every(-300, -5), duplicates: 0, windowFrom: -300, windowTo: 500, error: 'backup never became MASTER\nmore', ...extra };
  return {
    replies: [...every(-300, -5), ...every(outageMs - 5, outageMs + 300)],
    outageMs,
    gapFrom: -5,
    gapTo: outageMs - 5,
    duplicates: 0,
    windowFrom: -300,
    windowTo: outageMs + 300,
    ...extra,
  };
}

const spec = (id: string, proto: 'carp' | 'vrrp3', extra = false): RowSpec => ({
  id,
  label: `row ${id}`,
  proto,
  master: 'ucarp-ts',
  backup: 'ucarp-ts',
  extra,
});

function row(id: string, proto: 'carp' | 'vrrp3', crash: (number | undefined)[], sigterm: (number | undefined)[], more: Partial<RowResult> = {}): RowResult {
  return { spec: spec(id, proto, more.spec?.extra ?? false), trials: { crash: crash.map((o) => trial(o)), sigterm: sigterm.map((o) => trial(o)), service: [] }, ...more };
}

describe('table cells', () => {
  it('shows median, range and n of the outages', () => {
    assert.equal(outageCell([trial(3200), trial(3195), trial(3230)]), '3200 ms (3195–3230, n=3)');
    assert.equal(outageCell([trial(12)]), '12 ms');
    assert.equal(outageCell([]), '–');
  });

  it('says how many trials failed, and duplicate replies', () => {
    assert.equal(outageCell([trial(20), trial(undefined), trial(30)]), '25 ms (20–30, n=2) [1/3 failed]');
    assert.equal(outageCell([trial(20, { duplicates: 2 })]), '20 ms [2 DUP replies]');
    assert.equal(outageCell([trial(undefined)]), 'failed: backup never became MASTER');
  });

  it('shows memory, idle CPU per hour and flood CPU', () => {
    const r = row('a', 'carp', [], [], {
      idle: { windowMs: 30_000, cpuMs: 60, rssKb: 51_200, anonKb: 20_480, processes: 1 },
      flood: { windowMs: 10_000, cpuMs: 1_234, sent: 200_000, achievedRate: 19_990, heldRoles: true },
    });
    assert.deepEqual(idleCells(r), ['50.0 MB (anon 20.0)', '7.2 s (0.20% of a core)']);
    assert.equal(floodCell(r, true), '12.3% (20.0k/s sent)');
    const two = row('k', 'vrrp3', [], [], { idle: { windowMs: 10_000, cpuMs: 1, rssKb: 13_000, anonKb: 1_024, processes: 2 } });
    assert.deepEqual(idleCells(two), ['12.7 MB (anon 1.0, 2 processes)', '0.4 s (0.010% of a core)']);
  });

  it('shows each round beside the median figure when there were several', () => {
    const r = row('a', 'vrrp3', [], [], {
      idle: { windowMs: 20_000, cpuMs: 50, rssKb: 51_200, anonKb: 20_480, processes: 1, roundShares: [0.26, 0.25, 0.31] },
      flood: { windowMs: 10_000, cpuMs: 1_000, sent: 200_000, achievedRate: 20_000, heldRoles: true, roundShares: [9.5, 10, 11.25] },
    });
    assert.deepEqual(idleCells(r), ['50.0 MB (anon 20.0)', '9.0 s (0.25% of a core; rounds 0.26/0.25/0.31)']);
    assert.equal(floodCell(r, true), '10.0% (20.0k/s sent; rounds 9.5/10.0/11.3)');
  });

  it('marks a flood that changed roles, a missing flood tool, and mixed rows', () => {
    const r = row('a', 'carp', [], [], { flood: { windowMs: 10_000, cpuMs: 500, sent: 1, achievedRate: 20_000, heldRoles: false } });
    assert.match(floodCell(r, true), /roles changed!/);
    assert.equal(floodCell(row('b', 'carp', [], []), false), 'not measured (no flood tool)');
    assert.equal(floodCell(row('c', 'carp', [], [], { spec: spec('c', 'carp', true) }), true), '–');
    assert.deepEqual(idleCells(row('d', 'carp', [], [])), ['–', '–']);
  });

  it('has one cell per column, and the reference lines after the rows', () => {
    const rows = tableRows([row('a', 'carp', [3200], [15])], true);
    assert.equal(rowCells(row('a', 'carp', [3200], [15]), true).length, COLUMNS.length);
    assert.ok(rows.every((r) => r.length === COLUMNS.length));
    assert.equal(rows[0]![0], 'row a');
    assert.match(rows[1]![0]!, /^ref: ucarp 1\.5\.2/);
    assert.match(rows[2]![0]!, /^ref: keepalived/);
  });
});

describe('table layout', () => {
  it('aligns the text table', () => {
    const text = renderText(['a', 'long header'], [['xxxx', '1'], ['y', '22']]);
    assert.equal(text, ['a     long header', '----  -----------', 'xxxx  1', 'y     22'].join('\n'));
  });

  it('writes Markdown with escaped pipes', () => {
    assert.equal(renderMarkdown(['h1', 'h2'], [['a|b', 'c']]), ['| h1 | h2 |', '| --- | --- |', '| a\\|b | c |'].join('\n'));
  });
});

describe('targets', () => {
  const full = [
    row('uts-carp', 'carp', [3210, 3205, 3220], [15, 20, 12], {
      idle: { windowMs: 30_000, cpuMs: 90, rssKb: 45_000, anonKb: 20_000, processes: 1 },
      flood: { windowMs: 10_000, cpuMs: 1_500, sent: 200_000, achievedRate: 19_990, heldRoles: true },
    }),
    row('ucarp', 'carp', [3600, 3610, 3590], [3600, 3590, 3620]),
    row('uts-vrrp', 'vrrp3', [200, 195, 190], [15, 60, 20], {
      idle: { windowMs: 30_000, cpuMs: 900, rssKb: 70_000, anonKb: 30_000, processes: 1 },
      flood: { windowMs: 10_000, cpuMs: 2_500, sent: 200_000, achievedRate: 19_990, heldRoles: true },
    }),
    row('keepalived', 'vrrp3', [185, 183, 190], [35, 30, 40]),
  ];
  const verdicts = checkTargets(full);
  const find = (re: RegExp) => verdicts.find((v) => re.test(v.target));

  it('judges the graceful outage on the worst trial', () => {
    assert.equal(find(/graceful.*CARP, ucarp-ts/)?.met, true);
    const v = find(/graceful.*VRRPv3, ucarp-ts/);
    assert.equal(v?.met, false);
    assert.equal(v?.figure, 'worst 60 ms, median 20 ms');
  });

  it('compares crash medians with the reference daemon of the same run', () => {
    assert.equal(find(/crash.*ucarp/)?.met, true);
    assert.equal(find(/crash.*ucarp/)?.figure, 'median 3210 ms vs 3600 ms: beats it');
    assert.equal(find(/crash.*keepalived/)?.met, false);
    assert.equal(find(/crash.*keepalived/)?.figure, 'median 195 ms vs 185 ms: slower');
  });

  it('counts a crash outage within one ping interval of the reference as a tie', () => {
    const pair = [row('uts-vrrp', 'vrrp3', [188, 188, 189], []), row('keepalived', 'vrrp3', [187, 178, 189], [])];
    const tie = checkTargets(pair, 5).find((v) => /crash.*keepalived/.test(v.target));
    assert.equal(tie?.met, true);
    assert.equal(tie?.figure, 'median 188 ms vs 187 ms: a tie within the 5 ms ping interval');
    assert.equal(checkTargets(pair, 0).find((v) => /crash.*keepalived/.test(v.target))?.met, false, 'without a resolution, 1 ms slower is slower');
  });

  it('judges memory, idle CPU at advbase 1 and flood CPU', () => {
    assert.equal(find(/memory.*\(CARP\)/)?.met, true);
    assert.equal(find(/memory.*VRRPv3/)?.met, false);
    assert.equal(find(/idle CPU.*CARP/)?.met, true);
    assert.equal(find(/idle CPU <.*VRRP/), undefined, 'the absolute idle target is for advbase 1 only');
    assert.equal(find(/forged.*\(CARP\)/)?.met, true);
    assert.equal(find(/forged.*VRRPv3/)?.met, false);
  });

  it('judges issue 13\'s CPU ratios against the reference daemon of the same run', () => {
    const idle = (cpuMs: number) => ({ windowMs: 30_000, cpuMs, rssKb: 45_000, anonKb: 8_000, processes: 1 });
    const flood = (cpuMs: number, achievedRate = 19_990) => ({ windowMs: 10_000, cpuMs, sent: 200_000, achievedRate, heldRoles: true });
    const v = checkTargets([
      row('uts-carp', 'carp', [], [], { idle: idle(12), flood: flood(1_500) }),
      row('ucarp', 'carp', [], [], { idle: idle(5), flood: flood(1_400) }),
      row('uts-vrrp', 'vrrp3', [], [], { idle: idle(60), flood: flood(1_500, 9_000) }),
      row('keepalived', 'vrrp3', [], [], { idle: idle(75), flood: flood(1_700) }),
    ]);
    const ratio = (re: RegExp) => v.find((x) => re.test(x.target));
    assert.deepEqual([ratio(/idle CPU ≤ 3× ucarp/)?.met, ratio(/idle CPU ≤ 3× ucarp/)?.figure], [true, '0.040% vs 0.017% of a core: 2.40×']);
    assert.equal(ratio(/idle CPU ≤ keepalived/)?.met, true);
    assert.deepEqual([ratio(/≤ ucarp \(CARP\)/)?.met, ratio(/≤ ucarp \(CARP\)/)?.figure], [false, '15.0% vs 14.0% of a core: 1.07×']);
    assert.equal(ratio(/≤ keepalived \(VRRPv3\)/)?.met, undefined, 'a flood short of its rate is not judged');
    assert.equal(checkTargets([row('uts-carp', 'carp', [], [])]).find((x) => /3× ucarp/.test(x.target))?.met, undefined);
  });

  it('does not judge what was not measured, nor a flood short of its rate', () => {
    const partial = [row('uts-carp', 'carp', [3200], [], { flood: { windowMs: 10_000, cpuMs: 100, sent: 50_000, achievedRate: 5_000, heldRoles: true } })];
    const v = checkTargets(partial);
    assert.equal(v.find((x) => /crash/.test(x.target))?.met, undefined);
    assert.equal(v.find((x) => /forged/.test(x.target))?.met, undefined);
    assert.equal(v.find((x) => /graceful/.test(x.target)), undefined, 'no SIGTERM trials: no verdict');
    assert.match(renderVerdicts(v).join('\n'), /^n\/a +crash/m);
  });

  it('judges the service rows against keepalived\'s vrrp_script, and their memory at 55 MB', () => {
    const idle = (mbs: number) => ({ idle: { windowMs: 10_000, cpuMs: 10, rssKb: mbs * 1024, anonKb: 9 * 1024, processes: 1 } });
    const withService = (id: string, proto: 'carp' | 'vrrp3', outages: number[], more: Partial<RowResult> = {}): RowResult => {
      const r = row(id, proto, [], [], more);
      return { ...r, spec: { ...r.spec, service: true }, trials: { ...r.trials, service: outages.map((o) => trial(o)) } };
    };
    const v = checkTargets([
      withService('uts-carp-check', 'carp', [2010, 2020, 2030], idle(52)),
      withService('uts-vrrp-check', 'vrrp3', [2110, 2120], idle(56)),
      withService('ka-check', 'vrrp3', [2060, 2070, 2080]),
    ], 5);
    assert.deepEqual(v.filter((x) => /service outage/.test(x.target)).map((x) => [x.met, x.figure]), [[true, 'median 2020 ms vs 2070 ms'], [false, 'median 2115 ms vs 2070 ms']]);
    assert.deepEqual(v.filter((x) => /55 MB/.test(x.target)).map((x) => x.met), [true, false]);
    assert.equal(rowCells(withService('uts-carp-check', 'carp', [2010]), true)[3], '2010 ms');
  });

  it('fails a graceful target whose trials all failed', () => {
    const v = checkTargets([row('uts-carp', 'carp', [], [undefined, undefined])]);
    assert.equal(v.find((x) => /graceful/.test(x.target))?.met, false);
  });
});

function groupsRow(id: GroupsRowId, more: Partial<GroupsResult> & { cpuMs?: number; rssMb?: number; processes?: number } = {}): GroupsResult {
  const { cpuMs = 600, rssMb = 60, processes = 1, ...rest } = more;
  return {
    id,
    count: 100,
    settleMs: 4380,
    settled: 100,
    idle: { windowMs: 20_000, cpuMs, rssKb: rssMb * 1024, anonKb: 17 * 1024, processes },
    takeoverMs: 3650,
    held: 100,
    ...rest,
  };
}

describe('groups rows (issue 16)', () => {
  it('shows settling, idle CPU, memory and the takeover, one cell per column', () => {
    const rows = groupsRows([
      groupsRow('groups-uts'),
      groupsRow('groups-ucarp', { processes: 100, rssMb: 523, settled: 98 }),
      groupsRow('groups-keepalived', { processes: 2, held: 97, takeoverMs: 20_012 }),
    ]);
    assert.deepEqual(rows[0], ['ucarp-ts, 100 groups in one process', '4.4 s', '3.00%', '60.0 MB (17.0 MB)', '100/100 in 3650 ms']);
    assert.deepEqual(rows[1], ['ucarp 1.5.2, 100 processes', '4.4 s (98/100 held)', '3.00%', '523.0 MB (17.0 MB), 100 processes', '100/100 in 3650 ms']);
    assert.equal(rows[2]![0], 'keepalived 2.2.7, 100 instances (50 in a sync group)');
    assert.equal(rows[2]![4], '97/100 in 20012 ms');
    assert.ok(rows.every((r) => r.length === GROUPS_COLUMNS.length));
  });

  it('says why a row failed', () => {
    const failed: GroupsFailure = { id: 'groups-ucarp', count: 100, error: 'ucarp on a never became MASTER\nstack' };
    assert.deepEqual(groupsRows([failed]), [['ucarp 1.5.2, 100 processes', 'failed: ucarp on a never became MASTER', '–', '–', '–']]);
  });

  it('judges issue 16\'s targets on the ucarp-ts row only', () => {
    const v = checkGroupsTargets([groupsRow('groups-uts', { cpuMs: 150, rssMb: 61 }), groupsRow('groups-ucarp', { cpuMs: 5000, rssMb: 523 })]);
    assert.deepEqual(renderVerdicts(v), [
      'MET   100 groups: takeover ≤ master-down interval + 200 ms (3809 ms): 100/100 in 3650 ms',
      'MET   100 groups: idle CPU ≤ 1% of a core: 0.75%',
      'MET   100 groups: resident memory ≤ 70 MB: 61.0 MB',
    ]);
    const miss = checkGroupsTargets([groupsRow('groups-uts', { cpuMs: 792, rssMb: 71, takeoverMs: 3810 })]);
    assert.deepEqual(miss.map((x) => x.met), [false, false, false]);
    assert.equal(checkGroupsTargets([groupsRow('groups-uts', { held: 99, takeoverMs: 3000 })])[0]?.met, false, 'an address left behind fails the takeover');
    assert.deepEqual(checkGroupsTargets([groupsRow('groups-keepalived')]), [], 'no ucarp-ts row: nothing to judge');
    const failed = checkGroupsTargets([{ id: 'groups-uts', count: 100, error: 'lab broke' }]);
    assert.deepEqual(failed.map((x) => [x.met, x.figure]), [[false, 'failed: lab broke'], [false, 'failed: lab broke'], [false, 'failed: lab broke']]);
  });
});

describe('SVG chart', () => {
  it('picks round tick steps', () => {
    assert.equal(niceStep(4000), 500);
    assert.equal(niceStep(400), 50);
    assert.equal(niceStep(1000, 10), 100);
    assert.equal(niceStep(0), 1);
    assert.equal(formatTick(1500, 500), '1.5 s');
    assert.equal(formatTick(2000, 1000), '2 s');
    assert.equal(formatTick(150, 50), '150 ms');
    assert.equal(formatTick(0, 500), '0 s');
    assert.equal(formatTick(-250, 250), '-0.25 s');
  });

  it('shows a little before the event and past the last outage', () => {
    const w = panelWindow([{ label: 'x', replies: [], outage: { from: -5, to: 3190, ms: 3195 } }]);
    assert.equal(w.fromMs, -200);
    assert.ok(w.toMs >= 3390 && w.toMs <= 4000, `toMs ${w.toMs}`);
  });

  it('escapes text', () => {
    assert.equal(escapeXml(`a<b>&"c'`), 'a&lt;b&gt;&amp;&quot;c&apos;');
  });

  it('draws one lane per trial with its replies, outage and label', () => {
    const results = [row('uts-carp', 'carp', [3200, undefined], [15]), row('uts-vrrp', 'vrrp3', [190], [20])];
    const panels = chartPanels(results);
    assert.deepEqual(panels.map((p) => p.lanes.length), [2, 1, 1, 1]);
    assert.match(panels[0]!.title, /CARP.*dies/);
    assert.match(panels[3]!.title, /VRRPv3.*SIGTERM/);
    const svg = renderChart('title <1>', 'sub', panels);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /<\/svg>\n$/);
    assert.match(svg, /title &lt;1&gt;/);
    assert.match(svg, /row uts-carp #2/);
    assert.match(svg, />3200 ms</);
    assert.match(svg, /failed: backup never became MASTER</);
    assert.match(svg, /Master_Down_Interval 3195 ms/);
    assert.match(svg, /Master_Down_Interval 180 ms/);
    // Replies 5 ms apart are drawn as bars, not one mark each.
    const bars = svg.match(/class="reply"/g)?.length ?? 0;
    assert.ok(bars >= 5 && bars < 20, `${bars} reply bars`);
    // Well-formed enough: every opened element is closed.
    assert.equal((svg.match(/<text /g) ?? []).length, (svg.match(/<\/text>/g) ?? []).length);
    assert.doesNotMatch(svg, /NaN|undefined/);
  });
});

describe('report page', () => {
  it('holds the command, machine, table, verdicts and chart', () => {
    const results = [row('uts-carp', 'carp', [3200], [15])];
    const info: RunInfo = {
      date: '2025-01-01T00:00:00Z',
      command: 'sudo npm run bench',
      machine: 'CPU X, 2 cores',
      versions: 'Node v20',
      load: '1.00 / 2.00',
      durationS: 300,
      settings: 'trials 3',
      warmupS: 45,
    };
    const md = renderReport(results, checkTargets(results), info, false, 'benchmarks.svg');
    assert.match(md, /```sh\nsudo npm run bench\n```/);
    assert.match(md, /CPU X, 2 cores/);
    assert.match(md, /alike, runs settled for 45 s/);
    assert.match(md, /\| row uts-carp \| 3200 ms \| 15 ms \|/);
    assert.match(md, /not measured \(no flood tool\)/);
    assert.match(md, /^MET +graceful/m);
    assert.match(md, /!\[[^\]]*\]\(benchmarks\.svg\)/);
    assert.doesNotMatch(md, /Many groups/, 'a run without the groups rows has no groups section');
  });

  it('holds the groups table and issue 16\'s verdicts, before the chart', () => {
    const results = [row('uts-carp', 'carp', [3200], [15])];
    const info: RunInfo = { date: 'd', command: 'c', machine: 'm', versions: 'v', load: 'l', durationS: 1, settings: 's', warmupS: 30 };
    const groups = [groupsRow('groups-uts'), groupsRow('groups-keepalived', { processes: 2, rssMb: 13 })];
    const md = renderReport(results, checkTargets(results), info, true, 'benchmarks.svg', { results: groups, verdicts: checkGroupsTargets(groups) });
    assert.match(md, /^## Many groups per node \(issue 16\)$/m);
    assert.match(md, /^\| groups per node \| settle \|/m);
    assert.match(md, /^\| ucarp-ts, 100 groups in one process \| 4\.4 s \| 3\.00% \| 60\.0 MB \(17\.0 MB\) \| 100\/100 in 3650 ms \|$/m);
    assert.match(md, /^\| keepalived 2\.2\.7, 100 instances \(50 in a sync group\) \|/m);
    assert.match(md, /^MISS +100 groups: idle CPU ≤ 1% of a core: 3\.00%$/m);
    assert.match(md, /Master_Down_Interval is 3609 ms/);
    assert.ok(md.indexOf('## Many groups') > md.indexOf('## Targets (issue 5)') && md.indexOf('## Many groups') < md.indexOf('## What the client saw'));
  });
});
