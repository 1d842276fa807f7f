// ucarp-ts and Debian's keepalived 2.2.7 in one VRRPv3 group over IPv4, in namespaces: the
// family-independent suite in test/support/keepalived-vrrp3-suite.ts (election, priority-0
// handover and crash failover both ways at 1 s and 50 ms, two addresses, SIGUSR2).
import { requireLab } from '../lab/requirements.js';
import { keepalivedAvailable } from '../support/keepalived.js';
import { vrrp3KeepalivedSuite } from '../support/keepalived-vrrp3-suite.js';

requireLab();
keepalivedAvailable();
vrrp3KeepalivedSuite({
  label: '',
  vips: ['10.77.0.233', '10.77.0.234'],
  vrid: 51,
  lab: { hosts: ['ka', 'uts'], client: true },
  crashIntervalsMs: [1000, 50],
  clientFollows: false,
});
