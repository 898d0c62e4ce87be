/*
 * npy_file.c: reading NumPy .npy files of float32 vectors (rv_read_npy).
 *
 * Format (numpy/lib/format.py, "NEP 1"):
 *
 *   bytes 0-5   magic "\x93NUMPY"
 *   byte 6, 7   major and minor format version: 1.0, 2.0 or 3.0
 *   then        header length: u16 little-endian (1.0) or u32 (2.0, 3.0)
 *   then        the header: a Python dict literal, ASCII (3.0: UTF-8),
 *               padded with spaces and ending in '\n', e.g.
 *               {'descr': '<f4', 'fortran_order': False, 'shape': (1000, 128), }
 *   then        the data: rows * dim elements, nothing after them
 *
 * Only what `numpy.save(f, a)` writes for a C-ordered 2-D float32 matrix
 * on a little-endian machine is read: descr '<f4', fortran_order False, a
 * shape of two integers. Anything else is refused with what it is and how
 * to convert it, rather than converted here: a float64 file silently
 * rounded, or a 3-D array silently flattened, would import vectors the
 * user did not mean.
 *
 * The header is parsed as the small subset of Python literals numpy
 * writes (quoted strings, True/False, a tuple of integers), in any key
 * order; the reader trusts nothing in it. The buffer is sized from the
 * shape only after the shape has been checked against the file's length,
 * so a crafted shape cannot ask for a huge allocation.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../platform/vfs.h"
#include "../util/alloc.h"
#include "../util/error.h"
#include "ruvector.h"

#define NPY_HEADER_MAX 65536u /* numpy itself refuses headers over 10000 bytes by default */
#define NPY_SHAPE_MAX 8       /* more axes than anyone writes; each is reported, not read */

/* What the header says. */
typedef struct npy_header {
	char descr[32];       /* the dtype string, e.g. "<f4" */
	bool have_descr, have_order, have_shape;
	bool fortran;         /* fortran_order */
	size_t ndim;          /* axes in shape (those beyond NPY_SHAPE_MAX are counted, not kept) */
	uint64_t shape[NPY_SHAPE_MAX];
} npy_header;

/* A cursor over the header text, and where to put a complaint. */
typedef struct hparse {
	const char *s, *end;
	const char *start;    /* the header's first byte, for offsets */
	size_t base;          /* the header's offset in the file */
	char *why;
	size_t why_size;
} hparse;

static void skip_ws(hparse *p)
{
	while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r'))
		p->s++;
}

static bool fail_at(hparse *p, const char *what)
{
	snprintf(p->why, p->why_size, "header byte %zu: %s", p->base + (size_t)(p->s - p->start), what);
	return false;
}

static bool expect(hparse *p, char c, const char *what)
{
	skip_ws(p);
	if (p->s >= p->end || *p->s != c)
		return fail_at(p, what);
	p->s++;
	return true;
}

/* A Python string literal in ' or " quotes, without escapes (numpy writes
 * none in the keys and dtypes it reads here). */
static bool parse_str(hparse *p, char *out, size_t out_size)
{
	skip_ws(p);
	if (p->s >= p->end || (*p->s != '\'' && *p->s != '"'))
		return fail_at(p, "expected a quoted string");
	char q = *p->s++;
	const char *b = p->s;
	while (p->s < p->end && *p->s != q && *p->s != '\\')
		p->s++;
	if (p->s >= p->end || *p->s != q)
		return fail_at(p, "unterminated or escaped string");
	size_t n = (size_t)(p->s - b);
	p->s++;
	if (n + 1 > out_size)
		return fail_at(p, "string too long");
	memcpy(out, b, n);
	out[n] = '\0';
	return true;
}

static bool parse_bool(hparse *p, bool *out)
{
	skip_ws(p);
	size_t left = (size_t)(p->end - p->s);
	if (left >= 4 && !memcmp(p->s, "True", 4)) {
		p->s += 4;
		*out = true;
		return true;
	}
	if (left >= 5 && !memcmp(p->s, "False", 5)) {
		p->s += 5;
		*out = false;
		return true;
	}
	return fail_at(p, "fortran_order must be True or False");
}

/* A tuple of non-negative integers: "()", "(5,)", "(3, 4)", "(3, 4,)". */
static bool parse_shape(hparse *p, npy_header *h)
{
	if (!expect(p, '(', "shape must be a tuple of integers"))
		return false;
	h->ndim = 0;
	for (;;) {
		skip_ws(p);
		if (p->s < p->end && *p->s == ')') {
			p->s++;
			return true;
		}
		if (p->s >= p->end || *p->s < '0' || *p->s > '9')
			return fail_at(p, "shape must be a tuple of non-negative integers");
		uint64_t v = 0;
		while (p->s < p->end && *p->s >= '0' && *p->s <= '9') {
			if (v > (UINT64_MAX - 9) / 10)
				return fail_at(p, "a shape entry is too large");
			v = v * 10 + (uint64_t)(*p->s++ - '0');
		}
		if (h->ndim < NPY_SHAPE_MAX)
			h->shape[h->ndim] = v;
		h->ndim++;
		skip_ws(p);
		if (p->s < p->end && *p->s == ',')
			p->s++;
		else if (p->s >= p->end || *p->s != ')')
			return fail_at(p, "expected ',' or ')' in shape");
	}
}

static bool parse_header(hparse *p, npy_header *h)
{
	memset(h, 0, sizeof *h);
	if (!expect(p, '{', "the header is not a dict ('{' expected)"))
		return false;
	for (;;) {
		skip_ws(p);
		if (p->s < p->end && *p->s == '}') {
			p->s++;
			break;
		}
		char key[32];
		if (!parse_str(p, key, sizeof key) || !expect(p, ':', "expected ':' after a key"))
			return false;
		bool ok;
		if (!strcmp(key, "descr")) {
			skip_ws(p);
			if (p->s < p->end && *p->s == '[')
				return fail_at(p, "descr is a structured dtype (a list of fields); expected '<f4'");
			ok = parse_str(p, h->descr, sizeof h->descr);
			h->have_descr = true;
		} else if (!strcmp(key, "fortran_order")) {
			ok = parse_bool(p, &h->fortran);
			h->have_order = true;
		} else if (!strcmp(key, "shape")) {
			ok = parse_shape(p, h);
			h->have_shape = true;
		} else {
			char what[80];
			snprintf(what, sizeof what, "unknown key '%.32s'", key);
			return fail_at(p, what);
		}
		if (!ok)
			return false;
		skip_ws(p);
		if (p->s < p->end && *p->s == ',')
			p->s++;
		else if (p->s >= p->end || *p->s != '}')
			return fail_at(p, "expected ',' or '}' after a value");
	}
	skip_ws(p);
	if (p->s != p->end)
		return fail_at(p, "text after the header's dict");
	const char *missing = !h->have_descr ? "descr" : !h->have_order ? "fortran_order" : !h->have_shape ? "shape" : NULL;
	if (missing) {
		snprintf(p->why, p->why_size, "the header has no '%s'", missing);
		return false;
	}
	return true;
}

/* A few words on a dtype that is not '<f4', for the message. */
static const char *dtype_name(const char *d)
{
	static const struct {
		const char *code, *name;
	} names[] = {
		{"f2", "float16"}, {"f8", "float64"}, {"f16", "float128"}, {"i1", "int8"},  {"i2", "int16"},
		{"i4", "int32"},   {"i8", "int64"},   {"u1", "uint8"},      {"u2", "uint16"}, {"u4", "uint32"},
		{"u8", "uint64"},  {"b1", "bool"},    {"c8", "complex64"},  {"c16", "complex128"},
	};
	if (!strcmp(d, ">f4"))
		return "big-endian float32";
	const char *code = (d[0] == '<' || d[0] == '>' || d[0] == '|' || d[0] == '=') ? d + 1 : d;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(code, names[i].code))
			return names[i].name;
	return "not float32";
}

static void shape_text(const npy_header *h, char *out, size_t size)
{
	size_t at = (size_t)snprintf(out, size, "(");
	for (size_t i = 0; i < h->ndim && i < NPY_SHAPE_MAX && at < size; i++)
		at += (size_t)snprintf(out + at, size - at, "%s%llu", i ? ", " : "", (unsigned long long)h->shape[i]);
	if (at < size)
		snprintf(out + at, size - at, "%s%s)", h->ndim > NPY_SHAPE_MAX ? ", ..." : "", h->ndim == 1 ? "," : "");
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int rv_read_npy(const char *path, size_t limit, void **data, size_t *rows, size_t *dim)
{
	if (!path || !data || !rows || !dim)
		return rv_error(NULL, RV_EINVAL, "NULL argument to rv_read_npy");
	*data = NULL;
	*rows = *dim = 0;
	bool is_dir = false;
	uint64_t size;
	if (rv_vfs_current()->stat(path, &is_dir, &size) == 0 && is_dir)
		return rv_error(NULL, RV_EINVAL, "%s: is a directory, not an .npy file", path);
	FILE *f = fopen(path, "rb");
	if (!f)
		return rv_error(NULL, RV_EIO, "%s: cannot open: %s", path, strerror(errno));
	int rc = RV_OK;
	char *htext = NULL;
	float *out = NULL;
	unsigned char pre[12];
	if (fseek(f, 0, SEEK_END) != 0 || ftell(f) < 0) {
		rc = rv_error(NULL, RV_EIO, "%s: cannot tell its size: %s", path, strerror(errno));
		goto done;
	}
	size = (uint64_t)ftell(f);
	rewind(f);
	if (size < 10 || fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
		rc = rv_error(NULL, RV_EFORMAT, "%s: not a NumPy .npy file (it does not start with \"\\x93NUMPY\")", path);
		goto done;
	}
	unsigned major = pre[6], minor = pre[7];
	if ((major != 1 && major != 2 && major != 3) || minor != 0) {
		rc = rv_error(NULL, RV_EFORMAT, "%s: byte 6: .npy format version %u.%u; this reader knows 1.0, 2.0 and 3.0",
		              path, major, minor);
		goto done;
	}
	size_t hlen, hoff;
	if (major == 1) {
		hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
		hoff = 10;
	} else {
		if (size < 12 || fread(pre + 10, 1, 2, f) != 2) {
			rc = rv_error(NULL, RV_EFORMAT, "%s: truncated at byte 10: no header length", path);
			goto done;
		}
		hlen = le32(pre + 8);
		hoff = 12;
	}
	if (hlen > NPY_HEADER_MAX || hlen > size - hoff) {
		rc = rv_error(NULL, RV_EFORMAT, "%s: byte 8: header length %zu is %s", path, hlen,
		              hlen > NPY_HEADER_MAX ? "too large (not an .npy file?)" : "beyond the end of the file (truncated)");
		goto done;
	}
	if (!(htext = rv_malloc(hlen ? hlen : 1))) {
		rc = rv_error(NULL, RV_ENOMEM, "%s: out of memory for the header", path);
		goto done;
	}
	if (fread(htext, 1, hlen, f) != hlen) {
		rc = rv_error(NULL, RV_EIO, "%s: read error in the header", path);
		goto done;
	}
	char why[160];
	npy_header h;
	hparse p = {htext, htext + hlen, htext, hoff, why, sizeof why};
	if (!parse_header(&p, &h)) {
		rc = rv_error(NULL, RV_EFORMAT, "%s: %s", path, why);
		goto done;
	}
	char shape[96];
	shape_text(&h, shape, sizeof shape);
	if (strcmp(h.descr, "<f4") != 0) {
		rc = rv_error(NULL, RV_EFORMAT,
		              "%s: dtype '%s' (%s); only '<f4' (little-endian float32) is read: save "
		              "a.astype('<f4') instead",
		              path, h.descr, dtype_name(h.descr));
		goto done;
	}
	if (h.fortran) {
		rc = rv_error(NULL, RV_EFORMAT,
		              "%s: fortran_order is True (stored column by column); only C order is read: save "
		              "numpy.ascontiguousarray(a) instead",
		              path);
		goto done;
	}
	if (h.ndim != 2) {
		rc = rv_error(NULL, RV_EFORMAT, "%s: shape %s has %zu dimension%s; expected a 2-D matrix (rows, dim)",
		              path, shape, h.ndim, h.ndim == 1 ? "" : "s");
		goto done;
	}
	if (h.shape[1] < 1 || h.shape[1] > RV_DIM_MAX) {
		rc = rv_error(NULL, RV_EFORMAT, "%s: shape %s: dim %llu is outside 1..%u", path, shape,
		              (unsigned long long)h.shape[1], RV_DIM_MAX);
		goto done;
	}
	size_t d = (size_t)h.shape[1], body = (size_t)(size - hoff - hlen), n;
	/* The shape must account for the file exactly: checked before any
	 * allocation sized by it (and without multiplying an untrusted count). */
	if (h.shape[0] > body / (d * 4)) {
		rc = rv_error(NULL, RV_EFORMAT,
		              "%s: truncated: shape %s needs %llu x %zu x 4 bytes of float32 after the header "
		              "(byte %zu); the file has %zu",
		              path, shape, (unsigned long long)h.shape[0], d, hoff + hlen, body);
		goto done;
	}
	if ((size_t)h.shape[0] * d * 4 != body) {
		rc = rv_error(NULL, RV_EFORMAT, "%s: %zu bytes after the data of shape %s (it should end at byte %zu)",
		              path, body - (size_t)h.shape[0] * d * 4, shape, hoff + hlen + (size_t)h.shape[0] * d * 4);
		goto done;
	}
	n = (size_t)h.shape[0];
	if (limit && n > limit)
		n = limit;
	if (!(out = rv_malloc(n ? n * d * 4 : 1))) {
		rc = rv_error(NULL, RV_ENOMEM, "%s: out of memory for %zu vectors of dimension %zu", path, n, d);
		goto done;
	}
	if (fread(out, 4, n * d, f) != n * d) {
		rc = rv_error(NULL, RV_EIO, "%s: read error in the data", path);
		goto done;
	}
	/* Values are little-endian on disk; convert in place on big-endian hosts. */
	const uint32_t probe = 1;
	if (*(const unsigned char *)&probe != 1) {
		uint32_t *w = (uint32_t *)out;
		for (size_t i = 0; i < n * d; i++)
			w[i] = le32((const unsigned char *)(w + i));
	}
	*data = out;
	*rows = n;
	*dim = d;
	out = NULL;
done:
	rv_free(out);
	rv_free(htext);
	fclose(f);
	return rc;
}
