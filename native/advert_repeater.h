// advert_repeater: a MASTER's standing adverts, sent from a thread of their own.
//
// An idle master has nothing to do but send the same advert (VRRP) or the next of a
// prepared run (CARP, a counter and HMAC each) at fixed instants. Sent from a libuv
// timer, each advert woke Node's event loop: two epoll_pwait calls, timers, prepare
// and check handles, about 50 µs of user time per advert beside the kernel's send
// (perf, scripts/profile.ts), which kept a 50 ms VRRPv3 master above keepalived's
// CPU. A thread that sleeps to the next instant (a futex wait to a
// CLOCK_MONOTONIC instant) and calls sendmsg does only that, and Node's loop sleeps until
// something else happens. One thread per addon serves every schedule of every
// socket; schedules due within a small window are sent in one wake-up (many groups).
//
// The thread touches nothing of JavaScript's: a schedule that ends (a run sent, a
// failed send) is reported to the loop through a uv_async_t, and the JavaScript
// onEnd(errno) is called there. Schedules are only created, changed and freed on the
// loop's thread, under the lock the sender holds while it reads them. A loop that stops
// answering (stuck in a bug or a blocking call) ends every schedule with ETIMEDOUT, so
// a stuck daemon stops advertising as it did when the loop sent its adverts.
#ifndef UCARP_TS_ADVERT_REPEATER_H
#define UCARP_TS_ADVERT_REPEATER_H

#include <node_api.h>
#include <stdbool.h>
#include <sys/socket.h>

// What one schedule sends: count packets of len bytes each (copied), to a destination,
// with ancillary data (IPv6: the source as IPV6_PKTINFO; IPv4: none).
typedef struct repeat_target {
  const void *packets;
  size_t len;
  size_t count;
  const struct sockaddr *dst;
  socklen_t dstlen;
  const void *control;
  size_t controllen;
} repeat_target;

// When and how long: the first instant (ms, CLOCK_MONOTONIC), the interval, whether the
// last packet repeats until stopped, and the JavaScript onEnd(errno).
typedef struct repeat_timing {
  double due;
  double every;
  bool last_repeats;
  napi_value on_end;
} repeat_timing;

// The schedule's own arguments, as both addons' repeat() take them: packets and
// packetLength at argv[2] and argv[3], firstDueMs, everyMs >= 1, lastRepeats and onEnd at
// argv[at] to argv[at + 3]. Fills t's packets, len and count, and timing; 0 when any is
// missing or wrong (nothing thrown: the caller names its own arguments).
int repeater_args(napi_env env, const napi_value *argv, size_t argc, size_t at, repeat_target *t, repeat_timing *timing);

// Replaces key's schedule on fd. Returns NULL with a JavaScript exception pending when it
// cannot (then nothing is sent).
napi_value repeater_start(napi_env env, int fd, int key, const repeat_target *t, const repeat_timing *timing);

// stopRepeat(fd, key) for JavaScript, as both addons export it: stops key's schedule on fd
// and returns [slots, sends] since it started ([0, 0] when none).
napi_value repeater_js_stop(napi_env env, napi_callback_info info);

// Drops every schedule of fd, before the descriptor is closed (it may be reused).
void repeater_forget(napi_env env, int fd);

#endif
