/*
 * hnsw_check.c: the graph checker.
 *
 * Verifies what every search relies on, under the exclusive lock so that the
 * graph holds still: every link names an allocated slot that has the level
 * the link is on; no row links to itself or repeats a link; rows are packed
 * (nothing after the first empty word); the entry point is a live node of
 * the top level; and every live node can be reached from the entry point at
 * level 0. It also counts reciprocal links (HNSW prunes rows, so not all are;
 * a sharp drop means broken pruning).
 */
#include "index.h"

#include <stdio.h>
#include <string.h>

#include "../util/alloc.h"

#define PROBLEM(r, ...)                                                              \
	do {                                                                             \
		if (!(r)->first_problem[0])                                                  \
			snprintf((r)->first_problem, sizeof (r)->first_problem, __VA_ARGS__);    \
	} while (0)

static bool row_contains(const rv_index *x, uint32_t node, int level, uint32_t v)
{
	const _Atomic uint32_t *row = rv_links(x, node, level);
	for (uint32_t j = 0; j < rv_maxlinks(x, level); j++) {
		uint32_t u = atomic_load_explicit(&row[j], memory_order_relaxed);
		if (u == RV_NO_SLOT)
			return false;
		if (u == v)
			return true;
	}
	return false;
}

static int check_locked(rv_index *x, rv_check_report *r)
{
	uint32_t n = atomic_load(&x->n_slots);
	int top = -1;
	for (uint32_t s = 0; s < n; s++) {
		uint8_t f = rv_flags(x, s);
		if (!(f & RV_SLOT_USED))
			continue;
		if (f & RV_SLOT_DELETED) {
			r->pending_deletes++;
			continue;
		}
		r->nodes++;
		/* a hidden node may be mapped but not linked yet (index.h) */
		if (f == RV_SLOT_USED && x->levels[s] > top)
			top = x->levels[s];
	}
	for (uint32_t s = 0; s < n; s++) {
		uint8_t f = rv_flags(x, s);
		if (!(f & RV_SLOT_USED))
			continue;
		bool live = !(f & RV_SLOT_DELETED);
		for (int l = 0; l <= x->levels[s]; l++) {
			const _Atomic uint32_t *row = rv_links(x, s, l);
			uint32_t maxl = rv_maxlinks(x, l);
			bool ended = false;
			for (uint32_t j = 0; j < maxl; j++) {
				uint32_t v = atomic_load_explicit(&row[j], memory_order_relaxed);
				if (v == RV_NO_SLOT) {
					ended = true;
					continue;
				}
				if (ended) {
					r->dangling++;
					PROBLEM(r, "slot %u level %d: link after the end of the row", s, l);
					continue;
				}
				if (v >= n || !(rv_flags(x, v) & RV_SLOT_USED)) {
					r->dangling++;
					PROBLEM(r, "slot %u level %d: link to free slot %u", s, l, v);
					continue;
				}
				if (x->levels[v] < l) {
					r->bad_level++;
					PROBLEM(r, "slot %u level %d: link to slot %u of level %d", s, l, v, x->levels[v]);
				}
				bool dup = v == s;
				for (uint32_t i = 0; i < j && !dup; i++)
					dup = atomic_load_explicit(&row[i], memory_order_relaxed) == v;
				if (dup) {
					r->duplicates++;
					PROBLEM(r, "slot %u level %d: self or repeated link to %u", s, l, v);
				}
				if (live && !(rv_flags(x, v) & RV_SLOT_DELETED)) {
					r->edges++;
					if (x->levels[v] >= l && row_contains(x, v, l, s))
						r->reciprocal++;
				}
			}
		}
	}

	uint64_t e = atomic_load(&x->entry);
	if (r->nodes == 0)
		return RV_OK;
	if (e == RV_NO_ENTRY) {
		PROBLEM(r, "no entry point but %llu live nodes", (unsigned long long)r->nodes);
		r->unreachable = r->nodes;
		return RV_OK;
	}
	uint32_t ep = (uint32_t)e;
	if (ep >= n || !(rv_flags(x, ep) & RV_SLOT_USED) || (int)(e >> 32) != x->levels[ep] ||
	    x->levels[ep] < top) {
		r->dangling++;
		PROBLEM(r, "entry point %u (level %d) is not a node of the top level %d", ep, (int)(e >> 32), top);
		return RV_OK;
	}
	uint8_t *seen = rv_malloc(n);
	uint32_t *queue = rv_malloc((size_t)n * sizeof *queue);
	if (!seen || !queue) {
		rv_free(seen);
		rv_free(queue);
		return RV_ENOMEM;
	}
	rv_hnsw_walk(x, ep, n, seen, NULL, queue);
	for (uint32_t s = 0; s < n; s++) {
		if (rv_flags(x, s) == RV_SLOT_USED && !seen[s]) {
			r->unreachable++;
			PROBLEM(r, "slot %u is not reachable from the entry point %u", s, ep);
		}
	}
	rv_free(seen);
	rv_free(queue);
	return RV_OK;
}

size_t rv_hnsw_walk(const rv_index *x, uint32_t entry, uint32_t n, uint8_t *seen, uint8_t *indeg, uint32_t *queue)
{
	memset(seen, 0, n);
	if (indeg)
		memset(indeg, 0, n);
	size_t head = 0, tail = 0;
	queue[tail++] = entry;
	seen[entry] = 1;
	while (head < tail) {
		uint32_t u = queue[head++];
		const _Atomic uint32_t *row = rv_links(x, u, 0);
		for (uint32_t j = 0; j < x->m0; j++) {
			uint32_t v = atomic_load_explicit(&row[j], memory_order_relaxed);
			if (v == RV_NO_SLOT)
				break;
			if (v >= n) /* dangling: rv_hnsw_check reports it */
				continue;
			if (indeg && indeg[v] < 255)
				indeg[v]++;
			if (!seen[v]) {
				seen[v] = 1;
				queue[tail++] = v;
			}
		}
	}
	return tail;
}

int rv_hnsw_check(rv_index *x, rv_check_report *r)
{
	memset(r, 0, sizeof *r);
	rv_rwlock_wrlock(&x->rw);
	int rc = check_locked(x, r);
	rv_rwlock_unlock(&x->rw);
	if (rc != RV_OK)
		return rc;
	bool sound = r->dangling == 0 && r->bad_level == 0 && r->duplicates == 0 && r->unreachable == 0;
	return sound ? RV_OK : RV_ECORRUPT;
}
