/*
 * test_hashtab.c: the core's hash function and hash table (src/util/hashtab.h).
 *
 * The hash is a format (the id map's segments keep its low 32 bits), so it
 * is checked against values computed by the release that wrote format 1
 * and 2 segments, and against a reference loop written here. The table is
 * driven by random inserts, finds and removals checked against a plain
 * presence array, with hashes chosen to collide in long runs that wrap
 * around the end of the bucket array (where backward-shift removal is
 * easiest to get wrong); after every step each entry must be reachable
 * from its home without crossing an empty bucket. Out of memory on growth
 * must leave the table as it was.
 */
#include "harness.h"

#include "../src/util/alloc.h"
#include "../src/util/hashtab.h"
#include "ruvector.h"

/* the test's own buffers come from libc */
#undef malloc
#undef free
#undef calloc

/* ---- the hash ---- */

static uint64_t reference_hash(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ull ^ n; /* FNV offset basis, xor the length */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull; /* FNV prime */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 33);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

TEST(hash_is_the_format)
{
	/* Segments written by earlier releases hold these (low 32 bits) in
	 * their id tables; a different value here means they no longer open
	 * correctly. */
	static const struct {
		const char *s;
		uint64_t h;
	} golden[] = {
		{"", 0xecba3df2c3383c52ull},
		{"a", 0xab41e0ad57b1d6d3ull},
		{"doc-1", 0xeb4f04a9067c6dfeull},
		{"note-12", 0x199e1c779aabe815ull},
		{"\xce\xb1\xce\xb2", 0xeb2861132f71b3aaull},
	};
	for (size_t i = 0; i < sizeof golden / sizeof *golden; i++)
		CHECK_MSG(rv_hash_bytes(golden[i].s, strlen(golden[i].s)) == golden[i].h, "\"%s\"", golden[i].s);
	test_rng r = {7};
	char buf[300];
	for (int t = 0; t < 2000; t++) {
		size_t n = rng_next(&r) % sizeof buf;
		for (size_t i = 0; i < n; i++)
			buf[i] = (char)rng_next(&r);
		CHECK(rv_hash_bytes(buf, n) == reference_hash(buf, n));
	}
	/* the length is hashed: a prefix of zeros differs from a shorter one */
	CHECK(rv_hash_bytes("\0\0", 2) != rv_hash_bytes("\0", 1));
	/* rv_hash_u32 is a bijection: no two of a run of inputs collide */
	enum { N = 1 << 16 };
	uint32_t *seen = calloc(N, sizeof *seen);
	size_t same = 0;
	for (uint32_t x = 0; x < N; x++)
		seen[x] = rv_hash_u32(x);
	qsort(seen, N, sizeof *seen, cmp_u32);
	for (uint32_t x = 1; x < N; x++)
		same += seen[x] == seen[x - 1];
	CHECK(same == 0);
	free(seen);
}

/* ---- the table ---- */

/* Keys are numbers < NKEYS; the value stored for key k is k itself, and the
 * hash is chosen by `mode` to make runs. */
enum { NKEYS = 4000 };

static uint32_t key_hash(uint32_t k, int mode)
{
	switch (mode) {
	case 0:
		return rv_hash_u32(k);
	case 1:
		return k % 61; /* long runs from the first buckets */
	default:
		return UINT32_MAX - k % 13; /* homes at the last buckets: runs wrap */
	}
}

static bool same_key(const void *ctx, uint32_t v, const void *key, size_t len)
{
	(void)ctx;
	(void)len;
	return v == *(const uint32_t *)key;
}

static size_t find(const rv_hashtab *t, uint32_t k, int mode, bool *found)
{
	return rv_hashtab_probe(t, key_hash(k, mode), same_key, NULL, &k, sizeof k, found);
}

/* Every entry sits at or after its home with no empty bucket in between;
 * the count and the entries match `present`. */
static void check_table(const rv_hashtab *t, const bool *present, int mode)
{
	size_t n = 0, live = 0;
	bool ok = true;
	for (uint32_t k = 0; k < NKEYS; k++)
		live += present[k];
	for (size_t i = rv_hashtab_next(t, 0); i < t->cap; i = rv_hashtab_next(t, i + 1)) {
		uint32_t v = t->b[i].value;
		n++;
		ok &= v < NKEYS && present[v] && t->b[i].hash == key_hash(v, mode);
		for (size_t j = t->b[i].hash & (t->cap - 1); j != i; j = (j + 1) & (t->cap - 1))
			ok &= t->b[j].value != RV_HASHTAB_NONE;
	}
	CHECK_MSG(ok, "mode %d: an entry out of place or unknown", mode);
	CHECK_MSG(n == live && t->count == live, "mode %d: %zu entries, count %zu, %zu live", mode, n, t->count, live);
	CHECK(t->cap == 0 || ((t->cap & (t->cap - 1)) == 0 && t->count * 4 <= t->cap * 3));
}

TEST(random_operations)
{
	for (int mode = 0; mode < 3; mode++) {
		rv_hashtab t = {0};
		bool present[NKEYS] = {0};
		test_rng r = {100 + (uint64_t)mode};
		size_t wrong = 0;
		for (int step = 0; step < 40000; step++) {
			uint32_t k = (uint32_t)(rng_next(&r) % (step < 20000 ? NKEYS : NKEYS / 8));
			bool found;
			size_t i = find(&t, k, mode, &found);
			wrong += found != present[k] || (found && t.b[i].value != k);
			if (rng_next(&r) % 3 != 0) {
				if (!found) {
					CHECK(rv_hashtab_insert(&t, &i, key_hash(k, mode), k));
					present[k] = true;
				}
			} else if (found) {
				rv_hashtab_remove_at(&t, i);
				present[k] = false;
			}
			if (step % 997 == 0)
				check_table(&t, present, mode);
		}
		CHECK_MSG(wrong == 0, "mode %d: %zu lookups disagreed with the reference", mode, wrong);
		check_table(&t, present, mode);
		/* remove everything, in key order */
		for (uint32_t k = 0; k < NKEYS; k++) {
			bool found;
			size_t i = find(&t, k, mode, &found);
			CHECK(found == present[k]);
			if (found)
				rv_hashtab_remove_at(&t, i);
			present[k] = false;
		}
		check_table(&t, present, mode);
		CHECK(rv_hashtab_find(&t, key_hash(1, mode), same_key, NULL, &(uint32_t){1}, 4) == RV_HASHTAB_NONE);
		rv_hashtab_free(&t);
		CHECK(t.b == NULL && t.cap == 0 && t.count == 0);
	}
}

TEST(reserve_and_growth)
{
	rv_hashtab t = {0};
	bool found;
	CHECK(rv_hashtab_probe(&t, 5, same_key, NULL, &(uint32_t){5}, 4, &found) == 0 && !found);
	CHECK(rv_hashtab_reserve(&t, 1000));
	size_t cap = t.cap;
	CHECK(cap >= 1334 && (cap & (cap - 1)) == 0);
	rv_hashtab_bucket *b = t.b;
	bool present[NKEYS] = {0};
	for (uint32_t k = 0; k < 1000; k++) {
		size_t i = find(&t, k, 0, &found);
		CHECK(!found && rv_hashtab_insert(&t, &i, key_hash(k, 0), k));
		present[k] = true;
	}
	CHECK_MSG(t.b == b && t.cap == cap, "reserved room was not enough");
	check_table(&t, present, 0);
	CHECK(!rv_hashtab_reserve(&t, SIZE_MAX / 2));
	CHECK(t.b == b && t.cap == cap && t.count == 1000);
	rv_hashtab_free(&t);
}

TEST(out_of_memory_leaves_it_unchanged)
{
	rv_hashtab t = {0};
	bool present[NKEYS] = {0};
	uint32_t k = 0;
	/* fill to the brim of the first size */
	for (;; k++) {
		bool found;
		size_t i = find(&t, k, 2, &found);
		if (t.cap && (t.count + 1) * 4 > t.cap * 3)
			break;
		CHECK(rv_hashtab_insert(&t, &i, key_hash(k, 2), k));
		present[k] = true;
	}
	rv_hashtab_bucket copy[64];
	size_t cap = t.cap, count = t.count;
	CHECK(cap <= 64);
	memcpy(copy, t.b, cap * sizeof *copy);
	rv_alloc_fail_after(0);
	bool found;
	size_t i = find(&t, k, 2, &found);
	bool ok = rv_hashtab_insert(&t, &i, key_hash(k, 2), k);
	bool reserved = rv_hashtab_reserve(&t, count + 1);
	rv_alloc_fail_after(-1);
	CHECK(!ok && !reserved);
	CHECK(t.cap == cap && t.count == count && !memcmp(copy, t.b, cap * sizeof *copy));
	check_table(&t, present, 2);
	/* and with memory it goes in */
	i = find(&t, k, 2, &found);
	CHECK(!found && rv_hashtab_insert(&t, &i, key_hash(k, 2), k));
	present[k] = true;
	CHECK(t.cap == cap * 2);
	check_table(&t, present, 2);
	rv_hashtab_free(&t);
}

int main(void)
{
	RUN(hash_is_the_format);
	RUN(random_operations);
	RUN(reserve_and_growth);
	RUN(out_of_memory_leaves_it_unchanged);
	return harness_exit();
}
