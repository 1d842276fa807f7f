// Issue 16's scale rows alone, for a quick run: 100 groups per node, ucarp-ts in one process
// beside 100 ucarp processes and keepalived with 100 instances (scripts/bench/groups.ts).
// Prints the table and issue 16's targets; `npm run bench` runs the same rows after the
// pairs and writes them into docs/benchmarks.md.
//
//   node dist/scripts/bench-groups.js [--groups N] [--idle-seconds S] [--only groups-uts,groups-ucarp,groups-keepalived]
import { parseArgs } from 'node:util';
import { requireLab } from '../test/lab/requirements.js';
import { ucarpAvailable } from '../test/support/carp-lab.js';
import { keepalivedAvailable } from '../test/support/keepalived.js';
import { runGroupsRows } from './bench/groups.js';
import { GROUPS_COLUMNS, groupsRows, renderText } from './bench/table.js';
import { checkGroupsTargets, renderVerdicts } from './bench/targets.js';
import { GROUPS_ROW_IDS, type GroupsRowId } from './bench/types.js';

/** A mistyped option is one line, never a stack. */
function usage(problem: string): never {
  process.stderr.write(`bench-groups: ${problem}\nusage: node dist/scripts/bench-groups.js [--groups N] [--idle-seconds S] [--only ${GROUPS_ROW_IDS.join(',')}]\n`);
  process.exit(64);
}

function parseOptions() {
  try {
    return parseArgs({ options: { groups: { type: 'string' }, 'idle-seconds': { type: 'string' }, only: { type: 'string' } } }).values;
  } catch (e) {
    return usage(e instanceof Error ? e.message : String(e));
  }
}

const values = parseOptions();
const count = Number(values.groups ?? 100);
const idleSeconds = Number(values['idle-seconds'] ?? 20);
const only = (values.only?.split(',').map((s) => s.trim()) ?? [...GROUPS_ROW_IDS]) as GroupsRowId[];
if (!(count >= 2 && count <= 100 && count % 2 === 0)) usage('--groups: an even number from 2 to 100');
if (!(idleSeconds >= 1)) usage('--idle-seconds: a number of seconds, at least 1');
if (!only.every((r) => GROUPS_ROW_IDS.includes(r))) usage(`--only: some of ${GROUPS_ROW_IDS.join(',')}`);

requireLab();
if (only.includes('groups-ucarp')) ucarpAvailable();
if (only.includes('groups-keepalived')) keepalivedAvailable();

const results = await runGroupsRows(GROUPS_ROW_IDS.filter((r) => only.includes(r)), { count, warmupSeconds: 30, idleSeconds, log: (l) => console.log(l) });
console.log(`\n${renderText(GROUPS_COLUMNS, groupsRows(results))}\n\n${renderVerdicts(checkGroupsTargets(results)).join('\n')}`);
