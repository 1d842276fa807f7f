// Whole group settings for tests that build a driver or a diff without parsing a command
// line: the defaults a bare command line gives, with the test's own fields over them.
import type { CarpGroupSettings, VrrpGroupSettings } from '../../src/config/settings.js';
import { parseIp, type IpAddress } from '../../src/core/ip-address.js';

const ip = (s: string): IpAddress => parseIp(s)!;

/** What every group has, as the defaults leave it. */
const BASE = {
  name: 'test',
  interface: 'eth0',
  srcip: ip('10.0.0.1'),
  mcast: ip('224.0.0.18'),
  vhid: 1,
  preempt: false,
  neutral: false,
  addrs: [ip('10.0.0.100')],
  advbase: 1,
  upscript: null,
  downscript: null,
  ignoreifstate: false,
  xparam: null,
  peers: [],
  peerMinTtl: 255,
  announce: true,
  ipOutput: false,
  scriptTimeoutMs: 30_000,
  checks: [],
  extraEnv: {},
  syncGroup: null,
} as const;

export function carpGroupSettings(over: Partial<CarpGroupSettings> = {}): CarpGroupSettings {
  return { ...BASE, addrs: [...BASE.addrs], peers: [], checks: [], extraEnv: {}, protocol: 'carp', password: Buffer.from('secret'), advskew: 0, deadratio: 3, shutdown: false, nomcast: false, ...over };
}

export function vrrpGroupSettings(over: Partial<VrrpGroupSettings> = {}): VrrpGroupSettings {
  return { ...BASE, addrs: [...BASE.addrs], peers: [], checks: [], extraEnv: {}, protocol: 'vrrp3', password: null, priority: 100, ...over };
}
