// The inbound screen for VRRPv3 over IPv6 packets as the IPv6 socket hands them in:
// hop limit 255 only (RFC 5798 §5.1.2.3), unless --peer-min-ttl admits a listed peer;
// our own link-local source is our own packet; multicast only to our group; a peer may
// address any of our unicast addresses (the kernel delivers only ours).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { screenInbound, type InboundPolicy } from '../../src/core/inbound-filter.js';
import type { InboundPacket } from '../../src/core/inbound-packet.js';
import { parseIp } from '../../src/core/ip-address.js';

const ip = (t: string) => parseIp(t)!;
const SELF = ip('fe80::77:ff:fe00:c');
const GROUP = ip('ff02::12');
const PEER = ip('fd77::b');
const multicast: InboundPolicy = { self: SELF, group: GROUP, peers: [], peerMinTtl: 255 };
const unicast: InboundPolicy = { self: SELF, group: GROUP, peers: [PEER], peerMinTtl: 64 };
const pkt = (source: string, destination: string, hopLimit = 255): InboundPacket => ({ source: ip(source), destination: ip(destination), hopLimit, payload: Buffer.alloc(24) });
const reason = (r: ReturnType<typeof screenInbound>) => (r.ok ? 'ok' : r.reason);

describe('inbound screen, IPv6', () => {
  it('multicast: hop limit 255 from another link-local address to ff02::12 only', () => {
    assert.equal(reason(screenInbound(pkt('fe80::77:ff:fe00:b', 'ff02::12'), multicast)), 'ok');
    assert.equal(reason(screenInbound(pkt('fe80::77:ff:fe00:b', 'ff02::12', 254), multicast)), 'ttl');
    assert.equal(reason(screenInbound(pkt('fe80::77:ff:fe00:b', 'ff02::12', 0), multicast)), 'ttl');
    assert.equal(reason(screenInbound(pkt('fe80::77:ff:fe00:c', 'ff02::12'), multicast)), 'own');
    assert.equal(reason(screenInbound(pkt('fe80::77:ff:fe00:b', 'ff02::1'), multicast)), 'destination');
    assert.equal(reason(screenInbound(pkt('fe80::77:ff:fe00:b', 'fd77::c'), multicast)), 'destination');
  });

  it('peers: only listed ones, to any of our unicast addresses or the group; --peer-min-ttl for them alone', () => {
    assert.equal(reason(screenInbound(pkt('fd77::b', 'fd77::c'), unicast)), 'ok');
    assert.equal(reason(screenInbound(pkt('fd77::b', 'fe80::77:ff:fe00:c'), unicast)), 'ok');
    assert.equal(reason(screenInbound(pkt('fd77::b', 'ff02::12'), unicast)), 'ok');
    assert.equal(reason(screenInbound(pkt('fd77::b', 'fd77::c', 64), unicast)), 'ok');
    assert.equal(reason(screenInbound(pkt('fd77::b', 'fd77::c', 63), unicast)), 'ttl');
    assert.equal(reason(screenInbound(pkt('fd77::d', 'fd77::c'), unicast)), 'peer');
    assert.equal(reason(screenInbound(pkt('fd77::d', 'fd77::c', 64), unicast)), 'ttl');
    assert.equal(reason(screenInbound(pkt('fd77::b', 'ff02::1'), unicast)), 'destination');
  });

  it('what the socket reports when the kernel gave no ancillary data (hop limit 0, destination ::) is dropped', () => {
    assert.equal(reason(screenInbound(pkt('fe80::77:ff:fe00:b', 'ff02::12', 0), multicast)), 'ttl');
    assert.equal(reason(screenInbound(pkt('fe80::77:ff:fe00:b', '::'), multicast)), 'destination');
    assert.equal(reason(screenInbound(pkt('fd77::b', '::'), unicast)), 'destination');
  });
});
