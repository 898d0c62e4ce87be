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
 *            bounded integers, optional numbers and texts (payloads, filters)
 *   work.c   the asynchronous methods: each one a job struct, an execute
 *            function (worker thread, C core only, no N-API) and a complete
 *            function (JS thread: resolve or reject the Promise)
 *   db.c     the native Database class (a database directory of named
 *            collections: rv_db_*), and the closing of persistent
 *            collections, which can checkpoint and so runs off the JS thread
 *
 * Lifetime. A native collection (rvn_coll) belongs to one JS object (napi_wrap).
 * Every job in flight holds a strong reference to that object, so it cannot
 * be garbage-collected while a worker thread uses the C handle, and counts
 * itself in `pending`. close() marks the collection closed at once (later
 * calls throw RV_ECLOSED) and frees the C handle when `pending` reaches zero,
 * because rv_collection_free() must not run while a call is running.
 * All of this state is touched on the JS thread only, so it needs no lock.
 *
 * Persistent collections. A collection opened through a native Database
 * (db.c) is "owned": it holds a strong reference to the Database's JS
 * object, so the database outlives its collections, and it sits on the
 * database's list of open children. Freeing it (rv_collection_free) closes
 * its log and may checkpoint, which can take long, so close() queues that
 * on a worker thread and returns a Promise. Closing the database first
 * requires that no child has a job in flight (lib/ closes the children
 * first); children still open are then closed by rv_db_close() itself and
 * their handles forgotten. Only a garbage-collected collection that was
 * never closed is freed on the JS thread, by its finalizer.
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
#define RVN_NOLANE 0x4u  /* search: use the libuv pool, not the low-latency lane */
#define RVN_MMR 0x8u     /* search: re-rank by MMR (RV_SEARCH_MMR) */
#define RVN_PAYLOAD 0x10u /* search: return each hit's payload (JSON text) too */
#define RVN_SEARCH_FLAGS 0x1fu /* all of the search flags */

/* Our own error code (not an RV_E* value): the collection was closed. */
#define RVN_ECLOSED_NAME "RV_ECLOSED"

typedef struct rvn_db rvn_db;

typedef struct rvn_coll {
	rv_collection *c;   /* the C handle; NULL once freed */
	uint32_t dim;       /* the collection's dimension */
	rv_metric metric;   /* its metric */
	uint32_t pending;   /* jobs queued or running (JS thread only) */
	bool closed;        /* close() was called: refuse new calls */
	bool finalized;     /* the JS object is gone; free when pending hits 0 */
	/* Persistent collections only (owner != NULL): */
	rvn_db *owner;              /* the database it was opened through */
	napi_ref owner_ref;         /* strong reference to the Database object */
	struct rvn_coll *prev, *next; /* the owner's list of open children */
	napi_deferred close_waiter; /* close()'s Promise while it waits */
	bool freeing;               /* the free job is queued or running */
} rvn_coll;

/* A native Database: one rv_db handle and its open children. */
struct rvn_db {
	rv_db *db;          /* NULL until open() completes, and after close */
	uint32_t pending;   /* database jobs queued or running */
	rvn_coll *children; /* persistent collections not yet freed */
	bool opening;       /* open() is in flight */
	bool closed;        /* close() was called */
	bool finalized;     /* the JS object is gone */
	bool readonly;      /* opened with RV_DB_READONLY */
};

/* Per-environment state (napi instance data), shared by the files. */
typedef struct rvn_env_state {
	napi_ref coll_class;  /* the native Collection constructor */
	/* the search lane (work.c) */
	struct rvn_lane *lane;
	bool lane_tried;
	bool polling;
	napi_ref set_immediate;
	napi_ref poll_fn;
} rvn_env_state;

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
/* A job finished: drop the count and free the handle if it is due
 * (`self`: the collection's JS object, which the job still holds). */
void rvn_release(napi_env env, rvn_coll *rc, napi_value self);
/* The environment's shared state, created on first use; NULL on failure. */
rvn_env_state *rvn_env(napi_env env);
/* Free rc->c now and account for it (in-memory, or a finalizer's last resort). */
void rvn_coll_free_now(rvn_coll *rc);
/* Unlink a persistent collection from its owner and drop the reference. */
void rvn_coll_detach(napi_env env, rvn_coll *rc);
/* Read {dim, metric, m, efConstruction, ...} into *opts (defaults first). */
bool rvn_read_options(napi_env env, napi_value obj, rv_options *opts);
/* Count one more live native collection (for the adopting constructor). */
void rvn_count_collection(void);
/* ... and one fewer (a handle freed by rv_db_close or a free job). */
void rvn_count_collection_freed(void);

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

/* ---- work.c: the asynchronous methods (napi_callback signatures) ---- */
napi_value rvn_insert(napi_env env, napi_callback_info info);
napi_value rvn_search(napi_env env, napi_callback_info info);
napi_value rvn_search_batch(napi_env env, napi_callback_info info);
napi_value rvn_get(napi_env env, napi_callback_info info);
napi_value rvn_delete(napi_env env, napi_callback_info info);
napi_value rvn_vacuum(napi_env env, napi_callback_info info);
napi_value rvn_optimize(napi_env env, napi_callback_info info);
napi_value rvn_check(napi_env env, napi_callback_info info);
napi_value rvn_checkpoint(napi_env env, napi_callback_info info);
napi_value rvn_compact(napi_env env, napi_callback_info info);
napi_value rvn_search_text(napi_env env, napi_callback_info info);
napi_value rvn_search_hybrid(napi_env env, napi_callback_info info);
napi_value rvn_set_payload(napi_env env, napi_callback_info info);
napi_value rvn_get_payload(napi_env env, napi_callback_info info);
napi_value rvn_create_index(napi_env env, napi_callback_info info);
napi_value rvn_count_matching(napi_env env, napi_callback_info info);

/* ---- db.c ---- */
/* Define the Database class and the module functions of db.c on exports. */
bool rvn_db_init(napi_env env, napi_value exports);
/* Queue the job that frees a persistent collection (rc->pending == 0,
 * rc->closed); `self` is its JS object. Resolves rc->close_waiter. */
bool rvn_queue_free(napi_env env, napi_value self, rvn_coll *rc);
/* The adopting constructor: `ext` is the external db.c passes to
 * new Collection(); fills rc from it. False (after throwing) if `ext`
 * is not one of ours. */
bool rvn_adopt(napi_env env, napi_value ext, napi_value self, rvn_coll *rc);
/* Storage figures of a collection, as a JS object (sync). */
napi_value rvn_storage(napi_env env, napi_callback_info info);

/* Return on a failed N-API call; used where failure means the engine is
 * shutting down or out of memory, and a pending exception says why. */
#define RVN_CALL(env, call, ret)                                                                   \
	do {                                                                                       \
		if ((call) != napi_ok)                                                             \
			return (ret);                                                              \
	} while (0)

#endif
