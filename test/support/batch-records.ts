// Batches of received packets as native/batch_receive.c lays them out, for the decoders' unit tests.
import { BATCH_RECORD_PREFIX, BATCH_RECORD_TRUNCATED } from '../../src/net/batch-records.js';

export interface BatchRecordSpec {
  packet: number[] | Buffer;
  /** The socket's own bytes between the prefix and the packet. */
  extra?: number[] | Buffer;
  truncated?: boolean;
}

export function batchOf(records: BatchRecordSpec[]): Buffer {
  const parts: Buffer[] = [];
  for (const r of records) {
    const prefix = Buffer.alloc(BATCH_RECORD_PREFIX);
    prefix.writeUInt16BE(r.packet.length, 0);
    prefix[2] = r.truncated ? BATCH_RECORD_TRUNCATED : 0;
    parts.push(prefix, Buffer.from(r.extra ?? []), Buffer.from(r.packet));
  }
  return Buffer.concat(parts);
}
