/*
 * job.c: the async-job mechanism (see job.h for the contract).
 *
 * One queue, one completion, for every asynchronous call of the binding:
 * the Collection's methods and the Database's alike, and the job that frees
 * a persistent collection. What differs between them is in each job's
 * rvn_job_ops, so this file calls back into nothing by name.
 *
 * Two ways to run. napi async work on the libuv pool is the default. A
 * single search may instead go to the search lane (lane.c), a dedicated
 * thread that avoids the pool's two thread wake-ups; its results are
 * collected by a setImmediate loop (lane_poll) that runs only while a lane
 * job is out, and completed by the same complete() as pool jobs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"

static void destroy(napi_env env, rvn_job *j)
{
	if (j->self_ref)
		napi_delete_reference(env, j->self_ref);
	if (j->buf_ref)
		napi_delete_reference(env, j->buf_ref);
	j->ops->destroy(j);
}

static void execute(napi_env env, void *data)
{
	(void)env;
	rvn_job *j = data;
	j->ops->execute(j);
}

static void complete(napi_env env, napi_status status, void *data)
{
	rvn_job *j = data;
	napi_value self = NULL, value = NULL;
	bool ok = false;
	if (j->self_ref && napi_get_reference_value(env, j->self_ref, &self) != napi_ok)
		self = NULL;
	if (status == napi_cancelled && j->err == RV_OK) {
		j->err = RV_EINVAL;
		snprintf(j->msg, sizeof j->msg, "the operation was cancelled");
	}
	if (j->ops->finish)
		j->ops->finish(env, j, self);
	if (j->deferred) {
		if (j->err != RV_OK) {
			value = rvn_make_error(env, j->err, j->msg);
		} else {
			ok = j->ops->result(env, j, self, &value);
			if (!ok && !value) {
				/* Building the result threw (out of memory in V8): reject with it. */
				bool pending = false;
				if (napi_is_exception_pending(env, &pending) == napi_ok && pending)
					napi_get_and_clear_last_exception(env, &value);
			}
		}
		if (!value)
			napi_get_undefined(env, &value);
		if (ok)
			napi_resolve_deferred(env, j->deferred, value);
		else
			napi_reject_deferred(env, j->deferred, value);
	}
	if (j->work)
		napi_delete_async_work(env, j->work);
	if (j->ops->release)
		j->ops->release(env, j, self);
	destroy(env, j);
}

/* ---- the lane (lane.c): single searches without thread wake-ups ---- */

static void lane_exec(rvn_lane_job *lj) { execute(NULL, (rvn_job *)lj); }

static bool schedule_poll(napi_env env, rvn_env_state *st)
{
	napi_value fn, poll, global;
	if (napi_get_reference_value(env, st->set_immediate, &fn) != napi_ok ||
	    napi_get_reference_value(env, st->poll_fn, &poll) != napi_ok || napi_get_global(env, &global) != napi_ok ||
	    napi_call_function(env, global, fn, 1, &poll, NULL) != napi_ok)
		return false;
	st->polling = true;
	return true;
}

/* setImmediate callback: complete what the lane finished; poll again while
 * a job is out. */
static napi_value lane_poll(napi_env env, napi_callback_info info)
{
	(void)info;
	rvn_env_state *st = rvn_env(env);
	if (!st)
		return NULL;
	st->polling = false;
	rvn_lane_job *lj = rvn_lane_collect(st->lane);
	while (lj) {
		rvn_lane_job *next = lj->next;
		complete(env, napi_ok, lj);
		lj = next;
	}
	if (rvn_lane_busy(st->lane))
		schedule_poll(env, st);
	return NULL;
}

/* The environment's lane state, set up on first use; NULL if unavailable. */
static rvn_env_state *lane_for(napi_env env)
{
	rvn_env_state *st = rvn_env(env);
	if (!st)
		return NULL;
	if (!st->lane_tried) {
		st->lane_tried = true;
		napi_value global, fn, poll;
		napi_valuetype t;
		if (napi_get_global(env, &global) != napi_ok ||
		    napi_get_named_property(env, global, "setImmediate", &fn) != napi_ok ||
		    napi_typeof(env, fn, &t) != napi_ok || t != napi_function ||
		    napi_create_function(env, "ruvectorLanePoll", NAPI_AUTO_LENGTH, lane_poll, NULL, &poll) != napi_ok ||
		    napi_create_reference(env, fn, 1, &st->set_immediate) != napi_ok ||
		    napi_create_reference(env, poll, 1, &st->poll_fn) != napi_ok)
			return st; /* no lane: st->lane stays NULL */
		st->lane = rvn_lane_new(env, lane_exec);
	}
	return st;
}

/* ---- queueing ---- */

/* Hand `j` (its references and deferred made) to the pool. False: not
 * queued (j->work is then NULL). */
static bool submit(napi_env env, rvn_job *j, const char *name)
{
	napi_value resource;
	if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource) != napi_ok ||
	    napi_create_async_work(env, NULL, resource, execute, complete, j, &j->work) != napi_ok) {
		j->work = NULL;
		return false;
	}
	if (napi_queue_async_work(env, j->work) != napi_ok) {
		napi_delete_async_work(env, j->work);
		j->work = NULL;
		return false;
	}
	if (j->ops->hold)
		j->ops->hold(j);
	return true;
}

napi_value rvn_job_queue(napi_env env, napi_value self, rvn_job *j, const char *name, bool lane)
{
	napi_value promise;
	if (self && napi_create_reference(env, self, 1, &j->self_ref) != napi_ok)
		return rvn_job_drop(env, j);
	if (napi_create_promise(env, &j->deferred, &promise) != napi_ok)
		return rvn_job_drop(env, j);
	rvn_env_state *st = lane ? lane_for(env) : NULL;
	if (st && st->lane && !rvn_lane_busy(st->lane) && (st->polling || schedule_poll(env, st))) {
		if (j->ops->hold)
			j->ops->hold(j);
		rvn_lane_submit(st->lane, &j->lane);
		return promise;
	}
	if (!submit(env, j, name)) {
		napi_value err = rvn_make_error(env, RV_ENOMEM, "cannot queue async work");
		if (err)
			napi_reject_deferred(env, j->deferred, err);
		destroy(env, j);
	}
	return promise;
}

bool rvn_job_start(napi_env env, napi_value self, rvn_job *j, const char *name)
{
	if ((self && napi_create_reference(env, self, 1, &j->self_ref) != napi_ok) || !submit(env, j, name)) {
		destroy(env, j);
		return false;
	}
	return true;
}

napi_value rvn_job_drop(napi_env env, rvn_job *j)
{
	destroy(env, j);
	return NULL;
}

napi_value rvn_rejected(napi_env env, int code, const char *msg)
{
	napi_deferred d;
	napi_value promise;
	RVN_CALL(env, napi_create_promise(env, &d, &promise), NULL);
	napi_value err = rvn_make_error(env, code, msg);
	if (!err)
		return NULL;
	RVN_CALL(env, napi_reject_deferred(env, d, err), NULL);
	return promise;
}

napi_value rvn_job_reject(napi_env env, rvn_job *j, int code, const char *msg)
{
	destroy(env, j);
	return rvn_rejected(env, code, msg);
}
