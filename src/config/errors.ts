// A configuration problem the user must fix. It becomes exactly one line on stderr
// ("ucarp-ts: <where>: <problem> (got "<value>")") and an exit code; never a stack trace.

/** sysexits.h: command line usage error. */
export const EX_USAGE = 64;
/** sysexits.h: an input file did not exist or was not readable. */
export const EX_NOINPUT = 66;
/** sysexits.h: internal software error (a bug in ucarp-ts, not in the configuration). */
export const EX_SOFTWARE = 70;

export class UsageError extends Error {
  constructor(
    /** The option or key at fault, e.g. "--advskew" or "UCARP_VHID (environment)"; "" when none. */
    readonly where: string,
    readonly problem: string,
    readonly code: number = EX_USAGE,
    /** The offending value, kept apart so it can be withheld when it holds the password. */
    readonly got?: string,
  ) {
    super(where ? `${where}: ${problem}` : problem);
    this.name = 'UsageError';
  }

  /**
   * The single stderr line, newline included. Any value that contains one of `secrets`
   * is not shown, and as a last guard a secret found anywhere else is masked.
   */
  line(secrets: readonly string[] = []): string {
    let text = this.message;
    if (this.got !== undefined) {
      const hidden = secrets.some((s) => s.length > 0 && this.got!.includes(s));
      text += hidden ? ' (the value is not shown: it contains the password)' : ` (got ${quote(this.got)})`;
    }
    for (const s of secrets) {
      // Short secrets would mask ordinary words; the value check above already covers them.
      if (s.length >= 4) text = text.split(s).join('***');
    }
    return `ucarp-ts: ${text.replace(/[\r\n]+/g, ' ')}\n`;
  }
}

/** Quotes a user-supplied value for an error message, with control characters escaped. */
export function quote(value: string): string {
  const clipped = value.length > 60 ? value.slice(0, 57) + '...' : value;
  return JSON.stringify(clipped);
}
