// Runs the process's groups until a signal stops them: logging (stderr, syslog), the
// pidfile, the groups themselves and the signals that steer them. Called in the daemon
// image (src/daemon-process.ts) with settings the command already validated.
import type { Handover } from '../config/settings-transfer.js';
import { EXIT_INTERNAL_ERROR } from './daemon.js';
import type { DaemonChild } from './daemonize.js';
import { injectReadyStall, injectStall } from './fault-injection.js';
import { Groups } from './groups.js';
import { Reloader } from './reload.js';
import { Logger, stderrLine, stderrWriterSink } from './logger.js';
import { checkPidfile, removePidfile, writePidfile } from './pidfile.js';
import { StderrWriter } from './stderr-writer.js';
import { SyslogWriter } from './syslog.js';
import { packageVersion } from '../config/version.js';
import { openControlServer, type ControlServer } from '../control/control-server.js';
import { STATUS_FORMAT, type GroupSnapshot, type ProcessSnapshot } from '../control/snapshot.js';
import type { MetricsServer } from '../metrics/metrics-server.js';

const EXIT_FAILURE = 1;

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A start-up failure: one line to whoever is waiting for it, then a non-zero exit. */
export async function refuseToStart(reason: string, child: DaemonChild | null, code = EXIT_FAILURE): Promise<never> {
  if (child) await child.fail(reason, code);
  else process.stderr.write(`ucarp-ts: ${reason}\n`);
  process.exit(code);
}

/** child: the channel to the --daemonize parent, or null in the foreground. */
export async function runDaemon({ settings: { process: settings, groups: groupSettings }, warnings }: Handover, child: DaemonChild | null): Promise<void> {
  const log = new Logger(settings.debug);
  let syslog: SyslogWriter | null = null;
  // In the foreground, stderr too; written so that it can never block (stderr-writer.ts).
  // What happens to it can only be told to syslog.
  const stderr = child
    ? null
    : new StderrWriter({
        formatNotice: (m) => stderrLine('warning', m),
        onClosed: (why) => {
          log.removeSink(stderrLog!);
          syslog?.write('warning', `stderr is closed (${why}): logging to syslog only`);
        },
        onStalled: () => syslog?.write('warning', 'stderr is not being read: dropping log lines until it is'),
      });
  const stderrLog = stderr ? stderrWriterSink(stderr) : null;
  if (stderrLog) log.addSink(stderrLog);
  if (settings.facility !== 'none') {
    syslog = new SyslogWriter({
      facility: settings.facility,
      // Detached, there is nobody to tell; in the foreground, say it once on stderr.
      onUnavailable: stderr ? (why) => stderr.write(stderrLine('warning', `syslog unavailable (${why}): logging to stderr only`)) : undefined,
    });
    log.addSink(syslog.sink);
  }
  for (const w of warnings) log.warning(w);
  if (child) process.chdir('/'); // do not hold a mount busy; every path in settings is absolute

  // An exception that reaches the top is a fault the daemon cannot reason about: a
  // running daemon hands over and exits non-zero (Daemon.fail); a second one while it
  // does so ends it at once. Before it runs, a detached daemon still owes its parent the reason.
  let groups: Groups | null = null;
  const fatal = (what: string) => (e: unknown) => {
    if (groups && !groups.failing) return groups.fail(what, e);
    if (groups) process.exit(EXIT_INTERNAL_ERROR);
    void refuseToStart(`internal error (${what}): ${message(e)}`, child, EXIT_INTERNAL_ERROR);
  };
  process.on('uncaughtException', fatal('uncaught exception'));
  process.on('unhandledRejection', fatal('unhandled rejection'));

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

  // The groups this process runs, for --status and the metrics.
  const snapshots = (): GroupSnapshot[] => groups?.snapshots() ?? [];
  const version = packageVersion();
  const snapshot = (): ProcessSnapshot => ({ format: STATUS_FORMAT, pid: process.pid, version, groups: snapshots() });

  // Bound before the daemon starts: a taken port is a start-up error, before any packet.
  let metrics: MetricsServer | null = null;
  if (settings.metrics) {
    const { host, port } = settings.metrics;
    try {
      // Loaded only when asked for: node:http alone is resident memory a daemon without --metrics need not pay.
      const [{ listenMetrics }, { renderMetrics }, { processFigures }] = await Promise.all([
        import('../metrics/metrics-server.js'),
        import('../metrics/exposition.js'),
        import('../metrics/process-figures.js'),
      ]);
      metrics = await listenMetrics(host, port, () => renderMetrics(snapshots(), processFigures(version)));
    } catch (e) {
      const where = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
      const reason = `--metrics ${where}: ${(e as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'address already in use' : message(e)}`;
      syslog?.write('error', reason);
      await refuseToStart(reason, child);
      return;
    }
  }

  const running = new Groups(log, settings.configDir !== null);
  try {
    running.start(groupSettings);
    if (pidfile) writePidfile(pidfile);
  } catch (e) {
    syslog?.write('error', message(e)); // stderr gets the line from refuseToStart()
    void refuseToStart(message(e), child);
    return;
  }
  // The handlers go in before the parent hears "ready": a supervisor may signal as soon
  // as it returns, and a signal without a handler would kill the daemon with its pidfile left.
  process.on('SIGUSR1', () => running.status());
  process.on('SIGUSR2', () => running.demote());
  // With --config-dir SIGHUP reloads the directory; otherwise it stops, as in ucarp.
  const configDir = settings.configDir;
  const reloader = configDir ? new Reloader(configDir, running, log) : null;
  for (const sig of ['SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => (sig === 'SIGHUP' && reloader ? reloader.request() : running.stop(sig)));
  }
  child?.ready();
  injectReadyStall();
  groups = running;
  injectStall();

  // Status matters less than failover: a daemon that cannot make its socket still runs.
  let control: ControlServer | null = null;
  openControlServer(settings.runDir, snapshot, (e) => log.warning(`control socket: ${e.message}`)).then(
    (c) => (control = c),
    (e: unknown) => log.warning(`no control socket in ${settings.runDir} (ucarp-ts --status will not see this daemon): ${message(e)}`),
  );

  void running.done.then((code) => {
    control?.close();
    metrics?.close();
    if (pidfile) removePidfile(pidfile);
    syslog?.close();
    stderr?.close();
    process.exit(code);
  });
}
