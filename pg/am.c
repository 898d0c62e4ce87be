/*
 * am.c: the ruhnsw access method's entry points, its options, the
 * ruvector.ef_search setting, the planner's cost and the module's start-up.
 *
 * Start-up installs an allocator over palloc for the core (rv_set_allocator):
 * whatever the core allocates during a call lives in the caller's memory
 * context, so a PostgreSQL error that unwinds through the core (a buffer
 * read failing, a cancel) leaks nothing; the context reset frees it.
 *
 * The cost. The planner must choose this index only for ORDER BY col <op>
 * const; for anything else (a WHERE on the vector column) it cannot help,
 * and the cost says so. For an ordered scan the cost is the pages a search
 * of width ef_search touches, a few per level-0 hop.
 */
#include "ruvector_pg.h"

#include <float.h>
#include <math.h>

#include "access/amvalidate.h"
#include "catalog/pg_type.h"
#include "commands/vacuum.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "optimizer/paths.h"
#include "storage/lmgr.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/selfuncs.h"
#include "utils/rel.h"

PG_MODULE_MAGIC;


static relopt_kind rv_relopt_kind;

static void *pg_core_malloc(void *ctx, size_t n)
{
	(void)ctx;
	return MemoryContextAllocExtended(CurrentMemoryContext, n ? n : 1, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
}

static void *pg_core_realloc(void *ctx, void *p, size_t n)
{
	(void)ctx;
	if (!p)
		return pg_core_malloc(ctx, n);
	return repalloc_huge(p, n ? n : 1);
}

static void pg_core_free(void *ctx, void *p)
{
	(void)ctx;
	if (p)
		pfree(p);
}

static void validate_codes(const char *value)
{
	if (value && strcmp(value, "float32") != 0 && strcmp(value, "int8") != 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
		                errmsg("invalid value for ruhnsw option \"codes\": \"%s\"", value),
		                errdetail("Valid values are \"float32\" and \"int8\".")));
}

void _PG_init(void);
void _PG_init(void)
{
	static const rv_allocator a = {pg_core_malloc, pg_core_realloc, pg_core_free, NULL};
	int rc = rv_set_allocator(&a);
	if (rc)
		elog(ERROR, "ruvector: cannot install the allocator: %s", rv_strerror(rc));

	rv_relopt_kind = add_reloption_kind();
	add_int_reloption(rv_relopt_kind, "m", "Links per node on the upper levels (twice as many on level 0)",
	                  RV_DEFAULT_M, 2, 100, AccessExclusiveLock);
	add_int_reloption(rv_relopt_kind, "ef_construction", "Search width while building the graph", RV_DEFAULT_EFC,
	                  4, 1000, AccessExclusiveLock);
	add_string_reloption(rv_relopt_kind, "codes",
	                     "How nodes keep their vectors: float32, or int8 (a byte a dimension, trained at build)",
	                     "float32", validate_codes, AccessExclusiveLock);
	DefineCustomIntVariable("ruvector.ef_search", "Search width of ruhnsw index scans",
	                        "The first search of a scan keeps this many candidates; a scan that needs more "
	                        "rows (a selective WHERE) searches again, twice as wide each time.",
	                        &rv_ef_search, RV_DEFAULT_EF, 1, 10000, PGC_USERSET, 0, NULL, NULL, NULL);
	MarkGUCPrefixReserved("ruvector");
}

static bytea *rv_amoptions(Datum reloptions, bool validate)
{
	static const relopt_parse_elt tab[] = {
		{"m", RELOPT_TYPE_INT, offsetof(RvOptions, m)},
		{"ef_construction", RELOPT_TYPE_INT, offsetof(RvOptions, ef_construction)},
		{"codes", RELOPT_TYPE_STRING, offsetof(RvOptions, codes_offset)},
	};
	return (bytea *)build_reloptions(reloptions, validate, rv_relopt_kind, sizeof(RvOptions), tab, lengthof(tab));
}

static void rv_costestimate(PlannerInfo *root, IndexPath *path, double loop_count, Cost *startup, Cost *total,
                            Selectivity *selectivity, double *correlation, double *pages)
{
	GenericCosts costs;
	if (path->indexorderbys == NIL) {
		*startup = DBL_MAX;
		*total = DBL_MAX;
		*selectivity = 0;
		*correlation = 0;
		*pages = 0;
		return;
	}
	MemSet(&costs, 0, sizeof costs);
	double tuples = path->indexinfo->tuples > 1 ? path->indexinfo->tuples : 1;
	/* A search visits about ef * 2m * log(n) / log(m) nodes at worst; in
	 * practice a few times ef. */
	costs.numIndexTuples = Min(tuples, (double)rv_ef_search * 8 * Max(1.0, log(tuples) / log(16.0)));
	genericcostestimate(root, path, loop_count, &costs);
	/* The whole search happens before the first row comes back. */
	*startup = costs.indexTotalCost;
	*total = costs.indexTotalCost;
	*selectivity = costs.indexSelectivity;
	*correlation = 0;
	*pages = costs.numIndexPages;
}

static bool rv_validate(Oid opclassoid)
{
	(void)opclassoid;
	return true;
}

static bool rv_insert_impl(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid)
{
	if (isnull[0])
		return false;
	RvVector *v = DatumGetRvVector(values[0]);
	RvStore st;
	MemoryContext mc = AllocSetContextCreate(CurrentMemoryContext, "ruhnsw insert", ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(mc);
	LockPage(index, RV_WRITE_LOCK, ExclusiveLock);
	rv_store_open(&st, index, false);
	if ((uint32)v->dim != st.meta.dim)
		ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
		                errmsg("expected %u dimensions, not %d", st.meta.dim, v->dim)));
	float *vec = palloc(sizeof(float) * v->dim);
	/* A zero vector has no direction: under cosine it is not indexed (no
	 * distance to it means anything), as pgvector does. */
	if (rv_prepare_vector((rv_metric)st.meta.metric, v, vec)) {
		rv_gs_work w;
		memset(&w, 0, sizeof w);
		rv_insert_row(&st, &w, vec, heap_tid);
	}
	UnlockPage(index, RV_WRITE_LOCK, ExclusiveLock);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(mc);
	return false;
}

bool rv_aminsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid, Relation heap,
                 IndexUniqueCheck checkUnique, bool indexUnchanged, IndexInfo *info)
{
	(void)heap;
	(void)checkUnique;
	(void)indexUnchanged;
	(void)info;
	return rv_insert_impl(index, values, isnull, heap_tid);
}

PG_FUNCTION_INFO_V1(ruhnsw_handler);
Datum ruhnsw_handler(PG_FUNCTION_ARGS)
{
	IndexAmRoutine *am = makeNode(IndexAmRoutine);
	(void)fcinfo;
	am->amstrategies = 0;
	am->amsupport = 1;
	am->amoptsprocnum = 0;
	am->amcanorder = false;
	am->amcanorderbyop = true;
	am->amcanbackward = false;
	am->amcanunique = false;
	am->amcanmulticol = false;
	am->amoptionalkey = true;
	am->amsearcharray = false;
	am->amsearchnulls = false;
	am->amstorage = false;
	am->amclusterable = false;
	am->ampredlocks = false;
	am->amcanparallel = false;
	am->amcaninclude = false;
	am->amusemaintenanceworkmem = false;
	am->amparallelvacuumoptions = VACUUM_OPTION_PARALLEL_BULKDEL;
	am->amkeytype = InvalidOid;
	am->ambuild = rv_build;
	am->ambuildempty = rv_buildempty;
	am->aminsert = rv_aminsert;
	am->ambulkdelete = rv_bulkdelete;
	am->amvacuumcleanup = rv_vacuumcleanup;
	am->amcanreturn = NULL;
	am->amcostestimate = rv_costestimate;
	am->amoptions = rv_amoptions;
	am->amproperty = NULL;
	am->ambuildphasename = NULL;
	am->amvalidate = rv_validate;
	am->amadjustmembers = NULL;
	am->ambeginscan = rv_beginscan;
	am->amrescan = rv_rescan;
	am->amgettuple = rv_gettuple;
	am->amgetbitmap = NULL;
	am->amendscan = rv_endscan;
	am->ammarkpos = NULL;
	am->amrestrpos = NULL;
	am->amestimateparallelscan = NULL;
	am->aminitparallelscan = NULL;
	am->amparallelrescan = NULL;
	PG_RETURN_POINTER(am);
}

/* Support function 1 of each operator class: which metric the graph uses. */
PG_FUNCTION_INFO_V1(ruhnsw_metric_l2);
Datum ruhnsw_metric_l2(PG_FUNCTION_ARGS)
{
	(void)fcinfo;
	PG_RETURN_INT32(RV_METRIC_L2);
}
PG_FUNCTION_INFO_V1(ruhnsw_metric_ip);
Datum ruhnsw_metric_ip(PG_FUNCTION_ARGS)
{
	(void)fcinfo;
	PG_RETURN_INT32(RV_METRIC_IP);
}
PG_FUNCTION_INFO_V1(ruhnsw_metric_cosine);
Datum ruhnsw_metric_cosine(PG_FUNCTION_ARGS)
{
	(void)fcinfo;
	PG_RETURN_INT32(RV_METRIC_COSINE);
}
