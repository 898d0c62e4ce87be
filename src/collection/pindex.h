/*
 * pindex.h: payload indexes (keyword, numeric, BM25 text) and what the
 * filtered-search planner asks of them.
 *
 * Keyword: a hash table from a typed value (a string, an element of a
 * string array, true, false or null) to the slots holding it. Numeric: a
 * sorted array of (value, slot) plus a small unsorted tail that is merged
 * in when it grows past max(256, n/16); removals from the sorted part
 * leave a tombstone that the next merge drops. Text: text/bm25.c.
 *
 * All of it changes only with the payload store's lock held exclusively
 * (the writer that swaps a payload updates the indexes in the same
 * critical section) and is read with it held shared, so a search sees the
 * payloads and the indexes in step. An index that could not record a
 * change for lack of memory is marked stale: the planner stops using it
 * (searches stay correct, only slower) until it is rebuilt at the next
 * open or rv_create_index().
 */
#ifndef RV_PINDEX_H
#define RV_PINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../text/text.h"
#include "../util/hashtab.h"
#include "filter.h"
#include "payload.h"

typedef struct rv_kw_entry rv_kw_entry;

typedef struct rv_pindex {
	char *key;
	size_t keylen;
	rv_index_kind kind;
	bool stale;
	/* keyword */
	rv_hashtab kw;         /* value bytes -> index into kw_ent */
	rv_kw_entry *kw_ent;   /* the distinct values, in order of first use */
	size_t kw_n, kw_cap;   /* kw_ent in use, allocated */
	/* numeric */
	double *mv;
	uint32_t *ms;
	size_t mn, mdead;
	double *tv;
	uint32_t *ts;
	size_t tn, tcap;
} rv_pindex;

typedef struct rv_pindexes {
	rv_pindex *v;
	size_t n;
	rv_bm25 *text;         /* NULL without a text index */
	char *text_key;
	size_t text_keylen;
	bool text_stale;
} rv_pindexes;

void rv_pindexes_destroy(rv_pindexes *ix);
/* Add an index definition (empty). RV_OK, RV_EEXIST (same key and kind),
 * RV_EINVAL (a second text field), RV_ENOMEM. */
int rv_pindexes_define(rv_pindexes *ix, const char *key, size_t keylen, rv_index_kind kind);
/* Remove the definition just added (of that kind). */
void rv_pindexes_drop_last(rv_pindexes *ix, rv_index_kind kind);
/* Remove the index of that key and kind, with what it holds: RV_OK, or
 * RV_ENOTFOUND. */
int rv_pindexes_remove(rv_pindexes *ix, const char *key, size_t keylen, rv_index_kind kind);
/* Fill index i (or the text index: i == SIZE_MAX) from every payload. */
int rv_pindexes_build(rv_pindexes *ix, size_t i, const rv_payloads *p);
/* Record slot's payload change from old to new (either may be NULL). */
void rv_pindexes_update(rv_pindexes *ix, uint32_t slot, const uint8_t *old, const uint8_t *now);
/* Slots renumbered (nothing allocated; text renumber may fail: stale). */
void rv_pindexes_renumber(rv_pindexes *ix, const uint32_t *old_to_new, size_t n);
size_t rv_pindexes_memory(const rv_pindexes *ix);

/* An upper bound on the records matching f, from the indexes; *listable
 * tells whether rv_pindexes_list() can enumerate a superset of them.
 * `total` is what to assume for conditions no index answers. */
size_t rv_pindexes_estimate(const rv_pindexes *ix, const rv_filter *f, size_t total, bool *listable);
/* A superset of the matching slots (verify each with rv_filter_eval; may
 * repeat a slot). *out is rv_malloc'd. */
int rv_pindexes_list(const rv_pindexes *ix, const rv_filter *f, uint32_t **out, size_t *n);

#endif
