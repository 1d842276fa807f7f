// raw_fd: two system calls on raw-socket's descriptor that raw-socket lacks.
//
// attachFilter(fd, program): a classic BPF socket filter (SO_ATTACH_FILTER), so the
// kernel drops forged and stray packets before they wake the process. The program is
// built and tested in TypeScript (src/net/advert-filter.ts); this only hands it over.
//
// sendTo(fd, packet, dst): one sendto() now, instead of raw-socket's queue, which waits
// for the socket to poll writable (two loop turns, three epoll_ctl calls and two calls
// into JavaScript per advertisement). The socket is non-blocking: a full send buffer is
// EAGAIN, and the caller falls back to the queue.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <node_api.h>
#include <string.h>
#include <sys/socket.h>

#include "throw_errno.h"

static int arg_int32(napi_env env, napi_value v, int32_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return 0;
  return napi_get_value_int32(env, v, out) == napi_ok;
}

static int arg_buffer(napi_env env, napi_value v, void **data, size_t *len) {
  bool is;
  return napi_is_buffer(env, v, &is) == napi_ok && is && napi_get_buffer_info(env, v, data, len) == napi_ok;
}

// attachFilter(fd, program: Buffer of struct sock_filter, 8 bytes each, host order)
static napi_value js_attach_filter(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  void *data;
  size_t len;
  if (argc < 2 || !arg_int32(env, argv[0], &fd) || !arg_buffer(env, argv[1], &data, &len) || len == 0 ||
      len % sizeof(struct sock_filter) != 0 || len / sizeof(struct sock_filter) > BPF_MAXINSNS) {
    napi_throw_type_error(env, NULL, "attachFilter(fd, program): program must hold 1..4096 8-byte instructions");
    return NULL;
  }
  struct sock_fprog prog = {(unsigned short)(len / sizeof(struct sock_filter)), (struct sock_filter *)data};
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0) return throw_errno(env, "setsockopt(SO_ATTACH_FILTER)", errno);
  return NULL;
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

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"attachFilter", NULL, js_attach_filter, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendTo", NULL, js_send_to, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
