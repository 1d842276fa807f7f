// Paths of the compiled helper programs that tests run inside lab hosts.
import { fileURLToPath } from 'node:url';
import { nodeArgv } from './lab.js';

export function supportScript(name: string): string {
  return fileURLToPath(new URL(`../support/${name}.js`, import.meta.url));
}

/** argv for `node dist/test/support/<name>.js args...`. */
export function supportArgv(name: string, ...args: string[]): string[] {
  return nodeArgv(supportScript(name), ...args);
}
