// link_events: the kernel's link announcements (rtnetlink, group RTNLGRP_LINK) as
// JavaScript callbacks, so the daemon learns of carrier loss, an interface going down
// or being deleted the moment the kernel says so, instead of polling sysfs several
// times a second. Node has no way to watch a netlink socket, hence this addon: it
// opens the socket, watches it on libuv's loop and hands each datagram over as a
// Buffer. Parsing is in TypeScript (src/net/rtnetlink.ts), where it is unit-tested.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "throw_errno.h"

#define RECEIVE_BUFFER_BYTES (1 << 18)

typedef struct watcher {
  uv_poll_t poll; // first: the handle's address is the watcher's
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  int fd;
  struct watcher *next;
} watcher;

static watcher *watchers = NULL;
static char datagram[65536];

static void call(watcher *w, const char *data, size_t len, int err) {
  napi_handle_scope scope;
  napi_open_handle_scope(w->env, &scope);
  napi_value cb, recv, args[2], result;
  napi_get_reference_value(w->env, w->callback, &cb);
  napi_get_global(w->env, &recv); // make_callback needs an object as `this`
  if (data) napi_create_buffer_copy(w->env, len, data, NULL, &args[0]);
  else napi_get_null(w->env, &args[0]);
  napi_create_int32(w->env, err, &args[1]);
  // make_callback: runs microtasks afterwards and reports a throw as uncaught.
  napi_make_callback(w->env, w->context, recv, cb, 2, args, &result);
  napi_close_handle_scope(w->env, scope);
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  watcher *w = (watcher *)handle;
  if (status < 0) {
    call(w, NULL, 0, -status);
    return;
  }
  // Drain what is queued: one wake-up, however many announcements.
  for (int i = 0; i < 64 && w->fd >= 0; i++) {
    ssize_t n = recv(w->fd, datagram, sizeof datagram, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      // ENOBUFS: the kernel dropped announcements; the caller must re-read the state.
      if (errno != EAGAIN && errno != EWOULDBLOCK) call(w, NULL, 0, errno);
      return;
    }
    call(w, datagram, (size_t)n, 0);
  }
}

static void on_closed(uv_handle_t *handle) {
  free(handle);
}

// open(callback(datagram: Buffer | null, errno: number)) -> id
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_valuetype t;
  if (argc < 1 || napi_typeof(env, argv[0], &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, NULL, "open(callback): callback must be a function");
    return NULL;
  }
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return throw_errno(env, "socket(AF_NETLINK)", errno);
  int size = RECEIVE_BUFFER_BYTES;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size); // best effort
  struct sockaddr_nl sa;
  memset(&sa, 0, sizeof sa);
  sa.nl_family = AF_NETLINK;
  sa.nl_groups = RTMGRP_LINK;
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind(RTMGRP_LINK)", err);
  }
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    close(fd);
    napi_throw_error(env, NULL, "no event loop");
    return NULL;
  }
  watcher *w = calloc(1, sizeof *w);
  if (!w) {
    close(fd);
    return throw_errno(env, "calloc", ENOMEM);
  }
  w->env = env;
  w->fd = fd;
  napi_create_reference(env, argv[0], 1, &w->callback);
  napi_value name;
  napi_create_string_utf8(env, "ucarp-ts:link-events", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &w->context);
  int rc = uv_poll_init(loop, &w->poll, fd);
  if (rc == 0) rc = uv_poll_start(&w->poll, UV_READABLE, on_readable);
  if (rc != 0) {
    close(fd);
    napi_delete_reference(env, w->callback);
    napi_async_destroy(env, w->context);
    free(w);
    return throw_errno(env, "uv_poll", -rc);
  }
  // Watching the link never keeps the process alive on its own.
  uv_unref((uv_handle_t *)&w->poll);
  w->next = watchers;
  watchers = w;
  napi_value result;
  napi_create_int32(env, fd, &result);
  return result;
}

// close(id)
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t id = -1;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &id) != napi_ok) {
    napi_throw_type_error(env, NULL, "close(id): id must be a number");
    return NULL;
  }
  for (watcher **p = &watchers; *p; p = &(*p)->next) {
    watcher *w = *p;
    if (w->fd != id) continue;
    *p = w->next;
    uv_poll_stop(&w->poll);
    close(w->fd);
    w->fd = -1;
    napi_delete_reference(env, w->callback);
    napi_async_destroy(env, w->context);
    uv_close((uv_handle_t *)&w->poll, on_closed);
    break;
  }
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
