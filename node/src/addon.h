/*
 * addon.h: the N-API binding of ruvector, shared between its files.
 *
 * The binding is deliberately thin: it checks and converts arguments, runs
 * the C call (on a libuv worker thread for anything that can take long) and
 * converts the result. Every rule about vectors, ids and the index lives in
 * the C core; the JS layer (lib/) builds the friendly classes on top.
 *
 *   addon.c  module setup, the native Collection class, its synchronous
 *            methods (len, stats, close), errors, the finalizer
 *   args.c   argument conversion: Float32Array, NUL-joined id strings,
 *            bounded integers
 *   work.c   the asynchronous methods: each one a job struct, an execute
 *            function (worker thread, C core only, no N-API) and a complete
 *            function (JS thread: resolve or reject the Promise)
 *
 * Lifetime. A native collection (rvn_coll) belongs to one JS object (napi_wrap).
 * Every job in flight holds a strong reference to that object, so it cannot
 * be garbage-collected while a worker thread uses the C handle, and counts
 * itself in `pending`. close() marks the collection closed at once (later
 * calls throw RV_ECLOSED) and frees the C handle when `pending` reaches zero,
 * because rv_collection_free() must not run while a call is running.
 * All of this state is touched on the JS thread only, so it needs no lock.
 *
 * Buffers. Jobs never keep a pointer into memory that JS code could detach
 * or modify while a worker thread reads it: input vectors are copied on the
 * JS thread before the job is queued, except for a buffer the caller marks
 * as owned (flag RVN_OWNED): lib/ passes that for Float32Arrays it allocated
 * itself and never hands to user code, and the job then holds a reference
 * to it instead of copying. See args.c for the checks.
 */
#ifndef RVN_ADDON_H
#define RVN_ADDON_H

#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ruvector.h"

/* Flags the JS layer passes to insert/search; values shared with lib/native.js. */
#define RVN_UPSERT 0x1u  /* insert: replace existing ids */
#define RVN_OWNED 0x2u   /* the vectors buffer is private to lib/: no copy */
#define RVN_EXACT 0x1u   /* search: exact scan */
#define RVN_VECTORS 0x2u /* search: return each hit's stored vector too */

/* Our own error code (not an RV_E* value): the collection was closed. */
#define RVN_ECLOSED_NAME "RV_ECLOSED"

typedef struct rvn_coll {
	rv_collection *c;   /* the C handle; NULL once freed */
	uint32_t dim;       /* the collection's dimension */
	rv_metric metric;   /* its metric */
	uint32_t pending;   /* jobs queued or running (JS thread only) */
	bool closed;        /* close() was called: refuse new calls */
	bool finalized;     /* the JS object is gone; free when pending hits 0 */
} rvn_coll;

/* ---- addon.c ---- */

/* Throw a JS Error for C error code `rc` with message `msg` (the core's
 * rv_errmsg text; rv_strerror(rc) when empty) and code "RV_E...". */
void rvn_throw_rv(napi_env env, int rc, const char *msg);
/* Make (but do not throw) that error object. */
napi_value rvn_make_error(napi_env env, int rc, const char *msg);
/* Name of an RV_E* code ("RV_EDIM"), or "RV_EUNKNOWN". */
const char *rvn_code_name(int rc);
/* Throw a TypeError / RangeError / Error with a code property. */
void rvn_throw_type(napi_env env, const char *code, const char *msg);
void rvn_throw_range(napi_env env, const char *code, const char *msg);
/* Throw the closed-collection error. */
void rvn_throw_closed(napi_env env);

/* The rvn_coll behind `this`, checked by type tag; NULL after throwing when
 * `this` is not a Collection, or it is closed (when need_open). */
rvn_coll *rvn_this(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv,
                   napi_value *self, bool need_open);
/* A job finished: drop the count and free the handle if it is due. */
void rvn_release(rvn_coll *rc);

/* ---- args.c ---- */

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
/* Split a NUL-joined id string of `n` ids into pointers (the string is
 * modified in place: separators stay NULs, which terminate each id).
 * Throws and returns NULL when the string does not hold exactly n ids. */
char **rvn_split_ids(napi_env env, char *joined, size_t len, size_t n);

/* ---- work.c: the asynchronous methods (napi_callback signatures) ---- */
napi_value rvn_insert(napi_env env, napi_callback_info info);
napi_value rvn_search(napi_env env, napi_callback_info info);
napi_value rvn_search_batch(napi_env env, napi_callback_info info);
napi_value rvn_get(napi_env env, napi_callback_info info);
napi_value rvn_delete(napi_env env, napi_callback_info info);
napi_value rvn_vacuum(napi_env env, napi_callback_info info);
napi_value rvn_optimize(napi_env env, napi_callback_info info);
napi_value rvn_check(napi_env env, napi_callback_info info);

/* Return on a failed N-API call; used where failure means the engine is
 * shutting down or out of memory, and a pending exception says why. */
#define RVN_CALL(env, call, ret)                                                                   \
	do {                                                                                       \
		if ((call) != napi_ok)                                                             \
			return (ret);                                                              \
	} while (0)

#endif
