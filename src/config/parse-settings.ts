// argv + environment + config file -> validated Settings, or one clear error line.
//
// Sources, highest first: the command line, the environment (UCARP_<NAME>), the
// --config file (same keys), then defaults. An option is taken whole from the highest
// source that sets it, so a command-line --addr replaces the file's UCARP_ADDR list
// rather than adding to it. Every failure is a UsageError naming where the value came
// from; parseSettings turns it into { kind: 'exit' } and never lets a stack escape.
import { basename, join, resolve as resolvePath } from 'node:path';
import { ipFamily, isIpv6LinkLocal, parseIp, type IpAddress, type IpFamily } from '../core/ip-address.js';
import { DEFAULT_GROUP_NAME, type GroupSettings, type ProcessSettings, type Protocol, type Settings } from './settings.js';
import { parseCommandLine } from './command-line.js';
import { CHECK_SEPARATOR, parseCheck } from './check-spec.js';
import { parseConfigFile } from './config-file.js';
import { findConflict, type SourcedGroup } from './group-set.js';
import { EX_NOINPUT, EX_SOFTWARE, EX_USAGE, UsageError } from './errors.js';
import { realHostChecks, type HostChecks } from './host-checks.js';
import { helpText, optionByEnvKey, optionByLong, SYSLOG_FACILITIES } from './options.js';
import { packageVersion } from './version.js';
import { readCentiseconds, readIp, readListenAddress, readSwitch, readWhole, splitList, textOf, type Raw } from './values.js';
import { DEFAULT_RUN_DIR } from '../control/run-dir.js';

export type { HostChecks } from './host-checks.js';

export type ParseOutcome =
  | { kind: 'run'; settings: Settings; warnings: string[] }
  /** --status: ask the running daemons instead of starting one. */
  | { kind: 'status'; json: boolean; runDir: string }
  | { kind: 'exit'; code: number; stdout?: string; stderr?: string };

const DEFAULT_MCAST = parseIp('224.0.0.18')!; // CARP's and VRRP's group
const DEFAULT_MCAST6 = parseIp('ff02::12')!; // VRRPv3's group over IPv6 (RFC 5798 §5.1.2.2)
const CARP_MAX_PASSWORD = 19;
const VRRP2_MAX_PASSWORD = 8;
const IFNAMSIZ = 16;

type Layer = Map<string, Raw[]>;

export function parseSettings(
  argv: string[],
  env: Record<string, string | undefined>,
  host: HostChecks = realHostChecks,
): ParseOutcome {
  const secrets: string[] = [];
  try {
    return parse(argv, env, host, secrets);
  } catch (e) {
    if (e instanceof UsageError) return { kind: 'exit', code: e.code, stderr: e.line(secrets) };
    // A bug, not a configuration problem: still one line, still no stack.
    const detail = e instanceof Error ? e.message : String(e);
    return { kind: 'exit', code: EX_SOFTWARE, stderr: new UsageError('internal error', detail).line(secrets) };
  }
}

function describeReadError(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return typeof code === 'string' ? code : e instanceof Error ? e.message : 'unreadable';
  }
}

function readInputFile(host: HostChecks, path: string, where: string): Buffer {
  try {
    return host.readFile(path);
  } catch (e) {
    throw new UsageError(where, `cannot read ${JSON.stringify(path)}: ${describeReadError(e)}`, EX_NOINPUT);
  }
}

function parse(
  argv: string[],
  env: Record<string, string | undefined>,
  host: HostChecks,
  secrets: string[],
): ParseOutcome {
  const cl = parseCommandLine(argv);
  secrets.push(...cl.secrets);
  if (env.UCARP_PASS) secrets.push(env.UCARP_PASS);
  if (cl.action === 'help') return { kind: 'exit', code: 0, stdout: helpText(packageVersion()) };
  if (cl.action === 'version') return { kind: 'exit', code: 0, stdout: `ucarp-ts ${packageVersion()}\n` };
  if (cl.error) throw cl.error;

  const warnings: string[] = [];
  const extraEnv: Record<string, string> = {};

  const cli: Layer = new Map();
  for (const [long, v] of cl.values) {
    cli.set(long, v === true ? [{ text: true, where: `--${long}` }] : v.map((text) => ({ text, where: `--${long}` })));
  }

  const fromEnv: Layer = new Map();
  const envExtra: Record<string, string> = {};
  let configRaw: Raw | undefined = cli.get('config')?.at(-1);
  let configDirRaw: Raw | undefined = cli.get('config-dir')?.at(-1);
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith('UCARP_') || value === undefined) continue;
    const spec = optionByEnvKey(key);
    if (!spec) {
      envExtra[key] = value;
      continue;
    }
    // An empty variable is how init scripts leave a setting out.
    if (value === '') continue;
    const raw = { text: value, where: `${key} (environment)` };
    if (spec.long === 'config') configRaw ??= raw;
    else if (spec.long === 'config-dir') configDirRaw ??= raw;
    else fromEnv.set(spec.long, [raw]);
  }

  const fromFile: Layer = new Map();
  if (configRaw && !configDirRaw) {
    const path = textOf(configRaw);
    if (path === '') throw new UsageError(configRaw.where, 'needs a file name');
    readConfigFile(path, configRaw.where, host, env, secrets, warnings, extraEnv, fromFile, false);
  }
  Object.assign(extraEnv, envExtra);

  const src = new Sources([cli, fromEnv, fromFile], cli);
  const runDirRaw = src.one('run-dir');
  const runDir = runDirRaw ? resolvePath(nonEmpty(runDirRaw, 'a directory')) : DEFAULT_RUN_DIR;

  // --status only reads the running daemons: no other option means anything to it.
  const STATUS_OPTIONS = ['status', 'json', 'run-dir', 'config'];
  if (cli.has('status')) {
    const stray = [...cli.keys()].find((k) => !STATUS_OPTIONS.includes(k));
    if (stray) throw new UsageError(`--${stray}`, 'cannot be used with --status (only --json, --run-dir and --config can)');
    return { kind: 'status', json: cli.has('json'), runDir };
  }
  if (cli.has('json')) throw new UsageError('--json', 'only with --status');

  if (configDirRaw) {
    const dir = resolvePath(nonEmpty(configDirRaw, 'a directory'));
    if (configRaw) throw new UsageError(configRaw.where, `cannot be used with ${configDirRaw.where}: each group is one file in the directory`);
    // A group setting given once for the whole process would apply to every group: refused, never guessed.
    for (const layer of [cli, fromEnv]) {
      for (const [long, raws] of layer) {
        if (!optionByLong(long)?.processWide) {
          throw new UsageError(raws[0]!.where, `a group setting: with ${configDirRaw.where} it belongs in each group's file in ${dir}`);
        }
      }
    }
    const process = readProcessSettings(src, runDir, dir);
    const groups = readConfigDir(dir, configDirRaw.where, host, env, secrets, warnings, envExtra);
    return { kind: 'run', settings: { process, groups }, warnings };
  }

  const process = readProcessSettings(src, runDir, null);
  const group = readGroupSettings(src, host, env, secrets, warnings, groupName(configRaw), extraEnv);
  return { kind: 'run', settings: { process, groups: [group] }, warnings };
}

/** The *.conf files of a directory, one group each, in name order; nothing when one is wrong. */
function readConfigDir(
  dir: string,
  where: string,
  host: HostChecks,
  env: Record<string, string | undefined>,
  secrets: string[],
  warnings: string[],
  envExtra: Record<string, string>,
): GroupSettings[] {
  let names: string[];
  try {
    names = host.listDir(dir);
  } catch (e) {
    throw new UsageError(where, `cannot read the directory ${JSON.stringify(dir)}: ${describeReadError(e)}`, EX_NOINPUT);
  }
  // As a shell's *.conf: no hidden files.
  const files = names.filter((n) => n.endsWith('.conf') && !n.startsWith('.') && n !== '.conf').sort();
  if (files.length === 0) throw new UsageError(where, `no *.conf file in ${JSON.stringify(dir)}: nothing to run`, EX_NOINPUT);
  const sourced: SourcedGroup[] = files.map((name) => {
    const path = join(dir, name);
    const layer: Layer = new Map();
    const extraEnv: Record<string, string> = {};
    const fileWarnings: string[] = [];
    readConfigFile(path, path, host, env, secrets, fileWarnings, extraEnv, layer, true);
    Object.assign(extraEnv, envExtra);
    const group = readGroupSettings(new Sources([layer], null), host, env, secrets, fileWarnings, name.slice(0, -'.conf'.length), extraEnv);
    // Each warning names its file: there are many.
    warnings.push(...fileWarnings.map((w) => (w.startsWith(path) ? w : `${path}: ${w}`)));
    return { source: path, group };
  });
  const conflict = findConflict(sourced);
  if (conflict) throw new UsageError('', conflict);
  return sourced.map((s) => s.group);
}

/**
 * One config file's UCARP_* settings into `layer`, and its other UCARP_* variables into
 * extraEnv. In a --config-dir, a process-wide setting has no place in a group's file.
 */
function readConfigFile(
  path: string,
  where: string,
  host: HostChecks,
  env: Record<string, string | undefined>,
  secrets: string[],
  warnings: string[],
  extraEnv: Record<string, string>,
  layer: Layer,
  inConfigDir: boolean,
): void {
  const text = readInputFile(host, path, where).toString('utf8');
  const file = parseConfigFile(text, path, env);
  const filePass = file.entries.get('UCARP_PASS');
  if (filePass?.value) secrets.push(filePass.value);
  warnings.push(...file.warnings);
  for (const [key, entry] of file.entries) {
    const at = `${key} in ${path} line ${entry.line}`;
    const spec = optionByEnvKey(key);
    if (!spec) extraEnv[key] = entry.value;
    else if (entry.value === '') continue; // as in the environment: empty means not set
    else if (spec.long === 'config' || spec.long === 'config-dir') throw new UsageError(at, 'a config file cannot name another config file');
    else if (inConfigDir && spec.processWide) {
      throw new UsageError(at, `process-wide: with --config-dir give --${spec.long} on the command line or in the environment`);
    } else layer.set(spec.long, [{ text: entry.value, where: at }]);
  }
}

/** A group's name: its config file's name without ".conf", or the default. */
function groupName(configRaw: Raw | undefined): string {
  if (!configRaw || configRaw.text === true) return DEFAULT_GROUP_NAME;
  return basename(configRaw.text).replace(/\.conf$/, '') || DEFAULT_GROUP_NAME;
}

/** The settings' sources, highest first; each option is taken whole from the highest that sets it. */
class Sources {
  constructor(
    private readonly layers: readonly Layer[],
    /** The command line, whose repeated options are one value each (variables hold lists). */
    private readonly cli: Layer | null,
  ) {}

  all(long: string): Raw[] | undefined {
    for (const layer of this.layers) {
      const v = layer.get(long);
      if (v) return v;
    }
    return undefined;
  }

  /** getopt: the last one wins. */
  one(long: string): Raw | undefined {
    return this.all(long)?.at(-1);
  }

  flag(long: string): boolean {
    const raw = this.one(long);
    return raw ? readSwitch(raw) : false;
  }

  fromCommandLine(long: string): boolean {
    return this.cli?.has(long) ?? false;
  }

  /** Repeatable values: one per option on the command line, comma/space lists in variables. */
  list(long: string): { raw: Raw; text: string }[] {
    const fromCommandLine = this.fromCommandLine(long);
    return (this.all(long) ?? []).flatMap((raw) => {
      const text = textOf(raw);
      if (fromCommandLine) return [{ raw, text }];
      const parts = splitList(text);
      if (parts.length === 0) throw new UsageError(raw.where, 'must list at least one address', EX_USAGE, text);
      return parts.map((p) => ({ raw, text: p }));
    });
  }

  /** The layer that sets --pass or --passfile first, for readPassword. */
  passwordLayer(): Layer | undefined {
    return this.layers.find((l) => l.has('pass') || l.has('passfile'));
  }
}

function nonEmpty(raw: Raw, what: string): string {
  const text = textOf(raw);
  if (text === '') throw new UsageError(raw.where, `needs ${what}`);
  return text;
}

function readProcessSettings(src: Sources, runDir: string, configDir: string | null): ProcessSettings {
  const facilityRaw = src.one('facility');
  let facility = 'daemon';
  if (facilityRaw) {
    facility = textOf(facilityRaw).toLowerCase();
    if (facility !== 'none' && !SYSLOG_FACILITIES.includes(facility)) {
      throw new UsageError(
        facilityRaw.where,
        `must be a syslog facility (${SYSLOG_FACILITIES.slice(0, 12).join(', ')}, local0 to local7) or none`,
        EX_USAGE,
        textOf(facilityRaw),
      );
    }
  }
  const pidfileRaw = src.one('pidfile');
  const pidfile = pidfileRaw ? resolvePath(nonEmpty(pidfileRaw, 'a file name')) : null;
  const metricsRaw = src.one('metrics');
  const metrics = metricsRaw ? readListenAddress(metricsRaw) : null;
  return { debug: src.flag('debug'), daemonize: src.flag('daemonize'), facility, pidfile, metrics, runDir, configDir };
}

/** One group from its sources; warnings and secrets are added to as it goes. */
function readGroupSettings(
  src: Sources,
  host: HostChecks,
  env: Record<string, string | undefined>,
  secrets: string[],
  warnings: string[],
  name: string,
  extraEnv: Record<string, string>,
): GroupSettings {
  const one = (long: string) => src.one(long);
  const all = (long: string) => src.all(long);
  const flag = (long: string) => src.flag(long);
  const list = (long: string) => src.list(long);

  // --- protocol first: what is allowed depends on it
  let protocol: Protocol = 'carp';
  const protocolRaw = one('protocol');
  if (protocolRaw) {
    const p = textOf(protocolRaw).toLowerCase();
    if (p !== 'carp' && p !== 'vrrp2' && p !== 'vrrp3') {
      throw new UsageError(protocolRaw.where, 'must be carp, vrrp2 or vrrp3', EX_USAGE, textOf(protocolRaw));
    }
    protocol = p;
  }
  const carp = protocol === 'carp';

  // --- options that make no sense for this protocol or together
  const advskewRaw = one('advskew');
  if (advskewRaw && !carp) {
    throw new UsageError(advskewRaw.where, `only for CARP, not --protocol ${protocol}; VRRP uses --priority`);
  }
  const priorityRaw = one('priority');
  if (priorityRaw && carp) {
    throw new UsageError(priorityRaw.where, 'only for VRRP (--protocol vrrp2 or vrrp3); CARP uses --advskew');
  }
  const peerRaws = all('peer');
  const nomcastRaw = one('nomcast');
  if (nomcastRaw && readSwitch(nomcastRaw) && !carp) {
    throw new UsageError(nomcastRaw.where, `only for CARP (ucarp's broadcast mode), not --protocol ${protocol}`);
  }
  const deadratioOnly = one('deadratio');
  if (deadratioOnly && !carp) {
    throw new UsageError(deadratioOnly.where, `only for CARP; VRRP's master-down interval is fixed at three intervals plus skew (RFC 5798)`);
  }
  const mcastRaw = one('mcast');
  if (peerRaws) {
    if (nomcastRaw && readSwitch(nomcastRaw)) {
      throw new UsageError(nomcastRaw.where, `cannot be used with ${peerRaws[0]!.where}: advertisements to peers are unicast`);
    }
    if (mcastRaw) {
      throw new UsageError(mcastRaw.where, `cannot be used with ${peerRaws[0]!.where}: advertisements to peers are unicast`);
    }
  }

  // --- identity; a missing required option is reported only after every given
  // value has been checked, so a typo is named before its consequences
  const vhidRaw = one('vhid');
  const vhid = vhidRaw ? readWhole(vhidRaw, 1, 255) : undefined;

  // The addresses decide the family: all of one, IPv6 only with VRRPv3 (RFC 5798 §5.1.2).
  const addrItems = list('addr');
  const addrs = uniqueAddresses(addrItems);
  const family: IpFamily = addrs.length > 0 ? ipFamily(addrs[0]!) : 4;
  addrs.forEach((a, i) => {
    if (ipFamily(a) !== family) {
      const item = addrItems[i]!;
      throw new UsageError(item.raw.where, `mixes IPv${ipFamily(a)} with IPv${family} addresses: a group is of one family (run one process per family)`, EX_USAGE, item.text);
    }
  });
  if (family === 6 && protocol !== 'vrrp3') {
    const why = carp ? 'CARP (as ucarp) has no IPv6' : 'VRRPv2 (RFC 3768) has no IPv6';
    throw new UsageError(addrItems[0]!.raw.where, `IPv6 addresses need --protocol vrrp3: ${why}`, EX_USAGE, addrItems[0]!.text);
  }
  const sameFamily = (raw: Raw, addr: IpAddress, text: string): IpAddress => {
    if (ipFamily(addr) !== family) throw new UsageError(raw.where, `must be an IPv${family} address, as --addr is`, EX_USAGE, text);
    return addr;
  };

  const srcipRaw = one('srcip');
  const srcip = srcipRaw ? sameFamily(srcipRaw, readIp(srcipRaw, 'unicast'), textOf(srcipRaw)) : undefined;
  // Routers do not forward link-local sources: a --peer pair across routers sends from a
  // global address of the interface instead (keepalived's unicast_src_ip).
  if (srcipRaw && family === 6 && !isIpv6LinkLocal(srcip!) && !peerRaws) {
    throw new UsageError(srcipRaw.where, 'must be a link-local address (fe80::/10) for VRRPv3 over IPv6 (RFC 5798 §5.1.2.1), or be left out; a global one only with --peer (unicast across routers)', EX_USAGE, textOf(srcipRaw));
  }

  const mcast = mcastRaw ? sameFamily(mcastRaw, readIp(mcastRaw, 'multicast'), textOf(mcastRaw)) : family === 6 ? DEFAULT_MCAST6 : DEFAULT_MCAST;

  const peerItems = list('peer');
  const peers = uniqueAddresses(peerItems);
  peers.forEach((p, i) => sameFamily(peerItems[i]!.raw, p, peerItems[i]!.text));

  const minTtlRaw = one('peer-min-ttl');
  if (minTtlRaw && !peerRaws) {
    throw new UsageError(minTtlRaw.where, 'only with --peer: adverts from anyone else must come from the local segment (TTL 255)');
  }
  const peerMinTtl = minTtlRaw ? readWhole(minTtlRaw, 1, 255) : 255;

  // --- timing and priority
  const advbaseRaw = one('advbase');
  let advbase = 1;
  if (advbaseRaw) {
    if (protocol === 'vrrp3') advbase = readCentiseconds(advbaseRaw, 1, 4095);
    else advbase = readWhole(advbaseRaw, carp ? 0 : 1, 255, ' of seconds');
  }
  const advskew = advskewRaw ? readWhole(advskewRaw, 0, 255) : 0;
  if (carp && advbase === 0 && advskew === 0) {
    throw new UsageError(advbaseRaw!.where, 'may be 0 only with a non-zero --advskew (the interval would be zero)');
  }
  const priority = priorityRaw ? readWhole(priorityRaw, 1, 255) : 100;
  const deadratio = deadratioOnly ? readWhole(deadratioOnly, 1, 255) : 3;
  const timeoutRaw = one('script-timeout');
  const scriptTimeoutMs = (timeoutRaw ? readWhole(timeoutRaw, 1, 3600, ' of seconds') : 30) * 1000;

  // --- switches
  const preempt = flag('preempt');
  const neutral = flag('neutral');
  const debug = flag('debug');
  const shutdown = flag('shutdown');
  const daemonize = flag('daemonize');
  const ignoreifstate = flag('ignoreifstate');
  const nomcast = flag('nomcast');
  const announce = !flag('no-announce');
  const ipOutput = flag('ip-output');

  const xparamRaw = one('xparam');
  const xparam = xparamRaw ? textOf(xparamRaw) : null;

  const script = (long: 'upscript' | 'downscript'): string | null => {
    const raw = one(long);
    if (!raw) {
      warnings.push(`no ${long} given`);
      return null;
    }
    const path = nonEmpty(raw, 'a file name');
    const problem = { missing: 'no such file', 'not-a-file': 'not a regular file', 'not-executable': 'not executable' };
    const state = host.executable(path);
    if (state !== 'ok') throw new UsageError(raw.where, `cannot run ${JSON.stringify(path)}: ${problem[state]}`, EX_NOINPUT);
    const mode = host.mode?.(path);
    if (mode !== undefined && (mode & 0o002) !== 0) {
      warnings.push(`${long} ${path} can be changed by any user (mode ${mode.toString(8).padStart(4, '0')}): it runs as root`);
    }
    // Absolute, so the script is still found after --daemonize changes directory.
    return resolvePath(path);
  };
  // One spec per --check; UCARP_CHECK holds several, separated by ";".
  const checks = (all('check') ?? []).flatMap((raw) => {
    const text = textOf(raw);
    const specs = src.fromCommandLine('check') ? [text] : text.split(CHECK_SEPARATOR).map((t) => t.trim()).filter((t) => t !== '');
    return specs.map((spec) => parseCheck(raw, spec, host, env));
  });
  const upscript = script('upscript');
  const downscript = script('downscript');
  if (carp && downscript && !shutdown) {
    // ucarp's rule, kept for CARP; VRRP always releases the addresses on stop.
    warnings.push('--downscript without --shutdown: a stopped MASTER keeps the virtual address (as ucarp); add --shutdown to release it');
  }

  const iface = pickInterface(one('interface'), host);
  const password = readPassword(protocol, src, host, secrets, warnings);
  if (vhid === undefined) throw new UsageError('--vhid', 'required (the virtual host id, 1 to 255)');
  if (addrs.length === 0) {
    throw new UsageError('--addr', 'required (the virtual IPv4 or, with --protocol vrrp3, IPv6 address; repeat --addr for several)');
  }
  let source = srcip;
  if (family === 6) {
    // The RFC's source: the link-local address of the interface the adverts leave by.
    const linkLocal = host.linkLocalAddresses(iface);
    if (source === undefined) {
      source = linkLocal[0];
      if (source === undefined) throw new UsageError('--srcip', `not given, and ${iface} has no IPv6 link-local address (is IPv6 disabled on it?)`);
    } else if (isIpv6LinkLocal(source) && !linkLocal.includes(source)) {
      throw new UsageError(srcipRaw!.where, `is not a link-local address of ${iface} (it has ${linkLocal.join(', ') || 'none'})`, EX_USAGE, textOf(srcipRaw!));
    } else if (!isIpv6LinkLocal(source)) {
      const global = host.globalAddresses(iface);
      if (!global.includes(source)) {
        throw new UsageError(srcipRaw!.where, `is not an address of ${iface} (its global IPv6 addresses: ${global.join(', ') || 'none'})`, EX_USAGE, textOf(srcipRaw!));
      }
    }
  }
  if (source === undefined) throw new UsageError('--srcip', "required (this host's own IPv4 address)");
  const selfAt = peers.indexOf(source);
  if (selfAt >= 0) {
    const item = peerItems[selfAt]!;
    throw new UsageError(item.raw.where, "must list the other hosts, not this host's own --srcip", EX_USAGE, item.text);
  }

  const syncRaw = one('sync-group');
  const syncGroup = syncRaw ? textOf(syncRaw) : null;
  if (syncRaw && !/^[A-Za-z0-9_.-]{1,64}$/.test(syncGroup!)) {
    throw new UsageError(syncRaw.where, 'must be a name of 1 to 64 letters, digits, "_", "." or "-"', EX_USAGE, syncGroup!);
  }
  const base = {
    name,
    interface: iface,
    srcip: source,
    mcast,
    vhid,
    preempt,
    neutral,
    addrs,
    advbase,
    upscript,
    downscript,
    ignoreifstate,
    xparam,
    peers,
    peerMinTtl,
    announce,
    ipOutput,
    scriptTimeoutMs,
    checks,
    extraEnv,
    syncGroup,
  };
  if (protocol === 'carp') {
    if (!password) throw new Error('CARP without a password'); // readPassword refuses that first
    return { ...base, protocol, password, advskew, deadratio, shutdown, nomcast };
  }
  return { ...base, protocol, password, priority };
}

function uniqueAddresses(items: { raw: Raw; text: string }[]): IpAddress[] {
  const seen = new Set<IpAddress>();
  return items.map(({ raw, text }) => {
    const addr = readIp(raw, 'unicast', text);
    if (seen.has(addr)) throw new UsageError(raw.where, 'lists the same address twice', EX_USAGE, text);
    seen.add(addr);
    return addr;
  });
}

/**
 * The password comes from the highest source that sets --pass or --passfile; one source
 * setting both is refused. It is never put into an error message.
 */
function readPassword(protocol: Protocol, src: Sources, host: HostChecks, secrets: string[], warnings: string[]): Buffer | null {
  const layer = src.passwordLayer();
  const passRaw = layer?.get('pass')?.at(-1);
  const fileRaw = layer?.get('passfile')?.at(-1);
  if (passRaw && fileRaw) {
    throw new UsageError(fileRaw.where, `cannot be combined with ${passRaw.where}; give the password one way`);
  }
  const given = passRaw ?? fileRaw;
  if (protocol === 'vrrp3') {
    if (given) throw new UsageError(given.where, 'not allowed with --protocol vrrp3: VRRPv3 has no authentication');
    return null;
  }
  if (!given) {
    if (protocol === 'carp') {
      throw new UsageError('--pass', 'a password is required for CARP (give --pass, --passfile or UCARP_PASS)');
    }
    return null; // VRRPv2 without authentication
  }
  let password: Buffer;
  if (passRaw) {
    password = Buffer.from(textOf(passRaw), 'utf8');
    if (password.length === 0) throw new UsageError(passRaw.where, 'must not be empty');
  } else {
    const path = textOf(fileRaw!);
    if (path === '') throw new UsageError(fileRaw!.where, 'needs a file name');
    const content = readInputFile(host, path, fileRaw!.where);
    const mode = host.mode?.(path);
    if (mode !== undefined && (mode & 0o044) !== 0) {
      const who = (mode & 0o004) !== 0 ? 'others' : 'group';
      warnings.push(`password file ${path} is readable by ${who} (mode ${mode.toString(8).padStart(4, '0')}): chmod 600 it`);
    }
    const newline = content.indexOf(0x0a);
    let first = newline < 0 ? content : content.subarray(0, newline);
    if (first.at(-1) === 0x0d) first = first.subarray(0, first.length - 1);
    password = Buffer.from(first);
    if (password.length > 0) secrets.push(password.toString('utf8'));
    if (password.length === 0) {
      throw new UsageError(fileRaw!.where, `the first line of ${JSON.stringify(path)} is empty; it must hold the password`);
    }
  }
  const max = protocol === 'carp' ? CARP_MAX_PASSWORD : VRRP2_MAX_PASSWORD;
  if (password.length > max) {
    const name = protocol === 'carp' ? 'CARP' : 'VRRPv2';
    throw new UsageError(given.where, `the password may be at most ${max} bytes for ${name} (it has ${password.length})`);
  }
  return password;
}

function pickInterface(raw: Raw | undefined, host: HostChecks): string {
  const known = host.interfaces();
  if (!raw) {
    // As ucarp (via pcap): the first interface that is up and not a loopback, else any non-loopback.
    const first = known.find((i) => !i.loopback && i.up) ?? known.find((i) => !i.loopback);
    if (!first) throw new UsageError('--interface', 'not given, and no non-loopback network interface was found');
    return first.name;
  }
  const name = textOf(raw);
  if (name === '' || name.length >= IFNAMSIZ || /[/\s]/.test(name) || name === '.' || name === '..') {
    throw new UsageError(raw.where, 'must be a network interface name (1 to 15 characters, no "/" or spaces)', EX_USAGE, name);
  }
  if (!known.some((i) => i.name === name)) {
    const have = known.map((i) => i.name).join(', ') || 'none';
    throw new UsageError(raw.where, `no such network interface (have: ${have})`, EX_USAGE, name);
  }
  return name;
}
