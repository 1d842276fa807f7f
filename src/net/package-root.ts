// Finds the package root from a compiled module's location, so native files are
// found the same way from src/ (ts-node style runs) and from dist/src/.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest ancestor of `fromUrl` that holds `marker` (a relative path). */
export function findUpwards(fromUrl: string, marker: string): string | undefined {
  let dir = dirname(fileURLToPath(fromUrl));
  for (;;) {
    if (existsSync(join(dir, marker))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
