/*
 * test_collection.c: the collection API's behaviour: ids, insert, upsert,
 * update, get, delete, count, exact search against an independent brute
 * force for every metric, batch search, k larger than the collection, and
 * the exact-to-graph switch.
 */
#include "harness.h"

#include "ruvector.h"

static rv_collection *make(uint32_t dim, rv_metric metric, uint32_t exact_threshold)
{
	rv_options o;
	rv_options_init(&o);
	o.dim = dim;
	o.metric = metric;
	o.exact_threshold = exact_threshold;
	o.threads = 2;
	rv_collection *c = NULL;
	int rc = rv_collection_new(&o, &c);
	if (rc != RV_OK) {
		fprintf(stderr, "rv_collection_new: %s\n", rv_errmsg(NULL));
		exit(2);
	}
	return c;
}

/* Independent oracle: distances in double, ranked with ties by index. */
static double oracle_dist(rv_metric m, const float *a, const float *b, size_t d)
{
	double s = 0, aa = 0, bb = 0;
	for (size_t i = 0; i < d; i++) {
		double x = a[i], y = b[i];
		switch (m) {
		case RV_METRIC_L2: s += (x - y) * (x - y); break;
		case RV_METRIC_IP: s -= x * y; break;
		case RV_METRIC_COSINE: s += x * y; aa += x * x; bb += y * y; break;
		case RV_METRIC_L1: s += fabs(x - y); break;
		}
	}
	return m == RV_METRIC_COSINE ? 1.0 - s / sqrt(aa * bb) : s;
}

typedef struct ranked {
	double d;
	size_t i;
} ranked;

static int ranked_cmp(const void *x, const void *y)
{
	const ranked *a = x, *b = y;
	if (a->d != b->d)
		return a->d < b->d ? -1 : 1;
	return a->i < b->i ? -1 : a->i > b->i;
}

static void ids_for(size_t n, char (*ids)[16], const char **ptrs)
{
	for (size_t i = 0; i < n; i++) {
		snprintf(ids[i], 16, "v%u", (unsigned)i);
		ptrs[i] = ids[i];
	}
}

TEST(options_are_validated)
{
	rv_options o;
	rv_options_init(&o);
	CHECK(o.m == 16 && o.ef_construction == 200 && o.ef_search == 64 && o.metric == RV_METRIC_L2);
	rv_collection *c = (rv_collection *)1;
	CHECK_RC(rv_collection_new(&o, &c), RV_EINVAL); /* dim 0 */
	CHECK(c == NULL);
	CHECK(strstr(rv_errmsg(NULL), "dim") != NULL);
	o.dim = RV_DIM_MAX + 1;
	CHECK_RC(rv_collection_new(&o, &c), RV_EINVAL);
	o.dim = 8;
	o.m = 1;
	CHECK_RC(rv_collection_new(&o, &c), RV_EINVAL);
	CHECK(strstr(rv_errmsg(NULL), "m is 1") != NULL);
	o.m = RV_M_MAX + 1;
	CHECK_RC(rv_collection_new(&o, &c), RV_EINVAL);
	o.m = 16;
	o.ef_construction = 0;
	CHECK_RC(rv_collection_new(&o, &c), RV_EINVAL);
	o.ef_construction = 200;
	o.prune_alpha = 0.5f;
	CHECK_RC(rv_collection_new(&o, &c), RV_EINVAL);
	o.prune_alpha = 1.2f;
	o.metric = (rv_metric)9;
	CHECK_RC(rv_collection_new(&o, &c), RV_EINVAL);
	o.metric = RV_METRIC_L2;
	CHECK_RC(rv_collection_new(NULL, &c), RV_EINVAL);
	CHECK_OK(rv_collection_new(&o, &c));
	rv_options back;
	rv_collection_options(c, &back);
	CHECK(back.dim == 8 && back.threads >= 1);
	rv_collection_free(c);
	rv_metric mt;
	CHECK_OK(rv_metric_parse("cosine", &mt));
	CHECK(mt == RV_METRIC_COSINE);
	CHECK_OK(rv_metric_parse("euclidean", &mt));
	CHECK(mt == RV_METRIC_L2);
	CHECK_RC(rv_metric_parse("hamming", &mt), RV_EINVAL);
	CHECK(strcmp(rv_metric_name(RV_METRIC_IP), "ip") == 0);
}

TEST(insert_get_count_delete)
{
	rv_collection *c = make(4, RV_METRIC_L2, 4096);
	float a[4] = {1, 2, 3, 4}, b[4] = {5, 6, 7, 8}, out[4];
	CHECK(rv_count(c) == 0);
	CHECK_OK(rv_insert(c, "a", a, 4, 0));
	CHECK_OK(rv_insert(c, "b", b, 4, 0));
	CHECK(rv_count(c) == 2);
	CHECK_OK(rv_get(c, "a", out, 4));
	CHECK(memcmp(out, a, sizeof a) == 0);
	/* duplicate id without RV_UPSERT: an error, the stored vector kept */
	CHECK_RC(rv_insert(c, "a", b, 4, 0), RV_EEXIST);
	CHECK(strstr(rv_errmsg(c), "\"a\"") != NULL);
	CHECK_OK(rv_get(c, "a", out, 4));
	CHECK(memcmp(out, a, sizeof a) == 0);
	CHECK(rv_count(c) == 2);
	/* with RV_UPSERT: replaced, same id, count unchanged */
	CHECK_OK(rv_insert(c, "a", b, 4, RV_UPSERT));
	CHECK_OK(rv_get(c, "a", out, 4));
	CHECK(memcmp(out, b, sizeof b) == 0);
	CHECK(rv_count(c) == 2);
	/* update keeps the id */
	CHECK_OK(rv_update(c, "a", a, 4));
	CHECK_OK(rv_get(c, "a", out, 4));
	CHECK(memcmp(out, a, sizeof a) == 0);
	CHECK_RC(rv_update(c, "zzz", a, 4), RV_ENOTFOUND);
	CHECK(rv_count(c) == 2);
	/* delete */
	CHECK_OK(rv_delete(c, "a"));
	CHECK(rv_count(c) == 1);
	CHECK_RC(rv_get(c, "a", out, 4), RV_ENOTFOUND);
	CHECK_RC(rv_delete(c, "a"), RV_ENOTFOUND);
	/* the id can come back at once */
	CHECK_OK(rv_insert(c, "a", b, 4, 0));
	CHECK_OK(rv_get(c, "a", out, 4));
	CHECK(memcmp(out, b, sizeof b) == 0);
	CHECK(rv_count(c) == 2);
	/* UTF-8 ids and the longest allowed id */
	char longid[RV_ID_MAX + 1];
	memset(longid, 'x', RV_ID_MAX);
	longid[RV_ID_MAX] = '\0';
	CHECK_OK(rv_insert(c, longid, a, 4, 0));
	CHECK_OK(rv_insert(c, "caf\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac-\xf0\x9f\x98\x80", a, 4, 0));
	rv_hit hits[8];
	char idbuf[RV_IDBUF_SIZE(8)];
	int n = rv_search(c, a, 4, 8, NULL, hits, idbuf, sizeof idbuf);
	CHECK(n == 4);
	int saw_long = 0;
	for (int i = 0; i < n; i++)
		saw_long |= hits[i].id_len == RV_ID_MAX && strcmp(hits[i].id, longid) == 0;
	CHECK(saw_long);
	rv_collection_free(c);
}

/* Exact search must equal a double-precision brute force, for each metric,
 * including ties, which rank by insertion order. */
static void exact_matches_oracle(rv_metric metric)
{
	const size_t n = 3000, d = 37, nq = 40, k = 15;
	float *v = make_clustered(n, d, 20, 11 + metric), *q = make_clustered(nq, d, 20, 99 + metric);
	/* a block of exact duplicates makes ties */
	for (size_t i = 100; i < 110; i++)
		memcpy(v + i * d, v + 100 * d, d * sizeof(float));
	rv_collection *c = make(d, metric, 100000);
	char(*ids)[16] = malloc(n * sizeof *ids);
	const char **ptrs = malloc(n * sizeof *ptrs);
	ids_for(n, ids, ptrs);
	CHECK_OK(rv_insert_batch(c, n, ptrs, v, d, 0));
	ranked *r = malloc(n * sizeof *r);
	rv_hit hits[15];
	char idbuf[RV_IDBUF_SIZE(15)];
	int mismatches = 0;
	for (size_t qi = 0; qi < nq; qi++) {
		/* one query is a stored vector among the duplicates */
		const float *qq = qi == 0 ? v + 100 * d : q + qi * d;
		for (size_t i = 0; i < n; i++)
			r[i] = (ranked){oracle_dist(metric, qq, v + i * d, d), i};
		qsort(r, n, sizeof *r, ranked_cmp);
		int got = rv_search(c, qq, d, k, NULL, hits, idbuf, sizeof idbuf);
		CHECK(got == (int)k);
		for (int i = 0; i < got; i++) {
			char want[16];
			snprintf(want, sizeof want, "v%u", (unsigned)r[i].i);
			if (strcmp(hits[i].id, want) != 0)
				mismatches++;
			CHECK_MSG(fabs(hits[i].distance - r[i].d) <= 1e-4 * (1 + fabs(r[i].d)),
			          "metric %s rank %d: %g vs %g", rv_metric_name(metric), i, hits[i].distance, r[i].d);
			if (i > 0)
				CHECK(hits[i].distance >= hits[i - 1].distance);
		}
	}
	CHECK_MSG(mismatches == 0, "metric %s: %d rank mismatches against the oracle", rv_metric_name(metric),
	          mismatches);
	free(r);
	free(ids);
	free(ptrs);
	free(v);
	free(q);
	rv_collection_free(c);
}

TEST(exact_search_equals_brute_force_l2) { exact_matches_oracle(RV_METRIC_L2); }
TEST(exact_search_equals_brute_force_ip) { exact_matches_oracle(RV_METRIC_IP); }
TEST(exact_search_equals_brute_force_cosine) { exact_matches_oracle(RV_METRIC_COSINE); }
TEST(exact_search_equals_brute_force_l1) { exact_matches_oracle(RV_METRIC_L1); }

TEST(k_larger_than_collection_returns_everything)
{
	rv_collection *c = make(3, RV_METRIC_L2, 0); /* graph even when tiny */
	float v[5][3] = {{0, 0, 0}, {1, 0, 0}, {2, 0, 0}, {3, 0, 0}, {4, 0, 0}};
	const char *ids[5] = {"a", "b", "c", "d", "e"};
	rv_hit hits[50];
	char idbuf[RV_IDBUF_SIZE(50)];
	float q[3] = {0.1f, 0, 0};
	CHECK(rv_search(c, q, 3, 10, NULL, hits, idbuf, sizeof idbuf) == 0); /* empty */
	CHECK_OK(rv_insert_batch(c, 5, ids, &v[0][0], 3, 0));
	int n = rv_search(c, q, 3, 50, NULL, hits, idbuf, sizeof idbuf);
	CHECK(n == 5);
	for (int i = 0; i < n; i++)
		CHECK(strcmp(hits[i].id, ids[i]) == 0);
	rv_search_params p = {.flags = RV_SEARCH_EXACT};
	CHECK(rv_search(c, q, 3, 50, &p, hits, idbuf, sizeof idbuf) == 5);
	CHECK(rv_search(c, q, 3, 2, NULL, hits, NULL, 0) == 2); /* no id buffer: ids skipped */
	CHECK(hits[0].id == NULL && hits[0].id_len == 1 && hits[0].distance < hits[1].distance);
	CHECK_RC(rv_search(c, q, 3, 5, NULL, hits, idbuf, 3), RV_ERANGE);
	rv_collection_free(c);
}

TEST(cosine_normalises_and_get_returns_original)
{
	rv_collection *c = make(3, RV_METRIC_COSINE, 4096);
	float a[3] = {3, 4, 0}, b[3] = {0, 0, 10}, out[3];
	CHECK_OK(rv_insert(c, "a", a, 3, 0));
	CHECK_OK(rv_insert(c, "b", b, 3, 0));
	CHECK_OK(rv_get(c, "a", out, 3));
	for (int i = 0; i < 3; i++)
		CHECK_MSG(fabsf(out[i] - a[i]) <= 1e-6f * 5, "%g vs %g", out[i], a[i]);
	float q[3] = {6, 8, 0};
	rv_hit hits[2];
	char idbuf[RV_IDBUF_SIZE(2)];
	CHECK(rv_search(c, q, 3, 2, NULL, hits, idbuf, sizeof idbuf) == 2);
	CHECK(strcmp(hits[0].id, "a") == 0 && fabsf(hits[0].distance) < 1e-6f);
	CHECK(strcmp(hits[1].id, "b") == 0 && fabsf(hits[1].distance - 1.0f) < 1e-6f);
	rv_collection_free(c);
}

TEST(batch_search_equals_single_searches)
{
	const size_t n = 5000, d = 24, nq = 64, k = 10;
	float *v = make_clustered(n, d, 30, 5), *q = make_clustered(nq, d, 30, 6);
	rv_collection *c = make(d, RV_METRIC_L2, 0);
	char(*ids)[16] = malloc(n * sizeof *ids);
	const char **ptrs = malloc(n * sizeof *ptrs);
	ids_for(n, ids, ptrs);
	CHECK_OK(rv_insert_batch(c, n, ptrs, v, d, 0));
	rv_hit *bh = malloc(nq * k * sizeof *bh);
	int counts[64];
	char *bid = malloc(nq * RV_IDBUF_SIZE(k));
	rv_search_params p = {.ef = 50};
	CHECK_OK(rv_search_batch(c, nq, q, d, k, &p, bh, counts, bid, nq * RV_IDBUF_SIZE(k)));
	rv_hit h[10];
	char idbuf[RV_IDBUF_SIZE(10)];
	for (size_t i = 0; i < nq; i++) {
		int got = rv_search(c, q + i * d, d, k, &p, h, idbuf, sizeof idbuf);
		CHECK(got == counts[i]);
		for (int j = 0; j < got; j++)
			CHECK(strcmp(h[j].id, bh[i * k + j].id) == 0 && h[j].distance == bh[i * k + j].distance);
	}
	CHECK_RC(rv_search_batch(c, nq, q, d, k, &p, bh, counts, bid, 10), RV_ERANGE);
	free(bh);
	free(bid);
	free(ids);
	free(ptrs);
	free(v);
	free(q);
	rv_collection_free(c);
}

TEST(stats_and_reserve)
{
	rv_collection *c = make(16, RV_METRIC_L2, 0);
	CHECK_OK(rv_reserve(c, 5000));
	rv_stats st;
	rv_collection_stats(c, &st);
	CHECK(st.capacity >= 5000 && st.count == 0 && st.dim == 16 && st.isa && st.memory_bytes > 5000 * 16 * 4);
	CHECK_RC(rv_reserve(c, (size_t)RV_MAX_VECTORS + 1), RV_EINVAL);
	/* growing without a reserve: capacity follows */
	float *v = make_clustered(9000, 16, 10, 3);
	char(*ids)[16] = malloc(9000 * sizeof *ids);
	const char **ptrs = malloc(9000 * sizeof *ptrs);
	ids_for(9000, ids, ptrs);
	for (size_t i = 0; i < 9000; i++)
		CHECK_OK(rv_insert(c, ptrs[i], v + i * 16, 16, 0));
	rv_collection_stats(c, &st);
	CHECK(st.count == 9000 && st.capacity >= 9000);
	rv_check_report r;
	CHECK_OK(rv_check(c, &r));
	CHECK(r.nodes == 9000 && r.dangling == 0 && r.unreachable == 0);
	free(v);
	free(ids);
	free(ptrs);
	rv_collection_free(c);
}

TEST(version_and_isa)
{
	int ma = -1, mi = -1, pa = -1;
	const char *v = rv_version(&ma, &mi, &pa);
	char want[32];
	snprintf(want, sizeof want, "%d.%d.%d", ma, mi, pa);
	CHECK(strcmp(v, want) == 0 && strcmp(v, RV_VERSION_STRING) == 0);
	CHECK(strlen(rv_isa()) > 0);
	CHECK(strcmp(rv_strerror(RV_EDIM), "vector dimension does not match") == 0);
	CHECK(strcmp(rv_strerror(12345), "unknown error") == 0);
}

int main(void)
{
	RUN(options_are_validated);
	RUN(insert_get_count_delete);
	RUN(exact_search_equals_brute_force_l2);
	RUN(exact_search_equals_brute_force_ip);
	RUN(exact_search_equals_brute_force_cosine);
	RUN(exact_search_equals_brute_force_l1);
	RUN(k_larger_than_collection_returns_everything);
	RUN(cosine_normalises_and_get_returns_original);
	RUN(batch_search_equals_single_searches);
	RUN(stats_and_reserve);
	RUN(version_and_isa);
	return harness_exit();
}
