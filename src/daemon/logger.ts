// Log lines in ucarp's shape ("<time>: [WARNING] Switching to state: MASTER"), to
// stderr and/or any number of extra sinks (syslog). Operators grep for these phrases.

export type Level = 'debug' | 'info' | 'notice' | 'warning' | 'error';

const LABEL: Record<Level, string> = {
  debug: 'DEBUG',
  info: 'INFO',
  notice: 'NOTICE',
  warning: 'WARNING',
  error: 'ERROR',
};

export type LogSink = (level: Level, message: string) => void;

export class Logger {
  private readonly sinks: LogSink[] = [];

  constructor(private readonly debugEnabled: boolean) {}

  addSink(sink: LogSink): void {
    this.sinks.push(sink);
  }

  removeSink(sink: LogSink): void {
    const i = this.sinks.indexOf(sink);
    if (i >= 0) this.sinks.splice(i, 1);
  }

  get debugging(): boolean {
    return this.debugEnabled;
  }

  debug(message: string): void {
    if (this.debugEnabled) this.emit('debug', message);
  }
  info(message: string): void {
    this.emit('info', message);
  }
  notice(message: string): void {
    this.emit('notice', message);
  }
  warning(message: string): void {
    this.emit('warning', message);
  }
  error(message: string): void {
    this.emit('error', message);
  }

  /** A logger whose every line starts with prefix (a group's name), into the same sinks. */
  child(prefix: string): Logger {
    const child = new Logger(this.debugEnabled);
    child.addSink((level, message) => this.emit(level, `${prefix}${message}`));
    return child;
  }

  /** To every sink but one (e.g. "stderr is gone" goes to syslog only). */
  emit(level: Level, message: string, except?: LogSink): void {
    for (const sink of this.sinks) {
      if (sink === except) continue;
      try {
        sink(level, message);
      } catch {
        // A broken sink (closed stderr, syslog gone) must not take the daemon down.
      }
    }
  }
}

/** ucarp's stderr line, newline included. */
export function stderrLine(level: Level, message: string): string {
  return `${timestamp()}: [${LABEL[level]}] ${message}\n`;
}

/**
 * A line straight to process.stderr: for the short-lived command only. The daemon
 * writes through a StderrWriter (stderr-writer.ts), which never blocks.
 */
export function stderrSink(level: Level, message: string): void {
  process.stderr.write(stderrLine(level, message));
}

/** A sink that writes ucarp's stderr lines through a never-blocking writer. */
export function stderrWriterSink(writer: { write(line: string): void }): LogSink {
  return (level, message) => writer.write(stderrLine(level, message));
}

function timestamp(): string {
  const d = new Date();
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
  );
}
