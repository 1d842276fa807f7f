// packet_socket: the few system calls ucarp-ts needs that Node and raw-socket
// lack. raw-socket only opens IP-level sockets, but gratuitous ARP and --nomcast
// need whole Ethernet frames, so this addon opens a link-layer socket bound to
// one interface and sends frames the caller built. It never receives: protocol
// 0 means the kernel queues nothing for it. Two helpers ride along: marking a
// descriptor close-on-exec (raw-socket's are not), and listing an interface's
// IPv4 addresses even while it has no carrier (os.networkInterfaces() hides
// interfaces that are not running).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <net/ethernet.h>
#include <netpacket/packet.h>
#include <node_api.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "napi_args.h"
#include "throw_errno.h"

#define MIN_FRAME 14
#define MAX_FRAME 65535

// open(ifindex) -> fd
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t ifindex;
  if (argc < 1 || !arg_int32(env, argv[0], &ifindex) || ifindex <= 0) {
    napi_throw_type_error(env, NULL, "open(ifindex): ifindex must be a positive integer");
    return NULL;
  }
  // Non-blocking so a full transmit queue is an error, never a stalled event
  // loop; close-on-exec so up/down scripts do not inherit it.
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket(AF_PACKET)", errno);
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = 0;
  sll.sll_ifindex = ifindex;
  if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind(AF_PACKET)", err);
  }
  napi_value result;
  napi_create_int32(env, fd, &result);
  return result;
}

// send(fd, ifindex, frame) -> bytes sent
static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd, ifindex;
  if (argc < 3 || !arg_int32(env, argv[0], &fd) || !arg_int32(env, argv[1], &ifindex)) {
    napi_throw_type_error(env, NULL, "send(fd, ifindex, frame): bad arguments");
    return NULL;
  }
  bool is_buffer = false;
  napi_is_buffer(env, argv[2], &is_buffer);
  if (!is_buffer) {
    napi_throw_type_error(env, NULL, "send: frame must be a Buffer");
    return NULL;
  }
  void *data;
  size_t len;
  napi_get_buffer_info(env, argv[2], &data, &len);
  if (len < MIN_FRAME || len > MAX_FRAME) {
    napi_throw_range_error(env, NULL, "send: frame must hold at least an Ethernet header");
    return NULL;
  }
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_ifindex = ifindex;
  sll.sll_halen = ETH_ALEN;
  memcpy(sll.sll_addr, data, ETH_ALEN);  // destination MAC, first in the frame
  ssize_t n = sendto(fd, data, len, 0, (struct sockaddr *)&sll, sizeof sll);
  if (n < 0) return throw_errno(env, "sendto(AF_PACKET)", errno);
  napi_value result;
  napi_create_int64(env, (int64_t)n, &result);
  return result;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  if (argc < 1 || !arg_int32(env, argv[0], &fd)) {
    napi_throw_type_error(env, NULL, "close(fd): fd must be an integer");
    return NULL;
  }
  if (close(fd) < 0) return throw_errno(env, "close", errno);
  return NULL;
}

// cloexec(fd): sets FD_CLOEXEC, so scripts the daemon runs do not inherit it.
static napi_value js_cloexec(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  if (argc < 1 || !arg_int32(env, argv[0], &fd)) {
    napi_throw_type_error(env, NULL, "cloexec(fd): fd must be an integer");
    return NULL;
  }
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) return throw_errno(env, "fcntl", errno);
  return NULL;
}

// ipv4Addresses(name) -> [u32, ...] in network order, whatever the link state.
static napi_value js_ipv4_addresses(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char name[64];
  size_t len = 0;
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "ipv4Addresses(name): name must be a string");
    return NULL;
  }
  struct ifaddrs *list;
  if (getifaddrs(&list) < 0) return throw_errno(env, "getifaddrs", errno);
  napi_value result;
  napi_create_array(env, &result);
  uint32_t n = 0;
  for (struct ifaddrs *a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || strcmp(a->ifa_name, name) != 0) continue;
    uint32_t be = ((struct sockaddr_in *)a->ifa_addr)->sin_addr.s_addr;
    const uint8_t *b = (const uint8_t *)&be;
    uint32_t value = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
    napi_value v;
    napi_create_uint32(env, value, &v);
    napi_set_element(env, result, n++, v);
  }
  freeifaddrs(list);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"send", NULL, js_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"cloexec", NULL, js_cloexec, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ipv4Addresses", NULL, js_ipv4_addresses, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
