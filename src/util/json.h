/*
 * json.h: a strict, bounded JSON parser to a small DOM, and a JSON writer.
 *
 * Used for record payloads (metadata) and filter expressions, which arrive
 * from clients and are untrusted input.
 *
 * The parser accepts exactly RFC 8259 and nothing more: no comments, no
 * trailing commas, no single quotes, no leading zeros, no NaN/Infinity, no
 * byte-order mark. On top of the RFC it refuses what the rest of the core
 * cannot hold or should not be asked to:
 *   - invalid UTF-8 (raw bytes, checked with rv_utf8_check) and lone
 *     surrogates in \u escapes (the RFC allows them; they are not text);
 *   - \u0000, because strings are NUL-terminated C strings downstream;
 *   - duplicate keys in one object (the RFC leaves their meaning open);
 *   - numbers that overflow a double (1e309); underflow rounds to 0 or a
 *     subnormal as strtod does;
 *   - input longer, arrays/objects larger, or nesting deeper than the
 *     limits (rv_json_limits).
 *
 * Caveats:
 *   - Numbers are doubles: integers beyond 2^53 lose precision.
 *   - strtod is used for conversion: the process must run with the "C"
 *     numeric locale (the default unless someone calls setlocale); a locale
 *     whose decimal point is not '.' makes numbers with a fraction fail.
 *   - rv_json_get() is a linear scan: fine for payloads and filters, not
 *     for objects of thousands of members looked up in a loop.
 *   - Parsing uses no recursion (an explicit stack on the heap) and
 *     rv_json_free() none either, so max_depth may be set high safely;
 *     code that walks the DOM recursively should keep it modest.
 */
#ifndef RV_JSON_H
#define RV_JSON_H

#include <stdbool.h>
#include <stddef.h>

typedef enum rv_json_type {
	RV_JSON_NULL,
	RV_JSON_FALSE,
	RV_JSON_TRUE,
	RV_JSON_NUMBER,
	RV_JSON_STRING,
	RV_JSON_ARRAY,
	RV_JSON_OBJECT
} rv_json_type;

/* One value. The parser owns every pointer in it; free the root with
 * rv_json_free() and nothing else. */
typedef struct rv_json rv_json;
struct rv_json {
	rv_json_type type;
	double num;        /* RV_JSON_NUMBER: the value (-0 keeps its sign) */
	char *str;         /* RV_JSON_STRING: decoded UTF-8, NUL-terminated, never NULL,
	                    * holds no NUL byte; NULL for other types */
	size_t len;        /* STRING: length in bytes; ARRAY/OBJECT: number of items */
	rv_json *items;    /* ARRAY: len values; OBJECT: len values, in document order
	                    * (may be NULL when len is 0) */
	char **keys;       /* OBJECT: len keys (decoded, NUL-terminated, unique) */
	size_t *key_lens;  /* OBJECT: their lengths in bytes */
	size_t offset;     /* byte offset in the input where this value starts */
};

typedef struct rv_json_limits {
	size_t max_depth; /* nesting of arrays/objects ([[1]] is 2); 0 -> 32 */
	size_t max_items; /* items in one array or members in one object; 0 -> 65536 */
	size_t max_bytes; /* input length; 0 -> 16 MiB */
} rv_json_limits;

#define RV_JSON_DEFAULT_MAX_DEPTH 32
#define RV_JSON_DEFAULT_MAX_ITEMS 65536
#define RV_JSON_DEFAULT_MAX_BYTES ((size_t)16 << 20)

/* Parse exactly one JSON value from text[0..len); whitespace may surround
 * it, nothing else may. text need not be NUL-terminated and is never read
 * past len. lim may be NULL (all defaults).
 *
 * Returns:
 *   RV_OK      *out is the root (free with rv_json_free).
 *   RV_EINVAL  the text is not accepted, or out is NULL, or text is NULL
 *              with len > 0. err gets a message naming what and the byte
 *              offset where, e.g. "JSON: unexpected character 'x' at byte 17",
 *              "JSON: nesting deeper than 32 at byte 40",
 *              "JSON: duplicate key \"a\" at byte 9".
 *   RV_ENOMEM  an allocation failed; err says so.
 * On error *out is NULL and nothing is leaked. err (errsize bytes) is always
 * NUL-terminated when errsize > 0; it may be NULL. */
int rv_json_parse(const char *text, size_t len, const rv_json_limits *lim, rv_json **out, char *err,
                  size_t errsize);

/* Free a root returned by rv_json_parse (NULL is fine). Never a node inside
 * the tree. */
void rv_json_free(rv_json *v);

/* Member of an object by key (NUL-terminated), or NULL when obj is NULL,
 * not an object, or has no such key. */
const rv_json *rv_json_get(const rv_json *obj, const char *key);
/* The same with a key of klen bytes. */
const rv_json *rv_json_getn(const rv_json *obj, const char *key, size_t klen);

/* "null", "boolean", "number", "string", "array", "object" ("unknown" for
 * anything else); a static string. */
const char *rv_json_type_name(rv_json_type t);

/* A growable output buffer for writing JSON. Start from all zeros
 * (rv_strbuf b = {0};). While !failed, buf[0..len) is the text and buf[len]
 * is NUL (buf is NULL before the first append). When an allocation fails,
 * `failed` is set and later appends do nothing: check it once at the end.
 * Free with rv_strbuf_free. */
typedef struct rv_strbuf {
	char *buf;   /* the text, NUL-terminated */
	size_t len;  /* bytes of text */
	size_t cap;  /* bytes allocated */
	bool failed; /* an allocation failed: later appends do nothing */
} rv_strbuf;

void rv_strbuf_append(rv_strbuf *b, const char *s, size_t n);
/* printf-style append (vsnprintf; "C" locale assumed for %f/%g). */
void rv_strbuf_printf(rv_strbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
/* Append s[0..n) as a JSON string literal with its quotes: " and \ are
 * escaped, control characters as \b \f \n \r \t or \u00XX. s should be
 * UTF-8; each byte that is not part of a valid sequence is written as
 * \ufffd (the replacement character), so the output is always valid JSON
 * that rv_json_parse accepts. NUL bytes are written as \u0000, which
 * rv_json_parse refuses: callers with binary data must encode it. */
void rv_strbuf_json_string(rv_strbuf *b, const char *s, size_t n);
/* Append a double as JSON: the shortest of %.15g, %.16g, %.17g that reads
 * back to the same double; integers with |x| < 1e15 without exponent or
 * fraction ("3", "-0"); NaN and infinities as "null". */
void rv_strbuf_json_number(rv_strbuf *b, double x);
/* Free the buffer and reset b to zeros (b may be reused). */
void rv_strbuf_free(rv_strbuf *b);

#endif
