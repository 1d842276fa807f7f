// raw_fd: system calls on raw-socket's descriptor that raw-socket lacks.
//
// attachFilter(fd, program): a classic BPF socket filter (SO_ATTACH_FILTER), so the
// kernel drops forged and stray packets before they wake the process. The program is
// built and tested in TypeScript (src/net/advert-filter.ts); this only hands it over.
//
// sendTo(fd, packet, dst): one sendto() now, instead of raw-socket's queue, which waits
// for the socket to poll writable (two loop turns, three epoll_ctl calls and two calls
// into JavaScript per advertisement). The socket is non-blocking: a full send buffer is
// EAGAIN, and the caller falls back to the queue.
//
// repeat(fd, key, packets, packetLength, dst, firstDueMs, everyMs, lastRepeats, onEnd): a
// MASTER's standing adverts (as the election says: src/core/election) sent by
// advert_repeater's thread, so an idle master never wakes Node's loop. packets holds
// equal packets of packetLength bytes, sent one per instant in turn; then, with
// lastRepeats, the last one at every instant after (VRRP's unchanged advert), else the
// schedule stops and onEnd(0) is called (CARP's adverts, each with its own counter, a
// minute's worth at a time). Due times are on CLOCK_MONOTONIC in ms, the clock of
// process.hrtime(). stopRepeat(fd, key) returns [slots, sends]: how many of the
// schedule's instants have passed (several for one late send) and how many packets went
// out. A failed send stops the schedule and calls onEnd(errno); the caller then sends
// through its usual path. A socket holds one schedule per key (the groups sharing it use
// their vhid/vrid); forgetRepeat(fd) drops them all.
//
// openLink() / repeatOnLink(linkFd, key, packets, packetLength, ifindex, dstMac, firstDueMs,
// everyMs, lastRepeats, onEnd) / closeLink(linkFd): the same standing adverts handed to
// the link layer instead of the IP layer, on an Ethernet interface and to a multicast
// group: a packet socket (SOCK_DGRAM, so the kernel writes the Ethernet header with the
// interface's own, current MAC) that receives nothing. ucarp writes its adverts as
// frames too. The IP packets are complete already (IP_HDRINCL: header and checksum are
// ours), so the frame holds the very bytes the raw socket sent; what it skips is the IP
// layer's work per packet (route lookup, netfilter's OUTPUT and POSTROUTING hooks,
// multicast output): a 50 ms VRRPv3 master 2.53 against 2.67 ms of CPU per second
// (scripts/profile.ts, three runs each, alternated), and a bare C sender 9-10% less per
// advert. raw-socket has no packet sockets, hence this.
//
// receive(fd, callback(batch, count, errno)): receives on the socket in batches
// (batch_receive.h: recvmmsg, one call into JavaScript per round of up to 32 packets)
// instead of raw-socket's one wake-up, one recvfrom and two calls into JavaScript per
// packet. It watches a close-on-exec duplicate of fd, so raw-socket's own poll of fd (for
// its send queue) and this one never share a descriptor, which libuv forbids; the caller
// pauses raw-socket's receiving for good. stopReceive(fd) stops and closes the duplicate.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "advert_repeater.h"
#include "batch_receive.h"
#include "napi_args.h"
#include "socket_filter.h"
#include "throw_errno.h"

// The one argument of forgetRepeat and stopReceive: a descriptor. 0 after throwing.
static int fd_argument(napi_env env, napi_callback_info info, const char *usage, int32_t *fd) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !arg_int32(env, argv[0], fd)) {
    napi_throw_type_error(env, NULL, usage);
    return 0;
  }
  return 1;
}

// attachFilter(fd, program: Buffer of struct sock_filter, 8 bytes each, host order)
static napi_value js_attach_filter(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  if (argc < 2 || !arg_int32(env, argv[0], &fd)) {
    napi_throw_type_error(env, NULL, "attachFilter(fd, program): fd must be an integer");
    return NULL;
  }
  return attach_filter(env, fd, argv[1]);
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

// repeat(fd, key, packets, packetLength, dst, firstDueMs, everyMs, lastRepeats, onEnd(errno))
static napi_value js_repeat(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd, key;
  uint32_t dst;
  repeat_target target = {0};
  repeat_timing timing;
  if (argc < 9 || !arg_int32(env, argv[0], &fd) || !arg_int32(env, argv[1], &key) || napi_get_value_uint32(env, argv[4], &dst) != napi_ok ||
      !repeater_args(env, argv, argc, 5, &target, &timing)) {
    napi_throw_type_error(env, NULL, "repeat(fd, key, packets, packetLength, dst, firstDueMs, everyMs >= 1, lastRepeats, onEnd)");
    return NULL;
  }
  struct sockaddr_in sin;
  memset(&sin, 0, sizeof sin);
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(dst);
  target.dst = (struct sockaddr *)&sin;
  target.dstlen = sizeof sin;
  return repeater_start(env, fd, key, &target, &timing);
}

// openLink(): a packet socket for repeatOnLink, close-on-exec, receiving nothing (protocol 0).
static napi_value js_open_link(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket(AF_PACKET)", errno);
  napi_value result;
  napi_create_int32(env, fd, &result);
  return result;
}

// The EtherType for an IP packet, by its version; 0 for anything else.
static int ip_ethertype(const void *packet) {
  int version = ((const unsigned char *)packet)[0] >> 4;
  return version == 4 ? ETH_P_IP : version == 6 ? ETH_P_IPV6 : 0;
}

// repeatOnLink(linkFd, key, packets, packetLength, ifindex, dstMac, firstDueMs, everyMs, lastRepeats, onEnd(errno))
// dstMac: the 6-byte link address the frames go to (a group's). The EtherType is the
// packets' IP version.
static napi_value js_repeat_on_link(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd, key, ifindex;
  void *mac;
  size_t mac_len;
  repeat_target target = {0};
  repeat_timing timing;
  if (argc < 10 || !arg_int32(env, argv[0], &fd) || !arg_int32(env, argv[1], &key) || !arg_int32(env, argv[4], &ifindex) || ifindex <= 0 ||
      !arg_buffer(env, argv[5], &mac, &mac_len) || mac_len != ETH_ALEN || !repeater_args(env, argv, argc, 6, &target, &timing) ||
      ip_ethertype(target.packets) == 0) {
    napi_throw_type_error(env, NULL, "repeatOnLink(linkFd, key, IP packets, packetLength, ifindex > 0, dstMac (6 bytes), firstDueMs, everyMs >= 1, lastRepeats, onEnd)");
    return NULL;
  }
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ip_ethertype(target.packets));
  sll.sll_ifindex = ifindex;
  sll.sll_halen = ETH_ALEN;
  memcpy(sll.sll_addr, mac, ETH_ALEN);
  target.dst = (struct sockaddr *)&sll;
  target.dstlen = sizeof sll;
  return repeater_start(env, fd, key, &target, &timing);
}

// closeLink(linkFd): its schedules, then the descriptor.
static napi_value js_close_link(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (!fd_argument(env, info, "closeLink(linkFd)", &fd)) return NULL;
  repeater_forget(env, fd);
  close(fd);
  return NULL;
}

// forgetRepeat(fd): every schedule of the descriptor, before it is closed (it may be reused).
static napi_value js_forget_repeat(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (!fd_argument(env, info, "forgetRepeat(fd)", &fd)) return NULL;
  repeater_forget(env, fd);
  return NULL;
}

typedef struct receiving {
  int fd;      // raw-socket's
  int dup;     // watched
  batch_receiver *receiver;
  struct receiving *next;
} receiving;

static receiving *receivings = NULL;

static void stop_receiving(int fd) {
  for (receiving **p = &receivings; *p; p = &(*p)->next) {
    receiving *r = *p;
    if (r->fd != fd) continue;
    *p = r->next;
    batch_receiver_stop(r->receiver);
    close(r->dup);
    free(r);
    return;
  }
}

// receive(fd, callback(batch: Buffer | null, count, errno))
static napi_value js_receive(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  napi_valuetype t;
  if (argc < 2 || !arg_int32(env, argv[0], &fd) || napi_typeof(env, argv[1], &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, NULL, "receive(fd, callback)");
    return NULL;
  }
  stop_receiving(fd);
  receiving *r = calloc(1, sizeof *r);
  batch_receiver *b = calloc(1, sizeof *b);
  if (!r || !b) {
    free(r);
    free(b);
    return throw_errno(env, "calloc", ENOMEM);
  }
  int dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (dup < 0) {
    int err = errno;
    free(r);
    free(b);
    return throw_errno(env, "fcntl(F_DUPFD_CLOEXEC)", err);
  }
  int rc = batch_receiver_start(env, b, dup, argv[1], "ucarp-ts:advert-receive", 0, 0, NULL);
  if (rc != 0) {
    close(dup);
    free(r);
    return throw_errno(env, "uv_poll", -rc);
  }
  r->fd = fd;
  r->dup = dup;
  r->receiver = b;
  r->next = receivings;
  receivings = r;
  return NULL;
}

// stopReceive(fd): before the descriptor is closed.
static napi_value js_stop_receive(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (!fd_argument(env, info, "stopReceive(fd)", &fd)) return NULL;
  stop_receiving(fd);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"attachFilter", NULL, js_attach_filter, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendTo", NULL, js_send_to, NULL, NULL, NULL, napi_enumerable, NULL},
      {"repeat", NULL, js_repeat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"stopRepeat", NULL, repeater_js_stop, NULL, NULL, NULL, napi_enumerable, NULL},
      {"forgetRepeat", NULL, js_forget_repeat, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openLink", NULL, js_open_link, NULL, NULL, NULL, napi_enumerable, NULL},
      {"repeatOnLink", NULL, js_repeat_on_link, NULL, NULL, NULL, napi_enumerable, NULL},
      {"closeLink", NULL, js_close_link, NULL, NULL, NULL, napi_enumerable, NULL},
      {"receive", NULL, js_receive, NULL, NULL, NULL, napi_enumerable, NULL},
      {"stopReceive", NULL, js_stop_receive, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
