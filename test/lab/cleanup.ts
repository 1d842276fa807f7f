// Namespaces must never outlive a run. Live labs are registered here; process
// 'exit' and SIGINT/SIGTERM remove them synchronously, and sweepStaleLabs()
// removes what a killed run (SIGKILL, power loss) left behind.
import { runSync } from './run.js';

/** Every lab namespace is called uts<pid>-<lab number>-<name>. */
export const NAMESPACE_PATTERN = /^uts(\d+)-(\d+)-(\S+)$/;

export interface SyncDestroyable {
  destroySync(): void;
}

const live = new Set<SyncDestroyable>();
let installed = false;

function cleanAll(): void {
  for (const lab of [...live]) {
    try {
      lab.destroySync();
    } catch {
      /* keep going: the other labs still need removing */
    }
  }
  live.clear();
}

const onExit = (): void => cleanAll();
const onSignal = (signal: NodeJS.Signals): void => {
  cleanAll();
  process.exit(signal === 'SIGINT' ? 130 : 143);
};

export function registerLab(lab: SyncDestroyable): void {
  live.add(lab);
  if (!installed) {
    installed = true;
    process.on('exit', onExit);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
}

export function unregisterLab(lab: SyncDestroyable): void {
  live.delete(lab);
  if (installed && live.size === 0) {
    // Leave signal handling to the program again once no lab needs it.
    installed = false;
    process.off('exit', onExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function listNamespaces(): string[] {
  const r = runSync(['ip', 'netns', 'list']);
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n.length > 0);
}

/** SIGKILLs every process in the namespace, then deletes it. */
export function removeNamespaceSync(ns: string): void {
  const pids = runSync(['ip', 'netns', 'pids', ns]).stdout.split(/\s+/).filter(Boolean).map(Number);
  for (const pid of pids) {
    if (pid === process.pid) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  runSync(['ip', 'netns', 'del', ns]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes lab namespaces whose creating process is dead. Returns their names. */
export function sweepStaleLabs(): string[] {
  const removed: string[] = [];
  for (const ns of listNamespaces()) {
    const m = NAMESPACE_PATTERN.exec(ns);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || alive(pid)) continue;
    removeNamespaceSync(ns);
    removed.push(ns);
  }
  return removed;
}
