// The generated man page and shell completion against --help: the same options, no
// warnings from mandoc or man, and completion that offers every option and the values
// of those that have a known set. (Built by `npm run build`: dist/man, dist/completion.)
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { OPTIONS } from '../../src/config/options.js';
import { parseSettings } from '../../src/config/parse-settings.js';
import { requireProgram } from '../lab/requirements.js';
import { run } from '../lab/run.js';

const MAN = fileURLToPath(new URL('../../man/ucarp-ts.8', import.meta.url));
const BASH = fileURLToPath(new URL('../../completion/ucarp-ts', import.meta.url));
const ZSH = fileURLToPath(new URL('../../completion/_ucarp-ts', import.meta.url));

/** What `ucarp-ts --help` prints (the command prints this outcome and exits). */
function helpOutput(): string {
  const outcome = parseSettings(['--help'], {});
  assert.ok(outcome.kind === 'exit' && outcome.stdout);
  return outcome.stdout;
}

/** "--long" or "--long/-s" for each option entry of --help. */
const helpOptions = (help: string): string[] =>
  [...help.matchAll(/^ {2}--([a-z-]+)(?:=<[^>]+>)?(?: \(-(\w)[^)]*\))?$/gm)].map((m) => `--${m[1]}${m[2] ? `/-${m[2]}` : ''}`).sort();

/** The same from the man page's option headings (.TP, then \fB\-\-long\fR..., \fB\-s\fR). */
const manOptions = (page: string): string[] =>
  [...page.matchAll(/^\.TP\n\\fB\\-\\-([a-z\\-]+)\\fR[^\n]*?(?:, \\fB\\-(\w)\\fR[^\n]*)?$/gm)]
    .map((m) => `--${m[1]!.replace(/\\-/g, '-')}${m[2] ? `/-${m[2]}` : ''}`)
    .sort();

describe('ucarp-ts(8)', () => {
  it('lists exactly the options --help lists, with the same short forms', () => {
    const fromHelp = helpOptions(helpOutput());
    assert.equal(fromHelp.length, OPTIONS.length, 'every option of the table is in --help');
    assert.deepEqual(manOptions(readFileSync(MAN, 'utf8')), fromHelp);
  });

  it('mandoc -Tlint finds nothing, at any level', async () => {
    requireProgram('/usr/bin/mandoc', 'mandoc');
    const r = await run(['mandoc', '-Tlint', '-W', 'all', MAN]);
    assert.equal(r.stdout + r.stderr, '');
    assert.equal(r.code, 0);
  });

  it('man --warnings renders it without a warning', async () => {
    requireProgram('man', 'man-db');
    const r = await run(['man', '--warnings', '-l', MAN], { env: { ...process.env, MANPAGER: 'cat', MANWIDTH: '80', LC_ALL: 'C.UTF-8' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    for (const section of ['SYNOPSIS', 'OPTIONS', 'CONFIGURATION FILE', 'ENVIRONMENT', 'SIGNALS', 'EXIT STATUS', 'FILES', 'EXAMPLES'])
      assert.match(r.stdout, new RegExp(`^${section}$`, 'm'));
  });
});

/** COMPREPLY for the words typed so far (the last one is the word being completed). */
async function complete(...words: string[]): Promise<string[]> {
  const quoted = ['ucarp-ts', ...words].map((w) => `'${w}'`).join(' ');
  const script = `source '${BASH}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length}; _ucarp_ts; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = await run(['bash', '--norc', '--noprofile', '-c', script]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).sort();
}

describe('bash completion', () => {
  it('offers every long option of --help ("=" after those that take a value)', async () => {
    const offered = await complete('--');
    const expected = [...helpOutput().matchAll(/^ {2}--([a-z-]+)(=)?/gm)].map((m) => `--${m[1]}${m[2] ?? ''}`).sort();
    assert.deepEqual(offered, expected);
    assert.deepEqual(await complete('--proto'), ['--protocol=']);
  });

  it('completes values: protocols, facilities, interfaces, files, after "=" or as the next word', async () => {
    assert.deepEqual(await complete('--protocol', '=', 'vr'), ['vrrp2', 'vrrp3']);
    assert.deepEqual(await complete('--protocol', '='), ['carp', 'vrrp2', 'vrrp3']);
    // With "=" out of COMP_WORDBREAKS the whole word is completed.
    assert.deepEqual(await complete('--protocol=vr'), ['--protocol=vrrp2', '--protocol=vrrp3']);
    assert.deepEqual(await complete('--facility', '=', 'local'), ['local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7']);
    assert.ok((await complete('-f', 'n')).includes('none'));
    assert.deepEqual(await complete('-i', 'l'), ['lo']);
    const dir = mkdtempSync(join(tmpdir(), 'ucarp-ts-complete-'));
    try {
      for (const f of ['up.sh', 'upper', 'down.sh']) writeFileSync(join(dir, f), '');
      assert.deepEqual(await complete('--upscript', '=', `${dir}/up`), [`${dir}/up.sh`, `${dir}/upper`]);
      assert.deepEqual(await complete('-c', `${dir}/d`), [`${dir}/down.sh`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(await complete('--vhid', ''), [], 'nothing to offer for a number');
  });
});

describe('zsh completion', () => {
  it('is valid zsh naming every option of --help', async () => {
    requireProgram('zsh', 'zsh');
    const r = await run(['zsh', '-n', ZSH]);
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(ZSH, 'utf8');
    assert.match(text, /^#compdef ucarp-ts$/m);
    for (const opt of helpOptions(helpOutput())) for (const name of opt.split('/')) assert.ok(text.includes(name), `${name} in the zsh completion`);
  });
});
