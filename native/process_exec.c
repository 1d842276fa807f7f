// process_exec: replaces this process with another program, keeping its PID.
// Node has no exec(); ucarp-ts needs it so the command that parses the options
// (yargs, dotenv, the config file) can hand over to a lean daemon image that never
// loads them: ESM modules are never unloaded, and the parser alone would hold
// several MB of a resident budget of 50. Same PID, so init systems, pidfiles and
// shells that started the command still see the daemon. The settings travel in an
// anonymous memory file (memfd), never on the command line or in the environment.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "throw_errno.h"

#define MAX_ARGS 4096
#define MAX_STRING 65536

// memfd(name, data) -> fd: a sealed memory file holding data, read from offset 0,
// open across exec (no close-on-exec) for the program that replaces this one.
static napi_value js_memfd(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char name[64];
  size_t name_len;
  bool is_buffer = false;
  if (argc < 2 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &name_len) != napi_ok ||
      napi_is_buffer(env, argv[1], &is_buffer) != napi_ok || !is_buffer) {
    napi_throw_type_error(env, NULL, "memfd(name, data): a string and a Buffer");
    return NULL;
  }
  void *data;
  size_t len;
  napi_get_buffer_info(env, argv[1], &data, &len);
  int fd = memfd_create(name, MFD_ALLOW_SEALING);
  if (fd < 0) return throw_errno(env, "memfd_create", errno);
  size_t done = 0;
  while (done < len) {
    ssize_t n = write(fd, (const char *)data + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      return throw_errno(env, "write(memfd)", err);
    }
    done += (size_t)n;
  }
  // Sealed: what the new program reads is exactly what was written here.
  fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
  if (lseek(fd, 0, SEEK_SET) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "lseek(memfd)", err);
  }
  napi_value result;
  napi_create_int32(env, fd, &result);
  return result;
}

// Copies a JS array of strings into a NULL-terminated C array; NULL on a bad element.
static char **string_array(napi_env env, napi_value array) {
  uint32_t n;
  bool is_array = false;
  if (napi_is_array(env, array, &is_array) != napi_ok || !is_array) return NULL;
  if (napi_get_array_length(env, array, &n) != napi_ok || n > MAX_ARGS) return NULL;
  char **out = calloc(n + 1, sizeof *out);
  if (!out) return NULL;
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    size_t len;
    if (napi_get_element(env, array, i, &v) != napi_ok ||
        napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok || len >= MAX_STRING) {
      goto fail;
    }
    out[i] = malloc(len + 1);
    if (!out[i] || napi_get_value_string_utf8(env, v, out[i], len + 1, &len) != napi_ok) goto fail;
  }
  return out;
fail:
  for (uint32_t i = 0; i < n; i++) free(out[i]);
  free(out);
  return NULL;
}

static void free_array(char **a) {
  if (!a) return;
  for (char **p = a; *p; p++) free(*p);
  free(a);
}

// execve(path, argv, env): only returns by throwing. stdin, stdout and stderr are
// made to survive the exec and put back to blocking first: Node may have made them
// non-blocking, and the file descriptions are shared with whoever started us.
static napi_value js_execve(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char path[4096];
  size_t path_len;
  if (argc < 3 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &path_len) != napi_ok) {
    napi_throw_type_error(env, NULL, "execve(path, argv, env): path must be a string");
    return NULL;
  }
  char **args = string_array(env, argv[1]);
  char **envp = string_array(env, argv[2]);
  if (!args || !envp) {
    free_array(args);
    free_array(envp);
    napi_throw_type_error(env, NULL, "execve(path, argv, env): argv and env must be arrays of strings");
    return NULL;
  }
  for (int fd = 0; fd <= 2; fd++) {
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0 && (flags & O_NONBLOCK)) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    // libuv marks the descriptors it wraps close-on-exec, stdio included.
    int fdflags = fcntl(fd, F_GETFD);
    if (fdflags >= 0 && (fdflags & FD_CLOEXEC)) fcntl(fd, F_SETFD, fdflags & ~FD_CLOEXEC);
  }
  execve(path, args, envp);
  int err = errno;
  free_array(args);
  free_array(envp);
  return throw_errno(env, "execve", err);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"memfd", NULL, js_memfd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"execve", NULL, js_execve, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
