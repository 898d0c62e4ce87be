/*
 * filter.c: building, parsing and evaluating filters.
 *
 * The JSON form is MongoDB's query language over payload documents
 * (ruvector.h lists it and gives the semantics; payload_path.c resolves
 * dotted paths). Parsing goes JSON text -> rv_json (util/json.c,
 * with its own depth, size and item bounds) -> a filter tree, checking
 * every operator and value type on the way, so evaluation never meets a
 * malformed tree. Error messages name the path to the offending part, for
 * example `$and[1].reward.$gt: expected a number or a string, got array`.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../util/alloc.h"
#include "../util/error.h"
#include "../util/json.h"
#include "../util/utf8.h"
#include "filter.h"

/* ---- building ---- */

void rv_filter_free(rv_filter *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nkids; i++)
		rv_filter_free(f->kids[i]);
	rv_free(f->kids);
	for (size_t i = 0; i < f->nvals; i++)
		rv_free(f->vals[i].str);
	rv_free(f->vals);
	rv_free(f->key);
	rv_free(f);
}

static int values_for(rv_filter_op op, const rv_value *v, size_t n, char *why, size_t ws)
{
	switch (op) {
	case RV_FILTER_EQ:
	case RV_FILTER_NE:
		if (n != 1) {
			snprintf(why, ws, "takes one value, not %zu", n);
			return RV_EINVAL;
		}
		return RV_OK;
	case RV_FILTER_IN:
	case RV_FILTER_NIN:
		if (n < 1 || n > RV_FILTER_IN_MAX) {
			snprintf(why, ws, "takes 1..%u values, not %zu", RV_FILTER_IN_MAX, n);
			return RV_EINVAL;
		}
		return RV_OK;
	case RV_FILTER_GT:
	case RV_FILTER_GTE:
	case RV_FILTER_LT:
	case RV_FILTER_LTE:
		if (n != 1 || (v[0].type != RV_VALUE_NUMBER && v[0].type != RV_VALUE_STRING)) {
			snprintf(why, ws, "takes one number or string");
			return RV_EINVAL;
		}
		return RV_OK;
	case RV_FILTER_EXISTS:
		if (n != 1 || v[0].type != RV_VALUE_BOOL) {
			snprintf(why, ws, "takes one boolean");
			return RV_EINVAL;
		}
		return RV_OK;
	case RV_FILTER_CONTAINS:
		if (n != 1 || v[0].type != RV_VALUE_STRING) {
			snprintf(why, ws, "takes one string");
			return RV_EINVAL;
		}
		return RV_OK;
	case RV_FILTER_SIZE:
		if (n != 1 || v[0].type != RV_VALUE_NUMBER || !(v[0].number >= 0 && v[0].number <= 4294967295.0) ||
		    v[0].number != (double)(uint32_t)v[0].number) {
			snprintf(why, ws, "takes one whole number, 0 or more");
			return RV_EINVAL;
		}
		return RV_OK;
	default:
		snprintf(why, ws, "is not a condition on a field (op %d)", (int)op);
		return RV_EINVAL;
	}
}

static int leaf(rv_filter_op op, const char *key, size_t keylen, const rv_value *values, size_t n, rv_filter **out,
                char *why, size_t ws)
{
	*out = NULL;
	/* an empty path is the value itself (inside elem_match) */
	if (!key || rv_utf8_check(key, keylen) != keylen) {
		snprintf(why, ws, "a field path must be UTF-8");
		return RV_EINVAL;
	}
	if (keylen && !rv_payload_path_ok(key, keylen, why, ws))
		return RV_EINVAL;
	if (n && !values) {
		snprintf(why, ws, "values is NULL");
		return RV_EINVAL;
	}
	int rc = values_for(op, values, n, why, ws);
	if (rc != RV_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		const rv_value *v = &values[i];
		if (v->type == RV_VALUE_NUMBER && !(v->number - v->number == 0)) {
			snprintf(why, ws, "value %zu is not a finite number", i);
			return RV_EINVAL;
		}
		if (v->type == RV_VALUE_STRING &&
		    (!v->string || v->length > RV_PAYLOAD_MAX || rv_utf8_check(v->string, v->length) != v->length)) {
			snprintf(why, ws, "value %zu is not a UTF-8 string", i);
			return RV_EINVAL;
		}
		if (v->type > RV_VALUE_STRING) {
			snprintf(why, ws, "value %zu has an unknown type", i);
			return RV_EINVAL;
		}
	}
	rv_filter *f = rv_calloc(1, sizeof *f);
	if (!f)
		return RV_ENOMEM;
	f->op = op;
	f->depth = 1;
	f->nodes = 1;
	f->key = rv_strndup(key, keylen);
	f->keylen = keylen;
	f->vals = rv_calloc(n ? n : 1, sizeof *f->vals);
	if (!f->key || !f->vals) {
		rv_filter_free(f);
		return RV_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		rv_fvalue *d = &f->vals[i];
		d->type = values[i].type;
		d->boolean = values[i].boolean != 0;
		d->number = values[i].number;
		if (d->type == RV_VALUE_STRING) {
			d->str = rv_strndup(values[i].string, values[i].length);
			d->len = values[i].length;
			if (!d->str) {
				f->nvals = i;
				rv_filter_free(f);
				return RV_ENOMEM;
			}
		}
		f->nvals = i + 1;
	}
	*out = f;
	return RV_OK;
}

static int elem_match(const char *key, size_t keylen, rv_filter *sub, rv_filter **out, char *why, size_t ws)
{
	*out = NULL;
	int rc = RV_EINVAL;
	if (!sub)
		snprintf(why, ws, "elem_match needs a sub-filter");
	else if (!key || keylen == 0 || rv_utf8_check(key, keylen) != keylen || !rv_payload_path_ok(key, keylen, why, ws))
		snprintf(why, ws, "elem_match needs a field path of UTF-8");
	else if (sub->depth + 1 > RV_FILTER_DEPTH_MAX)
		snprintf(why, ws, "nesting deeper than %u", RV_FILTER_DEPTH_MAX);
	else if (sub->nodes + 1 > RV_FILTER_NODES_MAX)
		snprintf(why, ws, "more than %u conditions", RV_FILTER_NODES_MAX);
	else
		rc = RV_OK;
	rv_filter *f = NULL;
	if (rc == RV_OK) {
		f = rv_calloc(1, sizeof *f);
		rv_filter **k = f ? rv_malloc(sizeof *k) : NULL;
		char *kk = k ? rv_strndup(key, keylen) : NULL;
		if (!kk) {
			rv_free(k);
			rv_free(f);
			rc = RV_ENOMEM;
		} else {
			k[0] = sub;
			*f = (rv_filter){.op = RV_FILTER_ELEM_MATCH, .depth = sub->depth + 1, .nodes = sub->nodes + 1,
			                 .key = kk, .keylen = keylen, .kids = k, .nkids = 1};
			*out = f;
			return RV_OK;
		}
	}
	rv_filter_free(sub);
	return rc;
}

int rv_filter_elem_match(const char *key, rv_filter *sub, rv_filter **out)
{
	char why[160];
	if (!out) {
		rv_filter_free(sub);
		return RV_EINVAL;
	}
	int rc = elem_match(key, key ? strlen(key) : 0, sub, out, why, sizeof why);
	if (rc == RV_EINVAL)
		return rv_error(NULL, rc, "filter on \"%.60s\": %s", key ? key : "(null)", why);
	if (rc == RV_ENOMEM)
		return rv_error(NULL, rc, "out of memory building a filter");
	return rc;
}

int rv_filter_leaf(rv_filter_op op, const char *key, const rv_value *values, size_t n, rv_filter **out)
{
	char why[160];
	if (!out)
		return RV_EINVAL;
	int rc = leaf(op, key, key ? strlen(key) : 0, values, n, out, why, sizeof why);
	if (rc == RV_EINVAL)
		return rv_error(NULL, rc, "filter on \"%.60s\": %s", key ? key : "(null)", why);
	if (rc == RV_ENOMEM)
		return rv_error(NULL, rc, "out of memory building a filter");
	return rc;
}

static int node(rv_filter_op op, rv_filter *const *kids, size_t n, rv_filter **out, char *why, size_t ws)
{
	*out = NULL;
	int rc = RV_OK;
	if (op != RV_FILTER_AND && op != RV_FILTER_OR && op != RV_FILTER_NOT) {
		snprintf(why, ws, "op %d does not combine filters", (int)op);
		rc = RV_EINVAL;
	} else if (n == 0 || !kids || (op == RV_FILTER_NOT && n != 1)) {
		snprintf(why, ws, "%s takes %s", op == RV_FILTER_NOT ? "not" : op == RV_FILTER_AND ? "and" : "or",
		         op == RV_FILTER_NOT ? "exactly one filter" : "at least one filter");
		rc = RV_EINVAL;
	}
	unsigned depth = 0;
	size_t nodes = 1;
	for (size_t i = 0; rc == RV_OK && i < n; i++) {
		if (!kids[i]) {
			snprintf(why, ws, "filter %zu is NULL", i);
			rc = RV_EINVAL;
			break;
		}
		if (kids[i]->depth > depth)
			depth = kids[i]->depth;
		nodes += kids[i]->nodes;
	}
	if (rc == RV_OK && depth + 1 > RV_FILTER_DEPTH_MAX) {
		snprintf(why, ws, "nesting deeper than %u", RV_FILTER_DEPTH_MAX);
		rc = RV_EINVAL;
	}
	if (rc == RV_OK && nodes > RV_FILTER_NODES_MAX) {
		snprintf(why, ws, "more than %u conditions", RV_FILTER_NODES_MAX);
		rc = RV_EINVAL;
	}
	rv_filter *f = NULL;
	if (rc == RV_OK) {
		f = rv_calloc(1, sizeof *f);
		rv_filter **k = f ? rv_malloc(n * sizeof *k) : NULL;
		if (!k) {
			rv_free(f);
			rc = RV_ENOMEM;
		} else {
			memcpy(k, kids, n * sizeof *k);
			f->op = op;
			f->kids = k;
			f->nkids = n;
			f->depth = depth + 1;
			f->nodes = nodes;
			*out = f;
			return RV_OK;
		}
	}
	for (size_t i = 0; kids && i < n; i++)
		rv_filter_free(kids[i]);
	return rc;
}

int rv_filter_node(rv_filter_op op, rv_filter *const *kids, size_t n, rv_filter **out)
{
	char why[160];
	if (!out) {
		for (size_t i = 0; kids && i < n; i++)
			rv_filter_free(kids[i]);
		return RV_EINVAL;
	}
	int rc = node(op, kids, n, out, why, sizeof why);
	if (rc == RV_EINVAL)
		return rv_error(NULL, rc, "filter: %s", why);
	if (rc == RV_ENOMEM)
		return rv_error(NULL, rc, "out of memory building a filter");
	return rc;
}

/* ---- parsing ---- */

typedef struct parser {
	char *err;
	size_t errsize;
	char path[200];
} parser;

static int perr(parser *p, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int perr(parser *p, int rc, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (p->err && p->errsize)
		snprintf(p->err, p->errsize, "filter %s%s%s", p->path[0] ? p->path : "", p->path[0] ? ": " : "", msg);
	return rc;
}

/* Append to the path while parsing a sub-part; returns the old length. */
static size_t push_path(parser *p, const char *fmt, const char *s, size_t idx)
{
	size_t len = strlen(p->path);
	if (len < sizeof p->path - 1) {
		if (s)
			snprintf(p->path + len, sizeof p->path - len, fmt, len ? "." : "", s);
		else
			snprintf(p->path + len, sizeof p->path - len, fmt, idx);
	}
	return len;
}

static int to_value(parser *p, const rv_json *j, rv_value *v, const char *op)
{
	memset(v, 0, sizeof *v);
	switch (j->type) {
	case RV_JSON_NULL:
		v->type = RV_VALUE_NULL;
		return RV_OK;
	case RV_JSON_TRUE:
	case RV_JSON_FALSE:
		v->type = RV_VALUE_BOOL;
		v->boolean = j->type == RV_JSON_TRUE;
		return RV_OK;
	case RV_JSON_NUMBER:
		v->type = RV_VALUE_NUMBER;
		v->number = j->num;
		return RV_OK;
	case RV_JSON_STRING:
		v->type = RV_VALUE_STRING;
		v->string = j->str;
		v->length = j->len;
		return RV_OK;
	default:
		return perr(p, RV_EINVAL, "%s expects a null, boolean, number or string, got %s", op,
		            rv_json_type_name(j->type));
	}
}

static int parse_filter(parser *p, const rv_json *j, unsigned depth, rv_filter **out);

static const struct {
	const char *name;
	rv_filter_op op;
} field_ops[] = {
	{"$eq", RV_FILTER_EQ},   {"$ne", RV_FILTER_NE},   {"$in", RV_FILTER_IN},         {"$nin", RV_FILTER_NIN},
	{"$gt", RV_FILTER_GT},   {"$gte", RV_FILTER_GTE}, {"$lt", RV_FILTER_LT},         {"$lte", RV_FILTER_LTE},
	{"$exists", RV_FILTER_EXISTS}, {"$contains", RV_FILTER_CONTAINS}, {"$size", RV_FILTER_SIZE},
};
#define KNOWN_OPS "$eq $ne $gt $gte $lt $lte $in $nin $exists $contains $size $elemMatch"

/* One `$op: value` on field `key`. */
static int parse_op(parser *p, const char *key, size_t keylen, const char *opname, const rv_json *arg,
                    rv_filter **out)
{
	rv_filter_op op = 0;
	for (size_t i = 0; i < sizeof field_ops / sizeof field_ops[0]; i++)
		if (strcmp(field_ops[i].name, opname) == 0)
			op = field_ops[i].op;
	if (!op)
		return perr(p, RV_EINVAL, "unknown operator \"%.40s\" (known: " KNOWN_OPS ")", opname);
	rv_value one, *vals = &one;
	size_t n = 1;
	int rc;
	if (op == RV_FILTER_IN || op == RV_FILTER_NIN) {
		if (arg->type != RV_JSON_ARRAY)
			return perr(p, RV_EINVAL, "%s expects an array, got %s", opname, rv_json_type_name(arg->type));
		if (arg->len == 0 || arg->len > RV_FILTER_IN_MAX)
			return perr(p, RV_EINVAL, "%s holds %zu values; it takes 1..%u", opname, arg->len, RV_FILTER_IN_MAX);
		n = arg->len;
		vals = rv_malloc(n * sizeof *vals);
		if (!vals)
			return RV_ENOMEM;
		for (size_t i = 0; i < n; i++) {
			size_t old = push_path(p, "[%zu]", NULL, i);
			rc = to_value(p, &arg->items[i], &vals[i], opname);
			p->path[old] = '\0';
			if (rc != RV_OK) {
				rv_free(vals);
				return rc;
			}
		}
	} else {
		if (op == RV_FILTER_EXISTS && arg->type != RV_JSON_TRUE && arg->type != RV_JSON_FALSE)
			return perr(p, RV_EINVAL, "$exists expects a boolean, got %s", rv_json_type_name(arg->type));
		if (op == RV_FILTER_CONTAINS && arg->type != RV_JSON_STRING)
			return perr(p, RV_EINVAL, "$contains expects a string, got %s", rv_json_type_name(arg->type));
		if (op == RV_FILTER_SIZE && arg->type != RV_JSON_NUMBER)
			return perr(p, RV_EINVAL, "$size expects a whole number, got %s", rv_json_type_name(arg->type));
		if (op >= RV_FILTER_GT && op <= RV_FILTER_LTE && arg->type != RV_JSON_NUMBER && arg->type != RV_JSON_STRING)
			return perr(p, RV_EINVAL, "%s expects a number or a string, got %s", opname,
			            rv_json_type_name(arg->type));
		rc = to_value(p, arg, &one, opname);
		if (rc != RV_OK)
			return rc;
	}
	char why[160];
	rc = leaf(op, key, keylen, vals, n, out, why, sizeof why);
	if (vals != &one)
		rv_free(vals);
	if (rc == RV_EINVAL)
		return perr(p, rc, "%s %s", opname, why);
	return rc;
}

/* Combine parts with and (one part stands alone). Takes ownership. */
static int and_of(parser *p, rv_filter **parts, size_t n, rv_filter **out)
{
	if (n == 1) {
		*out = parts[0];
		return RV_OK;
	}
	char why[160];
	int rc = node(RV_FILTER_AND, parts, n, out, why, sizeof why);
	if (rc == RV_EINVAL)
		return perr(p, rc, "%s", why);
	return rc;
}

/* {"$elemMatch": arg} on field key: a filter over object elements, or
 * operators on the element itself. */
static int parse_elem_match(parser *p, const char *key, size_t keylen, const rv_json *arg, unsigned depth,
                            rv_filter **out)
{
	*out = NULL;
	if (arg->type != RV_JSON_OBJECT || arg->len == 0)
		return perr(p, RV_EINVAL, "$elemMatch expects a non-empty object, got %s%s", rv_json_type_name(arg->type),
		            arg->type == RV_JSON_OBJECT ? " (empty)" : "");
	bool ops = true;
	for (size_t i = 0; i < arg->len; i++)
		if (arg->keys[i][0] != '$' || !strcmp(arg->keys[i], "$and") || !strcmp(arg->keys[i], "$or") ||
		    !strcmp(arg->keys[i], "$not"))
			ops = false;
	rv_filter *sub = NULL;
	int rc;
	if (ops) {
		/* operators on the element itself: an empty path */
		rv_filter **parts = rv_calloc(arg->len, sizeof *parts);
		if (!parts)
			return RV_ENOMEM;
		size_t i = 0;
		rc = RV_OK;
		for (; i < arg->len && rc == RV_OK; i++) {
			size_t old = push_path(p, "%s%s", arg->keys[i], 0);
			if (!strcmp(arg->keys[i], "$elemMatch"))
				rc = perr(p, RV_EINVAL, "$elemMatch on the element itself is not supported");
			else
				rc = parse_op(p, "", 0, arg->keys[i], &arg->items[i], &parts[i]);
			if (rc == RV_OK)
				p->path[old] = '\0';
		}
		if (rc != RV_OK) {
			for (size_t j = 0; j + 1 < i; j++)
				rv_filter_free(parts[j]);
			rv_free(parts);
			return rc;
		}
		rc = and_of(p, parts, arg->len, &sub);
		rv_free(parts);
	} else {
		rc = parse_filter(p, arg, depth + 1, &sub);
	}
	if (rc != RV_OK)
		return rc;
	char why[160];
	rc = elem_match(key, keylen, sub, out, why, sizeof why);
	return rc == RV_EINVAL ? perr(p, rc, "$elemMatch %s", why) : rc;
}

static int parse_field(parser *p, const char *key, size_t keylen, const rv_json *v, unsigned depth, rv_filter **out)
{
	*out = NULL;
	if (v->type == RV_JSON_ARRAY)
		return perr(p, RV_EINVAL, "an array is not a value to compare with; use {\"$in\": [...]}");
	if (v->type != RV_JSON_OBJECT) {
		rv_value one;
		int rc = to_value(p, v, &one, "equality");
		if (rc != RV_OK)
			return rc;
		char why[160];
		rc = leaf(RV_FILTER_EQ, key, keylen, &one, 1, out, why, sizeof why);
		return rc == RV_EINVAL ? perr(p, rc, "%s", why) : rc;
	}
	if (v->len == 0)
		return perr(p, RV_EINVAL, "an empty operator object");
	rv_filter **parts = rv_calloc(v->len, sizeof *parts);
	if (!parts)
		return RV_ENOMEM;
	int rc = RV_OK;
	size_t i = 0;
	for (; i < v->len; i++) {
		const char *op = v->keys[i];
		size_t old = push_path(p, "%s%s", op, 0);
		if (op[0] != '$')
			rc = perr(p, RV_EINVAL,
			          "\"%.40s\" is not an operator; to match a field inside an object, write its dotted path "
			          "(\"%.60s.%.40s\")",
			          op, key, op);
		else if (!strcmp(op, "$elemMatch"))
			rc = parse_elem_match(p, key, keylen, &v->items[i], depth, &parts[i]);
		else
			rc = parse_op(p, key, keylen, op, &v->items[i], &parts[i]);
		p->path[old] = '\0';
		if (rc != RV_OK)
			break;
	}
	if (rc != RV_OK) {
		for (size_t j = 0; j < i; j++)
			rv_filter_free(parts[j]);
		rv_free(parts);
		return rc;
	}
	rc = and_of(p, parts, v->len, out);
	rv_free(parts);
	return rc;
}

static int parse_logic(parser *p, const char *op, const rv_json *v, unsigned depth, rv_filter **out)
{
	if (strcmp(op, "$not") == 0) {
		if (v->type != RV_JSON_OBJECT)
			return perr(p, RV_EINVAL, "$not expects a filter object, got %s", rv_json_type_name(v->type));
		rv_filter *kid;
		int rc = parse_filter(p, v, depth + 1, &kid);
		if (rc != RV_OK)
			return rc;
		char why[160];
		rc = node(RV_FILTER_NOT, &kid, 1, out, why, sizeof why);
		return rc == RV_EINVAL ? perr(p, rc, "%s", why) : rc;
	}
	rv_filter_op fop = strcmp(op, "$and") == 0 ? RV_FILTER_AND : strcmp(op, "$or") == 0 ? RV_FILTER_OR : 0;
	if (!fop)
		return perr(p, RV_EINVAL, "unknown operator \"%.40s\" (known at this level: $and $or $not)", op);
	if (v->type != RV_JSON_ARRAY)
		return perr(p, RV_EINVAL, "%s expects an array of filters, got %s", op, rv_json_type_name(v->type));
	if (v->len == 0)
		return perr(p, RV_EINVAL, "%s expects at least one filter", op);
	if (v->len > RV_FILTER_NODES_MAX)
		return perr(p, RV_EINVAL, "%s holds more than %u filters", op, RV_FILTER_NODES_MAX);
	rv_filter **kids = rv_calloc(v->len, sizeof *kids);
	if (!kids)
		return RV_ENOMEM;
	int rc = RV_OK;
	size_t i = 0;
	for (; i < v->len; i++) {
		size_t old = push_path(p, "[%zu]", NULL, i);
		if (v->items[i].type != RV_JSON_OBJECT)
			rc = perr(p, RV_EINVAL, "expected a filter object, got %s", rv_json_type_name(v->items[i].type));
		else
			rc = parse_filter(p, &v->items[i], depth + 1, &kids[i]);
		p->path[old] = '\0';
		if (rc != RV_OK)
			break;
	}
	if (rc != RV_OK) {
		for (size_t j = 0; j < i; j++)
			rv_filter_free(kids[j]);
		rv_free(kids);
		return rc;
	}
	char why[160];
	rc = node(fop, kids, v->len, out, why, sizeof why);
	rv_free(kids);
	return rc == RV_EINVAL ? perr(p, rc, "%s", why) : rc;
}

static int parse_filter(parser *p, const rv_json *j, unsigned depth, rv_filter **out)
{
	*out = NULL;
	if (depth > RV_FILTER_DEPTH_MAX)
		return perr(p, RV_EINVAL, "nesting deeper than %u", RV_FILTER_DEPTH_MAX);
	if (j->type != RV_JSON_OBJECT)
		return perr(p, RV_EINVAL, "expected a filter object, got %s", rv_json_type_name(j->type));
	if (j->len == 0)
		return perr(p, RV_EINVAL, "an empty filter object (to match everything, pass no filter)");
	rv_filter **parts = rv_calloc(j->len, sizeof *parts);
	if (!parts)
		return RV_ENOMEM;
	int rc = RV_OK;
	size_t i = 0;
	for (; i < j->len; i++) {
		const char *key = j->keys[i];
		size_t old = push_path(p, "%s%s", key, 0);
		if (key[0] == '$')
			rc = parse_logic(p, key, &j->items[i], depth, &parts[i]);
		else
			rc = parse_field(p, key, j->key_lens[i], &j->items[i], depth, &parts[i]);
		p->path[old] = '\0';
		if (rc != RV_OK)
			break;
	}
	if (rc != RV_OK) {
		for (size_t k = 0; k < i; k++)
			rv_filter_free(parts[k]);
		rv_free(parts);
		return rc;
	}
	rc = and_of(p, parts, j->len, out);
	rv_free(parts);
	return rc;
}

int rv_filter_parse(const char *json, size_t len, rv_filter **out, char *err, size_t errsize)
{
	parser p = {err, errsize, ""};
	if (err && errsize)
		err[0] = '\0';
	if (!out)
		return perr(&p, RV_EINVAL, "out is NULL");
	*out = NULL;
	if (!json)
		return perr(&p, RV_EINVAL, "text is NULL");
	if (len > RV_FILTER_JSON_MAX)
		return perr(&p, RV_EINVAL, "text is %zu bytes; the limit is %u", len, RV_FILTER_JSON_MAX);
	/* JSON nesting: each filter level is an object in an array (2 levels),
	 * plus field operator objects and $in arrays. */
	rv_json_limits lim = {.max_depth = 2 * RV_FILTER_DEPTH_MAX + 4, .max_items = RV_FILTER_NODES_MAX + 1,
	                      .max_bytes = RV_FILTER_JSON_MAX};
	rv_json *doc = NULL;
	char jerr[160];
	int rc = rv_json_parse(json, len, &lim, &doc, jerr, sizeof jerr);
	if (rc == RV_EINVAL)
		return perr(&p, rc, "%s", jerr);
	if (rc != RV_OK)
		return perr(&p, rc, "out of memory");
	rc = parse_filter(&p, doc, 1, out);
	if (rc == RV_ENOMEM)
		(void)perr(&p, rc, "out of memory");
	rv_json_free(doc);
	return rc;
}

/* ---- evaluation ---- */

static int cmp_bytes(const uint8_t *a, size_t al, const char *b, size_t bl)
{
	size_t n = al < bl ? al : bl;
	int c = memcmp(a, b, n);
	return c ? c : (al > bl) - (al < bl);
}

/* A scalar value equals the filter value. */
static bool scalar_eq(const rv_pfield *f, const rv_fvalue *v)
{
	switch (v->type) {
	case RV_VALUE_NULL: return f->type == RV_PT_NULL;
	case RV_VALUE_BOOL: return f->type == (v->boolean ? RV_PT_TRUE : RV_PT_FALSE);
	case RV_VALUE_NUMBER: return f->type == RV_PT_NUMBER && f->num == v->number;
	case RV_VALUE_STRING: return f->type == RV_PT_STRING && f->len == v->len && memcmp(f->str, v->str, v->len) == 0;
	}
	return false;
}

/* <0, 0, >0 comparing a scalar with the value, or 2 when they do not compare. */
static int scalar_cmp(const rv_pfield *f, const rv_fvalue *v)
{
	if (v->type == RV_VALUE_NUMBER && f->type == RV_PT_NUMBER)
		return (f->num > v->number) - (f->num < v->number);
	if (v->type == RV_VALUE_STRING && f->type == RV_PT_STRING) {
		int c = cmp_bytes(f->str, f->len, v->str, v->len);
		return (c > 0) - (c < 0);
	}
	return 2;
}

static bool substring(const uint8_t *h, size_t hl, const char *n, size_t nl)
{
	if (nl == 0)
		return true;
	for (size_t i = 0; i + nl <= hl; i++)
		if (h[i] == (uint8_t)n[0] && memcmp(h + i, n, nl) == 0)
			return true;
	return false;
}

/* The positive part of a leaf (eq for ne, in for nin) on one scalar. */
static bool scalar_matches(const rv_filter *f, const rv_pfield *v)
{
	switch (f->op) {
	case RV_FILTER_EQ:
	case RV_FILTER_NE: return scalar_eq(v, &f->vals[0]);
	case RV_FILTER_IN:
	case RV_FILTER_NIN:
		for (size_t i = 0; i < f->nvals; i++)
			if (scalar_eq(v, &f->vals[i]))
				return true;
		return false;
	case RV_FILTER_GT:
	case RV_FILTER_GTE:
	case RV_FILTER_LT:
	case RV_FILTER_LTE: {
		int c = scalar_cmp(v, &f->vals[0]);
		if (c == 2)
			return false;
		return f->op == RV_FILTER_GT ? c > 0 : f->op == RV_FILTER_GTE ? c >= 0 : f->op == RV_FILTER_LT ? c < 0 : c <= 0;
	}
	default: return false;
	}
}

static bool eval(const rv_filter *f, const uint8_t *obj, const rv_pfield *self);

/* The positive part of a leaf on one value the path reached. */
static bool value_matches(const rv_filter *f, const rv_pfield *v)
{
	bool array = rv_pfield_is_array(v);
	switch (f->op) {
	case RV_FILTER_EXISTS: return true;
	case RV_FILTER_SIZE: return array && v->len == (uint32_t)f->vals[0].number;
	case RV_FILTER_CONTAINS:
		if (v->type == RV_PT_STRING)
			return substring(v->str, v->len, f->vals[0].str, f->vals[0].len);
		break;
	default:
		if (!array)
			return scalar_matches(f, v);
		break;
	}
	if (!array)
		return false;
	const uint8_t *it = NULL;
	rv_pfield e;
	for (uint32_t i = 0; i < v->len && rv_pfield_elem(v, &it, &e); i++) {
		bool m;
		if (f->op == RV_FILTER_ELEM_MATCH)
			m = eval(f->kids[0], e.type == RV_PT_OBJECT ? e.obj : NULL, &e);
		else if (f->op == RV_FILTER_CONTAINS)
			m = e.type == RV_PT_STRING && e.len == f->vals[0].len && !memcmp(e.str, f->vals[0].str, e.len);
		else
			m = scalar_matches(f, &e);
		if (m)
			return true;
	}
	return false;
}

static bool visit_leaf(void *ctx, const rv_pfield *v)
{
	return value_matches(ctx, v);
}

/* f on the object obj (NULL: none); self is the value an empty path names
 * (an element, inside elem_match; NULL elsewhere). */
static bool eval(const rv_filter *f, const uint8_t *obj, const rv_pfield *self)
{
	switch (f->op) {
	case RV_FILTER_AND:
		for (size_t i = 0; i < f->nkids; i++)
			if (!eval(f->kids[i], obj, self))
				return false;
		return true;
	case RV_FILTER_OR:
		for (size_t i = 0; i < f->nkids; i++)
			if (eval(f->kids[i], obj, self))
				return true;
		return false;
	case RV_FILTER_NOT: return !eval(f->kids[0], obj, self);
	default: break;
	}
	bool hit;
	if (f->keylen == 0)
		hit = self && value_matches(f, self);
	else
		hit = rv_payload_path_each(obj, f->key, f->keylen, visit_leaf, (void *)f);
	switch (f->op) {
	case RV_FILTER_EXISTS: return hit == f->vals[0].boolean;
	case RV_FILTER_NE:
	case RV_FILTER_NIN: return !hit;
	default: return hit;
	}
}

bool rv_filter_eval(const rv_filter *f, const uint8_t *b)
{
	return eval(f, b, NULL);
}
