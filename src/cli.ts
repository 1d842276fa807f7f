#!/usr/bin/env node
// ucarp-ts: the command. Parses the settings (one clear line and a non-zero exit for
// any mistake), goes to the background with --daemonize, then runs one virtual host
// until a signal stops it.
import { parseSettings } from './config/parse-settings.js';
import { createDriver } from './daemon/create-driver.js';
import { Daemon } from './daemon/daemon.js';
import { daemonChild, startDetached, type DaemonChild } from './daemon/daemonize.js';
import { Logger, stderrSink } from './daemon/logger.js';
import { checkPidfile, removePidfile, writePidfile } from './daemon/pidfile.js';
import { hideSecretsFromPs, maskedCommandLine } from './daemon/process-title.js';
import { SyslogWriter } from './daemon/syslog.js';

const EXIT_FAILURE = 1;

// A daemon started by --daemonize receives its arguments over the IPC channel; its
// own command line only ever held the masked copy.
const child = daemonChild();
let args: string[];
if (child) {
  try {
    args = await child.args;
  } catch {
    process.exit(EXIT_FAILURE); // the parent is gone: nobody to report to
  }
} else {
  args = process.argv.slice(2);
}
hideSecretsFromPs(args);

const outcome = parseSettings(args, process.env);
if (outcome.kind === 'exit') {
  if (child) {
    await child.fail(outcome.stderr ?? 'cannot start', outcome.code);
    process.exit(outcome.code);
  }
  if (outcome.stdout) process.stdout.write(outcome.stdout.endsWith('\n') ? outcome.stdout : `${outcome.stdout}\n`);
  if (outcome.stderr) process.stderr.write(outcome.stderr.endsWith('\n') ? outcome.stderr : `${outcome.stderr}\n`);
  process.exit(outcome.code);
}
const { settings, warnings } = outcome;

/** A start-up failure: one line to whoever is waiting for it, then a non-zero exit. */
async function refuse(reason: string, child: DaemonChild | null, code = EXIT_FAILURE): Promise<never> {
  if (child) await child.fail(reason, code);
  else process.stderr.write(`ucarp-ts: ${reason}\n`);
  process.exit(code);
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

if (settings.daemonize && !child) {
  // The operator is watching this terminal now; the daemon logs the same to syslog.
  for (const w of warnings) stderrSink('warning', w);
  if (settings.pidfile) {
    try {
      checkPidfile(settings.pidfile);
    } catch (e) {
      await refuse(message(e), null);
    }
  }
  // The child's command line is the masked copy, for ps only: its real arguments come over IPC.
  const started = await startDetached(args, {
    argv: [process.execPath, ...process.execArgv, process.argv[1]!, ...maskedCommandLine(args).split(' ').slice(1)],
  });
  if (!started.ok) await refuse(started.reason, null, started.code);
  process.exit(0);
}

// From here on this process is the daemon, in the foreground or detached.
const log = new Logger(settings.debug, !child);
let syslog: SyslogWriter | null = null;
if (settings.facility !== 'none') {
  syslog = new SyslogWriter({
    facility: settings.facility,
    // Detached, there is nobody to tell; in the foreground, say it once on stderr.
    onUnavailable: child ? undefined : (why) => stderrSink('warning', `syslog unavailable (${why}): logging to stderr only`),
  });
  log.addSink(syslog.sink);
}
for (const w of warnings) log.warning(w);
if (child) process.chdir('/'); // do not hold a mount busy; every path in settings is absolute

// Nothing may take a running daemon down: a bug is logged and the loop goes on. Before
// it runs, a detached daemon still owes its parent the reason it could not start.
process.on('uncaughtException', (e) => {
  log.error(`internal error: ${e.stack ?? e.message}`);
  if (child && !child.answered) void refuse(`internal error: ${e.message}`, child);
});
process.on('unhandledRejection', (e) => log.error(`internal error: ${e instanceof Error ? e.stack : String(e)}`));

const pidfile = settings.pidfile;
if (pidfile) {
  try {
    checkPidfile(pidfile);
  } catch (e) {
    await refuse(message(e), child);
  }
  process.on('exit', () => removePidfile(pidfile));
}

let daemon!: Daemon;
try {
  daemon = new Daemon(settings, createDriver(settings), log);
  daemon.start({
    onReady: () => {
      if (pidfile) writePidfile(pidfile);
      child?.ready();
    },
  });
} catch (e) {
  syslog?.write('error', message(e)); // stderr gets the line from refuse()
  await refuse(message(e), child);
}

process.on('SIGUSR1', () => daemon.status());
process.on('SIGUSR2', () => daemon.demote());
for (const sig of ['SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    void daemon.stop(sig);
  });
}
daemon.done.then((code) => {
  if (pidfile) removePidfile(pidfile);
  syslog?.close();
  process.exit(code);
});
