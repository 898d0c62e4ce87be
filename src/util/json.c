/*
 * json.c: see json.h. A strict RFC 8259 parser to a small DOM, and a
 * writer.
 *
 * Parsing is one pass over the input with an explicit stack of open
 * containers (frames) on the heap instead of recursion, so that depth costs
 * heap, not C stack: the core also runs as WebAssembly, whose stacks are
 * small, and a limit someone raised must not turn into a stack overflow.
 * The loop alternates two steps:
 *   1. read a value: a scalar is decoded whole; '[' or '{' pushes a frame
 *      (and for an object reads the first key and its ':');
 *   2. hand the value to the innermost open frame, then read ',' (and the
 *      next key: back to 1) or the closing bracket, which pops the frame and
 *      makes the finished container the value to hand on (step 2 again).
 * Every value is owned by exactly one place at a time (the value in hand,
 * a frame's node, a frame's pending key), and the error path frees those,
 * so nothing leaks whichever check fails.
 *
 * Strings are decoded in two passes of the same function: the first checks
 * everything and measures, the second writes into a buffer of exactly that
 * size and cannot fail. Raw non-ASCII bytes come in runs (every byte of a
 * multi-byte sequence is >= 0x80, and '"', '\' and controls are ASCII), and
 * each run is checked with rv_utf8_check.
 *
 * Duplicate keys are found by scanning the keys so far while an object is
 * small, and through a hash table of key indices (hashtab.h) once it has 8
 * members, so an object of 65536 members costs no 2^31 comparisons.
 *
 * rv_json_free walks the tree without recursion and without allocating: a
 * container being freed no longer needs its `str` and `offset` fields, so
 * they hold the way back up (parent pointer) and the next item to visit.
 */
#include "json.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "hashtab.h"
#include "ruvector.h"
#include "utf8.h"

/* ---- freeing ---- */

static bool is_container(const rv_json *v)
{
	return v->type == RV_JSON_ARRAY || v->type == RV_JSON_OBJECT;
}

/* Free everything v owns (not v itself). */
static void free_value(rv_json *v)
{
	if (v->type == RV_JSON_STRING) {
		rv_free(v->str);
		v->str = NULL;
		return;
	}
	if (!is_container(v))
		return;
	v->str = NULL;  /* parent: none, stop here */
	v->offset = 0;  /* next item to visit */
	rv_json *n = v;
	while (n) {
		if (n->offset < n->len) {
			rv_json *c = &n->items[n->offset++];
			if (c->type == RV_JSON_STRING) {
				rv_free(c->str);
			} else if (is_container(c)) {
				c->str = (char *)n;
				c->offset = 0;
				n = c;
			}
			continue;
		}
		if (n->type == RV_JSON_OBJECT && n->keys)
			for (size_t i = 0; i < n->len; i++)
				rv_free(n->keys[i]);
		rv_free(n->keys);
		rv_free(n->key_lens);
		rv_free(n->items);
		rv_json *parent = (rv_json *)n->str;
		n->str = NULL;
		n->items = NULL;
		n->keys = NULL;
		n->key_lens = NULL;
		n->len = 0;
		n = parent;
	}
}

void rv_json_free(rv_json *v)
{
	if (!v)
		return;
	free_value(v);
	rv_free(v);
}

/* ---- lookup ---- */

const rv_json *rv_json_getn(const rv_json *obj, const char *key, size_t klen)
{
	if (!obj || obj->type != RV_JSON_OBJECT || (!key && klen))
		return NULL;
	for (size_t i = 0; i < obj->len; i++)
		if (obj->key_lens[i] == klen && !memcmp(obj->keys[i], key, klen))
			return &obj->items[i];
	return NULL;
}

const rv_json *rv_json_get(const rv_json *obj, const char *key)
{
	if (!key)
		return NULL;
	return rv_json_getn(obj, key, strlen(key));
}

const char *rv_json_type_name(rv_json_type t)
{
	switch (t) {
	case RV_JSON_NULL: return "null";
	case RV_JSON_FALSE:
	case RV_JSON_TRUE: return "boolean";
	case RV_JSON_NUMBER: return "number";
	case RV_JSON_STRING: return "string";
	case RV_JSON_ARRAY: return "array";
	case RV_JSON_OBJECT: return "object";
	}
	return "unknown";
}

/* ---- parser ---- */

#define SMALL_OBJECT 8 /* below this many members, duplicates by linear scan */

typedef struct parser {
	const unsigned char *s;
	size_t len, pos;
	size_t max_depth, max_items;
	char *err;
	size_t errsize;
} parser;

/* An open array or object. */
typedef struct frame {
	rv_json node;       /* the container; items[0..len) (and keys) are complete */
	size_t items_cap;   /* allocated elements of node.items */
	size_t keys_cap;    /* of node.keys */
	size_t lens_cap;    /* of node.key_lens */
	rv_hashtab key_tab; /* objects with >= SMALL_OBJECT members: key -> its index */
	char *key;          /* objects: the key read, waiting for its value */
	size_t key_len;
} frame;

static int fail(parser *p, int code, size_t at, const char *fmt, ...) RV_PRINTF(4, 5);

static int fail(parser *p, int code, size_t at, const char *fmt, ...)
{
	if (!p->err || !p->errsize)
		return code;
	char what[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errsize, "JSON: %s at byte %zu", what, at);
	return code;
}

static int oom(parser *p)
{
	return fail(p, RV_ENOMEM, p->pos, "out of memory");
}

/* "'x'" for a printable ASCII byte, "byte 0xNN" otherwise. */
static const char *describe(unsigned c, char buf[16])
{
	if (c > 0x20 && c < 0x7f)
		snprintf(buf, 16, "character '%c'", (char)c);
	else
		snprintf(buf, 16, "byte 0x%02x", c);
	return buf;
}

static int unexpected(parser *p, const char *expected)
{
	char d[16];
	if (p->pos >= p->len)
		return fail(p, RV_EINVAL, p->pos, "unexpected end of input, expected %s", expected);
	return fail(p, RV_EINVAL, p->pos, "unexpected %s, expected %s", describe(p->s[p->pos], d), expected);
}

static void skip_ws(parser *p)
{
	while (p->pos < p->len) {
		unsigned char c = p->s[p->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

static bool is_digit(unsigned char c)
{
	return (unsigned)(c - '0') < 10u;
}

static bool hex4(const unsigned char *s, size_t len, size_t i, unsigned *out)
{
	if (len < 4 || i > len - 4)
		return false;
	unsigned v = 0;
	for (size_t k = 0; k < 4; k++) {
		unsigned c = s[i + k], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return false;
		v = v << 4 | d;
	}
	*out = v;
	return true;
}

static size_t utf8_encode(unsigned cp, unsigned char out[4])
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | cp >> 6);
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | cp >> 12);
		out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | cp >> 18);
	out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The string whose opening quote is at p->pos: with dst NULL, check it and
 * set *out_len to its decoded length; with dst (*out_len + 1 bytes, after a
 * first pass succeeded), write it. Returns the position after the closing
 * quote in *end. */
static int string_pass(parser *p, char *dst, size_t *out_len, size_t *end)
{
	const unsigned char *s = p->s;
	size_t len = p->len, open = p->pos, i = open + 1, o = 0;
	char d[16];
	for (;;) {
		if (i >= len)
			return fail(p, RV_EINVAL, open, "unterminated string");
		unsigned c = s[i];
		if (c == '"') {
			i++;
			break;
		}
		if (c < 0x20)
			return fail(p, RV_EINVAL, i, "control character 0x%02x in a string (must be escaped)", c);
		if (c >= 0x80) {
			size_t j = i;
			while (j < len && s[j] >= 0x80)
				j++;
			size_t ok = rv_utf8_check((const char *)s + i, j - i);
			if (ok < j - i)
				return fail(p, RV_EINVAL, i + ok, "invalid UTF-8");
			if (dst)
				memcpy(dst + o, s + i, j - i);
			o += j - i;
			i = j;
			continue;
		}
		if (c != '\\') {
			if (dst)
				dst[o] = (char)c;
			o++;
			i++;
			continue;
		}
		if (i + 1 >= len)
			return fail(p, RV_EINVAL, open, "unterminated string");
		unsigned e = s[i + 1], cp;
		switch (e) {
		case '"': cp = '"'; break;
		case '\\': cp = '\\'; break;
		case '/': cp = '/'; break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u': {
			size_t esc = i;
			if (!hex4(s, len, i + 2, &cp))
				return fail(p, RV_EINVAL, esc, "invalid \\u escape (expected 4 hex digits)");
			i += 6;
			if (cp == 0)
				return fail(p, RV_EINVAL, esc, "\\u0000 in a string (NUL is not allowed)");
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return fail(p, RV_EINVAL, esc, "lone low surrogate \\u%04x", cp);
			if (cp >= 0xd800 && cp <= 0xdbff) {
				unsigned lo;
				if (i + 1 < len && s[i] == '\\' && s[i + 1] == 'u' && hex4(s, len, i + 2, &lo) &&
				    lo >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					i += 6;
				} else {
					return fail(p, RV_EINVAL, esc,
					            "lone high surrogate \\u%04x (not followed by a low surrogate)", cp);
				}
			}
			unsigned char u[4];
			size_t n = utf8_encode(cp, u);
			if (dst)
				memcpy(dst + o, u, n);
			o += n;
			continue;
		}
		default:
			return fail(p, RV_EINVAL, i, "invalid escape: backslash then %s", describe(e, d));
		}
		if (dst)
			dst[o] = (char)cp;
		o++;
		i += 2;
	}
	*out_len = o;
	*end = i;
	return RV_OK;
}

/* The string at p->pos into a new buffer. */
static int parse_string(parser *p, char **out, size_t *out_len)
{
	size_t n, end;
	int rc = string_pass(p, NULL, &n, &end);
	if (rc)
		return rc;
	/* every escape decodes to fewer bytes than it takes, so n < len */
	char *buf = rv_malloc(n + 1);
	if (!buf)
		return oom(p);
	size_t n2;
	string_pass(p, buf, &n2, &end);
	buf[n] = '\0';
	*out = buf;
	*out_len = n;
	p->pos = end;
	return RV_OK;
}

static int parse_number(parser *p, rv_json *v)
{
	const unsigned char *s = p->s;
	size_t len = p->len, start = p->pos, i = start;
	if (s[i] == '-')
		i++;
	if (i >= len || !is_digit(s[i])) {
		p->pos = i;
		return unexpected(p, "a digit");
	}
	if (s[i] == '0') {
		i++;
		if (i < len && is_digit(s[i]))
			return fail(p, RV_EINVAL, start, "number with a leading zero");
	} else {
		while (i < len && is_digit(s[i]))
			i++;
	}
	if (i < len && s[i] == '.') {
		i++;
		if (i >= len || !is_digit(s[i])) {
			p->pos = i;
			return unexpected(p, "a digit after the decimal point");
		}
		while (i < len && is_digit(s[i]))
			i++;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= len || !is_digit(s[i])) {
			p->pos = i;
			return unexpected(p, "a digit in the exponent");
		}
		while (i < len && is_digit(s[i]))
			i++;
	}
	/* strtod needs a NUL-terminated copy: the input need not have one, and
	 * strtod must not see the bytes after the token. */
	size_t n = i - start;
	char small[64];
	char *buf = small;
	if (n >= sizeof small) {
		buf = rv_malloc(n + 1);
		if (!buf)
			return oom(p);
	}
	memcpy(buf, s + start, n);
	buf[n] = '\0';
	char *endp;
	double d = strtod(buf, &endp);
	bool whole = endp == buf + n;
	if (buf != small)
		rv_free(buf);
	if (!whole)
		return fail(p, RV_EINVAL, start, "number not convertible (is the C numeric locale in use?)");
	if (isinf(d))
		return fail(p, RV_EINVAL, start, "number out of range");
	memset(v, 0, sizeof *v);
	v->type = RV_JSON_NUMBER;
	v->num = d;
	v->offset = start;
	p->pos = i;
	return RV_OK;
}

static int parse_literal(parser *p, const char *word, rv_json_type t, rv_json *v)
{
	size_t n = strlen(word);
	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n)) {
		/* point at the first byte that differs */
		size_t k = 0;
		while (p->pos + k < p->len && k < n && p->s[p->pos + k] == (unsigned char)word[k])
			k++;
		p->pos += k;
		char d[16];
		if (p->pos >= p->len)
			return fail(p, RV_EINVAL, p->pos, "unexpected end of input in a literal (expected %s)", word);
		return fail(p, RV_EINVAL, p->pos, "unexpected %s in a literal (expected %s)",
		            describe(p->s[p->pos], d), word);
	}
	memset(v, 0, sizeof *v);
	v->type = t;
	v->offset = p->pos;
	p->pos += n;
	return RV_OK;
}

/* A scalar at p->pos (not at the end, not '[' or '{'). */
static int parse_scalar(parser *p, rv_json *v)
{
	unsigned char c = p->s[p->pos];
	if (c == '"') {
		size_t start = p->pos, n;
		char *str;
		int rc = parse_string(p, &str, &n);
		if (rc)
			return rc;
		memset(v, 0, sizeof *v);
		v->type = RV_JSON_STRING;
		v->str = str;
		v->len = n;
		v->offset = start;
		return RV_OK;
	}
	if (c == '-' || is_digit(c))
		return parse_number(p, v);
	if (c == 't')
		return parse_literal(p, "true", RV_JSON_TRUE, v);
	if (c == 'f')
		return parse_literal(p, "false", RV_JSON_FALSE, v);
	if (c == 'n')
		return parse_literal(p, "null", RV_JSON_NULL, v);
	return unexpected(p, "a value");
}

/* The table's compare: is member i's key k[0..n)? */
static bool key_is(const void *ctx, uint32_t i, const void *k, size_t n)
{
	const rv_json *o = ctx;
	return o->key_lens[i] == n && !memcmp(o->keys[i], k, n);
}

static inline uint32_t key_hash(const char *k, size_t n)
{
	return (uint32_t)rv_hash_bytes(k, n);
}

/* Whether f's object already has key k. */
static bool has_key(const frame *f, const char *k, size_t n)
{
	const rv_json *o = &f->node;
	if (!f->key_tab.cap) {
		for (size_t i = 0; i < o->len; i++)
			if (o->key_lens[i] == n && !memcmp(o->keys[i], k, n))
				return true;
		return false;
	}
	return rv_hashtab_find(&f->key_tab, key_hash(k, n), key_is, o, k, n) != RV_HASHTAB_NONE;
}

/* Index key number node.len - 1, which was just added: from SMALL_OBJECT
 * members on, with all the keys before it the first time. */
static bool hash_added(frame *f)
{
	size_t n = f->node.len;
	if (n < SMALL_OBJECT)
		return true;
	if (n - 1 >= RV_HASHTAB_NONE)
		return false; /* the table's values are 32-bit */
	for (size_t i = f->key_tab.cap ? n - 1 : 0; i < n; i++) {
		const char *k = f->node.keys[i];
		size_t len = f->node.key_lens[i];
		uint32_t h = key_hash(k, len);
		bool found;
		size_t b = rv_hashtab_probe(&f->key_tab, h, key_is, &f->node, k, len, &found);
		if (!rv_hashtab_insert(&f->key_tab, &b, h, (uint32_t)i))
			return false;
	}
	return true;
}

/* Show a key in a message: at most 40 bytes, cut at a character boundary,
 * control characters as '?'. */
static void key_for_message(const char *k, size_t n, char out[48])
{
	size_t m = n;
	if (m > 40) {
		m = 40;
		while (m > 0 && ((unsigned char)k[m] & 0xc0) == 0x80)
			m--;
	}
	for (size_t i = 0; i < m; i++)
		out[i] = (unsigned char)k[i] < 0x20 ? '?' : k[i];
	if (m < n) {
		memcpy(out + m, "...", 3);
		m += 3;
	}
	out[m] = '\0';
}

/* At the start of a member (after '{' or ','): the key, checked for
 * duplicates, and its ':'. */
static int parse_key(parser *p, frame *f)
{
	skip_ws(p);
	if (p->pos >= p->len || p->s[p->pos] != '"')
		return unexpected(p, "a string key");
	size_t at = p->pos, n;
	char *k;
	int rc = parse_string(p, &k, &n);
	if (rc)
		return rc;
	if (has_key(f, k, n)) {
		char shown[48];
		key_for_message(k, n, shown);
		rv_free(k);
		return fail(p, RV_EINVAL, at, "duplicate key \"%s\"", shown);
	}
	f->key = k;
	f->key_len = n;
	skip_ws(p);
	if (p->pos >= p->len || p->s[p->pos] != ':')
		return unexpected(p, "':' after a key");
	p->pos++;
	return RV_OK;
}

/* Make room for one more element in *ptr (*cap elements of elem bytes):
 * doubling from 4, since most arrays and objects in payloads are small
 * (rv_grow_array starts at 8, and an rv_json is 64 bytes). */
static bool grow_one(void **ptr, size_t *cap, size_t len, size_t elem)
{
	if (len < *cap)
		return true;
	size_t ncap = *cap ? *cap : 2, bytes;
	if (ncap > SIZE_MAX / 2 || !rv_mul_size(ncap * 2, elem, &bytes))
		return false;
	void *p = rv_realloc(*ptr, bytes);
	if (!p)
		return false;
	*ptr = p;
	*cap = ncap * 2;
	return true;
}

/* Hand v to the open container f. Takes v whatever happens (on failure it
 * is freed). */
static int frame_add(parser *p, frame *f, rv_json *v)
{
	rv_json *n = &f->node;
	if (n->len >= p->max_items) {
		size_t at = v->offset;
		free_value(v);
		return fail(p, RV_EINVAL, at, "more than %zu items in an %s", p->max_items,
		            n->type == RV_JSON_ARRAY ? "array" : "object");
	}
	void *items = n->items, *keys = n->keys, *lens = n->key_lens;
	bool ok = grow_one(&items, &f->items_cap, n->len, sizeof *n->items);
	n->items = items;
	if (ok && n->type == RV_JSON_OBJECT) {
		ok = grow_one(&keys, &f->keys_cap, n->len, sizeof *n->keys);
		n->keys = keys;
		if (ok)
			ok = grow_one(&lens, &f->lens_cap, n->len, sizeof *n->key_lens);
		n->key_lens = lens;
	}
	if (!ok) {
		free_value(v);
		return oom(p);
	}
	n->items[n->len] = *v;
	if (n->type == RV_JSON_OBJECT) {
		n->keys[n->len] = f->key;
		n->key_lens[n->len] = f->key_len;
		f->key = NULL;
	}
	n->len++;
	if (n->type == RV_JSON_OBJECT && !hash_added(f))
		return oom(p);
	return RV_OK;
}

int rv_json_parse(const char *text, size_t len, const rv_json_limits *lim, rv_json **out, char *err,
                  size_t errsize)
{
	if (err && errsize)
		err[0] = '\0';
	parser p = {(const unsigned char *)text, len, 0, RV_JSON_DEFAULT_MAX_DEPTH, RV_JSON_DEFAULT_MAX_ITEMS,
	            err, errsize};
	size_t max_bytes = RV_JSON_DEFAULT_MAX_BYTES;
	if (lim) {
		if (lim->max_depth)
			p.max_depth = lim->max_depth;
		if (lim->max_items)
			p.max_items = lim->max_items;
		if (lim->max_bytes)
			max_bytes = lim->max_bytes;
	}
	if (!out)
		return fail(&p, RV_EINVAL, 0, "no place for the result (out is NULL)");
	*out = NULL;
	if (!text && len)
		return fail(&p, RV_EINVAL, 0, "no text (NULL) of %zu bytes", len);
	if (len > max_bytes)
		return fail(&p, RV_EINVAL, max_bytes, "input of %zu bytes longer than the limit of %zu", len,
		            max_bytes);

	frame *stack = NULL;
	size_t depth = 0, stack_cap = 0;
	rv_json v;
	bool have_v = false;
	int rc;
	for (;;) {
		/* step 1: a value */
		skip_ws(&p);
		if (p.pos >= p.len) {
			rc = unexpected(&p, "a value");
			goto error;
		}
		unsigned char c = p.s[p.pos];
		if (c == '[' || c == '{') {
			if (depth >= p.max_depth) {
				rc = fail(&p, RV_EINVAL, p.pos, "nesting deeper than %zu", p.max_depth);
				goto error;
			}
			void *st = stack;
			bool ok = rv_grow_array(&st, &stack_cap, depth + 1, sizeof *stack);
			stack = st;
			if (!ok) {
				rc = oom(&p);
				goto error;
			}
			frame *f = &stack[depth++];
			memset(f, 0, sizeof *f);
			f->node.type = c == '[' ? RV_JSON_ARRAY : RV_JSON_OBJECT;
			f->node.offset = p.pos++;
			skip_ws(&p);
			if (p.pos < p.len && p.s[p.pos] == (c == '[' ? ']' : '}')) {
				p.pos++;
				v = f->node;
				depth--;
				have_v = true;
			} else {
				if (c == '{' && (rc = parse_key(&p, f)))
					goto error;
				continue;
			}
		} else {
			if ((rc = parse_scalar(&p, &v)))
				goto error;
			have_v = true;
		}
		/* step 2: hand it on, and close what ends here */
		for (;;) {
			if (depth == 0)
				goto done;
			frame *f = &stack[depth - 1];
			rc = frame_add(&p, f, &v);
			have_v = false;
			if (rc)
				goto error;
			bool arr = f->node.type == RV_JSON_ARRAY;
			skip_ws(&p);
			if (p.pos < p.len && p.s[p.pos] == ',') {
				p.pos++;
				if (!arr && (rc = parse_key(&p, f)))
					goto error;
				break;
			}
			if (p.pos < p.len && p.s[p.pos] == (arr ? ']' : '}')) {
				p.pos++;
				rv_hashtab_free(&f->key_tab);
				v = f->node;
				depth--;
				have_v = true;
				continue;
			}
			rc = unexpected(&p, arr ? "',' or ']' in an array" : "',' or '}' in an object");
			goto error;
		}
	}

done:
	skip_ws(&p);
	if (p.pos < p.len) {
		rc = unexpected(&p, "the end of input after the value");
		goto error;
	}
	rv_free(stack);
	stack = NULL;
	rv_json *root = rv_malloc(sizeof *root);
	if (!root) {
		rc = oom(&p);
		goto error;
	}
	*root = v;
	*out = root;
	return RV_OK;

error:
	if (have_v)
		free_value(&v);
	while (depth > 0) {
		frame *f = &stack[--depth];
		free_value(&f->node);
		rv_free(f->key);
		rv_hashtab_free(&f->key_tab);
	}
	rv_free(stack);
	return rc;
}

/* ---- writer ---- */

/* Room for n more bytes and the NUL. */
static bool reserve(rv_strbuf *b, size_t n)
{
	if (b->failed)
		return false;
	size_t need;
	if (!rv_add_size(b->len, n, &need) || !rv_add_size(need, 1, &need)) {
		b->failed = true;
		return false;
	}
	if (need <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need) {
		if (cap > SIZE_MAX / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	char *nb = rv_realloc(b->buf, cap);
	if (!nb) {
		b->failed = true;
		return false;
	}
	b->buf = nb;
	b->cap = cap;
	return true;
}

void rv_strbuf_append(rv_strbuf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	if (n)
		memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

void rv_strbuf_printf(rv_strbuf *b, const char *fmt, ...)
{
	if (b->failed)
		return;
	va_list ap;
	va_start(ap, fmt);
	char small[128];
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(small, sizeof small, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		va_end(ap);
		b->failed = true;
		return;
	}
	if ((size_t)n < sizeof small) {
		va_end(ap);
		rv_strbuf_append(b, small, (size_t)n);
		return;
	}
	if (reserve(b, (size_t)n)) {
		vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
		b->len += (size_t)n;
	}
	va_end(ap);
}

void rv_strbuf_json_string(rv_strbuf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	rv_strbuf_append(b, "\"", 1);
	size_t i = 0, run = 0; /* s[run..i) is waiting to be copied as is */
	while (i < n) {
		unsigned c = s[i];
		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0x80) {
			/* one valid sequence is copied; an invalid byte is replaced */
			size_t want = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2, have = n - i < want ? n - i : want;
			if (rv_utf8_check((const char *)s + i, have) == have && have == want) {
				i += want;
				continue;
			}
		}
		rv_strbuf_append(b, (const char *)s + run, i - run);
		char esc[8];
		switch (c) {
		case '"': rv_strbuf_append(b, "\\\"", 2); break;
		case '\\': rv_strbuf_append(b, "\\\\", 2); break;
		case '\b': rv_strbuf_append(b, "\\b", 2); break;
		case '\f': rv_strbuf_append(b, "\\f", 2); break;
		case '\n': rv_strbuf_append(b, "\\n", 2); break;
		case '\r': rv_strbuf_append(b, "\\r", 2); break;
		case '\t': rv_strbuf_append(b, "\\t", 2); break;
		default:
			if (c >= 0x80) {
				rv_strbuf_append(b, "\\ufffd", 6);
			} else {
				snprintf(esc, sizeof esc, "\\u%04x", c);
				rv_strbuf_append(b, esc, 6);
			}
		}
		i++;
		run = i;
	}
	rv_strbuf_append(b, (const char *)s + run, i - run);
	rv_strbuf_append(b, "\"", 1);
}

void rv_strbuf_json_number(rv_strbuf *b, double x)
{
	if (!isfinite(x)) {
		rv_strbuf_append(b, "null", 4);
		return;
	}
	char buf[40];
	if (fabs(x) < 1e15 && x == floor(x)) {
		int n = snprintf(buf, sizeof buf, "%.0f", x);
		rv_strbuf_append(b, buf, (size_t)n);
		return;
	}
	int n = 0;
	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(buf, sizeof buf, "%.*g", prec, x);
		if (strtod(buf, NULL) == x)
			break;
	}
	rv_strbuf_append(b, buf, (size_t)n);
}

void rv_strbuf_free(rv_strbuf *b)
{
	rv_free(b->buf);
	b->buf = NULL;
	b->len = b->cap = 0;
	b->failed = false;
}
