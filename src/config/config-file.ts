// The --config file: KEY=value lines in the shape operators keep for init scripts
// (comments, blank lines, quotes, an optional "export " prefix). dotenv's parse()
// turns a line into its value, but it silently skips lines it does not understand
// and cuts an unquoted value at "#" where a shell would not, so every raw line is
// checked here first and anything doubtful is an error naming file and line.
import { parse as dotenvParse } from 'dotenv';
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

export function parseConfigFile(text: string, fileName: string): ConfigFile {
  const entries = new Map<string, FileEntry>();
  const warnings: string[] = [];
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
    if (!key.startsWith('UCARP_')) {
      warnings.push(`${at}: ignoring ${key}, only UCARP_* settings are read`);
      return;
    }
    entries.set(key, { value, line: lineNo });
  });
  return { entries, warnings };
}
