/*
 * rank.h: combining and diversifying ranked lists (issue #5, the other half
 * of hybrid search): reciprocal-rank and weighted score fusion of several
 * result lists (say, a vector search and a BM25 search over the same
 * records), and maximal marginal relevance (MMR) re-ranking.
 *
 * FUSION (fusion.c)
 *
 * Each input list is a rv_rank_list: items best first, each a key (the
 * record) and the list's own score for it, with lower_is_better saying
 * which way that score points (1 for distances, 0 for BM25 or
 * similarities), and a weight for the list (finite, >= 0). Every key that
 * appears in some list is a candidate, even one whose fused score is 0. A
 * key that appears more than once in the same list counts there once, at
 * its first position (for RRF) or with its best score (for weighted).
 *
 *   RRF (Cormack, Clarke & Buettcher 2009):
 *     fused(d) = sum over lists i containing d of weight_i / (k_rrf + rank_i(d))
 *     rank_i(d) = 1 + the position of d's first occurrence in list i;
 *     k_rrf <= 0 means 60, the paper's constant. Only the order of each
 *     list matters, not its scores, so lists on unrelated scales combine
 *     without tuning.
 *
 *   Weighted (min-max, "convex combination"):
 *     norm_i(s) = (s - min_i) / (max_i - min_i)       if lower_is_better = 0
 *               = (max_i - s) / (max_i - min_i)       if lower_is_better = 1
 *               = 1 for every member                  if max_i = min_i
 *     fused(d)  = sum over lists i containing d of weight_i * norm_i(score_i(d))
 *     min_i and max_i are over list i's scores, which must be finite; 1 is
 *     always the list's best item, 0 its worst. The order of the items does
 *     not matter here.
 *
 * Both write the k best candidates by fused score into out (fused
 * computed in double, ranked and returned as float; ties by smaller key)
 * and return how many (min(k, candidates)), or RV_EINVAL (a list with items
 * NULL and n > 0; a weight negative or not finite; k_rrf NaN or infinite;
 * a weighted list's score NaN or infinite; out NULL with k > 0; lists NULL
 * with nlists > 0), or RV_ENOMEM. Thread-safe; scratch O(total items).
 *
 * MMR (mmr.c; Carbonell & Goldstein 1998)
 *
 * Picks k of n candidates greedily: at each step the unpicked candidate c
 * maximising
 *
 *   mmr(c) = lambda * sim(q, c) - (1 - lambda) * max over picked s of sim(c, s)
 *
 * where sim = -distance, the distance being the collection's metric
 * (dist_fn: squared L2, negative inner product, 1 - cosine ...), and
 * sim(q, c) = -query_dist[c], precomputed by the caller. With nothing
 * picked yet (the first step) the second term is absent and the pick is
 * the candidate nearest the query, whatever lambda. Ties go to the lower
 * index. lambda = 1 is the plain ranking: candidates in order of
 * query_dist (stable: ties by lower index); lambda = 0 ignores the query
 * after the first pick and spreads out as far as possible. The two terms
 * are on the same scale when both are distances of the same metric, which
 * is why sim is the negated distance rather than some similarity.
 * Evaluates dist_fn (n - 1) + (n - 2) + ... + (n - k + 1) times, O(k n): for
 * each candidate the largest similarity to the picked set so far is kept
 * and updated with the one new pick per step.
 *
 * The measure of diversity that MMR's choices can be judged by is the mean
 * pairwise distance of the selected rows:
 *
 *   mpd(S) = (2 / (|S| (|S| - 1))) * sum over pairs i < j of dist(v_S[i], v_S[j])
 *
 * (0 for fewer than two rows), rv_mean_pairwise_distance below.
 */
#ifndef RV_RANK_H
#define RV_RANK_H

#include <stddef.h>
#include <stdint.h>

#include "../kernels/kernels.h"
#include "ruvector.h"

/* One item of a ranked list (input), or of a fused list (output: score is
 * then the fused score, higher better). */
typedef struct rv_ranked {
	uint32_t key; /* the record */
	float score;  /* the list's own score for it */
} rv_ranked;

typedef struct rv_rank_list {
	const rv_ranked *items; /* best first */
	size_t n;               /* items */
	int lower_is_better;    /* 1: scores are distances (smaller better); 0: larger better */
	float weight;           /* the list's weight, finite and >= 0 (1 for plain RRF) */
} rv_rank_list;

/* Reciprocal-rank fusion of lists[0..nlists) into out[0..k) (see above).
 * Returns the count written or a negative error. */
int rv_fuse_rrf(const rv_rank_list *lists, size_t nlists, float k_rrf, size_t k, rv_ranked *out);

/* Weighted min-max fusion of lists[0..nlists) into out[0..k) (see above).
 * Returns the count written or a negative error. */
int rv_fuse_weighted(const rv_rank_list *lists, size_t nlists, size_t k, rv_ranked *out);

/* MMR over n candidates, rows vecs[i * dim .. (i + 1) * dim), with
 * query_dist[i] = distance(query, candidate i) (NaN: RV_EINVAL). Writes the
 * indexes of the picked candidates, in pick order, into order[0..min(k, n))
 * and returns that count; RV_EINVAL for lambda outside [0, 1] or NaN, a
 * NULL pointer that is needed (vecs, query_dist, order when n and k > 0;
 * dist_fn always), n > UINT32_MAX; RV_ENOMEM. */
int rv_mmr(const float *vecs, size_t n, size_t dim, const float *query_dist, rv_f32_dist_fn dist_fn, float lambda,
           size_t k, uint32_t *order);

/* Mean pairwise distance (by dist_fn, in double) over the rows
 * vecs[idx[i] * dim ..] for i < n; 0 when n < 2. */
double rv_mean_pairwise_distance(const float *vecs, const uint32_t *idx, size_t n, size_t dim,
                                 rv_f32_dist_fn dist_fn);

#endif
