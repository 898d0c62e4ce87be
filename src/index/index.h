/*
 * index.h: the vector store and the HNSW graph over it.
 *
 * What it is. Vectors live in slots: slot i's vector is row i of one
 * contiguous array, and its level-0 links are row i of another. Both indexes
 * read this store: the exact index (flat.c) scans it; the HNSW graph
 * (hnsw_*.c) links it. Slots are what the graph speaks of; the collection
 * layer maps string ids to them.
 *
 * Why this layout. A query's cost is memory latency: each hop reads one link
 * row (2*M uint32, 128 bytes for M=16, two cache lines, 64-byte aligned) and
 * then up to 2*M vectors at random. Keeping vectors and level-0 links in two
 * dense arrays makes both reads predictable, lets us prefetch every
 * neighbour's vector before computing any distance, and keeps the per-node
 * overhead to the links plus two bytes (level, flags). Upper levels hold
 * about 1/M of the nodes, so they get a small separate block per node.
 * An unused link word holds RV_NO_SLOT, and a row is read up to the first
 * RV_NO_SLOT, so no count word is needed.
 *
 * Deletion. A deleted slot is flagged at once (searches skip it, but may
 * still walk through it, which keeps recall) and queued. A repair then, in
 * one pass, rewrites the links of every node that pointed at a deleted one
 * (its surviving neighbours plus the deleted node's neighbours, pruned by the
 * same heuristic as inserts), moves the entry point if needed, reconnects any
 * node left unreachable, and frees the slots for reuse. Nothing accumulates:
 * the queue is bounded by the repair batch size.
 *
 * LOCKING PROTOCOL. Fields say which lock guards them.
 *   rw (reader/writer, writer-preferring):
 *     shared     searches; linking a new node; marking a node deleted.
 *     exclusive  growing the arrays (pointers and capacity change);
 *                repairing deletions and freeing slots; rv_check.
 *     So: while a thread holds rw shared, every slot it reached stays
 *     allocated to the same vector, and every array pointer is stable.
 *   stripes[hash(slot)] (mutex): held while writing any of slot's link rows.
 *     Never two at once. Readers take no lock: every link word is an atomic
 *     uint32, stored with release and loaded with acquire, so a reader sees
 *     either the old or the new id, both valid slots, never a torn value.
 *   ep_lock (mutex): changing the entry point. Readers load `entry`
 *     atomically (slot and level packed in one 64-bit word). An insert whose
 *     level is above the current top holds ep_lock for its whole insertion,
 *     as hnswlib does; that is one insert in about M^level.
 *   slot_lock (mutex): the free list, the pending-deletion queue, n_slots.
 *   Publication: a slot's vector, level, norm and link rows are written
 *     before any other node links to it (a release store), and readers reach
 *     slots only through acquire loads of links or of `entry`, so they always
 *     see a finished vector.
 *   Order: rw -> ep_lock -> stripes; slot_lock is a leaf.
 */
#ifndef RV_INDEX_H
#define RV_INDEX_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../kernels/kernels.h"
#include "../platform/platform.h"
#include "../quant/quant.h"
#include "ruvector.h"

#define RV_NO_SLOT UINT32_MAX
#define RV_NO_ENTRY UINT64_MAX
#define RV_LEVEL_MAX 24    /* levels above this are clamped; 16^24 nodes would be needed */
#define RV_STRIPES 1024    /* link-row lock stripes */

/* Slot flags (atomic byte per slot). */
#define RV_SLOT_USED 0x1u    /* holds a vector */
#define RV_SLOT_HIDDEN 0x2u  /* being linked: searches may walk it, never return it */
#define RV_SLOT_DELETED 0x4u /* deleted, awaiting repair: walkable, never returned */

/* A candidate: distance and slot. While a node sits in a search beam the top
 * bit of `slot` marks it expanded (slots are below 2^31). */
typedef struct rv_cand {
	float dist;
	uint32_t slot;
} rv_cand;
#define RV_EXPANDED 0x80000000u

/* Optional predicate for filtered searches: may slot be returned? */
typedef bool (*rv_accept_fn)(void *ctx, uint32_t slot);
/* Optional order for exact ties: <0, 0 or >0 as slot a ranks before b. */
typedef int (*rv_tie_fn)(void *ctx, uint32_t a, uint32_t b);

/* A candidate ranked in double precision (exact search). */
typedef struct rv_exact {
	double dist;
	uint32_t slot;
} rv_exact;

/* Per-search scratch, pooled per index so that no query allocates once the
 * pool is warm (hnswlib's visited_list_pool.h does the same). */
typedef struct rv_scratch {
	struct rv_scratch *next;  /* pool free-list link (pool.lock) */
	uint8_t *visited;         /* epoch stamp per slot */
	size_t visited_cap;
	uint8_t epoch;            /* current stamp; 0 is never a valid stamp */
	rv_cand *beam;            /* sorted candidate list (size ef) */
	size_t beam_cap;
	rv_cand *heap;            /* candidate heap of the general search */
	size_t heap_cap;
	rv_cand *res;             /* result heap of the general search */
	size_t res_cap;
	rv_cand *sel;             /* neighbour-selection work space */
	size_t sel_cap;
	uint32_t *chosen;         /* inserts: chosen neighbours per level, (RV_LEVEL_MAX+1) * m0 */
	rv_exact *rerank;         /* exact search: survivors ranked in double */
	size_t rerank_cap;
	void *qmem;               /* a query prepared for the quantizer */
	size_t qmem_cap;
	rv_qquery qq;
	const uint8_t **cptrs;    /* code pointers of one expansion (m0 + 4) */
	uint32_t *ids;            /* neighbours of one node being expanded */
	float *dists;             /* their distances */
	float *qbuf;              /* normalised query, dim floats */
} rv_scratch;

typedef struct rv_scratch_pool {
	rv_mutex lock;
	rv_scratch *free;         /* idle scratch objects */
	size_t total;             /* created so far */
} rv_scratch_pool;

typedef struct rv_index_params {
	uint32_t dim;
	rv_metric metric;
	uint32_t m;
	uint32_t ef_construction;
	float alpha;
	uint64_t seed;
	const rv_kernels *kernels;
} rv_index_params;

/* The float32 rows (vectors.c): chunks of 2^shift rows through a table.
 * Chunks [0, base_chunks) point into one base block (a segment's mapped
 * vectors, or a heap block a loader handed over); the rest are heap blocks
 * of their own. Only the last chunk may hold fewer than 2^shift rows. */
typedef struct rv_vecstore {
	float **chunk;
	size_t chunks, chunk_cap;
	size_t rows;              /* rows addressable */
	uint32_t shift, mask;
	uint32_t dim;
	size_t row_bytes;
	void *base;               /* what to unmap or free, or NULL */
	size_t base_map_len;      /* > 0: base is a mapping of this length; 0: a heap block */
	size_t base_rows;
	size_t base_chunks;
	size_t heap_bytes;        /* rows held on the heap (blocks and a heap base) */
} rv_vecstore;

/* Bytes per chunk (4 MiB); tests shrink it to cross many chunk edges. Read
 * when a store is initialised. */
extern size_t rv_vec_chunk_bytes;
void rv_vecstore_init(rv_vecstore *v, uint32_t dim);
void rv_vecstore_free(rv_vecstore *v);
/* Make rows [0, rows) addressable. RV_ENOMEM leaves the store as it was. */
int rv_vecstore_grow(rv_vecstore *v, size_t rows);
/* Size the table of an empty store for `rows`, then install n rows from a
 * base block (map_len > 0: a mapping to unmap; 0: an rv_aligned_alloc
 * block): the first cannot fail after the second succeeded. */
int rv_vecstore_reserve_table(rv_vecstore *v, size_t rows);
void rv_vecstore_set_base(rv_vecstore *v, float *rows, size_t map_len, size_t n);
/* Move the store onto a new base holding the same first n rows (the
 * segment a checkpoint just wrote), freeing the heap blocks it covers and
 * releasing the old base. RV_ENOMEM leaves the store as it was (the caller
 * still owns `rows`). */
int rv_vecstore_rebase(rv_vecstore *v, float *rows, size_t map_len, size_t n);
/* Rows from `row` on that sit contiguously (at most max); *out the first. */
size_t rv_vecstore_run(const rv_vecstore *v, size_t row, size_t max, const float **out);

/* Lazy verification of vectors mapped from a segment (vectors.c, LAZY
 * VERIFICATION): the section's per-block checksums and a state byte per
 * block. Installed by the loader; dropped (rows = 0 first, then freed)
 * under rw exclusive when the rows stop being the file's (a rebase onto a
 * new segment, a reorder). */
#define RV_VGUARD_BLOCK 65536u
typedef struct rv_vguard {
	uint64_t rows;             /* rows [0, rows) are checked */
	uint32_t n_blocks;
	uint32_t *crcs;            /* per block of RV_VGUARD_BLOCK bytes of the rows */
	_Atomic uint8_t *state;    /* per block: 0 not yet verified, 1 good, 2 bad */
	_Atomic uint32_t bad;      /* 1 + the first bad block found, or 0 */
	uint64_t file_off;         /* where the rows start in the file */
	char *path;                /* the file, for messages */
} rv_vguard;

typedef struct rv_index {
	/* Fixed at creation. */
	uint32_t dim;
	rv_metric metric;
	uint32_t m;               /* max links on levels >= 1 */
	uint32_t m0;              /* max links on level 0 (2*m) */
	uint32_t ef_construction;
	float alpha;              /* neighbour-selection relaxation (hnsw_insert.c) */
	double level_mult;        /* 1/ln(m): expected level spacing */
	uint64_t seed;
	const rv_kernels *k;
	rv_f32_dist_fn raw;       /* l2sq, dot or l1 */
	rv_f32_dist4_fn raw4;
	float dsign, doff;        /* distance = dsign * raw + doff (ip: -dot; cosine: 1 - dot) */
	size_t row_bytes;         /* dim * sizeof(float) */

	/* Storage. Pointers and capacity: rw exclusive to change. Contents: see
	 * the protocol above. */
	size_t capacity;
	rv_vecstore vs;           /* capacity rows of dim floats (vectors.c) */
	rv_vguard *vguard;        /* NULL, or the mapped rows' checksums (rw exclusive to change) */
	_Atomic uint32_t *links0; /* capacity rows of m0 slots */
	_Atomic uint32_t **upper; /* per slot: NULL, or level*m slots for levels 1..level */
	uint8_t *levels;          /* per slot: top level */
	_Atomic uint8_t *flags;   /* per slot: RV_SLOT_* */
	float *norms;             /* cosine only: each vector's norm before normalising */
	size_t links_map_len;     /* > 0 when links0 points into a mapped segment (not the heap) */
	/* Quantization (quant.h): set once, under rw exclusive, after every
	 * used slot has its code; searches then walk the codes. */
	rv_quant *quant;          /* trained quantizer, or NULL */
	uint8_t *codes;           /* capacity rows of quant->code_bytes */
	size_t upper_bytes;       /* bytes in all upper blocks (slot_lock) */

	rv_rwlock rw;
	rv_mutex stripes[RV_STRIPES];

	rv_mutex ep_lock;
	_Atomic uint64_t entry;   /* (level << 32) | slot, or RV_NO_ENTRY */

	rv_mutex slot_lock;
	_Atomic uint32_t n_slots; /* slots [0, n_slots) have been handed out at least once */
	uint32_t *free_slots;     /* freed slots, reused last-in first-out */
	size_t n_free, free_cap;
	uint32_t *pending;        /* deleted, awaiting repair */
	size_t pending_cap;
	_Atomic size_t n_pending;

	_Atomic uint64_t level_draws; /* counter feeding the level generator */
	rv_scratch_pool pool;
} rv_index;

/* A checkpointed index as the storage layer hands it over (collection/load.c). The
 * big arrays may be mapped from a segment (map_len > 0: the index unmaps
 * them when it frees or outgrows them) or heap blocks from
 * rv_aligned_alloc (map_len 0: the index takes ownership). The small ones
 * are copied. */
typedef struct rv_index_image {
	uint32_t n_slots;
	uint64_t entry;            /* packed as rv_index.entry, or RV_NO_ENTRY */
	uint64_t level_draws;      /* level generator position, to continue it */
	float *vecs;               /* n_slots rows */
	size_t vecs_map_len;
	uint32_t *links0;          /* n_slots rows of m0 */
	size_t links_map_len;
	const uint8_t *levels;     /* n_slots */
	const uint8_t *flags;      /* n_slots; 0 or RV_SLOT_USED */
	const uint32_t *upper;     /* sum(levels) * m words, in slot order */
	uint64_t upper_words;
	const float *norms;        /* n_slots, cosine only */
	rv_quant *quant;           /* trained quantizer (adopted), or NULL */
	uint8_t *codes;            /* n_slots codes (heap, adopted) when quant */
} rv_index_image;

/* ---- index.c: lifetime, slots, storage ---- */
/* Adopt an image into an empty index, after checking everything a search
 * trusts: flags and levels in range, every link a slot below n_slots or
 * RV_NO_SLOT, every upper-level link to a node that has that level, the
 * entry point a used node of the top level. RV_ECORRUPT with the reason in
 * `why` (and nothing adopted: the caller still owns the arrays). */
int rv_index_load(rv_index *x, const rv_index_image *img, char *why, size_t why_size);
int rv_index_new(const rv_index_params *p, rv_index **out);
void rv_index_free(rv_index *x);
int rv_index_reserve(rv_index *x, size_t n);
/* Free (or unmap) vecs and links0. */
void rv_index_release_arrays(rv_index *x);
/* Take a slot, store the vector (normalised for cosine), draw its level.
 * The slot is USED|HIDDEN and unlinked. Takes rw itself. */
int rv_index_alloc(rv_index *x, const float *vec, uint32_t *slot);
/* Give back a slot from rv_index_alloc that was never linked. */
void rv_index_release_unlinked(rv_index *x, uint32_t slot);
/* Make a linked slot visible to searches. */
void rv_index_publish(rv_index *x, uint32_t slot);
/* Flag a slot deleted and queue it for repair; returns the queue length.
 * Caller holds rw shared or exclusive. */
size_t rv_index_mark_deleted(rv_index *x, uint32_t slot);
/* Install a trained quantizer (ownership passes to the index): encode every
 * used slot under rw shared, then switch searches to codes under rw
 * exclusive. The caller keeps writers out (the collection's wlock).
 * RV_ENOMEM leaves the index as it was (the caller still owns q). */
int rv_index_set_quant(rv_index *x, rv_quant *q);

/* Move the vectors onto the first n rows of a segment just written from
 * them (see vectors.c); takes rw exclusive. RV_ENOMEM or RV_EINVAL leave
 * the index as it was and `rows` the caller's. */
int rv_index_rebase_vectors(rv_index *x, float *rows, size_t map_len, uint32_t n);
/* Bytes of vectors on the heap and mapped from a segment. */
void rv_index_vector_bytes(rv_index *x, size_t *heap, size_t *mapped);
/* Copy a slot's vector, in the caller's units (un-normalised). rw shared. */
void rv_index_get_vector(const rv_index *x, uint32_t slot, float *out);
size_t rv_index_memory(rv_index *x);

/* Verify the blocks row `slot` lies in (vectors.c); a bad one is recorded
 * in vguard->bad, which searches check when they finish. */
void rv_vguard_touch(const rv_index *x, uint32_t slot);
/* Install g (the index owns it from now on) / drop the guard. rw exclusive. */
void rv_index_set_vguard(rv_index *x, rv_vguard *g);
void rv_vguard_free(rv_vguard *g);
/* The rows stopped being the file's (a reorder): stop checking, keep any
 * fault found. rw exclusive. */
void rv_index_retire_vguard(rv_index *x);
/* Verify every guarded block not yet verified (before a checkpoint copies
 * the rows into a new segment with new checksums: damage must not pass
 * into it). rw shared. Returns rv_index_vfault's number. */
uint32_t rv_index_verify_vectors(const rv_index *x);
/* 0, or 1 + the first block of mapped vectors found bad; *file_off its
 * offset in *path. */
uint32_t rv_index_vfault(const rv_index *x, const char **path, uint64_t *file_off);

static inline const float *rv_vec(const rv_index *x, uint32_t slot)
{
	const rv_vguard *g = x->vguard;
	if (g && slot < g->rows) {
		uint64_t at = (uint64_t)slot * x->row_bytes;
		if (atomic_load_explicit(&g->state[at / RV_VGUARD_BLOCK], memory_order_relaxed) != 1 ||
		    atomic_load_explicit(&g->state[(at + x->row_bytes - 1) / RV_VGUARD_BLOCK], memory_order_relaxed) != 1)
			rv_vguard_touch(x, slot);
	}
	return x->vs.chunk[slot >> x->vs.shift] + (size_t)(slot & x->vs.mask) * x->dim;
}

static inline _Atomic uint32_t *rv_links(const rv_index *x, uint32_t slot, int level)
{
	if (level == 0)
		return x->links0 + (size_t)slot * x->m0;
	return x->upper[slot] + (size_t)(level - 1) * x->m;
}

static inline uint32_t rv_maxlinks(const rv_index *x, int level)
{
	return level == 0 ? x->m0 : x->m;
}

static inline uint8_t rv_flags(const rv_index *x, uint32_t slot)
{
	return atomic_load_explicit(&x->flags[slot], memory_order_acquire);
}

/* Searchable: holds a vector and may be returned. */
static inline bool rv_visible(const rv_index *x, uint32_t slot)
{
	return rv_flags(x, slot) == RV_SLOT_USED;
}

static inline float rv_dist(const rv_index *x, const float *a, const float *b)
{
	return x->dsign * x->raw(a, b, x->dim) + x->doff;
}

/* Distances from q to the vectors of n slots, four at a time (the _x4
 * kernels keep q in registers and overlap four dependency chains). A last
 * group of one to three is padded with repeats of its first vector, which
 * is in cache by then and costs less than single calls. `out` must have
 * room for n rounded up to a multiple of 4. */
static inline void rv_dists(const rv_index *x, const float *q, const uint32_t *ids, size_t n, float *out)
{
	for (size_t j = 0; j < n; j += 4) {
		const float *v0 = rv_vec(x, ids[j]);
		const float *v[4] = {v0, j + 1 < n ? rv_vec(x, ids[j + 1]) : v0, j + 2 < n ? rv_vec(x, ids[j + 2]) : v0,
		                     j + 3 < n ? rv_vec(x, ids[j + 3]) : v0};
		x->raw4(q, v, x->dim, out + j);
	}
	const float sign = x->dsign, off = x->doff;
	for (size_t j = 0; j < n; j++)
		out[j] = sign * out[j] + off;
}

/* Prepare a query for this index: validate nothing, normalise for cosine
 * into buf; returns the pointer to use. */
const float *rv_index_prepare_query(const rv_index *x, const float *q, float *buf);

/* ---- scratch pool (index.c) ---- */
rv_scratch *rv_scratch_get(rv_index *x);   /* caller holds rw (any mode) */
void rv_scratch_put(rv_index *x, rv_scratch *s);
int rv_scratch_reserve(rv_scratch *s, size_t beam, size_t heap); /* 0 or RV_ENOMEM */
/* Start a new visited epoch (clears the stamps when the byte wraps). */
void rv_scratch_new_epoch(rv_scratch *s);

/* ---- hnsw_insert.c ---- */
/* Link an allocated slot into the graph. Takes rw shared. */
int rv_hnsw_link(rv_index *x, uint32_t slot);
/* Link with rw already held (shared or exclusive) and a scratch in hand. */
int rv_hnsw_link_locked(rv_index *x, uint32_t slot, rv_scratch *s);
/* Heuristic neighbour selection over cands[0..n) sorted by distance to
 * `base`; writes at most `max` slots to out; returns how many. */
size_t rv_hnsw_select(const rv_index *x, const rv_cand *cands, size_t n, size_t max, uint32_t *out);

/* ---- hnsw_search.c ---- */
/* Approximate k-NN. Caller holds rw shared. Writes up to k results sorted
 * by distance; returns the count or a negative error. `accept` may be NULL. */
int rv_hnsw_search(rv_index *x, rv_scratch *s, const float *q, size_t k, size_t ef,
                   rv_accept_fn accept, void *actx, rv_cand *out);
/* The same, for quantized indexes with a re-ranking depth (0: ef). */
int rv_hnsw_search_rerank(rv_index *x, rv_scratch *s, const float *q, size_t k, size_t ef, size_t depth,
                          rv_accept_fn accept, void *actx, rv_cand *out);
/* Greedy descent to level `stop`, then a beam search of width ef at level
 * `level` (used by inserts). Returns beam size; beam in s->beam, sorted,
 * RV_EXPANDED bits cleared. */
size_t rv_hnsw_search_layer(const rv_index *x, rv_scratch *s, const float *q, rv_cand *beam,
                            size_t nb, size_t ef, int level);
/* The level-0 beam of width ef for q (already prepared): greedy descent,
 * then a beam search. Result in s->beam (reserved for ef by the caller),
 * sorted; returns its length. */
size_t rv_hnsw_beam(const rv_index *x, rv_scratch *s, const float *q, size_t ef);
/* Greedy walk at one level from *cur; updates *cur and *cur_dist. */
void rv_hnsw_greedy(const rv_index *x, const float *q, int level, uint32_t *cur, float *cur_dist);

/* ---- flat.c ---- */
/* Exact k-NN over every visible slot. Caller holds rw shared. The final
 * ranking is recomputed in double precision, so near-ties order exactly as
 * a float64 brute force would; exact ties by `tie` (may be NULL), then slot. */
int rv_flat_search(rv_index *x, rv_scratch *s, const float *q, size_t k,
                   rv_accept_fn accept, void *actx, rv_tie_fn tie, void *tctx, rv_cand *out);

/* The same over the given slots only (each at most once; out-of-range
 * and invisible slots are skipped). */
int rv_flat_search_slots(rv_index *x, rv_scratch *s, const float *q, size_t k, const uint32_t *slots,
                         size_t nslots, rv_accept_fn accept, void *actx, rv_tie_fn tie, void *tctx, rv_cand *out);

/* ---- hnsw_repair.c ---- */
/* Unlink every pending deleted slot and free it, then make every live node
 * reachable again. Takes rw exclusive. */
int rv_hnsw_repair(rv_index *x, unsigned threads);
/* Only the reachability pass: a breadth-first walk of level 0 from the
 * entry point that relinks any live node it misses. Takes rw exclusive. */
int rv_hnsw_connect(rv_index *x);

/* ---- hnsw_reorder.c ---- */
/* Renumber slots in breadth-first order of the level-0 graph. Caller holds
 * rw exclusive. On success *old_to_new (n_slots entries, rv_free it) maps
 * each old slot to its new number; on RV_ENOMEM nothing changed. */
int rv_hnsw_reorder(rv_index *x, uint32_t **old_to_new);

/* ---- hnsw_check.c ---- */
int rv_hnsw_check(rv_index *x, rv_check_report *r);
/* Breadth-first walk of level 0 from `entry` over slots [0, n): sets
 * seen[v] for every slot reached and, if indeg is not NULL, counts links
 * into each (saturating at 255). queue holds n entries. Returns how many
 * slots were reached. Caller holds rw exclusive. */
size_t rv_hnsw_walk(const rv_index *x, uint32_t entry, uint32_t n, uint8_t *seen, uint8_t *indeg, uint32_t *queue);

#endif
