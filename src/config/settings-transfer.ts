// The validated settings, handed from the command that parsed them to the daemon that
// runs them (across exec, or over --daemonize's channel). JSON with the password as
// base64; the daemon checks the shape, so a stray or truncated hand-over is one clear
// error line instead of a daemon running on half its settings.
import { parseIp } from '../core/ip-address.js';
import type { Settings } from './settings.js';

/** What the daemon image receives: its settings, the warnings still to log, and its title for ps. */
export interface Handover {
  settings: Settings;
  warnings: string[];
  /** The command line with every secret masked, shown by ps. */
  title: string;
}

const FORMAT = 'ucarp-ts-handover/1';

// The JSON type each field must have.
const FIELD_TYPES: Record<keyof Settings, 'string' | 'number' | 'boolean' | 'numbers' | 'address' | 'addresses' | 'nullable-string' | 'object' | 'objects' | 'nullable-object'> = {
  protocol: 'string',
  interface: 'string',
  srcip: 'address',
  mcast: 'address',
  vhid: 'number',
  password: 'nullable-string',
  preempt: 'boolean',
  neutral: 'boolean',
  addrs: 'addresses',
  advbase: 'number',
  advskew: 'number',
  priority: 'number',
  deadratio: 'number',
  upscript: 'nullable-string',
  downscript: 'nullable-string',
  debug: 'boolean',
  shutdown: 'boolean',
  daemonize: 'boolean',
  ignoreifstate: 'boolean',
  nomcast: 'boolean',
  facility: 'string',
  xparam: 'nullable-string',
  peers: 'addresses',
  peerMinTtl: 'number',
  announce: 'boolean',
  scriptTimeoutMs: 'number',
  pidfile: 'nullable-string',
  checks: 'objects',
  metrics: 'nullable-object',
  runDir: 'string',
  extraEnv: 'object',
};

const TYPE_WORDS: Partial<Record<(typeof FIELD_TYPES)[keyof Settings], string>> = {
  address: 'an IP address in canonical form',
  addresses: 'a list of IP addresses in canonical form',
};

export function encodeHandover(h: Handover): Buffer {
  const settings = { ...h.settings, password: h.settings.password?.toString('base64') ?? null };
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
  if (!isRecord(settings)) throw new Error('settings hand-over has no settings');
  for (const [key, type] of Object.entries(FIELD_TYPES)) {
    if (!hasType(settings[key], type)) throw new Error(`settings hand-over: "${key}" is not ${TYPE_WORDS[type] ?? `a ${type}`}`);
  }
  if (!Array.isArray(warnings) || !warnings.every((w) => typeof w === 'string')) throw new Error('settings hand-over: bad warnings');
  if (typeof title !== 'string') throw new Error('settings hand-over: bad title');
  const extraEnv = settings.extraEnv as Record<string, unknown>;
  if (!Object.values(extraEnv).every((v) => typeof v === 'string')) throw new Error('settings hand-over: "extraEnv" holds a non-string');
  const password = settings.password === null ? null : Buffer.from(settings.password as string, 'base64');
  return { settings: { ...(settings as unknown as Settings), password }, warnings: warnings as string[], title };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hasType(v: unknown, type: (typeof FIELD_TYPES)[keyof Settings]): boolean {
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
