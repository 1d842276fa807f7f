// nowait_send: send(fd, data, MSG_DONTWAIT | MSG_NOSIGNAL) for the daemon's stderr when
// it is a socket (journald's stdout stream under systemd). Node can only write(),
// which blocks when the socket's O_NONBLOCK flag is off, and that flag belongs to the
// open file description shared with every process that inherited it: libuv clears it
// for each child it spawns with inherited stdio (measured: a hook script run made the
// daemon's stderr blocking). MSG_DONTWAIT makes this one call non-blocking whatever
// the flag says.
#define _GNU_SOURCE
#include <errno.h>
#include <node_api.h>
#include <sys/socket.h>

#include "throw_errno.h"

// sendNowait(fd, buffer) -> bytes sent; throws EAGAIN when the socket is full, EPIPE etc.
static napi_value js_send_nowait(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  bool is_buffer = false;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_is_buffer(env, argv[1], &is_buffer) != napi_ok || !is_buffer) {
    napi_throw_type_error(env, NULL, "sendNowait(fd, buffer): a descriptor and a Buffer");
    return NULL;
  }
  void *data;
  size_t len;
  napi_get_buffer_info(env, argv[1], &data, &len);
  ssize_t n;
  do n = send(fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0) return throw_errno(env, "send", errno);
  napi_value result;
  napi_create_int64(env, (int64_t)n, &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"sendNowait", NULL, js_send_nowait, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
