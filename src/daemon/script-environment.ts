// The environment a hook script runs with: clean (nothing inherited but PATH), the
// state and settings as UCARP_* variables, the failing health checks, and the config
// file's extra variables. Never the password.
import type { IpAddress } from '../core/ip-address.js';
import type { GroupSettings } from '../config/settings.js';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * failing: the health checks failing now, as written in --check (UCARP_CHECK_FAILED, ";"
 * between them, as in UCARP_CHECK).
 */
export function scriptEnvironment(s: GroupSettings, state: 'MASTER' | 'BACKUP' | 'FAULT', addr: IpAddress, failing: string[] = []): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.extraEnv)) if (!/PASS/i.test(k)) env[k] = v;
  Object.assign(env, {
    PATH: process.env.PATH ?? DEFAULT_PATH,
    UCARP_STATE: state,
    UCARP_PROTOCOL: s.protocol,
    UCARP_VHID: String(s.vhid),
    UCARP_INTERFACE: s.interface,
    UCARP_SRCIP: s.srcip,
    UCARP_ADDR: addr,
    UCARP_ADDRS: s.addrs.join(' '),
    UCARP_ADVBASE: String(s.advbase),
  });
  if (s.protocol === 'carp') env.UCARP_ADVSKEW = String(s.advskew);
  else env.UCARP_PRIORITY = String(s.priority);
  if (s.xparam !== null) env.UCARP_XPARAM = s.xparam;
  if (failing.length > 0) env.UCARP_CHECK_FAILED = failing.join(';');
  return env;
}
