/*
 * hnsw_repair.c: real deletion. Unlinks deleted nodes, repairs the rows that
 * pointed at them, keeps every live node reachable, and frees the slots.
 *
 * hnswlib and USearch only mark deleted nodes; the graph keeps them forever
 * and searches keep paying for them. Here a repair, run in batches (index.h),
 * does what FreshDiskANN does for each live node whose row names a deleted
 * node at some level: the new candidates are its surviving neighbours plus
 * the surviving neighbours of each deleted one, and the usual heuristic
 * picks the row from them. That keeps the paths that went through the
 * deleted node. Workers only write the row of the node they own and only
 * read rows of deleted nodes, which nobody writes, so the pass runs on all
 * threads without locks.
 *
 * A repair can still leave a node with no way in (every node that linked to
 * it chose others). So the pass ends with a breadth-first walk of level 0
 * from the entry point; a node it cannot reach is linked again as if newly
 * inserted, and if no neighbour keeps that link, it is appended to the
 * nearest neighbour row that has room (or replaces that row's farthest
 * link). rv_vacuum() runs this walk even with nothing deleted, which also
 * mends the rare node an insert left unreachable.
 *
 * Slots still being inserted (HIDDEN) are left queued: the inserting thread
 * is about to link them, and freeing them under it would be a use after free.
 * They are freed by the next repair.
 */
#include "index.h"

#include <math.h>
#include <string.h>

#include "../util/alloc.h"
#include "cand.h"

typedef struct repair_ctx {
	rv_index *x;
	rv_scratch **scratch;  /* one per worker */
} repair_ctx;

static inline bool is_deleted(const rv_index *x, uint32_t v)
{
	return rv_flags(x, v) & RV_SLOT_DELETED;
}

/* Reserve room for `need` candidates in the scratch's selection buffer. */
static int reserve_sel(rv_scratch *s, size_t need)
{
	if (s->sel_cap >= need)
		return RV_OK;
	rv_cand *p = rv_realloc(s->sel, need * sizeof *p);
	if (!p)
		return RV_ENOMEM;
	s->sel = p;
	s->sel_cap = need;
	return RV_OK;
}

static int repair_row(rv_index *x, rv_scratch *s, uint32_t node, int level)
{
	const uint32_t maxl = rv_maxlinks(x, level);
	_Atomic uint32_t *row = rv_links(x, node, level);
	bool touched = false;
	for (uint32_t j = 0; j < maxl && !touched; j++) {
		uint32_t v = atomic_load_explicit(&row[j], memory_order_relaxed);
		if (v == RV_NO_SLOT)
			break;
		touched = is_deleted(x, v);
	}
	if (!touched)
		return RV_OK;
	if (reserve_sel(s, (size_t)maxl * (maxl + 1) + 1) != RV_OK)
		return RV_ENOMEM;
	rv_scratch_new_epoch(s);
	s->visited[node] = s->epoch;
	size_t nc = 0;
	const float *base = rv_vec(x, node);
	/* survivors first, then the rows of the deleted ones */
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t j = 0; j < maxl; j++) {
			uint32_t v = atomic_load_explicit(&row[j], memory_order_relaxed);
			if (v == RV_NO_SLOT)
				break;
			bool del = is_deleted(x, v);
			if (pass == 0 && !del && s->visited[v] != s->epoch) {
				s->visited[v] = s->epoch;
				s->sel[nc++] = (rv_cand){rv_dist(x, base, rv_vec(x, v)), v};
			} else if (pass == 1 && del) {
				_Atomic uint32_t *drow = rv_links(x, v, level);
				for (uint32_t i = 0; i < maxl; i++) {
					uint32_t u = atomic_load_explicit(&drow[i], memory_order_relaxed);
					if (u == RV_NO_SLOT)
						break;
					if (s->visited[u] == s->epoch || is_deleted(x, u))
						continue;
					s->visited[u] = s->epoch;
					s->sel[nc++] = (rv_cand){rv_dist(x, base, rv_vec(x, u)), u};
				}
			}
		}
	}
	rv_cand_sort(s->sel, nc);
	uint32_t keep[RV_M_MAX * 2];
	size_t n = rv_hnsw_select(x, s->sel, nc, maxl, keep);
	for (uint32_t j = 0; j < maxl; j++)
		atomic_store_explicit(&row[j], j < n ? keep[j] : RV_NO_SLOT, memory_order_release);
	return RV_OK;
}

static int repair_node(void *arg, size_t i, unsigned worker)
{
	repair_ctx *c = arg;
	rv_index *x = c->x;
	uint32_t node = (uint32_t)i;
	uint8_t f = rv_flags(x, node);
	if (!(f & RV_SLOT_USED) || (f & RV_SLOT_DELETED))
		return RV_OK;
	for (int l = 0; l <= x->levels[node]; l++) {
		int rc = repair_row(x, c->scratch[worker], node, l);
		if (rc != RV_OK)
			return rc;
	}
	return RV_OK;
}

static bool append_if_room(rv_index *x, uint32_t v, uint32_t node)
{
	_Atomic uint32_t *row = rv_links(x, v, 0);
	if (atomic_load_explicit(&row[x->m0 - 1], memory_order_relaxed) != RV_NO_SLOT)
		return false;
	for (uint32_t j = 0; j < x->m0; j++) {
		uint32_t u = atomic_load_explicit(&row[j], memory_order_relaxed);
		if (u == node)
			return true;
		if (u == RV_NO_SLOT) {
			atomic_store_explicit(&row[j], node, memory_order_release);
			return true;
		}
	}
	return false;
}

/* Give an unreached node a link from a reached one, without taking the last
 * way in from any other node. (Relinking by a full insert does not work:
 * its pruning evicts members, and two stranded nodes then keep evicting
 * each other.) A search from the entry point lists reached nodes near
 * `node`; the nearest with a free link slot takes it. If all are full, the
 * nearest replaces its farthest member that other reached nodes also link
 * to. The entry point is the last resort. */
static void reconnect(rv_index *x, rv_scratch *s, uint32_t node, const uint8_t *seen, uint8_t *indeg)
{
	size_t nb = rv_hnsw_beam(x, s, rv_vec(x, node), x->ef_construction);
	for (size_t i = 0; i < nb; i++) {
		uint32_t v = s->beam[i].slot;
		if (v != node && seen[v] && append_if_room(x, v, node)) {
			indeg[node] = 1;
			return;
		}
	}
	for (size_t i = 0; i <= nb; i++) {
		uint32_t v = i < nb ? s->beam[i].slot : (uint32_t)atomic_load(&x->entry);
		if (v == node || !seen[v])
			continue;
		_Atomic uint32_t *row = rv_links(x, v, 0);
		const float *base = rv_vec(x, v);
		uint32_t at = x->m0;
		float far = -INFINITY;
		for (uint32_t j = 0; j < x->m0; j++) {
			uint32_t w = atomic_load_explicit(&row[j], memory_order_relaxed);
			if (w == RV_NO_SLOT || w == node)
				break;
			float d = rv_dist(x, base, rv_vec(x, w));
			if (indeg[w] >= 2 && d > far)
				far = d, at = j;
		}
		if (at == x->m0 && i < nb)
			continue;
		if (at == x->m0)
			at = x->m0 - 1; /* the entry point, with no safe member: the next pass checks */
		uint32_t w = atomic_load_explicit(&row[at], memory_order_relaxed);
		if (w != RV_NO_SLOT && indeg[w] > 0)
			indeg[w]--;
		atomic_store_explicit(&row[at], node, memory_order_release);
		indeg[node] = 1;
		return;
	}
}

/* Make every live node reachable from the entry point at level 0: walk,
 * give each node the walk missed a way in (reconnect), and walk again to
 * confirm, up to a few passes. Returns how many nodes were linked, or an
 * error. */
#define CONNECT_PASSES 4

static int ensure_reachable(rv_index *x, rv_scratch *s)
{
	uint64_t e = atomic_load(&x->entry);
	uint32_t n = atomic_load(&x->n_slots);
	if (e == RV_NO_ENTRY || n == 0)
		return 0;
	if (rv_scratch_reserve(s, x->ef_construction, 0) != RV_OK)
		return RV_ENOMEM;
	uint32_t *queue = rv_malloc((size_t)n * sizeof *queue);
	uint8_t *seen = rv_malloc(n), *indeg = rv_malloc(n);
	int fixed = 0, rc = RV_OK;
	if (!queue || !seen || !indeg)
		rc = RV_ENOMEM;
	for (int pass = 0; pass < CONNECT_PASSES && rc == RV_OK; pass++) {
		rv_hnsw_walk(x, (uint32_t)e, n, seen, indeg, queue);
		int missed = 0;
		for (uint32_t u = 0; u < n; u++) {
			/* hidden nodes are being inserted right now: leave them */
			if (seen[u] || rv_flags(x, u) != RV_SLOT_USED)
				continue;
			missed++;
			reconnect(x, s, u, seen, indeg);
			/* u hangs off a reached node now, and so does whatever u links to */
			seen[u] = 1;
		}
		fixed += missed;
		if (missed == 0)
			break;
	}
	rv_free(queue);
	rv_free(seen);
	rv_free(indeg);
	return rc != RV_OK ? rc : fixed;
}

static void free_slot(rv_index *x, uint32_t slot)
{
	if (x->upper[slot]) {
		x->upper_bytes -= (size_t)x->levels[slot] * x->m * sizeof(uint32_t);
		rv_free((void *)x->upper[slot]);
		x->upper[slot] = NULL;
	}
	x->levels[slot] = 0;
	/* a free slot links nowhere: checkpoints write its row as it is */
	_Atomic uint32_t *row = rv_links(x, slot, 0);
	for (uint32_t j = 0; j < x->m0; j++)
		atomic_store_explicit(&row[j], RV_NO_SLOT, memory_order_relaxed);
	atomic_store_explicit(&x->flags[slot], 0, memory_order_release);
	if (rv_grow_array((void **)&x->free_slots, &x->free_cap, x->n_free + 1, sizeof(uint32_t)))
		x->free_slots[x->n_free++] = slot;
}

static int repair_locked(rv_index *x, unsigned threads)
{
	uint32_t n = atomic_load(&x->n_slots);
	size_t deleted = 0, live = 0;
	int top_live = -1;
	uint32_t best = RV_NO_SLOT;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t f = rv_flags(x, i);
		if (!(f & RV_SLOT_USED))
			continue;
		if (f & RV_SLOT_DELETED) {
			deleted++;
		} else if (f == RV_SLOT_USED) {
			/* only a visible node can become the entry point: a hidden one
			 * may not be linked yet */
			live++;
			if (x->levels[i] > top_live)
				top_live = x->levels[i], best = i;
		}
	}
	if (threads == 0)
		threads = 1;
	rv_scratch **sc = rv_calloc(threads, sizeof *sc);
	if (!sc)
		return RV_ENOMEM;
	int rc = RV_OK;
	for (unsigned t = 0; t < threads && rc == RV_OK; t++)
		if (!(sc[t] = rv_scratch_get(x)))
			rc = RV_ENOMEM;
	if (rc == RV_OK && deleted) {
		repair_ctx c = {x, sc};
		rc = rv_parallel_for(n, threads, 512, repair_node, &c);
	}
	if (rc == RV_OK) {
		/* Move the entry point off a deleted node, to the live node with the
		 * highest level. */
		uint64_t e = atomic_load(&x->entry);
		if (live == 0)
			atomic_store(&x->entry, RV_NO_ENTRY);
		else if (e == RV_NO_ENTRY || is_deleted(x, (uint32_t)e))
			atomic_store(&x->entry, ((uint64_t)top_live << 32) | best);
		int fixed = ensure_reachable(x, sc[0]);
		if (fixed < 0)
			rc = fixed;
	}
	if (rc == RV_OK) {
		/* Free the deleted slots, except those still being inserted. */
		rv_mutex_lock(&x->slot_lock);
		size_t kept = 0;
		for (uint32_t i = 0; i < n; i++) {
			uint8_t f = rv_flags(x, i);
			if (!(f & RV_SLOT_USED) || !(f & RV_SLOT_DELETED))
				continue;
			if (f & RV_SLOT_HIDDEN) {
				if (rv_grow_array((void **)&x->pending, &x->pending_cap, kept + 1, sizeof(uint32_t)))
					x->pending[kept++] = i;
				continue;
			}
			free_slot(x, i);
		}
		atomic_store(&x->n_pending, kept);
		rv_mutex_unlock(&x->slot_lock);
	}
	for (unsigned t = 0; t < threads; t++)
		if (sc[t])
			rv_scratch_put(x, sc[t]);
	rv_free(sc);
	return rc;
}

int rv_hnsw_connect(rv_index *x)
{
	rv_rwlock_wrlock(&x->rw);
	rv_scratch *s = rv_scratch_get(x);
	int rc = s ? ensure_reachable(x, s) : RV_ENOMEM;
	if (s)
		rv_scratch_put(x, s);
	rv_rwlock_unlock(&x->rw);
	return rc < 0 ? rc : RV_OK;
}

int rv_hnsw_repair(rv_index *x, unsigned threads)
{
	rv_rwlock_wrlock(&x->rw);
	int rc = repair_locked(x, threads);
	rv_rwlock_unlock(&x->rw);
	return rc;
}
