/*
 * test_crash.c: an acknowledged write survives kill -9.
 *
 * Each cycle forks a child that opens the database (full sync) and writes
 * as fast as it can: single inserts, batches of 20, deletes and updates of
 * its own earlier writes, with checkpoints triggered by a small log
 * threshold. Before each operation it sends the parent an intent record
 * through a pipe, and after the call returns an acknowledgement. The parent
 * kills it with SIGKILL at a random moment, reads what was sent, reopens the
 * database (recovery) and checks that
 *   - every acknowledged write is there (and every acknowledged delete is);
 *   - the one operation in flight when it died is there entirely or not at
 *     all (a batch is never partial);
 *   - rv_db_check finds nothing wrong.
 * The next cycle's child starts from the recovered state, for EPOCH
 * cycles; then the database and the model start again empty, so a long run
 * costs the same per cycle throughout (one database growing through 10,000
 * cycles made each cycle's check slower than the last, and would overflow
 * the model's table). 300 cycles by default (CI); RV_CRASH_CYCLES sets
 * another number (`make stress`: 10000).
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
#define BATCH 20
#define MAX_IDS (1 << 20)
#define EPOCH 250 /* cycles on one database */

enum { R_READY = 1, R_INTENT, R_ACK };
enum { OP_INSERT = 1, OP_BATCH, OP_DELETE, OP_UPDATE };

/* One pipe message; smaller than PIPE_BUF, so each write is atomic. */
typedef struct rec {
	uint8_t kind, op;
	uint16_t pad;
	int32_t version;
	char id[48]; /* for a batch: the prefix of its ids */
} rec;

static char dir[256];

static void vec_of(const char *id, int version, float *v)
{
	uint64_t h = 1469598103934665603ull + (uint64_t)version * 104729;
	for (const char *p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	test_rng r = {h};
	for (int j = 0; j < D; j++)
		v[j] = rng_float(&r);
}

/* ---- the parent's model: id -> version (-1 deleted), a small hash map ---- */

typedef struct entry {
	char id[48];
	int version;
} entry;

static entry *table;
static size_t table_n;

static entry *lookup(const char *id, bool create)
{
	uint64_t h = 1469598103934665603ull;
	for (const char *p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	for (size_t i = h & (MAX_IDS - 1);; i = (i + 1) & (MAX_IDS - 1)) {
		if (!table[i].id[0]) {
			if (!create)
				return NULL;
			snprintf(table[i].id, sizeof table[i].id, "%s", id);
			table[i].version = -1;
			table_n++;
			return &table[i];
		}
		if (!strcmp(table[i].id, id))
			return &table[i];
	}
}

/* ---- the child ---- */

static void send_rec(int fd, uint8_t kind, uint8_t op, int version, const char *id)
{
	rec r = {kind, op, 0, version, ""};
	snprintf(r.id, sizeof r.id, "%s", id);
	if (write(fd, &r, sizeof r) != (ssize_t)sizeof r)
		_exit(3);
}

static rv_db *open_db(rv_collection **c)
{
	rv_db_options o;
	rv_db_options_init(&o);
	o.durability = RV_SYNC_FULL;
	o.checkpoint_bytes = 64 << 10; /* checkpoints often, so some kills land in one */
	rv_db *db;
	if (rv_db_open(dir, &o, &db) != RV_OK)
		return NULL;
	if (rv_db_open_collection(db, "c", c) != RV_OK) {
		rv_db_close(db);
		return NULL;
	}
	return db;
}

static void child(int fd, int cycle)
{
	rv_collection *c;
	rv_db *db = open_db(&c);
	if (!db)
		_exit(2);
	send_rec(fd, R_READY, 0, 0, "");
	test_rng r = {(uint64_t)cycle * 31 + 7};
	char mine[4096][48];
	int versions[4096], nmine = 0;
	float v[BATCH * D];
	char id[40], names[BATCH][56];
	const char *ids[BATCH];
	for (int n = 0;; n++) {
		int pick = (int)(rng_next(&r) % 10);
		if (pick < 5 || nmine == 0) {
			snprintf(id, sizeof id, "c%d-s%d", cycle, n);
			vec_of(id, 0, v);
			send_rec(fd, R_INTENT, OP_INSERT, 0, id);
			if (rv_insert(c, id, v, D, 0) != RV_OK)
				_exit(4);
			send_rec(fd, R_ACK, OP_INSERT, 0, id);
			if (nmine < 4096)
				snprintf(mine[nmine], 48, "%s", id), versions[nmine++] = 0;
		} else if (pick < 7) {
			snprintf(id, sizeof id, "c%d-b%d-", cycle, n);
			for (int j = 0; j < BATCH; j++) {
				snprintf(names[j], sizeof names[j], "%s%d", id, j);
				ids[j] = names[j];
				vec_of(names[j], 0, v + j * D);
			}
			send_rec(fd, R_INTENT, OP_BATCH, 0, id);
			if (rv_insert_batch(c, BATCH, ids, v, D, 0) != RV_OK)
				_exit(5);
			send_rec(fd, R_ACK, OP_BATCH, 0, id);
		} else {
			int k = (int)(rng_next(&r) % (uint64_t)nmine);
			if (versions[k] < 0)
				continue;
			if (pick < 8) {
				send_rec(fd, R_INTENT, OP_DELETE, -1, mine[k]);
				if (rv_delete(c, mine[k]) != RV_OK)
					_exit(6);
				send_rec(fd, R_ACK, OP_DELETE, -1, mine[k]);
				versions[k] = -1;
			} else {
				vec_of(mine[k], versions[k] + 1, v);
				send_rec(fd, R_INTENT, OP_UPDATE, versions[k] + 1, mine[k]);
				if (rv_update(c, mine[k], v, D) != RV_OK)
					_exit(7);
				send_rec(fd, R_ACK, OP_UPDATE, versions[k] + 1, mine[k]);
				versions[k]++;
			}
		}
	}
}

/* ---- the parent ---- */

static void apply(const rec *r)
{
	if (r->op == OP_BATCH) {
		char id[64];
		for (int j = 0; j < BATCH; j++) {
			snprintf(id, sizeof id, "%s%d", r->id, j);
			lookup(id, true)->version = 0;
		}
	} else {
		lookup(r->id, true)->version = r->version;
	}
}

/* 0 absent, 1 present with version v, -1 present with another vector */
static int state_of(rv_collection *c, const char *id, int v)
{
	float want[D], out[D];
	if (rv_get(c, id, out, D) != RV_OK)
		return 0;
	vec_of(id, v, want);
	return memcmp(want, out, sizeof out) == 0 ? 1 : -1;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void one_cycle(int cycle, test_rng *r, long *acked, long *inflight_seen)
{
	int p[2];
	if (pipe(p) != 0)
		exit(2);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		child(p[1], cycle);
	}
	close(p[1]);
	/* wait for the child to be open, then let it write for 0-30 ms */
	rec buf[4096];
	size_t n = 0;
	double kill_at = -1;
	struct pollfd pf = {p[0], POLLIN, 0};
	for (;;) {
		int wait_ms = kill_at < 0 ? 5000 : (int)(kill_at - now_ms());
		if (kill_at >= 0 && wait_ms <= 0)
			break;
		if (poll(&pf, 1, wait_ms) <= 0)
			break;
		ssize_t got = read(p[0], (char *)buf + n * sizeof(rec), sizeof(rec));
		if (got != sizeof(rec))
			break;
		if (buf[n].kind == R_READY && kill_at < 0)
			kill_at = now_ms() + (double)(rng_next(r) % 30000) / 1000.0;
		else if (n + 1 < 4096)
			n++;
	}
	kill(pid, SIGKILL);
	int status;
	waitpid(pid, &status, 0);
	CHECK_MSG(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "cycle %d: the child ended by itself (status %d)",
	          cycle, status);
	/* what the child sent before it died */
	while (n < 4096 && read(p[0], &buf[n], sizeof(rec)) == (ssize_t)sizeof(rec))
		if (buf[n].kind != R_READY)
			n++;
	close(p[0]);
	const rec *inflight = NULL;
	for (size_t i = 0; i < n; i++) {
		if (buf[i].kind == R_INTENT) {
			inflight = &buf[i];
		} else if (buf[i].kind == R_ACK) {
			apply(&buf[i]);
			inflight = NULL;
			(*acked)++;
		}
	}

	/* recover and compare */
	rv_collection *c;
	rv_db *db = open_db(&c);
	CHECK_MSG(db != NULL, "cycle %d: reopening failed: %s", cycle, rv_errmsg(NULL));
	if (!db)
		exit(1);
	if (inflight) {
		(*inflight_seen)++;
		if (inflight->op == OP_BATCH) {
			char id[64];
			int present = 0;
			for (int j = 0; j < BATCH; j++) {
				snprintf(id, sizeof id, "%s%d", inflight->id, j);
				present += state_of(c, id, 0) == 1;
			}
			CHECK_MSG(present == 0 || present == BATCH, "cycle %d: batch %s is partial (%d of %d)", cycle,
			          inflight->id, present, BATCH);
			if (present == BATCH)
				apply(inflight);
		} else {
			entry *e = lookup(inflight->id, true);
			int now = inflight->op == OP_DELETE ? (state_of(c, inflight->id, e->version) == 0 ? -1 : e->version)
			                                    : state_of(c, inflight->id, inflight->version) == 1 ? inflight->version
			                                                                                        : e->version;
			e->version = now;
		}
	}
	size_t present = 0, wrong = 0;
	for (size_t i = 0; i < MAX_IDS; i++) {
		if (!table[i].id[0])
			continue;
		int s = state_of(c, table[i].id, table[i].version < 0 ? 0 : table[i].version);
		if (table[i].version < 0) {
			wrong += s != 0;
		} else {
			present++;
			wrong += s != 1;
		}
	}
	CHECK_MSG(wrong == 0, "cycle %d: %zu acknowledged writes missing or wrong", cycle, wrong);
	CHECK_MSG(rv_count(c) == present, "cycle %d: count %zu, model %zu", cycle, rv_count(c), present);
	rv_db_close(db);
	char problem[512];
	CHECK_MSG(rv_db_check(dir, problem, sizeof problem) == RV_OK, "cycle %d: check: %s", cycle, problem);
	if (wrong)
		exit(1); /* the model is out of step: later cycles would only add noise */
}

/* An empty database and model. */
static void start_epoch(const char *rm)
{
	if (system(rm) != 0)
		exit(2);
	memset(table, 0, MAX_IDS * sizeof *table);
	table_n = 0;
	rv_db_options o;
	rv_db_options_init(&o);
	o.flags = RV_DB_CREATE;
	rv_db *db;
	rv_collection *c;
	CHECK_OK(rv_db_open(dir, &o, &db));
	rv_options co;
	rv_options_init(&co);
	co.dim = D;
	co.ef_construction = 40;
	co.exact_threshold = 500; /* the graph comes into play as it grows */
	CHECK_OK(rv_db_create_collection(db, "c", &co, &c));
	CHECK_OK(rv_db_close(db));
}

TEST(kill_minus_nine)
{
	const char *env = getenv("RV_CRASH_CYCLES");
	int cycles = env ? atoi(env) : 300;
	table = calloc(MAX_IDS, sizeof *table);
	if (!table)
		exit(2);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	test_rng r = {2024};
	long acked = 0, inflight = 0;
	size_t most = 0;
	double t0 = now_ms();
	for (int cycle = 0; cycle < cycles; cycle++) {
		if (cycle % EPOCH == 0)
			start_epoch(cmd);
		one_cycle(cycle, &r, &acked, &inflight);
		most = table_n > most ? table_n : most;
		if ((cycle + 1) % 1000 == 0)
			printf("  %d cycles, %.1f s\n", cycle + 1, (now_ms() - t0) / 1000.0), fflush(stdout);
	}
	printf("  %d kill -9 cycles in %.1f s (a fresh database every %d): %ld acknowledged writes checked, "
	       "%ld killed in flight, up to %zu ids in one database\n",
	       cycles, (now_ms() - t0) / 1000.0, EPOCH, acked, inflight, most);
	CHECK(acked > cycles); /* the children did write */
	if (system(cmd) != 0)
		exit(2);
	free(table);
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/rv_test_crash_%d", (int)getpid());
	RUN(kill_minus_nine);
	return harness_exit();
}
