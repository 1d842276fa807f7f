#!/usr/bin/env node
// ucarp-ts: the command. Parses the settings (one clear line and a non-zero exit for
// any mistake), then hands them to the daemon image (src/daemon-process.ts): in the
// foreground by exec, keeping this PID; with --daemonize as a detached child, once it
// reports that it runs. The parser never stays resident in the daemon.
import { parseSettings } from './config/parse-settings.js';
import { encodeHandover, type Handover } from './config/settings-transfer.js';
import { daemonArgv, daemonEnv, execDaemon } from './daemon/daemon-image.js';
import { startDetached } from './daemon/daemonize.js';
import { stderrSink } from './daemon/logger.js';
import { checkPidfile } from './daemon/pidfile.js';
import { hideSecretsFromPs, maskedCommandLine } from './daemon/process-title.js';

const EXIT_FAILURE = 1;

function fail(reason: string, code = EXIT_FAILURE): never {
  process.stderr.write(`ucarp-ts: ${reason}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  hideSecretsFromPs(args);

  const outcome = parseSettings(args, process.env);
  if (outcome.kind === 'exit') {
    if (outcome.stdout) process.stdout.write(outcome.stdout.endsWith('\n') ? outcome.stdout : `${outcome.stdout}\n`);
    if (outcome.stderr) process.stderr.write(outcome.stderr.endsWith('\n') ? outcome.stderr : `${outcome.stderr}\n`);
    process.exit(outcome.code);
  }
  if (outcome.kind === 'status') {
    const { runStatus } = await import('./control/status-command.js');
    let code: number;
    try {
      code = await runStatus(outcome);
    } catch (e) {
      fail(e instanceof Error ? e.message : String(e));
    }
    // Flushed before exit: stdout may be a pipe to a monitoring program.
    process.stdout.write('', () => process.exit(code));
    return;
  }
  const handover: Handover = { settings: outcome.settings, warnings: outcome.warnings, title: maskedCommandLine(args) };

  if (handover.settings.process.daemonize) {
    // The operator is watching this terminal now; the daemon logs the same to syslog.
    for (const w of handover.warnings) stderrSink('warning', w);
    if (handover.settings.process.pidfile) {
      try {
        checkPidfile(handover.settings.process.pidfile);
      } catch (e) {
        fail(e instanceof Error ? e.message : String(e));
      }
    }
    const started = await startDetached(encodeHandover(handover).toString(), { argv: daemonArgv([], handover.title), env: daemonEnv() });
    if (!started.ok) fail(started.reason, started.code);
    process.exit(0);
  }

  try {
    execDaemon(handover);
  } catch (e) {
    // No exec (addon not built, or a sandbox forbids it): run the daemon right here.
    if (handover.settings.process.debug) stderrSink('debug', `exec of the daemon image failed (${e instanceof Error ? e.message : String(e)}): running in this process`);
    const { runDaemon } = await import('./daemon/run-daemon.js');
    await runDaemon(handover, null);
  }
}

void main();
