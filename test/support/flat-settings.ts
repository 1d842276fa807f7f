// Tests written against one group read its settings and the process's as one record:
// the single group of a command line, with its protocol's fields (absent ones undefined).
import assert from 'node:assert/strict';
import type { ParseOutcome } from '../../src/config/parse-settings.js';
import type { CarpGroupSettings, ProcessSettings, Protocol, Settings, VrrpGroupSettings } from '../../src/config/settings.js';

type Shared = 'protocol' | 'password';
export type FlatSettings = ProcessSettings &
  Omit<CarpGroupSettings, Shared> &
  Omit<VrrpGroupSettings, Shared> & { protocol: Protocol; password: Buffer | null };

export function flatSettings(s: Settings): FlatSettings {
  assert.equal(s.groups.length, 1, 'one group');
  return { ...s.process, ...s.groups[0]! } as FlatSettings;
}

/** The settings of a parse that must have succeeded, flattened. */
export function settingsOf(out: ParseOutcome): FlatSettings {
  if (out.kind !== 'run') assert.fail(`refused: ${(out.kind === 'exit' ? out.stderr : out.kind) ?? ''}`);
  return flatSettings(out.settings);
}
