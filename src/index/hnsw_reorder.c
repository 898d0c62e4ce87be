/*
 * hnsw_reorder.c: renumbering slots so that graph neighbours sit near each
 * other in memory.
 *
 * A search spends most of its time waiting for neighbour vectors to arrive
 * from DRAM. When slots are numbered in insertion order (often random, as in
 * the shuffled benchmark sets), a node's neighbours are scattered over the
 * whole array: every one is a new DRAM row and, without huge pages, a new
 * TLB entry. Numbering slots in breadth-first order of the level-0 graph
 * from the entry point puts each node's neighbours within a few rows of it,
 * so the rows a search touches cluster together (Coleman et al., "Graph
 * Reordering for Cache-Efficient Near Neighbor Search", NeurIPS 2022, found
 * BFS orders within a few percent of far costlier ones).
 *
 * It is a whole-index permutation under the exclusive lock, using a second
 * copy of the vector and link arrays; if that memory is not available the
 * index is left as it was (the order is an optimisation, never required).
 * The caller gets the old->new map to renumber what it keeps per slot (the
 * collection's id map). Free slots move to the end, so the free list is
 * rebuilt as one run.
 */
#include "index.h"

#include <string.h>

#include "../util/alloc.h"

int rv_hnsw_reorder(rv_index *x, uint32_t **old_to_new_out)
{
	*old_to_new_out = NULL;
	uint32_t n = atomic_load(&x->n_slots);
	if (n < 2)
		return RV_OK;
	uint32_t *order = rv_malloc((size_t)n * sizeof *order);     /* new -> old */
	uint32_t *map = rv_malloc((size_t)n * sizeof *map);         /* old -> new */
	rv_vecstore vs;
	rv_vecstore_init(&vs, x->dim);
	bool vs_ok = rv_vecstore_grow(&vs, x->capacity) == RV_OK;
	_Atomic uint32_t *links = rv_aligned_alloc(x->capacity * x->m0 * sizeof(uint32_t));
	uint8_t *levels = rv_malloc(x->capacity);
	_Atomic uint32_t **upper = rv_malloc(x->capacity * sizeof *upper);
	float *norms = x->norms ? rv_malloc(x->capacity * sizeof(float)) : NULL;
	uint8_t *codes = x->quant ? rv_aligned_alloc(x->capacity * x->quant->code_bytes) : NULL;
	uint8_t *flags_new = rv_malloc(n);
	if (!order || !map || !vs_ok || !links || !levels || !upper || (x->norms && !norms) || !flags_new ||
	    (x->quant && !codes)) {
		rv_aligned_free(codes);
		rv_free(order);
		rv_free(map);
		rv_vecstore_free(&vs);
		rv_aligned_free((void *)links);
		rv_free(levels);
		rv_free((void *)upper);
		rv_free(norms);
		rv_free(flags_new);
		return RV_ENOMEM;
	}
	if (rv_alloc_is_default())
		rv_mem_hint_huge((void *)links, x->capacity * x->m0 * sizeof(uint32_t));

	/* Breadth-first from the entry point; then every used slot the walk
	 * missed (pending deletions, hidden nodes), then free slots. */
	for (uint32_t i = 0; i < n; i++)
		map[i] = RV_NO_SLOT;
	uint32_t next = 0, head = 0;
	uint64_t e = atomic_load(&x->entry);
	if (e != RV_NO_ENTRY) {
		uint32_t ep = (uint32_t)e;
		map[ep] = next;
		order[next++] = ep;
		while (head < next) {
			uint32_t u = order[head++];
			const _Atomic uint32_t *row = rv_links(x, u, 0);
			for (uint32_t j = 0; j < x->m0; j++) {
				uint32_t v = atomic_load_explicit(&row[j], memory_order_relaxed);
				if (v == RV_NO_SLOT)
					break;
				if (map[v] == RV_NO_SLOT) {
					map[v] = next;
					order[next++] = v;
				}
			}
		}
	}
	for (uint32_t i = 0; i < n; i++)
		if (map[i] == RV_NO_SLOT && (rv_flags(x, i) & RV_SLOT_USED))
			map[i] = next, order[next++] = i;
	uint32_t used = next;
	for (uint32_t i = 0; i < n; i++)
		if (map[i] == RV_NO_SLOT)
			map[i] = next, order[next++] = i;

	/* Move rows, renumbering every link. */
	for (uint32_t ni = 0; ni < n; ni++) {
		uint32_t oi = order[ni];
		memcpy(vs.chunk[ni >> vs.shift] + (size_t)(ni & vs.mask) * x->dim, rv_vec(x, oi), x->row_bytes);
		const _Atomic uint32_t *src = rv_links(x, oi, 0);
		_Atomic uint32_t *dst = links + (size_t)ni * x->m0;
		for (uint32_t j = 0; j < x->m0; j++) {
			uint32_t v = atomic_load_explicit(&src[j], memory_order_relaxed);
			atomic_init(&dst[j], v == RV_NO_SLOT ? RV_NO_SLOT : map[v]);
		}
		levels[ni] = x->levels[oi];
		upper[ni] = x->upper[oi];
		if (upper[ni]) {
			size_t words = (size_t)levels[ni] * x->m;
			for (size_t j = 0; j < words; j++) {
				uint32_t v = atomic_load_explicit(&upper[ni][j], memory_order_relaxed);
				if (v != RV_NO_SLOT)
					atomic_store_explicit(&upper[ni][j], map[v], memory_order_relaxed);
			}
		}
		flags_new[ni] = rv_flags(x, oi);
		if (norms)
			norms[ni] = x->norms[oi];
		if (codes)
			memcpy(codes + (size_t)ni * x->quant->code_bytes, x->codes + (size_t)oi * x->quant->code_bytes,
			       x->quant->code_bytes);
	}
	for (uint32_t i = 0; i < n; i++)
		atomic_store_explicit(&x->flags[i], flags_new[i], memory_order_relaxed);
	for (size_t i = n; i < x->capacity; i++)
		upper[i] = NULL, levels[i] = 0;
	rv_free(flags_new);

	rv_index_release_arrays(x);
	rv_free(x->levels);
	rv_free((void *)x->upper);
	rv_free(x->norms);
	x->vs = vs;
	x->links0 = links;
	x->levels = levels;
	x->upper = upper;
	x->norms = norms;
	if (codes) {
		rv_aligned_free(x->codes);
		x->codes = codes;
	}
	if (e != RV_NO_ENTRY)
		atomic_store(&x->entry, (e & ~(uint64_t)UINT32_MAX) | map[(uint32_t)e]);
	/* Free slots are now exactly [used, n); pending ones are renumbered. */
	x->n_free = 0;
	if (rv_grow_array((void **)&x->free_slots, &x->free_cap, n - used, sizeof(uint32_t)))
		for (uint32_t s = n; s-- > used;)
			x->free_slots[x->n_free++] = s;
	size_t np = atomic_load(&x->n_pending);
	for (size_t i = 0; i < np; i++)
		x->pending[i] = map[x->pending[i]];
	rv_free(order);
	*old_to_new_out = map;
	return RV_OK;
}
