// Command-line parsing with getopt_long's rules, so every ucarp invocation keeps working:
// --opt=value, --opt value (even when value starts with a dash), -o value, -ovalue,
// bundled switches (-PzB, -Pv3), unambiguous long prefixes (--int=eth0), "--" ending
// the options. yargs-parser alone gets several of these wrong (-s10.0.0.1 is read as
// a bundle, "--pass -x" loses the value), so a small scanner first rewrites the
// arguments into canonical --long=value tokens and yargs, in strict mode, parses those
// against the declaration built from the option table.
import yargs from 'yargs';
import { OPTIONS, type OptionSpec } from './options.js';
import { UsageError } from './errors.js';

export interface CommandLine {
  /** Option values by long name: strings in the order given, or true for a switch. */
  values: Map<string, string[] | true>;
  /** --help or --version, whichever came first. */
  action: 'help' | 'version' | null;
  /** The first problem found; scanning goes on so that --help still wins. */
  error: UsageError | null;
  /** Every --pass value seen, so error messages can withhold it. */
  secrets: string[];
}

interface Item {
  spec: OptionSpec;
  value: string | true;
}

function findLong(name: string): OptionSpec | UsageError {
  const exact = OPTIONS.find((o) => o.long === name);
  if (exact) return exact;
  const matches = name ? OPTIONS.filter((o) => o.long.startsWith(name)) : [];
  if (matches.length === 1) return matches[0]!;
  // An abbreviation ucarp understood keeps its meaning when a later option shares it (--m: --mcast, not --metrics).
  const ucarps = matches.filter((o) => o.ucarp);
  if (ucarps.length === 1) return ucarps[0]!;
  if (matches.length === 0) return new UsageError('', `unknown option --${name}`);
  return new UsageError('', `ambiguous option --${name} (could be ${matches.map((o) => `--${o.long}`).join(', ')})`);
}

function scan(argv: readonly string[]): { items: Item[]; error: UsageError | null } {
  const items: Item[] = [];
  let error: UsageError | null = null;
  const fail = (e: UsageError) => {
    error ??= e;
  };
  let endOfOptions = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (endOfOptions || arg === '-' || !arg.startsWith('-')) {
      fail(new UsageError('', 'unexpected argument; only options are accepted', 64, arg));
      continue;
    }
    if (arg === '--') {
      endOfOptions = true;
      continue;
    }
    if (arg.startsWith('--')) {
      const body = arg.slice(2);
      const eq = body.indexOf('=');
      const name = eq < 0 ? body : body.slice(0, eq);
      const spec = findLong(name);
      if (spec instanceof UsageError) {
        fail(spec);
        continue;
      }
      if (!spec.takesValue) {
        // The value is not echoed: "--preempt=secret" may be a misplaced password.
        if (eq >= 0) fail(new UsageError(`--${spec.long}`, 'takes no value'));
        else items.push({ spec, value: true });
      } else if (eq >= 0) {
        items.push({ spec, value: body.slice(eq + 1) });
      } else if (i + 1 < argv.length) {
        items.push({ spec, value: argv[++i]! });
      } else {
        fail(new UsageError(`--${spec.long}`, `needs a value (--${spec.long}=<${spec.arg ?? 'value'}>)`));
      }
      continue;
    }
    // A cluster of short options: switches until one that takes a value, which
    // consumes the rest of the cluster or else the next argument.
    for (let j = 1; j < arg.length; j++) {
      const letter = arg[j]!;
      const spec = OPTIONS.find((o) => o.short === letter);
      if (!spec) {
        fail(new UsageError('', `unknown option -${letter}`));
        continue;
      }
      if (!spec.takesValue) {
        items.push({ spec, value: true });
        continue;
      }
      const rest = arg.slice(j + 1);
      if (rest) items.push({ spec, value: rest });
      else if (i + 1 < argv.length) items.push({ spec, value: argv[++i]! });
      else fail(new UsageError(`--${spec.long}`, `needs a value (-${letter} <${spec.arg ?? 'value'}>)`));
      break;
    }
  }
  return { items, error };
}

/** The canonical tokens, parsed by yargs against the option table in strict mode. */
function parseWithYargs(items: readonly Item[]): Map<string, string[] | true> {
  const declaration: Record<string, { type: 'string' | 'boolean'; alias?: string; describe: string }> = {};
  for (const o of OPTIONS) {
    declaration[o.long] = { type: o.takesValue ? 'string' : 'boolean', describe: o.help };
    if (o.short) declaration[o.long]!.alias = o.short;
  }
  const tokens = items.map((it) => (it.value === true ? `--${it.spec.long}` : `--${it.spec.long}=${it.value}`));
  const parsed = yargs(tokens)
    .scriptName('ucarp-ts')
    .parserConfiguration({
      'camel-case-expansion': false,
      'boolean-negation': false,
      'dot-notation': false,
      'parse-numbers': false,
      'parse-positional-numbers': false,
      'duplicate-arguments-array': true,
      'flatten-duplicate-arrays': true,
      'greedy-arrays': false,
      'strip-aliased': true,
      'halt-at-non-option': false,
      'unknown-options-as-args': false,
    })
    // ucarp-ts prints its own help, version and errors; yargs must neither print nor exit.
    // (Turned off before the declaration: "help" and "version" are our own options.)
    .help(false)
    .version(false)
    .exitProcess(false)
    .options(declaration)
    .strict()
    .fail((msg: string | null, err: Error | undefined) => {
      throw new UsageError('', msg ?? err?.message ?? 'invalid command line');
    })
    .parseSync() as Record<string, unknown>;

  const values = new Map<string, string[] | true>();
  for (const o of OPTIONS) {
    const v = parsed[o.long];
    if (v === undefined || v === false) continue;
    if (!o.takesValue) values.set(o.long, true);
    else values.set(o.long, (Array.isArray(v) ? v : [v]).map(String));
  }
  return values;
}

export function parseCommandLine(argv: readonly string[]): CommandLine {
  const { items, error } = scan(argv);
  const secrets = items.filter((it) => it.spec.long === 'pass' && it.value !== true).map((it) => it.value as string);
  const first = items.find((it) => it.spec.long === 'help' || it.spec.long === 'version');
  const action = first ? (first.spec.long as 'help' | 'version') : null;
  if (error || action) return { values: new Map(), action, error, secrets };
  return { values: parseWithYargs(items), action, error: null, secrets };
}
