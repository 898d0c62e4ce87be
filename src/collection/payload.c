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

int rv_payload_from_json(const char *json, size_t len, uint8_t **out, char *why, size_t why_size)
{
	*out = NULL;
	if (len > RV_PAYLOAD_MAX) {
		snprintf(why, why_size, "payload is %zu bytes; the limit is %u", len, RV_PAYLOAD_MAX);
		return RV_EINVAL;
	}
	rv_json_limits lim = {.max_depth = 3, .max_items = 65536, .max_bytes = RV_PAYLOAD_MAX};
	rv_json *doc = NULL;
	char err[160];
	int rc = rv_json_parse(json, len, &lim, &doc, err, sizeof err);
	if (rc != RV_OK) {
		snprintf(why, why_size, "payload: %s", err);
		return rc;
	}
	keyref *keys = NULL;
	uint8_t *b = NULL;
	if (doc->type != RV_JSON_OBJECT) {
		snprintf(why, why_size, "payload must be a JSON object, not %s", rv_json_type_name(doc->type));
		rc = RV_EINVAL;
		goto out;
	}
	if (doc->len > RV_PAYLOAD_FIELDS) {
		snprintf(why, why_size, "payload has %zu fields; the limit is %u", doc->len, RV_PAYLOAD_FIELDS);
		rc = RV_EINVAL;
		goto out;
	}
	keys = rv_malloc((doc->len ? doc->len : 1) * sizeof *keys);
	if (!keys) {
		rc = RV_ENOMEM;
		goto out;
	}
	/* size and validate */
	size_t size = 8;
	for (size_t i = 0; i < doc->len; i++) {
		const rv_json *v = &doc->items[i];
		keys[i] = (keyref){doc->keys[i], doc->key_lens[i], v};
		size_t kl = doc->key_lens[i];
		if (kl == 0 || kl > RV_PAYLOAD_KEY_MAX) {
			snprintf(why, why_size, "payload field name \"%.40s\" must be 1..%u bytes", doc->keys[i],
			         RV_PAYLOAD_KEY_MAX);
			rc = RV_EINVAL;
			goto out;
		}
		size += 2 + kl;
		switch (v->type) {
		case RV_JSON_NULL:
		case RV_JSON_FALSE:
		case RV_JSON_TRUE:
			break;
		case RV_JSON_NUMBER:
			size += 8;
			break;
		case RV_JSON_STRING:
			size += 4 + v->len;
			break;
		case RV_JSON_ARRAY:
			size += 4;
			for (size_t j = 0; j < v->len; j++) {
				if (v->items[j].type != RV_JSON_STRING) {
					snprintf(why, why_size,
					         "payload field \"%.40s\": arrays may hold only strings (item %zu is %s)",
					         doc->keys[i], j, rv_json_type_name(v->items[j].type));
					rc = RV_EINVAL;
					goto out;
				}
				size += 4 + v->items[j].len;
			}
			break;
		default:
			snprintf(why, why_size, "payload field \"%.40s\": nested objects are not supported; use flat keys",
			         doc->keys[i]);
			rc = RV_EINVAL;
			goto out;
		}
	}
	qsort(keys, doc->len, sizeof *keys, keyref_cmp);
	b = rv_malloc(size);
	if (!b) {
		rc = RV_ENOMEM;
		goto out;
	}
	put32(b, (uint32_t)(size - 4));
	b[4] = (uint8_t)doc->len;
	b[5] = (uint8_t)(doc->len >> 8);
	b[6] = b[7] = 0;
	size_t at = 8;
	for (size_t i = 0; i < doc->len; i++) {
		const rv_json *v = keys[i].val;
		b[at++] = (uint8_t)keys[i].len;
		memcpy(b + at, keys[i].key, keys[i].len);
		at += keys[i].len;
		switch (v->type) {
		case RV_JSON_NULL:
			b[at++] = RV_PT_NULL;
			break;
		case RV_JSON_FALSE:
			b[at++] = RV_PT_FALSE;
			break;
		case RV_JSON_TRUE:
			b[at++] = RV_PT_TRUE;
			break;
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
		default: /* array of strings */
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
	}
	*out = b;
	b = NULL;
out:
	rv_free(b);
	rv_free(keys);
	rv_json_free(doc);
	return rc;
}

/* ---- reading ---- */

int rv_payload_check(const uint8_t *b, size_t avail, size_t *size, char *why, size_t why_size)
{
#define BAD(...)                                                                                                   \
	do {                                                                                                       \
		snprintf(why, why_size, __VA_ARGS__);                                                                  \
		return RV_ECORRUPT;                                                                                    \
	} while (0)
	if (avail < 8)
		BAD("payload header cut short (%zu bytes)", avail);
	size_t n = 4 + (size_t)get32(b);
	if (n < 8 || n > avail)
		BAD("payload length %zu out of bounds (%zu available)", n, avail);
	if (n > 8 + (size_t)RV_PAYLOAD_MAX * 2)
		BAD("payload length %zu exceeds the limit", n);
	size_t fields = (size_t)b[4] | (size_t)b[5] << 8;
	if (fields > RV_PAYLOAD_FIELDS || b[6] || b[7])
		BAD("payload header invalid (%zu fields)", fields);
	size_t at = 8;
	const uint8_t *prev = NULL;
	size_t prev_len = 0;
	for (size_t i = 0; i < fields; i++) {
		if (at + 1 > n)
			BAD("payload field %zu cut short", i);
		size_t kl = b[at++];
		if (kl == 0 || at + kl + 1 > n)
			BAD("payload field %zu: bad key length", i);
		const uint8_t *key = b + at;
		if (rv_utf8_check((const char *)key, kl) != kl)
			BAD("payload field %zu: key is not UTF-8", i);
		if (prev) {
			size_t m = kl < prev_len ? kl : prev_len;
			int c = memcmp(prev, key, m);
			if (c > 0 || (c == 0 && prev_len >= kl))
				BAD("payload field %zu: keys out of order or repeated", i);
		}
		prev = key;
		prev_len = kl;
		at += kl;
		uint8_t t = b[at++];
		switch (t) {
		case RV_PT_NULL:
		case RV_PT_FALSE:
		case RV_PT_TRUE:
			break;
		case RV_PT_NUMBER: {
			if (at + 8 > n)
				BAD("payload field %zu: number cut short", i);
			double d = getf64(b + at);
			if (d != d || d - d != 0)
				BAD("payload field %zu: number not finite", i);
			at += 8;
			break;
		}
		case RV_PT_STRING: {
			if (at + 4 > n)
				BAD("payload field %zu: string cut short", i);
			size_t l = get32(b + at);
			if (l > n - at - 4)
				BAD("payload field %zu: string length out of bounds", i);
			if (rv_utf8_check((const char *)b + at + 4, l) != l)
				BAD("payload field %zu: string is not UTF-8", i);
			at += 4 + l;
			break;
		}
		case RV_PT_STRINGS: {
			if (at + 4 > n)
				BAD("payload field %zu: array cut short", i);
			size_t cnt = get32(b + at);
			at += 4;
			if (cnt > (n - at) / 4)
				BAD("payload field %zu: array count out of bounds", i);
			for (size_t j = 0; j < cnt; j++) {
				if (at + 4 > n)
					BAD("payload field %zu: array item %zu cut short", i, j);
				size_t l = get32(b + at);
				if (l > n - at - 4)
					BAD("payload field %zu: array item %zu out of bounds", i, j);
				if (rv_utf8_check((const char *)b + at + 4, l) != l)
					BAD("payload field %zu: array item %zu is not UTF-8", i, j);
				at += 4 + l;
			}
			break;
		}
		default:
			BAD("payload field %zu: unknown type %u", i, t);
		}
	}
	if (at != n)
		BAD("payload has %zu trailing bytes", n - at);
	*size = n;
	return RV_OK;
#undef BAD
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
	f->type = b[at++];
	f->str = f->items = NULL;
	f->len = 0;
	f->num = 0;
	switch (f->type) {
	case RV_PT_NUMBER:
		f->num = getf64(b + at);
		at += 8;
		break;
	case RV_PT_STRING:
		f->len = get32(b + at);
		f->str = b + at + 4;
		at += 4 + f->len;
		break;
	case RV_PT_STRINGS: {
		f->len = get32(b + at);
		at += 4;
		f->items = b + at;
		for (uint32_t j = 0; j < f->len; j++)
			at += 4 + get32(b + at);
		break;
	}
	default:
		break;
	}
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

size_t rv_payload_to_json(const uint8_t *b, char *buf, size_t size)
{
	rv_strbuf s = {0};
	rv_strbuf_append(&s, "{", 1);
	size_t pos = 0, kl;
	const char *k;
	rv_pfield f;
	bool first = true;
	while (rv_payload_next(b, &pos, &k, &kl, &f)) {
		if (!first)
			rv_strbuf_append(&s, ",", 1);
		first = false;
		rv_strbuf_json_string(&s, k, kl);
		rv_strbuf_append(&s, ":", 1);
		switch (f.type) {
		case RV_PT_NULL:
			rv_strbuf_append(&s, "null", 4);
			break;
		case RV_PT_FALSE:
			rv_strbuf_append(&s, "false", 5);
			break;
		case RV_PT_TRUE:
			rv_strbuf_append(&s, "true", 4);
			break;
		case RV_PT_NUMBER:
			rv_strbuf_json_number(&s, f.num);
			break;
		case RV_PT_STRING:
			rv_strbuf_json_string(&s, (const char *)f.str, f.len);
			break;
		default: {
			rv_strbuf_append(&s, "[", 1);
			const uint8_t *it = NULL;
			for (uint32_t j = 0; j < f.len; j++) {
				uint32_t l;
				const uint8_t *e = rv_pfield_string_at(&f, &it, &l);
				if (j)
					rv_strbuf_append(&s, ",", 1);
				rv_strbuf_json_string(&s, (const char *)e, l);
			}
			rv_strbuf_append(&s, "]", 1);
			break;
		}
		}
	}
	rv_strbuf_append(&s, "}", 1);
	size_t len = s.failed ? 0 : s.len;
	if (s.failed) {
		/* out of memory: report a size that cannot fit so the caller errs */
		rv_strbuf_free(&s);
		return SIZE_MAX - 1;
	}
	if (len + 1 <= size) {
		memcpy(buf, s.buf, len);
		buf[len] = '\0';
	}
	rv_strbuf_free(&s);
	return len;
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
