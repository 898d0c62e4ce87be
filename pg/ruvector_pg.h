/*
 * ruvector_pg.h: the PostgreSQL extension's internal header.
 *
 * The extension is a thin shell: the vector type and its operators
 * (type.c) call the core's distance kernels; the ruhnsw access method keeps
 * an HNSW graph in index pages (page.c) and implements the core's graph
 * store (src/index/graph_store.h) over them, so that the search loop,
 * neighbour selection and insertion are the core's (graph_search.c).
 *
 * PAGES. Block 0 is the meta page (RvMeta). Every other block holds node
 * tuples, one per indexed heap row, of a size fixed by the node's level:
 *   RvNode header (level, flags, heap TID)
 *   the vector: dim floats
 *   links: for each level l = 0..level, 2*m (l = 0) or m (l > 0) item
 *   pointers to other nodes; a row ends at the first invalid one.
 * A node's id (the core's rv_gid) is its block << 16 | line pointer. Tuples
 * never move and never change size, so a link rewrite is a memcpy into the
 * page, and an id stays valid for the life of the index.
 *
 * LOCKING PROTOCOL.
 *   - Every read or write of a page holds its buffer lock (share to read,
 *     exclusive to write) for one node only; the core never holds two.
 *     So a reader sees a node's links before or after a rewrite, never a
 *     mix.
 *   - Writers (inserts, VACUUM's repair) take the heavyweight page lock
 *     RV_WRITE_LOCK (ExclusiveLock on block 0) for the whole insert or
 *     repair: the core's insertion reads links, then writes them back, and
 *     must not race another writer. Scans take no heavyweight lock.
 *   - The meta page's entry point changes under RV_WRITE_LOCK and its
 *     buffer lock; scans read it under the buffer lock.
 *
 * WAL. Every change after the build is one Generic WAL record
 * (GenericXLogStart/Finish) per page; the build writes pages without WAL and
 * then logs them all (log_newpage_range), as the in-core AMs do. Replay is
 * PostgreSQL's, so crash recovery, streaming standbys and base backups need
 * nothing of ours.
 */
#ifndef RUVECTOR_PG_H
#define RUVECTOR_PG_H

#include "postgres.h"

#include "access/amapi.h"
#include "access/generic_xlog.h"
#include "access/reloptions.h"
#include "nodes/execnodes.h"
#include "storage/bufmgr.h"
#include "utils/relcache.h"

#include "../src/index/graph_store.h"

/* ---- the type (type.c) ---- */
#define RV_MAX_DIM 16000

typedef struct RvVector {
	int32 vl_len_; /* varlena header */
	int16 dim;     /* number of floats */
	int16 unused;  /* zero */
	float x[FLEXIBLE_ARRAY_MEMBER];
} RvVector;

#define RV_VECTOR_SIZE(d) (offsetof(RvVector, x) + sizeof(float) * (d))
#define DatumGetRvVector(x) ((RvVector *)PG_DETOAST_DATUM(x))
#define PG_GETARG_RVVECTOR_P(n) DatumGetRvVector(PG_GETARG_DATUM(n))

RvVector *rv_vector_new(int dim);
Datum ruvector_out(PG_FUNCTION_ARGS);
/* Checks a dimension against a typmod and the values for NaN and
 * infinity; raises the error a user sees otherwise. */
void rv_vector_check(const float *x, int dim, int32 typmod);

/* ---- the access method ---- */
#define RV_META_BLKNO 0
#define RV_WRITE_LOCK RV_META_BLKNO
#define RV_MAGIC 0x52564831u /* "RVH1" */
#define RV_VERSION 1
#define RV_DEFAULT_M 16
#define RV_DEFAULT_EFC 64
#define RV_DEFAULT_EF 40
#define RV_NODE_DELETED 0x1

typedef struct RvMeta {
	uint32 magic;
	uint32 version;
	uint32 dim;
	uint32 m;
	uint32 ef_construction;
	uint32 metric;        /* rv_metric */
	uint64 entry;         /* rv_gid of the entry point, RV_GID_NONE when empty */
	int32 entry_level;
	BlockNumber last_block; /* where inserts look for room first */
	uint64 nodes;          /* nodes written when the meta page was last written */
	uint32 codes;          /* RV_CODES_FLOAT32 or RV_CODES_INT8 */
	uint32 qparam_bytes;   /* int8: the quantizer's parameters follow this struct */
} RvMeta;

#define RV_CODES_FLOAT32 0
#define RV_CODES_INT8 1
/* Rows the int8 quantizer trains on at build time (a reservoir sample). */
#define RV_TRAIN_ROWS 20000

typedef struct RvNode {
	uint8 level;
	uint8 flags;              /* RV_NODE_DELETED */
	ItemPointerData heaptid;  /* the heap row */
	/* then float vec[dim], then the link rows */
} RvNode;

#define RV_NODE_HDR MAXALIGN_DOWN(sizeof(RvNode) + 3) /* 8: floats start 4-aligned */

typedef struct RvOptions {
	int32 vl_len_;
	int m;
	int ef_construction;
	int codes_offset;      /* the "codes" string: 'float32' or 'int8' */
} RvOptions;

extern int rv_ef_search;

/* The index as the core sees it, plus the write state. */
typedef struct RvStore {
	Relation index;
	rv_graph_store gs;
	RvMeta meta;           /* a copy, read at open */
	bool building;         /* writes skip WAL (logged at the end) */
	BlockNumber nblocks;   /* the index's length when last asked (read_node_buffer) */
	Size vec_bytes;        /* bytes of a node's vector or code */
	Size node_size[RV_GS_LEVEL_MAX + 1]; /* bytes of a node by level */
	rv_quant quant;        /* int8 codes: the trained quantizer */
	uint8 *code;           /* one code (quant.code_bytes) */
	ItemPointerData cur_heaptid; /* the row store_node writes */
} RvStore;

/* page.c */
void rv_store_open(RvStore *st, Relation index, bool building);
void rv_meta_read(Relation index, RvMeta *meta);
void rv_meta_write(RvStore *st);
void rv_meta_init(Relation index, ForkNumber fork, const RvMeta *meta, const rv_quant *quant, bool wal);
/* Set up st->quant for meta's codes: from the parameters that follow the
 * meta struct (params, or NULL to read them from the meta page). */
void rv_store_quant(RvStore *st, const unsigned char *params);
Size rv_node_size(const RvMeta *meta, int level);
rv_metric rv_index_metric(Relation index);
/* A query or a row as the index stores it (normalised for cosine);
 * false for a zero vector under cosine. */
bool rv_prepare_vector(rv_metric metric, const RvVector *v, float *out);
/* Raise the error for a core code. */
void rv_raise(int code, const char *what) pg_attribute_noreturn();
rv_gid rv_gid_make(BlockNumber b, OffsetNumber o);
BlockNumber rv_gid_block(rv_gid id);
OffsetNumber rv_gid_offset(rv_gid id);
/* Insert one row into the graph (under RV_WRITE_LOCK). */
void rv_insert_row(RvStore *st, rv_gs_work *w, const float *vec, ItemPointer heaptid);
Page rv_page_begin(RvStore *st, Buffer buf, GenericXLogState **xs, bool fresh);
void rv_page_end(RvStore *st, Buffer buf, GenericXLogState *xs);

/* build.c, scan.c, vacuum.c */
IndexBuildResult *rv_build(Relation heap, Relation index, IndexInfo *info);
void rv_buildempty(Relation index);
bool rv_aminsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid, Relation heap,
                 IndexUniqueCheck checkUnique, bool indexUnchanged, IndexInfo *info);
IndexScanDesc rv_beginscan(Relation index, int nkeys, int norderbys);
void rv_rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys);
bool rv_gettuple(IndexScanDesc scan, ScanDirection dir);
void rv_endscan(IndexScanDesc scan);
IndexBulkDeleteResult *rv_bulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
                                     IndexBulkDeleteCallback callback, void *state);
IndexBulkDeleteResult *rv_vacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats);

#endif
