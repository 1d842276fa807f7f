// advert_socket6: the IPv6 socket for VRRPv3 adverts (next header 112).
//
// RFC 5798 §5.1.2 makes a receiver drop adverts whose hop limit is not 255, and an
// IPv6 raw socket hands over the payload only: the hop limit, the destination and the
// arrival interface come as ancillary data of recvmsg (IPV6_RECVHOPLIMIT,
// IPV6_RECVPKTINFO), which neither Node nor raw-socket can ask for. So this addon owns
// the whole socket: it opens and configures it, receives through batch_receive.h (as
// raw_fd does for IPv4: recvmmsg, one call into JavaScript per round, reading every
// millisecond instead of on every readiness under a flood), its describe() adding the
// ancillary data to each record, and sends with sendmsg, the source address given per
// packet (IPV6_PKTINFO); a MASTER's standing adverts go from advert_repeater's thread
// (repeat, stopRepeat). The socket is not bound to an address, so unicast adverts to any
// of our addresses on the interface arrive too (as with IPv4).
//
// Record layout (batch_receive.h; numbers big-endian): the 4-byte prefix (length u16,
// flags u8: 1 truncated, 0), then RECORD_EXTRA bytes of this socket's, then the payload:
//   0 source[16]  16 destination[16]  32 ifindex u32  36 hop limit u8
//   37 flags u8 (2 no hop limit, 4 no destination: bits apart from the prefix's)
// batch_receive keeps 4096 bytes of a packet: a VRRPv3 advert with 255 IPv6 addresses is 4088.
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "advert_repeater.h"
#include "batch_receive.h"
#include "napi_args.h"
#include "socket_filter.h"
#include "throw_errno.h"

#define RECORD_EXTRA 38
#define RECEIVE_BUFFER_BYTES (1 << 20)
#define FLAG_NO_HOPLIMIT 2
#define FLAG_NO_DESTINATION 4
#define CONTROL_BYTES (CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct in6_pktinfo)))

// An open socket; ids are the descriptors. The receiver's poll is the only one on the
// descriptor (libuv allows no second), so sends and setsockopt calls find it here.
typedef struct open_socket {
  int fd;
  batch_receiver *receiver;
  struct open_socket *next;
} open_socket;

static open_socket *sockets = NULL;

static open_socket *find_socket(int id) {
  for (open_socket *s = sockets; s; s = s->next)
    if (s->fd == id) return s;
  return NULL;
}

static int arg_address(napi_env env, napi_value v, struct in6_addr *out) {
  void *data;
  size_t len;
  if (!arg_buffer(env, v, &data, &len) || len != 16) return 0;
  memcpy(out, data, 16);
  return 1;
}

static void put32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24);
  p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8);
  p[3] = (unsigned char)v;
}

// The record's extra bytes (layout above) from the packet's source and ancillary data.
static void describe(const struct msghdr *m, const struct sockaddr_storage *source, unsigned char *out) {
  unsigned flags = FLAG_NO_HOPLIMIT | FLAG_NO_DESTINATION;
  memcpy(out, &((const struct sockaddr_in6 *)source)->sin6_addr, 16);
  // glibc's CMSG_NXTHDR takes a non-const msghdr; nothing here writes to it.
  struct msghdr *mm = (struct msghdr *)m;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(mm); c; c = CMSG_NXTHDR(mm, c)) {
    if (c->cmsg_level != IPPROTO_IPV6) continue;
    if (c->cmsg_type == IPV6_HOPLIMIT && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      int hops;
      memcpy(&hops, CMSG_DATA(c), sizeof hops);
      out[36] = (unsigned char)hops;
      flags &= ~FLAG_NO_HOPLIMIT;
    } else if (c->cmsg_type == IPV6_PKTINFO && c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
      struct in6_pktinfo info;
      memcpy(&info, CMSG_DATA(c), sizeof info);
      memcpy(out + 16, &info.ipi6_addr, 16);
      put32(out + 32, info.ipi6_ifindex);
      flags &= ~FLAG_NO_DESTINATION;
    }
  }
  out[37] = (unsigned char)flags;
}

static int set_int(int fd, int level, int name, int value) {
  return setsockopt(fd, level, name, &value, sizeof value);
}

// Binds the socket to the interface, moves the membership from the previous index
// (0: none) to this one and sends multicast out of it. Returns 0, or -1 with *what set.
static int bind_and_join(int fd, const char *ifname, int ifindex, int previous, const struct in6_addr *group, const char **what) {
  *what = "setsockopt(SO_BINDTODEVICE)";
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0) return -1;
  struct ipv6_mreq mreq;
  memcpy(&mreq.ipv6mr_multiaddr, group, sizeof *group);
  if (previous > 0 && previous != ifindex) {
    // The kernel keeps the membership of a vanished device; without the drop, each
    // re-created interface would cost one more of the socket's memberships.
    mreq.ipv6mr_interface = (unsigned)previous;
    setsockopt(fd, IPPROTO_IPV6, IPV6_DROP_MEMBERSHIP, &mreq, sizeof mreq);
  }
  mreq.ipv6mr_interface = (unsigned)ifindex;
  *what = "setsockopt(IPV6_JOIN_GROUP)";
  // EADDRINUSE: already a member on this very index (a rejoin after a mere link flap).
  if (setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mreq, sizeof mreq) < 0 && errno != EADDRINUSE) return -1;
  *what = "setsockopt(IPV6_MULTICAST_IF)";
  if (set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex) < 0) return -1;
  return 0;
}

// open(ifname, ifindex, group: Buffer(16), protocol, loop: boolean, trafficClass, callback) -> id
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char ifname[IF_NAMESIZE];
  size_t namelen = 0;
  int32_t ifindex, protocol, tclass;
  struct in6_addr group;
  bool loop = false;
  napi_valuetype t = napi_undefined;
  if (argc < 7 || napi_get_value_string_utf8(env, argv[0], ifname, sizeof ifname, &namelen) != napi_ok || namelen == 0 ||
      !arg_int32(env, argv[1], &ifindex) || ifindex <= 0 || !arg_address(env, argv[2], &group) ||
      !arg_int32(env, argv[3], &protocol) || protocol <= 0 || protocol > 255 || napi_get_value_bool(env, argv[4], &loop) != napi_ok ||
      !arg_int32(env, argv[5], &tclass) || napi_typeof(env, argv[6], &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, NULL, "open(ifname, ifindex, group, protocol, loop, trafficClass, callback): bad arguments");
    return NULL;
  }
  // Non-blocking: a full send buffer is an error, never a stalled loop; close-on-exec:
  // the up/down scripts do not inherit it.
  int fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return throw_errno(env, "socket(AF_INET6, SOCK_RAW)", errno);
  const char *what = NULL;
  int size = RECEIVE_BUFFER_BYTES;
  // Room for a burst: under a flood a genuine advert must not be the one dropped (capped at rmem_max).
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  if (set_int(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1) < 0) what = "setsockopt(IPV6_RECVHOPLIMIT)";
  else if (set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1) < 0) what = "setsockopt(IPV6_RECVPKTINFO)";
  else if (set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255) < 0) what = "setsockopt(IPV6_MULTICAST_HOPS)";
  else if (set_int(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 255) < 0) what = "setsockopt(IPV6_UNICAST_HOPS)";
  else if (set_int(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, loop ? 1 : 0) < 0) what = "setsockopt(IPV6_MULTICAST_LOOP)";
  else if (set_int(fd, IPPROTO_IPV6, IPV6_TCLASS, tclass) < 0) what = "setsockopt(IPV6_TCLASS)";
  else if (bind_and_join(fd, ifname, ifindex, 0, &group, &what) == 0) what = NULL;
  if (what) {
    int err = errno;
    close(fd);
    return throw_errno(env, what, err);
  }
  open_socket *entry = calloc(1, sizeof *entry);
  batch_receiver *receiver = calloc(1, sizeof *receiver);
  if (!entry || !receiver) {
    free(entry);
    free(receiver);
    close(fd);
    return throw_errno(env, "calloc", ENOMEM);
  }
  // An open advert socket keeps the process alive, as any socket does: the receiver's
  // poll (and its hold timer, under a flood) stay referenced.
  int rc = batch_receiver_start(env, receiver, fd, argv[6], "ucarp-ts:advert-socket6", RECORD_EXTRA, CONTROL_BYTES, describe);
  if (rc != 0) {
    free(entry);
    close(fd);
    return throw_errno(env, "uv_poll", -rc);
  }
  entry->fd = fd;
  entry->receiver = receiver;
  entry->next = sockets;
  sockets = entry;
  napi_value result;
  napi_create_int32(env, fd, &result);
  return result;
}

#define PKTINFO_SPACE CMSG_SPACE(sizeof(struct in6_pktinfo))

// Where a packet goes and from which source: the destination (its scope the interface
// when it is link-local or multicast) and the source as IPV6_PKTINFO; an all-zero
// source lets the kernel choose.
static void address_packet(const struct in6_addr *dst, const struct in6_addr *src, int ifindex, struct sockaddr_in6 *sin6,
                           unsigned char control[PKTINFO_SPACE]) {
  memset(sin6, 0, sizeof *sin6);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_addr = *dst;
  if (IN6_IS_ADDR_LINKLOCAL(dst) || IN6_IS_ADDR_MC_LINKLOCAL(dst)) sin6->sin6_scope_id = (uint32_t)ifindex;
  memset(control, 0, PKTINFO_SPACE);
  struct cmsghdr *c = (struct cmsghdr *)control;
  c->cmsg_level = IPPROTO_IPV6;
  c->cmsg_type = IPV6_PKTINFO;
  c->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
  struct in6_pktinfo pi;
  pi.ipi6_addr = *src;
  pi.ipi6_ifindex = (unsigned)ifindex;
  memcpy(CMSG_DATA(c), &pi, sizeof pi);
}

// send(id, payload, destination: Buffer(16), source: Buffer(16), ifindex) -> bytes sent.
static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t id, ifindex;
  void *data;
  size_t len;
  struct in6_addr dst, src;
  if (argc < 5 || !arg_int32(env, argv[0], &id) || !arg_buffer(env, argv[1], &data, &len) || !arg_address(env, argv[2], &dst) ||
      !arg_address(env, argv[3], &src) || !arg_int32(env, argv[4], &ifindex) || ifindex <= 0) {
    napi_throw_type_error(env, NULL, "send(id, payload, destination, source, ifindex): bad arguments");
    return NULL;
  }
  open_socket *w = find_socket(id);
  if (!w) return throw_errno(env, "send", EBADF);
  struct sockaddr_in6 sin6;
  unsigned char control[PKTINFO_SPACE];
  address_packet(&dst, &src, ifindex, &sin6, control);
  struct iovec iov = {data, len};
  struct msghdr m;
  memset(&m, 0, sizeof m);
  m.msg_name = &sin6;
  m.msg_namelen = sizeof sin6;
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = control;
  m.msg_controllen = sizeof control;
  ssize_t n;
  do n = sendmsg(w->fd, &m, MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n < 0) return throw_errno(env, "sendmsg", errno);
  napi_value result;
  napi_create_int64(env, n, &result);
  return result;
}

// repeat(id, key, payloads, payloadLength, destination, source, ifindex, firstDueMs, everyMs,
// lastRepeats, onEnd(errno)): standing adverts sent by advert_repeater's thread, as raw_fd's
// repeat does for IPv4 (see there).
static napi_value js_repeat(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t id, key, ifindex;
  struct in6_addr dst, src;
  repeat_target target = {0};
  repeat_timing timing;
  if (argc < 11 || !arg_int32(env, argv[0], &id) || !arg_int32(env, argv[1], &key) || !arg_address(env, argv[4], &dst) ||
      !arg_address(env, argv[5], &src) || !arg_int32(env, argv[6], &ifindex) || ifindex <= 0 ||
      !repeater_args(env, argv, argc, 7, &target, &timing)) {
    napi_throw_type_error(env, NULL, "repeat(id, key, payloads, payloadLength, destination, source, ifindex, firstDueMs, everyMs >= 1, lastRepeats, onEnd)");
    return NULL;
  }
  open_socket *w = find_socket(id);
  if (!w) return throw_errno(env, "repeat", EBADF);
  struct sockaddr_in6 sin6;
  unsigned char control[PKTINFO_SPACE];
  address_packet(&dst, &src, ifindex, &sin6, control);
  target.dst = (struct sockaddr *)&sin6;
  target.dstlen = sizeof sin6;
  target.control = control;
  target.controllen = sizeof control;
  return repeater_start(env, w->fd, key, &target, &timing);
}

// rejoin(id, ifname, ifindex, previousIfindex, group: Buffer(16))
static napi_value js_rejoin(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t id, ifindex, previous;
  char ifname[IF_NAMESIZE];
  size_t namelen = 0;
  struct in6_addr group;
  if (argc < 5 || !arg_int32(env, argv[0], &id) ||
      napi_get_value_string_utf8(env, argv[1], ifname, sizeof ifname, &namelen) != napi_ok || namelen == 0 ||
      !arg_int32(env, argv[2], &ifindex) || ifindex <= 0 || !arg_int32(env, argv[3], &previous) || !arg_address(env, argv[4], &group)) {
    napi_throw_type_error(env, NULL, "rejoin(id, ifname, ifindex, previousIfindex, group): bad arguments");
    return NULL;
  }
  open_socket *w = find_socket(id);
  if (!w) return throw_errno(env, "rejoin", EBADF);
  const char *what;
  if (bind_and_join(w->fd, ifname, ifindex, previous, &group, &what) < 0) return throw_errno(env, what, errno);
  return NULL;
}

// attachFilter(id, program: Buffer of struct sock_filter). On this socket the program
// sees the payload at offset 0; the IPv6 header is reachable at SKF_NET_OFF.
static napi_value js_attach_filter(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t id;
  if (argc < 2 || !arg_int32(env, argv[0], &id)) {
    napi_throw_type_error(env, NULL, "attachFilter(id, program): id must be a number");
    return NULL;
  }
  open_socket *w = find_socket(id);
  if (!w) return throw_errno(env, "attachFilter", EBADF);
  return attach_filter(env, w->fd, argv[1]);
}

// close(id)
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t id = -1;
  if (argc < 1 || !arg_int32(env, argv[0], &id)) {
    napi_throw_type_error(env, NULL, "close(id): id must be a number");
    return NULL;
  }
  repeater_forget(env, id); // before the descriptor can be reused
  for (open_socket **p = &sockets; *p; p = &(*p)->next) {
    open_socket *s = *p;
    if (s->fd != id) continue;
    *p = s->next;
    // A round running now (close from its callback) sees the receiver stopped and reads no more.
    batch_receiver_stop(s->receiver);
    close(s->fd);
    free(s);
    break;
  }
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"send", NULL, js_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"repeat", NULL, js_repeat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"stopRepeat", NULL, repeater_js_stop, NULL, NULL, NULL, napi_enumerable, NULL},
      {"rejoin", NULL, js_rejoin, NULL, NULL, NULL, napi_enumerable, NULL},
      {"attachFilter", NULL, js_attach_filter, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
