// Argument checks shared by the addons: a JavaScript number as int32, a Buffer's bytes.
#ifndef UCARP_TS_NAPI_ARGS_H
#define UCARP_TS_NAPI_ARGS_H

#include <node_api.h>
#include <stdbool.h>

static inline int arg_int32(napi_env env, napi_value v, int32_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return 0;
  return napi_get_value_int32(env, v, out) == napi_ok;
}

static inline int arg_buffer(napi_env env, napi_value v, void **data, size_t *len) {
  bool is;
  return napi_is_buffer(env, v, &is) == napi_ok && is && napi_get_buffer_info(env, v, data, len) == napi_ok;
}

#endif
