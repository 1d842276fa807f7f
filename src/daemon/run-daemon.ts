// Runs one virtual host until a signal stops it: logging (stderr, syslog), the
// pidfile, the daemon itself and the signals that steer it. Called in the daemon
// image (src/daemon-process.ts) with settings the command already validated.
import type { Handover } from '../config/settings-transfer.js';
import { createDriver } from './create-driver.js';
import { Daemon } from './daemon.js';
import type { DaemonChild } from './daemonize.js';
import { Logger, stderrSink } from './logger.js';
import { checkPidfile, removePidfile, writePidfile } from './pidfile.js';
import { SyslogWriter } from './syslog.js';

const EXIT_FAILURE = 1;

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A start-up failure: one line to whoever is waiting for it, then a non-zero exit. */
export async function refuseToStart(reason: string, child: DaemonChild | null, code = EXIT_FAILURE): Promise<never> {
  if (child) await child.fail(reason, code);
  else process.stderr.write(`ucarp-ts: ${reason}\n`);
  process.exit(code);
}

/** child: the channel to the --daemonize parent, or null in the foreground. */
export function runDaemon({ settings, warnings }: Handover, child: DaemonChild | null): void {
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
    if (child && !child.answered) void refuseToStart(`internal error: ${e.message}`, child);
  });
  process.on('unhandledRejection', (e) => log.error(`internal error: ${e instanceof Error ? e.stack : String(e)}`));

  const pidfile = settings.pidfile;
  if (pidfile) {
    try {
      checkPidfile(pidfile);
    } catch (e) {
      void refuseToStart(message(e), child);
      return;
    }
    process.on('exit', () => removePidfile(pidfile));
  }

  let daemon: Daemon;
  try {
    daemon = new Daemon(settings, createDriver(settings), log);
    daemon.start({
      onReady: () => {
        if (pidfile) writePidfile(pidfile);
        child?.ready();
      },
    });
  } catch (e) {
    syslog?.write('error', message(e)); // stderr gets the line from refuseToStart()
    void refuseToStart(message(e), child);
    return;
  }

  process.on('SIGUSR1', () => daemon.status());
  process.on('SIGUSR2', () => daemon.demote());
  for (const sig of ['SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      void daemon.stop(sig);
    });
  }
  void daemon.done.then((code) => {
    if (pidfile) removePidfile(pidfile);
    syslog?.close();
    process.exit(code);
  });
}
