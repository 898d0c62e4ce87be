/*
 * test_corruption.c: a damaged file is an error, never a crash, a silent
 * loss or an allocation sized by garbage.
 *
 * For each kind of file a database holds (the RUVECTOR marker, a
 * collection's MANIFEST, a segment seg-*.rvs with every section spanning
 * several 64 KiB blocks, a log wal-*.log with many frames) a small database
 * is built with the public API, and then, one corruption at a time:
 *   - every bit of the file's header is flipped (the marker and the
 *     manifest: every bit of the whole file; the segment: its 4096-byte
 *     header; the log: its 64-byte header and the first frame's 24-byte
 *     header);
 *   - 1,000 random single bits anywhere in the file are flipped (seeded);
 *   - the file is cut at every 4 KiB boundary (files under 4 KiB: at every
 *     byte).
 * Each trial runs rv_db_check() on the damaged directory first (before any
 * writable open, which would cut a torn log tail), then opens it for
 * writing as a user would (and, if that works, searches and checks the
 * graph), and requires:
 *   - detection: the open fails, or rv_db_check() reports a problem, with
 *     a message naming the file and the byte offset.
 *     Which of the two must catch it is the library's stated policy,
 *     asserted exactly:
 *       marker, manifest: the open (they are read whole);
 *       segment: the open, except a flip inside the vector data, which
 *         check finds, and the first search that reads its block (vectors
 *         are mapped, not read, at open; each 64 KiB block is verified on
 *         first touch: index/vectors.c), asserted with an exact search;
 *       log: the open, for a flipped bit anywhere, the last frame
 *         included (wal.c TORN OR DAMAGED: a whole frame with a bad checksum
 *         is damage, never a torn write).
 *     One case is undetectable by design and is asserted as such: a log
 *     cut short reads as a torn write (T1: the file ends inside a frame, as
 *     a crash during its write leaves it), and a cut exactly at a frame
 *     boundary as a valid, shorter log: nothing records a log's length but
 *     the log. It must then open as exactly the prefix of whole frames
 *     before the cut, and check clean; the test counts such cuts.
 *   - no crash (run it under make SANITIZE=address,undefined test too);
 *   - no single allocation larger than max(2 x file size, 64 MiB): a
 *     counting allocator installed with rv_set_allocator() records the
 *     largest request of each trial.
 * A damaged copy is made by editing the pristine files in place (the bytes
 * are restored from memory after each trial, the whole directory after a
 * writable open that succeeded), which keeps the ~40,000 trials quick.
 */
#include "harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ruvector.h"

#define D 16
#define RANDOM_FLIPS 1000

static char root[256];

/* ---- a counting allocator: the largest single request ---- */

static atomic_size_t largest;

static void note(size_t n)
{
	size_t cur = atomic_load(&largest);
	while (n > cur && !atomic_compare_exchange_weak(&largest, &cur, n))
		;
}
static void *count_malloc(void *ctx, size_t n)
{
	(void)ctx;
	note(n);
	return malloc(n);
}
static void *count_realloc(void *ctx, void *p, size_t n)
{
	(void)ctx;
	note(n);
	return realloc(p, n);
}
static void count_free(void *ctx, void *p)
{
	(void)ctx;
	free(p);
}

/* ---- files ---- */

static void rm_rf(const char *path)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", path);
}

static unsigned char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *b = malloc(n > 0 ? (size_t)n : 1);
	if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(b);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void write_all(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len)) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(2);
	}
	close(fd);
}

static void put_byte(const char *path, size_t off, unsigned char b)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0 || pwrite(fd, &b, 1, (off_t)off) != 1) {
		fprintf(stderr, "cannot edit %s\n", path);
		exit(2);
	}
	close(fd);
}

/* Every regular file of a database (its root and its collections'
 * directories), kept in memory to restore after each trial. */
typedef struct file_copy {
	char path[512];
	unsigned char *data;
	size_t len;
} file_copy;

typedef struct snapshot {
	char dir[256];
	file_copy f[32];
	int n;
} snapshot;

static void snap_dir(snapshot *s, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "LOCK"))
			continue;
		char p[512];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(p, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (depth == 0)
				snap_dir(s, p, 1);
			continue;
		}
		if (s->n == 32)
			exit(2);
		file_copy *c = &s->f[s->n++];
		snprintf(c->path, sizeof c->path, "%s", p);
		c->data = read_all(p, &c->len);
		if (!c->data)
			exit(2);
	}
	closedir(d);
}

static void take_snapshot(snapshot *s, const char *dir)
{
	memset(s, 0, sizeof *s);
	snprintf(s->dir, sizeof s->dir, "%s", dir);
	snap_dir(s, dir, 0);
}

static bool in_snapshot(const snapshot *s, const char *path)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->f[i].path, path))
			return true;
	return false;
}

/* Remove files a writable open may have added, rewrite every file. */
static void restore(const snapshot *s, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, "LOCK"))
			continue;
		char p[512];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(p, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (depth == 0)
				restore(s, p, 1);
		} else if (!in_snapshot(s, p)) {
			unlink(p);
		}
	}
	closedir(d);
	if (depth == 0)
		for (int i = 0; i < s->n; i++)
			write_all(s->f[i].path, s->f[i].data, s->f[i].len);
}

static bool same_as_snapshot(const snapshot *s)
{
	snapshot now;
	take_snapshot(&now, s->dir);
	bool same = now.n == s->n;
	for (int i = 0; i < now.n; i++) {
		bool found = false;
		for (int j = 0; j < s->n; j++)
			if (!strcmp(now.f[i].path, s->f[j].path))
				found = now.f[i].len == s->f[j].len && !memcmp(now.f[i].data, s->f[j].data, s->f[j].len);
		same = same && found;
		free(now.f[i].data);
	}
	return same;
}

static void free_snapshot(snapshot *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->f[i].data);
	s->n = 0;
}

/* ---- data ---- */

static void vec_of(const char *id, unsigned version, float *v)
{
	uint64_t h = 1469598103934665603ull ^ version;
	for (const char *p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	test_rng r = {h};
	for (int j = 0; j < D; j++)
		v[j] = rng_float(&r) * 4.0f;
}

static rv_db *open_db(const char *path, uint32_t flags)
{
	rv_db_options o;
	rv_db_options_init(&o);
	o.flags = flags;
	o.checkpoint_bytes = 0; /* checkpoints only when asked */
	rv_db *db = NULL;
	int rc = rv_db_open(path, &o, &db);
	CHECK_MSG(rc == RV_OK, "open %s: %s", path, rv_errmsg(NULL));
	return db;
}

static rv_options coll_opts(rv_metric metric)
{
	rv_options o;
	rv_options_init(&o);
	o.dim = D;
	o.metric = metric;
	o.m = 8;
	o.ef_construction = 32;
	o.threads = 1; /* replay builds the same graph every time */
	return o;
}

#define MAX_IDS 4000

/* What a sound copy of the database holds: every id ever written, its
 * vector or absence, and exact search results. */
typedef struct reference {
	size_t n_ids;
	char ids[MAX_IDS][16];
	float vecs[MAX_IDS][D];
	bool present[MAX_IDS];
	size_t count;
	char top[5][10][16];
	float dist[5][10];
	int nhits[5];
} reference;

static void query_of(int q, float *v)
{
	test_rng r = {1000 + (uint64_t)q};
	for (int j = 0; j < D; j++)
		v[j] = rng_float(&r) * 4.0f;
}

static void take_reference(rv_collection *c, reference *ref)
{
	ref->count = rv_count(c);
	for (size_t i = 0; i < ref->n_ids; i++)
		ref->present[i] = rv_get(c, ref->ids[i], ref->vecs[i], D) == RV_OK;
	for (int q = 0; q < 5; q++) {
		float v[D];
		query_of(q, v);
		rv_hit h[10];
		char ib[RV_IDBUF_SIZE(10)];
		rv_search_params p = {.flags = RV_SEARCH_EXACT};
		ref->nhits[q] = rv_search(c, v, D, 10, &p, h, ib, sizeof ib);
		for (int i = 0; i < ref->nhits[q]; i++) {
			snprintf(ref->top[q][i], 16, "%s", h[i].id);
			ref->dist[q][i] = h[i].distance;
		}
	}
}

/* "" when c holds exactly the reference, else what differs. */
static const char *differs(rv_collection *c, const reference *ref)
{
	static char why[128];
	if (rv_count(c) != ref->count) {
		snprintf(why, sizeof why, "count %zu, expected %zu", rv_count(c), ref->count);
		return why;
	}
	for (size_t i = 0; i < ref->n_ids; i++) {
		float v[D];
		int rc = rv_get(c, ref->ids[i], v, D);
		if ((rc == RV_OK) != ref->present[i] || (rc == RV_OK && memcmp(v, ref->vecs[i], sizeof v))) {
			snprintf(why, sizeof why, "id %s differs", ref->ids[i]);
			return why;
		}
	}
	for (int q = 0; q < 5; q++) {
		float v[D];
		query_of(q, v);
		rv_hit h[10];
		char ib[RV_IDBUF_SIZE(10)];
		rv_search_params p = {.flags = RV_SEARCH_EXACT};
		int n = rv_search(c, v, D, 10, &p, h, ib, sizeof ib);
		bool same = n == ref->nhits[q];
		for (int i = 0; same && i < n; i++)
			same = !strcmp(h[i].id, ref->top[q][i]) && h[i].distance == ref->dist[q][i];
		if (!same) {
			snprintf(why, sizeof why, "search %d differs", q);
			return why;
		}
	}
	return "";
}

static void insert_one(rv_collection *c, reference *ref, const char *id, unsigned version, unsigned flags)
{
	float v[D];
	vec_of(id, version, v);
	CHECK_OK(rv_insert(c, id, v, D, flags));
	if (ref->n_ids < MAX_IDS)
		snprintf(ref->ids[ref->n_ids++], 16, "%s", id);
}

static void insert_range(rv_collection *c, reference *ref, unsigned from, unsigned to)
{
	const char *ids[256];
	float *vs = malloc(256 * D * sizeof(float));
	for (unsigned i = from; i < to;) {
		unsigned n = to - i < 256 ? to - i : 256;
		for (unsigned j = 0; j < n; j++) {
			snprintf(ref->ids[ref->n_ids], 16, "v%u", i + j);
			ids[j] = ref->ids[ref->n_ids++];
			vec_of(ids[j], 0, vs + j * D);
		}
		CHECK_OK(rv_insert_batch(c, n, ids, vs, D, 0));
		i += n;
	}
	free(vs);
}

/* The log database: generation 1, no segment, a few hundred frames of
 * every kind (single and batch inserts, upserts, updates, deletes). */
static void build_log_db(const char *path, reference *ref)
{
	rm_rf(path);
	rv_db *db = open_db(path, RV_DB_CREATE);
	rv_collection *c;
	rv_options o = coll_opts(RV_METRIC_L2);
	CHECK_OK(rv_db_create_collection(db, "c", &o, &c));
	char id[16];
	for (unsigned i = 0; i < 240; i++) {
		snprintf(id, sizeof id, "s%u", i);
		insert_one(c, ref, id, 0, 0);
		if (i % 10 == 9)
			insert_range(c, ref, i * 100, i * 100 + 3 + i % 17);
		if (i % 15 == 14) {
			snprintf(id, sizeof id, "s%u", i - 7);
			CHECK_OK(rv_delete(c, id));
		}
		if (i % 12 == 11) {
			float v[D];
			snprintf(id, sizeof id, "s%u", i - 3);
			vec_of(id, 1, v);
			CHECK_OK(rv_update(c, id, v, D));
			snprintf(id, sizeof id, "s%u", i - 2);
			vec_of(id, 2, v);
			CHECK_OK(rv_insert(c, id, v, D, RV_UPSERT));
		}
	}
	const char *two[2] = {"s3", "s4"};
	CHECK_OK(rv_delete_batch(c, 2, two));
	CHECK_OK(rv_db_close(db));
}

/* The segment database: a cosine collection (so every section, NORMS
 * too) of 3000 vectors with deletions and an update, checkpointed, then a
 * short log after the checkpoint. */
static void build_seg_db(const char *path, reference *ref)
{
	rm_rf(path);
	rv_db *db = open_db(path, RV_DB_CREATE);
	rv_collection *c;
	rv_options o = coll_opts(RV_METRIC_COSINE);
	CHECK_OK(rv_db_create_collection(db, "c", &o, &c));
	insert_range(c, ref, 0, 3000);
	char id[16];
	for (unsigned i = 5; i < 3000; i += 97) {
		snprintf(id, sizeof id, "v%u", i);
		CHECK_OK(rv_delete(c, id));
	}
	float v[D];
	vec_of("v10", 1, v);
	CHECK_OK(rv_update(c, "v10", v, D));
	CHECK_OK(rv_checkpoint(c));
	for (unsigned i = 0; i < 20; i++) {
		snprintf(id, sizeof id, "after%u", i);
		insert_one(c, ref, id, 0, 0);
	}
	CHECK_OK(rv_delete(c, "v11"));
	CHECK_OK(rv_db_close(db));
}

/* What a log's first frames, up to byte `end`, hold: parsed with the
 * frame layout of wal.c and collection/persist.h (INSERT: u32 n, u8 mode, 3 zero,
 * n x D floats, n x (u8 length, id); DELETE: u32 n, 4 zero, ids) and
 * applied as replay does (inserts as upserts). Compared with c: "" when
 * c holds exactly that, else what differs. */
static const char *differs_from_prefix(rv_collection *c, const unsigned char *log, uint64_t end)
{
	static char why[128];
	static char ids[MAX_IDS][16];
	static float vecs[MAX_IDS][D];
	static bool live[MAX_IDS];
	size_t n_ids = 0, count = 0;
	for (uint64_t off = 64; off + 24 <= end;) {
		uint32_t len = (uint32_t)log[off + 4] | (uint32_t)log[off + 5] << 8 | (uint32_t)log[off + 6] << 16 |
		               (uint32_t)log[off + 7] << 24;
		const unsigned char *pl = log + off + 24;
		uint8_t type = log[off + 16];
		uint32_t n = (uint32_t)pl[0] | (uint32_t)pl[1] << 8 | (uint32_t)pl[2] << 16 | (uint32_t)pl[3] << 24;
		const unsigned char *at = pl + 8 + (type == 1 ? (size_t)n * D * 4 : 0);
		for (uint32_t i = 0; i < n; i++) {
			char id[16] = "";
			memcpy(id, at + 1, at[0] < 15 ? at[0] : 15);
			at += 1 + at[0];
			size_t k = 0;
			while (k < n_ids && strcmp(ids[k], id))
				k++;
			if (k == n_ids) {
				if (n_ids == MAX_IDS)
					return "too many ids";
				snprintf(ids[n_ids++], 16, "%s", id);
				live[k] = false;
			}
			count += (type == 1) - live[k];
			live[k] = type == 1;
			if (type == 1)
				memcpy(vecs[k], pl + 8 + (size_t)i * D * 4, sizeof vecs[k]);
		}
		off += (24 + (uint64_t)len + 7) & ~(uint64_t)7;
	}
	if (rv_count(c) != count) {
		snprintf(why, sizeof why, "count %zu, the prefix holds %zu", rv_count(c), count);
		return why;
	}
	for (size_t k = 0; k < n_ids; k++) {
		float v[D];
		int rc = rv_get(c, ids[k], v, D);
		if ((rc == RV_OK) != live[k] || (live[k] && memcmp(v, vecs[k], sizeof v))) {
			snprintf(why, sizeof why, "id %.15s differs from the prefix", ids[k]);
			return why;
		}
	}
	return "";
}

/* ---- trials ---- */

typedef enum kind { K_MARKER, K_MANIFEST, K_SEGMENT, K_LOG } kind;
static const char *const kind_name[] = {"marker", "manifest", "segment", "log"};

typedef struct target {
	kind k;
	const char *db;         /* database directory */
	const char *file;       /* the file being damaged */
	const char *base;       /* its name, which messages must contain */
	const snapshot *snap;
	const unsigned char *orig;
	size_t len;
	const reference *ref;
	uint64_t vec_from, vec_to; /* segment: the VECTORS section's bytes */
	uint64_t *frame_ends;      /* log: offsets where a frame ends */
	uint64_t last_frame;       /* log: where the last frame starts */
	size_t n_frame_ends;
	/* tallies */
	long trials, open_failed, check_only, prefix_cuts, failures, search_found;
	size_t max_alloc;
	double seconds;
} target;

static bool has_offset(const char *msg) { return strstr(msg, "byte ") != NULL; }

/* The end of the last whole frame at or before off. */
static uint64_t frame_end_before(const target *t, uint64_t off)
{
	uint64_t best = 64;
	for (size_t i = 0; i < t->n_frame_ends; i++)
		if (t->frame_ends[i] <= off && t->frame_ends[i] > best)
			best = t->frame_ends[i];
	return best;
}

/* Run one trial on the damaged directory. `what` describes the damage;
 * `at` is the first byte it changed (for the segment's vector rule);
 * `cut` is the length a truncation left (or SIZE_MAX for a flip).
 * Returns true when the directory may have been changed by the library. */
static bool trial(target *t, const char *what, uint64_t at, size_t cut)
{
	t->trials++;
	atomic_store(&largest, 0);
	char problem[512] = "";
	int crc = rv_db_check(t->db, problem, sizeof problem);
	/* open for writing, as a user would */
	char openmsg[600] = "";
	bool opened = false, changed = false;
	rv_db_options o;
	rv_db_options_init(&o);
	o.checkpoint_bytes = 0;
	rv_db *db = NULL;
	int orc = rv_db_open(t->db, &o, &db);
	if (orc != RV_OK) {
		snprintf(openmsg, sizeof openmsg, "%s", rv_errmsg(NULL));
	} else {
		rv_collection *c = NULL;
		orc = rv_db_open_collection(db, "c", &c);
		if (orc != RV_OK) {
			snprintf(openmsg, sizeof openmsg, "%s", rv_db_errmsg(db));
		} else {
			opened = changed = true;
			/* use it: searches, the graph check */
			float q[D];
			query_of(0, q);
			rv_hit h[10];
			char ib[RV_IDBUF_SIZE(10)];
			/* a search that reads a damaged block of mapped vectors fails,
			 * naming the segment and the offset (index/vectors.c, LAZY
			 * VERIFICATION); nothing else may make it fail */
			bool in_vectors = t->k == K_SEGMENT && cut == SIZE_MAX && at >= t->vec_from && at < t->vec_to;
			int n = rv_search(c, q, D, 10, NULL, h, ib, sizeof ib);
			CHECK_MSG(n >= 0 || (in_vectors && n == RV_ECORRUPT), "%s %s: search after open: %s", kind_name[t->k],
			          what, rv_strerror(n));
			rv_search_params p = {.flags = RV_SEARCH_EXACT};
			n = rv_search(c, q, D, 10, &p, h, ib, sizeof ib);
			if (in_vectors) {
				/* the exact search reads every row: it must find the block */
				const char *m = rv_errmsg(c);
				CHECK_MSG(n == RV_ECORRUPT && strstr(m, t->base) && has_offset(m),
				          "%s %s: an exact search over a damaged vector block: %s (%s)", kind_name[t->k], what,
				          rv_strerror(n), m);
				t->search_found++;
			} else {
				CHECK_MSG(n >= 0, "%s %s: exact search after open: %s", kind_name[t->k], what, rv_strerror(n));
			}
			rv_check_report rep;
			(void)rv_check(c, &rep); /* a damaged vector may show here or not */
			if (crc == RV_OK) {
				/* nothing detected: it must be exactly the sound data, or
				 * (log cut at a frame boundary) a clean prefix */
				const char *d = differs(c, t->ref);
				bool prefix_cut = t->k == K_LOG && cut != SIZE_MAX;
				if (prefix_cut) {
					t->prefix_cuts++;
					d = differs_from_prefix(c, t->orig, frame_end_before(t, cut));
					CHECK_MSG(!*d, "%s %s: a cut at a frame boundary: %s", kind_name[t->k], what, d);
					CHECK_MSG(rv_check(c, &rep) == RV_OK, "%s %s: prefix graph: %s", kind_name[t->k], what,
					          rep.first_problem);
				} else {
					CHECK_MSG(!*d, "%s %s: UNDETECTED: open and check pass but %s", kind_name[t->k], what, d);
					if (*d)
						t->failures++;
				}
			}
		}
		int cl = rv_db_close(db);
		CHECK_MSG(cl == RV_OK || !opened, "%s %s: close: %s", kind_name[t->k], what, rv_strerror(cl));
	}
	bool open_failed = orc != RV_OK, check_found = crc != RV_OK;
	if (open_failed) {
		t->open_failed++;
		CHECK_MSG(strstr(openmsg, t->base) != NULL && has_offset(openmsg),
		          "%s %s: open failed (%s) but the message does not name %s and an offset: %s", kind_name[t->k],
		          what, rv_strerror(orc), t->base, openmsg);
		CHECK_MSG(orc != RV_ENOMEM && orc != RV_EINVAL, "%s %s: open returned %s: %s", kind_name[t->k], what,
		          rv_strerror(orc), openmsg);
	} else if (check_found) {
		t->check_only++;
	}
	if (check_found) {
		CHECK_MSG(strstr(problem, t->base) != NULL && has_offset(problem),
		          "%s %s: check's report does not name %s and an offset: %s", kind_name[t->k], what, t->base,
		          problem);
	}
	/* which of the two must catch it: the library's stated policy */
	bool ok;
	switch (t->k) {
	case K_MARKER:
	case K_MANIFEST:
		ok = open_failed;
		break;
	case K_SEGMENT:
		ok = open_failed || (check_found && cut == SIZE_MAX && at >= t->vec_from && at < t->vec_to);
		break;
	default: /* K_LOG */
		if (cut == SIZE_MAX)
			ok = open_failed; /* damage, in the last frame too: never dropped silently */
		else if (cut < 64)
			ok = open_failed; /* a cut header: the header is checked whole */
		else /* a cut is torn (T1): it opened as the prefix, asserted above, and check agrees */
			ok = !check_found;
		break;
	}
	if (!ok) {
		t->failures++;
		CHECK_MSG(ok, "%s %s: not detected as the policy requires (open: %s; check: %s)", kind_name[t->k], what,
		          open_failed ? openmsg : "succeeded", check_found ? problem : "clean");
	}
	size_t big = atomic_load(&largest), bound = (size_t)64 << 20;
	if (2 * t->len > bound)
		bound = 2 * t->len;
	if (big > t->max_alloc)
		t->max_alloc = big;
	CHECK_MSG(big <= bound, "%s %s: allocation of %zu bytes (bound %zu)", kind_name[t->k], what, big, bound);
	return changed;
}

static void flip(target *t, uint64_t off, int bit, const char *label)
{
	char what[96];
	snprintf(what, sizeof what, "%s flip byte %llu bit %d", label, (unsigned long long)off, bit);
	put_byte(t->file, off, (unsigned char)(t->orig[off] ^ (1u << bit)));
	bool changed = trial(t, what, off, SIZE_MAX);
	if (changed)
		restore(t->snap, t->snap->dir, 0);
	else
		put_byte(t->file, off, t->orig[off]);
}

static void cut(target *t, size_t len)
{
	char what[64];
	snprintf(what, sizeof what, "cut at %zu of %zu", len, t->len);
	if (truncate(t->file, (off_t)len) != 0)
		exit(2);
	trial(t, what, len, len);
	restore(t->snap, t->snap->dir, 0);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}
static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Damage one file every way listed at the top, then report. */
static void attack(kind k, const char *dbdir, const char *rel, const reference *ref)
{
	double start = now_s();
	snapshot snap;
	take_snapshot(&snap, dbdir);
	target t;
	memset(&t, 0, sizeof t);
	t.k = k;
	t.db = dbdir;
	t.snap = &snap;
	t.ref = ref;
	char file[512];
	snprintf(file, sizeof file, "%s/%s", dbdir, rel);
	t.file = file;
	t.base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
	for (int i = 0; i < snap.n; i++)
		if (!strcmp(snap.f[i].path, file))
			t.orig = snap.f[i].data, t.len = snap.f[i].len;
	CHECK_MSG(t.orig != NULL, "%s is missing", file);
	if (!t.orig) {
		free_snapshot(&snap);
		return;
	}
	char problem[512];
	CHECK_MSG(rv_db_check(dbdir, problem, sizeof problem) == RV_OK, "sound copy: %s", problem);

	if (k == K_SEGMENT) {
		/* the VECTORS section (kind 2) from the header's section table */
		uint32_t n = get32(t.orig + 32);
		for (uint32_t i = 0; i < n && i < 32; i++) {
			const unsigned char *en = t.orig + 64 + 48 * i;
			if (get32(en) == 2)
				t.vec_from = get64(en + 8), t.vec_to = t.vec_from + get64(en + 16);
		}
		CHECK(t.vec_to > t.vec_from + 2 * 65536); /* spans several blocks */
		CHECK(n >= 10);                           /* every section, NORMS too */
	}
	if (k == K_LOG) {
		/* frame ends, from the documented frame layout */
		t.frame_ends = malloc((t.len / 24 + 2) * sizeof *t.frame_ends);
		uint64_t off = 64;
		t.frame_ends[t.n_frame_ends++] = off;
		while (off + 24 <= t.len) {
			off += (24 + (uint64_t)get32(t.orig + off + 4) + 7) & ~(uint64_t)7;
			t.frame_ends[t.n_frame_ends++] = off;
		}
		CHECK(off == t.len);
		t.last_frame = t.frame_ends[t.n_frame_ends - 2];
		CHECK_MSG(t.n_frame_ends > 200, "%zu frames", t.n_frame_ends - 1);
	}

	/* every header bit */
	size_t hdr = k == K_SEGMENT ? 4096 : k == K_LOG ? 64 + 24 : t.len;
	for (size_t off = 0; off < hdr && off < t.len; off++)
		for (int bit = 0; bit < 8; bit++)
			flip(&t, off, bit, "header");
	/* random bits anywhere */
	test_rng r = {0xc0ffee + (uint64_t)k};
	for (int i = 0; i < RANDOM_FLIPS; i++) {
		uint64_t x = rng_next(&r);
		flip(&t, x % t.len, (int)((x >> 40) % 8), "random");
	}
	/* truncation: every 4 KiB boundary, every byte under 4 KiB */
	if (t.len < 4096)
		for (size_t len = 0; len < t.len; len++)
			cut(&t, len);
	else
		for (size_t len = 0; len < t.len; len += 4096)
			cut(&t, len);

	/* a damaged length field beyond one flip: the first frame made to end
	 * exactly at the end of the file, just past it, far past it. Valid
	 * frames follow it, so the open must fail rather than take it for a
	 * torn tail and drop them (the rule for damage before the last frame) */
	if (k == K_LOG) {
		uint32_t lens[3] = {(uint32_t)(t.len - 64 - 24), (uint32_t)(t.len - 64 - 24 + 8), 0xfffffff0u};
		for (int i = 0; i < 3; i++) {
			char what[64];
			snprintf(what, sizeof what, "first frame's length set to %u", lens[i]);
			for (int b = 0; b < 4; b++)
				put_byte(t.file, 68 + (size_t)b, (unsigned char)(lens[i] >> (8 * b)));
			if (trial(&t, what, 68, SIZE_MAX))
				restore(&snap, snap.dir, 0);
			else
				for (int b = 0; b < 4; b++)
					put_byte(t.file, 68 + (size_t)b, t.orig[68 + b]);
		}
		/* the last frame's length sent past the end (a high bit flipped,
		 * or far): no frame follows, yet it is whole under its true length,
		 * which its CRC confirms: damage, not a torn write (wal.c T1) */
		uint64_t lf = t.last_frame + 4;
		uint32_t true_len = get32(t.orig + lf);
		uint32_t last_lens[2] = {true_len | 0x10000u, 0x7ffffff0u};
		for (int i = 0; i < 2; i++) {
			char what[64];
			snprintf(what, sizeof what, "last frame's length set to %u", last_lens[i]);
			for (int b = 0; b < 4; b++)
				put_byte(t.file, lf + (size_t)b, (unsigned char)(last_lens[i] >> (8 * b)));
			if (trial(&t, what, lf, SIZE_MAX))
				restore(&snap, snap.dir, 0);
			else
				for (int b = 0; b < 4; b++)
					put_byte(t.file, lf + (size_t)b, t.orig[lf + b]);
		}
	}

	CHECK_MSG(same_as_snapshot(&snap), "%s: the pristine copy was not restored", file);
	CHECK_MSG(rv_db_check(dbdir, problem, sizeof problem) == RV_OK, "restored copy: %s", problem);
	t.seconds = now_s() - start;
	printf("  %-8s %-15s %7zu bytes: %5ld trials, %5ld failed to open, %3ld found by check only, "
	       "%ld undetected; largest allocation %zu bytes; %.1f s\n",
	       kind_name[k], t.base, t.len, t.trials, t.open_failed, t.check_only, t.failures, t.max_alloc, t.seconds);
	if (k == K_SEGMENT)
		printf("  segment: %ld flips in the vector data failed the first search that read their block\n",
		       t.search_found);
	if (k == K_LOG)
		printf("  log: %ld cuts read as a torn write and opened as the shorter log before them "
		       "(undetectable by design: nothing but the log records its length)\n",
		       t.prefix_cuts);
	fflush(stdout);
	free(t.frame_ends);
	free_snapshot(&snap);
}

/* ---- crafted segments: valid checksums, inconsistent insides ---- */

static uint32_t crc32c(uint32_t crc, const unsigned char *p, size_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = crc >> 1 ^ (0x82f63b78u & (0u - (crc & 1)));
	}
	return ~crc;
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* Recompute every checksum of a segment (segment.c's format). */
static void reseal_segment(unsigned char *b, size_t size)
{
	uint32_t n = get32(b + 32);
	for (uint32_t i = 0; i < n && i < 32; i++) {
		unsigned char *en = b + 64 + 48 * i;
		uint64_t off = get64(en + 8), len = get64(en + 16), coff = get64(en + 24);
		uint32_t nb = get32(en + 32);
		for (uint32_t k = 0; k < nb; k++) {
			uint64_t start = (uint64_t)k * 65536, l = len - start < 65536 ? len - start : 65536;
			put32(b + coff + 4 * k, crc32c(0, b + off + start, (size_t)l));
		}
		put32(en + 36, crc32c(0, b + coff, (size_t)nb * 4));
	}
	put64(b + 24, size);
	put32(b + 4092, crc32c(0, b, 4092));
}

/* Open collection "c" of dbdir for writing; returns its code and the
 * message in msg. */
static int open_coll(const char *dbdir, char *msg, size_t size)
{
	rv_db *db = open_db(dbdir, 0);
	if (!db)
		return RV_EIO;
	rv_collection *c;
	int rc = rv_db_open_collection(db, "c", &c);
	snprintf(msg, size, "%s", rc == RV_OK ? "" : rv_db_errmsg(db));
	rv_db_close(db);
	return rc;
}

/* A segment whose used slots all name the same bytes of the id arena
 * (cut to that one id) opened, and a later insert that compacted the
 * arena overflowed the heap. It must be refused at open. Also: a header
 * claiming 33 sections made closing walk past the 32 entries. */
TEST(crafted_segments)
{
	char dbdir[300], seg[400], msg[600];
	snprintf(dbdir, sizeof dbdir, "%s/crafted", root);
	snprintf(seg, sizeof seg, "%s/c/seg-000002.rvs", dbdir);
	rm_rf(dbdir);
	reference *ref = calloc(1, sizeof *ref);
	rv_db *db = open_db(dbdir, RV_DB_CREATE);
	rv_collection *c;
	rv_options o = coll_opts(RV_METRIC_L2);
	CHECK_OK(rv_db_create_collection(db, "c", &o, &c));
	insert_range(c, ref, 0, 500);
	CHECK_OK(rv_checkpoint(c));
	CHECK_OK(rv_db_close(db));
	free(ref);
	size_t len;
	unsigned char *orig = read_all(seg, &len), *b = malloc(len);
	CHECK(orig && b);
	if (!orig || !b)
		return;

	memcpy(b, orig, len);
	bool arena = false, offs = false;
	for (uint32_t i = 0; i < get32(b + 32); i++) {
		unsigned char *en = b + 64 + 48 * i;
		uint64_t off = get64(en + 8), l = get64(en + 16);
		if (get32(en) == 8) { /* IDARENA: keep the first id only */
			size_t first = 2 + (size_t)b[off];
			memset(b + off + first, 0, (size_t)(l - first));
			put64(en + 16, first);
			put32(en + 32, 1);
			memset(b + get64(en + 24) + 4, 0, 4 * ((size_t)get32(orig + 64 + 48 * i + 32) - 1));
			arena = true;
		}
		if (get32(en) == 9) { /* IDOFFS: every slot names offset 0 */
			for (uint64_t k = 0; k < l / 8; k++)
				put64(b + off + 8 * k, 0);
			offs = true;
		}
	}
	CHECK(arena && offs);
	reseal_segment(b, len);
	write_all(seg, b, len);
	int rc = open_coll(dbdir, msg, sizeof msg);
	CHECK_MSG(rc == RV_ECORRUPT && strstr(msg, "seg-000002.rvs"), "shared ids: open returned %s: %s",
	          rv_strerror(rc), msg);

	memcpy(b, orig, len);
	put32(b + 32, 33);
	reseal_segment(b, len);
	write_all(seg, b, len);
	rc = open_coll(dbdir, msg, sizeof msg);
	CHECK_MSG(rc == RV_ECORRUPT && strstr(msg, "byte 32"), "33 sections: open returned %s: %s", rv_strerror(rc),
	          msg);

	write_all(seg, orig, len); /* and the sound file still opens */
	CHECK_OK(open_coll(dbdir, msg, sizeof msg));
	free(orig);
	free(b);
}

static reference log_ref, seg_ref;
static char log_db[300], seg_db[300];

TEST(build_databases)
{
	snprintf(log_db, sizeof log_db, "%s/logdb", root);
	snprintf(seg_db, sizeof seg_db, "%s/segdb", root);
	build_log_db(log_db, &log_ref);
	build_seg_db(seg_db, &seg_ref);
	rv_db *db = open_db(log_db, RV_DB_READONLY);
	rv_collection *c;
	CHECK_OK(rv_db_open_collection(db, "c", &c));
	take_reference(c, &log_ref);
	rv_storage_stats st;
	rv_collection_storage(c, &st);
	CHECK(st.generation == 1 && st.segment_bytes == 0);
	CHECK_OK(rv_db_close(db));
	db = open_db(seg_db, RV_DB_READONLY);
	CHECK_OK(rv_db_open_collection(db, "c", &c));
	take_reference(c, &seg_ref);
	rv_collection_storage(c, &st);
	CHECK(st.generation == 2 && st.segment_bytes > 4 * 65536);
	CHECK_OK(rv_db_close(db));
}

static bool want_kind(int argc, char **argv, const char *name)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return false;
}

TEST(marker) { attack(K_MARKER, log_db, "RUVECTOR", &log_ref); }
TEST(manifest) { attack(K_MANIFEST, log_db, "c/MANIFEST", &log_ref); }
TEST(segment) { attack(K_SEGMENT, seg_db, "c/seg-000002.rvs", &seg_ref); }
TEST(log_file) { attack(K_LOG, log_db, "c/wal-000001.log", &log_ref); }

int main(int argc, char **argv)
{
	/* an argument runs only the parts named (marker, manifest, segment,
	 * log, crafted), for debugging */
#define WANT(name) (argc < 2 || want_kind(argc, argv, name))
	rv_allocator a = {count_malloc, count_realloc, count_free, NULL};
	if (rv_set_allocator(&a) != RV_OK) {
		fprintf(stderr, "cannot install the counting allocator\n");
		return 2;
	}
	const char *tmp = getenv("TMPDIR");
	snprintf(root, sizeof root, "%s/rv_test_corruption_%d", tmp && *tmp ? tmp : "/tmp", (int)getpid());
	mkdir(root, 0755);
	RUN(build_databases);
	if (WANT("marker"))
		RUN(marker);
	if (WANT("manifest"))
		RUN(manifest);
	if (WANT("segment"))
		RUN(segment);
	if (WANT("log"))
		RUN(log_file);
	if (WANT("crafted"))
		RUN(crafted_segments);
	if (!getenv("RV_KEEP")) /* RV_KEEP=1 leaves the databases for a look */
		rm_rf(root);
	return harness_exit();
}
