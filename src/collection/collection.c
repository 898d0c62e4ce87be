/*
 * collection.c: the public collection API (ruvector.h) over the index and
 * the id map.
 *
 * Every public entry point validates its arguments completely before it
 * changes anything, so a rejected call leaves the collection exactly as it
 * was, and the message names the argument (and for batches, the entry).
 *
 * Writes. One writer at a time holds `wlock` for the whole write: validate,
 * log (persistent collections, persist.c), take slots, map ids, link into
 * the graph (a batch does this on all threads), then make the new vectors
 * visible; after releasing it, wait until the log is durable. Holding it throughout keeps
 * undo simple: if linking runs out of memory, the batch's ids are unmapped
 * (or mapped back to the vectors they replaced) and its slots deleted, before
 * any other writer can have touched them. An update is an insert into a new
 * slot plus the deletion of the old one, the old one hidden first, so a
 * search never returns the same id twice.
 *
 * Reads. A search holds the index's rw lock shared from the walk until the
 * ids are copied into the caller's buffer; slots are only freed under the
 * exclusive lock, so every slot it found still names the id it had.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../index/cand.h"
#include "../index/index.h"
#include "../util/alloc.h"
#include "../util/error.h"
#include "../util/utf8.h"
#include "collection.h"
#include "idmap.h"
#include "ruvector.h"

void rv_options_init(rv_options *o)
{
	memset(o, 0, sizeof *o);
	o->metric = RV_METRIC_L2;
	o->m = 16;
	o->ef_construction = 200;
	o->prune_alpha = 1.1f;
	o->ef_search = 64;
	o->exact_threshold = 4096;
	o->threads = 0;
	o->repair_batch = 0;
	o->seed = 0x5eed;
}

const char *rv_errmsg(const rv_collection *c) { return rv_error_message(c); }

int rv_options_check(const rv_options *o)
{
	if (o->dim < 1 || o->dim > RV_DIM_MAX)
		return rv_error(NULL, RV_EINVAL, "dim is %u; it must be 1..%u", o->dim, RV_DIM_MAX);
	if ((unsigned)o->metric > RV_METRIC_L1)
		return rv_error(NULL, RV_EINVAL, "metric %d is not one of l2, ip, cosine, l1", (int)o->metric);
	if (o->m < RV_M_MIN || o->m > RV_M_MAX)
		return rv_error(NULL, RV_EINVAL, "m is %u; it must be %u..%u", o->m, RV_M_MIN, RV_M_MAX);
	if (o->ef_construction < 1 || o->ef_construction > RV_EF_MAX)
		return rv_error(NULL, RV_EINVAL, "ef_construction is %u; it must be 1..%u", o->ef_construction, RV_EF_MAX);
	if (!(o->prune_alpha >= 1.0f && o->prune_alpha <= 2.0f))
		return rv_error(NULL, RV_EINVAL, "prune_alpha is %g; it must be 1.0..2.0", (double)o->prune_alpha);
	if (o->ef_search < 1 || o->ef_search > RV_EF_MAX)
		return rv_error(NULL, RV_EINVAL, "ef_search is %u; it must be 1..%u", o->ef_search, RV_EF_MAX);
	if (o->threads > 1024)
		return rv_error(NULL, RV_EINVAL, "threads is %u; it must be 0..1024", o->threads);
	char why[160];
	if (rv_quant_check(o->quant, o->dim, o->metric, o->quant_pq_m, why, sizeof why) != RV_OK)
		return rv_error(NULL, RV_EINVAL, "%s", why);
	if (o->quant != RV_QUANT_NONE && o->quant_train &&
	    (o->quant_train < rv_quant_min_train(o->quant) || o->quant_train > 1000000))
		return rv_error(NULL, RV_EINVAL, "quant_train is %u; it must be %zu..1000000 for this quantizer",
		                o->quant_train, rv_quant_min_train(o->quant));
	return RV_OK;
}

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
	if (rv_idmap_init(&c->ids) != RV_OK) {
		rv_mutex_destroy(&c->wlock);
		rv_free(c);
		return rv_error(NULL, RV_ENOMEM, "out of memory creating a collection");
	}
	if (rv_payloads_init(&c->payloads) != RV_OK) {
		rv_idmap_destroy(&c->ids);
		rv_mutex_destroy(&c->wlock);
		rv_free(c);
		return rv_error(NULL, RV_ENOMEM, "out of memory creating a collection");
	}
	int rc = rv_index_new(&p, &c->index);
	if (rc != RV_OK) {
		rv_payloads_destroy(&c->payloads);
		rv_idmap_destroy(&c->ids);
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
	rv_index_free(c->index);
	rv_idmap_destroy(&c->ids);
	rv_pindexes_destroy(&c->pidx);
	rv_payloads_destroy(&c->payloads);
	rv_mutex_destroy(&c->wlock);
	rv_free(c);
	rv_alloc_object_destroyed();
}

int rv_collection_new(const rv_options *opts, rv_collection **out)
{
	if (!out)
		return rv_error(NULL, RV_EINVAL, "out is NULL");
	*out = NULL;
	if (!opts)
		return rv_error(NULL, RV_EINVAL, "opts is NULL");
	int rc = rv_options_check(opts);
	if (rc != RV_OK)
		return rc;
	return rv_coll_new(opts, out);
}

void rv_collection_free(rv_collection *c)
{
	if (!c)
		return;
	if (c->persist)
		(void)rv_persist_close(c); /* errors: already reported to the writers that met them */
	if (c->db)
		rv_db_forget(c->db, c);
	rv_coll_destroy(c);
}

void rv_collection_options(const rv_collection *c, rv_options *out)
{
	*out = c->opts;
	out->threads = c->threads;
}

size_t rv_count(const rv_collection *c)
{
	return atomic_load_explicit(&c->live, memory_order_acquire);
}

/* ---- validation ---- */

static int check_id(const rv_collection *c, const char *id, size_t *len, const char *what, size_t index)
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

static int check_vector(const rv_collection *c, const float *v, size_t dim, const char *what, size_t index)
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
	int rc = check_id(c, id, &got, what, index);
	if (rc == RV_OK && got != len)
		rc = rv_error(c, RV_EID, "id contains a NUL byte (%s %zu)", what ? what : "entry", index);
	return rc;
}

int rv_coll_check_vector(const rv_collection *c, const float *v, size_t dim, const char *what, size_t index)
{
	return check_vector(c, v, dim, what, index);
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
static void maybe_repair(rv_collection *c)
{
	if (atomic_load(&c->index->n_pending) >= repair_threshold(c))
		(void)rv_hnsw_repair(c->index, c->threads);
}

/* Under wlock: renumber slots for locality (hnsw_reorder.c). Skipped, with
 * nothing changed, when memory is short. */
static void reorder(rv_collection *c)
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

/* Does any id repeat within the batch? Sort (hash, index) pairs. */
typedef struct hashed_id {
	uint64_t h;
	size_t i;
} hashed_id;

static int hashed_cmp(const void *a, const void *b)
{
	const hashed_id *x = a, *y = b;
	return x->h < y->h ? -1 : x->h > y->h ? 1 : (x->i < y->i ? -1 : x->i > y->i);
}

static int find_repeat(const rv_collection *c, size_t n, const char *const *ids, size_t *first, size_t *second)
{
	hashed_id *h = rv_malloc(n * sizeof *h);
	if (!h)
		return RV_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint64_t v = 1469598103934665603ull;
		for (const unsigned char *p = (const unsigned char *)ids[i]; *p; p++)
			v = (v ^ *p) * 1099511628211ull;
		h[i] = (hashed_id){v, i};
	}
	qsort(h, n, sizeof *h, hashed_cmp);
	int found = 0;
	for (size_t i = 0; i + 1 < n && !found; i++) {
		for (size_t j = i + 1; j < n && h[j].h == h[i].h; j++) {
			if (strcmp(ids[h[i].i], ids[h[j].i]) == 0) {
				*first = h[i].i;
				*second = h[j].i;
				found = 1;
				break;
			}
		}
	}
	rv_free(h);
	(void)c;
	return found;
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
static int train_quantizer(rv_collection *c, char *why, size_t why_size)
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

static int refuse_readonly(const rv_collection *c)
{
	return rv_error(c, RV_EREADONLY, "collection \"%s\" is open read-only", c->name);
}

int rv_quantize(rv_collection *c)
{
	if (c->opts.quant == RV_QUANT_NONE)
		return rv_error(c, RV_EINVAL, "the collection was created without quantization (rv_options.quant)");
	if (c->readonly)
		return refuse_readonly(c);
	char why[160];
	rv_mutex_lock(&c->wlock);
	int rc = train_quantizer(c, why, sizeof why);
	rv_mutex_unlock(&c->wlock);
	if (rc != RV_OK)
		return rv_error(c, rc, "%s", why);
	/* The log holds vectors, not quantizers: a checkpoint makes this one
	 * durable (else a reopen would train again only at quant_train). */
	return c->persist ? rv_checkpoint(c) : RV_OK;
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

static void free_blobs(uint8_t **b, size_t n)
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
			free_blobs(blobs, n);
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
	maybe_repair(c);
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
		reorder(c);
	/* The collection has become big enough to train its quantizer. A
	 * failure to train is not the insert's: the vectors are in, and
	 * searches go on with float32 until a later insert or rv_quantize(). */
	if (c->opts.quant != RV_QUANT_NONE && !c->index->quant && rv_count(c) >= train_size(c)) {
		char why[160];
		(void)train_quantizer(c, why, sizeof why);
	}
out:
	free_blobs(blobs, n);
	rv_free(p);
	return rc;
}

static int insert_batch(rv_collection *c, size_t n, const char *const *ids, const float *vecs,
                        write_mode mode, const uint8_t *const *payloads)
{
	if (c->readonly)
		return refuse_readonly(c);
	if (n > 1 && mode == MODE_INSERT) {
		size_t a, b;
		int r = find_repeat(c, n, ids, &a, &b);
		if (r == RV_ENOMEM)
			return rv_error(c, RV_ENOMEM, "out of memory checking the batch's ids");
		if (r)
			return rv_error(c, RV_EEXIST, "id \"%s\" appears twice in the batch (entries %zu and %zu)",
			                ids[a], a, b);
	}
	rv_mutex_lock(&c->wlock);
	int rc = RV_OK;
	for (size_t i = 0; i < n && mode != MODE_UPSERT; i++) {
		bool exists = rv_idmap_find(&c->ids, ids[i], strlen(ids[i])) != RV_IDMAP_NONE;
		if (mode == MODE_INSERT && exists) {
			rv_mutex_unlock(&c->wlock);
			return rv_error(c, RV_EEXIST, "id \"%s\" already exists (entry %zu); pass RV_UPSERT to replace it",
			                ids[i], i);
		}
		if (mode == MODE_UPDATE && !exists) {
			rv_mutex_unlock(&c->wlock);
			return rv_error(c, RV_ENOTFOUND, "no record with id \"%s\"", ids[i]);
		}
	}
	rv_ticket t;
	rc = rv_persist_log_insert_payloads(c, n, ids, vecs, mode, payloads, &t);
	if (rc == RV_OK) {
		rc = rv_coll_apply_insert(c, n, ids, vecs, mode != MODE_INSERT, payloads, mode == MODE_UPDATE);
		if (rc != RV_OK)
			rv_persist_unlog(c, &t);
	}
	rv_mutex_unlock(&c->wlock);
	if (rc == RV_OK)
		rc = rv_persist_commit(c, &t);
	if (rc == RV_OK)
		rv_persist_after_write(c);
	return rc;
}

int rv_insert(rv_collection *c, const char *id, const float *vec, size_t dim, unsigned flags)
{
	return rv_insert_payload(c, id, vec, dim, NULL, flags);
}

int rv_insert_batch(rv_collection *c, size_t n, const char *const *ids, const float *vecs, size_t dim,
                    unsigned flags)
{
	return rv_insert_batch_payload(c, n, ids, vecs, dim, NULL, flags);
}

int rv_update(rv_collection *c, const char *id, const float *vec, size_t dim)
{
	size_t len;
	int rc = check_id(c, id, &len, NULL, 0);
	if (rc == RV_OK)
		rc = check_vector(c, vec, dim, NULL, 0);
	if (rc != RV_OK)
		return rc;
	return insert_batch(c, 1, &id, vec, MODE_UPDATE, NULL);
}

/* Parse one payload text (NULL: none) into *blob (NULL for none). */
static int parse_payload(rv_collection *c, const char *payload, uint8_t **blob)
{
	*blob = NULL;
	if (!payload)
		return RV_OK;
	char why[200];
	int rc = rv_payload_from_json(payload, strlen(payload), blob, why, sizeof why);
	if (rc == RV_ENOMEM)
		return rv_error(c, rc, "out of memory parsing the payload");
	return rc == RV_OK ? RV_OK : rv_error(c, rc, "%s", why);
}

/* Parse n payload texts (payloads may be NULL; entries may be NULL) into
 * blobs; *out is NULL when there are none at all. */
static int parse_payloads(rv_collection *c, size_t n, const char *const *payloads, uint8_t ***out)
{
	*out = NULL;
	if (!payloads)
		return RV_OK;
	uint8_t **b = rv_calloc(n ? n : 1, sizeof *b);
	if (!b)
		return rv_error(c, RV_ENOMEM, "out of memory parsing payloads");
	for (size_t i = 0; i < n; i++) {
		if (!payloads[i])
			continue;
		char why[200];
		int rc = rv_payload_from_json(payloads[i], strlen(payloads[i]), &b[i], why, sizeof why);
		if (rc != RV_OK) {
			free_blobs(b, n);
			if (rc == RV_ENOMEM)
				return rv_error(c, rc, "out of memory parsing payloads");
			return rv_error(c, rc, "entry %zu: %s", i, why);
		}
	}
	*out = b;
	return RV_OK;
}

int rv_insert_payload(rv_collection *c, const char *id, const float *vec, size_t dim, const char *payload,
                      unsigned flags)
{
	size_t len;
	int rc = check_id(c, id, &len, NULL, 0);
	if (rc == RV_OK)
		rc = check_vector(c, vec, dim, NULL, 0);
	uint8_t *blob = NULL;
	if (rc == RV_OK)
		rc = parse_payload(c, payload, &blob);
	if (rc != RV_OK)
		return rc;
	const uint8_t *const blobs[1] = {blob};
	rc = insert_batch(c, 1, &id, vec, (flags & RV_UPSERT) ? MODE_UPSERT : MODE_INSERT, blob ? blobs : NULL);
	rv_free(blob);
	return rc;
}

int rv_insert_batch_payload(rv_collection *c, size_t n, const char *const *ids, const float *vecs, size_t dim,
                            const char *const *payloads, unsigned flags)
{
	if (n == 0)
		return RV_OK;
	if (!ids || !vecs)
		return rv_error(c, RV_EINVAL, "%s is NULL", ids ? "vectors" : "ids");
	if (dim != c->opts.dim)
		return rv_error(c, RV_EDIM, "vectors have %zu dimensions; the collection has %u", dim, c->opts.dim);
	if (n > RV_MAX_VECTORS)
		return rv_error(c, RV_EINVAL, "batch of %zu is larger than %u", n, RV_MAX_VECTORS);
	for (size_t i = 0; i < n; i++) {
		size_t len;
		int rc = check_id(c, ids[i], &len, "entry", i);
		if (rc == RV_OK)
			rc = check_vector(c, vecs + i * dim, dim, "entry", i);
		if (rc != RV_OK)
			return rc;
	}
	uint8_t **blobs;
	int rc = parse_payloads(c, n, payloads, &blobs);
	if (rc != RV_OK)
		return rc;
	rc = insert_batch(c, n, ids, vecs, (flags & RV_UPSERT) ? MODE_UPSERT : MODE_INSERT,
	                  (const uint8_t *const *)blobs);
	free_blobs(blobs, n);
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

int rv_set_payload(rv_collection *c, const char *id, const char *payload)
{
	size_t len;
	int rc = check_id(c, id, &len, NULL, 0);
	if (rc != RV_OK)
		return rc;
	if (c->readonly)
		return refuse_readonly(c);
	uint8_t *blob;
	if ((rc = parse_payload(c, payload, &blob)) != RV_OK)
		return rc;
	rv_mutex_lock(&c->wlock);
	if (rv_idmap_find(&c->ids, id, len) == RV_IDMAP_NONE) {
		rv_mutex_unlock(&c->wlock);
		rv_free(blob);
		return rv_error(c, RV_ENOTFOUND, "no record with id \"%s\"", id);
	}
	rv_ticket t;
	rc = rv_persist_log_payload(c, id, blob, &t);
	if (rc == RV_OK) {
		rc = rv_coll_apply_payload(c, id, blob);
		if (rc != RV_OK)
			rv_persist_unlog(c, &t);
	}
	rv_mutex_unlock(&c->wlock);
	rv_free(blob);
	if (rc == RV_OK)
		rc = rv_persist_commit(c, &t);
	if (rc == RV_OK)
		rv_persist_after_write(c);
	return rc;
}

int rv_get_payload(rv_collection *c, const char *id, char *buf, size_t size, size_t *needed)
{
	size_t len;
	int rc = check_id(c, id, &len, NULL, 0);
	if (rc != RV_OK)
		return rc;
	if (!buf && size)
		return rv_error(c, RV_EINVAL, "buf is NULL");
	rv_rwlock_rdlock(&c->index->rw);
	uint32_t slot = rv_idmap_find(&c->ids, id, len);
	size_t n = 0;
	if (slot != RV_IDMAP_NONE) {
		rv_rwlock_rdlock(&c->payloads.lock);
		n = rv_payload_to_json(rv_payloads_get_locked(&c->payloads, slot), buf, size);
		rv_rwlock_unlock(&c->payloads.lock);
	}
	rv_rwlock_unlock(&c->index->rw);
	if (slot == RV_IDMAP_NONE)
		return rv_error(c, RV_ENOTFOUND, "no record with id \"%s\"", id);
	if (n >= SIZE_MAX - 1)
		return rv_error(c, RV_ENOMEM, "out of memory writing the payload of \"%s\"", id);
	if (needed)
		*needed = n + 1;
	if (n + 1 > size)
		return rv_error(c, RV_ERANGE, "the payload of \"%s\" needs %zu bytes; the buffer has %zu", id, n + 1, size);
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

int rv_create_index(rv_collection *c, const char *key, rv_index_kind kind)
{
	if (!key)
		return rv_error(c, RV_EINVAL, "key is NULL");
	size_t len = strlen(key);
	if (len == 0 || len > RV_PAYLOAD_KEY_MAX || rv_utf8_check(key, len) != len)
		return rv_error(c, RV_EINVAL, "index key must be 1..%u bytes of UTF-8", RV_PAYLOAD_KEY_MAX);
	if (kind != RV_INDEX_KEYWORD && kind != RV_INDEX_NUMERIC && kind != RV_INDEX_TEXT)
		return rv_error(c, RV_EINVAL, "unknown index kind %d", (int)kind);
	if (c->readonly)
		return refuse_readonly(c);
	rv_mutex_lock(&c->wlock);
	if (kind == RV_INDEX_TEXT && c->pidx.text &&
	    (c->pidx.text_keylen != len || memcmp(c->pidx.text_key, key, len) != 0)) {
		rv_mutex_unlock(&c->wlock);
		return rv_error(c, RV_EINVAL, "the collection already has a text index, on \"%s\"; it may have one",
		                c->pidx.text_key);
	}
	rv_ticket t;
	int rc = rv_persist_log_index(c, key, len, kind, &t);
	if (rc == RV_OK) {
		rc = rv_coll_apply_index(c, key, len, kind);
		if (rc != RV_OK) {
			rv_persist_unlog(c, &t);
			rc = rv_error(c, rc, "out of memory building the index on \"%s\"", key);
		}
	}
	rv_mutex_unlock(&c->wlock);
	if (rc == RV_OK)
		rc = rv_persist_commit(c, &t);
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
		rv_rwlock_wrlock(&c->payloads.lock);
		rv_free(swap_payload(c, slot, NULL));
		rv_rwlock_unlock(&c->payloads.lock);
	}
}

/* Delete ids that all exist (checked under wlock by the caller); with
 * `repair_now` repair the graph right away, else when the queue is full. */
static int delete_logged(rv_collection *c, size_t n, const char *const *ids, bool repair_now)
{
	rv_ticket t;
	int rc = rv_persist_log_delete(c, n, ids, &t);
	if (rc == RV_OK) {
		rv_coll_apply_delete(c, n, ids);
		if (repair_now)
			(void)rv_hnsw_repair(c->index, c->threads); /* a failure is retried by the next repair */
		else
			maybe_repair(c);
	}
	rv_mutex_unlock(&c->wlock);
	if (rc == RV_OK)
		rc = rv_persist_commit(c, &t);
	if (rc == RV_OK)
		rv_persist_after_write(c);
	return rc;
}

int rv_delete(rv_collection *c, const char *id)
{
	size_t len;
	int rc = check_id(c, id, &len, NULL, 0);
	if (rc != RV_OK)
		return rc;
	if (c->readonly)
		return refuse_readonly(c);
	rv_mutex_lock(&c->wlock);
	if (rv_idmap_find(&c->ids, id, len) == RV_IDMAP_NONE) {
		rv_mutex_unlock(&c->wlock);
		return rv_error(c, RV_ENOTFOUND, "no record with id \"%s\"", id);
	}
	return delete_logged(c, 1, &id, false); /* unlocks */
}

int rv_delete_batch(rv_collection *c, size_t n, const char *const *ids)
{
	if (n == 0)
		return RV_OK;
	if (!ids)
		return rv_error(c, RV_EINVAL, "ids is NULL");
	for (size_t i = 0; i < n; i++) {
		size_t len;
		int rc = check_id(c, ids[i], &len, "entry", i);
		if (rc != RV_OK)
			return rc;
	}
	if (c->readonly)
		return refuse_readonly(c);
	size_t a, b;
	int r = find_repeat(c, n, ids, &a, &b);
	if (r == RV_ENOMEM)
		return rv_error(c, RV_ENOMEM, "out of memory checking the batch's ids");
	if (r)
		return rv_error(c, RV_EINVAL, "id \"%s\" appears twice in the batch (entries %zu and %zu)", ids[a], a, b);
	rv_mutex_lock(&c->wlock);
	for (size_t i = 0; i < n; i++) {
		if (rv_idmap_find(&c->ids, ids[i], strlen(ids[i])) == RV_IDMAP_NONE) {
			rv_mutex_unlock(&c->wlock);
			return rv_error(c, RV_ENOTFOUND, "no record with id \"%s\" (entry %zu); nothing was deleted", ids[i], i);
		}
	}
	return delete_logged(c, n, ids, true); /* unlocks */
}

int rv_vacuum(rv_collection *c)
{
	rv_mutex_lock(&c->wlock);
	int rc = rv_hnsw_repair(c->index, c->threads);
	if (rc == RV_OK)
		c->since_connect = 0;
	rv_mutex_unlock(&c->wlock);
	if (rc != RV_OK)
		return rv_error(c, rc, "out of memory repairing the graph; it is still valid and the repair will be retried");
	return RV_OK;
}

int rv_optimize(rv_collection *c)
{
	rv_mutex_lock(&c->wlock);
	int rc = rv_hnsw_repair(c->index, c->threads);
	if (rc == RV_OK)
		reorder(c);
	rv_mutex_unlock(&c->wlock);
	if (rc != RV_OK)
		return rv_error(c, rc, "out of memory repairing the graph; it is still valid");
	return RV_OK;
}

int rv_reserve(rv_collection *c, size_t n)
{
	if (n > RV_MAX_VECTORS)
		return rv_error(c, RV_EINVAL, "cannot reserve %zu vectors; the limit is %u", n, RV_MAX_VECTORS);
	int rc = rv_index_reserve(c->index, n);
	if (rc != RV_OK)
		return rv_error(c, rc, "out of memory reserving %zu vectors", n);
	return RV_OK;
}

/* ---- reads ---- */

int rv_get(rv_collection *c, const char *id, float *out, size_t dim)
{
	size_t len;
	int rc = check_id(c, id, &len, NULL, 0);
	if (rc != RV_OK)
		return rc;
	if (!out)
		return rv_error(c, RV_EINVAL, "out is NULL");
	if (dim != c->opts.dim)
		return rv_error(c, RV_EDIM, "output holds %zu floats; the collection has %u dimensions", dim, c->opts.dim);
	rv_rwlock_rdlock(&c->index->rw);
	uint32_t slot = rv_idmap_find(&c->ids, id, len);
	if (slot != RV_IDMAP_NONE)
		rv_index_get_vector(c->index, slot, out);
	rv_rwlock_unlock(&c->index->rw);
	if (slot == RV_IDMAP_NONE)
		return rv_error(c, RV_ENOTFOUND, "no record with id \"%s\"", id);
	return RV_OK;
}

static int check_search(rv_collection *c, const float *q, size_t dim, size_t k, const rv_search_params *p,
                        const rv_hit *hits, const char *what, size_t index)
{
	if (!hits)
		return rv_error(c, RV_EINVAL, "hits is NULL");
	if (k == 0 || k > RV_K_MAX)
		return rv_error(c, RV_EINVAL, "k is %zu; it must be 1..%u", k, RV_K_MAX);
	if (p && p->ef > RV_EF_MAX)
		return rv_error(c, RV_EINVAL, "ef is %u; it must be 0..%u", p->ef, RV_EF_MAX);
	if (p && (p->flags & ~(RV_SEARCH_EXACT | RV_SEARCH_MMR)))
		return rv_error(c, RV_EINVAL, "unknown search flags 0x%x", p->flags & ~(RV_SEARCH_EXACT | RV_SEARCH_MMR));
	if (p && (p->flags & RV_SEARCH_MMR)) {
		if (!(p->mmr_lambda >= 0 && p->mmr_lambda <= 1))
			return rv_error(c, RV_EINVAL, "mmr_lambda is %g; it must be in [0, 1]", (double)p->mmr_lambda);
		if (p->mmr_candidates > RV_K_MAX)
			return rv_error(c, RV_EINVAL, "mmr_candidates is %u; it must be 0..%u", p->mmr_candidates, RV_K_MAX);
	}
	return check_vector(c, q, dim, what, index);
}

/* Exact ties rank by id: shorter first, then bytewise, which is numeric
 * order for decimal ids (ruvector.h). */
int rv_coll_tie_by_id(void *ctx, uint32_t a, uint32_t b)
{
	rv_idmap *m = ctx;
	size_t la = 0, lb = 0;
	rv_rwlock_rdlock(&m->lock);
	const char *ka = rv_idmap_key_locked(m, a, &la), *kb = rv_idmap_key_locked(m, b, &lb);
	int r = !ka || !kb ? 0 : la != lb ? (la < lb ? -1 : 1) : memcmp(ka, kb, la);
	rv_rwlock_unlock(&m->lock);
	return r;
}

int rv_coll_fill_hits(rv_collection *c, const rv_cand *res, int n, const float *scores, rv_hit *hits, char *idbuf,
                      size_t idbuf_size)
{
	size_t used = 0;
	int rc = n;
	rv_rwlock_rdlock(&c->ids.lock);
	for (int i = 0; i < n; i++) {
		size_t len = 0;
		const char *key = rv_idmap_key_locked(&c->ids, res[i].slot, &len);
		hits[i].distance = res[i].dist;
		hits[i].score = scores ? scores[i] : -res[i].dist;
		hits[i].id_len = (uint32_t)len;
		hits[i].id = NULL;
		if (idbuf && key) {
			if (used + len + 1 > idbuf_size) {
				rc = RV_ERANGE;
				break;
			}
			memcpy(idbuf + used, key, len);
			idbuf[used + len] = '\0';
			hits[i].id = idbuf + used;
			used += len + 1;
		}
	}
	rv_rwlock_unlock(&c->ids.lock);
	return rc;
}

/* One validated query. */
static int search_one(rv_collection *c, const float *q, size_t k, const rv_search_params *p, rv_hit *hits,
                      char *idbuf, size_t idbuf_size)
{
	rv_index *x = c->index;
	rv_cand local[64];
	rv_cand *res = k <= 64 ? local : rv_malloc(k * sizeof *res);
	if (!res)
		return rv_error(c, RV_ENOMEM, "out of memory for %zu results", k);
	rv_rwlock_rdlock(&x->rw);
	rv_scratch *s = rv_scratch_get(x);
	int n = s ? rv_coll_search_plan(c, s, q, k, p, res) : RV_ENOMEM;
	if (s)
		rv_scratch_put(x, s);
	int rc = n >= 0 ? rv_coll_fill_hits(c, res, n, NULL, hits, idbuf, idbuf_size) : n;
	rv_rwlock_unlock(&x->rw);
	if (res != local)
		rv_free(res);
	if (rc == RV_ENOMEM)
		return rv_error(c, rc, "out of memory in search");
	if (rc == RV_ERANGE)
		return rv_error(c, rc, "id buffer of %zu bytes is too small; RV_IDBUF_SIZE(k) always suffices", idbuf_size);
	return rc;
}

int rv_search(rv_collection *c, const float *q, size_t dim, size_t k, const rv_search_params *p, rv_hit *hits,
              char *idbuf, size_t idbuf_size)
{
	int rc = check_search(c, q, dim, k, p, hits, NULL, 0);
	if (rc != RV_OK)
		return rc;
	return search_one(c, q, k, p, hits, idbuf, idbuf_size);
}

typedef struct batch_job {
	rv_collection *c;
	const float *qs;
	size_t k;
	const rv_search_params *p;
	rv_hit *hits;
	int *counts;
	char *idbuf;
} batch_job;

static int search_job(void *arg, size_t i, unsigned worker)
{
	(void)worker;
	batch_job *j = arg;
	size_t slice = RV_IDBUF_SIZE(j->k);
	int n = search_one(j->c, j->qs + i * j->c->opts.dim, j->k, j->p, j->hits + i * j->k,
	                   j->idbuf ? j->idbuf + i * slice : NULL, slice);
	if (n < 0)
		return n;
	j->counts[i] = n;
	return RV_OK;
}

int rv_search_batch(rv_collection *c, size_t nq, const float *qs, size_t dim, size_t k,
                    const rv_search_params *p, rv_hit *hits, int *counts, char *idbuf, size_t idbuf_size)
{
	if (!qs || !counts)
		return rv_error(c, RV_EINVAL, "%s is NULL", qs ? "counts" : "queries");
	for (size_t i = 0; i < nq; i++) {
		int rc = check_search(c, qs + i * dim, dim, k, p, hits, "query", i);
		if (rc != RV_OK)
			return rc;
	}
	size_t need;
	if (idbuf && (!rv_mul_size(nq, RV_IDBUF_SIZE(k), &need) || idbuf_size < need))
		return rv_error(c, RV_ERANGE, "id buffer of %zu bytes is too small for %zu queries", idbuf_size, nq);
	batch_job j = {c, qs, k, p, hits, counts, idbuf};
	int rc = rv_parallel_for(nq, c->threads, 4, search_job, &j);
	return rc < 0 ? rc : RV_OK;
}

/* ---- inspection ---- */

void rv_collection_stats(rv_collection *c, rv_stats *out)
{
	memset(out, 0, sizeof *out);
	rv_index *x = c->index;
	out->count = rv_count(c);
	out->dim = c->opts.dim;
	out->isa = x->k->name;
	rv_rwlock_rdlock(&x->rw);
	out->capacity = x->capacity;
	rv_mutex_lock(&x->slot_lock);
	out->free_slots = x->n_free;
	rv_mutex_unlock(&x->slot_lock);
	rv_rwlock_unlock(&x->rw);
	out->pending_deletes = atomic_load(&x->n_pending);
	uint64_t e = atomic_load(&x->entry);
	out->max_level = e == RV_NO_ENTRY ? 0 : (uint32_t)(e >> 32);
	out->memory_bytes = sizeof *c + rv_index_memory(x) + rv_idmap_memory(&c->ids);
	out->quant = c->opts.quant;
	rv_rwlock_rdlock(&x->rw);
	out->quant_trained = x->quant != NULL;
	rv_rwlock_unlock(&x->rw);
	size_t heap, mapped;
	rv_index_vector_bytes(x, &heap, &mapped);
	out->vector_bytes = heap;
	out->mapped_bytes = mapped;
	rv_rwlock_rdlock(&x->rw);
	out->code_bytes = x->quant ? x->capacity * x->quant->code_bytes + rv_quant_param_bytes(x->quant) : 0;
	rv_rwlock_unlock(&x->rw);
}

int rv_check(rv_collection *c, rv_check_report *r)
{
	if (!r)
		return rv_error(c, RV_EINVAL, "report is NULL");
	int rc = rv_hnsw_check(c->index, r);
	if (rc == RV_ENOMEM)
		return rv_error(c, rc, "out of memory checking the graph");
	if (rc != RV_OK)
		return rv_error(c, rc, "graph check failed: %s", r->first_problem);
	return RV_OK;
}
