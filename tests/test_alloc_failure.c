/*
 * test_alloc_failure.c: out of memory is an error code, never a crash, a
 * leak or a half-applied change.
 *
 * A reference workload (create, batch insert on two threads, single
 * inserts, upsert, update, search exact and approximate, delete, vacuum,
 * optimize, free) is replayed with the Nth allocation failing, for every N
 * until the workload completes without meeting a failure. Each call must
 * succeed or report RV_ENOMEM, and a call that failed must leave the
 * collection as it was. A counting allocator installed with
 * rv_set_allocator() then proves that every byte is given back. Under
 * AddressSanitizer (make SANITIZE=address,undefined test) leaks and
 * invalid accesses on the failure paths are caught as well.
 */
#include "harness.h"

#include <stdatomic.h>

#include "../src/util/alloc.h"
#include "ruvector.h"

#undef malloc
#undef realloc
#undef free
#undef calloc

#define D 8
#define N 400

static float data[N * D];
static char names[N][16];
static const char *ids[N];

/* A call may fail only with RV_ENOMEM. */
#define MAYFAIL(expr)                                                                   \
	({                                                                                  \
		int rc_ = (expr);                                                               \
		CHECK_MSG(rc_ == RV_OK || rc_ == RV_ENOMEM, "%s returned %d (%s)", #expr, rc_,  \
		          rv_strerror(rc_));                                                    \
		rc_;                                                                            \
	})

/* get() allocates nothing, so it can verify state while memory is out. */
static void present(rv_collection *c, size_t i, bool want, const char *when)
{
	float out[D];
	int rc = rv_get(c, ids[i], out, D);
	CHECK_MSG(rc == (want ? RV_OK : RV_ENOTFOUND), "%s: %s %s", when, ids[i], want ? "missing" : "present");
	if (rc == RV_OK)
		CHECK(!memcmp(out, data + i * D, sizeof out));
}

/* Run the workload with allocation number `fail_after` and every later one
 * failing (fail_after < 0: none fails). Returns true when it completed
 * without reaching the failure. */
static bool workload(long fail_after)
{
	rv_alloc_fail_after(fail_after);
	rv_options o;
	rv_options_init(&o);
	o.dim = D;
	o.exact_threshold = 50;
	o.threads = 2;
	rv_collection *c = NULL;
	if (MAYFAIL(rv_collection_new(&o, &c)) != RV_OK) {
		CHECK(c == NULL);
		return rv_alloc_fail_after(-1) < fail_after;
	}
	/* batch insert: all or nothing */
	size_t half = N / 2;
	int rc = MAYFAIL(rv_insert_batch(c, half, ids, data, D, 0));
	CHECK(rv_count(c) == (rc == RV_OK ? half : 0));
	present(c, 0, rc == RV_OK, "batch");
	present(c, half - 1, rc == RV_OK, "batch");
	/* single inserts: each all or nothing */
	for (size_t i = half; i < half + 40; i++) {
		size_t before = rv_count(c);
		rc = MAYFAIL(rv_insert(c, ids[i], data + i * D, D, 0));
		CHECK(rv_count(c) == before + (rc == RV_OK));
		present(c, i, rc == RV_OK, "insert");
	}
	/* searches */
	rv_hit h[10];
	char idbuf[RV_IDBUF_SIZE(10)];
	for (int e = 0; e < 2; e++) {
		rv_search_params p = {.ef = 30, .flags = e ? RV_SEARCH_EXACT : 0};
		int n = rv_search(c, data + 3 * D, D, 10, &p, h, idbuf, sizeof idbuf);
		CHECK_MSG(n >= 0 || n == RV_ENOMEM, "search returned %d", n);
	}
	/* update: the new vector or the old one, never something else */
	float v[D] = {1, 2, 3, 4, 5, 6, 7, 8}, out[D];
	if (rv_get(c, ids[half], out, D) == RV_OK) {
		rc = MAYFAIL(rv_update(c, ids[half], v, D));
		CHECK_OK(rv_get(c, ids[half], out, D));
		CHECK(!memcmp(out, rc == RV_OK ? v : data + half * D, sizeof out));
		/* delete needs no memory it cannot do without */
		CHECK_OK(rv_delete(c, ids[half]));
		CHECK_RC(rv_get(c, ids[half], out, D), RV_ENOTFOUND);
	}
	if (rv_count(c) > 3) {
		const char *two[2] = {ids[1], ids[2]};
		rc = MAYFAIL(rv_delete_batch(c, 2, two));
		present(c, 1, rc != RV_OK, "delete batch");
	}
	MAYFAIL(rv_vacuum(c));
	MAYFAIL(rv_optimize(c));
	bool completed = rv_alloc_fail_after(-1) < fail_after || fail_after < 0;
	/* with memory back, the graph must be sound whatever failed */
	rv_check_report r;
	CHECK_MSG(rv_check(c, &r) == RV_OK, "graph after failure at %ld: %s", fail_after, r.first_problem);
	CHECK(r.nodes == rv_count(c));
	rv_collection_free(c);
	return completed;
}

TEST(every_allocation_can_fail)
{
	long n;
	int runs = 0;
	for (n = 0; n < 100000; n++) {
		runs++;
		if (workload(n))
			break;
	}
	printf("  replayed the workload %d times, failing allocation 0..%ld in turn\n", runs, n - 1);
	CHECK(n < 100000 && runs > 50);
	rv_alloc_fail_after(-1);
}

/* ---- a counting allocator ---- */

static atomic_long live_blocks, total_blocks;

static void *count_malloc(void *ctx, size_t n)
{
	(void)ctx;
	void *p = malloc(n);
	if (p)
		atomic_fetch_add(&live_blocks, 1), atomic_fetch_add(&total_blocks, 1);
	return p;
}

static void *count_realloc(void *ctx, void *old, size_t n)
{
	(void)ctx;
	void *p = realloc(old, n);
	if (p && !old)
		atomic_fetch_add(&live_blocks, 1), atomic_fetch_add(&total_blocks, 1);
	return p;
}

static void count_free(void *ctx, void *p)
{
	(void)ctx;
	if (p)
		atomic_fetch_sub(&live_blocks, 1);
	free(p);
}

TEST(pluggable_allocator_sees_everything_returned)
{
	rv_allocator a = {count_malloc, count_realloc, count_free, NULL};
	CHECK_OK(rv_set_allocator(&a));
	CHECK(workload(-1));
	CHECK_MSG(atomic_load(&live_blocks) == 0, "%ld blocks still live after free", atomic_load(&live_blocks));
	CHECK(atomic_load(&total_blocks) > 10);
	/* it cannot be swapped while an object exists */
	rv_options o;
	rv_options_init(&o);
	o.dim = 4;
	rv_collection *c;
	CHECK_OK(rv_collection_new(&o, &c));
	CHECK_RC(rv_set_allocator(NULL), RV_EBUSY);
	rv_collection_free(c);
	CHECK(atomic_load(&live_blocks) == 0);
	CHECK_OK(rv_set_allocator(NULL));
	rv_allocator bad = {NULL, count_realloc, count_free, NULL};
	CHECK_RC(rv_set_allocator(&bad), RV_EINVAL);
}

int main(void)
{
	test_rng r = {8};
	for (size_t i = 0; i < N * D; i++)
		data[i] = rng_float(&r);
	for (size_t i = 0; i < N; i++) {
		snprintf(names[i], sizeof names[i], "id%u", (unsigned)i);
		ids[i] = names[i];
	}
	RUN(every_allocation_can_fail);
	RUN(pluggable_allocator_sees_everything_returned);
	return harness_exit();
}
