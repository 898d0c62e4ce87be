/*
 * work.c: the collection job shared by the Collection's asynchronous
 * methods (see work.h): making one from the arguments, the ops every kind
 * shares (counting itself in the collection, freeing), the payload copy
 * that searches and getPayload share, and the maintenance methods, which
 * take no arguments and return little: vacuum, optimize, check,
 * checkpoint, compact.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "work.h"

void rvn_cjob_destroy(rvn_job *base)
{
	cjob *j = (cjob *)base;
	if (j->payloads)
		for (size_t i = 0; i < j->n; i++)
			free(j->payloads[i]);
	free(j->payloads);
	free(j->text);
	rv_filter_free(j->filter);
	free(j->out_score);
	free(j->out_pl);
	free(j->out_pl_at);
	free(j->ids_joined);
	free(j->ids);
	free(j->vec_copy);
	free(j->out_ids);
	free(j->out_dist);
	free(j->out_vecs);
	free(j->counts);
	free(j->found);
	free(j->aux);
	rv_inspect_free(j->inspect);
	free(j);
}

void rvn_cjob_hold(rvn_job *base) { ((cjob *)base)->rc->pending++; }

void rvn_cjob_release(napi_env env, rvn_job *base, napi_value self) { rvn_release(env, ((cjob *)base)->rc, self); }

bool rvn_cjob_undefined(napi_env env, rvn_job *j, napi_value self, napi_value *out)
{
	(void)j;
	(void)self;
	return napi_get_undefined(env, out) == napi_ok;
}

void rvn_cjob_fail(cjob *j, int err)
{
	j->base.err = err;
	snprintf(j->base.msg, sizeof j->base.msg, "%s", rv_errmsg(j->c));
}

void rvn_cjob_oom(cjob *j, const char *what)
{
	j->base.err = RV_ENOMEM;
	snprintf(j->base.msg, sizeof j->base.msg, "out of memory for %s", what);
}

cjob *rvn_cjob_new(napi_env env, rvn_coll *rc, const rvn_job_ops *ops)
{
	cjob *j = calloc(1, sizeof *j);
	if (!j) {
		rvn_throw_rv(env, RV_ENOMEM, "out of memory for a job");
		return NULL;
	}
	j->base.ops = ops;
	j->rc = rc;
	j->c = rc->c;
	j->dim = rc->dim;
	return j;
}

/* Read `idsJoined, n` at argv[0], argv[1] into the job. */
bool rvn_cjob_ids(napi_env env, cjob *j, napi_value joined, napi_value count)
{
	uint64_t n;
	size_t len;
	if (!rvn_get_uint(env, count, "n", 1, RV_MAX_VECTORS, &n))
		return false;
	if (!rvn_get_string(env, joined, "ids", &j->ids_joined, &len))
		return false;
	j->n = (size_t)n;
	j->ids = rvn_split_ids(env, j->ids_joined, len, j->n);
	return j->ids != NULL;
}

/* Read a Float32Array into the job: copied, or referenced when owned. */
bool rvn_cjob_vectors(napi_env env, cjob *j, napi_value v, bool owned)
{
	float *p;
	size_t len;
	if (!rvn_get_f32(env, v, "vectors", &p, &len))
		return false;
	j->vec_len = len;
	if (owned && len) {
		if (napi_create_reference(env, v, 1, &j->base.buf_ref) != napi_ok)
			return false;
		j->vecs = p;
		return true;
	}
	j->vec_copy = malloc((len ? len : 1) * sizeof(float));
	if (!j->vec_copy) {
		rvn_throw_rv(env, RV_ENOMEM, "out of memory copying vectors");
		return false;
	}
	if (len)
		memcpy(j->vec_copy, p, len * sizeof(float));
	j->vecs = j->vec_copy;
	return true;
}

/* Parse the filter JSON text `v` (undefined or null: none) into j->filter.
 * False after throwing (not a string); true otherwise, with *bad the core's
 * code and err its message (naming the offending part) for a bad filter. */
bool rvn_cjob_filter(napi_env env, cjob *j, napi_value v, int *bad, char *err, size_t errsize)
{
	char *s;
	size_t len;
	*bad = RV_OK;
	if (!rvn_get_text_opt(env, v, "filter", &s, &len))
		return false;
	if (!s)
		return true;
	err[0] = '\0';
	int rc = rv_filter_parse(s, len, &j->filter, err, errsize);
	free(s);
	if (rc != RV_OK) {
		*bad = rc;
		if (!err[0])
			snprintf(err, errsize, "%s", rv_errmsg(NULL));
	}
	return true;
}

/* Append the payload of `id` (JSON text and its NUL) to j->out_pl,
 * growing it. Returns RV_OK, RV_ENOMEM, or the core's code (RV_ENOTFOUND
 * when the record was deleted meanwhile). */
int rvn_cjob_append_payload(cjob *j, const char *id)
{
	for (int attempt = 0; attempt < 8; attempt++) {
		size_t room = j->out_pl_cap - j->out_pl_len, needed = 0;
		int rc = rv_get_payload(j->c, id, j->out_pl + j->out_pl_len, room, &needed);
		if (rc == RV_OK) {
			j->out_pl_len += needed;
			return RV_OK;
		}
		if (rc != RV_ERANGE)
			return rc;
		/* too small: grow to what it needs (it may change again meanwhile) */
		size_t cap = j->out_pl_cap * 2;
		if (cap < j->out_pl_len + needed + 64)
			cap = j->out_pl_len + needed + 64;
		char *p = realloc(j->out_pl, cap);
		if (!p)
			return RV_ENOMEM;
		j->out_pl = p;
		j->out_pl_cap = cap;
	}
	return RV_ENOMEM; /* not reached unless payloads grow without end */
}

napi_value rvn_cjob_queue(napi_env env, napi_value self, cjob *j, const char *name)
{
	return rvn_job_queue(env, self, &j->base, name, false);
}

napi_value rvn_cjob_drop(napi_env env, cjob *j) { return rvn_job_drop(env, &j->base); }

napi_value rvn_cjob_reject(napi_env env, cjob *j, int code, const char *msg)
{
	return rvn_job_reject(env, &j->base, code, msg);
}

/* ---- maintenance: vacuum, optimize, check, checkpoint, compact ---- */

static void exec_vacuum(rvn_job *base)
{
	cjob *j = (cjob *)base;
	int rc = rv_vacuum(j->c);
	if (rc != RV_OK)
		rvn_cjob_fail(j, rc);
}

static void exec_optimize(rvn_job *base)
{
	cjob *j = (cjob *)base;
	int rc = rv_optimize(j->c);
	if (rc != RV_OK)
		rvn_cjob_fail(j, rc);
}

static void exec_check(rvn_job *base)
{
	cjob *j = (cjob *)base;
	int rc = rv_check(j->c, &j->report);
	if (rc != RV_OK && rc != RV_ECORRUPT) /* a corrupt graph is a report, not a failure */
		rvn_cjob_fail(j, rc);
}

static void exec_checkpoint(rvn_job *base)
{
	cjob *j = (cjob *)base;
	int rc = rv_checkpoint(j->c);
	if (rc != RV_OK)
		rvn_cjob_fail(j, rc);
}

static void exec_compact(rvn_job *base)
{
	cjob *j = (cjob *)base;
	int rc = rv_compact(j->c);
	if (rc != RV_OK)
		rvn_cjob_fail(j, rc);
}

static bool set_u64(napi_env env, napi_value obj, const char *name, uint64_t x)
{
	napi_value v;
	return napi_create_double(env, (double)x, &v) == napi_ok && napi_set_named_property(env, obj, name, v) == napi_ok;
}

/* check()'s report: {nodes, edges, ..., firstProblem, ok} */
static bool check_result(napi_env env, rvn_job *base, napi_value self, napi_value *out)
{
	(void)self;
	rv_check_report *r = &((cjob *)base)->report;
	napi_value v;
	*out = NULL;
	RVN_CALL(env, napi_create_object(env, out), false);
	if (!set_u64(env, *out, "nodes", r->nodes) || !set_u64(env, *out, "edges", r->edges) ||
	    !set_u64(env, *out, "reciprocal", r->reciprocal) || !set_u64(env, *out, "dangling", r->dangling) ||
	    !set_u64(env, *out, "badLevel", r->bad_level) || !set_u64(env, *out, "duplicates", r->duplicates) ||
	    !set_u64(env, *out, "unreachable", r->unreachable) ||
	    !set_u64(env, *out, "pendingDeletes", r->pending_deletes))
		goto fail;
	if (napi_create_string_utf8(env, r->first_problem, NAPI_AUTO_LENGTH, &v) != napi_ok ||
	    napi_set_named_property(env, *out, "firstProblem", v) != napi_ok ||
	    napi_get_boolean(env, r->first_problem[0] == '\0', &v) != napi_ok ||
	    napi_set_named_property(env, *out, "ok", v) != napi_ok)
		goto fail;
	return true;
fail:
	*out = NULL;
	return false;
}

static const rvn_job_ops vacuum_ops = RVN_CJOB_OPS(exec_vacuum, rvn_cjob_undefined);
static const rvn_job_ops optimize_ops = RVN_CJOB_OPS(exec_optimize, rvn_cjob_undefined);
static const rvn_job_ops check_ops = RVN_CJOB_OPS(exec_check, check_result);
static const rvn_job_ops checkpoint_ops = RVN_CJOB_OPS(exec_checkpoint, rvn_cjob_undefined);
static const rvn_job_ops compact_ops = RVN_CJOB_OPS(exec_compact, rvn_cjob_undefined);

static napi_value simple_job(napi_env env, napi_callback_info info, const rvn_job_ops *ops, const char *name)
{
	napi_value self;
	rvn_coll *rc = rvn_this(env, info, NULL, NULL, &self, true);
	if (!rc)
		return NULL;
	cjob *j = rvn_cjob_new(env, rc, ops);
	if (!j)
		return NULL;
	return rvn_cjob_queue(env, self, j, name);
}

napi_value rvn_vacuum(napi_env env, napi_callback_info info)
{
	return simple_job(env, info, &vacuum_ops, "ruvector.vacuum");
}

napi_value rvn_optimize(napi_env env, napi_callback_info info)
{
	return simple_job(env, info, &optimize_ops, "ruvector.optimize");
}

napi_value rvn_check(napi_env env, napi_callback_info info)
{
	return simple_job(env, info, &check_ops, "ruvector.check");
}

/* checkpoint() / compact(): persistent collections; for an in-memory one
 * the core does nothing (checkpoint) or repairs and renumbers (compact). */
napi_value rvn_checkpoint(napi_env env, napi_callback_info info)
{
	return simple_job(env, info, &checkpoint_ops, "ruvector.checkpoint");
}

napi_value rvn_compact(napi_env env, napi_callback_info info)
{
	return simple_job(env, info, &compact_ops, "ruvector.compact");
}
