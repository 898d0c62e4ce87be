/*
 * ruvector.c: library-wide entry points that belong to no subsystem:
 * the version and the metric names.
 */
#include "ruvector.h"

#include <stdlib.h>
#include <string.h>

const char *rv_version(int *major, int *minor, int *patch)
{
	if (major)
		*major = RV_VERSION_MAJOR;
	if (minor)
		*minor = RV_VERSION_MINOR;
	if (patch)
		*patch = RV_VERSION_PATCH;
	return RV_VERSION_STRING;
}

int rv_metric_parse(const char *name, rv_metric *out)
{
	static const struct {
		const char *name;
		rv_metric metric;
	} names[] = {
		{"l2", RV_METRIC_L2},         {"euclidean", RV_METRIC_L2}, {"ip", RV_METRIC_IP},
		{"dot", RV_METRIC_IP},        {"dotproduct", RV_METRIC_IP}, {"cosine", RV_METRIC_COSINE},
		{"l1", RV_METRIC_L1},         {"manhattan", RV_METRIC_L1},
	};
	if (!name || !out)
		return RV_EINVAL;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(name, names[i].name) == 0) {
			*out = names[i].metric;
			return RV_OK;
		}
	}
	return RV_EINVAL;
}

const char *rv_metric_name(rv_metric metric)
{
	switch (metric) {
	case RV_METRIC_L2: return "l2";
	case RV_METRIC_IP: return "ip";
	case RV_METRIC_COSINE: return "cosine";
	case RV_METRIC_L1: return "l1";
	default: return "?";
	}
}

int rv_quant_parse(const char *spec, rv_quant_kind *kind, uint32_t *pq_m)
{
	if (!spec || !kind || !pq_m)
		return RV_EINVAL;
	*pq_m = 0;
	if (!strcmp(spec, "none"))
		*kind = RV_QUANT_NONE;
	else if (!strcmp(spec, "int8"))
		*kind = RV_QUANT_INT8;
	else if (!strcmp(spec, "binary"))
		*kind = RV_QUANT_BINARY;
	else if (!strcmp(spec, "binary-itq"))
		*kind = RV_QUANT_BINARY_ITQ;
	else if (!strncmp(spec, "pq:", 3)) {
		char *end;
		unsigned long m = strtoul(spec + 3, &end, 10);
		if (end == spec + 3 || *end || m == 0 || m > RV_DIM_MAX)
			return RV_EINVAL;
		*kind = RV_QUANT_PQ;
		*pq_m = (uint32_t)m;
	} else
		return RV_EINVAL;
	return RV_OK;
}
