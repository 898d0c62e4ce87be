/*
 * build.c: CREATE INDEX for ruhnsw.
 *
 * The build inserts every row through the same path as later inserts (the
 * core's rv_gs_insert over the pages), so there is one insertion algorithm
 * to trust. It writes pages without WAL, each change a dirty buffer, and
 * then logs every page once (log_newpage_range): the WAL of a build is the
 * size of the index rather than one record per link change.
 */
#include "ruvector_pg.h"

#include "access/tableam.h"
#include "common/pg_prng.h"
#include "access/xloginsert.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "../src/kernels/kernels.h"

typedef struct BuildState {
	RvStore st;
	rv_gs_work w;
	float *vec;
	double tuples;
	MemoryContext tmp;   /* reset after each row */
	MemoryContext work;  /* the core's work space, alive for the build */
} BuildState;

static void build_row(Relation index, ItemPointer tid, Datum *values, bool *isnull, bool alive, void *arg)
{
	BuildState *bs = arg;
	(void)index;
	(void)alive;
	if (isnull[0])
		return;
	MemoryContext old = MemoryContextSwitchTo(bs->tmp);
	RvVector *v = DatumGetRvVector(values[0]);
	if ((uint32)v->dim != bs->st.meta.dim)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
		                errmsg("expected %u dimensions, not %d", bs->st.meta.dim, v->dim)));
	if (rv_prepare_vector((rv_metric)bs->st.meta.metric, v, bs->vec)) {
		/* The work space grows in its own context so that the per-row
		 * reset does not free it. */
		MemoryContextSwitchTo(bs->work);
		rv_insert_row(&bs->st, &bs->w, bs->vec, tid);
		MemoryContextSwitchTo(bs->tmp);
		bs->tuples++;
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(bs->tmp);
}

/* int8 codes: a reservoir sample of the rows, for training. */
typedef struct SampleState {
	float *rows;     /* RV_TRAIN_ROWS x dim */
	size_t n;        /* rows held */
	double seen;     /* rows offered */
	uint32 dim;
	rv_metric metric;
	pg_prng_state rng;
} SampleState;

static void sample_row(Relation index, ItemPointer tid, Datum *values, bool *isnull, bool alive, void *arg)
{
	SampleState *ss = arg;
	(void)index;
	(void)tid;
	(void)alive;
	if (isnull[0])
		return;
	RvVector *v = DatumGetRvVector(values[0]);
	if ((uint32)v->dim != ss->dim)
		return; /* the build pass reports it */
	size_t at = ss->n;
	ss->seen++;
	if (ss->n == RV_TRAIN_ROWS) {
		double r = pg_prng_double(&ss->rng) * ss->seen;
		if (r >= RV_TRAIN_ROWS)
			goto out;
		at = (size_t)r;
	} else {
		ss->n++;
	}
	if (!rv_prepare_vector(ss->metric, v, ss->rows + at * ss->dim))
		memset(ss->rows + at * ss->dim, 0, sizeof(float) * ss->dim);
out:
	if ((Pointer)v != DatumGetPointer(values[0]))
		pfree(v);
}

/* Train the int8 quantizer on a sample of the table; its parameters go
 * after the meta struct. */
static void train_int8(Relation heap, Relation index, IndexInfo *info, RvMeta *meta, rv_quant *q)
{
	SampleState ss;
	memset(&ss, 0, sizeof ss);
	ss.dim = meta->dim;
	ss.metric = (rv_metric)meta->metric;
	ss.rows = palloc_extended(sizeof(float) * meta->dim * RV_TRAIN_ROWS, MCXT_ALLOC_HUGE);
	pg_prng_seed(&ss.rng, 0x5256);
	table_index_build_scan(heap, index, info, true, false, sample_row, &ss, NULL);
	rv_quant_init(q, RV_QUANT_INT8, meta->dim, (rv_metric)meta->metric, 0, rv_kernels_active());
	char why[160];
	int rc = rv_quant_train(q, ss.rows, ss.n, 1, 1, why, sizeof why);
	if (rc == RV_EINVAL)
		ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
		                errmsg("ruhnsw: int8 codes are trained on the table's rows when the index is built, "
		                       "and it has %zu: %s", ss.n, why),
		                errhint("Load the rows first, then create the index (or use codes = 'float32').")));
	if (rc)
		rv_raise(rc, "training the int8 codes");
	meta->qparam_bytes = (uint32)rv_quant_param_bytes(q);
	pfree(ss.rows);
}

static void meta_defaults(Relation index, RvMeta *meta)
{
	RvOptions *opts = (RvOptions *)index->rd_options;
	int32 typmod = TupleDescAttr(index->rd_att, 0)->atttypmod;
	if (typmod < 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_COLUMN_DEFINITION),
		                errmsg("column does not have dimensions"),
		                errhint("Declare the column as ruvector(n) to index it with ruhnsw.")));
	memset(meta, 0, sizeof *meta);
	meta->magic = RV_MAGIC;
	meta->version = RV_VERSION;
	meta->dim = (uint32)typmod;
	meta->m = opts ? (uint32)opts->m : RV_DEFAULT_M;
	meta->ef_construction = opts ? (uint32)opts->ef_construction : RV_DEFAULT_EFC;
	meta->metric = (uint32)rv_index_metric(index);
	meta->entry = RV_GID_NONE;
	meta->entry_level = -1;
	meta->last_block = InvalidBlockNumber;
	meta->codes = RV_CODES_FLOAT32;
	if (opts && opts->codes_offset && strcmp((char *)opts + opts->codes_offset, "int8") == 0)
		meta->codes = RV_CODES_INT8;
	if (meta->codes == RV_CODES_INT8) {
		rv_quant q;
		rv_quant_init(&q, RV_QUANT_INT8, meta->dim, (rv_metric)meta->metric, 0, NULL);
		if (sizeof(RvMeta) + rv_quant_param_bytes(&q) > BLCKSZ - MAXALIGN(SizeOfPageHeaderData) - 64)
			ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			                errmsg("ruhnsw: int8 codes take up to %d dimensions, not %u",
			                       (int)((BLCKSZ - 256) / 8), meta->dim)));
	}
	if (rv_node_size(meta, 0) > BLCKSZ / 2)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
		                errmsg("ruhnsw: %u dimensions with m = %u do not fit two nodes in a page", meta->dim,
		                       meta->m),
		                errhint("ruhnsw indexes up to about 1,000 dimensions.")));
}

IndexBuildResult *rv_build(Relation heap, Relation index, IndexInfo *info)
{
	BuildState bs;
	if (RelationGetNumberOfBlocks(index) != 0)
		elog(ERROR, "index \"%s\" already contains data", RelationGetRelationName(index));
	memset(&bs, 0, sizeof bs);
	RvMeta meta;
	rv_quant q;
	meta_defaults(index, &meta);
	if (meta.codes == RV_CODES_INT8)
		train_int8(heap, index, info, &meta, &q);
	rv_meta_init(index, MAIN_FORKNUM, &meta, meta.codes == RV_CODES_INT8 ? &q : NULL, false);
	rv_store_open(&bs.st, index, true);
	bs.st.meta = meta;
	unsigned char *params = NULL;
	if (meta.codes == RV_CODES_INT8) {
		params = palloc(meta.qparam_bytes);
		rv_quant_save(&q, params);
	}
	rv_store_quant(&bs.st, params); /* also sizes the store for this meta */
	bs.st.gs.dim = meta.dim;
	bs.st.gs.m = meta.m;
	bs.st.gs.metric = (rv_metric)meta.metric;
	bs.vec = palloc(sizeof(float) * meta.dim);
	bs.tmp = AllocSetContextCreate(CurrentMemoryContext, "ruhnsw build row", ALLOCSET_DEFAULT_SIZES);
	bs.work = AllocSetContextCreate(CurrentMemoryContext, "ruhnsw build work", ALLOCSET_DEFAULT_SIZES);

	double reltuples = table_index_build_scan(heap, index, info, true, true, build_row, &bs, NULL);

	rv_meta_write(&bs.st); /* building: a plain dirty buffer, logged below */
	if (RelationNeedsWAL(index))
		log_newpage_range(index, MAIN_FORKNUM, 0, RelationGetNumberOfBlocks(index), true);
	MemoryContextDelete(bs.tmp);
	MemoryContextDelete(bs.work);

	IndexBuildResult *res = palloc(sizeof *res);
	res->heap_tuples = reltuples;
	res->index_tuples = bs.tuples;
	return res;
}

void rv_buildempty(Relation index)
{
	RvMeta meta;
	meta_defaults(index, &meta);
	/* int8 codes on an unlogged table start untrained (qparam_bytes 0):
	 * inserts then ask for a REINDEX. */
	rv_meta_init(index, INIT_FORKNUM, &meta, NULL, true);
}
