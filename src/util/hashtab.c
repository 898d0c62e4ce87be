/*
 * hashtab.c: the out-of-line half of the hash table (hashtab.h): sizing,
 * growth and removal, which are off the lookup path.
 */
#include "hashtab.h"

#include "alloc.h"

/* The smallest table: 128 bytes, so that the many small tables (a query's
 * tokens, a JSON object's keys) cost little. */
#define MIN_BUCKETS 16

_Static_assert(sizeof(rv_hashtab_bucket) == 8, "the id map writes buckets to disk as 8 bytes");

void rv_hashtab_free(rv_hashtab *t)
{
	rv_free(t->b);
	t->b = NULL;
	t->cap = t->count = 0;
}

bool rv_hashtab_reserve(rv_hashtab *t, size_t n)
{
	if (n > SIZE_MAX / 4)
		return false;
	size_t cap = t->cap ? t->cap : MIN_BUCKETS;
	while (n * 4 > cap * 3) {
		if (cap > SIZE_MAX / 4 / sizeof(rv_hashtab_bucket))
			return false;
		cap *= 2;
	}
	if (cap == t->cap)
		return true;
	rv_hashtab_bucket *b = rv_malloc(cap * sizeof *b);
	if (!b)
		return false;
	for (size_t i = 0; i < cap; i++)
		b[i].value = RV_HASHTAB_NONE;
	/* Reinsert in bucket order: no compares, every key is distinct. */
	size_t mask = cap - 1;
	for (size_t i = 0; i < t->cap; i++) {
		rv_hashtab_bucket e = t->b[i];
		if (e.value == RV_HASHTAB_NONE)
			continue;
		size_t j = e.hash & mask;
		while (b[j].value != RV_HASHTAB_NONE)
			j = (j + 1) & mask;
		b[j] = e;
	}
	rv_free(t->b);
	t->b = b;
	t->cap = cap;
	return true;
}

void rv_hashtab_remove_at(rv_hashtab *t, size_t i)
{
	size_t mask = t->cap - 1, j = i;
	for (;;) {
		j = (j + 1) & mask;
		if (t->b[j].value == RV_HASHTAB_NONE)
			break;
		size_t home = t->b[j].hash & mask;
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			t->b[i] = t->b[j];
			i = j;
		}
	}
	t->b[i].value = RV_HASHTAB_NONE;
	t->count--;
}
