// What the daemon needs from a protocol (CARP, VRRPv2, VRRPv3): an election, and
// the translation between packets and the election's inputs and outputs.
import type { Decoded } from '../core/drop-reason.js';
import type { Election } from '../core/election/types.js';
import type { IpAddress } from '../core/ip-address.js';
import type { InboundPacket } from '../core/inbound-packet.js';

export interface ProtocolDriver<In = unknown, Out = unknown> {
  /** For logs: "CARP", "VRRPv3". */
  readonly name: string;
  readonly election: Election<In, Out>;
  /** IP TOS byte of our advertisements (ucarp 0x10, keepalived 0xc0). */
  readonly tos: number;
  /** The advertisement interval, so the shell can size its link polling. */
  readonly advertIntervalMs: number;
  /** Decodes and authenticates a screened packet; 'other-group' when it belongs to another vhid/vrid. */
  decode(pkt: InboundPacket): Decoded<In> | 'other-group';
  /** The protocol payload for an advertisement to dst (VRRPv3's checksum covers dst). */
  encode(out: Out, dst: IpAddress): Buffer;
  /** Extra words for a status line, e.g. "advbase 1 advskew 50". */
  describe(): string;
  /** A bow-out (ours or heard): CARP advbase and advskew 255, VRRP priority 0. */
  isLeaving(ad: In | Out): boolean;
  /** CARP advskew or VRRP priority: as configured, and as last advertised (the configured one until then). */
  preference(): { configured: number; effective: number };
}
