/*
 * work.h: the Collection's asynchronous methods, and the collection job
 * they share (work.c). Each method checks and converts its arguments on the
 * JS thread, fills a job and queues it through job.h, returning a Promise.
 * The methods are grouped by what they do:
 *
 *   write.c    insert, delete
 *   search.c   search, searchBatch, searchText, searchHybrid, get
 *   payload.c  setPayload, mergePayload, getPayload, createIndex, countMatching
 *   hyper.c    the hypergraph: hyperPut, hyperDelete, hyperSearch (jobs) and
 *              its reads on the JS thread
 *   calib.c    calibrate, calibration (searchConformal is in search.c)
 *   work.c     the job itself (arguments in, shared outputs, ops) and the
 *              maintenance methods: vacuum, optimize, check, checkpoint,
 *              compact
 *
 * Memory a worker reads. Vectors are copied into the job before it is
 * queued (a query is 0.5 KiB at 128 floats: the copy costs less than the
 * napi_ref that would keep a buffer alive), except a batch whose buffer the
 * caller marks RVN_OWNED: lib/ allocates that Float32Array itself, never
 * lets user code see it, and the job holds a reference to it until it
 * completes, so nothing can detach or modify it meanwhile.
 *
 * Output that a worker produces (hits, ids, vectors) is malloc'd in the job
 * and copied into JS values on completion: ids as one NUL-joined string
 * (lib/ splits it), distances, scores and vectors as Float32Arrays, payloads
 * as an array of JSON texts (lib/ parses them).
 *
 * Payloads and filters travel as JSON text. A filter is parsed on the JS
 * thread (rv_filter_parse() is bounded: at most RV_FILTER_JSON_MAX bytes)
 * into the job, which frees it; a bad filter rejects the Promise with the
 * parser's message, which names the offending part. Payloads are checked by
 * the core on the worker thread, in the same call as the write.
 *
 * Errors shaped like the core's (wrong dimension) reject the Promise rather
 * than throw, so that callers see every RV_E* error the same way; wrong
 * argument types throw at once.
 */
#ifndef RVN_WORK_H
#define RVN_WORK_H

#include "args.h"
#include "coll.h"
#include "job.h"

/* A job of a collection. Inputs and outputs of every kind, so that the
 * shared helpers below can fill and free any of them. */
typedef struct cjob {
	rvn_job base;        /* first; its self is the Collection object */
	rvn_coll *rc;
	rv_collection *c;    /* rc->c, which stays valid while pending > 0 */
	uint32_t dim;

	/* inputs */
	char *ids_joined;    /* NUL-joined ids (malloc) */
	char **ids;          /* pointers into ids_joined (malloc) */
	size_t n;            /* ids, or queries for a batch search */
	const float *vecs;   /* input vectors: vec_copy or an owned buffer */
	float *vec_copy;     /* malloc'd copy, or NULL */
	size_t vec_len;      /* floats at vecs */
	unsigned flags;      /* RVN_* */
	size_t k;
	uint32_t ef;
	char **payloads;     /* insert: n JSON texts or NULLs (malloc each), or NULL */
	char *text;          /* text query; setPayload's payload; createIndex's key */
	rv_filter *filter;   /* parsed filter, or NULL */
	float mmr_lambda;    /* with RVN_MMR */
	uint32_t mmr_candidates;
	rv_hybrid_params hybrid; /* searchHybrid */
	rv_index_kind index_kind; /* createIndex */
	void *aux;           /* a method's own inputs in one malloc'd block (hyper.c), or NULL */

	/* outputs */
	char *out_ids;       /* NUL-joined ids of all hits (malloc) */
	size_t out_ids_len;  /* bytes used */
	size_t out_ids_cap;  /* bytes allocated */
	float *out_dist;     /* distances (malloc) */
	float *out_vecs;     /* vectors of the hits or of get() (malloc) */
	float *out_score;    /* scores of the hits (malloc) */
	char *out_pl;        /* payload JSON texts, each NUL-terminated (malloc) */
	size_t out_pl_len;   /* bytes used */
	size_t out_pl_cap;   /* bytes allocated */
	size_t *out_pl_at;   /* hit i's payload starts at out_pl + out_pl_at[i] */
	long long matched;   /* countMatching() */
	int *counts;         /* hits per query (batch) */
	uint8_t *found;      /* get(): which ids exist */
	size_t out_n;        /* hits in total, or vectors */
	size_t deleted;      /* delete(): how many */
	rv_check_report report;
	rv_calibrate_params calib;   /* calibrate(): relevant ids are `ids` */
	int calib_recall;            /* calibrate(): 1 target recall, 0 conformal */
	rv_calibration calib_out;    /* calibrate()'s result */
	rv_conformal_info conformal; /* searchConformal()'s threshold and alpha */
	rv_inspect_params inspect_p; /* inspect() */
	rv_inspect_report *inspect;  /* its report (the core's; freed with the job) */
} cjob;

/* The ops of a collection job: its execute and result, and the shared
 * hold/release (rc->pending) and destroy. */
void rvn_cjob_hold(rvn_job *j);
void rvn_cjob_release(napi_env env, rvn_job *j, napi_value self);
void rvn_cjob_destroy(rvn_job *j);
#define RVN_CJOB_OPS(exec, res)                                                                    \
	{.execute = (exec), .result = (res), .hold = rvn_cjob_hold, .release = rvn_cjob_release,     \
	 .destroy = rvn_cjob_destroy}
/* A result for jobs that resolve to undefined. */
bool rvn_cjob_undefined(napi_env env, rvn_job *j, napi_value self, napi_value *out);

/* A new job of `rc` (throws and returns NULL when out of memory). */
cjob *rvn_cjob_new(napi_env env, rvn_coll *rc, const rvn_job_ops *ops);
/* Worker thread: record the core's error `err` (its message from rv_errmsg),
 * or an out-of-memory error for `what`. */
void rvn_cjob_fail(cjob *j, int err);
void rvn_cjob_oom(cjob *j, const char *what);
/* Read `idsJoined, n` into j->ids and j->n. */
bool rvn_cjob_ids(napi_env env, cjob *j, napi_value joined, napi_value count);
/* Read a Float32Array into the job: copied, or referenced when owned. */
bool rvn_cjob_vectors(napi_env env, cjob *j, napi_value v, bool owned);
/* Parse the filter JSON text `v` (undefined or null: none) into j->filter.
 * False after throwing (not a string); true otherwise, with *bad the core's
 * code and err its message (naming the offending part) for a bad filter. */
bool rvn_cjob_filter(napi_env env, cjob *j, napi_value v, int *bad, char *err, size_t errsize);
/* Worker thread: append the payload of `id` (JSON text and its NUL) to
 * j->out_pl, growing it. Returns RV_OK, RV_ENOMEM, or the core's code
 * (RV_ENOTFOUND when the record was deleted meanwhile). */
int rvn_cjob_append_payload(cjob *j, const char *id);
/* Queue `j` (the collection's object is `self`) and return its Promise. */
napi_value rvn_cjob_queue(napi_env env, napi_value self, cjob *j, const char *name);
/* Drop a job that was never queued: after an exception was thrown (NULL),
 * or returning a Promise rejected with (code, msg). */
napi_value rvn_cjob_drop(napi_env env, cjob *j);
napi_value rvn_cjob_reject(napi_env env, cjob *j, int code, const char *msg);

/* The methods (napi_callback signatures). */
/* write.c */
napi_value rvn_insert(napi_env env, napi_callback_info info);
napi_value rvn_delete(napi_env env, napi_callback_info info);
/* search.c */
napi_value rvn_search(napi_env env, napi_callback_info info);
napi_value rvn_search_batch(napi_env env, napi_callback_info info);
napi_value rvn_search_text(napi_env env, napi_callback_info info);
napi_value rvn_search_hybrid(napi_env env, napi_callback_info info);
napi_value rvn_get(napi_env env, napi_callback_info info);
napi_value rvn_search_conformal(napi_env env, napi_callback_info info);
/* calib.c: calibrate(), calibration() */
napi_value rvn_calibrate(napi_env env, napi_callback_info info);
napi_value rvn_calibration(napi_env env, napi_callback_info info);
/* calib.c: inspect() */
napi_value rvn_inspect(napi_env env, napi_callback_info info);
/* payload.c */
napi_value rvn_set_payload(napi_env env, napi_callback_info info);
napi_value rvn_merge_payload(napi_env env, napi_callback_info info);
napi_value rvn_get_payload(napi_env env, napi_callback_info info);
napi_value rvn_create_index(napi_env env, napi_callback_info info);
napi_value rvn_count_matching(napi_env env, napi_callback_info info);
/* hyper.c */
napi_value rvn_hyper_put(napi_env env, napi_callback_info info);
napi_value rvn_hyper_delete(napi_env env, napi_callback_info info);
napi_value rvn_hyper_search(napi_env env, napi_callback_info info);
napi_value rvn_hyper_get(napi_env env, napi_callback_info info);
napi_value rvn_hyper_khop(napi_env env, napi_callback_info info);
napi_value rvn_hyper_path(napi_env env, napi_callback_info info);
napi_value rvn_hyper_of(napi_env env, napi_callback_info info);
napi_value rvn_hyper_buckets(napi_env env, napi_callback_info info);
napi_value rvn_hyper_stats(napi_env env, napi_callback_info info);
/* work.c */
napi_value rvn_vacuum(napi_env env, napi_callback_info info);
napi_value rvn_optimize(napi_env env, napi_callback_info info);
napi_value rvn_check(napi_env env, napi_callback_info info);
napi_value rvn_checkpoint(napi_env env, napi_callback_info info);
napi_value rvn_compact(napi_env env, napi_callback_info info);

#endif
