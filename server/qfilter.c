/*
 * qfilter.c: Qdrant's filter JSON translated to the core's filters.
 *
 * Qdrant's filter is a tree of clauses (must: all, should: at least one,
 * must_not: none, min_should: at least min_count) over conditions on
 * payload fields (match value/any/except/text, range, is_empty, is_null,
 * nested) and on point ids (has_id). The core's filter language
 * (include/ruvector.h, "Filters") is MongoDB's over the same documents,
 * with the same rule for arrays (a condition holds when any value the path
 * reaches does), so every payload condition has a direct translation:
 *
 *   match {value: v}        eq v            match {any: [..]}   in
 *   match {except: [..]}    nin             match {text: s}     contains s
 *   range {gt,gte,lt,lte}   and of gt/gte/lt/lte
 *   is_empty {key}          or(not exists, eq null, size 0)
 *   is_null {key}           eq null
 *   nested {key, filter}    elem_match(key, filter)
 *   min_should {conditions, min_count}: or over every min_count-subset
 *                           of the conditions (bounded: 256 subsets)
 *   Qdrant's "a[].b" paths are the core's "a.b" (paths go through arrays).
 *
 * Only has_id has no core counterpart, because core filters see payloads
 * and not ids. A filter that uses it becomes a small tree of its own (qf)
 * whose has_id leaves the server evaluates and whose other subtrees are
 * core filters; searches with such a filter run as an exact scan over the
 * matching ids (search.c). Any filter without has_id folds into one core
 * filter, which the core's planner uses with its indexes.
 *
 * Match text is a substring test, which is what Qdrant does on a field
 * without a full-text index; Qdrant's token match with one is not
 * reproduced. values_count and the geo conditions are refused with 400.
 */
#define _GNU_SOURCE 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum { QF_ALL, QF_CORE, QF_AND, QF_OR, QF_NOT, QF_HASID };

struct qf {
	int kind;
	rv_filter *core;   /* QF_CORE */
	qf **kids;         /* QF_AND / QF_OR / QF_NOT */
	size_t n;
	char **ids;        /* QF_HASID: sorted */
	size_t nids;
};

typedef struct ctx {
	const srv_req *q;
	unsigned max_depth;
	char *why;
	size_t ws;
	int failed;
} ctx;

static void fail(ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(ctx *x, const char *fmt, ...)
{
	if (x->failed++)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->why, x->ws, fmt, ap);
	va_end(ap);
}

void qf_free(qf *f)
{
	if (!f)
		return;
	rv_filter_free(f->core);
	for (size_t i = 0; i < f->n; i++)
		qf_free(f->kids[i]);
	free(f->kids);
	for (size_t i = 0; i < f->nids; i++)
		free(f->ids[i]);
	free(f->ids);
	free(f);
}

static qf *node(ctx *x, int kind)
{
	qf *f = calloc(1, sizeof *f);
	if (!f)
		fail(x, "out of memory");
	else
		f->kind = kind;
	return f;
}

/* Wrap a core filter (rc from its builder). Callers compute rc in a
 * statement of its own: C leaves the order of argument evaluation open,
 * so core(x, build(&cf), cf) could read cf before build wrote it. */
static qf *core(ctx *x, int rc, rv_filter *cf)
{
	if (rc != RV_OK) {
		fail(x, "%s", rc == RV_ENOMEM ? "out of memory" : rv_errmsg(NULL));
		return NULL;
	}
	qf *f = node(x, QF_CORE);
	if (!f)
		rv_filter_free(cf);
	else
		f->core = cf;
	return f;
}

/* exists(key) == want */
static int exists_leaf(const char *key, int want, rv_filter **out)
{
	rv_value v = {.type = RV_VALUE_BOOL, .boolean = want};
	return rv_filter_leaf(RV_FILTER_EXISTS, key, &v, 1, out);
}

/* A core filter that matches every record (true) or none (false). */
static int constant(int truth, rv_filter **out)
{
	rv_filter *kids[2] = {NULL, NULL};
	int rc = exists_leaf("_", 1, &kids[0]);
	if (rc == RV_OK && (rc = exists_leaf("_", 0, &kids[1])) != RV_OK) {
		rv_filter_free(kids[0]);
		return rc;
	}
	if (rc != RV_OK)
		return rc;
	return rv_filter_node(truth ? RV_FILTER_OR : RV_FILTER_AND, kids, 2, out);
}

/* A group of kids (taken) under kind: folds ALL, and becomes one core
 * filter when every kid is one. */
static qf *group(ctx *x, int kind, qf **kids, size_t n)
{
	size_t m = 0;
	bool any_all = false, all_core = true;
	for (size_t i = 0; i < n; i++) {
		if (!kids[i]) {
			for (size_t j = 0; j < n; j++)
				qf_free(kids[j]);
			return NULL;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (kids[i]->kind == QF_ALL) {
			any_all = true;
			if (kind == QF_AND) {
				qf_free(kids[i]);
				continue;
			}
		}
		kids[m++] = kids[i];
	}
	n = m;
	if (kind == QF_OR && any_all) {
		for (size_t i = 0; i < n; i++)
			qf_free(kids[i]);
		return node(x, QF_ALL);
	}
	if (kind == QF_AND && n == 0)
		return node(x, QF_ALL);
	if (kind != QF_NOT && n == 1)
		return kids[0];
	if (kind == QF_NOT && kids[0]->kind == QF_ALL) {
		qf_free(kids[0]);
		rv_filter *cf = NULL;
		int rc = constant(0, &cf);
		return core(x, rc, cf);
	}
	for (size_t i = 0; i < n; i++)
		all_core = all_core && kids[i]->kind == QF_CORE;
	if (all_core) {
		rv_filter **cf = malloc(n * sizeof *cf);
		if (!cf) {
			for (size_t i = 0; i < n; i++)
				qf_free(kids[i]);
			fail(x, "out of memory");
			return NULL;
		}
		for (size_t i = 0; i < n; i++) {
			cf[i] = kids[i]->core;
			kids[i]->core = NULL;
			qf_free(kids[i]);
		}
		rv_filter *out = NULL;
		int op = kind == QF_AND ? RV_FILTER_AND : kind == QF_OR ? RV_FILTER_OR : RV_FILTER_NOT;
		int rc = rv_filter_node(op, cf, n, &out);
		free(cf);
		return core(x, rc, out);
	}
	qf *f = node(x, kind);
	if (f && !(f->kids = malloc(n * sizeof *f->kids))) {
		free(f);
		f = NULL;
		fail(x, "out of memory");
	}
	if (!f) {
		for (size_t i = 0; i < n; i++)
			qf_free(kids[i]);
		return NULL;
	}
	memcpy(f->kids, kids, n * sizeof *kids);
	f->n = n;
	return f;
}

/* Qdrant's key into a core path: "a[].b" -> "a.b". */
static int path_of(ctx *x, const rv_json *k, char *out, size_t size)
{
	if (!k || k->type != RV_JSON_STRING || k->len == 0) {
		fail(x, "a condition's \"key\" must be a non-empty string");
		return -1;
	}
	size_t o = 0;
	for (size_t i = 0; i < k->len; i++) {
		if (k->str[i] == '[' && i + 1 < k->len && k->str[i + 1] == ']') {
			i++;
			continue;
		}
		if (o + 1 >= size) {
			fail(x, "key \"%.60s...\" is longer than %u bytes", k->str, RV_PAYLOAD_PATH_MAX);
			return -1;
		}
		out[o++] = k->str[i];
	}
	out[o] = '\0';
	return 0;
}

static int value_of(ctx *x, const rv_json *j, const char *what, rv_value *v)
{
	memset(v, 0, sizeof *v);
	switch (j->type) {
	case RV_JSON_STRING: v->type = RV_VALUE_STRING, v->string = j->str, v->length = j->len; return 0;
	case RV_JSON_NUMBER: v->type = RV_VALUE_NUMBER, v->number = j->num; return 0;
	case RV_JSON_TRUE:
	case RV_JSON_FALSE: v->type = RV_VALUE_BOOL, v->boolean = j->type == RV_JSON_TRUE; return 0;
	default: fail(x, "%s must be a string, a number or a boolean, not %s", what, rv_json_type_name(j->type)); return -1;
	}
}

static qf *leaf(ctx *x, rv_filter_op op, const char *key, const rv_value *v, size_t n)
{
	rv_filter *cf = NULL;
	int rc = rv_filter_leaf(op, key, v, n, &cf);
	return core(x, rc, cf);
}

static qf *match_cond(ctx *x, const char *key, const rv_json *m)
{
	if (m->type != RV_JSON_OBJECT || m->len != 1) {
		fail(x, "match on \"%s\" must be an object with one of value, any, except, text", key);
		return NULL;
	}
	const char *kind = m->keys[0];
	const rv_json *a = &m->items[0];
	rv_value v;
	if (!strcmp(kind, "value")) {
		if (value_of(x, a, "match.value", &v))
			return NULL;
		return leaf(x, RV_FILTER_EQ, key, &v, 1);
	}
	if (!strcmp(kind, "text") || !strcmp(kind, "phrase")) {
		if (a->type != RV_JSON_STRING) {
			fail(x, "match.%s on \"%s\" must be a string", kind, key);
			return NULL;
		}
		value_of(x, a, "match.text", &v);
		return leaf(x, RV_FILTER_CONTAINS, key, &v, 1);
	}
	if (!strcmp(kind, "any") || !strcmp(kind, "except")) {
		bool any = kind[0] == 'a';
		if (a->type != RV_JSON_ARRAY || a->len > RV_FILTER_IN_MAX) {
			fail(x, "match.%s on \"%s\" must be an array of at most %u values", kind, key, RV_FILTER_IN_MAX);
			return NULL;
		}
		if (a->len == 0) {
			/* any of nothing matches nothing; except nothing, everything */
			rv_filter *cf = NULL;
			int rc = constant(!any, &cf);
			return core(x, rc, cf);
		}
		rv_value *vals = calloc(a->len, sizeof *vals);
		if (!vals) {
			fail(x, "out of memory");
			return NULL;
		}
		for (size_t i = 0; i < a->len; i++)
			if (value_of(x, &a->items[i], any ? "match.any[]" : "match.except[]", &vals[i])) {
				free(vals);
				return NULL;
			}
		qf *f = leaf(x, any ? RV_FILTER_IN : RV_FILTER_NIN, key, vals, a->len);
		free(vals);
		return f;
	}
	fail(x, "unknown match kind \"%s\" on \"%s\" (value, any, except, text)", kind, key);
	return NULL;
}

static qf *range_cond(ctx *x, const char *key, const rv_json *r)
{
	static const struct {
		const char *name;
		rv_filter_op op;
	} ops[] = {{"gt", RV_FILTER_GT}, {"gte", RV_FILTER_GTE}, {"lt", RV_FILTER_LT}, {"lte", RV_FILTER_LTE}};
	if (r->type != RV_JSON_OBJECT) {
		fail(x, "range on \"%s\" must be an object", key);
		return NULL;
	}
	qf *kids[4];
	size_t n = 0;
	for (size_t i = 0; i < r->len; i++) {
		size_t o = 0;
		while (o < 4 && strcmp(r->keys[i], ops[o].name))
			o++;
		if (o == 4) {
			fail(x, "unknown range bound \"%s\" on \"%s\" (gt, gte, lt, lte)", r->keys[i], key);
			break;
		}
		if (r->items[i].type == RV_JSON_NULL)
			continue;
		rv_value v;
		if (r->items[i].type != RV_JSON_NUMBER && r->items[i].type != RV_JSON_STRING) {
			fail(x, "range.%s on \"%s\" must be a number", r->keys[i], key);
			break;
		}
		value_of(x, &r->items[i], "range", &v);
		kids[n++] = leaf(x, ops[o].op, key, &v, 1);
	}
	if (x->failed) {
		for (size_t i = 0; i < n; i++)
			qf_free(kids[i]);
		return NULL;
	}
	return group(x, QF_AND, kids, n);
}

static qf *filter(ctx *x, const rv_json *f, unsigned depth);

static qf *is_empty(ctx *x, const char *key)
{
	rv_value null = {.type = RV_VALUE_NULL}, zero = {.type = RV_VALUE_NUMBER, .number = 0};
	rv_filter *missing = NULL;
	int rc = exists_leaf(key, 0, &missing);
	qf *kids[3];
	kids[0] = core(x, rc, missing);
	kids[1] = leaf(x, RV_FILTER_EQ, key, &null, 1);
	kids[2] = leaf(x, RV_FILTER_SIZE, key, &zero, 1);
	return group(x, QF_OR, kids, 3);
}

static qf *has_id(ctx *x, const rv_json *a)
{
	if (a->type != RV_JSON_ARRAY) {
		fail(x, "has_id must be an array of point ids");
		return NULL;
	}
	qf *f = node(x, QF_HASID);
	if (!f)
		return NULL;
	if (a->len && !(f->ids = calloc(a->len, sizeof *f->ids))) {
		fail(x, "out of memory");
		qf_free(f);
		return NULL;
	}
	for (size_t i = 0; i < a->len; i++) {
		char id[SRV_ID_MAX], why[200];
		if (srv_id_parse(x->q, &a->items[i], id, why, sizeof why)) {
			fail(x, "has_id[%zu]: %s", i, why);
			qf_free(f);
			return NULL;
		}
		if (!(f->ids[f->nids++] = strdup(id))) {
			fail(x, "out of memory");
			qf_free(f);
			return NULL;
		}
	}
	srv_sort_ids(f->ids, f->nids);
	return f;
}

static const char *key_of(ctx *x, const rv_json *o, char *buf, size_t size)
{
	if (o->type != RV_JSON_OBJECT) {
		fail(x, "expected an object with \"key\"");
		return NULL;
	}
	return path_of(x, rv_json_get(o, "key"), buf, size) ? NULL : buf;
}

static qf *condition(ctx *x, const rv_json *c, unsigned depth)
{
	char key[RV_PAYLOAD_PATH_MAX + 1];
	const rv_json *v;
	if (c->type != RV_JSON_OBJECT) {
		fail(x, "a condition must be an object, not %s", rv_json_type_name(c->type));
		return NULL;
	}
	if ((v = rv_json_get(c, "has_id")))
		return has_id(x, v);
	if ((v = rv_json_get(c, "is_empty")))
		return key_of(x, v, key, sizeof key) ? is_empty(x, key) : NULL;
	if ((v = rv_json_get(c, "is_null"))) {
		rv_value null = {.type = RV_VALUE_NULL};
		return key_of(x, v, key, sizeof key) ? leaf(x, RV_FILTER_EQ, key, &null, 1) : NULL;
	}
	if ((v = rv_json_get(c, "nested"))) {
		if (!key_of(x, v, key, sizeof key))
			return NULL;
		const rv_json *sub = rv_json_get(v, "filter");
		if (!sub) {
			fail(x, "nested on \"%s\" needs a \"filter\"", key);
			return NULL;
		}
		qf *inner = filter(x, sub, depth + 1);
		if (!inner)
			return NULL;
		rv_filter *cf = NULL;
		int rc;
		if (inner->kind == QF_ALL)
			rc = constant(1, &cf);
		else if (inner->kind == QF_CORE) {
			cf = inner->core;
			inner->core = NULL;
			rc = RV_OK;
		} else {
			qf_free(inner);
			fail(x, "has_id cannot be used inside nested");
			return NULL;
		}
		qf_free(inner);
		rv_filter *out = NULL;
		if (rc == RV_OK)
			rc = rv_filter_elem_match(key, cf, &out);
		return core(x, rc, out);
	}
	if ((v = rv_json_get(c, "key"))) {
		if (path_of(x, v, key, sizeof key))
			return NULL;
		qf *kids[4];
		size_t n = 0;
		for (size_t i = 0; i < c->len && !x->failed; i++) {
			const char *k = c->keys[i];
			const rv_json *a = &c->items[i];
			if (!strcmp(k, "key") || a->type == RV_JSON_NULL)
				continue;
			if (n == 4)
				fail(x, "too many conditions on \"%s\"", key);
			else if (!strcmp(k, "match"))
				kids[n++] = match_cond(x, key, a);
			else if (!strcmp(k, "range"))
				kids[n++] = range_cond(x, key, a);
			else if (!strcmp(k, "is_empty") && a->type == RV_JSON_TRUE)
				kids[n++] = is_empty(x, key);
			else if (!strcmp(k, "is_null") && a->type == RV_JSON_TRUE) {
				rv_value null = {.type = RV_VALUE_NULL};
				kids[n++] = leaf(x, RV_FILTER_EQ, key, &null, 1);
			} else
				fail(x, "condition \"%s\" on \"%s\" is not supported (match, range, is_empty, is_null)", k, key);
		}
		if (!x->failed && n == 0)
			fail(x, "the condition on \"%s\" has no match or range", key);
		if (x->failed) {
			for (size_t i = 0; i < n; i++)
				qf_free(kids[i]);
			return NULL;
		}
		return group(x, QF_AND, kids, n);
	}
	if (rv_json_get(c, "must") || rv_json_get(c, "should") || rv_json_get(c, "must_not") ||
	    rv_json_get(c, "min_should") || c->len == 0)
		return filter(x, c, depth + 1);
	fail(x, "unknown condition \"%s\"", c->keys[0]);
	return NULL;
}

/* The conditions of a clause (an array, or one condition for must). */
static qf *clause(ctx *x, const rv_json *v, int kind, unsigned depth, const char *name)
{
	if (v->type == RV_JSON_OBJECT) {
		qf *one[1] = {condition(x, v, depth)};
		return group(x, kind, one, 1);
	}
	if (v->type != RV_JSON_ARRAY) {
		fail(x, "\"%s\" must be an array of conditions", name);
		return NULL;
	}
	if (v->len == 0)
		return node(x, QF_ALL);
	qf **kids = calloc(v->len, sizeof *kids);
	if (!kids) {
		fail(x, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < v->len; i++)
		kids[i] = x->failed ? NULL : condition(x, &v->items[i], depth);
	qf *f = group(x, kind, kids, v->len);
	free(kids);
	return f;
}

/* or over every min_count-subset of the conditions. */
static qf *min_should(ctx *x, const rv_json *m, unsigned depth)
{
	const rv_json *conds = rv_json_get(m, "conditions");
	const rv_json *mc = rv_json_get(m, "min_count");
	if (!conds || conds->type != RV_JSON_ARRAY || !mc || mc->type != RV_JSON_NUMBER || mc->num < 0 ||
	    mc->num != (double)(size_t)mc->num) {
		fail(x, "min_should needs \"conditions\" (an array) and \"min_count\" (an unsigned integer)");
		return NULL;
	}
	size_t n = conds->len, k = (size_t)mc->num;
	if (k == 0)
		return node(x, QF_ALL);
	if (k > n) {
		rv_filter *cf = NULL;
		int rc = constant(0, &cf);
		return core(x, rc, cf);
	}
	/* C(n, k), stopping once past the bound */
	double combos = 1;
	for (size_t i = 0; i < k; i++)
		combos = combos * (double)(n - i) / (double)(i + 1);
	if (combos > 256) {
		fail(x, "min_should with %zu conditions and min_count %zu needs %.0f combinations; at most 256 are supported",
		     n, k, combos);
		return NULL;
	}
	qf *alts[256];
	size_t na = 0, idx[64];
	if (n > 64) {
		fail(x, "min_should has more than 64 conditions");
		return NULL;
	}
	for (size_t i = 0; i < k; i++)
		idx[i] = i;
	for (;;) {
		qf *parts[64];
		for (size_t i = 0; i < k; i++)
			parts[i] = x->failed ? NULL : condition(x, &conds->items[idx[i]], depth);
		alts[na++] = group(x, QF_AND, parts, k);
		size_t i = k;
		while (i > 0 && idx[i - 1] == n - k + i - 1)
			i--;
		if (i == 0)
			break;
		idx[i - 1]++;
		for (size_t j = i; j < k; j++)
			idx[j] = idx[j - 1] + 1;
	}
	return group(x, QF_OR, alts, na);
}

static qf *filter(ctx *x, const rv_json *f, unsigned depth)
{
	if (depth > x->max_depth) {
		fail(x, "filter nesting deeper than %u", x->max_depth);
		return NULL;
	}
	if (f->type != RV_JSON_OBJECT) {
		fail(x, "a filter must be an object, not %s", rv_json_type_name(f->type));
		return NULL;
	}
	qf *parts[4];
	size_t n = 0;
	for (size_t i = 0; i < f->len && !x->failed; i++) {
		const char *k = f->keys[i];
		const rv_json *v = &f->items[i];
		if (v->type == RV_JSON_NULL)
			continue;
		if (!strcmp(k, "must"))
			parts[n++] = clause(x, v, QF_AND, depth, k);
		else if (!strcmp(k, "should"))
			parts[n++] = clause(x, v, QF_OR, depth, k);
		else if (!strcmp(k, "must_not")) {
			qf *any[1] = {clause(x, v, QF_OR, depth, k)};
			if (any[0] && any[0]->kind == QF_ALL && v->type == RV_JSON_ARRAY && v->len == 0)
				parts[n++] = any[0]; /* must_not [] excludes nothing */
			else
				parts[n++] = group(x, QF_NOT, any, 1);
		} else if (!strcmp(k, "min_should"))
			parts[n++] = min_should(x, v, depth);
		else
			fail(x, "unknown filter clause \"%s\" (must, should, must_not, min_should)", k);
	}
	if (x->failed) {
		for (size_t i = 0; i < n; i++)
			qf_free(parts[i]);
		return NULL;
	}
	return group(x, QF_AND, parts, n);
}

int qf_parse(const srv_req *q, const rv_json *json, unsigned max_depth, qf **out, char *why, size_t ws)
{
	*out = NULL;
	if (!json || json->type == RV_JSON_NULL)
		return 0;
	ctx x = {.q = q, .max_depth = max_depth, .why = why, .ws = ws};
	qf *f = filter(&x, json, 1);
	if (x.failed || !f) {
		qf_free(f);
		if (!x.failed)
			snprintf(why, ws, "out of memory");
		return -1;
	}
	if (f->kind == QF_ALL) {
		qf_free(f);
		f = NULL;
	}
	*out = f;
	return 0;
}

const rv_filter *qf_core(const qf *f)
{
	return f && f->kind == QF_CORE ? f->core : NULL;
}

int qf_match(const qf *f, rv_collection *c, const char *id)
{
	if (!f)
		return 1;
	switch (f->kind) {
	case QF_ALL: return 1;
	case QF_CORE: return rv_filter_match(c, id, f->core);
	case QF_HASID: {
		size_t lo = 0, hi = f->nids;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			int cmp = srv_id_cmp(f->ids[mid], id);
			if (cmp == 0)
				return 1;
			if (cmp < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		return 0;
	}
	case QF_NOT: {
		int m = qf_match(f->kids[0], c, id);
		return m < 0 ? m : !m;
	}
	default:
		for (size_t i = 0; i < f->n; i++) {
			int m = qf_match(f->kids[i], c, id);
			if (m < 0)
				return m;
			if (f->kind == QF_AND && !m)
				return 0;
			if (f->kind == QF_OR && m)
				return 1;
		}
		return f->kind == QF_AND;
	}
}

/* ---- ids ---- */

static bool numeric(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int srv_id_cmp(const char *a, const char *b)
{
	bool na = numeric(a), nb = numeric(b);
	if (na != nb)
		return na ? -1 : 1;
	if (na) {
		size_t la = strlen(a), lb = strlen(b);
		if (la != lb)
			return la < lb ? -1 : 1;
	}
	return strcmp(a, b);
}

static int cmp_ptr(const void *a, const void *b)
{
	return srv_id_cmp(*(char *const *)a, *(char *const *)b);
}

void srv_sort_ids(char **ids, size_t n)
{
	if (n > 1)
		qsort(ids, n, sizeof *ids, cmp_ptr);
}

void srv_free_ids(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

long srv_collect_ids(const srv_req *q, const qf *f, rv_collection *c, char ***out)
{
	*out = NULL;
	size_t n = 0, cap = 0;
	char **ids = NULL;
	static const size_t bufsize = 64 * 1024;
	char *buf = malloc(bufsize);
	if (!buf)
		return RV_ENOMEM;
	uint64_t cursor = 0;
	long rc = 0;
	for (;;) {
		int got = rv_list_ids(c, &cursor, buf, bufsize);
		if (got <= 0) {
			rc = got;
			break;
		}
		if (srv_past_deadline(q)) {
			rc = RV_EBUSY;
			break;
		}
		const char *p = buf;
		for (int i = 0; i < got && rc == 0; i++, p += strlen(p) + 1) {
			int m = qf_match(f, c, p);
			if (m == RV_ENOTFOUND) /* deleted meanwhile */
				continue;
			if (m < 0) {
				rc = m;
				break;
			}
			if (!m)
				continue;
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 1024;
				char **g = realloc(ids, nc * sizeof *g);
				if (!g) {
					rc = RV_ENOMEM;
					break;
				}
				ids = g, cap = nc;
			}
			if (!(ids[n] = strdup(p))) {
				rc = RV_ENOMEM;
				break;
			}
			n++;
		}
		if (rc)
			break;
	}
	free(buf);
	if (rc < 0) {
		srv_free_ids(ids, n);
		return rc;
	}
	*out = ids;
	return (long)n;
}
