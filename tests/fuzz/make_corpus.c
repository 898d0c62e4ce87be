/*
 * make_corpus.c: writes the fuzzers' seed corpus, real files written by
 * the library through its public API, with the collections of
 * fuzz_common.h (dimension 8, ids "doc-N"):
 *   OUT/segment/  segment files of generation 2 (the first checkpoint) of
 *                 an l2 and a cosine collection: 1 vector; 40 with
 *                 deletions and an update; 120 (upper levels, free slots)
 *   OUT/wal/      logs of generation 1: header only; one insert; a mix of
 *                 inserts, a batch, an update, upserts, deletes and a
 *                 delete batch; the same mix with its last frame torn
 * A segment cannot be much smaller than ~45 KB: each non-empty section
 * starts on a 4 KiB boundary.
 *
 * The committed corpus was made with, from the repository root:
 *   make lib
 *   cc -std=c11 -D_POSIX_C_SOURCE=200809L -Iinclude -o build/make_corpus \
 *      tests/fuzz/make_corpus.c build/libruvector.a -lm -pthread
 *   build/make_corpus tests/fuzz/corpus
 * Regenerate it only when the file formats change (the salt in each log
 * header is random, so the log seeds differ from run to run). The files
 * named regress-* are not made here: they are inputs that once crashed a
 * target or broke one of its oracles, kept so every run replays them.
 */
#include <stdbool.h>

#include "fuzz_common.h"

static char tmp[512], out[512];

static void must(int rc, const char *what, rv_db *db)
{
	if (rc != RV_OK) {
		fprintf(stderr, "make_corpus: %s: %s: %s\n", what, rv_strerror(rc), db ? rv_db_errmsg(db) : rv_errmsg(NULL));
		exit(1);
	}
}

static void copy_out(const char *from, const char *kind, const char *name, size_t cut)
{
	size_t len;
	unsigned char *b = fuzz_read_file(from, &len);
	char path[1100];
	snprintf(path, sizeof path, "%s/%s/%s", out, kind, name);
	fuzz_write_file(path, b, cut && cut < len ? cut : len);
	printf("%s: %zu bytes\n", path, cut && cut < len ? cut : len);
	free(b);
}

static void insert_n(rv_db *db, rv_collection *c, int from, int to)
{
	const char *ids[16];
	char names[16][16];
	float v[16 * FUZZ_DIM];
	for (int i = from; i < to;) {
		int n = to - i < 10 ? to - i : 10;
		for (int j = 0; j < n; j++) {
			snprintf(names[j], sizeof names[j], "doc-%d", i + j);
			ids[j] = names[j];
			fuzz_vec(names[j], 0, v + j * FUZZ_DIM);
		}
		must(rv_insert_batch(c, (size_t)n, ids, v, FUZZ_DIM, 0), "insert", db);
		i += n;
	}
}

/* A fresh database with one collection of metric index m. */
static rv_db *fresh(int m, rv_collection **c)
{
	char path[600];
	snprintf(path, sizeof path, "%s/db", tmp);
	fuzz_rm_rf(path);
	rv_db_options o = fuzz_db_options(RV_DB_CREATE);
	rv_db *db;
	must(rv_db_open(path, &o, &db), "create database", NULL);
	rv_options co = fuzz_options(fuzz_metric[m]);
	must(rv_db_create_collection(db, fuzz_coll[m], &co, c), "create collection", db);
	return db;
}

static void segment_seed(int m, int n, bool damage)
{
	rv_collection *c;
	rv_db *db = fresh(m, &c);
	insert_n(db, c, 1, n + 1);
	if (damage) {
		float v[FUZZ_DIM];
		for (int i = 5; i <= n; i += 12) {
			char id[16];
			snprintf(id, sizeof id, "doc-%d", i);
			must(rv_delete(c, id), "delete", db);
		}
		fuzz_vec("doc-3", 1, v);
		must(rv_update(c, "doc-3", v, FUZZ_DIM), "update", db);
	}
	must(rv_checkpoint(c), "checkpoint", db);
	char from[1100], name[64];
	snprintf(from, sizeof from, "%s/db/%s/seg-000002.rvs", tmp, fuzz_coll[m]);
	snprintf(name, sizeof name, "%s-%d%s", fuzz_coll[m], n, damage ? "-deleted" : "");
	copy_out(from, "segment", name, 0);
	must(rv_db_close(db), "close", NULL);
}

static void wal_seeds(int m)
{
	char from[1100], name[64];
	snprintf(from, sizeof from, "%s/db/%s/wal-000001.log", tmp, fuzz_coll[m]);
	rv_collection *c;
	rv_db *db = fresh(m, &c);
	snprintf(name, sizeof name, "%s-empty", fuzz_coll[m]);
	copy_out(from, "wal", name, 0);
	float v[FUZZ_DIM];
	fuzz_vec("doc-1", 0, v);
	must(rv_insert(c, "doc-1", v, FUZZ_DIM, 0), "insert", db);
	snprintf(name, sizeof name, "%s-one", fuzz_coll[m]);
	copy_out(from, "wal", name, 0);
	char id[16];
	for (int i = 2; i <= 12; i++) {
		snprintf(id, sizeof id, "doc-%d", i);
		fuzz_vec(id, 0, v);
		must(rv_insert(c, id, v, FUZZ_DIM, 0), "insert", db);
	}
	insert_n(db, c, 13, 19); /* one batch frame */
	fuzz_vec("doc-3", 1, v);
	must(rv_update(c, "doc-3", v, FUZZ_DIM), "update", db);
	fuzz_vec("doc-4", 2, v);
	must(rv_insert(c, "doc-4", v, FUZZ_DIM, RV_UPSERT), "upsert", db);
	fuzz_vec("doc-20", 0, v);
	must(rv_insert(c, "doc-20", v, FUZZ_DIM, RV_UPSERT), "upsert", db);
	must(rv_delete(c, "doc-7"), "delete", db);
	const char *two[2] = {"doc-8", "doc-14"};
	must(rv_delete_batch(c, 2, two), "delete batch", db);
	fuzz_vec("doc-21", 0, v);
	must(rv_insert(c, "doc-21", v, FUZZ_DIM, 0), "insert", db);
	must(rv_db_close(db), "close", NULL);
	snprintf(name, sizeof name, "%s-mixed", fuzz_coll[m]);
	copy_out(from, "wal", name, 0);
	size_t len;
	free(fuzz_read_file(from, &len));
	snprintf(name, sizeof name, "%s-torn", fuzz_coll[m]);
	copy_out(from, "wal", name, len - 20); /* inside the last frame */
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: make_corpus OUTDIR\n");
		return 2;
	}
	snprintf(out, sizeof out, "%s", argv[1]);
	char path[600];
	mkdir(out, 0755);
	snprintf(path, sizeof path, "%s/segment", out);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/wal", out);
	mkdir(path, 0755);
	fuzz_tempdir(tmp, sizeof tmp, "make-corpus");
	for (int m = 0; m < FUZZ_NCOLL; m++) {
		segment_seed(m, 1, false);
		segment_seed(m, 40, true);
		segment_seed(m, 120, true);
		wal_seeds(m);
	}
	fuzz_rm_rf(tmp);
	return 0;
}
