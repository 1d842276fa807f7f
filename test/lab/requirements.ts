// Lab tests need Linux, root, iproute2 and the peers they talk to. They never skip: a
// missing prerequisite is a failure that names what is missing (scripts/setup.sh
// installs everything), because a skipped interop test would hide a broken promise.
import { existsSync } from 'node:fs';
import { runSync } from './run.js';

let labChecked = false;

/** Throws with the reason when network-namespace labs cannot be built here. */
export function requireLab(): void {
  if (labChecked) return;
  let missing: string | undefined;
  if (process.platform !== 'linux') missing = 'network namespaces need Linux';
  else if (process.getuid?.() !== 0) missing = 'network namespaces need root (run the tests as root)';
  else if (runSync(['ip', 'netns', 'list']).code !== 0) missing = '`ip netns` is not available (install iproute2: scripts/setup.sh)';
  if (missing) throw new Error(`lab tests cannot run: ${missing}`);
  labChecked = true;
}

/** Throws unless the program is installed (an absolute path, or a command answering --version). */
export function requireProgram(program: string, debianPackage: string): void {
  const found = program.startsWith('/') ? existsSync(program) : runSync([program, '--version']).code === 0;
  if (!found) throw new Error(`${program} is missing: install the ${debianPackage} package (scripts/setup.sh does)`);
}

/** Debian's /usr/bin/python3 must import the module. */
export function requirePython3Module(module: string, debianPackage: string): void {
  if (runSync(['/usr/bin/python3', '-c', `import ${module}`]).code !== 0) {
    throw new Error(`python3 module ${module} is missing: install the ${debianPackage} package (scripts/setup.sh does)`);
  }
}

