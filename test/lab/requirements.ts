// Lab tests need root and iproute2; say why they are skipped instead of failing.
import { runSync } from './run.js';

let cached: string | false | undefined;

/** undefined when labs can be built here, otherwise the reason they cannot. */
export function labSkipReason(): string | undefined {
  if (cached === undefined) {
    if (process.platform !== 'linux') cached = 'network namespaces need Linux';
    else if (process.getuid?.() !== 0) cached = 'network namespaces need root';
    else if (runSync(['ip', 'netns', 'list']).code !== 0) cached = '`ip netns` is not available';
    else cached = false;
  }
  return cached === false ? undefined : cached;
}
