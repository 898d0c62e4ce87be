/*
 * addon.c: module setup, the native Collection class and its synchronous
 * methods. The layers of the binding are drawn in base.h; this file is the
 * top one: it names every method and calls down, nothing calls it.
 *
 * Synchronous methods are the ones that cannot wait for anything: len() and
 * the option getters read atomics or immutable fields. stats() takes the
 * index's read lock for a moment (it can wait for a graph repair or a
 * renumbering in progress; documented in lib/); storage() takes a mutex and
 * stats a file. Everything else runs off the JS thread (work.h, db.c).
 *
 * Context awareness: the module keeps no per-process JS state (only an
 * atomic count of live collections, for leak tests), so it can be loaded in
 * worker threads; each environment gets its own class and type tag check.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "coll.h"
#include "db.h"
#include "work.h"

/* ---- constructor ---- */

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
		if (!rvn_adopt(env, argv[0], rc)) {
			free(rc);
			return NULL;
		}
		return rvn_coll_wrap(env, self, rc) ? self : NULL;
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
	rvn_count_collection();
	return rvn_coll_wrap(env, self, rc) ? self : NULL;
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
	RVN_CALL(env, napi_create_double(env, (double)rvn_live_collections(), &out), NULL);
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

static napi_value coll_persistent(napi_env env, napi_callback_info info)
{
	rvn_coll *rc = rvn_this(env, info, NULL, NULL, NULL, false);
	if (!rc)
		return NULL;
	napi_value out;
	RVN_CALL(env, napi_get_boolean(env, rc->owner != NULL, &out), NULL);
	return out;
}

/* storage() on a Collection: {generation, segmentBytes, walBytes,
 * formatVersion, durability, persistent} (synchronous: a mutex and a stat). */
static napi_value coll_storage(napi_env env, napi_callback_info info)
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

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */)
{
	napi_property_descriptor methods[] = {
		RVN_METHOD("len", coll_len),
		RVN_METHOD("dim", coll_dim),
		RVN_METHOD("isClosed", coll_closed),
		RVN_METHOD("options", coll_options),
		RVN_METHOD("stats", coll_stats),
		RVN_METHOD("close", rvn_coll_close),
		RVN_METHOD("insert", rvn_insert),
		RVN_METHOD("search", rvn_search),
		RVN_METHOD("searchBatch", rvn_search_batch),
		RVN_METHOD("get", rvn_get),
		RVN_METHOD("delete", rvn_delete),
		RVN_METHOD("vacuum", rvn_vacuum),
		RVN_METHOD("optimize", rvn_optimize),
		RVN_METHOD("check", rvn_check),
		RVN_METHOD("_searchLoop", coll_search_loop),
		RVN_METHOD("isPersistent", coll_persistent),
		RVN_METHOD("checkpoint", rvn_checkpoint),
		RVN_METHOD("compact", rvn_compact),
		RVN_METHOD("storage", coll_storage),
		RVN_METHOD("searchText", rvn_search_text),
		RVN_METHOD("searchHybrid", rvn_search_hybrid),
		RVN_METHOD("setPayload", rvn_set_payload),
		RVN_METHOD("mergePayload", rvn_merge_payload),
		RVN_METHOD("getPayload", rvn_get_payload),
		RVN_METHOD("createIndex", rvn_create_index),
		RVN_METHOD("countMatching", rvn_count_matching),
		RVN_METHOD("hyperPut", rvn_hyper_put),
		RVN_METHOD("hyperDelete", rvn_hyper_delete),
		RVN_METHOD("hyperSearch", rvn_hyper_search),
		RVN_METHOD("hyperGet", rvn_hyper_get),
		RVN_METHOD("hyperKhop", rvn_hyper_khop),
		RVN_METHOD("hyperPath", rvn_hyper_path),
		RVN_METHOD("hyperOf", rvn_hyper_of),
		RVN_METHOD("hyperBuckets", rvn_hyper_buckets),
		RVN_METHOD("hyperStats", rvn_hyper_stats),
		RVN_METHOD("calibrate", rvn_calibrate),
		RVN_METHOD("calibration", rvn_calibration),
		RVN_METHOD("searchConformal", rvn_search_conformal),
		RVN_METHOD("inspect", rvn_inspect),
	};
	napi_value cls;
	if (napi_define_class(env, "Collection", NAPI_AUTO_LENGTH, coll_new, NULL, sizeof methods / sizeof methods[0],
	                      methods, &cls) != napi_ok)
		return NULL;
	napi_property_descriptor fns[] = {
		{"Collection", NULL, NULL, NULL, NULL, cls, napi_enumerable, NULL},
		RVN_METHOD("version", mod_version),
		RVN_METHOD("isa", mod_isa),
		RVN_METHOD("liveCollections", mod_live),
		RVN_METHOD("strerror", mod_strerror),
		RVN_METHOD("isDetached", mod_is_detached),
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
