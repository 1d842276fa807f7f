// batch_receive: drains a datagram socket with recvmmsg, many packets per wake-up, and
// hands each round to JavaScript as one Buffer of records: one call into JavaScript per
// round however many packets arrived, which is what keeps a flood of forged adverts
// cheap (one wake-up, one recvmmsg and one call for up to BATCH_RECEIVE_SIZE packets,
// against a wake-up, a recvfrom and two calls per packet through raw-socket).
//
// Each record: a 4-byte prefix (length u16 big-endian, flags u8, 0), then `extra` bytes
// the socket's own describe() writes (0 for IPv4, whose packets carry their header),
// then the packet. The callback is callback(batch: Buffer | null, count, errno); errno
// is set (and batch null) when receiving failed.
#ifndef UCARP_TS_BATCH_RECEIVE_H
#define UCARP_TS_BATCH_RECEIVE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <node_api.h>
#include <sys/socket.h>
#include <uv.h>

#define BATCH_RECEIVE_SIZE 32
// Rounds per wake-up: a bounded drain, so under a flood the loop still runs timers between rounds.
#define BATCH_RECEIVE_ROUNDS 4
// Packets in one wake-up that mean they arrive faster than they are read (a flood): the
// receiver then stops polling and reads every BATCH_RECEIVE_HOLD_MS instead, until a
// read finds fewer. Measured at 20,000 forged packets/s, reading on every readiness woke
// the process for every 2-3 packets (7,500 wake-ups/s, no cheaper than raw-socket's one
// packet per loop turn); a genuine advert waits at most this long during a flood.
#define BATCH_RECEIVE_BUSY 2
#define BATCH_RECEIVE_HOLD_MS 1
// The largest packet kept whole; a longer one is cut and flagged.
#define BATCH_RECEIVE_PACKET_BYTES 4096
#define BATCH_RECEIVE_PREFIX 4
#define BATCH_RECEIVE_TRUNCATED 1

typedef struct batch_receiver batch_receiver;

// Writes the record's `extra` bytes for message i (ancillary data, source address).
typedef void (*batch_describe)(const struct msghdr *m, const struct sockaddr_storage *source, unsigned char *out);

struct batch_receiver {
  uv_poll_t poll;
  uv_timer_t hold; // reads again after BATCH_RECEIVE_HOLD_MS while packets pour in
  int open_handles;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  int fd;
  size_t extra;
  size_t control_bytes; // ancillary data room per message (0: none asked for)
  batch_describe describe;
  void *owner; // the addon's own state, if any
};

// Watches fd (which the receiver does not own) on the loop of env; r is malloc'ed and
// zeroed by the caller, who may have set owner. extra/describe: see above (describe may
// be NULL when extra is 0). Returns 0, or a negative libuv error (and r is freed).
int batch_receiver_start(napi_env env, batch_receiver *r, int fd, napi_value callback, const char *name, size_t extra,
                         size_t control_bytes, batch_describe describe);

// Stops watching, releases the callback and frees r (after libuv is done with it).
void batch_receiver_stop(batch_receiver *r);

#endif
