/*
 * vecs_file.c: reading the fvecs/ivecs files of the ANN benchmarks.
 *
 * Format: per vector, an int32 dimension d (little-endian), then d float32
 * (fvecs) or int32 (ivecs). Nothing else: no magic, no count, no checksum,
 * so the reader trusts nothing. The first header fixes d (1..RV_DIM_MAX);
 * the file length must be a whole number of records; every later header
 * must repeat d. The buffer is sized from the file's length, never from a
 * header, so a crafted header cannot ask for a huge allocation.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../platform/vfs.h"
#include "../util/alloc.h"
#include "../util/error.h"
#include "ruvector.h"

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int rv_read_vecs(const char *path, int is_int, size_t limit, void **data, size_t *rows, size_t *dim)
{
	const char *kind = is_int ? "ivecs" : "fvecs";
	if (!path || !data || !rows || !dim)
		return rv_error(NULL, RV_EINVAL, "NULL argument to rv_read_vecs");
	*data = NULL;
	*rows = *dim = 0;
	bool is_dir = false;
	uint64_t ignored;
	if (rv_vfs_current()->stat(path, &is_dir, &ignored) == 0 && is_dir)
		return rv_error(NULL, RV_EINVAL, "%s: is a directory, not an %s file", path, kind);
	FILE *f = fopen(path, "rb");
	if (!f)
		return rv_error(NULL, RV_EIO, "%s: cannot open: %s", path, strerror(errno));
	int rc = RV_OK;
	unsigned char hdr[4];
	uint32_t *out = NULL;
	if (fseek(f, 0, SEEK_END) != 0) {
		rc = rv_error(NULL, RV_EIO, "%s: cannot seek: %s", path, strerror(errno));
		goto done;
	}
	long flen = ftell(f);
	if (flen < 0 || fseek(f, 0, SEEK_SET) != 0) {
		rc = rv_error(NULL, RV_EIO, "%s: cannot tell its size: %s", path, strerror(errno));
		goto done;
	}
	size_t size = (size_t)flen;
	if (size == 0) {
		rc = rv_error(NULL, RV_EFORMAT, "%s: empty file, expected %s", path, kind);
		goto done;
	}
	if (size < 4 || fread(hdr, 1, 4, f) != 4) {
		rc = rv_error(NULL, RV_EFORMAT, "%s: truncated at byte 0: no dimension header", path);
		goto done;
	}
	uint32_t d = le32(hdr);
	if (d < 1 || d > RV_DIM_MAX) {
		rc = rv_error(NULL, RV_EFORMAT, "%s: byte 0: dimension %d is outside 1..%u (not an %s file?)", path,
		              (int32_t)d, RV_DIM_MAX, kind);
		goto done;
	}
	size_t rec = 4 + (size_t)d * 4;
	size_t n = size / rec, tail = size % rec;
	if (limit && n > limit)
		n = limit, tail = 0;
	size_t bytes;
	if (!rv_mul_size(n, (size_t)d * 4, &bytes) || !(out = rv_malloc(bytes))) {
		rc = rv_error(NULL, RV_ENOMEM, "%s: out of memory for %zu vectors of dimension %u", path, n, d);
		goto done;
	}
	if (fseek(f, 0, SEEK_SET) != 0) {
		rc = rv_error(NULL, RV_EIO, "%s: cannot seek: %s", path, strerror(errno));
		goto done;
	}
	/* Whole records first, so that a header that disagrees is named as
	 * such rather than as the truncation it also causes. */
	for (size_t i = 0; i <= n; i++) {
		size_t off = i * rec;
		if (i == n && tail < 4)
			break;
		if (fread(hdr, 1, 4, f) != 4) {
			rc = rv_error(NULL, RV_EIO, "%s: read error at byte %zu", path, off);
			goto done;
		}
		uint32_t di = le32(hdr);
		if (di != d) {
			rc = rv_error(NULL, RV_EFORMAT, "%s: byte %zu: vector %zu has dimension %d, the first had %u", path,
			              off, i, (int32_t)di, d);
			goto done;
		}
		if (i == n)
			break;
		unsigned char *row = (unsigned char *)(out + i * d);
		if (fread(row, 4, d, f) != d) {
			rc = rv_error(NULL, RV_EIO, "%s: read error inside vector %zu (byte %zu)", path, i, off + 4);
			goto done;
		}
		/* Values are little-endian on disk; convert in place on big-endian hosts. */
		const uint32_t probe = 1;
		if (*(const unsigned char *)&probe != 1)
			for (uint32_t j = 0; j < d; j++)
				out[i * d + j] = le32(row + 4 * j);
	}
	if (tail) {
		rc = rv_error(NULL, RV_EFORMAT,
		              "%s: truncated: %zu bytes is not a whole number of %zu-byte records (dimension %u); "
		              "the last record starts at byte %zu",
		              path, size, rec, d, n * rec);
		goto done;
	}
	*data = out;
	*rows = n;
	*dim = d;
	out = NULL;
done:
	rv_free(out);
	fclose(f);
	return rc;
}

void rv_free_buffer(void *buf) { rv_free(buf); }
