/*
 * test_hnsw.c: the graph index against the exact index (its oracle):
 * recall, graph soundness, real deletion (nothing deleted comes back, recall
 * holds, slots are reused, churn does not grow memory), update, single
 * deletes crossing the repair threshold, determinism and renumbering.
 * Vectors are stored in small chunks here, to cross chunk edges.
 */
#include "harness.h"

#include "../src/index/index.h"
#include "ruvector.h"

#define DIM 48
#if RV_TEST_SMALL
#define N 6000 /* sanitizer builds (Makefile) */
#else
#define N 20000
#endif
#define NQ 200
#define K 10

static float *base, *queries;
static char (*names)[16];
static const char **ids;

static rv_collection *build(rv_metric metric, uint32_t threads, uint64_t seed)
{
	rv_options o;
	rv_options_init(&o);
	o.dim = DIM;
	o.metric = metric;
	o.exact_threshold = 0;
	o.threads = threads;
	o.seed = seed;
	rv_collection *c;
	if (rv_collection_new(&o, &c) != RV_OK)
		exit(2);
	if (rv_insert_batch(c, N, ids, base, DIM, 0) != RV_OK) {
		fprintf(stderr, "insert: %s\n", rv_errmsg(c));
		exit(2);
	}
	return c;
}

static int id_num(const char *id) { return atoi(id + 1); }

/* recall@K of the graph at `ef` against the exact index, over the queries;
 * also counts results naming a deleted row (gone may be NULL). */
static double recall(rv_collection *c, uint32_t ef, const unsigned char *gone, int *deleted_seen)
{
	rv_hit h[K], e[K];
	char hb[RV_IDBUF_SIZE(K)], eb[RV_IDBUF_SIZE(K)];
	rv_search_params approx = {.ef = ef}, exact = {.flags = RV_SEARCH_EXACT};
	size_t found = 0, want = 0;
	for (size_t q = 0; q < NQ; q++) {
		int ne = rv_search(c, queries + q * DIM, DIM, K, &exact, e, eb, sizeof eb);
		int na = rv_search(c, queries + q * DIM, DIM, K, &approx, h, hb, sizeof hb);
		CHECK(ne == na);
		for (int i = 0; i < na; i++) {
			if (gone && gone[id_num(h[i].id)] && deleted_seen)
				(*deleted_seen)++;
			for (int j = 0; j < ne; j++)
				if (!strcmp(h[i].id, e[j].id)) {
					found++;
					break;
				}
		}
		want += (size_t)ne;
	}
	return want ? (double)found / (double)want : 1.0;
}

static void check_graph(rv_collection *c, const char *when)
{
	rv_check_report r;
	int rc = rv_check(c, &r);
	CHECK_MSG(rc == RV_OK, "%s: %s", when, r.first_problem);
	CHECK_MSG(r.nodes == rv_count(c), "%s: %llu nodes, count %zu", when, (unsigned long long)r.nodes, rv_count(c));
	CHECK(r.dangling == 0 && r.unreachable == 0 && r.duplicates == 0 && r.bad_level == 0);
	/* HNSW prunes rows and repairs rebuild them without back links, so not
	 * every link is returned, but most are in a sound graph (about 40-60%
	 * here); far fewer means the back links are being lost. A graph of a
	 * few nodes has too few links for the share to mean anything (five
	 * nodes after a repair: 2 of 6 happens). */
	if (r.edges >= 100)
		CHECK_MSG(r.reciprocal * 3 > r.edges, "%s: only %llu of %llu links reciprocal", when,
		          (unsigned long long)r.reciprocal, (unsigned long long)r.edges);
}

TEST(recall_every_metric)
{
	const rv_metric metrics[] = {RV_METRIC_L2, RV_METRIC_COSINE, RV_METRIC_IP, RV_METRIC_L1};
	for (size_t m = 0; m < 4; m++) {
		rv_collection *c = build(metrics[m], 2, 1);
		check_graph(c, rv_metric_name(metrics[m]));
		double r12 = recall(c, 12, NULL, NULL), r200 = recall(c, 200, NULL, NULL);
		printf("  %-6s recall@10 ef=12 %.4f ef=200 %.4f\n", rv_metric_name(metrics[m]), r12, r200);
		/* measured 0.92-0.98 at ef=12 and 0.999-1 at ef=200; a graph with
		 * broken links or pruning falls far below these floors */
		CHECK_MSG(r12 >= 0.90, "%s recall %.4f at ef=12", rv_metric_name(metrics[m]), r12);
		CHECK_MSG(r200 >= 0.99, "%s recall %.4f at ef=200", rv_metric_name(metrics[m]), r200);
		rv_collection_free(c);
	}
}

TEST(deletion_is_real)
{
	rv_collection *c = build(RV_METRIC_L2, 2, 2);
	rv_stats st0;
	rv_collection_stats(c, &st0);
	const uint32_t efs[2] = {10, 40};
	double before[2];
	for (int e = 0; e < 2; e++)
		before[e] = recall(c, efs[e], NULL, NULL);

	/* delete a seeded 10% */
	unsigned char *gone = calloc(N, 1);
	const char **del = malloc(N * sizeof *del);
	size_t ndel = 0;
	test_rng r = {42};
	while (ndel < N / 10) {
		size_t i = rng_next(&r) % N;
		if (!gone[i])
			gone[i] = 1, del[ndel++] = ids[i];
	}
	CHECK_OK(rv_delete_batch(c, ndel, del));
	CHECK(rv_count(c) == N - ndel);
	rv_stats st;
	rv_collection_stats(c, &st);
	CHECK_MSG(st.pending_deletes == 0 && st.free_slots == ndel, "pending %llu free %llu",
	          (unsigned long long)st.pending_deletes, (unsigned long long)st.free_slots);
	check_graph(c, "after deleting 10%");
	for (int e = 0; e < 2; e++) {
		int seen = 0;
		double after = recall(c, efs[e], gone, &seen);
		printf("  ef=%u recall before %.4f after deleting 10%% %.4f\n", efs[e], before[e], after);
		CHECK_MSG(seen == 0, "%d deleted ids came back", seen);
		CHECK_MSG(after >= before[e] - 0.01, "ef=%u recall fell from %.4f to %.4f", efs[e], before[e], after);
	}
	/* a deleted id is never returned, even when asking for many */
	rv_hit *h = malloc(500 * sizeof *h);
	char *hb = malloc(RV_IDBUF_SIZE(500));
	rv_search_params p = {.ef = 600};
	for (size_t q = 0; q < 20; q++) {
		int n = rv_search(c, queries + q * DIM, DIM, 500, &p, h, hb, RV_IDBUF_SIZE(500));
		CHECK(n == 500);
		for (int i = 0; i < n; i++)
			CHECK(!gone[id_num(h[i].id)]);
	}
	/* re-adding the deleted ids reuses their slots */
	float *vv = malloc(ndel * DIM * sizeof *vv);
	for (size_t i = 0; i < ndel; i++)
		memcpy(vv + i * DIM, base + (size_t)id_num(del[i]) * DIM, DIM * sizeof(float));
	CHECK_OK(rv_insert_batch(c, ndel, del, vv, DIM, 0));
	CHECK(rv_count(c) == N);
	rv_collection_stats(c, &st);
	CHECK_MSG(st.capacity == st0.capacity && st.free_slots == 0, "capacity %llu -> %llu, free %llu",
	          (unsigned long long)st0.capacity, (unsigned long long)st.capacity, (unsigned long long)st.free_slots);
	check_graph(c, "after re-adding");
	CHECK(recall(c, 40, NULL, NULL) >= before[1] - 0.01);
	free(gone);
	free(del);
	free(vv);
	free(h);
	free(hb);
	rv_collection_free(c);
}

TEST(churn_does_not_grow)
{
	/* rounds of deleting a fifth and re-adding it: no tombstones pile up,
	 * capacity and memory stay put, the graph stays sound */
	rv_collection *c = build(RV_METRIC_COSINE, 2, 3);
	rv_stats st0, st;
	rv_collection_stats(c, &st0);
	test_rng r = {9};
	const char **del = malloc(N * sizeof *del);
	float *vv = malloc(N * DIM * sizeof *vv);
	for (int round = 0; round < 4; round++) {
		size_t ndel = 0;
		unsigned char *pick = calloc(N, 1);
		while (ndel < N / 5) {
			size_t i = rng_next(&r) % N;
			if (!pick[i]) {
				pick[i] = 1;
				del[ndel] = ids[i];
				memcpy(vv + ndel * DIM, base + i * DIM, DIM * sizeof(float));
				ndel++;
			}
		}
		CHECK_OK(rv_delete_batch(c, ndel, del));
		CHECK_OK(rv_insert_batch(c, ndel, del, vv, DIM, 0));
		free(pick);
	}
	rv_collection_stats(c, &st);
	CHECK(st.count == N && st.pending_deletes == 0);
	CHECK_MSG(st.capacity == st0.capacity, "capacity grew %llu -> %llu", (unsigned long long)st0.capacity,
	          (unsigned long long)st.capacity);
	CHECK_MSG(st.memory_bytes < st0.memory_bytes + st0.memory_bytes / 20, "memory grew %llu -> %llu",
	          (unsigned long long)st0.memory_bytes, (unsigned long long)st.memory_bytes);
	check_graph(c, "after churn");
	CHECK(recall(c, 64, NULL, NULL) >= 0.95);
	free(del);
	free(vv);
	rv_collection_free(c);
}

TEST(single_deletes_are_repaired_in_batches)
{
	rv_collection *c = build(RV_METRIC_L2, 2, 4);
	rv_stats st;
	/* the default repair batch is max(64, count/64) */
	const size_t batch = N / 64 > 64 ? N / 64 : 64, ndel = N / 20;
	for (size_t i = 0; i < ndel; i++) {
		CHECK_OK(rv_delete(c, ids[i * 7]));
		rv_collection_stats(c, &st);
		CHECK_MSG(st.pending_deletes <= batch, "pending %llu", (unsigned long long)st.pending_deletes);
	}
	CHECK(rv_count(c) == N - ndel);
	rv_hit h[K];
	char hb[RV_IDBUF_SIZE(K)];
	/* searches are right while deletions are pending, too */
	for (size_t q = 0; q < 50; q++) {
		int n = rv_search(c, base + q * 7 * DIM, DIM, K, NULL, h, hb, sizeof hb);
		CHECK(n == K);
		for (int i = 0; i < n; i++)
			CHECK(id_num(h[i].id) % 7 != 0 || id_num(h[i].id) >= (int)(7 * ndel));
	}
	CHECK_OK(rv_vacuum(c));
	rv_collection_stats(c, &st);
	CHECK(st.pending_deletes == 0);
	check_graph(c, "after vacuum");
	rv_collection_free(c);
}

TEST(update_moves_the_vector_and_keeps_the_id)
{
	rv_collection *c = build(RV_METRIC_L2, 2, 5);
	/* give ids 0..99 the vectors of rows N/2.. plus a small offset */
	float v[DIM], out[DIM];
	for (size_t i = 0; i < 100; i++) {
		for (size_t j = 0; j < DIM; j++)
			v[j] = base[(N / 2 + i) * DIM + j] + 0.001f;
		CHECK_OK(rv_update(c, ids[i], v, DIM));
		CHECK_OK(rv_get(c, ids[i], out, DIM));
		CHECK(memcmp(v, out, sizeof v) == 0);
	}
	CHECK(rv_count(c) == N);
	rv_hit h[2];
	char hb[RV_IDBUF_SIZE(2)];
	for (size_t i = 0; i < 100; i++) {
		for (size_t j = 0; j < DIM; j++)
			v[j] = base[(N / 2 + i) * DIM + j] + 0.001f;
		int n = rv_search(c, v, DIM, 2, NULL, h, hb, sizeof hb);
		CHECK(n == 2 && !strcmp(h[0].id, ids[i]) && h[0].distance < 1e-4f);
		/* the old vector is no longer found under the id */
		n = rv_search(c, base + i * DIM, DIM, 1, NULL, h, hb, sizeof hb);
		CHECK(n == 1 && strcmp(h[0].id, ids[i]) != 0);
	}
	CHECK_OK(rv_vacuum(c));
	check_graph(c, "after updates");
	rv_collection_free(c);
}

TEST(delete_almost_everything_then_everything)
{
	rv_options o;
	rv_options_init(&o);
	o.dim = DIM;
	o.exact_threshold = 0;
	rv_collection *c;
	CHECK_OK(rv_collection_new(&o, &c));
	CHECK_OK(rv_insert_batch(c, 3000, ids, base, DIM, 0));
	CHECK_OK(rv_delete_batch(c, 2995, ids + 5));
	check_graph(c, "five left");
	rv_hit h[10];
	char hb[RV_IDBUF_SIZE(10)];
	CHECK(rv_search(c, base, DIM, 10, NULL, h, hb, sizeof hb) == 5);
	CHECK_OK(rv_delete_batch(c, 5, ids));
	CHECK(rv_count(c) == 0);
	CHECK(rv_search(c, base, DIM, 10, NULL, h, hb, sizeof hb) == 0);
	CHECK_OK(rv_insert_batch(c, 2000, ids, base, DIM, 0));
	CHECK(rv_search(c, base, DIM, 1, NULL, h, hb, sizeof hb) == 1 && !strcmp(h[0].id, ids[0]));
	check_graph(c, "refilled");
	rv_collection_free(c);
}

TEST(single_thread_build_is_deterministic)
{
	rv_collection *a = build(RV_METRIC_L2, 1, 77), *b = build(RV_METRIC_L2, 1, 77);
	rv_hit ha[K], hb[K];
	char ba[RV_IDBUF_SIZE(K)], bb[RV_IDBUF_SIZE(K)];
	rv_search_params p = {.ef = 20};
	for (size_t q = 0; q < NQ; q++) {
		int na = rv_search(a, queries + q * DIM, DIM, K, &p, ha, ba, sizeof ba);
		int nb = rv_search(b, queries + q * DIM, DIM, K, &p, hb, bb, sizeof bb);
		CHECK(na == nb);
		for (int i = 0; i < na; i++)
			CHECK(!strcmp(ha[i].id, hb[i].id) && ha[i].distance == hb[i].distance);
	}
	rv_collection_free(a);
	rv_collection_free(b);
}

TEST(optimize_keeps_every_answer)
{
	/* one-at-a-time inserts are not renumbered automatically; rv_optimize
	 * renumbers, and no query may notice beyond the order of exact ties */
	rv_options o;
	rv_options_init(&o);
	o.dim = DIM;
	o.exact_threshold = 0;
	o.threads = 1;
	rv_collection *c;
	CHECK_OK(rv_collection_new(&o, &c));
	for (size_t i = 0; i < 5000; i++)
		CHECK_OK(rv_insert(c, ids[i], base + i * DIM, DIM, 0));
	rv_hit *before = malloc(NQ * K * sizeof *before), h[K];
	char *bbuf = malloc(NQ * RV_IDBUF_SIZE(K)), hb[RV_IDBUF_SIZE(K)];
	int counts[NQ];
	rv_search_params p = {.ef = 40};
	CHECK_OK(rv_search_batch(c, NQ, queries, DIM, K, &p, before, counts, bbuf, NQ * RV_IDBUF_SIZE(K)));
	CHECK_OK(rv_optimize(c));
	check_graph(c, "after optimize");
	for (size_t q = 0; q < NQ; q++) {
		int n = rv_search(c, queries + q * DIM, DIM, K, &p, h, hb, sizeof hb);
		CHECK(n == counts[q]);
		for (int i = 0; i < n; i++)
			CHECK_MSG(!strcmp(h[i].id, before[q * K + i].id) && h[i].distance == before[q * K + i].distance,
			          "query %zu rank %d: %s vs %s", q, i, h[i].id, before[q * K + i].id);
	}
	float out[DIM];
	CHECK_OK(rv_get(c, ids[1234], out, DIM));
	CHECK(!memcmp(out, base + 1234 * DIM, sizeof out));
	free(before);
	free(bbuf);
	rv_collection_free(c);
}

/* Exact duplicates (issue #19: importing a file twice left nodes unreachable
 * from the entry point). Copies at distance 0 never turned a new copy
 * away, so each one pushed the farthest member out of a full row, until a
 * cluster of copies had no link left to the other values. A fuzzer found
 * the smallest case (eleven 1-D vectors, m 4); the others are sequences of
 * a few distinct values, in every metric, inserted one by one and as
 * batches: each graph must pass rv_check and an exact-value search must
 * find every copy count. */
static int dup_graph(const float *v, size_t n, size_t dim, uint32_t m, rv_metric metric, bool batch)
{
	rv_options o;
	rv_options_init(&o);
	o.dim = (uint32_t)dim, o.m = m, o.threads = 1, o.metric = metric;
	rv_collection *c;
	if (rv_collection_new(&o, &c) != RV_OK)
		return -1;
	char (*dnames)[24] = malloc(n * sizeof *dnames);
	const char **dids = malloc(n * sizeof *dids);
	for (size_t i = 0; i < n; i++)
		snprintf(dnames[i], sizeof dnames[i], "%zu", i), dids[i] = dnames[i];
	int rc = RV_OK;
	if (batch)
		rc = rv_insert_batch(c, n, dids, v, dim, 0);
	for (size_t i = 0; !batch && i < n && rc == RV_OK; i++)
		rc = rv_insert(c, dids[i], v + i * dim, dim, 0);
	rv_check_report r;
	if (rc == RV_OK)
		rc = rv_check(c, &r);
	CHECK_MSG(rc == RV_OK, "%zu vectors, m %u, metric %d, %s: %s", n, m, (int)metric, batch ? "batch" : "one by one",
	          rc == RV_ECORRUPT ? r.first_problem : rv_strerror(rc));
	free(dnames);
	free(dids);
	rv_collection_free(c);
	return rc;
}

TEST(exact_duplicates_stay_reachable)
{
	const float seed[11] = {1, 1, 1, 1, 1, -1, 1, 1, -1, 1, 1};
	dup_graph(seed, 11, 1, 4, RV_METRIC_L2, true);
	dup_graph(seed, 11, 1, 4, RV_METRIC_L2, false);
	dup_graph(seed, 11, 1, 4, RV_METRIC_COSINE, true);
	/* the same file imported twice, 8-d, in two metrics */
	test_rng r = {11};
	enum { ROWS = 400, D8 = 8 };
	float *twice = malloc(2 * ROWS * D8 * sizeof *twice);
	for (size_t i = 0; i < ROWS * D8; i++)
		twice[i] = twice[ROWS * D8 + i] = rng_float(&r);
	dup_graph(twice, 2 * ROWS, D8, 8, RV_METRIC_L2, true);
	dup_graph(twice, 2 * ROWS, D8, 16, RV_METRIC_COSINE, false);
	free(twice);
	/* a few distinct values repeated many times */
	float v[600];
	for (int t = 0; t < 12; t++) {
		size_t n = 100 + rng_next(&r) % 500;
		uint64_t k = 2 + rng_next(&r) % 2;
		for (size_t i = 0; i < n; i++)
			v[i] = (float)(rng_next(&r) % k) + 1.0f;
		dup_graph(v, n, 1, t < 6 ? 4 : 16, t % 2 ? RV_METRIC_L1 : RV_METRIC_L2, t % 3 == 0);
	}
}

int main(void)
{
	/* 4 KiB vector chunks (21 rows): growth, renumbering and deletion cross
	 * chunk edges all the time (index/vectors.c) */
	rv_vec_chunk_bytes = 4096;
	/* overlapping clusters, so that recall at small ef is well below 1 and
	 * the checks below can see a regression; the queries come from the
	 * same distribution (the last NQ rows) */
	base = make_clustered_scaled(N + NQ, DIM, 200, 1234, 1.0f);
	queries = base + (size_t)N * DIM;
	names = malloc(N * sizeof *names);
	ids = malloc(N * sizeof *ids);
	for (size_t i = 0; i < N; i++) {
		snprintf(names[i], sizeof names[i], "v%u", (unsigned)i);
		ids[i] = names[i];
	}
	RUN(recall_every_metric);
	RUN(deletion_is_real);
	RUN(churn_does_not_grow);
	RUN(single_deletes_are_repaired_in_batches);
	RUN(update_moves_the_vector_and_keeps_the_id);
	RUN(delete_almost_everything_then_everything);
	RUN(single_thread_build_is_deterministic);
	RUN(optimize_keeps_every_answer);
	RUN(exact_duplicates_stay_reachable);
	free(base);
	free(names);
	free(ids);
	return harness_exit();
}
