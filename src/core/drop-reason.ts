// Why a received packet was not handed to the election. The shell counts these
// and logs a rate-limited summary instead of one line per packet.

export const DROP_REASONS = [
  'short', // shorter than the headers it claims
  'ip-header', // not IPv4, bad header length, or inconsistent total length
  'protocol', // IP protocol is not 112
  'ttl', // TTL (hop limit) below 255 (or below --peer-min-ttl from a listed peer): routed from too far
  'destination', // not our group (or, with --peer, not addressed to us)
  'version', // protocol version field does not match our mode
  'type', // not an advertisement
  'length', // payload length does not match the header's address count / fixed size
  'checksum', // bad header checksum
  'auth', // HMAC or password mismatch, or wrong auth type
  'addresses', // the advertised address list differs from ours
  'interval', // zero or otherwise impossible advertisement interval
  'replay', // counter already seen from that sender
  'peer', // sender is not one of the configured --peer addresses
  'own', // our own packet, looped back
] as const;

export type DropReason = (typeof DROP_REASONS)[number];

export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: DropReason };

export const drop = (reason: DropReason): { ok: false; reason: DropReason } => ({ ok: false, reason });
