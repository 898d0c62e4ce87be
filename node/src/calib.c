/*
 * calib.c: the Collection's calibrations (ruvector.h, Calibrated
 * retrieval): calibrate() on a worker thread, and calibration(), a
 * synchronous copy of what is stored. searchConformal() is a search
 * (search.c).
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
		RVN_CALL(env, napi_create_string_utf8(env, k->score == RV_CONFORMAL_RANK ? "rank" : "distance",
		                                      NAPI_AUTO_LENGTH, &v), NULL);
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
 *           score (0 distance, 1 rank), relevantJoined?, relevantCount?)
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
	    !rvn_get_uint_opt(argv[6], env, "score", 0, 1, 0, &score))
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
		j->calib.score = score ? RV_CONFORMAL_RANK : RV_CONFORMAL_DISTANCE;
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
