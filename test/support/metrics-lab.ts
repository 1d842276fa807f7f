// Status and metrics of ucarp-ts daemons in a lab: scraping from a lab host (the
// client namespace), parsing the exposition into samples, and running --status the
// way an operator would (it only reads the run directory: no daemon is started).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lab } from '../lab/lab.js';
import { requireProgram } from '../lab/requirements.js';
import { run, type RunResult } from '../lab/run.js';
import { supportArgv } from '../lab/support-paths.js';

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
export const METRICS_PORT = 9167;

/** Samples by "name{label="v",...}" exactly as exposed. */
export type Samples = Map<string, number>;

export function parseSamples(text: string): Samples {
  const out: Samples = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** One sample; labels in the order the daemon writes them (vhid, interface, protocol, then the rest). */
export function sample(s: Samples, name: string, labels: Record<string, string>, missing?: number): number {
  const key = `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
  const v = s.get(key) ?? missing;
  assert.ok(v !== undefined, `no sample ${key} in:\n${[...s.keys()].join('\n')}`);
  return v;
}

export async function httpGet(lab: Lab, from: string, url: string, method = 'GET'): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const r = await lab.exec(from, supportArgv('http-probe', 'get', url, method), { timeoutMs: 15_000 });
  const out = JSON.parse(r.stdout.trim() || '{}') as { status?: number; error?: string; headers: Record<string, string>; body: string };
  assert.ok(out.status, `GET ${url} from ${from}: ${out.error ?? r.stderr}`);
  return out as { status: number; headers: Record<string, string>; body: string };
}

/** Scrapes http://<host's address>:<port>/metrics from `from`. */
export async function scrape(lab: Lab, from: string, host: string): Promise<{ body: string; samples: Samples }> {
  const r = await httpGet(lab, from, `http://${lab.host(host).addr}:${METRICS_PORT}/metrics`);
  assert.equal(r.status, 200, r.body);
  return { body: r.body, samples: parseSamples(r.body) };
}

/** Throws with what promtool said unless the exposition passes `promtool check metrics`. */
export async function assertPromtoolAccepts(body: string): Promise<void> {
  requireProgram('promtool', 'prometheus');
  const dir = mkdtempSync(join(tmpdir(), 'ucarp-ts-promtool-'));
  writeFileSync(join(dir, 'metrics.txt'), body);
  const r = await run(['sh', '-c', `promtool check metrics < ${join(dir, 'metrics.txt')}`], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, `promtool check metrics refused the exposition:\n${r.stdout}${r.stderr}\n--- exposition ---\n${body}`);
}

/** ucarp-ts --status [--json] against a run directory, as an operator runs it. */
export function statusCommand(runDir: string, json = false): Promise<RunResult> {
  return run([process.execPath, CLI, '--status', `--run-dir=${runDir}`, ...(json ? ['--json'] : [])], { timeoutMs: 15_000 });
}
