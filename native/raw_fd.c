// raw_fd: system calls on raw-socket's descriptor that raw-socket lacks.
//
// attachFilter(fd, program): a classic BPF socket filter (SO_ATTACH_FILTER), so the
// kernel drops forged and stray packets before they wake the process. The program is
// built and tested in TypeScript (src/net/advert-filter.ts); this only hands it over.
//
// sendTo(fd, packet, dst): one sendto() now, instead of raw-socket's queue, which waits
// for the socket to poll writable (two loop turns, three epoll_ctl calls and two calls
// into JavaScript per advertisement). The socket is non-blocking: a full send buffer is
// EAGAIN, and the caller falls back to the queue.
//
// repeat(fd, key, packets, packetLength, dst, firstDueMs, everyMs, lastRepeats, onEnd): a
// MASTER's standing adverts (as the election says: src/core/election) sent from a libuv
// timer in C, so an idle master costs a wake-up and a sendto per interval and never
// enters JavaScript (measured: a bare 50 ms setInterval alone costs Node about 2.3 ms of
// CPU per second on the benchmark VM, keepalived's whole budget). packets holds equal
// packets of packetLength bytes, sent one per instant in turn; then, with lastRepeats,
// the last one at every instant after (VRRP's unchanged advert), else the timer stops
// and calls onEnd(0) (CARP's adverts, each with its own counter, a minute's worth at a
// time). Due times are on CLOCK_MONOTONIC in ms, the clock of process.hrtime().
// stopRepeat(fd, key) returns [slots, sends]: how many of the schedule's instants have passed
// (several for one late send) and how many packets went out. A failed send stops the
// timer and calls onEnd(errno); the caller then sends through its usual path. A socket
// holds one schedule per key (the groups sharing it use their vhid/vrid), each with its
// own timer, so every idle master on a shared socket sends from C; forgetRepeat(fd)
// drops them all.
//
// receive(fd, callback(batch, count, errno)): receives on the socket in batches
// (batch_receive.h: recvmmsg, one call into JavaScript per round of up to 32 packets)
// instead of raw-socket's one wake-up, one recvfrom and two calls into JavaScript per
// packet. It watches a close-on-exec duplicate of fd, so raw-socket's own poll of fd (for
// its send queue) and this one never share a descriptor, which libuv forbids; the caller
// pauses raw-socket's receiving for good. stopReceive(fd) stops and closes the duplicate.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "batch_receive.h"
#include "napi_args.h"
#include "socket_filter.h"
#include "throw_errno.h"

// The one argument of forgetRepeat and stopReceive: a descriptor. 0 after throwing.
static int fd_argument(napi_env env, napi_callback_info info, const char *usage, int32_t *fd) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !arg_int32(env, argv[0], fd)) {
    napi_throw_type_error(env, NULL, usage);
    return 0;
  }
  return 1;
}

// attachFilter(fd, program: Buffer of struct sock_filter, 8 bytes each, host order)
static napi_value js_attach_filter(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  if (argc < 2 || !arg_int32(env, argv[0], &fd)) {
    napi_throw_type_error(env, NULL, "attachFilter(fd, program): fd must be an integer");
    return NULL;
  }
  return attach_filter(env, fd, argv[1]);
}

// sendTo(fd, packet, dst: IPv4 address as a host-order number) -> bytes sent
static napi_value js_send_to(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  void *data;
  size_t len;
  uint32_t dst;
  if (argc < 3 || !arg_int32(env, argv[0], &fd) || !arg_buffer(env, argv[1], &data, &len) ||
      napi_get_value_uint32(env, argv[2], &dst) != napi_ok) {
    napi_throw_type_error(env, NULL, "sendTo(fd, packet, dst)");
    return NULL;
  }
  struct sockaddr_in sin;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(dst);
  ssize_t n;
  do n = sendto(fd, data, len, MSG_DONTWAIT, (struct sockaddr *)&sin, sizeof sin);
  while (n < 0 && errno == EINTR);
  if (n < 0) return throw_errno(env, "sendto", errno);
  napi_value result;
  napi_create_int64(env, n, &result);
  return result;
}

typedef struct repeater {
  uv_timer_t timer; // first: the handle's address is the repeater's
  napi_env env;
  napi_ref on_end;
  napi_async_context context;
  int fd;
  int key; // one schedule per key on a socket: the group's id
  int active;
  int last_repeats;
  unsigned char *packets;
  size_t len;   // of each packet
  size_t count; // of packets
  struct sockaddr_in dst;
  double due;   // CLOCK_MONOTONIC ms of the next instant
  double every; // ms
  double slots; // instants passed since start
  double sends;
  struct repeater *next;
} repeater;

static repeater *repeaters = NULL;

static double monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void on_repeat(uv_timer_t *handle);

// libuv fires a timer once its loop time, whole milliseconds of CLOCK_MONOTONIC rounded
// down, reaches the timer's due time. Counting the wait from that same loop time to the
// instant rounded up means the timer never fires early. Counted from our own finer clock,
// it often fired a fraction of a millisecond early and woke the process a second time
// for the send: 2.4 epoll_wait calls per advert at 50 ms (strace -c, profile.js).
static void arm(repeater *r) {
  uv_loop_t *loop = r->timer.loop;
  uv_update_time(loop);
  double wait = ceil(r->due) - (double)uv_now(loop);
  uv_timer_start(&r->timer, on_repeat, wait > 0 ? (uint64_t)wait : 0, 0);
}

static void report_end(repeater *r, int err) {
  napi_handle_scope scope;
  napi_open_handle_scope(r->env, &scope);
  napi_value cb, recv, arg, result;
  napi_get_reference_value(r->env, r->on_end, &cb);
  napi_get_global(r->env, &recv);
  napi_create_int32(r->env, err, &arg);
  napi_make_callback(r->env, r->context, recv, cb, 1, &arg, &result);
  napi_close_handle_scope(r->env, scope);
}

static void on_repeat(uv_timer_t *handle) {
  repeater *r = (repeater *)handle;
  if (!r->active) return;
  double now = monotonic_ms();
  if (now < r->due) {
    arm(r); // a safety net: arm() aims at the instant or after it
    return;
  }
  size_t next = (size_t)r->sends < r->count ? (size_t)r->sends : r->count - 1;
  ssize_t n;
  do n = sendto(r->fd, r->packets + next * r->len, r->len, MSG_DONTWAIT, (struct sockaddr *)&r->dst, sizeof r->dst);
  while (n < 0 && errno == EINTR);
  if (n != (ssize_t)r->len) {
    r->active = 0;
    report_end(r, n < 0 ? errno : EMSGSIZE);
    return;
  }
  r->sends++;
  // Instants missed while the loop was held up are not made up for: one send, the schedule kept.
  double k = floor((now - r->due) / r->every) + 1;
  r->slots += k;
  r->due += k * r->every;
  if (!r->last_repeats && (size_t)r->sends >= r->count) {
    r->active = 0;
    report_end(r, 0); // all sent: the caller hands over the next ones
    return;
  }
  arm(r);
}

static repeater *find_repeater(int fd, int key) {
  for (repeater *r = repeaters; r; r = r->next)
    if (r->fd == fd && r->key == key) return r;
  return NULL;
}

// repeat(fd, key, packets, packetLength, dst, firstDueMs, everyMs, lastRepeats, onEnd(errno))
static napi_value js_repeat(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd, key, packet_len;
  void *data;
  size_t len;
  uint32_t dst;
  double due, every;
  bool last_repeats;
  napi_valuetype t;
  if (argc < 9 || !arg_int32(env, argv[0], &fd) || !arg_int32(env, argv[1], &key) || !arg_buffer(env, argv[2], &data, &len) || len == 0 ||
      !arg_int32(env, argv[3], &packet_len) || packet_len <= 0 || len % (size_t)packet_len != 0 ||
      napi_get_value_uint32(env, argv[4], &dst) != napi_ok || napi_get_value_double(env, argv[5], &due) != napi_ok ||
      napi_get_value_double(env, argv[6], &every) != napi_ok || !(every >= 1) ||
      napi_get_value_bool(env, argv[7], &last_repeats) != napi_ok || napi_typeof(env, argv[8], &t) != napi_ok ||
      t != napi_function) {
    napi_throw_type_error(env, NULL, "repeat(fd, key, packets, packetLength, dst, firstDueMs, everyMs >= 1, lastRepeats, onEnd)");
    return NULL;
  }
  void *copy = malloc(len);
  if (!copy) return throw_errno(env, "malloc", ENOMEM);
  repeater *r = find_repeater(fd, key);
  if (!r) {
    uv_loop_t *loop;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
      free(copy);
      napi_throw_error(env, NULL, "no event loop");
      return NULL;
    }
    r = calloc(1, sizeof *r);
    if (!r) {
      free(copy);
      return throw_errno(env, "calloc", ENOMEM);
    }
    uv_timer_init(loop, &r->timer);
    uv_unref((uv_handle_t *)&r->timer); // as the socket's own handle, never keeps the process alive alone
    r->env = env;
    r->fd = fd;
    r->key = key;
    napi_value name;
    napi_create_string_utf8(env, "ucarp-ts:advert-repeat", NAPI_AUTO_LENGTH, &name);
    napi_async_init(env, NULL, name, &r->context);
    r->next = repeaters;
    repeaters = r;
  } else {
    uv_timer_stop(&r->timer);
    napi_delete_reference(env, r->on_end);
  }
  free(r->packets);
  memcpy(copy, data, len);
  r->packets = copy;
  r->len = (size_t)packet_len;
  r->count = len / (size_t)packet_len;
  r->last_repeats = last_repeats;
  memset(&r->dst, 0, sizeof r->dst);
  r->dst.sin_family = AF_INET;
  r->dst.sin_addr.s_addr = htonl(dst);
  r->due = due;
  r->every = every;
  r->slots = 0;
  r->sends = 0;
  r->active = 1;
  napi_create_reference(env, argv[8], 1, &r->on_end);
  arm(r);
  return NULL;
}

// stopRepeat(fd, key) -> [slots, sends] since repeat(); [0, 0] when none was set up.
static napi_value js_stop_repeat(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd, key;
  if (argc < 2 || !arg_int32(env, argv[0], &fd) || !arg_int32(env, argv[1], &key)) {
    napi_throw_type_error(env, NULL, "stopRepeat(fd, key)");
    return NULL;
  }
  repeater *r = find_repeater(fd, key);
  double slots = 0, sends = 0;
  if (r) {
    uv_timer_stop(&r->timer);
    r->active = 0;
    slots = r->slots;
    sends = r->sends;
    r->slots = r->sends = 0;
  }
  napi_value result, v;
  napi_create_array_with_length(env, 2, &result);
  napi_create_double(env, slots, &v);
  napi_set_element(env, result, 0, v);
  napi_create_double(env, sends, &v);
  napi_set_element(env, result, 1, v);
  return result;
}

static void on_repeater_closed(uv_handle_t *handle) {
  repeater *r = (repeater *)handle;
  free(r->packets);
  free(r);
}

// forgetRepeat(fd): every schedule of the descriptor, before it is closed (it may be reused).
static napi_value js_forget_repeat(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (!fd_argument(env, info, "forgetRepeat(fd)", &fd)) return NULL;
  for (repeater **p = &repeaters; *p;) {
    repeater *r = *p;
    if (r->fd != fd) {
      p = &r->next;
      continue;
    }
    *p = r->next;
    uv_timer_stop(&r->timer);
    r->active = 0;
    napi_delete_reference(env, r->on_end);
    napi_async_destroy(env, r->context);
    uv_close((uv_handle_t *)&r->timer, on_repeater_closed);
  }
  return NULL;
}

typedef struct receiving {
  int fd;      // raw-socket's
  int dup;     // watched
  batch_receiver *receiver;
  struct receiving *next;
} receiving;

static receiving *receivings = NULL;

static void stop_receiving(int fd) {
  for (receiving **p = &receivings; *p; p = &(*p)->next) {
    receiving *r = *p;
    if (r->fd != fd) continue;
    *p = r->next;
    batch_receiver_stop(r->receiver);
    close(r->dup);
    free(r);
    return;
  }
}

// receive(fd, callback(batch: Buffer | null, count, errno))
static napi_value js_receive(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  napi_valuetype t;
  if (argc < 2 || !arg_int32(env, argv[0], &fd) || napi_typeof(env, argv[1], &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, NULL, "receive(fd, callback)");
    return NULL;
  }
  stop_receiving(fd);
  receiving *r = calloc(1, sizeof *r);
  batch_receiver *b = calloc(1, sizeof *b);
  if (!r || !b) {
    free(r);
    free(b);
    return throw_errno(env, "calloc", ENOMEM);
  }
  int dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (dup < 0) {
    int err = errno;
    free(r);
    free(b);
    return throw_errno(env, "fcntl(F_DUPFD_CLOEXEC)", err);
  }
  int rc = batch_receiver_start(env, b, dup, argv[1], "ucarp-ts:advert-receive", 0, 0, NULL);
  if (rc != 0) {
    close(dup);
    free(r);
    return throw_errno(env, "uv_poll", -rc);
  }
  r->fd = fd;
  r->dup = dup;
  r->receiver = b;
  r->next = receivings;
  receivings = r;
  return NULL;
}

// stopReceive(fd): before the descriptor is closed.
static napi_value js_stop_receive(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (!fd_argument(env, info, "stopReceive(fd)", &fd)) return NULL;
  stop_receiving(fd);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"attachFilter", NULL, js_attach_filter, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendTo", NULL, js_send_to, NULL, NULL, NULL, napi_enumerable, NULL},
      {"repeat", NULL, js_repeat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"stopRepeat", NULL, js_stop_repeat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"forgetRepeat", NULL, js_forget_repeat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"receive", NULL, js_receive, NULL, NULL, NULL, napi_enumerable, NULL},
      {"stopReceive", NULL, js_stop_receive, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
