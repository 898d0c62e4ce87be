/*
 * index.c: the life of an index: creation, growth, slot allocation, vector
 * storage and the pooled per-search scratch.
 *
 * Growth copies. The arrays are contiguous because the search loop indexes
 * them directly; a chunked layout would add a dependent load per neighbour.
 * Growing therefore takes rw exclusively for the copy, by 1.5x so the
 * amortised cost per insert stays constant while the slack stays under a
 * third. rv_reserve() avoids growth entirely when the size is known.
 */
#include "index.h"

#include <math.h>
#include <string.h>

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
	switch (p->metric) {
	case RV_METRIC_L2:
		x->raw = x->k->l2sq, x->raw4 = x->k->l2sq_x4, x->dsign = 1.0f, x->doff = 0.0f;
		break;
	case RV_METRIC_IP:
		x->raw = x->k->dot, x->raw4 = x->k->dot_x4, x->dsign = -1.0f, x->doff = 0.0f;
		break;
	case RV_METRIC_COSINE:
		x->raw = x->k->dot, x->raw4 = x->k->dot_x4, x->dsign = -1.0f, x->doff = 1.0f;
		break;
	case RV_METRIC_L1:
		x->raw = x->k->l1, x->raw4 = x->k->l1_x4, x->dsign = 1.0f, x->doff = 0.0f;
		break;
	}
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
	rv_aligned_free(x->vecs);
	rv_aligned_free((void *)x->links0);
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

/* Grow every per-slot array to `cap` slots. Caller holds rw exclusive.
 * On failure the arrays already grown stay grown (harmless: capacity is
 * only raised when all succeeded). */
static int grow_locked(rv_index *x, size_t cap)
{
	if (cap <= x->capacity)
		return RV_OK;
	if (cap > (size_t)RV_MAX_VECTORS + 1)
		cap = (size_t)RV_MAX_VECTORS + 1;
	size_t old = x->capacity, vb, lb, nb;
	if (!rv_mul_size(cap, x->row_bytes, &vb) || !rv_mul_size(cap, x->m0 * sizeof(uint32_t), &lb))
		return RV_ENOMEM;

	float *vecs = grow_aligned(x->vecs, old * x->row_bytes, vb);
	if (!vecs)
		return RV_ENOMEM;
	rv_aligned_free(x->vecs);
	x->vecs = vecs;

	_Atomic uint32_t *links = grow_aligned((void *)x->links0, old * x->m0 * sizeof(uint32_t), lb);
	if (!links)
		return RV_ENOMEM;
	rv_aligned_free((void *)x->links0);
	x->links0 = links;

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
	float *dst = x->vecs + (size_t)slot * x->dim;
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
	size_t per_slot = x->row_bytes + x->m0 * sizeof(uint32_t) + sizeof(void *) + 2 +
	                  (x->metric == RV_METRIC_COSINE ? sizeof(float) : 0);
	rv_mutex_lock(&x->slot_lock);
	size_t bytes = sizeof *x + x->capacity * per_slot + x->upper_bytes +
	               x->free_cap * sizeof(uint32_t) + x->pending_cap * sizeof(uint32_t);
	rv_mutex_unlock(&x->slot_lock);
	rv_mutex_lock(&x->pool.lock);
	size_t per_scratch = x->capacity + sizeof(rv_scratch) + (size_t)x->m0 * 8 + x->row_bytes;
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
