/*
 * test_storage.c: databases on disk: what is written comes back after a
 * close and reopen (with and without a checkpoint, with log replay), for
 * every metric; compaction shrinks the files; backup copies; check passes
 * on a sound database; bad names, a second writer, a path that is not a
 * database and a newer format version are clear errors. The vectors of a
 * checkpoint are read from its segment (mapped), not copied to the heap,
 * and growth copies none of them; everything here runs with 1 KiB vector
 * chunks, so that every write and reload crosses many chunk edges.
 */
#include "harness.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../src/index/index.h"
#include "ruvector.h"

#define D 16

static char root[256];

static void rm_rf(const char *path)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", path);
}

static const char *tmp_path(const char *name)
{
	static char p[8][512];
	static int next;
	char *out = p[next++ % 8];
	snprintf(out, 512, "%s/%s", root, name);
	return out;
}

static rv_db *open_db(const char *path, uint32_t flags)
{
	rv_db_options o;
	rv_db_options_init(&o);
	o.flags = flags;
	rv_db *db = NULL;
	int rc = rv_db_open(path, &o, &db);
	CHECK_MSG(rc == RV_OK, "open %s: %s", path, rv_errmsg(NULL));
	return db;
}

static rv_options opts(rv_metric m)
{
	rv_options o;
	rv_options_init(&o);
	o.dim = D;
	o.metric = m;
	o.exact_threshold = 0;
	o.threads = 2;
	return o;
}

static void vec(size_t i, float *v)
{
	test_rng r = {i * 7919 + 1};
	for (int j = 0; j < D; j++)
		v[j] = rng_float(&r) * 5.0f;
}

static void name_of(size_t i, char *buf) { snprintf(buf, 24, "id-%u", (unsigned)i); }

/* insert ids [from, to) in batches of `batch` */
static void fill(rv_collection *c, size_t from, size_t to, size_t batch)
{
	char names[256][24];
	const char *ids[256];
	float vs[256 * D];
	for (size_t i = from; i < to;) {
		size_t n = to - i < batch ? to - i : batch;
		for (size_t j = 0; j < n; j++) {
			name_of(i + j, names[j]);
			ids[j] = names[j];
			vec(i + j, vs + j * D);
		}
		CHECK_OK(rv_insert_batch(c, n, ids, vs, D, 0));
		i += n;
	}
}

/* every id in [from, to) present with its vector; gone[i] 1: must be absent, 2: skip */
static void expect_ids(rv_collection *c, size_t from, size_t to, const unsigned char *gone, const char *when)
{
	float v[D], out[D];
	char name[24];
	size_t missing = 0, wrong = 0;
	for (size_t i = from; i < to; i++) {
		name_of(i, name);
		int rc = rv_get(c, name, out, D);
		if (gone && gone[i] == 2)
			continue; /* checked by the caller */
		if (gone && gone[i]) {
			if (rc != RV_ENOTFOUND)
				wrong++;
			continue;
		}
		if (rc != RV_OK) {
			missing++;
			continue;
		}
		vec(i, v);
		for (int j = 0; j < D; j++)
			if (fabsf(out[j] - v[j]) > 1e-5f * (1 + fabsf(v[j])))
				wrong++;
	}
	CHECK_MSG(missing == 0 && wrong == 0, "%s: %zu missing, %zu wrong", when, missing, wrong);
}

static double self_recall(rv_collection *c, size_t n)
{
	float v[D];
	rv_hit h[1];
	char ib[RV_IDBUF_SIZE(1)], name[24];
	size_t ok = 0;
	for (size_t i = 0; i < n; i += 7) {
		vec(i, v);
		name_of(i, name);
		if (rv_search(c, v, D, 1, NULL, h, ib, sizeof ib) == 1 && !strcmp(h[0].id, name))
			ok++;
	}
	return (double)ok / (double)((n + 6) / 7);
}

TEST(round_trip_every_metric)
{
	const rv_metric ms[] = {RV_METRIC_L2, RV_METRIC_IP, RV_METRIC_COSINE, RV_METRIC_L1};
	for (int k = 0; k < 4; k++) {
		const char *path = tmp_path("rt");
		rm_rf(path);
		rv_db *db = open_db(path, RV_DB_CREATE);
		rv_collection *c;
		rv_options o = opts(ms[k]);
		CHECK_OK(rv_db_create_collection(db, "vecs", &o, &c));
		fill(c, 0, 3000, 200);
		CHECK_OK(rv_delete(c, "id-5"));
		CHECK_OK(rv_checkpoint(c)); /* a segment */
		fill(c, 3000, 3500, 50);    /* and a log after it */
		CHECK_OK(rv_delete(c, "id-3001"));
		float v[D];
		vec(999999, v);
		CHECK_OK(rv_update(c, "id-7", v, D));
		CHECK_OK(rv_db_close(db));

		db = open_db(path, 0);
		CHECK_OK(rv_db_open_collection(db, "vecs", &c));
		CHECK(rv_count(c) == 3498);
		unsigned char gone[3500] = {0};
		gone[5] = gone[3001] = 1;
		gone[7] = 2; /* checked separately: it was updated */
		expect_ids(c, 0, 3500, gone, rv_metric_name(ms[k]));
		float out[D];
		CHECK_OK(rv_get(c, "id-7", out, D));
		CHECK(fabsf(out[3] - v[3]) < 1e-4f);
		rv_options back;
		rv_collection_options(c, &back);
		CHECK(back.dim == D && back.metric == ms[k] && back.m == 16);
		double r = self_recall(c, 3500);
		CHECK_MSG(r > 0.95 || ms[k] == RV_METRIC_IP, "%s: self recall %.3f", rv_metric_name(ms[k]), r);
		rv_check_report rep;
		CHECK_MSG(rv_check(c, &rep) == RV_OK, "%s", rep.first_problem);
		CHECK_OK(rv_db_close(db));
		char problem[512];
		CHECK_MSG(rv_db_check(path, problem, sizeof problem) == RV_OK, "check: %s", problem);
	}
}

TEST(log_only_and_reopen_twice)
{
	const char *path = tmp_path("logonly");
	rm_rf(path);
	rv_db *db = open_db(path, RV_DB_CREATE);
	rv_collection *c;
	rv_options o = opts(RV_METRIC_L2);
	CHECK_OK(rv_db_create_collection(db, "a", &o, &c));
	fill(c, 0, 500, 1); /* one frame each; below the close-time checkpoint threshold */
	rv_storage_stats st;
	rv_collection_storage(c, &st);
	CHECK(st.generation == 1 && st.wal_bytes > 500 * D * 4 && st.format_version == 4);
	CHECK_OK(rv_db_close(db));
	for (int round = 0; round < 2; round++) {
		db = open_db(path, 0);
		CHECK_OK(rv_db_open_collection(db, "a", &c));
		CHECK(rv_count(c) == 500 + (size_t)round * 10);
		expect_ids(c, 0, 500 + (size_t)round * 10, NULL, "log replay");
		fill(c, 500 + (size_t)round * 10, 510 + (size_t)round * 10, 3);
		CHECK_OK(rv_db_close(db));
	}
}

TEST(compaction_shrinks_the_files)
{
	const char *path = tmp_path("compact");
	rm_rf(path);
	rv_db *db = open_db(path, RV_DB_CREATE);
	rv_collection *c;
	rv_options o = opts(RV_METRIC_COSINE);
	CHECK_OK(rv_db_create_collection(db, "c", &o, &c));
	fill(c, 0, 4000, 256);
	CHECK_OK(rv_checkpoint(c));
	rv_storage_stats before, after;
	rv_collection_storage(c, &before);
	/* delete every other one */
	const char **del = malloc(2000 * sizeof *del);
	char(*names)[24] = malloc(2000 * sizeof *names);
	unsigned char gone[4000] = {0};
	for (size_t i = 0; i < 2000; i++) {
		name_of(2 * i, names[i]);
		del[i] = names[i];
		gone[2 * i] = 1;
	}
	CHECK_OK(rv_delete_batch(c, 2000, del));
	CHECK_OK(rv_compact(c));
	rv_collection_storage(c, &after);
	printf("  segment %llu bytes with 4000 vectors, %llu after deleting half and compacting\n",
	       (unsigned long long)before.segment_bytes, (unsigned long long)after.segment_bytes);
	CHECK(after.generation > before.generation);
	CHECK_MSG(after.segment_bytes < before.segment_bytes * 6 / 10, "%llu -> %llu",
	          (unsigned long long)before.segment_bytes, (unsigned long long)after.segment_bytes);
	expect_ids(c, 0, 4000, gone, "after compaction");
	CHECK_OK(rv_db_close(db));
	db = open_db(path, 0);
	CHECK_OK(rv_db_open_collection(db, "c", &c));
	CHECK(rv_count(c) == 2000);
	expect_ids(c, 0, 4000, gone, "reopened after compaction");
	CHECK(self_recall(c, 4000) >= 0.0); /* searches work */
	CHECK_OK(rv_db_close(db));
	free(del);
	free(names);
}

TEST(backup_is_a_working_copy)
{
	const char *path = tmp_path("src"), *dest = tmp_path("backup");
	rm_rf(path);
	rm_rf(dest);
	rv_db *db = open_db(path, RV_DB_CREATE);
	rv_collection *a, *b;
	rv_options o = opts(RV_METRIC_L2);
	CHECK_OK(rv_db_create_collection(db, "a", &o, &a));
	CHECK_OK(rv_db_create_collection(db, "b", &o, &b));
	fill(a, 0, 1000, 100);
	CHECK_OK(rv_checkpoint(a));
	fill(a, 1000, 1200, 10);
	fill(b, 0, 300, 30);
	rv_collection_free(b); /* closed: the backup opens it itself */
	CHECK_OK(rv_db_backup(db, dest));
	CHECK_RC(rv_db_backup(db, dest), RV_EEXIST);
	fill(a, 1200, 1300, 10); /* after the backup: not in it */
	CHECK_OK(rv_db_close(db));
	char problem[512];
	CHECK_MSG(rv_db_check(dest, problem, sizeof problem) == RV_OK, "%s", problem);
	db = open_db(dest, 0);
	CHECK_OK(rv_db_open_collection(db, "a", &a));
	CHECK_OK(rv_db_open_collection(db, "b", &b));
	CHECK(rv_count(a) == 1200 && rv_count(b) == 300);
	expect_ids(a, 0, 1200, NULL, "backup a");
	expect_ids(b, 0, 300, NULL, "backup b");
	CHECK_OK(rv_db_close(db));
}

TEST(databases_and_names)
{
	const char *path = tmp_path("names");
	rm_rf(path);
	rv_db *db = NULL;
	rv_db_options o;
	rv_db_options_init(&o);
	CHECK_RC(rv_db_open(path, &o, &db), RV_ENOTFOUND);
	CHECK(strstr(rv_errmsg(NULL), "RV_DB_CREATE") != NULL);
	/* a directory that is not a database */
	mkdir(path, 0755);
	CHECK_RC(rv_db_open(path, &o, &db), RV_EFORMAT);
	CHECK(strstr(rv_errmsg(NULL), "not a ruvector database") != NULL);
	rm_rf(path);
	db = open_db(path, RV_DB_CREATE);
	rv_collection *c;
	rv_options co = opts(RV_METRIC_L2);
	const char *bad[] = {"a/b", "..", ".hidden", "", "tab\there", "new\nline", "quote\"", "x/../y", "émoji"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_RC(rv_db_create_collection(db, bad[i], &co, &c), RV_EINVAL);
		CHECK(strstr(rv_db_errmsg(db), "collection name") != NULL);
	}
	char toolong[RV_NAME_MAX + 2];
	memset(toolong, 'a', sizeof toolong - 1);
	toolong[sizeof toolong - 1] = '\0';
	CHECK_RC(rv_db_create_collection(db, toolong, &co, &c), RV_EINVAL);
	CHECK_OK(rv_db_create_collection(db, "good_name-1.0", &co, &c));
	CHECK_RC(rv_db_create_collection(db, "good_name-1.0", &co, &c), RV_EEXIST);
	CHECK_RC(rv_db_open_collection(db, "good_name-1.0", &c), RV_EBUSY);
	CHECK_RC(rv_db_open_collection(db, "missing", &c), RV_ENOTFOUND);
	CHECK_RC(rv_db_drop_collection(db, "good_name-1.0"), RV_EBUSY);
	rv_options bado = co;
	bado.dim = 0;
	CHECK_RC(rv_db_create_collection(db, "zero", &bado, &c), RV_EINVAL);
	CHECK_OK(rv_db_create_collection(db, "second", &co, &c));
	char buf[256];
	size_t need;
	CHECK(rv_db_list_collections(db, buf, sizeof buf, &need) == 2);
	CHECK_RC(rv_db_list_collections(db, buf, 3, &need), RV_ERANGE);
	CHECK(need == strlen("good_name-1.0") + 1 + strlen("second") + 1);
	/* a second writer process is refused; a reader is allowed */
	pid_t pid = fork();
	if (pid == 0) {
		rv_db *other;
		rv_db_options wo;
		rv_db_options_init(&wo);
		int w = rv_db_open(path, &wo, &other);
		wo.flags = RV_DB_READONLY;
		int r = rv_db_open(path, &wo, &other);
		_exit(w == RV_EBUSY && r == RV_OK ? 0 : 1);
	}
	int status;
	waitpid(pid, &status, 0);
	CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a second writer was not refused or a reader was");
	rv_collection_free(c);
	CHECK_OK(rv_db_drop_collection(db, "second"));
	CHECK(rv_db_list_collections(db, buf, sizeof buf, &need) == 1);
	CHECK_RC(rv_db_drop_collection(db, "second"), RV_ENOTFOUND);
	CHECK_OK(rv_db_close(db));
	/* read-only handles refuse writes */
	db = open_db(path, RV_DB_READONLY);
	CHECK_OK(rv_db_open_collection(db, "good_name-1.0", &c));
	float v[D] = {1};
	CHECK_RC(rv_insert(c, "x", v, D, 0), RV_EREADONLY);
	CHECK_RC(rv_db_create_collection(db, "new", &co, &c), RV_EREADONLY);
	CHECK_OK(rv_db_close(db));
}

/* Vectors come from the segment after a checkpoint; the heap holds only
 * those written since, the rows of unused capacity, and at most one short
 * chunk of the rest. */
TEST(vectors_live_in_the_segment)
{
	const char *path = tmp_path("mapped");
	rm_rf(path);
	rv_db *db = open_db(path, RV_DB_CREATE);
	rv_collection *c;
	rv_options o = opts(RV_METRIC_L2);
	CHECK_OK(rv_db_create_collection(db, "v", &o, &c));
	const size_t row = D * sizeof(float), chunk = rv_vec_chunk_bytes;
	fill(c, 0, 2000, 250);
	rv_stats st;
	rv_collection_stats(c, &st);
	CHECK(st.mapped_bytes == 0 && st.vector_bytes >= 2000 * row);
	CHECK_OK(rv_checkpoint(c));
	rv_collection_stats(c, &st);
	CHECK_MSG(st.mapped_bytes == 2000 * row && st.vector_bytes <= (st.capacity - 2000) * row + chunk,
	          "after a checkpoint: %llu mapped, %llu heap, capacity %llu", (unsigned long long)st.mapped_bytes,
	          (unsigned long long)st.vector_bytes, (unsigned long long)st.capacity);
	/* growth adds chunks; the mapped rows stay mapped */
	fill(c, 2000, 3000, 250);
	rv_collection_stats(c, &st);
	CHECK_MSG(st.mapped_bytes == 2000 * row && st.vector_bytes <= (st.capacity - 2000) * row + chunk,
	          "after growth: %llu mapped, %llu heap, capacity %llu", (unsigned long long)st.mapped_bytes,
	          (unsigned long long)st.vector_bytes, (unsigned long long)st.capacity);
	expect_ids(c, 0, 3000, NULL, "after growth over a mapped base");
	CHECK(self_recall(c, 3000) > 0.98);
	CHECK_OK(rv_checkpoint(c));
	rv_collection_stats(c, &st);
	CHECK_MSG(st.mapped_bytes == 3000 * row && st.vector_bytes <= (st.capacity - 3000) * row + chunk,
	          "second checkpoint: %llu mapped, %llu heap, capacity %llu", (unsigned long long)st.mapped_bytes,
	          (unsigned long long)st.vector_bytes, (unsigned long long)st.capacity);
	/* an update of a vector the segment holds */
	float v[D], out[D];
	vec(77, v);
	for (int j = 0; j < D; j++)
		v[j] += 1.0f;
	CHECK_OK(rv_update(c, "id-5", v, D));
	CHECK_OK(rv_get(c, "id-5", out, D));
	CHECK(!memcmp(v, out, sizeof v));
	CHECK_OK(rv_db_close(db));
	db = open_db(path, 0);
	CHECK_OK(rv_db_open_collection(db, "v", &c));
	CHECK_OK(rv_get(c, "id-5", out, D));
	CHECK(!memcmp(v, out, sizeof v));
	unsigned char gone[3000] = {0};
	gone[5] = 2;
	expect_ids(c, 0, 3000, gone, "reopened");
	CHECK_OK(rv_db_close(db));
	char problem[256];
	CHECK_MSG(rv_db_check(path, problem, sizeof problem) == RV_OK, "%s", problem);
}

/* A read-only open takes no lock; a writer checkpointing meanwhile retires
 * the generation the open read. Every open must still succeed and see a
 * state the writer acknowledged. */
#include <pthread.h>

typedef struct race {
	const char *path;
	_Atomic int stop;
	_Atomic size_t acked;
} race;

static void *race_writer(void *arg)
{
	race *r = arg;
	rv_db *db = open_db(r->path, 0);
	rv_collection *c = NULL;
	CHECK_OK(rv_db_open_collection(db, "c", &c));
	size_t n = 20000;
	while (!atomic_load(&r->stop) && n < 30000) {
		fill(c, n, n + 20, 20);
		n += 20;
		atomic_store(&r->acked, n);
		CHECK_OK(rv_checkpoint(c));
	}
	CHECK_OK(rv_db_close(db));
	return NULL;
}

TEST(readonly_open_during_checkpoints)
{
	const char *path = tmp_path("race");
	rv_db *db = open_db(path, RV_DB_CREATE);
	rv_options o = opts(RV_METRIC_L2);
	rv_collection *c = NULL;
	CHECK_OK(rv_db_create_collection(db, "c", &o, &c));
	fill(c, 0, 20000, 250); /* a segment that takes a moment to load */
	CHECK_OK(rv_checkpoint(c));
	CHECK_OK(rv_db_close(db));
	race r = {.path = path};
	atomic_store(&r.acked, 20000);
	pthread_t th;
	pthread_create(&th, NULL, race_writer, &r);
	int opens = 0;
	for (; opens < 150; opens++) {
		size_t before = atomic_load(&r.acked);
		rv_db *ro = open_db(path, RV_DB_READONLY);
		if (!ro)
			break;
		rv_collection *rc = NULL;
		int got = rv_db_open_collection(ro, "c", &rc);
		CHECK_MSG(got == RV_OK, "read-only open %d: %s", opens, rv_db_errmsg(ro));
		if (got == RV_OK)
			CHECK_MSG(rv_count(rc) >= before && rv_count(rc) % 20 == 0, "open %d saw %zu (acked %zu)", opens,
			          rv_count(rc), before);
		rv_db_close(ro);
	}
	atomic_store(&r.stop, 1);
	pthread_join(th, NULL);
}

int main(void)
{
	rv_vec_chunk_bytes = 1024; /* 16 rows of 16 floats a chunk */
	snprintf(root, sizeof root, "/tmp/rv_test_storage_%d", (int)getpid());
	mkdir(root, 0755);
	RUN(round_trip_every_metric);
	RUN(log_only_and_reopen_twice);
	RUN(compaction_shrinks_the_files);
	RUN(backup_is_a_working_copy);
	RUN(databases_and_names);
	RUN(vectors_live_in_the_segment);
	RUN(readonly_open_during_checkpoints);
	rm_rf(root);
	return harness_exit();
}
