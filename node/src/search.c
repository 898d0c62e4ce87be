/*
 * search.c: the Collection's reads of vectors: search (on the search lane
 * when it is idle, see lane.c), searchBatch (in chunks), searchText (BM25),
 * searchHybrid (fused), and get.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "work.h"

/* Searches of a batch are run in chunks whose id buffers stay below this. */
#define IDBUF_CHUNK_BYTES ((size_t)16 << 20)

/* Append the ids of hits[0..n) to j->out_ids (growing it), their
 * distances and scores and, with RVN_VECTORS, their vectors at j->out_n,
 * and with RVN_PAYLOAD their payloads. A hit whose id was deleted between
 * the search and the vector or payload copy is dropped. Returns the hits
 * kept, or -1 when out of memory. */
static int collect_hits(cjob *j, const rv_hit *hits, int n)
{
	int kept = 0;
	for (int i = 0; i < n; i++) {
		if (!hits[i].id)
			continue;
		size_t pl_mark = j->out_pl_len;
		if (j->flags & RVN_PAYLOAD) {
			int rc = rvn_cjob_append_payload(j, hits[i].id);
			if (rc == RV_ENOMEM)
				return -1;
			if (rc != RV_OK)
				continue;
		}
		if (j->flags & RVN_VECTORS) {
			int rc = rv_get(j->c, hits[i].id, j->out_vecs + j->out_n * j->dim, j->dim);
			if (rc != RV_OK) {
				j->out_pl_len = pl_mark;
				continue;
			}
		}
		if (j->out_ids_len + hits[i].id_len + 1 > j->out_ids_cap) {
			size_t cap = j->out_ids_cap * 2 + hits[i].id_len + 1;
			char *p = realloc(j->out_ids, cap);
			if (!p)
				return -1;
			j->out_ids = p;
			j->out_ids_cap = cap;
		}
		memcpy(j->out_ids + j->out_ids_len, hits[i].id, hits[i].id_len);
		j->out_ids_len += hits[i].id_len;
		j->out_ids[j->out_ids_len++] = '\0';
		if (j->flags & RVN_PAYLOAD)
			j->out_pl_at[j->out_n] = pl_mark;
		j->out_score[j->out_n] = hits[i].score;
		j->out_dist[j->out_n++] = hits[i].distance;
		kept++;
	}
	return kept;
}

/* Allocate the outputs for up to `total` hits. */
static bool alloc_outputs(cjob *j, size_t total)
{
	j->out_ids_cap = total * 16 + 64;
	j->out_ids = malloc(j->out_ids_cap);
	j->out_dist = malloc((total ? total : 1) * sizeof(float));
	j->out_score = malloc((total ? total : 1) * sizeof(float));
	if (j->flags & RVN_VECTORS)
		j->out_vecs = malloc((total ? total : 1) * j->dim * sizeof(float));
	if (j->flags & RVN_PAYLOAD) {
		j->out_pl_cap = total * 64 + 256;
		j->out_pl = malloc(j->out_pl_cap);
		j->out_pl_at = malloc((total ? total : 1) * sizeof(size_t));
	}
	return j->out_ids && j->out_dist && j->out_score && (!(j->flags & RVN_VECTORS) || j->out_vecs) &&
	       (!(j->flags & RVN_PAYLOAD) || (j->out_pl && j->out_pl_at));
}

/* The joined ids end with a separator; drop it. */
static void finish_ids(cjob *j)
{
	if (j->out_ids_len)
		j->out_ids_len--;
}

/* The core's search parameters of a job. */
static rv_search_params params_of(const cjob *j)
{
	rv_search_params p = {.ef = j->ef,
	                      .flags = ((j->flags & RVN_EXACT) ? RV_SEARCH_EXACT : 0) |
	                               ((j->flags & RVN_MMR) ? RV_SEARCH_MMR : 0) |
	                               ((j->flags & RVN_CALIBRATED) ? RV_SEARCH_CALIBRATED : 0),
	                      .filter = j->filter,
	                      .mmr_lambda = j->mmr_lambda,
	                      .mmr_candidates = j->mmr_candidates};
	return p;
}

static void exec_search(rvn_job *base)
{
	cjob *j = (cjob *)base;
	rv_search_params p = params_of(j);
	rv_hit *hits = malloc(j->k * sizeof *hits);
	size_t idbuf_size = RV_IDBUF_SIZE(j->k);
	char *idbuf = malloc(idbuf_size);
	if (!hits || !idbuf || !alloc_outputs(j, j->k)) {
		rvn_cjob_oom(j, "search results");
		goto out;
	}
	int n = rv_search(j->c, j->vecs, j->vec_len, j->k, &p, hits, idbuf, idbuf_size);
	if (n < 0) {
		rvn_cjob_fail(j, n);
		goto out;
	}
	if (collect_hits(j, hits, n) < 0)
		rvn_cjob_oom(j, "search results");
	finish_ids(j);
out:
	free(hits);
	free(idbuf);
}

static void exec_search_batch(rvn_job *base)
{
	cjob *j = (cjob *)base;
	rv_search_params p = params_of(j);
	size_t slice = RV_IDBUF_SIZE(j->k);
	size_t chunk = IDBUF_CHUNK_BYTES / slice;
	if (chunk < 1)
		chunk = 1;
	if (chunk > j->n)
		chunk = j->n;
	rv_hit *hits = malloc(chunk * j->k * sizeof *hits);
	int *counts = malloc(chunk * sizeof *counts);
	char *idbuf = malloc(chunk * slice);
	j->counts = calloc(j->n, sizeof *j->counts);
	if (!hits || !counts || !idbuf || !j->counts || !alloc_outputs(j, j->n * j->k)) {
		rvn_cjob_oom(j, "batch search results");
		goto out;
	}
	for (size_t q = 0; q < j->n; q += chunk) {
		size_t nq = j->n - q < chunk ? j->n - q : chunk;
		int rc = rv_search_batch(j->c, nq, j->vecs + q * j->dim, j->dim, j->k, &p, hits, counts, idbuf,
		                         chunk * slice);
		if (rc != RV_OK) {
			rvn_cjob_fail(j, rc);
			if (!j->base.msg[0] && q > 0)
				snprintf(j->base.msg, sizeof j->base.msg, "%s (in the chunk of queries from %zu)", rv_strerror(rc), q);
			goto out;
		}
		for (size_t i = 0; i < nq; i++) {
			int kept = collect_hits(j, hits + i * j->k, counts[i]);
			if (kept < 0) {
				rvn_cjob_oom(j, "batch search results");
				goto out;
			}
			j->counts[q + i] = kept;
		}
	}
	finish_ids(j);
out:
	free(hits);
	free(counts);
	free(idbuf);
}

/* searchConformal: the calibrated set, in buffers sized for the cap the
 * calibration has now (a calibration made meanwhile with a larger cap
 * makes the core refuse with RV_ERANGE rather than overrun them). */
static void exec_search_conformal(rvn_job *base)
{
	cjob *j = (cjob *)base;
	rv_calibration cal;
	rv_calibration_get(j->c, &cal);
	size_t cap = cal.conformal ? cal.cap : 1;
	rv_hit *hits = malloc(cap * sizeof *hits);
	char *idbuf = malloc(RV_IDBUF_SIZE(cap));
	if (!hits || !idbuf || !alloc_outputs(j, cap)) {
		rvn_cjob_oom(j, "search results");
		goto out;
	}
	int n = rv_search_conformal(j->c, j->vecs, j->vec_len, hits, cap, idbuf, RV_IDBUF_SIZE(cap), &j->conformal);
	if (n < 0) {
		rvn_cjob_fail(j, n);
		goto out;
	}
	if (collect_hits(j, hits, n) < 0)
		rvn_cjob_oom(j, "search results");
	finish_ids(j);
out:
	free(hits);
	free(idbuf);
}

/* searchText and searchHybrid: one ranked list, like exec_search. */
static void ranked(cjob *j, bool hybrid)
{
	rv_hit *hits = malloc(j->k * sizeof *hits);
	size_t idbuf_size = RV_IDBUF_SIZE(j->k);
	char *idbuf = malloc(idbuf_size);
	if (!hits || !idbuf || !alloc_outputs(j, j->k)) {
		rvn_cjob_oom(j, "search results");
		goto out;
	}
	int n;
	if (!hybrid) {
		n = rv_search_text(j->c, j->text, j->k, j->filter, hits, idbuf, idbuf_size);
	} else {
		j->hybrid.vector = params_of(j);
		n = rv_search_hybrid(j->c, j->vecs, j->vec_len, j->text, j->k, &j->hybrid, hits, idbuf, idbuf_size);
	}
	if (n < 0) {
		rvn_cjob_fail(j, n);
		goto out;
	}
	if (collect_hits(j, hits, n) < 0)
		rvn_cjob_oom(j, "search results");
	finish_ids(j);
out:
	free(hits);
	free(idbuf);
}

static void exec_search_text(rvn_job *base) { ranked((cjob *)base, false); }
static void exec_search_hybrid(rvn_job *base) { ranked((cjob *)base, true); }

static void exec_get(rvn_job *base)
{
	cjob *j = (cjob *)base;
	j->found = calloc(j->n, 1);
	j->out_vecs = malloc(j->n * j->dim * sizeof(float));
	if (!j->found || !j->out_vecs) {
		rvn_cjob_oom(j, "get results");
		return;
	}
	for (size_t i = 0; i < j->n; i++) {
		int rc = rv_get(j->c, j->ids[i], j->out_vecs + i * j->dim, j->dim);
		if (rc == RV_OK)
			j->found[i] = 1;
		else if (rc != RV_ENOTFOUND) {
			rvn_cjob_fail(j, rc);
			return;
		}
	}
}

static napi_value f32_array(napi_env env, const float *src, size_t n)
{
	napi_value ab, ta;
	void *data = NULL;
	if (napi_create_arraybuffer(env, n * sizeof(float), &data, &ab) != napi_ok)
		return NULL;
	if (n)
		memcpy(data, src, n * sizeof(float));
	if (napi_create_typedarray(env, napi_float32_array, n, ab, 0, &ta) != napi_ok)
		return NULL;
	return ta;
}

/* [ids joined by NUL, distances, vectors or undefined, counts or
 *  undefined, scores, payload JSON texts or undefined] */
static napi_value hits_value(napi_env env, cjob *j, bool batch)
{
	napi_value out, v;
	RVN_CALL(env, napi_create_array_with_length(env, 6, &out), NULL);
	RVN_CALL(env, napi_create_string_utf8(env, j->out_ids ? j->out_ids : "", j->out_ids_len, &v), NULL);
	RVN_CALL(env, napi_set_element(env, out, 0, v), NULL);
	if (!(v = f32_array(env, j->out_dist, j->out_n)))
		return NULL;
	RVN_CALL(env, napi_set_element(env, out, 1, v), NULL);
	if (j->flags & RVN_VECTORS) {
		if (!(v = f32_array(env, j->out_vecs, j->out_n * j->dim)))
			return NULL;
		RVN_CALL(env, napi_set_element(env, out, 2, v), NULL);
	}
	if (batch) {
		napi_value ab;
		void *data;
		RVN_CALL(env, napi_create_arraybuffer(env, j->n * sizeof(int32_t), &data, &ab), NULL);
		memcpy(data, j->counts, j->n * sizeof(int32_t));
		RVN_CALL(env, napi_create_typedarray(env, napi_int32_array, j->n, ab, 0, &v), NULL);
		RVN_CALL(env, napi_set_element(env, out, 3, v), NULL);
	}
	if (!(v = f32_array(env, j->out_score, j->out_n)))
		return NULL;
	RVN_CALL(env, napi_set_element(env, out, 4, v), NULL);
	if (j->flags & RVN_PAYLOAD) {
		RVN_CALL(env, napi_create_array_with_length(env, j->out_n, &v), NULL);
		for (size_t i = 0; i < j->out_n; i++) {
			napi_value s;
			RVN_CALL(env, napi_create_string_utf8(env, j->out_pl + j->out_pl_at[i], NAPI_AUTO_LENGTH, &s), NULL);
			RVN_CALL(env, napi_set_element(env, v, (uint32_t)i, s), NULL);
		}
		RVN_CALL(env, napi_set_element(env, out, 5, v), NULL);
	}
	return out;
}

static bool hits_result(napi_env env, rvn_job *base, napi_value self, napi_value *out)
{
	(void)self;
	*out = hits_value(env, (cjob *)base, false);
	return *out != NULL;
}

/* hits_value's array, then [6] threshold (Infinity possible), [7] alpha,
 * [8] cap */
static bool conformal_result(napi_env env, rvn_job *base, napi_value self, napi_value *out)
{
	(void)self;
	cjob *j = (cjob *)base;
	napi_value v;
	if (!(*out = hits_value(env, j, false)))
		return false;
	RVN_CALL(env, napi_create_double(env, j->conformal.threshold, &v), false);
	RVN_CALL(env, napi_set_element(env, *out, 6, v), false);
	RVN_CALL(env, napi_create_double(env, (double)j->conformal.alpha, &v), false);
	RVN_CALL(env, napi_set_element(env, *out, 7, v), false);
	RVN_CALL(env, napi_create_double(env, (double)j->conformal.cap, &v), false);
	RVN_CALL(env, napi_set_element(env, *out, 8, v), false);
	return true;
}

static bool batch_result(napi_env env, rvn_job *base, napi_value self, napi_value *out)
{
	(void)self;
	*out = hits_value(env, (cjob *)base, true);
	return *out != NULL;
}

/* [vectors (n*dim), found (Uint8Array n)] */
static napi_value get_value(napi_env env, cjob *j)
{
	napi_value out, v;
	RVN_CALL(env, napi_create_array_with_length(env, 2, &out), NULL);
	if (!(v = f32_array(env, j->out_vecs, j->n * j->dim)))
		return NULL;
	RVN_CALL(env, napi_set_element(env, out, 0, v), NULL);
	napi_value ab;
	void *data;
	RVN_CALL(env, napi_create_arraybuffer(env, j->n, &data, &ab), NULL);
	memcpy(data, j->found, j->n);
	RVN_CALL(env, napi_create_typedarray(env, napi_uint8_array, j->n, ab, 0, &v), NULL);
	RVN_CALL(env, napi_set_element(env, out, 1, v), NULL);
	return out;
}

static bool get_result(napi_env env, rvn_job *base, napi_value self, napi_value *out)
{
	(void)self;
	*out = get_value(env, (cjob *)base);
	return *out != NULL;
}

static const rvn_job_ops search_ops = RVN_CJOB_OPS(exec_search, hits_result);
static const rvn_job_ops batch_ops = RVN_CJOB_OPS(exec_search_batch, batch_result);
static const rvn_job_ops text_ops = RVN_CJOB_OPS(exec_search_text, hits_result);
static const rvn_job_ops hybrid_ops = RVN_CJOB_OPS(exec_search_hybrid, hits_result);
static const rvn_job_ops get_ops = RVN_CJOB_OPS(exec_get, get_result);
static const rvn_job_ops conformal_ops = RVN_CJOB_OPS(exec_search_conformal, conformal_result);

/* Read the filter and MMR arguments of a search (filter JSON, lambda,
 * candidates); see job_filter for *bad. */
static bool search_extras(napi_env env, cjob *j, napi_value filter, napi_value lambda, napi_value cands,
                              int *bad, char *err, size_t errsize)
{
	double l = 0;
	uint64_t mc;
	if (!rvn_get_double_opt(env, lambda, "mmr lambda", &l) ||
	    !rvn_get_uint_opt(cands, env, "mmr candidates", 0, 4294967295.0, 0, &mc))
		return false;
	j->mmr_lambda = (float)l;
	j->mmr_candidates = (uint32_t)mc;
	return rvn_cjob_filter(env, j, filter, bad, err, errsize);
}

/* Parse k and ef and the search flags at argv[1..3]. */
static bool search_params(napi_env env, rvn_coll *rc, napi_value *argv, cjob *j)
{
	uint64_t k, ef, flags;
	if (!rvn_get_uint(env, argv[0], "k", 1, RV_K_MAX, &k) ||
	    !rvn_get_uint_opt(argv[1], env, "ef", 0, RV_EF_MAX, 0, &ef) ||
	    !rvn_get_uint_opt(argv[2], env, "flags", 0, RVN_SEARCH_FLAGS, 0, &flags))
		return false;
	/* Room for min(k, count now) hits: a search returns at most the count at
	 * call time, and a collection far smaller than k then costs no more. */
	size_t count = rv_count(rc->c);
	j->k = (size_t)k < count ? (size_t)k : (count ? count : 1);
	j->ef = (uint32_t)ef;
	j->flags = (unsigned)flags;
	return true;
}

/* search(query: Float32Array, k, ef, flags, filter?, mmrLambda?, mmrCandidates?)
 *   -> Promise<[ids, distances, vectors?, undefined, scores, payloads?]>
 * ef 0: the collection's default; flags RVN_EXACT, RVN_VECTORS, RVN_NOLANE,
 * RVN_MMR, RVN_PAYLOAD; filter: JSON text. */
napi_value rvn_search(napi_env env, napi_callback_info info)
{
	size_t argc = 7;
	napi_value argv[7], self;
	rvn_coll *rc = rvn_this(env, info, &argc, argv, &self, true);
	if (!rc)
		return NULL;
	if (argc < 2) {
		rvn_throw_type(env, "ERR_MISSING_ARGS", "search(query, k, ef, flags, filter, mmrLambda, mmrCandidates)");
		return NULL;
	}
	for (size_t i = argc; i < 7; i++)
		napi_get_undefined(env, &argv[i]);
	cjob *j = rvn_cjob_new(env, rc, &search_ops);
	if (!j)
		return NULL;
	int bad;
	char err[512];
	if (!search_params(env, rc, argv + 1, j) || !rvn_cjob_vectors(env, j, argv[0], false) ||
	    !search_extras(env, j, argv[4], argv[5], argv[6], &bad, err, sizeof err))
		return rvn_cjob_drop(env, j);
	if (bad != RV_OK)
		return rvn_cjob_reject(env, j, bad, err);
	/* on the lane when it is idle, unless the caller asks for the pool */
	return rvn_job_queue(env, self, &j->base, "ruvector.search", !(j->flags & RVN_NOLANE));
}

/* searchBatch(queries: Float32Array, nq, k, ef, flags, owned, filter?, mmrLambda?,
 *             mmrCandidates?) ->
 *   Promise<[ids, distances, vectors?, counts: Int32Array, scores, payloads?]>
 * The filter and MMR settings apply to every query. */
napi_value rvn_search_batch(napi_env env, napi_callback_info info)
{
	size_t argc = 9;
	napi_value argv[9], self;
	rvn_coll *rc = rvn_this(env, info, &argc, argv, &self, true);
	if (!rc)
		return NULL;
	if (argc < 3) {
		rvn_throw_type(env, "ERR_MISSING_ARGS", "searchBatch(queries, nq, k, ef, flags, owned)");
		return NULL;
	}
	for (size_t i = argc; i < 9; i++)
		napi_get_undefined(env, &argv[i]);
	uint64_t nq, owned;
	if (!rvn_get_uint(env, argv[1], "nq", 1, RV_MAX_VECTORS, &nq) ||
	    !rvn_get_uint_opt(argv[5], env, "owned", 0, 1, 0, &owned))
		return NULL;
	cjob *j = rvn_cjob_new(env, rc, &batch_ops);
	if (!j)
		return NULL;
	j->n = (size_t)nq;
	int bad;
	char err[512];
	if (!search_params(env, rc, argv + 2, j) || !rvn_cjob_vectors(env, j, argv[0], owned) ||
	    !search_extras(env, j, argv[6], argv[7], argv[8], &bad, err, sizeof err))
		return rvn_cjob_drop(env, j);
	if (bad != RV_OK)
		return rvn_cjob_reject(env, j, bad, err);
	if (j->vec_len != j->n * (size_t)rc->dim) {
		char msg[160];
		snprintf(msg, sizeof msg, "queries hold %zu floats; %zu queries of dimension %u need %zu", j->vec_len,
		         j->n, rc->dim, j->n * (size_t)rc->dim);
		return rvn_cjob_reject(env, j, RV_EDIM, msg);
	}
	return rvn_cjob_queue(env, self, j, "ruvector.searchBatch");
}

/* get(idsJoined, n) -> Promise<[vectors: Float32Array(n*dim), found: Uint8Array(n)]> */
napi_value rvn_get(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value argv[2], self;
	rvn_coll *rc = rvn_this(env, info, &argc, argv, &self, true);
	if (!rc)
		return NULL;
	if (argc < 2) {
		rvn_throw_type(env, "ERR_MISSING_ARGS", "get(idsJoined, n)");
		return NULL;
	}
	cjob *j = rvn_cjob_new(env, rc, &get_ops);
	if (!j)
		return NULL;
	if (!rvn_cjob_ids(env, j, argv[0], argv[1]))
		return rvn_cjob_drop(env, j);
	return rvn_cjob_queue(env, self, j, "ruvector.get");
}

/* searchText(text, k, flags, filter?) ->
 *   Promise<[ids, distances (NaN), vectors?, undefined, scores (BM25), payloads?]>
 * flags RVN_VECTORS, RVN_PAYLOAD. */
napi_value rvn_search_text(napi_env env, napi_callback_info info)
{
	size_t argc = 4;
	napi_value argv[4], self;
	rvn_coll *rc = rvn_this(env, info, &argc, argv, &self, true);
	if (!rc)
		return NULL;
	if (argc < 2) {
		rvn_throw_type(env, "ERR_MISSING_ARGS", "searchText(text, k, flags, filter)");
		return NULL;
	}
	for (size_t i = argc; i < 4; i++)
		napi_get_undefined(env, &argv[i]);
	cjob *j = rvn_cjob_new(env, rc, &text_ops);
	if (!j)
		return NULL;
	napi_value undef;
	napi_get_undefined(env, &undef);
	napi_value sp[3] = {argv[1], undef, argv[2]};
	size_t len;
	int bad;
	char err[512];
	if (!search_params(env, rc, sp, j) || !rvn_get_string(env, argv[0], "text", &j->text, &len) ||
	    !rvn_cjob_filter(env, j, argv[3], &bad, err, sizeof err))
		return rvn_cjob_drop(env, j);
	if (strlen(j->text) != len)
		return rvn_cjob_reject(env, j, RV_EINVAL, "text contains a NUL character");
	if (bad != RV_OK)
		return rvn_cjob_reject(env, j, bad, err);
	return rvn_cjob_queue(env, self, j, "ruvector.searchText");
}

/* searchHybrid(query: Float32Array, text, k, ef, flags, filter?, fusion?,
 *              vectorWeight?, textWeight?, rrfK?, depth?) ->
 *   Promise<[ids, distances (NaN: text side only), vectors?, undefined,
 *            scores (fused), payloads?]>
 * fusion 0: RRF, 1: weighted; undefined numbers keep rv_hybrid_params_init's
 * defaults. flags RVN_EXACT (the vector side), RVN_VECTORS, RVN_PAYLOAD. */
napi_value rvn_search_hybrid(napi_env env, napi_callback_info info)
{
	size_t argc = 11;
	napi_value argv[11], self;
	rvn_coll *rc = rvn_this(env, info, &argc, argv, &self, true);
	if (!rc)
		return NULL;
	if (argc < 3) {
		rvn_throw_type(env, "ERR_MISSING_ARGS",
		               "searchHybrid(query, text, k, ef, flags, filter, fusion, vectorWeight, textWeight, rrfK, depth)");
		return NULL;
	}
	for (size_t i = argc; i < 11; i++)
		napi_get_undefined(env, &argv[i]);
	cjob *j = rvn_cjob_new(env, rc, &hybrid_ops);
	if (!j)
		return NULL;
	rv_hybrid_params_init(&j->hybrid);
	double vw = j->hybrid.vector_weight, tw = j->hybrid.text_weight, rk = j->hybrid.rrf_k;
	uint64_t fusion, depth;
	size_t len;
	int bad;
	char err[512];
	if (!search_params(env, rc, argv + 2, j) || !rvn_cjob_vectors(env, j, argv[0], false) ||
	    !rvn_get_string(env, argv[1], "text", &j->text, &len) ||
	    !rvn_get_uint_opt(argv[6], env, "fusion", 0, 1, (uint64_t)j->hybrid.fusion, &fusion) ||
	    !rvn_get_double_opt(env, argv[7], "vectorWeight", &vw) || !rvn_get_double_opt(env, argv[8], "textWeight", &tw) ||
	    !rvn_get_double_opt(env, argv[9], "rrfK", &rk) ||
	    !rvn_get_uint_opt(argv[10], env, "depth", 0, 4294967295.0, j->hybrid.depth, &depth) ||
	    !rvn_cjob_filter(env, j, argv[5], &bad, err, sizeof err))
		return rvn_cjob_drop(env, j);
	if (strlen(j->text) != len)
		return rvn_cjob_reject(env, j, RV_EINVAL, "text contains a NUL character");
	if (bad != RV_OK)
		return rvn_cjob_reject(env, j, bad, err);
	j->flags &= ~(unsigned)(RVN_MMR | RVN_NOLANE);
	j->hybrid.fusion = fusion ? RV_FUSION_WEIGHTED : RV_FUSION_RRF;
	j->hybrid.vector_weight = (float)vw;
	j->hybrid.text_weight = (float)tw;
	j->hybrid.rrf_k = (float)rk;
	j->hybrid.depth = (uint32_t)depth;
	return rvn_cjob_queue(env, self, j, "ruvector.searchHybrid");
}

/* searchConformal(query: Float32Array) ->
 *   Promise<[ids, distances, , , scores, , threshold, alpha, cap]> */
napi_value rvn_search_conformal(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1], self;
	rvn_coll *rc = rvn_this(env, info, &argc, argv, &self, true);
	if (!rc)
		return NULL;
	if (argc < 1) {
		rvn_throw_type(env, "ERR_MISSING_ARGS", "searchConformal(query)");
		return NULL;
	}
	cjob *j = rvn_cjob_new(env, rc, &conformal_ops);
	if (!j)
		return NULL;
	if (!rvn_cjob_vectors(env, j, argv[0], false))
		return rvn_cjob_drop(env, j);
	return rvn_cjob_queue(env, self, j, "ruvector.searchConformal");
}
