/*
 * payload.c: encoding payloads (payload.h has the format), reading them
 * back, writing them as JSON, and the per-slot store.
 */
#include <stdio.h>
#include <string.h>

#include "../util/alloc.h"
#include "../util/json.h"
#include "../util/utf8.h"
#include "payload.h"

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static double getf64(const uint8_t *p)
{
	uint64_t u = 0;
	for (int i = 7; i >= 0; i--)
		u = u << 8 | p[i];
	double d;
	memcpy(&d, &u, 8);
	return d;
}

static void putf64(uint8_t *p, double d)
{
	uint64_t u;
	memcpy(&u, &d, 8);
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(u >> (8 * i));
}

/* ---- encoding ---- */

typedef struct keyref {
	const char *key;
	size_t len;
	const rv_json *val;
} keyref;

static int keyref_cmp(const void *a, const void *b)
{
	const keyref *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->key, y->key, n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* The path of the value being encoded, for messages: "meta.tags[3]". */
typedef struct enc {
	size_t members; /* object members in the whole document */
	char path[160];
	char *why;
	size_t why_size;
} enc;

static size_t path_push_key(enc *e, const char *key, size_t len)
{
	size_t at = strlen(e->path);
	snprintf(e->path + at, sizeof e->path - at, "%s%.*s", at ? "." : "", (int)(len > 60 ? 60 : len), key);
	return at;
}

static size_t path_push_index(enc *e, size_t i)
{
	size_t at = strlen(e->path);
	snprintf(e->path + at, sizeof e->path - at, "[%zu]", i);
	return at;
}

static bool all_strings(const rv_json *v)
{
	for (size_t j = 0; j < v->len; j++)
		if (v->items[j].type != RV_JSON_STRING)
			return false;
	return true;
}

static int measure_object(enc *e, const rv_json *obj, size_t *size);

/* Bytes of v encoded as a value (its type byte included) added to *size. */
static int measure_value(enc *e, const rv_json *v, size_t *size)
{
	*size += 1;
	switch (v->type) {
	case RV_JSON_NULL:
	case RV_JSON_FALSE:
	case RV_JSON_TRUE: return RV_OK;
	case RV_JSON_NUMBER: *size += 8; return RV_OK;
	case RV_JSON_STRING: *size += 4 + v->len; return RV_OK;
	case RV_JSON_OBJECT: return measure_object(e, v, size);
	case RV_JSON_ARRAY:
		*size += 4;
		if (all_strings(v)) {
			for (size_t j = 0; j < v->len; j++)
				*size += 4 + v->items[j].len;
			return RV_OK;
		}
		*size += 4;
		for (size_t j = 0; j < v->len; j++) {
			size_t old = path_push_index(e, j);
			int rc = measure_value(e, &v->items[j], size);
			e->path[old] = '\0';
			if (rc != RV_OK)
				return rc;
		}
		return RV_OK;
	}
	return RV_EINVAL;
}

static int measure_object(enc *e, const rv_json *obj, size_t *size)
{
	if (obj->len > RV_PAYLOAD_FIELDS) {
		snprintf(e->why, e->why_size, "payload %s%s%shas %zu fields; the limit is %u", e->path[0] ? "field \"" : "",
		         e->path, e->path[0] ? "\" " : "", obj->len, RV_PAYLOAD_FIELDS);
		return RV_EINVAL;
	}
	*size += 8;
	e->members += obj->len;
	for (size_t i = 0; i < obj->len; i++) {
		size_t kl = obj->key_lens[i];
		if (kl == 0 || kl > RV_PAYLOAD_KEY_MAX) {
			snprintf(e->why, e->why_size, "payload field name \"%s%s%.40s\" must be 1..%u bytes", e->path,
			         e->path[0] ? "." : "", obj->keys[i], RV_PAYLOAD_KEY_MAX);
			return RV_EINVAL;
		}
		*size += 1 + kl;
		size_t old = path_push_key(e, obj->keys[i], kl);
		int rc = measure_value(e, &obj->items[i], size);
		e->path[old] = '\0';
		if (rc != RV_OK)
			return rc;
	}
	return RV_OK;
}

static size_t encode_object(uint8_t *b, const rv_json *obj, keyref *keys);

/* Encode v as a value (type byte first) at b; returns the bytes written.
 * keys: scratch for sorting object members, a stack: an object uses
 * keys[0..its members) and lends the rest to its values, so room for every
 * member of the document is always enough. */
static size_t encode_value(uint8_t *b, const rv_json *v, keyref *keys)
{
	size_t at = 0;
	switch (v->type) {
	case RV_JSON_NULL: b[at++] = RV_PT_NULL; break;
	case RV_JSON_FALSE: b[at++] = RV_PT_FALSE; break;
	case RV_JSON_TRUE: b[at++] = RV_PT_TRUE; break;
	case RV_JSON_NUMBER:
		b[at++] = RV_PT_NUMBER;
		putf64(b + at, v->num);
		at += 8;
		break;
	case RV_JSON_STRING:
		b[at++] = RV_PT_STRING;
		put32(b + at, (uint32_t)v->len);
		memcpy(b + at + 4, v->str, v->len);
		at += 4 + v->len;
		break;
	case RV_JSON_OBJECT:
		b[at++] = RV_PT_OBJECT;
		at += encode_object(b + at, v, keys);
		break;
	case RV_JSON_ARRAY:
		if (all_strings(v)) {
			/* the format-2 encoding, kept for arrays of strings */
			b[at++] = RV_PT_STRINGS;
			put32(b + at, (uint32_t)v->len);
			at += 4;
			for (size_t j = 0; j < v->len; j++) {
				put32(b + at, (uint32_t)v->items[j].len);
				memcpy(b + at + 4, v->items[j].str, v->items[j].len);
				at += 4 + v->items[j].len;
			}
			break;
		}
		b[at++] = RV_PT_ARRAY;
		size_t body = at;
		at += 8;
		for (size_t j = 0; j < v->len; j++)
			at += encode_value(b + at, &v->items[j], keys);
		put32(b + body, (uint32_t)(at - body - 4));
		put32(b + body + 4, (uint32_t)v->len);
		break;
	}
	return at;
}

static size_t encode_object(uint8_t *b, const rv_json *obj, keyref *keys)
{
	for (size_t i = 0; i < obj->len; i++)
		keys[i] = (keyref){obj->keys[i], obj->key_lens[i], &obj->items[i]};
	qsort(keys, obj->len, sizeof *keys, keyref_cmp);
	b[4] = (uint8_t)obj->len;
	b[5] = (uint8_t)(obj->len >> 8);
	b[6] = b[7] = 0;
	size_t at = 8;
	keyref *inner = keys + obj->len;
	for (size_t i = 0; i < obj->len; i++) {
		b[at++] = (uint8_t)keys[i].len;
		memcpy(b + at, keys[i].key, keys[i].len);
		at += keys[i].len;
		at += encode_value(b + at, keys[i].val, inner);
	}
	put32(b, (uint32_t)(at - 4));
	return at;
}

int rv_payload_from_json(const char *json, size_t len, uint8_t **out, char *why, size_t why_size)
{
	*out = NULL;
	if (len > RV_PAYLOAD_MAX) {
		snprintf(why, why_size, "payload is %zu bytes; the limit is %u", len, RV_PAYLOAD_MAX);
		return RV_EINVAL;
	}
	rv_json_limits lim = {.max_depth = RV_PAYLOAD_DEPTH_MAX, .max_items = 65536, .max_bytes = RV_PAYLOAD_MAX};
	rv_json *doc = NULL;
	char err[160];
	int rc = rv_json_parse(json, len, &lim, &doc, err, sizeof err);
	if (rc != RV_OK) {
		snprintf(why, why_size, "payload: %s", err);
		return rc;
	}
	keyref *keys = NULL;
	uint8_t *b = NULL;
	enc e = {.why = why, .why_size = why_size};
	size_t size = 0;
	if (doc->type != RV_JSON_OBJECT) {
		snprintf(why, why_size, "payload must be a JSON object, not %s", rv_json_type_name(doc->type));
		rc = RV_EINVAL;
	} else {
		rc = measure_object(&e, doc, &size);
	}
	if (rc == RV_OK) {
		keys = rv_malloc((e.members ? e.members : 1) * sizeof *keys);
		b = rv_malloc(size);
		if (!keys || !b)
			rc = RV_ENOMEM;
	}
	if (rc == RV_OK) {
		(void)encode_object(b, doc, keys); /* size bytes: measure walks as encode does */
		*out = b;
		b = NULL;
	}
	rv_free(b);
	rv_free(keys);
	rv_json_free(doc);
	return rc;
}

/* ---- reading ---- */

typedef struct checker {
	char *why;
	size_t why_size;
	char path[160];
} checker;

#define BAD(...)                                                                                                   \
	do {                                                                                                       \
		char msg_[120];                                                                                    \
		snprintf(msg_, sizeof msg_, __VA_ARGS__);                                                          \
		if (k->path[0])                                                                                    \
			snprintf(k->why, k->why_size, "payload field \"%s\": %s", k->path, msg_);                  \
		else                                                                                               \
			snprintf(k->why, k->why_size, "payload %s", msg_);                                         \
		return RV_ECORRUPT;                                                                                \
	} while (0)

static int check_object(checker *k, const uint8_t *b, size_t avail, unsigned depth, size_t *size);

/* Check a value of type t at b[0..avail); *used gets its length. */
static int check_value(checker *k, uint8_t t, const uint8_t *b, size_t avail, unsigned depth, size_t *used)
{
	switch (t) {
	case RV_PT_NULL:
	case RV_PT_FALSE:
	case RV_PT_TRUE: *used = 0; return RV_OK;
	case RV_PT_NUMBER: {
		if (avail < 8)
			BAD("number cut short");
		double d = getf64(b);
		if (d != d || d - d != 0)
			BAD("number not finite");
		*used = 8;
		return RV_OK;
	}
	case RV_PT_STRING: {
		if (avail < 4)
			BAD("string cut short");
		size_t l = get32(b);
		if (l > avail - 4)
			BAD("string length out of bounds");
		if (rv_utf8_check((const char *)b + 4, l) != l)
			BAD("string is not UTF-8");
		*used = 4 + l;
		return RV_OK;
	}
	case RV_PT_STRINGS: {
		if (avail < 4)
			BAD("array cut short");
		size_t cnt = get32(b), at = 4;
		if (cnt > (avail - at) / 4)
			BAD("array count out of bounds");
		for (size_t j = 0; j < cnt; j++) {
			if (avail - at < 4)
				BAD("array item %zu cut short", j);
			size_t l = get32(b + at);
			if (l > avail - at - 4)
				BAD("array item %zu out of bounds", j);
			if (rv_utf8_check((const char *)b + at + 4, l) != l)
				BAD("array item %zu is not UTF-8", j);
			at += 4 + l;
		}
		*used = at;
		return RV_OK;
	}
	case RV_PT_OBJECT:
		if (depth >= RV_PAYLOAD_DEPTH_MAX)
			BAD("nested deeper than %u", RV_PAYLOAD_DEPTH_MAX);
		return check_object(k, b, avail, depth + 1, used);
	case RV_PT_ARRAY: {
		if (depth >= RV_PAYLOAD_DEPTH_MAX)
			BAD("nested deeper than %u", RV_PAYLOAD_DEPTH_MAX);
		if (avail < 8)
			BAD("array cut short");
		size_t body = get32(b), cnt = get32(b + 4), at = 8;
		if (body < 4 || body > avail - 4)
			BAD("array length out of bounds");
		size_t end = 4 + body;
		if (cnt > end - at)
			BAD("array count out of bounds");
		size_t plen = strlen(k->path);
		for (size_t j = 0; j < cnt; j++) {
			if (at >= end)
				BAD("array item %zu cut short", j);
			snprintf(k->path + plen, sizeof k->path - plen, "[%zu]", j);
			size_t u;
			int rc = check_value(k, b[at], b + at + 1, end - at - 1, depth + 1, &u);
			if (rc != RV_OK)
				return rc;
			k->path[plen] = '\0';
			at += 1 + u;
		}
		if (at != end)
			BAD("array has %zu trailing bytes", end - at);
		*used = end;
		return RV_OK;
	}
	default: BAD("unknown type %u", t);
	}
}

static int check_object(checker *k, const uint8_t *b, size_t avail, unsigned depth, size_t *size)
{
	if (avail < 8)
		BAD("object header cut short (%zu bytes)", avail);
	size_t n = 4 + (size_t)get32(b);
	if (n < 8 || n > avail)
		BAD("object length %zu out of bounds (%zu available)", n, avail);
	size_t fields = (size_t)b[4] | (size_t)b[5] << 8;
	if (fields > RV_PAYLOAD_FIELDS || b[6] || b[7])
		BAD("object header invalid (%zu fields)", fields);
	size_t at = 8, plen = strlen(k->path);
	const uint8_t *prev = NULL;
	size_t prev_len = 0;
	for (size_t i = 0; i < fields; i++) {
		if (at + 1 > n)
			BAD("field %zu cut short", i);
		size_t kl = b[at++];
		if (kl == 0 || at + kl + 1 > n)
			BAD("field %zu: bad key length", i);
		const uint8_t *key = b + at;
		if (rv_utf8_check((const char *)key, kl) != kl)
			BAD("field %zu: key is not UTF-8", i);
		if (prev) {
			size_t m = kl < prev_len ? kl : prev_len;
			int c = memcmp(prev, key, m);
			if (c > 0 || (c == 0 && prev_len >= kl))
				BAD("field %zu: keys out of order or repeated", i);
		}
		prev = key;
		prev_len = kl;
		at += kl;
		snprintf(k->path + plen, sizeof k->path - plen, "%s%.*s", plen ? "." : "", (int)(kl > 60 ? 60 : kl),
		         (const char *)key);
		uint8_t t = b[at++];
		size_t u;
		int rc = check_value(k, t, b + at, n - at, depth, &u);
		if (rc != RV_OK)
			return rc;
		k->path[plen] = '\0';
		at += u;
	}
	if (at != n)
		BAD("object has %zu trailing bytes", n - at);
	*size = n;
	return RV_OK;
}
#undef BAD

int rv_payload_check(const uint8_t *b, size_t avail, size_t *size, char *why, size_t why_size)
{
	if (avail < 8) {
		snprintf(why, why_size, "payload header cut short (%zu bytes)", avail);
		return RV_ECORRUPT;
	}
	size_t n = 4 + (size_t)get32(b);
	if (n > 8 + (size_t)RV_PAYLOAD_MAX * 2) {
		snprintf(why, why_size, "payload length %zu exceeds the limit", n);
		return RV_ECORRUPT;
	}
	checker k = {why, why_size, ""};
	return check_object(&k, b, avail, 1, size);
}

/* Decode the value of type t at p into f; returns its length in bytes. */
static size_t read_value(uint8_t t, const uint8_t *p, rv_pfield *f)
{
	memset(f, 0, sizeof *f);
	f->type = t;
	switch (t) {
	case RV_PT_NUMBER: f->num = getf64(p); return 8;
	case RV_PT_STRING:
		f->len = get32(p);
		f->str = p + 4;
		return 4 + f->len;
	case RV_PT_STRINGS: {
		f->len = get32(p);
		f->items = p + 4;
		size_t at = 4;
		for (uint32_t j = 0; j < f->len; j++)
			at += 4 + get32(p + at);
		return at;
	}
	case RV_PT_OBJECT:
		f->obj = p;
		f->len = (uint32_t)p[4] | (uint32_t)p[5] << 8;
		return rv_payload_size(p);
	case RV_PT_ARRAY:
		f->len = get32(p + 4);
		f->items = p + 8;
		return 4 + (size_t)get32(p);
	default: return 0;
	}
}

bool rv_payload_next(const uint8_t *b, size_t *pos, const char **key, size_t *keylen, rv_pfield *f)
{
	if (!b)
		return false;
	size_t n = rv_payload_size(b);
	size_t at = *pos ? *pos : 8;
	if (at >= n)
		return false;
	size_t kl = b[at++];
	*key = (const char *)b + at;
	*keylen = kl;
	at += kl;
	uint8_t t = b[at++];
	at += read_value(t, b + at, f);
	*pos = at;
	return true;
}

bool rv_payload_field(const uint8_t *b, const char *key, size_t keylen, rv_pfield *out)
{
	size_t pos = 0, kl;
	const char *k;
	while (rv_payload_next(b, &pos, &k, &kl, out)) {
		size_t m = kl < keylen ? kl : keylen;
		int c = memcmp(k, key, m);
		if (c == 0 && kl == keylen)
			return true;
		if (c > 0 || (c == 0 && kl > keylen))
			return false; /* keys are sorted */
	}
	return false;
}

bool rv_pfield_elem(const rv_pfield *arr, const uint8_t **it, rv_pfield *out)
{
	const uint8_t *p = *it ? *it : arr->items;
	if (arr->type == RV_PT_STRINGS) {
		memset(out, 0, sizeof *out);
		out->type = RV_PT_STRING;
		out->len = get32(p);
		out->str = p + 4;
		*it = p + 4 + out->len;
		return true;
	}
	*it = p + 1 + read_value(p[0], p + 1, out);
	return true;
}

const uint8_t *rv_pfield_string_at(const rv_pfield *f, const uint8_t **it, uint32_t *len)
{
	const uint8_t *p = *it ? *it : f->items;
	*len = get32(p);
	*it = p + 4 + *len;
	return p + 4;
}

uint8_t *rv_payload_dup(const uint8_t *b)
{
	if (!b)
		return NULL;
	size_t n = rv_payload_size(b);
	uint8_t *c = rv_malloc(n);
	if (c)
		memcpy(c, b, n);
	return c;
}

static void object_to_json(rv_strbuf *s, const uint8_t *b);

static void value_to_json(rv_strbuf *s, const rv_pfield *f)
{
	switch (f->type) {
	case RV_PT_NULL: rv_strbuf_append(s, "null", 4); break;
	case RV_PT_FALSE: rv_strbuf_append(s, "false", 5); break;
	case RV_PT_TRUE: rv_strbuf_append(s, "true", 4); break;
	case RV_PT_NUMBER: rv_strbuf_json_number(s, f->num); break;
	case RV_PT_STRING: rv_strbuf_json_string(s, (const char *)f->str, f->len); break;
	case RV_PT_OBJECT: object_to_json(s, f->obj); break;
	default: { /* RV_PT_STRINGS, RV_PT_ARRAY */
		rv_strbuf_append(s, "[", 1);
		const uint8_t *it = NULL;
		rv_pfield e;
		for (uint32_t j = 0; j < f->len && rv_pfield_elem(f, &it, &e); j++) {
			if (j)
				rv_strbuf_append(s, ",", 1);
			value_to_json(s, &e);
		}
		rv_strbuf_append(s, "]", 1);
		break;
	}
	}
}

static void object_to_json(rv_strbuf *s, const uint8_t *b)
{
	rv_strbuf_append(s, "{", 1);
	size_t pos = 0, kl;
	const char *k;
	rv_pfield f;
	bool first = true;
	while (rv_payload_next(b, &pos, &k, &kl, &f)) {
		if (!first)
			rv_strbuf_append(s, ",", 1);
		first = false;
		rv_strbuf_json_string(s, k, kl);
		rv_strbuf_append(s, ":", 1);
		value_to_json(s, &f);
	}
	rv_strbuf_append(s, "}", 1);
}

size_t rv_payload_to_json(const uint8_t *b, char *buf, size_t size)
{
	rv_strbuf s = {0};
	object_to_json(&s, b);
	if (s.failed) {
		/* out of memory: report a size that cannot fit so the caller errs */
		rv_strbuf_free(&s);
		return SIZE_MAX - 1;
	}
	size_t len = s.len;
	if (len + 1 <= size) {
		memcpy(buf, s.buf, len);
		buf[len] = '\0';
	}
	rv_strbuf_free(&s);
	return len;
}

/* ---- merge patch (RFC 7386) ---- */

static void json_to_text(rv_strbuf *s, const rv_json *v)
{
	switch (v->type) {
	case RV_JSON_NULL: rv_strbuf_append(s, "null", 4); break;
	case RV_JSON_FALSE: rv_strbuf_append(s, "false", 5); break;
	case RV_JSON_TRUE: rv_strbuf_append(s, "true", 4); break;
	case RV_JSON_NUMBER: rv_strbuf_json_number(s, v->num); break;
	case RV_JSON_STRING: rv_strbuf_json_string(s, v->str, v->len); break;
	case RV_JSON_ARRAY:
		rv_strbuf_append(s, "[", 1);
		for (size_t i = 0; i < v->len; i++) {
			if (i)
				rv_strbuf_append(s, ",", 1);
			json_to_text(s, &v->items[i]);
		}
		rv_strbuf_append(s, "]", 1);
		break;
	case RV_JSON_OBJECT: rv_payload_merge(NULL, v, s); break;
	}
}

/* A patch member's value merged into the old value (NULL: none). */
static void merge_value(rv_strbuf *s, const rv_pfield *old, const rv_json *patch)
{
	if (patch->type == RV_JSON_OBJECT)
		rv_payload_merge(old && old->type == RV_PT_OBJECT ? old->obj : NULL, patch, s);
	else
		json_to_text(s, patch);
}

void rv_payload_merge(const uint8_t *old, const rv_json *patch, rv_strbuf *s)
{
	rv_strbuf_append(s, "{", 1);
	bool first = true;
	size_t pos = 0, kl;
	const char *k;
	rv_pfield f;
	while (rv_payload_next(old, &pos, &k, &kl, &f)) {
		const rv_json *p = rv_json_getn(patch, k, kl);
		if (p && p->type == RV_JSON_NULL)
			continue; /* null removes the member */
		if (!first)
			rv_strbuf_append(s, ",", 1);
		first = false;
		rv_strbuf_json_string(s, k, kl);
		rv_strbuf_append(s, ":", 1);
		if (p)
			merge_value(s, &f, p);
		else
			value_to_json(s, &f);
	}
	for (size_t i = 0; i < patch->len; i++) {
		const rv_json *p = &patch->items[i];
		rv_pfield unused;
		if (p->type == RV_JSON_NULL || (old && rv_payload_field(old, patch->keys[i], patch->key_lens[i], &unused)))
			continue;
		if (!first)
			rv_strbuf_append(s, ",", 1);
		first = false;
		rv_strbuf_json_string(s, patch->keys[i], patch->key_lens[i]);
		rv_strbuf_append(s, ":", 1);
		merge_value(s, NULL, p);
	}
	rv_strbuf_append(s, "}", 1);
}

/* ---- store ---- */

int rv_payloads_init(rv_payloads *p)
{
	memset(p, 0, sizeof *p);
	return rv_rwlock_init(&p->lock);
}

void rv_payloads_destroy(rv_payloads *p)
{
	for (size_t i = 0; i < p->cap; i++)
		rv_free(p->rec[i]);
	rv_free(p->rec);
	rv_rwlock_destroy(&p->lock);
	memset(p, 0, sizeof *p);
}

int rv_payloads_reserve(rv_payloads *p, size_t n)
{
	if (n <= p->cap)
		return RV_OK;
	size_t want = p->cap ? p->cap : 64;
	while (want < n)
		want *= 2;
	uint8_t **r = rv_calloc(want, sizeof *r);
	if (!r)
		return RV_ENOMEM;
	rv_rwlock_wrlock(&p->lock);
	if (p->cap)
		memcpy(r, p->rec, p->cap * sizeof *r);
	uint8_t **old = p->rec;
	p->rec = r;
	p->cap = want;
	rv_rwlock_unlock(&p->lock);
	rv_free(old);
	return RV_OK;
}

uint8_t *rv_payloads_swap_locked(rv_payloads *p, uint32_t slot, uint8_t *blob)
{
	if (slot >= p->cap)
		return blob; /* only clearing reaches here (setters reserve): nothing to clear */
	uint8_t *old = p->rec[slot];
	p->rec[slot] = blob;
	if (old) {
		p->count--;
		p->bytes -= rv_payload_size(old);
	}
	if (blob) {
		p->count++;
		p->bytes += rv_payload_size(blob);
	}
	return old;
}

void *rv_payloads_renumber_prepare(rv_payloads *p, size_t n)
{
	size_t m = n > p->cap ? n : p->cap;
	return rv_calloc(m ? m : 1, sizeof(uint8_t *));
}

void rv_payloads_renumber_apply(rv_payloads *p, void *prepared, const uint32_t *old_to_new, size_t n)
{
	uint8_t **r = prepared;
	size_t m = n > p->cap ? n : p->cap;
	for (size_t i = 0; i < p->cap; i++) {
		if (!p->rec[i])
			continue;
		size_t to = i < n ? old_to_new[i] : i;
		r[to] = p->rec[i];
	}
	rv_free(p->rec);
	p->rec = r;
	p->cap = m;
}
