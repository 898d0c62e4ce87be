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
 * Every call that touches the disk runs as an async job (job.h) and
 * returns a Promise: opening replays a log, closing may checkpoint. The
 * core's messages are thread-local (rv_errmsg(NULL) for rv_db_open,
 * rv_db_errmsg() for the rest), so each job copies its message on the
 * worker thread.
 *
 * Collections. create/openCollection resolve to a native Collection (the
 * same class as in-memory ones, addon.c) built around the core's handle by
 * rvn_coll_adopt_new (coll.c). The collection keeps a strong reference to
 * the Database's JS object and sits on its list of children (see coll.h for
 * the lifetime rules).
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

#include "args.h"
#include "coll.h"
#include "db.h"
#include "job.h"

static const napi_type_tag db_tag = {0x7275766563746f72ull, 0x64622e7630310000ull};

typedef enum dj_kind { DJ_OPEN, DJ_CLOSE, DJ_CREATE, DJ_OPEN_COLL, DJ_DROP, DJ_LIST, DJ_BACKUP, DJ_CHECK } dj_kind;

typedef struct djob {
	rvn_job base;        /* first; its self is the Database (none for DJ_CHECK) */
	rvn_db *rd;          /* NULL for DJ_CHECK */
	dj_kind kind;
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
	int check_rc;        /* DJ_CHECK: rv_db_check's result */
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
	j->base.err = err;
	snprintf(j->base.msg, sizeof j->base.msg, "%s", j->rd && j->rd->db ? rv_db_errmsg(j->rd->db) : rv_errmsg(NULL));
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
			j->base.err = RV_ENOMEM;
			snprintf(j->base.msg, sizeof j->base.msg, "out of memory listing collections");
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
	j->base.err = RV_EBUSY;
	snprintf(j->base.msg, sizeof j->base.msg, "the collections kept changing while being listed");
}

static void execute(rvn_job *base)
{
	djob *j = (djob *)base;
	int rc = RV_OK;
	switch (j->kind) {
	case DJ_OPEN:
		rc = rv_db_open(j->path, &j->dbo, &j->db_out);
		if (rc != RV_OK) {
			base->err = rc;
			snprintf(base->msg, sizeof base->msg, "%s", rv_errmsg(NULL));
		}
		break;
	case DJ_CLOSE:
		/* the handle is freed whatever this returns */
		rc = rv_db_close(j->rd->db);
		if (rc != RV_OK) {
			base->err = rc;
			snprintf(base->msg, sizeof base->msg, "%s", rv_strerror(rc));
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
		j->check_rc = rv_db_check(j->path, j->problem, sizeof j->problem);
		break;
	}
}

/* ---- the receiver ---- */

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

/* ---- completion (JS thread) ---- */

/* State that changes whatever the outcome. */
static void finish(napi_env env, rvn_job *base, napi_value self)
{
	(void)env;
	(void)self;
	djob *j = (djob *)base;
	if (j->kind == DJ_OPEN) {
		j->rd->opening = false;
		if (base->err == RV_OK) {
			j->rd->db = j->db_out;
			j->rd->readonly = (j->dbo.flags & RV_DB_READONLY) != 0;
		}
	}
	if (j->kind == DJ_CLOSE)
		j->rd->db = NULL; /* freed whatever the result */
}

/* {ok, code, problem} of checkDatabase() */
static napi_value check_result(napi_env env, djob *j)
{
	napi_value out, v;
	RVN_CALL(env, napi_create_object(env, &out), NULL);
	RVN_CALL(env, napi_get_boolean(env, j->check_rc == RV_OK, &v), NULL);
	RVN_CALL(env, napi_set_named_property(env, out, "ok", v), NULL);
	RVN_CALL(env,
	         napi_create_string_utf8(env, j->check_rc == RV_OK ? "" : rvn_code_name(j->check_rc), NAPI_AUTO_LENGTH,
	                                 &v),
	         NULL);
	RVN_CALL(env, napi_set_named_property(env, out, "code", v), NULL);
	RVN_CALL(env, napi_create_string_utf8(env, j->problem, NAPI_AUTO_LENGTH, &v), NULL);
	RVN_CALL(env, napi_set_named_property(env, out, "problem", v), NULL);
	return out;
}

static napi_value list_result(napi_env env, djob *j)
{
	napi_value out;
	RVN_CALL(env, napi_create_array_with_length(env, (size_t)j->n_names, &out), NULL);
	const char *p = j->names;
	for (int i = 0; i < j->n_names; i++, p += strlen(p) + 1) {
		napi_value s;
		RVN_CALL(env, napi_create_string_utf8(env, p, NAPI_AUTO_LENGTH, &s), NULL);
		RVN_CALL(env, napi_set_element(env, out, (uint32_t)i, s), NULL);
	}
	return out;
}

static bool result(napi_env env, rvn_job *base, napi_value self, napi_value *out)
{
	djob *j = (djob *)base;
	switch (j->kind) {
	case DJ_CHECK:
		*out = check_result(env, j);
		return *out != NULL;
	case DJ_LIST:
		*out = list_result(env, j);
		return *out != NULL;
	case DJ_CREATE:
	case DJ_OPEN_COLL:
		*out = rvn_coll_adopt_new(env, self, j->rd, j->coll_out);
		if (*out)
			return true;
		/* the handle would leak in the database until close: free it */
		rv_collection_free(j->coll_out);
		bool pending = false;
		if (napi_is_exception_pending(env, &pending) == napi_ok && pending)
			napi_get_and_clear_last_exception(env, out);
		else
			*out = rvn_make_error(env, RV_ENOMEM, "cannot make the collection object");
		return false;
	default:
		return napi_get_undefined(env, out) == napi_ok;
	}
}

static void hold(rvn_job *base)
{
	djob *j = (djob *)base;
	if (!j->rd)
		return;
	j->rd->pending++;
	if (j->kind == DJ_OPEN)
		j->rd->opening = true;
}

static void release(napi_env env, rvn_job *base, napi_value self)
{
	(void)env;
	(void)self;
	rvn_db *rd = ((djob *)base)->rd;
	if (!rd)
		return;
	rd->pending--;
	if (rd->finalized && rd->pending == 0) {
		/* only at environment shutdown: jobs hold references otherwise */
		if (rd->db)
			rv_db_close(rd->db);
		free(rd);
	}
}

static void destroy(rvn_job *base) { djob_free((djob *)base); }

static const rvn_job_ops db_ops = {
	.execute = execute, .finish = finish, .result = result, .hold = hold, .release = release, .destroy = destroy};

static napi_value queue(napi_env env, napi_value self, djob *j, const char *name)
{
	return rvn_job_queue(env, self, &j->base, name, false);
}

static djob *djob_new(napi_env env, rvn_db *rd, dj_kind kind)
{
	djob *j = calloc(1, sizeof *j);
	if (!j) {
		rvn_throw_rv(env, RV_ENOMEM, "out of memory for a job");
		return NULL;
	}
	j->base.ops = &db_ops;
	j->rd = rd;
	j->kind = kind;
	return j;
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
		rvn_coll_forget(c);
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
	return queue(env, self, j, "ruvector.openDatabase");
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
		rvn_coll_forget(c);
		c->closed = true;
		rvn_coll_settle_waiter(env, c, NULL);
		rvn_coll_detach(env, c);
	}
	djob *j = djob_new(env, rd, DJ_CLOSE);
	if (!j)
		return NULL;
	return queue(env, self, j, "ruvector.closeDatabase");
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
	return queue(env, self, j, res);
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
	return queue(env, NULL, j, "ruvector.checkDatabase");
}

bool rvn_db_init(napi_env env, napi_value exports)
{
	napi_property_descriptor methods[] = {
		RVN_METHOD("open", db_open),
		RVN_METHOD("close", db_close),
		RVN_METHOD("createCollection", db_create),
		RVN_METHOD("openCollection", db_open_coll),
		RVN_METHOD("dropCollection", db_drop),
		RVN_METHOD("listCollections", db_list),
		RVN_METHOD("backup", db_backup),
		RVN_METHOD("isOpen", db_is_open),
	};
	napi_value cls;
	if (napi_define_class(env, "Database", NAPI_AUTO_LENGTH, db_new, NULL, sizeof methods / sizeof methods[0],
	                      methods, &cls) != napi_ok)
		return false;
	napi_property_descriptor fns[] = {
		{"Database", NULL, NULL, NULL, NULL, cls, napi_enumerable, NULL},
		RVN_METHOD("checkDatabase", mod_check),
	};
	return napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns) == napi_ok;
}
