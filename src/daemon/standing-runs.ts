// The last run of standing adverts a group handed to its socket, encoded, so that handing
// the rest of it back after a stop (any event of its own, a status read, its sync group's
// turn) costs no encoding: a CARP run is 60 HMACs, and the garbage they leave waits for
// a collection. An advert equal to one of the last run, field for field, reuses its bytes.
import { isDeepStrictEqual } from 'node:util';
import type { IpAddress } from '../core/ip-address.js';

export class StandingRuns {
  private adverts: readonly unknown[] = [];
  private payloads: Buffer[] = [];
  private dst: IpAddress | null = null;

  /** The payloads for adverts to dst, reusing those of the last run where the advert is the same. */
  encode(adverts: readonly unknown[], dst: IpAddress, encodeOne: (advert: unknown) => Buffer): Buffer[] {
    // Where the new run starts in the last one: CARP's counters move on by what went out meanwhile.
    const base = this.dst === dst && adverts.length > 0 ? this.adverts.findIndex((a) => isDeepStrictEqual(a, adverts[0])) : -1;
    const payloads = adverts.map((a, i) => {
      const j = base + i;
      return base >= 0 && j < this.adverts.length && isDeepStrictEqual(this.adverts[j], a) ? this.payloads[j]! : encodeOne(a);
    });
    this.adverts = adverts;
    this.payloads = payloads;
    this.dst = dst;
    return payloads;
  }

  /** Encoding may depend on more than the advert (an IPv6 source after the link came back): start afresh. */
  forget(): void {
    this.adverts = [];
    this.payloads = [];
    this.dst = null;
  }
}
