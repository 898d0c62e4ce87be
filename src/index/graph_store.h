/*
 * graph_store.h: an HNSW graph whose nodes live somewhere else.
 *
 * What it is. The in-memory index (index.h, hnsw_*.c) owns its slots and
 * link rows and is tuned for them. A host that keeps the graph in its own
 * storage (PostgreSQL keeps it in index pages, read through its buffer
 * manager and written under its WAL) still wants the same search loop,
 * neighbour selection and kernels. This header is that seam: the host
 * implements three operations over its storage (load a node, store a new
 * node, rewrite one node's links) and the core runs the graph algorithms
 * over them (graph_search.c).
 *
 * Node ids are the host's, 64 bits, opaque to the core (PostgreSQL packs a
 * block number and a line pointer). RV_GID_NONE is never a node.
 *
 * Contract for the host's operations.
 *   - Each returns 0 or a negative RV_E* code; the core stops at the first
 *     failure and returns that code, so the host turns it into its own
 *     error report once the core has returned.
 *   - A host whose error mechanism unwinds the stack (PostgreSQL's ereport)
 *     may raise from inside an operation: the core holds no locks and no
 *     global state across calls, and all its memory comes from rv_malloc, so
 *     a host that installed an allocator over its own arenas (rv_set_allocator)
 *     loses nothing when the arena is reset.
 *   - The core is single-threaded here: it never calls an operation from a
 *     thread of its own.
 *   - Locking is the host's: an operation reads or writes one node
 *     atomically (a reader sees a node's old links or its new ones, never a
 *     mix); rv_gs_insert must not run twice at once on one graph (the host
 *     serialises inserts), searches may run beside it.
 *
 * Level 0 keeps up to 2*m links, levels above up to m; the core keeps those
 * bounds and never hands store operations more.
 */
#ifndef RV_GRAPH_STORE_H
#define RV_GRAPH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/hashtab.h"
#include "index.h"

typedef uint64_t rv_gid;
#define RV_GID_NONE UINT64_MAX
#define RV_GS_LEVEL_MAX 15 /* levels above are clamped (m^15 nodes would be needed) */

typedef struct rv_graph_store {
	void *ctx;          /* the host's; passed back to every operation */
	uint32_t dim;       /* floats per vector */
	uint32_t m;         /* links per node on levels >= 1; 2*m on level 0 */
	rv_metric metric;   /* cosine: the host stores and queries normalised vectors */
	/* Read node `id`: its vector into vec (dim floats) unless vec is NULL;
	 * its links on `level` into links (at most cap, *n set) unless links is
	 * NULL; whether it is deleted (walkable, never a result) into *deleted.
	 * A level above the node's own gives *n = 0. */
	int (*load)(void *ctx, rv_gid id, int level, float *vec, rv_gid *links, uint32_t cap, uint32_t *n,
	            bool *deleted);
	/* Write a new node: its vector, its level and its links on each level
	 * 0..level (links[l], nlinks[l] of them). *id receives its id. */
	int (*store_node)(void *ctx, const float *vec, int level, const rv_gid *const *links, const uint32_t *nlinks,
	                  rv_gid *id);
	/* Replace node id's links on `level` with links[0..n). */
	int (*store_links)(void *ctx, rv_gid id, int level, const rv_gid *links, uint32_t n);
} rv_graph_store;

/* A candidate of a graph-store search: its distance to the query and the
 * host's id. */
typedef struct rv_gcand {
	float dist;
	rv_gid id;
} rv_gcand;

/* Work space of one search or insert, reused across calls (nothing is
 * allocated once it has grown). All zeros is an empty one. Nodes met in one
 * search get local numbers 0, 1, ... through `seen` (the core's hash table,
 * keyed by the host id): their ids and vectors sit at that number, so the
 * heaps are the in-memory index's (cand.h) and neighbour selection reads
 * vectors it already loaded. */
typedef struct rv_gs_work {
	rv_hashtab seen;          /* host id -> local number */
	rv_gid *ids;              /* local number -> host id */
	float *vecs;              /* local number -> vector (dim floats) */
	bool *dead;               /* local number -> deleted */
	size_t n, cap;            /* local numbers in use, allocated */
	rv_cand *heap, *res;      /* candidate min-heap, result max-heap */
	size_t heap_cap, res_cap;
	rv_gid *links;            /* one node's links */
	rv_cand *sel;             /* neighbour selection input */
	uint32_t *pick;           /* neighbour selection output */
	size_t sel_cap;
	float *tmp;               /* one vector */
	uint32_t dim;
	rv_metric_kernel dist;    /* distance = sign * raw + off */
} rv_gs_work;

void rv_gs_work_free(rv_gs_work *w);

/* Search level `level` from the entry `entry` with a beam of ef; the
 * nearest non-deleted nodes found, ascending, into out (at most max),
 * *n_out set. With ef and max at least the node count and level 0, every
 * node reachable from the entry comes back. q has dim floats (normalised
 * for cosine). */
int rv_gs_search(const rv_graph_store *s, rv_gs_work *w, const float *q, rv_gid entry, int entry_level,
                 uint32_t ef, rv_gcand *out, size_t max, size_t *n_out);

/* Link a new vector into the graph: descend from the entry (entry_level
 * is its level), pick neighbours with the pruning heuristic on each level
 * up to `level`, store the node (store_node), then add it to each chosen
 * neighbour's links, re-pruning a full row (store_links). entry ==
 * RV_GID_NONE: the graph is empty, the node is stored without links.
 * *id receives the new node's id. The host moves its entry point when
 * level > entry_level. */
int rv_gs_insert(const rv_graph_store *s, rv_gs_work *w, const float *vec, int level, rv_gid entry,
                 int entry_level, uint32_t ef_construction, rv_gid *id);

/* Rewrite node id's links on `level` without the nodes for which gone()
 * says true: the survivors plus the survivors' and the gone nodes' own
 * links on that level, pruned by the same heuristic (the repair that the
 * in-memory index does after deletions, hnsw_repair.c). */
typedef bool (*rv_gs_gone_fn)(void *ctx, rv_gid id);
int rv_gs_repair(const rv_graph_store *s, rv_gs_work *w, rv_gid id, int level, rv_gs_gone_fn gone, void *gctx);

/* Link node id again on level 0, as an insert would (its neighbours found
 * by a search from the entry, then itself added to their rows): for a node
 * that no live node links to any more (VACUUM's reconnection, like the
 * in-memory repair's, hnsw_repair.c). */
int rv_gs_relink(const rv_graph_store *s, rv_gs_work *w, rv_gid id, rv_gid entry, int entry_level,
                 uint32_t ef_construction);

/* A node's level, drawn from a uniform u in [0, 1): floor(-ln(u) / ln(m)),
 * clamped to RV_GS_LEVEL_MAX. */
int rv_gs_random_level(double u, uint32_t m);

#endif
