/*
 * idmap.h: string ids <-> slots.
 *
 * A hash table from id to slot, and per slot the id's bytes, so that search
 * results can name their ids. Compact on purpose: per vector it costs one
 * 8-byte bucket (at most 3/4 full), an 8-byte offset and the id itself
 * (length byte, bytes, NUL) in one arena; no allocation per id.
 *
 * A slot keeps its id's bytes until the slot is reused, even after the id
 * was deleted or moved to a new slot by an update: a search that found the
 * slot just before can still name what it found. When the arena holds more
 * dead bytes than live ones it is rewritten.
 *
 * Locking: the map has its own reader/writer lock. Lookups and id copies take
 * it shared; changes take it exclusively. Callers that also hold the index's
 * rw lock take that first (index.h's order).
 */
#ifndef RV_IDMAP_H
#define RV_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../platform/platform.h"
#include "../util/hashtab.h"

#define RV_IDMAP_NONE RV_HASHTAB_NONE

/* A bucket's value is a slot, its hash the low 32 bits of rv_hash_bytes of
 * the id; segments hold the buckets as they are (persist.h, IDBUCKS). */
typedef rv_hashtab_bucket rv_idmap_bucket;

typedef struct rv_idmap {
	rv_rwlock lock;
	rv_hashtab tab;           /* id -> slot (util/hashtab.h); tab.count: ids mapped */
	uint64_t *key_off;        /* per slot: offset of its id in arena, or UINT64_MAX */
	size_t key_cap;           /* slots key_off can hold */
	char *arena;              /* [len byte][bytes][NUL] per id */
	size_t arena_len, arena_cap;
	size_t arena_dead;        /* bytes of ids no slot refers to */
} rv_idmap;

int rv_idmap_init(rv_idmap *m);
void rv_idmap_destroy(rv_idmap *m);

/* Slot of `id`, or RV_IDMAP_NONE. Takes the lock shared unless `locked`. */
uint32_t rv_idmap_find(rv_idmap *m, const char *id, size_t len);
/* Map id -> slot. If the id exists: with replace, *old gets its slot and the
 * id moves; without, RV_EEXIST. Returns RV_OK, RV_EEXIST or RV_ENOMEM (the
 * map unchanged on error). */
int rv_idmap_put(rv_idmap *m, const char *id, size_t len, uint32_t slot, bool replace, uint32_t *old);
/* Unmap id; returns its slot or RV_IDMAP_NONE. */
uint32_t rv_idmap_remove(rv_idmap *m, const char *id, size_t len);
size_t rv_idmap_count(rv_idmap *m);
/* Renumbering slots [0, n) by a permutation, in two steps so that the
 * second cannot fail: _prepare allocates (NULL when out of memory), _apply
 * renumbers and consumes the prepared buffer. */
void *rv_idmap_renumber_prepare(rv_idmap *m, size_t n);
void rv_idmap_renumber_apply(rv_idmap *m, void *prepared, const uint32_t *old_to_new, size_t n);
size_t rv_idmap_memory(rv_idmap *m);

/* With the lock held shared (rv_rwlock_rdlock(&m->lock)): the id bytes of a
 * slot and their length, or NULL when the slot never had one. */
const char *rv_idmap_key_locked(const rv_idmap *m, uint32_t slot, size_t *len);

#endif
