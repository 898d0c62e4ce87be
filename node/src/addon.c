/*
 * addon.c: module setup, the native Collection class, its synchronous
 * methods, errors and the finalizer.
 *
 * Synchronous methods are the ones that cannot wait for anything: len() and
 * the option getters read atomics or immutable fields. stats() takes the
 * index's read lock for a moment (it can wait for a graph repair or a
 * renumbering in progress; documented in lib/). Everything else is in
 * work.c and runs off the JS thread.
 *
 * Context awareness: the module keeps no per-process JS state (only an
 * atomic count of live collections, for leak tests), so it can be loaded in
 * worker threads; each environment gets its own class and type tag check.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addon.h"

/* Distinguishes our wrapped objects from any other napi_wrap'd object, so a
 * method called with a foreign `this` throws instead of misreading memory. */
static const napi_type_tag coll_tag = {0x7275766563746f72ull, 0x636f6c6c2e763031ull};

/* Native collections alive in this process, over all environments. */
static atomic_long live_collections;

/* ---- errors ---- */

const char *rvn_code_name(int rc)
{
	switch (rc) {
	case RV_EINVAL: return "RV_EINVAL";
	case RV_ENOMEM: return "RV_ENOMEM";
	case RV_EDIM: return "RV_EDIM";
	case RV_ENONFINITE: return "RV_ENONFINITE";
	case RV_ENOTFOUND: return "RV_ENOTFOUND";
	case RV_EEXIST: return "RV_EEXIST";
	case RV_EID: return "RV_EID";
	case RV_EZERO: return "RV_EZERO";
	case RV_ERANGE: return "RV_ERANGE";
	case RV_EIO: return "RV_EIO";
	case RV_EFORMAT: return "RV_EFORMAT";
	case RV_ECORRUPT: return "RV_ECORRUPT";
	case RV_EVERSION: return "RV_EVERSION";
	case RV_ETHREAD: return "RV_ETHREAD";
	case RV_EUNSUPPORTED: return "RV_EUNSUPPORTED";
	case RV_EBUSY: return "RV_EBUSY";
	case RV_EREADONLY: return "RV_EREADONLY";
	case RV_ENOSPC: return "RV_ENOSPC";
	default: return "RV_EUNKNOWN";
	}
}

napi_value rvn_make_error(napi_env env, int rc, const char *msg)
{
	napi_value code, text, err, num;
	if (!msg || !*msg)
		msg = rv_strerror(rc);
	if (napi_create_string_utf8(env, rvn_code_name(rc), NAPI_AUTO_LENGTH, &code) != napi_ok ||
	    napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text) != napi_ok ||
	    napi_create_error(env, code, text, &err) != napi_ok)
		return NULL;
	if (napi_create_int32(env, rc, &num) == napi_ok)
		napi_set_named_property(env, err, "errno", num);
	return err;
}

void rvn_throw_rv(napi_env env, int rc, const char *msg)
{
	napi_value err = rvn_make_error(env, rc, msg);
	if (err)
		napi_throw(env, err);
}

void rvn_throw_type(napi_env env, const char *code, const char *msg) { napi_throw_type_error(env, code, msg); }
void rvn_throw_range(napi_env env, const char *code, const char *msg) { napi_throw_range_error(env, code, msg); }
void rvn_throw_closed(napi_env env) { napi_throw_error(env, RVN_ECLOSED_NAME, "the collection is closed"); }

/* ---- lifetime ---- */

void rvn_count_collection(void) { atomic_fetch_add(&live_collections, 1); }
void rvn_count_collection_freed(void) { atomic_fetch_sub(&live_collections, 1); }

void rvn_coll_free_now(rvn_coll *rc)
{
	if (rc->c) {
		rv_collection_free(rc->c);
		rc->c = NULL;
		atomic_fetch_sub(&live_collections, 1);
	}
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
	if (!rc->freeing && !rvn_queue_free(env, self, rc)) {
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

/* ---- constructor ---- */

/* Read an optional numeric option from `obj` into *dst within bounds. */
static bool opt_uint(napi_env env, napi_value obj, const char *name, double lo, double hi, uint32_t *dst)
{
	bool has = false;
	napi_value v;
	if (napi_has_named_property(env, obj, name, &has) != napi_ok)
		return false;
	if (!has)
		return true;
	if (napi_get_named_property(env, obj, name, &v) != napi_ok)
		return false;
	uint64_t out;
	if (!rvn_get_uint_opt(v, env, name, lo, hi, *dst, &out))
		return false;
	*dst = (uint32_t)out;
	return true;
}

/* Read the core's options from a JS object ({dim, metric, m, ...}) into
 * *opts (filled with the defaults first, dim 0). */
bool rvn_read_options(napi_env env, napi_value o, rv_options *opts_out)
{
	napi_valuetype t;
	rv_options opts;
	rv_options_init(&opts);
	opts.dim = 0;
	/* Bounds here only guard the conversions to uint32; the core checks
	 * the real ranges and names the field in its message. */
	if (!opt_uint(env, o, "dim", 0, 4294967295.0, &opts.dim) || !opt_uint(env, o, "m", 0, 4294967295.0, &opts.m) ||
	    !opt_uint(env, o, "efConstruction", 0, 4294967295.0, &opts.ef_construction) ||
	    !opt_uint(env, o, "efSearch", 0, 4294967295.0, &opts.ef_search) ||
	    !opt_uint(env, o, "exactThreshold", 0, 4294967295.0, &opts.exact_threshold) ||
	    !opt_uint(env, o, "threads", 0, 4294967295.0, &opts.threads) ||
	    !opt_uint(env, o, "repairBatch", 0, 4294967295.0, &opts.repair_batch))
		return false;

	bool has;
	napi_value v;
	if (napi_has_named_property(env, o, "seed", &has) != napi_ok)
		return false;
	if (has) {
		uint64_t seed;
		if (napi_get_named_property(env, o, "seed", &v) != napi_ok ||
		    !rvn_get_uint_opt(v, env, "seed", 0, 9007199254740991.0, opts.seed, &seed))
			return false;
		opts.seed = seed;
	}
	if (napi_has_named_property(env, o, "pruneAlpha", &has) != napi_ok)
		return false;
	if (has) {
		if (napi_get_named_property(env, o, "pruneAlpha", &v) != napi_ok || napi_typeof(env, v, &t) != napi_ok)
			return false;
		if (t != napi_undefined) {
			double a;
			if (t != napi_number || napi_get_value_double(env, v, &a) != napi_ok) {
				rvn_throw_type(env, "ERR_INVALID_ARG_TYPE", "pruneAlpha must be a number");
				return false;
			}
			opts.prune_alpha = (float)a;
		}
	}
	if (napi_has_named_property(env, o, "metric", &has) != napi_ok)
		return false;
	if (has) {
		if (napi_get_named_property(env, o, "metric", &v) != napi_ok || napi_typeof(env, v, &t) != napi_ok)
			return false;
		if (t == napi_string) {
			char name[32];
			size_t len;
			if (napi_get_value_string_utf8(env, v, name, sizeof name, &len) != napi_ok)
				return false;
			if (rv_metric_parse(name, &opts.metric) != RV_OK) {
				char msg[96];
				snprintf(msg, sizeof msg, "unknown metric \"%s\"", name);
				rvn_throw_rv(env, RV_EINVAL, msg);
				return false;
			}
		} else if (t != napi_undefined) {
			uint64_t m;
			if (!rvn_get_uint_opt(v, env, "metric", 0, RV_METRIC_L1, RV_METRIC_L2, &m))
				return false;
			opts.metric = (rv_metric)m;
		}
	}

	*opts_out = opts;
	return true;
}

/* new Collection({dim, metric, m, efConstruction, efSearch, pruneAlpha,
 *                 exactThreshold, threads, repairBatch, seed})
 * metric is a number (rv_metric) or a name rv_metric_parse() knows. */
static napi_value coll_new(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1], self, target;
	if (napi_get_cb_info(env, info, &argc, argv, &self, NULL) != napi_ok)
		return NULL;
	if (napi_get_new_target(env, info, &target) != napi_ok)
		return NULL;
	if (!target) {
		rvn_throw_type(env, "ERR_CONSTRUCT_CALL_REQUIRED", "Collection must be called with new");
		return NULL;
	}
	napi_valuetype t = napi_undefined;
	if (argc >= 1 && napi_typeof(env, argv[0], &t) != napi_ok)
		return NULL;
	if (t == napi_external) {
		/* A collection opened through a Database (db.c): adopt its handle. */
		rvn_coll *rc = calloc(1, sizeof *rc);
		if (!rc) {
			rvn_throw_rv(env, RV_ENOMEM, "out of memory adopting a collection");
			return NULL;
		}
		if (!rvn_adopt(env, argv[0], self, rc)) {
			free(rc);
			return NULL;
		}
		if (napi_wrap(env, self, rc, coll_finalize, NULL, NULL) != napi_ok) {
			rvn_coll_free_now(rc);
			rvn_coll_detach(env, rc);
			free(rc);
			return NULL;
		}
		if (napi_type_tag_object(env, self, &coll_tag) != napi_ok)
			return NULL;
		return self;
	}
	if (t != napi_object) {
		rvn_throw_type(env, "ERR_INVALID_ARG_TYPE", "options must be an object");
		return NULL;
	}
	rv_options opts;
	if (!rvn_read_options(env, argv[0], &opts))
		return NULL;
	rvn_coll *rc = calloc(1, sizeof *rc);
	if (!rc) {
		rvn_throw_rv(env, RV_ENOMEM, "out of memory creating a collection");
		return NULL;
	}
	int err = rv_collection_new(&opts, &rc->c);
	if (err != RV_OK) {
		rvn_throw_rv(env, err, rv_errmsg(NULL));
		free(rc);
		return NULL;
	}
	rc->dim = opts.dim;
	rc->metric = opts.metric;
	atomic_fetch_add(&live_collections, 1);
	if (napi_wrap(env, self, rc, coll_finalize, NULL, NULL) != napi_ok) {
		rvn_coll_free_now(rc);
		free(rc);
		return NULL;
	}
	if (napi_type_tag_object(env, self, &coll_tag) != napi_ok)
		return NULL; /* the wrap's finalizer frees rc */
	return self;
}

/* ---- synchronous methods ---- */

static napi_value coll_len(napi_env env, napi_callback_info info)
{
	rvn_coll *rc = rvn_this(env, info, NULL, NULL, NULL, true);
	if (!rc)
		return NULL;
	napi_value out;
	RVN_CALL(env, napi_create_double(env, (double)rv_count(rc->c), &out), NULL);
	return out;
}

static napi_value coll_dim(napi_env env, napi_callback_info info)
{
	rvn_coll *rc = rvn_this(env, info, NULL, NULL, NULL, false);
	if (!rc)
		return NULL;
	napi_value out;
	RVN_CALL(env, napi_create_uint32(env, rc->dim, &out), NULL);
	return out;
}

static napi_value coll_closed(napi_env env, napi_callback_info info)
{
	rvn_coll *rc = rvn_this(env, info, NULL, NULL, NULL, false);
	if (!rc)
		return NULL;
	napi_value out;
	RVN_CALL(env, napi_get_boolean(env, rc->closed, &out), NULL);
	return out;
}

static bool set_num(napi_env env, napi_value obj, const char *name, double x)
{
	napi_value v;
	return napi_create_double(env, x, &v) == napi_ok && napi_set_named_property(env, obj, name, v) == napi_ok;
}

static bool set_str(napi_env env, napi_value obj, const char *name, const char *s)
{
	napi_value v;
	return napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v) == napi_ok &&
	       napi_set_named_property(env, obj, name, v) == napi_ok;
}

/* The options with defaults resolved, as the JS names. */
static napi_value coll_options(napi_env env, napi_callback_info info)
{
	rvn_coll *rc = rvn_this(env, info, NULL, NULL, NULL, true);
	if (!rc)
		return NULL;
	rv_options o;
	rv_collection_options(rc->c, &o);
	napi_value out;
	RVN_CALL(env, napi_create_object(env, &out), NULL);
	if (!set_num(env, out, "dim", o.dim) || !set_str(env, out, "metric", rv_metric_name(o.metric)) ||
	    !set_num(env, out, "m", o.m) || !set_num(env, out, "efConstruction", o.ef_construction) ||
	    !set_num(env, out, "efSearch", o.ef_search) || !set_num(env, out, "pruneAlpha", o.prune_alpha) ||
	    !set_num(env, out, "exactThreshold", o.exact_threshold) || !set_num(env, out, "threads", o.threads) ||
	    !set_num(env, out, "repairBatch", o.repair_batch) || !set_num(env, out, "seed", (double)o.seed))
		return NULL;
	return out;
}

static napi_value coll_stats(napi_env env, napi_callback_info info)
{
	rvn_coll *rc = rvn_this(env, info, NULL, NULL, NULL, true);
	if (!rc)
		return NULL;
	rv_stats s;
	rv_collection_stats(rc->c, &s);
	napi_value out;
	RVN_CALL(env, napi_create_object(env, &out), NULL);
	if (!set_num(env, out, "count", (double)s.count) || !set_num(env, out, "capacity", (double)s.capacity) ||
	    !set_num(env, out, "pendingDeletes", (double)s.pending_deletes) ||
	    !set_num(env, out, "freeSlots", (double)s.free_slots) ||
	    !set_num(env, out, "memoryBytes", (double)s.memory_bytes) || !set_num(env, out, "maxLevel", s.max_level) ||
	    !set_num(env, out, "dim", s.dim) || !set_str(env, out, "isa", s.isa ? s.isa : "?"))
		return NULL;
	return out;
}

/* close(): refuse further calls now; free the C handle now, or when the
 * last job in flight completes. Idempotent. An in-memory collection returns
 * undefined; a persistent one returns a Promise that resolves once its
 * handle is freed (its log closed, perhaps after a checkpoint). */
static napi_value coll_close(napi_env env, napi_callback_info info)
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
		/* a second close() while the first waits: chain to a new Promise
		 * resolved at the same time (kept simple: one waiter, so make the
		 * caller wait on the free job through the same deferred) */
		rvn_throw_rv(env, RV_EBUSY, "close() is already in progress");
		return NULL;
	}
	RVN_CALL(env, napi_create_promise(env, &rc->close_waiter, &out), NULL);
	if (rc->pending == 0 && !rc->freeing)
		retire(env, rc, self);
	return out;
}

/* storage stats and checkpoint/compact live in db.c and work.c */

static napi_value coll_persistent(napi_env env, napi_callback_info info)
{
	rvn_coll *rc = rvn_this(env, info, NULL, NULL, NULL, false);
	if (!rc)
		return NULL;
	napi_value out;
	RVN_CALL(env, napi_get_boolean(env, rc->owner != NULL, &out), NULL);
	return out;
}

/* ---- per-environment state ---- */

static void env_state_free(napi_env env, void *data, void *hint)
{
	(void)hint;
	rvn_env_state *st = data;
	if (st->coll_class)
		napi_delete_reference(env, st->coll_class);
	if (st->set_immediate)
		napi_delete_reference(env, st->set_immediate);
	if (st->poll_fn)
		napi_delete_reference(env, st->poll_fn);
	free(st); /* the lane itself is stopped by its env cleanup hook */
}

rvn_env_state *rvn_env(napi_env env)
{
	rvn_env_state *st = NULL;
	if (napi_get_instance_data(env, (void **)&st) != napi_ok)
		return NULL;
	if (!st) {
		st = calloc(1, sizeof *st);
		if (!st || napi_set_instance_data(env, st, env_state_free, NULL) != napi_ok) {
			free(st);
			return NULL;
		}
	}
	return st;
}

/* ---- module-level functions ---- */

static napi_value mod_version(napi_env env, napi_callback_info info)
{
	(void)info;
	napi_value out;
	RVN_CALL(env, napi_create_string_utf8(env, rv_version(NULL, NULL, NULL), NAPI_AUTO_LENGTH, &out), NULL);
	return out;
}

static napi_value mod_isa(napi_env env, napi_callback_info info)
{
	(void)info;
	napi_value out;
	RVN_CALL(env, napi_create_string_utf8(env, rv_isa(), NAPI_AUTO_LENGTH, &out), NULL);
	return out;
}

static napi_value mod_live(napi_env env, napi_callback_info info)
{
	(void)info;
	napi_value out;
	RVN_CALL(env, napi_create_double(env, (double)atomic_load(&live_collections), &out), NULL);
	return out;
}

static napi_value mod_strerror(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1], out;
	RVN_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL), NULL);
	int32_t code = 0;
	if (argc < 1 || napi_get_value_int32(env, argv[0], &code) != napi_ok) {
		rvn_throw_type(env, "ERR_INVALID_ARG_TYPE", "code must be a number");
		return NULL;
	}
	RVN_CALL(env, napi_create_string_utf8(env, rv_strerror(code), NAPI_AUTO_LENGTH, &out), NULL);
	return out;
}

/* isDetached(typedArray): whether its ArrayBuffer is detached (Node 20 has
 * no ArrayBuffer.prototype.detached); false for anything else. */
static napi_value mod_is_detached(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1], out;
	RVN_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL), NULL);
	bool is_ta = false, detached = false;
	if (argc >= 1 && napi_is_typedarray(env, argv[0], &is_ta) == napi_ok && is_ta) {
		napi_typedarray_type type;
		size_t len, offset;
		void *data;
		napi_value ab;
		RVN_CALL(env, napi_get_typedarray_info(env, argv[0], &type, &len, &data, &ab, &offset), NULL);
		RVN_CALL(env, napi_is_detached_arraybuffer(env, ab, &detached), NULL);
	}
	RVN_CALL(env, napi_get_boolean(env, detached, &out), NULL);
	return out;
}

/* _searchLoop(query: Float32Array(nq*dim), nq, k, ef) -> Float64Array of
 * per-query microseconds. A diagnostic for bench/bench.js only: it runs the
 * CLI's measurement loop (rv_search one query at a time) synchronously on
 * the JS thread, blocking it, to tell the cost of the binding apart from
 * the cost of searching inside this process. Not part of the API. */
static napi_value coll_search_loop(napi_env env, napi_callback_info info)
{
	size_t argc = 4;
	napi_value argv[4];
	rvn_coll *rc = rvn_this(env, info, &argc, argv, NULL, true);
	if (!rc)
		return NULL;
	float *q;
	size_t len;
	uint64_t nq, k, ef;
	if (argc < 4 || !rvn_get_f32(env, argv[0], "queries", &q, &len) ||
	    !rvn_get_uint(env, argv[1], "nq", 1, 1e7, &nq) || !rvn_get_uint(env, argv[2], "k", 1, 1024, &k) ||
	    !rvn_get_uint(env, argv[3], "ef", 0, RV_EF_MAX, &ef))
		return NULL;
	if (len != nq * rc->dim) {
		rvn_throw_range(env, "ERR_INVALID_ARG_VALUE", "queries must hold nq*dim floats");
		return NULL;
	}
	napi_value ab, out;
	double *lat;
	RVN_CALL(env, napi_create_arraybuffer(env, nq * sizeof(double), (void **)&lat, &ab), NULL);
	rv_hit *hits = malloc(k * sizeof *hits);
	char *idbuf = malloc(RV_IDBUF_SIZE(k));
	if (!hits || !idbuf) {
		free(hits);
		free(idbuf);
		rvn_throw_rv(env, RV_ENOMEM, "out of memory");
		return NULL;
	}
	rv_search_params p = {.ef = (uint32_t)ef};
	for (size_t i = 0; i < nq; i++) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		int n = rv_search(rc->c, q + i * rc->dim, rc->dim, k, &p, hits, idbuf, RV_IDBUF_SIZE(k));
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (n < 0) {
			free(hits);
			free(idbuf);
			rvn_throw_rv(env, n, rv_errmsg(rc->c));
			return NULL;
		}
		lat[i] = (double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3;
	}
	free(hits);
	free(idbuf);
	RVN_CALL(env, napi_create_typedarray(env, napi_float64_array, nq, ab, 0, &out), NULL);
	return out;
}

#define METHOD(name, fn) {name, NULL, fn, NULL, NULL, NULL, napi_default_method, NULL}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */)
{
	napi_property_descriptor methods[] = {
		METHOD("len", coll_len),
		METHOD("dim", coll_dim),
		METHOD("isClosed", coll_closed),
		METHOD("options", coll_options),
		METHOD("stats", coll_stats),
		METHOD("close", coll_close),
		METHOD("insert", rvn_insert),
		METHOD("search", rvn_search),
		METHOD("searchBatch", rvn_search_batch),
		METHOD("get", rvn_get),
		METHOD("delete", rvn_delete),
		METHOD("vacuum", rvn_vacuum),
		METHOD("optimize", rvn_optimize),
		METHOD("check", rvn_check),
		METHOD("_searchLoop", coll_search_loop),
		METHOD("isPersistent", coll_persistent),
		METHOD("checkpoint", rvn_checkpoint),
		METHOD("compact", rvn_compact),
		METHOD("storage", rvn_storage),
		METHOD("searchText", rvn_search_text),
		METHOD("searchHybrid", rvn_search_hybrid),
		METHOD("setPayload", rvn_set_payload),
		METHOD("getPayload", rvn_get_payload),
		METHOD("createIndex", rvn_create_index),
		METHOD("countMatching", rvn_count_matching),
	};
	napi_value cls;
	if (napi_define_class(env, "Collection", NAPI_AUTO_LENGTH, coll_new, NULL, sizeof methods / sizeof methods[0],
	                      methods, &cls) != napi_ok)
		return NULL;
	napi_property_descriptor fns[] = {
		{"Collection", NULL, NULL, NULL, NULL, cls, napi_enumerable, NULL},
		METHOD("version", mod_version),
		METHOD("isa", mod_isa),
		METHOD("liveCollections", mod_live),
		METHOD("strerror", mod_strerror),
		METHOD("isDetached", mod_is_detached),
	};
	if (napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns) != napi_ok)
		return NULL;
	rvn_env_state *st = rvn_env(env);
	if (!st || napi_create_reference(env, cls, 1, &st->coll_class) != napi_ok)
		return NULL;
	if (!rvn_db_init(env, exports))
		return NULL;
	return exports;
}
