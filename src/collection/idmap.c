/*
 * idmap.c: the id hash table (linear probing, backward-shift deletion, so
 * deletions leave no tombstones) and the per-slot id arena. See idmap.h.
 */
#include "idmap.h"

#include <string.h>

#include "../util/alloc.h"
#include "ruvector.h"

#define NO_KEY UINT64_MAX

static uint64_t hash_id(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)n;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
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
	rv_free(m->buckets);
	rv_free(m->key_off);
	rv_free(m->arena);
	rv_rwlock_destroy(&m->lock);
}

static inline const char *key_at(const rv_idmap *m, uint64_t off, size_t *len)
{
	*len = (unsigned char)m->arena[off];
	return m->arena + off + 1;
}

static bool key_equal(const rv_idmap *m, uint32_t slot, const char *id, size_t len)
{
	if (slot >= m->key_cap || m->key_off[slot] == NO_KEY)
		return false;
	size_t klen;
	const char *k = key_at(m, m->key_off[slot], &klen);
	return klen == len && memcmp(k, id, len) == 0;
}

/* Bucket index holding id, or the empty bucket where it would go. */
static size_t probe(const rv_idmap *m, const char *id, size_t len, uint32_t h32, bool *found)
{
	size_t mask = m->nbuckets - 1, i = h32 & mask;
	for (;;) {
		const rv_idmap_bucket *b = &m->buckets[i];
		if (b->slot == RV_IDMAP_NONE) {
			*found = false;
			return i;
		}
		if (b->hash == h32 && key_equal(m, b->slot, id, len)) {
			*found = true;
			return i;
		}
		i = (i + 1) & mask;
	}
}

uint32_t rv_idmap_find(rv_idmap *m, const char *id, size_t len)
{
	uint32_t slot = RV_IDMAP_NONE;
	rv_rwlock_rdlock(&m->lock);
	if (m->nbuckets) {
		bool found;
		size_t i = probe(m, id, len, (uint32_t)hash_id(id, len), &found);
		if (found)
			slot = m->buckets[i].slot;
	}
	rv_rwlock_unlock(&m->lock);
	return slot;
}

static int rehash(rv_idmap *m, size_t nb)
{
	rv_idmap_bucket *b = rv_malloc(nb * sizeof *b);
	if (!b)
		return RV_ENOMEM;
	for (size_t i = 0; i < nb; i++)
		b[i].slot = RV_IDMAP_NONE;
	size_t mask = nb - 1;
	for (size_t i = 0; i < m->nbuckets; i++) {
		rv_idmap_bucket e = m->buckets[i];
		if (e.slot == RV_IDMAP_NONE)
			continue;
		size_t j = e.hash & mask;
		while (b[j].slot != RV_IDMAP_NONE)
			j = (j + 1) & mask;
		b[j] = e;
	}
	rv_free(m->buckets);
	m->buckets = b;
	m->nbuckets = nb;
	return RV_OK;
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
	uint32_t h32 = (uint32_t)hash_id(id, len);
	int rc = RV_OK;
	rv_rwlock_wrlock(&m->lock);
	bool found = false;
	size_t i = m->nbuckets ? probe(m, id, len, h32, &found) : 0;
	if (found && !replace) {
		rc = RV_EEXIST;
		goto out;
	}
	if (!found && (m->count + 1) * 4 > m->nbuckets * 3) {
		rc = rehash(m, m->nbuckets ? m->nbuckets * 2 : 64);
		if (rc != RV_OK)
			goto out;
		i = probe(m, id, len, h32, &found);
	}
	rc = set_key(m, slot, id, len);
	if (rc != RV_OK)
		goto out;
	if (found) {
		*old = m->buckets[i].slot;
	} else {
		m->buckets[i].hash = h32;
		m->count++;
	}
	m->buckets[i].slot = slot;
out:
	rv_rwlock_unlock(&m->lock);
	return rc;
}

uint32_t rv_idmap_remove(rv_idmap *m, const char *id, size_t len)
{
	uint32_t slot = RV_IDMAP_NONE;
	rv_rwlock_wrlock(&m->lock);
	if (m->nbuckets) {
		bool found;
		size_t i = probe(m, id, len, (uint32_t)hash_id(id, len), &found);
		if (found) {
			slot = m->buckets[i].slot;
			m->count--;
			/* Backward shift: pull later members of the probe run into the
			 * hole unless their home lies cyclically within (i, j]. */
			size_t mask = m->nbuckets - 1, j = i;
			for (;;) {
				j = (j + 1) & mask;
				if (m->buckets[j].slot == RV_IDMAP_NONE)
					break;
				size_t home = m->buckets[j].hash & mask;
				bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
				if (!stays) {
					m->buckets[i] = m->buckets[j];
					i = j;
				}
			}
			m->buckets[i].slot = RV_IDMAP_NONE;
		}
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
	for (size_t i = 0; i < m->nbuckets; i++)
		if (m->buckets[i].slot != RV_IDMAP_NONE && m->buckets[i].slot < n)
			m->buckets[i].slot = old_to_new[m->buckets[i].slot];
	rv_free(m->key_off);
	m->key_off = off;
	m->key_cap = cap;
	rv_rwlock_unlock(&m->lock);
}

size_t rv_idmap_count(rv_idmap *m)
{
	rv_rwlock_rdlock(&m->lock);
	size_t n = m->count;
	rv_rwlock_unlock(&m->lock);
	return n;
}

size_t rv_idmap_memory(rv_idmap *m)
{
	rv_rwlock_rdlock(&m->lock);
	size_t n = m->nbuckets * sizeof(rv_idmap_bucket) + m->key_cap * sizeof(uint64_t) + m->arena_cap;
	rv_rwlock_unlock(&m->lock);
	return n;
}

const char *rv_idmap_key_locked(const rv_idmap *m, uint32_t slot, size_t *len)
{
	if (slot >= m->key_cap || m->key_off[slot] == NO_KEY)
		return NULL;
	return key_at(m, m->key_off[slot], len);
}
