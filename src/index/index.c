/*
 * index.c: the life of an index: creation, growth, slot allocation, vector
 * storage and the pooled per-search scratch.
 *
 * Growth takes rw exclusively, by 1.5x so the amortised cost per insert
 * stays constant while the slack stays under a third. The vectors, the
 * bulk, live in chunks (vectors.c) and are not copied; the per-slot arrays
 * (links, levels, flags, codes) are contiguous, because the search loop
 * indexes them directly, and are copied. rv_reserve() avoids growth
 * entirely when the size is known.
 */
#include "index.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../platform/vfs.h"
#include "../util/alloc.h"
#include "../util/error.h"

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

int rv_index_new(const rv_index_params *p, rv_index **out)
{
	*out = NULL;
	rv_index *x = rv_calloc(1, sizeof *x);
	if (!x)
		return RV_ENOMEM;
	x->dim = p->dim;
	x->metric = p->metric;
	x->m = p->m;
	x->m0 = 2 * p->m;
	x->ef_construction = p->ef_construction;
	/* Relaxing the rule scales distances, which only makes sense for ones
	 * that cannot be negative: for inner product (-dot) it would prune more,
	 * not less. */
	x->alpha = p->metric == RV_METRIC_IP ? 1.0f : p->alpha;
	x->level_mult = 1.0 / log((double)p->m);
	x->seed = p->seed;
	x->k = p->kernels;
	x->row_bytes = (size_t)p->dim * sizeof(float);
	rv_vecstore_init(&x->vs, p->dim);
	rv_metric_kernel mk;
	rv_metric_walk(x->k, p->metric, &mk);
	x->raw = mk.raw, x->raw4 = mk.raw4, x->dsign = mk.sign, x->doff = mk.off;
	atomic_init(&x->entry, RV_NO_ENTRY);
	atomic_init(&x->n_slots, 0);
	atomic_init(&x->n_pending, 0);
	atomic_init(&x->level_draws, 0);
	int inits = 0;
	if (rv_rwlock_init(&x->rw) != 0)
		goto fail;
	inits++;
	if (rv_mutex_init(&x->ep_lock) != 0)
		goto fail;
	inits++;
	if (rv_mutex_init(&x->slot_lock) != 0)
		goto fail;
	inits++;
	if (rv_mutex_init(&x->pool.lock) != 0)
		goto fail;
	inits++;
	size_t s;
	for (s = 0; s < RV_STRIPES; s++)
		if (rv_mutex_init(&x->stripes[s]) != 0)
			break;
	if (s < RV_STRIPES) {
		while (s--)
			rv_mutex_destroy(&x->stripes[s]);
		goto fail;
	}
	*out = x;
	return RV_OK;
fail:
	if (inits > 3)
		rv_mutex_destroy(&x->pool.lock);
	if (inits > 2)
		rv_mutex_destroy(&x->slot_lock);
	if (inits > 1)
		rv_mutex_destroy(&x->ep_lock);
	if (inits > 0)
		rv_rwlock_destroy(&x->rw);
	rv_free(x);
	return RV_ENOMEM;
}

static void scratch_free(rv_scratch *s)
{
	rv_aligned_free(s->qmem);
	rv_free((void *)s->cptrs);
	rv_free(s->visited);
	rv_free(s->beam);
	rv_free(s->heap);
	rv_free(s->res);
	rv_free(s->sel);
	rv_free(s->chosen);
	rv_free(s->rerank);
	rv_free(s->ids);
	rv_free(s->dists);
	rv_free(s->qbuf);
	rv_free(s);
}

void rv_index_free(rv_index *x)
{
	if (!x)
		return;
	uint32_t n = atomic_load(&x->n_slots);
	for (uint32_t i = 0; x->upper && i < n; i++)
		rv_free((void *)x->upper[i]);
	rv_index_release_arrays(x);
	rv_index_set_vguard(x, NULL);
	if (x->quant) {
		rv_quant_free(x->quant);
		rv_free(x->quant);
	}
	rv_aligned_free(x->codes);
	rv_free((void *)x->upper);
	rv_free(x->levels);
	rv_free((void *)x->flags);
	rv_free(x->norms);
	rv_free(x->free_slots);
	rv_free(x->pending);
	for (rv_scratch *s = x->pool.free, *next; s; s = next) {
		next = s->next;
		scratch_free(s);
	}
	for (size_t i = 0; i < RV_STRIPES; i++)
		rv_mutex_destroy(&x->stripes[i]);
	rv_mutex_destroy(&x->pool.lock);
	rv_mutex_destroy(&x->slot_lock);
	rv_mutex_destroy(&x->ep_lock);
	rv_rwlock_destroy(&x->rw);
	rv_free(x);
}

/* Replace an aligned array by a larger copy. */
static void *grow_aligned(void *old, size_t old_bytes, size_t new_bytes)
{
	void *p = rv_aligned_alloc(new_bytes);
	if (!p)
		return NULL;
	if (rv_alloc_is_default())
		rv_mem_hint_huge(p, new_bytes);
	if (old_bytes)
		memcpy(p, old, old_bytes);
	return p;
}

static void release_links(rv_index *x)
{
	if (x->links_map_len)
		rv_vfs_current()->munmap((void *)x->links0, x->links_map_len);
	else
		rv_aligned_free((void *)x->links0);
	x->links0 = NULL;
	x->links_map_len = 0;
}

void rv_index_release_arrays(rv_index *x)
{
	rv_index_retire_vguard(x);
	rv_vecstore_free(&x->vs);
	release_links(x);
}

/* Grow every per-slot array to `cap` slots. Caller holds rw exclusive.
 * On failure the arrays already grown stay grown (harmless: capacity is
 * only raised when all succeeded). */
static int grow_locked(rv_index *x, size_t cap)
{
	if (cap <= x->capacity)
		return RV_OK;
	if (cap > (size_t)RV_MAX_VECTORS + 1)
		cap = (size_t)RV_MAX_VECTORS + 1;
	size_t old = x->capacity, lb, nb;
	if (!rv_mul_size(cap, x->m0 * sizeof(uint32_t), &lb))
		return RV_ENOMEM;
	/* vectors first: growing them copies nothing (vectors.c), and extra
	 * rows are harmless if what follows fails */
	if (rv_vecstore_grow(&x->vs, cap) != RV_OK)
		return RV_ENOMEM;
	_Atomic uint32_t *links = grow_aligned((void *)x->links0, old * x->m0 * sizeof(uint32_t), lb);
	if (!links)
		return RV_ENOMEM;
	uint8_t *codes = NULL;
	if (x->quant) {
		size_t cb;
		if (!rv_mul_size(cap, x->quant->code_bytes, &cb) ||
		    !(codes = grow_aligned(x->codes, old * x->quant->code_bytes, cb))) {
			rv_aligned_free((void *)links);
			return RV_ENOMEM;
		}
	}
	/* a mapped segment's links are copied once, on the first growth */
	release_links(x);
	x->links0 = links;
	if (codes) {
		rv_aligned_free(x->codes);
		x->codes = codes;
	}

	if (!rv_mul_size(cap, sizeof(void *), &nb))
		return RV_ENOMEM;
	void *up = rv_realloc((void *)x->upper, nb);
	if (!up)
		return RV_ENOMEM;
	x->upper = up;
	memset((void *)(x->upper + old), 0, (cap - old) * sizeof(void *));

	void *lv = rv_realloc(x->levels, cap);
	if (!lv)
		return RV_ENOMEM;
	x->levels = lv;
	memset(x->levels + old, 0, cap - old);

	void *fl = rv_realloc((void *)x->flags, cap);
	if (!fl)
		return RV_ENOMEM;
	x->flags = fl;
	for (size_t i = old; i < cap; i++)
		atomic_init(&x->flags[i], 0);

	if (x->metric == RV_METRIC_COSINE) {
		void *nm = rv_realloc(x->norms, cap * sizeof(float));
		if (!nm)
			return RV_ENOMEM;
		x->norms = nm;
	}
	x->capacity = cap;
	return RV_OK;
}

int rv_index_reserve(rv_index *x, size_t n)
{
	rv_rwlock_wrlock(&x->rw);
	int rc = grow_locked(x, n);
	rv_rwlock_unlock(&x->rw);
	return rc;
}

static int draw_level(rv_index *x)
{
	uint64_t c = atomic_fetch_add_explicit(&x->level_draws, 1, memory_order_relaxed);
	uint64_t r = splitmix64(x->seed ^ (c * 0xd1b54a32d192ed03ull));
	double u = ((double)(r >> 11) + 0.5) * (1.0 / 9007199254740992.0); /* (0, 1) */
	double lv = -log(u) * x->level_mult;
	return lv >= RV_LEVEL_MAX ? RV_LEVEL_MAX : (int)lv;
}

/* Store vec in row `slot`; for cosine, normalised, keeping the norm. */
static void store_vector(rv_index *x, uint32_t slot, const float *vec)
{
	float *dst = (float *)rv_vec(x, slot);
	if (x->metric != RV_METRIC_COSINE) {
		memcpy(dst, vec, x->row_bytes);
		return;
	}
	double ss = 0;
	for (uint32_t i = 0; i < x->dim; i++)
		ss += (double)vec[i] * vec[i];
	double norm = sqrt(ss);
	for (uint32_t i = 0; i < x->dim; i++)
		dst[i] = (float)(vec[i] / norm);
	x->norms[slot] = (float)norm;
}

const float *rv_index_prepare_query(const rv_index *x, const float *q, float *buf)
{
	if (x->metric != RV_METRIC_COSINE)
		return q;
	double ss = 0;
	for (uint32_t i = 0; i < x->dim; i++)
		ss += (double)q[i] * q[i];
	double norm = sqrt(ss);
	for (uint32_t i = 0; i < x->dim; i++)
		buf[i] = (float)(q[i] / norm);
	return buf;
}

void rv_index_get_vector(const rv_index *x, uint32_t slot, float *out)
{
	const float *v = rv_vec(x, slot);
	if (x->metric != RV_METRIC_COSINE) {
		memcpy(out, v, x->row_bytes);
		return;
	}
	double norm = x->norms[slot];
	for (uint32_t i = 0; i < x->dim; i++)
		out[i] = (float)(v[i] * norm);
}

/* Free-list push. Caller holds slot_lock. */
static bool push_free(rv_index *x, uint32_t slot)
{
	if (!rv_grow_array((void **)&x->free_slots, &x->free_cap, x->n_free + 1, sizeof(uint32_t)))
		return false;
	x->free_slots[x->n_free++] = slot;
	return true;
}

int rv_index_alloc(rv_index *x, const float *vec, uint32_t *out)
{
	uint32_t slot;
	rv_rwlock_rdlock(&x->rw);
	for (;;) {
		rv_mutex_lock(&x->slot_lock);
		uint32_t n = atomic_load_explicit(&x->n_slots, memory_order_relaxed);
		if (x->n_free) {
			slot = x->free_slots[--x->n_free];
			rv_mutex_unlock(&x->slot_lock);
			break;
		}
		if (n < x->capacity) {
			slot = n;
			atomic_store_explicit(&x->n_slots, n + 1, memory_order_release);
			rv_mutex_unlock(&x->slot_lock);
			break;
		}
		rv_mutex_unlock(&x->slot_lock);
		if (n >= RV_MAX_VECTORS) {
			rv_rwlock_unlock(&x->rw);
			return RV_EINVAL;
		}
		/* Full: trade the shared lock for the exclusive one and grow, unless
		 * another thread did while we waited. */
		rv_rwlock_unlock(&x->rw);
		rv_rwlock_wrlock(&x->rw);
		int rc = RV_OK;
		if (atomic_load(&x->n_slots) >= x->capacity && x->n_free == 0) {
			size_t cap = x->capacity + x->capacity / 2;
			rc = grow_locked(x, cap < 1024 ? 1024 : cap);
		}
		rv_rwlock_unlock(&x->rw);
		if (rc != RV_OK)
			return rc;
		rv_rwlock_rdlock(&x->rw);
	}

	int level = draw_level(x);
	_Atomic uint32_t *up = NULL;
	if (level > 0) {
		size_t words = (size_t)level * x->m;
		up = rv_malloc(words * sizeof(uint32_t));
		if (!up) {
			rv_mutex_lock(&x->slot_lock);
			(void)push_free(x, slot); /* if even this fails, the slot is never reused */
			rv_mutex_unlock(&x->slot_lock);
			rv_rwlock_unlock(&x->rw);
			return RV_ENOMEM;
		}
		for (size_t i = 0; i < words; i++)
			atomic_init(&up[i], RV_NO_SLOT);
		rv_mutex_lock(&x->slot_lock);
		x->upper_bytes += words * sizeof(uint32_t);
		rv_mutex_unlock(&x->slot_lock);
	}
	store_vector(x, slot, vec);
	if (x->quant) /* stable under rw shared: it changes only under exclusive */
		rv_quant_encode(x->quant, rv_vec(x, slot), x->codes + (size_t)slot * x->quant->code_bytes);
	x->levels[slot] = (uint8_t)level;
	x->upper[slot] = up;
	_Atomic uint32_t *l0 = rv_links(x, slot, 0);
	for (uint32_t i = 0; i < x->m0; i++)
		atomic_store_explicit(&l0[i], RV_NO_SLOT, memory_order_relaxed);
	atomic_store_explicit(&x->flags[slot], RV_SLOT_USED | RV_SLOT_HIDDEN, memory_order_release);
	rv_rwlock_unlock(&x->rw);
	*out = slot;
	return RV_OK;
}

void rv_index_release_unlinked(rv_index *x, uint32_t slot)
{
	rv_rwlock_rdlock(&x->rw);
	atomic_store_explicit(&x->flags[slot], 0, memory_order_release);
	rv_mutex_lock(&x->slot_lock);
	if (x->upper[slot]) {
		x->upper_bytes -= (size_t)x->levels[slot] * x->m * sizeof(uint32_t);
		rv_free((void *)x->upper[slot]);
		x->upper[slot] = NULL;
	}
	/* If the push fails the slot is simply never reused: a few bytes lost
	 * under memory exhaustion, never a corrupt state. */
	(void)push_free(x, slot);
	rv_mutex_unlock(&x->slot_lock);
	rv_rwlock_unlock(&x->rw);
}

void rv_index_publish(rv_index *x, uint32_t slot)
{
	atomic_fetch_and_explicit(&x->flags[slot], (uint8_t)~RV_SLOT_HIDDEN, memory_order_release);
}

size_t rv_index_mark_deleted(rv_index *x, uint32_t slot)
{
	atomic_fetch_or_explicit(&x->flags[slot], RV_SLOT_DELETED, memory_order_release);
	rv_mutex_lock(&x->slot_lock);
	size_t n = atomic_load_explicit(&x->n_pending, memory_order_relaxed);
	if (rv_grow_array((void **)&x->pending, &x->pending_cap, n + 1, sizeof(uint32_t))) {
		x->pending[n++] = slot;
		atomic_store_explicit(&x->n_pending, n, memory_order_release);
	}
	/* Without memory for the queue the slot stays flagged: searches skip it
	 * and rv_hnsw_repair() finds every flagged slot by scanning anyway. */
	rv_mutex_unlock(&x->slot_lock);
	return n;
}

size_t rv_index_memory(rv_index *x)
{
	/* vectors: only those on the heap (mapped rows are the segment's:
	 * page cache, not this process's) */
	size_t per_slot = x->m0 * sizeof(uint32_t) + sizeof(void *) + 2 +
	                  (x->metric == RV_METRIC_COSINE ? sizeof(float) : 0);
	/* capacity and the vector store change under rw held exclusively
	 * (growth), the free and pending lists under slot_lock */
	rv_rwlock_rdlock(&x->rw);
	size_t vec_bytes = x->vs.heap_bytes + x->vs.chunk_cap * sizeof(float *);
	size_t capacity = x->capacity;
	rv_mutex_lock(&x->slot_lock);
	if (x->quant)
		per_slot += x->quant->code_bytes;
	size_t bytes = sizeof *x + capacity * per_slot + x->upper_bytes + vec_bytes +
	               x->free_cap * sizeof(uint32_t) + x->pending_cap * sizeof(uint32_t);
	rv_mutex_unlock(&x->slot_lock);
	if (x->quant)
		bytes += rv_quant_param_bytes(x->quant);
	rv_rwlock_unlock(&x->rw);
	rv_mutex_lock(&x->pool.lock);
	size_t per_scratch = capacity + sizeof(rv_scratch) + (size_t)x->m0 * 8 + x->row_bytes;
	bytes += x->pool.total * per_scratch;
	rv_mutex_unlock(&x->pool.lock);
	return bytes;
}

/* ---- scratch ---- */

static rv_scratch *scratch_new(const rv_index *x)
{
	rv_scratch *s = rv_calloc(1, sizeof *s);
	if (!s)
		return NULL;
	size_t nb = x->m0 > x->m ? x->m0 : x->m;
	s->ids = rv_malloc(nb * sizeof(uint32_t));
	s->dists = rv_malloc((nb + 4) * sizeof(float));
	s->qbuf = rv_malloc(x->row_bytes);
	if (!s->ids || !s->dists || !s->qbuf) {
		scratch_free(s);
		return NULL;
	}
	return s;
}

rv_scratch *rv_scratch_get(rv_index *x)
{
	rv_mutex_lock(&x->pool.lock);
	rv_scratch *s = x->pool.free;
	if (s)
		x->pool.free = s->next;
	rv_mutex_unlock(&x->pool.lock);
	if (!s) {
		s = scratch_new(x);
		if (!s)
			return NULL;
		rv_mutex_lock(&x->pool.lock);
		x->pool.total++;
		rv_mutex_unlock(&x->pool.lock);
	}
	/* The caller holds rw, so capacity cannot change under us. */
	if (s->visited_cap < x->capacity) {
		uint8_t *v = rv_calloc(x->capacity, 1);
		if (!v) {
			rv_scratch_put(x, s);
			return NULL;
		}
		rv_free(s->visited);
		s->visited = v;
		s->visited_cap = x->capacity;
		s->epoch = 0;
	}
	return s;
}

void rv_scratch_put(rv_index *x, rv_scratch *s)
{
	rv_mutex_lock(&x->pool.lock);
	s->next = x->pool.free;
	x->pool.free = s;
	rv_mutex_unlock(&x->pool.lock);
}

static int reserve_cands(rv_cand **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return RV_OK;
	rv_cand *p = rv_realloc(*buf, need * sizeof(rv_cand));
	if (!p)
		return RV_ENOMEM;
	*buf = p;
	*cap = need;
	return RV_OK;
}

int rv_scratch_reserve(rv_scratch *s, size_t beam, size_t heap)
{
	if (reserve_cands(&s->beam, &s->beam_cap, beam + 1) != RV_OK)
		return RV_ENOMEM;
	if (heap && (reserve_cands(&s->heap, &s->heap_cap, heap) != RV_OK ||
	             reserve_cands(&s->res, &s->res_cap, beam + 1) != RV_OK))
		return RV_ENOMEM;
	return RV_OK;
}

void rv_scratch_new_epoch(rv_scratch *s)
{
	if (++s->epoch == 0) {
		memset(s->visited, 0, s->visited_cap);
		s->epoch = 1;
	}
}

int rv_index_load(rv_index *x, const rv_index_image *img, char *why, size_t why_size)
{
#define CORRUPT(...) (snprintf(why, why_size, __VA_ARGS__), RV_ECORRUPT)
	const uint32_t n = img->n_slots, m0 = x->m0, m = x->m;
	if (n > RV_MAX_VECTORS)
		return CORRUPT("%u slots is more than the limit", n);
	uint64_t upper_needed = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (img->flags[i] != 0 && img->flags[i] != RV_SLOT_USED)
			return CORRUPT("slot %u has flags 0x%x", i, img->flags[i]);
		if (img->levels[i] > RV_LEVEL_MAX)
			return CORRUPT("slot %u has level %u (at most %d)", i, img->levels[i], RV_LEVEL_MAX);
		if (img->flags[i] == 0 && img->levels[i] != 0)
			return CORRUPT("free slot %u has level %u", i, img->levels[i]);
		upper_needed += (uint64_t)img->levels[i] * m;
	}
	if (upper_needed != img->upper_words)
		return CORRUPT("the upper levels hold %llu links; the levels need %llu", (unsigned long long)img->upper_words,
		               (unsigned long long)upper_needed);
	/* Segments written before free slots' rows were cleared (checkpoint.c)
	 * may hold stale ones: only used slots' are checked, and free slots'
	 * rows are cleared when adopted, below. */
	for (uint32_t i = 0; i < n; i++) {
		if (!img->flags[i])
			continue;
		for (uint32_t j = 0; j < m0; j++) {
			uint32_t v = img->links0[(uint64_t)i * m0 + j];
			if (v != RV_NO_SLOT && v >= n)
				return CORRUPT("slot %u links to slot %u of %u", i, v, n);
		}
	}
	uint64_t at = 0;
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t l = 1; l <= img->levels[i]; l++)
			for (uint32_t j = 0; j < m; j++, at++) {
				uint32_t v = img->upper[at];
				if (v != RV_NO_SLOT && (v >= n || img->levels[v] < l))
					return CORRUPT("slot %u level %u links to slot %u, which lacks that level", i, l, v);
			}
	if (img->entry != RV_NO_ENTRY) {
		uint32_t ep = (uint32_t)img->entry, lv = (uint32_t)(img->entry >> 32);
		if (ep >= n || img->flags[ep] != RV_SLOT_USED || lv != img->levels[ep])
			return CORRUPT("entry point %u (level %u) is not a used node of that level", ep, lv);
		for (uint32_t i = 0; i < n; i++)
			if (img->levels[i] > lv)
				return CORRUPT("slot %u is above the entry point's level %u", i, lv);
	} else {
		for (uint32_t i = 0; i < n; i++)
			if (img->flags[i])
				return CORRUPT("used slot %u but no entry point", i);
	}
	if (x->metric == RV_METRIC_COSINE && !img->norms)
		return CORRUPT("cosine collection without norms");
#undef CORRUPT

	/* Checked: allocate the small arrays, then adopt. */
	size_t cap = n ? n : 0;
	uint8_t *levels = rv_malloc(cap ? cap : 1), *flags = rv_malloc(cap ? cap : 1);
	_Atomic uint32_t **upper = rv_calloc(cap ? cap : 1, sizeof *upper);
	float *norms = x->metric == RV_METRIC_COSINE ? rv_malloc((cap ? cap : 1) * sizeof(float)) : NULL;
	uint32_t *freelist = rv_malloc((cap ? cap : 1) * sizeof(uint32_t));
	rv_vecstore vs;
	rv_vecstore_init(&vs, x->dim);
	bool ok = levels && flags && upper && freelist && (x->metric != RV_METRIC_COSINE || norms) &&
	          rv_vecstore_reserve_table(&vs, n) == RV_OK;
	at = 0;
	size_t upper_bytes = 0, nfree = 0;
	for (uint32_t i = 0; ok && i < n; i++) {
		size_t words = (size_t)img->levels[i] * m;
		if (words) {
			upper[i] = rv_malloc(words * sizeof(uint32_t));
			if (!upper[i]) {
				ok = false;
				break;
			}
			for (size_t j = 0; j < words; j++)
				atomic_init(&upper[i][j], img->upper[at + j]);
			at += words;
			upper_bytes += words * sizeof(uint32_t);
		}
		if (!img->flags[i])
			freelist[nfree++] = i;
	}
	if (!ok) {
		for (uint32_t i = 0; upper && i < n; i++)
			rv_free((void *)upper[i]);
		rv_free(levels);
		rv_free(flags);
		rv_free((void *)upper);
		rv_free(norms);
		rv_free(freelist);
		rv_vecstore_free(&vs);
		snprintf(why, why_size, "out of memory loading %u slots", n);
		return RV_ENOMEM;
	}
	memcpy(levels, img->levels, n);
	if (norms)
		memcpy(norms, img->norms, n * sizeof(float));
	rv_index_release_arrays(x);
	rv_free(x->levels);
	rv_free((void *)x->flags);
	rv_free((void *)x->upper);
	rv_free(x->norms);
	rv_free(x->free_slots);
	rv_vecstore_set_base(&vs, img->vecs, img->vecs_map_len, n);
	x->vs = vs;
	x->links0 = (_Atomic uint32_t *)img->links0;
	x->links_map_len = img->links_map_len;
	x->levels = levels;
	x->flags = (_Atomic uint8_t *)flags;
	if (img->quant) {
		if (x->quant) {
			rv_quant_free(x->quant);
			rv_free(x->quant);
		}
		rv_aligned_free(x->codes);
		x->quant = img->quant;
		x->codes = img->codes;
	}
	for (uint32_t i = 0; i < n; i++) {
		atomic_init(&x->flags[i], img->flags[i]);
		/* a free slot links nowhere (hnsw_repair.c free_slot); rows of
		 * earlier segments may be stale and were not checked above, and a
		 * used slot may still link to a free one, so clear them here */
		if (!img->flags[i])
			for (uint32_t j = 0; j < m0; j++)
				atomic_init(&x->links0[(size_t)i * m0 + j], RV_NO_SLOT);
	}
	x->upper = upper;
	x->norms = norms;
	x->capacity = n;
	x->upper_bytes = upper_bytes;
	x->free_slots = freelist;
	x->free_cap = cap;
	/* the free list is used last-in first-out: reuse low slots first */
	for (size_t i = 0; i < nfree / 2; i++) {
		uint32_t t = freelist[i];
		freelist[i] = freelist[nfree - 1 - i];
		freelist[nfree - 1 - i] = t;
	}
	x->n_free = nfree;
	atomic_store(&x->n_slots, n);
	atomic_store(&x->n_pending, 0);
	atomic_store(&x->entry, img->entry);
	atomic_store(&x->level_draws, img->level_draws);
	return RV_OK;
}

int rv_index_set_quant(rv_index *x, rv_quant *q)
{
	/* Encode under rw shared, so searches go on (with float32) while the
	 * collection is encoded; the caller keeps other writers out, so no
	 * slot is added meanwhile. Then switch under rw exclusive. */
	rv_rwlock_rdlock(&x->rw);
	size_t bytes;
	uint8_t *codes = NULL;
	if (rv_mul_size(x->capacity ? x->capacity : 1, q->code_bytes, &bytes))
		codes = rv_aligned_alloc(bytes);
	if (!codes) {
		rv_rwlock_unlock(&x->rw);
		return RV_ENOMEM;
	}
	memset(codes, 0, bytes); /* free slots too: checkpoints write every row */
	uint32_t n = atomic_load(&x->n_slots);
	for (uint32_t i = 0; i < n; i++)
		if (rv_flags(x, i) & RV_SLOT_USED)
			rv_quant_encode(q, rv_vec(x, i), codes + (size_t)i * q->code_bytes);
	rv_rwlock_unlock(&x->rw);
	rv_rwlock_wrlock(&x->rw);
	if (x->quant) {
		rv_quant_free(x->quant);
		rv_free(x->quant);
	}
	rv_aligned_free(x->codes);
	x->codes = codes;
	x->quant = q;
	rv_rwlock_unlock(&x->rw);
	return RV_OK;
}

int rv_index_rebase_vectors(rv_index *x, float *rows, size_t map_len, uint32_t n)
{
	rv_rwlock_wrlock(&x->rw);
	int rc = n <= x->vs.rows ? rv_vecstore_rebase(&x->vs, rows, map_len, n) : RV_EINVAL;
	/* the new segment was written from rows the checkpoint verified first
	 * (persist.c): nothing left to check, and no fault to keep */
	if (rc == RV_OK)
		rv_index_set_vguard(x, NULL);
	rv_rwlock_unlock(&x->rw);
	return rc;
}

void rv_index_vector_bytes(rv_index *x, size_t *heap, size_t *mapped)
{
	rv_rwlock_rdlock(&x->rw);
	*heap = x->vs.heap_bytes;
	*mapped = x->vs.base && x->vs.base_map_len ? x->vs.base_rows * x->row_bytes : 0;
	rv_rwlock_unlock(&x->rw);
}
