/*
 * args.h: converting JS arguments for the C core (args.c).
 */
#ifndef RVN_ARGS_H
#define RVN_ARGS_H

#include "base.h"

/* Read a Float32Array argument. Throws (and returns false) for anything
 * else, including a detached buffer. *data may be NULL when length is 0. */
bool rvn_get_f32(napi_env env, napi_value v, const char *what, float **data, size_t *length);
/* Read a string argument as freshly allocated UTF-8 (free with free()).
 * *len excludes the terminating NUL. */
bool rvn_get_string(napi_env env, napi_value v, const char *what, char **out, size_t *len);
/* Read a number that must be an integer in [lo, hi]. */
bool rvn_get_uint(napi_env env, napi_value v, const char *what, double lo, double hi, uint64_t *out);
/* Same, for an optional argument: undefined and null give `dflt`. */
bool rvn_get_uint_opt(napi_value v, napi_env env, const char *what, double lo, double hi, uint64_t dflt,
                      uint64_t *out);
/* Same, for an optional finite number: undefined and null leave *out. */
bool rvn_get_double_opt(napi_env env, napi_value v, const char *what, double *out);
/* Read an optional string argument (undefined and null give *out = NULL)
 * as freshly allocated UTF-8; a string holding a NUL character is refused
 * with RV_EINVAL (the C API takes NUL-terminated text). */
bool rvn_get_text_opt(napi_env env, napi_value v, const char *what, char **out, size_t *len);
/* Split a NUL-joined id string of `n` ids into pointers (the string is
 * modified in place: separators stay NULs, which terminate each id).
 * Throws and returns NULL when the string does not hold exactly n ids. */
char **rvn_split_ids(napi_env env, char *joined, size_t len, size_t n);
/* Read {dim, metric, m, efConstruction, ...} into *opts (defaults first,
 * dim 0); metric is a number (rv_metric) or a name rv_metric_parse() knows. */
bool rvn_read_options(napi_env env, napi_value obj, rv_options *opts);

#endif
