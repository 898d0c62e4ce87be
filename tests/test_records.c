/*
 * test_records.c: what import and export stand on in the library: the
 * JSON Lines reader (rv_read_jsonl), the .npy reader (rv_read_npy) and the
 * id listing (rv_list_ids).
 *
 * - rv_list_ids: with buffers from the smallest allowed to large, over a
 *   collection with deletions, upserts and a vacuum, lists every live id
 *   exactly once (checked against the set the test keeps itself).
 * - rv_read_jsonl: ids (strings with escapes, integers of any length kept
 *   as their digits), payloads kept as written, CRLF and blank lines, line
 *   numbers; every bound refused naming the line; and whatever it accepts
 *   the collection accepts too (its checks mirror the core's), read back
 *   the same.
 * - rv_read_npy: hand-built headers of each version, keys in any order,
 *   every refusal (magic, version, dtype, order, shape, length) named;
 *   random corruption never crashes.
 * - both readers with each allocation failing in turn: RV_ENOMEM, no output.
 */
#include <unistd.h>

#include "harness.h"
#include "ruvector.h"

static const char *tmpfile_with(const void *bytes, size_t len)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/rv_test_records_%d", (int)getpid());
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(bytes, 1, len, f) != len)
		exit(2);
	fclose(f);
	return path;
}

static const char *tmptext(const char *s) { return tmpfile_with(s, strlen(s)); }

static bool has(const char *hay, const char *needle)
{
	bool ok = strstr(hay, needle) != NULL;
	if (!ok)
		fprintf(stderr, "    message: %s\n    wanted:  %s\n", hay, needle);
	return ok;
}

/* ---- rv_list_ids ---- */

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* List everything with buffers of `size` bytes; compare with want[0..n). */
static void check_listing(rv_collection *c, char **want, size_t n, size_t size)
{
	char *buf = malloc(size);
	char **got = malloc((n + 1) * sizeof *got);
	size_t k = 0, calls = 0;
	uint64_t cursor = 0;
	int r;
	while ((r = rv_list_ids(c, &cursor, buf, size)) > 0) {
		calls++;
		const char *id = buf;
		for (int i = 0; i < r; i++, id += strlen(id) + 1) {
			CHECK_MSG(k < n, "more ids than live records (%zu)", n);
			if (k < n)
				got[k++] = strdup(id);
		}
	}
	CHECK_RC(r, 0);
	CHECK(r == 0 && rv_list_ids(c, &cursor, buf, size) == 0); /* done stays done */
	CHECK_MSG(k == n, "listed %zu ids, want %zu (buffer %zu)", k, n, size);
	qsort(got, k, sizeof *got, cmp_str);
	qsort(want, n, sizeof *want, cmp_str);
	for (size_t i = 0; i < k && i < n; i++)
		CHECK_MSG(!strcmp(got[i], want[i]), "id %zu: %s vs %s", i, got[i], want[i]);
	if (size == RV_ID_MAX + 1u)
		CHECK(calls >= n / (size / 8)); /* it really paged */
	for (size_t i = 0; i < k; i++)
		free(got[i]);
	free(got);
	free(buf);
}

TEST(list_ids)
{
	rv_options o;
	rv_options_init(&o);
	o.dim = 4;
	o.threads = 1;
	rv_collection *c;
	CHECK_OK(rv_collection_new(&o, &c));
	char buf[RV_ID_MAX + 1];
	uint64_t cursor = 0;
	CHECK_RC(rv_list_ids(c, &cursor, buf, sizeof buf), 0); /* empty */
	CHECK_RC(rv_list_ids(c, &cursor, buf, RV_ID_MAX), RV_EINVAL);
	CHECK(has(rv_errmsg(c), "at least"));
	CHECK_RC(rv_list_ids(c, NULL, buf, sizeof buf), RV_EINVAL);
	CHECK_RC(rv_list_ids(c, &cursor, NULL, sizeof buf), RV_EINVAL);

	enum { N = 1500 };
	char **live = calloc(N, sizeof *live);
	bool *alive = calloc(N, sizeof *alive);
	test_rng r = {9};
	for (int i = 0; i < N; i++) {
		/* lengths from 1 to 255 bytes, so pages end at every offset */
		char id[RV_ID_MAX + 1];
		size_t len = 1 + rng_next(&r) % RV_ID_MAX;
		int p = snprintf(id, sizeof id, "%d-", i);
		memset(id + p, 'a' + i % 26, len > (size_t)p ? len - (size_t)p : 0);
		id[len > (size_t)p ? len : (size_t)p] = '\0';
		live[i] = strdup(id);
		float v[4] = {rng_float(&r), rng_float(&r), rng_float(&r), (float)i};
		CHECK_OK(rv_insert(c, id, v, 4, 0));
		alive[i] = true;
	}
	/* deletions (their slots freed by a vacuum, then reused), and upserts
	 * that move ids to new slots */
	for (int i = 0; i < N; i += 3) {
		CHECK_OK(rv_delete(c, live[i]));
		alive[i] = false;
	}
	CHECK_OK(rv_vacuum(c));
	for (int i = 1; i < N; i += 7) {
		float v[4] = {1, 2, 3, (float)-i};
		CHECK_OK(rv_insert(c, live[i], v, 4, RV_UPSERT)); /* moves, or revives a deleted id */
		alive[i] = true;
	}
	for (int i = 0; i < N; i += 6) {
		float v[4] = {4, 3, 2, (float)i};
		CHECK_OK(rv_insert(c, live[i], v, 4, RV_UPSERT)); /* back, in a reused slot */
		alive[i] = true;
	}
	char **want = malloc(N * sizeof *want);
	size_t n = 0;
	for (int i = 0; i < N; i++)
		if (alive[i])
			want[n++] = live[i];
	CHECK(n == rv_count(c));
	size_t sizes[] = {RV_ID_MAX + 1u, RV_ID_MAX + 2u, 1000, 4096, 1 << 20};
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
		check_listing(c, want, n, sizes[s]);
	for (int i = 0; i < N; i++)
		free(live[i]);
	free(live);
	free(alive);
	free(want);
	rv_collection_free(c);
}

/* ---- rv_read_jsonl ---- */

TEST(jsonl_records)
{
	const char *text =
		"{\"id\":\"a\\u00e9\\\"b\",\"vector\":[1,-2.5,3e-3],\"payload\": {\"x\" : [1, {\"y\":null}], \"n\":1.50}}\r\n"
		"\r\n"
		"   \t\n"
		"{\"vector\":[0,0,1],\"id\":123456789012345678901234567890}\n"
		"{\"id\":\"z\",\"vector\":[1,2,3],\"payload\":null}\n"
		"{\"id\":0,\"vector\":[-0,1e-40,340282346638528859811704183484516925440]}"; /* no final newline */
	rv_records *r;
	CHECK_OK(rv_read_jsonl(tmptext(text), 0, &r));
	if (!r)
		return;
	CHECK(r->n == 4 && r->dim == 3);
	CHECK(!strcmp(r->ids[0], "a\xc3\xa9\"b"));
	CHECK(!strcmp(r->ids[1], "123456789012345678901234567890")); /* beyond 2^64, as written */
	CHECK(!strcmp(r->ids[2], "z") && !strcmp(r->ids[3], "0"));
	CHECK(r->lines[0] == 1 && r->lines[1] == 4 && r->lines[2] == 5 && r->lines[3] == 6);
	CHECK(r->vectors[0] == 1.0f && r->vectors[1] == -2.5f && r->vectors[2] == 3e-3f);
	CHECK(r->vectors[11] == 3.4028234663852886e38f);
	CHECK(r->payloads[0] && !strcmp(r->payloads[0], "{\"x\" : [1, {\"y\":null}], \"n\":1.50}")); /* as written */
	CHECK(r->payloads[1] == NULL && r->payloads[2] == NULL && r->payloads[3] == NULL);

	/* what the reader accepts, the collection accepts, and gives back */
	rv_options o;
	rv_options_init(&o);
	o.dim = 3;
	o.threads = 1;
	rv_collection *c;
	CHECK_OK(rv_collection_new(&o, &c));
	CHECK_OK(rv_insert_batch_payload(c, r->n, (const char *const *)r->ids, r->vectors, r->dim,
	                                 (const char *const *)r->payloads, 0));
	char json[256];
	CHECK_OK(rv_get_payload(c, r->ids[0], json, sizeof json, NULL));
	CHECK(!strcmp(json, "{\"n\":1.5,\"x\":[1,{\"y\":null}]}"));
	rv_collection_free(c);
	rv_records_free(r);

	CHECK_OK(rv_read_jsonl(tmptext("\n  \n"), 0, &r)); /* nothing but blank lines */
	CHECK(r && r->n == 0);
	rv_records_free(r);
	rv_records_free(NULL);
	CHECK_RC(rv_read_jsonl(NULL, 0, &r), RV_EINVAL);
	CHECK_RC(rv_read_jsonl(tmptext(""), RV_DIM_MAX + 1, &r), RV_EINVAL);
	CHECK_RC(rv_read_jsonl("/nonexistent/dir/x.jsonl", 0, &r), RV_EIO);
	CHECK(r == NULL);
}

/* A file of two good lines, then `bad` as line 3: refused, naming line 3
 * and `what`. */
static void refused(const char *bad, size_t dim, const char *what)
{
	size_t n = strlen(bad) + 200;
	char *text = malloc(n);
	snprintf(text, n, "{\"id\":\"g1\",\"vector\":[1,2,3]}\n{\"id\":\"g2\",\"vector\":[4,5,6]}\n%s\n", bad);
	rv_records *r = (rv_records *)1;
	CHECK_RC(rv_read_jsonl(tmptext(text), dim, &r), RV_EFORMAT);
	CHECK(r == NULL);
	CHECK_MSG(has(rv_errmsg(NULL), "line 3: ") && has(rv_errmsg(NULL), what), "for %.80s", bad);
	free(text);
}

/* rv_insert_payload of P into a new collection: the core's verdict. */
static int core_verdict(const char *payload)
{
	rv_options o;
	rv_options_init(&o);
	o.dim = 3;
	rv_collection *c;
	if (rv_collection_new(&o, &c) != RV_OK)
		return RV_ENOMEM;
	float v[3] = {1, 2, 3};
	int rc = rv_insert_payload(c, "x", v, 3, payload, 0);
	rv_collection_free(c);
	return rc;
}

/* {"id":"x","vector":[1,2,3],"payload":P} with P built by the caller:
 * refused by the reader, naming line 3 and `what`, as the core refuses P. */
static void refused_payload(const char *payload, const char *what)
{
	size_t n = strlen(payload) + 64;
	char *line = malloc(n);
	snprintf(line, n, "{\"id\":\"x\",\"vector\":[1,2,3],\"payload\":%s}", payload);
	refused(line, 0, what);
	CHECK_RC(core_verdict(payload), RV_EINVAL);
	free(line);
}

static void accepted_payload(const char *payload)
{
	size_t n = strlen(payload) + 64;
	char *line = malloc(n);
	snprintf(line, n, "{\"id\":\"x\",\"vector\":[1,2,3],\"payload\":%s}\n", payload);
	rv_records *r = NULL;
	CHECK_OK(rv_read_jsonl(tmptext(line), 0, &r));
	if (r)
		CHECK_OK(core_verdict(r->payloads[0])); /* the core agrees */
	rv_records_free(r);
	free(line);
}

TEST(jsonl_refusals)
{
	refused("{\"id\":\"x\",\"vector\":[1,2]}", 0, "\"vector\" has 2 numbers; expected 3");
	refused("{\"id\":\"g1\",\"vector\":[1,2,3]}", 0, "id \"g1\" repeats line 1");
	refused("{\"id\":\"x\",\"vector\":[1,\"NaN\",3]}", 0, "\"vector\"[1] is a string, not a number");
	refused("{\"id\":\"x\",\"vector\":[1,null,3]}", 0, "\"vector\"[1] is null, not a number");
	refused("{\"id\":\"x\",\"vector\":[1,NaN,3]}", 0, "JSON: ");
	refused("{\"id\":\"x\",\"vector\":[1,2,1e39]}", 0, "beyond float32's range");
	refused("{\"id\":\"x\",\"vector\":[]}", 0, "\"vector\" is empty");
	refused("{\"id\":\"x\",\"vector\":{}}", 0, "\"vector\" is an object");
	refused("{\"id\":\"x\"}", 0, "no \"vector\"");
	refused("{\"vector\":[1,2,3]}", 0, "no \"id\"");
	refused("{\"id\":\"\",\"vector\":[1,2,3]}", 0, "\"id\" is empty");
	refused("{\"id\":true,\"vector\":[1,2,3]}", 0, "\"id\" is a boolean");
	refused("{\"id\":-1,\"vector\":[1,2,3]}", 0, "\"id\" -1 is not a non-negative integer");
	refused("{\"id\":2.0,\"vector\":[1,2,3]}", 0, "\"id\" 2.0 is not a non-negative integer");
	refused("{\"id\":1e3,\"vector\":[1,2,3]}", 0, "\"id\" 1e3 is not a non-negative integer");
	refused("{\"id\":\"x\",\"vector\":[1,2,3],\"extra\":1}", 0, "unknown member \"extra\"");
	refused("[1,2,3]", 0, "a record must be a JSON object, not an array");
	refused("{\"id\":\"x\",\"vector\":[1,2,3]", 0, "JSON: ");
	refused("{\"id\":\"x\",\"id\":\"y\",\"vector\":[1,2,3]}", 0, "duplicate key");
	refused("{\"id\":\"x\",\"vector\":[1,2,3,4]}", 3, "\"vector\" has 4 numbers; expected 3");
	rv_records *none = NULL;
	CHECK_RC(rv_read_jsonl(tmptext("{\"id\":\"x\",\"vector\":[1,2,3]}"), 4, &none), RV_EFORMAT);
	CHECK(has(rv_errmsg(NULL), "line 1: \"vector\" has 3 numbers; expected 4 (the dimension asked for)"));
	char id[RV_ID_MAX + 40];
	memset(id, 'i', sizeof id);
	snprintf(id + RV_ID_MAX + 1, 39, "\",\"vector\":[1,2,3]}");
	char line[RV_ID_MAX + 64];
	snprintf(line, sizeof line, "{\"id\":\"%s", id);
	refused(line, 0, "\"id\" is 256 bytes; the limit is 255");
	char digits[300];
	memset(digits, '7', 256);
	snprintf(digits + 256, 40, ",\"vector\":[1,2,3]}");
	snprintf(line, sizeof line, "{\"id\":%s", digits);
	refused(line, 0, "\"id\" is 256 bytes");

	/* payloads: the core's bounds, named with the path */
	refused_payload("[1]", "\"payload\" is an array; it must be an object");
	refused_payload("7", "\"payload\" is a number");
	refused_payload("\"{}\"", "\"payload\" is a string");
	char deep[256] = "", tail[64] = "";
	for (int i = 0; i < 16; i++)
		strcat(deep, "{\"a\":");
	strcat(deep, "1");
	for (int i = 0; i < 16; i++)
		strcat(tail, "}");
	strcat(deep, tail);
	accepted_payload(deep); /* 16 objects: the bound */
	char deeper[300];
	snprintf(deeper, sizeof deeper, "{\"b\":%s}", deep);
	refused_payload(deeper, "payload field \"b.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a\" nests deeper than 16 levels");
	/* arrays count as levels too */
	refused_payload("{\"a\":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}", "payload field \"a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0\" nests");
	accepted_payload("{\"a\":[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]}");
	/* a document nested far beyond the bound still gets the clear message */
	size_t big = 3000;
	char *very = malloc(2 * big + 16);
	size_t at = 0;
	very[at++] = '{';
	memcpy(very + at, "\"k\":", 4);
	at += 4;
	for (size_t i = 0; i < big; i++)
		very[at++] = '[';
	for (size_t i = 0; i < big; i++)
		very[at++] = ']';
	very[at++] = '}';
	very[at] = '\0';
	refused_payload(very, "nests deeper than 16 levels");
	free(very);
	/* fields per object, key lengths, size */
	size_t cap = 300 * 16 + 16;
	char *many = malloc(cap);
	at = (size_t)snprintf(many, cap, "{");
	for (int i = 0; i <= 256; i++)
		at += (size_t)snprintf(many + at, cap - at, "%s\"f%d\":%d", i ? "," : "", i, i);
	snprintf(many + at, cap - at, "}");
	refused_payload(many, "payload has 257 fields; the limit is 256");
	at = (size_t)snprintf(many, cap, "{\"in\":{");
	for (int i = 0; i < 256; i++)
		at += (size_t)snprintf(many + at, cap - at, "%s\"f%d\":%d", i ? "," : "", i, i);
	snprintf(many + at, cap - at, "}}");
	accepted_payload(many);
	free(many);
	char key[RV_PAYLOAD_KEY_MAX + 64];
	memset(key, 'k', sizeof key);
	snprintf(key + RV_PAYLOAD_KEY_MAX + 1, 20, "\":1}");
	char keyed[sizeof key + 8];
	snprintf(keyed, sizeof keyed, "{\"%s", key);
	refused_payload(keyed, "payload field name \"kkkk");
	refused_payload("{\"\":1}", "payload field name \"\" must be 1..255 bytes");
	char *huge = malloc(RV_PAYLOAD_MAX + 64);
	snprintf(huge, 16, "{\"s\":\"");
	memset(huge + 6, 'x', RV_PAYLOAD_MAX);
	snprintf(huge + 6 + RV_PAYLOAD_MAX, 8, "\"}");
	refused_payload(huge, "payload is 65544 bytes; the limit is 65536");
	free(huge);
}

/* ---- rv_read_npy ---- */

/* An .npy file: magic, version, header padded to 64 bytes, then data. */
static size_t npy(unsigned char *out, int major, const char *dict, const float *data, size_t n)
{
	size_t pre = major == 1 ? 10 : 12, hlen = strlen(dict) + 1;
	hlen += (64 - (pre + hlen) % 64) % 64;
	memcpy(out, "\x93NUMPY", 6);
	out[6] = (unsigned char)major;
	out[7] = 0;
	out[8] = (unsigned char)hlen;
	out[9] = (unsigned char)(hlen >> 8);
	if (major != 1)
		out[10] = out[11] = 0;
	memset(out + pre, ' ', hlen);
	memcpy(out + pre, dict, strlen(dict));
	out[pre + hlen - 1] = '\n';
	for (size_t i = 0; i < n; i++) { /* little-endian on any host */
		uint32_t w;
		memcpy(&w, &data[i], 4);
		for (int k = 0; k < 4; k++)
			out[pre + hlen + 4 * i + (size_t)k] = (unsigned char)(w >> (8 * k));
	}
	return pre + hlen + n * 4;
}

TEST(npy_files)
{
	float v[12];
	for (int i = 0; i < 12; i++)
		v[i] = (float)i * 0.5f - 2;
	unsigned char f[512];
	void *data;
	size_t rows, dim;
	const char *dicts[] = {
		"{'descr': '<f4', 'fortran_order': False, 'shape': (4, 3), }",
		"{\"shape\":(4,3),\"fortran_order\":False,\"descr\":\"<f4\"}",
	};
	for (int major = 1; major <= 3; major++)
		for (int d = 0; d < 2; d++) {
			size_t len = npy(f, major, dicts[d], v, 12);
			CHECK_OK(rv_read_npy(tmpfile_with(f, len), 0, &data, &rows, &dim));
			CHECK(rows == 4 && dim == 3 && data && !memcmp(data, v, sizeof v));
			rv_free_buffer(data);
		}
	size_t len = npy(f, 1, dicts[0], v, 12);
	CHECK_OK(rv_read_npy(tmpfile_with(f, len), 2, &data, &rows, &dim));
	CHECK(rows == 2 && dim == 3);
	rv_free_buffer(data);
	len = npy(f, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }", v, 0);
	CHECK_OK(rv_read_npy(tmpfile_with(f, len), 0, &data, &rows, &dim));
	CHECK(rows == 0 && dim == 3);
	rv_free_buffer(data);

	struct {
		const char *dict;
		size_t n;
		const char *what;
	} bad[] = {
		{"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 12, "dtype '<f8' (float64)"},
		{"{'descr': '<f2', 'fortran_order': False, 'shape': (4, 3), }", 6, "dtype '<f2' (float16)"},
		{"{'descr': '|u1', 'fortran_order': False, 'shape': (4, 3), }", 3, "(uint8)"},
		{"{'descr': '>f4', 'fortran_order': False, 'shape': (4, 3), }", 12, "big-endian float32"},
		{"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (4,), }", 4, "structured dtype"},
		{"{'descr': '<f4', 'fortran_order': True, 'shape': (4, 3), }", 12, "fortran_order is True"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 3), }", 12, "shape (2, 2, 3) has 3 dimensions"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (12,), }", 12, "shape (12,) has 1 dimension"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 1, "shape () has 0 dimensions"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (12, 0), }", 0, "dim 0 is outside"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (5, 3), }", 12, "truncated: shape (5, 3)"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (3, 3), }", 12, "12 bytes after the data"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999, 3), }", 12, "truncated"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (999999999999999999999, 3), }", 12, "too large"},
		{"{'descr': '<f4', 'shape': (4, 3), }", 12, "no 'fortran_order'"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (4, 3), 'x': 1}", 12, "unknown key 'x'"},
		{"{'descr': '<f4', 'fortran_order': Maybe, 'shape': (4, 3), }", 12, "True or False"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (4, 3) ", 12, "expected ',' or '}'"},
		{"('descr', '<f4')", 12, "not a dict"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (4, -3), }", 12, "non-negative integers"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		len = npy(f, 1, bad[i].dict, v, bad[i].n);
		int rc = rv_read_npy(tmpfile_with(f, len), 0, &data, &rows, &dim);
		CHECK_MSG(rc == RV_EFORMAT && data == NULL, "%s gave %d", bad[i].dict, rc);
		CHECK_MSG(has(rv_errmsg(NULL), bad[i].what), "for %s", bad[i].dict);
	}
	len = npy(f, 1, dicts[0], v, 12);
	f[6] = 4;
	CHECK_RC(rv_read_npy(tmpfile_with(f, len), 0, &data, &rows, &dim), RV_EFORMAT);
	CHECK(has(rv_errmsg(NULL), "format version 4.0"));
	f[6] = 1;
	f[0] = 'x';
	CHECK_RC(rv_read_npy(tmpfile_with(f, len), 0, &data, &rows, &dim), RV_EFORMAT);
	CHECK(has(rv_errmsg(NULL), "not a NumPy .npy file"));
	f[0] = 0x93;
	f[9] = 0x7f; /* header length beyond the file */
	CHECK_RC(rv_read_npy(tmpfile_with(f, len), 0, &data, &rows, &dim), RV_EFORMAT);
	CHECK(has(rv_errmsg(NULL), "header length"));
	CHECK_RC(rv_read_npy(tmpfile_with(f, 0), 0, &data, &rows, &dim), RV_EFORMAT);
	CHECK_RC(rv_read_npy("/nonexistent/dir/x.npy", 0, &data, &rows, &dim), RV_EIO);
	CHECK_RC(rv_read_npy(NULL, 0, &data, &rows, &dim), RV_EINVAL);

	/* every truncation, and random corruption: an error or a consistent
	 * matrix, never a crash */
	unsigned char good[512], b[512];
	size_t glen = npy(good, 1, dicts[0], v, 12);
	for (size_t l = 0; l < glen; l++) {
		int rc = rv_read_npy(tmpfile_with(good, l), 0, &data, &rows, &dim);
		CHECK_MSG(rc == RV_EFORMAT && data == NULL, "length %zu gave %d", l, rc);
	}
	test_rng r = {31};
	for (int t = 0; t < 400; t++) {
		memcpy(b, good, glen);
		for (int k = 0; k < 3; k++)
			b[rng_next(&r) % 80] ^= (unsigned char)(1u << (rng_next(&r) % 8));
		int rc = rv_read_npy(tmpfile_with(b, glen), 0, &data, &rows, &dim);
		CHECK(rc == RV_OK || rc == RV_EFORMAT);
		if (rc == RV_OK)
			CHECK(rows * dim * 4 <= glen);
		rv_free_buffer(data);
	}
	unlink(tmpfile_with(good, 1));
}

/* The allocator's test hook (src/util/alloc.h, which would also define
 * malloc away in this file). */
long rv_alloc_fail_after(long n);

/* Every allocation of each reader made to fail in turn: RV_ENOMEM and no
 * output (leaks and bad accesses on those paths: ASan builds). */
TEST(out_of_memory)
{
	const char *text = "{\"id\":\"a\",\"vector\":[1,2],\"payload\":{\"x\":[1,{\"y\":2}]}}\n\n"
	                   "{\"id\":3,\"vector\":[3,4]}\n{\"id\":\"c\",\"vector\":[5,6]}\n";
	long n;
	for (n = 0; n < 100000; n++) {
		rv_records *r = (rv_records *)1;
		rv_alloc_fail_after(n);
		int rc = rv_read_jsonl(tmptext(text), 0, &r);
		rv_alloc_fail_after(-1);
		CHECK_MSG(rc == RV_OK || rc == RV_ENOMEM, "after %ld allocations: %d", n, rc);
		if (rc == RV_OK) {
			CHECK(r->n == 3 && !strcmp(r->ids[1], "3"));
			rv_records_free(r);
			break;
		}
		CHECK(r == NULL);
	}
	CHECK(n > 3); /* it did meet failures */
	float v[6] = {1, 2, 3, 4, 5, 6};
	unsigned char f[256];
	size_t len = npy(f, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", v, 6);
	for (n = 0; n < 1000; n++) {
		void *data = (void *)1;
		size_t rows, dim;
		rv_alloc_fail_after(n);
		int rc = rv_read_npy(tmpfile_with(f, len), 0, &data, &rows, &dim);
		rv_alloc_fail_after(-1);
		CHECK_MSG(rc == RV_OK || rc == RV_ENOMEM, "after %ld allocations: %d", n, rc);
		if (rc == RV_OK) {
			CHECK(rows == 2 && dim == 3 && !memcmp(data, v, sizeof v));
			rv_free_buffer(data);
			break;
		}
		CHECK(data == NULL);
	}
	CHECK(n >= 1);
}

int main(void)
{
	RUN(list_ids);
	RUN(jsonl_records);
	RUN(jsonl_refusals);
	RUN(npy_files);
	RUN(out_of_memory);
	return harness_exit();
}
