#!/usr/bin/env node
// ucarp-ts: the command. Parses the settings (one clear line and a non-zero exit for
// any mistake), then runs one virtual host until a signal stops it.
import { parseSettings } from './config/parse-settings.js';
import { createDriver } from './daemon/create-driver.js';
import { Daemon } from './daemon/daemon.js';
import { Logger } from './daemon/logger.js';
import { hideSecretsFromPs } from './daemon/process-title.js';

const args = process.argv.slice(2);
hideSecretsFromPs(args);

const outcome = parseSettings(args, process.env);
if (outcome.kind === 'exit') {
  if (outcome.stdout) process.stdout.write(outcome.stdout.endsWith('\n') ? outcome.stdout : `${outcome.stdout}\n`);
  if (outcome.stderr) process.stderr.write(outcome.stderr.endsWith('\n') ? outcome.stderr : `${outcome.stderr}\n`);
  process.exit(outcome.code);
}

const { settings, warnings } = outcome;
const log = new Logger(settings.debug, true);
for (const w of warnings) log.warning(w);

// Nothing may take the daemon down: a bug is logged and the loop goes on.
process.on('uncaughtException', (e) => log.error(`internal error: ${e.stack ?? e.message}`));
process.on('unhandledRejection', (e) => log.error(`internal error: ${e instanceof Error ? e.stack : String(e)}`));

let daemon: Daemon;
try {
  daemon = new Daemon(settings, createDriver(settings), log);
  daemon.start();
} catch (e) {
  process.stderr.write(`ucarp-ts: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}

process.on('SIGUSR1', () => daemon.status());
process.on('SIGUSR2', () => daemon.demote());
for (const sig of ['SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    void daemon.stop(sig);
  });
}
daemon.done.then((code) => process.exit(code));
