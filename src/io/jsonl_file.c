/*
 * jsonl_file.c: reading JSON Lines files of records (rv_read_jsonl).
 *
 * One record per line, an object with an id, a vector and an optional
 * payload:
 *
 *   {"id": "doc-1", "vector": [0.25, -1, 3e-2], "payload": {"tags": ["a"]}}
 *   {"id": 17, "vector": [1, 2, 3]}
 *
 * This is what `ruvector export` writes and `ruvector import` reads, so
 * that a collection goes out and comes back identical. The file is read
 * whole and every line checked before anything is returned: an import
 * that fails on line 90,000 has inserted nothing, and its message names
 * the line and what is wrong with it.
 *
 * Choices, and why:
 *   - An integer id becomes the string of its digits as written (17 ->
 *     "17"), read from the text rather than the parsed double, so that ids
 *     beyond 2^53 stay exact; a fraction, exponent or sign is refused.
 *   - A payload is kept as the text the line gives (a slice of it), not
 *     re-serialised, so its numbers reach the core as written. It is
 *     checked here against the bounds the core will apply (an object;
 *     nesting, fields per object, key length, size), so that a payload
 *     deeper than RV_PAYLOAD_DEPTH_MAX fails naming its line and path
 *     rather than failing a batch half-way through an import.
 *   - Unknown members are errors: a misspelt "paylaod" silently dropped
 *     would lose the user's data.
 *   - Vector numbers must fit a float32 (|x| <= FLT_MAX); JSON has no NaN
 *     or infinity, and a string such as "NaN" is not a number.
 *   - A line is parsed with a generous nesting bound (the parser has no
 *     recursion), so that a deep payload meets the clear check below
 *     rather than the parser's generic one. The checks that walk the
 *     document recurse at most RV_PAYLOAD_DEPTH_MAX + 1 levels.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../platform/vfs.h"
#include "../util/alloc.h"
#include "../util/error.h"
#include "../util/json.h"
#include "ruvector.h"

#define LINE_DEPTH_MAX 4096u /* nesting the line parser accepts; deeper payloads are named below */

/* The records and what their pointers point into. */
typedef struct records {
	rv_records pub;   /* first, so an rv_records * is a records * */
	char *arena;      /* ids and payload texts, each NUL-terminated */
	size_t vcap;      /* records pub.vectors has room for */
} records;

void rv_records_free(rv_records *r)
{
	if (!r)
		return;
	records *all = (records *)r;
	rv_free(r->ids);
	rv_free(r->payloads);
	rv_free(r->lines);
	rv_free(r->vectors);
	rv_free(all->arena);
	rv_free(all);
}

/* Where a line's checks write their complaint. */
typedef struct line_ctx {
	const char *path;
	size_t line;
	char why[320];
	char at[160];     /* the payload path being checked, dotted */
} line_ctx;

/* Append one segment (a key, or an array index) to ctx->at; returns the
 * old length to cut back to. Long paths are cut short: they only name. */
static size_t at_push(line_ctx *x, const char *seg, size_t n)
{
	size_t old = strlen(x->at);
	snprintf(x->at + old, sizeof x->at - old, "%s%.*s", old ? "." : "", (int)(n > 60 ? 60 : n), seg);
	return old;
}

/* The bounds the core applies to a payload document (ruvector.h,
 * Payloads), at nesting `depth` (the payload object is 1). */
static bool check_value(line_ctx *x, const rv_json *v, unsigned depth)
{
	if (v->type != RV_JSON_OBJECT && v->type != RV_JSON_ARRAY)
		return true;
	if (depth > RV_PAYLOAD_DEPTH_MAX) {
		snprintf(x->why, sizeof x->why, "payload%s%s%s nests deeper than %u levels (the payload object is level 1)",
		         x->at[0] ? " field \"" : "", x->at, x->at[0] ? "\"" : "", RV_PAYLOAD_DEPTH_MAX);
		return false;
	}
	if (v->type == RV_JSON_OBJECT && v->len > RV_PAYLOAD_FIELDS) {
		snprintf(x->why, sizeof x->why, "payload%s%s%s has %zu fields; the limit is %u",
		         x->at[0] ? " field \"" : "", x->at, x->at[0] ? "\"" : "", v->len, RV_PAYLOAD_FIELDS);
		return false;
	}
	for (size_t i = 0; i < v->len; i++) {
		size_t old;
		if (v->type == RV_JSON_OBJECT) {
			if (v->key_lens[i] == 0 || v->key_lens[i] > RV_PAYLOAD_KEY_MAX) {
				snprintf(x->why, sizeof x->why, "payload field name \"%s%s%.40s\" must be 1..%u bytes", x->at,
				         x->at[0] ? "." : "", v->keys[i], RV_PAYLOAD_KEY_MAX);
				return false;
			}
			old = at_push(x, v->keys[i], v->key_lens[i]);
		} else {
			char num[24];
			int n = snprintf(num, sizeof num, "%zu", i);
			old = at_push(x, num, (size_t)n);
		}
		bool ok = check_value(x, &v->items[i], depth + 1);
		x->at[old] = '\0';
		if (!ok)
			return false;
	}
	return true;
}

/* The length of the JSON value (known valid) that starts at s[0]. */
static size_t value_len(const char *s, size_t avail)
{
	size_t depth = 0, i = 0;
	bool in_str = false;
	for (; i < avail; i++) {
		char ch = s[i];
		if (in_str) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_str = false;
		} else if (ch == '"') {
			in_str = true;
		} else if (ch == '{' || ch == '[') {
			depth++;
		} else if (ch == '}' || ch == ']') {
			if (--depth == 0)
				return i + 1;
		}
	}
	return avail;
}

static const char *type_word(rv_json_type t)
{
	switch (t) {
	case RV_JSON_NULL: return "null";
	case RV_JSON_FALSE:
	case RV_JSON_TRUE: return "a boolean";
	case RV_JSON_NUMBER: return "a number";
	case RV_JSON_STRING: return "a string";
	case RV_JSON_ARRAY: return "an array";
	case RV_JSON_OBJECT: return "an object";
	}
	return "?";
}

/* The id of a record into the arena at *used. */
static bool take_id(line_ctx *x, const char *line, size_t len, const rv_json *v, char *arena, size_t *used)
{
	const char *s;
	size_t n;
	if (v->type == RV_JSON_STRING) {
		s = v->str;
		n = v->len;
		if (n == 0) {
			snprintf(x->why, sizeof x->why, "\"id\" is empty");
			return false;
		}
	} else if (v->type == RV_JSON_NUMBER) {
		/* the digits as written: exact however long */
		s = line + v->offset;
		n = 0;
		while (v->offset + n < len && s[n] >= '0' && s[n] <= '9')
			n++;
		char next = v->offset + n < len ? s[n] : '\0';
		if (s[0] == '-' || n == 0 || next == '.' || next == 'e' || next == 'E') {
			size_t t = n;
			while (v->offset + t < len && strchr("0123456789+-.eE", s[t]))
				t++;
			snprintf(x->why, sizeof x->why, "\"id\" %.*s is not a non-negative integer (write other ids as strings)",
			         (int)(t > 40 ? 40 : t), s);
			return false;
		}
	} else {
		snprintf(x->why, sizeof x->why, "\"id\" is %s; expected a string or a non-negative integer", type_word(v->type));
		return false;
	}
	if (n > RV_ID_MAX) {
		snprintf(x->why, sizeof x->why, "\"id\" is %zu bytes; the limit is %u", n, RV_ID_MAX);
		return false;
	}
	memcpy(arena + *used, s, n);
	arena[*used + n] = '\0';
	*used += n + 1;
	return true;
}

/* Check one parsed line and add it as record r->pub.n. RV_OK, RV_EFORMAT
 * (x->why says what), or RV_ENOMEM. */
static int take_record(records *r, line_ctx *x, const char *line, size_t len, const rv_json *doc, size_t *arena_used)
{
	if (doc->type != RV_JSON_OBJECT) {
		snprintf(x->why, sizeof x->why, "a record must be a JSON object, not %s", type_word(doc->type));
		return RV_EFORMAT;
	}
	const rv_json *id = NULL, *vec = NULL, *pay = NULL;
	for (size_t i = 0; i < doc->len; i++) {
		const char *k = doc->keys[i];
		if (!strcmp(k, "id"))
			id = &doc->items[i];
		else if (!strcmp(k, "vector"))
			vec = &doc->items[i];
		else if (!strcmp(k, "payload"))
			pay = &doc->items[i];
		else {
			snprintf(x->why, sizeof x->why, "unknown member \"%.60s\" (a record has \"id\", \"vector\" and \"payload\")",
			         k);
			return RV_EFORMAT;
		}
	}
	if (!id || !vec) {
		snprintf(x->why, sizeof x->why, "no \"%s\"", !id ? "id" : "vector");
		return RV_EFORMAT;
	}
	if (vec->type != RV_JSON_ARRAY) {
		snprintf(x->why, sizeof x->why, "\"vector\" is %s; expected an array of numbers", type_word(vec->type));
		return RV_EFORMAT;
	}
	size_t dim = r->pub.dim ? r->pub.dim : vec->len;
	if (vec->len == 0 || vec->len != dim || dim > RV_DIM_MAX) {
		if (vec->len == 0)
			snprintf(x->why, sizeof x->why, "\"vector\" is empty");
		else if (vec->len != dim)
			snprintf(x->why, sizeof x->why, "\"vector\" has %zu numbers; expected %zu (%s)", vec->len, dim,
			         r->pub.n ? "as the records before it" : "the dimension asked for");
		else
			snprintf(x->why, sizeof x->why, "\"vector\" has %zu numbers; the limit is %u", vec->len, RV_DIM_MAX);
		return RV_EFORMAT;
	}
	for (size_t j = 0; j < dim; j++) {
		const rv_json *e = &vec->items[j];
		if (e->type != RV_JSON_NUMBER) {
			snprintf(x->why, sizeof x->why, "\"vector\"[%zu] is %s, not a number", j, type_word(e->type));
			return RV_EFORMAT;
		}
		if (!(fabs(e->num) <= FLT_MAX)) {
			snprintf(x->why, sizeof x->why, "\"vector\"[%zu] = %g is beyond float32's range", j, e->num);
			return RV_EFORMAT;
		}
	}
	if (pay && pay->type == RV_JSON_NULL)
		pay = NULL; /* null: no payload */
	if (pay && pay->type != RV_JSON_OBJECT) {
		snprintf(x->why, sizeof x->why, "\"payload\" is %s; it must be an object", type_word(pay->type));
		return RV_EFORMAT;
	}
	size_t plen = pay ? value_len(line + pay->offset, len - pay->offset) : 0;
	if (plen > RV_PAYLOAD_MAX) {
		snprintf(x->why, sizeof x->why, "payload is %zu bytes; the limit is %u", plen, RV_PAYLOAD_MAX);
		return RV_EFORMAT;
	}
	x->at[0] = '\0';
	if (pay && !check_value(x, pay, 1))
		return RV_EFORMAT;
	/* Accepted: copy it in. */
	size_t i = r->pub.n;
	if (i == r->vcap) {
		size_t cap = r->vcap ? r->vcap * 2 : 1024, bytes;
		float *nv;
		if (!rv_mul_size(cap, dim * sizeof(float), &bytes) || !(nv = rv_realloc(r->pub.vectors, bytes)))
			return RV_ENOMEM;
		r->pub.vectors = nv;
		r->vcap = cap;
	}
	r->pub.dim = dim;
	size_t at = *arena_used;
	if (!take_id(x, line, len, id, r->arena, arena_used))
		return RV_EFORMAT;
	r->pub.ids[i] = r->arena + at;
	for (size_t j = 0; j < dim; j++)
		r->pub.vectors[i * dim + j] = (float)vec->items[j].num;
	r->pub.payloads[i] = NULL;
	if (pay) {
		r->pub.payloads[i] = r->arena + *arena_used;
		memcpy(r->arena + *arena_used, line + pay->offset, plen);
		r->arena[*arena_used + plen] = '\0';
		*arena_used += plen + 1;
	}
	r->pub.lines[i] = x->line;
	r->pub.n++;
	return RV_OK;
}

typedef struct id_line {
	const char *id;
	size_t line;
} id_line;

static int id_line_cmp(const void *a, const void *b)
{
	const id_line *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* No id twice: sort (id, line) pairs and compare neighbours. Reports the
 * repeat whose second line comes first in the file. */
static int check_repeats(const char *path, const records *r)
{
	size_t n = r->pub.n;
	if (n < 2)
		return RV_OK;
	id_line *v = rv_malloc(n * sizeof *v);
	if (!v)
		return rv_error(NULL, RV_ENOMEM, "%s: out of memory checking %zu ids for repeats", path, n);
	for (size_t i = 0; i < n; i++)
		v[i] = (id_line){r->pub.ids[i], r->pub.lines[i]};
	qsort(v, n, sizeof *v, id_line_cmp);
	size_t best = SIZE_MAX;
	for (size_t i = 1; i < n; i++)
		if (!strcmp(v[i].id, v[i - 1].id) && (best == SIZE_MAX || v[i].line < v[best].line))
			best = i;
	int rc = RV_OK;
	if (best != SIZE_MAX)
		rc = rv_error(NULL, RV_EFORMAT, "%s: line %zu: id \"%.80s\" repeats line %zu", path, v[best].line,
		              v[best].id, v[best - 1].line);
	rv_free(v);
	return rc;
}

/* Read the whole file into a new buffer (*size bytes, NUL after them). */
static int slurp(const char *path, char **out, size_t *size)
{
	*out = NULL;
	bool is_dir = false;
	uint64_t ignored;
	if (rv_vfs_current()->stat(path, &is_dir, &ignored) == 0 && is_dir)
		return rv_error(NULL, RV_EINVAL, "%s: is a directory, not a JSON Lines file", path);
	FILE *f = fopen(path, "rb");
	if (!f)
		return rv_error(NULL, RV_EIO, "%s: cannot open: %s", path, strerror(errno));
	int rc = RV_OK;
	long flen;
	char *buf = NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (flen = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		rc = rv_error(NULL, RV_EIO, "%s: cannot tell its size: %s", path, strerror(errno));
	} else if ((unsigned long)flen >= SIZE_MAX || !(buf = rv_malloc((size_t)flen + 1))) {
		rc = rv_error(NULL, RV_ENOMEM, "%s: out of memory for %ld bytes", path, flen);
	} else if (fread(buf, 1, (size_t)flen, f) != (size_t)flen) {
		rc = rv_error(NULL, RV_EIO, "%s: read error", path);
	} else {
		buf[flen] = '\0';
		*out = buf;
		*size = (size_t)flen;
		buf = NULL;
	}
	rv_free(buf);
	fclose(f);
	return rc;
}

int rv_read_jsonl(const char *path, size_t dim, rv_records **out)
{
	if (!path || !out)
		return rv_error(NULL, RV_EINVAL, "NULL argument to rv_read_jsonl");
	*out = NULL;
	if (dim > RV_DIM_MAX)
		return rv_error(NULL, RV_EINVAL, "dim %zu is above %u", dim, RV_DIM_MAX);
	char *text;
	size_t size = 0;
	int rc = slurp(path, &text, &size);
	if (rc != RV_OK)
		return rc;
	/* Lines bound the records; the text bounds ids and payloads, each
	 * shorter than the line it came from, NUL included. */
	size_t nmax = 1;
	for (size_t i = 0; i < size; i++)
		nmax += text[i] == '\n';
	records *r = rv_calloc(1, sizeof *r);
	if (r) {
		r->pub.dim = dim;
		r->pub.ids = rv_malloc(nmax * sizeof *r->pub.ids);
		r->pub.payloads = rv_malloc(nmax * sizeof *r->pub.payloads);
		r->pub.lines = rv_malloc(nmax * sizeof *r->pub.lines);
		r->arena = rv_malloc(size + 2);
	}
	if (!r || !r->pub.ids || !r->pub.payloads || !r->pub.lines || !r->arena) {
		rc = rv_error(NULL, RV_ENOMEM, "%s: out of memory for up to %zu records", path, nmax);
		goto fail;
	}
	rv_json_limits lim = {.max_depth = LINE_DEPTH_MAX, .max_items = 0, .max_bytes = 0};
	line_ctx *x = rv_malloc(sizeof *x);
	if (!x) {
		rc = rv_error(NULL, RV_ENOMEM, "%s: out of memory", path);
		goto fail;
	}
	x->path = path;
	size_t arena_used = 0, lineno = 0;
	for (size_t at = 0; at <= size && rc == RV_OK;) {
		const char *line = text + at;
		const char *nl = memchr(line, '\n', size - at);
		size_t len = nl ? (size_t)(nl - line) : size - at;
		at += len + 1;
		lineno++;
		if (len && line[len - 1] == '\r')
			len--;
		size_t k = 0;
		while (k < len && (line[k] == ' ' || line[k] == '\t'))
			k++;
		if (k == len)
			continue; /* blank */
		x->line = lineno;
		rv_json *doc = NULL;
		char err[160];
		int prc = rv_json_parse(line, len, &lim, &doc, err, sizeof err);
		if (prc == RV_ENOMEM)
			rc = rv_error(NULL, RV_ENOMEM, "%s: line %zu: out of memory parsing it", path, lineno);
		else if (prc != RV_OK)
			rc = rv_error(NULL, RV_EFORMAT, "%s: line %zu: %s (bytes count from the line's start)", path, lineno,
			              err);
		else {
			int trc = take_record(r, x, line, len, doc, &arena_used);
			if (trc == RV_ENOMEM)
				rc = rv_error(NULL, RV_ENOMEM, "%s: line %zu: out of memory", path, lineno);
			else if (trc != RV_OK)
				rc = rv_error(NULL, RV_EFORMAT, "%s: line %zu: %s", path, lineno, x->why);
		}
		rv_json_free(doc);
	}
	rv_free(x);
	if (rc == RV_OK)
		rc = check_repeats(path, r);
	if (rc != RV_OK)
		goto fail;
	rv_free(text);
	*out = &r->pub;
	return RV_OK;
fail:
	rv_free(text);
	rv_records_free(r ? &r->pub : NULL);
	return rc;
}
