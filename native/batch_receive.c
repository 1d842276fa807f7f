// batch_receive: see batch_receive.h.
#include "batch_receive.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CONTROL_MAX 128

// Shared by every receiver: the loop is single-threaded and each round is copied out.
static unsigned char packets[BATCH_RECEIVE_SIZE][BATCH_RECEIVE_PACKET_BYTES];
static unsigned char controls[BATCH_RECEIVE_SIZE][CONTROL_MAX];
static struct sockaddr_storage sources[BATCH_RECEIVE_SIZE];
static struct iovec iovecs[BATCH_RECEIVE_SIZE];
static struct mmsghdr messages[BATCH_RECEIVE_SIZE];

static void call(batch_receiver *r, const unsigned char *data, size_t len, int count, int err) {
  napi_handle_scope scope;
  napi_open_handle_scope(r->env, &scope);
  napi_value cb, recv, args[3], result;
  napi_get_reference_value(r->env, r->callback, &cb);
  napi_get_global(r->env, &recv);
  if (data) napi_create_buffer_copy(r->env, len, data, NULL, &args[0]);
  else napi_get_null(r->env, &args[0]);
  napi_create_int32(r->env, count, &args[1]);
  napi_create_int32(r->env, err, &args[2]);
  // make_callback: runs microtasks afterwards and reports a throw as uncaught.
  napi_make_callback(r->env, r->context, recv, cb, 3, args, &result);
  napi_close_handle_scope(r->env, scope);
}

static void on_closed(uv_handle_t *handle) {
  batch_receiver *r = handle->data;
  if (--r->open_handles == 0) free(r);
}

// One recvmmsg round, handed over as one Buffer. Returns how many packets it read, -1 when drained or failed.
static int receive_round(batch_receiver *r) {
  size_t control = r->control_bytes < CONTROL_MAX ? r->control_bytes : CONTROL_MAX;
  for (int i = 0; i < BATCH_RECEIVE_SIZE; i++) {
    iovecs[i].iov_base = packets[i];
    iovecs[i].iov_len = BATCH_RECEIVE_PACKET_BYTES;
    memset(&messages[i].msg_hdr, 0, sizeof messages[i].msg_hdr);
    messages[i].msg_hdr.msg_name = &sources[i];
    messages[i].msg_hdr.msg_namelen = sizeof sources[i];
    messages[i].msg_hdr.msg_iov = &iovecs[i];
    messages[i].msg_hdr.msg_iovlen = 1;
    messages[i].msg_hdr.msg_control = control ? controls[i] : NULL;
    messages[i].msg_hdr.msg_controllen = control;
  }
  int n;
  do n = recvmmsg(r->fd, messages, BATCH_RECEIVE_SIZE, MSG_DONTWAIT, NULL);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK) call(r, NULL, 0, 0, errno);
    return -1;
  }
  if (n == 0) return -1;
  size_t total = 0;
  for (int i = 0; i < n; i++) {
    size_t len = messages[i].msg_len < BATCH_RECEIVE_PACKET_BYTES ? messages[i].msg_len : BATCH_RECEIVE_PACKET_BYTES;
    total += BATCH_RECEIVE_PREFIX + r->extra + len;
  }
  unsigned char *batch = malloc(total);
  if (!batch) {
    call(r, NULL, 0, 0, ENOMEM);
    return n;
  }
  unsigned char *p = batch;
  for (int i = 0; i < n; i++) {
    const struct msghdr *m = &messages[i].msg_hdr;
    size_t len = messages[i].msg_len < BATCH_RECEIVE_PACKET_BYTES ? messages[i].msg_len : BATCH_RECEIVE_PACKET_BYTES;
    p[0] = (unsigned char)(len >> 8);
    p[1] = (unsigned char)len;
    p[2] = (m->msg_flags & MSG_TRUNC) ? BATCH_RECEIVE_TRUNCATED : 0;
    p[3] = 0;
    p += BATCH_RECEIVE_PREFIX;
    if (r->extra) {
      memset(p, 0, r->extra);
      if (r->describe) r->describe(m, &sources[i], p);
      p += r->extra;
    }
    memcpy(p, packets[i], len);
    p += len;
  }
  call(r, batch, total, n, 0);
  free(batch);
  return n;
}

// Up to BATCH_RECEIVE_ROUNDS rounds; how many packets they read.
static int drain(batch_receiver *r) {
  int total = 0;
  for (int round = 0; round < BATCH_RECEIVE_ROUNDS && r->fd >= 0; round++) {
    int n = receive_round(r);
    if (n > 0) total += n;
    if (n < BATCH_RECEIVE_SIZE) break;
  }
  return total;
}

static void on_readable(uv_poll_t *handle, int status, int events);

static void on_hold(uv_timer_t *handle) {
  batch_receiver *r = handle->data;
  int busy = drain(r) >= BATCH_RECEIVE_BUSY;
  if (r->fd < 0) return; // stopped from the callback
  if (busy) uv_timer_start(&r->hold, on_hold, BATCH_RECEIVE_HOLD_MS, 0);
  else uv_poll_start(&r->poll, UV_READABLE, on_readable);
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  batch_receiver *r = handle->data;
  if (status < 0) {
    uv_poll_stop(&r->poll); // reported once, not on every turn of the loop
    call(r, NULL, 0, 0, -status);
    return;
  }
  if (drain(r) >= BATCH_RECEIVE_BUSY && r->fd >= 0) {
    uv_poll_stop(&r->poll);
    uv_timer_start(&r->hold, on_hold, BATCH_RECEIVE_HOLD_MS, 0);
  }
}

int batch_receiver_start(napi_env env, batch_receiver *r, int fd, napi_value callback, const char *name, size_t extra,
                         size_t control_bytes, batch_describe describe) {
  uv_loop_t *loop;
  int rc = napi_get_uv_event_loop(env, &loop) != napi_ok || control_bytes > CONTROL_MAX ? UV_EINVAL : 0;
  if (rc == 0) rc = uv_poll_init(loop, &r->poll, fd);
  if (rc != 0) {
    free(r);
    return rc;
  }
  r->poll.data = r;
  r->hold.data = r;
  uv_timer_init(loop, &r->hold);
  r->open_handles = 2;
  r->env = env;
  r->fd = fd;
  r->extra = extra;
  r->control_bytes = control_bytes;
  r->describe = describe;
  rc = uv_poll_start(&r->poll, UV_READABLE, on_readable);
  if (rc != 0) {
    uv_close((uv_handle_t *)&r->poll, on_closed);
    uv_close((uv_handle_t *)&r->hold, on_closed);
    return rc;
  }
  napi_create_reference(env, callback, 1, &r->callback);
  napi_value js_name;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &js_name);
  napi_async_init(env, NULL, js_name, &r->context);
  return 0;
}

void batch_receiver_stop(batch_receiver *r) {
  uv_poll_stop(&r->poll);
  uv_timer_stop(&r->hold);
  r->fd = -1;
  napi_delete_reference(r->env, r->callback);
  napi_async_destroy(r->env, r->context);
  uv_close((uv_handle_t *)&r->poll, on_closed);
  uv_close((uv_handle_t *)&r->hold, on_closed);
}
