// The --config file: KEY=value lines in the shape operators keep for init scripts
// (comments, blank lines, quotes, an optional "export " prefix). dotenv's parse()
// turns a line into its value, but it silently skips lines it does not understand
// and cuts an unquoted value at "#" where a shell would not, so every raw line is
// checked here first and anything doubtful is an error naming file and line.
//
// Values are then expanded as a shell that sources the file would: $VAR and ${VAR}
// (also ${VAR:-default}) refer to earlier lines and to the environment, by
// dotenv-expand (13.x: version 1000 adds command substitution, which a root daemon's
// config file must not run). Its rules differ from a shell's in two ways, kept on
// purpose: a variable set in the environment wins over the file's own line (the same
// precedence ucarp-ts gives the settings themselves), and a key set twice counts with
// its last value everywhere. $(...) and backquotes stay literal text.
import { parse as dotenvParse } from 'dotenv';
import { expand } from 'dotenv-expand';
import { UsageError } from './errors.js';

export interface FileEntry {
  value: string;
  /** 1-based line number, for error messages. */
  line: number;
}

export interface ConfigFile {
  /** UCARP_* keys only; a key set twice keeps its last value, as a shell would. */
  entries: Map<string, FileEntry>;
  warnings: string[];
}

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/;
const LEADING_WORD = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)/;

/** Throws a UsageError naming the key when the value part is not one a shell and dotenv agree on. */
function checkValueSyntax(raw: string, where: string): void {
  const q = raw[0];
  if (q === '"' || q === "'" || q === '`') {
    let end = -1;
    for (let i = 1; i < raw.length; i++) {
      if (q !== "'" && raw[i] === '\\') {
        i++;
        continue;
      }
      if (raw[i] === q) {
        end = i;
        break;
      }
    }
    if (end < 0) throw new UsageError(where, `missing closing ${q} (values must fit on one line)`);
    const after = raw.slice(end + 1);
    if (after && !/^\s+(#.*)?$/.test(after)) {
      throw new UsageError(where, 'unexpected text after the closing quote');
    }
    return;
  }
  // A shell keeps "a#b" whole but dotenv would cut it to "a": refuse rather than guess.
  if (/[^\s]#/.test(raw)) throw new UsageError(where, 'an unquoted "#" would start a comment here; put the value in quotes');
}

/**
 * dotenv drops the quotes, and dotenv-expand would then expand a single-quoted value
 * too (measured: A='$HOME' becomes /root). In a shell single quotes
 * keep the text literal, so such a value's "$" is escaped here ("\$", which
 * dotenv-expand leaves alone and then unescapes) before the expansion.
 */
function keepLiteral(value: string): string {
  return value.replace(/\$/g, () => '\\$');
}

/** Referenced as $KEY or ${KEY...} anywhere in the file. */
function referenced(text: string, key: string): boolean {
  return new RegExp(`\\$(?:\\{${key}(?![A-Za-z0-9_])|${key}(?![A-Za-z0-9_]))`).test(text);
}

/**
 * env: what the file's $VAR references see besides its own lines (the process
 * environment). Nothing is written to it.
 */
export function parseConfigFile(text: string, fileName: string, env: Record<string, string | undefined> = {}): ConfigFile {
  const entries = new Map<string, FileEntry>();
  const warnings: string[] = [];
  /** Every assignment, UCARP_* or not, in file order: the variables references may use. */
  const variables = new Map<string, FileEntry>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((lineText, index) => {
    const lineNo = index + 1;
    const at = `${fileName} line ${lineNo}`;
    if (/^\s*(#.*)?$/.test(lineText)) return;
    const m = ASSIGNMENT.exec(lineText);
    if (!m) {
      // Only the key is named: the rest of the line may be a password.
      const word = LEADING_WORD.exec(lineText);
      if (word) throw new UsageError(`${word[1]} in ${at}`, 'expected KEY=value');
      throw new UsageError(at, 'expected KEY=value, a # comment or a blank line');
    }
    const key = m[1]!;
    const where = `${key} in ${at}`;
    checkValueSyntax(m[2]!, where);
    const parsed = dotenvParse(lineText);
    const value = parsed[key];
    if (value === undefined) throw new UsageError(where, 'could not read the value');
    variables.set(key, { value: m[2]!.startsWith("'") ? keepLiteral(value) : value, line: lineNo });
  });

  const processEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) processEnv[k] = v;
  const expanded = expand({ parsed: Object.fromEntries([...variables].map(([k, e]) => [k, e.value])), processEnv }).parsed ?? {};
  for (const [key, entry] of variables) {
    if (key.startsWith('UCARP_')) entries.set(key, { value: expanded[key] ?? '', line: entry.line });
    // A helper variable (BASE=/etc/ucarp-ts) that later lines refer to is no mistake.
    else if (!referenced(text, key)) warnings.push(`${fileName} line ${entry.line}: ignoring ${key}, only UCARP_* settings are read`);
  }
  return { entries, warnings };
}
