/*
 * filter.h: filter trees (ruvector.h, "Filters", gives the semantics and
 * the JSON syntax) and their evaluation against encoded payloads.
 */
#ifndef RV_FILTER_H
#define RV_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "payload.h"
#include "ruvector.h"

typedef struct rv_fvalue {
	rv_value_type type;
	bool boolean;
	double number;
	char *str;      /* owned, NUL-terminated */
	size_t len;
} rv_fvalue;

struct rv_filter {
	rv_filter_op op;
	unsigned depth;       /* 1 for a leaf; 1 + deepest kid */
	size_t nodes;         /* conditions in this tree */
	/* leaves */
	char *key;
	size_t keylen;
	rv_fvalue *vals;
	size_t nvals;
	/* and / or / not */
	rv_filter **kids;
	size_t nkids;
};

/* Whether a payload (NULL: none) satisfies f. */
bool rv_filter_eval(const rv_filter *f, const uint8_t *payload);

#endif
