/*
 * hnsw_search.c: walking the graph.
 *
 * Two searches share the descent through the upper levels (a greedy walk,
 * one best node per level) and differ at level 0:
 *
 * The beam search (the common case, and every search an insert makes) keeps
 * one sorted array of the ef best nodes seen, with an "expanded" bit per
 * entry, and always expands the best unexpanded one (as NSG and DiskANN do).
 * Against hnswlib's pair of binary heaps this does less work per candidate:
 * most candidates are rejected by one comparison with the last entry, and an
 * accepted one costs a binary search and a short memmove inside one or two
 * cache lines. It stops when all ef entries are expanded, which is the same
 * condition as hnswlib's (the best unexpanded candidate is no better than
 * the ef-th result).
 *
 * Expanding a node reads its link row, keeps the neighbours not visited in
 * this search (an epoch-stamped byte per slot, so starting a search clears
 * nothing), prefetches all their vectors, and only then computes distances,
 * four at a time (rv_kernels.*_x4): the loads of the next vectors overlap
 * the arithmetic on the current ones.
 *
 * The general search is hnswlib's: a candidate heap and a bounded heap of
 * acceptable results, where nodes that may not be returned (deleted, hidden,
 * rejected by a filter) still guide the walk. It runs when deletions await
 * repair, when a filter is given, or when the beam came back with fewer
 * visible nodes than asked because concurrent writers hid some.
 */
#include "index.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "../util/alloc.h"
#include "cand.h"

/* How much of each neighbour's vector to prefetch before computing any
 * distance; the hardware streamer fetches the rest once it sees the start. */
#define PREFETCH_BYTES 256

static inline void prefetch_vec(const rv_index *x, uint32_t slot)
{
	const char *p = (const char *)rv_vec(x, slot);
	size_t n = x->row_bytes < PREFETCH_BYTES ? x->row_bytes : PREFETCH_BYTES;
	for (size_t off = 0; off < n; off += 64)
		__builtin_prefetch(p + off, 0, 3);
}

static inline void prefetch_links0(const rv_index *x, uint32_t slot)
{
	const char *p = (const char *)(x->links0 + (size_t)slot * x->m0);
	__builtin_prefetch(p, 0, 3);
	__builtin_prefetch(p + 64, 0, 3);
}

static inline void prefetch_code(const rv_index *x, uint32_t slot)
{
	const char *p = (const char *)(x->codes + (size_t)slot * x->quant->code_bytes);
	size_t n = x->quant->code_bytes < PREFETCH_BYTES ? x->quant->code_bytes : PREFETCH_BYTES;
	for (size_t off = 0; off < n; off += 64)
		__builtin_prefetch(p + off, 0, 3);
}

/* The unvisited neighbours of `node` at `level`, marked visited, their
 * vectors (or, walking codes, their codes) prefetched. */
static inline size_t gather(const rv_index *x, rv_scratch *s, uint32_t node, int level, bool codes)
{
	const _Atomic uint32_t *row = rv_links(x, node, level);
	const uint32_t maxl = rv_maxlinks(x, level);
	uint8_t *vis = s->visited;
	const uint8_t tag = s->epoch;
	uint32_t *ids = s->ids;
	size_t nn = 0;
	for (uint32_t j = 0; j < maxl; j++) {
		uint32_t v = atomic_load_explicit(&row[j], memory_order_acquire);
		if (v == RV_NO_SLOT)
			break;
		if (vis[v] == tag)
			continue;
		vis[v] = tag;
		ids[nn++] = v;
		if (codes)
			prefetch_code(x, v);
		else
			prefetch_vec(x, v);
	}
	return nn;
}

/* What distances are measured from: the float32 query, or the query
 * prepared for the quantizer (the walk then reads codes, not vectors). */
typedef struct dsrc {
	const float *q;
	const rv_qquery *qq;
} dsrc;

static inline void code_dists(const rv_index *x, const rv_qquery *qq, const uint8_t **ptrs, const uint32_t *ids,
                              size_t n, float *out)
{
	const size_t cb = x->quant->code_bytes;
	for (size_t i = 0; i < n; i++)
		ptrs[i] = x->codes + (size_t)ids[i] * cb;
	rv_quant_dists(qq, ptrs, n, out);
}

static inline void dists(const rv_index *x, rv_scratch *s, const dsrc *d, const uint32_t *ids, size_t n, float *out)
{
	if (d->qq)
		code_dists(x, d->qq, s->cptrs, ids, n, out);
	else
		rv_dists(x, d->q, ids, n, out);
}

/* Insert (d, slot) into the sorted beam[0..*nb) of capacity ef. Returns
 * the position, or ef when d is no better than a full beam's last entry. */
static inline size_t beam_insert(rv_cand *beam, size_t *nb, size_t ef, float d, uint32_t slot)
{
	size_t n = *nb;
	if (n == ef && !(d < beam[n - 1].dist))
		return ef;
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) >> 1;
		if (beam[mid].dist <= d)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t last = n == ef ? n - 1 : n;
	memmove(beam + lo + 1, beam + lo, (last - lo) * sizeof *beam);
	beam[lo].dist = d;
	beam[lo].slot = slot;
	if (n < ef)
		*nb = n + 1;
	return lo;
}

/* The beam search (see the top of the file), from either distance source.
 * Inlined into its two callers, so the float32 path carries no test for
 * codes. */
static inline __attribute__((always_inline)) size_t layer(const rv_index *x, rv_scratch *s, const dsrc *d,
                                                          rv_cand *beam, size_t nb, size_t ef, int level)
{
	const bool codes = d->qq != NULL;
	size_t k = 0;
	while (k < nb) {
		uint32_t cur = beam[k].slot;
		if (cur & RV_EXPANDED) {
			k++;
			continue;
		}
		beam[k].slot = cur | RV_EXPANDED;
		size_t nn = gather(x, s, cur, level, codes);
		dists(x, s, d, s->ids, nn, s->dists);
		size_t best = SIZE_MAX;
		for (size_t j = 0; j < nn; j++) {
			size_t pos = beam_insert(beam, &nb, ef, s->dists[j], s->ids[j]);
			if (pos < best)
				best = pos;
			/* Entering the beam makes a node likely to be expanded soon:
			 * its link row is a separate cache miss (index.h's layout), so
			 * ask for it now rather than when it is expanded. */
			if (level == 0 && pos < ef)
				prefetch_links0(x, s->ids[j]);
		}
		k = best <= k ? best : k + 1;
	}
	for (size_t i = 0; i < nb; i++)
		beam[i].slot &= ~RV_EXPANDED;
	return nb;
}

size_t rv_hnsw_search_layer(const rv_index *x, rv_scratch *s, const float *q, rv_cand *beam,
                            size_t nb, size_t ef, int level)
{
	dsrc d = {q, NULL};
	return layer(x, s, &d, beam, nb, ef, level);
}

static size_t layer_codes(const rv_index *x, rv_scratch *s, const rv_qquery *qq, rv_cand *beam, size_t nb,
                          size_t ef, int level)
{
	dsrc d = {NULL, qq};
	return layer(x, s, &d, beam, nb, ef, level);
}

static void greedy(const rv_index *x, const dsrc *d, int level, uint32_t *cur, float *cur_dist)
{
	const uint32_t maxl = rv_maxlinks(x, level);
	uint32_t ids[RV_M_MAX * 2];
	float dd[RV_M_MAX * 2 + 4];
	const uint8_t *ptrs[RV_M_MAX * 2 + 4];
	for (bool changed = true; changed;) {
		changed = false;
		const _Atomic uint32_t *row = rv_links(x, *cur, level);
		size_t nn = 0;
		for (uint32_t j = 0; j < maxl; j++) {
			uint32_t v = atomic_load_explicit(&row[j], memory_order_acquire);
			if (v == RV_NO_SLOT)
				break;
			ids[nn++] = v;
			if (d->qq)
				prefetch_code(x, v);
			else
				prefetch_vec(x, v);
		}
		if (d->qq)
			code_dists(x, d->qq, ptrs, ids, nn, dd);
		else
			rv_dists(x, d->q, ids, nn, dd);
		for (size_t j = 0; j < nn; j++) {
			if (dd[j] < *cur_dist) {
				*cur_dist = dd[j];
				*cur = ids[j];
				changed = true;
			}
		}
	}
}

void rv_hnsw_greedy(const rv_index *x, const float *q, int level, uint32_t *cur, float *cur_dist)
{
	dsrc d = {q, NULL};
	greedy(x, &d, level, cur, cur_dist);
}

static inline bool acceptable(const rv_index *x, uint32_t slot, rv_accept_fn accept, void *actx)
{
	return rv_visible(x, slot) && (!accept || accept(actx, slot));
}

/* hnswlib-style level-0 search that returns only acceptable nodes. */
static int search_general(const rv_index *x, rv_scratch *s, const dsrc *d, const rv_cand *start, int ns,
                          size_t ef, rv_accept_fn accept, void *actx, size_t *nres)
{
	size_t nc = 0, nr = 0;
	rv_cand *cand = s->heap, *res = s->res;
	rv_scratch_new_epoch(s);
	float lower = INFINITY;
	for (int i = 0; i < ns; i++) {
		s->visited[start[i].slot] = s->epoch;
		rv_minheap_push(cand, &nc, start[i]);
		if (acceptable(x, start[i].slot, accept, actx)) {
			rv_maxheap_push(res, &nr, start[i]);
			if (nr > ef)
				rv_maxheap_pop(res, &nr);
			lower = res[0].dist;
		}
	}
	while (nc) {
		rv_cand c = cand[0];
		if (c.dist > lower && nr == ef)
			break;
		rv_minheap_pop(cand, &nc);
		size_t nn = gather(x, s, c.slot, 0, d->qq != NULL);
		dists(x, s, d, s->ids, nn, s->dists);
		for (size_t j = 0; j < nn; j++) {
			float dj = s->dists[j];
			uint32_t v = s->ids[j];
			if (nr < ef || dj < lower) {
				if (nc == s->heap_cap) {
					size_t want = s->heap_cap * 2;
					rv_cand *p = rv_realloc(s->heap, want * sizeof *p);
					if (!p)
						return RV_ENOMEM;
					s->heap = cand = p;
					s->heap_cap = want;
				}
				rv_minheap_push(cand, &nc, (rv_cand){dj, v});
				if (acceptable(x, v, accept, actx)) {
					rv_maxheap_push(res, &nr, (rv_cand){dj, v});
					if (nr > ef)
						rv_maxheap_pop(res, &nr);
					lower = res[0].dist;
				}
			}
		}
	}
	*nres = nr;
	return RV_OK;
}

/* Level 0 starts from two nodes: the one the greedy descent through the
 * upper levels ends at (near the query: the usual HNSW start), and the entry
 * point itself. The graph guarantees that every live node is reachable from
 * the entry point at level 0 (hnsw_repair.c keeps it so, hnsw_check.c checks
 * it), not from any other node: after heavy deletion the level-0 graph can
 * be reachable from the entry yet not from where the descent landed. The
 * entry is one extra distance; when it is far it drops out of the beam
 * unexpanded, and when the graph is small or torn it is how the walk gets
 * everywhere. Returns the number of start nodes written to `start`. */
static int descend(const rv_index *x, rv_scratch *s, const dsrc *d, rv_cand start[2])
{
	uint64_t e = atomic_load_explicit(&x->entry, memory_order_acquire);
	if (e == RV_NO_ENTRY)
		return 0;
	uint32_t ep = (uint32_t)e, cur = ep;
	float ep_dist;
	dists(x, s, d, &ep, 1, s->dists);
	ep_dist = s->dists[0];
	float cur_dist = ep_dist;
	for (int l = (int)(e >> 32); l > 0; l--)
		greedy(x, d, l, &cur, &cur_dist);
	start[0] = (rv_cand){cur_dist, cur};
	if (cur == ep)
		return 1;
	start[1] = (rv_cand){ep_dist, ep};
	return 2;
}

static size_t beam_from(const rv_index *x, rv_scratch *s, const dsrc *d, size_t ef)
{
	rv_cand start[2];
	int ns = descend(x, s, d, start);
	if (ns == 0)
		return 0;
	rv_scratch_new_epoch(s);
	size_t nb = 0;
	for (int i = 0; i < ns; i++) {
		s->visited[start[i].slot] = s->epoch;
		if (nb < ef)
			s->beam[nb++] = start[i];
	}
	/* start[1], the entry point, is never nearer than where the greedy
	 * descent from it ended */
	return d->qq ? layer_codes(x, s, d->qq, s->beam, nb, ef, 0) : rv_hnsw_search_layer(x, s, d->q, s->beam, nb, ef, 0);
}

size_t rv_hnsw_beam(const rv_index *x, rv_scratch *s, const float *q, size_t ef)
{
	dsrc d = {q, NULL};
	return beam_from(x, s, &d, ef);
}

/* Quantized collections: order the best `depth` visible candidates (sorted
 * by code distance) by their float32 distance, and keep k. */
static size_t rerank(const rv_index *x, const float *q, const rv_cand *cand, size_t n, size_t depth, size_t k,
                     rv_cand *work, rv_cand *out)
{
	size_t m = 0;
	for (size_t i = 0; i < n && m < depth; i++)
		if (rv_visible(x, cand[i].slot))
			work[m++] = cand[i];
	for (size_t i = 0; i < m; i += 4) {
		uint32_t ids[4];
		float dd[4];
		size_t g = m - i < 4 ? m - i : 4;
		for (size_t t = 0; t < g; t++)
			ids[t] = work[i + t].slot;
		rv_dists(x, q, ids, g, dd);
		for (size_t t = 0; t < g; t++)
			work[i + t].dist = dd[t];
	}
	rv_cand_sort(work, m);
	size_t got = m < k ? m : k;
	memcpy(out, work, got * sizeof *out);
	return got;
}

/* Buffers the quantized path needs, kept in the scratch. */
static int reserve_quant(const rv_index *x, rv_scratch *s)
{
	size_t need = rv_quant_query_bytes(x->quant);
	if (s->qmem_cap < need) {
		rv_aligned_free(s->qmem);
		s->qmem = rv_aligned_alloc(need);
		if (!s->qmem) {
			s->qmem_cap = 0;
			return RV_ENOMEM;
		}
		/* rv_aligned_alloc's block: freed through rv_aligned_free below */
		s->qmem_cap = need;
	}
	if (!s->cptrs && !(s->cptrs = rv_malloc(((size_t)x->m0 + 4) * sizeof *s->cptrs)))
		return RV_ENOMEM;
	return RV_OK;
}

int rv_hnsw_search(rv_index *x, rv_scratch *s, const float *query, size_t k, size_t ef,
                   rv_accept_fn accept, void *actx, rv_cand *out)
{
	return rv_hnsw_search_rerank(x, s, query, k, ef, 0, accept, actx, out);
}

int rv_hnsw_search_rerank(rv_index *x, rv_scratch *s, const float *query, size_t k, size_t ef, size_t depth,
                          rv_accept_fn accept, void *actx, rv_cand *out)
{
	const float *q = rv_index_prepare_query(x, query, s->qbuf);
	if (ef < k)
		ef = k;
	dsrc d = {q, NULL};
	if (x->quant) {
		if (reserve_quant(x, s) != RV_OK || rv_scratch_reserve(s, ef, 0) != RV_OK)
			return RV_ENOMEM;
		if (s->sel_cap < ef + 1) {
			rv_cand *p = rv_realloc(s->sel, (ef + 1) * sizeof *p);
			if (!p)
				return RV_ENOMEM;
			s->sel = p;
			s->sel_cap = ef + 1;
		}
		rv_quant_query(x->quant, q, s->qmem, &s->qq);
		d.qq = &s->qq;
		depth = depth == 0 || depth > ef ? ef : depth < k ? k : depth;
	}
	bool fast = !accept && atomic_load_explicit(&x->n_pending, memory_order_relaxed) == 0;
	if (fast) {
		if (rv_scratch_reserve(s, ef, 0) != RV_OK)
			return RV_ENOMEM;
		size_t nb = beam_from(x, s, &d, ef);
		if (d.qq) {
			size_t got = rerank(x, q, s->beam, nb, depth, k, s->sel, out);
			size_t visible = 0;
			for (size_t i = 0; i < nb; i++)
				visible += rv_visible(x, s->beam[i].slot);
			if (got == k || visible == nb)
				return (int)got;
		} else {
			size_t got = 0, hidden = 0;
			for (size_t i = 0; i < nb && got < k; i++) {
				if (rv_visible(x, s->beam[i].slot))
					out[got++] = s->beam[i];
				else
					hidden++;
			}
			if (got == k || hidden == 0)
				return (int)got;
		}
		/* Concurrent writers hid some of the beam; walk again, skipping them. */
	}
	rv_cand start[2];
	int ns = descend(x, s, &d, start);
	if (ns == 0)
		return 0;
	if (rv_scratch_reserve(s, ef, ef * 4 + 64) != RV_OK)
		return RV_ENOMEM;
	size_t nr;
	int rc = search_general(x, s, &d, start, ns, ef, accept, actx, &nr);
	if (rc != RV_OK)
		return rc;
	rv_cand *res = s->res;
	rv_maxheap_sort(res, nr);
	if (d.qq)
		return (int)rerank(x, q, res, nr, depth, k, s->sel, out);
	size_t got = nr < k ? nr : k;
	memcpy(out, res, got * sizeof *out);
	return (int)got;
}
