// The validated settings, handed from the command that parsed them to the daemon that
// runs them (across exec, or over --daemonize's channel). JSON with the password as
// base64; the daemon checks the shape, so a stray or truncated hand-over is one clear
// error line instead of a daemon running on half its settings.
import { parseIp } from '../core/ip-address.js';
import type { CarpGroupSettings, GroupSettings, ProcessSettings, Settings, VrrpGroupSettings } from './settings.js';

/** What the daemon image receives: its settings, the warnings still to log, and its title for ps. */
export interface Handover {
  settings: Settings;
  warnings: string[];
  /** The command line with every secret masked, shown by ps. */
  title: string;
}

const FORMAT = 'ucarp-ts-handover/2';

type FieldType = 'string' | 'number' | 'boolean' | 'numbers' | 'address' | 'addresses' | 'nullable-string' | 'object' | 'objects' | 'nullable-object';

// The JSON type each field must have.
const PROCESS_FIELDS: Record<keyof ProcessSettings, FieldType> = {
  debug: 'boolean',
  daemonize: 'boolean',
  facility: 'string',
  pidfile: 'nullable-string',
  metrics: 'nullable-object',
  runDir: 'string',
  configDir: 'nullable-string',
};

type Common<T> = { [K in keyof T]: FieldType };
const GROUP_FIELDS: Record<Exclude<keyof (CarpGroupSettings & VrrpGroupSettings), 'password' | 'protocol'>, FieldType> = {
  name: 'string',
  interface: 'string',
  srcip: 'address',
  mcast: 'address',
  vhid: 'number',
  preempt: 'boolean',
  neutral: 'boolean',
  addrs: 'addresses',
  advbase: 'number',
  upscript: 'nullable-string',
  downscript: 'nullable-string',
  ignoreifstate: 'boolean',
  xparam: 'nullable-string',
  peers: 'addresses',
  peerMinTtl: 'number',
  announce: 'boolean',
  ipOutput: 'boolean',
  scriptTimeoutMs: 'number',
  checks: 'objects',
  extraEnv: 'object',
  syncGroup: 'nullable-string',
  // per protocol: only the group's own are checked
  advskew: 'number',
  deadratio: 'number',
  shutdown: 'boolean',
  nomcast: 'boolean',
  priority: 'number',
};
const CARP_ONLY = ['advskew', 'deadratio', 'shutdown', 'nomcast'] as const;
const VRRP_ONLY = ['priority'] as const;
// Compile-time proof that the lists above are exactly the protocol-only fields.
const _carpOnly: Common<Omit<CarpGroupSettings, keyof VrrpGroupSettings>> = { advskew: 'number', deadratio: 'number', shutdown: 'boolean', nomcast: 'boolean' };
const _vrrpOnly: Common<Omit<VrrpGroupSettings, keyof CarpGroupSettings>> = { priority: 'number' };
void _carpOnly;
void _vrrpOnly;

const TYPE_WORDS: Partial<Record<FieldType, string>> = {
  address: 'an IP address in canonical form',
  addresses: 'a list of IP addresses in canonical form',
};

export function encodeHandover(h: Handover): Buffer {
  const groups = h.settings.groups.map((g) => ({ ...g, password: g.password?.toString('base64') ?? null }));
  const settings = { process: h.settings.process, groups };
  return Buffer.from(JSON.stringify({ format: FORMAT, settings, warnings: h.warnings, title: h.title }));
}

/** The hand-over, or an Error whose message says what is wrong with it. */
export function decodeHandover(data: Buffer | string): Handover {
  let raw: unknown;
  try {
    raw = JSON.parse(data.toString());
  } catch {
    throw new Error('settings hand-over is not JSON');
  }
  if (!isRecord(raw) || raw.format !== FORMAT) throw new Error(`settings hand-over is not ${FORMAT}`);
  const { settings, warnings, title } = raw;
  if (!isRecord(settings) || !isRecord(settings.process)) throw new Error('settings hand-over has no settings');
  checkFields(settings.process, PROCESS_FIELDS, 'process');
  const groups = settings.groups;
  if (!Array.isArray(groups) || groups.length === 0) throw new Error('settings hand-over has no groups');
  if (!Array.isArray(warnings) || !warnings.every((w) => typeof w === 'string')) throw new Error('settings hand-over: bad warnings');
  if (typeof title !== 'string') throw new Error('settings hand-over: bad title');
  return {
    settings: { process: settings.process as unknown as ProcessSettings, groups: groups.map(decodeGroup) },
    warnings: warnings as string[],
    title,
  };
}

function decodeGroup(g: unknown, index: number): GroupSettings {
  const where = `group ${index + 1}`;
  if (!isRecord(g)) throw new Error(`settings hand-over: ${where} is not an object`);
  const carp = g.protocol === 'carp';
  if (!carp && g.protocol !== 'vrrp2' && g.protocol !== 'vrrp3') throw new Error(`settings hand-over: ${where} has no protocol`);
  const other: readonly string[] = carp ? VRRP_ONLY : CARP_ONLY;
  const fields = Object.fromEntries(Object.entries(GROUP_FIELDS).filter(([k]) => !other.includes(k)));
  checkFields(g, fields, where);
  const stray = other.find((k) => k in g);
  if (stray) throw new Error(`settings hand-over: ${where}: "${stray}" is not a ${g.protocol} setting`);
  if (!Object.values(g.extraEnv as Record<string, unknown>).every((v) => typeof v === 'string')) {
    throw new Error('settings hand-over: "extraEnv" holds a non-string');
  }
  if (!hasType(g.password, 'nullable-string') || (carp && g.password === null)) throw new Error(`settings hand-over: ${where}: bad password`);
  const password = g.password === null ? null : Buffer.from(g.password as string, 'base64');
  return { ...(g as unknown as GroupSettings), password } as GroupSettings;
}

function checkFields(o: Record<string, unknown>, fields: Record<string, FieldType>, where: string): void {
  for (const [key, type] of Object.entries(fields)) {
    if (!hasType(o[key], type)) throw new Error(`settings hand-over: ${where}: "${key}" is not ${TYPE_WORDS[type] ?? `a ${type}`}`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hasType(v: unknown, type: FieldType): boolean {
  switch (type) {
    case 'numbers':
      return Array.isArray(v) && v.every((n) => typeof n === 'number');
    case 'address':
      return isAddress(v);
    case 'addresses':
      return Array.isArray(v) && v.every(isAddress);
    case 'nullable-string':
      return v === null || typeof v === 'string';
    case 'object':
      return isRecord(v);
    case 'objects':
      return Array.isArray(v) && v.every(isRecord);
    case 'nullable-object':
      return v === null || isRecord(v);
    default:
      return typeof v === type;
  }
}

/** An address in its canonical form, as parse-settings made it. */
function isAddress(v: unknown): boolean {
  return typeof v === 'string' && parseIp(v) === v;
}
