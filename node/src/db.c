/*
 * db.c: the native Database class, over the core's database API (a
 * directory of named collections that survive the process: rv_db_*).
 *
 *   const db = new Database();
 *   await db.open(path, flags, durability, syncIntervalMs, checkpointBytes);
 *   const c = await db.createCollection(name, {dim, metric, ...});
 *   const c2 = await db.openCollection(name);
 *   await db.dropCollection(name); await db.listCollections();
 *   await db.backup(dest); await db.close();
 *   await checkDatabase(path)  -> {ok, code, problem}
 *
 * Every call that touches the disk runs as napi async work and returns a
 * Promise: opening replays a log, closing may checkpoint. The core's
 * messages are thread-local (rv_errmsg(NULL) for rv_db_open, rv_db_errmsg()
 * for the rest), so each job copies its message on the worker thread.
 *
 * Collections. create/openCollection resolve to a native Collection (the
 * same class as in-memory ones, addon.c) built around the core's handle:
 * the job passes the handle to the Collection constructor inside an
 * external that only this file makes (type-tagged, used once), so JS code
 * cannot forge one. The collection keeps a strong reference to the
 * Database's JS object and sits on its list of children (see addon.h for
 * the lifetime rules). Freeing a persistent collection closes its log and
 * may checkpoint; rvn_queue_free() runs that on a worker thread.
 *
 * Ordering. The core's database calls take the database's own lock, but
 * two creates of one name, or a close during a create, make no sense at
 * once: lib/database.js chains database calls so that one runs at a time,
 * and close() here refuses (RV_EBUSY) while any job of the database or of
 * one of its collections is in flight, instead of freeing under it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addon.h"

static const napi_type_tag db_tag = {0x7275766563746f72ull, 0x64622e7630310000ull};
static const napi_type_tag ticket_tag = {0x7275766563746f72ull, 0x7469636b65743031ull};

/* What the Collection constructor adopts. */
typedef struct ticket {
	rv_collection *c;  /* the core's handle, opened through owner */
	rvn_db *owner;
	napi_value db_obj; /* valid during the synchronous constructor call */
	bool used;
} ticket;

typedef enum dj_kind { DJ_OPEN, DJ_CLOSE, DJ_CREATE, DJ_OPEN_COLL, DJ_DROP, DJ_LIST, DJ_BACKUP, DJ_CHECK, DJ_FREE } dj_kind;

typedef struct djob {
	napi_async_work work;
	napi_deferred deferred;
	napi_ref self_ref;   /* the Database (or, for DJ_FREE, the Collection) */
	rvn_db *rd;          /* NULL for DJ_CHECK and DJ_FREE */
	rvn_coll *rc;        /* DJ_FREE */
	dj_kind kind;
	int err;
	char msg[512];
	/* inputs */
	char *path;          /* DJ_OPEN, DJ_BACKUP, DJ_CHECK */
	char *name;          /* collection name */
	rv_options opts;     /* DJ_CREATE */
	rv_db_options dbo;   /* DJ_OPEN */
	/* outputs */
	rv_db *db_out;
	rv_collection *coll_out;
	char *names;         /* DJ_LIST: NUL-separated */
	int n_names;
	char problem[512];   /* DJ_CHECK */
} djob;

static void djob_free(djob *j)
{
	free(j->path);
	free(j->name);
	free(j->names);
	free(j);
}

static void fail_db(djob *j, int err)
{
	j->err = err;
	snprintf(j->msg, sizeof j->msg, "%s", j->rd && j->rd->db ? rv_db_errmsg(j->rd->db) : rv_errmsg(NULL));
}

/* ---- worker thread ---- */

static void list_names(djob *j)
{
	size_t need = 0;
	int n = rv_db_list_collections(j->rd->db, NULL, 0, &need);
	if (n < 0 && n != RV_ERANGE) {
		fail_db(j, n);
		return;
	}
	for (int attempt = 0; attempt < 4; attempt++) {
		j->names = malloc(need ? need : 1);
		if (!j->names) {
			j->err = RV_ENOMEM;
			snprintf(j->msg, sizeof j->msg, "out of memory listing collections");
			return;
		}
		n = need ? rv_db_list_collections(j->rd->db, j->names, need, &need) : 0;
		if (n >= 0) {
			j->n_names = n;
			return;
		}
		free(j->names);
		j->names = NULL;
		if (n != RV_ERANGE) { /* a collection created meanwhile: retry */
			fail_db(j, n);
			return;
		}
	}
	j->err = RV_EBUSY;
	snprintf(j->msg, sizeof j->msg, "the collections kept changing while being listed");
}

static void execute(napi_env env, void *data)
{
	(void)env;
	djob *j = data;
	int rc = RV_OK;
	switch (j->kind) {
	case DJ_OPEN:
		rc = rv_db_open(j->path, &j->dbo, &j->db_out);
		if (rc != RV_OK) {
			j->err = rc;
			snprintf(j->msg, sizeof j->msg, "%s", rv_errmsg(NULL));
		}
		break;
	case DJ_CLOSE:
		/* the handle is freed whatever this returns */
		rc = rv_db_close(j->rd->db);
		if (rc != RV_OK) {
			j->err = rc;
			snprintf(j->msg, sizeof j->msg, "%s", rv_strerror(rc));
		}
		break;
	case DJ_CREATE:
		if ((rc = rv_db_create_collection(j->rd->db, j->name, &j->opts, &j->coll_out)) != RV_OK)
			fail_db(j, rc);
		break;
	case DJ_OPEN_COLL:
		if ((rc = rv_db_open_collection(j->rd->db, j->name, &j->coll_out)) != RV_OK)
			fail_db(j, rc);
		break;
	case DJ_DROP:
		if ((rc = rv_db_drop_collection(j->rd->db, j->name)) != RV_OK)
			fail_db(j, rc);
		break;
	case DJ_LIST:
		list_names(j);
		break;
	case DJ_BACKUP:
		if ((rc = rv_db_backup(j->rd->db, j->path)) != RV_OK)
			fail_db(j, rc);
		break;
	case DJ_CHECK:
		/* a finding is a result, not a failure */
		j->err = rv_db_check(j->path, j->problem, sizeof j->problem);
		break;
	case DJ_FREE:
		rv_collection_free(j->rc->c);
		break;
	}
}

/* ---- JS thread ---- */

static rvn_db *db_this(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv, napi_value *self)
{
	napi_value this_arg;
	size_t zero = 0;
	if (napi_get_cb_info(env, info, argc ? argc : &zero, argv, &this_arg, NULL) != napi_ok)
		return NULL;
	bool ok = false;
	napi_valuetype t;
	if (napi_typeof(env, this_arg, &t) != napi_ok)
		return NULL;
	if (t == napi_object && napi_check_object_type_tag(env, this_arg, &db_tag, &ok) != napi_ok)
		return NULL;
	void *p = NULL;
	if (!ok || napi_unwrap(env, this_arg, &p) != napi_ok || !p) {
		rvn_throw_type(env, "ERR_INVALID_THIS", "the receiver is not a native ruvector Database");
		return NULL;
	}
	if (self)
		*self = this_arg;
	return p;
}

/* The database must be open and not closing. */
static bool db_ready(napi_env env, rvn_db *rd)
{
	if (rd->closed || !rd->db) {
		napi_throw_error(env, RVN_ECLOSED_NAME, rd->closed ? "the database is closed" : "the database is not open");
		return false;
	}
	return true;
}

/* Build the Collection object that adopts `c` (resolves the create/open
 * Promise). NULL with an exception pending when that fails. */
static napi_value adopt_new(napi_env env, napi_value db_obj, rvn_db *rd, rv_collection *c)
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

bool rvn_adopt(napi_env env, napi_value ext, napi_value self, rvn_coll *rc)
{
	bool ok = false;
	void *p = NULL;
	if (napi_check_object_type_tag(env, ext, &ticket_tag, &ok) != napi_ok)
		return false;
	if (!ok || napi_get_value_external(env, ext, &p) != napi_ok || !p || ((ticket *)p)->used) {
		rvn_throw_type(env, "ERR_INVALID_ARG_TYPE", "options must be an object");
		return false;
	}
	(void)self;
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

static void settle_waiter(napi_env env, rvn_coll *rc, napi_value err)
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

/* Complete a DJ_FREE job: the persistent collection's handle is gone. */
static void complete_free(napi_env env, djob *j)
{
	rvn_coll *rc = j->rc;
	rc->c = NULL;
	rc->freeing = false;
	rvn_count_collection_freed();
	rvn_coll_detach(env, rc);
	settle_waiter(env, rc, NULL);
}

static void complete(napi_env env, napi_status status, void *data)
{
	djob *j = data;
	napi_value value = NULL, self = NULL;
	bool ok = false;
	if (j->self_ref)
		napi_get_reference_value(env, j->self_ref, &self);
	rvn_db *rd = j->rd;
	if (rd)
		rd->pending--;
	if (j->kind == DJ_FREE) {
		complete_free(env, j);
		goto done;
	}
	if (status == napi_cancelled && j->err == RV_OK) {
		j->err = RV_EINVAL;
		snprintf(j->msg, sizeof j->msg, "the operation was cancelled");
	}
	if (j->kind == DJ_OPEN) {
		rd->opening = false;
		if (j->err == RV_OK) {
			rd->db = j->db_out;
			rd->readonly = (j->dbo.flags & RV_DB_READONLY) != 0;
		}
	}
	if (j->kind == DJ_CLOSE)
		rd->db = NULL; /* freed whatever the result */
	if (j->kind == DJ_CHECK) {
		/* {ok, code, problem} */
		napi_value v;
		if (napi_create_object(env, &value) == napi_ok && napi_get_boolean(env, j->err == RV_OK, &v) == napi_ok &&
		    napi_set_named_property(env, value, "ok", v) == napi_ok &&
		    napi_create_string_utf8(env, j->err == RV_OK ? "" : rvn_code_name(j->err), NAPI_AUTO_LENGTH, &v) ==
		        napi_ok &&
		    napi_set_named_property(env, value, "code", v) == napi_ok &&
		    napi_create_string_utf8(env, j->problem, NAPI_AUTO_LENGTH, &v) == napi_ok &&
		    napi_set_named_property(env, value, "problem", v) == napi_ok)
			ok = true;
	} else if (j->err != RV_OK) {
		value = rvn_make_error(env, j->err, j->msg);
	} else {
		switch (j->kind) {
		case DJ_CREATE:
		case DJ_OPEN_COLL:
			value = adopt_new(env, self, rd, j->coll_out);
			if (!value) {
				/* the handle would leak in the database until close: free it */
				rv_collection_free(j->coll_out);
				bool pending = false;
				if (napi_is_exception_pending(env, &pending) == napi_ok && pending)
					napi_get_and_clear_last_exception(env, &value);
				else
					value = rvn_make_error(env, RV_ENOMEM, "cannot make the collection object");
			} else {
				ok = true;
			}
			break;
		case DJ_LIST: {
			if (napi_create_array_with_length(env, (size_t)j->n_names, &value) != napi_ok)
				break;
			const char *p = j->names;
			ok = true;
			for (int i = 0; i < j->n_names; i++, p += strlen(p) + 1) {
				napi_value s;
				if (napi_create_string_utf8(env, p, NAPI_AUTO_LENGTH, &s) != napi_ok ||
				    napi_set_element(env, value, (uint32_t)i, s) != napi_ok) {
					ok = false;
					break;
				}
			}
			break;
		}
		default:
			ok = napi_get_undefined(env, &value) == napi_ok;
			break;
		}
	}
	if (!value)
		napi_get_undefined(env, &value);
	if (ok)
		napi_resolve_deferred(env, j->deferred, value);
	else
		napi_reject_deferred(env, j->deferred, value);
done:
	napi_delete_async_work(env, j->work);
	if (j->self_ref)
		napi_delete_reference(env, j->self_ref);
	if (rd && rd->finalized && rd->pending == 0) {
		/* only at environment shutdown: jobs hold references otherwise */
		if (rd->db)
			rv_db_close(rd->db);
		free(rd);
	}
	djob_free(j);
}

/* Queue `j` and return its Promise; frees j and returns NULL on failure. */
static napi_value queue(napi_env env, napi_value self, djob *j, const char *name, napi_deferred *deferred_out)
{
	napi_value promise = NULL, resource;
	if (self && napi_create_reference(env, self, 1, &j->self_ref) != napi_ok)
		goto fail;
	if (deferred_out) {
		j->deferred = *deferred_out;
	} else if (napi_create_promise(env, &j->deferred, &promise) != napi_ok) {
		goto fail;
	}
	if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource) != napi_ok ||
	    napi_create_async_work(env, NULL, resource, execute, complete, j, &j->work) != napi_ok)
		goto fail_deferred;
	if (napi_queue_async_work(env, j->work) != napi_ok) {
		napi_delete_async_work(env, j->work);
		goto fail_deferred;
	}
	if (j->rd)
		j->rd->pending++;
	if (!promise)
		napi_get_undefined(env, &promise);
	return promise;
fail_deferred:
	if (j->deferred && !deferred_out)
		napi_reject_deferred(env, j->deferred, rvn_make_error(env, RV_ENOMEM, "cannot queue async work"));
fail:
	if (j->self_ref)
		napi_delete_reference(env, j->self_ref);
	djob_free(j);
	return NULL;
}

static djob *djob_new(napi_env env, rvn_db *rd, dj_kind kind)
{
	djob *j = calloc(1, sizeof *j);
	if (!j) {
		rvn_throw_rv(env, RV_ENOMEM, "out of memory for a job");
		return NULL;
	}
	j->rd = rd;
	j->kind = kind;
	return j;
}

bool rvn_queue_free(napi_env env, napi_value self, rvn_coll *rc)
{
	if (!self)
		return false;
	djob *j = calloc(1, sizeof *j);
	if (!j)
		return false;
	j->kind = DJ_FREE;
	j->rc = rc;
	napi_value promise, resource;
	if (napi_create_reference(env, self, 1, &j->self_ref) != napi_ok)
		goto fail;
	if (napi_create_promise(env, &j->deferred, &promise) != napi_ok)
		goto fail;
	/* nobody awaits this Promise: close()'s own one (close_waiter) is settled */
	if (napi_create_string_utf8(env, "ruvector.closeCollection", NAPI_AUTO_LENGTH, &resource) != napi_ok ||
	    napi_create_async_work(env, NULL, resource, execute, complete, j, &j->work) != napi_ok)
		goto fail_resolve;
	if (napi_queue_async_work(env, j->work) != napi_ok) {
		napi_delete_async_work(env, j->work);
		goto fail_resolve;
	}
	rc->freeing = true;
	return true;
fail_resolve: {
	napi_value undef;
	napi_get_undefined(env, &undef);
	napi_resolve_deferred(env, j->deferred, undef);
}
fail:
	if (j->self_ref)
		napi_delete_reference(env, j->self_ref);
	free(j);
	return false;
}

/* ---- the Database class ---- */

static void db_finalize(napi_env env, void *data, void *hint)
{
	(void)env;
	(void)hint;
	rvn_db *rd = data;
	rd->finalized = true;
	if (rd->pending)
		return; /* shutdown with a job in flight: its completion frees */
	/* Children still listed here exist only at environment shutdown (each
	 * holds a reference to us otherwise): rv_db_close() frees their
	 * handles, so forget them. */
	for (rvn_coll *c = rd->children; c; c = c->next) {
		if (c->c) {
			c->c = NULL;
			rvn_count_collection_freed();
		}
		c->owner = NULL;
	}
	if (rd->db)
		rv_db_close(rd->db);
	free(rd);
}

static napi_value db_new(napi_env env, napi_callback_info info)
{
	napi_value self, target;
	size_t argc = 0;
	if (napi_get_cb_info(env, info, &argc, NULL, &self, NULL) != napi_ok ||
	    napi_get_new_target(env, info, &target) != napi_ok)
		return NULL;
	if (!target) {
		rvn_throw_type(env, "ERR_CONSTRUCT_CALL_REQUIRED", "Database must be called with new");
		return NULL;
	}
	rvn_db *rd = calloc(1, sizeof *rd);
	if (!rd) {
		rvn_throw_rv(env, RV_ENOMEM, "out of memory creating a database");
		return NULL;
	}
	if (napi_wrap(env, self, rd, db_finalize, NULL, NULL) != napi_ok) {
		free(rd);
		return NULL;
	}
	if (napi_type_tag_object(env, self, &db_tag) != napi_ok)
		return NULL;
	return self;
}

/* open(path, flags, durability, syncIntervalMs, checkpointBytes) -> Promise<undefined>
 * flags: 1 create, 2 read-only; durability 0 full, 1 normal, 2 off. */
static napi_value db_open(napi_env env, napi_callback_info info)
{
	size_t argc = 5;
	napi_value argv[5], self;
	rvn_db *rd = db_this(env, info, &argc, argv, &self);
	if (!rd)
		return NULL;
	if (argc < 5) {
		rvn_throw_type(env, "ERR_MISSING_ARGS", "open(path, flags, durability, syncIntervalMs, checkpointBytes)");
		return NULL;
	}
	if (rd->db || rd->opening || rd->closed) {
		rvn_throw_rv(env, RV_EBUSY, rd->closed ? "the database is closed" : "the database is already open");
		return NULL;
	}
	uint64_t flags, dur, ms, cp;
	if (!rvn_get_uint(env, argv[1], "flags", 0, 3, &flags) || !rvn_get_uint(env, argv[2], "durability", 0, 2, &dur) ||
	    !rvn_get_uint(env, argv[3], "syncIntervalMs", 0, 4294967295.0, &ms) ||
	    !rvn_get_uint(env, argv[4], "checkpointBytes", 0, 9007199254740991.0, &cp))
		return NULL;
	djob *j = djob_new(env, rd, DJ_OPEN);
	if (!j)
		return NULL;
	size_t len;
	if (!rvn_get_string(env, argv[0], "path", &j->path, &len)) {
		djob_free(j);
		return NULL;
	}
	if (strlen(j->path) != len) {
		djob_free(j);
		rvn_throw_rv(env, RV_EINVAL, "path contains a NUL character");
		return NULL;
	}
	rv_db_options_init(&j->dbo);
	j->dbo.flags = (uint32_t)flags;
	j->dbo.durability = (rv_durability)dur;
	j->dbo.sync_interval_ms = (uint32_t)ms;
	j->dbo.checkpoint_bytes = cp;
	napi_value p = queue(env, self, j, "ruvector.openDatabase", NULL);
	if (p)
		rd->opening = true;
	return p;
}

/* close() -> Promise<undefined>. Children still open are closed with it;
 * refused while a job of the database or of a child is in flight. */
static napi_value db_close(napi_env env, napi_callback_info info)
{
	napi_value self;
	rvn_db *rd = db_this(env, info, NULL, NULL, &self);
	if (!rd)
		return NULL;
	if (rd->opening || rd->pending) {
		rvn_throw_rv(env, RV_EBUSY, "the database has an operation in flight");
		return NULL;
	}
	for (rvn_coll *c = rd->children; c; c = c->next) {
		if (c->pending || c->freeing) {
			rvn_throw_rv(env, RV_EBUSY, "a collection of this database has an operation in flight; close it first");
			return NULL;
		}
	}
	rd->closed = true;
	if (!rd->db) {
		napi_deferred d;
		napi_value promise, undef;
		RVN_CALL(env, napi_create_promise(env, &d, &promise), NULL);
		napi_get_undefined(env, &undef);
		napi_resolve_deferred(env, d, undef);
		return promise;
	}
	/* rv_db_close() frees the children still open: forget their handles. */
	while (rd->children) {
		rvn_coll *c = rd->children;
		if (c->c) {
			c->c = NULL;
			rvn_count_collection_freed();
		}
		c->closed = true;
		settle_waiter(env, c, NULL);
		rvn_coll_detach(env, c);
	}
	djob *j = djob_new(env, rd, DJ_CLOSE);
	if (!j)
		return NULL;
	return queue(env, self, j, "ruvector.closeDatabase", NULL);
}

/* A job on an open database taking a collection name at argv[0]. */
static napi_value name_job(napi_env env, napi_callback_info info, dj_kind kind, const char *res, size_t want)
{
	size_t argc = 2;
	napi_value argv[2], self;
	rvn_db *rd = db_this(env, info, &argc, argv, &self);
	if (!rd || !db_ready(env, rd))
		return NULL;
	if (argc < want) {
		rvn_throw_type(env, "ERR_MISSING_ARGS", kind == DJ_CREATE ? "createCollection(name, options)" : "(name)");
		return NULL;
	}
	djob *j = djob_new(env, rd, kind);
	if (!j)
		return NULL;
	size_t len;
	if (want >= 1) {
		char **dst = kind == DJ_BACKUP ? &j->path : &j->name;
		if (!rvn_get_string(env, argv[0], kind == DJ_BACKUP ? "dest" : "name", dst, &len)) {
			djob_free(j);
			return NULL;
		}
		if (strlen(*dst) != len) {
			djob_free(j);
			rvn_throw_rv(env, RV_EINVAL, "the name contains a NUL character");
			return NULL;
		}
	}
	if (kind == DJ_CREATE) {
		napi_valuetype t;
		if (napi_typeof(env, argv[1], &t) != napi_ok || t != napi_object) {
			djob_free(j);
			rvn_throw_type(env, "ERR_INVALID_ARG_TYPE", "options must be an object");
			return NULL;
		}
		if (!rvn_read_options(env, argv[1], &j->opts)) {
			djob_free(j);
			return NULL;
		}
	}
	return queue(env, self, j, res, NULL);
}

static napi_value db_create(napi_env env, napi_callback_info info)
{
	return name_job(env, info, DJ_CREATE, "ruvector.createCollection", 2);
}
static napi_value db_open_coll(napi_env env, napi_callback_info info)
{
	return name_job(env, info, DJ_OPEN_COLL, "ruvector.openCollection", 1);
}
static napi_value db_drop(napi_env env, napi_callback_info info)
{
	return name_job(env, info, DJ_DROP, "ruvector.dropCollection", 1);
}
static napi_value db_list(napi_env env, napi_callback_info info)
{
	return name_job(env, info, DJ_LIST, "ruvector.listCollections", 0);
}
static napi_value db_backup(napi_env env, napi_callback_info info)
{
	return name_job(env, info, DJ_BACKUP, "ruvector.backup", 1);
}

static napi_value db_is_open(napi_env env, napi_callback_info info)
{
	rvn_db *rd = db_this(env, info, NULL, NULL, NULL);
	if (!rd)
		return NULL;
	napi_value out;
	RVN_CALL(env, napi_get_boolean(env, rd->db != NULL && !rd->closed, &out), NULL);
	return out;
}

/* checkDatabase(path) -> Promise<{ok, code, problem}> (rv_db_check) */
static napi_value mod_check(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1];
	RVN_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL), NULL);
	if (argc < 1) {
		rvn_throw_type(env, "ERR_MISSING_ARGS", "checkDatabase(path)");
		return NULL;
	}
	djob *j = djob_new(env, NULL, DJ_CHECK);
	if (!j)
		return NULL;
	size_t len;
	if (!rvn_get_string(env, argv[0], "path", &j->path, &len)) {
		djob_free(j);
		return NULL;
	}
	return queue(env, NULL, j, "ruvector.checkDatabase", NULL);
}

/* storage() on a Collection: {generation, segmentBytes, walBytes,
 * formatVersion, durability, persistent} (synchronous: a mutex and a stat). */
napi_value rvn_storage(napi_env env, napi_callback_info info)
{
	rvn_coll *rc = rvn_this(env, info, NULL, NULL, NULL, true);
	if (!rc)
		return NULL;
	rv_storage_stats st;
	rv_collection_storage(rc->c, &st);
	static const char *const dur[] = {"full", "normal", "off"};
	napi_value out, v;
	RVN_CALL(env, napi_create_object(env, &out), NULL);
	struct {
		const char *name;
		double x;
	} nums[] = {{"generation", (double)st.generation},
	            {"segmentBytes", (double)st.segment_bytes},
	            {"walBytes", (double)st.wal_bytes},
	            {"formatVersion", st.format_version}};
	for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		RVN_CALL(env, napi_create_double(env, nums[i].x, &v), NULL);
		RVN_CALL(env, napi_set_named_property(env, out, nums[i].name, v), NULL);
	}
	const char *d = (unsigned)st.durability <= RV_SYNC_OFF ? dur[st.durability] : "?";
	RVN_CALL(env, napi_create_string_utf8(env, rc->owner ? d : "none", NAPI_AUTO_LENGTH, &v), NULL);
	RVN_CALL(env, napi_set_named_property(env, out, "durability", v), NULL);
	RVN_CALL(env, napi_get_boolean(env, rc->owner != NULL, &v), NULL);
	RVN_CALL(env, napi_set_named_property(env, out, "persistent", v), NULL);
	return out;
}

#define METHOD(name, fn) {name, NULL, fn, NULL, NULL, NULL, napi_default_method, NULL}

bool rvn_db_init(napi_env env, napi_value exports)
{
	napi_property_descriptor methods[] = {
		METHOD("open", db_open),
		METHOD("close", db_close),
		METHOD("createCollection", db_create),
		METHOD("openCollection", db_open_coll),
		METHOD("dropCollection", db_drop),
		METHOD("listCollections", db_list),
		METHOD("backup", db_backup),
		METHOD("isOpen", db_is_open),
	};
	napi_value cls;
	if (napi_define_class(env, "Database", NAPI_AUTO_LENGTH, db_new, NULL, sizeof methods / sizeof methods[0],
	                      methods, &cls) != napi_ok)
		return false;
	napi_property_descriptor fns[] = {
		{"Database", NULL, NULL, NULL, NULL, cls, napi_enumerable, NULL},
		METHOD("checkDatabase", mod_check),
	};
	return napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns) == napi_ok;
}
