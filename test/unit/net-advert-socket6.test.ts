import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ipToBytes, parseIp } from '../../src/core/ip-address.js';
import { decodeReceiveBatch, RECORD_EXTRA } from '../../src/net/advert-socket6.js';
import { batchOf } from '../support/batch-records.js';

const ip = (s: string) => parseIp(s)!;

/** advert_socket6.c's extra bytes: source, destination, ifindex, hop limit, flags (2 no hop limit, 4 no destination). */
function extra6(o: { source: string; destination: string; ifindex: number; hopLimit: number; flags?: number }): Buffer {
  const b = Buffer.alloc(RECORD_EXTRA);
  ipToBytes(ip(o.source)).copy(b, 0);
  ipToBytes(ip(o.destination)).copy(b, 16);
  b.writeUInt32BE(o.ifindex, 32);
  b[36] = o.hopLimit;
  b[37] = o.flags ?? 0;
  return b;
}

describe('IPv6 advert socket: decodeReceiveBatch', () => {
  it('reads source, destination, ifindex, hop limit and truncation of each record, the payload a view', () => {
    const batch = batchOf([
      { extra: extra6({ source: 'fe80::1', destination: 'ff02::12', ifindex: 7, hopLimit: 255 }), packet: [0x31, 1, 2, 3] },
      { extra: extra6({ source: 'fe80::2', destination: 'fe80::9', ifindex: 70000, hopLimit: 64 }), packet: [0x31, 4], truncated: true },
    ]);
    const got = decodeReceiveBatch(batch, 2);
    assert.deepEqual(
      got.map((p) => ({ ...p, payload: [...p.payload] })),
      [
        { source: ip('fe80::1'), destination: ip('ff02::12'), ifindex: 7, hopLimit: 255, payload: [0x31, 1, 2, 3], truncated: false },
        { source: ip('fe80::2'), destination: ip('fe80::9'), ifindex: 70000, hopLimit: 64, payload: [0x31, 4], truncated: true },
      ],
    );
    assert.equal(got[0]!.payload.buffer, batch.buffer);
  });

  it('without the ancillary data the hop limit reads 0 and the destination ::', () => {
    const extra = extra6({ source: 'fe80::1', destination: 'ff02::12', ifindex: 3, hopLimit: 255, flags: 2 | 4 });
    const [p] = decodeReceiveBatch(batchOf([{ extra, packet: [1] }]), 1);
    assert.equal(p!.hopLimit, 0);
    assert.equal(p!.destination, ip('::'));
    assert.equal(p!.source, ip('fe80::1'));
  });

  it('refuses a batch its records do not fill', () => {
    const batch = batchOf([{ extra: extra6({ source: 'fe80::1', destination: 'ff02::12', ifindex: 1, hopLimit: 255 }), packet: [1, 2] }]);
    assert.throws(() => decodeReceiveBatch(batch, 2), /record 2 of 2/);
    assert.throws(() => decodeReceiveBatch(batch.subarray(0, batch.length - 1), 1), /runs past the end/);
  });
});
