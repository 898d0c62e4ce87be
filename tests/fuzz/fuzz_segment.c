/*
 * fuzz_segment.c: libFuzzer target for the segment loader.
 *
 * The input is a segment file (seg-000002.rvs). Once, a database is made
 * with the public API holding two collections of generation 2 ("l2" and
 * "cos", fuzz_common.h: a checkpoint of one vector each, then an empty
 * log); each run writes the input over both collections' segment, puts
 * their empty logs back, and runs fuzz_round() (then again with the
 * input's checksums recomputed, fuzz_fix_segment()): rv_db_check, then a
 * writable open of each collection, searches, reads, a graph check and a
 * few writes, and a close. Seeds: corpus/segment/ (make_corpus.c).
 *
 * Build and run: sh tests/fuzz/run.sh [seconds]
 */
#include <stdint.h>

#include "fuzz_common.h"

static char dir[512], dbdir[600];
static rv_db *db;
static char seg_path[FUZZ_NCOLL][700], wal_path[FUZZ_NCOLL][700];
static unsigned char *empty_log[FUZZ_NCOLL];
static size_t empty_log_len[FUZZ_NCOLL];

static void cleanup(void)
{
	if (db)
		rv_db_close(db);
	db = NULL;
	fuzz_rm_rf(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_tempdir(dir, sizeof dir, "fuzz-segment");
	snprintf(dbdir, sizeof dbdir, "%s/db", dir);
	rv_db_options o = fuzz_db_options(RV_DB_CREATE);
	if (rv_db_open(dbdir, &o, &db) != RV_OK)
		fuzz_die("cannot create the database", rv_errmsg(NULL));
	for (int i = 0; i < FUZZ_NCOLL; i++) {
		rv_options co = fuzz_options(fuzz_metric[i]);
		rv_collection *c;
		float v[FUZZ_DIM];
		fuzz_vec("doc-1", 0, v);
		if (rv_db_create_collection(db, fuzz_coll[i], &co, &c) != RV_OK ||
		    rv_insert(c, "doc-1", v, FUZZ_DIM, 0) != RV_OK || rv_checkpoint(c) != RV_OK)
			fuzz_die("cannot set up a collection", rv_db_errmsg(db));
		rv_collection_free(c);
		snprintf(seg_path[i], sizeof seg_path[i], "%s/%s/seg-000002.rvs", dbdir, fuzz_coll[i]);
		snprintf(wal_path[i], sizeof wal_path[i], "%s/%s/wal-000002.log", dbdir, fuzz_coll[i]);
		empty_log[i] = fuzz_read_file(wal_path[i], &empty_log_len[i]);
	}
	atexit(cleanup);
	return 0;
}

static void run(const unsigned char *data, size_t size)
{
	for (int i = 0; i < FUZZ_NCOLL; i++) {
		fuzz_write_file(seg_path[i], data, size);
		fuzz_write_file(wal_path[i], empty_log[i], empty_log_len[i]);
	}
	fuzz_round(dbdir, db, "seg-000002.rvs");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size);
	/* again with valid checksums, as a crafted file would have */
	unsigned char *fixed = malloc(size ? size : 1);
	if (!fixed)
		return 0;
	memcpy(fixed, data, size);
	fuzz_fix_segment(fixed, size);
	if (memcmp(fixed, data, size) != 0)
		run(fixed, size);
	free(fixed);
	return 0;
}
