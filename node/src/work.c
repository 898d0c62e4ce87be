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
 * (lib/ splits it), distances and vectors as Float32Arrays.
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
	JOB_COMPACT
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

	/* outputs */
	char *out_ids;       /* NUL-joined ids of all hits (malloc) */
	size_t out_ids_len;  /* bytes used */
	size_t out_ids_cap;  /* bytes allocated */
	float *out_dist;     /* distances (malloc) */
	float *out_vecs;     /* vectors of the hits or of get() (malloc) */
	int *counts;         /* hits per query (batch) */
	uint8_t *found;      /* get(): which ids exist */
	size_t out_n;        /* hits in total, or vectors */
	size_t deleted;      /* delete(): how many */
	rv_check_report report;
} job;

static void job_free(job *j)
{
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
		rc = rv_insert(j->c, j->ids[0], j->vecs, j->vec_len, fl);
	} else {
		/* Room for the whole batch in one step: one block, which the core
		 * can back with huge pages, instead of repeated doubling (searches
		 * on SIFT-100k ran about 40% slower without this). A failure here
		 * is not an error: the insert grows as it goes. */
		(void)rv_reserve(j->c, rv_count(j->c) + j->n);
		rc = rv_insert_batch(j->c, j->n, (const char *const *)j->ids, j->vecs, j->dim, fl);
	}
	if (rc != RV_OK)
		job_fail(j, rc);
}

/* Append the ids of hits[0..n) to j->out_ids (growing it), their
 * distances and, with RVN_VECTORS, their vectors at j->out_n. A hit whose id
 * was deleted between the search and the vector copy is dropped. Returns
 * the hits kept, or -1 when out of memory. */
static int collect_hits(job *j, const rv_hit *hits, int n)
{
	int kept = 0;
	for (int i = 0; i < n; i++) {
		if (!hits[i].id)
			continue;
		if (j->flags & RVN_VECTORS) {
			int rc = rv_get(j->c, hits[i].id, j->out_vecs + j->out_n * j->dim, j->dim);
			if (rc != RV_OK)
				continue;
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
	if (j->flags & RVN_VECTORS)
		j->out_vecs = malloc((total ? total : 1) * j->dim * sizeof(float));
	return j->out_ids && j->out_dist && (!(j->flags & RVN_VECTORS) || j->out_vecs);
}

/* The joined ids end with a separator; drop it. */
static void finish_ids(job *j)
{
	if (j->out_ids_len)
		j->out_ids_len--;
}

static void exec_search(job *j)
{
	rv_search_params p = {.ef = j->ef, .flags = (j->flags & RVN_EXACT) ? RV_SEARCH_EXACT : 0};
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
	rv_search_params p = {.ef = j->ef, .flags = (j->flags & RVN_EXACT) ? RV_SEARCH_EXACT : 0};
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
		RVN_CALL(env, napi_get_undefined(env, &out), NULL);
		return out;
	case JOB_DELETE:
		RVN_CALL(env, napi_create_double(env, (double)j->deleted, &out), NULL);
		return out;
	case JOB_SEARCH:
	case JOB_SEARCH_BATCH: {
		/* [ids joined by NUL, distances, vectors or undefined, counts or undefined] */
		RVN_CALL(env, napi_create_array_with_length(env, 4, &out), NULL);
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

/* insert(idsJoined, n, vectors: Float32Array, flags) -> Promise<undefined>
 * n ids and n*dim floats; flags RVN_UPSERT, RVN_OWNED. */
napi_value rvn_insert(napi_env env, napi_callback_info info)
{
	size_t argc = 4;
	napi_value argv[4], self;
	rvn_coll *rc = rvn_this(env, info, &argc, argv, &self, true);
	if (!rc)
		return NULL;
	if (argc < 4) {
		rvn_throw_type(env, "ERR_MISSING_ARGS", "insert(idsJoined, n, vectors, flags)");
		return NULL;
	}
	uint64_t flags;
	if (!rvn_get_uint(env, argv[3], "flags", 0, 3, &flags))
		return NULL;
	job *j = job_new(env, rc, JOB_INSERT);
	if (!j)
		return NULL;
	j->flags = (unsigned)flags;
	if (!job_ids(env, j, argv[0], argv[1]) || !job_vectors(env, j, argv[2], flags & RVN_OWNED)) {
		if (j->buf_ref)
			napi_delete_reference(env, j->buf_ref);
		job_free(j);
		return NULL;
	}
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
	    !rvn_get_uint_opt(argv[2], env, "flags", 0, 7, 0, &flags))
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

/* search(query: Float32Array, k, ef, flags) -> Promise<[ids, distances, vectors?]>
 * ef 0: the collection's default; flags RVN_EXACT, RVN_VECTORS, RVN_NOLANE. */
napi_value rvn_search(napi_env env, napi_callback_info info)
{
	size_t argc = 4;
	napi_value argv[4], self;
	rvn_coll *rc = rvn_this(env, info, &argc, argv, &self, true);
	if (!rc)
		return NULL;
	if (argc < 2) {
		rvn_throw_type(env, "ERR_MISSING_ARGS", "search(query, k, ef, flags)");
		return NULL;
	}
	for (size_t i = argc; i < 4; i++)
		napi_get_undefined(env, &argv[i]);
	job *j = job_new(env, rc, JOB_SEARCH);
	if (!j)
		return NULL;
	if (!search_params(env, rc, argv + 1, j) || !job_vectors(env, j, argv[0], false)) {
		job_free(j);
		return NULL;
	}
	if (j->flags & RVN_NOLANE)
		return queue_job(env, self, j, "ruvector.search");
	return queue_search(env, self, j);
}

/* searchBatch(queries: Float32Array, nq, k, ef, flags) ->
 *   Promise<[ids, distances, vectors?, counts: Int32Array]> */
napi_value rvn_search_batch(napi_env env, napi_callback_info info)
{
	size_t argc = 6;
	napi_value argv[6], self;
	rvn_coll *rc = rvn_this(env, info, &argc, argv, &self, true);
	if (!rc)
		return NULL;
	if (argc < 3) {
		rvn_throw_type(env, "ERR_MISSING_ARGS", "searchBatch(queries, nq, k, ef, flags, owned)");
		return NULL;
	}
	for (size_t i = argc; i < 6; i++)
		napi_get_undefined(env, &argv[i]);
	uint64_t nq, owned;
	if (!rvn_get_uint(env, argv[1], "nq", 1, RV_MAX_VECTORS, &nq) ||
	    !rvn_get_uint_opt(argv[5], env, "owned", 0, 1, 0, &owned))
		return NULL;
	job *j = job_new(env, rc, JOB_SEARCH_BATCH);
	if (!j)
		return NULL;
	j->n = (size_t)nq;
	if (!search_params(env, rc, argv + 2, j) || !job_vectors(env, j, argv[0], owned)) {
		if (j->buf_ref)
			napi_delete_reference(env, j->buf_ref);
		job_free(j);
		return NULL;
	}
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
