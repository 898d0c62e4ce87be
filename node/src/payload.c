/*
 * payload.c: the Collection's payload methods: setPayload, mergePayload,
 * getPayload, createIndex (a payload index) and countMatching (a filter
 * over payloads).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "work.h"

static void exec_set_payload(rvn_job *base)
{
	cjob *j = (cjob *)base;
	int rc = rv_set_payload(j->c, j->ids[0], j->text);
	if (rc != RV_OK)
		rvn_cjob_fail(j, rc);
}

static void exec_merge_payload(rvn_job *base)
{
	cjob *j = (cjob *)base;
	int rc = rv_merge_payload(j->c, j->ids[0], j->text);
	if (rc != RV_OK)
		rvn_cjob_fail(j, rc);
}

/* getPayload: the JSON text into out_pl (grown on RV_ERANGE); found[0]
 * says whether the record exists. */
static void exec_get_payload(rvn_job *base)
{
	cjob *j = (cjob *)base;
	j->found = calloc(1, 1);
	j->out_pl_cap = 256;
	j->out_pl = malloc(j->out_pl_cap);
	if (!j->found || !j->out_pl) {
		rvn_cjob_oom(j, "a payload");
		return;
	}
	int rc = rvn_cjob_append_payload(j, j->ids[0]);
	if (rc == RV_OK)
		j->found[0] = 1;
	else if (rc == RV_ENOMEM)
		rvn_cjob_oom(j, "a payload");
	else if (rc != RV_ENOTFOUND)
		rvn_cjob_fail(j, rc);
}

static void exec_create_index(rvn_job *base)
{
	cjob *j = (cjob *)base;
	int rc = rv_create_index(j->c, j->text, j->index_kind);
	if (rc != RV_OK)
		rvn_cjob_fail(j, rc);
}

static void exec_count(rvn_job *base)
{
	cjob *j = (cjob *)base;
	long long n = rv_count_matching(j->c, j->filter);
	if (n < 0)
		rvn_cjob_fail(j, (int)n);
	else
		j->matched = n;
}

/* getPayload: the JSON text, or null when the record does not exist. */
static bool get_payload_result(napi_env env, rvn_job *base, napi_value self, napi_value *out)
{
	(void)self;
	cjob *j = (cjob *)base;
	if (!j->found[0])
		return napi_get_null(env, out) == napi_ok;
	return napi_create_string_utf8(env, j->out_pl, NAPI_AUTO_LENGTH, out) == napi_ok;
}

static bool count_result(napi_env env, rvn_job *base, napi_value self, napi_value *out)
{
	(void)self;
	return napi_create_double(env, (double)((cjob *)base)->matched, out) == napi_ok;
}

static const rvn_job_ops set_payload_ops = RVN_CJOB_OPS(exec_set_payload, rvn_cjob_undefined);
static const rvn_job_ops merge_payload_ops = RVN_CJOB_OPS(exec_merge_payload, rvn_cjob_undefined);
static const rvn_job_ops get_payload_ops = RVN_CJOB_OPS(exec_get_payload, get_payload_result);
static const rvn_job_ops create_index_ops = RVN_CJOB_OPS(exec_create_index, rvn_cjob_undefined);
static const rvn_job_ops count_ops = RVN_CJOB_OPS(exec_count, count_result);

/* setPayload(id, payload: JSON string | null) -> Promise<undefined>;
 * null removes it. Rejects RV_ENOTFOUND for an unknown id. */
napi_value rvn_set_payload(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value argv[2], self, one;
	rvn_coll *rc = rvn_this(env, info, &argc, argv, &self, true);
	if (!rc)
		return NULL;
	if (argc < 2) {
		rvn_throw_type(env, "ERR_MISSING_ARGS", "setPayload(id, payload)");
		return NULL;
	}
	RVN_CALL(env, napi_create_uint32(env, 1, &one), NULL);
	cjob *j = rvn_cjob_new(env, rc, &set_payload_ops);
	if (!j)
		return NULL;
	size_t len;
	if (!rvn_cjob_ids(env, j, argv[0], one) || !rvn_get_text_opt(env, argv[1], "payload", &j->text, &len))
		return rvn_cjob_drop(env, j);
	return rvn_cjob_queue(env, self, j, "ruvector.setPayload");
}

/* mergePayload(id, patch: JSON string) -> Promise<undefined>: a JSON merge
 * patch (RFC 7386) applied in the core as one write. */
napi_value rvn_merge_payload(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value argv[2], self, one;
	rvn_coll *rc = rvn_this(env, info, &argc, argv, &self, true);
	if (!rc)
		return NULL;
	if (argc < 2) {
		rvn_throw_type(env, "ERR_MISSING_ARGS", "mergePayload(id, patch)");
		return NULL;
	}
	RVN_CALL(env, napi_create_uint32(env, 1, &one), NULL);
	cjob *j = rvn_cjob_new(env, rc, &merge_payload_ops);
	if (!j)
		return NULL;
	size_t len;
	if (!rvn_cjob_ids(env, j, argv[0], one) || !rvn_get_text_opt(env, argv[1], "patch", &j->text, &len))
		return rvn_cjob_drop(env, j);
	if (!j->text) {
		rvn_throw_type(env, "ERR_INVALID_ARG_TYPE", "patch must be a JSON object");
		return rvn_cjob_drop(env, j);
	}
	return rvn_cjob_queue(env, self, j, "ruvector.mergePayload");
}

/* getPayload(id) -> Promise<JSON string ("{}" without a payload) | null (no such id)> */
napi_value rvn_get_payload(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1], self, one;
	rvn_coll *rc = rvn_this(env, info, &argc, argv, &self, true);
	if (!rc)
		return NULL;
	if (argc < 1) {
		rvn_throw_type(env, "ERR_MISSING_ARGS", "getPayload(id)");
		return NULL;
	}
	RVN_CALL(env, napi_create_uint32(env, 1, &one), NULL);
	cjob *j = rvn_cjob_new(env, rc, &get_payload_ops);
	if (!j)
		return NULL;
	if (!rvn_cjob_ids(env, j, argv[0], one))
		return rvn_cjob_drop(env, j);
	return rvn_cjob_queue(env, self, j, "ruvector.getPayload");
}

/* createIndex(key, kind: 1 keyword | 2 numeric | 3 text) -> Promise<undefined>
 * Indexes the existing records too, so it runs off the JS thread. */
napi_value rvn_create_index(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value argv[2], self;
	rvn_coll *rc = rvn_this(env, info, &argc, argv, &self, true);
	if (!rc)
		return NULL;
	if (argc < 2) {
		rvn_throw_type(env, "ERR_MISSING_ARGS", "createIndex(key, kind)");
		return NULL;
	}
	uint64_t kind;
	if (!rvn_get_uint(env, argv[1], "kind", RV_INDEX_KEYWORD, RV_INDEX_TEXT, &kind))
		return NULL;
	cjob *j = rvn_cjob_new(env, rc, &create_index_ops);
	if (!j)
		return NULL;
	j->index_kind = (rv_index_kind)kind;
	size_t len;
	if (!rvn_get_string(env, argv[0], "key", &j->text, &len))
		return rvn_cjob_drop(env, j);
	if (strlen(j->text) != len)
		return rvn_cjob_reject(env, j, RV_EINVAL, "key contains a NUL character");
	return rvn_cjob_queue(env, self, j, "ruvector.createIndex");
}

/* countMatching(filter: JSON string) -> Promise<number> */
napi_value rvn_count_matching(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1], self;
	rvn_coll *rc = rvn_this(env, info, &argc, argv, &self, true);
	if (!rc)
		return NULL;
	if (argc < 1) {
		rvn_throw_type(env, "ERR_MISSING_ARGS", "countMatching(filter)");
		return NULL;
	}
	cjob *j = rvn_cjob_new(env, rc, &count_ops);
	if (!j)
		return NULL;
	int bad;
	char err[512];
	if (!rvn_cjob_filter(env, j, argv[0], &bad, err, sizeof err))
		return rvn_cjob_drop(env, j);
	if (bad != RV_OK)
		return rvn_cjob_reject(env, j, bad, err);
	if (!j->filter)
		return rvn_cjob_reject(env, j, RV_EINVAL, "countMatching needs a filter");
	return rvn_cjob_queue(env, self, j, "ruvector.countMatching");
}
