// The password must not be readable in `ps` or /proc/PID/cmdline. Node rewrites the
// process's argument area when process.title is set, so the original command line
// (with --pass) is overwritten by a copy with every secret masked.

const SECRET_LONG = ['--pass'];
const SECRET_SHORT = ['-p'];

export function maskedCommandLine(args: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    if (eq > 0 && SECRET_LONG.includes(a.slice(0, eq))) {
      out.push(`${a.slice(0, eq)}=*`);
    } else if (SECRET_LONG.includes(a) || SECRET_SHORT.includes(a)) {
      out.push(a, '*');
      i++;
    } else if (/^-[^-]/.test(a) && a.includes('p')) {
      // Bundled short options: everything after "p" is its value (-Pzpsecret).
      const at = shortValueStart(a);
      if (at === -1) out.push(a);
      else if (at < a.length) out.push(`${a.slice(0, at)}*`);
      else out.push(a, '*'), i++; // "-Pp" then the value as the next word
    } else {
      out.push(a);
    }
  }
  return ['ucarp-ts', ...out].join(' ');
}

// Short options that take a value end a bundle; the rest are switches.
const SHORT_WITH_VALUE = new Set('ismvpoabkudrfxc'.split(''));

/** Index in a bundle where the -p value starts, or -1 when -p is not the option taking a value. */
function shortValueStart(bundle: string): number {
  for (let i = 1; i < bundle.length; i++) {
    const c = bundle[i]!;
    if (SHORT_WITH_VALUE.has(c)) return c === 'p' ? i + 1 : -1;
  }
  return -1;
}

export function hideSecretsFromPs(args: readonly string[]): void {
  process.title = maskedCommandLine(args);
}
