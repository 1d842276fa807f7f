// SO_ATTACH_FILTER with a program built and tested in TypeScript (src/core/kernel-filter.ts):
// shared by raw_fd.c (raw-socket's IPv4 socket) and advert_socket6.c.
#ifndef UCARP_TS_SOCKET_FILTER_H
#define UCARP_TS_SOCKET_FILTER_H

#include <errno.h>
#include <linux/filter.h>
#include <node_api.h>
#include <sys/socket.h>

#include "napi_args.h"
#include "throw_errno.h"

// program: a Buffer of struct sock_filter, 8 bytes each, host order.
static inline napi_value attach_filter(napi_env env, int fd, napi_value program) {
  void *data;
  size_t len;
  if (!arg_buffer(env, program, &data, &len) || len == 0 || len % sizeof(struct sock_filter) != 0 ||
      len / sizeof(struct sock_filter) > BPF_MAXINSNS) {
    napi_throw_type_error(env, NULL, "attachFilter: the program must hold 1..4096 8-byte instructions");
    return NULL;
  }
  struct sock_fprog prog = {(unsigned short)(len / sizeof(struct sock_filter)), (struct sock_filter *)data};
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) < 0) return throw_errno(env, "setsockopt(SO_ATTACH_FILTER)", errno);
  return NULL;
}

#endif
