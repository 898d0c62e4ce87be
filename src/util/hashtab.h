/*
 * hashtab.h: the core's one hash function and one hash table.
 *
 * THE HASH. rv_hash_bytes is 64-bit FNV-1a, seeded with the offset basis
 * xor the length, followed by half of MurmurHash3's 64-bit finaliser (FNV's
 * low bits mix poorly on their own, and the table takes the low bits as
 * the home bucket). Users keep its low 32 bits. It is a FORMAT: the id map
 * writes its buckets, hash included, into segments (persist.h, section
 * IDBUCKS) and open uses them without rehashing, so changing one bit of
 * this function makes every existing database unable to find its ids.
 * rv_hash_u32 is the integer twin for tables keyed by a 32-bit number
 * (MurmurHash3's 32-bit finaliser, a bijection); nothing persists it.
 *
 * THE TABLE. Open addressing with linear probing over a power-of-two array
 * of 8-byte buckets, each (value, 32-bit hash), at most 3/4 full.
 * The table does not hold keys: the value is the caller's handle for an
 * entry (a slot, an index into its own array of records), and a probe asks
 * the caller whether the entry behind a value has the key looked for,
 * through a callback that is only called when the stored hash matches, so
 * most mismatches cost one integer compare and no memory access outside
 * the bucket array. Removal is by backward shift, so the table holds no
 * tombstones and never needs cleaning; growth doubles.
 *
 * The probe and the insert are static inline so that, with the compare
 * callback a static function of the caller, the compiler inlines the
 * callback into the loop: the loop is then as tight as a hand-written one
 * (the id map's lookup is on every insert and get).
 *
 * The usual sequence:
 *
 *	uint32_t h = (uint32_t)rv_hash_bytes(key, len);
 *	bool found;
 *	size_t i = rv_hashtab_probe(t, h, eq, ctx, key, len, &found);
 *	if (found)
 *		... t->b[i].value is the entry ...
 *	else if (!rv_hashtab_insert(t, &i, h, value))
 *		... out of memory, t unchanged ...
 *
 * A caller that must not fail between deciding and committing reserves
 * first (rv_hashtab_reserve); an insert then never allocates.
 *
 * The bucket layout (value first, then hash, no padding) is also the
 * on-disk form of the id map: do not reorder it.
 *
 * Locking: none; the owner of a table serialises access to it.
 */
#ifndef RV_HASHTAB_H
#define RV_HASHTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The value of an empty bucket: not a valid value. */
#define RV_HASHTAB_NONE UINT32_MAX

static inline uint64_t rv_hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)n;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static inline uint32_t rv_hash_u32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	x *= 0xc2b2ae35u;
	return x ^ (x >> 16);
}

typedef struct rv_hashtab_bucket {
	uint32_t value; /* the caller's handle; RV_HASHTAB_NONE: empty */
	uint32_t hash;  /* the key's hash (its low bits pick the home bucket) */
} rv_hashtab_bucket;

typedef struct rv_hashtab {
	rv_hashtab_bucket *b; /* cap buckets, or NULL when cap is 0 */
	size_t cap;           /* a power of two, or 0 */
	size_t count;         /* buckets in use, at most cap * 3 / 4 */
} rv_hashtab;

/* Whether the entry behind `value` has the key key[0..len). ctx is the
 * caller's (its records); called only for buckets whose hash matches. */
typedef bool (*rv_hashtab_eq_fn)(const void *ctx, uint32_t value, const void *key, size_t len);

/* An empty table is all zeros: `rv_hashtab t = {0};` */

/* Frees the buckets; the table is then empty (and usable). */
void rv_hashtab_free(rv_hashtab *t);

/* Makes room for n entries in all, so that inserting up to n - count new
 * ones does not allocate. false, with t unchanged, when out of memory or
 * when n is too large to size. */
bool rv_hashtab_reserve(rv_hashtab *t, size_t n);

/* Empties bucket i (in use) and closes the hole by backward shift: later
 * members of the probe run move up unless their home lies cyclically in
 * (i, their bucket]. Bucket indexes other than i's run do not change;
 * within the run they may, so probe again after a removal. */
void rv_hashtab_remove_at(rv_hashtab *t, size_t i);

/* The bucket holding the key (hash, key, len), *found = true, or the empty
 * bucket where it would go, *found = false. On a table without buckets:
 * 0, not found (rv_hashtab_insert then makes the room). */
static inline size_t rv_hashtab_probe(const rv_hashtab *t, uint32_t hash, rv_hashtab_eq_fn eq, const void *ctx,
                                      const void *key, size_t len, bool *found)
{
	*found = false;
	if (!t->cap)
		return 0;
	size_t mask = t->cap - 1, i = hash & mask;
	for (;;) {
		const rv_hashtab_bucket *b = &t->b[i];
		if (b->value == RV_HASHTAB_NONE)
			return i;
		if (b->hash == hash && eq(ctx, b->value, key, len)) {
			*found = true;
			return i;
		}
		i = (i + 1) & mask;
	}
}

/* The value stored for the key, or RV_HASHTAB_NONE. */
static inline uint32_t rv_hashtab_find(const rv_hashtab *t, uint32_t hash, rv_hashtab_eq_fn eq, const void *ctx,
                                       const void *key, size_t len)
{
	bool found;
	size_t i = rv_hashtab_probe(t, hash, eq, ctx, key, len, &found);
	return found ? t->b[i].value : RV_HASHTAB_NONE;
}

/* Puts (hash, value) into bucket *i, which a probe for this key has just
 * returned as empty (the key is absent). When the table is at 3/4 it grows
 * first and *i becomes the key's empty bucket in the new array (the first
 * empty one from its home: an absent key needs no compares). Returns false,
 * t unchanged, when out of memory; never after rv_hashtab_reserve made room.
 * value must not be RV_HASHTAB_NONE. */
static inline bool rv_hashtab_insert(rv_hashtab *t, size_t *i, uint32_t hash, uint32_t value)
{
	if ((t->count + 1) * 4 > t->cap * 3) {
		if (!rv_hashtab_reserve(t, t->count + 1))
			return false;
		size_t mask = t->cap - 1, j = hash & mask;
		while (t->b[j].value != RV_HASHTAB_NONE)
			j = (j + 1) & mask;
		*i = j;
	}
	t->b[*i].value = value;
	t->b[*i].hash = hash;
	t->count++;
	return true;
}

/* Iteration: for (size_t i = rv_hashtab_next(t, 0); i < t->cap; i =
 * rv_hashtab_next(t, i + 1)); the table must not change meanwhile. */
static inline size_t rv_hashtab_next(const rv_hashtab *t, size_t i)
{
	while (i < t->cap && t->b[i].value == RV_HASHTAB_NONE)
		i++;
	return i;
}

/* Bytes the buckets take. */
static inline size_t rv_hashtab_memory(const rv_hashtab *t)
{
	return t->cap * sizeof(rv_hashtab_bucket);
}

#endif
