/*
 * test_fixture.c: the format fixture. tests/fixtures/db-v1/ is a database
 * written by on-disk format version 1 (by tests/fixtures/make_fixture.c,
 * run once by hand; this test never regenerates it). LATER VERSIONS MUST
 * KEEP OPENING THIS DIRECTORY: if this test fails after a format change,
 * the change broke compatibility with databases users already have. Do not
 * "fix" it by regenerating the fixture; teach the reader the old format (a
 * new format version gets a new fixture next to this one).
 *
 * The test opens the committed directory read-only (which must change
 * none of its bytes) and a writable copy in a temporary directory, and
 * checks exactly what the generator wrote: the collections and their
 * options, the counts, the vectors of known ids (the generator's vectors
 * are a deterministic function of the id, repeated here), deleted ids
 * staying deleted, exact and graph search results against a brute force
 * over that model, rv_db_check, and that the copy takes writes, a
 * checkpoint and a reopen. Run from the repository root.
 */
#include "harness.h"

#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture_files.h"
#include "ruvector.h"

#define FIXTURE "tests/fixtures/db-v1"
#define DIM 8
#define MAX_DOC 341

static char root[256];

/* The generator's vectors (make_fixture.c fixture_vec), repeated on
 * purpose: the test must not depend on the generator's code. */
static void fixture_vec(const char *id, unsigned version, float *v)
{
	uint64_t h = 1469598103934665603ull;
	for (const char *p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	h ^= (uint64_t)version * 0x9e3779b97f4a7c15ull;
	for (int j = 0; j < DIM; j++) {
		uint64_t z = (h += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		v[j] = (float)((int32_t)(z >> 40) - (1 << 23)) / (float)(1 << 23);
	}
}

/* What a collection of the fixture holds: per doc-N, whether it is live
 * and the version of its vector. */
typedef struct model {
	const char *name;
	rv_metric metric;
	int last;               /* doc-1..doc-last were ever inserted */
	size_t count;
	bool live[MAX_DOC + 1];
	unsigned version[MAX_DOC + 1];
} model;

static model l2_model, cos_model;

static void build_models(void)
{
	model *m = &l2_model;
	m->name = "docs_l2", m->metric = RV_METRIC_L2, m->last = 340, m->count = 336;
	for (int i = 1; i <= 340; i++)
		m->live[i] = true;
	m->live[10] = m->live[20] = m->live[30] = m->live[301] = false;
	m->version[5] = m->version[6] = 1;
	m->version[7] = 2;
	m = &cos_model;
	m->name = "docs_cos", m->metric = RV_METRIC_COSINE, m->last = 230, m->count = 228;
	for (int i = 1; i <= 230; i++)
		m->live[i] = true;
	m->live[3] = m->live[50] = false;
	m->version[4] = m->version[8] = 1;
}

static float distance(rv_metric metric, const float *a, const float *b)
{
	double d = 0, ab = 0, aa = 0, bb = 0;
	for (int j = 0; j < DIM; j++) {
		d += ((double)a[j] - b[j]) * ((double)a[j] - b[j]);
		ab += (double)a[j] * b[j], aa += (double)a[j] * a[j], bb += (double)b[j] * b[j];
	}
	return metric == RV_METRIC_L2 ? (float)d : (float)(1.0 - ab / sqrt(aa * bb));
}

/* Every live id with exactly its vector (cosine: up to rounding, see
 * ruvector.h), every deleted one absent. */
static void expect_contents(rv_collection *c, const model *m, const char *when)
{
	CHECK_MSG(rv_count(c) == m->count, "%s %s: count %zu, expected %zu", when, m->name, rv_count(c), m->count);
	size_t missing = 0, wrong = 0, present = 0;
	char id[16];
	float want[DIM], got[DIM];
	for (int i = 1; i <= m->last; i++) {
		snprintf(id, sizeof id, "doc-%d", i);
		int rc = rv_get(c, id, got, DIM);
		if (!m->live[i]) {
			present += rc != RV_ENOTFOUND;
			continue;
		}
		if (rc != RV_OK) {
			missing++;
			continue;
		}
		fixture_vec(id, m->version[i], want);
		for (int j = 0; j < DIM; j++) {
			bool ok = m->metric == RV_METRIC_L2 ? got[j] == want[j]
			                                    : fabsf(got[j] - want[j]) <= 1e-6f * (1.0f + fabsf(want[j]));
			wrong += !ok;
		}
	}
	CHECK_MSG(missing == 0 && wrong == 0 && present == 0, "%s %s: %zu missing, %zu wrong components, %zu deleted present",
	          when, m->name, missing, wrong, present);
	float out[DIM];
	CHECK_RC(rv_get(c, "doc-0", out, DIM), RV_ENOTFOUND);
	snprintf(id, sizeof id, "doc-%d", m->last + 1);
	CHECK_RC(rv_get(c, id, out, DIM), RV_ENOTFOUND);
}

/* Exact search returns the brute-force top 10 over the model; the graph
 * finds each probed vector itself first. */
static void expect_searches(rv_collection *c, const model *m, const char *when)
{
	int exact_ok = 0, graph_ok = 0, probes = 0;
	for (int q = 1; q <= m->last; q += 17) {
		if (!m->live[q])
			continue;
		probes++;
		char qid[16];
		snprintf(qid, sizeof qid, "doc-%d", q);
		float query[DIM];
		fixture_vec(qid, m->version[q], query);
		/* brute force over the model */
		int best[10];
		float bestd[10];
		int nb = 0;
		for (int i = 1; i <= m->last; i++) {
			if (!m->live[i])
				continue;
			char id[16];
			float v[DIM];
			snprintf(id, sizeof id, "doc-%d", i);
			fixture_vec(id, m->version[i], v);
			float d = distance(m->metric, query, v);
			int at = nb < 10 ? nb++ : 10;
			while (at > 0 && bestd[at - 1] > d) {
				if (at < 10)
					best[at] = best[at - 1], bestd[at] = bestd[at - 1];
				at--;
			}
			if (at < 10)
				best[at] = i, bestd[at] = d;
		}
		rv_hit h[10];
		char ib[RV_IDBUF_SIZE(10)];
		rv_search_params exact = {.flags = RV_SEARCH_EXACT};
		int n = rv_search(c, query, DIM, 10, &exact, h, ib, sizeof ib);
		bool same = n == 10;
		for (int i = 0; same && i < 10; i++) {
			char id[16];
			snprintf(id, sizeof id, "doc-%d", best[i]);
			/* equal distances may swap places; compare distances, and ids
			 * where the distance is unique */
			same = fabsf(h[i].distance - bestd[i]) <= 1e-4f * (1.0f + bestd[i]) &&
			       (!strcmp(h[i].id, id) || (i > 0 && bestd[i] == bestd[i - 1]) ||
			        (i < 9 && bestd[i] == bestd[i + 1]));
		}
		exact_ok += same;
		rv_search_params graph = {.ef = 64};
		n = rv_search(c, query, DIM, 1, &graph, h, ib, sizeof ib);
		graph_ok += n == 1 && !strcmp(h[0].id, qid);
	}
	CHECK_MSG(exact_ok == probes, "%s %s: exact search matched brute force for %d of %d queries", when, m->name,
	          exact_ok, probes);
	CHECK_MSG(graph_ok == probes, "%s %s: graph search found the query itself for %d of %d queries", when, m->name,
	          graph_ok, probes);
}

static void expect_collection(rv_db *db, const model *m, const char *when, uint64_t generation)
{
	rv_collection *c = NULL;
	int rc = rv_db_open_collection(db, m->name, &c);
	CHECK_MSG(rc == RV_OK, "%s: open %s: %s", when, m->name, rv_db_errmsg(db));
	if (rc != RV_OK)
		return;
	rv_options o;
	rv_collection_options(c, &o);
	CHECK(o.dim == DIM && o.metric == m->metric && o.m == 8 && o.ef_construction == 64);
	rv_storage_stats st;
	rv_collection_storage(c, &st);
	/* generation 2 is the fixture's: a segment and a log after it */
	CHECK_MSG(st.generation == generation && st.format_version >= 1 && st.segment_bytes > 0 &&
	              (generation != 2 || st.wal_bytes > 64),
	          "%s %s: generation %llu, segment %llu bytes, log %llu bytes", when, m->name,
	          (unsigned long long)st.generation, (unsigned long long)st.segment_bytes,
	          (unsigned long long)st.wal_bytes);
	expect_contents(c, m, when);
	expect_searches(c, m, when);
	rv_check_report rep;
	CHECK_MSG(rv_check(c, &rep) == RV_OK, "%s %s: graph: %s", when, m->name, rep.first_problem);
	CHECK(rep.nodes == m->count);
	rv_collection_free(c);
}

static file_sum before[32];
static int n_before;

TEST(fixture_is_there)
{
	n_before = sum_dir(FIXTURE, before, 0, 32);
	/* RUVECTOR, and per collection MANIFEST, seg-000002.rvs, wal-000002.log */
	CHECK_MSG(n_before == 7, "%s holds %d files, expected 7 (run the tests from the repository root)", FIXTURE,
	          n_before);
}

TEST(read_only_open)
{
	rv_db_options o;
	rv_db_options_init(&o);
	o.flags = RV_DB_READONLY;
	rv_db *db = NULL;
	int rc = rv_db_open(FIXTURE, &o, &db);
	CHECK_MSG(rc == RV_OK, "open %s read-only: %s", FIXTURE, rv_errmsg(NULL));
	if (rc != RV_OK)
		return;
	char names[256];
	size_t need;
	CHECK(rv_db_list_collections(db, names, sizeof names, &need) == 2);
	bool has_l2 = !strcmp(names, "docs_l2") || !strcmp(names + strlen(names) + 1, "docs_l2");
	bool has_cos = !strcmp(names, "docs_cos") || !strcmp(names + strlen(names) + 1, "docs_cos");
	CHECK(has_l2 && has_cos);
	expect_collection(db, &l2_model, "read-only", 2);
	expect_collection(db, &cos_model, "read-only", 2);
	rv_collection *c;
	if (rv_db_open_collection(db, "docs_l2", &c) == RV_OK) {
		float v[DIM] = {1};
		CHECK_RC(rv_insert(c, "doc-999", v, DIM, 0), RV_EREADONLY);
	}
	CHECK_OK(rv_db_close(db));
	char problem[512];
	CHECK_MSG(rv_db_check(FIXTURE, problem, sizeof problem) == RV_OK, "check %s: %s", FIXTURE, problem);
}

TEST(writable_copy)
{
	char copy[512], cmd[1200];
	snprintf(copy, sizeof copy, "%s/db-v1", root);
	snprintf(cmd, sizeof cmd, "cp -R '%s' '%s'", FIXTURE, copy);
	CHECK(system(cmd) == 0);
	rv_db_options o;
	rv_db_options_init(&o);
	rv_db *db = NULL;
	int rc = rv_db_open(copy, &o, &db);
	CHECK_MSG(rc == RV_OK, "open a copy of %s for writing: %s", FIXTURE, rv_errmsg(NULL));
	if (rc != RV_OK)
		return;
	expect_collection(db, &l2_model, "writable", 2);
	expect_collection(db, &cos_model, "writable", 2);
	/* it takes writes and a checkpoint in the current format */
	rv_collection *c;
	CHECK_OK(rv_db_open_collection(db, "docs_l2", &c));
	float v[DIM];
	fixture_vec("doc-341", 0, v);
	CHECK_OK(rv_insert(c, "doc-341", v, DIM, 0));
	CHECK_OK(rv_delete(c, "doc-1"));
	CHECK_OK(rv_checkpoint(c));
	CHECK_OK(rv_db_close(db));
	model m = l2_model;
	m.last = 341, m.live[341] = true, m.live[1] = false;
	rv_db_options_init(&o);
	CHECK_OK(rv_db_open(copy, &o, &db));
	if (db) {
		expect_collection(db, &m, "after writes", 3);
		expect_collection(db, &cos_model, "after writes", 2);
		CHECK_OK(rv_db_close(db));
	}
	char problem[512];
	CHECK_MSG(rv_db_check(copy, problem, sizeof problem) == RV_OK, "check the copy: %s", problem);
}

TEST(committed_files_unchanged)
{
	file_sum after[32];
	int n = sum_dir(FIXTURE, after, 0, 32);
	bool same = n == n_before;
	for (int i = 0; same && i < n; i++)
		same = !strcmp(after[i].path, before[i].path) && after[i].size == before[i].size &&
		       after[i].hash == before[i].hash;
	CHECK_MSG(same, "the tests changed the committed files in %s", FIXTURE);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(root, sizeof root, "%s/rv_test_fixture_%d", tmp && *tmp ? tmp : "/tmp", (int)getpid());
	mkdir(root, 0755);
	build_models();
	RUN(fixture_is_there);
	RUN(read_only_open);
	RUN(writable_copy);
	RUN(committed_files_unchanged);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", root);
	return harness_exit();
}
