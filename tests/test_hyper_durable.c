/*
 * test_hyper_durable.c: hyperedges are as durable as records.
 *   - backup: a copy taken while the log holds hyperedge writes (and the
 *     segment holds earlier ones) has every hyperedge, and passes check;
 *   - corruption: a flipped byte in the segment's hyperedge section, or in
 *     a hyperedge frame of the log, fails check and open with the file and
 *     the byte offset;
 *   - kill -9: a child writes hyperedges (single puts, batches, deletes,
 *     record deletes that detach) under full sync, telling the parent
 *     through a pipe before and after each call; the parent kills it at a
 *     random moment and reopens: every acknowledged write is there, the one
 *     in flight entirely or not at all, and check passes. 40 cycles (10
 *     under a sanitizer); RV_HYPER_CRASH_CYCLES sets another number.
 */
#include "harness.h"

#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ruvector.h"

#define D 8
#define NREC 64

static char root[256];

static void rm_rf(const char *path)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", path);
}

static unsigned char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *b = malloc(n > 0 ? (size_t)n : 1);
	*len = fread(b, 1, (size_t)n, f);
	fclose(f);
	return b;
}

static void write_file(const char *path, const unsigned char *b, size_t len)
{
	FILE *f = fopen(path, "wb");
	CHECK(f != NULL);
	if (f) {
		CHECK(fwrite(b, 1, len, f) == len);
		fclose(f);
	}
}

static uint32_t get32(const unsigned char *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t get64(const unsigned char *p) { return get32(p) | (uint64_t)get32(p + 4) << 32; }

static rv_db *open_db(const char *dir, uint32_t flags, uint64_t ckpt, rv_collection **c, bool create)
{
	rv_db_options o;
	rv_db_options_init(&o);
	o.flags = flags;
	o.checkpoint_bytes = ckpt;
	rv_db *db;
	if (rv_db_open(dir, &o, &db) != RV_OK)
		return NULL;
	int rc;
	if (create) {
		rv_options co;
		rv_options_init(&co);
		co.dim = D;
		rc = rv_db_create_collection(db, "c", &co, c);
	} else {
		rc = rv_db_open_collection(db, "c", c);
	}
	if (rc != RV_OK) {
		rv_db_close(db);
		return NULL;
	}
	return db;
}

static void add_records(rv_collection *c)
{
	char ids[NREC][16];
	const char *p[NREC];
	float v[NREC * D];
	test_rng r = {3};
	for (int i = 0; i < NREC; i++) {
		snprintf(ids[i], 16, "r%d", i);
		p[i] = ids[i];
	}
	for (int i = 0; i < NREC * D; i++)
		v[i] = rng_float(&r);
	CHECK_OK(rv_insert_batch(c, NREC, p, v, D, 0));
}

static const char *rec_names[NREC] = {
	"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
	"r16", "r17", "r18", "r19", "r20", "r21", "r22", "r23", "r24", "r25", "r26", "r27", "r28", "r29", "r30", "r31",
	"r32", "r33", "r34", "r35", "r36", "r37", "r38", "r39", "r40", "r41", "r42", "r43", "r44", "r45", "r46", "r47",
	"r48", "r49", "r50", "r51", "r52", "r53", "r54", "r55", "r56", "r57", "r58", "r59", "r60", "r61", "r62", "r63"};

/* Hyperedge i: three members, an embedding, a payload, all from i. */
static void edge_of(int i, char *id, const char **mem, float *emb, char *payload, rv_hyperedge *e)
{
	snprintf(id, 24, "h%d", i);
	mem[0] = rec_names[i % NREC];
	mem[1] = rec_names[(i * 7 + 1) % NREC];
	mem[2] = rec_names[(i * 13 + 5) % NREC];
	if (mem[1] == mem[0] || mem[2] == mem[0] || mem[2] == mem[1]) {
		mem[1] = rec_names[(i + 1) % NREC];
		mem[2] = rec_names[(i + 2) % NREC];
	}
	test_rng r = {(uint64_t)i * 7919 + 1};
	for (int j = 0; j < D; j++)
		emb[j] = rng_float(&r);
	snprintf(payload, 48, "{\"n\":%d,\"tag\":\"t%d\"}", i, i % 5);
	rv_hyperedge_init(e);
	e->id = id;
	e->members = mem;
	e->n_members = 3;
	e->ordered = i % 2;
	e->embedding = emb;
	e->dim = D;
	e->confidence = (float)(i % 10) / 10.0f;
	e->valid_from = 1000 * (int64_t)i;
	e->payload = payload;
	e->description = "an n-ary fact";
}

static void put_range(rv_collection *c, int from, int to)
{
	for (int i = from; i < to; i++) {
		char id[24], payload[48];
		const char *mem[3];
		float emb[D];
		rv_hyperedge e;
		edge_of(i, id, mem, emb, payload, &e);
		CHECK_OK(rv_hyperedge_put(c, 1, &e, 0));
	}
}

/* Every hyperedge h0..h<n-1> reads the same in both. */
static void same_edges(rv_collection *a, rv_collection *b, int n)
{
	char x[4096], y[4096];
	for (int i = 0; i < n; i++) {
		char id[24];
		snprintf(id, sizeof id, "h%d", i);
		int ra = rv_hyperedge_get(a, id, x, sizeof x, NULL), rb = rv_hyperedge_get(b, id, y, sizeof y, NULL);
		CHECK_MSG(ra == rb && (ra != RV_OK || strcmp(x, y) == 0), "%s differs: %s / %s", id, x, y);
	}
	rv_hyper_stats sa, sb;
	rv_hyper_stats_get(a, &sa);
	rv_hyper_stats_get(b, &sb);
	CHECK(sa.hyperedges == sb.hyperedges && sa.incidences == sb.incidences && sa.embedded == sb.embedded);
}

TEST(backup_and_check)
{
	char dir[400], copy[400];
	snprintf(dir, sizeof dir, "%s/b", root);
	snprintf(copy, sizeof copy, "%s/b-copy", root);
	rv_collection *c;
	rv_db *db = open_db(dir, RV_DB_CREATE, 0, &c, true);
	CHECK(db != NULL);
	if (!db)
		return;
	add_records(c);
	put_range(c, 0, 300);
	CHECK_OK(rv_checkpoint(c));
	put_range(c, 300, 400);
	const char *gone[2] = {"h5", "h6"};
	CHECK_OK(rv_hyperedge_delete(c, 2, gone));
	CHECK_OK(rv_delete(c, "r3")); /* detaches */
	CHECK_OK(rv_db_backup(db, copy));
	char problem[512];
	CHECK_MSG(rv_db_check(copy, problem, sizeof problem) == RV_OK, "%s", problem);
	rv_collection *b;
	rv_db *dbb = open_db(copy, 0, 0, &b, false);
	CHECK(dbb != NULL);
	if (dbb) {
		same_edges(c, b, 400);
		rv_hit hits[5];
		char idbuf[RV_IDBUF_SIZE(5)];
		float q[D] = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f};
		rv_hsearch_params p;
		rv_hsearch_params_init(&p);
		p.window.kind = RV_WINDOW_ANY;
		p.flags = RV_SEARCH_EXACT;
		char a1[RV_IDBUF_SIZE(5)];
		rv_hit h1[5];
		int n1 = rv_hyperedge_search(c, q, D, 5, &p, h1, a1, sizeof a1);
		int n2 = rv_hyperedge_search(b, q, D, 5, &p, hits, idbuf, sizeof idbuf);
		CHECK(n1 == 5 && n2 == 5);
		for (int i = 0; i < n1 && i < n2; i++)
			CHECK(strcmp(h1[i].id, hits[i].id) == 0);
		rv_db_close(dbb);
	}
	CHECK_OK(rv_db_close(db));
	CHECK_MSG(rv_db_check(dir, problem, sizeof problem) == RV_OK, "%s", problem);
}

TEST(corruption_named)
{
	char dir[400], seg[500], wal[500];
	snprintf(dir, sizeof dir, "%s/k", root);
	rv_collection *c;
	rv_db *db = open_db(dir, RV_DB_CREATE, 0, &c, true);
	CHECK(db != NULL);
	if (!db)
		return;
	add_records(c);
	put_range(c, 0, 200);
	CHECK_OK(rv_checkpoint(c));
	put_range(c, 200, 210);
	float v[D] = {1};
	CHECK_OK(rv_insert(c, "after", v, D, 0)); /* a frame after the hyperedges: damage, not a torn tail */
	CHECK_OK(rv_db_close(db));
	snprintf(seg, sizeof seg, "%s/c/seg-000002.rvs", dir);
	snprintf(wal, sizeof wal, "%s/c/wal-000002.log", dir);
	size_t len;
	unsigned char *b = read_file(seg, &len);
	CHECK(b != NULL);
	if (!b)
		return;
	/* the section table: 48-byte entries from byte 64, kind at 0, offset at 8, length at 16 */
	uint64_t off = 0, slen = 0;
	for (uint32_t i = 0; i < get32(b + 32) && i < 32; i++)
		if (get32(b + 64 + 48 * i) == 30)
			off = get64(b + 64 + 48 * i + 8), slen = get64(b + 64 + 48 * i + 16);
	CHECK_MSG(off && slen > 1000, "the segment has no hyperedge section");
	char problem[512];
	for (int t = 0; t < 3 && off; t++) {
		uint64_t at = off + (slen * (uint64_t)(t + 1)) / 4;
		b[at] ^= 0x10;
		write_file(seg, b, len);
		int rc = rv_db_check(dir, problem, sizeof problem);
		CHECK_MSG(rc == RV_ECORRUPT && strstr(problem, "seg-000002.rvs") && strstr(problem, "byte "),
		          "flip at %llu: check %d: %s", (unsigned long long)at, rc, problem);
		rv_collection *x;
		rv_db *dbx = open_db(dir, 0, 0, &x, false);
		CHECK(dbx == NULL);
		if (dbx)
			rv_db_close(dbx);
		b[at] ^= 0x10;
		write_file(seg, b, len);
	}
	CHECK_MSG(rv_db_check(dir, problem, sizeof problem) == RV_OK, "restored: %s", problem);
	free(b);
	/* the log: frames from byte 64, (24 + length) rounded up to 8; type at 16 */
	b = read_file(wal, &len);
	CHECK(b != NULL);
	if (!b)
		return;
	int flipped = 0;
	for (uint64_t at = 64; at + 24 <= len && flipped < 3;) {
		uint32_t fl = get32(b + at + 4);
		if (b[at + 16] == 10) {
			uint64_t p = at + 24 + fl / 2;
			b[p] ^= 0x01;
			write_file(wal, b, len);
			int rc = rv_db_check(dir, problem, sizeof problem);
			CHECK_MSG(rc == RV_ECORRUPT && strstr(problem, "wal-000002.log") && strstr(problem, "byte "),
			          "log flip at %llu: check %d: %s", (unsigned long long)p, rc, problem);
			b[p] ^= 0x01;
			write_file(wal, b, len);
			flipped++;
		}
		at += (24 + (uint64_t)fl + 7) & ~(uint64_t)7;
	}
	CHECK(flipped == 3);
	CHECK_MSG(rv_db_check(dir, problem, sizeof problem) == RV_OK, "restored: %s", problem);
	free(b);
}

/* ---- kill -9 ---- */

enum { R_READY = 1, R_INTENT, R_ACK };
enum { OP_PUT = 1, OP_BATCH, OP_DEL, OP_RECDEL };

typedef struct msg {
	uint8_t kind, op;
	uint16_t pad;
	int32_t a; /* first hyperedge number, or the record number */
} msg;

static void send_msg(int fd, uint8_t kind, uint8_t op, int a)
{
	msg m = {kind, op, 0, a};
	if (write(fd, &m, sizeof m) != (ssize_t)sizeof m)
		_exit(3);
}

/* The child: writes until killed. Edge numbers start at `base`. */
static void child(const char *dir, int fd, int base, uint64_t seed)
{
	rv_collection *c;
	rv_db *db = open_db(dir, 0, 32 << 10, &c, false);
	if (!db)
		_exit(2);
	send_msg(fd, R_READY, 0, 0);
	test_rng r = {seed};
	int next = base;
	for (;;) {
		int op = (int)(rng_next(&r) % 10);
		char id[5][24], payload[5][48];
		const char *mem[5][3];
		float emb[5][D];
		rv_hyperedge e[5];
		if (op < 5) {
			edge_of(next, id[0], mem[0], emb[0], payload[0], &e[0]);
			send_msg(fd, R_INTENT, OP_PUT, next);
			if (rv_hyperedge_put(c, 1, e, 0) != RV_OK)
				_exit(4);
			send_msg(fd, R_ACK, OP_PUT, next);
			next++;
		} else if (op < 8) {
			for (int j = 0; j < 5; j++)
				edge_of(next + j, id[j], mem[j], emb[j], payload[j], &e[j]);
			send_msg(fd, R_INTENT, OP_BATCH, next);
			if (rv_hyperedge_put(c, 5, e, 0) != RV_OK)
				_exit(4);
			send_msg(fd, R_ACK, OP_BATCH, next);
			next += 5;
		} else if (op < 9 && next > base) {
			int victim = base + (int)(rng_next(&r) % (uint64_t)(next - base));
			snprintf(id[0], 24, "h%d", victim);
			const char *p = id[0];
			char buf[4096];
			if (rv_hyperedge_get(c, p, buf, sizeof buf, NULL) != RV_OK)
				continue;
			send_msg(fd, R_INTENT, OP_DEL, victim);
			if (rv_hyperedge_delete(c, 1, &p) != RV_OK)
				_exit(5);
			send_msg(fd, R_ACK, OP_DEL, victim);
		} else {
			/* a record leaves and comes back: its edges lose it */
			int v = (int)(rng_next(&r) % NREC);
			float vec[D] = {1, 0, 0, 0, 0, 0, 0, 1};
			send_msg(fd, R_INTENT, OP_RECDEL, v);
			if (rv_delete(c, rec_names[v]) != RV_OK || rv_insert(c, rec_names[v], vec, D, 0) != RV_OK)
				_exit(6);
			send_msg(fd, R_ACK, OP_RECDEL, v);
		}
	}
}

TEST(kill9_acknowledged_survive)
{
	char dir[400];
	snprintf(dir, sizeof dir, "%s/crash", root);
	rv_collection *c;
	rv_db *db = open_db(dir, RV_DB_CREATE, 0, &c, true);
	CHECK(db != NULL);
	if (!db)
		return;
	add_records(c);
	rv_db_close(db);
	int cycles = 40;
#ifdef RV_TEST_SMALL
	cycles = 10;
#endif
	if (getenv("RV_HYPER_CRASH_CYCLES"))
		cycles = atoi(getenv("RV_HYPER_CRASH_CYCLES"));
	test_rng r = {77};
	int base = 0;
	long acked_total = 0;
	for (int cy = 0; cy < cycles; cy++) {
		int fds[2];
		CHECK(pipe(fds) == 0);
		pid_t pid = fork();
		if (pid == 0) {
			close(fds[0]);
			child(dir, fds[1], base, 1000 + (uint64_t)cy);
			_exit(0);
		}
		close(fds[1]);
		/* wait for READY, then kill after a random time */
		struct pollfd pf = {fds[0], POLLIN, 0};
		msg m;
		CHECK(poll(&pf, 1, 20000) == 1 && read(fds[0], &m, sizeof m) == (ssize_t)sizeof m && m.kind == R_READY);
		struct timespec ts = {0, (long)(10 + rng_next(&r) % 150) * 1000000L};
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		int st;
		waitpid(pid, &st, 0);
		/* what the child said */
		msg *log = malloc(sizeof(msg) * 200000);
		size_t nl = 0;
		ssize_t got;
		while (nl < 200000 && (got = read(fds[0], &log[nl], sizeof(msg))) == (ssize_t)sizeof(msg))
			nl++;
		close(fds[0]);
		db = open_db(dir, 0, 0, &c, false);
		CHECK_MSG(db != NULL, "cycle %d: reopen failed: %s", cy, rv_errmsg(NULL));
		if (!db) {
			free(log);
			break;
		}
		/* replay the child's messages in order: last acknowledged state of
		 * each hyperedge, and what was in flight */
		char buf[4096], id[24];
		int hi = base;
		for (size_t i = 0; i < nl; i++) {
			if (log[i].kind != R_ACK)
				continue;
			acked_total++;
			int a = log[i].a;
			int n = log[i].op == OP_BATCH ? 5 : 1;
			if (log[i].op == OP_PUT || log[i].op == OP_BATCH) {
				if (a + n > hi)
					hi = a + n;
				/* acknowledged: present unless deleted later (acked or in
				 * flight) or detached away by a later record delete */
				for (int j = 0; j < n; j++) {
					bool later = false;
					for (size_t k = i + 1; k < nl; k++)
						later |= log[k].op == OP_RECDEL || (log[k].op == OP_DEL && log[k].a == a + j);
					snprintf(id, sizeof id, "h%d", a + j);
					int rc = rv_hyperedge_get(c, id, buf, sizeof buf, NULL);
					CHECK_MSG(later || rc == RV_OK, "cycle %d: acknowledged %s lost (%d)", cy, id, rc);
				}
			} else if (log[i].op == OP_DEL) {
				bool later = false; /* nothing writes the same id again */
				snprintf(id, sizeof id, "h%d", a);
				CHECK_MSG(later || rv_hyperedge_get(c, id, buf, sizeof buf, NULL) == RV_ENOTFOUND,
				          "cycle %d: deleted %s is back", cy, id);
			}
		}
		/* the batch in flight: all or nothing */
		if (nl && log[nl - 1].kind == R_INTENT && log[nl - 1].op == OP_BATCH) {
			int present = 0;
			for (int j = 0; j < 5; j++) {
				snprintf(id, sizeof id, "h%d", log[nl - 1].a + j);
				present += rv_hyperedge_get(c, id, buf, sizeof buf, NULL) == RV_OK;
			}
			CHECK_MSG(present == 0 || present == 5, "cycle %d: a batch in flight is partial (%d of 5)", cy,
			          present);
			hi = log[nl - 1].a + 5;
		} else if (nl && log[nl - 1].kind == R_INTENT && log[nl - 1].op == OP_PUT) {
			hi = log[nl - 1].a + 1;
		}
		base = hi + 100; /* the next child's ids never meet these */
		/* a record deletion killed before its re-insert leaves the record
		 * out: put every record back for the next child */
		float vec[D] = {1, 0, 0, 0, 0, 0, 0, 1};
		const char *all[NREC];
		float vecs[NREC * D];
		for (int v = 0; v < NREC; v++) {
			all[v] = rec_names[v];
			memcpy(vecs + v * D, vec, sizeof vec);
		}
		CHECK_OK(rv_insert_batch(c, NREC, all, vecs, D, RV_UPSERT));
		rv_db_close(db);
		free(log);
		char problem[512];
		CHECK_MSG(rv_db_check(dir, problem, sizeof problem) == RV_OK, "cycle %d: %s", cy, problem);
	}
	printf("kill -9: %d cycles, %ld acknowledged writes checked\n", cycles, acked_total);
	CHECK(acked_total > cycles);
}

int main(void)
{
	snprintf(root, sizeof root, "/tmp/rv_test_hyper_durable_%d", (int)getpid());
	rm_rf(root);
	mkdir(root, 0700);
	RUN(backup_and_check);
	RUN(corruption_named);
	RUN(kill9_acknowledged_survive);
	rm_rf(root);
	return harness_exit();
}
