/*
 * test_recovery.c: no silent loss (issue #19, the storage half).
 *
 *   - the one rule for a log's end (storage/wal.c TORN OR DAMAGED): a
 *     damaged last frame fails every open, read-only or not, and check,
 *     naming the file and byte, and cuts nothing; a torn tail (the file
 *     ends inside a frame, a frame's end or header is zero) is ignored by
 *     readers, cut by the next writer, and passes check;
 *   - rv_db_repair reports what cutting at the damage drops and cuts only
 *     when asked, leaving a collection that passes check;
 *   - the catalogue (collection/catalog.c): a collection whose MANIFEST or
 *     directory is missing, or whose directory is a file, is reported by
 *     check and open, and create never removes its files;
 *   - a delete on a full disk: the delete is durable, so closing (whose
 *     checkpoint fails for want of space) reports success;
 *   - a damaged block of mapped vectors fails the searches that read it
 *     (index/vectors.c, LAZY VERIFICATION) and a checkpoint;
 *   - a slot freed by a repair links nowhere, so a checkpoint that writes
 *     slots only up to the last used one never leaves a link past the end;
 *   - batched replay (collection/replay.c) gives the state the writes
 *     gave: single-vector frames gathered into batches, split where the
 *     log's order matters (deletes, payloads, an index, updates, an id
 *     written twice), checked record by record against a model.
 * Each fails on the code before its fix.
 */
#include "harness.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fault_vfs.h"
#include "ruvector.h"

#define D 8

static char root[256];

static void rm_rf(const char *path)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", path);
}

static void path_of(char *out, const char *db, const char *rel)
{
	int n = snprintf(out, 512, "%s/%s", db, rel);
	CHECK(n > 0 && n < 512);
}

static long file_size(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

static void vec(size_t i, float *v)
{
	test_rng r = {i * 7919 + 1};
	for (int j = 0; j < D; j++)
		v[j] = rng_float(&r);
}

/* A database at root/name with collection "c": `batches` batches of 100
 * (one log frame each), closed. Returns the log's path in log. */
static void build(const char *name, int batches, char *db, char *log)
{
	snprintf(db, 512, "%s/%s", root, name);
	rm_rf(db);
	rv_db_options o;
	rv_db_options_init(&o);
	o.flags = RV_DB_CREATE;
	o.checkpoint_bytes = 0;
	rv_db *h = NULL;
	CHECK_OK(rv_db_open(db, &o, &h));
	rv_options co;
	rv_options_init(&co);
	co.dim = D;
	rv_collection *c = NULL;
	CHECK_OK(rv_db_create_collection(h, "c", &co, &c));
	for (int b = 0; b < batches; b++) {
		char names[100][16];
		const char *ids[100];
		float v[100 * D];
		for (int i = 0; i < 100; i++) {
			snprintf(names[i], sizeof names[i], "id-%d", b * 100 + i);
			ids[i] = names[i];
			vec((size_t)(b * 100 + i), v + i * D);
		}
		CHECK_OK(rv_insert_batch(c, 100, ids, v, D, 0));
	}
	CHECK_OK(rv_db_close(h));
	path_of(log, db, "c/wal-000001.log");
}

/* Open db (read-only or not) and collection "c": the count, or the
 * error code (negative) with its message in msg. */
static long count_or_error(const char *db, bool readonly, char *msg, size_t size)
{
	rv_db_options o;
	rv_db_options_init(&o);
	o.flags = readonly ? RV_DB_READONLY : 0;
	rv_db *h = NULL;
	msg[0] = '\0';
	int rc = rv_db_open(db, &o, &h);
	if (rc != RV_OK) {
		snprintf(msg, size, "%s", rv_errmsg(NULL));
		return rc;
	}
	rv_collection *c = NULL;
	rc = rv_db_open_collection(h, "c", &c);
	long n = rc == RV_OK ? (long)rv_count(c) : rc;
	if (rc != RV_OK)
		snprintf(msg, size, "%s", rv_db_errmsg(h));
	CHECK_OK(rv_db_close(h));
	return n;
}

static void flip_byte(const char *p, long off, unsigned char mask)
{
	int fd = open(p, O_RDWR);
	unsigned char b = 0;
	CHECK(fd >= 0 && pread(fd, &b, 1, off) == 1);
	b ^= mask;
	CHECK(pwrite(fd, &b, 1, off) == 1);
	close(fd);
}

static void zero_range(const char *p, long off, long len)
{
	int fd = open(p, O_RDWR);
	char z[4096] = {0};
	CHECK(fd >= 0);
	while (len > 0) {
		long n = len < (long)sizeof z ? len : (long)sizeof z;
		CHECK(pwrite(fd, z, (size_t)n, off) == n);
		off += n;
		len -= n;
	}
	close(fd);
}

/* The offset where the last frame of a log starts (frames: 24-byte header,
 * u32 payload length at +4, padded to 8). */
static long last_frame(const char *p)
{
	int fd = open(p, O_RDONLY);
	long size = file_size(p), off = 64, last = 64;
	while (fd >= 0 && off + 24 <= size) {
		unsigned char h[8];
		CHECK(pread(fd, h, 8, off) == 8);
		uint32_t len = (uint32_t)h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 24;
		last = off;
		off += (24 + (long)len + 7) & ~7L;
	}
	if (fd >= 0)
		close(fd);
	return last;
}

static int check_db(const char *db, char *problem, size_t size) { return rv_db_check(db, problem, size); }

/* Issue #19 item 1: one flipped bit 40 bytes before the end of the log.
 * Before: count read 200 (exit 0), the next writer cut the frame, check
 * said ok afterwards. */
TEST(damaged_last_frame_fails_every_open)
{
	char db[512], log[512], msg[1024], problem[1024];
	build("flip", 3, db, log);
	long size = file_size(log);
	flip_byte(log, size - 40, 0x01);
	long n = count_or_error(db, true, msg, sizeof msg);
	CHECK_MSG(n == RV_ECORRUPT, "read-only open: %ld (%s)", n, msg);
	CHECK_MSG(strstr(msg, "wal-000001.log") && strstr(msg, "byte ") && strstr(msg, "repair"), "%s", msg);
	n = count_or_error(db, false, msg, sizeof msg);
	CHECK_MSG(n == RV_ECORRUPT, "writable open: %ld (%s)", n, msg);
	CHECK_MSG(file_size(log) == size, "the open cut the damaged log: %ld of %ld bytes", file_size(log), size);
	CHECK(check_db(db, problem, sizeof problem) == RV_ECORRUPT);
	CHECK_MSG(strstr(problem, "wal-000001.log") && strstr(problem, "byte "), "%s", problem);

	/* repair: a report first, nothing cut */
	rv_db_options o;
	rv_db_options_init(&o);
	rv_db *h = NULL;
	CHECK_OK(rv_db_open(db, &o, &h));
	rv_repair_report r;
	CHECK_OK(rv_db_repair(h, "c", 0, &r));
	CHECK(r.damaged == 1 && r.repaired == 0);
	CHECK_MSG(r.frames == 1 && r.vectors == 100 && r.deletes == 0 && r.intact_frames == 0,
	          "frames %llu vectors %llu", (unsigned long long)r.frames, (unsigned long long)r.vectors);
	CHECK(r.offset == (uint64_t)last_frame(log) && r.bytes == (uint64_t)(size - last_frame(log)));
	CHECK_MSG(strstr(r.what, "wal-000001.log") != NULL, "%s", r.what);
	CHECK(file_size(log) == size);
	CHECK_RC(rv_db_repair(h, "c", 7, &r), RV_EINVAL);
	/* then the cut, when asked */
	CHECK_OK(rv_db_repair(h, "c", RV_REPAIR_APPLY, &r));
	CHECK(r.damaged == 1 && r.repaired == 1);
	CHECK_OK(rv_db_repair(h, "c", 0, &r));
	CHECK(r.damaged == 0);
	CHECK_OK(rv_db_close(h));
	CHECK_MSG(check_db(db, problem, sizeof problem) == RV_OK, "after repair: %s", problem);
	n = count_or_error(db, true, msg, sizeof msg);
	CHECK_MSG(n == 200, "after repair: %ld (%s)", n, msg);
	/* a repair needs the write lock */
	rv_db_options_init(&o);
	o.flags = RV_DB_READONLY;
	CHECK_OK(rv_db_open(db, &o, &h));
	CHECK_RC(rv_db_repair(h, "c", 0, &r), RV_EREADONLY);
	CHECK_OK(rv_db_close(h));
}

/* Damage before the last frame, and a length field sent past the end of
 * the file: damage, not a torn write. */
TEST(damaged_length_and_middle_frame)
{
	char db[512], log[512], msg[1024], problem[1024];
	build("len", 3, db, log);
	long lf = last_frame(log);
	flip_byte(log, lf + 6, 0x01); /* length + 65536: runs past the end */
	long n = count_or_error(db, true, msg, sizeof msg);
	CHECK_MSG(n == RV_ECORRUPT, "last frame's length damaged: %ld (%s)", n, msg);
	CHECK(check_db(db, problem, sizeof problem) == RV_ECORRUPT);
	build("mid", 3, db, log);
	flip_byte(log, 64 + 24 + 100, 0x10);
	n = count_or_error(db, false, msg, sizeof msg);
	CHECK_MSG(n == RV_ECORRUPT && strstr(msg, "byte 64:"), "first frame damaged: %ld (%s)", n, msg);
}

/* A torn tail, every shape the rule names: the reader ignores it, check
 * passes (before: check failed on a kill -9 during the first batch with
 * "invalid frame after 0 valid ones"), the writer cuts it. */
TEST(torn_tails_pass)
{
	char db[512], log[512], msg[1024], problem[1024];
	/* T1: the file ends inside the first and only frame */
	build("t1", 1, db, log);
	CHECK(truncate(log, 64 + 4096 / 8) == 0);
	CHECK_MSG(check_db(db, problem, sizeof problem) == RV_OK, "T1 first frame: %s", problem);
	long n = count_or_error(db, true, msg, sizeof msg);
	CHECK_MSG(n == 0, "T1 read-only: %ld (%s)", n, msg);
	n = count_or_error(db, false, msg, sizeof msg);
	CHECK_MSG(n == 0, "T1 writable: %ld (%s)", n, msg);
	CHECK_MSG(file_size(log) == 64, "the writer left %ld bytes", file_size(log));
	/* T1: inside the last of three */
	build("t1b", 3, db, log);
	long lf = last_frame(log);
	CHECK(truncate(log, lf + 100) == 0);
	CHECK_MSG(check_db(db, problem, sizeof problem) == RV_OK, "T1 last frame: %s", problem);
	n = count_or_error(db, true, msg, sizeof msg);
	CHECK_MSG(n == 200, "T1 last: %ld (%s)", n, msg);
	/* T3: the last frame's end is zero (a sector that never landed) */
	build("t3", 3, db, log);
	long size = file_size(log);
	zero_range(log, size - 512, 512);
	CHECK_MSG(check_db(db, problem, sizeof problem) == RV_OK, "T3: %s", problem);
	n = count_or_error(db, false, msg, sizeof msg);
	CHECK_MSG(n == 200, "T3: %ld (%s)", n, msg);
	CHECK(file_size(log) == last_frame(log) || file_size(log) < size);
	/* T2: a zero-filled tail after the last frame (preallocated, or the
	 * file grew and the data never came) */
	build("t2", 3, db, log);
	size = file_size(log);
	zero_range(log, size, 4096);
	CHECK_MSG(check_db(db, problem, sizeof problem) == RV_OK, "T2: %s", problem);
	n = count_or_error(db, true, msg, sizeof msg);
	CHECK_MSG(n == 300, "T2: %ld (%s)", n, msg);
	/* a torn frame followed by the next frame's header: both unacknowledged */
	build("t3b", 3, db, log);
	char log2[512];
	snprintf(log2, sizeof log2, "%s", log);
	lf = last_frame(log2);
	long second = 64;
	{
		int fd = open(log2, O_RDONLY);
		unsigned char h[8];
		CHECK(pread(fd, h, 8, 64) == 8);
		close(fd);
		uint32_t len = (uint32_t)h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 24;
		second = 64 + (long)((24 + len + 7) & ~7u);
	}
	zero_range(log2, lf - 512, 512); /* the end of frame 2; frame 3 follows whole */
	CHECK(second < lf);
	CHECK_MSG(check_db(db, problem, sizeof problem) == RV_OK, "T3 then a frame: %s", problem);
	n = count_or_error(db, true, msg, sizeof msg);
	CHECK_MSG(n == 100, "T3 then a frame: %ld (%s)", n, msg);
	/* but a zero end followed by data that is not a frame is damage */
	build("t3c", 3, db, log);
	lf = last_frame(log);
	zero_range(log, lf - 512, 512);
	flip_byte(log, lf, 0xff); /* frame 3's magic */
	n = count_or_error(db, true, msg, sizeof msg);
	CHECK_MSG(n == RV_ECORRUPT, "zero end, then garbage: %ld (%s)", n, msg);
}

/* Issue #19 item 2. Before: check said ok, count said no such collection,
 * create removed the segment and log. */
TEST(missing_manifest_or_directory)
{
	char db[512], log[512], msg[1024], problem[1024], p[512];
	build("man", 3, db, log);
	long size = file_size(log);
	path_of(p, db, "c/MANIFEST");
	CHECK(unlink(p) == 0);
	CHECK(check_db(db, problem, sizeof problem) == RV_ECORRUPT);
	CHECK_MSG(strstr(problem, "MANIFEST") && strstr(problem, "\"c\""), "%s", problem);
	long n = count_or_error(db, true, msg, sizeof msg);
	CHECK_MSG(n == RV_ECORRUPT && strstr(msg, "damaged"), "%ld %s", n, msg);
	rv_db_options o;
	rv_db_options_init(&o);
	rv_db *h = NULL;
	CHECK_OK(rv_db_open(db, &o, &h));
	char names[64];
	CHECK(rv_db_list_collections(h, names, sizeof names, NULL) == 1 && !strcmp(names, "c"));
	rv_options co;
	rv_options_init(&co);
	co.dim = D;
	rv_collection *c = NULL;
	CHECK_RC(rv_db_create_collection(h, "c", &co, &c), RV_EEXIST);
	CHECK_MSG(strstr(rv_db_errmsg(h), "damaged") != NULL, "%s", rv_db_errmsg(h));
	CHECK_OK(rv_db_close(h));
	CHECK_MSG(file_size(log) == size, "create removed or changed the log: %ld", file_size(log));

	/* without a catalogue (a database written before it): a directory with
	 * a log but no manifest is still damaged */
	path_of(p, db, "CATALOG");
	CHECK(unlink(p) == 0);
	CHECK(check_db(db, problem, sizeof problem) == RV_ECORRUPT);
	CHECK_MSG(strstr(problem, "no MANIFEST"), "%s", problem);

	/* the directory deleted, or replaced by a file */
	build("dir", 1, db, log);
	path_of(p, db, "c");
	rm_rf(p);
	CHECK(check_db(db, problem, sizeof problem) == RV_ECORRUPT);
	CHECK_MSG(strstr(problem, "missing"), "%s", problem);
	n = count_or_error(db, true, msg, sizeof msg);
	CHECK_MSG(n == RV_ECORRUPT, "%ld %s", n, msg);
	int fd = open(p, O_CREAT | O_WRONLY, 0644);
	close(fd);
	CHECK(check_db(db, problem, sizeof problem) == RV_ECORRUPT);
	CHECK_MSG(strstr(problem, "not a directory"), "%s", problem);

	/* a database without a catalogue gets one at its first writable open,
	 * and a sound one checks clean */
	build("legacy", 1, db, log);
	path_of(p, db, "CATALOG");
	CHECK(unlink(p) == 0);
	CHECK(check_db(db, problem, sizeof problem) == RV_OK);
	CHECK_OK(rv_db_open(db, &o, &h));
	CHECK_OK(rv_db_close(h));
	CHECK(file_size(p) > 0);
	path_of(p, db, "c");
	rm_rf(p);
	CHECK(check_db(db, problem, sizeof problem) == RV_ECORRUPT);
	/* drop removes a collection from the catalogue */
	build("drop", 1, db, log);
	CHECK_OK(rv_db_open(db, &o, &h));
	CHECK_OK(rv_db_drop_collection(h, "c"));
	CHECK_OK(rv_db_close(h));
	CHECK_MSG(check_db(db, problem, sizeof problem) == RV_OK, "after drop: %s", problem);
}

/* Issue #19 item 8: a delete on a full disk. The delete's frame is synced;
 * the checkpoint closing attempts then fails for want of space. Before:
 * rv_db_close returned RV_ENOSPC (the CLI exited 1) though the delete
 * stood. */
TEST(delete_on_a_full_disk)
{
	char db[512], log[512], msg[1024];
	build("full", 0, db, log);
	rv_db_options o;
	rv_db_options_init(&o);
	o.checkpoint_bytes = 0;
	rv_db *h = NULL;
	fault_install();
	fault_reset(F_WRITE, E_ENOSPC, 0, false);
	CHECK_OK(rv_db_open(db, &o, &h));
	rv_collection *c = NULL;
	CHECK_OK(rv_db_open_collection(h, "c", &c));
	/* 30,000 x 8: over 1 MiB of log, so closing checkpoints */
	for (int b = 0; b < 300; b++) {
		char names[100][16];
		const char *ids[100];
		float v[100 * D];
		for (int i = 0; i < 100; i++) {
			snprintf(names[i], sizeof names[i], "id-%d", b * 100 + i);
			ids[i] = names[i];
			vec((size_t)(b * 100 + i), v + i * D);
		}
		CHECK_OK(rv_insert_batch(c, 100, ids, v, D, 0));
	}
	CHECK(file_size(log) > (1 << 20));
	CHECK_OK(rv_delete(c, "id-5"));
	fault_reset(F_WRITE, E_ENOSPC, 1, false); /* from now on the disk is full */
	int rc = rv_db_close(h);
	CHECK_MSG(rc == RV_OK, "close after a durable delete: %s", rv_strerror(rc));
	rv_vfs_install(NULL);
	long n = count_or_error(db, true, msg, sizeof msg);
	CHECK_MSG(n == 29999, "after reopening: %ld (%s)", n, msg);
	char problem[1024];
	CHECK_MSG(check_db(db, problem, sizeof problem) == RV_OK, "%s", problem);
}

/* The offset of section `kind`'s data in a segment (header entries at 64,
 * 48 bytes each: kind at +0, offset at +8, length at +16). */
static long section_at(const char *seg, uint32_t kind, long *len)
{
	unsigned char h[4096];
	int fd = open(seg, O_RDONLY);
	CHECK(fd >= 0 && pread(fd, h, sizeof h, 0) == (ssize_t)sizeof h);
	close(fd);
	for (int i = 0; i < 32; i++) {
		const unsigned char *e = h + 64 + 48 * i;
		uint32_t k = (uint32_t)e[0] | (uint32_t)e[1] << 8 | (uint32_t)e[2] << 16 | (uint32_t)e[3] << 24;
		uint64_t off = 0, l = 0;
		for (int b = 7; b >= 0; b--) {
			off = off << 8 | e[8 + b];
			l = l << 8 | e[16 + b];
		}
		if (k == kind) {
			*len = (long)l;
			return (long)off;
		}
	}
	return -1;
}

/* Issue #19 item 6: a flipped bit in a mapped vector block. Before: search
 * answered from it; only check noticed. Now the open stays cheap (vectors
 * are not read), the first search that reads the block fails naming the
 * segment and the block's offset, every later one too, and a checkpoint
 * refuses to copy the damage into a new segment. A search that reads only
 * sound blocks before the damaged one is found answers. */
TEST(damaged_vector_block_fails_search)
{
	char db[512], log[512], seg[512];
	build("vec", 30, db, log); /* 3,000 x 8 floats: 96,000 bytes, two blocks */
	rv_db_options o;
	rv_db_options_init(&o);
	rv_db *h = NULL;
	CHECK_OK(rv_db_open(db, &o, &h));
	rv_collection *c = NULL;
	CHECK_OK(rv_db_open_collection(h, "c", &c));
	CHECK_OK(rv_checkpoint(c));
	CHECK_OK(rv_db_close(h));
	path_of(seg, db, "c/seg-000002.rvs");
	long len = 0, at = section_at(seg, 2, &len);
	CHECK_MSG(at > 0 && len == 3000L * D * 4, "vectors at %ld, %ld bytes", at, len);
	flip_byte(seg, at + 70000, 0x40); /* in the second block */

	rv_db_options_init(&o);
	o.flags = RV_DB_READONLY;
	CHECK_OK(rv_db_open(db, &o, &h));
	CHECK_OK(rv_db_open_collection(h, "c", &c)); /* the open does not read vectors */
	float q[D];
	vec(0, q);
	rv_hit hits[5];
	char ib[RV_IDBUF_SIZE(5)];
	rv_search_params p = {.flags = RV_SEARCH_EXACT};
	int n = rv_search(c, q, D, 5, &p, hits, ib, sizeof ib);
	char want[64];
	snprintf(want, sizeof want, "byte %ld:", at + 65536);
	CHECK_MSG(n == RV_ECORRUPT && strstr(rv_errmsg(c), "seg-000002.rvs") && strstr(rv_errmsg(c), want),
	          "exact search over a damaged block: %d (%s)", n, rv_errmsg(c));
	n = rv_search(c, q, D, 5, NULL, hits, ib, sizeof ib);
	CHECK_MSG(n == RV_ECORRUPT, "a later search: %d", n);
	CHECK_OK(rv_db_close(h));

	/* a writer: the checkpoint refuses, the damage stays detectable */
	rv_db_options_init(&o);
	CHECK_OK(rv_db_open(db, &o, &h));
	CHECK_OK(rv_db_open_collection(h, "c", &c));
	CHECK_RC(rv_checkpoint(c), RV_ECORRUPT);
	CHECK_OK(rv_db_close(h));
	char problem[1024];
	CHECK(check_db(db, problem, sizeof problem) == RV_ECORRUPT);

	/* the same collection, sound: searches answer (and the guard does not
	 * misfire on rows written into freed slots of the mapped section) */
	flip_byte(seg, at + 70000, 0x40);
	CHECK_OK(rv_db_open(db, &o, &h));
	CHECK_OK(rv_db_open_collection(h, "c", &c));
	CHECK_OK(rv_delete(c, "id-2000"));
	CHECK_OK(rv_optimize(c));
	float v[D];
	vec(99999, v);
	CHECK_OK(rv_insert(c, "new", v, D, 0));
	n = rv_search(c, q, D, 5, &p, hits, ib, sizeof ib);
	CHECK_MSG(n == 5 && !strcmp(hits[0].id, "id-0"), "search on the sound copy: %d (%s)", n, rv_errmsg(c));
	CHECK_OK(rv_checkpoint(c));
	CHECK_OK(rv_db_close(h));
	CHECK_MSG(check_db(db, problem, sizeof problem) == RV_OK, "%s", problem);
}

/* Issue #19 item 8: `count` replayed every logged insert into the graph
 * (6.3 s at 40,000 x 32). rv_db_count reads only ids: it must agree with a
 * full open after a checkpoint, upserts over segment ids, new inserts and
 * deletes in the log, and apply the same log rule (damage fails it). */
TEST(count_without_loading)
{
	char db[512], log[512], msg[1024];
	build("count", 5, db, log);
	rv_db_options o;
	rv_db_options_init(&o);
	o.checkpoint_bytes = 0;
	rv_db *h = NULL;
	CHECK_OK(rv_db_open(db, &o, &h));
	rv_collection *c = NULL;
	CHECK_OK(rv_db_open_collection(h, "c", &c));
	CHECK_OK(rv_checkpoint(c));
	float v[D];
	vec(7, v);
	CHECK_OK(rv_insert(c, "id-3", v, D, RV_UPSERT)); /* over a segment id */
	CHECK_OK(rv_insert(c, "fresh", v, D, 0));     /* new in the log */
	const char *gone[2] = {"id-10", "fresh"};
	CHECK_OK(rv_delete_batch(c, 2, gone));        /* one from each */
	CHECK_OK(rv_insert(c, "fresh", v, D, 0));     /* back again */
	CHECK_OK(rv_delete(c, "id-11"));
	uint64_t n = 0;
	CHECK_OK(rv_db_count(h, "c", &n)); /* open here: its rv_count */
	CHECK(n == rv_count(c));
	CHECK_OK(rv_db_close(h));
	char log2[512];
	path_of(log2, db, "c/wal-000002.log");
	CHECK_MSG(file_size(log2) > 64, "the writes are in the log: %ld", file_size(log2));
	long full = count_or_error(db, true, msg, sizeof msg);
	CHECK_MSG(full == 499, "full open: %ld (%s)", full, msg);
	o.flags = RV_DB_READONLY;
	CHECK_OK(rv_db_open(db, &o, &h));
	CHECK_OK(rv_db_count(h, "c", &n));
	CHECK_MSG((long)n == full, "rv_db_count %llu, a full open %ld", (unsigned long long)n, full);
	CHECK_RC(rv_db_count(h, "nope", &n), RV_ENOTFOUND);
	CHECK_OK(rv_db_close(h));
	/* a damaged last frame fails the count as it fails an open */
	flip_byte(log2, file_size(log2) - 4 - 8, 0x01);
	CHECK_OK(rv_db_open(db, &o, &h));
	CHECK_RC(rv_db_count(h, "c", &n), RV_ECORRUPT);
	CHECK_MSG(strstr(rv_db_errmsg(h), "wal-000002.log: byte "), "%s", rv_db_errmsg(h));
	CHECK_OK(rv_db_close(h));
}

/* A freed slot's row of links (hnsw_repair.c free_slot, checkpoint.c
 * write_links0): id-5 and the last id are near twins, so each links the
 * other; both deleted and repaired, the checkpoint writes slots up to the
 * last used one, and slot 5's row must not still name the last slot, which
 * the segment no longer has (opening failed with "slot 5 links to slot 299
 * of 299"). Then the same through parallel batches, deletes and a replay. */
TEST(freed_slots_link_nowhere)
{
	for (unsigned threads = 1; threads <= 2; threads++)
		for (int round = 0; round < (threads == 1 ? 1 : 8); round++) {
			char db[512];
			snprintf(db, sizeof db, "%s/freed-%u-%d", root, threads, round);
			rm_rf(db);
			rv_db_options o;
			rv_db_options_init(&o);
			o.flags = RV_DB_CREATE;
			o.checkpoint_bytes = 0;
			rv_db *h = NULL;
			CHECK_OK(rv_db_open(db, &o, &h));
			rv_options co;
			rv_options_init(&co);
			co.dim = D;
			co.threads = threads;
			co.exact_threshold = 0;
			co.seed = 0x5eed + (uint64_t)round;
			rv_collection *c = NULL;
			CHECK_OK(rv_db_create_collection(h, "c", &co, &c));
			enum { N = 600 };
			static char names[N][16];
			const char *ids[N];
			static float v[N * D];
			for (int i = 0; i < N; i++) {
				snprintf(names[i], sizeof names[i], "id-%d", i);
				ids[i] = names[i];
				vec((size_t)(i + round * N), v + i * D);
			}
			memcpy(v + (N - 1) * D, v + 5 * D, sizeof(float) * D);
			v[(N - 1) * D] += 1e-3f;
			if (threads == 1)
				for (int i = 0; i < N; i++)
					CHECK_OK(rv_insert(c, ids[i], v + i * D, D, 0));
			else
				CHECK_OK(rv_insert_batch(c, N, ids, v, D, 0));
			CHECK_OK(rv_delete(c, "id-5"));
			CHECK_OK(rv_delete(c, names[N - 1]));
			for (int i = 9; threads > 1 && i < N - 1; i += 9)
				CHECK_OK(rv_delete(c, ids[i]));
			CHECK_OK(rv_db_close(h)); /* checkpoints: repairs, frees, writes */
			o.flags = 0;
			for (int pass = 0; pass < 2; pass++) { /* open it; checkpoint; again */
				CHECK_OK(rv_db_open(db, &o, &h));
				int rc = rv_db_open_collection(h, "c", &c);
				CHECK_MSG(rc == RV_OK, "threads %u round %d pass %d: %s", threads, round, pass,
				          rv_db_errmsg(h));
				if (rc == RV_OK) {
					rv_check_report rep;
					CHECK_MSG(rv_check(c, &rep) == RV_OK, "%s", rep.first_problem);
					float got[D];
					CHECK_RC(rv_get(c, "id-5", got, D), RV_ENOTFOUND);
					CHECK_OK(rv_get(c, "id-6", got, D));
					CHECK(memcmp(got, v + 6 * D, sizeof got) == 0);
					CHECK_OK(rv_checkpoint(c));
				}
				CHECK_OK(rv_db_close(h));
			}
		}
}

/* ---- batched replay ---- */

#define RP_IDS 1500
#define RP_OPS 24000

typedef struct rp_model {
	bool live[RP_IDS];
	uint32_t vseed[RP_IDS]; /* the vector is vec(vseed) */
	int tag[RP_IDS];        /* payload {"t":tag}; -1: none */
} rp_model;

static void rp_payload(int tag, char *buf, size_t size)
{
	snprintf(buf, size, "{\"t\":%d}", tag);
}

/* The writes: runs of single inserts long enough to fill a replay batch,
 * upserts of ids written just before, updates (payload kept), payload
 * sets, deletes, a batch call, and a keyword index half way. */
static void rp_write(rv_collection *c, rp_model *m)
{
	test_rng r = {4242};
	float v[D];
	char id[16], pay[32];
	uint32_t seed = 1;
	for (int op = 0; op < RP_OPS; op++) {
		if (op == RP_OPS / 2)
			CHECK_OK(rv_create_index(c, "t", RV_INDEX_KEYWORD));
		/* the first 9000 ops are inserts only: a batch fills up */
		unsigned kind = op < 9000 ? 0 : (unsigned)(rng_next(&r) % 10);
		size_t i = (size_t)(rng_next(&r) % RP_IDS);
		snprintf(id, sizeof id, "k%zu", i);
		if (kind <= 4) { /* insert or upsert, with or without payload */
			vec(seed, v);
			int tag = rng_next(&r) % 3 == 0 ? -1 : (int)(rng_next(&r) % 7);
			if (tag >= 0)
				rp_payload(tag, pay, sizeof pay);
			CHECK_OK(rv_insert_payload(c, id, v, D, tag >= 0 ? pay : NULL, RV_UPSERT));
			m->live[i] = true;
			m->vseed[i] = seed++;
			m->tag[i] = tag;
			if (kind == 0 && op % 5 == 0) { /* the same id again at once */
				vec(seed, v);
				CHECK_OK(rv_insert(c, id, v, D, RV_UPSERT));
				m->vseed[i] = seed++;
				m->tag[i] = -1;
			}
		} else if (kind == 5 && m->live[i]) { /* update keeps the payload */
			vec(seed, v);
			CHECK_OK(rv_update(c, id, v, D));
			m->vseed[i] = seed++;
		} else if (kind == 6 && m->live[i]) {
			int tag = (int)(rng_next(&r) % 7);
			rp_payload(tag, pay, sizeof pay);
			CHECK_OK(rv_set_payload(c, id, pay));
			m->tag[i] = tag;
		} else if (kind == 7 && m->live[i]) {
			CHECK_OK(rv_delete(c, id));
			m->live[i] = false;
		} else if (kind == 8) { /* a batch of 20 consecutive ids */
			char ids[20][16];
			const char *ip[20];
			float vs[20 * D];
			for (size_t j = 0; j < 20; j++) {
				size_t t = (i + j) % RP_IDS;
				snprintf(ids[j], sizeof ids[j], "k%zu", t);
				ip[j] = ids[j];
				vec(seed, vs + j * D);
				m->live[t] = true;
				m->vseed[t] = seed++;
				m->tag[t] = -1;
			}
			CHECK_OK(rv_insert_batch(c, 20, ip, vs, D, RV_UPSERT));
		}
	}
}

TEST(batched_replay_keeps_log_order)
{
	char db[512];
	snprintf(db, sizeof db, "%s/batched", root);
	rm_rf(db);
	static rp_model m; /* shared with the child through fork's copy */
	memset(&m, 0, sizeof m);
	for (size_t i = 0; i < RP_IDS; i++)
		m.tag[i] = -1;
	fflush(NULL);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		/* the writer: no checkpoint, then gone without closing, as a
		 * crash leaves it (the log is all there is) */
		rv_db_options o;
		rv_db_options_init(&o);
		o.flags = RV_DB_CREATE;
		o.durability = RV_SYNC_OFF;
		o.checkpoint_bytes = UINT64_MAX;
		rv_db *h = NULL;
		rv_options co;
		rv_options_init(&co);
		co.dim = D;
		rv_collection *c = NULL;
		if (rv_db_open(db, &o, &h) != RV_OK || rv_db_create_collection(h, "c", &co, &c) != RV_OK)
			_exit(1);
		rp_write(c, &m);
		_exit(harness_failures ? 1 : 0);
	}
	int status = 0;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the writer failed (status %d)", status);
	/* the same writes, in this process, only to fill the model */
	rv_options mo;
	rv_options_init(&mo);
	mo.dim = D;
	rv_collection *mc = NULL;
	CHECK_OK(rv_collection_new(&mo, &mc));
	rp_write(mc, &m);
	rv_collection_free(mc);

	rv_db_options o;
	rv_db_options_init(&o);
	rv_db *h = NULL;
	CHECK_OK(rv_db_open(db, &o, &h));
	rv_collection *c = NULL;
	CHECK_OK(rv_db_open_collection(h, "c", &c));
	size_t live = 0, tagged3 = 0;
	float v[D], want[D];
	char id[16], buf[64], pay[32];
	for (size_t i = 0; i < RP_IDS; i++) {
		snprintf(id, sizeof id, "k%zu", i);
		int rc = rv_get(c, id, v, D);
		if (!m.live[i]) {
			CHECK_MSG(rc == RV_ENOTFOUND, "%s was deleted, replay has it (%d)", id, rc);
			continue;
		}
		live++;
		CHECK_MSG(rc == RV_OK, "%s lost in replay (%d)", id, rc);
		vec(m.vseed[i], want);
		CHECK_MSG(memcmp(v, want, sizeof v) == 0, "%s: replay kept another write's vector", id);
		CHECK_OK(rv_get_payload(c, id, buf, sizeof buf, NULL));
		if (m.tag[i] < 0) {
			CHECK_MSG(strcmp(buf, "{}") == 0, "%s: payload %s, want none", id, buf);
		} else {
			rp_payload(m.tag[i], pay, sizeof pay);
			CHECK_MSG(strcmp(buf, pay) == 0, "%s: payload %s, want %s", id, buf, pay);
			tagged3 += m.tag[i] == 3;
		}
	}
	CHECK_MSG(rv_count(c) == live, "count %zu, want %zu", rv_count(c), live);
	rv_filter *f = NULL;
	CHECK_OK(rv_filter_parse("{\"t\":3}", 7, &f, NULL, 0));
	CHECK_MSG(rv_count_matching(c, f) == (long long)tagged3, "t=3: %lld, want %zu", rv_count_matching(c, f),
	          tagged3);
	rv_filter_free(f);
	rv_check_report rep;
	CHECK_OK(rv_check(c, &rep));
	CHECK_OK(rv_db_close(h));
	char problem[256];
	CHECK_MSG(rv_db_check(db, problem, sizeof problem) == RV_OK, "check: %s", problem);
	rm_rf(db);
}

int main(void)
{
	snprintf(root, sizeof root, "/tmp/rv_test_recovery_%d", (int)getpid());
	mkdir(root, 0755);
	RUN(damaged_last_frame_fails_every_open);
	RUN(damaged_length_and_middle_frame);
	RUN(torn_tails_pass);
	RUN(missing_manifest_or_directory);
	RUN(delete_on_a_full_disk);
	RUN(damaged_vector_block_fails_search);
	RUN(count_without_loading);
	RUN(freed_slots_link_nowhere);
	RUN(batched_replay_keeps_log_order);
	rm_rf(root);
	return harness_exit();
}
