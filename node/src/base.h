/*
 * base.h: the bottom layer of the N-API binding: the types every file
 * shares, errors, per-environment state and the live-collection count.
 *
 * The binding's files form layers; a file calls only the layers below it,
 * never back up (a lower layer that must run a caller's code takes a
 * function pointer: job.c's rvn_job_ops):
 *
 *   addon.c                       module setup, the native Collection class
 *   db.c   work.c write.c         the Database class; the Collection's
 *          search.c payload.c     asynchronous methods (work.h)
 *   coll.c                        the life of a native collection (coll.h)
 *   job.c                         the one async-job mechanism (job.h)
 *   args.c   lane.c               argument conversion; the search lane
 *   base.c                        this header: types, errors, env state
 *
 * The binding is deliberately thin: it checks and converts arguments, runs
 * the C call (on a worker thread for anything that can take long) and
 * converts the result. Every rule about vectors, ids and the index lives in
 * the C core; the JS layer (lib/) builds the friendly classes on top.
 */
#ifndef RVN_BASE_H
#define RVN_BASE_H

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
#define RVN_CALIBRATED 0x20u /* search: the ef of the target-recall calibration (RV_SEARCH_CALIBRATED) */
#define RVN_SEARCH_FLAGS 0x3fu /* all of the search flags */

/* Our own error code (not an RV_E* value): the collection was closed. */
#define RVN_ECLOSED_NAME "RV_ECLOSED"

typedef struct rvn_db rvn_db;

/* A native collection; its lifetime rules are in coll.h. */
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

/* A native Database: one rv_db handle and its open children (db.c). */
struct rvn_db {
	rv_db *db;          /* NULL until open() completes, and after close */
	uint32_t pending;   /* database jobs queued or running */
	rvn_coll *children; /* persistent collections not yet freed */
	bool opening;       /* open() is in flight */
	bool closed;        /* close() was called */
	bool finalized;     /* the JS object is gone */
	bool readonly;      /* opened with RV_DB_READONLY */
};

struct rvn_lane;

/* Per-environment state (napi instance data), shared by the files. */
typedef struct rvn_env_state {
	napi_ref coll_class;  /* the native Collection constructor (addon.c sets it) */
	/* the search lane (job.c) */
	struct rvn_lane *lane;
	bool lane_tried;
	bool polling;
	napi_ref set_immediate;
	napi_ref poll_fn;
} rvn_env_state;

/* Throw a JS Error for C error code `rc` with message `msg` (the core's
 * rv_errmsg text; rv_strerror(rc) when empty) and code "RV_E...". */
void rvn_throw_rv(napi_env env, int rc, const char *msg);
/* Make (but do not throw) that error object; NULL if N-API failed. */
napi_value rvn_make_error(napi_env env, int rc, const char *msg);
/* Name of an RV_E* code ("RV_EDIM"), or "RV_EUNKNOWN". */
const char *rvn_code_name(int rc);
/* Throw a TypeError / RangeError / Error with a code property. */
void rvn_throw_type(napi_env env, const char *code, const char *msg);
void rvn_throw_range(napi_env env, const char *code, const char *msg);
/* Throw the closed-collection error. */
void rvn_throw_closed(napi_env env);

/* The environment's shared state, created on first use; NULL on failure. */
rvn_env_state *rvn_env(napi_env env);

/* Native collections alive in this process, over all environments (for
 * leak tests): one more, one fewer, how many. */
void rvn_count_collection(void);
void rvn_count_collection_freed(void);
long rvn_live_collections(void);

/* Return on a failed N-API call; used where failure means the engine is
 * shutting down or out of memory, and a pending exception says why. */
#define RVN_CALL(env, call, ret)                                                                   \
	do {                                                                                       \
		if ((call) != napi_ok)                                                             \
			return (ret);                                                              \
	} while (0)

/* A method entry of a napi_property_descriptor table. */
#define RVN_METHOD(name, fn) {name, NULL, fn, NULL, NULL, NULL, napi_default_method, NULL}

#endif
