// Writes the generated documentation into dist/ (part of `npm run build`, so the npm
// package and the Debian package ship pages that match the code they carry):
//   dist/man/ucarp-ts.8            the manual page
//   dist/completion/ucarp-ts       bash completion (bash-completion's file name)
//   dist/completion/_ucarp-ts      zsh completion
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { packageVersion } from '../src/config/version.js';
import { renderBashCompletion, renderZshCompletion } from './docs/completion.js';
import { renderManPage } from './docs/man-page.js';

const dist = (p: string): string => fileURLToPath(new URL(`../${p}`, import.meta.url));

/** The page's date: SOURCE_DATE_EPOCH (reproducible builds), else the last commit's, else today. */
function pageDate(): string {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (epoch && /^\d+$/.test(epoch)) return new Date(Number(epoch) * 1000).toISOString().slice(0, 10);
  try {
    return execFileSync('git', ['log', '-1', '--format=%cs'], { cwd: dist('..'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return new Date().toISOString().slice(0, 10);
  }
}

mkdirSync(dist('man'), { recursive: true });
mkdirSync(dist('completion'), { recursive: true });
writeFileSync(dist('man/ucarp-ts.8'), renderManPage({ version: packageVersion(), date: pageDate() }));
writeFileSync(dist('completion/ucarp-ts'), renderBashCompletion());
writeFileSync(dist('completion/_ucarp-ts'), renderZshCompletion());
