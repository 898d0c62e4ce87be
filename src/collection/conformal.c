/*
 * conformal.c: calibrated retrieval (ruvector.h, Calibrated retrieval):
 * conformal result sets and the target-recall mode, both computed through
 * the public search path (rv_search_batch, rv_search), so that what is
 * calibrated is exactly what a search later does.
 *
 * What makes the guarantee hold, and what this file is careful about:
 *  - one score per query (the farthest relevant item), never one per item;
 *  - a relevant item the capped search does not return scores +infinity:
 *    dropping it instead would let a query whose items the search misses
 *    count as covered, and coverage would come out below 1 - alpha;
 *  - the threshold is the ceil((n+1)(1-alpha))-th smallest score, +infinity
 *    when that rank exceeds n (rv_conformal_threshold);
 *  - the conformal search is the calibration's search (same k = cap, same
 *    ef), cut at the threshold, so for a finite threshold the event "all
 *    relevant items are in the set" is exactly "score <= threshold" (a
 *    +infinity threshold means more than alpha of the calibration queries
 *    had an item beyond the cap, and then nothing is guaranteed: the
 *    calibration reports it, ruvector.h says so).
 * The searches are deterministic for a fixed collection (the graph walk
 * has no randomness), so a query's score does not depend on which thread
 * ran it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/alloc.h"
#include "../util/error.h"
#include "collection.h"

/* Result id buffers of one chunk of queries stay below this. */
#define CHUNK_BYTES ((size_t)16 << 20)

void rv_calibrate_params_init(rv_calibrate_params *p)
{
	memset(p, 0, sizeof *p);
	p->k = 10;
	p->alpha = 0.1f;
	p->score = RV_CONFORMAL_DISTANCE;
	p->target_recall = 0.95f;
	p->max_ef = 4096;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double rv_conformal_threshold(const double *scores, size_t n, double alpha)
{
	if (!(alpha > 0 && alpha < 1) || (n && !scores))
		return NAN;
	for (size_t i = 0; i < n; i++)
		if (isnan(scores[i]))
			return NAN;
	/* (n+1)(1-alpha) is meant exactly: alpha = 0.1 stands for one tenth,
	 * whose double is a hair above it, and n = 99 must give rank 90, not
	 * 91. The slack is far below the spacing of distinct ranks. */
	double want = ceil((double)(n + 1) * (1.0 - alpha) - 1e-9);
	if (want < 1)
		want = 1;
	if (n == 0 || want > (double)n)
		return INFINITY;
	double *s = rv_malloc(n * sizeof *s);
	if (!s) {
		/* selection without a copy: the smallest value with at least
		 * `want` scores at or below it (quadratic, only when memory is
		 * short) */
		double best = INFINITY;
		for (size_t i = 0; i < n; i++) {
			size_t le = 0;
			for (size_t j = 0; j < n; j++)
				le += scores[j] <= scores[i];
			if ((double)le >= want && scores[i] < best)
				best = scores[i];
		}
		return best;
	}
	memcpy(s, scores, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_double);
	double t = s[(size_t)want - 1];
	rv_free(s);
	return t;
}

/* The parameters with defaults resolved. */
typedef struct resolved {
	size_t k, cap, ef;
} resolved;

static int resolve(rv_collection *c, size_t nq, const float *queries, const rv_calibrate_params *p, bool recall,
                   resolved *r)
{
	if (!p)
		return rv_error(c, RV_EINVAL, "params is NULL (fill them with rv_calibrate_params_init)");
	if (!queries || nq == 0)
		return rv_error(c, RV_EINVAL, queries ? "no calibration queries (nq is 0)" : "queries is NULL");
	if (nq > RV_MAX_VECTORS)
		return rv_error(c, RV_EINVAL, "%zu calibration queries; at most %u", nq, RV_MAX_VECTORS);
	if (p->k < 1 || p->k > RV_K_MAX)
		return rv_error(c, RV_EINVAL, "k is %u; it must be 1..%u", p->k, RV_K_MAX);
	if (rv_count(c) == 0)
		return rv_error(c, RV_EINVAL, "the collection is empty: nothing to calibrate against");
	r->k = p->k;
	if (recall) {
		if (!(p->target_recall > 0 && p->target_recall < 1))
			return rv_error(c, RV_EINVAL, "target_recall is %g; it must be in (0, 1)", (double)p->target_recall);
		if (p->max_ef < p->k || p->max_ef > RV_EF_MAX)
			return rv_error(c, RV_EINVAL, "max_ef is %u; it must be k (%u)..%u", p->max_ef, p->k, RV_EF_MAX);
	} else {
		if (!(p->alpha > 0 && p->alpha < 1))
			return rv_error(c, RV_EINVAL, "alpha is %g; it must be in (0, 1)", (double)p->alpha);
		if (p->score != RV_CONFORMAL_DISTANCE && p->score != RV_CONFORMAL_RANK && p->score != RV_CONFORMAL_RATIO)
			return rv_error(c, RV_EINVAL, "unknown conformal score %d", (int)p->score);
		if (p->score == RV_CONFORMAL_RATIO && c->opts.metric == RV_METRIC_IP)
			return rv_error(c, RV_EINVAL, "the ratio score needs distances >= 0: not with the ip metric");
		if (p->cap && (p->cap < p->k || p->cap > RV_K_MAX))
			return rv_error(c, RV_EINVAL, "cap is %u; it must be 0 or k (%u)..%u", p->cap, p->k, RV_K_MAX);
		if (p->ef > RV_EF_MAX)
			return rv_error(c, RV_EINVAL, "ef is %u; it must be 0..%u", p->ef, RV_EF_MAX);
		size_t cap = p->cap ? p->cap : 10 * r->k > 100 ? 10 * r->k : 100;
		r->cap = cap > RV_K_MAX ? RV_K_MAX : cap;
		size_t ef = p->ef ? p->ef : c->opts.ef_search;
		r->ef = ef > r->cap ? ef : r->cap;
	}
	if (p->relevant) {
		size_t total;
		if (!rv_mul_size(nq, r->k, &total))
			return rv_error(c, RV_EINVAL, "nq * k overflows");
		for (size_t i = 0; i < total; i++) {
			size_t len;
			int rc = rv_coll_check_id_str(c, p->relevant[i], &len, "relevant id", i);
			if (rc != RV_OK)
				return rc;
		}
	}
	return RV_OK;
}

/* One chunk's buffers: the relevant items (when the engine computes
 * them) and the searched results. */
typedef struct chunk {
	rv_hit *rel, *hits;
	int *rel_n, *hits_n;
	char *rel_ids, *hit_ids;
	size_t per, k, width; /* queries per chunk; relevant and results per query */
} chunk;

static void chunk_free(chunk *b)
{
	rv_free(b->rel);
	rv_free(b->hits);
	rv_free(b->rel_n);
	rv_free(b->hits_n);
	rv_free(b->rel_ids);
	rv_free(b->hit_ids);
}

static int chunk_alloc(rv_collection *c, chunk *b, size_t nq, size_t k, size_t width, bool engine_truth)
{
	memset(b, 0, sizeof *b);
	size_t row = RV_IDBUF_SIZE(width) + (engine_truth ? RV_IDBUF_SIZE(k) : 0);
	b->per = CHUNK_BYTES / row ? CHUNK_BYTES / row : 1;
	if (b->per > nq)
		b->per = nq;
	b->k = k, b->width = width;
	b->hits = rv_malloc(b->per * width * sizeof *b->hits);
	b->hits_n = rv_malloc(b->per * sizeof *b->hits_n);
	b->hit_ids = rv_malloc(b->per * RV_IDBUF_SIZE(width));
	bool ok = b->hits && b->hits_n && b->hit_ids;
	if (engine_truth) {
		b->rel = rv_malloc(b->per * k * sizeof *b->rel);
		b->rel_n = rv_malloc(b->per * sizeof *b->rel_n);
		b->rel_ids = rv_malloc(b->per * RV_IDBUF_SIZE(k));
		ok = ok && b->rel && b->rel_n && b->rel_ids;
	}
	if (!ok) {
		chunk_free(b);
		return rv_error(c, RV_ENOMEM, "out of memory for calibration buffers");
	}
	return RV_OK;
}

/* The exact k nearest of queries [q0, q0+m) into the chunk (engine truth). */
static int chunk_truth(rv_collection *c, chunk *b, const float *queries, size_t dim, size_t q0, size_t m)
{
	rv_search_params sp = {0};
	sp.flags = RV_SEARCH_EXACT;
	return rv_search_batch(c, m, queries + q0 * dim, dim, b->k, &sp, b->rel, b->rel_n, b->rel_ids,
	                       m * RV_IDBUF_SIZE(b->k));
}

/* Relevant item j of query i (chunk-relative i, absolute qi). */
static const char *relevant_id(const rv_calibrate_params *p, const chunk *b, size_t i, size_t qi, size_t j,
                               size_t *count)
{
	if (p->relevant) {
		*count = b->k;
		return p->relevant[qi * b->k + j];
	}
	*count = (size_t)b->rel_n[i];
	return j < *count ? b->rel[i * b->k + j].id : NULL;
}

/* The ratio score of a distance d given the nearest result's d1: the same
 * expression for calibration and search, so that an item is kept exactly
 * when its score is within the threshold. */
static double ratio(double d, double d1)
{
	if (d <= d1)
		return 1;
	return d1 > 0 ? d / d1 : INFINITY;
}

/* Position of id among n hits, or -1. */
static long find_hit(const rv_hit *h, int n, const char *id)
{
	for (int j = 0; j < n; j++)
		if (strcmp(h[j].id, id) == 0)
			return j;
	return -1;
}

int rv_conformal_scores(rv_collection *c, size_t nq, const float *queries, size_t dim, const rv_calibrate_params *p,
                        double *scores)
{
	resolved r;
	int rc = resolve(c, nq, queries, p, false, &r);
	if (rc != RV_OK)
		return rc;
	if (!scores)
		return rv_error(c, RV_EINVAL, "scores is NULL");
	chunk b;
	if ((rc = chunk_alloc(c, &b, nq, r.k, r.cap, !p->relevant)) != RV_OK)
		return rc;
	rv_search_params sp = {0};
	sp.ef = (uint32_t)r.ef;
	for (size_t q0 = 0; q0 < nq && rc == RV_OK; q0 += b.per) {
		size_t m = nq - q0 < b.per ? nq - q0 : b.per;
		if (!p->relevant && (rc = chunk_truth(c, &b, queries, dim, q0, m)) != RV_OK)
			break;
		rc = rv_search_batch(c, m, queries + q0 * dim, dim, r.cap, &sp, b.hits, b.hits_n, b.hit_ids,
		                     m * RV_IDBUF_SIZE(r.cap));
		for (size_t i = 0; rc == RV_OK && i < m; i++) {
			const rv_hit *h = b.hits + i * r.cap;
			double s = -INFINITY;
			size_t count = 1;
			for (size_t j = 0; j < count; j++) {
				const char *id = relevant_id(p, &b, i, q0 + i, j, &count);
				if (!id)
					break;
				long at = find_hit(h, b.hits_n[i], id);
				double v = at < 0                             ? INFINITY
				           : p->score == RV_CONFORMAL_RANK  ? (double)(at + 1)
				           : p->score == RV_CONFORMAL_RATIO ? ratio(h[at].distance, h[0].distance)
				                                            : (double)h[at].distance;
				if (v > s)
					s = v;
			}
			scores[q0 + i] = s;
		}
	}
	chunk_free(&b);
	return rc;
}

/* Log and apply a new set of calibrations (wlock taken here). */
static int store(rv_collection *c, const rv_calibration *k)
{
	rv_mutex_lock(&c->wlock);
	rv_ticket t;
	int rc = rv_persist_log_calib(c, k, &t);
	if (rc == RV_OK)
		rv_coll_apply_calib(c, k);
	rv_mutex_unlock(&c->wlock);
	if (rc == RV_OK)
		rc = rv_persist_commit(c, &t);
	return rc;
}

int rv_calibrate(rv_collection *c, size_t nq, const float *queries, size_t dim, const rv_calibrate_params *p,
                 rv_calibration *out)
{
	if (c->readonly)
		return rv_error(c, RV_EREADONLY, "collection \"%s\" is open read-only", c->name);
	resolved r;
	int rc = resolve(c, nq, queries, p, false, &r);
	if (rc != RV_OK)
		return rc;
	double *scores = rv_malloc(nq * sizeof *scores);
	if (!scores)
		return rv_error(c, RV_ENOMEM, "out of memory for %zu scores", nq);
	rc = rv_conformal_scores(c, nq, queries, dim, p, scores);
	if (rc == RV_OK) {
		rv_calibration k;
		rv_calibration_get(c, &k); /* keeps the recall part */
		k.conformal = 1;
		k.score = p->score;
		k.alpha = p->alpha;
		k.threshold = rv_conformal_threshold(scores, nq, p->alpha);
		k.n = (uint32_t)nq;
		k.infinite = 0;
		for (size_t i = 0; i < nq; i++)
			k.infinite += isinf(scores[i]) && scores[i] > 0;
		k.k = (uint32_t)r.k;
		k.cap = (uint32_t)r.cap;
		k.ef = (uint32_t)r.ef;
		if (isnan(k.threshold))
			rc = rv_error(c, RV_ENOMEM, "out of memory computing the threshold");
		else if ((rc = store(c, &k)) == RV_OK && out)
			*out = k;
	}
	rv_free(scores);
	return rc;
}

/* Mean recall@k of the nq queries at ef, each query's relevant items
 * rel[i*k..] (NULL entries: fewer). */
static int mean_recall(rv_collection *c, size_t nq, const float *queries, size_t dim, size_t k, const char **rel,
                       uint32_t ef, chunk *b, double *out)
{
	double sum = 0;
	rv_search_params sp = {0};
	sp.ef = ef;
	for (size_t q0 = 0; q0 < nq; q0 += b->per) {
		size_t m = nq - q0 < b->per ? nq - q0 : b->per;
		int rc = rv_search_batch(c, m, queries + q0 * dim, dim, k, &sp, b->hits, b->hits_n, b->hit_ids,
		                         m * RV_IDBUF_SIZE(k));
		if (rc != RV_OK)
			return rc;
		for (size_t i = 0; i < m; i++) {
			size_t found = 0, n = 0;
			for (; n < k && rel[(q0 + i) * k + n]; n++)
				found += find_hit(b->hits + i * k, b->hits_n[i], rel[(q0 + i) * k + n]) >= 0;
			sum += n ? (double)found / (double)n : 1.0;
		}
	}
	*out = sum / (double)nq;
	return RV_OK;
}

int rv_calibrate_recall(rv_collection *c, size_t nq, const float *queries, size_t dim, const rv_calibrate_params *p,
                        rv_calibration *out)
{
	if (c->readonly)
		return rv_error(c, RV_EREADONLY, "collection \"%s\" is open read-only", c->name);
	resolved r;
	int rc = resolve(c, nq, queries, p, true, &r);
	if (rc != RV_OK)
		return rc;
	/* the relevant items of every query, once: given, or the exact top k */
	const char **rel = rv_calloc(nq * r.k, sizeof *rel);
	rv_hit *th = NULL;
	char *tids = NULL;
	chunk b;
	if (!rel)
		return rv_error(c, RV_ENOMEM, "out of memory");
	if ((rc = chunk_alloc(c, &b, nq, r.k, r.k, false)) != RV_OK) {
		rv_free((void *)rel);
		return rc;
	}
	if (p->relevant) {
		memcpy((void *)rel, p->relevant, nq * r.k * sizeof *rel);
	} else {
		int *tn = rv_malloc(nq * sizeof *tn);
		th = rv_malloc(nq * r.k * sizeof *th);
		tids = rv_malloc(nq * RV_IDBUF_SIZE(r.k));
		rv_search_params ex = {0};
		ex.flags = RV_SEARCH_EXACT;
		if (!tn || !th || !tids)
			rc = rv_error(c, RV_ENOMEM, "out of memory for the exact neighbours of %zu queries", nq);
		else
			rc = rv_search_batch(c, nq, queries, dim, r.k, &ex, th, tn, tids, nq * RV_IDBUF_SIZE(r.k));
		for (size_t i = 0; rc == RV_OK && i < nq; i++)
			for (int j = 0; j < tn[i]; j++)
				rel[i * r.k + (size_t)j] = th[i * r.k + (size_t)j].id;
		rv_free(tn);
	}
	/* conformal risk control with a loss (1 - recall) bounded by 1: the
	 * first ef of the grid (k, then x1.25, up to max_ef) whose
	 * (n * mean loss + 1) / (n + 1) is within 1 - target */
	double n = (double)nq, best = INFINITY;
	uint32_t chosen = 0;
	for (double e = (double)r.k, prev = 0; rc == RV_OK && !chosen && prev < p->max_ef; e *= 1.25) {
		uint32_t ef = (uint32_t)ceil(e);
		if (ef <= prev)
			ef = (uint32_t)prev + 1;
		if (ef > p->max_ef)
			ef = p->max_ef;
		prev = ef;
		double recall;
		rc = mean_recall(c, nq, queries, dim, r.k, rel, ef, &b, &recall);
		double bound = (n * (1.0 - recall) + 1.0) / (n + 1.0);
		if (rc == RV_OK && bound < best)
			best = bound;
		if (rc == RV_OK && bound <= 1.0 - (double)p->target_recall)
			chosen = ef;
	}
	chunk_free(&b);
	rv_free((void *)rel);
	rv_free(th);
	rv_free(tids);
	if (rc != RV_OK)
		return rc;
	if (!chosen)
		return rv_error(c, RV_ERANGE, "no ef up to max_ef %u reaches recall %g on %zu queries: the best bound on "
		                "1 - recall is %.4f (raise max_ef, or calibrate on more queries)",
		                p->max_ef, (double)p->target_recall, nq, best);
	rv_calibration k;
	rv_calibration_get(c, &k); /* keeps the conformal part */
	k.recall = 1;
	k.target_recall = p->target_recall;
	k.recall_k = (uint32_t)r.k;
	k.recall_ef = chosen;
	k.recall_n = (uint32_t)nq;
	k.recall_bound = (float)best;
	rc = store(c, &k);
	if (rc == RV_OK && out)
		*out = k;
	return rc;
}

int rv_search_conformal(rv_collection *c, const float *query, size_t dim, rv_hit *hits, size_t max_hits,
                        char *idbuf, size_t idbuf_size, rv_conformal_info *info)
{
	rv_calibration k;
	rv_calibration_get(c, &k);
	if (!k.conformal)
		return rv_error(c, RV_EINVAL, "the collection has no conformal calibration (rv_calibrate)");
	if (max_hits < k.cap)
		return rv_error(c, RV_ERANGE, "room for %zu hits; the calibration's cap is %u", max_hits, k.cap);
	rv_search_params sp = {0};
	sp.ef = k.ef;
	int n = rv_search(c, query, dim, k.cap, &sp, hits, idbuf, idbuf_size);
	if (n < 0)
		return n;
	int keep = 0;
	if (k.score == RV_CONFORMAL_RANK)
		keep = k.threshold >= (double)n ? n : (int)floor(k.threshold);
	else if (k.score == RV_CONFORMAL_RATIO)
		while (keep < n && ratio(hits[keep].distance, hits[0].distance) <= k.threshold)
			keep++;
	else
		while (keep < n && (double)hits[keep].distance <= k.threshold)
			keep++;
	if (info) {
		info->threshold = k.threshold;
		info->alpha = k.alpha;
		info->cap = k.cap;
		info->capped = keep == (int)k.cap;
	}
	return keep;
}
