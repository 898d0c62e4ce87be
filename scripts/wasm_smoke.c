/*
 * wasm_smoke.c: an end-to-end check of the public API on a port target.
 *
 * Built and run by scripts/wasm-test.sh under node (and by
 * scripts/cross-test.sh under qemu-aarch64). It checks what those ports
 * promise and the unit tests do not pin down:
 *   - the kernels the library selected (argv[1], when given, must equal
 *     rv_isa(): "wasm-simd128" for a -msimd128 build, "serial" without);
 *   - batch insert, batch search and graph repair with threads = 4, so
 *     that rv_parallel_for() tries to start threads. Single-threaded wasm
 *     has no threads (pthread_create fails), and the work must then run on
 *     the calling thread with the same results;
 *   - approximate (HNSW) search agrees with the exact scan for most
 *     queries, the exact scan agrees with a brute force computed here,
 *     and the graph is sound (rv_check) before and after deletions.
 * Apart from one direct call of the internal rv_parallel_for(), it uses
 * only include/ruvector.h. Prints "N passed, N failed" and exits
 * non-zero on any failure.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ruvector.h"
/* Internal, for the direct rv_parallel_for() check (libruvector.a has it). */
#include "../src/platform/platform.h"

#define N 2000
#define DIM 32
#define NQ 200
#define K 10
#define NDEL 150

static int passed, failed;

#define CHECK(cond, ...)                                              \
	do {                                                              \
		if (cond) {                                                   \
			passed++;                                                 \
		} else {                                                      \
			failed++;                                                 \
			fprintf(stderr, "smoke: FAIL line %d: %s: ", __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                             \
			fputc('\n', stderr);                                      \
		}                                                             \
	} while (0)

static uint64_t rng_state = 0x5eedf00dull;

static uint64_t rng_next(void) /* splitmix64 */
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static float rng_float(void) /* uniform in [-1, 1) */
{
	return (float)((double)(rng_next() >> 11) * (2.0 / 9007199254740992.0) - 1.0);
}

static float vecs[N][DIM], queries[NQ][DIM];
static char ids[N][16];
static const char *id_ptrs[N];
static int deleted[N];

static double dist2(const float *a, const float *b)
{
	double s = 0;
	for (int j = 0; j < DIM; j++) {
		double d = (double)a[j] - b[j];
		s += d * d;
	}
	return s;
}

/* Does `id` name a live vector nearest to q? Computed in double; a float
 * near-tie (relative 1e-5) counts as nearest. */
static int is_brute_nearest(const float *q, const char *id)
{
	int v = id && id[0] == 'v' ? atoi(id + 1) : -1;
	if (v < 0 || v >= N || deleted[v])
		return 0;
	double bd = INFINITY;
	for (int i = 0; i < N; i++)
		if (!deleted[i] && dist2(q, vecs[i]) < bd)
			bd = dist2(q, vecs[i]);
	return dist2(q, vecs[v]) <= bd * (1 + 1e-5);
}

/* Search every query exactly and approximately; compare. */
static void compare_searches(rv_collection *c, const char *phase)
{
	static rv_hit ex[K], ap[K];
	static char exid[RV_IDBUF_SIZE(K)], apid[RV_IDBUF_SIZE(K)];
	rv_search_params exact = {.flags = RV_SEARCH_EXACT}, approx = {.ef = 100};
	int top1_agree = 0, brute_agree = 0;
	size_t overlap = 0;
	for (int qi = 0; qi < NQ; qi++) {
		int ne = rv_search(c, queries[qi], DIM, K, &exact, ex, exid, sizeof exid);
		int na = rv_search(c, queries[qi], DIM, K, &approx, ap, apid, sizeof apid);
		if (ne != K || na != K) {
			CHECK(0, "%s query %d: exact gave %d, approximate %d (%s)", phase, qi, ne, na, rv_errmsg(c));
			return;
		}
		brute_agree += is_brute_nearest(queries[qi], ex[0].id);
		top1_agree += strcmp(ex[0].id, ap[0].id) == 0;
		for (int a = 0; a < K; a++)
			for (int e = 0; e < K; e++)
				if (strcmp(ap[a].id, ex[e].id) == 0) {
					overlap++;
					break;
				}
	}
	double recall = (double)overlap / (NQ * K);
	printf("  %s: exact = brute force on %d/%d queries; approximate top-1 = exact on %d/%d; recall@%d %.3f\n",
	       phase, brute_agree, NQ, top1_agree, NQ, K, recall);
	CHECK(brute_agree == NQ, "%s: exact search disagrees with brute force on %d queries", phase, NQ - brute_agree);
	CHECK(top1_agree >= NQ * 9 / 10, "%s: approximate top-1 agrees on only %d/%d", phase, top1_agree, NQ);
	CHECK(recall >= 0.9, "%s: recall@%d %.3f < 0.9", phase, K, recall);
}

/* rv_parallel_for() directly: every item runs once, errors come back, and
 * in single-threaded wasm everything runs on the caller (worker 0). */
#define PF_N 1000
static int pf_hits[PF_N];
static int pf_worker_used[8];

static int pf_item(void *ctx, size_t i, unsigned worker)
{
	(void)ctx;
	pf_hits[i]++;
	if (worker < 8)
		pf_worker_used[worker] = 1; /* racy but only ever set to 1 */
	return 0;
}

static int pf_fail(void *ctx, size_t i, unsigned worker)
{
	(void)ctx, (void)worker;
	return i == 500 ? -7 : 0;
}

static void check_parallel_for(void)
{
	int rc = rv_parallel_for(PF_N, 4, 8, pf_item, NULL);
	int once = 0, workers = 0;
	for (int i = 0; i < PF_N; i++)
		once += pf_hits[i] == 1;
	for (int w = 0; w < 8; w++)
		workers += pf_worker_used[w];
	printf("  rv_parallel_for(threads = 4): %d/%d items ran once, on %d thread(s)\n", once, PF_N, workers);
	CHECK(rc == 0, "rv_parallel_for returned %d", rc);
	CHECK(once == PF_N, "only %d of %d items ran exactly once", once, PF_N);
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
	CHECK(workers == 1 && pf_worker_used[0], "single-threaded wasm used %d workers", workers);
#endif
	rc = rv_parallel_for(PF_N, 4, 8, pf_fail, NULL);
	CHECK(rc == -7, "rv_parallel_for error: got %d, want -7", rc);
}

static void check_graph(rv_collection *c, const char *phase)
{
	rv_check_report rep;
	int rc = rv_check(c, &rep);
	CHECK(rc == RV_OK, "%s: rv_check: %s: %s", phase, rv_strerror(rc), rep.first_problem);
}

int main(int argc, char **argv)
{
	const char *want_isa = argc > 1 ? argv[1] : NULL;
	printf("  ruvector %s, kernels: %s\n", rv_version(NULL, NULL, NULL), rv_isa());
	if (want_isa)
		CHECK(strcmp(rv_isa(), want_isa) == 0, "selected kernels are \"%s\", expected \"%s\"", rv_isa(), want_isa);

	check_parallel_for();

	for (int i = 0; i < N; i++) {
		for (int j = 0; j < DIM; j++)
			vecs[i][j] = rng_float();
		snprintf(ids[i], sizeof ids[i], "v%d", i);
		id_ptrs[i] = ids[i];
	}
	for (int q = 0; q < NQ; q++)
		for (int j = 0; j < DIM; j++)
			queries[q][j] = rng_float();

	rv_options o;
	rv_options_init(&o);
	o.dim = DIM;
	o.metric = RV_METRIC_L2;
	o.exact_threshold = 0; /* always use the graph for approximate searches */
	o.threads = 4;         /* make rv_parallel_for() try to start threads */
	rv_collection *c = NULL;
	int rc = rv_collection_new(&o, &c);
	CHECK(rc == RV_OK, "rv_collection_new: %s", rv_errmsg(NULL));
	if (rc != RV_OK)
		return 1;

	/* Half one by one, half as a batch (the batch goes through
	 * rv_parallel_for). */
	for (int i = 0; i < N / 2; i++) {
		rc = rv_insert(c, ids[i], vecs[i], DIM, 0);
		if (rc != RV_OK) {
			CHECK(0, "rv_insert %d: %s", i, rv_errmsg(c));
			break;
		}
	}
	rc = rv_insert_batch(c, N - N / 2, id_ptrs + N / 2, &vecs[N / 2][0], DIM, 0);
	CHECK(rc == RV_OK, "rv_insert_batch: %s", rv_errmsg(c));
	CHECK(rv_count(c) == N, "count %zu, want %d", rv_count(c), N);
	check_graph(c, "after insert");
	compare_searches(c, "after insert");

	/* Batch search (rv_parallel_for again) equals single searches. */
	{
		static rv_hit bh[NQ * K], sh[K];
		static int counts[NQ];
		static char bid[NQ * RV_IDBUF_SIZE(K)], sid[RV_IDBUF_SIZE(K)];
		rv_search_params p = {.ef = 100};
		rc = rv_search_batch(c, NQ, &queries[0][0], DIM, K, &p, bh, counts, bid, sizeof bid);
		CHECK(rc == RV_OK, "rv_search_batch: %s", rv_errmsg(c));
		int same = 0;
		for (int q = 0; rc == RV_OK && q < NQ; q++) {
			int n = rv_search(c, queries[q], DIM, K, &p, sh, sid, sizeof sid);
			int ok = n == counts[q];
			for (int j = 0; ok && j < n; j++)
				ok = strcmp(sh[j].id, bh[(size_t)q * K + (size_t)j].id) == 0 &&
				     sh[j].distance == bh[(size_t)q * K + (size_t)j].distance;
			same += ok;
		}
		printf("  batch search = single searches on %d/%d queries\n", same, NQ);
		CHECK(same == NQ, "batch search differs from single searches on %d queries", NQ - same);
	}

	/* Delete some, repair the graph (rv_parallel_for in the repair). */
	for (int i = 0; i < NDEL; i++) {
		int v = (int)(rng_next() % N);
		if (deleted[v])
			continue;
		rc = rv_delete(c, ids[v]);
		CHECK(rc == RV_OK, "rv_delete %s: %s", ids[v], rv_errmsg(c));
		deleted[v] = 1;
	}
	rc = rv_vacuum(c);
	CHECK(rc == RV_OK, "rv_vacuum: %s", rv_strerror(rc));
	check_graph(c, "after delete");
	compare_searches(c, "after delete");

	rv_collection_free(c);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
