/*
 * mmr.c: maximal marginal relevance re-ranking and the diversity measure of
 * rank.h (which states the formulas and the contract).
 *
 * The greedy loop keeps, for every candidate, the largest similarity to the
 * picked set so far (maxsim). A pick changes the set by one row, so after
 * each pick one distance per remaining candidate brings maxsim up to date:
 * O(k n) distance evaluations instead of the O(k^2 n) of recomputing
 * max over the set each time. Scores are formed in double. lambda = 1
 * skips the distances altogether and so reproduces the plain ranking
 * exactly (no 0 * x term that could be NaN or -0 to disturb ties); the
 * first pick, with the set empty, is the candidate nearest the query for
 * every lambda (for lambda = 0 every candidate would otherwise tie).
 */
#include "rank.h"

#include <math.h>

#include "../util/alloc.h"

int rv_mmr(const float *vecs, size_t n, size_t dim, const float *query_dist, rv_f32_dist_fn dist_fn, float lambda,
           size_t k, uint32_t *order)
{
	if (!dist_fn || isnan(lambda) || lambda < 0 || lambda > 1 || n > UINT32_MAX)
		return RV_EINVAL;
	if (n == 0 || k == 0)
		return 0;
	if (!vecs || !query_dist || !order)
		return RV_EINVAL;
	for (size_t i = 0; i < n; i++)
		if (isnan(query_dist[i]))
			return RV_EINVAL;
	size_t m = k < n ? k : n;
	if (m > INT32_MAX)
		m = INT32_MAX; /* the count must fit the return value */
	unsigned char *picked = rv_calloc(n, 1);
	double *maxsim = lambda < 1 ? rv_calloc(n, sizeof *maxsim) : NULL;
	if (!picked || (lambda < 1 && !maxsim)) {
		rv_free(picked);
		rv_free(maxsim);
		return RV_ENOMEM;
	}
	if (maxsim)
		for (size_t i = 0; i < n; i++)
			maxsim[i] = -INFINITY;
	double lam = lambda;
	for (size_t step = 0; step < m; step++) {
		size_t best = n;
		double bestv = 0;
		for (size_t i = 0; i < n; i++) {
			if (picked[i])
				continue;
			double rel = -(double)query_dist[i];
			double v = (step == 0 || !maxsim) ? rel : lam * rel - (1 - lam) * maxsim[i];
			if (best == n || v > bestv) { /* strict: ties keep the lower index */
				best = i;
				bestv = v;
			}
		}
		order[step] = (uint32_t)best;
		picked[best] = 1;
		if (!maxsim || step + 1 == m)
			continue;
		const float *pv = vecs + best * dim;
		for (size_t i = 0; i < n; i++) {
			if (picked[i])
				continue;
			double s = -(double)dist_fn(vecs + i * dim, pv, dim);
			if (s > maxsim[i])
				maxsim[i] = s;
		}
	}
	rv_free(picked);
	rv_free(maxsim);
	return (int)m;
}

double rv_mean_pairwise_distance(const float *vecs, const uint32_t *idx, size_t n, size_t dim,
                                 rv_f32_dist_fn dist_fn)
{
	if (n < 2 || !vecs || !idx || !dist_fn)
		return 0;
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			sum += dist_fn(vecs + (size_t)idx[i] * dim, vecs + (size_t)idx[j] * dim, dim);
	return sum / ((double)n * (double)(n - 1) / 2);
}
