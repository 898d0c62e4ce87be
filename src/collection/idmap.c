/*
 * idmap.c: the id hash table (util/hashtab.h: linear probing, backward-shift
 * deletion, so deletions leave no tombstones) and the per-slot id arena.
 * See idmap.h.
 */
#include "idmap.h"

#include <string.h>

#include "../util/alloc.h"
#include "ruvector.h"

#define NO_KEY UINT64_MAX

/* The id's bucket hash. Segments store it (persist.h, IDBUCKS): it must
 * stay rv_hash_bytes's low 32 bits. */
static inline uint32_t hash_id(const char *s, size_t n)
{
	return (uint32_t)rv_hash_bytes(s, n);
}

int rv_idmap_init(rv_idmap *m)
{
	memset(m, 0, sizeof *m);
	if (rv_rwlock_init(&m->lock) != 0)
		return RV_ENOMEM;
	return RV_OK;
}

void rv_idmap_destroy(rv_idmap *m)
{
	rv_hashtab_free(&m->tab);
	rv_free(m->key_off);
	rv_free(m->arena);
	rv_rwlock_destroy(&m->lock);
}

static inline const char *key_at(const rv_idmap *m, uint64_t off, size_t *len)
{
	*len = (unsigned char)m->arena[off];
	return m->arena + off + 1;
}

static inline bool key_equal(const rv_idmap *m, uint32_t slot, const char *id, size_t len)
{
	if (slot >= m->key_cap || m->key_off[slot] == NO_KEY)
		return false;
	size_t klen;
	const char *k = key_at(m, m->key_off[slot], &klen);
	return klen == len && memcmp(k, id, len) == 0;
}

/* The table's compare: does slot's id equal key? */
static bool slot_has_id(const void *ctx, uint32_t slot, const void *key, size_t len)
{
	return key_equal(ctx, slot, key, len);
}

uint32_t rv_idmap_find(rv_idmap *m, const char *id, size_t len)
{
	rv_rwlock_rdlock(&m->lock);
	uint32_t slot = rv_hashtab_find(&m->tab, hash_id(id, len), slot_has_id, m, id, len);
	rv_rwlock_unlock(&m->lock);
	return slot;
}

static int ensure_key_slot(rv_idmap *m, uint32_t slot)
{
	if (slot < m->key_cap)
		return RV_OK;
	size_t old = m->key_cap;
	if (!rv_grow_array((void **)&m->key_off, &m->key_cap, (size_t)slot + 1, sizeof(uint64_t)))
		return RV_ENOMEM;
	for (size_t i = old; i < m->key_cap; i++)
		m->key_off[i] = NO_KEY;
	return RV_OK;
}

/* Rewrite the arena keeping only ids some slot refers to. */
static void compact_arena(rv_idmap *m)
{
	size_t live = m->arena_len - m->arena_dead;
	char *a = rv_malloc(live ? live : 1);
	if (!a)
		return; /* keep the old one; correctness does not depend on this */
	size_t len = 0;
	for (size_t s = 0; s < m->key_cap; s++) {
		if (m->key_off[s] == NO_KEY)
			continue;
		size_t n = 2 + (unsigned char)m->arena[m->key_off[s]];
		memcpy(a + len, m->arena + m->key_off[s], n);
		m->key_off[s] = len;
		len += n;
	}
	rv_free(m->arena);
	m->arena = a;
	m->arena_len = m->arena_cap = len;
	m->arena_dead = 0;
}

/* Give `slot` its own copy of id. */
static int set_key(rv_idmap *m, uint32_t slot, const char *id, size_t len)
{
	if (key_equal(m, slot, id, len))
		return RV_OK; /* mapping an id back to its old slot: nothing to copy */
	if (ensure_key_slot(m, slot) != RV_OK)
		return RV_ENOMEM;
	if (m->arena_dead > 65536 && m->arena_dead > m->arena_len / 2)
		compact_arena(m);
	if (!rv_grow_array((void **)&m->arena, &m->arena_cap, m->arena_len + len + 2, 1))
		return RV_ENOMEM;
	if (m->key_off[slot] != NO_KEY)
		m->arena_dead += 2 + (unsigned char)m->arena[m->key_off[slot]];
	char *p = m->arena + m->arena_len;
	p[0] = (char)(unsigned char)len;
	memcpy(p + 1, id, len);
	p[len + 1] = '\0';
	m->key_off[slot] = m->arena_len;
	m->arena_len += len + 2;
	return RV_OK;
}

int rv_idmap_put(rv_idmap *m, const char *id, size_t len, uint32_t slot, bool replace, uint32_t *old)
{
	*old = RV_IDMAP_NONE;
	uint32_t h32 = hash_id(id, len);
	int rc = RV_OK;
	rv_rwlock_wrlock(&m->lock);
	bool found;
	size_t i = rv_hashtab_probe(&m->tab, h32, slot_has_id, m, id, len, &found);
	if (found) {
		if (!replace) {
			rc = RV_EEXIST;
		} else if ((rc = set_key(m, slot, id, len)) == RV_OK) {
			*old = m->tab.b[i].value;
			m->tab.b[i].value = slot;
		}
	} else if (!rv_hashtab_insert(&m->tab, &i, h32, slot)) {
		rc = RV_ENOMEM;
	} else if ((rc = set_key(m, slot, id, len)) != RV_OK) {
		/* the bucket just filled ended its probe run: removing it puts
		 * the table back exactly as it was */
		rv_hashtab_remove_at(&m->tab, i);
	}
	rv_rwlock_unlock(&m->lock);
	return rc;
}

uint32_t rv_idmap_remove(rv_idmap *m, const char *id, size_t len)
{
	uint32_t slot = RV_IDMAP_NONE;
	rv_rwlock_wrlock(&m->lock);
	bool found;
	size_t i = rv_hashtab_probe(&m->tab, hash_id(id, len), slot_has_id, m, id, len, &found);
	if (found) {
		slot = m->tab.b[i].value;
		rv_hashtab_remove_at(&m->tab, i);
	}
	rv_rwlock_unlock(&m->lock);
	return slot;
}

void *rv_idmap_renumber_prepare(rv_idmap *m, size_t n)
{
	rv_rwlock_rdlock(&m->lock);
	size_t cap = m->key_cap > n ? m->key_cap : n;
	rv_rwlock_unlock(&m->lock);
	return rv_malloc(cap * sizeof(uint64_t));
}

void rv_idmap_renumber_apply(rv_idmap *m, void *prepared, const uint32_t *old_to_new, size_t n)
{
	uint64_t *off = prepared;
	rv_rwlock_wrlock(&m->lock);
	/* key_cap cannot have grown: the caller holds the writer lock */
	size_t cap = m->key_cap > n ? m->key_cap : n;
	for (size_t i = 0; i < cap; i++)
		off[i] = i >= n && i < m->key_cap ? m->key_off[i] : NO_KEY;
	for (size_t i = 0; i < n && i < m->key_cap; i++)
		off[old_to_new[i]] = m->key_off[i];
	for (size_t i = rv_hashtab_next(&m->tab, 0); i < m->tab.cap; i = rv_hashtab_next(&m->tab, i + 1))
		if (m->tab.b[i].value < n)
			m->tab.b[i].value = old_to_new[m->tab.b[i].value];
	rv_free(m->key_off);
	m->key_off = off;
	m->key_cap = cap;
	rv_rwlock_unlock(&m->lock);
}

size_t rv_idmap_count(rv_idmap *m)
{
	rv_rwlock_rdlock(&m->lock);
	size_t n = m->tab.count;
	rv_rwlock_unlock(&m->lock);
	return n;
}

size_t rv_idmap_memory(rv_idmap *m)
{
	rv_rwlock_rdlock(&m->lock);
	size_t n = rv_hashtab_memory(&m->tab) + m->key_cap * sizeof(uint64_t) + m->arena_cap;
	rv_rwlock_unlock(&m->lock);
	return n;
}

const char *rv_idmap_key_locked(const rv_idmap *m, uint32_t slot, size_t *len)
{
	if (slot >= m->key_cap || m->key_off[slot] == NO_KEY)
		return NULL;
	return key_at(m, m->key_off[slot], len);
}
