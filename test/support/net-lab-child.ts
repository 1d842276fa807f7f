// Run by the lab tests as a separate process (in the root namespace, where labs
// are made): builds a lab, prints its namespaces, then leaves without
// destroy() in the way the argument says, to prove the exit handlers clean up.
import { setTimeout as sleep } from 'node:timers/promises';
import { Lab } from '../lab/lab.js';

const how = process.argv[2] ?? 'exit';
const lab = await Lab.create({ hosts: ['a'] });
lab.spawn('a', ['sleep', '600']);
process.stdout.write(JSON.stringify({ namespaces: [...lab.hosts.map((h) => h.ns), lab.switchNs] }) + '\n');
if (how === 'exit') process.exit(3);
if (how === 'throw') throw new Error('test body failed');
await sleep(600_000); // 'wait': until the test signals us
