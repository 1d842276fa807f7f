// advert_socket6: the IPv6 socket for VRRPv3 adverts (next header 112).
//
// RFC 5798 §5.1.2 makes a receiver drop adverts whose hop limit is not 255, and an
// IPv6 raw socket hands over the payload only: the hop limit, the destination and the
// arrival interface come as ancillary data of recvmsg (IPV6_RECVHOPLIMIT,
// IPV6_RECVPKTINFO), which neither Node nor raw-socket can ask for. So this addon owns
// the whole socket: it opens and configures it, watches it on libuv's loop, drains up
// to RECEIVE_ROUNDS * BATCH packets per wake-up with recvmmsg and hands each round to
// JavaScript as one Buffer of records (one call into JavaScript per round, however
// many packets: floods must stay cheap), and sends with sendmsg, the source address
// given per packet (IPV6_PKTINFO); a MASTER's standing adverts go from
// advert_repeater's thread (repeat, stopRepeat). The socket is not bound to an address, so unicast
// adverts to any of our addresses on the interface arrive too (as with IPv4).
//
// Record layout (all numbers big-endian), RECORD_HEADER bytes then the payload:
//   0 source[16]  16 destination[16]  32 ifindex u32  36 hop limit u8
//   37 flags u8 (1 truncated, 2 no hop limit, 4 no destination)  38 length u16
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "advert_repeater.h"
#include "napi_args.h"
#include "poll_watcher.h"
#include "socket_filter.h"
#include "throw_errno.h"

#define BATCH 32
#define RECEIVE_ROUNDS 2
// VRRPv3 with 255 IPv6 addresses is 8 + 255 * 16 = 4088 bytes; anything longer is truncated and flagged.
#define PACKET_BYTES 4096
#define RECORD_HEADER 40
#define RECEIVE_BUFFER_BYTES (1 << 20)
#define FLAG_TRUNCATED 1
#define FLAG_NO_HOPLIMIT 2
#define FLAG_NO_DESTINATION 4

static watcher *watchers = NULL;

// Shared by every socket: the loop is single-threaded and each round is copied out.
static unsigned char packets[BATCH][PACKET_BYTES];
static unsigned char controls[BATCH][CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct in6_pktinfo))];
static struct sockaddr_in6 sources[BATCH];
static struct iovec iovecs[BATCH];
static struct mmsghdr messages[BATCH];

static int arg_address(napi_env env, napi_value v, struct in6_addr *out) {
  void *data;
  size_t len;
  if (!arg_buffer(env, v, &data, &len) || len != 16) return 0;
  memcpy(out, data, 16);
  return 1;
}

// callback(batch: Buffer | null, count, errno)
static void call(watcher *w, const unsigned char *data, size_t len, int count, int err) {
  napi_handle_scope scope;
  napi_open_handle_scope(w->env, &scope);
  napi_value cb, recv, args[3], result;
  napi_get_reference_value(w->env, w->callback, &cb);
  napi_get_global(w->env, &recv);
  if (data) napi_create_buffer_copy(w->env, len, data, NULL, &args[0]);
  else napi_get_null(w->env, &args[0]);
  napi_create_int32(w->env, count, &args[1]);
  napi_create_int32(w->env, err, &args[2]);
  // make_callback: runs microtasks afterwards and reports a throw as uncaught.
  napi_make_callback(w->env, w->context, recv, cb, 3, args, &result);
  napi_close_handle_scope(w->env, scope);
}

static void put16(unsigned char *p, unsigned v) {
  p[0] = (unsigned char)(v >> 8);
  p[1] = (unsigned char)v;
}

static void put32(unsigned char *p, uint32_t v) {
  put16(p, v >> 16);
  put16(p + 2, v & 0xffff);
}

// One recvmmsg round, handed over as one Buffer. Returns how many packets it read, -1 when drained.
static int receive_round(watcher *w) {
  for (int i = 0; i < BATCH; i++) {
    iovecs[i].iov_base = packets[i];
    iovecs[i].iov_len = PACKET_BYTES;
    memset(&messages[i].msg_hdr, 0, sizeof messages[i].msg_hdr);
    messages[i].msg_hdr.msg_name = &sources[i];
    messages[i].msg_hdr.msg_namelen = sizeof sources[i];
    messages[i].msg_hdr.msg_iov = &iovecs[i];
    messages[i].msg_hdr.msg_iovlen = 1;
    messages[i].msg_hdr.msg_control = controls[i];
    messages[i].msg_hdr.msg_controllen = sizeof controls[i];
  }
  int n;
  do n = recvmmsg(w->fd, messages, BATCH, MSG_DONTWAIT, NULL);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK) call(w, NULL, 0, 0, errno);
    return -1;
  }
  if (n == 0) return -1;
  size_t total = 0;
  for (int i = 0; i < n; i++) {
    size_t len = messages[i].msg_len < PACKET_BYTES ? messages[i].msg_len : PACKET_BYTES;
    total += RECORD_HEADER + len;
  }
  unsigned char *batch = malloc(total);
  if (!batch) {
    call(w, NULL, 0, 0, ENOMEM);
    return n;
  }
  unsigned char *p = batch;
  for (int i = 0; i < n; i++) {
    struct msghdr *m = &messages[i].msg_hdr;
    size_t len = messages[i].msg_len < PACKET_BYTES ? messages[i].msg_len : PACKET_BYTES;
    unsigned flags = FLAG_NO_HOPLIMIT | FLAG_NO_DESTINATION;
    if (m->msg_flags & MSG_TRUNC) flags |= FLAG_TRUNCATED;
    memset(p, 0, RECORD_HEADER);
    memcpy(p, &sources[i].sin6_addr, 16);
    for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
      if (c->cmsg_level != IPPROTO_IPV6) continue;
      if (c->cmsg_type == IPV6_HOPLIMIT && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
        int hops;
        memcpy(&hops, CMSG_DATA(c), sizeof hops);
        p[36] = (unsigned char)hops;
        flags &= ~FLAG_NO_HOPLIMIT;
      } else if (c->cmsg_type == IPV6_PKTINFO && c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
        struct in6_pktinfo info;
        memcpy(&info, CMSG_DATA(c), sizeof info);
        memcpy(p + 16, &info.ipi6_addr, 16);
        put32(p + 32, info.ipi6_ifindex);
        flags &= ~FLAG_NO_DESTINATION;
      }
    }
    p[37] = (unsigned char)flags;
    put16(p + 38, (unsigned)len);
    memcpy(p + RECORD_HEADER, packets[i], len);
    p += RECORD_HEADER + len;
  }
  call(w, batch, total, n, 0);
  free(batch);
  return n;
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  watcher *w = (watcher *)handle;
  if (status < 0) {
    call(w, NULL, 0, 0, -status);
    return;
  }
  // A bounded drain: under a flood the loop still gets to run timers between rounds.
  for (int round = 0; round < RECEIVE_ROUNDS && w->fd >= 0; round++) {
    if (receive_round(w) < BATCH) return;
  }
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
  // An open advert socket keeps the process alive, as any socket does.
  if (!watcher_start(env, &watchers, fd, argv[6], "ucarp-ts:advert-socket6", on_readable, true)) return NULL;
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
  watcher *w = watcher_find(watchers, id);
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
  int32_t id, key, payload_len, ifindex;
  void *data;
  size_t len;
  struct in6_addr dst, src;
  double due, every;
  bool last_repeats;
  napi_valuetype t;
  if (argc < 11 || !arg_int32(env, argv[0], &id) || !arg_int32(env, argv[1], &key) || !arg_buffer(env, argv[2], &data, &len) || len == 0 ||
      !arg_int32(env, argv[3], &payload_len) || payload_len <= 0 || len % (size_t)payload_len != 0 || !arg_address(env, argv[4], &dst) ||
      !arg_address(env, argv[5], &src) || !arg_int32(env, argv[6], &ifindex) || ifindex <= 0 ||
      napi_get_value_double(env, argv[7], &due) != napi_ok || napi_get_value_double(env, argv[8], &every) != napi_ok || !(every >= 1) ||
      napi_get_value_bool(env, argv[9], &last_repeats) != napi_ok || napi_typeof(env, argv[10], &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, NULL, "repeat(id, key, payloads, payloadLength, destination, source, ifindex, firstDueMs, everyMs >= 1, lastRepeats, onEnd)");
    return NULL;
  }
  watcher *w = watcher_find(watchers, id);
  if (!w) return throw_errno(env, "repeat", EBADF);
  struct sockaddr_in6 sin6;
  unsigned char control[PKTINFO_SPACE];
  address_packet(&dst, &src, ifindex, &sin6, control);
  repeat_target target = {data, (size_t)payload_len, len / (size_t)payload_len, (struct sockaddr *)&sin6, sizeof sin6, control, sizeof control};
  return repeater_start(env, w->fd, key, &target, due, every, last_repeats, argv[10]);
}

// stopRepeat(id, key) -> [slots, sends] since repeat(); [0, 0] when none was set up.
static napi_value js_stop_repeat(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t id, key;
  if (argc < 2 || !arg_int32(env, argv[0], &id) || !arg_int32(env, argv[1], &key)) {
    napi_throw_type_error(env, NULL, "stopRepeat(id, key)");
    return NULL;
  }
  return repeater_stop(env, id, key);
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
  watcher *w = watcher_find(watchers, id);
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
  watcher *w = watcher_find(watchers, id);
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
  watcher_close(env, &watchers, id);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"send", NULL, js_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"repeat", NULL, js_repeat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"stopRepeat", NULL, js_stop_repeat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"rejoin", NULL, js_rejoin, NULL, NULL, NULL, napi_enumerable, NULL},
      {"attachFilter", NULL, js_attach_filter, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
