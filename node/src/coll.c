/*
 * coll.c: the life of a native collection: wrapping, the receiver check,
 * jobs' release, close(), the finalizer, the job that frees a persistent
 * collection off the JS thread, and adoption of a handle opened through a
 * Database. The rules are in coll.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coll.h"
#include "job.h"

/* Distinguishes our wrapped objects from any other napi_wrap'd object, so a
 * method called with a foreign `this` throws instead of misreading memory. */
static const napi_type_tag coll_tag = {0x7275766563746f72ull, 0x636f6c6c2e763031ull};
static const napi_type_tag ticket_tag = {0x7275766563746f72ull, 0x7469636b65743031ull};

void rvn_coll_free_now(rvn_coll *rc)
{
	if (rc->c) {
		rv_collection_free(rc->c);
		rc->c = NULL;
		rvn_count_collection_freed();
	}
}

void rvn_coll_forget(rvn_coll *rc)
{
	if (rc->c) {
		rc->c = NULL;
		rvn_count_collection_freed();
	}
}

void rvn_coll_detach(napi_env env, rvn_coll *rc)
{
	rvn_db *rd = rc->owner;
	if (!rd)
		return;
	if (rc->prev)
		rc->prev->next = rc->next;
	else
		rd->children = rc->next;
	if (rc->next)
		rc->next->prev = rc->prev;
	rc->prev = rc->next = NULL;
	rc->owner = NULL;
	if (rc->owner_ref) {
		napi_delete_reference(env, rc->owner_ref);
		rc->owner_ref = NULL;
	}
}

void rvn_coll_settle_waiter(napi_env env, rvn_coll *rc, napi_value err)
{
	if (!rc->close_waiter)
		return;
	if (err) {
		napi_reject_deferred(env, rc->close_waiter, err);
	} else {
		napi_value undef;
		napi_get_undefined(env, &undef);
		napi_resolve_deferred(env, rc->close_waiter, undef);
	}
	rc->close_waiter = NULL;
}

/* ---- the free job: rv_collection_free of a persistent collection ---- */

typedef struct free_job {
	rvn_job base;
	rvn_coll *rc;
} free_job;

static void free_execute(rvn_job *j) { rv_collection_free(((free_job *)j)->rc->c); }

/* The handle is gone: account for it and resolve close()'s Promise. */
static void free_finish(napi_env env, rvn_job *j, napi_value self)
{
	(void)self;
	rvn_coll *rc = ((free_job *)j)->rc;
	rc->c = NULL;
	rc->freeing = false;
	rvn_count_collection_freed();
	rvn_coll_detach(env, rc);
	rvn_coll_settle_waiter(env, rc, NULL);
}

static void free_destroy(rvn_job *j) { free(j); }

static const rvn_job_ops free_ops = {.execute = free_execute, .finish = free_finish, .destroy = free_destroy};

/* Queue the job that frees a persistent collection (rc->pending == 0,
 * rc->closed); `self` is its JS object. */
static bool queue_free(napi_env env, napi_value self, rvn_coll *rc)
{
	if (!self)
		return false;
	free_job *j = calloc(1, sizeof *j);
	if (!j)
		return false;
	j->base.ops = &free_ops;
	j->rc = rc;
	if (!rvn_job_start(env, self, &j->base, "ruvector.closeCollection"))
		return false;
	rc->freeing = true;
	return true;
}

/* Free a handle whose last job has finished: an in-memory one at once; a
 * persistent one on a worker thread (closing its log may checkpoint). The
 * free job needs the JS object, which every job held until now. */
static void retire(napi_env env, rvn_coll *rc, napi_value self)
{
	if (!rc->owner || !rc->c) {
		rvn_coll_free_now(rc);
		if (rc->owner)
			rvn_coll_detach(env, rc);
		return;
	}
	if (!rc->freeing && !queue_free(env, self, rc)) {
		/* Could not queue (out of memory, shutting down): free here. */
		rvn_coll_free_now(rc);
		rvn_coll_detach(env, rc);
	}
}

void rvn_release(napi_env env, rvn_coll *rc, napi_value self)
{
	rc->pending--;
	if (rc->pending != 0)
		return;
	if (rc->finalized) {
		/* Only at environment shutdown: jobs hold references otherwise. */
		rvn_coll_free_now(rc);
		rvn_coll_detach(env, rc);
		free(rc);
		return;
	}
	if (rc->closed)
		retire(env, rc, self);
}

/* close(): refuse further calls now; free the C handle now, or when the
 * last job in flight completes. Idempotent. An in-memory collection returns
 * undefined; a persistent one returns a Promise that resolves once its
 * handle is freed (its log closed, perhaps after a checkpoint). */
napi_value rvn_coll_close(napi_env env, napi_callback_info info)
{
	napi_value self;
	rvn_coll *rc = rvn_this(env, info, NULL, NULL, &self, false);
	if (!rc)
		return NULL;
	rc->closed = true;
	napi_value out;
	if (!rc->owner && !rc->freeing) {
		if (rc->pending == 0)
			rvn_coll_free_now(rc);
		RVN_CALL(env, napi_get_undefined(env, &out), NULL);
		return out;
	}
	if (!rc->c && !rc->freeing) {
		/* already freed (or closed with its database) */
		napi_deferred d;
		RVN_CALL(env, napi_create_promise(env, &d, &out), NULL);
		napi_value undef;
		napi_get_undefined(env, &undef);
		napi_resolve_deferred(env, d, undef);
		return out;
	}
	if (rc->close_waiter) {
		/* a second close() while the first waits: one waiter only */
		rvn_throw_rv(env, RV_EBUSY, "close() is already in progress");
		return NULL;
	}
	RVN_CALL(env, napi_create_promise(env, &rc->close_waiter, &out), NULL);
	if (rc->pending == 0 && !rc->freeing)
		retire(env, rc, self);
	return out;
}

/* The JS object was collected, or the environment is shutting down. Jobs in
 * flight hold references, so pending > 0 happens only at shutdown: then a
 * worker thread may still be inside the C core, and the handle is left to
 * the job's completion (which may never come: a leak at exit, not a crash).
 * A persistent collection dropped without close() is freed here, on the JS
 * thread: close it to keep that off the event loop. */
static void coll_finalize(napi_env env, void *data, void *hint)
{
	(void)hint;
	rvn_coll *rc = data;
	rc->finalized = true;
	if (rc->pending == 0 && !rc->freeing) {
		rvn_coll_free_now(rc);
		rvn_coll_detach(env, rc);
		free(rc);
	}
}

bool rvn_coll_wrap(napi_env env, napi_value self, rvn_coll *rc)
{
	if (napi_wrap(env, self, rc, coll_finalize, NULL, NULL) != napi_ok) {
		rvn_coll_free_now(rc);
		rvn_coll_detach(env, rc);
		free(rc);
		return false;
	}
	return napi_type_tag_object(env, self, &coll_tag) == napi_ok; /* else the wrap's finalizer frees rc */
}

rvn_coll *rvn_this(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv, napi_value *self,
                   bool need_open)
{
	napi_value this_arg;
	size_t zero = 0;
	if (napi_get_cb_info(env, info, argc ? argc : &zero, argv, &this_arg, NULL) != napi_ok)
		return NULL;
	bool ok = false;
	napi_valuetype t;
	if (napi_typeof(env, this_arg, &t) != napi_ok)
		return NULL;
	if (t == napi_object && napi_check_object_type_tag(env, this_arg, &coll_tag, &ok) != napi_ok)
		return NULL;
	if (!ok) {
		rvn_throw_type(env, "ERR_INVALID_THIS", "the receiver is not a native ruvector Collection");
		return NULL;
	}
	void *p = NULL;
	if (napi_unwrap(env, this_arg, &p) != napi_ok || !p) {
		rvn_throw_type(env, "ERR_INVALID_THIS", "the receiver is not a native ruvector Collection");
		return NULL;
	}
	rvn_coll *rc = p;
	if (need_open && (rc->closed || !rc->c)) {
		rvn_throw_closed(env);
		return NULL;
	}
	if (self)
		*self = this_arg;
	return rc;
}

/* ---- adoption of a handle opened through a Database ---- */

/* What the Collection constructor adopts. */
typedef struct ticket {
	rv_collection *c;  /* the core's handle, opened through owner */
	rvn_db *owner;
	napi_value db_obj; /* valid during the synchronous constructor call */
	bool used;
} ticket;

napi_value rvn_coll_adopt_new(napi_env env, napi_value db_obj, rvn_db *rd, rv_collection *c)
{
	rvn_env_state *st = rvn_env(env);
	napi_value cls, ext, obj;
	ticket t = {c, rd, db_obj, false};
	if (!st || !st->coll_class || napi_get_reference_value(env, st->coll_class, &cls) != napi_ok)
		return NULL;
	if (napi_create_external(env, &t, NULL, NULL, &ext) != napi_ok ||
	    napi_type_tag_object(env, ext, &ticket_tag) != napi_ok)
		return NULL;
	if (napi_new_instance(env, cls, 1, &ext, &obj) != napi_ok)
		return NULL;
	return t.used ? obj : NULL;
}

bool rvn_adopt(napi_env env, napi_value ext, rvn_coll *rc)
{
	bool ok = false;
	void *p = NULL;
	if (napi_check_object_type_tag(env, ext, &ticket_tag, &ok) != napi_ok)
		return false;
	if (!ok || napi_get_value_external(env, ext, &p) != napi_ok || !p || ((ticket *)p)->used) {
		rvn_throw_type(env, "ERR_INVALID_ARG_TYPE", "options must be an object");
		return false;
	}
	ticket *t = p;
	if (napi_create_reference(env, t->db_obj, 1, &rc->owner_ref) != napi_ok)
		return false;
	rv_options o;
	rv_collection_options(t->c, &o);
	rc->c = t->c;
	rc->dim = o.dim;
	rc->metric = o.metric;
	rc->owner = t->owner;
	rc->next = t->owner->children;
	if (rc->next)
		rc->next->prev = rc;
	t->owner->children = rc;
	t->used = true;
	rvn_count_collection();
	return true;
}
