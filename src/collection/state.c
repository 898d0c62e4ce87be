/*
 * state.c: a collection's in-memory state: creating and freeing it,
 * validating ids and vectors against it, and the apply step of every
 * write (insert, delete, payload, payload index, renumbering).
 *
 * This file is below both of its callers: the public API (collection.c)
 * validates and logs a write, then applies it here; replay at open
 * (replay.c) and loading (load.c) apply what the files hold, here too. So
 * a write does the same thing whether it comes from a caller or a log,
 * and nothing here logs, locks `wlock` or knows about files.
 *
 * Applying is done with `wlock` held and everything validated (ids
 * distinct unless upserting; existence matching the mode). An insert takes
 * slots, maps ids, links into the graph (a batch does this on all
 * threads), then makes the new vectors visible. Holding `wlock` throughout
 * keeps undo simple: if linking runs out of memory, the batch's ids are
 * unmapped (or mapped back to the vectors they replaced) and its slots
 * deleted, before any other writer can have touched them. An update is an
 * insert into a new slot plus the deletion of the old one, the old one
 * hidden first, so a search never returns the same id twice. After an
 * insert the same step runs the upkeep it triggers: repair, reachability,
 * reordering for locality and training the quantizer.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../index/index.h"
#include "../util/alloc.h"
#include "../util/error.h"
#include "../util/utf8.h"
#include "collection.h"
#include "hyper.h"

int rv_coll_new(const rv_options *opts, rv_collection **out)
{
	rv_collection *c = rv_calloc(1, sizeof *c);
	if (!c)
		return rv_error(NULL, RV_ENOMEM, "out of memory creating a collection");
	c->opts = *opts;
	c->threads = opts->threads ? opts->threads : rv_cpu_count();
	atomic_init(&c->live, 0);
	rv_index_params p = {opts->dim, opts->metric, opts->m, opts->ef_construction, opts->prune_alpha,
	                     opts->seed, rv_kernels_active()};
	if (rv_mutex_init(&c->wlock) != 0) {
		rv_free(c);
		return rv_error(NULL, RV_ENOMEM, "out of memory creating a collection");
	}
	if (rv_mutex_init(&c->calib_mu) != 0) {
		rv_mutex_destroy(&c->wlock);
		rv_free(c);
		return rv_error(NULL, RV_ENOMEM, "out of memory creating a collection");
	}
	if (rv_idmap_init(&c->ids) != RV_OK) {
		rv_mutex_destroy(&c->calib_mu);
		rv_mutex_destroy(&c->wlock);
		rv_free(c);
		return rv_error(NULL, RV_ENOMEM, "out of memory creating a collection");
	}
	if (rv_payloads_init(&c->payloads) != RV_OK) {
		rv_idmap_destroy(&c->ids);
		rv_mutex_destroy(&c->calib_mu);
		rv_mutex_destroy(&c->wlock);
		rv_free(c);
		return rv_error(NULL, RV_ENOMEM, "out of memory creating a collection");
	}
	int rc = rv_index_new(&p, &c->index);
	if (rc == RV_OK && (rc = rv_hyper_new(opts->dim, &p, c->threads, &c->hyper)) != RV_OK) {
		rv_index_free(c->index);
		rc = RV_ENOMEM;
	}
	if (rc != RV_OK) {
		rv_payloads_destroy(&c->payloads);
		rv_idmap_destroy(&c->ids);
		rv_mutex_destroy(&c->calib_mu);
		rv_mutex_destroy(&c->wlock);
		rv_free(c);
		return rv_error(NULL, rc, "out of memory creating a collection");
	}
	rv_alloc_object_created();
	*out = c;
	return RV_OK;
}

void rv_coll_destroy(rv_collection *c)
{
	rv_hyper_free(c->hyper);
	rv_index_free(c->index);
	rv_idmap_destroy(&c->ids);
	rv_pindexes_destroy(&c->pidx);
	rv_payloads_destroy(&c->payloads);
	rv_mutex_destroy(&c->calib_mu);
	rv_mutex_destroy(&c->wlock);
	rv_free(c);
	rv_alloc_object_destroyed();
}

size_t rv_count(const rv_collection *c)
{
	return atomic_load_explicit(&c->live, memory_order_acquire);
}

/* ---- validation ---- */

int rv_coll_check_id_str(const rv_collection *c, const char *id, size_t *len, const char *what, size_t index)
{
	char where[48] = "";
	if (what)
		snprintf(where, sizeof where, " (%s %zu)", what, index);
	if (!id)
		return rv_error(c, RV_EINVAL, "id is NULL%s", where);
	size_t n = strnlen(id, RV_ID_MAX + 1);
	if (n == 0)
		return rv_error(c, RV_EID, "id is empty%s", where);
	if (n > RV_ID_MAX)
		return rv_error(c, RV_EID, "id is longer than %u bytes%s", RV_ID_MAX, where);
	size_t bad = rv_utf8_check(id, n);
	if (bad != n)
		return rv_error(c, RV_EID, "id is not valid UTF-8 at byte %zu%s", bad, where);
	*len = n;
	return RV_OK;
}

int rv_coll_check_vector(const rv_collection *c, const float *v, size_t dim, const char *what, size_t index)
{
	char where[48] = "";
	if (what)
		snprintf(where, sizeof where, " (%s %zu)", what, index);
	if (!v)
		return rv_error(c, RV_EINVAL, "vector is NULL%s", where);
	if (dim != c->opts.dim)
		return rv_error(c, RV_EDIM, "vector has %zu dimensions; the collection has %u%s", dim,
		                c->opts.dim, where);
	bool nonzero = false;
	for (size_t i = 0; i < dim; i++) {
		if (!isfinite(v[i]))
			return rv_error(c, RV_ENONFINITE, "component %zu is %s%s", i, isnan(v[i]) ? "NaN" : "infinite",
			                where);
		nonzero |= v[i] != 0.0f;
	}
	if (c->opts.metric == RV_METRIC_COSINE && !nonzero)
		return rv_error(c, RV_EZERO, "vector is all zeros, which has no direction under cosine%s", where);
	return RV_OK;
}

int rv_coll_check_id(const rv_collection *c, const char *id, size_t len, const char *what, size_t index)
{
	size_t got;
	int rc = rv_coll_check_id_str(c, id, &got, what, index);
	if (rc == RV_OK && got != len)
		rc = rv_error(c, RV_EID, "id contains a NUL byte (%s %zu)", what ? what : "entry", index);
	return rc;
}

/* ---- writes ---- */

static unsigned repair_threshold(const rv_collection *c)
{
	if (c->opts.repair_batch)
		return c->opts.repair_batch;
	size_t t = rv_count(c) / 64;
	return t < 64 ? 64 : (unsigned)(t > UINT32_MAX ? UINT32_MAX : t);
}

/* Under wlock: repair when the queue is long enough. A failed repair leaves
 * the graph valid and the slots queued; the next one retries. */
void rv_coll_maybe_repair(rv_collection *c)
{
	if (atomic_load(&c->index->n_pending) >= repair_threshold(c))
		(void)rv_hnsw_repair(c->index, c->threads);
}

/* Under wlock: renumber slots for locality (hnsw_reorder.c). Skipped, with
 * nothing changed, when memory is short. */
void rv_coll_reorder(rv_collection *c)
{
	rv_index *x = c->index;
	rv_rwlock_wrlock(&x->rw);
	uint32_t n = atomic_load(&x->n_slots);
	void *prepared = rv_idmap_renumber_prepare(&c->ids, n);
	void *pprep = rv_payloads_renumber_prepare(&c->payloads, n);
	uint32_t *map = NULL;
	if (prepared && pprep && rv_hnsw_reorder(x, &map) == RV_OK && map) {
		rv_idmap_renumber_apply(&c->ids, prepared, map, n);
		rv_coll_renumber_payloads(c, pprep, map, n);
		prepared = pprep = NULL;
	}
	rv_free(prepared);
	rv_free(pprep);
	rv_free(map);
	rv_rwlock_unlock(&x->rw);
}

typedef struct pending_insert {
	uint32_t slot;  /* the new slot */
	uint32_t old;   /* slot the id had before (upsert), or RV_IDMAP_NONE */
} pending_insert;

typedef struct link_job {
	rv_index *x;
	const pending_insert *p;
} link_job;

static int link_one(void *arg, size_t i, unsigned worker)
{
	(void)worker;
	link_job *j = arg;
	return rv_hnsw_link(j->x, j->p[i].slot);
}

/* Undo entries [0, n) of a batch that failed part-way (under wlock). */
static void undo_inserts(rv_collection *c, const char *const *ids, const pending_insert *p, size_t n,
                         bool linked)
{
	for (size_t i = n; i-- > 0;) {
		size_t len = strlen(ids[i]);
		uint32_t ignored;
		if (p[i].old != RV_IDMAP_NONE)
			(void)rv_idmap_put(&c->ids, ids[i], len, p[i].old, true, &ignored); /* no growth: cannot fail */
		else {
			(void)rv_idmap_remove(&c->ids, ids[i], len);
			atomic_fetch_sub(&c->live, 1);
		}
		if (linked) {
			rv_index_mark_deleted(c->index, p[i].slot);
			rv_index_publish(c->index, p[i].slot); /* deleted and visible-to-repair */
		} else {
			rv_index_release_unlinked(c->index, p[i].slot);
		}
	}
}

static size_t train_size(const rv_collection *c)
{
	if (c->opts.quant_train)
		return c->opts.quant_train;
	return c->opts.quant == RV_QUANT_PQ ? 10000 : 1000;
}

/* Train the quantizer on up to train_size(c) of the stored vectors, spread
 * evenly over the slots, and install it. wlock held. */
int rv_coll_train_quantizer(rv_collection *c, char *why, size_t why_size)
{
	rv_index *x = c->index;
	size_t want = train_size(c), n = 0, have = rv_count(c);
	if (want > have)
		want = have;
	size_t min = rv_quant_min_train(c->opts.quant);
	if (want < min) {
		snprintf(why, why_size, "the quantizer needs at least %zu vectors to train; the collection has %zu", min, have);
		return RV_EINVAL;
	}
	float *sample = rv_malloc(want * x->row_bytes);
	rv_quant *q = rv_malloc(sizeof *q);
	if (!sample || !q) {
		rv_free(sample);
		rv_free(q);
		snprintf(why, why_size, "out of memory training the quantizer");
		return RV_ENOMEM;
	}
	rv_rwlock_rdlock(&x->rw);
	uint32_t slots = atomic_load(&x->n_slots);
	size_t step = have / want ? have / want : 1, seen = 0;
	for (uint32_t i = 0; i < slots && n < want; i++) {
		if (rv_flags(x, i) != RV_SLOT_USED)
			continue;
		if (seen++ % step == 0)
			memcpy(sample + n++ * c->opts.dim, rv_vec(x, i), x->row_bytes);
	}
	rv_rwlock_unlock(&x->rw);
	int rc = rv_quant_init(q, c->opts.quant, c->opts.dim, c->opts.metric, c->opts.quant_pq_m, x->k);
	if (rc == RV_OK)
		rc = rv_quant_train(q, sample, n, c->opts.seed, c->threads, why, why_size);
	rv_free(sample);
	if (rc == RV_OK)
		rc = rv_index_set_quant(x, q);
	if (rc != RV_OK) {
		if (rc == RV_ENOMEM)
			snprintf(why, why_size, "out of memory encoding the collection");
		rv_quant_free(q);
		rv_free(q);
	}
	return rc;
}

void rv_coll_renumber_payloads(rv_collection *c, void *prepared, const uint32_t *map, size_t n)
{
	rv_rwlock_wrlock(&c->payloads.lock);
	rv_payloads_renumber_apply(&c->payloads, prepared, map, n);
	rv_pindexes_renumber(&c->pidx, map, n);
	rv_rwlock_unlock(&c->payloads.lock);
}

/* Set slot's payload (owned blob or NULL) and keep the indexes in step;
 * payload lock held exclusively. Returns the old blob (caller frees). */
static uint8_t *swap_payload(rv_collection *c, uint32_t slot, uint8_t *blob)
{
	if (slot >= c->payloads.cap && !blob)
		return NULL;
	uint8_t *old = rv_payloads_swap_locked(&c->payloads, slot, blob);
	if (old || blob)
		rv_pindexes_update(&c->pidx, slot, old, blob);
	return old;
}

void rv_coll_free_blobs(uint8_t **b, size_t n)
{
	for (size_t i = 0; b && i < n; i++)
		rv_free(b[i]);
	rv_free(b);
}

int rv_coll_apply_insert(rv_collection *c, size_t n, const char *const *ids, const float *vecs, bool upsert,
                         const uint8_t *const *payloads, bool keep_payloads)
{
	const size_t dim = c->opts.dim;
	pending_insert *p = rv_malloc(n * sizeof *p);
	uint8_t **blobs = payloads ? rv_calloc(n, sizeof *blobs) : NULL;
	if (!p || (payloads && !blobs)) {
		rv_free(p);
		rv_free(blobs);
		return rv_error(c, RV_ENOMEM, "out of memory for a batch of %zu", n);
	}
	for (size_t i = 0; payloads && i < n; i++)
		if (payloads[i] && !(blobs[i] = rv_payload_dup(payloads[i]))) {
			rv_coll_free_blobs(blobs, n);
			rv_free(p);
			return rv_error(c, RV_ENOMEM, "out of memory for a batch of %zu", n);
		}
	int rc = RV_OK;
	size_t done = 0;
	for (; done < n; done++) {
		rc = rv_index_alloc(c->index, vecs + done * dim, &p[done].slot);
		if (rc != RV_OK)
			break;
		rc = rv_idmap_put(&c->ids, ids[done], strlen(ids[done]), p[done].slot, upsert, &p[done].old);
		if (rc != RV_OK) {
			rv_index_release_unlinked(c->index, p[done].slot);
			break;
		}
		if (p[done].old == RV_IDMAP_NONE)
			atomic_fetch_add(&c->live, 1);
	}
	if (rc == RV_OK) {
		uint32_t top = 0;
		for (size_t i = 0; i < n; i++) {
			top = p[i].slot > top ? p[i].slot : top;
			if (p[i].old != RV_IDMAP_NONE && p[i].old > top)
				top = p[i].old;
		}
		rc = rv_payloads_reserve(&c->payloads, (size_t)top + 1);
	}
	if (rc != RV_OK) {
		undo_inserts(c, ids, p, done, false);
		rc = rv_error(c, rc, "out of memory inserting entry %zu of %zu", done, n);
		goto out;
	}
	link_job job = {c->index, p};
	unsigned threads = n < 64 ? 1 : c->threads;
	rc = rv_parallel_for(n, threads, 16, link_one, &job);
	if (rc != RV_OK) {
		undo_inserts(c, ids, p, n, true);
		rc = rv_error(c, rc, "out of memory linking a batch of %zu", n);
		goto out;
	}
	/* Payloads go on before the new slots show; what was replaced is
	 * hidden before what replaces it shows, then loses its payload. An
	 * update (keep_payloads) moves the old slot's payload to the new. */
	rv_rwlock_wrlock(&c->payloads.lock);
	for (size_t i = 0; i < n; i++) {
		uint8_t *b = blobs ? blobs[i] : NULL;
		if (keep_payloads && p[i].old != RV_IDMAP_NONE) {
			rv_free(b);
			b = swap_payload(c, p[i].old, NULL);
		}
		if (blobs)
			blobs[i] = NULL;
		rv_free(swap_payload(c, p[i].slot, b));
	}
	rv_rwlock_unlock(&c->payloads.lock);
	for (size_t i = 0; i < n; i++)
		if (p[i].old != RV_IDMAP_NONE)
			rv_index_mark_deleted(c->index, p[i].old);
	rv_rwlock_wrlock(&c->payloads.lock);
	for (size_t i = 0; i < n; i++)
		if (p[i].old != RV_IDMAP_NONE)
			rv_free(swap_payload(c, p[i].old, NULL));
	rv_rwlock_unlock(&c->payloads.lock);
	for (size_t i = 0; i < n; i++)
		rv_index_publish(c->index, p[i].slot);
	rv_coll_maybe_repair(c);
	/* Rarely, every neighbour of a node prunes it away later and it can no
	 * longer be reached; a walk of the graph finds and relinks such nodes.
	 * It costs about one pass over the links, so run it once per
	 * max(1024, count/8) inserted vectors: a constant share of insert time. */
	c->since_connect += n;
	size_t every = rv_count(c) / 8;
	if (c->since_connect >= (every > 1024 ? every : 1024)) {
		if (rv_hnsw_connect(c->index) == RV_OK)
			c->since_connect = 0;
	}
	/* A batch that built most of the collection left it in insertion order;
	 * renumber it for locality (rv_optimize). */
	if (n >= 1024 && n * 2 >= rv_count(c))
		rv_coll_reorder(c);
	/* The collection has become big enough to train its quantizer. A
	 * failure to train is not the insert's: the vectors are in, and
	 * searches go on with float32 until a later insert or rv_quantize(). */
	if (c->opts.quant != RV_QUANT_NONE && !c->index->quant && rv_count(c) >= train_size(c)) {
		char why[160];
		(void)rv_coll_train_quantizer(c, why, sizeof why);
	}
out:
	rv_coll_free_blobs(blobs, n);
	rv_free(p);
	return rc;
}

int rv_coll_apply_payload(rv_collection *c, const char *id, const uint8_t *blob)
{
	uint32_t slot = rv_idmap_find(&c->ids, id, strlen(id));
	if (slot == RV_IDMAP_NONE)
		return RV_OK; /* replay of a write to an id deleted later in the log */
	uint8_t *b = NULL;
	if (blob && !(b = rv_payload_dup(blob)))
		return rv_error(c, RV_ENOMEM, "out of memory setting a payload");
	int rc = rv_payloads_reserve(&c->payloads, (size_t)slot + 1);
	if (rc != RV_OK) {
		rv_free(b);
		return rv_error(c, rc, "out of memory setting a payload");
	}
	rv_rwlock_wrlock(&c->payloads.lock);
	rv_free(swap_payload(c, slot, b));
	rv_rwlock_unlock(&c->payloads.lock);
	return RV_OK;
}

int rv_coll_apply_index(rv_collection *c, const char *key, size_t keylen, rv_index_kind kind)
{
	rv_rwlock_wrlock(&c->payloads.lock);
	int rc = rv_pindexes_define(&c->pidx, key, keylen, kind);
	if (rc == RV_OK) {
		size_t i = kind == RV_INDEX_TEXT ? SIZE_MAX : c->pidx.n - 1;
		rc = rv_pindexes_build(&c->pidx, i, &c->payloads);
		if (rc != RV_OK)
			rv_pindexes_drop_last(&c->pidx, kind); /* take the definition back */
	} else if (rc == RV_EEXIST) {
		rc = RV_OK;
	}
	rv_rwlock_unlock(&c->payloads.lock);
	return rc;
}

int rv_coll_apply_unindex(rv_collection *c, const char *key, size_t keylen, rv_index_kind kind)
{
	rv_rwlock_wrlock(&c->payloads.lock);
	int rc = rv_pindexes_remove(&c->pidx, key, keylen, kind);
	rv_rwlock_unlock(&c->payloads.lock);
	return rc;
}

void rv_coll_apply_delete(rv_collection *c, size_t n, const char *const *ids)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t slot = rv_idmap_remove(&c->ids, ids[i], strlen(ids[i]));
		if (slot == RV_IDMAP_NONE)
			continue; /* replay of a delete already applied */
		atomic_fetch_sub(&c->live, 1);
		rv_index_mark_deleted(c->index, slot);
		rv_hyper_detach(c->hyper, ids[i], strlen(ids[i]));
		rv_rwlock_wrlock(&c->payloads.lock);
		rv_free(swap_payload(c, slot, NULL));
		rv_rwlock_unlock(&c->payloads.lock);
	}
}
