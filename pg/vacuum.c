/*
 * vacuum.c: VACUUM for ruhnsw, and the graph checker.
 *
 * VACUUM, under RV_WRITE_LOCK (inserts wait; scans go on):
 *   1. Mark. Every node whose heap row VACUUM removes gets the deleted flag
 *      and loses its heap TID (the TID may soon name another row), one
 *      Generic WAL record per page changed. The flag alone keeps scans
 *      correct: a deleted node is walked, never returned.
 *   2. Repair. Every live node that links to a node deleted in step 1 gets
 *      that link replaced, on each level, by the core's repair
 *      (rv_gs_repair: its surviving links plus the deleted node's links,
 *      pruned by the insert heuristic), so the graph stays as navigable as
 *      it was and nothing links to a deleted node any more.
 *   3. Entry. If the entry point was deleted, the live node of the highest
 *      level becomes the entry.
 *   4. Reconnect. A live node that the entry no longer reaches on level 0
 *      is linked in again as an insert would be (rv_gs_relink).
 * Deleted nodes stay in their pages as tombstones: ids never move (a scan
 * in flight may still hold one), and their space is not yet reused.
 *
 * The checker (ruhnsw_check) reads every node and reports: nodes, deleted
 * nodes, links, links that do not name a node of a high enough level,
 * whether the entry point is sound, and live nodes unreachable from the
 * entry point over the links of every level (what a search can reach).
 */
#include "ruvector_pg.h"

#include "access/genam.h"
#include "access/table.h"
#include "catalog/index.h"
#include "catalog/pg_am.h"
#include "commands/defrem.h"
#include "commands/vacuum.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "../src/util/hashtab.h"

/* A set of node ids (the core's hash table over an array). */
typedef struct GidSet {
	rv_hashtab t;
	rv_gid *ids;
	size_t n, cap;
} GidSet;

static bool set_eq(const void *ctx, uint32_t value, const void *key, size_t len)
{
	(void)len;
	return ((const GidSet *)ctx)->ids[value] == *(const rv_gid *)key;
}

static bool set_has(GidSet *s, rv_gid id)
{
	uint32_t h = (uint32_t)rv_hash_bytes(&id, sizeof id);
	return rv_hashtab_find(&s->t, h, set_eq, s, &id, sizeof id) != RV_HASHTAB_NONE;
}

static void set_add(GidSet *s, rv_gid id)
{
	uint32_t h = (uint32_t)rv_hash_bytes(&id, sizeof id);
	bool found;
	size_t b = rv_hashtab_probe(&s->t, h, set_eq, s, &id, sizeof id, &found);
	if (found)
		return;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		s->ids = s->ids ? repalloc_huge(s->ids, s->cap * sizeof *s->ids) : palloc(s->cap * sizeof *s->ids);
	}
	if (!rv_hashtab_insert(&s->t, &b, h, (uint32_t)s->n))
		rv_raise(RV_ENOMEM, "vacuuming");
	s->ids[s->n++] = id;
}

static bool gone(void *ctx, rv_gid id) { return set_has(ctx, id); }

/* The index of id in s->ids, or RV_HASHTAB_NONE. */
static uint32_t set_find(GidSet *s, rv_gid id)
{
	uint32_t h = (uint32_t)rv_hash_bytes(&id, sizeof id);
	return rv_hashtab_find(&s->t, h, set_eq, s, &id, sizeof id);
}

/* Live nodes that nothing reaches from the entry, over the links of every
 * level (every link to them went to deleted nodes, or a repair pruned them
 * out), are linked in again on level 0, as inserts. levels[i] is the level
 * of live->ids[i]. */
static void reconnect(RvStore *st, rv_gs_work *w, GidSet *live, const uint8 *levels)
{
	if (st->meta.entry == RV_GID_NONE)
		return;
	GidSet seen;
	memset(&seen, 0, sizeof seen);
	rv_gid *row = palloc(sizeof(rv_gid) * 2 * st->meta.m);
	set_add(&seen, st->meta.entry);
	for (size_t qi = 0; qi < seen.n; qi++) {
		uint32_t at = set_find(live, seen.ids[qi]);
		int top = at == RV_HASHTAB_NONE ? 0 : levels[at];
		for (int l = 0; l <= top; l++) {
			uint32_t k;
			bool dd;
			int rc = st->gs.load(st, seen.ids[qi], l, NULL, row, 2 * st->meta.m, &k, &dd);
			if (rc)
				rv_raise(rc, "walking the graph");
			for (uint32_t j = 0; j < k; j++)
				if (!set_has(&seen, row[j]))
					set_add(&seen, row[j]);
		}
		vacuum_delay_point();
	}
	for (size_t i = 0; i < live->n; i++) {
		rv_gid id = live->ids[i];
		if (set_has(&seen, id))
			continue;
		int rc = rv_gs_relink(&st->gs, w, id, st->meta.entry, st->meta.entry_level, st->meta.ef_construction);
		if (rc)
			rv_raise(rc, "reconnecting a node");
	}
}

IndexBulkDeleteResult *rv_bulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
                                     IndexBulkDeleteCallback callback, void *state)
{
	Relation index = info->index;
	if (!stats)
		stats = palloc0(sizeof *stats);
	MemoryContext mc = AllocSetContextCreate(CurrentMemoryContext, "ruhnsw vacuum", ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(mc);
	LockPage(index, RV_WRITE_LOCK, ExclusiveLock);
	RvStore st;
	rv_store_open(&st, index, false);
	GidSet dead;
	memset(&dead, 0, sizeof dead);
	GidSet live; /* live nodes, and their levels beside them */
	memset(&live, 0, sizeof live);
	size_t lcap = 1024;
	uint8 *levels = palloc(lcap);
	rv_gid best = RV_GID_NONE;
	int best_level = -1;
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);

	for (BlockNumber b = RV_META_BLKNO + 1; b < nblocks; b++) {
		vacuum_delay_point();
		Buffer buf = ReadBufferExtended(index, MAIN_FORKNUM, b, RBM_NORMAL, info->strategy);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		Page page = BufferGetPage(buf);
		GenericXLogState *xs = NULL;
		OffsetNumber max = PageGetMaxOffsetNumber(page);
		for (OffsetNumber o = FirstOffsetNumber; o <= max; o++) {
			RvNode *n = (RvNode *)PageGetItem(page, PageGetItemId(page, o));
			if (n->flags & RV_NODE_DELETED)
				continue;
			if (callback(&n->heaptid, state)) {
				if (!xs) {
					xs = GenericXLogStart(index);
					page = GenericXLogRegisterBuffer(xs, buf, 0);
					n = (RvNode *)PageGetItem(page, PageGetItemId(page, o));
				}
				n->flags |= RV_NODE_DELETED;
				ItemPointerSetInvalid(&n->heaptid);
				set_add(&dead, rv_gid_make(b, o));
				stats->tuples_removed++;
			} else {
				set_add(&live, rv_gid_make(b, o));
				if (live.n > lcap) {
					lcap *= 2;
					levels = repalloc_huge(levels, lcap);
				}
				levels[live.n - 1] = n->level;
				if (n->level > best_level) {
					best_level = n->level;
					best = rv_gid_make(b, o);
				}
				stats->num_index_tuples++;
			}
		}
		if (xs)
			GenericXLogFinish(xs);
		UnlockReleaseBuffer(buf);
	}

	if (dead.n > 0) {
		rv_gs_work w;
		memset(&w, 0, sizeof w);
		for (size_t i = 0; i < live.n; i++) {
			rv_gid id = live.ids[i];
			int level = levels[i];
			vacuum_delay_point();
			for (int l = 0; l <= level; l++) {
				int rc = rv_gs_repair(&st.gs, &w, id, l, gone, &dead);
				if (rc)
					rv_raise(rc, "repairing the graph");
			}
		}
		if (st.meta.entry != RV_GID_NONE && set_has(&dead, st.meta.entry)) {
			st.meta.entry = best;
			st.meta.entry_level = best_level;
			rv_meta_write(&st);
		}
		reconnect(&st, &w, &live, levels);
	}
	UnlockPage(index, RV_WRITE_LOCK, ExclusiveLock);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(mc);
	stats->num_pages = nblocks;
	return stats;
}

IndexBulkDeleteResult *rv_vacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	if (info->analyze_only)
		return stats;
	if (!stats) {
		/* No bulk delete ran: count the live nodes for the statistics. */
		stats = palloc0(sizeof *stats);
		BlockNumber nblocks = RelationGetNumberOfBlocks(info->index);
		for (BlockNumber b = RV_META_BLKNO + 1; b < nblocks; b++) {
			Buffer buf = ReadBufferExtended(info->index, MAIN_FORKNUM, b, RBM_NORMAL, info->strategy);
			LockBuffer(buf, BUFFER_LOCK_SHARE);
			Page page = BufferGetPage(buf);
			OffsetNumber max = PageGetMaxOffsetNumber(page);
			for (OffsetNumber o = FirstOffsetNumber; o <= max; o++)
				if (!(((RvNode *)PageGetItem(page, PageGetItemId(page, o)))->flags & RV_NODE_DELETED))
					stats->num_index_tuples++;
			UnlockReleaseBuffer(buf);
		}
	}
	stats->num_pages = RelationGetNumberOfBlocks(info->index);
	return stats;
}

/* ruhnsw_check(index regclass) -> (nodes, deleted, links, bad_links,
 * entry_ok, unreachable): see the top of this file. */
PG_FUNCTION_INFO_V1(ruhnsw_check);
Datum ruhnsw_check(PG_FUNCTION_ARGS)
{
	Oid relid = PG_GETARG_OID(0);
	TupleDesc td;
	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "ruhnsw_check: return type must be a row type");
	td = BlessTupleDesc(td);
	Relation index = index_open(relid, AccessShareLock);
	if (index->rd_rel->relam != get_index_am_oid("ruhnsw", false))
		ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
		                errmsg("\"%s\" is not a ruhnsw index", RelationGetRelationName(index))));
	MemoryContext mc = AllocSetContextCreate(CurrentMemoryContext, "ruhnsw check", ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(mc);
	/* Writers wait, so the graph holds still. */
	LockPage(index, RV_WRITE_LOCK, ShareLock);
	RvMeta meta;
	rv_meta_read(index, &meta);
	int64 nodes = 0, deleted = 0, links = 0, bad = 0, unreachable = 0;
	bool entry_ok = meta.entry == RV_GID_NONE;
	int top = -1;
	GidSet all, seen;
	memset(&all, 0, sizeof all);
	memset(&seen, 0, sizeof seen);
	/* Levels by node, to check that a link on level l names a node that
	 * has level l: one array of (id, level) and a set for lookups. */
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);
	size_t cap = 1024, n = 0;
	uint8 *levels = palloc(cap);
	uint8 *flags = palloc(cap);
	for (BlockNumber b = RV_META_BLKNO + 1; b < nblocks; b++) {
		Buffer buf = ReadBuffer(index, b);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		Page page = BufferGetPage(buf);
		OffsetNumber max = PageGetMaxOffsetNumber(page);
		for (OffsetNumber o = FirstOffsetNumber; o <= max; o++) {
			ItemId iid = PageGetItemId(page, o);
			RvNode *nd = (RvNode *)PageGetItem(page, iid);
			if (!ItemIdIsUsed(iid) || ItemIdGetLength(iid) != rv_node_size(&meta, nd->level)) {
				bad++;
				continue;
			}
			if (n == cap) {
				cap *= 2;
				levels = repalloc(levels, cap);
				flags = repalloc(flags, cap);
			}
			set_add(&all, rv_gid_make(b, o));
			levels[n] = nd->level;
			flags[n] = nd->flags;
			n++;
			nodes++;
			if (nd->flags & RV_NODE_DELETED)
				deleted++;
			else if (nd->level > top)
				top = nd->level;
		}
		UnlockReleaseBuffer(buf);
	}
	RvStore st;
	rv_store_open(&st, index, false);
	rv_gid *row = palloc(sizeof(rv_gid) * 2 * meta.m);
	for (size_t i = 0; i < n; i++) {
		rv_gid id = all.ids[i];
		if (flags[i] & RV_NODE_DELETED)
			continue;
		for (int l = 0; l <= levels[i]; l++) {
			uint32_t k;
			bool dd;
			st.gs.load(&st, id, l, NULL, row, 2 * meta.m, &k, &dd);
			for (uint32_t j = 0; j < k; j++) {
				links++;
				uint32_t h = (uint32_t)rv_hash_bytes(&row[j], sizeof row[j]);
				uint32_t at = rv_hashtab_find(&all.t, h, set_eq, &all, &row[j], sizeof row[j]);
				if (at == RV_HASHTAB_NONE || levels[at] < l || (flags[at] & RV_NODE_DELETED) || row[j] == id)
					bad++;
			}
		}
	}
	if (meta.entry != RV_GID_NONE) {
		uint32_t h = (uint32_t)rv_hash_bytes(&meta.entry, sizeof meta.entry);
		uint32_t at = rv_hashtab_find(&all.t, h, set_eq, &all, &meta.entry, sizeof meta.entry);
		entry_ok = at != RV_HASHTAB_NONE && !(flags[at] & RV_NODE_DELETED) && levels[at] == meta.entry_level &&
		           meta.entry_level == top;
		/* Breadth-first over every level from the entry: seen.ids is the
		 * queue. */
		if (at != RV_HASHTAB_NONE) {
			set_add(&seen, meta.entry);
			for (size_t qi = 0; qi < seen.n; qi++) {
				uint32_t node = set_find(&all, seen.ids[qi]);
				for (int l = 0; l <= levels[node]; l++) {
					uint32_t k;
					bool dd;
					st.gs.load(&st, seen.ids[qi], l, NULL, row, 2 * meta.m, &k, &dd);
					for (uint32_t j = 0; j < k; j++)
						if (!set_has(&seen, row[j]) && set_has(&all, row[j]))
							set_add(&seen, row[j]);
				}
			}
		}
		for (size_t i = 0; i < n; i++)
			if (!(flags[i] & RV_NODE_DELETED) && !set_has(&seen, all.ids[i]))
				unreachable++;
	} else {
		unreachable = nodes - deleted;
	}
	UnlockPage(index, RV_WRITE_LOCK, ShareLock);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(mc);
	index_close(index, AccessShareLock);
	Datum values[6] = {Int64GetDatum(nodes), Int64GetDatum(deleted),  Int64GetDatum(links),
	                   Int64GetDatum(bad),   BoolGetDatum(entry_ok),  Int64GetDatum(unreachable)};
	bool nulls[6] = {false, false, false, false, false, false};
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, values, nulls)));
}
