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

#include "poll_watcher.h"
#include "throw_errno.h"

#define RECEIVE_BUFFER_BYTES (1 << 18)

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
  // Watching the link never keeps the process alive on its own.
  if (!watcher_start(env, &watchers, fd, argv[0], "ucarp-ts:link-events", on_readable, false)) return NULL;
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
  watcher_close(env, &watchers, id);
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
