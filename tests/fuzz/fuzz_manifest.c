/*
 * fuzz_manifest.c: libFuzzer target for the small record files a database
 * reads before any segment or log: each collection's MANIFEST (generation,
 * segment flag, options: collection/manifest.c, options.c), DB/CATALOG
 * (the collection names: catalog.c) and DB/RUVECTOR (the marker: db.c).
 *
 * The input is one byte saying which file (its value mod 3: 0 MANIFEST,
 * written over both collections', 1 CATALOG, 2 RUVECTOR), then the file.
 * Once, a database is made with the public API (fuzz_make_records_db():
 * collections "l2" and "cos" with a segment and a log behind it) and every
 * file of it kept in memory; each run puts that database back exactly (a
 * writable open may rewrite the catalogue, and removes the files of
 * generations its manifest does not name), writes the input over the
 * chosen file, and then, as the CLI's commands would:
 *   - rv_db_check;
 *   - a read-only open: list the collections, open both, search, read,
 *     check the graph;
 *   - a writable open: the same, then a few writes, a vacuum, a close;
 *   - rv_db_check again.
 * Then all of it again with the record's checksums recomputed
 * (fuzz_fix_record), as a crafted file would have: that is what reaches
 * the parsers behind the checksums, the options' bounds, and a manifest
 * whose generation, segment flag or dimension disagree with the files.
 * Oracles beyond the sanitizers: a failed open has a code for damaged data
 * and a message naming the file or collection; check passing implies every
 * open succeeds, every id a search returns resolves, and the database
 * still passes check after the writes. Seeds: corpus/manifest/
 * (make_corpus.c).
 *
 * Build and run: sh tests/fuzz/run.sh [seconds]
 */
#include <dirent.h>
#include <stdint.h>

#include "fuzz_common.h"

#define MAX_FILES 32

static char dir[512], dbdir[600];
static int verbose; /* RV_FUZZ_VERBOSE=1: say what each step gave (to replay an input) */

/* The database as made: each file's path under dbdir and its bytes. */
static struct {
	char rel[64];
	unsigned char *bytes;
	size_t len;
} files[MAX_FILES];
static int nfiles;

static void remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char sub[1200];
			snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
			remove_tree(sub);
		}
		if (d)
			closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

/* Keep every file under dbdir/rel (one level of collection directories). */
static void snapshot(const char *rel)
{
	char path[800];
	snprintf(path, sizeof path, "%s%s%s", dbdir, *rel ? "/" : "", rel);
	DIR *d = opendir(path);
	if (!d)
		fuzz_die("cannot list", path);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char sub[1200], subrel[128];
		snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
		snprintf(subrel, sizeof subrel, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		struct stat st;
		if (stat(sub, &st) != 0)
			fuzz_die("cannot stat", sub);
		if (S_ISDIR(st.st_mode)) {
			snapshot(subrel);
			continue;
		}
		if (nfiles == MAX_FILES || strlen(subrel) >= sizeof files[0].rel)
			fuzz_die("too many files or too long a name", subrel);
		snprintf(files[nfiles].rel, sizeof files[nfiles].rel, "%s", subrel);
		files[nfiles].bytes = fuzz_read_file(sub, &files[nfiles].len);
		nfiles++;
	}
	closedir(d);
}

static void restore(void)
{
	remove_tree(dbdir);
	if (mkdir(dbdir, 0755) != 0)
		fuzz_die("cannot make", dbdir);
	for (int i = 0; i < FUZZ_NCOLL; i++) {
		char path[800];
		snprintf(path, sizeof path, "%s/%s", dbdir, fuzz_coll[i]);
		if (mkdir(path, 0755) != 0)
			fuzz_die("cannot make", path);
	}
	for (int i = 0; i < nfiles; i++) {
		char path[800];
		snprintf(path, sizeof path, "%s/%s", dbdir, files[i].rel);
		fuzz_write_file(path, files[i].bytes, files[i].len);
	}
}

static void cleanup(void)
{
	fuzz_rm_rf(dir);
	for (int i = 0; i < nfiles; i++)
		free(files[i].bytes);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_tempdir(dir, sizeof dir, "fuzz-manifest");
	snprintf(dbdir, sizeof dbdir, "%s/db", dir);
	if (fuzz_make_records_db(dbdir) != 0)
		fuzz_die("cannot set up the database", dbdir);
	snapshot("");
	verbose = getenv("RV_FUZZ_VERBOSE") != NULL;
	atexit(cleanup);
	return 0;
}

/* A failed open: a code for damaged data, a message naming what. */
static void failed_open(int rc, const char *msg, const char *what)
{
	if (!strstr(msg, what))
		fuzz_die("a failed open does not name the file or collection", msg[0] ? msg : "(empty message)");
	if (rc != RV_ECORRUPT && rc != RV_EFORMAT && rc != RV_EVERSION && rc != RV_EUNSUPPORTED && rc != RV_ENOMEM &&
	    rc != RV_ENOTFOUND)
		fuzz_die("a failed open returned an unexpected code", rv_strerror(rc));
}

/* Open the database (read-only or not) and use both collections. */
static void session(int readonly, const char *file_name, int sound)
{
	rv_db_options o = fuzz_db_options(readonly ? RV_DB_READONLY : 0);
	rv_db *db = NULL;
	int rc = rv_db_open(dbdir, &o, &db);
	if (verbose)
		fprintf(stderr, "  %s open: %s %s\n", readonly ? "read-only" : "writable", rv_strerror(rc),
		        rc ? rv_errmsg(NULL) : "");
	if (rc != RV_OK) {
		failed_open(rc, rv_errmsg(NULL), file_name);
		if (sound)
			fuzz_die("check passed but the database does not open", rv_errmsg(NULL));
		return;
	}
	char names[256];
	size_t need;
	int n = rv_db_list_collections(db, names, sizeof names, &need);
	if (sound && n != FUZZ_NCOLL)
		fuzz_die("check passed but the collections listed are not the two made", rv_db_errmsg(db));
	for (int i = 0; i < FUZZ_NCOLL; i++) {
		rv_collection *c = NULL;
		rc = rv_db_open_collection(db, fuzz_coll[i], &c);
		if (verbose)
			fprintf(stderr, "    open %s: %s %s\n", fuzz_coll[i], rv_strerror(rc), rc ? rv_db_errmsg(db) : "");
		if (rc != RV_OK) {
			failed_open(rc, rv_db_errmsg(db), fuzz_coll[i]);
			if (sound)
				fuzz_die("check passed but a collection does not open", rv_db_errmsg(db));
			continue;
		}
		fuzz_exercise(c, !readonly, sound);
		rv_collection_free(c);
	}
	rv_db_close(db);
}

static void run(const unsigned char *data, size_t size)
{
	restore();
	static const char *const which[3] = {"MANIFEST", "CATALOG", "RUVECTOR"};
	const char *name = which[data[0] % 3];
	char path[800];
	if (data[0] % 3 == 0) {
		for (int i = 0; i < FUZZ_NCOLL; i++) {
			snprintf(path, sizeof path, "%s/%s/MANIFEST", dbdir, fuzz_coll[i]);
			fuzz_write_file(path, data + 1, size - 1);
		}
	} else {
		snprintf(path, sizeof path, "%s/%s", dbdir, name);
		fuzz_write_file(path, data + 1, size - 1);
	}
	char problem[512];
	int crc = rv_db_check(dbdir, problem, sizeof problem);
	if (verbose)
		fprintf(stderr, "%s: check: %s %s\n", name, rv_strerror(crc), crc ? problem : "");
	if (crc != RV_OK && crc != RV_ECORRUPT && crc != RV_ENOMEM)
		fuzz_die("check returned an unexpected code", rv_strerror(crc));
	if (crc != RV_OK && !problem[0])
		fuzz_die("check found a problem but says nothing", rv_strerror(crc));
	session(1, name, crc == RV_OK);
	session(0, name, crc == RV_OK);
	if (crc == RV_OK && rv_db_check(dbdir, problem, sizeof problem) != RV_OK)
		fuzz_die("a database that passed check fails it after writes", problem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	run(data, size);
	/* again with valid checksums, as a crafted record would have */
	unsigned char *fixed = malloc(size);
	if (!fixed)
		return 0;
	memcpy(fixed, data, size);
	fuzz_fix_record(fixed + 1, size - 1);
	if (memcmp(fixed, data, size) != 0)
		run(fixed, size);
	free(fixed);
	return 0;
}
