// A socket watched on libuv's loop, its readiness handed to a JavaScript callback
// (link_events.c's netlink socket; the advert sockets receive through batch_receive.h).
// The addon keeps its list of watchers (ids are the descriptors) and its own on_readable.
#ifndef UCARP_TS_POLL_WATCHER_H
#define UCARP_TS_POLL_WATCHER_H

#include <node_api.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>
#include <uv.h>

#include "throw_errno.h"

typedef struct watcher {
  uv_poll_t poll; // first: the handle's address is the watcher's
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  int fd;
  struct watcher *next;
} watcher;

static inline void watcher_freed(uv_handle_t *handle) {
  free(handle);
}

// Starts watching fd (which it owns from now on, and closes on failure) and adds the
// watcher to *list. keep_alive: whether the watch alone keeps the process running.
// Returns NULL with a JavaScript exception pending when it cannot.
static inline watcher *watcher_start(napi_env env, watcher **list, int fd, napi_value callback, const char *name, uv_poll_cb on_readable, bool keep_alive) {
  uv_loop_t *loop;
  watcher *w = NULL;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || !(w = calloc(1, sizeof *w))) {
    close(fd);
    throw_errno(env, "watch", ENOMEM);
    return NULL;
  }
  w->env = env;
  w->fd = fd;
  napi_create_reference(env, callback, 1, &w->callback);
  napi_value resource;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource);
  napi_async_init(env, NULL, resource, &w->context);
  int rc = uv_poll_init(loop, &w->poll, fd);
  if (rc == 0) rc = uv_poll_start(&w->poll, UV_READABLE, on_readable);
  if (rc != 0) {
    close(fd);
    napi_delete_reference(env, w->callback);
    napi_async_destroy(env, w->context);
    free(w);
    throw_errno(env, "uv_poll", -rc);
    return NULL;
  }
  if (!keep_alive) uv_unref((uv_handle_t *)&w->poll);
  w->next = *list;
  *list = w;
  return w;
}

static inline watcher *watcher_find(watcher *list, int id) {
  for (watcher *w = list; w; w = w->next)
    if (w->fd == id) return w;
  return NULL;
}

// Stops and closes the watcher with this id, if any. Its memory goes when libuv is done
// with the handle; a callback running now sees fd -1 and stops reading.
static inline void watcher_close(napi_env env, watcher **list, int id) {
  for (watcher **p = list; *p; p = &(*p)->next) {
    watcher *w = *p;
    if (w->fd != id) continue;
    *p = w->next;
    uv_poll_stop(&w->poll);
    close(w->fd);
    w->fd = -1;
    napi_delete_reference(env, w->callback);
    napi_async_destroy(env, w->context);
    uv_close((uv_handle_t *)&w->poll, watcher_freed);
    return;
  }
}

#endif
