/*
 * page.c: the graph in index pages, as the core's graph store.
 *
 * The three operations of rv_graph_store (graph_store.h) over the page
 * layout described in ruvector_pg.h: load copies a node's vector and one
 * link row out under a share lock; store_node appends a tuple to the last
 * page with room (extending the relation under the extension lock when
 * none has); store_links rewrites one row in place. Every write goes
 * through rv_page_begin/rv_page_end: one Generic WAL record per page, or,
 * during the build, a plain dirty buffer that the build logs at the end.
 *
 * Errors inside an operation are PostgreSQL's (ereport unwinds through the
 * core, which holds nothing that needs releasing: its memory is palloc'd,
 * see the allocator in am.c). A node that is not where an id says (a page
 * past the end, an unused line pointer) is index corruption and says so.
 */
#include "ruvector_pg.h"

#include <math.h>

#include "access/relation.h"
#include "common/pg_prng.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/rel.h"

#include "../src/kernels/kernels.h"

rv_gid rv_gid_make(BlockNumber b, OffsetNumber o) { return ((uint64)b << 16) | o; }
BlockNumber rv_gid_block(rv_gid id) { return (BlockNumber)(id >> 16); }
OffsetNumber rv_gid_offset(rv_gid id) { return (OffsetNumber)(id & 0xffff); }

void rv_raise(int code, const char *what)
{
	if (code == RV_ENOMEM)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("ruhnsw: out of memory while %s", what)));
	ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
	                errmsg("ruhnsw: %s failed: %s", what, rv_strerror(code))));
}

static uint32 links_at(const RvMeta *meta, int l) { return l == 0 ? 2 * meta->m : meta->m; }

/* Bytes of a node's vector: dim floats, or the core's int8 code (a byte
 * a dimension plus the exact squared norm, a multiple of 8 bytes). */
static Size vec_bytes(const RvMeta *meta)
{
	if (meta->codes == RV_CODES_INT8) {
		rv_quant q;
		rv_quant_init(&q, RV_QUANT_INT8, meta->dim, (rv_metric)meta->metric, 0, NULL);
		return q.code_bytes;
	}
	return sizeof(float) * meta->dim;
}

Size rv_node_size(const RvMeta *meta, int level)
{
	Size links = 0;
	for (int l = 0; l <= level; l++)
		links += links_at(meta, l);
	return RV_NODE_HDR + vec_bytes(meta) + sizeof(ItemPointerData) * links;
}

static char *node_vec(RvNode *n) { return (char *)n + RV_NODE_HDR; }

static ItemPointerData *node_links_at(const RvMeta *meta, Size vbytes, RvNode *n, int level)
{
	char *p = (char *)n + RV_NODE_HDR + vbytes;
	for (int l = 0; l < level; l++)
		p += sizeof(ItemPointerData) * links_at(meta, l);
	return (ItemPointerData *)p;
}

static ItemPointerData *node_links(const RvStore *st, RvNode *n, int level)
{
	return node_links_at(&st->meta, st->vec_bytes, n, level);
}

/* Sizes the hot path would otherwise recompute on every node read. */
static void store_sizes(RvStore *st)
{
	st->vec_bytes = vec_bytes(&st->meta);
	for (int l = 0; l <= RV_GS_LEVEL_MAX; l++)
		st->node_size[l] = rv_node_size(&st->meta, l);
}

Page rv_page_begin(RvStore *st, Buffer buf, GenericXLogState **xs, bool fresh)
{
	if (st->building) {
		*xs = NULL;
		return BufferGetPage(buf);
	}
	*xs = GenericXLogStart(st->index);
	return GenericXLogRegisterBuffer(*xs, buf, fresh ? GENERIC_XLOG_FULL_IMAGE : 0);
}

void rv_page_end(RvStore *st, Buffer buf, GenericXLogState *xs)
{
	if (xs)
		GenericXLogFinish(xs);
	else
		MarkBufferDirty(buf);
	(void)st;
}

void rv_meta_read(Relation index, RvMeta *meta)
{
	Buffer buf = ReadBuffer(index, RV_META_BLKNO);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	memcpy(meta, PageGetContents(BufferGetPage(buf)), sizeof *meta);
	UnlockReleaseBuffer(buf);
	if (meta->magic != RV_MAGIC)
		ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
		                errmsg("index \"%s\" is not a ruhnsw index", RelationGetRelationName(index))));
	if (meta->version != RV_VERSION)
		ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
		                errmsg("ruhnsw index \"%s\" has version %u; this build reads %d",
		                       RelationGetRelationName(index), meta->version, RV_VERSION)));
}

/* The meta struct, then (int8 codes, at creation only) the quantizer's
 * parameters. */
static void meta_fill(Page page, const RvMeta *meta, const rv_quant *quant)
{
	char *c = PageGetContents(page);
	memcpy(c, meta, sizeof *meta);
	if (quant)
		rv_quant_save(quant, (unsigned char *)c + sizeof *meta);
	((PageHeader)page)->pd_lower = (c + sizeof *meta + meta->qparam_bytes) - (char *)page;
}

void rv_store_quant(RvStore *st, const unsigned char *params)
{
	store_sizes(st);
	if (st->meta.codes != RV_CODES_INT8)
		return;
	if (st->meta.qparam_bytes == 0)
		ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
		                errmsg("ruhnsw index \"%s\" has untrained int8 codes", RelationGetRelationName(st->index)),
		                errhint("REINDEX it once the table has rows.")));
	rv_quant_init(&st->quant, RV_QUANT_INT8, st->meta.dim, (rv_metric)st->meta.metric, 0, rv_kernels_active());
	st->code = palloc(st->quant.code_bytes);
	if (params) {
		/* the build: take the trained parameters as they are */
		char why[128];
		int rc = rv_quant_load(&st->quant, params, st->meta.qparam_bytes, why, sizeof why);
		if (rc)
			ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("ruhnsw: quantizer: %s", why)));
		return;
	}
	Buffer buf = ReadBuffer(st->index, RV_META_BLKNO);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	unsigned char *copy = palloc(st->meta.qparam_bytes);
	memcpy(copy, PageGetContents(BufferGetPage(buf)) + sizeof(RvMeta), st->meta.qparam_bytes);
	UnlockReleaseBuffer(buf);
	char why[128];
	int rc = rv_quant_load(&st->quant, copy, st->meta.qparam_bytes, why, sizeof why);
	if (rc)
		ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
		                errmsg("ruhnsw index \"%s\": int8 parameters: %s", RelationGetRelationName(st->index), why)));
}

void rv_meta_write(RvStore *st)
{
	GenericXLogState *xs;
	Buffer buf = ReadBuffer(st->index, RV_META_BLKNO);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	Page page = rv_page_begin(st, buf, &xs, false);
	meta_fill(page, &st->meta, NULL);
	rv_page_end(st, buf, xs);
	UnlockReleaseBuffer(buf);
}

void rv_meta_init(Relation index, ForkNumber fork, const RvMeta *meta, const rv_quant *quant, bool wal)
{
	Buffer buf = ReadBufferExtended(index, fork, P_NEW, RBM_NORMAL, NULL);
	Assert(BufferGetBlockNumber(buf) == RV_META_BLKNO);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	if (wal) {
		GenericXLogState *xs = GenericXLogStart(index);
		Page page = GenericXLogRegisterBuffer(xs, buf, GENERIC_XLOG_FULL_IMAGE);
		PageInit(page, BLCKSZ, 0);
		meta_fill(page, meta, quant);
		GenericXLogFinish(xs);
	} else {
		Page page = BufferGetPage(buf);
		PageInit(page, BLCKSZ, 0);
		meta_fill(page, meta, quant);
		MarkBufferDirty(buf);
	}
	UnlockReleaseBuffer(buf);
}

/* The node at id on a locked page, or an error naming the index. */
static RvNode *node_at(RvStore *st, Page page, rv_gid id)
{
	OffsetNumber off = rv_gid_offset(id);
	if (off < FirstOffsetNumber || off > PageGetMaxOffsetNumber(page))
		ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
		                errmsg("ruhnsw index \"%s\": link to a missing node (%u,%u)",
		                       RelationGetRelationName(st->index), rv_gid_block(id), off)));
	ItemId iid = PageGetItemId(page, off);
	RvNode *n = (RvNode *)PageGetItem(page, iid);
	if (!ItemIdIsUsed(iid) || n->level > RV_GS_LEVEL_MAX || ItemIdGetLength(iid) != st->node_size[n->level])
		ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
		                errmsg("ruhnsw index \"%s\": malformed node (%u,%u)",
		                       RelationGetRelationName(st->index), rv_gid_block(id), off)));
	return n;
}

static Buffer read_node_buffer(RvStore *st, rv_gid id)
{
	BlockNumber b = rv_gid_block(id);
	/* The relation's length costs a system call (lseek), so it is cached
	 * and asked again only for a block past the cached end: the index only
	 * grows while it is open. */
	if (b >= st->nblocks)
		st->nblocks = RelationGetNumberOfBlocks(st->index);
	if (b == RV_META_BLKNO || b >= st->nblocks)
		ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
		                errmsg("ruhnsw index \"%s\": link to block %u, past its end",
		                       RelationGetRelationName(st->index), b)));
	return ReadBuffer(st->index, b);
}

static int op_load(void *ctx, rv_gid id, int level, float *vec, rv_gid *links, uint32_t cap, uint32_t *n,
                   bool *deleted)
{
	RvStore *st = ctx;
	Buffer buf = read_node_buffer(st, id);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	RvNode *node = node_at(st, BufferGetPage(buf), id);
	*deleted = (node->flags & RV_NODE_DELETED) != 0;
	if (vec && st->meta.codes == RV_CODES_INT8)
		rv_int8_decode(&st->quant, (const uint8_t *)node_vec(node), vec);
	else if (vec)
		memcpy(vec, node_vec(node), sizeof(float) * st->meta.dim);
	if (links) {
		uint32 k = 0;
		if (level <= node->level) {
			ItemPointerData *row = node_links(st, node, level);
			uint32 max = Min(cap, links_at(&st->meta, level));
			for (; k < max && ItemPointerIsValid(&row[k]); k++)
				links[k] = rv_gid_make(ItemPointerGetBlockNumberNoCheck(&row[k]),
				                       ItemPointerGetOffsetNumberNoCheck(&row[k]));
		}
		*n = k;
	}
	UnlockReleaseBuffer(buf);
	CHECK_FOR_INTERRUPTS();
	return 0;
}

static void write_row(const RvStore *st, RvNode *node, int level, const rv_gid *links, uint32 n)
{
	ItemPointerData *row = node_links(st, node, level);
	uint32 cap = links_at(&st->meta, level);
	for (uint32 i = 0; i < cap; i++) {
		if (i < n)
			ItemPointerSet(&row[i], rv_gid_block(links[i]), rv_gid_offset(links[i]));
		else
			ItemPointerSetInvalid(&row[i]);
	}
}

static int op_store_links(void *ctx, rv_gid id, int level, const rv_gid *links, uint32_t n)
{
	RvStore *st = ctx;
	GenericXLogState *xs;
	Buffer buf = read_node_buffer(st, id);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	Page page = rv_page_begin(st, buf, &xs, false);
	RvNode *node = node_at(st, page, id);
	if (level <= node->level)
		write_row(st, node, level, links, n);
	rv_page_end(st, buf, xs);
	UnlockReleaseBuffer(buf);
	return 0;
}

static int op_store_node(void *ctx, const float *vec, int level, const rv_gid *const *links, const uint32_t *nlinks,
                         rv_gid *id)
{
	RvStore *st = ctx;
	Size sz = st->node_size[level];
	if (sz > BLCKSZ - SizeOfPageHeaderData - sizeof(ItemIdData))
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
		                errmsg("ruhnsw: a node of %u dimensions and m = %u needs %zu bytes, more than a page",
		                       st->meta.dim, st->meta.m, sz),
		                errhint("Use fewer dimensions or a smaller m.")));
	RvNode *tmp = palloc0(sz);
	tmp->level = (uint8)level;
	tmp->heaptid = st->cur_heaptid;
	if (st->meta.codes == RV_CODES_INT8)
		rv_int8_encode(&st->quant, vec, (uint8_t *)node_vec(tmp));
	else
		memcpy(node_vec(tmp), vec, sizeof(float) * st->meta.dim);
	for (int l = 0; l <= level; l++)
		write_row(st, tmp, l, links[l], nlinks[l]);

	GenericXLogState *xs;
	Buffer buf = InvalidBuffer;
	Page page = NULL;
	bool fresh = false;
	BlockNumber last = st->meta.last_block;
	if (last != InvalidBlockNumber && last != RV_META_BLKNO) {
		buf = ReadBuffer(st->index, last);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		if (PageGetFreeSpace(BufferGetPage(buf)) < sz) {
			UnlockReleaseBuffer(buf);
			buf = InvalidBuffer;
		}
	}
	if (buf == InvalidBuffer) {
		LockRelationForExtension(st->index, ExclusiveLock);
		buf = ReadBuffer(st->index, P_NEW);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		UnlockRelationForExtension(st->index, ExclusiveLock);
		fresh = true;
	}
	page = rv_page_begin(st, buf, &xs, fresh);
	if (fresh)
		PageInit(page, BLCKSZ, 0);
	OffsetNumber off = PageAddItem(page, (Item)tmp, sz, InvalidOffsetNumber, false, false);
	if (off == InvalidOffsetNumber)
		elog(ERROR, "ruhnsw: failed to add a node to index \"%s\"", RelationGetRelationName(st->index));
	BlockNumber blk = BufferGetBlockNumber(buf);
	rv_page_end(st, buf, xs);
	UnlockReleaseBuffer(buf);
	pfree(tmp);
	st->meta.nodes++;
	if (st->meta.last_block != blk) {
		st->meta.last_block = blk;
	}
	*id = rv_gid_make(blk, off);
	return 0;
}

rv_metric rv_index_metric(Relation index)
{
	FmgrInfo *proc = index_getprocinfo(index, 1, 1);
	return (rv_metric)DatumGetInt32(FunctionCall1(proc, (Datum)0));
}

void rv_store_open(RvStore *st, Relation index, bool building)
{
	memset(st, 0, sizeof *st);
	st->index = index;
	st->building = building;
	if (!building) {
		rv_meta_read(index, &st->meta);
		rv_store_quant(st, NULL);
	}
	store_sizes(st);
	st->gs.ctx = st;
	st->gs.dim = st->meta.dim;
	st->gs.m = st->meta.m;
	st->gs.metric = (rv_metric)st->meta.metric;
	st->gs.load = op_load;
	st->gs.store_node = op_store_node;
	st->gs.store_links = op_store_links;
}

bool rv_prepare_vector(rv_metric metric, const RvVector *v, float *out)
{
	memcpy(out, v->x, sizeof(float) * v->dim);
	if (metric != RV_METRIC_COSINE)
		return true;
	double ss = 0;
	for (int i = 0; i < v->dim; i++)
		ss += (double)v->x[i] * v->x[i];
	if (ss == 0)
		return false;
	double inv = 1.0 / sqrt(ss);
	for (int i = 0; i < v->dim; i++)
		out[i] = (float)(v->x[i] * inv);
	return true;
}

/* Insert one row: the core links it; the meta page moves the entry point
 * when the new node is above it, and records where the next insert should
 * look for room. The caller holds RV_WRITE_LOCK. */
void rv_insert_row(RvStore *st, rv_gs_work *w, const float *vec, ItemPointer heaptid)
{
	int level = rv_gs_random_level(pg_prng_double(&pg_global_prng_state), st->meta.m);
	rv_gid id;
	BlockNumber before = st->meta.last_block;
	st->cur_heaptid = *heaptid;
	int rc = rv_gs_insert(&st->gs, w, vec, level, st->meta.entry, st->meta.entry_level, st->meta.ef_construction,
	                      &id);
	if (rc)
		rv_raise(rc, "inserting into the graph");
	bool moved = st->meta.entry == RV_GID_NONE || level > st->meta.entry_level;
	if (moved) {
		st->meta.entry = id;
		st->meta.entry_level = level;
	}
	if (!st->building && (moved || before != st->meta.last_block))
		rv_meta_write(st);
}
