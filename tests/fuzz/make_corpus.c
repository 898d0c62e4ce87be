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
 *   OUT/hyper/    logs of generation 1 with hyperedge frames: records, then
 *                 hyperedge puts (ordered, embedded, with payloads and
 *                 validity times, a batch), an upsert, a hyperedge delete
 *                 and record deletes that detach (the delete rule)
 *   OUT/manifest/ record files, each after the byte fuzz_manifest.c reads
 *                 first (0 MANIFEST, 1 CATALOG, 2 RUVECTOR): the MANIFESTs,
 *                 CATALOG and RUVECTOR of fuzz_make_records_db(); MANIFESTs
 *                 of other options (inner product with int8, L1 of
 *                 dimension 16 never checkpointed, PQ, binary) and the
 *                 CATALOG naming those four
 *   OUT/vecs/     fvecs and ivecs files: dimensions 1, 3, 8 and 16; a zero
 *                 row, a NaN, huge and tiny values; ground-truth ivecs;
 *                 one cut short, one whose headers disagree
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
#include <math.h>
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

/* The file `from` after the byte `first`, as fuzz_manifest.c reads it. */
static void copy_record(const char *from, unsigned char first, const char *name)
{
	size_t len;
	unsigned char *b = fuzz_read_file(from, &len);
	unsigned char *r = malloc(len + 1);
	if (!r)
		exit(1);
	r[0] = first;
	memcpy(r + 1, b, len);
	char path[1100];
	snprintf(path, sizeof path, "%s/manifest/%s", out, name);
	fuzz_write_file(path, r, len + 1);
	printf("%s: %zu bytes\n", path, len + 1);
	free(r);
	free(b);
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

static void hyper_seeds(int m)
{
	char from[1100], name[64];
	snprintf(from, sizeof from, "%s/db/%s/wal-000001.log", tmp, fuzz_coll[m]);
	rv_collection *c;
	rv_db *db = fresh(m, &c);
	insert_n(db, c, 1, 12);
	const char *mem[4] = {"doc-1", "doc-2", "doc-3", "doc-4"};
	float v[FUZZ_DIM];
	fuzz_vec("edge", 0, v);
	rv_hyperedge e[3];
	for (int i = 0; i < 3; i++) {
		rv_hyperedge_init(&e[i]);
		e[i].members = mem + i;
		e[i].n_members = 2 + (size_t)(i % 2);
	}
	e[0].id = "h-1";
	e[0].ordered = 1;
	e[0].description = "the deploy failed because the migration and the flush ran together";
	e[0].embedding = v;
	e[0].dim = FUZZ_DIM;
	e[0].confidence = 0.75f;
	e[0].valid_from = 1709251200000LL;
	e[0].valid_to = 1709596800000LL;
	e[0].payload = "{\"kind\":\"cause\",\"n\":[1,2]}";
	must(rv_hyperedge_put(c, 1, e, 0), "hyperedge", db);
	snprintf(name, sizeof name, "%s-one", fuzz_coll[m]);
	copy_out(from, "hyper", name, 0);
	e[1].id = "h-2";
	e[2].id = "h-3";
	e[2].embedding = v;
	e[2].dim = FUZZ_DIM;
	must(rv_hyperedge_put(c, 2, e + 1, 0), "hyperedge batch", db);
	e[0].confidence = 0.5f;
	must(rv_hyperedge_put(c, 1, e, RV_UPSERT), "hyperedge upsert", db);
	const char *gone = "h-2";
	must(rv_hyperedge_delete(c, 1, &gone), "hyperedge delete", db);
	must(rv_delete(c, "doc-3"), "record delete (detach)", db);
	must(rv_delete(c, "doc-4"), "record delete (edge goes)", db);
	must(rv_db_close(db), "close", NULL);
	snprintf(name, sizeof name, "%s-mixed", fuzz_coll[m]);
	copy_out(from, "hyper", name, 0);
	size_t len;
	free(fuzz_read_file(from, &len));
	snprintf(name, sizeof name, "%s-torn", fuzz_coll[m]);
	copy_out(from, "hyper", name, len - 20);
}

static void manifest_seeds(void)
{
	char db[600], from[1100];
	snprintf(db, sizeof db, "%s/records", tmp);
	if (fuzz_make_records_db(db) != 0)
		exit(1);
	for (int m = 0; m < FUZZ_NCOLL; m++) {
		snprintf(from, sizeof from, "%s/%s/MANIFEST", db, fuzz_coll[m]);
		char name[64];
		snprintf(name, sizeof name, "manifest-%s", fuzz_coll[m]);
		copy_record(from, 0, name);
	}
	snprintf(from, sizeof from, "%s/CATALOG", db);
	copy_record(from, 1, "catalog");
	snprintf(from, sizeof from, "%s/RUVECTOR", db);
	copy_record(from, 2, "marker");

	/* other options: each a collection of its own database */
	snprintf(db, sizeof db, "%s/variants", tmp);
	rv_db_options o = fuzz_db_options(RV_DB_CREATE);
	rv_db *d;
	must(rv_db_open(db, &o, &d), "create database", NULL);
	static const struct {
		const char *name;
		rv_metric metric;
		uint32_t dim;
		rv_quant_kind quant;
		uint32_t pq_m;
		int checkpoint;
	} v[] = {
		{"ip-int8", RV_METRIC_IP, 8, RV_QUANT_INT8, 0, 1},
		{"l1-gen1", RV_METRIC_L1, 16, RV_QUANT_NONE, 0, 0},
		{"l2-pq", RV_METRIC_L2, 8, RV_QUANT_PQ, 2, 1},
		{"cos-binary", RV_METRIC_COSINE, 8, RV_QUANT_BINARY, 0, 1},
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		rv_options co = fuzz_options(v[i].metric);
		co.dim = v[i].dim;
		co.quant = v[i].quant;
		co.quant_pq_m = v[i].pq_m;
		rv_collection *c;
		must(rv_db_create_collection(d, v[i].name, &co, &c), "create collection", d);
		float x[16];
		fuzz_vec_n("doc-1", 0, x, v[i].dim);
		must(rv_insert(c, "doc-1", x, v[i].dim, 0), "insert", d);
		if (v[i].checkpoint)
			must(rv_checkpoint(c), "checkpoint", d);
		rv_collection_free(c);
		char name[64];
		snprintf(from, sizeof from, "%s/%s/MANIFEST", db, v[i].name);
		snprintf(name, sizeof name, "manifest-%s", v[i].name);
		copy_record(from, 0, name);
	}
	must(rv_db_close(d), "close", NULL);
	snprintf(from, sizeof from, "%s/CATALOG", db);
	copy_record(from, 1, "catalog-four");
}

/* An fvecs (or ivecs) file of `rows` records of dimension `dim` whose
 * values are v[0..rows*dim), the last `cut` bytes left off. */
static void vecs_seed(const char *name, uint32_t dim, size_t rows, const void *v, size_t cut)
{
	size_t rec = 4 + 4 * (size_t)dim, len = rows * rec;
	unsigned char *b = calloc(1, len ? len : 1);
	if (!b)
		exit(1);
	for (size_t i = 0; i < rows; i++) {
		fz_put32(b + i * rec, dim);
		memcpy(b + i * rec + 4, (const char *)v + i * dim * 4, (size_t)dim * 4);
	}
	char path[1100];
	snprintf(path, sizeof path, "%s/vecs/%s", out, name);
	fuzz_write_file(path, b, len - cut);
	printf("%s: %zu bytes\n", path, len - cut);
	free(b);
}

static void vecs_seeds(void)
{
	float v[16 * 12];
	for (int i = 0; i < 12; i++) {
		char id[16];
		snprintf(id, sizeof id, "doc-%d", i);
		fuzz_vec_n(id, 0, v + i * 16, 16);
	}
	vecs_seed("base-8.fvecs", 8, 12, v, 0);
	vecs_seed("base-16.fvecs", 16, 6, v, 0);
	vecs_seed("base-1.fvecs", 1, 12, v, 0);
	vecs_seed("cut.fvecs", 8, 3, v, 5);
	float odd[3 * 5] = {0, 0, 0, 1e38f, -1e38f, 1e-42f, 1, 2, 3, 3, 2, 1, 0.5f, -0.5f, 0};
	vecs_seed("zero-huge-tiny.fvecs", 3, 5, odd, 0);
	float nan[3 * 2] = {1, 2, 3, 0, 0, 0};
	nan[4] = NAN;
	vecs_seed("nan.fvecs", 3, 2, nan, 0);
	int32_t gt[10 * 3];
	for (int i = 0; i < 30; i++)
		gt[i] = (i * 7) % 12;
	vecs_seed("groundtruth.ivecs", 10, 3, gt, 0);
	/* headers that disagree: a record of dimension 8 read as dimension 3 */
	unsigned char mixed[2 * (4 + 12)];
	memset(mixed, 0, sizeof mixed);
	fz_put32(mixed, 3);
	fz_put32(mixed + 16, 8);
	char path[1100];
	snprintf(path, sizeof path, "%s/vecs/disagree.fvecs", out);
	fuzz_write_file(path, mixed, sizeof mixed);
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
	snprintf(path, sizeof path, "%s/manifest", out);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/hyper", out);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/vecs", out);
	mkdir(path, 0755);
	fuzz_tempdir(tmp, sizeof tmp, "make-corpus");
	for (int m = 0; m < FUZZ_NCOLL; m++) {
		segment_seed(m, 1, false);
		segment_seed(m, 40, true);
		segment_seed(m, 120, true);
		wal_seeds(m);
		hyper_seeds(m);
	}
	manifest_seeds();
	vecs_seeds();
	fuzz_rm_rf(tmp);
	return 0;
}
