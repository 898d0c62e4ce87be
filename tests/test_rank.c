/*
 * test_rank.c: reciprocal-rank and weighted fusion, MMR and the mean
 * pairwise distance of src/rank/rank.h.
 *
 * Fusion is checked on small lists whose fused scores are worked out by
 * hand in the comments (order, exact scores, ties by key, absent items,
 * weights, k_rrf, duplicates, lists whose scores are all equal, errors).
 * MMR: lambda = 1 against a stable sort by query distance; near-duplicate
 * clusters from which lambda = 0.5 takes one each before any second; on
 * random data for several seeds, lower lambda never gives a smaller mean
 * pairwise distance than lambda = 1 (and for some seed a strictly larger
 * one); the exact number of distance evaluations (O(k n)); errors and
 * k > n.
 */
#include "harness.h"

#include "../src/rank/rank.h"
#include "ruvector.h"

static rv_rank_list list(const rv_ranked *items, size_t n, int lower, float w)
{
	return (rv_rank_list){items, n, lower, w};
}

static bool near(double a, double b)
{
	return fabs(a - b) <= 1e-6 * fabs(b) + 1e-9;
}

TEST(rrf_known_order)
{
	/* A (vector distances): 1, 2, 3; B (BM25): 3, 1, 4.
	 *   1: 1/61 + 1/62 = 0.0325225
	 *   3: 1/63 + 1/61 = 0.0322664
	 *   2: 1/62        = 0.0161290
	 *   4: 1/63        = 0.0158730   -> 1, 3, 2, 4 */
	rv_ranked a[] = {{1, 0.1f}, {2, 0.2f}, {3, 0.3f}};
	rv_ranked b[] = {{3, 9.0f}, {1, 7.0f}, {4, 1.0f}};
	rv_rank_list l[2] = {list(a, 3, 1, 1), list(b, 3, 0, 1)};
	rv_ranked out[8];
	int n = rv_fuse_rrf(l, 2, 60, 8, out);
	CHECK(n == 4);
	uint32_t want[] = {1, 3, 2, 4};
	double ws[] = {1.0 / 61 + 1.0 / 62, 1.0 / 63 + 1.0 / 61, 1.0 / 62, 1.0 / 63};
	for (int i = 0; i < 4 && i < n; i++) {
		CHECK_MSG(out[i].key == want[i], "rank %d: key %u want %u", i, out[i].key, want[i]);
		CHECK_MSG(near(out[i].score, ws[i]), "rank %d: %.9g want %.9g", i, out[i].score, ws[i]);
	}
	/* k_rrf <= 0 means 60: the same answer */
	rv_ranked o2[8];
	CHECK(rv_fuse_rrf(l, 2, 0, 8, o2) == 4 && !memcmp(out, o2, 4 * sizeof *out));
	CHECK(rv_fuse_rrf(l, 2, -3, 8, o2) == 4 && !memcmp(out, o2, 4 * sizeof *out));
	/* k smaller: the prefix */
	CHECK(rv_fuse_rrf(l, 2, 60, 2, o2) == 2 && !memcmp(out, o2, 2 * sizeof *out));
	CHECK(rv_fuse_rrf(l, 2, 60, 0, NULL) == 0);
	CHECK(rv_fuse_rrf(l, 0, 60, 8, o2) == 0);
	CHECK(rv_fuse_rrf(NULL, 0, 60, 8, o2) == 0);
}

TEST(rrf_ties_weights_and_k)
{
	/* A: 9, 4; B: 4, 9. Both 1/61 + 1/62: a tie, the smaller key first
	 * although 9 came first. */
	rv_ranked a[] = {{9, 0}, {4, 0}};
	rv_ranked b[] = {{4, 0}, {9, 0}};
	rv_rank_list l[2] = {list(a, 2, 1, 1), list(b, 2, 0, 1)};
	rv_ranked out[4];
	CHECK(rv_fuse_rrf(l, 2, 60, 4, out) == 2);
	CHECK(out[0].key == 4 && out[1].key == 9 && out[0].score == out[1].score);
	/* weights: A 2, B 1 -> 9: 2/61 + 1/62 = 0.048916 beats 4: 2/62 + 1/61 = 0.048651 */
	l[0].weight = 2;
	CHECK(rv_fuse_rrf(l, 2, 60, 4, out) == 2);
	CHECK(out[0].key == 9 && near(out[0].score, 2.0 / 61 + 1.0 / 62) && near(out[1].score, 2.0 / 62 + 1.0 / 61));
	/* the other way round */
	l[0].weight = 1;
	l[1].weight = 2;
	CHECK(rv_fuse_rrf(l, 2, 60, 4, out) == 2 && out[0].key == 4);
	/* weight 0: the list's items are candidates worth nothing from it */
	rv_ranked c[] = {{7, 0}};
	rv_rank_list l3[2] = {list(a, 2, 1, 1), list(c, 1, 0, 0)};
	CHECK(rv_fuse_rrf(l3, 2, 60, 4, out) == 3);
	CHECK(out[0].key == 9 && out[1].key == 4 && out[2].key == 7 && out[2].score == 0);

	/* k_rrf matters: x is first in A only; y is fourth in B and in C; 1 and
	 * 4 are first in B and C, 2 and 5 second.
	 *   k_rrf = 1:  x = 1 = 4 = 1/2 = 0.5,  y = 1/5 + 1/5 = 0.4,  2 = 5 = 1/3
	 *               -> 1, 4, x, y, 2, 5, ...: y fourth
	 *   k_rrf = 60: x = 1 = 4 = 1/61 = 0.0164,  y = 2/64 = 0.03125 -> y first */
	enum { X = 100, Y = 200 };
	rv_ranked la[] = {{X, 0}};
	rv_ranked lb[] = {{1, 0}, {2, 0}, {3, 0}, {Y, 0}};
	rv_ranked lc[] = {{4, 0}, {5, 0}, {6, 0}, {Y, 0}};
	rv_rank_list l4[3] = {list(la, 1, 0, 1), list(lb, 4, 0, 1), list(lc, 4, 0, 1)};
	rv_ranked o[16];
	CHECK(rv_fuse_rrf(l4, 3, 1, 16, o) == 8);
	CHECK(o[0].key == 1 && o[1].key == 4 && o[2].key == X && near(o[2].score, 0.5));
	CHECK(o[3].key == Y && near(o[3].score, 0.4) && o[4].key == 2);
	CHECK(rv_fuse_rrf(l4, 3, 60, 16, o) == 8);
	CHECK(o[0].key == Y && near(o[0].score, 2.0 / 64));
	/* X, 1 and 4 tie at 1/61, 2 and 5 at 1/62, 3 and 6 at 1/63: keys
	 * ascending within each tie */
	uint32_t rest[] = {1, 4, X, 2, 5, 3, 6};
	for (int i = 0; i < 7; i++)
		CHECK_MSG(o[i + 1].key == rest[i], "rank %d: key %u want %u", i + 1, o[i + 1].key, rest[i]);
	CHECK(o[1].score == o[3].score);

	/* a key repeated in one list counts once, at its first position:
	 * A: 1, 1, 2 -> 1: 1/61 (not 1/61 + 1/62), 2: 1/63 */
	rv_ranked d[] = {{1, 0}, {1, 0}, {2, 0}};
	rv_rank_list l5 = list(d, 3, 0, 1);
	CHECK(rv_fuse_rrf(&l5, 1, 60, 4, out) == 2);
	CHECK(out[0].key == 1 && near(out[0].score, 1.0 / 61) && out[1].key == 2 && near(out[1].score, 1.0 / 63));
}

TEST(fusion_errors)
{
	rv_ranked a[] = {{1, 0.5f}};
	rv_ranked out[2];
	rv_rank_list l = list(a, 1, 0, -1);
	CHECK_RC(rv_fuse_rrf(&l, 1, 60, 2, out), RV_EINVAL);
	CHECK_RC(rv_fuse_weighted(&l, 1, 2, out), RV_EINVAL);
	l.weight = NAN;
	CHECK_RC(rv_fuse_rrf(&l, 1, 60, 2, out), RV_EINVAL);
	l.weight = INFINITY;
	CHECK_RC(rv_fuse_weighted(&l, 1, 2, out), RV_EINVAL);
	l.weight = 1;
	CHECK_RC(rv_fuse_rrf(&l, 1, NAN, 2, out), RV_EINVAL);
	CHECK_RC(rv_fuse_rrf(&l, 1, 60, 2, NULL), RV_EINVAL);
	CHECK_RC(rv_fuse_rrf(NULL, 1, 60, 2, out), RV_EINVAL);
	l.items = NULL;
	CHECK_RC(rv_fuse_rrf(&l, 1, 60, 2, out), RV_EINVAL);
	l.items = a;
	a[0].score = NAN; /* RRF ignores scores; weighted refuses it */
	CHECK(rv_fuse_rrf(&l, 1, 60, 2, out) == 1);
	CHECK_RC(rv_fuse_weighted(&l, 1, 2, out), RV_EINVAL);
}

TEST(weighted_known_order)
{
	/* A (distances, lower better): 1: 0.1, 2: 0.3, 3: 0.5, min 0.1, max 0.5
	 *   norm = (0.5 - s) / 0.4:  1 -> 1, 2 -> 0.5, 3 -> 0
	 * B (BM25, higher better): 3: 9, 4: 5, 1: 1, min 1, max 9
	 *   norm = (s - 1) / 8:      3 -> 1, 4 -> 0.5, 1 -> 0
	 * weights 0.7 / 0.3:  1: 0.7   2: 0.35   3: 0.3   4: 0.15
	 * weights 0.3 / 0.7:  1: 0.3   2: 0.15   3: 0.7   4: 0.35 */
	rv_ranked a[] = {{1, 0.1f}, {2, 0.3f}, {3, 0.5f}};
	rv_ranked b[] = {{3, 9.0f}, {4, 5.0f}, {1, 1.0f}};
	rv_rank_list l[2] = {list(a, 3, 1, 0.7f), list(b, 3, 0, 0.3f)};
	rv_ranked out[8];
	CHECK(rv_fuse_weighted(l, 2, 8, out) == 4);
	uint32_t w1[] = {1, 2, 3, 4};
	double s1[] = {0.7, 0.35, 0.3, 0.15};
	for (int i = 0; i < 4; i++)
		CHECK_MSG(out[i].key == w1[i] && fabs(out[i].score - s1[i]) < 1e-6, "rank %d: key %u score %g", i,
		          out[i].key, out[i].score);
	l[0].weight = 0.3f;
	l[1].weight = 0.7f;
	CHECK(rv_fuse_weighted(l, 2, 8, out) == 4);
	uint32_t w2[] = {3, 4, 1, 2};
	double s2[] = {0.7, 0.35, 0.3, 0.15};
	for (int i = 0; i < 4; i++)
		CHECK_MSG(out[i].key == w2[i] && fabs(out[i].score - s2[i]) < 1e-6, "rank %d: key %u score %g", i,
		          out[i].key, out[i].score);
	/* the item order does not matter, only the scores */
	rv_ranked a_shuffled[] = {{3, 0.5f}, {1, 0.1f}, {2, 0.3f}};
	l[0].items = a_shuffled;
	rv_ranked out2[8];
	CHECK(rv_fuse_weighted(l, 2, 8, out2) == 4 && !memcmp(out, out2, sizeof out2[0] * 4));
}

TEST(weighted_equal_scores_and_duplicates)
{
	/* all equal: every member gets 1, whichever direction */
	rv_ranked c[] = {{8, 2.0f}, {7, 2.0f}};
	rv_rank_list l = list(c, 2, 0, 1);
	rv_ranked out[4];
	CHECK(rv_fuse_weighted(&l, 1, 4, out) == 2);
	CHECK(out[0].key == 7 && out[1].key == 8 && out[0].score == 1 && out[1].score == 1);
	l.lower_is_better = 1;
	CHECK(rv_fuse_weighted(&l, 1, 4, out) == 2 && out[0].score == 1 && out[1].score == 1);
	/* a one-item list too; combined with a spread list (weight 0.5):
	 *   A: 5 -> 1 (alone);  B: 5: 10 -> 1, 6: 0 -> 0
	 *   5: 1 + 0.5 = 1.5, 6: 0 */
	rv_ranked a[] = {{5, 3.0f}};
	rv_ranked b[] = {{5, 10.0f}, {6, 0.0f}};
	rv_rank_list l2[2] = {list(a, 1, 1, 1), list(b, 2, 0, 0.5f)};
	CHECK(rv_fuse_weighted(l2, 2, 4, out) == 2);
	CHECK(out[0].key == 5 && fabs(out[0].score - 1.5) < 1e-6 && out[1].key == 6 && out[1].score == 0);
	/* a key twice in one list: its best score counts, once.
	 *   scores 1: 4 and 2, 2: 0; min 0, max 4 -> 1: 1 (not 1 + 0.5), 2: 0 */
	rv_ranked d[] = {{1, 4.0f}, {2, 0.0f}, {1, 2.0f}};
	rv_rank_list l3 = list(d, 3, 0, 1);
	CHECK(rv_fuse_weighted(&l3, 1, 4, out) == 2);
	CHECK(out[0].key == 1 && out[0].score == 1 && out[1].key == 2 && out[1].score == 0);
	/* and the worse copy first gives the same */
	rv_ranked e[] = {{1, 2.0f}, {2, 0.0f}, {1, 4.0f}};
	l3.items = e;
	CHECK(rv_fuse_weighted(&l3, 1, 4, out) == 2 && out[0].key == 1 && out[0].score == 1);
}

/* ---- MMR ---- */

static atomic_long dist_calls;

static float l2sq(const float *a, const float *b, size_t n)
{
	atomic_fetch_add(&dist_calls, 1);
	float s = 0;
	for (size_t i = 0; i < n; i++)
		s += (a[i] - b[i]) * (a[i] - b[i]);
	return s;
}

static float neg_dot(const float *a, const float *b, size_t n)
{
	float s = 0;
	for (size_t i = 0; i < n; i++)
		s += a[i] * b[i];
	return -s;
}

TEST(mmr_lambda_one_is_plain_ranking)
{
	test_rng r = {3};
	enum { N = 60, D = 4 };
	float v[N * D], qd[N];
	for (size_t i = 0; i < N * D; i++)
		v[i] = rng_float(&r);
	for (size_t i = 0; i < N; i++)
		qd[i] = (float)(rng_next(&r) % 10); /* many ties */
	uint32_t order[N], want[N];
	/* stable sort by query distance */
	for (uint32_t i = 0; i < N; i++) {
		uint32_t j = i;
		while (j > 0 && qd[want[j - 1]] > qd[i]) {
			want[j] = want[j - 1];
			j--;
		}
		want[j] = i;
	}
	atomic_store(&dist_calls, 0);
	CHECK(rv_mmr(v, N, D, qd, l2sq, 1.0f, N, order) == N);
	CHECK(!memcmp(order, want, sizeof order));
	CHECK(atomic_load(&dist_calls) == 0);
	CHECK(rv_mmr(v, N, D, qd, l2sq, 1.0f, 7, order) == 7);
	CHECK(!memcmp(order, want, 7 * sizeof order[0]));
}

TEST(mmr_picks_one_per_cluster)
{
	/* three clusters of five near-duplicates at the corners of a triangle
	 * (side 10, squared 100), the query near the middle, a little closer to
	 * cluster 0, then 1, then 2. Relevance alone takes cluster 0's five
	 * first. With lambda 0.5 the second pick scores, for a duplicate of the
	 * first, about 0.5 * -33 - 0.5 * -0.0001 = -16.5, and for cluster 1
	 * about 0.5 * -34 - 0.5 * -100 = +33: one per cluster first. */
	enum { C = 3, PER = 5, N = C * PER, D = 3 };
	const float centre[C][2] = {{0, 0}, {10, 0}, {5, 8.660254f}};
	const float q[D] = {4.8f, 2.7f, 0};
	float v[N * D], qd[N];
	test_rng r = {11};
	for (int i = 0; i < N; i++) {
		/* interleave the clusters in index order: 0, 1, 2, 0, 1, 2, ... */
		int c = i % C;
		v[i * D + 0] = centre[c][0] + 0.01f * rng_float(&r);
		v[i * D + 1] = centre[c][1] + 0.01f * rng_float(&r);
		v[i * D + 2] = 0.01f * rng_float(&r);
		qd[i] = l2sq(q, v + i * D, D);
	}
	uint32_t order[N];
	CHECK(rv_mmr(v, N, D, qd, l2sq, 1.0f, PER, order) == PER);
	for (int i = 0; i < PER; i++)
		CHECK_MSG(order[i] % C == 0, "lambda 1, pick %d: cluster %u", i, order[i] % C);
	CHECK(rv_mmr(v, N, D, qd, l2sq, 0.5f, N, order) == N);
	CHECK_MSG(order[0] % C == 0 && order[1] % C == 1 && order[2] % C == 2, "picks %u %u %u", order[0], order[1],
	          order[2]);
	/* the first pick is the nearest to the query even for lambda 0 */
	uint32_t best = 0;
	for (uint32_t i = 1; i < N; i++)
		if (qd[i] < qd[best])
			best = i;
	CHECK(order[0] == best);
	CHECK(rv_mmr(v, N, D, qd, l2sq, 0.0f, 3, order) == 3);
	CHECK(order[0] == best);
	bool seen[C] = {false, false, false};
	for (int i = 0; i < 3; i++)
		seen[order[i] % C] = true;
	CHECK(seen[0] && seen[1] && seen[2]);
	/* every index once */
	CHECK(rv_mmr(v, N, D, qd, l2sq, 0.5f, N, order) == N);
	bool used[N] = {false};
	for (int i = 0; i < N; i++) {
		CHECK(order[i] < N && !used[order[i]]);
		if (order[i] < N)
			used[order[i]] = true;
	}
}

TEST(mmr_diversity_random)
{
	enum { N = 200, D = 16, K = 10 };
	int strictly = 0;
	for (uint64_t seed = 1; seed <= 6; seed++) {
		float *v = make_clustered(N, D, 8, seed);
		test_rng r = {seed * 77};
		float q[D], qd[N];
		for (int j = 0; j < D; j++)
			q[j] = rng_gauss(&r) * 3;
		for (int i = 0; i < N; i++)
			qd[i] = l2sq(q, v + i * D, D);
		uint32_t o1[K], o5[K], o0[K];
		atomic_store(&dist_calls, 0);
		CHECK(rv_mmr(v, N, D, qd, l2sq, 0.5f, K, o5) == K);
		/* one distance per unpicked candidate after each pick but the last */
		long want_calls = 0;
		for (int s = 1; s < K; s++)
			want_calls += N - s;
		CHECK_MSG(atomic_load(&dist_calls) == want_calls, "%ld distance calls, want %ld",
		          atomic_load(&dist_calls), want_calls);
		CHECK(rv_mmr(v, N, D, qd, l2sq, 1.0f, K, o1) == K);
		CHECK(rv_mmr(v, N, D, qd, l2sq, 0.0f, K, o0) == K);
		double d1 = rv_mean_pairwise_distance(v, o1, K, D, l2sq);
		double d5 = rv_mean_pairwise_distance(v, o5, K, D, l2sq);
		double d0 = rv_mean_pairwise_distance(v, o0, K, D, l2sq);
		CHECK_MSG(d5 >= d1 && d0 >= d1, "seed %" PRIu64 ": mpd lambda 1 %.3f, 0.5 %.3f, 0 %.3f", seed, d1, d5, d0);
		strictly += d5 > d1 * 1.05;
		/* the relevance it gives up: the picks' mean query distance grows */
		double q1 = 0, q5 = 0;
		for (int i = 0; i < K; i++) {
			q1 += qd[o1[i]];
			q5 += qd[o5[i]];
		}
		CHECK(q5 >= q1);
		free(v);
	}
	CHECK_MSG(strictly >= 3, "MMR spread the picks in only %d of 6 seeds", strictly);
}

TEST(mmr_inner_product_and_errors)
{
	/* negative inner product as the metric: candidates 0 and 1 are the same
	 * direction, 2 is orthogonal; the query favours 0, then 1, then 2.
	 *   qd = -dot(q, c): 0: -1.0, 1: -0.99, 2: -0.5
	 * lambda 0.5, second pick: 1: 0.5 * 0.99 - 0.5 * dot(1, 0) = 0.495 - 0.5 * 1 = -0.005
	 *                          2: 0.5 * 0.5 - 0.5 * dot(2, 0) = 0.25 - 0 = 0.25   -> 2 */
	float v[3 * 2] = {1, 0, 1, 0, 0, 1};
	float qd[3] = {-1.0f, -0.99f, -0.5f};
	uint32_t order[5];
	CHECK(rv_mmr(v, 3, 2, qd, neg_dot, 0.5f, 3, order) == 3);
	CHECK(order[0] == 0 && order[1] == 2 && order[2] == 1);
	CHECK(rv_mmr(v, 3, 2, qd, neg_dot, 1.0f, 3, order) == 3);
	CHECK(order[0] == 0 && order[1] == 1 && order[2] == 2);
	/* k > n: all n */
	CHECK(rv_mmr(v, 3, 2, qd, neg_dot, 0.5f, 5, order) == 3);
	CHECK(rv_mmr(v, 3, 2, qd, neg_dot, 0.5f, 0, order) == 0);
	CHECK(rv_mmr(NULL, 0, 2, NULL, neg_dot, 0.5f, 4, order) == 0);
	CHECK_RC(rv_mmr(v, 3, 2, qd, neg_dot, -0.01f, 3, order), RV_EINVAL);
	CHECK_RC(rv_mmr(v, 3, 2, qd, neg_dot, 1.01f, 3, order), RV_EINVAL);
	CHECK_RC(rv_mmr(v, 3, 2, qd, neg_dot, NAN, 3, order), RV_EINVAL);
	CHECK_RC(rv_mmr(v, 3, 2, qd, NULL, 0.5f, 3, order), RV_EINVAL);
	CHECK_RC(rv_mmr(v, 3, 2, qd, neg_dot, 0.5f, 3, NULL), RV_EINVAL);
	qd[1] = NAN;
	CHECK_RC(rv_mmr(v, 3, 2, qd, neg_dot, 0.5f, 3, order), RV_EINVAL);
}

TEST(mean_pairwise_distance)
{
	/* points 0, 1, 3 on a line, squared L2: pairs 1, 9, 4 -> 14 / 3 */
	float v[] = {0, 1, 3, 100};
	uint32_t idx[] = {0, 1, 2};
	CHECK(near(rv_mean_pairwise_distance(v, idx, 3, 1, l2sq), 14.0 / 3));
	uint32_t idx2[] = {3, 0};
	CHECK(near(rv_mean_pairwise_distance(v, idx2, 2, 1, l2sq), 10000));
	CHECK(rv_mean_pairwise_distance(v, idx, 1, 1, l2sq) == 0);
	CHECK(rv_mean_pairwise_distance(v, idx, 0, 1, l2sq) == 0);
}

int main(void)
{
	RUN(rrf_known_order);
	RUN(rrf_ties_weights_and_k);
	RUN(fusion_errors);
	RUN(weighted_known_order);
	RUN(weighted_equal_scores_and_duplicates);
	RUN(mmr_lambda_one_is_plain_ranking);
	RUN(mmr_picks_one_per_cluster);
	RUN(mmr_diversity_random);
	RUN(mmr_inner_product_and_errors);
	RUN(mean_pairwise_distance);
	return harness_exit();
}
