// The Error the addons throw for a failed system call: "what: strerror" as the
// message, the errno name ("ENODEV") as .code like Node's own errors, and the number
// as .errno, so callers can tell ENETDOWN from ENODEV.
#ifndef UCARP_TS_THROW_ERRNO_H
#define UCARP_TS_THROW_ERRNO_H

#include <node_api.h>
#include <stdio.h>
#include <string.h>

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[256];
  char code[32];
  // strerrorname_np (glibc 2.32+) gives the name.
  const char *name = strerrorname_np(err);
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  if (name) snprintf(code, sizeof code, "%s", name);
  else snprintf(code, sizeof code, "E%d", err);
  napi_value js_msg, js_code, error, js_errno;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &js_msg);
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &js_code);
  napi_create_error(env, js_code, js_msg, &error);
  napi_create_int32(env, err, &js_errno);
  napi_set_named_property(env, error, "errno", js_errno);
  napi_throw(env, error);
  return NULL;
}

#endif
