/*
 * hyper.h: a collection's hypergraph (ruvector.h, "Hypergraph"): hyperedges
 * over the collection's records, stored as a bipartite incidence structure
 * both ways, with an HNSW index of their own over their embeddings.
 *
 * The files, lowest first (none calls one above it, and none calls
 * state.c, which calls hyper.c):
 *   hyper.c        the store: applying puts, deletes and detaches; the
 *                  encoded form of a hyperedge (log frames and segment
 *                  section, persist.h); checking its consistency
 *   hyper_query.c  reads: search by embedding under a filter and a time
 *                  window, the sorted time index and calendar buckets,
 *                  k-hop traversal and weighted paths
 *   hyper_api.c    the public calls: validate, log, apply, commit; and the
 *                  replay of the hyperedge frames
 *
 * Records are named by their string ids, not slots: slots are renumbered
 * by reorders and compaction, ids are not. A record's node exists while it
 * belongs to at least one hyperedge. The delete rule (ruvector.h): deleting
 * a record removes it from every hyperedge it is a member of, and a
 * hyperedge left with fewer than two members is deleted with it; this
 * follows from the DELETE frame at replay, so it is not logged apart.
 *
 * Locking: writes hold the collection's wlock, then h->lock exclusively.
 * Reads take h->lock shared, then (search) the edge index's rw shared.
 * The time index is rebuilt lazily by the first read after a write, under
 * tlock (a leaf). Order: h->lock -> index rw -> ids lock -> tlock.
 */
#ifndef RV_HYPER_H
#define RV_HYPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../index/index.h"
#include "../storage/storage.h"
#include "../util/hashtab.h"
#include "ruvector.h"

typedef struct rv_collection rv_collection;

typedef struct rv_hedge {
	char *id;              /* NUL-terminated; NULL: a free entry */
	uint32_t idlen;
	uint32_t n;            /* members */
	uint32_t *members;     /* node numbers, in the given order */
	bool ordered;
	char *desc;            /* NUL-terminated, may be empty */
	uint32_t desc_len;
	float *emb;            /* dim floats as given, or NULL */
	float confidence;
	int64_t from, to;      /* valid in [from, to), ms since the Unix epoch (UTC) */
	uint8_t *payload;      /* payload.h blob, or NULL */
	uint32_t slot;         /* in the edge index, or RV_NO_SLOT */
} rv_hedge;

typedef struct rv_hnode {
	char *id;              /* the record id; NULL: a free entry */
	uint32_t idlen;
	uint32_t *edges;       /* edge numbers */
	size_t n, cap;
} rv_hnode;

typedef struct rv_htime {
	int64_t t;
	uint32_t e;
} rv_htime;

typedef struct rv_hyper {
	rv_rwlock lock;
	uint32_t dim;
	rv_index_params ip;      /* for the edge index, created at the first embedding */
	rv_hedge *e;
	size_t ne, ecap;         /* entries used (free ones included), capacity */
	uint32_t *efree;
	size_t nefree, efree_cap;
	rv_hashtab etab;         /* edge id -> edge number */
	size_t live;             /* edges */
	size_t incidences;       /* sum of members over edges */
	rv_hnode *v;
	size_t nv, vcap;
	uint32_t *vfree;
	size_t nvfree, vfree_cap;
	rv_hashtab vtab;         /* record id -> node number */
	size_t nodes;
	rv_index *index;         /* edge embeddings, or NULL */
	uint32_t *slot_edge;     /* slot -> edge number */
	size_t slot_cap;
	size_t embedded;         /* edges with an embedding */
	unsigned threads;
	/* the time index: edge numbers sorted by `from` and by `to` */
	rv_mutex tlock;
	rv_htime *byfrom, *byto;
	size_t ntime;
	bool tdirty;
} rv_hyper;

/* A hyperedge as validated input (or decoded from a frame): members are
 * NUL-terminated ids; emb NULL or dim floats (possibly unaligned: read
 * with memcpy); payload an encoded blob or NULL. */
typedef struct rv_hedge_in {
	const char *id;
	size_t idlen;
	size_t n;
	const char *const *members;
	bool ordered;
	const char *desc;
	size_t desc_len;
	const unsigned char *emb;
	float confidence;
	int64_t from, to;
	const uint8_t *payload;
} rv_hedge_in;

#define RV_HFRAME_PUT 10   /* persist.h: FRAME_HEDGE_PUT */
#define RV_HFRAME_DEL 11   /* persist.h: FRAME_HEDGE_DEL */

/* ---- hyper.c ---- */
int rv_hyper_new(uint32_t dim, const rv_index_params *ip, unsigned threads, rv_hyper **out);
void rv_hyper_free(rv_hyper *h);
/* Look up (h->lock held). RV_HASHTAB_NONE when absent. */
uint32_t rv_hyper_find_edge(const rv_hyper *h, const char *id, size_t len);
uint32_t rv_hyper_find_node(const rv_hyper *h, const char *id, size_t len);
/* Apply n validated puts (upsert: an existing id is replaced), h->lock
 * taken inside. Members must be live records (the caller checked). The
 * batch applies whole or not at all (RV_ENOMEM). */
int rv_hyper_apply_put(rv_hyper *h, size_t n, const rv_hedge_in *in);
/* Delete edges by id (absent ones skipped). Cannot fail. */
void rv_hyper_apply_delete(rv_hyper *h, size_t n, const char *const *ids);
/* The delete rule for record `id` (see above). Cannot fail. */
void rv_hyper_detach(rv_hyper *h, const char *id, size_t len);
/* Encoded size of a hyperedge, and encoding it into b (that many bytes). */
size_t rv_hyper_encoded_size(const rv_hedge_in *in, uint32_t dim);
void rv_hyper_encode(const rv_hedge_in *in, uint32_t dim, unsigned char *b);
/* An rv_hedge_in viewing the stored edge e (members through ptrs, which
 * holds e->n entries). */
void rv_hyper_view(const rv_hyper *h, uint32_t e, const char **ptrs, rv_hedge_in *out);
/* Decode one hyperedge at b[0..len): checks everything; member ids are
 * copied NUL-terminated into store ((RV_ID_MAX + 1) x RV_HEDGE_MEMBERS_MAX
 * bytes) and pointed to by ptrs. *used gets the bytes read. RV_ECORRUPT
 * with why. */
int rv_hyper_decode(const unsigned char *b, size_t len, uint32_t dim, rv_metric metric, char *store,
                    const char **ptrs, rv_hedge_in *out, size_t *used, char *why, size_t why_size);
/* Write the HEDGES section (persist.h) if there are hyperedges. */
void rv_hyper_write_section(rv_hyper *h, rv_seg_writer *w, uint32_t section);
/* Load the HEDGES section's bytes; `exists(ctx, id, len)` says whether a
 * record exists. RV_ECORRUPT with why, RV_ENOMEM. */
int rv_hyper_load_section(rv_hyper *h, const unsigned char *b, size_t len, rv_metric metric,
                          bool (*exists)(void *ctx, const char *id, size_t len), void *ctx, char *why,
                          size_t why_size);
/* Consistency: incidences agree both ways, every member a live record,
 * every embedded edge in the index. RV_ECORRUPT with why. */
int rv_hyper_check(rv_hyper *h, bool (*exists)(void *ctx, const char *id, size_t len), void *ctx, char *why,
                   size_t why_size);

/* ---- hyper_query.c ---- */
/* Make the time index current (tlock held by the caller). */
int rv_hyper_time_refresh(rv_hyper *h);

#endif
