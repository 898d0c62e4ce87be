/*
 * graph_search.c: the HNSW search loop, neighbour selection, insertion and
 * link repair over a graph kept by a host (graph_store.h).
 *
 * Same algorithms as the in-memory index (hnsw_search.c, hnsw_insert.c,
 * hnsw_repair.c), written again over the three host operations because the
 * in-memory hot path reads link words straight from its arrays, prefetches
 * and never calls through a pointer; putting a callback under it would cost
 * every in-memory query. Here each node costs a host call anyway (a buffer
 * lookup and lock in PostgreSQL), so the loop is the plain one.
 *
 * Local numbers. A search meets each node once: its id goes into `seen`
 * (the core's hash table) with the next local number, and its vector is
 * loaded once, into row `local` of w->vecs. The beam and the result heap
 * are then the in-memory index's (cand.h, rv_cand with the local number in
 * `slot`), and neighbour selection finds every candidate's vector in w->vecs
 * without asking the host again. A new search starts the numbering over.
 *
 * Deleted nodes. A node the host marks deleted is walked (its links still
 * lead somewhere, so recall holds until VACUUM repairs the graph) but never
 * returned and never chosen as a new neighbour.
 */
#include <math.h>
#include <string.h>

#include "../util/alloc.h"
#include "cand.h"
#include "graph_store.h"

void rv_gs_work_free(rv_gs_work *w)
{
	rv_hashtab_free(&w->seen);
	rv_free(w->ids);
	rv_free(w->vecs);
	rv_free(w->dead);
	rv_free(w->heap);
	rv_free(w->res);
	rv_free(w->links);
	rv_free(w->sel);
	rv_free(w->pick);
	rv_free(w->tmp);
	memset(w, 0, sizeof *w);
}

static uint32_t max_links(const rv_graph_store *s, int level)
{
	return level == 0 ? 2 * s->m : s->m;
}

/* Size the fixed parts of w for this store and forget the last search. */
static int work_begin(const rv_graph_store *s, rv_gs_work *w)
{
	size_t m0 = 2 * (size_t)s->m + 1;
	if (w->dim != s->dim || !w->tmp) {
		rv_free(w->tmp);
		rv_free(w->vecs);
		w->vecs = NULL;
		w->cap = 0;
		w->tmp = rv_malloc((size_t)s->dim * sizeof(float));
		if (!w->tmp)
			return RV_ENOMEM;
		w->dim = s->dim;
	}
	if (w->sel_cap < m0 * 2 + 2) {
		size_t c = m0 * 2 + 2;
		rv_gid *l = rv_realloc(w->links, c * sizeof *l);
		if (l)
			w->links = l;
		rv_cand *se = l ? rv_realloc(w->sel, c * sizeof *se) : NULL;
		if (se)
			w->sel = se;
		uint32_t *p = se ? rv_realloc(w->pick, c * sizeof *p) : NULL;
		if (!p)
			return RV_ENOMEM;
		w->pick = p;
		w->sel_cap = c;
	}
	rv_metric_walk(rv_kernels_active(), s->metric, &w->dist);
	if (w->seen.cap)
		memset(w->seen.b, 0xff, w->seen.cap * sizeof *w->seen.b);
	w->seen.count = 0;
	w->n = 0;
	return 0;
}

static float dist(const rv_gs_work *w, const float *a, const float *b)
{
	return w->dist.sign * w->dist.raw(a, b, w->dim) + w->dist.off;
}

static bool id_eq(const void *ctx, uint32_t value, const void *key, size_t len)
{
	(void)len;
	const rv_gs_work *w = ctx;
	return w->ids[value] == *(const rv_gid *)key;
}

/* The local number of node id, loading its vector the first time; *fresh
 * says whether this was the first time. */
static int visit(const rv_graph_store *s, rv_gs_work *w, rv_gid id, uint32_t *local, bool *fresh)
{
	uint32_t h = (uint32_t)rv_hash_bytes(&id, sizeof id);
	bool found;
	size_t b = rv_hashtab_probe(&w->seen, h, id_eq, w, &id, sizeof id, &found);
	if (found) {
		*local = w->seen.b[b].value;
		*fresh = false;
		return 0;
	}
	if (w->n == w->cap) {
		size_t c = w->cap ? w->cap * 2 : 256, vb;
		if (c >= RV_HASHTAB_NONE || !rv_mul_size(c, (size_t)w->dim * sizeof(float), &vb))
			return RV_ENOMEM;
		rv_gid *ids = rv_realloc(w->ids, c * sizeof *ids);
		if (!ids)
			return RV_ENOMEM;
		w->ids = ids;
		float *v = rv_realloc(w->vecs, vb);
		if (!v)
			return RV_ENOMEM;
		w->vecs = v;
		bool *d = rv_realloc(w->dead, c * sizeof *d);
		if (!d)
			return RV_ENOMEM;
		w->dead = d;
		w->cap = c;
	}
	uint32_t me = (uint32_t)w->n;
	int rc = s->load(s->ctx, id, 0, w->vecs + (size_t)me * w->dim, NULL, 0, NULL, &w->dead[me]);
	if (rc)
		return rc;
	if (!rv_hashtab_insert(&w->seen, &b, h, me))
		return RV_ENOMEM;
	w->ids[me] = id;
	w->n++;
	*local = me;
	*fresh = true;
	return 0;
}

static int push(rv_cand **h, size_t *cap, size_t *n, rv_cand c, bool max)
{
	if (*n == *cap && !rv_grow_array((void **)h, cap, *n + 1, sizeof **h))
		return RV_ENOMEM;
	if (max)
		rv_maxheap_push(*h, n, c);
	else
		rv_minheap_push(*h, n, c);
	return 0;
}

/* One level's beam search from `entry`: leaves up to ef nearest nodes in
 * the max-heap w->res (*nres of them), local numbers in slot. */
static int layer(const rv_graph_store *s, rv_gs_work *w, const float *q, rv_gid entry, int level, uint32_t ef,
                 size_t *nres)
{
	int rc = work_begin(s, w);
	if (rc)
		return rc;
	size_t nh = 0, nr = 0;
	uint32_t me;
	bool fresh;
	if ((rc = visit(s, w, entry, &me, &fresh)))
		return rc;
	rv_cand c0 = {dist(w, q, w->vecs + (size_t)me * w->dim), me};
	if ((rc = push(&w->heap, &w->heap_cap, &nh, c0, false)) || (rc = push(&w->res, &w->res_cap, &nr, c0, true)))
		return rc;
	uint32_t cap = max_links(s, level);
	while (nh) {
		rv_cand c = rv_minheap_pop(w->heap, &nh);
		if (nr >= ef && c.dist > w->res[0].dist)
			break;
		uint32_t nl = 0;
		bool dead;
		if ((rc = s->load(s->ctx, w->ids[c.slot], level, NULL, w->links, cap, &nl, &dead)))
			return rc;
		for (uint32_t i = 0; i < nl; i++) {
			if ((rc = visit(s, w, w->links[i], &me, &fresh)))
				return rc;
			if (!fresh)
				continue;
			rv_cand n = {dist(w, q, w->vecs + (size_t)me * w->dim), me};
			if (nr < ef || n.dist < w->res[0].dist) {
				if ((rc = push(&w->heap, &w->heap_cap, &nh, n, false)) ||
				    (rc = push(&w->res, &w->res_cap, &nr, n, true)))
					return rc;
				if (nr > ef)
					rv_maxheap_pop(w->res, &nr);
			}
		}
	}
	*nres = nr;
	return 0;
}

/* The pruning heuristic (HNSW's Algorithm 4): walk the candidates nearest
 * first and keep one unless a kept one is nearer to it than the base is;
 * then fill the row with the nearest of the rest.
 * c is ascending, local numbers in slot; the kept local numbers go to out. */
static size_t select_links(const rv_gs_work *w, const rv_cand *c, size_t n, size_t max, uint32_t *out)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k < max; i++) {
		if (w->dead[c[i].slot])
			continue;
		const float *v = w->vecs + (size_t)c[i].slot * w->dim;
		bool keep = true;
		for (size_t j = 0; j < k && keep; j++)
			if (dist(w, v, w->vecs + (size_t)out[j] * w->dim) < c[i].dist)
				keep = false;
		if (keep)
			out[k++] = c[i].slot;
	}
	/* Fill what the heuristic left free with the nearest pruned ones
	 * (hnswlib's keepPrunedConnections, pgvector does the same): a full
	 * row costs nothing more to read and gives the walk more ways out. */
	size_t kept = k;
	for (size_t i = 0; i < n && k < max; i++) {
		if (w->dead[c[i].slot])
			continue;
		bool in = false;
		for (size_t j = 0; j < kept && !in; j++)
			in = out[j] == c[i].slot;
		if (!in)
			out[k++] = c[i].slot;
	}
	return k;
}

/* Greedy descent: from entry on entry_level down to level+1, the nearest
 * node on each level becomes the next level's entry. */
static int descend(const rv_graph_store *s, rv_gs_work *w, const float *q, rv_gid *entry, int entry_level,
                   int level)
{
	for (int l = entry_level; l > level; l--) {
		size_t nr;
		int rc = layer(s, w, q, *entry, l, 1, &nr);
		if (rc)
			return rc;
		*entry = w->ids[w->res[0].slot];
	}
	return 0;
}

int rv_gs_search(const rv_graph_store *s, rv_gs_work *w, const float *q, rv_gid entry, int entry_level,
                 uint32_t ef, rv_gcand *out, size_t max, size_t *n_out)
{
	*n_out = 0;
	if (entry == RV_GID_NONE)
		return 0;
	if (ef < 1)
		ef = 1;
	int rc = descend(s, w, q, &entry, entry_level, 0);
	size_t nr;
	if (rc || (rc = layer(s, w, q, entry, 0, ef, &nr)))
		return rc;
	rv_maxheap_sort(w->res, nr);
	size_t k = 0;
	for (size_t i = 0; i < nr && k < max; i++)
		if (!w->dead[w->res[i].slot])
			out[k++] = (rv_gcand){w->res[i].dist, w->ids[w->res[i].slot]};
	*n_out = k;
	return 0;
}

/* Re-select node `id`'s links on `level` from the candidates in w->sel
 * (n, ascending by distance to the node; local numbers) and store them. */
static int restore_row(const rv_graph_store *s, rv_gs_work *w, rv_gid id, int level, size_t n)
{
	rv_cand_sort(w->sel, n);
	size_t k = select_links(w, w->sel, n, max_links(s, level), w->pick);
	for (size_t i = 0; i < k; i++)
		w->links[i] = w->ids[w->pick[i]];
	return s->store_links(s->ctx, id, level, w->links, (uint32_t)k);
}

/* Add `nid` to node nb's links on `level`, re-pruning a full row. */
static int add_link(const rv_graph_store *s, rv_gs_work *w, rv_gid nb, int level, rv_gid nid)
{
	uint32_t cap = max_links(s, level), nl = 0;
	bool dead;
	int rc = s->load(s->ctx, nb, level, w->tmp, w->links, cap, &nl, &dead);
	if (rc)
		return rc;
	for (uint32_t i = 0; i < nl; i++)
		if (w->links[i] == nid)
			return 0;
	if (nl < cap) {
		w->links[nl++] = nid;
		return s->store_links(s->ctx, nb, level, w->links, nl);
	}
	/* Full: choose among the row and the new node, as an insert would. */
	rv_gid *r = rv_malloc((nl + 1) * sizeof *r);
	if (!r)
		return RV_ENOMEM;
	memcpy(r, w->links, nl * sizeof *r);
	r[nl++] = nid;
	if ((rc = work_begin(s, w)))
		goto out;
	size_t n = 0;
	for (uint32_t i = 0; i < nl; i++) {
		uint32_t me;
		bool fresh;
		if ((rc = visit(s, w, r[i], &me, &fresh)))
			goto out;
		if (fresh)
			w->sel[n++] = (rv_cand){dist(w, w->tmp, w->vecs + (size_t)me * w->dim), me};
	}
	rc = restore_row(s, w, nb, level, n);
out:
	rv_free(r);
	return rc;
}

int rv_gs_insert(const rv_graph_store *s, rv_gs_work *w, const float *vec, int level, rv_gid entry,
                 int entry_level, uint32_t ef_construction, rv_gid *id)
{
	if (level > RV_GS_LEVEL_MAX)
		level = RV_GS_LEVEL_MAX;
	size_t m0 = 2 * (size_t)s->m, all;
	if (!rv_mul_size((size_t)level + 1, m0, &all))
		return RV_ENOMEM;
	rv_gid *chosen = rv_malloc((all ? all : 1) * sizeof *chosen);
	if (!chosen)
		return RV_ENOMEM;
	const rv_gid *lists[RV_GS_LEVEL_MAX + 1];
	uint32_t counts[RV_GS_LEVEL_MAX + 1];
	for (int l = 0; l <= level; l++) {
		lists[l] = chosen + (size_t)l * m0;
		counts[l] = 0;
	}
	int rc = 0;
	if (entry != RV_GID_NONE) {
		if ((rc = descend(s, w, vec, &entry, entry_level, level)))
			goto out;
		for (int l = level < entry_level ? level : entry_level; l >= 0; l--) {
			size_t nr;
			if ((rc = layer(s, w, vec, entry, l, ef_construction, &nr)))
				goto out;
			rv_maxheap_sort(w->res, nr);
			entry = w->ids[w->res[0].slot];
			size_t k = select_links(w, w->res, nr, max_links(s, l), w->pick);
			for (size_t i = 0; i < k; i++)
				chosen[(size_t)l * m0 + i] = w->ids[w->pick[i]];
			counts[l] = (uint32_t)k;
		}
	}
	rv_gid me;
	if ((rc = s->store_node(s->ctx, vec, level, lists, counts, &me)))
		goto out;
	for (int l = 0; l <= level; l++)
		for (uint32_t i = 0; i < counts[l]; i++)
			if ((rc = add_link(s, w, chosen[(size_t)l * m0 + i], l, me)))
				goto out;
	*id = me;
out:
	rv_free(chosen);
	return rc;
}

int rv_gs_relink(const rv_graph_store *s, rv_gs_work *w, rv_gid id, rv_gid entry, int entry_level,
                 uint32_t ef_construction)
{
	if (entry == RV_GID_NONE || entry == id)
		return 0;
	float *v = rv_malloc((size_t)s->dim * sizeof *v);
	rv_gid *chosen = rv_malloc(2 * (size_t)s->m * sizeof *chosen);
	int rc = v && chosen ? 0 : RV_ENOMEM;
	bool dead;
	if (!rc)
		rc = s->load(s->ctx, id, 0, v, NULL, 0, NULL, &dead);
	if (!rc)
		rc = descend(s, w, v, &entry, entry_level, 0);
	size_t nr = 0, k = 0;
	if (!rc)
		rc = layer(s, w, v, entry, 0, ef_construction, &nr);
	if (!rc) {
		rv_maxheap_sort(w->res, nr);
		/* the node itself may be among the results: not its own link */
		size_t m = 0;
		for (size_t i = 0; i < nr; i++)
			if (w->ids[w->res[i].slot] != id)
				w->res[m++] = w->res[i];
		k = select_links(w, w->res, m, max_links(s, 0), w->pick);
		for (size_t i = 0; i < k; i++)
			chosen[i] = w->ids[w->pick[i]];
		rc = s->store_links(s->ctx, id, 0, chosen, (uint32_t)k);
	}
	for (size_t i = 0; i < k && !rc; i++)
		rc = add_link(s, w, chosen[i], 0, id);
	rv_free(chosen);
	rv_free(v);
	return rc;
}

/* Room for n candidates in w->sel, w->pick and w->links. */
static int sel_reserve(rv_gs_work *w, size_t n)
{
	if (n <= w->sel_cap)
		return 0;
	rv_cand *se = rv_realloc(w->sel, n * sizeof *se);
	if (se)
		w->sel = se;
	uint32_t *p = se ? rv_realloc(w->pick, n * sizeof *p) : NULL;
	if (p)
		w->pick = p;
	rv_gid *l = p ? rv_realloc(w->links, n * sizeof *l) : NULL;
	if (!l)
		return RV_ENOMEM;
	w->links = l;
	w->sel_cap = n;
	return 0;
}

int rv_gs_repair(const rv_graph_store *s, rv_gs_work *w, rv_gid id, int level, rv_gs_gone_fn gone, void *gctx)
{
	uint32_t cap = max_links(s, level), nl = 0;
	bool dead;
	int rc = work_begin(s, w);
	if (rc || (rc = s->load(s->ctx, id, level, w->tmp, w->links, cap, &nl, &dead)))
		return rc;
	/* r: the candidates (the survivors, then each gone link's links);
	 * own: the row as it was; gl: one gone node's row. */
	size_t rcap = (size_t)nl * (cap + 1), rn = 0;
	rv_gid *r = rv_malloc((rcap + nl + cap + 1) * sizeof *r);
	if (!r)
		return RV_ENOMEM;
	rv_gid *own = r + rcap, *gl = own + nl;
	memcpy(own, w->links, nl * sizeof *own);
	bool any = false;
	for (uint32_t i = 0; i < nl; i++) {
		if (gone(gctx, own[i]))
			any = true;
		else
			r[rn++] = own[i];
	}
	for (uint32_t i = 0; i < nl && any && !rc; i++) {
		if (!gone(gctx, own[i]))
			continue;
		uint32_t gn = 0;
		bool gd;
		if ((rc = s->load(s->ctx, own[i], level, NULL, gl, cap, &gn, &gd)))
			break;
		for (uint32_t j = 0; j < gn; j++)
			if (gl[j] != id && !gone(gctx, gl[j]))
				r[rn++] = gl[j];
	}
	if (any && !rc)
		rc = sel_reserve(w, rn + 1);
	size_t n = 0;
	for (size_t i = 0; i < rn && any && !rc; i++) {
		uint32_t me;
		bool fresh;
		if (!(rc = visit(s, w, r[i], &me, &fresh)) && fresh)
			w->sel[n++] = (rv_cand){dist(w, w->tmp, w->vecs + (size_t)me * w->dim), me};
	}
	if (any && !rc)
		rc = restore_row(s, w, id, level, n);
	rv_free(r);
	return rc;
}

int rv_gs_random_level(double u, uint32_t m)
{
	if (u <= 0.0)
		return RV_GS_LEVEL_MAX;
	double l = -log(u) / log(m < 2 ? 2.0 : (double)m);
	return l >= RV_GS_LEVEL_MAX ? RV_GS_LEVEL_MAX : (int)l;
}
