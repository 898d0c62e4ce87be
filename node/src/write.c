/*
 * write.c: the Collection's writes of records: insert (one id or a batch,
 * with payloads) and delete. Payload-only writes are in payload.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "work.h"

static void exec_insert(rvn_job *base)
{
	cjob *j = (cjob *)base;
	unsigned fl = (j->flags & RVN_UPSERT) ? RV_UPSERT : 0;
	int rc;
	if (j->n == 1) {
		rc = j->payloads ? rv_insert_payload(j->c, j->ids[0], j->vecs, j->vec_len, j->payloads[0], fl)
		                 : rv_insert(j->c, j->ids[0], j->vecs, j->vec_len, fl);
	} else {
		/* Room for the whole batch in one step: one block, which the core
		 * can back with huge pages, instead of repeated doubling (searches
		 * on SIFT-100k ran about 40% slower without this). A failure here
		 * is not an error: the insert grows as it goes. */
		(void)rv_reserve(j->c, rv_count(j->c) + j->n);
		rc = j->payloads ? rv_insert_batch_payload(j->c, j->n, (const char *const *)j->ids, j->vecs, j->dim,
		                                           (const char *const *)j->payloads, fl)
		                 : rv_insert_batch(j->c, j->n, (const char *const *)j->ids, j->vecs, j->dim, fl);
	}
	if (rc != RV_OK)
		rvn_cjob_fail(j, rc);
}

/* Delete the ids that exist; missing ones are skipped (lib/ reports true or
 * false per id, as ruvector 0.3.2 does). One id: rv_delete. Several:
 * rv_delete_batch, which is all-or-nothing and repairs the graph once, so
 * on RV_ENOTFOUND we keep the ids that exist and retry; a retry can only
 * fail again if another call deleted one of them meanwhile. */
static void exec_delete(rvn_job *base)
{
	cjob *j = (cjob *)base;
	if (j->n == 1) {
		int rc = rv_delete(j->c, j->ids[0]);
		if (rc == RV_OK)
			j->deleted = 1;
		else if (rc != RV_ENOTFOUND)
			rvn_cjob_fail(j, rc);
		return;
	}
	float *tmp = malloc(j->dim * sizeof *tmp);
	if (!tmp) {
		rvn_cjob_oom(j, "delete");
		return;
	}
	size_t n = j->n;
	for (int attempt = 0; attempt < 4; attempt++) {
		int rc = n ? rv_delete_batch(j->c, n, (const char *const *)j->ids) : RV_OK;
		if (rc == RV_OK) {
			j->deleted = n;
			free(tmp);
			return;
		}
		if (rc != RV_ENOTFOUND) {
			rvn_cjob_fail(j, rc);
			free(tmp);
			return;
		}
		size_t keep = 0;
		for (size_t i = 0; i < n; i++) {
			int g = rv_get(j->c, j->ids[i], tmp, j->dim);
			if (g == RV_OK)
				j->ids[keep++] = j->ids[i];
			else if (g != RV_ENOTFOUND) {
				rvn_cjob_fail(j, g);
				free(tmp);
				return;
			}
		}
		n = keep;
	}
	free(tmp);
	/* Still racing with other deleters: one at a time. */
	for (size_t i = 0; i < n; i++) {
		int rc = rv_delete(j->c, j->ids[i]);
		if (rc == RV_OK)
			j->deleted++;
		else if (rc != RV_ENOTFOUND) {
			rvn_cjob_fail(j, rc);
			return;
		}
	}
}

static const rvn_job_ops insert_ops = RVN_CJOB_OPS(exec_insert, rvn_cjob_undefined);

/* delete() resolves to the number deleted. */
static bool delete_result(napi_env env, rvn_job *base, napi_value self, napi_value *out)
{
	(void)self;
	return napi_create_double(env, (double)((cjob *)base)->deleted, out) == napi_ok;
}

static const rvn_job_ops delete_ops = RVN_CJOB_OPS(exec_delete, delete_result);

/* Read the payloads argument of insert into j->payloads: undefined or null
 * (none), a JSON string or null (one id), or an array of n JSON strings
 * or nulls. */
static bool read_payloads(napi_env env, cjob *j, napi_value v)
{
	napi_valuetype t;
	if (napi_typeof(env, v, &t) != napi_ok)
		return false;
	if (t == napi_undefined || t == napi_null)
		return true;
	bool is_array = false;
	if (napi_is_array(env, v, &is_array) != napi_ok)
		return false;
	uint32_t len = 1;
	if (is_array && napi_get_array_length(env, v, &len) != napi_ok)
		return false;
	if ((!is_array && (t != napi_string || j->n != 1)) || (is_array && len != j->n)) {
		char msg[160];
		snprintf(msg, sizeof msg, "payloads must be an array of %zu JSON strings or nulls%s", j->n,
		         j->n == 1 ? ", or one JSON string" : "");
		rvn_throw_type(env, "ERR_INVALID_ARG_TYPE", msg);
		return false;
	}
	j->payloads = calloc(j->n, sizeof *j->payloads);
	if (!j->payloads) {
		rvn_throw_rv(env, RV_ENOMEM, "out of memory copying payloads");
		return false;
	}
	for (uint32_t i = 0; i < j->n; i++) {
		napi_value e = v;
		if (is_array && napi_get_element(env, v, i, &e) != napi_ok)
			return false;
		char what[48];
		if (is_array)
			snprintf(what, sizeof what, "payload %u", i);
		else
			snprintf(what, sizeof what, "payload");
		size_t n;
		if (!rvn_get_text_opt(env, e, what, &j->payloads[i], &n))
			return false;
	}
	return true;
}

/* insert(idsJoined, n, vectors: Float32Array, flags, payloads?) -> Promise<undefined>
 * n ids and n*dim floats; flags RVN_UPSERT, RVN_OWNED; payloads: see
 * read_payloads. */
napi_value rvn_insert(napi_env env, napi_callback_info info)
{
	size_t argc = 5;
	napi_value argv[5], self;
	rvn_coll *rc = rvn_this(env, info, &argc, argv, &self, true);
	if (!rc)
		return NULL;
	if (argc < 4) {
		rvn_throw_type(env, "ERR_MISSING_ARGS", "insert(idsJoined, n, vectors, flags, payloads)");
		return NULL;
	}
	if (argc < 5)
		napi_get_undefined(env, &argv[4]);
	uint64_t flags;
	if (!rvn_get_uint(env, argv[3], "flags", 0, 3, &flags))
		return NULL;
	cjob *j = rvn_cjob_new(env, rc, &insert_ops);
	if (!j)
		return NULL;
	j->flags = (unsigned)flags;
	if (!rvn_cjob_ids(env, j, argv[0], argv[1]) || !rvn_cjob_vectors(env, j, argv[2], flags & RVN_OWNED) ||
	    !read_payloads(env, j, argv[4]))
		return rvn_cjob_drop(env, j);
	if (j->n > 1 && j->vec_len != j->n * (size_t)rc->dim) {
		char msg[160];
		snprintf(msg, sizeof msg, "vectors hold %zu floats; %zu vectors of dimension %u need %zu", j->vec_len,
		         j->n, rc->dim, j->n * (size_t)rc->dim);
		return rvn_cjob_reject(env, j, RV_EDIM, msg);
	}
	return rvn_cjob_queue(env, self, j, "ruvector.insert");
}

/* delete(idsJoined, n) -> Promise<number deleted>; the ids must be distinct. */
napi_value rvn_delete(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value argv[2], self;
	rvn_coll *rc = rvn_this(env, info, &argc, argv, &self, true);
	if (!rc)
		return NULL;
	if (argc < 2) {
		rvn_throw_type(env, "ERR_MISSING_ARGS", "delete(idsJoined, n)");
		return NULL;
	}
	cjob *j = rvn_cjob_new(env, rc, &delete_ops);
	if (!j)
		return NULL;
	if (!rvn_cjob_ids(env, j, argv[0], argv[1]))
		return rvn_cjob_drop(env, j);
	return rvn_cjob_queue(env, self, j, "ruvector.delete");
}
