/*
 * job.h: the binding's one async-job mechanism (job.c), used by the
 * Collection's methods (work.h) and by the Database class (db.c).
 *
 * A job is a struct that starts with an rvn_job and names its rvn_job_ops.
 * The method that makes it checks and converts its arguments on the JS
 * thread and queues it; ops->execute runs on a libuv worker thread (or on
 * the search lane, lane.c) and calls only the C core, no N-API, copying the
 * core's thread-local message into j->msg when it fails; completion runs on
 * the JS thread: ops->finish (state that changes whatever the outcome),
 * then the Promise is settled (rejected with an RV_E* error when j->err is
 * set, else with what ops->result builds), then ops->release (the owner's
 * count of jobs in flight), then the job's references are dropped and
 * ops->destroy frees it.
 *
 * While a job is queued or running it holds a strong reference to its
 * owner's JS object (`self`), so the owner cannot be garbage-collected under
 * a worker thread, and ops->hold has counted it in the owner's `pending`.
 */
#ifndef RVN_JOB_H
#define RVN_JOB_H

#include "base.h"
#include "lane.h"

typedef struct rvn_job rvn_job;

typedef struct rvn_job_ops {
	/* Worker thread: the C core only. Sets j->err and j->msg on failure. */
	void (*execute)(rvn_job *j);
	/* JS thread, first, whatever the outcome (may be NULL). */
	void (*finish)(napi_env env, rvn_job *j, napi_value self);
	/* JS thread, when j->err is RV_OK: the value to settle with in *out;
	 * true resolves, false rejects (with *out, or the pending exception). */
	bool (*result)(napi_env env, rvn_job *j, napi_value self, napi_value *out);
	/* The job was queued: count it in its owner (JS thread; may be NULL). */
	void (*hold)(rvn_job *j);
	/* JS thread, after settling: uncount it (may be NULL). */
	void (*release)(napi_env env, rvn_job *j, napi_value self);
	/* Free the job and what it owns (no N-API: references are gone). */
	void (*destroy)(rvn_job *j);
} rvn_job_ops;

struct rvn_job {
	rvn_lane_job lane;      /* first: the lane hands jobs around by this */
	napi_async_work work;   /* NULL for a job run on the lane */
	napi_deferred deferred; /* the Promise; NULL when nobody waits */
	napi_ref self_ref;      /* the owner's JS object, or NULL */
	napi_ref buf_ref;       /* an input buffer held instead of copied, or NULL */
	const rvn_job_ops *ops;
	int err;                /* RV_OK or the core's code */
	char msg[512];          /* the core's message for err */
};

/* Queue `j` (owner `self`, or NULL) as async work under the resource name
 * `name` and return its Promise; with `lane`, on the search lane when it is
 * idle. On failure: NULL with an exception pending, or a Promise rejected
 * with RV_ENOMEM; j is freed either way. */
napi_value rvn_job_queue(napi_env env, napi_value self, rvn_job *j, const char *name, bool lane);
/* Queue `j` with no Promise (nobody waits: completion is ops->finish's).
 * False when it could not be queued; j is then freed. */
bool rvn_job_start(napi_env env, napi_value self, rvn_job *j, const char *name);
/* Free a job that was never queued; returns NULL (an exception is pending). */
napi_value rvn_job_drop(napi_env env, rvn_job *j);
/* Free a job that was never queued; returns a Promise rejected with
 * (code, msg), as for the errors the core itself reports. */
napi_value rvn_job_reject(napi_env env, rvn_job *j, int code, const char *msg);
/* A Promise already rejected with an RV_E* error. */
napi_value rvn_rejected(napi_env env, int code, const char *msg);

#endif
