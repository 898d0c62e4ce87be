/*
 * calib.c: the Collection's calibrations (ruvector.h, Calibrated
 * retrieval): calibrate() on a worker thread, and calibration(), a
 * synchronous copy of what is stored (searchConformal() is a search:
 * search.c); and inspect(), the embedding-quality report, which tells
 * what calibration will find hard.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "work.h"

static bool set_num(napi_env env, napi_value obj, const char *name, double x)
{
	napi_value v;
	return napi_create_double(env, x, &v) == napi_ok && napi_set_named_property(env, obj, name, v) == napi_ok;
}

/* {conformal: {alpha, score, threshold, n, infinite, k, cap, ef} | null,
 *  targetRecall: {target, ef, k, n, bound} | null} */
static napi_value calibration_value(napi_env env, const rv_calibration *k)
{
	napi_value out, part, v;
	RVN_CALL(env, napi_create_object(env, &out), NULL);
	if (k->conformal) {
		RVN_CALL(env, napi_create_object(env, &part), NULL);
		const char *name = k->score == RV_CONFORMAL_RANK    ? "rank"
		                   : k->score == RV_CONFORMAL_RATIO ? "ratio"
		                                                    : "distance";
		RVN_CALL(env, napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &v), NULL);
		RVN_CALL(env, napi_set_named_property(env, part, "score", v), NULL);
		if (!set_num(env, part, "alpha", (double)k->alpha) || !set_num(env, part, "threshold", k->threshold) ||
		    !set_num(env, part, "n", k->n) || !set_num(env, part, "infinite", k->infinite) ||
		    !set_num(env, part, "k", k->k) || !set_num(env, part, "cap", k->cap) || !set_num(env, part, "ef", k->ef))
			return NULL;
	} else {
		RVN_CALL(env, napi_get_null(env, &part), NULL);
	}
	RVN_CALL(env, napi_set_named_property(env, out, "conformal", part), NULL);
	if (k->recall) {
		RVN_CALL(env, napi_create_object(env, &part), NULL);
		if (!set_num(env, part, "target", (double)k->target_recall) || !set_num(env, part, "ef", k->recall_ef) ||
		    !set_num(env, part, "k", k->recall_k) || !set_num(env, part, "n", k->recall_n) ||
		    !set_num(env, part, "bound", (double)k->recall_bound))
			return NULL;
	} else {
		RVN_CALL(env, napi_get_null(env, &part), NULL);
	}
	RVN_CALL(env, napi_set_named_property(env, out, "targetRecall", part), NULL);
	return out;
}

static void exec_calibrate(rvn_job *base)
{
	cjob *j = (cjob *)base;
	j->calib.relevant = (const char *const *)j->ids;
	size_t nq = j->dim ? j->vec_len / j->dim : 0;
	int rc = j->calib_recall ? rv_calibrate_recall(j->c, nq, j->vecs, j->dim, &j->calib, &j->calib_out)
	                         : rv_calibrate(j->c, nq, j->vecs, j->dim, &j->calib, &j->calib_out);
	if (rc != RV_OK)
		rvn_cjob_fail(j, rc);
}

static bool calibrate_result(napi_env env, rvn_job *base, napi_value self, napi_value *out)
{
	(void)self;
	*out = calibration_value(env, &((cjob *)base)->calib_out);
	return *out != NULL;
}

static const rvn_job_ops calibrate_ops = RVN_CJOB_OPS(exec_calibrate, calibrate_result);

/* calibrate(queries: Float32Array, mode (0 conformal, 1 target recall), k,
 *           level (alpha or target), cap, ef (conformal) or maxEf (recall),
 *           score (0 distance, 1 rank, 2 ratio), relevantJoined?, relevantCount?)
 *   -> Promise<calibration>. Relevant ids: nq*k of them, NUL-joined; absent:
 *   the exact k nearest. Ranges are the core's to check (RV_EINVAL). */
napi_value rvn_calibrate(napi_env env, napi_callback_info info)
{
	size_t argc = 9;
	napi_value argv[9], self;
	rvn_coll *rc = rvn_this(env, info, &argc, argv, &self, true);
	if (!rc)
		return NULL;
	if (argc < 4) {
		rvn_throw_type(env, "ERR_MISSING_ARGS", "calibrate(queries, mode, k, level, cap, ef, score, relevant, n)");
		return NULL;
	}
	for (size_t i = argc; i < 9; i++)
		napi_get_undefined(env, &argv[i]);
	uint64_t mode, k, cap, ef, score;
	double level = 0;
	if (!rvn_get_uint(env, argv[1], "mode", 0, 1, &mode) || !rvn_get_uint(env, argv[2], "k", 1, RV_K_MAX, &k) ||
	    !rvn_get_double_opt(env, argv[3], "level", &level) ||
	    !rvn_get_uint_opt(argv[4], env, "cap", 0, RV_K_MAX, 0, &cap) ||
	    !rvn_get_uint_opt(argv[5], env, "ef", 0, RV_EF_MAX, 0, &ef) ||
	    !rvn_get_uint_opt(argv[6], env, "score", 0, 2, 0, &score))
		return NULL;
	cjob *j = rvn_cjob_new(env, rc, &calibrate_ops);
	if (!j)
		return NULL;
	rv_calibrate_params_init(&j->calib);
	j->calib_recall = mode == 1;
	j->calib.k = (uint32_t)k;
	if (mode == 1) {
		j->calib.target_recall = (float)level;
		if (ef)
			j->calib.max_ef = (uint32_t)ef;
	} else {
		j->calib.alpha = (float)level;
		j->calib.cap = (uint32_t)cap;
		j->calib.ef = (uint32_t)ef;
		j->calib.score = (rv_conformal_score)score;
	}
	if (!rvn_cjob_vectors(env, j, argv[0], false))
		return rvn_cjob_drop(env, j);
	napi_valuetype t;
	if (napi_typeof(env, argv[7], &t) == napi_ok && t != napi_undefined && t != napi_null) {
		if (!rvn_cjob_ids(env, j, argv[7], argv[8]))
			return rvn_cjob_drop(env, j);
	}
	size_t nq = rc->dim ? j->vec_len / rc->dim : 0;
	if (j->vec_len != nq * rc->dim || nq == 0) {
		char msg[160];
		snprintf(msg, sizeof msg, "queries hold %zu floats: not a positive multiple of the dimension %u", j->vec_len,
		         rc->dim);
		return rvn_cjob_reject(env, j, j->vec_len ? RV_EDIM : RV_EINVAL, msg);
	}
	if (j->ids && j->n != nq * (size_t)k) {
		char msg[160];
		snprintf(msg, sizeof msg, "%zu relevant ids for %zu queries of k = %llu: need %zu", j->n, nq,
		         (unsigned long long)k, nq * (size_t)k);
		return rvn_cjob_reject(env, j, RV_EINVAL, msg);
	}
	return rvn_cjob_queue(env, self, j, "ruvector.calibrate");
}

/* calibration() -> the stored calibrations (synchronous: a copy under a
 * lock held only for the copy). */
napi_value rvn_calibration(napi_env env, napi_callback_info info)
{
	napi_value self;
	rvn_coll *rc = rvn_this(env, info, NULL, NULL, &self, true);
	if (!rc)
		return NULL;
	rv_calibration k;
	rv_calibration_get(rc->c, &k);
	return calibration_value(env, &k);
}

static void exec_inspect(rvn_job *base)
{
	cjob *j = (cjob *)base;
	int rc = rv_inspect(j->c, &j->inspect_p, &j->inspect);
	if (rc != RV_OK)
		rvn_cjob_fail(j, rc);
}

static napi_value f64_array(napi_env env, const double *src, size_t n)
{
	napi_value ab, ta;
	void *data = NULL;
	if (napi_create_arraybuffer(env, n * sizeof(double), &data, &ab) != napi_ok)
		return NULL;
	if (n)
		memcpy(data, src, n * sizeof(double));
	if (napi_create_typedarray(env, napi_float64_array, n, ab, 0, &ta) != napi_ok)
		return NULL;
	return ta;
}

/* {sample, dim, k, norms: {min, max, mean, std, hist}, duplicates: {exactPairs,
 *  nearPairs, vectors, nearThreshold}, hubness: {skew, max, antihubs},
 *  intrinsicDimension, intrinsicDimensionMle, spectrum: {effectiveRank,
 *  topVariance, collapsedDims}, h0: Float64Array, sampleIds: NUL-joined} */
static bool inspect_result(napi_env env, rvn_job *base, napi_value self, napi_value *out)
{
	(void)self;
	const rv_inspect_report *r = ((cjob *)base)->inspect;
	napi_value o, v;
	double hist[RV_INSPECT_BINS];
	for (unsigned i = 0; i < RV_INSPECT_BINS; i++)
		hist[i] = r->norm_hist[i];
	size_t idlen = 0;
	for (uint32_t i = 0; i < r->sample; i++)
		idlen += strlen(r->sample_ids + idlen) + 1;
	*out = NULL;
	RVN_CALL(env, napi_create_object(env, out), false);
	if (!set_num(env, *out, "sample", r->sample) || !set_num(env, *out, "dim", r->dim) ||
	    !set_num(env, *out, "k", r->k) || !set_num(env, *out, "intrinsicDimension", r->twonn_dimension) ||
	    !set_num(env, *out, "intrinsicDimensionMle", r->mle_dimension))
		return false;
	RVN_CALL(env, napi_create_object(env, &o), false);
	if (!set_num(env, o, "min", r->norm_min) || !set_num(env, o, "max", r->norm_max) ||
	    !set_num(env, o, "mean", r->norm_mean) || !set_num(env, o, "std", r->norm_std) ||
	    !(v = f64_array(env, hist, RV_INSPECT_BINS)) || napi_set_named_property(env, o, "hist", v) != napi_ok ||
	    napi_set_named_property(env, *out, "norms", o) != napi_ok)
		return false;
	RVN_CALL(env, napi_create_object(env, &o), false);
	if (!set_num(env, o, "exactPairs", (double)r->exact_duplicate_pairs) ||
	    !set_num(env, o, "nearPairs", (double)r->near_duplicate_pairs) ||
	    !set_num(env, o, "vectors", r->duplicated_vectors) || !set_num(env, o, "nearThreshold", r->near_threshold) ||
	    napi_set_named_property(env, *out, "duplicates", o) != napi_ok)
		return false;
	RVN_CALL(env, napi_create_object(env, &o), false);
	if (!set_num(env, o, "skew", r->hubness_skew) || !set_num(env, o, "max", r->hub_max) ||
	    !set_num(env, o, "antihubs", r->antihubs) || napi_set_named_property(env, *out, "hubness", o) != napi_ok)
		return false;
	RVN_CALL(env, napi_create_object(env, &o), false);
	if (!set_num(env, o, "effectiveRank", r->effective_rank) ||
	    !set_num(env, o, "collapsedDims", r->collapsed_dims) ||
	    !(v = f64_array(env, r->top_variance, RV_INSPECT_TOP)) ||
	    napi_set_named_property(env, o, "topVariance", v) != napi_ok ||
	    napi_set_named_property(env, *out, "spectrum", o) != napi_ok)
		return false;
	if (!(v = f64_array(env, r->h0, r->sample - 1)) || napi_set_named_property(env, *out, "h0", v) != napi_ok)
		return false;
	RVN_CALL(env, napi_create_string_utf8(env, r->sample_ids, idlen ? idlen - 1 : 0, &v), false);
	RVN_CALL(env, napi_set_named_property(env, *out, "sampleIds", v), false);
	return true;
}

static const rvn_job_ops inspect_ops = RVN_CJOB_OPS(exec_inspect, inspect_result);

/* inspect(sample, k, near, seed) -> Promise<report>; the core checks the
 * ranges (RV_EINVAL naming the parameter). */
napi_value rvn_inspect(napi_env env, napi_callback_info info)
{
	size_t argc = 4;
	napi_value argv[4], self;
	rvn_coll *rc = rvn_this(env, info, &argc, argv, &self, true);
	if (!rc)
		return NULL;
	for (size_t i = argc; i < 4; i++)
		napi_get_undefined(env, &argv[i]);
	rv_inspect_params p;
	rv_inspect_params_init(&p);
	uint64_t sample, k, seed;
	double near = p.near_duplicate;
	if (!rvn_get_uint_opt(argv[0], env, "sample", 0, 4294967295.0, p.sample, &sample) ||
	    !rvn_get_uint_opt(argv[1], env, "k", 0, 4294967295.0, p.k, &k) ||
	    !rvn_get_double_opt(env, argv[2], "near", &near) ||
	    !rvn_get_uint_opt(argv[3], env, "seed", 0, 9007199254740991.0, p.seed, &seed))
		return NULL;
	cjob *j = rvn_cjob_new(env, rc, &inspect_ops);
	if (!j)
		return NULL;
	j->inspect_p = p;
	j->inspect_p.sample = (uint32_t)sample;
	j->inspect_p.k = (uint32_t)k;
	j->inspect_p.near_duplicate = (float)near;
	j->inspect_p.seed = seed;
	return rvn_cjob_queue(env, self, j, "ruvector.inspect");
}
