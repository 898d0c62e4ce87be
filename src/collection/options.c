/*
 * options.c: the defaults and bounds of a collection's options and of a
 * database's (ruvector.h: rv_options, rv_db_options).
 *
 * The lowest file of the collection layer: creating a collection checks
 * its options here, and so does reading them back from a manifest
 * (manifest.c), so a file can never give a collection settings the API
 * would refuse. Nothing here allocates or touches a collection.
 */
#include <string.h>

#include "../quant/quant.h"
#include "../util/error.h"
#include "collection.h"

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

void rv_db_options_init(rv_db_options *o)
{
	memset(o, 0, sizeof *o);
	o->durability = RV_SYNC_FULL;
	o->sync_interval_ms = 100;
	o->checkpoint_bytes = (uint64_t)64 << 20;
}
