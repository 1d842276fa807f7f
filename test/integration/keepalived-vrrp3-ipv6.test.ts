// ucarp-ts and Debian's keepalived 2.2.7 in one VRRPv3 group over IPv6, in namespaces with
// IPv6 on the bridge: the same suite as over IPv4 (test/support/keepalived-vrrp3-suite.ts),
// plus that the client's neighbour entry follows ucarp-ts's MAC as soon as ucarp-ts takes
// over (its unsolicited NA). ucarp-ts runs without --srcip (its link-local address is the
// source); the client pings with ping -6.
import { requireLab } from '../lab/requirements.js';
import { keepalivedAvailable } from '../support/keepalived.js';
import { vrrp3KeepalivedSuite } from '../support/keepalived-vrrp3-suite.js';

requireLab();
keepalivedAvailable();
vrrp3KeepalivedSuite({
  label: 'over IPv6',
  // In the lab's fd77::/64, so on-link for the client.
  vips: ['fd77::1:e9', 'fd77::1:ea'],
  vrid: 61,
  lab: { hosts: ['ka', 'uts'], client: true, ipv6: true },
  // At 50 ms only: at 1 s the same code path only waits longer.
  crashIntervalsMs: [50],
  clientFollows: true,
});
