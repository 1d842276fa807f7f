// Plain text into man(7) roff: the option table's help sentences are written for
// --help, so option names, <placeholders> and quotes are turned into roff here.

/** Escapes text for a roff text line: backslashes, and a leading dot or apostrophe. */
export function roffText(text: string): string {
  const escaped = text.replace(/\\/g, '\\e');
  return /^[.']/.test(escaped) ? `\\&${escaped}` : escaped;
}

/** An option name as roff: bold, with minus signs rather than hyphens. */
export const roffOption = (name: string): string => `\\fB${name.replace(/-/g, '\\-')}\\fR`;

/**
 * A help sentence as roff: --long and -X options in bold, <placeholder> in italics,
 * UCARP_* names in bold, one sentence per line (man page style; mandoc checks it).
 */
export function roffProse(text: string): string {
  const marked = roffText(text)
    .replace(/<([a-z-]+)>/g, '\\fI$1\\fR')
    .replace(/(^|[\s(/])(--?[A-Za-z][A-Za-z-]*)/g, (_m, pre: string, opt: string) => pre + roffOption(opt))
    .replace(/\bUCARP_[A-Z_<>]+/g, (v) => `\\fB${v}\\fR`);
  return marked.replace(/([.;:]) +(?=[A-Z(])/g, '$1\n');
}

/**
 * Breaks filled text lines longer than `width` bytes at spaces (a line break is a space
 * in filled text); requests and no-fill blocks (.nf ... .fi) are left alone.
 */
export function wrapRoffLines(lines: readonly string[], width = 80): string[] {
  const out: string[] = [];
  let fill = true;
  for (const line of lines.flatMap((l) => l.split('\n'))) {
    if (line === '.nf') fill = false;
    if (line === '.fi') fill = true;
    if (!fill || line.startsWith('.') || Buffer.byteLength(line) <= width) {
      out.push(line);
      continue;
    }
    let cur = '';
    for (const word of line.split(' ')) {
      if (cur && Buffer.byteLength(`${cur} ${word}`) > width) {
        out.push(cur);
        cur = word;
      } else cur = cur ? `${cur} ${word}` : word;
    }
    if (cur) out.push(cur);
  }
  return out;
}
