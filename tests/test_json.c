/*
 * test_json.c: the JSON parser and writer (src/util/json.h).
 *
 * Valid documents of every type with exact checks of the decoded values;
 * every class of error with the byte offset its message must name; the
 * limits; duplicate keys (small objects and hashed large ones); the writer's
 * strings and numbers read back to the same bytes and doubles; every prefix
 * of a valid document and a few thousand mutations of it are refused or
 * accepted without a crash (run under make SANITIZE=address,undefined to
 * prove no byte past the input is read); and out of memory at every
 * allocation of a mid-size document gives RV_ENOMEM and leaks nothing.
 */
#include "harness.h"

#include <float.h>

#include "../src/util/alloc.h"
#include "../src/util/json.h"
#include "ruvector.h"

/* the test's own buffers come from libc */
#undef malloc
#undef free

static char errbuf[256];

/* Parse a NUL-terminated document with the default limits. */
static int parse(const char *s, rv_json **out)
{
	return rv_json_parse(s, strlen(s), NULL, out, errbuf, sizeof errbuf);
}

static rv_json *parse_ok(const char *s)
{
	rv_json *v = NULL;
	int rc = parse(s, &v);
	CHECK_MSG(rc == RV_OK && v, "%s: %d %s", s, rc, errbuf);
	return v;
}

static double num_of(const char *s)
{
	rv_json *v = parse_ok(s);
	double d = v && v->type == RV_JSON_NUMBER ? v->num : NAN;
	CHECK_MSG(v && v->type == RV_JSON_NUMBER, "%s", s);
	rv_json_free(v);
	return d;
}

TEST(scalars)
{
	rv_json *v = parse_ok("null");
	CHECK(v && v->type == RV_JSON_NULL && v->offset == 0);
	rv_json_free(v);
	v = parse_ok(" \t\r\n true \n");
	CHECK(v && v->type == RV_JSON_TRUE && v->offset == 5);
	rv_json_free(v);
	v = parse_ok("false");
	CHECK(v && v->type == RV_JSON_FALSE);
	rv_json_free(v);

	CHECK(num_of("0") == 0 && !signbit(num_of("0")));
	CHECK(num_of("-0") == 0 && signbit(num_of("-0")));
	CHECK(num_of("-0.0e0") == 0 && signbit(num_of("-0.0e0")));
	CHECK(num_of("1e308") == 1e308);
	CHECK(num_of("-1.7976931348623157e308") == -DBL_MAX);
	CHECK(num_of("1.5e-7") == 1.5e-7);
	CHECK(num_of("4.9406564584124654e-324") == 4.9406564584124654e-324);
	CHECK(num_of("1e-400") == 0); /* underflow rounds, as strtod does */
	CHECK(num_of("12345678901234567890") == 12345678901234567890.0);
	CHECK(num_of("9007199254740993") == 9007199254740992.0);
	CHECK(num_of("-123.456e-2") == -1.23456);
	CHECK(num_of("1E+2") == 100 && num_of("1e-2") == 0.01 && num_of("2.5E3") == 2500);
	CHECK(num_of("0.1") == 0.1);
	/* a number longer than the parser's stack copy */
	char lng[400] = "0.";
	for (int i = 0; i < 300; i++)
		strcat(lng, "3");
	CHECK(fabs(num_of(lng) - 1.0 / 3.0) < 1e-16);
	/* not NUL-terminated: the digits after len are not read */
	const char digits[] = "12345";
	rv_json *w = NULL;
	CHECK_OK(rv_json_parse(digits, 2, NULL, &w, errbuf, sizeof errbuf));
	CHECK(w && w->num == 12);
	rv_json_free(w);
}

static void check_string(const char *doc, const char *want, size_t want_len)
{
	rv_json *v = parse_ok(doc);
	if (!v)
		return;
	CHECK_MSG(v->type == RV_JSON_STRING && v->len == want_len && !memcmp(v->str, want, want_len) &&
	          v->str[want_len] == '\0', "%s", doc);
	rv_json_free(v);
}

TEST(strings)
{
	check_string("\"\"", "", 0);
	check_string("\"abc\"", "abc", 3);
	check_string("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8);
	check_string("\"\\u0041\\u00e9\\u00E9\"", "A\xc3\xa9\xc3\xa9", 5);
	check_string("\"\\u20AC\"", "\xe2\x82\xac", 3);
	check_string("\"\\u0001\\u001f\\u007f\"", "\x01\x1f\x7f", 3);
	check_string("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", 4);
	check_string("\"\\uDBFF\\uDFFF\"", "\xf4\x8f\xbf\xbf", 4);
	check_string("\"\\uD800\\uDC00x\"", "\xf0\x90\x80\x80x", 5);
	check_string("\"\\uffff\"", "\xef\xbf\xbf", 3);
	/* raw UTF-8 passes through */
	check_string("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14);
	check_string("\"\x7f\"", "\x7f", 1);
	rv_json *v = parse_ok("  \"x\"");
	CHECK(v && v->offset == 2);
	rv_json_free(v);
}

TEST(containers)
{
	rv_json *v = parse_ok("[]");
	CHECK(v && v->type == RV_JSON_ARRAY && v->len == 0);
	rv_json_free(v);
	v = parse_ok("{ }");
	CHECK(v && v->type == RV_JSON_OBJECT && v->len == 0 && !rv_json_get(v, "a"));
	rv_json_free(v);

	const char *doc = "{\"name\": \"r\\u00e9sum\\u00e9\", \"n\": -2.5, \"tags\": [\"a\", \"b\", [], {}],\n"
	                  " \"ok\": true, \"no\": false, \"nil\": null, \"deep\": {\"x\": [1, [2, [3]]]}, \"\": 7}";
	v = parse_ok(doc);
	if (!v)
		return;
	CHECK(v->type == RV_JSON_OBJECT && v->len == 8 && v->offset == 0);
	static const char *const keys[] = {"name", "n", "tags", "ok", "no", "nil", "deep", ""};
	for (size_t i = 0; i < 8 && i < v->len; i++) {
		CHECK(!strcmp(v->keys[i], keys[i]) && v->key_lens[i] == strlen(keys[i]));
		CHECK(rv_json_get(v, keys[i]) == &v->items[i]);
	}
	const rv_json *name = rv_json_get(v, "name");
	CHECK(name && name->type == RV_JSON_STRING && !strcmp(name->str, "r\xc3\xa9sum\xc3\xa9") && name->len == 8);
	CHECK(name && name->offset == 9 && doc[name->offset] == '"');
	const rv_json *n = rv_json_get(v, "n");
	CHECK(n && n->type == RV_JSON_NUMBER && n->num == -2.5 && doc[n->offset] == '-');
	const rv_json *tags = rv_json_get(v, "tags");
	CHECK(tags && tags->type == RV_JSON_ARRAY && tags->len == 4);
	if (tags && tags->len == 4) {
		CHECK(!strcmp(tags->items[0].str, "a") && !strcmp(tags->items[1].str, "b"));
		CHECK(tags->items[2].type == RV_JSON_ARRAY && tags->items[2].len == 0);
		CHECK(tags->items[3].type == RV_JSON_OBJECT && tags->items[3].len == 0);
		CHECK(doc[tags->offset] == '[' && doc[tags->items[3].offset] == '{');
	}
	CHECK(rv_json_get(v, "ok")->type == RV_JSON_TRUE && rv_json_get(v, "no")->type == RV_JSON_FALSE);
	CHECK(rv_json_get(v, "nil")->type == RV_JSON_NULL);
	const rv_json *x = rv_json_get(rv_json_get(v, "deep"), "x");
	CHECK(x && x->len == 2 && x->items[1].items[1].items[0].num == 3);
	CHECK(rv_json_get(v, "")->num == 7);
	CHECK(!rv_json_get(v, "nam") && !rv_json_get(v, "names") && !rv_json_get(NULL, "a") &&
	      !rv_json_get(tags, "a") && !rv_json_get(v, NULL));
	CHECK(rv_json_getn(v, "name!", 4) == name);
	rv_json_free(v);
	rv_json_free(NULL);

	CHECK(!strcmp(rv_json_type_name(RV_JSON_NULL), "null"));
	CHECK(!strcmp(rv_json_type_name(RV_JSON_TRUE), "boolean"));
	CHECK(!strcmp(rv_json_type_name(RV_JSON_FALSE), "boolean"));
	CHECK(!strcmp(rv_json_type_name(RV_JSON_NUMBER), "number"));
	CHECK(!strcmp(rv_json_type_name(RV_JSON_STRING), "string"));
	CHECK(!strcmp(rv_json_type_name(RV_JSON_ARRAY), "array"));
	CHECK(!strcmp(rv_json_type_name(RV_JSON_OBJECT), "object"));
}

/* doc (len bytes) must be refused with RV_EINVAL, a message starting with
 * "JSON: ", containing `what`, and ending with " at byte <at>". */
static void refuse_n(const char *doc, size_t len, const rv_json_limits *lim, const char *what, size_t at)
{
	rv_json *v = (rv_json *)1;
	memset(errbuf, 'z', sizeof errbuf);
	int rc = rv_json_parse(doc, len, lim, &v, errbuf, sizeof errbuf);
	CHECK_MSG(rc == RV_EINVAL, "%s: rc %d", doc, rc);
	CHECK_MSG(v == NULL, "%s", doc);
	char tail[64];
	snprintf(tail, sizeof tail, " at byte %zu", at);
	size_t el = strlen(errbuf), tl = strlen(tail);
	CHECK_MSG(!strncmp(errbuf, "JSON: ", 6) && strstr(errbuf, what) && el >= tl && !strcmp(errbuf + el - tl, tail),
	          "'%.60s': got \"%s\", want \"%s\" ... \"%s\"", doc, errbuf, what, tail);
}

static void refuse(const char *doc, const char *what, size_t at)
{
	refuse_n(doc, strlen(doc), NULL, what, at);
}

static void refuse_lim(const char *doc, const rv_json_limits *lim, const char *what, size_t at)
{
	refuse_n(doc, strlen(doc), lim, what, at);
}

TEST(errors)
{
	/* structure */
	refuse("", "unexpected end of input", 0);
	refuse("   ", "unexpected end of input", 3);
	refuse("x", "unexpected character 'x'", 0);
	refuse("[1,]", "unexpected character ']'", 3);
	refuse("[,1]", "unexpected character ','", 1);
	refuse("{\"a\":1,}", "unexpected character '}'", 7);
	refuse("[1 2]", "unexpected character '2', expected ',' or ']'", 3);
	refuse("{\"a\":1 \"b\":2}", "expected ',' or '}'", 7);
	refuse("{\"a\" 1}", "expected ':'", 5);
	refuse("{\"a\"}", "expected ':'", 4);
	refuse("{1:2}", "expected a string key", 1);
	refuse("{'a':1}", "unexpected character '''", 1);
	refuse("'a'", "unexpected character '''", 0);
	refuse("[1]]", "unexpected character ']', expected the end", 3);
	refuse("1 2", "unexpected character '2'", 2);
	refuse("[", "unexpected end of input", 1);
	refuse("[1", "unexpected end of input", 2);
	refuse("{\"a\":", "unexpected end of input", 5);
	refuse("{\"a\":1", "unexpected end of input", 6);
	refuse("/* c */ 1", "unexpected character '/'", 0);
	refuse("1 // c", "unexpected character '/'", 2);
	refuse("\xef\xbb\xbf" "1", "unexpected byte 0xef", 0);
	refuse_n("1\0", 2, NULL, "unexpected byte 0x00", 1);
	refuse("\x0c" "1", "unexpected byte 0x0c", 0); /* form feed is not JSON whitespace */
	/* literals */
	refuse("tru", "unexpected end of input in a literal", 3);
	refuse("trUe", "unexpected character 'U' in a literal", 2);
	refuse("True", "unexpected character 'T'", 0);
	refuse("nul", "end of input", 3);
	refuse("falsey", "unexpected character 'y'", 5);
	refuse("NaN", "unexpected character 'N'", 0);
	refuse("Infinity", "unexpected character 'I'", 0);
	refuse("-Infinity", "unexpected character 'I'", 1);
	refuse("[nan]", "unexpected character 'a' in a literal", 2);
	/* numbers */
	refuse("01", "leading zero", 0);
	refuse("[1, -012]", "leading zero", 4);
	refuse("-", "unexpected end of input, expected a digit", 1);
	refuse("-a", "unexpected character 'a', expected a digit", 1);
	refuse("1.", "after the decimal point", 2);
	refuse("1.e5", "after the decimal point", 2);
	refuse(".5", "unexpected character '.'", 0);
	refuse("+1", "unexpected character '+'", 0);
	refuse("1e", "exponent", 2);
	refuse("1e+", "exponent", 3);
	refuse("1e+x", "exponent", 3);
	refuse("0x10", "unexpected character 'x'", 1);
	refuse("1e309", "number out of range", 0);
	refuse("[0, -1e999]", "number out of range", 4);
	refuse("[1.0e+400]", "number out of range", 1);
	/* strings */
	refuse("\"abc", "unterminated string", 0);
	refuse("[\"abc\\\"]", "unterminated string", 1);
	refuse("\"abc\\", "unterminated string", 0);
	refuse("\"a\x01\"", "control character 0x01", 2);
	refuse("\"a\nb\"", "control character 0x0a", 2);
	refuse("\"\t\"", "control character 0x09", 1);
	refuse("\"\\x\"", "invalid escape", 1);
	refuse("\"\\'\"", "invalid escape", 1);
	refuse("\"\\U0041\"", "invalid escape", 1);
	refuse("\"\\u12\"", "invalid \\u escape", 1);
	refuse("\"\\u12g4\"", "invalid \\u escape", 1);
	refuse("\"\\u", "invalid \\u escape", 1);
	refuse("\"ab\\u0000\"", "\\u0000", 3);
	refuse("\"\\ud83d\"", "lone high surrogate", 1);
	refuse("\"\\ud83d", "lone high surrogate", 1);
	refuse("\"x\\ud83dx\"", "lone high surrogate", 2);
	refuse("\"\\ud83d\\u0041\"", "lone high surrogate", 1);
	refuse("\"\\ud83d\\ud83d\"", "lone high surrogate", 1);
	refuse("\"\\ude00\"", "lone low surrogate", 1);
	refuse("\"\\ude00\\ud83d\"", "lone low surrogate", 1);
	refuse("\"\xff\"", "invalid UTF-8", 1);
	refuse("\"ab\xc3\"", "invalid UTF-8", 3);
	refuse("\"\xc3\xa9\xc3\"", "invalid UTF-8", 3);
	refuse("\"\xc0\xaf\"", "invalid UTF-8", 1);          /* overlong */
	refuse("\"\xed\xa0\x80\"", "invalid UTF-8", 1);      /* encoded surrogate */
	refuse("\"\xf4\x90\x80\x80\"", "invalid UTF-8", 1);  /* above U+10FFFF */
	refuse("\"\x80\"", "invalid UTF-8", 1);
	refuse("\"\xe2\x82\"", "invalid UTF-8", 1);
	refuse("\xc3\xa9", "unexpected byte 0xc3", 0);
	/* duplicates */
	refuse("{\"a\":1,\"a\":2}", "duplicate key \"a\"", 7);
	refuse("{\"a\":1,\"b\":{\"a\":1,\"a\":1}}", "duplicate key \"a\"", 18);
	refuse("{\"\\u0061\":1,\"a\":2}", "duplicate key \"a\"", 12);
	refuse("{\"\":1,\"\":2}", "duplicate key \"\"", 6);
	/* the first error in document order is reported */
	refuse("{\"a\":1,\"a\":[1,]}", "duplicate key", 7);
	/* arguments */
	rv_json *v = (rv_json *)1;
	CHECK_RC(rv_json_parse(NULL, 3, NULL, &v, errbuf, sizeof errbuf), RV_EINVAL);
	CHECK(v == NULL && !strncmp(errbuf, "JSON: ", 6));
	CHECK_RC(rv_json_parse(NULL, 0, NULL, &v, errbuf, sizeof errbuf), RV_EINVAL); /* empty: no value */
	CHECK_RC(rv_json_parse("1", 1, NULL, NULL, errbuf, sizeof errbuf), RV_EINVAL);
	/* err may be NULL, or short: always NUL-terminated */
	CHECK_RC(rv_json_parse("x", 1, NULL, &v, NULL, 0), RV_EINVAL);
	char small[8];
	memset(small, 'z', sizeof small);
	CHECK_RC(rv_json_parse("x", 1, NULL, &v, small, sizeof small), RV_EINVAL);
	CHECK(!strcmp(small, "JSON: u"));
	small[0] = 'z';
	CHECK_RC(rv_json_parse("1", 1, NULL, &v, small, sizeof small), RV_OK);
	CHECK(small[0] == '\0');
	rv_json_free(v);
}

/* `n` arrays nested: "[[[...]]]" with a 1 inside. */
static char *nested(size_t n, char open, char close)
{
	char *s = malloc(2 * n + 2);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		s[k++] = open;
	s[k++] = '1';
	for (size_t i = 0; i < n; i++)
		s[k++] = close;
	s[k] = '\0';
	return s;
}

static char *nested_objects(size_t n)
{
	char *s = malloc(6 * n + 2);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(s + k, "{\"k\":", 5);
		k += 5;
	}
	s[k++] = '1';
	for (size_t i = 0; i < n; i++)
		s[k++] = '}';
	s[k] = '\0';
	return s;
}

TEST(limits)
{
	/* depth: the default is 32 */
	char *s = nested(32, '[', ']');
	rv_json *v = parse_ok(s);
	const rv_json *w = v;
	for (int i = 0; i < 32 && w; i++)
		w = w->type == RV_JSON_ARRAY && w->len == 1 ? &w->items[0] : NULL;
	CHECK(w && w->type == RV_JSON_NUMBER && w->num == 1);
	rv_json_free(v);
	free(s);
	s = nested(33, '[', ']');
	refuse(s, "nesting deeper than 32", 32);
	free(s);
	s = nested_objects(33);
	refuse(s, "nesting deeper than 32", 32 * 5);
	free(s);
	rv_json_limits lim = {.max_depth = 2};
	CHECK_OK(rv_json_parse("[[1]]", 5, &lim, &v, errbuf, sizeof errbuf));
	rv_json_free(v);
	refuse_lim("[[[1]]]", &lim, "nesting deeper than 2", 2);
	lim.max_depth = 1;
	refuse_n("[[1]]", 5, &lim, "nesting deeper than 1", 1);
	refuse_n("[{}]", 4, &lim, "nesting deeper than 1", 1);
	refuse_lim("[1,[]]", &lim, "nesting deeper than 1", 3);
	CHECK_OK(rv_json_parse("[1]", 3, &lim, &v, errbuf, sizeof errbuf));
	rv_json_free(v);
	/* a high limit: no recursion in the parser or in rv_json_free */
	size_t deep = 200000;
	s = nested(deep, '[', ']');
	lim.max_depth = deep;
	CHECK_OK(rv_json_parse(s, strlen(s), &lim, &v, errbuf, sizeof errbuf));
	rv_json_free(v);
	s[deep + 1] = ',';
	refuse_n(s, strlen(s), &lim, "unexpected character ']', expected a value", deep + 2);
	free(s);
	s = nested_objects(deep);
	CHECK_OK(rv_json_parse(s, strlen(s), &lim, &v, errbuf, sizeof errbuf));
	rv_json_free(v);
	free(s);

	/* items */
	lim = (rv_json_limits){.max_items = 3};
	CHECK_OK(rv_json_parse("[1,2,3]", 7, &lim, &v, errbuf, sizeof errbuf));
	rv_json_free(v);
	refuse_n("[1,2,3,4]", 9, &lim, "more than 3 items in an array", 7);
	refuse_lim("[[1,2,3],[1,2,3],[\"a\",\"b\",\"c\",\"d\"]]", &lim, "more than 3 items in an array", 30);
	CHECK_OK(rv_json_parse("{\"a\":1,\"b\":2,\"c\":3}", 19, &lim, &v, errbuf, sizeof errbuf));
	rv_json_free(v);
	refuse_lim("{\"a\":1,\"b\":2,\"c\":3,\"d\":[1]}", &lim, "more than 3 items in an object", 23);
	/* the default: 65536 */
	size_t n = 65537;
	s = malloc(2 * n + 2);
	s[0] = '[';
	for (size_t i = 0; i < n; i++) {
		s[1 + 2 * i] = '0';
		s[2 + 2 * i] = i + 1 < n ? ',' : ']';
	}
	s[2 * n + 1] = '\0';
	refuse(s, "more than 65536 items in an array", 1 + 2 * 65536);
	s[2 * 65536] = ']';
	s[2 * 65536 + 1] = '\0';
	v = parse_ok(s);
	CHECK(v && v->len == 65536);
	rv_json_free(v);
	free(s);

	/* bytes */
	lim = (rv_json_limits){.max_bytes = 4};
	CHECK_OK(rv_json_parse("1234", 4, &lim, &v, errbuf, sizeof errbuf));
	rv_json_free(v);
	refuse_n("12345", 5, &lim, "input of 5 bytes longer than the limit of 4", 4);
}

/* Objects large enough to be checked through the hash. */
TEST(large_objects)
{
	rv_strbuf b = {0};
	size_t n = 5000;
	rv_strbuf_append(&b, "{", 1);
	for (size_t i = 0; i < n; i++)
		rv_strbuf_printf(&b, "%s\"key%zu\": %zu", i ? "," : "", i, i * 3);
	rv_strbuf_append(&b, "}", 1);
	CHECK(!b.failed);
	rv_json *v = NULL;
	CHECK_OK(rv_json_parse(b.buf, b.len, NULL, &v, errbuf, sizeof errbuf));
	CHECK(v && v->len == n);
	for (size_t i = 0; v && i < n; i += 7) {
		char k[32];
		snprintf(k, sizeof k, "key%zu", i);
		const rv_json *m = rv_json_get(v, k);
		CHECK(m && m->num == (double)(i * 3) && m == &v->items[i]);
	}
	rv_json_free(v);
	/* a duplicate of an early key, late */
	size_t at = b.len - 1;
	b.len--;
	rv_strbuf_append(&b, ",\"key17\":1}", 11);
	refuse_n(b.buf, b.len, NULL, "duplicate key \"key17\"", at + 1);
	/* a duplicate at every size around the switch to the hash */
	for (size_t m = 1; m < 40; m++) {
		for (size_t dup = 0; dup < m; dup += 3) {
			rv_strbuf c = {0};
			rv_strbuf_append(&c, "{", 1);
			for (size_t i = 0; i < m; i++)
				rv_strbuf_printf(&c, "\"k%zu\":0,", i);
			size_t where = c.len;
			rv_strbuf_printf(&c, "\"k%zu\":1}", dup);
			char want[32];
			snprintf(want, sizeof want, "duplicate key \"k%zu\"", dup);
			refuse_n(c.buf, c.len, NULL, want, where);
			rv_strbuf_free(&c);
		}
	}
	/* a long key is shortened in the message */
	rv_strbuf_free(&b);
	rv_strbuf_append(&b, "{\"", 2);
	for (int i = 0; i < 100; i++)
		rv_strbuf_append(&b, "\xc3\xa9", 2);
	rv_strbuf_append(&b, "\":1,\"", 5);
	for (int i = 0; i < 100; i++)
		rv_strbuf_append(&b, "\\u00e9", 6);
	rv_strbuf_append(&b, "\":2}", 4);
	refuse_n(b.buf, b.len, NULL, "duplicate key \"\xc3\xa9\xc3\xa9", 206);
	CHECK(strstr(errbuf, "...\" at byte"));
	rv_strbuf_free(&b);
}

/* ---- writer ---- */

static void roundtrip_string(const char *s, size_t n)
{
	rv_strbuf b = {0};
	rv_strbuf_json_string(&b, s, n);
	CHECK(!b.failed && b.buf && b.buf[b.len] == '\0');
	rv_json *v = NULL;
	int rc = rv_json_parse(b.buf, b.len, NULL, &v, errbuf, sizeof errbuf);
	CHECK_MSG(rc == RV_OK, "%s: %s", b.buf, errbuf);
	if (rc == RV_OK)
		CHECK_MSG(v->type == RV_JSON_STRING && v->len == n && !memcmp(v->str, s, n), "%s", b.buf);
	rv_json_free(v);
	rv_strbuf_free(&b);
}

static size_t put_utf8(unsigned cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

TEST(writer_strings)
{
	rv_strbuf b = {0};
	rv_strbuf_json_string(&b, "a\"b\\c\n\t\r\b\f\x01\x1f/\x7f", 14);
	CHECK(!strcmp(b.buf, "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001f/\x7f\""));
	rv_strbuf_free(&b);
	rv_strbuf_json_string(&b, "", 0);
	CHECK(b.len == 2 && !strcmp(b.buf, "\"\""));
	rv_strbuf_free(&b);

	/* every ASCII byte but NUL */
	char all[127];
	for (int i = 1; i < 128; i++)
		all[i - 1] = (char)i;
	roundtrip_string(all, sizeof all);
	roundtrip_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf", 19);
	/* random code points (no NUL, no surrogates) */
	test_rng r = {42};
	char s[600];
	for (int t = 0; t < 2000; t++) {
		size_t n = 0, count = rng_next(&r) % 120;
		for (size_t i = 0; i < count; i++) {
			unsigned cp;
			switch (rng_next(&r) % 4) {
			case 0: cp = 1 + (unsigned)(rng_next(&r) % 0x7f); break;
			case 1: cp = 1 + (unsigned)(rng_next(&r) % 0x1f); break;
			case 2: cp = 0x80 + (unsigned)(rng_next(&r) % (0x10000 - 0x80)); break;
			default: cp = 0x10000 + (unsigned)(rng_next(&r) % 0x100000); break;
			}
			if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0xfffd;
			n += put_utf8(cp, s + n);
		}
		roundtrip_string(s, n);
	}
	/* invalid UTF-8 becomes U+FFFD, the output stays valid JSON */
	static const struct {
		const char *in;
		size_t n;
		const char *want;
	} bad[] = {
		{"a\xff" "b", 3, "a\xef\xbf\xbd" "b"},
		{"\xc3", 1, "\xef\xbf\xbd"},
		{"\xc3\xa9\xc3", 3, "\xc3\xa9\xef\xbf\xbd"},
		{"\xe2\x82", 2, "\xef\xbf\xbd\xef\xbf\xbd"},
		{"\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
		{"\xf0\x9f\x98\x80\x80", 5, "\xf0\x9f\x98\x80\xef\xbf\xbd"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		rv_strbuf_json_string(&b, bad[i].in, bad[i].n);
		rv_json *v = NULL;
		CHECK_OK(rv_json_parse(b.buf, b.len, NULL, &v, errbuf, sizeof errbuf));
		CHECK_MSG(v && !strcmp(v->str, bad[i].want), "case %zu: %s", i, b.buf);
		rv_json_free(v);
		rv_strbuf_free(&b);
	}
}

static void number_is(double x, const char *want)
{
	rv_strbuf b = {0};
	rv_strbuf_json_number(&b, x);
	CHECK_MSG(b.buf && !strcmp(b.buf, want), "%.17g: got %s, want %s", x, b.buf ? b.buf : "(null)", want);
	rv_strbuf_free(&b);
}

static void roundtrip_number(double x)
{
	rv_strbuf b = {0};
	rv_strbuf_json_number(&b, x);
	rv_json *v = NULL;
	int rc = rv_json_parse(b.buf, b.len, NULL, &v, errbuf, sizeof errbuf);
	CHECK_MSG(rc == RV_OK && v->type == RV_JSON_NUMBER && !memcmp(&v->num, &x, sizeof x), "%.17g -> %s: %s",
	          x, b.buf, errbuf);
	rv_json_free(v);
	rv_strbuf_free(&b);
}

TEST(writer_numbers)
{
	number_is(3, "3");
	number_is(-3, "-3");
	number_is(0, "0");
	number_is(-0.0, "-0");
	number_is(1.5, "1.5");
	number_is(0.1, "0.1");
	number_is(1e14, "100000000000000");
	number_is(999999999999999, "999999999999999");
	number_is(1e15, "1e+15");
	number_is(1e300, "1e+300");
	number_is(1.5e-7, "1.5e-07");
	number_is(1.0 / 3.0, "0.3333333333333333");
	number_is(0.1 + 0.2, "0.30000000000000004");
	number_is(NAN, "null");
	number_is(INFINITY, "null");
	number_is(-INFINITY, "null");

	static const double special[] = {0,    -0.0,    1,       -1,      0.1,     1e15,    1e16,   -1e15, 1e308,
	                                 DBL_MAX, -DBL_MAX, DBL_MIN, 4.9406564584124654e-324, 2.2250738585072009e-308,
	                                 9007199254740993.0, 123456789012345680000.0, 5e-324, 1e-7, 0.5};
	for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
		roundtrip_number(special[i]);
	test_rng r = {7};
	for (int i = 0; i < 5000; i++) {
		uint64_t bits = rng_next(&r);
		double x;
		memcpy(&x, &bits, sizeof x);
		if (!isfinite(x))
			continue;
		roundtrip_number(x);
		/* and values of everyday size */
		roundtrip_number((double)(int64_t)(rng_next(&r) % 2000001) - 1000000.0);
		roundtrip_number(rng_float(&r) * 1000.0);
	}
}

TEST(strbuf)
{
	rv_strbuf b = {0};
	rv_strbuf_append(&b, "", 0);
	CHECK(!b.failed && b.len == 0 && b.buf && b.buf[0] == '\0');
	rv_strbuf_printf(&b, "%d-%s", 42, "x");
	CHECK(!strcmp(b.buf, "42-x") && b.len == 4);
	char big[1000];
	memset(big, 'q', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	rv_strbuf_printf(&b, "[%s]", big);
	CHECK(b.len == 4 + 1001 && b.buf[4] == '[' && b.buf[b.len - 1] == ']' && b.buf[b.len] == '\0');
	rv_strbuf_free(&b);
	CHECK(!b.buf && !b.len && !b.cap);
	/* out of memory: failed, later appends do nothing */
	rv_alloc_fail_after(0);
	rv_strbuf_append(&b, "abc", 3);
	rv_alloc_fail_after(-1);
	CHECK(b.failed && b.len == 0);
	rv_strbuf_append(&b, "abc", 3);
	rv_strbuf_printf(&b, "%d", 1);
	rv_strbuf_json_string(&b, "x", 1);
	rv_strbuf_json_number(&b, 1);
	CHECK(b.failed && b.len == 0 && !b.buf);
	rv_strbuf_free(&b);
	CHECK(!b.failed);
}

/* ---- robustness ---- */

static const char *const mid_doc =
	"{\"id\":\"doc-1\",\"title\":\"Caf\\u00e9 \\ud83d\\ude00 \xe2\x82\xac\",\"score\":-12.5e-3,"
	"\"tags\":[\"a\",\"b\",\"c\",[],{},[[1,2],[3,[4,[5]]]]],\"ok\":true,\"no\":false,\"nil\":null,"
	"\"k0\":0,\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,\"k8\":8,\"k9\":9,"
	"\"long\":0.12345678901234567890123456789012345678901234567890123456789012345678901234567890,"
	"\"nested\":{\"a\":{\"b\":{\"c\":[1,\"x\\n\\t\\\"\",{\"d\":\"e\"}]}}},\"last\":\"\"}";

TEST(prefixes)
{
	size_t n = strlen(mid_doc);
	rv_json *v = NULL;
	CHECK_OK(rv_json_parse(mid_doc, n, NULL, &v, errbuf, sizeof errbuf));
	CHECK(v && v->len == 20);
	rv_json_free(v);
	for (size_t k = 0; k < n; k++) {
		/* a copy of exactly k bytes, so ASan sees a read past the end */
		char *p = malloc(k ? k : 1);
		memcpy(p, mid_doc, k);
		v = (rv_json *)1;
		int rc = rv_json_parse(p, k, NULL, &v, errbuf, sizeof errbuf);
		CHECK_MSG(rc == RV_EINVAL && v == NULL && strstr(errbuf, " at byte "), "prefix %zu: %d %s", k, rc, errbuf);
		free(p);
	}
}

TEST(mutations)
{
	size_t n = strlen(mid_doc);
	static const char alphabet[] = "{}[]\":,\\u0e-+.1 \x01\x80\xc3\xed\xff" "tfn";
	test_rng r = {1234};
	int accepted = 0;
	for (int t = 0; t < 20000; t++) {
		size_t len = n;
		char *p = malloc(n + 8);
		memcpy(p, mid_doc, n);
		int edits = 1 + (int)(rng_next(&r) % 3);
		for (int e = 0; e < edits; e++) {
			size_t at = rng_next(&r) % len;
			switch (rng_next(&r) % 3) {
			case 0: p[at] = alphabet[rng_next(&r) % (sizeof alphabet - 1)]; break;
			case 1: memmove(p + at, p + at + 1, len - at - 1); len--; break;
			default:
				if (len < n + 8) {
					memmove(p + at + 1, p + at, len - at);
					p[at] = alphabet[rng_next(&r) % (sizeof alphabet - 1)];
					len++;
				}
			}
		}
		rv_json *v = NULL;
		int rc = rv_json_parse(p, len, NULL, &v, errbuf, sizeof errbuf);
		CHECK_MSG(rc == RV_OK || (rc == RV_EINVAL && !strncmp(errbuf, "JSON: ", 6) && strstr(errbuf, " at byte ")),
		          "%d %s", rc, errbuf);
		CHECK((rc == RV_OK) == (v != NULL));
		accepted += rc == RV_OK;
		rv_json_free(v);
		free(p);
	}
	CHECK(accepted > 0 && accepted < 20000);
}

/* Allocation number k fails, for every k until parsing needs no failure. */
TEST(out_of_memory)
{
	size_t n = strlen(mid_doc);
	rv_json *v = NULL;
	rv_alloc_fail_after(-1);
	CHECK_OK(rv_json_parse(mid_doc, n, NULL, &v, errbuf, sizeof errbuf));
	long total = rv_alloc_fail_after(-1);
	rv_json_free(v);
	CHECK(total > 20);
	long k;
	for (k = 0; k <= total; k++) {
		v = (rv_json *)1;
		rv_alloc_fail_after(k);
		int rc = rv_json_parse(mid_doc, n, NULL, &v, errbuf, sizeof errbuf);
		long done = rv_alloc_fail_after(-1);
		if (k < total) {
			CHECK_MSG(rc == RV_ENOMEM && v == NULL && strstr(errbuf, "out of memory"), "k=%ld: %d %s", k, rc,
			          errbuf);
			CHECK(done == k);
		} else {
			CHECK_MSG(rc == RV_OK && v, "k=%ld: %d %s", k, rc, errbuf);
		}
		rv_json_free(v);
	}
	/* the writer under the same treatment */
	for (k = -1; k < total; k++) {
		rv_strbuf b = {0};
		rv_alloc_fail_after(k);
		for (int i = 0; i < 100; i++) {
			rv_strbuf_json_string(&b, "some \"text\"\n", 12);
			rv_strbuf_json_number(&b, i * 0.25);
		}
		long done = rv_alloc_fail_after(-1);
		if (k < 0)
			total = done; /* allocations when none fails */
		else
			CHECK_MSG(b.failed && done == k && !b.buf == (k == 0), "k=%ld", k);
		rv_strbuf_free(&b);
	}
}

int main(void)
{
	RUN(scalars);
	RUN(strings);
	RUN(containers);
	RUN(errors);
	RUN(limits);
	RUN(large_objects);
	RUN(writer_strings);
	RUN(writer_numbers);
	RUN(strbuf);
	RUN(prefixes);
	RUN(mutations);
	RUN(out_of_memory);
	return harness_exit();
}
