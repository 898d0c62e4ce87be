/*
 * test_filter.c: payloads, filters, filtered search, text and hybrid
 * search, MMR (issue #5).
 *
 * Filter semantics are checked against a reference evaluation written here
 * over the same records; filtered recall against a brute-force scan of the
 * matching records; every plan (index list, full scan, graph walk) is made
 * to run by choosing the selectivity and whether indexes exist.
 */
#include "harness.h"
#include "ruvector.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- records of a test collection ---- */

typedef struct rec {
	int label;      /* 0..nlabels-1, payload "label": "L<label>" */
	double num;     /* "num" */
	int flag;       /* "flag": bool, or absent when 2 */
	int tag_a, tag_b; /* "tags": ["t<a>", "t<b>"] */
} rec;

static void payload_of(const rec *r, char *buf, size_t size)
{
	if (r->flag == 2)
		snprintf(buf, size, "{\"label\":\"L%d\",\"num\":%.17g,\"tags\":[\"t%d\",\"t%d\"],\"text\":\"doc %d\"}",
		         r->label, r->num, r->tag_a, r->tag_b, r->label);
	else
		snprintf(buf, size, "{\"label\":\"L%d\",\"num\":%.17g,\"flag\":%s,\"tags\":[\"t%d\",\"t%d\"]}", r->label,
		         r->num, r->flag ? "true" : "false", r->tag_a, r->tag_b);
}

static rv_collection *make_coll(uint32_t dim, uint32_t exact_threshold)
{
	rv_options o;
	rv_options_init(&o);
	o.dim = dim;
	o.exact_threshold = exact_threshold;
	o.threads = 2;
	o.ef_construction = 100;
	rv_collection *c = NULL;
	CHECK_OK(rv_collection_new(&o, &c));
	return c;
}

static void fill(rv_collection *c, size_t n, uint32_t dim, int nlabels, const float *v, rec *recs, uint64_t seed)
{
	test_rng r = {seed};
	char (*ids)[24] = malloc(n * 24);
	const char **idp = calloc(n, sizeof *idp);
	char **pl = calloc(n, sizeof *pl);
	if (!ids || !idp || !pl) {
		fprintf(stderr, "out of memory in test\n");
		exit(2);
	}
	for (size_t i = 0; i < n; i++) {
		recs[i].label = (int)(rng_next(&r) % (uint64_t)nlabels);
		recs[i].num = (double)(rng_next(&r) % 1000) / 10.0;
		recs[i].flag = (int)(rng_next(&r) % 3);
		recs[i].tag_a = (int)(rng_next(&r) % 5);
		recs[i].tag_b = (int)(rng_next(&r) % 5);
		snprintf(ids[i], 24, "%zu", i);
		idp[i] = ids[i];
		pl[i] = malloc(200);
		payload_of(&recs[i], pl[i], 200);
	}
	CHECK_OK(rv_insert_batch_payload(c, n, idp, v, dim, (const char *const *)pl, 0));
	for (size_t i = 0; i < n; i++)
		free(pl[i]);
	free(pl);
	free(idp);
	free(ids);
}

static rv_filter *parse(const char *json)
{
	rv_filter *f = NULL;
	char err[256];
	int rc = rv_filter_parse(json, strlen(json), &f, err, sizeof err);
	CHECK_MSG(rc == RV_OK, "%s: %s", json, err);
	return f;
}

/* ---- payload round trip and errors ---- */

TEST(payload_round_trip)
{
	rv_collection *c = make_coll(2, 4096);
	float v[2] = {1, 2};
	CHECK_OK(rv_insert_payload(c, "a", v, 2,
	                           "{\"z\":1,\"a\":\"x\\\"y\\u00e9\",\"n\":null,\"t\":true,\"f\":false,\"arr\":[\"p\",\"q\"],"
	                           "\"big\":1e300,\"neg\":-0.5}",
	                           0));
	char buf[512];
	size_t need = 0;
	CHECK_OK(rv_get_payload(c, "a", buf, sizeof buf, &need));
	/* keys come back sorted; numbers in shortest round-trip form */
	CHECK_MSG(strcmp(buf, "{\"a\":\"x\\\"y\xc3\xa9\",\"arr\":[\"p\",\"q\"],\"big\":1e+300,\"f\":false,\"n\":null,"
	                      "\"neg\":-0.5,\"t\":true,\"z\":1}") == 0,
	          "got %s", buf);
	CHECK(need == strlen(buf) + 1);
	char small[8];
	CHECK_RC(rv_get_payload(c, "a", small, sizeof small, &need), RV_ERANGE);
	CHECK(need == strlen(buf) + 1);
	/* no payload: {} */
	CHECK_OK(rv_insert(c, "b", v, 2, 0));
	CHECK_OK(rv_get_payload(c, "b", buf, sizeof buf, NULL));
	CHECK(strcmp(buf, "{}") == 0);
	CHECK_RC(rv_get_payload(c, "nope", buf, sizeof buf, NULL), RV_ENOTFOUND);
	/* set, replace by upsert, keep on update, clear */
	CHECK_OK(rv_set_payload(c, "b", "{\"k\":\"v\"}"));
	CHECK_OK(rv_get_payload(c, "b", buf, sizeof buf, NULL));
	CHECK(strcmp(buf, "{\"k\":\"v\"}") == 0);
	float w[2] = {3, 4};
	CHECK_OK(rv_update(c, "b", w, 2));
	CHECK_OK(rv_get_payload(c, "b", buf, sizeof buf, NULL));
	CHECK_MSG(strcmp(buf, "{\"k\":\"v\"}") == 0, "update must keep the payload; got %s", buf);
	CHECK_OK(rv_insert_payload(c, "b", v, 2, "{\"k\":2}", RV_UPSERT));
	CHECK_OK(rv_get_payload(c, "b", buf, sizeof buf, NULL));
	CHECK(strcmp(buf, "{\"k\":2}") == 0);
	CHECK_OK(rv_insert(c, "b", v, 2, RV_UPSERT));
	CHECK_OK(rv_get_payload(c, "b", buf, sizeof buf, NULL));
	CHECK_MSG(strcmp(buf, "{}") == 0, "an upsert without payload replaces the record; got %s", buf);
	CHECK_OK(rv_set_payload(c, "a", NULL));
	CHECK_OK(rv_get_payload(c, "a", buf, sizeof buf, NULL));
	CHECK(strcmp(buf, "{}") == 0);
	CHECK_RC(rv_set_payload(c, "nope", "{}"), RV_ENOTFOUND);
	rv_collection_free(c);
}

TEST(bad_payloads_are_refused_and_change_nothing)
{
	rv_collection *c = make_coll(2, 4096);
	float v[2] = {1, 2};
	CHECK_OK(rv_insert_payload(c, "a", v, 2, "{\"k\":1}", 0));
	const struct {
		const char *json;
		const char *says;
	} bad[] = {
		{"{\"o\":{\"\":1}}", "field name \"o.\" must be"},
		{"{\"o\":[1,{\"p\":{\"\":1}}]}", "field name \"o[1].p.\" must be"},
		{"{\"a\":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}", "nesting deeper than 16"},
		{"[1]", "JSON object"},
		{"{\"a\":1,}", "JSON"},
		{"{\"a\":1,\"a\":2}", "duplicate"},
		{"{\"a\":NaN}", "JSON"},
		{"{\"\":1}", "field name"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_RC(rv_insert_payload(c, "b", v, 2, bad[i].json, 0), RV_EINVAL);
		CHECK_MSG(strstr(rv_errmsg(c), bad[i].says) != NULL, "%s: message \"%s\" lacks \"%s\"", bad[i].json,
		          rv_errmsg(c), bad[i].says);
		CHECK_RC(rv_set_payload(c, "a", bad[i].json), RV_EINVAL);
	}
	/* too many fields, too long */
	char *big = malloc(RV_PAYLOAD_MAX + 64);
	size_t at = 0;
	at += (size_t)sprintf(big + at, "{");
	for (unsigned i = 0; i <= RV_PAYLOAD_FIELDS; i++)
		at += (size_t)sprintf(big + at, "%s\"f%u\":1", i ? "," : "", i);
	sprintf(big + at, "}");
	CHECK_RC(rv_insert_payload(c, "b", v, 2, big, 0), RV_EINVAL);
	CHECK(strstr(rv_errmsg(c), "fields") != NULL);
	memset(big, ' ', RV_PAYLOAD_MAX + 10);
	big[0] = '{';
	big[RV_PAYLOAD_MAX + 10] = '}';
	big[RV_PAYLOAD_MAX + 11] = '\0';
	CHECK_RC(rv_insert_payload(c, "b", v, 2, big, 0), RV_EINVAL);
	free(big);
	/* a bad entry fails the whole batch, naming it */
	const char *ids[3] = {"x", "y", "z"};
	const char *pls[3] = {"{}", NULL, "{\"q\":{\"\":0}}"};
	float vs[6] = {1, 2, 3, 4, 5, 6};
	CHECK_RC(rv_insert_batch_payload(c, 3, ids, vs, 2, pls, 0), RV_EINVAL);
	CHECK_MSG(strstr(rv_errmsg(c), "entry 2") != NULL, "%s", rv_errmsg(c));
	CHECK(rv_count(c) == 1);
	char buf[64];
	CHECK_OK(rv_get_payload(c, "a", buf, sizeof buf, NULL));
	CHECK(strcmp(buf, "{\"k\":1}") == 0);
	rv_collection_free(c);
}

/* ---- filter parsing ---- */

TEST(filter_errors_name_the_offending_part)
{
	const struct {
		const char *json;
		const char *says;
	} bad[] = {
		{"{\"a\":{\"$regex\":\"x\"}}", "unknown operator \"$regex\""},
		{"{\"$xor\":[]}", "unknown operator \"$xor\""},
		{"{\"a\":{\"$gt\":true}}", "a.$gt: $gt expects a number or a string, got boolean"},
		{"{\"a\":{\"$in\":5}}", "$in expects an array"},
		{"{\"a\":{\"$in\":[]}}", "1..1024"},
		{"{\"a\":{\"$exists\":1}}", "$exists expects a boolean"},
		{"{\"a\":{\"$contains\":1}}", "$contains expects a string"},
		{"{\"$and\":{}}", "$and expects an array"},
		{"{\"$and\":[1]}", "$and[0]: expected a filter object"},
		{"{\"$or\":[{\"a\":1},{\"b\":{\"$lt\":[1]}}]}", "$or[1].b.$lt"},
		{"{\"a\":[1,2]}", "$in"},
		{"{\"a\":{\"b\":1}}", "write its dotted path (\"a.b\")"},
		{"{\"a..b\":1}", "empty segment"},
		{"{\"a.\":1}", "empty segment"},
		{"{\"a\":{\"$size\":-1}}", "a.$size: $size takes one whole number"},
		{"{\"a\":{\"$size\":1.5}}", "$size takes one whole number"},
		{"{\"a\":{\"$size\":\"x\"}}", "$size expects a whole number, got string"},
		{"{\"a\":{\"$elemMatch\":5}}", "$elemMatch expects a non-empty object, got number"},
		{"{\"a\":{\"$elemMatch\":{}}}", "$elemMatch expects a non-empty object, got object (empty)"},
		{"{\"a\":{\"$elemMatch\":{\"$gt\":true}}}", "a.$elemMatch.$gt: $gt expects a number or a string"},
		{"{}", "empty filter"},
		{"[]", "expected a filter object"},
		{"{\"a\":1", "JSON"},
		{"{\"a\":{\"$in\":[{}]}}", "a.$in[0]"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		rv_filter *f = (rv_filter *)1;
		char err[256];
		CHECK_RC(rv_filter_parse(bad[i].json, strlen(bad[i].json), &f, err, sizeof err), RV_EINVAL);
		CHECK(f == NULL);
		CHECK_MSG(strstr(err, bad[i].says) != NULL, "%s: \"%s\" lacks \"%s\"", bad[i].json, err, bad[i].says);
	}
	/* depth: RV_FILTER_DEPTH_MAX levels pass, one more fails */
	char deep[4096];
	for (unsigned depth = RV_FILTER_DEPTH_MAX; depth <= RV_FILTER_DEPTH_MAX + 1; depth++) {
		size_t at = 0;
		for (unsigned i = 1; i < depth; i++)
			at += (size_t)sprintf(deep + at, "{\"$not\":");
		at += (size_t)sprintf(deep + at, "{\"a\":1}");
		for (unsigned i = 1; i < depth; i++)
			deep[at++] = '}';
		deep[at] = '\0';
		rv_filter *f = NULL;
		char err[256];
		int rc = rv_filter_parse(deep, at, &f, err, sizeof err);
		if (depth == RV_FILTER_DEPTH_MAX) {
			CHECK_MSG(rc == RV_OK, "depth %u: %s", depth, err);
		} else {
			CHECK_RC(rc, RV_EINVAL);
			CHECK_MSG(strstr(err, "deeper than") != NULL, "%s", err);
		}
		rv_filter_free(f);
	}
	/* oversized $in */
	char *in = malloc(16 * (RV_FILTER_IN_MAX + 2));
	size_t at = (size_t)sprintf(in, "{\"a\":{\"$in\":[");
	for (unsigned i = 0; i <= RV_FILTER_IN_MAX; i++)
		at += (size_t)sprintf(in + at, "%s%u", i ? "," : "", i);
	at += (size_t)sprintf(in + at, "]}}");
	rv_filter *f = NULL;
	char err[256];
	CHECK_RC(rv_filter_parse(in, at, &f, err, sizeof err), RV_EINVAL);
	CHECK_MSG(strstr(err, "a.$in") && strstr(err, "1025 values"), "%s", err);
	free(in);
	/* builder API errors */
	rv_value one = {.type = RV_VALUE_BOOL, .boolean = 1};
	CHECK_RC(rv_filter_leaf(RV_FILTER_GT, "a", &one, 1, &f), RV_EINVAL);
	CHECK(strstr(rv_errmsg(NULL), "number or string") != NULL);
	CHECK_RC(rv_filter_leaf(RV_FILTER_IN, "a", &one, 0, &f), RV_EINVAL);
	CHECK_RC(rv_filter_leaf(RV_FILTER_AND, "a", &one, 1, &f), RV_EINVAL);
	rv_value nan = {.type = RV_VALUE_NUMBER, .number = NAN};
	CHECK_RC(rv_filter_leaf(RV_FILTER_EQ, "a", &nan, 1, &f), RV_EINVAL);
	CHECK_RC(rv_filter_node(RV_FILTER_NOT, NULL, 0, &f), RV_EINVAL);
}

/* ---- semantics against a reference ---- */

typedef bool (*ref_fn)(const rec *r);
static bool ref_label3(const rec *r) { return r->label == 3; }
static bool ref_num_range(const rec *r) { return r->num >= 20 && r->num < 50; }
static bool ref_flag_true(const rec *r) { return r->flag == 1; }
static bool ref_flag_absent(const rec *r) { return r->flag == 2; }
static bool ref_flag_ne_true(const rec *r) { return r->flag != 1; }
static bool ref_tag2(const rec *r) { return r->tag_a == 2 || r->tag_b == 2; }
static bool ref_in(const rec *r) { return r->label == 1 || r->label == 4 || r->num == 10.5; }
static bool ref_nin(const rec *r) { return !(r->label == 1 || r->label == 4); }
static bool ref_and_or(const rec *r)
{
	return (r->label == 2 || r->num > 90) && !(r->tag_a == 0 || r->tag_b == 0);
}
static bool ref_str_gt(const rec *r) { return r->label >= 5; /* "L5".."L9" > "L4" bytewise, labels < 10 */ }

static const struct {
	const char *json;
	ref_fn ref;
} cases[] = {
	{"{\"label\":\"L3\"}", ref_label3},
	{"{\"num\":{\"$gte\":20,\"$lt\":50}}", ref_num_range},
	{"{\"flag\":true}", ref_flag_true},
	{"{\"flag\":{\"$exists\":false}}", ref_flag_absent},
	{"{\"flag\":{\"$ne\":true}}", ref_flag_ne_true},
	{"{\"tags\":{\"$contains\":\"t2\"}}", ref_tag2},
	{"{\"tags\":\"t2\"}", ref_tag2},
	{"{\"$or\":[{\"label\":{\"$in\":[\"L1\",\"L4\"]}},{\"num\":{\"$eq\":10.5}}]}", ref_in},
	{"{\"label\":{\"$nin\":[\"L1\",\"L4\"]}}", ref_nin},
	{"{\"$and\":[{\"$or\":[{\"label\":\"L2\"},{\"num\":{\"$gt\":90}}]},{\"$not\":{\"tags\":{\"$in\":[\"t0\"]}}}]}",
	 ref_and_or},
	{"{\"label\":{\"$gt\":\"L4\"}}", ref_str_gt},
};

static void semantics(bool indexed)
{
	const uint32_t dim = 8;
	const size_t n = 3000;
	float *v = make_clustered(n, dim, 10, 77);
	rec *recs = malloc(n * sizeof *recs);
	rv_collection *c = make_coll(dim, 4096);
	if (indexed) { /* before and after the data: both paths build */
		CHECK_OK(rv_create_index(c, "label", RV_INDEX_KEYWORD));
	}
	fill(c, n, dim, 10, v, recs, 5);
	if (indexed) {
		CHECK_OK(rv_create_index(c, "num", RV_INDEX_NUMERIC));
		CHECK_OK(rv_create_index(c, "tags", RV_INDEX_KEYWORD));
		CHECK_OK(rv_create_index(c, "label", RV_INDEX_KEYWORD)); /* again: no-op */
	}
	for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
		rv_filter *f = parse(cases[ci].json);
		if (!f)
			continue;
		long long want = 0;
		for (size_t i = 0; i < n; i++)
			want += cases[ci].ref(&recs[i]);
		long long got = rv_count_matching(c, f);
		CHECK_MSG(got == want, "%s (indexed %d): %lld matches, reference %lld", cases[ci].json, indexed, got, want);
		for (size_t i = 0; i < n; i += 97) {
			char id[16];
			snprintf(id, sizeof id, "%zu", i);
			CHECK(rv_filter_match(c, id, f) == (int)cases[ci].ref(&recs[i]));
		}
		/* an exact filtered search returns exactly the nearest matches */
		float q[8];
		memcpy(q, v + 11 * dim, sizeof q);
		rv_hit hits[20];
		char idbuf[RV_IDBUF_SIZE(20)];
		rv_search_params p = {.filter = f, .flags = RV_SEARCH_EXACT};
		int k = rv_search(c, q, dim, 20, &p, hits, idbuf, sizeof idbuf);
		CHECK_MSG(k == (want < 20 ? want : 20), "%s: %d hits", cases[ci].json, k);
		for (int i = 0; i < k; i++)
			CHECK(cases[ci].ref(&recs[atoi(hits[i].id)]));
		rv_filter_free(f);
	}
	/* deletes and updates keep the indexes in step */
	for (size_t i = 0; i < n; i += 3) {
		char id[16];
		snprintf(id, sizeof id, "%zu", i);
		if (i % 2) {
			CHECK_OK(rv_delete(c, id));
			recs[i].label = -1;
			recs[i].num = -1;
			recs[i].flag = 0;
			recs[i].tag_a = recs[i].tag_b = -1;
		} else {
			recs[i].label = 3;
			recs[i].num = 33.5;
			char pl[200];
			payload_of(&recs[i], pl, sizeof pl);
			CHECK_OK(rv_set_payload(c, id, pl));
		}
	}
	for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
		rv_filter *f = parse(cases[ci].json);
		long long want = 0;
		for (size_t i = 0; i < n; i++)
			want += recs[i].label >= 0 && cases[ci].ref(&recs[i]);
		long long got = rv_count_matching(c, f);
		CHECK_MSG(got == want, "after writes, %s (indexed %d): %lld, reference %lld", cases[ci].json, indexed, got,
		          want);
		rv_filter_free(f);
	}
	rv_collection_free(c);
	free(recs);
	free(v);
}

TEST(filter_semantics_without_indexes) { semantics(false); }
TEST(filter_semantics_with_indexes) { semantics(true); }

/* ---- filtered recall and min(k, matches) ---- */

typedef struct pair {
	double d;
	size_t i;
} pair;

static int pair_cmp(const void *a, const void *b)
{
	const pair *x = a, *y = b;
	return x->d < y->d ? -1 : x->d > y->d ? 1 : (x->i > y->i) - (x->i < y->i);
}

static double filtered_recall(rv_collection *c, const float *v, size_t n, uint32_t dim, const rec *recs,
                              int nlabels, size_t k, uint32_t ef, int *short_results)
{
	pair *pr = malloc(n * sizeof *pr);
	size_t found = 0, total = 0;
	*short_results = 0;
	for (int qi = 0; qi < 40; qi++) {
		const float *q = v + (size_t)(qi * 131 % n) * dim;
		int label = qi % nlabels;
		char json[64];
		snprintf(json, sizeof json, "{\"label\":\"L%d\"}", label);
		rv_filter *f = parse(json);
		size_t m = 0;
		for (size_t i = 0; i < n; i++) {
			if (recs[i].label != label)
				continue;
			double d = 0;
			for (uint32_t j = 0; j < dim; j++) {
				double t = (double)q[j] - v[i * dim + j];
				d += t * t;
			}
			pr[m++] = (pair){d, i};
		}
		qsort(pr, m, sizeof *pr, pair_cmp);
		size_t want = m < k ? m : k;
		rv_hit hits[100];
		char idbuf[RV_IDBUF_SIZE(100)];
		rv_search_params p = {.ef = ef, .filter = f};
		int got = rv_search(c, q, dim, k, &p, hits, idbuf, sizeof idbuf);
		if (got != (int)want)
			(*short_results)++;
		for (int h = 0; h < got; h++) {
			size_t id = (size_t)atoi(hits[h].id);
			CHECK(recs[id].label == label);
			for (size_t t = 0; t < want; t++)
				if (pr[t].i == id) {
					found++;
					break;
				}
		}
		total += want;
		rv_filter_free(f);
	}
	free(pr);
	return total ? (double)found / (double)total : 1.0;
}

static void recall_at(int nlabels, bool indexed)
{
	/* 50,000 records: at 10% the matches (5,000) are more than the exact
	 * plans take (live/16), so 10% and 50% run the filtered graph walk */
	const uint32_t dim = 16;
	const size_t n = 50000;
	float *v = make_clustered(n, dim, 50, 91);
	rec *recs = malloc(n * sizeof *recs);
	rv_collection *c = make_coll(dim, 1000);
	fill(c, n, dim, nlabels, v, recs, 17);
	if (indexed)
		CHECK_OK(rv_create_index(c, "label", RV_INDEX_KEYWORD));
	int shorts = 0;
	double r = filtered_recall(c, v, n, dim, recs, nlabels, 10, 64, &shorts);
	printf("    %d labels (%.1f%%), %s: recall@10 %.4f\n", nlabels, 100.0 / nlabels, indexed ? "indexed" : "no index", r);
	CHECK_MSG(r >= 0.95, "filtered recall %.4f at 1/%d, indexed %d", r, nlabels, indexed);
	CHECK_MSG(shorts == 0, "%d searches returned fewer than min(k, matches)", shorts);
	rv_collection_free(c);
	free(recs);
	free(v);
}

TEST(filtered_recall_1_percent) { recall_at(100, true); recall_at(100, false); }
TEST(filtered_recall_10_percent) { recall_at(10, true); recall_at(10, false); }
TEST(filtered_recall_50_percent) { recall_at(2, true); recall_at(2, false); }

TEST(never_fewer_than_min_k_matches)
{
	const uint32_t dim = 8;
	const size_t n = 5000;
	float *v = make_clustered(n, dim, 20, 3);
	rec *recs = malloc(n * sizeof *recs);
	rv_collection *c = make_coll(dim, 100);
	fill(c, n, dim, 1000, v, recs, 23); /* ~5 per label */
	for (int label = 0; label < 30; label++) {
		char json[64];
		snprintf(json, sizeof json, "{\"label\":\"L%d\"}", label);
		rv_filter *f = parse(json);
		long long m = rv_count_matching(c, f);
		rv_hit hits[10];
		char idbuf[RV_IDBUF_SIZE(10)];
		rv_search_params p = {.ef = 10, .filter = f};
		int got = rv_search(c, v, dim, 10, &p, hits, idbuf, sizeof idbuf);
		CHECK_MSG(got == (m < 10 ? m : 10), "label %d: %d hits of %lld matches", label, got, m);
		rv_filter_free(f);
	}
	/* a filter nothing matches */
	rv_filter *f = parse("{\"label\":\"none\"}");
	rv_hit hits[10];
	rv_search_params p = {.filter = f};
	CHECK_RC(rv_search(c, v, dim, 10, &p, hits, NULL, 0), 0);
	rv_filter_free(f);
	rv_collection_free(c);
	free(recs);
	free(v);
}

/* ---- persistence ---- */

static void rm_rf(const char *path)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", path);
}

TEST(payloads_and_indexes_persist)
{
	char dir[] = "/tmp/rv_test_filter_XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char path[300];
	snprintf(path, sizeof path, "%s/db", dir);
	const uint32_t dim = 8;
	const size_t n = 2000;
	float *v = make_clustered(n, dim, 10, 5);
	rec *recs = malloc(n * sizeof *recs);
	const char *q = "{\"$and\":[{\"label\":\"L3\"},{\"num\":{\"$lt\":50}}]}";
	long long want = 0;
	for (int round = 0; round < 3; round++) {
		rv_db_options dbo;
		rv_db_options_init(&dbo);
		dbo.flags = RV_DB_CREATE;
		rv_db *db = NULL;
		CHECK_OK(rv_db_open(path, &dbo, &db));
		rv_collection *c = NULL;
		if (round == 0) {
			rv_options o;
			rv_options_init(&o);
			o.dim = dim;
			CHECK_OK(rv_db_create_collection(db, "c", &o, &c));
			CHECK_OK(rv_create_index(c, "label", RV_INDEX_KEYWORD));
			fill(c, n, dim, 10, v, recs, 9);
			CHECK_OK(rv_set_payload(c, "7", "{\"label\":\"L3\",\"num\":1,\"text\":\"seven\"}"));
			recs[7].label = 3;
			recs[7].num = 1;
			CHECK_OK(rv_create_index(c, "num", RV_INDEX_NUMERIC));
			CHECK_OK(rv_create_index(c, "text", RV_INDEX_TEXT));
			for (size_t i = 0; i < n; i++)
				want += recs[i].label == 3 && recs[i].num < 50;
		} else {
			CHECK_OK(rv_db_open_collection(db, "c", &c));
		}
		/* round 0 reads from memory, 1 from the replayed log, 2 from a checkpoint */
		rv_filter *f = parse(q);
		CHECK_MSG(rv_count_matching(c, f) == want, "round %d: %lld, want %lld", round, rv_count_matching(c, f), want);
		rv_filter_free(f);
		char buf[256];
		CHECK_OK(rv_get_payload(c, "7", buf, sizeof buf, NULL));
		CHECK_MSG(strcmp(buf, "{\"label\":\"L3\",\"num\":1,\"text\":\"seven\"}") == 0, "round %d: %s", round, buf);
		rv_hit hits[5];
		char idbuf[RV_IDBUF_SIZE(5)];
		int t = rv_search_text(c, "Seven", 5, NULL, hits, idbuf, sizeof idbuf);
		CHECK_MSG(t == 1 && strcmp(hits[0].id, "7") == 0, "round %d: text search gave %d", round, t);
		if (round == 1)
			CHECK_OK(rv_checkpoint(c));
		rv_collection_free(c);
		CHECK_OK(rv_db_close(db));
	}
	char problem[256];
	CHECK_OK(rv_db_check(path, problem, sizeof problem));
	rm_rf(dir);
	free(recs);
	free(v);
}

/* rv_drop_index: the index goes (from memory, the replayed log and the
 * checkpoint), the answers stay, and what is not there cannot be dropped. */
TEST(drop_index)
{
	char dir[] = "/tmp/rv_test_filter_XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char path[300];
	snprintf(path, sizeof path, "%s/db", dir);
	const uint32_t dim = 8;
	const size_t n = 3000;
	float *v = make_clustered(n, dim, 10, 6);
	rec *recs = malloc(n * sizeof *recs);
	const char *q = "{\"$and\":[{\"label\":\"L3\"},{\"num\":{\"$lt\":50}}]}";
	long long want = 0;
	rv_index_desc d[4];
	for (int round = 0; round < 3; round++) {
		rv_db_options dbo;
		rv_db_options_init(&dbo);
		dbo.flags = RV_DB_CREATE;
		rv_db *db = NULL;
		CHECK_OK(rv_db_open(path, &dbo, &db));
		rv_collection *c = NULL;
		if (round == 0) {
			rv_options o;
			rv_options_init(&o);
			o.dim = dim;
			CHECK_OK(rv_db_create_collection(db, "c", &o, &c));
			fill(c, n, dim, 10, v, recs, 21);
			for (size_t i = 0; i < n; i++)
				want += recs[i].label == 3 && recs[i].num < 50;
			CHECK_OK(rv_create_index(c, "label", RV_INDEX_KEYWORD));
			CHECK_OK(rv_create_index(c, "num", RV_INDEX_NUMERIC));
			CHECK_OK(rv_create_index(c, "text", RV_INDEX_TEXT));
			CHECK(rv_list_indexes(c, d, 4) == 3);
			CHECK(strcmp(d[0].key, "label") == 0 && d[0].kind == RV_INDEX_KEYWORD);
			CHECK(strcmp(d[1].key, "num") == 0 && d[1].kind == RV_INDEX_NUMERIC);
			CHECK(strcmp(d[2].key, "text") == 0 && d[2].kind == RV_INDEX_TEXT);
			CHECK_OK(rv_drop_index(c, "label", RV_INDEX_KEYWORD));
			CHECK_OK(rv_drop_index(c, "text", RV_INDEX_TEXT));
			CHECK_RC(rv_drop_index(c, "label", RV_INDEX_KEYWORD), RV_ENOTFOUND);
			CHECK_MSG(strstr(rv_errmsg(c), "no keyword index on \"label\"") != NULL, "%s", rv_errmsg(c));
			CHECK_RC(rv_drop_index(c, "num", RV_INDEX_KEYWORD), RV_ENOTFOUND);
			CHECK_RC(rv_drop_index(c, "", RV_INDEX_KEYWORD), RV_EINVAL);
			CHECK_RC(rv_drop_index(c, "num", (rv_index_kind)9), RV_EINVAL);
			/* a later write is indexed only where an index remains */
			CHECK_OK(rv_set_payload(c, "7", "{\"label\":\"L3\",\"num\":1}"));
			want += !(recs[7].label == 3 && recs[7].num < 50);
		} else {
			CHECK_OK(rv_db_open_collection(db, "c", &c));
		}
		/* round 0 from memory, 1 from the replayed log, 2 from a checkpoint */
		CHECK_MSG(rv_list_indexes(c, d, 4) == 1 && strcmp(d[0].key, "num") == 0 && d[0].kind == RV_INDEX_NUMERIC,
		          "round %d: %zu indexes", round, rv_list_indexes(c, d, 4));
		rv_filter *f = parse(q);
		CHECK_MSG(rv_count_matching(c, f) == want, "round %d: %lld, want %lld", round, rv_count_matching(c, f), want);
		rv_filter_free(f);
		rv_hit hits[5];
		char idbuf[RV_IDBUF_SIZE(5)];
		CHECK_MSG(rv_search_text(c, "seven", 5, NULL, hits, idbuf, sizeof idbuf) < 0,
		          "round %d: text search without a text index", round);
		if (round == 1)
			CHECK_OK(rv_checkpoint(c));
		rv_collection_free(c);
		CHECK_OK(rv_db_close(db));
	}
	char problem[256];
	CHECK_OK(rv_db_check(path, problem, sizeof problem));
	rm_rf(dir);
	free(recs);
	free(v);
}

/* ---- text and hybrid ---- */

TEST(text_search_and_fusion)
{
	rv_collection *c = make_coll(2, 4096);
	CHECK_RC(rv_search_text(c, "x", 3, NULL, (rv_hit[3]){0}, NULL, 0), RV_EINVAL); /* no text index */
	CHECK_OK(rv_create_index(c, "body", RV_INDEX_TEXT));
	CHECK_RC(rv_create_index(c, "other", RV_INDEX_TEXT), RV_EINVAL);
	const char *docs[4] = {"the quick brown fox", "a quick quick dog", "Über Straße", "nothing here"};
	for (int i = 0; i < 4; i++) {
		char id[16], pl[128];
		snprintf(id, sizeof id, "d%d", i);
		snprintf(pl, sizeof pl, "{\"body\":\"%s\",\"i\":%d}", docs[i], i);
		float v[2] = {(float)i, 0};
		CHECK_OK(rv_insert_payload(c, id, v, 2, pl, 0));
	}
	rv_hit hits[4];
	char idbuf[RV_IDBUF_SIZE(4)];
	int n = rv_search_text(c, "QUICK", 4, NULL, hits, idbuf, sizeof idbuf);
	/* "quick" twice in a 4-token doc outranks once in a 4-token doc */
	CHECK(n == 2 && strcmp(hits[0].id, "d1") == 0 && strcmp(hits[1].id, "d0") == 0);
	CHECK(n == 2 && hits[0].score > hits[1].score && hits[1].score > 0 && isnan(hits[0].distance));
	n = rv_search_text(c, "straße über", 4, NULL, hits, idbuf, sizeof idbuf);
	CHECK(n == 1 && strcmp(hits[0].id, "d2") == 0);
	rv_filter *f = parse("{\"i\":{\"$gt\":0}}");
	n = rv_search_text(c, "quick", 4, f, hits, idbuf, sizeof idbuf);
	CHECK(n == 1 && strcmp(hits[0].id, "d1") == 0);
	rv_filter_free(f);
	/* hybrid, RRF: the vector ranking (query at x=0) is d0 d1 d2 d3; the
	 * text ranking for "quick" is d1 d0. d0: 1/61 + 1/62; d1: 1/62 + 1/61;
	 * equal, so ties by key... and both above d2 (1/63) and d3 (1/64). */
	float q[2] = {0, 0};
	rv_hybrid_params hp;
	rv_hybrid_params_init(&hp);
	n = rv_search_hybrid(c, q, 2, "quick", 4, &hp, hits, idbuf, sizeof idbuf);
	CHECK(n == 4);
	if (n == 4) {
		CHECK((strcmp(hits[0].id, "d0") == 0 && strcmp(hits[1].id, "d1") == 0) ||
		      (strcmp(hits[0].id, "d1") == 0 && strcmp(hits[1].id, "d0") == 0));
		CHECK(strcmp(hits[2].id, "d2") == 0 && strcmp(hits[3].id, "d3") == 0);
		CHECK(fabsf(hits[0].score - (1.0f / 61 + 1.0f / 62)) < 1e-6f);
		CHECK(fabsf(hits[3].score - 1.0f / 64) < 1e-6f);
	}
	/* weighted, text only: the text order */
	hp.fusion = RV_FUSION_WEIGHTED;
	hp.vector_weight = 0;
	hp.text_weight = 1;
	n = rv_search_hybrid(c, q, 2, "quick", 2, &hp, hits, idbuf, sizeof idbuf);
	CHECK(n == 2 && strcmp(hits[0].id, "d1") == 0 && strcmp(hits[1].id, "d0") == 0);
	/* weighted, vector only: nearest first, distance reported */
	hp.vector_weight = 1;
	hp.text_weight = 0;
	n = rv_search_hybrid(c, q, 2, "quick", 2, &hp, hits, idbuf, sizeof idbuf);
	CHECK(n == 2 && strcmp(hits[0].id, "d0") == 0 && hits[0].distance == 0);
	/* deleting a document removes it from the text index */
	CHECK_OK(rv_delete(c, "d1"));
	n = rv_search_text(c, "quick", 4, NULL, hits, idbuf, sizeof idbuf);
	CHECK(n == 1 && strcmp(hits[0].id, "d0") == 0);
	rv_collection_free(c);
}

/* ---- MMR ---- */

static double mean_pairwise(const float *v, uint32_t dim, const rv_hit *hits, int n)
{
	double s = 0;
	int pairs = 0;
	for (int a = 0; a < n; a++)
		for (int b = a + 1; b < n; b++) {
			const float *x = v + (size_t)atoi(hits[a].id) * dim, *y = v + (size_t)atoi(hits[b].id) * dim;
			double d = 0;
			for (uint32_t j = 0; j < dim; j++)
				d += ((double)x[j] - y[j]) * ((double)x[j] - y[j]);
			s += d;
			pairs++;
		}
	return pairs ? s / pairs : 0;
}

TEST(mmr_lambda_one_is_plain_and_lower_is_more_diverse)
{
	const uint32_t dim = 16;
	const size_t n = 3000;
	float *v = make_clustered(n, dim, 30, 12);
	rv_collection *c = make_coll(dim, 100000); /* exact: a fixed plain ranking */
	char (*ids)[16] = malloc(n * 16);
	const char **idp = malloc(n * sizeof *idp);
	for (size_t i = 0; i < n; i++) {
		snprintf(ids[i], 16, "%zu", i);
		idp[i] = ids[i];
	}
	CHECK_OK(rv_insert_batch(c, n, idp, v, dim, 0));
	int more_diverse = 0;
	for (int qi = 0; qi < 10; qi++) {
		const float *q = v + (size_t)qi * 97 * dim;
		rv_hit plain[10], m1[10], m5[10];
		char b1[RV_IDBUF_SIZE(10)], b2[RV_IDBUF_SIZE(10)], b3[RV_IDBUF_SIZE(10)];
		rv_search_params p = {0};
		CHECK(rv_search(c, q, dim, 10, &p, plain, b1, sizeof b1) == 10);
		p.flags = RV_SEARCH_MMR;
		p.mmr_lambda = 1.0f;
		CHECK(rv_search(c, q, dim, 10, &p, m1, b2, sizeof b2) == 10);
		for (int i = 0; i < 10; i++)
			CHECK_MSG(strcmp(plain[i].id, m1[i].id) == 0, "lambda 1, rank %d: %s vs %s", i, plain[i].id, m1[i].id);
		p.mmr_lambda = 0.3f;
		CHECK(rv_search(c, q, dim, 10, &p, m5, b3, sizeof b3) == 10);
		double d1 = mean_pairwise(v, dim, m1, 10), d5 = mean_pairwise(v, dim, m5, 10);
		CHECK_MSG(d5 >= d1 - 1e-9, "query %d: lambda 0.3 spread %.3f < lambda 1 spread %.3f", qi, d5, d1);
		more_diverse += d5 > d1;
	}
	CHECK_MSG(more_diverse >= 8, "lambda 0.3 was more diverse for only %d of 10 queries", more_diverse);
	rv_search_params bad = {.flags = RV_SEARCH_MMR, .mmr_lambda = 1.5f};
	rv_hit h[2];
	CHECK_RC(rv_search(c, v, dim, 2, &bad, h, NULL, 0), RV_EINVAL);
	CHECK(strstr(rv_errmsg(c), "mmr_lambda") != NULL);
	rv_collection_free(c);
	free(ids);
	free(idp);
	free(v);
}

/* ---- concurrency: writers change payloads while filtered searches run ---- */

#include <pthread.h>

typedef struct conc {
	rv_collection *c;
	_Atomic int stop;
	_Atomic long searches;
} conc;

static void *conc_reader(void *arg)
{
	conc *k = arg;
	rv_filter *fs[3] = {parse("{\"tag\":\"t1\"}"), parse("{\"n\":{\"$lt\":50}}"),
	                    parse("{\"$or\":[{\"tag\":\"t2\"},{\"body\":{\"$contains\":\"w3\"}}]}")};
	rv_hit hits[10];
	char idbuf[RV_IDBUF_SIZE(10)];
	test_rng r = {99};
	long n = 0;
	while (!atomic_load(&k->stop)) {
		float q[8];
		for (int j = 0; j < 8; j++)
			q[j] = rng_float(&r);
		rv_search_params p = {.filter = fs[n % 3], .ef = 32};
		int got = rv_search(k->c, q, 8, 10, &p, hits, idbuf, sizeof idbuf);
		CHECK(got >= 0 && got <= 10);
		got = rv_search_text(k->c, "w1 w2", 10, fs[n % 3], hits, idbuf, sizeof idbuf);
		CHECK(got >= 0 && got <= 10);
		CHECK(rv_count_matching(k->c, fs[n % 3]) >= 0);
		n++;
	}
	for (int i = 0; i < 3; i++)
		rv_filter_free(fs[i]);
	atomic_fetch_add(&k->searches, n);
	return NULL;
}

TEST(payload_writes_under_concurrent_filtered_searches)
{
	rv_collection *c = make_coll(8, 100);
	CHECK_OK(rv_create_index(c, "tag", RV_INDEX_KEYWORD));
	CHECK_OK(rv_create_index(c, "n", RV_INDEX_NUMERIC));
	CHECK_OK(rv_create_index(c, "body", RV_INDEX_TEXT));
	conc k = {.c = c};
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, conc_reader, &k);
	test_rng r = {5};
	for (int i = 0; i < 1500; i++) {
		char id[16], pl[128];
		snprintf(id, sizeof id, "%d", (int)(rng_next(&r) % 400));
		snprintf(pl, sizeof pl, "{\"tag\":\"t%d\",\"n\":%d,\"body\":\"w%d w%d\"}", (int)(rng_next(&r) % 4),
		         (int)(rng_next(&r) % 100), (int)(rng_next(&r) % 5), (int)(rng_next(&r) % 5));
		float v[8];
		for (int j = 0; j < 8; j++)
			v[j] = rng_float(&r);
		switch (rng_next(&r) % 4) {
		case 0:
		case 1:
			CHECK_OK(rv_insert_payload(c, id, v, 8, pl, RV_UPSERT));
			break;
		case 2: {
			int rc = rv_set_payload(c, id, pl);
			CHECK(rc == RV_OK || rc == RV_ENOTFOUND);
			break;
		}
		default: {
			int rc = rv_delete(c, id);
			CHECK(rc == RV_OK || rc == RV_ENOTFOUND);
		}
		}
		if (i % 500 == 499)
			CHECK_OK(rv_optimize(c)); /* renumbers payloads and indexes under the searches */
	}
	atomic_store(&k.stop, 1);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CHECK(atomic_load(&k.searches) > 0);
	/* afterwards the indexes agree with a scan of the payloads */
	rv_filter *f = parse("{\"$and\":[{\"tag\":\"t1\"},{\"n\":{\"$gte\":10}}]}");
	long long via_index = rv_count_matching(c, f);
	rv_filter *g = parse("{\"$and\":[{\"tag\":{\"$nin\":[\"t0\",\"t2\",\"t3\"]}},{\"tag\":{\"$exists\":true}},"
	                     "{\"$not\":{\"n\":{\"$lt\":10}}}]}"); /* same set, no index can list it */
	long long via_scan = rv_count_matching(c, g);
	CHECK_MSG(via_index == via_scan, "index count %lld, scan count %lld", via_index, via_scan);
	rv_filter_free(f);
	rv_filter_free(g);
	rv_collection_free(c);
}

int main(void)
{
	RUN(payload_round_trip);
	RUN(bad_payloads_are_refused_and_change_nothing);
	RUN(filter_errors_name_the_offending_part);
	RUN(filter_semantics_without_indexes);
	RUN(filter_semantics_with_indexes);
	RUN(filtered_recall_1_percent);
	RUN(filtered_recall_10_percent);
	RUN(filtered_recall_50_percent);
	RUN(never_fewer_than_min_k_matches);
	RUN(payloads_and_indexes_persist);
	RUN(drop_index);
	RUN(text_search_and_fusion);
	RUN(mmr_lambda_one_is_plain_and_lower_is_more_diverse);
	RUN(payload_writes_under_concurrent_filtered_searches);
	return harness_exit();
}
