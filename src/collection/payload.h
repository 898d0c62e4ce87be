/*
 * payload.h: record payloads: JSON documents, kept encoded.
 *
 * A payload comes in as a JSON object and is kept encoded, so that filters
 * read it without parsing and the log and segments store it as it is. An
 * object (the payload itself, and any object inside it) is:
 *
 *   u32 length of what follows (the object's body)
 *   u16 field count, u16 zero
 *   fields in increasing bytewise order of key, keys distinct:
 *     u8 key length (1..255), key bytes, u8 type, value
 *   types and values:
 *     0 null        (nothing)
 *     1 false       (nothing)
 *     2 true        (nothing)
 *     3 number      f64, little-endian, finite
 *     4 string      u32 length, UTF-8 bytes
 *     5 strings     u32 count, then count x (u32 length, UTF-8 bytes):
 *                   an array of strings only (also the empty array)
 *     6 object      an object as above (format version 3)
 *     7 array       u32 length of what follows, u32 count, then count x
 *                   (u8 type, value): any other array (format version 3)
 *
 * Format version 2 had types 0-5 only, in the top-level object; a flat
 * payload is encoded byte for byte as it was then. Nesting (objects and
 * arrays, the payload itself counting as 1) is at most RV_PAYLOAD_DEPTH_MAX.
 *
 * Everything read from a file or a log goes through rv_payload_check()
 * before anything else touches it, so later readers trust the layout.
 *
 * The store keeps one blob pointer per slot (NULL: no payload). Searches
 * hold its lock shared for their whole walk; writers take it exclusively
 * only to swap pointers. Lock order: index rw, then ids, then payload.
 */
#ifndef RV_PAYLOAD_H
#define RV_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../platform/platform.h"
#include "../util/json.h"
#include "ruvector.h"

enum {
	RV_PT_NULL = 0, RV_PT_FALSE = 1, RV_PT_TRUE = 2, RV_PT_NUMBER = 3, RV_PT_STRING = 4, RV_PT_STRINGS = 5,
	RV_PT_OBJECT = 6, RV_PT_ARRAY = 7
};

/* A value found in a blob. */
typedef struct rv_pfield {
	int type;
	double num;              /* RV_PT_NUMBER */
	const uint8_t *str;      /* RV_PT_STRING: bytes */
	uint32_t len;            /* STRING: length; STRINGS, ARRAY: count; OBJECT: fields */
	const uint8_t *items;    /* STRINGS: the first (u32 length, bytes); ARRAY: the first (u8 type, value) */
	const uint8_t *obj;      /* OBJECT: the object, laid out as a payload */
} rv_pfield;

static inline bool rv_pfield_is_array(const rv_pfield *f)
{
	return f->type == RV_PT_STRINGS || f->type == RV_PT_ARRAY;
}

/* Bytes of a blob, header included. */
static inline size_t rv_payload_size(const uint8_t *b)
{
	return 4 + ((size_t)b[0] | (size_t)b[1] << 8 | (size_t)b[2] << 16 | (size_t)b[3] << 24);
}

/* Parse JSON text into a new blob (rv_free it). On RV_EINVAL, why names
 * the problem (the field, or the JSON error and its offset). */
int rv_payload_from_json(const char *json, size_t len, uint8_t **out, char *why, size_t why_size);
/* Check a blob of `avail` bytes from an untrusted source; *size gets its
 * length. RV_OK or RV_ECORRUPT with why. */
int rv_payload_check(const uint8_t *b, size_t avail, size_t *size, char *why, size_t why_size);
/* Write a blob (or NULL: no payload) as a JSON object into buf; returns
 * the length, or, if it does not fit (size counting the NUL), the length
 * it needs, with nothing useful in buf. */
size_t rv_payload_to_json(const uint8_t *b, char *buf, size_t size);
/* Look up a key. */
bool rv_payload_field(const uint8_t *b, const char *key, size_t keylen, rv_pfield *out);
/* Iterate: *pos starts at 0; returns false at the end. */
bool rv_payload_next(const uint8_t *b, size_t *pos, const char **key, size_t *keylen, rv_pfield *out);
/* The i-th element of a string array field, walking from *it (start NULL). */
const uint8_t *rv_pfield_string_at(const rv_pfield *f, const uint8_t **it, uint32_t *len);
/* The next element of an array (STRINGS or ARRAY) into *out, walking from
 * *it (start NULL); call it f->len times. */
bool rv_pfield_elem(const rv_pfield *f, const uint8_t **it, rv_pfield *out);
uint8_t *rv_payload_dup(const uint8_t *b);
/* Append to s, as JSON text, the object old (NULL: none) with the JSON
 * merge patch (RFC 7386) applied: each member of patch replaces the member
 * of that name, null removes it, and an object merges into an object
 * member recursively (into anything else, as if into {}). */
void rv_payload_merge(const uint8_t *old, const rv_json *patch, rv_strbuf *s);

/* ---- payload_path.c ---- */
/* Called with each value a path reaches; true stops the walk. */
typedef bool (*rv_pvisit)(void *ctx, const rv_pfield *value);
/* Visit the values dotted path[0..len) names in blob b (NULL: none);
 * returns true when a visit stopped the walk. */
bool rv_payload_path_each(const uint8_t *b, const char *path, size_t len, rv_pvisit visit, void *ctx);
/* Whether path[0..len) is a valid path: 1..RV_PAYLOAD_PATH_MAX bytes, no
 * empty segment, none over RV_PAYLOAD_KEY_MAX; if not, why says so. The
 * caller checks UTF-8. */
bool rv_payload_path_ok(const char *path, size_t len, char *why, size_t why_size);

typedef struct rv_payloads {
	rv_rwlock lock;
	uint8_t **rec;    /* per slot, or NULL */
	size_t cap;
	size_t count;     /* slots holding a payload */
	size_t bytes;     /* their blobs' bytes */
} rv_payloads;

int rv_payloads_init(rv_payloads *p);
void rv_payloads_destroy(rv_payloads *p);
/* Room for slots [0, n). Takes the lock. */
int rv_payloads_reserve(rv_payloads *p, size_t n);
/* With the lock held exclusively: set slot's blob (taking ownership; NULL
 * clears), returning the old one for the caller to free (after removing it
 * from indexes). Setting needs room reserved; clearing a slot beyond the
 * reserved room does nothing. */
uint8_t *rv_payloads_swap_locked(rv_payloads *p, uint32_t slot, uint8_t *blob);
/* With the lock held (either way): slot's blob or NULL. */
static inline const uint8_t *rv_payloads_get_locked(const rv_payloads *p, uint32_t slot)
{
	return slot < p->cap ? p->rec[slot] : NULL;
}
/* Renumber slots [0, n) (lock held exclusively). Needs no memory beyond
 * what _prepare allocated. */
void *rv_payloads_renumber_prepare(rv_payloads *p, size_t n);
void rv_payloads_renumber_apply(rv_payloads *p, void *prepared, const uint32_t *old_to_new, size_t n);

#endif
