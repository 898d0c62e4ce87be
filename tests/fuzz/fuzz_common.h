/*
 * fuzz_common.h: what the fuzz targets of the database files
 * (fuzz_segment.c, fuzz_wal.c, fuzz_manifest.c; fuzz_vecs.c uses the file
 * helpers) and the seed corpus generator (make_corpus.c) agree on: two
 * collections, "l2" and "cos", of dimension 8 with the same options, in a
 * database whose log durability is off (no fsync per write), and the
 * helpers every target uses.
 *
 * A target writes its input over one file of each collection (as it is,
 * then with its checksums recomputed: see "checksum fix-up"), then, per
 * collection: runs rv_db_check (before any writable open, which would cut
 * a torn log tail), opens it for writing, and if that worked searches,
 * reads, checks the graph, writes a little and closes. Oracles beyond the
 * sanitizers: a failed open has a message naming the file, and its code
 * is one for damaged data; check passing implies the open succeeds and
 * that every id a search returns resolves.
 */
#ifndef RV_FUZZ_COMMON_H
#define RV_FUZZ_COMMON_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/kernels/kernels.h" /* rv_crc32c, the formats' checksum */
#include "ruvector.h"

#define FUZZ_DIM 8
#define FUZZ_NCOLL 2

static const char *const fuzz_coll[FUZZ_NCOLL] = {"l2", "cos"};
static const rv_metric fuzz_metric[FUZZ_NCOLL] = {RV_METRIC_L2, RV_METRIC_COSINE};

static inline rv_options fuzz_options(rv_metric metric)
{
	rv_options o;
	rv_options_init(&o);
	o.dim = FUZZ_DIM;
	o.metric = metric;
	o.m = 4;
	o.ef_construction = 16;
	o.exact_threshold = 0; /* searches walk the graph */
	o.threads = 1;
	return o;
}

static inline rv_db_options fuzz_db_options(uint32_t flags)
{
	rv_db_options o;
	rv_db_options_init(&o);
	o.flags = flags;
	o.durability = RV_SYNC_OFF;
	o.checkpoint_bytes = 0; /* only when asked */
	return o;
}

/* The vector of an id, of dimension dim: a deterministic function of its
 * bytes. */
static inline void fuzz_vec_n(const char *id, unsigned version, float *v, size_t dim)
{
	uint64_t h = 1469598103934665603ull ^ version;
	for (const char *p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	for (size_t j = 0; j < dim; j++) {
		h ^= h >> 33;
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 33;
		v[j] = (float)((double)(h >> 11) / 9007199254740992.0 * 2.0 - 1.0);
	}
}

static inline void fuzz_vec(const char *id, unsigned version, float *v) { fuzz_vec_n(id, version, v, FUZZ_DIM); }

static inline void fuzz_die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz: %s: %s\n", what, detail);
	abort();
}

static inline void fuzz_write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		fuzz_die("cannot create", path);
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n <= 0)
			fuzz_die("cannot write", path);
		p += n;
		len -= (size_t)n;
	}
	close(fd);
}

static inline unsigned char *fuzz_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fuzz_die("cannot open", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *b = malloc(n > 0 ? (size_t)n : 1);
	if (!b || fread(b, 1, (size_t)n, f) != (size_t)n)
		fuzz_die("cannot read", path);
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* A fresh directory under $TMPDIR (or /tmp). */
static inline void fuzz_tempdir(char *out, size_t size, const char *what)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(out, size, "%s/rv-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", what);
	if (!mkdtemp(out))
		fuzz_die("cannot make a temporary directory", out);
}

static inline void fuzz_rm_rf(const char *path)
{
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz: cannot remove %s\n", path);
}

/* ---- checksum fix-up ----
 * A mutated file almost always fails a checksum, so the loader's checks
 * behind them would see little fuzzing; and a crafted file (the attack of
 * hnswlib #673) has valid checksums. So each target runs every input twice:
 * as it is, and with every checksum its layout describes recomputed (the
 * formats at the top of src/storage/segment.c and wal.c). */

static inline uint32_t fz_get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t fz_get64(const unsigned char *p) { return fz_get32(p) | (uint64_t)fz_get32(p + 4) << 32; }
static inline void fz_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8), p[2] = (unsigned char)(v >> 16),
	p[3] = (unsigned char)(v >> 24);
}
static inline void fz_put64(unsigned char *p, uint64_t v)
{
	fz_put32(p, (uint32_t)v);
	fz_put32(p + 4, (uint32_t)(v >> 32));
}

/* Segment: the recorded file size, each section's block checksums and
 * the checksum of that array (where the entry lies inside the file), and
 * the header's CRC. */
static inline void fuzz_fix_segment(unsigned char *b, size_t size)
{
	if (size < 4096)
		return;
	fz_put64(b + 24, size);
	uint32_t n = fz_get32(b + 32);
	for (uint32_t i = 0; i < n && i < 32; i++) {
		unsigned char *en = b + 64 + 48 * i;
		uint64_t off = fz_get64(en + 8), len = fz_get64(en + 16), coff = fz_get64(en + 24);
		uint32_t nb = fz_get32(en + 32);
		if (off > size || len > size - off || coff > size || (uint64_t)nb * 4 > size - coff ||
		    nb != (len + 65535) / 65536)
			continue;
		for (uint32_t k = 0; k < nb; k++) {
			uint64_t start = (uint64_t)k * 65536, l = len - start < 65536 ? len - start : 65536;
			fz_put32(b + coff + 4 * k, rv_crc32c(0, b + off + start, (size_t)l));
		}
		fz_put32(en + 36, rv_crc32c(0, b + coff, (size_t)nb * 4));
	}
	fz_put32(b + 4092, rv_crc32c(0, b, 4092));
}

/* Log: the generation the manifest expects, the header's CRC, and for
 * each frame with the right magic that fits in the file: its sequence
 * number, zero reserved bytes and padding, and its CRC. */
static inline void fuzz_fix_wal(unsigned char *b, size_t size, uint64_t generation)
{
	if (size < 64)
		return;
	fz_put64(b + 32, generation);
	fz_put32(b + 60, rv_crc32c(0, b, 60));
	unsigned char salt[8];
	memcpy(salt, b + 24, 8);
	uint64_t off = 64, seq = 1;
	while (off + 24 <= size && fz_get32(b + off) == 0x52574652u) {
		uint64_t len = fz_get32(b + off + 4), fs = (24 + len + 7) & ~(uint64_t)7;
		if (off + fs > size)
			break;
		fz_put64(b + off + 8, seq++);
		b[off + 17] = b[off + 18] = b[off + 19] = 0;
		memset(b + off + 24 + len, 0, (size_t)(fs - 24 - len));
		uint32_t c = rv_crc32c(rv_crc32c(rv_crc32c(0, salt, 8), b + off, 20), b + off + 24, (size_t)len);
		fz_put32(b + off + 20, c);
		off += fs;
	}
}

/* Record file (storage/files.c: DB/RUVECTOR, DB/CATALOG, a MANIFEST): the
 * payload length the header records, the payload's CRC and the header's. */
static inline void fuzz_fix_record(unsigned char *b, size_t size)
{
	if (size < 64)
		return;
	fz_put32(b + 20, (uint32_t)(size - 64));
	fz_put32(b + 24, rv_crc32c(0, b + 64, size - 64));
	fz_put32(b + 60, rv_crc32c(0, b, 60));
}

/* The database fuzz_manifest.c starts each run from (make_corpus.c copies
 * its record files as seeds): collections "l2" and "cos" at generation 2,
 * each a segment of doc-1..doc-20 (doc-1..doc-4 with payloads, a keyword
 * index on "k") and a log holding inserts, an upsert and a delete after it;
 * so a manifest that changes the generation, the segment flag or the
 * options meets both files. Returns 0 on success. */
static inline int fuzz_make_records_db(const char *dbdir)
{
	rv_db_options o = fuzz_db_options(RV_DB_CREATE);
	rv_db *db;
	if (rv_db_open(dbdir, &o, &db) != RV_OK)
		return -1;
	int rc = RV_OK;
	for (int i = 0; i < FUZZ_NCOLL && rc == RV_OK; i++) {
		rv_options co = fuzz_options(fuzz_metric[i]);
		rv_collection *c;
		if ((rc = rv_db_create_collection(db, fuzz_coll[i], &co, &c)) != RV_OK)
			break;
		rc = rv_create_index(c, "k", RV_INDEX_KEYWORD);
		char id[16], payload[64];
		float v[FUZZ_DIM];
		for (int j = 1; j <= 24 && rc == RV_OK; j++) {
			snprintf(id, sizeof id, "doc-%d", j);
			snprintf(payload, sizeof payload, "{\"k\":\"v%d\",\"n\":%d}", j % 3, j);
			fuzz_vec(id, 0, v);
			rc = rv_insert_payload(c, id, v, FUZZ_DIM, j <= 4 ? payload : NULL, 0);
			if (rc == RV_OK && j == 20)
				rc = rv_checkpoint(c);
		}
		fuzz_vec("doc-5", 1, v);
		if (rc == RV_OK)
			rc = rv_insert(c, "doc-5", v, FUZZ_DIM, RV_UPSERT);
		if (rc == RV_OK)
			rc = rv_delete(c, "doc-3");
		rv_collection_free(c);
	}
	if (rc != RV_OK)
		fprintf(stderr, "fuzz: %s\n", rv_db_errmsg(db));
	return rv_db_close(db) == RV_OK && rc == RV_OK ? 0 : -1;
}

/* A search on an opened collection may fail only for want of memory or,
 * when check did not pass, because it reached a damaged vector block:
 * vectors are verified lazily, block by block, so a damaged block is found
 * by the first read that touches it and named in a clear error. */
static inline int fuzz_search_failed(int n, int sound)
{
	return n < 0 && n != RV_ENOMEM && (sound || n != RV_ECORRUPT);
}

/* The hypergraph's reads (ruvector.h, "Hypergraph") on whatever a log or a
 * segment left: each must answer or fail with a code, never crash. */
static inline void fuzz_hyper_reads(rv_collection *c, const float *q, size_t dim)
{
	rv_hit hits[8];
	char idbuf[RV_IDBUF_SIZE(8)];
	rv_hsearch_params hp;
	rv_hsearch_params_init(&hp);
	hp.window.kind = RV_WINDOW_ANY;
	(void)rv_hyperedge_search(c, q, dim, 8, &hp, hits, idbuf, sizeof idbuf);
	hp.window.kind = RV_WINDOW_AT;
	hp.window.at = 1709300000000LL;
	(void)rv_hyperedge_search(c, q, dim, 8, &hp, hits, idbuf, sizeof idbuf);
	rv_graph_hit gh[64];
	char gbuf[RV_GRAPH_IDBUF_SIZE(64)];
	(void)rv_hyper_khop(c, "doc-1", 3, NULL, NULL, 0, gh, 64, gbuf, sizeof gbuf);
	(void)rv_hyper_khop(c, "doc-2", 2, NULL, NULL, RV_HYPER_DIRECTED, gh, 64, gbuf, sizeof gbuf);
	(void)rv_hyper_path(c, "doc-1", "doc-2", NULL, 0, gh, 64, gbuf, sizeof gbuf);
	char json[4096];
	(void)rv_hyperedge_get(c, "h-1", json, sizeof json, NULL);
	(void)rv_hyperedges_of(c, "doc-1", NULL, json, sizeof json, NULL);
	int64_t st[16];
	uint64_t cn[16];
	(void)rv_hyperedge_buckets(c, 1709251200000LL, 1709251200000LL + 10LL * 86400000, RV_UNIT_DAY, st, cn, 16, NULL);
	rv_hyper_stats hs;
	rv_hyper_stats_get(c, &hs);
}

/* Use an opened collection every way a reader and a writer would, with
 * vectors of its own dimension (FUZZ_DIM, unless a crafted manifest said
 * otherwise: fuzz_manifest.c). With `sound` (check passed), an id a search
 * returns must resolve. */
static inline void fuzz_exercise(rv_collection *c, int may_write, int sound)
{
	rv_options o;
	rv_collection_options(c, &o);
	size_t dim = o.dim;
	float *q = malloc(3 * dim * sizeof *q), *out = q + dim, *v = q + 2 * dim;
	if (!q)
		return;
	fuzz_vec_n("query", 0, q, dim);
	rv_hit hits[8];
	char idbuf[RV_IDBUF_SIZE(8)];
	(void)rv_count(c);
	int n = rv_search(c, q, dim, 8, NULL, hits, idbuf, sizeof idbuf);
	if (fuzz_search_failed(n, sound))
		fuzz_die("search failed on an opened collection", rv_strerror(n));
	rv_search_params exact = {.flags = RV_SEARCH_EXACT};
	n = rv_search(c, q, dim, 8, &exact, hits, idbuf, sizeof idbuf);
	if (fuzz_search_failed(n, sound))
		fuzz_die("exact search failed on an opened collection", rv_strerror(n));
	for (int i = 0; i < n && sound; i++) /* ids the search gave must resolve */
		if (rv_get(c, hits[i].id, out, dim) != RV_OK)
			fuzz_die("an id a search returned is not found", hits[i].id);
	(void)rv_get(c, "doc-1", out, dim);
	(void)rv_get(c, "doc-7", out, dim);
	fuzz_hyper_reads(c, q, dim);
	rv_check_report rep;
	(void)rv_check(c, &rep);
	if (may_write) {
		/* writes on top of what was loaded */
		fuzz_vec_n("fuzz-new", 0, v, dim);
		(void)rv_insert(c, "fuzz-new", v, dim, RV_UPSERT);
		fuzz_vec_n("doc-2", 9, v, dim);
		(void)rv_update(c, "doc-2", v, dim);
		(void)rv_delete(c, "doc-1");
		if (n > 0) {
			char first[RV_ID_MAX + 1];
			snprintf(first, sizeof first, "%s", hits[0].id);
			(void)rv_delete(c, first);
		}
		(void)rv_vacuum(c);
		/* a hyperedge on top, then the delete rule */
		const char *mem[2] = {"fuzz-new", "doc-2"};
		rv_hyperedge he;
		rv_hyperedge_init(&he);
		he.id = "fuzz-h";
		he.members = mem;
		he.n_members = 2;
		he.embedding = v;
		he.dim = dim;
		(void)rv_hyperedge_put(c, 1, &he, RV_UPSERT);
		(void)rv_delete(c, "fuzz-new");
		fuzz_hyper_reads(c, q, dim);
		n = rv_search(c, q, dim, 8, NULL, hits, idbuf, sizeof idbuf);
		if (fuzz_search_failed(n, sound))
			fuzz_die("search failed after writes", rv_strerror(n));
		(void)rv_check(c, &rep);
	}
	free(q);
}

/* Open collection `name` of the writable handle db (its file `file_name`
 * holds the input) and use it. Returns whether the open succeeded. */
static inline int fuzz_open_and_use(rv_db *db, const char *name, const char *file_name, int sound)
{
	rv_collection *c = NULL;
	int rc = rv_db_open_collection(db, name, &c);
	if (rc != RV_OK) {
		const char *msg = rv_db_errmsg(db);
		if (!strstr(msg, file_name))
			fuzz_die("a failed open does not name the file", msg[0] ? msg : "(empty message)");
		if (rc != RV_ECORRUPT && rc != RV_EFORMAT && rc != RV_EVERSION && rc != RV_EUNSUPPORTED && rc != RV_ENOMEM)
			fuzz_die("a failed open returned an unexpected code", rv_strerror(rc));
		return 0;
	}
	/* write only while the log stays under the size at which closing
	 * would checkpoint (that would change the directory under the next
	 * run) */
	rv_storage_stats st;
	rv_collection_storage(c, &st);
	fuzz_exercise(c, st.wal_bytes < 1000000, sound);
	rv_collection_free(c);
	return 1;
}

/* Check the whole database (before any writable open), then open and use
 * each collection; check passing must mean every open succeeds. */
static inline void fuzz_round(const char *dbdir, rv_db *db, const char *file_name)
{
	char problem[512];
	int crc = rv_db_check(dbdir, problem, sizeof problem);
	if (crc != RV_OK && crc != RV_ECORRUPT && crc != RV_ENOMEM)
		fuzz_die("check returned an unexpected code", rv_strerror(crc));
	if (crc != RV_OK && !problem[0])
		fuzz_die("check found a problem but says nothing", rv_strerror(crc));
	for (int i = 0; i < FUZZ_NCOLL; i++)
		if (!fuzz_open_and_use(db, fuzz_coll[i], file_name, crc == RV_OK) && crc == RV_OK)
			fuzz_die("check passed but the open failed", rv_db_errmsg(db));
}

#endif
