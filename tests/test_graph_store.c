/*
 * test_graph_store.c: the graph-store search loop (src/index/graph_search.c)
 * over a store kept in plain arrays, as a host would keep it: recall@10
 * against brute force after inserts, every link names a node with that
 * level, deleted nodes are never returned, and after rv_gs_repair no live
 * node links to a deleted one and recall holds; a store error stops the
 * core with that code; allocation failures come back as RV_ENOMEM.
 */
#include "harness.h"

#include "../src/index/graph_store.h"
#include "../src/util/alloc.h"
#include "ruvector.h"

#define DIM 24
#if RV_TEST_SMALL
#define N 1500
#else
#define N 4000
#endif
#define NQ 100
#define K 10
#define M 8
#define CAP (N + N / 10) /* room for the inserts after the repair */

/* The host: ids are 1000 + row (never 0, so an id is not an index). */
typedef struct store {
	float vec[CAP][DIM];
	int level[CAP];
	rv_gid links[CAP][RV_GS_LEVEL_MAX + 1][2 * M];
	uint32_t nlinks[CAP][RV_GS_LEVEL_MAX + 1];
	bool deleted[CAP];
	int n;
	int fail_after; /* > 0: that many more loads succeed, then RV_EIO */
	long loads;
} store;

static store *S;
static float queries[NQ][DIM];

static int row_of(rv_gid id) { return (int)(id - 1000); }

static int op_load(void *ctx, rv_gid id, int level, float *vec, rv_gid *links, uint32_t cap, uint32_t *n,
                   bool *deleted)
{
	store *s = ctx;
	int r = row_of(id);
	s->loads++;
	if (s->fail_after > 0 && --s->fail_after == 0)
		return RV_EIO;
	if (r < 0 || r >= s->n)
		return RV_ECORRUPT;
	*deleted = s->deleted[r];
	if (vec)
		memcpy(vec, s->vec[r], sizeof s->vec[r]);
	if (links) {
		uint32_t k = level <= s->level[r] ? s->nlinks[r][level] : 0;
		if (k > cap)
			k = cap;
		memcpy(links, s->links[r][level], k * sizeof *links);
		*n = k;
	}
	return 0;
}

static int op_store_node(void *ctx, const float *vec, int level, const rv_gid *const *links, const uint32_t *nlinks,
                         rv_gid *id)
{
	store *s = ctx;
	int r = s->n++;
	memcpy(s->vec[r], vec, sizeof s->vec[r]);
	s->level[r] = level;
	for (int l = 0; l <= level; l++) {
		CHECK(nlinks[l] <= (l ? M : 2 * M));
		memcpy(s->links[r][l], links[l], nlinks[l] * sizeof(rv_gid));
		s->nlinks[r][l] = nlinks[l];
	}
	*id = 1000 + (rv_gid)r;
	return 0;
}

static int op_store_links(void *ctx, rv_gid id, int level, const rv_gid *links, uint32_t n)
{
	store *s = ctx;
	int r = row_of(id);
	CHECK(n <= (uint32_t)(level ? M : 2 * M));
	CHECK(level <= s->level[r]);
	memcpy(s->links[r][level], links, n * sizeof *links);
	s->nlinks[r][level] = n;
	return 0;
}

static rv_graph_store gs = {NULL, DIM, M, RV_METRIC_L2, op_load, op_store_node, op_store_links};
static rv_gid entry = RV_GID_NONE;
static int entry_level = -1;

static uint64_t rng = 88172645463325252ull;
static double uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

static void fill(float *v)
{
	/* clustered: 16 centres, so the graph has structure to find */
	int c = (int)(uniform() * 16);
	for (int j = 0; j < DIM; j++)
		v[j] = (float)(c * 3 % 7) + (float)((c + j) % 5) + (float)uniform();
}

static void insert_all(int from, int to)
{
	rv_gs_work w = {0};
	float v[DIM];
	for (int i = from; i < to; i++) {
		fill(v);
		int level = rv_gs_random_level(uniform(), M);
		rv_gid id;
		int rc = rv_gs_insert(&gs, &w, v, level, entry, entry_level, 64, &id);
		CHECK_OK(rc);
		if (rc)
			break;
		if (entry == RV_GID_NONE || level > entry_level) {
			entry = id;
			entry_level = level;
		}
	}
	rv_gs_work_free(&w);
}

/* recall@K of rv_gs_search against brute force over live nodes */
static double recall(uint32_t ef)
{
	rv_gs_work w = {0};
	rv_gcand got[K];
	long hit = 0;
	for (int q = 0; q < NQ; q++) {
		float best[K];
		int bid[K];
		for (int k = 0; k < K; k++) {
			best[k] = INFINITY;
			bid[k] = -1;
		}
		for (int r = 0; r < S->n; r++) {
			if (S->deleted[r])
				continue;
			float d = 0;
			for (int j = 0; j < DIM; j++)
				d += (queries[q][j] - S->vec[r][j]) * (queries[q][j] - S->vec[r][j]);
			if (d < best[K - 1]) {
				int k = K - 1;
				while (k > 0 && best[k - 1] > d) {
					best[k] = best[k - 1];
					bid[k] = bid[k - 1];
					k--;
				}
				best[k] = d;
				bid[k] = r;
			}
		}
		size_t n;
		CHECK_OK(rv_gs_search(&gs, &w, queries[q], entry, entry_level, ef, got, K, &n));
		CHECK(n == K);
		for (size_t i = 0; i < n; i++) {
			CHECK(!S->deleted[row_of(got[i].id)]);
			CHECK(i == 0 || got[i - 1].dist <= got[i].dist);
			for (int k = 0; k < K; k++)
				hit += bid[k] == row_of(got[i].id);
		}
	}
	rv_gs_work_free(&w);
	return (double)hit / (NQ * K);
}

static void check_links(void)
{
	long bad = 0;
	for (int r = 0; r < S->n; r++) {
		if (S->deleted[r])
			continue;
		for (int l = 0; l <= S->level[r]; l++)
			for (uint32_t i = 0; i < S->nlinks[r][l]; i++) {
				int t = row_of(S->links[r][l][i]);
				bad += t < 0 || t >= S->n || t == r || S->level[t] < l || S->deleted[t];
			}
	}
	CHECK_MSG(bad == 0, "%ld bad links", bad);
}

static int unreachable(void);

TEST(insert_and_search)
{
	insert_all(0, N);
	CHECK(S->n == N);
	check_links();
	double r = recall(64);
	CHECK_MSG(r >= 0.95, "recall@10 %.3f at ef 64", r);
	/* ef covering the graph: the search is exact */
	r = recall(N);
	CHECK_MSG(r >= 0.999, "recall@10 %.3f at ef = n", r);
	CHECK_MSG(unreachable() == 0, "%d nodes unreachable after the build", unreachable());
}

/* Reachability from the entry over the links of every level (a search
 * descends, so that is what it can reach): reach[] and the count of live
 * nodes it misses. Level 0 alone may fall apart into clusters. */
static bool reach[CAP];
static int unreachable(void)
{
	static int queue[CAP];
	memset(reach, 0, sizeof reach);
	int head = 0, tail = 0, miss = 0;
	queue[tail++] = row_of(entry);
	reach[row_of(entry)] = true;
	while (head < tail) {
		int r = queue[head++];
		for (int l = 0; l <= S->level[r]; l++)
			for (uint32_t i = 0; i < S->nlinks[r][l]; i++) {
				int t = row_of(S->links[r][l][i]);
				if (!reach[t]) {
					reach[t] = true;
					queue[tail++] = t;
				}
			}
	}
	for (int r = 0; r < S->n; r++)
		miss += !S->deleted[r] && !reach[r];
	return miss;
}

static bool gone(void *ctx, rv_gid id)
{
	(void)ctx;
	return S->deleted[row_of(id)];
}

TEST(delete_and_repair)
{
	for (int r = 0; r < S->n; r += 10)
		S->deleted[r] = true;
	/* before the repair: walked, never returned */
	double r0 = recall(64);
	CHECK_MSG(r0 >= 0.90, "recall@10 %.3f with deleted nodes in the graph", r0);
	rv_gs_work w = {0};
	for (int r = 0; r < S->n; r++)
		if (!S->deleted[r])
			for (int l = 0; l <= S->level[r]; l++)
				CHECK_OK(rv_gs_repair(&gs, &w, 1000 + (rv_gid)r, l, gone, NULL));
	rv_gs_work_free(&w);
	if (S->deleted[row_of(entry)]) {
		int best = -1;
		for (int r = 0; r < S->n; r++)
			if (!S->deleted[r] && (best < 0 || S->level[r] > S->level[best]))
				best = r;
		entry = 1000 + (rv_gid)best;
		entry_level = S->level[best];
	}
	check_links();
	/* reconnect what the entry no longer reaches on level 0 */
	int before = unreachable();
	rv_gs_work w2 = {0};
	for (int r = 0; r < S->n; r++)
		if (!S->deleted[r] && !reach[r])
			CHECK_OK(rv_gs_relink(&gs, &w2, 1000 + (rv_gid)r, entry, entry_level, 64));
	rv_gs_work_free(&w2);
	int after = unreachable();
	CHECK_MSG(after == 0, "%d nodes unreachable after relinking (%d before)", after, before);
	check_links();
	double r1 = recall(64);
	CHECK_MSG(r1 >= 0.95, "recall@10 %.3f after repair", r1);
	/* and inserts after the repair keep it */
	insert_all(S->n, CAP);
	CHECK(S->n == CAP);
	check_links();
	double r2 = recall(64);
	CHECK_MSG(r2 >= 0.95, "recall@10 %.3f after inserts that follow the repair", r2);
}

TEST(store_error_is_returned)
{
	rv_gs_work w = {0};
	rv_gcand got[K];
	size_t n;
	S->fail_after = 5;
	CHECK_RC(rv_gs_search(&gs, &w, queries[0], entry, entry_level, 64, got, K, &n), RV_EIO);
	S->fail_after = 0;
	CHECK_OK(rv_gs_search(&gs, &w, queries[0], entry, entry_level, 64, got, K, &n));
	rv_gs_work_free(&w);
}

TEST(alloc_failure)
{
	for (long k = 0; k < 40; k++) {
		rv_gs_work w = {0};
		rv_gcand got[K];
		size_t n;
		rv_alloc_fail_after(k);
		int rc = rv_gs_search(&gs, &w, queries[1], entry, entry_level, 64, got, K, &n);
		rv_alloc_fail_after(-1);
		CHECK(rc == 0 || rc == RV_ENOMEM);
		rv_gs_work_free(&w);
	}
}

TEST(random_level)
{
	CHECK(rv_gs_random_level(0.5, 16) == 0);
	CHECK(rv_gs_random_level(1.0 / 17, 16) == 1);
	CHECK(rv_gs_random_level(0.0, 16) == RV_GS_LEVEL_MAX);
	CHECK(rv_gs_random_level(1e-300, 16) == RV_GS_LEVEL_MAX);
}

int main(void)
{
	S = rv_calloc(1, sizeof *S);
	if (!S)
		return 2;
	gs.ctx = S;
	for (int q = 0; q < NQ; q++)
		fill(queries[q]);
	RUN(insert_and_search);
	RUN(delete_and_repair);
	RUN(store_error_is_returned);
	RUN(alloc_failure);
	RUN(random_level);
	rv_free(S);
	return harness_exit();
}
