/*
 * search.c: Qdrant's searches.
 *
 *   POST /collections/{c}/points/search        one query
 *   POST /collections/{c}/points/search/batch  {"searches": [...]}
 *   POST /collections/{c}/points/query         {"query": vector | {"nearest": vector} | id}
 *   POST /collections/{c}/points/query/batch   {"searches": [...]}
 *
 * Each is rv_search() with k = limit + offset (the first offset hits are
 * dropped), params.hnsw_ef as ef, params.exact as RV_SEARCH_EXACT, and the
 * filter translated by qfilter.c. Scores follow Qdrant: Cosine the cosine
 * (1 - the core's distance), Dot the inner product (-distance), Euclid the
 * Euclidean distance (the root of the core's squared one), Manhattan the
 * distance; score_threshold keeps scores at least it for Cosine and Dot
 * and at most it for the distances, as Qdrant does.
 *
 * A filter with has_id (which the core's filters cannot express) runs as
 * an exact scan here over the ids the filter matches: recall 1, cost
 * linear in the collection.
 *
 * At most cfg.max_searches requests search at once; one more is answered
 * 503 with Retry-After at once instead of queueing, so an overloaded
 * server keeps answering fast and its memory stays bounded.
 */
#define _GNU_SOURCE 1
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static float score_of(rv_metric m, float d)
{
	switch (m) {
	case RV_METRIC_COSINE: return 1.0f - d;
	case RV_METRIC_IP: return -d;
	case RV_METRIC_L2: return sqrtf(d > 0 ? d : 0);
	default: return d;
	}
}

static bool keep(rv_metric m, float score, double threshold)
{
	if (isnan(threshold))
		return true;
	return m == RV_METRIC_COSINE || m == RV_METRIC_IP ? score >= threshold : score <= threshold;
}

/* The core's distance between a and b (exact scans for has_id filters). */
static float distance(rv_metric m, const float *a, const float *b, uint32_t dim)
{
	double s = 0, na = 0, nb = 0;
	for (uint32_t i = 0; i < dim; i++) {
		double x = a[i], y = b[i];
		switch (m) {
		case RV_METRIC_L2: s += (x - y) * (x - y); break;
		case RV_METRIC_L1: s += fabs(x - y); break;
		default: s += x * y, na += x * x, nb += y * y; break;
		}
	}
	if (m == RV_METRIC_IP)
		return (float)-s;
	if (m == RV_METRIC_COSINE)
		return na > 0 && nb > 0 ? (float)(1.0 - s / sqrt(na * nb)) : 1.0f;
	return (float)s;
}

typedef struct scan_hit {
	float d;
	char *id;
} scan_hit;

static int cmp_hit(const void *a, const void *b)
{
	const scan_hit *x = a, *y = b;
	if (x->d != y->d)
		return x->d < y->d ? -1 : 1;
	return srv_id_cmp(x->id, y->id);
}

/* Exact search over the ids f matches: hits[0..k) with ids in idbuf. */
static int scan_search(const srv_req *q, srv_coll *sc, const qf *f, const float *vec, size_t k, rv_hit *hits,
                       char *idbuf, size_t idsize)
{
	char **ids;
	long n = srv_collect_ids(q, f, sc->c, &ids);
	if (n < 0)
		return (int)n;
	uint32_t dim = sc->opts.dim;
	scan_hit *all = malloc(((size_t)n + 1) * sizeof *all);
	float *v = malloc(dim * sizeof *v);
	int rc = all && v ? RV_OK : RV_ENOMEM;
	size_t m = 0;
	for (long i = 0; rc == RV_OK && i < n; i++) {
		int e = rv_get(sc->c, ids[i], v, dim);
		if (e == RV_ENOTFOUND)
			continue;
		if (e != RV_OK)
			rc = e;
		else
			all[m].d = distance(sc->opts.metric, vec, v, dim), all[m++].id = ids[i];
	}
	if (rc == RV_OK) {
		qsort(all, m, sizeof *all, cmp_hit);
		size_t used = 0;
		for (size_t i = 0; i < m && i < k; i++) {
			size_t len = strlen(all[i].id);
			if (used + len + 1 > idsize)
				break;
			memcpy(idbuf + used, all[i].id, len + 1);
			hits[i] = (rv_hit){.id = idbuf + used, .id_len = (uint32_t)len, .distance = all[i].d, .score = -all[i].d};
			used += len + 1;
		}
		rc = (int)(m < k ? m : k);
	}
	free(all);
	free(v);
	srv_free_ids(ids, (size_t)n);
	return rc;
}

/* One search described by spec (its vector already in vec); writes the
 * array of scored points to out. Returns 200 or the error status. */
static int one_search(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const rv_json *spec, const float *vec,
                      rv_strbuf *out)
{
	char why[300] = "";
	uint64_t limit, offset, ef = 0;
	srv_with w;
	qf *f = NULL;
	const rv_json *params = rv_json_get(spec, "params");
	const rv_json *thr = rv_json_get(spec, "score_threshold");
	double threshold = NAN;
	int exact = params ? srv_json_bool(params, "exact", 0) : 0;
	if (srv_json_u64(spec, "limit", 10, s->cfg.max_k, &limit, why, sizeof why) ||
	    srv_json_u64(spec, "offset", 0, s->cfg.max_k, &offset, why, sizeof why) ||
	    (params && srv_json_u64(params, "hnsw_ef", 0, RV_EF_MAX, &ef, why, sizeof why)) ||
	    srv_with_parse(spec, false, &w, why, sizeof why))
		return srv_error(r, 400, "Wrong input: %s", why);
	if (exact < 0)
		return srv_error(r, 400, "Wrong input: params.exact must be a boolean");
	if (thr && thr->type != RV_JSON_NULL) {
		if (thr->type != RV_JSON_NUMBER)
			return srv_error(r, 400, "Wrong input: score_threshold must be a number");
		threshold = thr->num;
	}
	if (limit + offset > s->cfg.max_k)
		return srv_error(r, 400, "Wrong input: limit + offset is %llu; the limit is %zu",
		                 (unsigned long long)(limit + offset), s->cfg.max_k);
	if (qf_parse(q, rv_json_get(spec, "filter"), s->cfg.max_filter_depth, &f, why, sizeof why))
		return srv_error(r, 400, "Wrong input: filter: %s", why);
	size_t k = (size_t)(limit + offset);
	rv_hit *hits = k ? malloc(k * sizeof *hits) : NULL;
	char *idbuf = k ? malloc(k * SRV_ID_MAX) : NULL;
	int n = 0;
	if (k && (!hits || !idbuf))
		n = RV_ENOMEM;
	else if (k == 0)
		n = 0;
	else if (f && !qf_core(f))
		n = scan_search(q, sc, f, vec, k, hits, idbuf, k * SRV_ID_MAX);
	else {
		rv_search_params p = {.ef = (uint32_t)ef, .flags = exact ? RV_SEARCH_EXACT : 0, .filter = qf_core(f)};
		n = rv_search(sc->c, vec, sc->opts.dim, k, &p, hits, idbuf, k * SRV_ID_MAX);
	}
	qf_free(f);
	int status = 200;
	if (n == RV_EBUSY)
		status = srv_error(r, 503, "the request's deadline of %u ms passed", s->cfg.timeout_ms);
	else if (n < 0)
		status = srv_rv_error(r, n, rv_errmsg(sc->c));
	rv_strbuf_append(out, "[", 1);
	bool first = true;
	for (int i = (int)offset; status == 200 && i < n; i++) {
		float score = score_of(sc->opts.metric, hits[i].distance);
		if (!keep(sc->opts.metric, score, threshold))
			continue; /* scores are ordered, but ties at the bound need not be */
		size_t mark = out->len;
		rv_strbuf_append(out, first ? "{\"id\":" : ",{\"id\":", first ? 6 : 7);
		srv_id_write(out, hits[i].id);
		rv_strbuf_printf(out, ",\"version\":0,\"score\":%.9g", score);
		int rc = srv_point_members(out, sc, hits[i].id, &w);
		if (rc == RV_ENOTFOUND) { /* deleted since the search saw it */
			out->len = mark;
			out->buf[mark] = '\0';
			continue;
		}
		if (rc != RV_OK)
			status = srv_rv_error(r, rc, rv_errmsg(sc->c));
		rv_strbuf_append(out, "}", 1);
		first = false;
	}
	rv_strbuf_append(out, "]", 1);
	free(hits);
	free(idbuf);
	return status;
}

/* The query vector of a search spec ("vector": [...] or {"vector": [...]})
 * or of a query spec ("query": [...], {"nearest": ...} or a point id). */
static int query_vector(const srv_req *q, srv_resp *r, srv_coll *sc, const rv_json *spec, bool is_query, float *vec)
{
	uint32_t dim = sc->opts.dim;
	const rv_json *v = rv_json_get(spec, is_query ? "query" : "vector");
	if (v && v->type == RV_JSON_OBJECT)
		v = rv_json_get(v, is_query ? "nearest" : "vector");
	if (is_query && v && v->type == RV_JSON_OBJECT)
		v = rv_json_get(v, "vector") ? rv_json_get(v, "vector") : v;
	if (is_query && v && (v->type == RV_JSON_NUMBER || v->type == RV_JSON_STRING)) {
		char id[SRV_ID_MAX], why[200];
		if (srv_id_parse(q, v, id, why, sizeof why))
			return srv_error(r, 400, "Wrong input: query: %s", why);
		int rc = rv_get(sc->c, id, vec, dim);
		if (rc == RV_ENOTFOUND)
			return srv_error(r, 404, "Not found: No point with id %s found", id);
		return rc == RV_OK ? 0 : srv_rv_error(r, rc, rv_errmsg(sc->c));
	}
	if (!v || v->type != RV_JSON_ARRAY)
		return srv_error(r, 400, "Wrong input: %s must be an array of %u numbers",
		                 is_query ? "query (or query.nearest)" : "vector", dim);
	if (v->len != dim)
		return srv_error(r, 400, "Wrong input: Vector dimension error: expected dim: %u, got %zu", dim, v->len);
	for (uint32_t i = 0; i < dim; i++) {
		if (v->items[i].type != RV_JSON_NUMBER)
			return srv_error(r, 400, "Wrong input: vector[%u] must be a number", i);
		vec[i] = (float)v->items[i].num;
	}
	return 0;
}

/* Take a search slot, or answer 503 at once. */
static bool enter(srv *s, srv_resp *r)
{
	if (atomic_fetch_add(&s->searches, 1) >= (int)s->cfg.max_searches) {
		atomic_fetch_sub(&s->searches, 1);
		r->retry_after = 1;
		srv_error(r, 503, "Service Unavailable: too many searches at once (%u); retry later", s->cfg.max_searches);
		return false;
	}
	return true;
}

static void leave(srv *s)
{
	atomic_fetch_sub(&s->searches, 1);
}

/* search, query, and their batches: one body, or "searches" of them. */
static int run(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, bool batch, bool is_query)
{
	if (!enter(s, r))
		return r->status;
	rv_json *body = NULL;
	float *vec = malloc(sc->opts.dim * sizeof *vec);
	int status = vec ? 200 : srv_error(r, 503, "out of memory");
	if (status == 200 && srv_body(q, r, false, &body))
		status = r->status;
	const rv_json *list = NULL;
	size_t n = 1;
	if (status == 200 && batch) {
		list = rv_json_get(body, "searches");
		if (!list || list->type != RV_JSON_ARRAY)
			status = srv_error(r, 400, "Wrong input: \"searches\" must be an array");
		else if ((n = list->len) > s->cfg.max_batch)
			status = srv_error(r, 413, "Wrong input: %zu searches in one request; the limit is %zu", n,
			                   s->cfg.max_batch);
	}
	if (status == 200 && batch)
		rv_strbuf_append(&r->out, "[", 1);
	for (size_t i = 0; status == 200 && i < n; i++) {
		const rv_json *spec = batch ? &list->items[i] : body;
		if (i)
			rv_strbuf_append(&r->out, ",", 1);
		if (srv_past_deadline(q)) {
			status = srv_error(r, 503, "the request's deadline of %u ms passed", s->cfg.timeout_ms);
			break;
		}
		if (spec->type != RV_JSON_OBJECT) {
			status = srv_error(r, 400, "Wrong input: searches[%zu] must be an object", i);
			break;
		}
		const rv_json *pre = rv_json_get(spec, "prefetch");
		if (is_query && pre && pre->type != RV_JSON_NULL) {
			status = srv_error(r, 400, "Wrong input: prefetch is not supported");
			break;
		}
		if (query_vector(q, r, sc, spec, is_query, vec)) {
			status = r->status;
			break;
		}
		if (is_query)
			rv_strbuf_append(&r->out, "{\"points\":", 10);
		status = one_search(s, q, r, sc, spec, vec, &r->out);
		if (is_query)
			rv_strbuf_append(&r->out, "}", 1);
	}
	if (status == 200 && batch)
		rv_strbuf_append(&r->out, "]", 1);
	if (r->out.failed && status == 200)
		status = srv_error(r, 503, "out of memory writing the answer");
	rv_json_free(body);
	free(vec);
	leave(s);
	return status;
}

int h_search(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *arg)
{
	(void)arg;
	return run(s, q, r, sc, false, false);
}

int h_search_batch(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *arg)
{
	(void)arg;
	return run(s, q, r, sc, true, false);
}

int h_query(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *arg)
{
	(void)arg;
	return run(s, q, r, sc, false, true);
}

int h_query_batch(srv *s, const srv_req *q, srv_resp *r, srv_coll *sc, const char *arg)
{
	(void)arg;
	return run(s, q, r, sc, true, true);
}
