// Decoding rtnetlink link announcements (src/net/rtnetlink.ts): names, indexes, carrier,
// several messages in one datagram, and no exception on anything malformed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeLinkAnnouncement, parseLinkAnnouncements, type LinkAnnouncement } from '../../src/net/rtnetlink.js';

describe('rtnetlink link announcements', () => {
  const up: LinkAnnouncement = { deleted: false, ifindex: 7, name: 'eth0', running: true };
  const gone: LinkAnnouncement = { deleted: true, ifindex: 7, name: 'eth0', running: false };
  it('round-trips a new and a deleted link, in both byte orders', () => {
    for (const le of [true, false]) {
      assert.deepEqual(parseLinkAnnouncements(encodeLinkAnnouncement(up, le), le), [up]);
      assert.deepEqual(parseLinkAnnouncements(encodeLinkAnnouncement(gone, le), le), [gone]);
    }
  });
  it('reads every message of a datagram', () => {
    const two = Buffer.concat([encodeLinkAnnouncement(up), encodeLinkAnnouncement({ ...up, name: 'eth1', ifindex: 8, running: false })]);
    assert.deepEqual(parseLinkAnnouncements(two).map((a) => [a.name, a.ifindex, a.running]), [['eth0', 7, true], ['eth1', 8, false]]);
  });
  it('stops at a truncated message and never throws', () => {
    const b = encodeLinkAnnouncement(up);
    assert.deepEqual(parseLinkAnnouncements(b.subarray(0, b.length - 4)), []);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => void parseLinkAnnouncements(Buffer.from(bytes))));
  });
});
