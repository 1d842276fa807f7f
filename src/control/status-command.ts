// ucarp-ts --status [--json]: asks every daemon on this host and prints what they say.
// Runs in the command image and starts nothing.
import { queryDaemons } from './status-query.js';
import { formatStatus, statusExitCode, statusJson } from './status-text.js';

export async function runStatus(o: { json: boolean; runDir: string }): Promise<number> {
  const q = await queryDaemons(o.runDir);
  process.stdout.write(o.json ? statusJson(q) : formatStatus(q, o.runDir));
  return statusExitCode(q);
}
