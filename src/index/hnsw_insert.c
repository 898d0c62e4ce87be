/*
 * hnsw_insert.c: linking a new node into the graph (Malkov & Yashunin,
 * algorithms 1 and 4), safe to run on many threads at once.
 *
 * For each level from the node's top down to 0: a beam search of width
 * ef_construction from the current entry, a heuristic choice of at most M
 * (2M at level 0) neighbours among the results, the node's own row written,
 * and then a back link added to each chosen neighbour. A neighbour whose row
 * is full is pruned with the same heuristic over its old links plus the new
 * one. The heuristic keeps a candidate only if it is closer to the base node
 * than to every neighbour kept so far, so rows spread in direction instead
 * of piling up in one cluster; that is what lets greedy search cross the
 * graph in few hops. With alpha > 1 (Vamana's RobustPrune, Subramanya et
 * al. 2019) a candidate is dropped only if a kept neighbour is closer to it
 * by that factor, which keeps some longer links. Recall at a given ef rises
 * and each search step costs more; at recall 0.95 the default 1.1 beats 1.0
 * by 60% on the 384-d word vectors and 10% on SIFT, and loses 10% on 784-d
 * fashion-mnist (ruvector.h, rv_options.prune_alpha).
 *
 * Concurrency (see index.h): searches here read rows without locks; each row
 * is written under its stripe lock, never two at once. While this node is
 * being linked, another insert may already reach it through a level linked
 * earlier and append itself to one of this node's lower rows; writing our own
 * row therefore keeps such appended links rather than overwriting them.
 * Deleted nodes may be walked but are never chosen as neighbours.
 */
#include "index.h"

#include <math.h>
#include <string.h>

#include "../util/alloc.h"
#include "cand.h"

static inline rv_mutex *stripe(rv_index *x, uint32_t slot)
{
	return &x->stripes[slot & (RV_STRIPES - 1)];
}

size_t rv_hnsw_select(const rv_index *x, const rv_cand *c, size_t n, size_t max, uint32_t *out)
{
	if (n <= max) {
		for (size_t i = 0; i < n; i++)
			out[i] = c[i].slot;
		return n;
	}
	const float alpha = x->alpha;
	size_t m = 0;
	for (size_t i = 0; i < n && m < max; i++) {
		const float *vi = rv_vec(x, c[i].slot);
		const float limit = c[i].dist, here = rv_dist(x, vi, vi);
		bool keep = true;
		/* distances to the kept ones, four at a time, stopping early */
		for (size_t j = 0; j < m && keep; j += 4) {
			size_t g = m - j < 4 ? m - j : 4;
			float d[4];
			rv_dists(x, vi, out + j, g, d);
			for (size_t t = 0; t < g; t++)
				if (alpha * d[t] < limit || d[t] == here)
					keep = false; /* dominated, or a copy of a kept one */
		}
		if (keep)
			out[m++] = c[i].slot;
	}
	return m;
}

/* Add a link node -> from at `level`. A full row is pruned incrementally:
 * the row already satisfies the selection rule among its members, so only
 * the newcomer's relations need checking. It is turned away if a nearer
 * member dominates it (the rule of rv_hnsw_select); otherwise it goes in,
 * members farther than it that it now dominates leave, and if the row is
 * still over full the farthest member leaves. That is O(M) distances where
 * re-selecting the whole row is O(M^2), with the same rule applied. */
static bool add_link(rv_index *x, uint32_t node, uint32_t from, int level)
{
	const uint32_t maxl = rv_maxlinks(x, level);
	rv_mutex_lock(stripe(x, node));
	_Atomic uint32_t *row = rv_links(x, node, level);
	uint32_t cnt = 0;
	for (; cnt < maxl; cnt++) {
		uint32_t v = atomic_load_explicit(&row[cnt], memory_order_relaxed);
		if (v == RV_NO_SLOT)
			break;
		if (v == from) {
			rv_mutex_unlock(stripe(x, node));
			return true;
		}
	}
	if (cnt < maxl) {
		atomic_store_explicit(&row[cnt], from, memory_order_release);
		rv_mutex_unlock(stripe(x, node));
		return true;
	}
	const float alpha = x->alpha;
	const float *base = rv_vec(x, node), *fv = rv_vec(x, from);
	uint32_t ids[RV_M_MAX * 2 + 4] = {0}; /* all set below; gcc cannot tell */
	float to_node[RV_M_MAX * 2 + 4], to_new[RV_M_MAX * 2 + 4];
	for (uint32_t j = 0; j < cnt; j++)
		ids[j] = atomic_load_explicit(&row[j], memory_order_relaxed);
	rv_dists(x, base, ids, cnt, to_node);
	rv_dists(x, fv, ids, cnt, to_new);
	float d_new = rv_dist(x, base, fv), here = rv_dist(x, fv, fv);
	for (uint32_t j = 0; j < cnt; j++) {
		/* a nearer member that is nearer to the newcomer than node is, or
		 * a member at the newcomer's very place (an exact duplicate: taking
		 * it in would push out the farthest member, and a row of
		 * duplicates would lose its last link elsewhere) */
		if ((to_node[j] < d_new && alpha * to_new[j] < d_new) || to_new[j] == here) {
			rv_mutex_unlock(stripe(x, node));
			return false;
		}
	}
	uint32_t keep[RV_M_MAX * 2 + 1];
	size_t n = 0, far = SIZE_MAX;
	for (uint32_t j = 0; j < cnt; j++) {
		if (to_node[j] > d_new && alpha * to_new[j] < to_node[j])
			continue; /* dominated by the newcomer */
		keep[n] = ids[j];
		to_node[n] = to_node[j];
		if (far == SIZE_MAX || to_node[n] > to_node[far])
			far = n;
		n++;
	}
	if (n == maxl) /* nothing left: drop the farthest */
		keep[far] = keep[--n];
	keep[n++] = from;
	for (uint32_t j = 0; j < maxl; j++)
		atomic_store_explicit(&row[j], j < n ? keep[j] : RV_NO_SLOT, memory_order_release);
	rv_mutex_unlock(stripe(x, node));
	return true;
}

/* Append `from` to node's level-0 row if it has room (or holds it
 * already). */
static bool append_link(rv_index *x, uint32_t node, uint32_t from)
{
	bool done = false;
	rv_mutex_lock(stripe(x, node));
	_Atomic uint32_t *row = rv_links(x, node, 0);
	for (uint32_t j = 0; j < x->m0 && !done; j++) {
		uint32_t v = atomic_load_explicit(&row[j], memory_order_relaxed);
		if (v == RV_NO_SLOT)
			atomic_store_explicit(&row[j], from, memory_order_release);
		done = v == RV_NO_SLOT || v == from;
	}
	rv_mutex_unlock(stripe(x, node));
	return done;
}

#define FORCE_ROWS 64 /* rows force_link looks at for room */

/* Give `from` a way in when every neighbour turned it away: a link from
 * node, or from a row near it with room. Rows fill up this way among exact
 * duplicates, which turn each other away (add_link): the first row with
 * room, breadth first from node over members at from's very place, takes
 * it, so a cluster of copies grows as a tree and no link leaves for it.
 * Only when none of FORCE_ROWS rows has room does node's farthest member
 * give way. */
static void force_link(rv_index *x, uint32_t node, uint32_t from)
{
	uint32_t queue[FORCE_ROWS];
	size_t head = 0, tail = 0;
	queue[tail++] = node;
	const float *fv = rv_vec(x, from);
	while (head < tail) {
		uint32_t u = queue[head++];
		if (u != from && append_link(x, u, from))
			return;
		rv_mutex_lock(stripe(x, u));
		const _Atomic uint32_t *row = rv_links(x, u, 0);
		uint32_t members[RV_M_MAX * 2], n = 0;
		for (uint32_t j = 0; j < x->m0; j++) {
			uint32_t v = atomic_load_explicit(&row[j], memory_order_relaxed);
			if (v == RV_NO_SLOT)
				break;
			members[n++] = v;
		}
		rv_mutex_unlock(stripe(x, u));
		for (uint32_t j = 0; j < n && tail < FORCE_ROWS; j++) {
			bool seen = members[j] == from;
			for (size_t q = 0; q < tail && !seen; q++)
				seen = queue[q] == members[j];
			if (!seen && rv_dist(x, fv, rv_vec(x, members[j])) == rv_dist(x, fv, fv))
				queue[tail++] = members[j];
		}
	}
	rv_mutex_lock(stripe(x, node));
	_Atomic uint32_t *row = rv_links(x, node, 0);
	const float *base = rv_vec(x, node);
	uint32_t at = x->m0;
	float worst = -INFINITY;
	for (uint32_t j = 0; j < x->m0; j++) {
		uint32_t v = atomic_load_explicit(&row[j], memory_order_relaxed);
		if (v == from) {
			at = x->m0;
			break;
		}
		float d = rv_dist(x, base, rv_vec(x, v));
		if (d > worst)
			worst = d, at = j;
	}
	if (at < x->m0)
		atomic_store_explicit(&row[at], from, memory_order_release);
	rv_mutex_unlock(stripe(x, node));
}

/* Write slot's own row: its chosen neighbours first, then any links other
 * inserts appended meanwhile, while room remains. */
static void write_row(rv_index *x, uint32_t slot, int level, const uint32_t *sel, size_t n)
{
	const uint32_t maxl = rv_maxlinks(x, level);
	uint32_t row_new[RV_M_MAX * 2];
	memcpy(row_new, sel, n * sizeof *sel);
	rv_mutex_lock(stripe(x, slot));
	_Atomic uint32_t *row = rv_links(x, slot, level);
	for (uint32_t j = 0; j < maxl && n < maxl; j++) {
		uint32_t v = atomic_load_explicit(&row[j], memory_order_relaxed);
		if (v == RV_NO_SLOT)
			break;
		bool dup = false;
		for (size_t i = 0; i < n && !dup; i++)
			dup = row_new[i] == v;
		if (!dup)
			row_new[n++] = v;
	}
	for (uint32_t j = 0; j < maxl; j++)
		atomic_store_explicit(&row[j], j < n ? row_new[j] : RV_NO_SLOT, memory_order_release);
	rv_mutex_unlock(stripe(x, slot));
}

int rv_hnsw_link_locked(rv_index *x, uint32_t slot, rv_scratch *s)
{
	const int level = x->levels[slot];
	const float *q = rv_vec(x, slot);
	const size_t ef = x->ef_construction;
	if (rv_scratch_reserve(s, ef, 0) != RV_OK)
		return RV_ENOMEM;
	if (!s->chosen && !(s->chosen = rv_malloc((size_t)(RV_LEVEL_MAX + 1) * x->m0 * sizeof(uint32_t))))
		return RV_ENOMEM;
	if (s->sel_cap < ef + x->m0 + 1) {
		rv_cand *p = rv_realloc(s->sel, (ef + x->m0 + 1) * sizeof *p);
		if (!p)
			return RV_ENOMEM;
		s->sel = p;
		s->sel_cap = ef + x->m0 + 1;
	}

	uint64_t e = atomic_load_explicit(&x->entry, memory_order_acquire);
	bool hold_ep = false;
	if (e == RV_NO_ENTRY || level > (int)(e >> 32)) {
		rv_mutex_lock(&x->ep_lock);
		e = atomic_load_explicit(&x->entry, memory_order_acquire);
		if (e == RV_NO_ENTRY) {
			atomic_store_explicit(&x->entry, ((uint64_t)level << 32) | slot, memory_order_release);
			rv_mutex_unlock(&x->ep_lock);
			return RV_OK;
		}
		if (level > (int)(e >> 32))
			hold_ep = true;
		else
			rv_mutex_unlock(&x->ep_lock);
	}
	uint32_t cur = (uint32_t)e;
	int top = (int)(e >> 32);
	if (cur == slot) { /* relinking the entry point itself (repair): nothing above it */
		if (hold_ep)
			rv_mutex_unlock(&x->ep_lock);
		return RV_OK;
	}
	float cur_dist = rv_dist(x, q, rv_vec(x, cur));
	for (int l = top; l > level; l--)
		rv_hnsw_greedy(x, q, l, &cur, &cur_dist);

	/* Search top-down (each level's best result seeds the next), but
	 * publish bottom-up: a concurrent search can reach this node only
	 * through a level it is already linked at, and must then find its rows
	 * on every level below written, or it would walk into an empty level-0
	 * row and stop there. */
	const int linked_top = level < top ? level : top;
	size_t nchosen[RV_LEVEL_MAX + 1];
	for (int l = linked_top; l >= 0; l--) {
		rv_scratch_new_epoch(s);
		s->visited[slot] = s->epoch; /* never find ourselves */
		s->visited[cur] = s->epoch;
		s->beam[0] = (rv_cand){cur_dist, cur};
		size_t nb = rv_hnsw_search_layer(x, s, q, s->beam, 1, ef, l);
		size_t nc = 0;
		for (size_t i = 0; i < nb; i++)
			if (!(rv_flags(x, s->beam[i].slot) & RV_SLOT_DELETED))
				s->sel[nc++] = s->beam[i];
		nchosen[l] = rv_hnsw_select(x, s->sel, nc, rv_maxlinks(x, l), s->chosen + (size_t)l * x->m0);
		if (nb) {
			cur = s->beam[0].slot;
			cur_dist = s->beam[0].dist;
		}
	}
	for (int l = 0; l <= linked_top; l++) {
		const uint32_t *chosen = s->chosen + (size_t)l * x->m0;
		write_row(x, slot, l, chosen, nchosen[l]);
		size_t kept = 0;
		for (size_t i = 0; i < nchosen[l]; i++)
			kept += add_link(x, chosen[i], slot, l);
		if (l == 0 && nchosen[l] > 0 && kept == 0)
			force_link(x, chosen[0], slot);
	}
	if (hold_ep) {
		atomic_store_explicit(&x->entry, ((uint64_t)level << 32) | slot, memory_order_release);
		rv_mutex_unlock(&x->ep_lock);
	}
	return RV_OK;
}

int rv_hnsw_link(rv_index *x, uint32_t slot)
{
	rv_rwlock_rdlock(&x->rw);
	rv_scratch *s = rv_scratch_get(x);
	int rc = s ? rv_hnsw_link_locked(x, slot, s) : RV_ENOMEM;
	if (s)
		rv_scratch_put(x, s);
	rv_rwlock_unlock(&x->rw);
	return rc;
}
