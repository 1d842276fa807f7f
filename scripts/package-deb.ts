// Builds ucarp-ts_VERSION_ARCH.deb with Debian's own tools (dpkg-deb, dpkg-shlibdeps)
// from what `npm run build` made. The installed tree is the npm package itself (what
// `npm pack` ships), with its production dependencies installed from package-lock.json
// and the native addons compiled, so the .deb and the npm package cannot differ.
//
//   node dist/scripts/package-deb.js [--out DIR] [--keep-stage]
//
// Layout: /usr/lib/ucarp-ts (the package), /usr/sbin/ucarp-ts (a relative symlink to its
// cli, so an extracted tree runs from wherever it is), the man page, bash and zsh
// completion, the systemd units of examples/systemd, /etc/ucarp-ts (conffiles; the
// settings example is 0600: it holds a password) and /usr/share/doc/ucarp-ts.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGING = join(ROOT, 'packaging', 'deb');
export const LIB_DIR = 'usr/lib/ucarp-ts';
export const SYSTEMD_DIR = 'lib/systemd/system';
/** Where the example unit expects the command (npm's default prefix) and where the package puts it. */
const EXAMPLE_BIN = '/usr/local/bin/ucarp-ts';
const PACKAGE_BIN = '/usr/sbin/ucarp-ts';

const sh = (argv: string[], cwd = ROOT, stderr: 'inherit' | 'ignore' = 'inherit', env = process.env): string =>
  execFileSync(argv[0]!, argv.slice(1), { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', stderr] });

/** Debian's hardening flags for the dependencies' addons too (node-gyp's Makefiles read these). */
const HARDENED = { CFLAGS: '-D_FORTIFY_SOURCE=2', CXXFLAGS: '-D_FORTIFY_SOURCE=2', LDFLAGS: '-Wl,-z,relro,-z,now' };

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

function put(stage: string, path: string, data: string | Buffer, mode = 0o644): void {
  const target = join(stage, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, data);
  chmodSync(target, mode);
}

/** gzip -9n: no name, no time stamp, so the package is reproducible. */
const gzip = (data: Buffer | string): Buffer => {
  const z = gzipSync(data, { level: 9 });
  z.writeUInt32LE(0, 4); // MTIME
  return z;
};

/** The newest changelog entry's version; it must be package.json's. */
function changelogVersion(text: string): string {
  const m = /^ucarp-ts \(([^)]+)\)/.exec(text);
  if (!m) throw new Error('packaging/deb/changelog: the first line is not "ucarp-ts (VERSION) ..."');
  return m[1]!;
}

/** The installed package: npm pack's contents plus production node_modules with built addons. */
function installPackage(stage: string, work: string): void {
  const tarball = sh(['npm', 'pack', '--ignore-scripts', '--silent', '--pack-destination', work]).trim().split('\n').pop()!;
  sh(['tar', '-xzf', join(work, tarball), '-C', work]);
  const lib = join(stage, LIB_DIR);
  mkdirSync(dirname(lib), { recursive: true });
  renameSync(join(work, 'package'), lib);
  copyFileSync(join(ROOT, 'package-lock.json'), join(lib, 'package-lock.json'));
  // Runs every install script: node-gyp builds our addons and raw-socket's and unix-dgram's.
  sh(['npm', 'ci', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], lib, 'inherit', { ...process.env, ...HARDENED });

  // Written before the modules' READMEs go: one of them is where its licence is stated.
  put(stage, 'usr/share/doc/ucarp-ts/copyright', copyright(lib));

  // Only what runs: the compiled addons, not their sources or build intermediates.
  rmSync(join(lib, 'package-lock.json'));
  rmSync(join(lib, 'node_modules', '.package-lock.json'), { force: true });
  for (const p of ['native', 'examples', 'dist/man', 'dist/completion', 'README.md', 'LICENSE']) rmSync(join(lib, p), { recursive: true, force: true });
  // A native module's build/ keeps only its compiled addons (the directory of that name in
  // other modules, yargs's for one, is their code). Type declarations and maps are for
  // developers, and nan is C++ headers for building raw-socket and unix-dgram: none of
  // them is loaded at run time, nor are the addons' C++ sources and gyp files.
  for (const dir of walkDirs(lib)) {
    if (!existsSync(dir)) continue;
    // Dependencies' commands (execa's cross-spawn brings which's node-which): nothing runs them.
    if (/\/node_modules\/\.bin$/.test(dir)) {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (/\/node_modules\/(@[^/]+\/)?[^/.][^/]*$/.test(dir) && existsSync(join(dir, 'package.json'))) {
      const { bin } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { bin?: string | Record<string, string> };
      for (const file of typeof bin === 'string' ? [bin] : Object.values(bin ?? {})) rmSync(join(dir, file), { force: true });
    }
    if (/\/node_modules\/nan$/.test(dir)) {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (!existsSync(join(dir, 'binding.gyp')) || !existsSync(join(dir, 'build'))) continue;
    for (const file of walk(join(dir, 'build'))) if (!/\/build\/Release\/[^/]+\.node$/.test(file)) rmSync(file);
    for (const p of ['binding.gyp', 'src']) rmSync(join(dir, p), { recursive: true, force: true });
  }
  for (const file of walk(join(lib, 'node_modules')))
    if (/(\.d\.ts|\.map|\/\.npmignore|\/(readme|changelog|history|security)[^/]*\.md)$/i.test(file)) rmSync(file);
  pruneEmptyDirs(lib);
  for (const file of walk(lib)) {
    if (lstatSync(file).isSymbolicLink()) continue;
    if (file.endsWith('.node')) sh(['strip', '--strip-unneeded', '--remove-section=.comment', '--remove-section=.note', file]);
    chmodSync(file, 0o644);
  }
  chmodSync(join(lib, 'dist/src/cli.js'), 0o755);
}

function pruneEmptyDirs(dir: string): boolean {
  let empty = true;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory() && pruneEmptyDirs(join(dir, e.name))) rmSync(join(dir, e.name), { recursive: true });
    else empty = false;
  }
  return empty;
}

/** The machine-readable copyright file: ucarp-ts's licence and each bundled module's. */
function copyright(lib: string): string {
  const indent = (text: string): string =>
    text.trim().split('\n').map((l) => (l.trim() === '' ? ' .' : ` ${l.trimEnd()}`)).join('\n');
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license: string };
  const parts = [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
    'Upstream-Name: ucarp-ts',
    '',
    'Files: *',
    'Copyright: 2026 the ucarp-ts authors',
    `License: ${pkg.license}\n${indent(readFileSync(join(ROOT, 'LICENSE'), 'utf8'))}`,
  ];
  const modules = walk(join(lib, 'node_modules'))
    .filter((f) => f.endsWith('/package.json'))
    .map((f) => dirname(f))
    .filter((d) => /node_modules\/(@[^/]+\/)?[^/]+$/.test(d))
    .sort();
  for (const dir of modules) {
    const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      name?: string;
      license?: string | { type?: string };
      licenses?: Array<{ type?: string }>;
    };
    const licence = typeof meta.license === 'string' ? meta.license : (meta.license?.type ?? meta.licenses?.[0]?.type ?? 'unknown');
    const entries = readdirSync(dir);
    const licenceFile = entries.find((n) => /^(licen[sc]e|copying)([-.][\w.-]+)?$/i.test(n));
    // Without a licence file (raw-socket), the README's "License" section says it.
    const readme = entries.find((n) => /^readme(\.md)?$/i.test(n));
    const text = licenceFile
      ? readFileSync(join(dir, licenceFile), 'utf8')
      : readme
        ? (/^#+ *licen[sc]e *\n([\s\S]*?)(?=^#|(?![\s\S]))/im.exec(readFileSync(join(dir, readme), 'utf8'))?.[1] ?? '')
        : '';
    // Debian ships the Apache licence (human-signals, under execa) in common-licenses: refer to it.
    const common = licence === 'Apache-2.0' ? 'On Debian systems the full text of the Apache License 2.0 is in /usr/share/common-licenses/Apache-2.0.' : null;
    const holder = /^\s*(?:\(c\)\s*)?copyright\s*(?:\(c\)|©)?\s*(.+)$/im.exec(text)?.[1]?.trim() ?? `the ${meta.name ?? 'module'} authors`;
    parts.push(
      '',
      `Files: ${relative(join(lib, '..', '..', '..'), dir)}/*`,
      `Copyright: ${holder}`,
      `License: ${licence}${common ? `\n${indent(common)}` : text.trim() ? `\n${indent(text)}` : ''}`,
    );
  }
  return `${parts.join('\n')}\n`;
}

/** Depends for the native addons, as dpkg-shlibdeps works them out. */
function shlibDepends(stage: string): string {
  const nodes = walk(join(stage, LIB_DIR)).filter((f) => f.endsWith('.node'));
  const dir = mkdtempSync(join(tmpdir(), 'ucarp-ts-shlibs-'));
  try {
    put(dir, 'debian/control', 'Source: ucarp-ts\n\nPackage: ucarp-ts\nArchitecture: any\n');
    const out = sh(['dpkg-shlibdeps', '-O', '--ignore-missing-info', '--warnings=0', ...nodes.map((n) => resolve(n))], dir, 'ignore');
    const m = /^shlibs:Depends=(.*)$/m.exec(out);
    if (!m) throw new Error(`dpkg-shlibdeps gave no dependencies: ${out}`);
    return m[1]!;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function buildDeb(outDir: string, keepStage = false): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const changelog = readFileSync(join(PACKAGING, 'changelog'), 'utf8');
  if (changelogVersion(changelog) !== pkg.version)
    throw new Error(`packaging/deb/changelog is at ${changelogVersion(changelog)}, package.json at ${pkg.version}: add a changelog entry`);
  for (const f of ['dist/src/cli.js', 'dist/man/ucarp-ts.8', 'dist/completion/ucarp-ts'])
    if (!existsSync(join(ROOT, f))) throw new Error(`${f} is missing: run "npm run build" first`);
  const arch = sh(['dpkg', '--print-architecture']).trim();

  const work = mkdtempSync(join(tmpdir(), 'ucarp-ts-deb-'));
  const stage = join(work, 'root');
  try {
    installPackage(stage, work);
    const lib = join(stage, LIB_DIR);

    mkdirSync(join(stage, 'usr/sbin'), { recursive: true });
    symlinkSync(relative(join(stage, 'usr/sbin'), join(lib, 'dist/src/cli.js')), join(stage, 'usr/sbin/ucarp-ts'));
    put(stage, 'usr/share/man/man8/ucarp-ts.8.gz', gzip(readFileSync(join(ROOT, 'dist/man/ucarp-ts.8'))));
    put(stage, 'usr/share/bash-completion/completions/ucarp-ts', readFileSync(join(ROOT, 'dist/completion/ucarp-ts')));
    put(stage, 'usr/share/zsh/vendor-completions/_ucarp-ts', readFileSync(join(ROOT, 'dist/completion/_ucarp-ts')));

    // Every unit in examples/systemd (the template, and whatever joins it), pointing at /usr/sbin.
    for (const unit of readdirSync(join(ROOT, 'examples/systemd')).filter((n) => /\.(service|target|timer|socket)$/.test(n))) {
      const text = readFileSync(join(ROOT, 'examples/systemd', unit), 'utf8').replaceAll(EXAMPLE_BIN, PACKAGE_BIN);
      put(stage, join(SYSTEMD_DIR, unit), text);
    }

    const conffiles: Array<[string, string, number]> = [
      // Not *.conf: ucarp-ts.service (--config-dir /etc/ucarp-ts) would run it as a group.
      ['examples/ucarp-ts.conf', 'etc/ucarp-ts/example.conf.sample', 0o600],
      ['examples/vip-up.sh', 'etc/ucarp-ts/vip-up.sh', 0o755],
      ['examples/vip-down.sh', 'etc/ucarp-ts/vip-down.sh', 0o755],
    ];
    for (const [from, to, mode] of conffiles) put(stage, to, readFileSync(join(ROOT, from)), mode);

    // The settings example holds a password: 0600 is deliberate (README, "Debian package").
    put(stage, 'usr/share/lintian/overrides/ucarp-ts', 'ucarp-ts: non-standard-file-perm 0600 != 0644 [etc/ucarp-ts/example.conf.sample]\n');

    const doc = 'usr/share/doc/ucarp-ts';
    put(stage, `${doc}/changelog.gz`, gzip(changelog));
    put(stage, `${doc}/README.md.gz`, gzip(readFileSync(join(ROOT, 'README.md'))));
    cpSync(join(ROOT, 'examples/init.d'), join(stage, doc, 'examples/init.d'), { recursive: true });
    cpSync(join(ROOT, 'examples/lvs-dr'), join(stage, doc, 'examples/lvs-dr'), { recursive: true });
    put(stage, `${doc}/examples/README.md`, readFileSync(join(ROOT, 'examples/README.md')));
    for (const f of walk(join(stage, doc, 'examples'))) chmodSync(f, 0o644); // documentation, not programs to run in place

    const files = walk(stage).filter((f) => !lstatSync(f).isSymbolicLink());
    const sizeKb = Math.ceil(files.reduce((n, f) => n + statSync(f).size, 0) / 1024);
    const control = readFileSync(join(PACKAGING, 'control.in'), 'utf8')
      .replace('@VERSION@', pkg.version)
      .replace('@ARCH@', arch)
      .replace('@SIZE@', String(sizeKb))
      .replace('@SHLIBS@', shlibDepends(stage));
    const md5sums = files
      .sort()
      .map((f) => `${createHash('md5').update(readFileSync(f)).digest('hex')}  ${relative(stage, f)}`)
      .join('\n');
    put(stage, 'DEBIAN/control', control);
    put(stage, 'DEBIAN/conffiles', conffiles.map(([, to]) => `/${to}\n`).join(''));
    put(stage, 'DEBIAN/md5sums', `${md5sums}\n`);
    for (const d of walkDirs(stage)) chmodSync(d, 0o755);

    mkdirSync(outDir, { recursive: true });
    const deb = join(outDir, `ucarp-ts_${pkg.version}_${arch}.deb`);
    sh(['dpkg-deb', '--root-owner-group', '-Zxz', '--build', stage, deb]);
    return deb;
  } finally {
    if (keepStage) process.stderr.write(`package-deb: staging tree kept in ${stage}\n`);
    else rmSync(work, { recursive: true, force: true });
  }
}

function walkDirs(dir: string): string[] {
  const out = [dir];
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) out.push(...walkDirs(join(dir, e.name)));
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const outIndex = args.indexOf('--out');
  const out = outIndex >= 0 && args[outIndex + 1] ? resolve(args[outIndex + 1]!) : ROOT;
  process.stdout.write(`${buildDeb(out, args.includes('--keep-stage'))}\n`);
}
