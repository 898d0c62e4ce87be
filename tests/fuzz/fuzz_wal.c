/*
 * fuzz_wal.c: libFuzzer target for log replay.
 *
 * The input is a log file (wal-000001.log). Once, a database is made with
 * the public API holding two empty collections of generation 1 ("l2" and
 * "cos", fuzz_common.h: a manifest, no segment); each run writes the input
 * over both collections' log and runs fuzz_round() (then again with the
 * input's checksums and sequence numbers recomputed, fuzz_fix_wal()):
 * rv_db_check, then a writable open of each collection (which replays the
 * log, and cuts a torn tail), searches, reads, a graph check and a few
 * writes appended after what was replayed, and a close. Seeds: corpus/wal/
 * (make_corpus.c).
 *
 * Build and run: sh tests/fuzz/run.sh [seconds]
 */
#include <stdint.h>

#include "fuzz_common.h"

static char dir[512], dbdir[600];
static rv_db *db;
static char wal_path[FUZZ_NCOLL][700];

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
	fuzz_tempdir(dir, sizeof dir, "fuzz-wal");
	snprintf(dbdir, sizeof dbdir, "%s/db", dir);
	rv_db_options o = fuzz_db_options(RV_DB_CREATE);
	if (rv_db_open(dbdir, &o, &db) != RV_OK)
		fuzz_die("cannot create the database", rv_errmsg(NULL));
	for (int i = 0; i < FUZZ_NCOLL; i++) {
		rv_options co = fuzz_options(fuzz_metric[i]);
		rv_collection *c;
		if (rv_db_create_collection(db, fuzz_coll[i], &co, &c) != RV_OK)
			fuzz_die("cannot set up a collection", rv_db_errmsg(db));
		rv_collection_free(c);
		snprintf(wal_path[i], sizeof wal_path[i], "%s/%s/wal-000001.log", dbdir, fuzz_coll[i]);
	}
	atexit(cleanup);
	return 0;
}

static void run(const unsigned char *data, size_t size)
{
	for (int i = 0; i < FUZZ_NCOLL; i++)
		fuzz_write_file(wal_path[i], data, size);
	fuzz_round(dbdir, db, "wal-000001.log");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size);
	/* again with valid checksums and sequence numbers, as a crafted log
	 * would have: this is what reaches the frame parser */
	unsigned char *fixed = malloc(size ? size : 1);
	if (!fixed)
		return 0;
	memcpy(fixed, data, size);
	fuzz_fix_wal(fixed, size, 1);
	if (memcmp(fixed, data, size) != 0)
		run(fixed, size);
	free(fixed);
	return 0;
}
