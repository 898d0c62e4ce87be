/*
 * work.c: the asynchronous methods of the native Collection.
 *
 * Each method checks and converts its arguments on the JS thread, fills a
 * job, and queues it as napi async work, returning a Promise. The job's
 * execute function runs on a libuv worker thread and calls only the C core
 * (no N-API there, as N-API requires); it copies rv_errmsg() into the job
 * before returning, because the core's messages are thread-local. The
 * complete function runs on the JS thread and turns the job's output into JS
 * values, resolving the Promise, or rejects it with an Error whose `code` is
 * the RV_E* name.
 *
 * Memory a worker reads. Vectors are copied into the job before it is
 * queued (a query is 0.5 KiB at 128 floats: the copy costs less than the
 * napi_ref that would keep a buffer alive), except a batch whose buffer the
 * caller marks RVN_OWNED: lib/ allocates that Float32Array itself, never
 * lets user code see it, and the job holds a reference to it until it
 * completes, so nothing can detach or modify it meanwhile.
 *
 * Output that a worker produces (hits, ids, vectors) is malloc'd in the job
 * and copied into JS values on completion: ids as one NUL-joined string
 * (lib/ splits it), distances, scores and vectors as Float32Arrays, payloads
 * as an array of JSON texts (lib/ parses them).
 *
 * Payloads and filters travel as JSON text. A filter is parsed on the JS
 * thread (rv_filter_parse() is bounded: at most RV_FILTER_JSON_MAX bytes)
 * into the job, which frees it; a bad filter rejects the Promise with the
 * parser's message, which names the offending part. Payloads are checked by
 * the core on the worker thread, in the same call as the write.
 *
 * Errors shaped like the core's (wrong dimension) reject the Promise rather
 * than throw, so that callers see every RV_E* error the same way; wrong
 * argument types throw at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addon.h"
#include "lane.h"

/* Searches of a batch are run in chunks whose id buffers stay below this. */
#define IDBUF_CHUNK_BYTES ((size_t)16 << 20)

typedef enum job_kind {
	JOB_INSERT,
	JOB_SEARCH,
	JOB_SEARCH_BATCH,
	JOB_GET,
	JOB_DELETE,
	JOB_VACUUM,
	JOB_OPTIMIZE,
	JOB_CHECK,
	JOB_CHECKPOINT,
	JOB_COMPACT,
	JOB_SEARCH_TEXT,
	JOB_SEARCH_HYBRID,
	JOB_SET_PAYLOAD,
	JOB_GET_PAYLOAD,
	JOB_CREATE_INDEX,
	JOB_COUNT
} job_kind;

typedef struct job {
	rvn_lane_job lane;   /* first: the lane hands jobs around by this */
	napi_async_work work; /* NULL for a job run on the lane */
	napi_deferred deferred;
	napi_ref self_ref;   /* the Collection object: alive while we run */
	napi_ref buf_ref;    /* an RVN_OWNED input buffer, or NULL */
	rvn_coll *rc;
	rv_collection *c;    /* rc->c, which stays valid while pending > 0 */
	uint32_t dim;
	job_kind kind;
	int err;             /* RV_OK or the core's code */
	char msg[512];       /* the core's message for err */

	/* inputs */
	char *ids_joined;    /* NUL-joined ids (malloc) */
	char **ids;          /* pointers into ids_joined (malloc) */
	size_t n;            /* ids, or queries for a batch search */
	const float *vecs;   /* input vectors: vec_copy or an owned buffer */
	float *vec_copy;     /* malloc'd copy, or NULL */
	size_t vec_len;      /* floats at vecs */
	unsigned flags;      /* RVN_* */
	size_t k;
	uint32_t ef;
	char **payloads;     /* insert: n JSON texts or NULLs (malloc each), or NULL */
	char *text;          /* text query; setPayload's payload; createIndex's key */
	rv_filter *filter;   /* parsed filter, or NULL */
	float mmr_lambda;    /* with RVN_MMR */
	uint32_t mmr_candidates;
	rv_hybrid_params hybrid; /* searchHybrid */
	rv_index_kind index_kind; /* createIndex */

	/* outputs */
	char *out_ids;       /* NUL-joined ids of all hits (malloc) */
	size_t out_ids_len;  /* bytes used */
	size_t out_ids_cap;  /* bytes allocated */
	float *out_dist;     /* distances (malloc) */
	float *out_vecs;     /* vectors of the hits or of get() (malloc) */
	float *out_score;    /* scores of the hits (malloc) */
	char *out_pl;        /* payload JSON texts, each NUL-terminated (malloc) */
	size_t out_pl_len;   /* bytes used */
	size_t out_pl_cap;   /* bytes allocated */
	size_t *out_pl_at;   /* hit i's payload starts at out_pl + out_pl_at[i] */
	long long matched;   /* countMatching() */
	int *counts;         /* hits per query (batch) */
	uint8_t *found;      /* get(): which ids exist */
	size_t out_n;        /* hits in total, or vectors */
	size_t deleted;      /* delete(): how many */
	rv_check_report report;
} job;

static void job_free(job *j)
{
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
	free(j);
}

static void job_fail(job *j, int err)
{
	j->err = err;
	snprintf(j->msg, sizeof j->msg, "%s", rv_errmsg(j->c));
}

static void job_oom(job *j, const char *what)
{
	j->err = RV_ENOMEM;
	snprintf(j->msg, sizeof j->msg, "out of memory for %s", what);
}

/* ---- execute functions (worker thread: C core only) ---- */

static void exec_insert(job *j)
{
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
		job_fail(j, rc);
}

/* Append the payload of `id` (JSON text and its NUL) to j->out_pl,
 * growing it. Returns RV_OK, RV_ENOMEM, or the core's code (RV_ENOTFOUND
 * when the record was deleted meanwhile). */
static int append_payload(job *j, const char *id)
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

/* Append the ids of hits[0..n) to j->out_ids (growing it), their
 * distances and scores and, with RVN_VECTORS, their vectors at j->out_n,
 * and with RVN_PAYLOAD their payloads. A hit whose id was deleted between
 * the search and the vector or payload copy is dropped. Returns the hits
 * kept, or -1 when out of memory. */
static int collect_hits(job *j, const rv_hit *hits, int n)
{
	int kept = 0;
	for (int i = 0; i < n; i++) {
		if (!hits[i].id)
			continue;
		size_t pl_mark = j->out_pl_len;
		if (j->flags & RVN_PAYLOAD) {
			int rc = append_payload(j, hits[i].id);
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
static bool alloc_outputs(job *j, size_t total)
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
static void finish_ids(job *j)
{
	if (j->out_ids_len)
		j->out_ids_len--;
}

/* The core's search parameters of a job. */
static rv_search_params params_of(const job *j)
{
	rv_search_params p = {.ef = j->ef,
	                      .flags = ((j->flags & RVN_EXACT) ? RV_SEARCH_EXACT : 0) |
	                               ((j->flags & RVN_MMR) ? RV_SEARCH_MMR : 0),
	                      .filter = j->filter,
	                      .mmr_lambda = j->mmr_lambda,
	                      .mmr_candidates = j->mmr_candidates};
	return p;
}

static void exec_search(job *j)
{
	rv_search_params p = params_of(j);
	rv_hit *hits = malloc(j->k * sizeof *hits);
	size_t idbuf_size = RV_IDBUF_SIZE(j->k);
	char *idbuf = malloc(idbuf_size);
	if (!hits || !idbuf || !alloc_outputs(j, j->k)) {
		job_oom(j, "search results");
		goto out;
	}
	int n = rv_search(j->c, j->vecs, j->vec_len, j->k, &p, hits, idbuf, idbuf_size);
	if (n < 0) {
		job_fail(j, n);
		goto out;
	}
	if (collect_hits(j, hits, n) < 0)
		job_oom(j, "search results");
	finish_ids(j);
out:
	free(hits);
	free(idbuf);
}

static void exec_search_batch(job *j)
{
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
		job_oom(j, "batch search results");
		goto out;
	}
	for (size_t q = 0; q < j->n; q += chunk) {
		size_t nq = j->n - q < chunk ? j->n - q : chunk;
		int rc = rv_search_batch(j->c, nq, j->vecs + q * j->dim, j->dim, j->k, &p, hits, counts, idbuf,
		                         chunk * slice);
		if (rc != RV_OK) {
			job_fail(j, rc);
			if (!j->msg[0] && q > 0)
				snprintf(j->msg, sizeof j->msg, "%s (in the chunk of queries from %zu)", rv_strerror(rc), q);
			goto out;
		}
		for (size_t i = 0; i < nq; i++) {
			int kept = collect_hits(j, hits + i * j->k, counts[i]);
			if (kept < 0) {
				job_oom(j, "batch search results");
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

/* searchText and searchHybrid: one ranked list, like exec_search. */
static void exec_search_text(job *j)
{
	rv_hit *hits = malloc(j->k * sizeof *hits);
	size_t idbuf_size = RV_IDBUF_SIZE(j->k);
	char *idbuf = malloc(idbuf_size);
	if (!hits || !idbuf || !alloc_outputs(j, j->k)) {
		job_oom(j, "search results");
		goto out;
	}
	int n;
	if (j->kind == JOB_SEARCH_TEXT) {
		n = rv_search_text(j->c, j->text, j->k, j->filter, hits, idbuf, idbuf_size);
	} else {
		j->hybrid.vector = params_of(j);
		n = rv_search_hybrid(j->c, j->vecs, j->vec_len, j->text, j->k, &j->hybrid, hits, idbuf, idbuf_size);
	}
	if (n < 0) {
		job_fail(j, n);
		goto out;
	}
	if (collect_hits(j, hits, n) < 0)
		job_oom(j, "search results");
	finish_ids(j);
out:
	free(hits);
	free(idbuf);
}

/* getPayload: the JSON text into out_pl (grown on RV_ERANGE); found[0]
 * says whether the record exists. */
static void exec_get_payload(job *j)
{
	j->found = calloc(1, 1);
	j->out_pl_cap = 256;
	j->out_pl = malloc(j->out_pl_cap);
	if (!j->found || !j->out_pl) {
		job_oom(j, "a payload");
		return;
	}
	int rc = append_payload(j, j->ids[0]);
	if (rc == RV_OK)
		j->found[0] = 1;
	else if (rc == RV_ENOMEM)
		job_oom(j, "a payload");
	else if (rc != RV_ENOTFOUND)
		job_fail(j, rc);
}

static void exec_get(job *j)
{
	j->found = calloc(j->n, 1);
	j->out_vecs = malloc(j->n * j->dim * sizeof(float));
	if (!j->found || !j->out_vecs) {
		job_oom(j, "get results");
		return;
	}
	for (size_t i = 0; i < j->n; i++) {
		int rc = rv_get(j->c, j->ids[i], j->out_vecs + i * j->dim, j->dim);
		if (rc == RV_OK)
			j->found[i] = 1;
		else if (rc != RV_ENOTFOUND) {
			job_fail(j, rc);
			return;
		}
	}
}

/* Delete the ids that exist; missing ones are skipped (lib/ reports true or
 * false per id, as ruvector 0.3.2 does). One id: rv_delete. Several:
 * rv_delete_batch, which is all-or-nothing and repairs the graph once, so
 * on RV_ENOTFOUND we keep the ids that exist and retry; a retry can only
 * fail again if another call deleted one of them meanwhile. */
static void exec_delete(job *j)
{
	if (j->n == 1) {
		int rc = rv_delete(j->c, j->ids[0]);
		if (rc == RV_OK)
			j->deleted = 1;
		else if (rc != RV_ENOTFOUND)
			job_fail(j, rc);
		return;
	}
	float *tmp = malloc(j->dim * sizeof *tmp);
	if (!tmp) {
		job_oom(j, "delete");
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
			job_fail(j, rc);
			free(tmp);
			return;
		}
		size_t keep = 0;
		for (size_t i = 0; i < n; i++) {
			int g = rv_get(j->c, j->ids[i], tmp, j->dim);
			if (g == RV_OK)
				j->ids[keep++] = j->ids[i];
			else if (g != RV_ENOTFOUND) {
				job_fail(j, g);
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
			job_fail(j, rc);
			return;
		}
	}
}

static void execute(napi_env env, void *data)
{
	(void)env;
	job *j = data;
	switch (j->kind) {
	case JOB_INSERT: exec_insert(j); break;
	case JOB_SEARCH: exec_search(j); break;
	case JOB_SEARCH_BATCH: exec_search_batch(j); break;
	case JOB_GET: exec_get(j); break;
	case JOB_DELETE: exec_delete(j); break;
	case JOB_VACUUM: {
		int rc = rv_vacuum(j->c);
		if (rc != RV_OK)
			job_fail(j, rc);
		break;
	}
	case JOB_OPTIMIZE: {
		int rc = rv_optimize(j->c);
		if (rc != RV_OK)
			job_fail(j, rc);
		break;
	}
	case JOB_CHECK: {
		int rc = rv_check(j->c, &j->report);
		if (rc != RV_OK && rc != RV_ECORRUPT) /* a corrupt graph is a report, not a failure */
			job_fail(j, rc);
		break;
	}
	case JOB_CHECKPOINT: {
		int rc = rv_checkpoint(j->c);
		if (rc != RV_OK)
			job_fail(j, rc);
		break;
	}
	case JOB_COMPACT: {
		int rc = rv_compact(j->c);
		if (rc != RV_OK)
			job_fail(j, rc);
		break;
	}
	case JOB_SEARCH_TEXT:
	case JOB_SEARCH_HYBRID: exec_search_text(j); break;
	case JOB_SET_PAYLOAD: {
		int rc = rv_set_payload(j->c, j->ids[0], j->text);
		if (rc != RV_OK)
			job_fail(j, rc);
		break;
	}
	case JOB_GET_PAYLOAD: exec_get_payload(j); break;
	case JOB_CREATE_INDEX: {
		int rc = rv_create_index(j->c, j->text, j->index_kind);
		if (rc != RV_OK)
			job_fail(j, rc);
		break;
	}
	case JOB_COUNT: {
		long long n = rv_count_matching(j->c, j->filter);
		if (n < 0)
			job_fail(j, (int)n);
		else
			j->matched = n;
		break;
	}
	}
}

/* ---- complete (JS thread) ---- */

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

static bool set_u64(napi_env env, napi_value obj, const char *name, uint64_t x)
{
	napi_value v;
	return napi_create_double(env, (double)x, &v) == napi_ok && napi_set_named_property(env, obj, name, v) == napi_ok;
}

/* The value a successful job resolves to, or NULL (an exception is pending). */
static napi_value result_of(napi_env env, job *j)
{
	napi_value out, v;
	switch (j->kind) {
	case JOB_INSERT:
	case JOB_VACUUM:
	case JOB_OPTIMIZE:
	case JOB_CHECKPOINT:
	case JOB_COMPACT:
	case JOB_SET_PAYLOAD:
	case JOB_CREATE_INDEX:
		RVN_CALL(env, napi_get_undefined(env, &out), NULL);
		return out;
	case JOB_COUNT:
		RVN_CALL(env, napi_create_double(env, (double)j->matched, &out), NULL);
		return out;
	case JOB_GET_PAYLOAD:
		/* the JSON text, or null when the record does not exist */
		if (!j->found[0]) {
			RVN_CALL(env, napi_get_null(env, &out), NULL);
			return out;
		}
		RVN_CALL(env, napi_create_string_utf8(env, j->out_pl, NAPI_AUTO_LENGTH, &out), NULL);
		return out;
	case JOB_DELETE:
		RVN_CALL(env, napi_create_double(env, (double)j->deleted, &out), NULL);
		return out;
	case JOB_SEARCH:
	case JOB_SEARCH_BATCH:
	case JOB_SEARCH_TEXT:
	case JOB_SEARCH_HYBRID: {
		/* [ids joined by NUL, distances, vectors or undefined, counts or
		 *  undefined, scores, payload JSON texts or undefined] */
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
		if (j->kind == JOB_SEARCH_BATCH) {
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
				RVN_CALL(env, napi_create_string_utf8(env, j->out_pl + j->out_pl_at[i], NAPI_AUTO_LENGTH, &s),
				         NULL);
				RVN_CALL(env, napi_set_element(env, v, (uint32_t)i, s), NULL);
			}
			RVN_CALL(env, napi_set_element(env, out, 5, v), NULL);
		}
		return out;
	}
	case JOB_GET: {
		/* [vectors (n*dim), found (Uint8Array n)] */
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
	case JOB_CHECK: {
		rv_check_report *r = &j->report;
		RVN_CALL(env, napi_create_object(env, &out), NULL);
		if (!set_u64(env, out, "nodes", r->nodes) || !set_u64(env, out, "edges", r->edges) ||
		    !set_u64(env, out, "reciprocal", r->reciprocal) || !set_u64(env, out, "dangling", r->dangling) ||
		    !set_u64(env, out, "badLevel", r->bad_level) || !set_u64(env, out, "duplicates", r->duplicates) ||
		    !set_u64(env, out, "unreachable", r->unreachable) ||
		    !set_u64(env, out, "pendingDeletes", r->pending_deletes))
			return NULL;
		RVN_CALL(env, napi_create_string_utf8(env, r->first_problem, NAPI_AUTO_LENGTH, &v), NULL);
		RVN_CALL(env, napi_set_named_property(env, out, "firstProblem", v), NULL);
		RVN_CALL(env, napi_get_boolean(env, r->first_problem[0] == '\0', &v), NULL);
		RVN_CALL(env, napi_set_named_property(env, out, "ok", v), NULL);
		return out;
	}
	}
	return NULL;
}

static void complete(napi_env env, napi_status status, void *data)
{
	job *j = data;
	napi_value value = NULL;
	bool ok = false;
	if (status == napi_cancelled) {
		value = rvn_make_error(env, RV_EINVAL, "the operation was cancelled");
	} else if (j->err != RV_OK) {
		value = rvn_make_error(env, j->err, j->msg);
	} else {
		value = result_of(env, j);
		ok = value != NULL;
		if (!ok) {
			/* Building the result threw (out of memory in V8): reject with it. */
			bool pending = false;
			if (napi_is_exception_pending(env, &pending) == napi_ok && pending)
				napi_get_and_clear_last_exception(env, &value);
		}
	}
	if (!value)
		napi_get_undefined(env, &value);
	if (ok)
		napi_resolve_deferred(env, j->deferred, value);
	else
		napi_reject_deferred(env, j->deferred, value);
	if (j->work)
		napi_delete_async_work(env, j->work);
	napi_value self = NULL;
	if (napi_get_reference_value(env, j->self_ref, &self) != napi_ok)
		self = NULL;
	rvn_release(env, j->rc, self);
	napi_delete_reference(env, j->self_ref);
	if (j->buf_ref)
		napi_delete_reference(env, j->buf_ref);
	job_free(j);
}

/* Queue `j` and return its Promise. On failure frees j and returns NULL. */
static napi_value queue_job(napi_env env, napi_value self, job *j, const char *name)
{
	napi_value promise, resource;
	if (napi_create_reference(env, self, 1, &j->self_ref) != napi_ok)
		goto fail;
	if (napi_create_promise(env, &j->deferred, &promise) != napi_ok)
		goto fail;
	if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource) != napi_ok ||
	    napi_create_async_work(env, NULL, resource, execute, complete, j, &j->work) != napi_ok) {
		napi_value err = rvn_make_error(env, RV_ENOMEM, "cannot create async work");
		napi_reject_deferred(env, j->deferred, err);
		goto fail_promise;
	}
	if (napi_queue_async_work(env, j->work) != napi_ok) {
		napi_delete_async_work(env, j->work);
		napi_value err = rvn_make_error(env, RV_ENOMEM, "cannot queue async work");
		napi_reject_deferred(env, j->deferred, err);
		goto fail_promise;
	}
	j->rc->pending++;
	return promise;
fail_promise:
	napi_delete_reference(env, j->self_ref);
	if (j->buf_ref)
		napi_delete_reference(env, j->buf_ref);
	job_free(j);
	return promise;
fail:
	if (j->self_ref)
		napi_delete_reference(env, j->self_ref);
	if (j->buf_ref)
		napi_delete_reference(env, j->buf_ref);
	job_free(j);
	return NULL;
}

/* A Promise already rejected with an RV_E* error. */
static napi_value rejected(napi_env env, int rc, const char *msg)
{
	napi_deferred d;
	napi_value promise;
	RVN_CALL(env, napi_create_promise(env, &d, &promise), NULL);
	napi_value err = rvn_make_error(env, rc, msg);
	if (!err)
		return NULL;
	RVN_CALL(env, napi_reject_deferred(env, d, err), NULL);
	return promise;
}

static job *job_new(napi_env env, rvn_coll *rc, job_kind kind)
{
	job *j = calloc(1, sizeof *j);
	if (!j) {
		rvn_throw_rv(env, RV_ENOMEM, "out of memory for a job");
		return NULL;
	}
	j->rc = rc;
	j->c = rc->c;
	j->dim = rc->dim;
	j->kind = kind;
	return j;
}

/* Read `idsJoined, n` at argv[0], argv[1] into the job. */
static bool job_ids(napi_env env, job *j, napi_value joined, napi_value count)
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
static bool job_vectors(napi_env env, job *j, napi_value v, bool owned)
{
	float *p;
	size_t len;
	if (!rvn_get_f32(env, v, "vectors", &p, &len))
		return false;
	j->vec_len = len;
	if (owned && len) {
		if (napi_create_reference(env, v, 1, &j->buf_ref) != napi_ok)
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

/* Read the payloads argument of insert into j->payloads: undefined or null
 * (none), a JSON string or null (one id), or an array of n JSON strings
 * or nulls. */
static bool job_payloads(napi_env env, job *j, napi_value v)
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

/* Parse the filter JSON text `v` (undefined or null: none) into j->filter.
 * False after throwing (not a string); true otherwise, with *bad the core's
 * code and err its message (naming the offending part) for a bad filter. */
static bool job_filter(napi_env env, job *j, napi_value v, int *bad, char *err, size_t errsize)
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

/* Read the filter and MMR arguments of a search (filter JSON, lambda,
 * candidates); see job_filter for *bad. */
static bool job_search_extras(napi_env env, job *j, napi_value filter, napi_value lambda, napi_value cands,
                              int *bad, char *err, size_t errsize)
{
	double l = 0;
	uint64_t mc;
	if (!rvn_get_double_opt(env, lambda, "mmr lambda", &l) ||
	    !rvn_get_uint_opt(cands, env, "mmr candidates", 0, 4294967295.0, 0, &mc))
		return false;
	j->mmr_lambda = (float)l;
	j->mmr_candidates = (uint32_t)mc;
	return job_filter(env, j, filter, bad, err, errsize);
}

/* Drop a job that was never queued, and return a Promise rejected with
 * (code, msg). */
static napi_value job_reject(napi_env env, job *j, int code, const char *msg)
{
	if (j->buf_ref)
		napi_delete_reference(env, j->buf_ref);
	job_free(j);
	return rejected(env, code, msg);
}

/* Drop a job that was never queued after an exception was thrown. */
static napi_value job_drop(napi_env env, job *j)
{
	if (j->buf_ref)
		napi_delete_reference(env, j->buf_ref);
	job_free(j);
	return NULL;
}

/* insert(idsJoined, n, vectors: Float32Array, flags, payloads?) -> Promise<undefined>
 * n ids and n*dim floats; flags RVN_UPSERT, RVN_OWNED; payloads: see
 * job_payloads. */
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
	job *j = job_new(env, rc, JOB_INSERT);
	if (!j)
		return NULL;
	j->flags = (unsigned)flags;
	if (!job_ids(env, j, argv[0], argv[1]) || !job_vectors(env, j, argv[2], flags & RVN_OWNED) ||
	    !job_payloads(env, j, argv[4]))
		return job_drop(env, j);
	if (j->n > 1 && j->vec_len != j->n * (size_t)rc->dim) {
		char msg[160];
		snprintf(msg, sizeof msg, "vectors hold %zu floats; %zu vectors of dimension %u need %zu", j->vec_len,
		         j->n, rc->dim, j->n * (size_t)rc->dim);
		if (j->buf_ref)
			napi_delete_reference(env, j->buf_ref);
		job_free(j);
		return rejected(env, RV_EDIM, msg);
	}
	return queue_job(env, self, j, "ruvector.insert");
}

/* Parse k and ef and the search flags at argv[1..3]. */
static bool search_params(napi_env env, rvn_coll *rc, napi_value *argv, job *j)
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

/* ---- the lane (lane.c): single searches without thread wake-ups ---- */

static void lane_exec(rvn_lane_job *lj) { execute(NULL, (job *)lj); }

static bool schedule_poll(napi_env env, rvn_env_state *st)
{
	napi_value fn, poll, global;
	if (napi_get_reference_value(env, st->set_immediate, &fn) != napi_ok ||
	    napi_get_reference_value(env, st->poll_fn, &poll) != napi_ok || napi_get_global(env, &global) != napi_ok ||
	    napi_call_function(env, global, fn, 1, &poll, NULL) != napi_ok)
		return false;
	st->polling = true;
	return true;
}

/* setImmediate callback: complete what the lane finished; poll again while
 * a job is out. */
static napi_value lane_poll(napi_env env, napi_callback_info info)
{
	(void)info;
	rvn_env_state *st = rvn_env(env);
	if (!st)
		return NULL;
	st->polling = false;
	rvn_lane_job *lj = rvn_lane_collect(st->lane);
	while (lj) {
		rvn_lane_job *next = lj->next;
		complete(env, napi_ok, lj);
		lj = next;
	}
	if (rvn_lane_busy(st->lane))
		schedule_poll(env, st);
	return NULL;
}

/* The environment's lane state, set up on first use; NULL if unavailable. */
static rvn_env_state *lane_for(napi_env env)
{
	rvn_env_state *st = rvn_env(env);
	if (!st)
		return NULL;
	if (!st->lane_tried) {
		st->lane_tried = true;
		napi_value global, fn, poll;
		napi_valuetype t;
		if (napi_get_global(env, &global) != napi_ok ||
		    napi_get_named_property(env, global, "setImmediate", &fn) != napi_ok ||
		    napi_typeof(env, fn, &t) != napi_ok || t != napi_function ||
		    napi_create_function(env, "ruvectorLanePoll", NAPI_AUTO_LENGTH, lane_poll, NULL, &poll) != napi_ok ||
		    napi_create_reference(env, fn, 1, &st->set_immediate) != napi_ok ||
		    napi_create_reference(env, poll, 1, &st->poll_fn) != napi_ok)
			return st; /* no lane: st->lane stays NULL */
		st->lane = rvn_lane_new(env, lane_exec);
	}
	return st;
}

/* Queue a single search: on the lane when it is idle, else as async work. */
static napi_value queue_search(napi_env env, napi_value self, job *j)
{
	rvn_env_state *st = lane_for(env);
	if (!st || !st->lane || rvn_lane_busy(st->lane) || (!st->polling && !schedule_poll(env, st)))
		return queue_job(env, self, j, "ruvector.search");
	napi_value promise;
	if (napi_create_reference(env, self, 1, &j->self_ref) != napi_ok) {
		job_free(j);
		return NULL;
	}
	if (napi_create_promise(env, &j->deferred, &promise) != napi_ok) {
		napi_delete_reference(env, j->self_ref);
		job_free(j);
		return NULL;
	}
	j->rc->pending++;
	rvn_lane_submit(st->lane, &j->lane);
	return promise;
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
	job *j = job_new(env, rc, JOB_SEARCH);
	if (!j)
		return NULL;
	int bad;
	char err[512];
	if (!search_params(env, rc, argv + 1, j) || !job_vectors(env, j, argv[0], false) ||
	    !job_search_extras(env, j, argv[4], argv[5], argv[6], &bad, err, sizeof err))
		return job_drop(env, j);
	if (bad != RV_OK)
		return job_reject(env, j, bad, err);
	if (j->flags & RVN_NOLANE)
		return queue_job(env, self, j, "ruvector.search");
	return queue_search(env, self, j);
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
	job *j = job_new(env, rc, JOB_SEARCH_BATCH);
	if (!j)
		return NULL;
	j->n = (size_t)nq;
	int bad;
	char err[512];
	if (!search_params(env, rc, argv + 2, j) || !job_vectors(env, j, argv[0], owned) ||
	    !job_search_extras(env, j, argv[6], argv[7], argv[8], &bad, err, sizeof err))
		return job_drop(env, j);
	if (bad != RV_OK)
		return job_reject(env, j, bad, err);
	if (j->vec_len != j->n * (size_t)rc->dim) {
		char msg[160];
		snprintf(msg, sizeof msg, "queries hold %zu floats; %zu queries of dimension %u need %zu", j->vec_len,
		         j->n, rc->dim, j->n * (size_t)rc->dim);
		if (j->buf_ref)
			napi_delete_reference(env, j->buf_ref);
		job_free(j);
		return rejected(env, RV_EDIM, msg);
	}
	return queue_job(env, self, j, "ruvector.searchBatch");
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
	job *j = job_new(env, rc, JOB_GET);
	if (!j)
		return NULL;
	if (!job_ids(env, j, argv[0], argv[1])) {
		job_free(j);
		return NULL;
	}
	return queue_job(env, self, j, "ruvector.get");
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
	job *j = job_new(env, rc, JOB_DELETE);
	if (!j)
		return NULL;
	if (!job_ids(env, j, argv[0], argv[1])) {
		job_free(j);
		return NULL;
	}
	return queue_job(env, self, j, "ruvector.delete");
}

static napi_value simple_job(napi_env env, napi_callback_info info, job_kind kind, const char *name)
{
	napi_value self;
	rvn_coll *rc = rvn_this(env, info, NULL, NULL, &self, true);
	if (!rc)
		return NULL;
	job *j = job_new(env, rc, kind);
	if (!j)
		return NULL;
	return queue_job(env, self, j, name);
}

napi_value rvn_vacuum(napi_env env, napi_callback_info info)
{
	return simple_job(env, info, JOB_VACUUM, "ruvector.vacuum");
}

napi_value rvn_optimize(napi_env env, napi_callback_info info)
{
	return simple_job(env, info, JOB_OPTIMIZE, "ruvector.optimize");
}

napi_value rvn_check(napi_env env, napi_callback_info info)
{
	return simple_job(env, info, JOB_CHECK, "ruvector.check");
}

/* checkpoint() / compact(): persistent collections; for an in-memory one
 * the core does nothing (checkpoint) or repairs and renumbers (compact). */
napi_value rvn_checkpoint(napi_env env, napi_callback_info info)
{
	return simple_job(env, info, JOB_CHECKPOINT, "ruvector.checkpoint");
}

napi_value rvn_compact(napi_env env, napi_callback_info info)
{
	return simple_job(env, info, JOB_COMPACT, "ruvector.compact");
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
	job *j = job_new(env, rc, JOB_SEARCH_TEXT);
	if (!j)
		return NULL;
	napi_value undef;
	napi_get_undefined(env, &undef);
	napi_value sp[3] = {argv[1], undef, argv[2]};
	size_t len;
	int bad;
	char err[512];
	if (!search_params(env, rc, sp, j) || !rvn_get_string(env, argv[0], "text", &j->text, &len) ||
	    !job_filter(env, j, argv[3], &bad, err, sizeof err))
		return job_drop(env, j);
	if (strlen(j->text) != len)
		return job_reject(env, j, RV_EINVAL, "text contains a NUL character");
	if (bad != RV_OK)
		return job_reject(env, j, bad, err);
	return queue_job(env, self, j, "ruvector.searchText");
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
	job *j = job_new(env, rc, JOB_SEARCH_HYBRID);
	if (!j)
		return NULL;
	rv_hybrid_params_init(&j->hybrid);
	double vw = j->hybrid.vector_weight, tw = j->hybrid.text_weight, rk = j->hybrid.rrf_k;
	uint64_t fusion, depth;
	size_t len;
	int bad;
	char err[512];
	if (!search_params(env, rc, argv + 2, j) || !job_vectors(env, j, argv[0], false) ||
	    !rvn_get_string(env, argv[1], "text", &j->text, &len) ||
	    !rvn_get_uint_opt(argv[6], env, "fusion", 0, 1, (uint64_t)j->hybrid.fusion, &fusion) ||
	    !rvn_get_double_opt(env, argv[7], "vectorWeight", &vw) || !rvn_get_double_opt(env, argv[8], "textWeight", &tw) ||
	    !rvn_get_double_opt(env, argv[9], "rrfK", &rk) ||
	    !rvn_get_uint_opt(argv[10], env, "depth", 0, 4294967295.0, j->hybrid.depth, &depth) ||
	    !job_filter(env, j, argv[5], &bad, err, sizeof err))
		return job_drop(env, j);
	if (strlen(j->text) != len)
		return job_reject(env, j, RV_EINVAL, "text contains a NUL character");
	if (bad != RV_OK)
		return job_reject(env, j, bad, err);
	j->flags &= ~(unsigned)(RVN_MMR | RVN_NOLANE);
	j->hybrid.fusion = fusion ? RV_FUSION_WEIGHTED : RV_FUSION_RRF;
	j->hybrid.vector_weight = (float)vw;
	j->hybrid.text_weight = (float)tw;
	j->hybrid.rrf_k = (float)rk;
	j->hybrid.depth = (uint32_t)depth;
	return queue_job(env, self, j, "ruvector.searchHybrid");
}

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
	job *j = job_new(env, rc, JOB_SET_PAYLOAD);
	if (!j)
		return NULL;
	size_t len;
	if (!job_ids(env, j, argv[0], one) || !rvn_get_text_opt(env, argv[1], "payload", &j->text, &len))
		return job_drop(env, j);
	return queue_job(env, self, j, "ruvector.setPayload");
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
	job *j = job_new(env, rc, JOB_GET_PAYLOAD);
	if (!j)
		return NULL;
	if (!job_ids(env, j, argv[0], one))
		return job_drop(env, j);
	return queue_job(env, self, j, "ruvector.getPayload");
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
	job *j = job_new(env, rc, JOB_CREATE_INDEX);
	if (!j)
		return NULL;
	j->index_kind = (rv_index_kind)kind;
	size_t len;
	if (!rvn_get_string(env, argv[0], "key", &j->text, &len))
		return job_drop(env, j);
	if (strlen(j->text) != len)
		return job_reject(env, j, RV_EINVAL, "key contains a NUL character");
	return queue_job(env, self, j, "ruvector.createIndex");
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
	job *j = job_new(env, rc, JOB_COUNT);
	if (!j)
		return NULL;
	int bad;
	char err[512];
	if (!job_filter(env, j, argv[0], &bad, err, sizeof err))
		return job_drop(env, j);
	if (bad != RV_OK)
		return job_reject(env, j, bad, err);
	if (!j->filter)
		return job_reject(env, j, RV_EINVAL, "countMatching needs a filter");
	return queue_job(env, self, j, "ruvector.countMatching");
}
