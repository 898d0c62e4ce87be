/*
 * scan.c: ORDER BY col <op> const LIMIT k through a ruhnsw index.
 *
 * A scan searches the graph once with a beam of ruvector.ef_search and hands
 * out the results nearest first. When the executor wants more rows than that
 * (a WHERE the heap rows fail, or LIMIT above ef_search), the scan searches
 * again with a beam twice as wide and hands out what it has not handed out
 * yet, until a search comes back with fewer nodes than its beam: then the
 * whole reachable graph has been returned. So a selective WHERE still yields
 * its k rows, at the cost of wider searches, and the first rows cost only
 * the first search. Rows of a wider search may be nearer than rows already
 * handed out (the order is the index's, as approximate as its recall).
 *
 * Each heap row comes back once per scan: the node ids already handed out
 * are kept in a hash table (the core's).
 */
#include "ruvector_pg.h"

#include "access/relscan.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "../src/util/hashtab.h"

/* ruvector.ef_search (registered in am.c): the first search's beam. */
int rv_ef_search = RV_DEFAULT_EF;

typedef struct RvScan {
	RvStore st;
	rv_gs_work w;
	MemoryContext mc;   /* everything of the scan: work space, results */
	float *q;           /* the query, prepared as the index stores rows */
	bool started;
	bool done;          /* the last search returned the reachable graph */
	uint32 ef;          /* beam of the last search */
	rv_gcand *res;      /* its results, nearest first */
	size_t nres, pos;
	rv_hashtab given;   /* node ids handed out: value = index into gids */
	rv_gid *gids;
	size_t ngids, gcap;
} RvScan;

IndexScanDesc rv_beginscan(Relation index, int nkeys, int norderbys)
{
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	RvScan *so = palloc0(sizeof *so);
	so->mc = AllocSetContextCreate(CurrentMemoryContext, "ruhnsw scan", ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(so->mc);
	rv_store_open(&so->st, index, false);
	so->q = palloc(sizeof(float) * so->st.meta.dim);
	MemoryContextSwitchTo(old);
	scan->opaque = so;
	return scan;
}

void rv_rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys)
{
	RvScan *so = scan->opaque;
	if (keys && scan->numberOfKeys > 0)
		memmove(scan->keyData, keys, scan->numberOfKeys * sizeof(ScanKeyData));
	if (orderbys && scan->numberOfOrderBys > 0)
		memmove(scan->orderByData, orderbys, scan->numberOfOrderBys * sizeof(ScanKeyData));
	(void)nkeys;
	(void)norderbys;
	so->started = false;
	so->done = false;
	so->nres = so->pos = 0;
	so->ngids = 0;
	if (so->given.cap)
		memset(so->given.b, 0xff, so->given.cap * sizeof *so->given.b);
	so->given.count = 0;
}

static bool gid_eq(const void *ctx, uint32_t value, const void *key, size_t len)
{
	(void)len;
	return ((const RvScan *)ctx)->gids[value] == *(const rv_gid *)key;
}

/* Record id as handed out; false when it already was. */
static bool give(RvScan *so, rv_gid id)
{
	uint32_t h = (uint32_t)rv_hash_bytes(&id, sizeof id);
	bool found;
	size_t b = rv_hashtab_probe(&so->given, h, gid_eq, so, &id, sizeof id, &found);
	if (found)
		return false;
	if (so->ngids == so->gcap) {
		so->gcap = so->gcap ? so->gcap * 2 : 64;
		so->gids = so->gids ? repalloc_huge(so->gids, so->gcap * sizeof *so->gids)
		                    : palloc(so->gcap * sizeof *so->gids);
	}
	if (!rv_hashtab_insert(&so->given, &b, h, (uint32_t)so->ngids))
		rv_raise(RV_ENOMEM, "scanning");
	so->gids[so->ngids++] = id;
	return true;
}

static void search(RvScan *so)
{
	RvMeta meta;
	rv_meta_read(so->st.index, &meta);
	if (so->res)
		pfree(so->res);
	so->res = palloc_extended(sizeof(rv_gcand) * so->ef, MCXT_ALLOC_HUGE);
	int rc = rv_gs_search(&so->st.gs, &so->w, so->q, meta.entry, meta.entry_level, so->ef, so->res, so->ef,
	                      &so->nres);
	if (rc)
		rv_raise(rc, "searching");
	so->pos = 0;
	/* Fewer than the beam: every reachable node is in (deleted ones are
	 * walked but not returned, so count them as found). */
	if (so->w.n < so->ef)
		so->done = true;
}

static void start(IndexScanDesc scan, RvScan *so)
{
	so->started = true;
	so->ef = (uint32)rv_ef_search;
	if (scan->numberOfOrderBys == 0 || (scan->orderByData[0].sk_flags & SK_ISNULL)) {
		/* No query (ORDER BY col <op> NULL): every row still has to come
		 * back, in any order; a zero query does that. */
		memset(so->q, 0, sizeof(float) * so->st.meta.dim);
	} else {
		RvVector *v = DatumGetRvVector(scan->orderByData[0].sk_argument);
		if ((uint32)v->dim != so->st.meta.dim)
			ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
			                errmsg("expected %u dimensions, not %d", so->st.meta.dim, v->dim)));
		if (!rv_prepare_vector((rv_metric)so->st.meta.metric, v, so->q))
			memset(so->q, 0, sizeof(float) * so->st.meta.dim);
	}
	search(so);
}

/* The heap row of node id, or false when the node is deleted. */
static bool node_heaptid(RvScan *so, rv_gid id, ItemPointer out)
{
	Buffer buf = ReadBuffer(so->st.index, rv_gid_block(id));
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	Page page = BufferGetPage(buf);
	bool ok = false;
	OffsetNumber off = rv_gid_offset(id);
	if (off >= FirstOffsetNumber && off <= PageGetMaxOffsetNumber(page)) {
		RvNode *n = (RvNode *)PageGetItem(page, PageGetItemId(page, off));
		if (!(n->flags & RV_NODE_DELETED) && ItemPointerIsValid(&n->heaptid)) {
			*out = n->heaptid;
			ok = true;
		}
	}
	UnlockReleaseBuffer(buf);
	return ok;
}

bool rv_gettuple(IndexScanDesc scan, ScanDirection dir)
{
	RvScan *so = scan->opaque;
	(void)dir;
	if (so->st.meta.entry == RV_GID_NONE && so->st.meta.dim == 0)
		return false;
	MemoryContext old = MemoryContextSwitchTo(so->mc);
	if (!so->started)
		start(scan, so);
	for (;;) {
		while (so->pos < so->nres) {
			rv_gid id = so->res[so->pos++].id;
			if (!give(so, id))
				continue;
			if (node_heaptid(so, id, &scan->xs_heaptid)) {
				scan->xs_recheck = false;
				scan->xs_recheckorderby = false;
				MemoryContextSwitchTo(old);
				return true;
			}
		}
		if (so->done || so->nres == 0)
			break;
		so->ef = so->ef > UINT32_MAX / 2 ? UINT32_MAX : so->ef * 2;
		search(so);
	}
	MemoryContextSwitchTo(old);
	return false;
}

void rv_endscan(IndexScanDesc scan)
{
	RvScan *so = scan->opaque;
	MemoryContextDelete(so->mc);
	pfree(so);
	scan->opaque = NULL;
}
