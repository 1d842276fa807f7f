// The option table: one entry per command-line option. The getopt-style scanner,
// the yargs declaration, the environment/config-file keys and the --help text are
// all derived from it, so they cannot drift apart.

export interface OptionSpec {
  /** Long name without dashes, e.g. "advskew". */
  long: string;
  /** Single-letter short form, if any. */
  short?: string;
  /** True when the option takes an argument; false for switches. */
  takesValue: boolean;
  /** Several occurrences accumulate instead of the last one winning. */
  repeatable?: boolean;
  /** Placeholder shown in --help, e.g. "ip". */
  arg?: string;
  /** One-sentence meaning, for --help. */
  help: string;
  /** Also settable as UCARP_<NAME> in the environment and the config file. */
  env: boolean;
  /** An option ucarp 1.5.2 has (the rest are ucarp-ts additions). */
  ucarp: boolean;
  /**
   * Belongs to the process, not to a group: with --config-dir it comes from the command
   * line and environment only, and every other setting from the group files only.
   */
  processWide?: true;
}

export const OPTIONS: readonly OptionSpec[] = [
  { long: 'interface', short: 'i', takesValue: true, arg: 'if', env: true, ucarp: true,
    help: 'network interface to run on (default: the first non-loopback interface)' },
  { long: 'srcip', short: 's', takesValue: true, arg: 'ip', env: true, ucarp: true,
    help: "this host's own (real) IPv4 address, the source of every advertisement; required for IPv4. " +
      'For an IPv6 group: a link-local address of --interface, which is also the default; ' +
      'with --peer, a global address of --interface may be used (routers do not forward link-local sources)' },
  { long: 'mcast', short: 'm', takesValue: true, arg: 'ip', env: true, ucarp: true,
    help: 'multicast group for advertisements (default 224.0.0.18; ff02::12 for IPv6)' },
  { long: 'vhid', short: 'v', takesValue: true, arg: 'id', env: true, ucarp: true,
    help: 'virtual host id (VRRP: virtual router id), 1-255; required' },
  { long: 'pass', short: 'p', takesValue: true, arg: 'pass', env: true, ucarp: true,
    help: 'shared password; required for CARP (at most 19 bytes), optional for VRRPv2 (at most 8), not allowed for VRRPv3' },
  { long: 'passfile', short: 'o', takesValue: true, arg: 'file', env: true, ucarp: true,
    help: 'read the password from the first line of <file> instead of --pass' },
  { long: 'preempt', short: 'P', takesValue: false, env: true, ucarp: true,
    help: 'take over from a less preferred master (CARP: one that advertises less often; VRRP: lower priority) ' +
      'instead of waiting for it to fail. Off by default, as in ucarp; keepalived, by contrast, preempts ' +
      'unless told nopreempt, and ucarp-ts follows ucarp' },
  { long: 'neutral', short: 'n', takesValue: false, env: true, ucarp: true,
    help: "don't run the downscript at start-up when entering backup" },
  { long: 'addr', short: 'a', takesValue: true, repeatable: true, arg: 'ip', env: true, ucarp: true,
    help: 'virtual (shared) IPv4 address, or IPv6 address with --protocol vrrp3; required; repeat for ' +
      'several addresses, all of one family' },
  { long: 'help', short: 'h', takesValue: false, env: false, ucarp: true,
    help: 'print this summary of options and exit' },
  { long: 'advbase', short: 'b', takesValue: true, arg: 'seconds', env: true, ucarp: true,
    help: 'advertisement interval in seconds (default 1): CARP 0-255 whole seconds, ' +
      'VRRPv2 1-255, VRRPv3 0.01-40.95 in steps of 0.01' },
  { long: 'advskew', short: 'k', takesValue: true, arg: 'skew', env: true, ucarp: true,
    help: 'CARP only: advertisement skew in 1/256 s, 0-255 (default 0); a higher skew makes this host less preferred' },
  { long: 'upscript', short: 'u', takesValue: true, arg: 'file', env: true, ucarp: true,
    help: 'executable run as <file> <if> <addr> [xparam] when becoming master' },
  { long: 'downscript', short: 'd', takesValue: true, arg: 'file', env: true, ucarp: true,
    help: 'executable run as <file> <if> <addr> [xparam] when becoming backup' },
  { long: 'deadratio', short: 'r', takesValue: true, arg: 'ratio', env: true, ucarp: true,
    help: 'how many advertisement intervals of silence mean the master is dead, 1-255 (default 3)' },
  { long: 'debug', short: 'D', takesValue: false, env: true, ucarp: true, processWide: true,
    help: 'enable debug output' },
  { long: 'shutdown', short: 'z', takesValue: false, env: true, ucarp: true,
    help: 'CARP: when stopped as master (SIGINT, SIGQUIT, SIGTERM, SIGHUP), run the downscript after the handover; without it the address stays, as in ucarp. VRRP always does (RFC 5798)' },
  { long: 'daemonize', short: 'B', takesValue: false, env: true, ucarp: true, processWide: true,
    help: 'run in the background, detached; log to syslog only' },
  { long: 'ignoreifstate', short: 'S', takesValue: false, env: true, ucarp: true,
    help: 'ignore the interface state (down, no carrier) instead of stepping down to backup' },
  { long: 'nomcast', short: 'M', takesValue: false, env: true, ucarp: true,
    help: 'send advertisements to the Ethernet broadcast address instead of the multicast one' },
  { long: 'facility', short: 'f', takesValue: true, arg: 'facility', env: true, ucarp: true, processWide: true,
    help: 'syslog facility (default daemon), or none to turn syslog off' },
  { long: 'xparam', short: 'x', takesValue: true, arg: 'value', env: true, ucarp: true,
    help: 'extra argument passed to the up and down scripts' },
  { long: 'version', short: 'V', takesValue: false, env: false, ucarp: false,
    help: 'print the version and exit' },
  { long: 'config', short: 'c', takesValue: true, arg: 'file', env: true, ucarp: false,
    help: 'read UCARP_<NAME>=value settings from <file> (see below)' },
  { long: 'config-dir', takesValue: true, arg: 'dir', env: true, ucarp: false, processWide: true,
    help: 'run one group per <dir>/*.conf file, each in the shape of a --config file, in this one process; ' +
      'only the process-wide options (--facility, --daemonize, --pidfile, --debug, --metrics, --run-dir) may ' +
      'be given beside it. SIGHUP re-reads the directory: new files start, removed files stop, changed files ' +
      'restart, and the other groups go on untouched' },
  { long: 'sync-group', takesValue: true, arg: 'name', env: true, ucarp: false,
    help: 'with --config-dir, groups whose files name the same sync group (keepalived\'s vrrp_sync_group) ' +
      'are MASTER together: when one leaves MASTER (election, FAULT, carrier, SIGUSR2) the others hand ' +
      'over with it, and when one becomes MASTER the others follow. The peer needs the same sync group' },
  { long: 'protocol', takesValue: true, arg: 'proto', env: true, ucarp: false,
    help: 'carp (default), vrrp2 or vrrp3' },
  { long: 'priority', takesValue: true, arg: 'n', env: true, ucarp: false,
    help: 'VRRP only: priority 1-255 (default 100); higher wins, 255 means this host owns the address' },
  { long: 'peer', takesValue: true, repeatable: true, arg: 'ip', env: true, ucarp: false,
    help: 'send advertisements by unicast to this peer (of the addresses\' family) instead of multicast; repeat for several peers' },
  { long: 'peer-min-ttl', takesValue: true, arg: 'ttl', env: true, ucarp: false,
    help: 'with --peer: accept adverts from the listed peers whose TTL is at least <ttl>, 1-255, so that ' +
      'they may cross routers (keepalived\'s min_ttl; adverts still leave with TTL 255). Without it every ' +
      'advert must arrive with TTL 255, i.e. from the local segment' },
  { long: 'no-announce', takesValue: false, env: true, ucarp: false,
    help: 'send no gratuitous ARP on becoming master: the address is not on a shared segment ' +
      '(e.g. on lo, announced by BGP from the up script)' },
  { long: 'ip-output', takesValue: false, env: true, ucarp: false,
    help: "send every advertisement through the kernel's IP output, where the firewall's OUTPUT chain " +
      "sees it, as keepalived's. Without it a MASTER's periodic multicast adverts on Ethernet leave " +
      "as Ethernet frames, as ucarp's, which costs less CPU and passes by OUTPUT rules" },
  { long: 'script-timeout', takesValue: true, arg: 'seconds', env: true, ucarp: false,
    help: 'kill an up or down script still running after this many seconds, 1-3600 (default 30)' },
  { long: 'pidfile', takesValue: true, arg: 'file', env: true, ucarp: false, processWide: true,
    help: 'write the process id to <file>' },
  { long: 'check', takesValue: true, repeatable: true, arg: 'spec', env: true, ucarp: false,
    help: 'health check, repeatable: exec:PROGRAM [ARGS] (exits 0), tcp:HOST:PORT (accepts), ' +
      'http://HOST[:PORT]/PATH or https://... (2xx/3xx), process:NAME (runs), file:PATH (holds 0, or ' +
      'value x weight), interface:IF (has carrier), each with optional ,interval=S ,timeout=S ' +
      '(default 1 s) ,fall=N ,rise=N (default 2) ,weight=N (default 0: FAULT while failing, hand over; ' +
      'negative: lower the priority while failing; positive: raise it while healthy)' },
  { long: 'metrics', takesValue: true, arg: 'host:port', env: true, ucarp: false, processWide: true,
    help: 'serve Prometheus metrics at http://<host:port>/metrics (e.g. 10.0.0.1:9167, [::1]:9167); ' +
      'a port that cannot be bound is a start-up error' },
  { long: 'status', takesValue: false, env: false, ucarp: false,
    help: 'print the state of every ucarp-ts group running on this host, one line each, and exit: ' +
      '0 all healthy, 1 a group in FAULT, a failed last script or a daemon not answering, 3 no daemon found' },
  { long: 'json', takesValue: false, env: false, ucarp: false,
    help: 'with --status: print the same as JSON' },
  { long: 'run-dir', takesValue: true, arg: 'dir', env: true, ucarp: false, processWide: true,
    help: "directory of the daemons' control sockets, which --status reads (default /run/ucarp-ts)" },
];

export const SYSLOG_FACILITIES: readonly string[] = [
  'auth', 'authpriv', 'cron', 'daemon', 'ftp', 'kern', 'lpr', 'mail', 'news', 'syslog', 'user', 'uucp',
  'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
];

export function optionByLong(long: string): OptionSpec | undefined {
  return OPTIONS.find((o) => o.long === long);
}

/** UCARP_<NAME>: upper case, dashes become underscores. */
export function envKey(spec: OptionSpec): string {
  return 'UCARP_' + spec.long.toUpperCase().replace(/-/g, '_');
}

/** The option a UCARP_* key stands for, if ucarp-ts reads it. */
export function optionByEnvKey(key: string): OptionSpec | undefined {
  return OPTIONS.find((o) => o.env && envKey(o) === key);
}

function usageLine(o: OptionSpec): string {
  const value = o.takesValue ? `=<${o.arg ?? 'value'}>` : '';
  const short = o.short ? ` (-${o.short}${o.takesValue ? ` <${o.arg ?? 'value'}>` : ''})` : '';
  return `--${o.long}${value}${short}`;
}

function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.map((l) => indent + l);
}

export function helpText(version: string): string {
  const out: string[] = [];
  out.push(`ucarp-ts ${version} - CARP and VRRP IP failover, a drop-in replacement for ucarp 1.5.2`);
  out.push('');
  out.push('Usage: ucarp-ts --srcip=<ip> --vhid=<id> --pass=<pass> --addr=<ip> [options]');
  const section = (title: string, list: OptionSpec[]) => {
    out.push('');
    out.push(title);
    for (const o of list) {
      out.push('  ' + usageLine(o));
      out.push(...wrap(o.help, 70, '        '));
    }
  };
  section('Options (as in ucarp):', OPTIONS.filter((o) => o.ucarp));
  section('Options added by ucarp-ts:', OPTIONS.filter((o) => !o.ucarp));
  out.push('');
  out.push('Long options may be abbreviated while unambiguous (--int=eth0). Short switches may be');
  out.push('bundled (-PzB); a short option takes its value attached (-v1) or next (-v 1).');
  out.push('');
  out.push('Environment and config file:');
  for (const l of [
    'Every option except --help and --version can also be set as UCARP_<NAME>, the long name in ' +
      'upper case with dashes as underscores (UCARP_VHID, UCARP_SCRIPT_TIMEOUT), in the environment ' +
      'or in the --config file. The file holds KEY=value lines as kept for init scripts: comments, ' +
      'blank lines, quotes and an "export " prefix are allowed; $VAR and ${VAR} refer to earlier ' +
      'lines and to the environment, and single quotes keep a value literal, as when a shell sources it. ' +
      'The command line wins over the ' +
      'environment, which wins over the file. Switches take 1/0, yes/no, true/false or on/off; ' +
      'several addresses (UCARP_ADDR, UCARP_PEER) are separated by commas or spaces ' +
      '(UCARP_ADDR="10.0.0.1 10.0.0.2"); several checks in UCARP_CHECK are separated by ";" ' +
      '(UCARP_CHECK="tcp:127.0.0.1:80;process:nginx"). ' +
      'An empty value counts as not set. Other UCARP_* variables (UCARP_MASK, ...) are passed on ' +
      'to the scripts.',
  ]) out.push(...wrap(l, 76, '  '));
  out.push('');
  out.push('Stopping:');
  out.push(
    ...wrap(
      'SIGINT, SIGQUIT, SIGTERM and SIGHUP stop it: a BACKUP exits at once; a MASTER tells the ' +
        'others (bow-out, VRRP priority 0), keeps the address until its successor advertises ' +
        '(at most one advertisement interval plus 0.5 s), then runs the downscript (VRRP: ' +
        'always, as RFC 5798 says; CARP: only with -z/--shutdown, as ucarp) and exits. A second ' +
        'signal ends the wait. SIGUSR1 logs the state; SIGUSR2 makes a master step down for 3 s. ' +
        'With --config-dir every group does so, and SIGHUP re-reads the directory instead of stopping.',
      76,
      '  ',
    ),
  );
  out.push('');
  out.push('Exit status: 0 for --help and --version, 64 for a usage error, 66 for a file that');
  out.push('is missing or cannot be used (config file, password file, scripts), 70 after an');
  out.push('internal error (the daemon hands over first, so an init system can restart it).');
  out.push('');
  out.push('Status and metrics:');
  for (const l of [
    'Every daemon answers on a control socket, <run-dir>/<pid>.sock (directory 0700, socket 0600). ' +
      'ucarp-ts --status [--json] asks each (one second at most), prints one line per group and exits ' +
      '0 when all are healthy, 1 when a group is in FAULT, its last script failed or a daemon does not ' +
      'answer, 3 when no daemon runs. --metrics=HOST:PORT serves GET /metrics in the Prometheus text format.',
  ]) out.push(...wrap(l, 76, '  '));
  out.push('');
  out.push('Sample usage:');
  out.push('');
  out.push('Manage the 10.1.1.252 shared virtual address on interface eth0, with 1 as the');
  out.push('virtual host id, mypassword as the password and 10.1.1.1 as the real address of');
  out.push('this host. Run /etc/vip-up.sh when this host becomes master and /etc/vip-down.sh');
  out.push('when it has to give the virtual address up.');
  out.push('');
  out.push('ucarp-ts --interface=eth0 --srcip=10.1.1.1 --vhid=1 --pass=mypassword \\');
  out.push('         --addr=10.1.1.252 \\');
  out.push('         --upscript=/etc/vip-up.sh --downscript=/etc/vip-down.sh');
  out.push('');
  return out.join('\n');
}
