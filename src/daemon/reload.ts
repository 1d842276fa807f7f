// SIGHUP with --config-dir: the directory read again (by src/read-config-dir.ts, in a
// child process, so the parser never loads into the daemon) and the running groups
// changed to match, touching only what changed.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeHandover } from '../config/settings-transfer.js';
import type { GroupSettings } from '../config/settings.js';
import { groupLabel, type Groups } from './groups.js';
import type { Logger } from './logger.js';

// dist/src/read-config-dir.js: beside the bundled daemon image (dist/src/daemon-process.cjs),
// one directory up from this module when it runs unbundled (dist/src/daemon/).
const READER = ['./read-config-dir.js', '../read-config-dir.js']
  .map((p) => fileURLToPath(new URL(p, import.meta.url)))
  .find((p) => existsSync(p));

export type ReadOutcome = { ok: true; groups: GroupSettings[]; warnings: string[] } | { ok: false; reason: string };

/** The directory's groups as the command would read them now, or why not. */
export function readGroups(dir: string): Promise<ReadOutcome> {
  if (!READER) return Promise.resolve({ ok: false, reason: 'read-config-dir.js is missing beside the daemon' });
  return new Promise((resolve) => {
    execFile(process.execPath, [READER, dir], { env: process.env, maxBuffer: 64 << 20, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) {
        const line = stderr.trim().replace(/^ucarp-ts: /, '') || error.message;
        return resolve({ ok: false, reason: line });
      }
      try {
        const h = decodeHandover(stdout);
        resolve({ ok: true, groups: h.settings.groups, warnings: h.warnings });
      } catch (e) {
        resolve({ ok: false, reason: e instanceof Error ? e.message : String(e) });
      }
    });
  });
}

/** One reload at a time; a SIGHUP during one makes one more run after it. */
export class Reloader {
  private busy: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly dir: string,
    private readonly groups: Groups,
    private readonly log: Logger,
  ) {}

  request(): void {
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = this.run().finally(() => {
      this.busy = null;
      if (this.again) {
        this.again = false;
        this.request();
      }
    });
  }

  /** Resolves when no reload is running. */
  async idle(): Promise<void> {
    while (this.busy) await this.busy;
  }

  private async run(): Promise<void> {
    this.log.info(`Reloading ${this.dir}`);
    const read = await readGroups(this.dir);
    if (!read.ok) {
      this.log.error(`reload refused, every group goes on as it was: ${read.reason}`);
      return;
    }
    for (const w of read.warnings) this.log.warning(w);
    const diff = await this.groups.reload(read.groups);
    const names = (gs: GroupSettings[]) => (gs.length > 0 ? ` (${gs.map(groupLabel).join(', ')})` : '');
    this.log.notice(
      `Reloaded ${this.dir}: ${diff.added.length} added${names(diff.added)}, ${diff.removed.length} removed${names(diff.removed)}, ` +
        `${diff.changed.length} changed${names(diff.changed.map(([, g]) => g))}, ${diff.unchanged.length} unchanged`,
    );
  }
}
