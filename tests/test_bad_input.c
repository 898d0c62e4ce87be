/*
 * test_bad_input.c: every bad input the API can meet gets its own error
 * code, a message naming what was wrong, and leaves the collection as it
 * was (same count, same search results, same stored vectors).
 */
#include "harness.h"

#include <unistd.h>

#include "ruvector.h"

#define D 8
#define N 300

static rv_collection *coll;
static float base[N * D];
static char names[N][16];
static const char *ids[N];

/* A fingerprint of the collection's observable state. */
typedef struct state {
	size_t count;
	char top[5][16];
	float dist[5];
	float first[D];
} state;

static state snapshot(void)
{
	state s;
	memset(&s, 0, sizeof s);
	s.count = rv_count(coll);
	rv_hit h[5];
	char idbuf[RV_IDBUF_SIZE(5)];
	int n = rv_search(coll, base + 7 * D, D, 5, NULL, h, idbuf, sizeof idbuf);
	for (int i = 0; i < n; i++) {
		snprintf(s.top[i], sizeof s.top[i], "%s", h[i].id);
		s.dist[i] = h[i].distance;
	}
	rv_get(coll, "id0", s.first, D);
	return s;
}

static void expect_unchanged(const state *before, const char *what)
{
	state after = snapshot();
	CHECK_MSG(memcmp(before, &after, sizeof after) == 0, "state changed after: %s", what);
}

/* Call must fail with `code`, its message must contain `needle`, and the
 * collection must be unchanged. */
#define BAD(call, code, needle)                                                            \
	do {                                                                                   \
		state before_ = snapshot();                                                        \
		CHECK_RC(call, code);                                                              \
		CHECK_MSG(strstr(rv_errmsg(coll), needle) != NULL, "message \"%s\" lacks \"%s\"",  \
		          rv_errmsg(coll), needle);                                                \
		expect_unchanged(&before_, #call);                                                 \
	} while (0)

static void setup(rv_metric metric)
{
	rv_options o;
	rv_options_init(&o);
	o.dim = D;
	o.metric = metric;
	o.exact_threshold = 100; /* the graph answers: N > 100 */
	if (rv_collection_new(&o, &coll) != RV_OK)
		exit(2);
	test_rng r = {3};
	for (size_t i = 0; i < N * D; i++)
		base[i] = rng_float(&r);
	for (size_t i = 0; i < N; i++) {
		snprintf(names[i], sizeof names[i], "id%u", (unsigned)i);
		ids[i] = names[i];
	}
	if (rv_insert_batch(coll, N, ids, base, D, 0) != RV_OK)
		exit(2);
}

TEST(wrong_dimension)
{
	float v[D + 1] = {0};
	rv_hit h[3];
	char idbuf[RV_IDBUF_SIZE(3)];
	BAD(rv_insert(coll, "new", v, D + 1, 0), RV_EDIM, "9 dimensions");
	BAD(rv_insert(coll, "new", v, D - 1, 0), RV_EDIM, "collection has 8");
	BAD(rv_insert_batch(coll, 2, ids, base, D - 2, 0), RV_EDIM, "dimensions");
	BAD(rv_update(coll, "id1", v, 3), RV_EDIM, "dimensions");
	BAD(rv_search(coll, v, D + 1, 3, NULL, h, idbuf, sizeof idbuf), RV_EDIM, "dimensions");
	float out[D + 1];
	BAD(rv_get(coll, "id1", out, D + 1), RV_EDIM, "dimensions");
}

TEST(nan_and_infinity)
{
	float v[D];
	memcpy(v, base, sizeof v);
	v[5] = NAN;
	rv_hit h[3];
	char idbuf[RV_IDBUF_SIZE(3)];
	BAD(rv_insert(coll, "new", v, D, 0), RV_ENONFINITE, "component 5 is NaN");
	BAD(rv_update(coll, "id1", v, D), RV_ENONFINITE, "NaN");
	BAD(rv_search(coll, v, D, 3, NULL, h, idbuf, sizeof idbuf), RV_ENONFINITE, "NaN");
	v[5] = -INFINITY;
	BAD(rv_insert(coll, "new", v, D, 0), RV_ENONFINITE, "infinite");
	/* one bad vector in a batch: nothing is inserted, the entry is named */
	float batch[3 * D];
	memcpy(batch, base, sizeof batch);
	batch[2 * D + 1] = INFINITY;
	const char *nids[3] = {"n0", "n1", "n2"};
	BAD(rv_insert_batch(coll, 3, nids, batch, D, 0), RV_ENONFINITE, "entry 2");
	float out[D];
	CHECK_RC(rv_get(coll, "n0", out, D), RV_ENOTFOUND);
	/* and queries in a batch */
	int counts[3];
	rv_hit bh[9];
	BAD(rv_search_batch(coll, 3, batch, D, 3, NULL, bh, counts, NULL, 0), RV_ENONFINITE, "query 2");
}

TEST(k_and_ef_bounds)
{
	rv_hit *h = malloc((RV_K_MAX + 1) * sizeof *h);
	BAD(rv_search(coll, base, D, 0, NULL, h, NULL, 0), RV_EINVAL, "k is 0");
	BAD(rv_search(coll, base, D, RV_K_MAX + 1, NULL, h, NULL, 0), RV_EINVAL, "k is");
	rv_search_params p = {.ef = RV_EF_MAX + 1};
	BAD(rv_search(coll, base, D, 3, &p, h, NULL, 0), RV_EINVAL, "ef is");
	rv_search_params f = {.flags = 0x80};
	BAD(rv_search(coll, base, D, 3, &f, h, NULL, 0), RV_EINVAL, "flags");
	BAD(rv_search(coll, base, D, 3, NULL, NULL, NULL, 0), RV_EINVAL, "hits is NULL");
	BAD(rv_search(coll, NULL, D, 3, NULL, h, NULL, 0), RV_EINVAL, "NULL");
	/* k larger than the collection is allowed: every vector comes back */
	CHECK(rv_search(coll, base, D, N + 50, NULL, h, NULL, 0) == N);
	free(h);
}

TEST(unknown_and_duplicate_ids)
{
	float v[D] = {0.5f}, out[D];
	BAD(rv_get(coll, "nope", out, D), RV_ENOTFOUND, "\"nope\"");
	BAD(rv_delete(coll, "nope"), RV_ENOTFOUND, "\"nope\"");
	BAD(rv_update(coll, "nope", v, D), RV_ENOTFOUND, "\"nope\"");
	BAD(rv_insert(coll, "id3", v, D, 0), RV_EEXIST, "\"id3\" already exists");
	/* a batch with one existing id inserts nothing */
	const char *mix[3] = {"fresh1", "id9", "fresh2"};
	float three[3 * D] = {0};
	three[0] = 1;
	three[D] = 2;
	three[2 * D] = 3;
	BAD(rv_insert_batch(coll, 3, mix, three, D, 0), RV_EEXIST, "entry 1");
	CHECK_RC(rv_get(coll, "fresh1", out, D), RV_ENOTFOUND);
	/* an id repeated inside one batch */
	const char *rep[3] = {"r1", "r2", "r1"};
	BAD(rv_insert_batch(coll, 3, rep, three, D, 0), RV_EEXIST, "appears twice in the batch (entries 0 and 2)");
	/* several repeats: the first in batch order is named */
	const char *reps[4] = {"r1", "r2", "r2", "r1"};
	float four[4 * D] = {0};
	BAD(rv_insert_batch(coll, 4, reps, four, D, 0), RV_EEXIST, "\"r2\" appears twice in the batch (entries 1 and 2)");
	/* deleting a batch with one unknown id deletes nothing */
	const char *dels[3] = {"id1", "ghost", "id2"};
	BAD(rv_delete_batch(coll, 3, dels), RV_ENOTFOUND, "\"ghost\"");
	CHECK_OK(rv_get(coll, "id1", out, D));
	const char *twice[2] = {"id1", "id1"};
	BAD(rv_delete_batch(coll, 2, twice), RV_EINVAL, "appears twice");
}

TEST(malformed_ids)
{
	float v[D] = {0.25f};
	char longid[RV_ID_MAX + 2];
	memset(longid, 'a', RV_ID_MAX + 1);
	longid[RV_ID_MAX + 1] = '\0';
	BAD(rv_insert(coll, longid, v, D, 0), RV_EID, "longer than 255");
	BAD(rv_insert(coll, "", v, D, 0), RV_EID, "empty");
	BAD(rv_insert(coll, NULL, v, D, 0), RV_EINVAL, "id is NULL");
	BAD(rv_insert(coll, "ok", NULL, D, 0), RV_EINVAL, "vector is NULL");
	const char *bad_utf8[] = {
		"\xc0\xaf",             /* overlong '/' */
		"ab\xed\xa0\x80",       /* UTF-16 surrogate */
		"\xf4\x90\x80\x80",     /* above U+10FFFF */
		"x\xe6\x97",            /* truncated sequence */
		"\xff",                 /* never valid */
		"\x80",                 /* lone continuation byte */
	};
	for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++)
		BAD(rv_insert(coll, bad_utf8[i], v, D, 0), RV_EID, "UTF-8");
	float out[D];
	BAD(rv_get(coll, longid, out, D), RV_EID, "longer");
	BAD(rv_delete(coll, "\xc0\xaf"), RV_EID, "UTF-8");
	const char *batch_ids[2] = {"fine", "\xff"};
	float two[2 * D] = {0};
	two[0] = two[D] = 1;
	BAD(rv_insert_batch(coll, 2, batch_ids, two, D, 0), RV_EID, "entry 1");
}

TEST(cosine_zero_vector)
{
	rv_collection *keep = coll;
	setup(RV_METRIC_COSINE);
	float z[D] = {0};
	rv_hit h[3];
	BAD(rv_insert(coll, "zero", z, D, 0), RV_EZERO, "all zeros");
	BAD(rv_search(coll, z, D, 3, NULL, h, NULL, 0), RV_EZERO, "all zeros");
	rv_collection_free(coll);
	coll = keep;
}

/* ---- fvecs files ---- */

static const char *tmpfile_with(const void *bytes, size_t len)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/rv_test_vecs_%d.fvecs", (int)getpid());
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(bytes, 1, len, f) != len)
		exit(2);
	fclose(f);
	return path;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

TEST(vector_files)
{
	/* three good records of dimension 4 */
	unsigned char good[3 * 20];
	for (int r = 0; r < 3; r++) {
		put_le32(good + r * 20, 4);
		for (int j = 0; j < 4; j++) {
			float f = (float)(r * 10 + j);
			memcpy(good + r * 20 + 4 + j * 4, &f, 4);
		}
	}
	void *data;
	size_t rows, dim;
	CHECK_OK(rv_read_vecs(tmpfile_with(good, sizeof good), 0, 0, &data, &rows, &dim));
	CHECK(rows == 3 && dim == 4 && ((float *)data)[9] == 21.0f);
	rv_free_buffer(data);
	CHECK_OK(rv_read_vecs(tmpfile_with(good, sizeof good), 0, 2, &data, &rows, &dim));
	CHECK(rows == 2);
	rv_free_buffer(data);

	/* truncated: every length that is not a whole number of records */
	for (size_t len = 1; len < sizeof good; len++) {
		if (len % 20 == 0)
			continue;
		int rc = rv_read_vecs(tmpfile_with(good, len), 0, 0, &data, &rows, &dim);
		CHECK_MSG(rc == RV_EFORMAT, "length %zu gave %d", len, rc);
		CHECK(data == NULL);
		CHECK(strstr(rv_errmsg(NULL), "truncated") != NULL);
	}
	/* headers that disagree */
	unsigned char bad[sizeof good];
	memcpy(bad, good, sizeof good);
	put_le32(bad + 40, 5);
	CHECK_RC(rv_read_vecs(tmpfile_with(bad, sizeof bad), 0, 0, &data, &rows, &dim), RV_EFORMAT);
	CHECK(strstr(rv_errmsg(NULL), "byte 40") != NULL && strstr(rv_errmsg(NULL), "vector 2 has dimension 5") != NULL);
	/* dimensions out of range, including a negative one */
	uint32_t dims[] = {0, 0xffffffffu, RV_DIM_MAX + 1, 0x7fffffffu};
	for (size_t i = 0; i < 4; i++) {
		memcpy(bad, good, sizeof good);
		put_le32(bad, dims[i]);
		CHECK_RC(rv_read_vecs(tmpfile_with(bad, sizeof bad), 0, 0, &data, &rows, &dim), RV_EFORMAT);
		CHECK(strstr(rv_errmsg(NULL), "byte 0") != NULL);
	}
	CHECK_RC(rv_read_vecs(tmpfile_with(good, 0), 0, 0, &data, &rows, &dim), RV_EFORMAT);
	CHECK_RC(rv_read_vecs("/nonexistent/dir/x.fvecs", 0, 0, &data, &rows, &dim), RV_EIO);
	CHECK(strstr(rv_errmsg(NULL), "cannot open") != NULL);
	CHECK_RC(rv_read_vecs(NULL, 0, 0, &data, &rows, &dim), RV_EINVAL);
	/* random corruption never crashes; it either parses or says why not */
	test_rng r = {77};
	for (int t = 0; t < 300; t++) {
		memcpy(bad, good, sizeof good);
		size_t len = 1 + rng_next(&r) % sizeof bad;
		for (int f = 0; f < 3; f++)
			bad[rng_next(&r) % len] ^= (unsigned char)(1u << (rng_next(&r) % 8));
		int rc = rv_read_vecs(tmpfile_with(bad, len), t % 2, 0, &data, &rows, &dim);
		CHECK(rc == RV_OK || rc == RV_EFORMAT);
		if (rc == RV_OK) {
			CHECK(rows * (dim * 4 + 4) == len);
			rv_free_buffer(data);
		}
	}
	unlink(tmpfile_with(good, 1));
}

int main(void)
{
	setup(RV_METRIC_L2);
	RUN(wrong_dimension);
	RUN(nan_and_infinity);
	RUN(k_and_ef_bounds);
	RUN(unknown_and_duplicate_ids);
	RUN(malformed_ids);
	RUN(cosine_zero_vector);
	RUN(vector_files);
	rv_collection_free(coll);
	return harness_exit();
}
