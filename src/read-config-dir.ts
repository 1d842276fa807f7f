// Reads a --config-dir for a running daemon's reload (SIGHUP), in a process of its own:
// the daemon image never loads the option parser (it would stay resident for good), so
// it runs this, which parses the directory exactly as the command did at start-up and
// writes the hand-over (groups and warnings) to stdout, or one error line to stderr
// and the command's exit status.
import { parseSettings } from './config/parse-settings.js';
import { encodeHandover } from './config/settings-transfer.js';

const dir = process.argv[2] ?? '';
const out = parseSettings(['--config-dir', dir], process.env);
if (out.kind === 'run') {
  process.stdout.write(encodeHandover({ settings: out.settings, warnings: out.warnings, title: '' }));
} else {
  process.stderr.write(out.kind === 'exit' ? (out.stderr ?? '') : 'ucarp-ts: not a group directory\n');
  process.exitCode = out.kind === 'exit' ? out.code || 64 : 64;
}
