/*
 * flat.c: the exact index: a SIMD scan of every visible slot.
 *
 * It serves collections below the exact threshold, RV_SEARCH_EXACT queries,
 * and is the oracle that recall tests measure the graph against.
 *
 * Exact means exact. Float32 sums round differently in different orders, so
 * two vectors whose true distances differ by less than the rounding error can
 * swap places, and the swap shows as a recall below 1 against a float64
 * ground truth. The scan therefore keeps the best k + RERANK_EXTRA by float
 * distance, recomputes those in double precision from the stored vectors,
 * and ranks by double distance. The margin only needs to cover near-ties at
 * the k-th place, which are a handful at most. Exact ties (common with
 * integer data such as SIFT, whose squared distances are integers) are
 * ranked by the caller's tie-breaker (the collection compares ids), so the
 * order does not depend on how slots happen to be numbered.
 */
#include "index.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../util/alloc.h"
#include "cand.h"

#define RERANK_EXTRA 32
#define PREFETCH_AHEAD 8

/* Double-precision distance between the caller's query and a stored row. */
static double exact_dist(const rv_index *x, const float *q, double qnorm, uint32_t slot)
{
	return rv_metric_exact(x->metric, q, qnorm, rv_vec(x, slot), x->dim);
}

static int exact_cmp(const rv_exact *a, const rv_exact *b, rv_tie_fn tie, void *tctx)
{
	if (a->dist != b->dist)
		return a->dist < b->dist ? -1 : 1;
	if (tie) {
		int t = tie(tctx, a->slot, b->slot);
		if (t)
			return t;
	}
	return a->slot < b->slot ? -1 : a->slot > b->slot;
}

/* Merge sort with a context-taking comparator (qsort has none in C11).
 * tmp holds n entries. */
static void exact_sort(rv_exact *a, rv_exact *tmp, size_t n, rv_tie_fn tie, void *tctx)
{
	if (n < 2)
		return;
	size_t h = n / 2;
	exact_sort(a, tmp, h, tie, tctx);
	exact_sort(a + h, tmp, n - h, tie, tctx);
	size_t i = 0, j = h, o = 0;
	while (i < h && j < n)
		tmp[o++] = exact_cmp(&a[j], &a[i], tie, tctx) < 0 ? a[j++] : a[i++];
	while (i < h)
		tmp[o++] = a[i++];
	while (j < n)
		tmp[o++] = a[j++];
	memcpy(a, tmp, n * sizeof *a);
}

static inline void consider(rv_cand *heap, size_t *n, size_t cap, float d, uint32_t slot)
{
	rv_cand c = {d, slot};
	if (*n < cap) {
		rv_maxheap_push(heap, n, c);
	} else if (rv_cand_less(c, heap[0])) {
		rv_maxheap_pop(heap, n);
		rv_maxheap_push(heap, n, c);
	}
}

int rv_flat_search(rv_index *x, rv_scratch *s, const float *query, size_t k,
                   rv_accept_fn accept, void *actx, rv_tie_fn tie, void *tctx, rv_cand *out)
{
	return rv_flat_search_slots(x, s, query, k, NULL, 0, accept, actx, tie, tctx, out);
}

int rv_flat_search_slots(rv_index *x, rv_scratch *s, const float *query, size_t k, const uint32_t *slots,
                         size_t nslots, rv_accept_fn accept, void *actx, rv_tie_fn tie, void *tctx, rv_cand *out)
{
	size_t cap = k + RERANK_EXTRA;
	if (rv_scratch_reserve(s, cap, 0) != RV_OK)
		return RV_ENOMEM;
	const float *q = rv_index_prepare_query(x, query, s->qbuf);
	rv_cand *heap = s->beam;
	size_t nh = 0;
	uint32_t n = atomic_load_explicit(&x->n_slots, memory_order_acquire);
	uint32_t batch[4];
	int nbatch = 0;
	float d4[4];
	const float sign = x->dsign, off = x->doff;
	size_t count = slots ? nslots : n;
	for (size_t i = 0; i < count; i++) {
		uint32_t slot = slots ? slots[i] : (uint32_t)i;
		/* a list of slots jumps about memory: fetch rows ahead (a full
		 * scan streams and the hardware prefetcher does it) */
		if (slots && i + PREFETCH_AHEAD < count && slots[i + PREFETCH_AHEAD] < n) {
			const char *row = (const char *)rv_vec(x, slots[i + PREFETCH_AHEAD]);
			for (size_t b = 0; b < x->row_bytes && b < 1024; b += 64)
				__builtin_prefetch(row + b, 0, 1);
		}
		if (slot >= n || !rv_visible(x, slot) || (accept && !accept(actx, slot)))
			continue;
		batch[nbatch++] = slot;
		if (nbatch == 4) {
			const float *v[4] = {rv_vec(x, batch[0]), rv_vec(x, batch[1]), rv_vec(x, batch[2]),
			                     rv_vec(x, batch[3])};
			x->raw4(q, v, x->dim, d4);
			for (int j = 0; j < 4; j++)
				consider(heap, &nh, cap, sign * d4[j] + off, batch[j]);
			nbatch = 0;
		}
	}
	for (int j = 0; j < nbatch; j++)
		consider(heap, &nh, cap, rv_dist(x, q, rv_vec(x, batch[j])), batch[j]);

	double qnorm = 0;
	if (x->metric == RV_METRIC_COSINE) {
		for (uint32_t i = 0; i < x->dim; i++)
			qnorm += (double)query[i] * query[i];
		qnorm = sqrt(qnorm);
	}
	/* Rank the survivors by double distance; sorting a float copy of it
	 * would bring the ties back, so sort (double, slot) pairs. */
	if (s->rerank_cap < 2 * cap) {
		rv_exact *p = rv_realloc(s->rerank, 2 * cap * sizeof *p);
		if (!p)
			return RV_ENOMEM;
		s->rerank = p;
		s->rerank_cap = 2 * cap;
	}
	rv_exact *r = s->rerank;
	for (size_t i = 0; i < nh; i++)
		r[i] = (rv_exact){exact_dist(x, query, qnorm, heap[i].slot), heap[i].slot};
	exact_sort(r, r + cap, nh, tie, tctx);
	size_t got = nh < k ? nh : k;
	for (size_t i = 0; i < got; i++)
		out[i] = (rv_cand){(float)r[i].dist, r[i].slot};
	return (int)got;
}
