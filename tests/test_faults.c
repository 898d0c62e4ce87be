/*
 * test_faults.c: fault injection. A reference workload (create a database
 * and a collection; batch and single inserts, deletes, an update, a
 * checkpoint, close and reopen, more writes, a compaction, close) is run
 * once per file operation it makes, with that one operation failing: every
 * write, sync (of a file or a directory), rename, truncate and mmap, with
 * EIO, ENOSPC, and for writes a short write. Then, with the faults gone,
 * the database is reopened and must hold exactly the writes that were
 * acknowledged (a failed call shows the state before it), pass rv_db_check,
 * and, under AddressSanitizer, nothing may leak.
 */
#include "harness.h"

#include <sys/stat.h>
#include <unistd.h>

#include "fault_vfs.h"
#include "ruvector.h"

#define D 8
#define MAXIDS 200

typedef struct model {
	bool exists;          /* the collection was created */
	int n;
	char name[MAXIDS][16];
	int version[MAXIDS];  /* -1: absent */
} model;

static char dir[256];

static void vec_of(const char *name, int version, float *v)
{
	uint64_t h = 1469598103934665603ull + (uint64_t)version * 7919;
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	test_rng r = {h};
	for (int j = 0; j < D; j++)
		v[j] = rng_float(&r);
}

static int find(model *m, const char *name)
{
	for (int i = 0; i < m->n; i++)
		if (!strcmp(m->name[i], name))
			return i;
	snprintf(m->name[m->n], 16, "%s", name);
	m->version[m->n] = -1;
	return m->n++;
}

/* What a failed call may return. */
static void allowed(int rc, const char *what)
{
	CHECK_MSG(rc == RV_OK || rc == RV_EIO || rc == RV_ENOSPC || rc == RV_EREADONLY, "%s returned %d (%s)", what,
	          rc, rv_strerror(rc));
}

static int insert(rv_collection *c, model *m, const char *prefix, int count, bool batch)
{
	char names[64][16];
	const char *ids[64] = {0};
	float vs[64 * D] = {0};
	for (int i = 0; i < count; i++) {
		snprintf(names[i], 16, "%s%d", prefix, i);
		ids[i] = names[i];
		vec_of(names[i], 0, vs + i * D);
	}
	int rc = RV_OK;
	if (batch) {
		rc = rv_insert_batch(c, (size_t)count, ids, vs, D, 0);
		allowed(rc, "insert_batch");
		for (int i = 0; rc == RV_OK && i < count; i++)
			m->version[find(m, ids[i])] = 0;
	} else {
		for (int i = 0; i < count; i++) {
			int r = rv_insert(c, ids[i], vs + i * D, D, 0);
			allowed(r, "insert");
			if (r == RV_OK)
				m->version[find(m, ids[i])] = 0;
			else
				rc = r;
		}
	}
	return rc;
}

static void del(rv_collection *c, model *m, int n, const char **ids)
{
	bool all_there = true;
	for (int i = 0; i < n; i++)
		all_there &= m->version[find(m, ids[i])] >= 0;
	int rc = n == 1 ? rv_delete(c, ids[0]) : rv_delete_batch(c, (size_t)n, ids);
	/* An earlier insert failed: nothing to delete; or its sync failed after
	 * it was applied in memory, and the error state refuses the delete. */
	if (!all_there)
		CHECK_MSG(rc == RV_ENOTFOUND || rc == RV_EREADONLY, "delete returned %d", rc);
	else
		allowed(rc, "delete");
	for (int i = 0; rc == RV_OK && i < n; i++)
		m->version[find(m, ids[i])] = -1;
}

static void update(rv_collection *c, model *m, const char *id)
{
	float v[D];
	int k = find(m, id);
	vec_of(id, m->version[k] + 1, v);
	int rc = rv_update(c, id, v, D);
	if (m->version[k] < 0) /* as in del() */
		CHECK_MSG(rc == RV_ENOTFOUND || rc == RV_EREADONLY, "update returned %d", rc);
	else
		allowed(rc, "update");
	if (rc == RV_OK)
		m->version[k]++;
}

static rv_db *open_db(uint32_t flags, int *rc)
{
	rv_db_options o;
	rv_db_options_init(&o);
	o.flags = flags;
	o.checkpoint_bytes = 0;
	rv_db *db = NULL;
	*rc = rv_db_open(dir, &o, &db);
	return db;
}

static void workload(model *m)
{
	memset(m, 0, sizeof *m);
	int rc;
	rv_db *db = open_db(RV_DB_CREATE, &rc);
	allowed(rc, "db_open create");
	if (!db)
		return;
	rv_options o;
	rv_options_init(&o);
	o.dim = D;
	o.exact_threshold = 0;
	o.threads = 2;
	rv_collection *c = NULL;
	rc = rv_db_create_collection(db, "c", &o, &c);
	allowed(rc, "create_collection");
	if (rc == RV_OK) {
		m->exists = true;
		insert(c, m, "b", 40, true);
		insert(c, m, "s", 6, false);
		const char *two[2] = {"b5", "b6"};
		del(c, m, 2, two);
		update(c, m, "s3");
		allowed(rv_checkpoint(c), "checkpoint");
	}
	allowed(rv_db_close(db), "db_close");
	if (!m->exists)
		return;
	/* reopen in the middle: replay and mapping happen under faults too */
	db = open_db(0, &rc);
	allowed(rc, "db_open");
	if (!db)
		return;
	rc = rv_db_open_collection(db, "c", &c);
	CHECK_MSG(rc == RV_OK || rc == RV_EIO || rc == RV_ENOSPC, "open_collection: %d %s", rc, rv_db_errmsg(db));
	if (rc == RV_OK) {
		insert(c, m, "c", 30, true);
		const char *one[1] = {"s1"};
		del(c, m, 1, one);
		allowed(rv_compact(c), "compact");
		insert(c, m, "t", 3, false);
		update(c, m, "b7");
	}
	allowed(rv_db_close(db), "db_close 2");
}

/* With the faults gone the database must hold exactly the model. */
static void verify(const model *m, const char *scenario)
{
	rv_vfs_install(NULL);
	int rc;
	rv_db *db = open_db(0, &rc);
	if (!m->exists) {
		rv_collection *c;
		CHECK_MSG(!db || rv_db_open_collection(db, "c", &c) == RV_ENOTFOUND,
		          "%s: a collection whose creation failed exists", scenario);
		rv_db_close(db);
		return;
	}
	CHECK_MSG(db != NULL, "%s: reopen failed: %s", scenario, rv_errmsg(NULL));
	if (!db)
		return;
	rv_collection *c;
	rc = rv_db_open_collection(db, "c", &c);
	CHECK_MSG(rc == RV_OK, "%s: reopening the collection: %s", scenario, rv_db_errmsg(db));
	if (rc == RV_OK) {
		size_t want = 0;
		float v[D], out[D];
		for (int i = 0; i < m->n; i++) {
			int r = rv_get(c, m->name[i], out, D);
			if (m->version[i] < 0) {
				CHECK_MSG(r == RV_ENOTFOUND, "%s: %s should be absent", scenario, m->name[i]);
				continue;
			}
			want++;
			vec_of(m->name[i], m->version[i], v);
			CHECK_MSG(r == RV_OK && !memcmp(v, out, sizeof v), "%s: %s missing or wrong (%d)", scenario,
			          m->name[i], r);
		}
		CHECK_MSG(rv_count(c) == want, "%s: count %zu, acknowledged %zu", scenario, rv_count(c), want);
	}
	rv_db_close(db);
	char problem[512];
	CHECK_MSG(rv_db_check(dir, problem, sizeof problem) == RV_OK, "%s: check: %s", scenario, problem);
}

static void clean(void)
{
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		exit(2);
}

TEST(every_failure_of_every_operation)
{
	fault_install();
	model m;
	/* a fault-free run: how many calls of each kind the workload makes */
	clean();
	fault_reset(F_WRITE, E_EIO, 0, false);
	workload(&m);
	long calls[F_KINDS];
	memcpy(calls, fv.count, sizeof calls);
	verify(&m, "no fault");
	printf("  the workload makes %ld writes, %ld syncs, %ld renames, %ld truncates, %ld mmaps\n", calls[F_WRITE],
	       calls[F_SYNC], calls[F_RENAME], calls[F_TRUNCATE], calls[F_MMAP]);
	CHECK(calls[F_WRITE] > 20 && calls[F_SYNC] > 10 && calls[F_RENAME] > 3 && calls[F_MMAP] >= 2);
	int runs = 0;
	for (int k = 0; k < F_KINDS; k++) {
		for (int e = 0; e < 3; e++) {
			if (e == E_SHORT && k != F_WRITE)
				continue;
			for (long n = 1; n <= calls[k]; n++) {
				char scenario[96];
				snprintf(scenario, sizeof scenario, "%s #%ld fails with %s", fault_kind_name[k], n,
				         fault_err_name[e]);
				clean();
				fault_install();
				fault_reset((fault_kind)k, (fault_err)e, n, false);
				workload(&m);
				verify(&m, scenario);
				runs++;
			}
		}
	}
	/* a failed append that cannot be cut off either: the log must refuse
	 * everything after, and reopening must still show only acknowledged
	 * writes */
	for (long n = 1; n <= calls[F_WRITE]; n++) {
		char scenario[96];
		snprintf(scenario, sizeof scenario, "write #%ld and the truncate after it fail", n);
		clean();
		fault_install();
		fault_reset(F_WRITE, E_SHORT, n, true);
		workload(&m);
		verify(&m, scenario);
		runs++;
	}
	printf("  %d faulty runs, each verified after reopening\n", runs);
	rv_vfs_install(NULL);
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/rv_test_faults_%d", (int)getpid());
	RUN(every_failure_of_every_operation);
	clean();
	return harness_exit();
}
