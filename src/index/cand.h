/*
 * cand.h: heaps and sorting of (distance, slot) candidates, ordered by
 * distance and then by slot, so that equal distances always rank the same
 * way (the lower slot first, as the benchmark ground truths do).
 */
#ifndef RV_CAND_H
#define RV_CAND_H

#include <stdlib.h>

#include "index.h"

static inline bool rv_cand_less(rv_cand a, rv_cand b)
{
	return a.dist < b.dist || (a.dist == b.dist && a.slot < b.slot);
}

/* Min-heap: h[0] is the nearest. */
static inline void rv_minheap_push(rv_cand *h, size_t *n, rv_cand c)
{
	size_t i = (*n)++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!rv_cand_less(c, h[p]))
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = c;
}

static inline rv_cand rv_minheap_pop(rv_cand *h, size_t *n)
{
	rv_cand top = h[0], last = h[--(*n)];
	size_t i = 0, m = *n;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= m)
			break;
		if (c + 1 < m && rv_cand_less(h[c + 1], h[c]))
			c++;
		if (!rv_cand_less(h[c], last))
			break;
		h[i] = h[c];
		i = c;
	}
	if (m)
		h[i] = last;
	return top;
}

/* Max-heap: h[0] is the farthest. */
static inline void rv_maxheap_push(rv_cand *h, size_t *n, rv_cand c)
{
	size_t i = (*n)++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!rv_cand_less(h[p], c))
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = c;
}

static inline void rv_maxheap_pop(rv_cand *h, size_t *n)
{
	rv_cand last = h[--(*n)];
	size_t i = 0, m = *n;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= m)
			break;
		if (c + 1 < m && rv_cand_less(h[c], h[c + 1]))
			c++;
		if (!rv_cand_less(last, h[c]))
			break;
		h[i] = h[c];
		i = c;
	}
	if (m)
		h[i] = last;
}

/* Turn a max-heap of n entries into an ascending array in place. */
static inline void rv_maxheap_sort(rv_cand *h, size_t n)
{
	while (n > 1) {
		rv_cand top = h[0];
		rv_maxheap_pop(h, &n);
		h[n] = top;
	}
}

static int rv_cand_cmp(const void *a, const void *b)
{
	rv_cand x = *(const rv_cand *)a, y = *(const rv_cand *)b;
	return rv_cand_less(x, y) ? -1 : rv_cand_less(y, x) ? 1 : 0;
}

/* Ascending sort: insertion sort for the short lists of link pruning,
 * qsort beyond. */
static inline void rv_cand_sort(rv_cand *c, size_t n)
{
	if (n > 48) {
		qsort(c, n, sizeof *c, rv_cand_cmp);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		rv_cand v = c[i];
		size_t j = i;
		while (j > 0 && rv_cand_less(v, c[j - 1])) {
			c[j] = c[j - 1];
			j--;
		}
		c[j] = v;
	}
}

#endif
