/*
 * test_fixture_v2.c: the format-2 fixture. tests/fixtures/db-v2/ is a
 * database written by on-disk format version 2: flat payloads, a keyword,
 * a numeric and a text index, a checkpoint and a log after it (written by
 * tests/fixtures/make_fixture_v2.c, run once by hand; this test never
 * regenerates it). LATER VERSIONS MUST KEEP OPENING THIS DIRECTORY with
 * every payload, filter and index answer unchanged. Do not "fix" a failure
 * by regenerating the fixture.
 *
 * Checked against a model built here from the generator's description:
 * the count, every live record's payload as JSON, filters on every field
 * kind (indexed and not, including a key with a dot in its name, which
 * keeps matching whole) against an evaluation written in this file, text
 * search, exact search, rv_db_check, that the committed files are not
 * changed, and that a writable copy takes new writes, a checkpoint and a
 * reopen. Run from the repository root.
 */
#include "harness.h"

#include <stdbool.h>
#include <unistd.h>

#include "fixture_files.h"
#include "ruvector.h"

#define FIXTURE "tests/fixtures/db-v2"
#define LAST 150

static char root[256];

/* The generator's payloads (make_fixture_v2.c payload), repeated on
 * purpose, but as the JSON rv_get_payload() gives back: keys in bytewise
 * order. */
static const char *words[] = {"apple", "birch", "cedar", "delta", "ember"};
static void payload_json(int i, int v, char *buf, size_t size)
{
	snprintf(buf, size,
	         "{\"a.b\":\"dots%d\",\"body\":\"%s note %d\",\"even\":%s,\"n\":%d,\"none\":null,\"tag\":\"t%d\","
	         "\"tags\":[\"all\",\"m%d\"],\"v\":%d}",
	         i % 4, words[i % 5], i, i % 2 == 0 ? "true" : "false", i, i % 5, i % 3, v);
}

/* The model: which notes are live, which carry a payload, of which version. */
static bool live[LAST + 1], has_payload[LAST + 1];
static int version[LAST + 1];

static void build_model(void)
{
	for (int i = 1; i <= LAST; i++)
		live[i] = has_payload[i] = true, version[i] = 0;
	live[7] = live[121] = false;
	version[9] = 1;
	has_payload[11] = false;
}

/* A filter's expected matches, evaluated on the model. */
typedef bool (*pred)(int i);
static bool p_tag2(int i) { return has_payload[i] && i % 5 == 2; }
static bool p_n_ge_100(int i) { return has_payload[i] && i >= 100; }
static bool p_n_range(int i) { return has_payload[i] && i > 20 && i <= 35; }
static bool p_tags_m1(int i) { return has_payload[i] && i % 3 == 1; }
static bool p_dots(int i) { return has_payload[i] && i % 4 == 3; }
static bool p_even_not_tag0(int i) { return has_payload[i] && i % 2 == 0 && i % 5 != 0; }
static bool p_v1(int i) { return has_payload[i] && version[i] == 1; }
static bool p_no_none(int i) { return !has_payload[i]; }
static bool p_body_ember(int i) { return has_payload[i] && i % 5 == 4; }

static const struct {
	const char *json;
	pred want;
} filters[] = {
	{"{\"tag\":\"t2\"}", p_tag2},
	{"{\"n\":{\"$gte\":100}}", p_n_ge_100},
	{"{\"n\":{\"$gt\":20,\"$lte\":35}}", p_n_range},
	{"{\"tags\":\"m1\"}", p_tags_m1},
	{"{\"tags\":{\"$contains\":\"m1\"}}", p_tags_m1},
	{"{\"a.b\":\"dots3\"}", p_dots},
	{"{\"even\":true,\"tag\":{\"$ne\":\"t0\"}}", p_even_not_tag0},
	{"{\"v\":1}", p_v1},
	{"{\"none\":{\"$exists\":false}}", p_no_none},
	{"{\"body\":{\"$contains\":\"ember\"}}", p_body_ember},
};

static void expect_contents(rv_db *db, const char *when)
{
	rv_collection *c;
	int rc = rv_db_open_collection(db, "notes", &c);
	CHECK_MSG(rc == RV_OK, "%s: open notes: %s", when, rv_db_errmsg(db));
	if (rc != RV_OK)
		return;
	size_t count = 0;
	for (int i = 1; i <= LAST; i++)
		count += live[i];
	CHECK_MSG(rv_count(c) == count, "%s: count %zu, want %zu", when, rv_count(c), count);
	char id[32], got[512], want[512];
	for (int i = 1; i <= LAST; i++) {
		snprintf(id, sizeof id, "note-%d", i);
		rc = rv_get_payload(c, id, got, sizeof got, NULL);
		if (!live[i]) {
			CHECK_MSG(rc == RV_ENOTFOUND, "%s: %s is deleted but rv_get_payload gave %d", when, id, rc);
			continue;
		}
		if (has_payload[i])
			payload_json(i, version[i], want, sizeof want);
		else
			snprintf(want, sizeof want, "{}");
		CHECK_MSG(rc == RV_OK && !strcmp(got, want), "%s: %s payload %s, want %s", when, id, got, want);
	}
	for (size_t f = 0; f < sizeof filters / sizeof filters[0]; f++) {
		rv_filter *flt;
		char err[200];
		rc = rv_filter_parse(filters[f].json, strlen(filters[f].json), &flt, err, sizeof err);
		CHECK_MSG(rc == RV_OK, "%s: parse %s: %s", when, filters[f].json, err);
		if (rc != RV_OK)
			continue;
		long long want_n = 0;
		for (int i = 1; i <= LAST; i++) {
			if (!live[i])
				continue;
			bool w = filters[f].want(i);
			want_n += w;
			snprintf(id, sizeof id, "note-%d", i);
			int m = rv_filter_match(c, id, flt);
			CHECK_MSG(m == (int)w, "%s: %s on %s: %d, want %d", when, filters[f].json, id, m, (int)w);
		}
		long long n = rv_count_matching(c, flt);
		CHECK_MSG(n == want_n, "%s: %s counts %lld, want %lld", when, filters[f].json, n, want_n);
		/* a filtered exact search returns exactly the matches */
		float q[4] = {50, 1, -1, 0.5f};
		rv_hit hits[200];
		char idbuf[RV_IDBUF_SIZE(200)];
		rv_search_params p = {.flags = RV_SEARCH_EXACT, .filter = flt};
		int got_n = rv_search(c, q, 4, 200, &p, hits, idbuf, sizeof idbuf);
		CHECK_MSG(got_n == want_n, "%s: %s search gives %d, want %lld", when, filters[f].json, got_n, want_n);
		for (int h = 0; h < got_n; h++) {
			int i = atoi(hits[h].id + 5);
			CHECK_MSG(i >= 1 && i <= LAST && live[i] && filters[f].want(i), "%s: %s returned %s", when,
			          filters[f].json, hits[h].id);
		}
		rv_filter_free(flt);
	}
	/* text: "ember" is in the body of notes i % 5 == 4 with a payload */
	rv_hit hits[200];
	char idbuf[RV_IDBUF_SIZE(200)];
	int n = rv_search_text(c, "ember", 200, NULL, hits, idbuf, sizeof idbuf);
	int want_n = 0;
	for (int i = 1; i <= LAST; i++)
		want_n += live[i] && p_body_ember(i);
	CHECK_MSG(n == want_n, "%s: text search for ember: %d hits, want %d", when, n, want_n);
	/* the vectors: note-i is (i, i % 7, -(i % 3), 0.5) */
	float q[4] = {42, 0, 0, 0.5f};
	rv_search_params p = {.flags = RV_SEARCH_EXACT};
	n = rv_search(c, q, 4, 1, &p, hits, idbuf, sizeof idbuf);
	CHECK_MSG(n == 1 && !strcmp(hits[0].id, "note-42") && hits[0].distance == 0.0f, "%s: nearest to note-42's vector",
	          when);
	rv_collection_free(c);
}

static file_sum before[32];
static int n_before;

TEST(fixture_is_there)
{
	n_before = sum_dir(FIXTURE, before, 0, 32);
	/* RUVECTOR, CATALOG, notes/MANIFEST, seg-000002.rvs, wal-000002.log */
	CHECK_MSG(n_before == 5, "%s holds %d files, expected 5 (run the tests from the repository root)", FIXTURE,
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
	expect_contents(db, "read-only");
	CHECK_OK(rv_db_close(db));
	char problem[512];
	CHECK_MSG(rv_db_check(FIXTURE, problem, sizeof problem) == RV_OK, "check %s: %s", FIXTURE, problem);
}

TEST(writable_copy)
{
	char copy[512], cmd[1200];
	snprintf(copy, sizeof copy, "%s/db-v2", root);
	snprintf(cmd, sizeof cmd, "cp -R '%s' '%s'", FIXTURE, copy);
	CHECK(system(cmd) == 0);
	rv_db_options o;
	rv_db_options_init(&o);
	rv_db *db = NULL;
	int rc = rv_db_open(copy, &o, &db);
	CHECK_MSG(rc == RV_OK, "open a copy of %s for writing: %s", FIXTURE, rv_errmsg(NULL));
	if (rc != RV_OK)
		return;
	expect_contents(db, "writable");
	rv_collection *c;
	CHECK_OK(rv_db_open_collection(db, "notes", &c));
	char buf[512];
	payload_json(12, 1, buf, sizeof buf);
	CHECK_OK(rv_set_payload(c, "note-12", buf));
	CHECK_OK(rv_delete(c, "note-13"));
	CHECK_OK(rv_checkpoint(c));
	CHECK_OK(rv_db_close(db));
	version[12] = 1;
	live[13] = false;
	rv_db_options_init(&o);
	CHECK_OK(rv_db_open(copy, &o, &db));
	if (db) {
		expect_contents(db, "after writes and a checkpoint");
		CHECK_OK(rv_db_close(db));
	}
	char problem[512];
	CHECK_MSG(rv_db_check(copy, problem, sizeof problem) == RV_OK, "check the copy: %s", problem);
	version[12] = 0;
	live[13] = true;
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
	snprintf(root, sizeof root, "%s/rv_test_fixture_v2_%d", tmp && *tmp ? tmp : "/tmp", (int)getpid());
	mkdir(root, 0755);
	build_model();
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
