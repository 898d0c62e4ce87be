/*
 * payload_path.c: the values a dotted path names in a payload.
 *
 * "meta.author.name" names field "name" of object "author" of object
 * "meta". Through arrays the path goes on in every element that is an
 * object ({"authors":[{"name":"a"},{"name":"b"}]}: "authors.name" names
 * both), and a segment of decimal digits also picks one element
 * ("authors.1.name" names "b"), as MongoDB resolves paths. A field name may
 * itself hold dots (format-2 payloads were flat and "a.b" was one key): at
 * each level the rest of the path is first tried as one key, then split at
 * each dot in turn, so such keys keep matching whole.
 *
 * Callers get each value the path reaches, as it is: an array is one value
 * (conditions decide whether they look at its elements).
 */
#include <stdio.h>
#include <string.h>

#include "payload.h"

static bool resolve(const uint8_t *obj, const char *path, size_t len, rv_pvisit visit, void *ctx);

/* An index segment: decimal digits, no leading zero, below 2^31. */
static bool index_segment(const char *s, size_t len, uint32_t *out)
{
	if (len == 0 || len > 9 || (len > 1 && s[0] == '0'))
		return false;
	uint32_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

/* The rest of the path, below value f. */
static bool descend(const rv_pfield *f, const char *rest, size_t len, rv_pvisit visit, void *ctx)
{
	if (f->type == RV_PT_OBJECT)
		return resolve(f->obj, rest, len, visit, ctx);
	if (!rv_pfield_is_array(f))
		return false;
	const char *dot = memchr(rest, '.', len);
	size_t seg = dot ? (size_t)(dot - rest) : len;
	uint32_t want = 0;
	bool positional = index_segment(rest, seg, &want);
	const uint8_t *it = NULL;
	rv_pfield e;
	for (uint32_t i = 0; i < f->len && rv_pfield_elem(f, &it, &e); i++) {
		if (positional && i == want) {
			if (dot ? descend(&e, dot + 1, len - seg - 1, visit, ctx) : visit(ctx, &e))
				return true;
		}
		if (e.type == RV_PT_OBJECT && resolve(e.obj, rest, len, visit, ctx))
			return true;
	}
	return false;
}

static bool resolve(const uint8_t *obj, const char *path, size_t len, rv_pvisit visit, void *ctx)
{
	rv_pfield f;
	if (len <= RV_PAYLOAD_KEY_MAX && rv_payload_field(obj, path, len, &f) && visit(ctx, &f))
		return true;
	for (size_t d = 0; d < len && d <= RV_PAYLOAD_KEY_MAX; d++) {
		if (path[d] != '.' || d == 0 || d + 1 == len)
			continue;
		if (rv_payload_field(obj, path, d, &f) && descend(&f, path + d + 1, len - d - 1, visit, ctx))
			return true;
	}
	return false;
}

bool rv_payload_path_each(const uint8_t *b, const char *path, size_t len, rv_pvisit visit, void *ctx)
{
	return b && len && resolve(b, path, len, visit, ctx);
}

bool rv_payload_path_ok(const char *path, size_t len, char *why, size_t why_size)
{
	if (len == 0 || len > RV_PAYLOAD_PATH_MAX) {
		snprintf(why, why_size, "a field path must be 1..%u bytes", RV_PAYLOAD_PATH_MAX);
		return false;
	}
	size_t seg = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || path[i] == '.') {
			if (seg == 0) {
				snprintf(why, why_size, "field path \"%.60s\" has an empty segment at byte %zu", path, i);
				return false;
			}
			if (seg > RV_PAYLOAD_KEY_MAX) {
				snprintf(why, why_size, "field path \"%.60s\": a segment is longer than %u bytes", path,
				         RV_PAYLOAD_KEY_MAX);
				return false;
			}
			seg = 0;
		} else {
			seg++;
		}
	}
	return true;
}
