import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forEachBatchRecord } from '../../src/net/batch-records.js';
import { batchOf } from '../support/batch-records.js';

function collect(batch: Buffer, count: number, extra: number): { packet: number[]; truncated: boolean; extra: number[] }[] {
  const out: { packet: number[]; truncated: boolean; extra: number[] }[] = [];
  forEachBatchRecord(batch, count, extra, (packet, truncated, at) => out.push({ packet: [...packet], truncated, extra: [...batch.subarray(at, at + extra)] }));
  return out;
}

describe('batch records', () => {
  it('hands over each packet in order, with its flags and extra bytes', () => {
    const batch = batchOf([
      { packet: [0x45, 1, 2], extra: [9, 9] },
      { packet: [], extra: [7, 8] },
      { packet: [0x45, 3], extra: [1, 2], truncated: true },
    ]);
    assert.deepEqual(collect(batch, 3, 2), [
      { packet: [0x45, 1, 2], truncated: false, extra: [9, 9] },
      { packet: [], truncated: false, extra: [7, 8] },
      { packet: [0x45, 3], truncated: true, extra: [1, 2] },
    ]);
  });

  it('IPv4 records carry no extra bytes', () => {
    const packets = [[1, 2, 3, 4], [5, 6]];
    assert.deepEqual(collect(batchOf(packets.map((packet) => ({ packet }))), 2, 0).map((r) => r.packet), packets);
  });

  it('refuses a batch the records do not fill exactly', () => {
    const batch = batchOf([{ packet: [1, 2, 3] }]);
    assert.throws(() => collect(batch, 2, 0), /record 2 of 2 starts past the end/);
    assert.throws(() => collect(batch.subarray(0, batch.length - 1), 1, 0), /runs past the end/);
    assert.throws(() => collect(Buffer.concat([batch, Buffer.from([0])]), 1, 0), /1 bytes left after 1 records/);
  });
});
