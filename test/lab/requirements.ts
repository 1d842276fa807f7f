// Lab tests need Linux, root and iproute2. They never skip: a missing prerequisite is a
// failure that says what is missing (scripts/setup.sh installs everything), because a
// skipped interop test would hide a broken promise.
import { runSync } from './run.js';

let checked = false;

/**
 * Throws with the reason when labs cannot be built here; otherwise returns undefined,
 * so `describe(name, { skip: labSkipReason() }, ...)` runs the tests or fails loudly.
 */
export function labSkipReason(): undefined {
  if (checked) return undefined;
  let missing: string | undefined;
  if (process.platform !== 'linux') missing = 'network namespaces need Linux';
  else if (process.getuid?.() !== 0) missing = 'network namespaces need root (run the tests as root)';
  else if (runSync(['ip', 'netns', 'list']).code !== 0) missing = '`ip netns` is not available (install iproute2: scripts/setup.sh)';
  if (missing) throw new Error(`lab tests cannot run: ${missing}`);
  checked = true;
  return undefined;
}
