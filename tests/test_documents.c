/*
 * test_documents.c: payloads as JSON documents (issue #11): nested objects
 * and arrays in, the same document out; dotted-path filters with the
 * MongoDB rules (any element of an array, paths through arrays of objects,
 * positional segments, $size, $elemMatch, keys with dots kept whole)
 * checked against an evaluation written here over the generator's model;
 * before and after deletes, payload updates and merge patches, a replay of
 * the log and a checkpoint; with and without path indexes; and the bounds (depth, empty
 * path segments) refused with messages naming the field.
 */
#include "harness.h"

#include <sys/stat.h>
#include <unistd.h>

#include "ruvector.h"

#define DIM 4
#define N 1500

/* ---- the model: what each record's document holds ---- */

typedef struct item {
	int sku, qty;
} item;

typedef struct doc {
	bool live, has_payload;
	bool has_meta, has_author;
	int author;   /* meta.author.name: "ada", "bob", "cy" */
	int level;    /* meta.level */
	int ntags;    /* tags: strings */
	int tags[3];  /* "red", "blue", "green", "gray" */
	int nscores;  /* scores: numbers k/10 */
	int scores[3];
	int nitems;   /* items: objects {"sku":"sK","qty":Q} */
	item items[3];
	int flag;     /* 0 absent, 1 true, 2 false, 3 null */
	int dotted;   /* "x.y": "dK" */
} doc;

static doc docs[N];
static const char *authors[] = {"ada", "bob", "cy"};
static const char *colors[] = {"red", "blue", "green", "gray"};

static void random_doc(doc *d, test_rng *r)
{
	memset(d, 0, sizeof *d);
	d->live = d->has_payload = true;
	d->has_meta = rng_next(r) % 5 != 0;
	d->has_author = d->has_meta && rng_next(r) % 4 != 0;
	d->author = (int)(rng_next(r) % 3);
	d->level = (int)(rng_next(r) % 6);
	d->ntags = (int)(rng_next(r) % 4);
	for (int i = 0; i < d->ntags; i++)
		d->tags[i] = (int)(rng_next(r) % 4);
	d->nscores = (int)(rng_next(r) % 4);
	for (int i = 0; i < d->nscores; i++)
		d->scores[i] = (int)(rng_next(r) % 10);
	d->nitems = (int)(rng_next(r) % 4);
	for (int i = 0; i < d->nitems; i++)
		d->items[i] = (item){(int)(rng_next(r) % 4), (int)(rng_next(r) % 4)};
	d->flag = (int)(rng_next(r) % 4);
	d->dotted = (int)(rng_next(r) % 3);
}

/* The document as JSON, keys in bytewise order (as rv_get_payload gives
 * them back), numbers as rv_strbuf_json_number writes them. */
static void doc_json(const doc *d, char *buf, size_t size)
{
	size_t at = 0;
#define PUT(...) at += (size_t)snprintf(buf + at, size - at, __VA_ARGS__)
	PUT("{");
	if (d->flag)
		PUT("\"flag\":%s,", d->flag == 1 ? "true" : d->flag == 2 ? "false" : "null");
	PUT("\"items\":[");
	for (int i = 0; i < d->nitems; i++)
		PUT("%s{\"qty\":%d,\"sku\":\"s%d\"}", i ? "," : "", d->items[i].qty, d->items[i].sku);
	PUT("],");
	if (d->has_meta) {
		PUT("\"meta\":{");
		if (d->has_author)
			PUT("\"author\":{\"name\":\"%s\"},", authors[d->author]);
		PUT("\"level\":%d},", d->level);
	}
	PUT("\"scores\":[");
	for (int i = 0; i < d->nscores; i++) {
		if (d->scores[i] == 0)
			PUT("%s0", i ? "," : "");
		else
			PUT("%s0.%d", i ? "," : "", d->scores[i]);
	}
	PUT("],\"tags\":[");
	for (int i = 0; i < d->ntags; i++)
		PUT("%s\"%s\"", i ? "," : "", colors[d->tags[i]]);
	PUT("],\"x.y\":\"d%d\"}", d->dotted);
#undef PUT
}

/* ---- the filters and their evaluation over the model ---- */

static bool any_tag(const doc *d, int c)
{
	for (int i = 0; i < d->ntags; i++)
		if (d->tags[i] == c)
			return true;
	return false;
}

static bool f_author_ada(const doc *d) { return d->has_author && d->author == 0; }
static bool f_level_ge3(const doc *d) { return d->has_meta && d->level >= 3; }
static bool f_tag_red(const doc *d) { return any_tag(d, 0); }
static bool f_score_gt5(const doc *d)
{
	for (int i = 0; i < d->nscores; i++)
		if (d->scores[i] > 5)
			return true;
	return false;
}
static bool f_scores_size2(const doc *d) { return d->nscores == 2; }
static bool f_items_sku3(const doc *d)
{
	for (int i = 0; i < d->nitems; i++)
		if (d->items[i].sku == 3)
			return true;
	return false;
}
static bool f_elem_sku1_qty2(const doc *d)
{
	for (int i = 0; i < d->nitems; i++)
		if (d->items[i].sku == 1 && d->items[i].qty >= 2)
			return true;
	return false;
}
static bool f_any_sku1_any_qty2(const doc *d)
{
	bool sku = false, qty = false;
	for (int i = 0; i < d->nitems; i++)
		sku |= d->items[i].sku == 1, qty |= d->items[i].qty >= 2;
	return sku && qty;
}
static bool f_score_between(const doc *d)
{
	for (int i = 0; i < d->nscores; i++)
		if (d->scores[i] >= 2 && d->scores[i] < 4)
			return true;
	return false;
}
static bool f_no_meta(const doc *d) { return !d->has_meta; }
static bool f_author_not_ada(const doc *d) { return !f_author_ada(d); }
static bool f_tags_nin(const doc *d) { return !any_tag(d, 0) && !any_tag(d, 1); }
static bool f_first_sku2(const doc *d) { return d->nitems > 0 && d->items[0].sku == 2; }
static bool f_dotted(const doc *d) { return d->dotted == 1; }
static bool f_null_or_low(const doc *d) { return d->flag == 3 || (d->has_meta && d->level < 1); }
static bool f_flag_true_or_null(const doc *d) { return d->flag == 1 || d->flag == 3; }
static bool f_author_exists(const doc *d) { return d->has_author; }
static bool f_no_tags(const doc *d) { return d->ntags == 0; }
static bool f_not_items_qty0(const doc *d)
{
	for (int i = 0; i < d->nitems; i++)
		if (d->items[i].qty == 0)
			return false;
	return true;
}

static const struct {
	const char *json;
	bool (*want)(const doc *);
} filters[] = {
	{"{\"meta.author.name\":\"ada\"}", f_author_ada},
	{"{\"meta.level\":{\"$gte\":3}}", f_level_ge3},
	{"{\"tags\":\"red\"}", f_tag_red},
	{"{\"scores\":{\"$gt\":0.5}}", f_score_gt5},
	{"{\"scores\":{\"$size\":2}}", f_scores_size2},
	{"{\"items.sku\":\"s3\"}", f_items_sku3},
	{"{\"items\":{\"$elemMatch\":{\"sku\":\"s1\",\"qty\":{\"$gte\":2}}}}", f_elem_sku1_qty2},
	{"{\"items.sku\":\"s1\",\"items.qty\":{\"$gte\":2}}", f_any_sku1_any_qty2},
	{"{\"scores\":{\"$elemMatch\":{\"$gte\":0.2,\"$lt\":0.4}}}", f_score_between},
	{"{\"meta\":{\"$exists\":false}}", f_no_meta},
	{"{\"meta.author.name\":{\"$ne\":\"ada\"}}", f_author_not_ada},
	{"{\"tags\":{\"$nin\":[\"red\",\"blue\"]}}", f_tags_nin},
	{"{\"items.0.sku\":\"s2\"}", f_first_sku2},
	{"{\"x.y\":\"d1\"}", f_dotted},
	{"{\"$or\":[{\"flag\":null},{\"meta.level\":{\"$lt\":1}}]}", f_null_or_low},
	{"{\"flag\":{\"$in\":[true,null]}}", f_flag_true_or_null},
	{"{\"meta.author\":{\"$exists\":true}}", f_author_exists},
	{"{\"tags\":{\"$size\":0}}", f_no_tags},
	{"{\"$not\":{\"items.qty\":0}}", f_not_items_qty0},
};
#define NFILTERS (sizeof filters / sizeof filters[0])

/* A record without a payload: nothing is present, so only conditions that
 * hold on absence ($ne, $nin, $exists:false, $not) match; $size needs an
 * array, even of size 0. */
static bool want_match(size_t f, const doc *d)
{
	if (d->has_payload)
		return filters[f].want(d);
	doc none = {.dotted = -1};
	return filters[f].want != f_no_tags && filters[f].want(&none);
}

/* ---- checking a collection against the model ---- */

static void vec_of(int i, float *v)
{
	v[0] = (float)(i % 37), v[1] = (float)(i % 11), v[2] = (float)(i / 37), v[3] = 1.0f;
}

static void check_all(rv_collection *c, const char *when)
{
	char id[32], got[1024], want[1024];
	size_t live = 0;
	for (int i = 0; i < N; i++) {
		snprintf(id, sizeof id, "d%d", i);
		int rc = rv_get_payload(c, id, got, sizeof got, NULL);
		if (!docs[i].live) {
			CHECK_MSG(rc == RV_ENOTFOUND, "%s: %s deleted, got %d", when, id, rc);
			continue;
		}
		live++;
		if (docs[i].has_payload)
			doc_json(&docs[i], want, sizeof want);
		else
			snprintf(want, sizeof want, "{}");
		CHECK_MSG(rc == RV_OK && !strcmp(got, want), "%s: %s is %s, want %s", when, id, got, want);
	}
	CHECK_MSG(rv_count(c) == live, "%s: count %zu, want %zu", when, rv_count(c), live);
	static rv_hit hits[N];
	static char idbuf[RV_IDBUF_SIZE(N)];
	for (size_t f = 0; f < NFILTERS; f++) {
		rv_filter *flt;
		char err[256];
		int rc = rv_filter_parse(filters[f].json, strlen(filters[f].json), &flt, err, sizeof err);
		CHECK_MSG(rc == RV_OK, "parse %s: %s", filters[f].json, err);
		if (rc != RV_OK)
			continue;
		long long want_n = 0;
		for (int i = 0; i < N; i++) {
			if (!docs[i].live)
				continue;
			bool w = want_match(f, &docs[i]);
			want_n += w;
			snprintf(id, sizeof id, "d%d", i);
			int m = rv_filter_match(c, id, flt);
			CHECK_MSG(m == (int)w, "%s: %s on d%d (%s): %d, want %d", when, filters[f].json, i,
			          (doc_json(&docs[i], want, sizeof want), docs[i].has_payload ? want : "none"), m, (int)w);
		}
		CHECK_MSG(rv_count_matching(c, flt) == want_n, "%s: %s counts %lld, want %lld", when, filters[f].json,
		          rv_count_matching(c, flt), want_n);
		float q[DIM] = {5, 5, 5, 1};
		rv_search_params p = {.flags = RV_SEARCH_EXACT, .filter = flt};
		int n = rv_search(c, q, DIM, N, &p, hits, idbuf, sizeof idbuf);
		CHECK_MSG(n == want_n, "%s: %s exact search %d, want %lld", when, filters[f].json, n, want_n);
		/* the graph search: min(k, matches) hits, each a match */
		rv_search_params g = {.ef = 64, .filter = flt};
		n = rv_search(c, q, DIM, 10, &g, hits, idbuf, sizeof idbuf);
		CHECK_MSG(n == (want_n < 10 ? want_n : 10), "%s: %s search gives %d, want %lld", when, filters[f].json, n,
		          want_n < 10 ? want_n : 10);
		for (int h = 0; h < n; h++) {
			int i = atoi(hits[h].id + 1);
			CHECK_MSG(docs[i].live && want_match(f, &docs[i]), "%s: %s returned %s", when, filters[f].json,
			          hits[h].id);
		}
		rv_filter_free(flt);
	}
}

static char dir[256];

static rv_db *open_db(void)
{
	rv_db_options o;
	rv_db_options_init(&o);
	o.flags = RV_DB_CREATE;
	o.checkpoint_bytes = 0;
	rv_db *db = NULL;
	CHECK_OK(rv_db_open(dir, &o, &db));
	return db;
}

static void lifecycle(bool indexed)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
	test_rng r = {indexed ? 7 : 8};
	for (int i = 0; i < N; i++)
		random_doc(&docs[i], &r);
	rv_db *db = open_db();
	if (!db)
		return;
	rv_options o;
	rv_options_init(&o);
	o.dim = DIM;
	o.m = 8;
	o.threads = 1;
	rv_collection *c;
	CHECK_OK(rv_db_create_collection(db, "docs", &o, &c));
	if (indexed) {
		CHECK_OK(rv_create_index(c, "meta.author.name", RV_INDEX_KEYWORD));
		CHECK_OK(rv_create_index(c, "meta.level", RV_INDEX_NUMERIC));
		CHECK_OK(rv_create_index(c, "items.sku", RV_INDEX_KEYWORD));
		CHECK_OK(rv_create_index(c, "scores", RV_INDEX_NUMERIC));
		CHECK_OK(rv_create_index(c, "tags", RV_INDEX_KEYWORD));
		CHECK_OK(rv_create_index(c, "x.y", RV_INDEX_KEYWORD));
	}
	static char texts[100][1024];
	char names[100][16];
	const char *ids[100], *pls[100];
	float vecs[100 * DIM];
	for (int i = 0; i < N; i += 100) {
		for (int j = 0; j < 100; j++) {
			snprintf(names[j], sizeof names[j], "d%d", i + j);
			doc_json(&docs[i + j], texts[j], sizeof texts[j]);
			ids[j] = names[j], pls[j] = texts[j];
			vec_of(i + j, vecs + j * DIM);
		}
		CHECK_OK(rv_insert_batch_payload(c, 100, ids, vecs, DIM, pls, 0));
	}
	check_all(c, indexed ? "indexed, inserted" : "inserted");
	/* deletes, payload replacements and removals, in the log */
	test_rng w = {99};
	char id[32], json[1024];
	for (int k = 0; k < 300; k++) {
		int i = (int)(rng_next(&w) % N);
		if (!docs[i].live)
			continue;
		snprintf(id, sizeof id, "d%d", i);
		switch (k % 4) {
		case 3:
			if (docs[i].has_payload) {
				/* a merge patch: meta.level set (meta made if missing), flag removed */
				int level = (int)(rng_next(&w) % 6);
				snprintf(json, sizeof json, "{\"meta\":{\"level\":%d},\"flag\":null}", level);
				CHECK_OK(rv_merge_payload(c, id, json));
				docs[i].has_meta = true;
				docs[i].level = level;
				docs[i].flag = 0;
			}
			break;
		case 0:
			CHECK_OK(rv_delete(c, id));
			docs[i].live = false;
			break;
		case 1:
			random_doc(&docs[i], &w);
			doc_json(&docs[i], json, sizeof json);
			CHECK_OK(rv_set_payload(c, id, json));
			break;
		default:
			CHECK_OK(rv_set_payload(c, id, NULL));
			docs[i].has_payload = false;
			break;
		}
	}
	check_all(c, "after writes");
	CHECK_OK(rv_db_close(db));
	db = open_db();
	if (!db)
		return;
	CHECK_OK(rv_db_open_collection(db, "docs", &c));
	check_all(c, "after a replay");
	CHECK_OK(rv_checkpoint(c));
	CHECK_OK(rv_db_close(db));
	db = open_db();
	if (!db)
		return;
	CHECK_OK(rv_db_open_collection(db, "docs", &c));
	check_all(c, "after a checkpoint");
	CHECK_OK(rv_db_close(db));
	char problem[512];
	CHECK_MSG(rv_db_check(dir, problem, sizeof problem) == RV_OK, "check: %s", problem);
}

TEST(documents_with_path_indexes) { lifecycle(true); }
TEST(documents_without_indexes) { lifecycle(false); }

TEST(documents_round_trip_exactly)
{
	rv_options o;
	rv_options_init(&o);
	o.dim = DIM;
	rv_collection *c;
	CHECK_OK(rv_collection_new(&o, &c));
	float v[DIM] = {1, 2, 3, 4};
	const char *in[] = {
		"{\"a\":{\"b\":{\"c\":[1,\"x\",null,true,false,{\"d\":[]},[2,[3]]]}},\"e\":[],\"f\":{}}",
		"{\"n\":[-0.5,1e+300,9007199254740993],\"s\":\"\\u00e9\\n\",\"z\":[[],[[]]]}",
		"{\"unicode\":\"\\ud83d\\ude00\",\"k\":{\"z\":1,\"a\":2,\"m\":{\"y\":[{\"b\":1,\"a\":2}]}}}",
	};
	const char *out[] = {
		"{\"a\":{\"b\":{\"c\":[1,\"x\",null,true,false,{\"d\":[]},[2,[3]]]}},\"e\":[],\"f\":{}}",
		"{\"n\":[-0.5,1e+300,9007199254740992],\"s\":\"\\u00e9\\n\",\"z\":[[],[[]]]}",
		"{\"k\":{\"a\":2,\"m\":{\"y\":[{\"a\":2,\"b\":1}]},\"z\":1},\"unicode\":\"\\ud83d\\ude00\"}",
	};
	for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
		char id[8], buf[512], want[512];
		snprintf(id, sizeof id, "r%zu", i);
		CHECK_OK(rv_insert_payload(c, id, v, DIM, in[i], 0));
		CHECK_OK(rv_get_payload(c, id, buf, sizeof buf, NULL));
		/* the parser decodes escapes; compare by parsing both sides' text
		 * through the same store */
		CHECK_OK(rv_set_payload(c, id, out[i]));
		CHECK_OK(rv_get_payload(c, id, want, sizeof want, NULL));
		CHECK_MSG(!strcmp(buf, want), "%s came back as %s, want %s", in[i], buf, want);
		CHECK_OK(rv_set_payload(c, id, buf)); /* what comes out goes back in unchanged */
		char again[512];
		CHECK_OK(rv_get_payload(c, id, again, sizeof again, NULL));
		CHECK_MSG(!strcmp(again, buf), "%s re-read as %s", buf, again);
	}
	/* depth: RV_PAYLOAD_DEPTH_MAX levels are accepted, one more is not */
	char deep[256];
	for (unsigned depth = RV_PAYLOAD_DEPTH_MAX; depth <= RV_PAYLOAD_DEPTH_MAX + 1; depth++) {
		size_t at = 0;
		for (unsigned i = 0; i < depth; i++)
			at += (size_t)sprintf(deep + at, "{\"k\":");
		at += (size_t)sprintf(deep + at, "1");
		for (unsigned i = 0; i < depth; i++)
			deep[at++] = '}';
		deep[at] = '\0';
		int rc = rv_set_payload(c, "r0", deep);
		CHECK_MSG(rc == (depth <= RV_PAYLOAD_DEPTH_MAX ? RV_OK : RV_EINVAL), "depth %u: %d (%s)", depth, rc,
		          rv_errmsg(c));
		if (rc == RV_EINVAL)
			CHECK_MSG(strstr(rv_errmsg(c), "nesting deeper than 16") != NULL, "%s", rv_errmsg(c));
	}
	/* nested field names are checked, named by their path */
	CHECK_RC(rv_set_payload(c, "r0", "{\"a\":[{\"b\":{\"\":1}}]}"), RV_EINVAL);
	CHECK_MSG(strstr(rv_errmsg(c), "\"a[0].b.\"") != NULL, "%s", rv_errmsg(c));
	/* an index path with an empty segment */
	CHECK_RC(rv_create_index(c, "a..b", RV_INDEX_KEYWORD), RV_EINVAL);
	CHECK_MSG(strstr(rv_errmsg(c), "empty segment") != NULL, "%s", rv_errmsg(c));
	rv_collection_free(c);
}

TEST(merge_patch_changes_part_of_a_document)
{
	rv_options o;
	rv_options_init(&o);
	o.dim = DIM;
	rv_collection *c;
	CHECK_OK(rv_collection_new(&o, &c));
	float v[DIM] = {1, 2, 3, 4};
	CHECK_OK(rv_insert_payload(c, "a", v, DIM, "{\"m\":{\"x\":1,\"y\":[1,2],\"z\":{\"q\":1}},\"t\":\"keep\"}", 0));
	CHECK_OK(rv_insert(c, "b", v, DIM, 0));
	const struct {
		const char *id, *patch, *want;
	} steps[] = {
		{"a", "{\"m\":{\"x\":2,\"y\":null,\"w\":[3]}}", "{\"m\":{\"w\":[3],\"x\":2,\"z\":{\"q\":1}},\"t\":\"keep\"}"},
		{"a", "{\"m\":{\"z\":{\"r\":{\"s\":null,\"u\":1}}}}",
		 "{\"m\":{\"w\":[3],\"x\":2,\"z\":{\"q\":1,\"r\":{\"u\":1}}},\"t\":\"keep\"}"},
		{"a", "{\"t\":{\"now\":\"object\"}}", "{\"m\":{\"w\":[3],\"x\":2,\"z\":{\"q\":1,\"r\":{\"u\":1}}},\"t\":{\"now\":\"object\"}}"},
		{"a", "{\"m\":null,\"t\":null}", "{}"},
		{"b", "{\"new\":{\"k\":null,\"j\":1}}", "{\"new\":{\"j\":1}}"},
		{"b", "{}", "{\"new\":{\"j\":1}}"},
	};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		char buf[512];
		CHECK_OK(rv_merge_payload(c, steps[i].id, steps[i].patch));
		CHECK_OK(rv_get_payload(c, steps[i].id, buf, sizeof buf, NULL));
		CHECK_MSG(!strcmp(buf, steps[i].want), "patch %s gave %s, want %s", steps[i].patch, buf, steps[i].want);
	}
	/* bad patches change nothing */
	char before[512], after[512];
	CHECK_OK(rv_get_payload(c, "b", before, sizeof before, NULL));
	CHECK_RC(rv_merge_payload(c, "b", "[1]"), RV_EINVAL);
	CHECK_MSG(strstr(rv_errmsg(c), "patch must be a JSON object") != NULL, "%s", rv_errmsg(c));
	CHECK_RC(rv_merge_payload(c, "b", "{\"a\":"), RV_EINVAL);
	CHECK_RC(rv_merge_payload(c, "b", "{\"new\":{\"\":1}}"), RV_EINVAL);
	CHECK_MSG(strstr(rv_errmsg(c), "\"new.\"") != NULL, "%s", rv_errmsg(c));
	CHECK_RC(rv_merge_payload(c, "nope", "{}"), RV_ENOTFOUND);
	CHECK_RC(rv_merge_payload(c, "b", NULL), RV_EINVAL);
	CHECK_OK(rv_get_payload(c, "b", after, sizeof after, NULL));
	CHECK(!strcmp(before, after));
	rv_collection_free(c);
}

TEST(filter_builders_take_paths)
{
	rv_options o;
	rv_options_init(&o);
	o.dim = DIM;
	rv_collection *c;
	CHECK_OK(rv_collection_new(&o, &c));
	float v[DIM] = {1, 2, 3, 4};
	CHECK_OK(rv_insert_payload(c, "a", v, DIM, "{\"p\":[{\"q\":5},{\"q\":9,\"r\":\"x\"}]}", 0));
	CHECK_OK(rv_insert_payload(c, "b", v, DIM, "{\"p\":[{\"q\":9},{\"r\":\"x\"}]}", 0));
	/* elem_match(p, q == 9 and r == "x") holds for a only */
	rv_value nine = {.type = RV_VALUE_NUMBER, .number = 9};
	rv_value x = {.type = RV_VALUE_STRING, .string = "x", .length = 1};
	rv_filter *q, *r, *both, *em;
	CHECK_OK(rv_filter_leaf(RV_FILTER_EQ, "q", &nine, 1, &q));
	CHECK_OK(rv_filter_leaf(RV_FILTER_EQ, "r", &x, 1, &r));
	rv_filter *kids[2] = {q, r};
	CHECK_OK(rv_filter_node(RV_FILTER_AND, kids, 2, &both));
	CHECK_OK(rv_filter_elem_match("p", both, &em));
	CHECK(rv_filter_match(c, "a", em) == 1);
	CHECK(rv_filter_match(c, "b", em) == 0);
	rv_filter_free(em);
	/* size */
	rv_value two = {.type = RV_VALUE_NUMBER, .number = 2}, half = {.type = RV_VALUE_NUMBER, .number = 2.5};
	rv_filter *s;
	CHECK_OK(rv_filter_leaf(RV_FILTER_SIZE, "p", &two, 1, &s));
	CHECK(rv_filter_match(c, "a", s) == 1 && rv_filter_match(c, "b", s) == 1);
	rv_filter_free(s);
	CHECK_RC(rv_filter_leaf(RV_FILTER_SIZE, "p", &half, 1, &s), RV_EINVAL);
	CHECK_RC(rv_filter_leaf(RV_FILTER_EQ, ".p", &two, 1, &s), RV_EINVAL);
	CHECK_MSG(strstr(rv_errmsg(NULL), "empty segment") != NULL, "%s", rv_errmsg(NULL));
	CHECK_RC(rv_filter_elem_match("p", NULL, &s), RV_EINVAL);
	rv_collection_free(c);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/rv_test_documents_%d", tmp && *tmp ? tmp : "/tmp", (int)getpid());
	RUN(documents_round_trip_exactly);
	RUN(merge_patch_changes_part_of_a_document);
	RUN(filter_builders_take_paths);
	RUN(documents_with_path_indexes);
	RUN(documents_without_indexes);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return harness_exit();
}
