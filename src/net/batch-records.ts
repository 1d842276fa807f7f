// The records of one batch of received packets, as native/batch_receive.h lays them
// out: per packet a 4-byte prefix (length, big-endian u16; flags; 0), `extra` bytes
// of the socket's own (0 for IPv4), then the packet. Pure (unit-tested).

export const BATCH_RECORD_PREFIX = 4;
/** The packet was longer than the receiver keeps and was cut. */
export const BATCH_RECORD_TRUNCATED = 1;

/**
 * Calls each(packet, truncated, extraAt) for the count records of batch, in order: the
 * packet is a view into the batch, which is the caller's own (a listener may keep it);
 * the socket's extra bytes are batch[extraAt, extraAt + extra). Throws when the records
 * do not fill the batch exactly (an addon that lays them out otherwise).
 */
export function forEachBatchRecord(batch: Buffer, count: number, extra: number, each: (packet: Buffer, truncated: boolean, extraAt: number) => void): void {
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + BATCH_RECORD_PREFIX + extra > batch.length) throw new Error(`batch: record ${i + 1} of ${count} starts past the end (${batch.length} bytes)`);
    const length = batch.readUInt16BE(at);
    const truncated = (batch[at + 2]! & BATCH_RECORD_TRUNCATED) !== 0;
    const start = at + BATCH_RECORD_PREFIX + extra;
    if (start + length > batch.length) throw new Error(`batch: record ${i + 1} of ${count} (${length} bytes) runs past the end`);
    each(batch.subarray(start, start + length), truncated, at + BATCH_RECORD_PREFIX);
    at = start + length;
  }
  if (at !== batch.length) throw new Error(`batch: ${batch.length - at} bytes left after ${count} records`);
}
