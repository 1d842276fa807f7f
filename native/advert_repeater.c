// advert_repeater: see advert_repeater.h for why a thread.
#define _GNU_SOURCE
#include "advert_repeater.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <uv.h>

#include "napi_args.h"
#include "throw_errno.h"

#define CONTROL_MAX 64
// Adverts due this close together go out in one wake-up: a fiftieth of the interval,
// at most 10 ms (1 s adverts 10 ms early, 50 ms ones 1 ms early: far inside any
// receiver's Master_Down_Interval, which counts whole intervals).
#define COALESCE_FRACTION 50.0
#define COALESCE_MAX_MS 10.0
// The loop must answer a ping within this long (three of the shortest interval, 0.5 to
// 5 s) or every schedule stops: see liveness() below.
#define LIVENESS_INTERVALS 3.0
#define LIVENESS_MIN_MS 500.0
#define LIVENESS_MAX_MS 5000.0

typedef struct schedule {
  int fd;
  int key; // one schedule per key on a socket: the group's id
  int active;
  int last_repeats;
  unsigned char *packets;
  size_t len;   // of each packet
  size_t count; // of packets
  struct sockaddr_storage dst;
  socklen_t dstlen;
  unsigned char control[CONTROL_MAX];
  size_t controllen;
  double due;   // CLOCK_MONOTONIC ms of the next instant
  double every; // ms
  double slots; // instants passed since start
  double sends;
  int end_pending; // the run ended (end_err 0) or a send failed (end_err errno): tell JavaScript
  int end_err;
  napi_env env;
  napi_ref on_end;
  napi_async_context context;
  struct schedule *next;
} schedule;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
// The sender's sleep: a futex word instead of a condition variable. glibc's
// pthread_cond_timedwait makes a FUTEX_WAKE call of its own after every timed-out wait
// (strace: sendmsg, futex WAKE, futex WAIT per advert); waiting on this word directly
// is one system call per advert fewer. Changed only under the lock, then woken.
static uint32_t wake_seq = 0;
static pthread_t sender;
static int running = 0;
static int quitting = 0;
static uv_async_t to_loop; // the sender's knock: a schedule ended, or a ping
static schedule *schedules = NULL;
static double last_pong;   // when the loop last showed it runs (ms)
static double ping_at;     // when the outstanding ping was sent
static int ping_out = 0;

static double monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static struct timespec abs_time(double ms) {
  struct timespec ts;
  ts.tv_sec = (time_t)(ms / 1e3);
  ts.tv_nsec = (long)((ms - (double)ts.tv_sec * 1e3) * 1e6);
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  if (ts.tv_nsec < 0) ts.tv_nsec = 0;
  return ts;
}

// Sends s's packet for this instant; 0, or the errno that ends the schedule. Under lock.
static int send_one(schedule *s, double now) {
  size_t next = (size_t)s->sends < s->count ? (size_t)s->sends : s->count - 1;
  struct iovec iov = {s->packets + next * s->len, s->len};
  struct msghdr m;
  memset(&m, 0, sizeof m);
  m.msg_name = &s->dst;
  m.msg_namelen = s->dstlen;
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  if (s->controllen > 0) {
    m.msg_control = s->control;
    m.msg_controllen = s->controllen;
  }
  ssize_t n;
  do n = sendmsg(s->fd, &m, MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  // The device dropped it (a packet socket on a link without carrier says so; a raw IP
  // socket reports success for the same drop): lost on the wire, the schedule goes on.
  if (n < 0 && errno == ENOBUFS) n = (ssize_t)s->len;
  if (n != (ssize_t)s->len) return n < 0 ? errno : EMSGSIZE;
  s->sends++;
  // Instants missed (the machine was held up) are not made up for: one send, the schedule kept.
  double k = now >= s->due ? floor((now - s->due) / s->every) + 1 : 1;
  s->slots += k;
  s->due += k * s->every;
  if (!s->last_repeats && (size_t)s->sends >= s->count) return -1; // run sent: the caller hands over the next
  return 0;
}

// Ends every schedule with err. Under lock; the caller knocks on the loop.
static void end_all(int err) {
  for (schedule *s = schedules; s; s = s->next) {
    if (!s->active) continue;
    s->active = 0;
    s->end_pending = 1;
    s->end_err = err;
  }
}

// Whether the loop's thread sleeps in epoll_wait now, as an idle loop does: read from
// /proc/self/task/TID/syscall ("281 0xd ..." while in epoll_pwait, "running" while it
// runs). Cheaper than a ping, which wakes the loop: about 150 µs of CPU per ping against
// a 50 ms master's 3.4 ms per second (profile.js), a pread here in a thread already awake.
static int loop_syscall_fd = -1;
static int loop_sleeps(void) {
  if (loop_syscall_fd < 0) return 0;
  char buf[32];
  ssize_t n = pread(loop_syscall_fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return 0;
  buf[n] = 0;
  char *end;
  long nr = strtol(buf, &end, 10);
  if (end == buf) return 0; // "running"
#ifdef SYS_epoll_pwait2
  if (nr == SYS_epoll_pwait2) return 1;
#endif
#ifdef SYS_epoll_wait
  if (nr == SYS_epoll_wait) return 1;
#endif
  return nr == SYS_epoll_pwait;
}

// A daemon whose event loop is stuck (a bug, a blocking call) must not go on claiming
// the address: with the adverts sent from the loop, they stopped with it and a backup
// took over. From this thread they would not. So when the loop has not shown life for
// a while (three of the shortest interval, 0.5 to 5 s) and is not asleep in epoll_wait,
// it is pinged (a C callback, no JavaScript); without an answer within as long again
// every schedule ends with ETIMEDOUT: the adverts stop, a backup takes over, and the
// daemon, should it recover, hears why. Looked at only when adverts are due, so it
// costs no wake-up of its own. Sets *tell when the loop must be knocked on. Under lock.
static void liveness(double now, int *tell) {
  double every = INFINITY;
  for (schedule *s = schedules; s; s = s->next)
    if (s->active && s->every < every) every = s->every;
  if (isinf(every)) return;
  double window = fmax(LIVENESS_MIN_MS, fmin(LIVENESS_INTERVALS * every, LIVENESS_MAX_MS));
  if (ping_out) {
    if (now - ping_at < window) return;
    end_all(ETIMEDOUT);
    ping_out = 0;
    last_pong = now;
    *tell = 1;
  } else if (now - last_pong >= window) {
    if (loop_sleeps()) {
      last_pong = now;
    } else {
      ping_out = 1;
      ping_at = now;
      *tell = 1;
    }
  }
}

// Called under the lock; sleeps without it until the instant (ms, CLOCK_MONOTONIC;
// INFINITY: no limit) or wake_up(), and returns holding it again. A wake_up() between
// reading the word and the wait changes the word, so the wait returns at once.
static void sleep_until(double ms) {
  uint32_t seen = __atomic_load_n(&wake_seq, __ATOMIC_RELAXED);
  struct timespec until = {0, 0};
  if (!isinf(ms)) until = abs_time(ms);
  pthread_mutex_unlock(&lock);
  // FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC time (no FUTEX_CLOCK_REALTIME).
  syscall(SYS_futex, &wake_seq, FUTEX_WAIT_BITSET_PRIVATE, seen, isinf(ms) ? NULL : &until, NULL, FUTEX_BITSET_MATCH_ANY);
  pthread_mutex_lock(&lock);
}

// Under the lock: the sender looks at the schedules again now.
static void wake_up(void) {
  __atomic_add_fetch(&wake_seq, 1, __ATOMIC_RELEASE);
  syscall(SYS_futex, &wake_seq, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *send_loop(void *unused) {
  (void)unused;
  pthread_mutex_lock(&lock);
  while (!quitting) {
    double now = monotonic_ms();
    int tell = 0;
    double earliest = INFINITY;
    liveness(now, &tell);
    for (schedule *s = schedules; s; s = s->next) {
      if (!s->active) continue;
      double window = fmin(s->every / COALESCE_FRACTION, COALESCE_MAX_MS);
      if (s->due - window <= now) {
        int r = send_one(s, now);
        if (r != 0) {
          s->active = 0;
          s->end_pending = 1;
          s->end_err = r < 0 ? 0 : r;
          tell = 1;
          continue;
        }
      }
      if (s->due < earliest) earliest = s->due;
    }
    if (tell) uv_async_send(&to_loop);
    sleep_until(earliest);
  }
  pthread_mutex_unlock(&lock);
  return NULL;
}

// On the loop's thread: the loop runs (the answer to a ping), and onEnd(errno) for each
// schedule that ended. The lock is never held while JavaScript runs (it may start a new
// run at once).
static void on_knock(uv_async_t *handle) {
  (void)handle;
  pthread_mutex_lock(&lock);
  last_pong = monotonic_ms();
  ping_out = 0;
  pthread_mutex_unlock(&lock);
  for (;;) {
    schedule *s;
    pthread_mutex_lock(&lock);
    for (s = schedules; s && !s->end_pending; s = s->next) {
    }
    int err = 0;
    if (s) {
      s->end_pending = 0;
      err = s->end_err;
    }
    pthread_mutex_unlock(&lock);
    if (!s) return;
    napi_handle_scope scope;
    napi_open_handle_scope(s->env, &scope);
    napi_value cb, recv, arg, result;
    napi_get_reference_value(s->env, s->on_end, &cb);
    napi_get_global(s->env, &recv);
    napi_create_int32(s->env, err, &arg);
    napi_make_callback(s->env, s->context, recv, cb, 1, &arg, &result); // s may be freed from here on
    napi_close_handle_scope(s->env, scope);
  }
}

static void free_schedule(napi_env env, schedule *s) {
  napi_delete_reference(env, s->on_end);
  napi_async_destroy(env, s->context);
  free(s->packets);
  free(s);
}

static void shut_down(void *arg) {
  (void)arg;
  if (!running) return;
  pthread_mutex_lock(&lock);
  quitting = 1;
  wake_up();
  pthread_mutex_unlock(&lock);
  pthread_join(sender, NULL);
  running = 0;
  uv_close((uv_handle_t *)&to_loop, NULL);
  if (loop_syscall_fd >= 0) close(loop_syscall_fd);
  loop_syscall_fd = -1;
}

// Starts the sender thread and the loop's wake-up handle, once. 0 or an errno.
static int start_sender(napi_env env) {
  if (running) return 0;
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return EINVAL;
  if (uv_async_init(loop, &to_loop, on_knock) != 0) return ENOMEM;
  char path[64];
  int loop_tid = (int)syscall(SYS_gettid); // this is the loop's thread: JavaScript is calling
  snprintf(path, sizeof path, "/proc/self/task/%d/syscall", loop_tid);
  loop_syscall_fd = open(path, O_RDONLY | O_CLOEXEC); // none (no /proc): pings only
  uv_unref((uv_handle_t *)&to_loop); // as the socket's own handle: never keeps the process alive alone
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024); // sendmsg and a loop: a small stack is plenty
  // The thread must not take signals meant for the daemon (SIGTERM, SIGUSR1...): Node's
  // own handler thread reads them; block them all here, the thread inherits the mask.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  int err = pthread_create(&sender, &attr, send_loop, NULL);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_attr_destroy(&attr);
  if (err != 0) {
    uv_close((uv_handle_t *)&to_loop, NULL);
    return err;
  }
  running = 1;
  quitting = 0;
  napi_add_env_cleanup_hook(env, shut_down, NULL);
  return 0;
}

static schedule *find(int fd, int key) {
  for (schedule *s = schedules; s; s = s->next)
    if (s->fd == fd && s->key == key) return s;
  return NULL;
}

int repeater_args(napi_env env, const napi_value *argv, size_t argc, size_t at, repeat_target *t, repeat_timing *timing) {
  void *data;
  size_t len;
  int32_t packet_len;
  napi_valuetype type;
  if (argc < at + 4 || at < 4 || !arg_buffer(env, argv[2], &data, &len) || len == 0 || !arg_int32(env, argv[3], &packet_len) ||
      packet_len <= 0 || len % (size_t)packet_len != 0 || napi_get_value_double(env, argv[at], &timing->due) != napi_ok ||
      napi_get_value_double(env, argv[at + 1], &timing->every) != napi_ok || !(timing->every >= 1) ||
      napi_get_value_bool(env, argv[at + 2], &timing->last_repeats) != napi_ok || napi_typeof(env, argv[at + 3], &type) != napi_ok ||
      type != napi_function)
    return 0;
  timing->on_end = argv[at + 3];
  t->packets = data;
  t->len = (size_t)packet_len;
  t->count = len / (size_t)packet_len;
  return 1;
}

napi_value repeater_start(napi_env env, int fd, int key, const repeat_target *t, const repeat_timing *timing) {
  const double due = timing->due, every = timing->every;
  const int last_repeats = timing->last_repeats;
  const napi_value on_end = timing->on_end;
  if (t->len == 0 || t->count == 0 || t->dstlen > sizeof(struct sockaddr_storage) || t->controllen > CONTROL_MAX || !(every >= 1))
    return throw_errno(env, "repeat", EINVAL);
  int err = start_sender(env);
  if (err != 0) return throw_errno(env, "repeat: sender thread", err);
  unsigned char *copy = malloc(t->len * t->count);
  if (!copy) return throw_errno(env, "repeat", ENOMEM);
  memcpy(copy, t->packets, t->len * t->count);
  napi_ref ref;
  if (napi_create_reference(env, on_end, 1, &ref) != napi_ok) {
    free(copy);
    return throw_errno(env, "repeat", EINVAL);
  }

  pthread_mutex_lock(&lock);
  last_pong = monotonic_ms(); // JavaScript is calling: the loop runs
  ping_out = 0;
  schedule *s = find(fd, key);
  unsigned char *old_packets = NULL;
  napi_ref old_ref = NULL;
  if (s) {
    old_packets = s->packets;
    old_ref = s->on_end;
  } else if ((s = calloc(1, sizeof *s))) {
    s->fd = fd;
    s->key = key;
    s->env = env;
    napi_value name;
    napi_create_string_utf8(env, "ucarp-ts:advert-repeat", NAPI_AUTO_LENGTH, &name);
    napi_async_init(env, NULL, name, &s->context);
    s->next = schedules;
    schedules = s;
  }
  if (s) {
    s->packets = copy;
    s->len = t->len;
    s->count = t->count;
    memcpy(&s->dst, t->dst, t->dstlen);
    s->dstlen = t->dstlen;
    if (t->controllen > 0) memcpy(s->control, t->control, t->controllen);
    s->controllen = t->controllen;
    s->last_repeats = last_repeats;
    s->due = due;
    s->every = every;
    s->slots = 0;
    s->sends = 0;
    s->end_pending = 0;
    s->on_end = ref;
    s->active = 1;
    wake_up();
  }
  pthread_mutex_unlock(&lock);
  free(old_packets);
  if (old_ref) napi_delete_reference(env, old_ref);
  if (!s) {
    free(copy);
    napi_delete_reference(env, ref);
    return throw_errno(env, "repeat", ENOMEM);
  }
  return NULL;
}

napi_value repeater_js_stop(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd, key;
  if (argc < 2 || !arg_int32(env, argv[0], &fd) || !arg_int32(env, argv[1], &key)) {
    napi_throw_type_error(env, NULL, "stopRepeat(fd, key)");
    return NULL;
  }
  double slots = 0, sends = 0;
  pthread_mutex_lock(&lock);
  schedule *s = find(fd, key);
  if (s) {
    s->active = 0;
    s->end_pending = 0;
    slots = s->slots;
    sends = s->sends;
    s->slots = s->sends = 0;
  }
  pthread_mutex_unlock(&lock);
  napi_value result, v;
  napi_create_array_with_length(env, 2, &result);
  napi_create_double(env, slots, &v);
  napi_set_element(env, result, 0, v);
  napi_create_double(env, sends, &v);
  napi_set_element(env, result, 1, v);
  return result;
}

void repeater_forget(napi_env env, int fd) {
  schedule *gone = NULL;
  pthread_mutex_lock(&lock);
  for (schedule **p = &schedules; *p;) {
    schedule *s = *p;
    if (s->fd != fd) {
      p = &s->next;
      continue;
    }
    *p = s->next;
    s->next = gone;
    gone = s;
  }
  pthread_mutex_unlock(&lock);
  while (gone) {
    schedule *s = gone;
    gone = s->next;
    free_schedule(env, s);
  }
}
