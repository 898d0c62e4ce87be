/*
 * args.c: converting JS arguments for the C core.
 *
 * Every check that protects memory is here, not in lib/, so that calling
 * the native class directly with nonsense throws instead of crashing:
 * typed-array kind, detached buffers, integer ranges, and the number of ids
 * in a NUL-joined id string.
 *
 * Ids travel as one string of ids joined with NUL characters plus a count.
 * One napi_get_value_string_utf8() for a whole batch is far cheaper on the
 * JS thread than one call per id, and NUL is the one character an id cannot
 * contain (the C API takes NUL-terminated ids), so splitting is unambiguous:
 * a string with the wrong number of separators is refused, which also
 * catches an id that itself contains a NUL.
 *
 * Collection options ({dim, metric, m, ...}) are read here too, for both the
 * Collection constructor and Database.createCollection: bounds here only
 * guard the conversions, the core checks the real ranges.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

bool rvn_get_f32(napi_env env, napi_value v, const char *what, float **data, size_t *length)
{
	char msg[128];
	bool is_ta = false;
	if (napi_is_typedarray(env, v, &is_ta) != napi_ok)
		return false;
	napi_typedarray_type type;
	size_t len = 0, offset = 0;
	void *p = NULL;
	napi_value ab;
	if (is_ta && napi_get_typedarray_info(env, v, &type, &len, &p, &ab, &offset) != napi_ok)
		return false;
	if (!is_ta || type != napi_float32_array) {
		snprintf(msg, sizeof msg, "%s must be a Float32Array", what);
		rvn_throw_type(env, "ERR_INVALID_ARG_TYPE", msg);
		return false;
	}
	bool detached = false;
	if (napi_is_detached_arraybuffer(env, ab, &detached) != napi_ok)
		return false;
	if (detached) {
		snprintf(msg, sizeof msg, "%s is a Float32Array whose ArrayBuffer is detached", what);
		rvn_throw_type(env, "ERR_INVALID_STATE", msg);
		return false;
	}
	*data = p;
	*length = len;
	return true;
}

bool rvn_get_string(napi_env env, napi_value v, const char *what, char **out, size_t *len)
{
	napi_valuetype t;
	if (napi_typeof(env, v, &t) != napi_ok)
		return false;
	if (t != napi_string) {
		char msg[128];
		snprintf(msg, sizeof msg, "%s must be a string", what);
		rvn_throw_type(env, "ERR_INVALID_ARG_TYPE", msg);
		return false;
	}
	size_t n = 0;
	if (napi_get_value_string_utf8(env, v, NULL, 0, &n) != napi_ok)
		return false;
	char *s = malloc(n + 1);
	if (!s) {
		rvn_throw_rv(env, RV_ENOMEM, "out of memory copying ids");
		return false;
	}
	if (napi_get_value_string_utf8(env, v, s, n + 1, &n) != napi_ok) {
		free(s);
		return false;
	}
	*out = s;
	*len = n;
	return true;
}

bool rvn_get_uint(napi_env env, napi_value v, const char *what, double lo, double hi, uint64_t *out)
{
	char msg[160];
	napi_valuetype t;
	if (napi_typeof(env, v, &t) != napi_ok)
		return false;
	if (t != napi_number) {
		snprintf(msg, sizeof msg, "%s must be a number", what);
		rvn_throw_type(env, "ERR_INVALID_ARG_TYPE", msg);
		return false;
	}
	double x;
	if (napi_get_value_double(env, v, &x) != napi_ok)
		return false;
	if (!(x >= lo && x <= hi) || x != floor(x)) {
		snprintf(msg, sizeof msg, "%s must be an integer from %.0f to %.0f; got %g", what, lo, hi, x);
		rvn_throw_range(env, "ERR_OUT_OF_RANGE", msg);
		return false;
	}
	*out = (uint64_t)x;
	return true;
}

bool rvn_get_uint_opt(napi_value v, napi_env env, const char *what, double lo, double hi, uint64_t dflt,
                      uint64_t *out)
{
	napi_valuetype t;
	if (napi_typeof(env, v, &t) != napi_ok)
		return false;
	if (t == napi_undefined || t == napi_null) {
		*out = dflt;
		return true;
	}
	return rvn_get_uint(env, v, what, lo, hi, out);
}

bool rvn_get_double_opt(napi_env env, napi_value v, const char *what, double *out)
{
	char msg[160];
	napi_valuetype t;
	if (napi_typeof(env, v, &t) != napi_ok)
		return false;
	if (t == napi_undefined || t == napi_null)
		return true;
	if (t != napi_number) {
		snprintf(msg, sizeof msg, "%s must be a number", what);
		rvn_throw_type(env, "ERR_INVALID_ARG_TYPE", msg);
		return false;
	}
	double x;
	if (napi_get_value_double(env, v, &x) != napi_ok)
		return false;
	if (!isfinite(x)) {
		snprintf(msg, sizeof msg, "%s must be a finite number; got %g", what, x);
		rvn_throw_range(env, "ERR_OUT_OF_RANGE", msg);
		return false;
	}
	*out = x;
	return true;
}

bool rvn_get_text_opt(napi_env env, napi_value v, const char *what, char **out, size_t *len)
{
	napi_valuetype t;
	*out = NULL;
	*len = 0;
	if (napi_typeof(env, v, &t) != napi_ok)
		return false;
	if (t == napi_undefined || t == napi_null)
		return true;
	char *s;
	size_t n;
	if (!rvn_get_string(env, v, what, &s, &n))
		return false;
	if (strlen(s) != n) {
		char msg[160];
		snprintf(msg, sizeof msg, "%s contains a NUL character", what);
		free(s);
		rvn_throw_rv(env, RV_EINVAL, msg);
		return false;
	}
	*out = s;
	*len = n;
	return true;
}

char **rvn_split_ids(napi_env env, char *joined, size_t len, size_t n)
{
	if (n == 0 || n > RV_MAX_VECTORS) {
		rvn_throw_range(env, "ERR_OUT_OF_RANGE", "the number of ids must be 1..2147483647");
		return NULL;
	}
	char **ids = malloc(n * sizeof *ids);
	if (!ids) {
		rvn_throw_rv(env, RV_ENOMEM, "out of memory splitting ids");
		return NULL;
	}
	size_t k = 0;
	ids[k++] = joined;
	for (size_t i = 0; i < len; i++) {
		if (joined[i] != '\0')
			continue;
		if (k == n) {
			k = n + 1; /* too many */
			break;
		}
		ids[k++] = joined + i + 1;
	}
	if (k != n) {
		free(ids);
		char msg[160];
		snprintf(msg, sizeof msg, "expected %zu NUL-separated ids%s", n,
		         k > n ? "; an id must not contain a NUL character" : "");
		rvn_throw_range(env, "ERR_INVALID_ARG_VALUE", msg);
		return NULL;
	}
	return ids;
}

/* ---- collection options ---- */

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
