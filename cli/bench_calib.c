/*
 * bench_calib.c: `ruvector bench --conformal ALPHA` and `--target-recall R`
 * (cmd_bench.c builds the collection and the ground truth, then calls
 * here instead of the ef sweep).
 *
 * --conformal: each query's relevant items are its first k ground-truth
 * ids. Every query is scored once through the library (rv_conformal_scores:
 * the calibrated search, k = cap at the calibrated ef), by distance and by
 * rank; then --splits random splits (seeded) take --calibration N queries
 * to calibrate (rv_conformal_threshold) and the rest to test. Per split,
 * coverage is the share of test queries whose set holds all k relevant
 * items (score <= threshold), the set size is the number of the capped
 * results within the threshold, and the fixed k is the smallest k whose
 * plain top-k reaches the same coverage on the same test queries. One line:
 *   {"mode":"conformal","alpha":..,"calibration":..,"test":..,"splits":..,
 *    "coverage":mean,"coverage_min":..,"coverage_max":..,"mean_set_size":..,
 *    "threshold":mean over splits,"fixed_k":mean,"cap":..,"ef":..,
 *    "infinite_share":..,"coverage_search":..,"rank_coverage":..,
 *    "rank_mean_set_size":..,"ratio_coverage":..,"ratio_mean_set_size":..}
 * A query is covered when all its relevant items are in the capped list
 * and within the threshold (+infinity covers none beyond the cap). The
 * rank_ and ratio_ fields are the same splits with the rank score (sets of
 * the first floor(threshold) results) and the ratio score (results within
 * threshold times the nearest distance; not for ip: NaN there). --conformal-ef sets the ef of the conformal
 * search (default the library's: max(ef_search, cap)).
 * coverage_search checks the shortcut: the first split calibrated and
 * stored with rv_calibrate and its test queries searched one at a time with
 * rv_search_conformal, each set checked against the ground truth.
 *
 * --target-recall: a seeded split; rv_calibrate_recall on --calibration N
 * queries, then the rest searched with RV_SEARCH_CALIBRATED, one line:
 *   {"mode":"target_recall","target_recall":..,"ef":..,"recall":..,
 *    "bound":..,"calibration":..,"test":..,"qps":..}
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void shuffle(size_t *v, size_t n, uint64_t *s)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = mix(s) % i, t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
}

/* The first k ground-truth ids of each query as strings, and rows of
 * queries reordered by `order`. */
typedef struct split_data {
	char *store;
	const char **rel;
	float *q;
} split_data;

static void split_free(split_data *s)
{
	free(s->store);
	free(s->rel);
	free(s->q);
}

static bool split_make(split_data *s, const bench_calib_in *in, const size_t *order)
{
	s->store = malloc(in->nq * in->k * 12);
	s->rel = malloc(in->nq * in->k * sizeof *s->rel);
	s->q = malloc(in->nq * in->dim * sizeof *s->q);
	if (!s->store || !s->rel || !s->q)
		return false;
	for (size_t i = 0; i < in->nq; i++) {
		size_t src = order ? order[i] : i;
		memcpy(s->q + i * in->dim, in->queries + src * in->dim, in->dim * sizeof(float));
		for (size_t j = 0; j < in->k; j++) {
			char *at = s->store + (i * in->k + j) * 12;
			snprintf(at, 12, "%d", in->gt[src * in->gt_k + j]);
			s->rel[i * in->k + j] = at;
		}
	}
	return true;
}

static int fail(rv_collection *c, const char *what)
{
	fprintf(stderr, "ruvector bench: %s: %s\n", what, rv_errmsg(c));
	return EXIT_FAIL;
}

static bool covers(const rv_hit *h, int n, const char *const *rel, size_t k)
{
	for (size_t j = 0; j < k; j++) {
		int i = 0;
		while (i < n && strcmp(h[i].id, rel[j]) != 0)
			i++;
		if (i == n)
			return false;
	}
	return true;
}

int bench_conformal(rv_collection *c, const bench_calib_in *in, double alpha)
{
	size_t nq = in->nq, ncal = in->calibration ? in->calibration : nq / 2;
	if (ncal < 1 || ncal >= nq) {
		fprintf(stderr, "ruvector bench: --calibration %zu must leave test queries (of %zu)\n", ncal, nq);
		return EXIT_FAIL;
	}
	size_t nt = nq - ncal;
	int status = EXIT_FAIL;
	split_data sd = {0};
	double *dist = malloc(nq * sizeof *dist), *rank = malloc(nq * sizeof *rank), *cal = malloc(ncal * sizeof *cal);
	double *rat = malloc(nq * sizeof *rat);
	size_t *order = malloc(nq * sizeof *order);
	float *hd = NULL; /* each query's cap result distances */
	rv_hit *hits = NULL;
	int *counts = NULL;
	if (!dist || !rank || !rat || !cal || !order || !split_make(&sd, in, NULL)) {
		fprintf(stderr, "ruvector bench: out of memory\n");
		goto out;
	}
	rv_calibrate_params p;
	rv_calibrate_params_init(&p);
	p.k = (uint32_t)in->k;
	p.alpha = (float)alpha;
	p.cap = (uint32_t)in->cap;
	p.ef = (uint32_t)in->ef;
	p.relevant = sd.rel;
	double t0 = now_s();
	if (rv_conformal_scores(c, nq, sd.q, in->dim, &p, dist) != RV_OK) {
		status = fail(c, "scoring");
		goto out;
	}
	double score_s = now_s() - t0;
	p.score = RV_CONFORMAL_RANK;
	if (rv_conformal_scores(c, nq, sd.q, in->dim, &p, rank) != RV_OK) {
		status = fail(c, "scoring by rank");
		goto out;
	}
	rv_options o;
	rv_collection_options(c, &o);
	bool with_ratio = o.metric != RV_METRIC_IP; /* the ratio needs distances >= 0 */
	p.score = RV_CONFORMAL_RATIO;
	if (with_ratio && rv_conformal_scores(c, nq, sd.q, in->dim, &p, rat) != RV_OK) {
		status = fail(c, "scoring by ratio");
		goto out;
	}
	/* the first split through the stored calibration and the real search */
	uint64_t seed = in->seed ^ 0xc0f0;
	for (size_t i = 0; i < nq; i++)
		order[i] = i;
	shuffle(order, nq, &seed);
	split_data first = {0};
	if (!split_make(&first, in, order)) {
		split_free(&first);
		fprintf(stderr, "ruvector bench: out of memory\n");
		goto out;
	}
	p.score = RV_CONFORMAL_DISTANCE;
	p.relevant = first.rel;
	rv_calibration k;
	if (rv_calibrate(c, ncal, first.q, in->dim, &p, &k) != RV_OK) {
		split_free(&first);
		status = fail(c, "calibrating");
		goto out;
	}
	hits = malloc(k.cap * sizeof *hits);
	char *idbuf = malloc(RV_IDBUF_SIZE(k.cap));
	size_t searched_cov = 0;
	for (size_t i = ncal; hits && idbuf && i < nq; i++) {
		int n = rv_search_conformal(c, first.q + i * in->dim, in->dim, hits, k.cap, idbuf, RV_IDBUF_SIZE(k.cap), NULL);
		if (n < 0) {
			free(idbuf);
			split_free(&first);
			status = fail(c, "conformal search");
			goto out;
		}
		searched_cov += covers(hits, n, first.rel + i * in->k, in->k);
	}
	free(idbuf);
	split_free(&first);
	free(hits);
	hits = NULL;
	/* the result distances, for set sizes */
	hd = malloc(nq * k.cap * sizeof *hd);
	hits = malloc(nq * k.cap * sizeof *hits);
	counts = malloc(nq * sizeof *counts);
	if (!hd || !hits || !counts) {
		fprintf(stderr, "ruvector bench: out of memory\n");
		goto out;
	}
	rv_search_params sp = {0};
	sp.ef = k.ef;
	if (rv_search_batch(c, nq, sd.q, in->dim, k.cap, &sp, hits, counts, NULL, 0) != RV_OK) {
		status = fail(c, "searching");
		goto out;
	}
	for (size_t i = 0; i < nq * k.cap; i++)
		hd[i] = hits[i].distance;
	size_t infinite = 0;
	for (size_t i = 0; i < nq; i++)
		infinite += isinf(dist[i]);
	/* the splits */
	double cov_sum = 0, cov_min = 1, cov_max = 0, size_sum = 0, thr_sum = 0, fixed_sum = 0, rcov_sum = 0,
	       rsize_sum = 0, qcov_sum = 0, qsize_sum = 0;
	size_t thr_finite = 0, *ranks = malloc(nt * sizeof *ranks);
	if (!ranks)
		goto out;
	seed = in->seed ^ 0xc0f0;
	for (size_t s = 0; s < in->splits; s++) {
		for (size_t i = 0; i < nq; i++)
			order[i] = i;
		shuffle(order, nq, &seed);
		for (size_t i = 0; i < ncal; i++)
			cal[i] = dist[order[i]];
		double t = rv_conformal_threshold(cal, ncal, alpha);
		for (size_t i = 0; i < ncal; i++)
			cal[i] = rank[order[i]];
		double tr = rv_conformal_threshold(cal, ncal, alpha);
		for (size_t i = 0; with_ratio && i < ncal; i++)
			cal[i] = rat[order[i]];
		double tq = with_ratio ? rv_conformal_threshold(cal, ncal, alpha) : NAN;
		size_t cov = 0, size = 0, rcov = 0, rsize = 0, qcov = 0, qsize = 0;
		for (size_t i = ncal; i < nq; i++) {
			size_t q = order[i];
			/* covered: every relevant item in the capped list, and within
			 * the threshold (a +infinity threshold covers no query whose
			 * item is beyond the cap) */
			cov += !isinf(dist[q]) && dist[q] <= t;
			rcov += !isinf(rank[q]) && rank[q] <= tr;
			rsize += isinf(tr) || tr >= counts[q] ? (size_t)counts[q] : (size_t)floor(tr);
			if (with_ratio) {
				/* as rv_search_conformal keeps them (conformal.c ratio()) */
				qcov += !isinf(rat[q]) && rat[q] <= tq;
				const float *row = hd + q * k.cap;
				for (size_t m2 = 0; m2 < (size_t)counts[q]; m2++) {
					double d = row[m2], d1 = row[0];
					double r = d <= d1 ? 1 : d1 > 0 ? d / d1 : INFINITY;
					if (r > tq)
						break;
					qsize++;
				}
			}
			size_t m = 0;
			while (m < (size_t)counts[q] && (double)hd[q * k.cap + m] <= t)
				m++;
			size += m;
			ranks[i - ncal] = isinf(rank[q]) ? k.cap + 1 : (size_t)rank[q];
		}
		double cv = (double)cov / (double)nt;
		/* the smallest fixed k covering as many test queries */
		size_t fixed = k.cap + 1;
		for (size_t kk = 1; kk <= k.cap; kk++) {
			size_t n = 0;
			for (size_t i = 0; i < nt; i++)
				n += ranks[i] <= kk;
			if (n >= cov) {
				fixed = kk;
				break;
			}
		}
		cov_sum += cv;
		cov_min = cv < cov_min ? cv : cov_min;
		cov_max = cv > cov_max ? cv : cov_max;
		size_sum += (double)size / (double)nt;
		rcov_sum += (double)rcov / (double)nt;
		qcov_sum += (double)qcov / (double)nt;
		qsize_sum += (double)qsize / (double)nt;
		rsize_sum += (double)rsize / (double)nt;
		fixed_sum += (double)fixed;
		if (!isinf(t))
			thr_sum += t, thr_finite++;
	}
	free(ranks);
	double S = (double)in->splits;
	char qc[32] = "null", qs[32] = "null"; /* JSON has no NaN */
	if (with_ratio) {
		snprintf(qc, sizeof qc, "%.4f", qcov_sum / S);
		snprintf(qs, sizeof qs, "%.2f", qsize_sum / S);
	}
	if (in->json)
		printf("{\"mode\":\"conformal\",\"alpha\":%g,\"calibration\":%zu,\"test\":%zu,\"splits\":%zu,"
		       "\"coverage\":%.4f,\"coverage_min\":%.4f,\"coverage_max\":%.4f,\"mean_set_size\":%.2f,"
		       "\"threshold\":%.6g,\"threshold_infinite_splits\":%zu,\"fixed_k\":%.2f,\"k\":%zu,\"cap\":%u,"
		       "\"ef\":%u,\"infinite_share\":%.4f,\"coverage_search\":%.4f,\"rank_coverage\":%.4f,"
		       "\"rank_mean_set_size\":%.2f,\"ratio_coverage\":%s,\"ratio_mean_set_size\":%s,\"score_s\":%.3f}\n",
		       alpha, ncal, nt, in->splits, cov_sum / S, cov_min, cov_max, size_sum / S,
		       thr_finite ? thr_sum / (double)thr_finite : INFINITY, in->splits - thr_finite, fixed_sum / S, in->k,
		       k.cap, k.ef, (double)infinite / (double)nq, (double)searched_cov / (double)nt, rcov_sum / S,
		       rsize_sum / S, qc, qs, score_s);
	else
		printf("conformal alpha %g: %zu splits of %zu calibration / %zu test queries: coverage %.4f (min %.4f, "
		       "max %.4f), mean set size %.2f (cap %u, ef %u); a fixed k reaching the same coverage: %.2f; "
		       "%.2f%% of queries have a relevant item beyond the cap; first split searched: coverage %.4f\n",
		       alpha, in->splits, ncal, nt, cov_sum / S, cov_min, cov_max, size_sum / S, k.cap, k.ef, fixed_sum / S,
		       100.0 * (double)infinite / (double)nq, (double)searched_cov / (double)nt);
	status = EXIT_OK;
out:
	free(dist);
	free(rank);
	free(rat);
	free(cal);
	free(order);
	free(hd);
	free(hits);
	free(counts);
	split_free(&sd);
	return status;
}

int bench_target_recall(rv_collection *c, const bench_calib_in *in, double target)
{
	size_t nq = in->nq, ncal = in->calibration ? in->calibration : nq / 2;
	if (ncal < 1 || ncal >= nq) {
		fprintf(stderr, "ruvector bench: --calibration %zu must leave test queries (of %zu)\n", ncal, nq);
		return EXIT_FAIL;
	}
	size_t nt = nq - ncal;
	size_t *order = malloc(nq * sizeof *order);
	split_data sd = {0};
	rv_hit *hits = malloc(in->k * sizeof *hits);
	char *idbuf = malloc(RV_IDBUF_SIZE(in->k));
	int status = EXIT_FAIL;
	if (!order || !hits || !idbuf) {
		fprintf(stderr, "ruvector bench: out of memory\n");
		goto out;
	}
	uint64_t seed = in->seed ^ 0x7e7;
	for (size_t i = 0; i < nq; i++)
		order[i] = i;
	shuffle(order, nq, &seed);
	if (!split_make(&sd, in, order)) {
		fprintf(stderr, "ruvector bench: out of memory\n");
		goto out;
	}
	rv_calibrate_params p;
	rv_calibrate_params_init(&p);
	p.k = (uint32_t)in->k;
	p.target_recall = (float)target;
	p.relevant = sd.rel;
	rv_calibration k;
	double t0 = now_s();
	if (rv_calibrate_recall(c, ncal, sd.q, in->dim, &p, &k) != RV_OK) {
		status = fail(c, "calibrating");
		goto out;
	}
	double cal_s = now_s() - t0;
	rv_search_params sp = {0};
	sp.flags = RV_SEARCH_CALIBRATED;
	double found = 0;
	t0 = now_s();
	for (size_t i = ncal; i < nq; i++) {
		int n = rv_search(c, sd.q + i * in->dim, in->dim, in->k, &sp, hits, idbuf, RV_IDBUF_SIZE(in->k));
		if (n < 0) {
			status = fail(c, "search");
			goto out;
		}
		size_t f = 0;
		for (size_t j = 0; j < in->k; j++)
			for (int h = 0; h < n; h++)
				f += strcmp(hits[h].id, sd.rel[i * in->k + j]) == 0;
		found += (double)f / (double)in->k;
	}
	double secs = now_s() - t0;
	if (in->json)
		printf("{\"mode\":\"target_recall\",\"target_recall\":%g,\"ef\":%u,\"recall\":%.4f,\"bound\":%.4f,"
		       "\"calibration\":%zu,\"test\":%zu,\"k\":%zu,\"qps\":%.0f,\"calibrate_s\":%.3f}\n",
		       target, k.recall_ef, found / (double)nt, (double)k.recall_bound, ncal, nt, in->k,
		       (double)nt / secs, cal_s);
	else
		printf("target recall %g: chose ef %u on %zu queries (bound on 1 - recall %.4f); recall@%zu on %zu other "
		       "queries %.4f at %.0f qps\n",
		       target, k.recall_ef, ncal, (double)k.recall_bound, in->k, nt, found / (double)nt, (double)nt / secs);
	status = EXIT_OK;
out:
	free(order);
	free(hits);
	free(idbuf);
	split_free(&sd);
	return status;
}
