/*
 * segment.c: segment files, the immutable output of a checkpoint.
 *
 * A segment holds a collection's state at one point as sections (vectors,
 * links, ids, ...; their meaning is the collection layer's). It is written
 * once, sequentially, then never modified; opening maps the big sections
 * instead of reading them.
 *
 * FILE FORMAT
 *
 * Header, the first 4096 bytes:
 *   0    8  magic "RVSEGMT1"
 *   8    4  format version
 *   12   4  byte-order mark 0x01020304
 *   16   4  writer version
 *   20   4  header size (4096)
 *   24   8  file size in bytes
 *   32   4  number of sections, at most 32
 *   36   4  block size for checksums (65536)
 *   40   8  generation (the checkpoint that wrote it)
 *   48   16 zero
 *   64   32 section entries of 48 bytes each (unused ones zero):
 *          0  4  kind (non-zero; the collection layer's numbering)
 *          4  4  zero
 *          8  8  offset of the data (a multiple of 4096)
 *          16 8  length of the data in bytes
 *          24 8  offset of the block-checksum array
 *          32 4  number of blocks = ceil(length / block size)
 *          36 4  CRC-32C of the block-checksum array
 *          40 8  zero
 *   1600 2492 zero
 *   4092 4  CRC-32C of bytes 0..4091
 * Then each section's data at its 4096-aligned offset (zero padding
 * between), then every section's block-checksum array (one CRC-32C per
 * block of the section's data; the last block may be short).
 *
 * What is checked when. Opening checks the header CRC, that every section
 * and checksum array lies inside the file without overlapping the header,
 * that the file is exactly the recorded size, every checksum array's CRC,
 * and that every byte outside the header, the sections and the checksum
 * arrays (the alignment padding, at most 4 KiB per section) is zero: so a
 * truncated, extended or structurally damaged file is refused at once, and
 * no byte of the file escapes every check. The blocks themselves are
 * checked when a section is read (small sections, which the collection
 * layer reads whole) or when asked (rv_seg_verify: the collection layer
 * verifies links at open; vector data only during `check`, because
 * reading it would defeat mapping it).
 *
 * Writing goes to NAME.tmp; rv_seg_finish writes the header last, syncs,
 * renames into place and syncs the directory.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../kernels/kernels.h"
#include "../util/alloc.h"
#include "../util/error.h"
#include "storage.h"

#define SEG_MAGIC "RVSEGMT1"
#define SEG_HEADER 4096u
#define ENTRY_AT 64u
#define ENTRY_SIZE 48u

typedef struct section {
	uint32_t kind;
	uint64_t offset, length;
	uint64_t crc_offset;
	uint32_t n_blocks;
	uint32_t crc_of_crcs;
	uint32_t *crcs;        /* writer: the block CRCs so far; reader: loaded */
	size_t crcs_cap;
	uint32_t block_crc;    /* writer: CRC of the block being filled */
	uint32_t block_fill;   /* writer: bytes in it */
} section;

struct rv_seg_writer {
	const void *owner;
	char *path, *tmp, *dir;
	rv_file *f;
	uint64_t generation;
	uint64_t pos;          /* next byte to write */
	section s[RV_SEG_MAX_SECTIONS];
	uint32_t n;
	int err;               /* first error: later calls fail fast */
};

struct rv_segment {
	const void *owner;
	char *path;
	rv_file *f;
	uint64_t size, generation;
	section s[RV_SEG_MAX_SECTIONS];
	uint32_t n;
};

/* ---- writing ---- */

static int wfail(rv_seg_writer *w, int rc)
{
	if (!w->err)
		w->err = rc;
	return rc;
}

int rv_seg_begin(const void *h, const char *path, uint64_t generation, rv_seg_writer **out)
{
	*out = NULL;
	rv_seg_writer *w = rv_calloc(1, sizeof *w);
	if (!w)
		return rv_error(h, RV_ENOMEM, "out of memory writing %s", path);
	w->owner = h;
	w->generation = generation;
	size_t len = strlen(path);
	w->path = rv_strndup(path, len);
	w->tmp = rv_malloc(len + 5);
	w->dir = rv_strndup(path, len);
	if (!w->path || !w->tmp || !w->dir) {
		rv_seg_abort(w);
		return rv_error(h, RV_ENOMEM, "out of memory writing %s", path);
	}
	memcpy(w->tmp, path, len);
	memcpy(w->tmp + len, ".tmp", 5);
	char *slash = strrchr(w->dir, '/');
	if (slash)
		*slash = '\0';
	else
		strcpy(w->dir, ".");
	int e = rv_vfs_current()->open(w->tmp, RV_O_RDWR | RV_O_CREATE | RV_O_TRUNC, &w->f);
	if (e != 0) {
		int rc = rv_io_error(h, e, w->tmp, "cannot create");
		rv_seg_abort(w);
		return rc;
	}
	w->pos = SEG_HEADER;
	*out = w;
	return RV_OK;
}

static int flush_block(rv_seg_writer *w, section *sec)
{
	if (sec->n_blocks == sec->crcs_cap) {
		size_t cap = sec->crcs_cap ? sec->crcs_cap * 2 : 64;
		uint32_t *c = rv_realloc(sec->crcs, cap * sizeof *c);
		if (!c)
			return wfail(w, rv_error(w->owner, RV_ENOMEM, "out of memory writing %s", w->path));
		sec->crcs = c;
		sec->crcs_cap = cap;
	}
	sec->crcs[sec->n_blocks++] = sec->block_crc;
	sec->block_crc = 0;
	sec->block_fill = 0;
	return RV_OK;
}

static int close_section(rv_seg_writer *w)
{
	if (w->n == 0)
		return RV_OK;
	section *sec = &w->s[w->n - 1];
	if (sec->block_fill)
		return flush_block(w, sec);
	return RV_OK;
}

int rv_seg_section(rv_seg_writer *w, uint32_t kind)
{
	if (w->err)
		return w->err;
	if (close_section(w) != RV_OK)
		return w->err;
	if (w->n == RV_SEG_MAX_SECTIONS || kind == 0)
		return wfail(w, rv_error(w->owner, RV_EINVAL, "%s: too many sections", w->path));
	uint64_t aligned = (w->pos + RV_SEG_ALIGN - 1) & ~(uint64_t)(RV_SEG_ALIGN - 1);
	if (aligned > w->pos) {
		static const unsigned char zeros[RV_SEG_ALIGN];
		int e = rv_vfs_current()->pwrite(w->f, zeros, aligned - w->pos, w->pos);
		if (e != 0)
			return wfail(w, rv_io_error(w->owner, e, w->tmp, "cannot write"));
		w->pos = aligned;
	}
	section *sec = &w->s[w->n++];
	memset(sec, 0, sizeof *sec);
	sec->kind = kind;
	sec->offset = w->pos;
	return RV_OK;
}

int rv_seg_write(rv_seg_writer *w, const void *data, size_t len)
{
	if (w->err)
		return w->err;
	if (w->n == 0)
		return wfail(w, rv_error(w->owner, RV_EINVAL, "%s: data before any section", w->path));
	section *sec = &w->s[w->n - 1];
	int e = rv_vfs_current()->pwrite(w->f, data, len, w->pos);
	if (e != 0)
		return wfail(w, rv_io_error(w->owner, e, w->tmp, "cannot write"));
	w->pos += len;
	sec->length += len;
	const unsigned char *p = data;
	while (len) {
		size_t take = RV_SEG_BLOCK - sec->block_fill;
		if (take > len)
			take = len;
		sec->block_crc = rv_crc32c(sec->block_crc, p, take);
		sec->block_fill += (uint32_t)take;
		p += take;
		len -= take;
		if (sec->block_fill == RV_SEG_BLOCK && flush_block(w, sec) != RV_OK)
			return w->err;
	}
	return RV_OK;
}

int rv_seg_finish(rv_seg_writer *w)
{
	const rv_vfs *vfs = rv_vfs_current();
	int rc = w->err ? w->err : close_section(w), e;
	if (rc != RV_OK)
		goto fail;
	/* checksum arrays after the data */
	for (uint32_t i = 0; i < w->n; i++) {
		section *sec = &w->s[i];
		size_t bytes = (size_t)sec->n_blocks * 4;
		unsigned char *le = rv_malloc(bytes ? bytes : 1);
		if (!le) {
			rc = rv_error(w->owner, RV_ENOMEM, "out of memory writing %s", w->path);
			goto fail;
		}
		for (uint32_t b = 0; b < sec->n_blocks; b++)
			rv_put32(le + 4 * b, sec->crcs[b]);
		sec->crc_offset = w->pos;
		sec->crc_of_crcs = rv_crc32c(0, le, bytes);
		e = vfs->pwrite(w->f, le, bytes, w->pos);
		rv_free(le);
		if (e != 0) {
			rc = rv_io_error(w->owner, e, w->tmp, "cannot write");
			goto fail;
		}
		w->pos += bytes;
	}
	unsigned char hdr[SEG_HEADER] = {0};
	rv_put_header(hdr, SEG_MAGIC);
	rv_put32(hdr + 20, SEG_HEADER);
	rv_put64(hdr + 24, w->pos);
	rv_put32(hdr + 32, w->n);
	rv_put32(hdr + 36, RV_SEG_BLOCK);
	rv_put64(hdr + 40, w->generation);
	for (uint32_t i = 0; i < w->n; i++) {
		unsigned char *en = hdr + ENTRY_AT + i * ENTRY_SIZE;
		rv_put32(en, w->s[i].kind);
		rv_put64(en + 8, w->s[i].offset);
		rv_put64(en + 16, w->s[i].length);
		rv_put64(en + 24, w->s[i].crc_offset);
		rv_put32(en + 32, w->s[i].n_blocks);
		rv_put32(en + 36, w->s[i].crc_of_crcs);
	}
	rv_put32(hdr + SEG_HEADER - 4, rv_crc32c(0, hdr, SEG_HEADER - 4));
	if ((e = vfs->pwrite(w->f, hdr, SEG_HEADER, 0)) != 0) {
		rc = rv_io_error(w->owner, e, w->tmp, "cannot write");
		goto fail;
	}
	if ((e = vfs->sync(w->f)) != 0) {
		rc = rv_io_error(w->owner, e, w->tmp, "cannot sync");
		goto fail;
	}
	e = vfs->close(w->f);
	w->f = NULL;
	if (e != 0) {
		rc = rv_io_error(w->owner, e, w->tmp, "cannot close");
		goto fail;
	}
	if ((e = vfs->rename(w->tmp, w->path)) != 0) {
		rc = rv_io_error(w->owner, e, w->path, "cannot rename into place");
		goto fail;
	}
	if ((e = vfs->sync_dir(w->dir)) != 0) {
		rc = rv_io_error(w->owner, e, w->dir, "cannot sync directory");
		/* the file is in place; the caller treats this as failed and will
		 * not reference it, and the next open removes it as an orphan */
		goto fail;
	}
	rv_free(w->tmp);
	w->tmp = NULL;
	rv_seg_abort(w);
	return RV_OK;
fail:
	rv_seg_abort(w);
	return rc;
}

void rv_seg_abort(rv_seg_writer *w)
{
	if (!w)
		return;
	const rv_vfs *vfs = rv_vfs_current();
	if (w->f)
		vfs->close(w->f);
	if (w->tmp)
		vfs->unlink(w->tmp);
	for (uint32_t i = 0; i < w->n; i++)
		rv_free(w->s[i].crcs);
	rv_free(w->path);
	rv_free(w->tmp);
	rv_free(w->dir);
	rv_free(w);
}

/* ---- reading ---- */

static int bad(const rv_segment *s, uint64_t offset, const char *what)
{
	return rv_error(s->owner, RV_ECORRUPT, "%s: byte %llu: %s", s->path, (unsigned long long)offset, what);
}

/* Every byte that the header, the sections and their checksum arrays do
 * not cover is padding the writer zeroed: check it (buf: SEG_HEADER bytes
 * of scratch). The ranges were checked to lie inside the file. */
static int check_padding(rv_segment *s, unsigned char *buf)
{
	uint64_t from[1 + 2 * RV_SEG_MAX_SECTIONS], to[1 + 2 * RV_SEG_MAX_SECTIONS], t;
	uint32_t n = 0;
	from[n] = 0, to[n++] = SEG_HEADER;
	for (uint32_t i = 0; i < s->n; i++) {
		from[n] = s->s[i].offset, to[n++] = s->s[i].offset + s->s[i].length;
		from[n] = s->s[i].crc_offset, to[n++] = s->s[i].crc_offset + (uint64_t)s->s[i].n_blocks * 4;
	}
	for (uint32_t i = 1; i < n; i++) /* by start; at most 65 ranges */
		for (uint32_t j = i; j > 0 && from[j - 1] > from[j]; j--) {
			t = from[j], from[j] = from[j - 1], from[j - 1] = t;
			t = to[j], to[j] = to[j - 1], to[j - 1] = t;
		}
	uint64_t pos = 0;
	for (uint32_t i = 0; i <= n; i++) {
		uint64_t end = i < n ? from[i] : s->size;
		while (pos < end) {
			size_t want = end - pos < SEG_HEADER ? (size_t)(end - pos) : SEG_HEADER, got;
			int e = rv_vfs_current()->pread(s->f, buf, want, pos, &got);
			if (e != 0)
				return rv_io_error(s->owner, e, s->path, "cannot read");
			if (got != want)
				return bad(s, pos + got, "truncated");
			for (size_t k = 0; k < want; k++)
				if (buf[k])
					return bad(s, pos + k, "non-zero byte in the padding between sections");
			pos += want;
		}
		if (i < n && to[i] > pos)
			pos = to[i];
	}
	return RV_OK;
}

int rv_seg_open(const void *h, const char *path, rv_segment **out)
{
	const rv_vfs *vfs = rv_vfs_current();
	*out = NULL;
	rv_segment *s = rv_calloc(1, sizeof *s);
	if (!s || !(s->path = rv_strndup(path, strlen(path)))) {
		rv_free(s);
		return rv_error(h, RV_ENOMEM, "out of memory opening %s", path);
	}
	s->owner = h;
	unsigned char *hdr = NULL, *le = NULL;
	int rc = RV_OK, e = vfs->open(path, RV_O_RDONLY, &s->f);
	if (e != 0) {
		rc = e == -ENOENT ? rv_error(h, RV_ECORRUPT, "%s: the segment named by the manifest is missing", path)
		                  : rv_io_error(h, e, path, "cannot open");
		goto fail;
	}
	size_t got;
	if ((e = vfs->size(s->f, &s->size)) != 0) {
		rc = rv_io_error(h, e, path, "cannot read the size of");
		goto fail;
	}
	if (!(hdr = rv_malloc(SEG_HEADER))) {
		rc = rv_error(h, RV_ENOMEM, "out of memory opening %s", path);
		goto fail;
	}
	if ((e = vfs->pread(s->f, hdr, SEG_HEADER, 0, &got)) != 0) {
		rc = rv_io_error(h, e, path, "cannot read");
		goto fail;
	}
	if (got < SEG_HEADER) {
		rc = rv_error(h, RV_EFORMAT, "%s: truncated at byte %zu: the segment header needs %u", path, got, SEG_HEADER);
		goto fail;
	}
	if ((rc = rv_check_header(h, path, hdr, SEG_MAGIC)) != RV_OK)
		goto fail;
	if (rv_get32(hdr + SEG_HEADER - 4) != rv_crc32c(0, hdr, SEG_HEADER - 4)) {
		rc = bad(s, SEG_HEADER - 4, "segment header checksum mismatch");
		goto fail;
	}
	uint64_t recorded = rv_get64(hdr + 24);
	if (recorded != s->size) {
		char msg[96];
		snprintf(msg, sizeof msg, "the file is %llu bytes but its header says %llu (truncated or extended)",
		         (unsigned long long)s->size, (unsigned long long)recorded);
		rc = bad(s, s->size < recorded ? s->size : 24, msg);
		goto fail;
	}
	if (rv_get32(hdr + 20) != SEG_HEADER || rv_get32(hdr + 36) != RV_SEG_BLOCK) {
		rc = bad(s, 20, "unexpected header or block size");
		goto fail;
	}
	s->generation = rv_get64(hdr + 40);
	uint32_t nsec = rv_get32(hdr + 32);
	if (nsec > RV_SEG_MAX_SECTIONS) { /* before s->n is set: closing walks s->s[0..n) */
		rc = bad(s, 32, "too many sections");
		goto fail;
	}
	s->n = nsec;
	for (uint32_t i = 0; i < s->n; i++) {
		const unsigned char *en = hdr + ENTRY_AT + i * ENTRY_SIZE;
		uint64_t where = ENTRY_AT + (uint64_t)i * ENTRY_SIZE;
		section *sec = &s->s[i];
		sec->kind = rv_get32(en);
		sec->offset = rv_get64(en + 8);
		sec->length = rv_get64(en + 16);
		sec->crc_offset = rv_get64(en + 24);
		sec->n_blocks = rv_get32(en + 32);
		sec->crc_of_crcs = rv_get32(en + 36);
		uint64_t want_blocks = (sec->length + RV_SEG_BLOCK - 1) / RV_SEG_BLOCK;
		bool inside = sec->offset >= SEG_HEADER && sec->offset % RV_SEG_ALIGN == 0 && sec->offset <= s->size &&
		              sec->length <= s->size - sec->offset && sec->crc_offset >= SEG_HEADER &&
		              sec->crc_offset <= s->size && (uint64_t)sec->n_blocks * 4 <= s->size - sec->crc_offset;
		if (sec->kind == 0 || !inside || sec->n_blocks != want_blocks) {
			rc = bad(s, where, "section entry out of bounds or inconsistent");
			goto fail;
		}
		for (uint32_t j = 0; j < i; j++)
			if (s->s[j].kind == sec->kind) {
				rc = bad(s, where, "section kind repeated");
				goto fail;
			}
		/* the checksum array: its size is bounded by the file (checked) */
		size_t bytes = (size_t)sec->n_blocks * 4;
		if (!(le = rv_malloc(bytes ? bytes : 1)) || !(sec->crcs = rv_malloc(bytes ? bytes : 1))) {
			rc = rv_error(h, RV_ENOMEM, "out of memory opening %s", path);
			goto fail;
		}
		if ((e = vfs->pread(s->f, le, bytes, sec->crc_offset, &got)) != 0 || got != bytes) {
			rc = e ? rv_io_error(h, e, path, "cannot read") : bad(s, sec->crc_offset, "checksum array truncated");
			goto fail;
		}
		if (rv_crc32c(0, le, bytes) != sec->crc_of_crcs) {
			rc = bad(s, sec->crc_offset, "checksum array damaged");
			goto fail;
		}
		for (uint32_t b = 0; b < sec->n_blocks; b++)
			sec->crcs[b] = rv_get32(le + 4 * b);
		rv_free(le);
		le = NULL;
	}
	if ((rc = check_padding(s, hdr)) != RV_OK)
		goto fail;
	rv_free(hdr);
	*out = s;
	return RV_OK;
fail:
	rv_free(hdr);
	rv_free(le);
	rv_seg_close(s);
	return rc;
}

void rv_seg_close(rv_segment *s)
{
	if (!s)
		return;
	if (s->f)
		rv_vfs_current()->close(s->f);
	for (uint32_t i = 0; i < s->n; i++)
		rv_free(s->s[i].crcs);
	rv_free(s->path);
	rv_free(s);
}

uint64_t rv_seg_generation(const rv_segment *s) { return s->generation; }
uint64_t rv_seg_file_bytes(const rv_segment *s) { return s->size; }
rv_file *rv_seg_file(rv_segment *s) { return s->f; }

static section *find(const rv_segment *s, uint32_t kind)
{
	for (uint32_t i = 0; i < s->n; i++)
		if (s->s[i].kind == kind)
			return (section *)&s->s[i];
	return NULL;
}

bool rv_seg_has(const rv_segment *s, uint32_t kind, uint64_t *len)
{
	section *sec = find(s, kind);
	if (sec && len)
		*len = sec->length;
	return sec != NULL;
}

static int verify_buffer(rv_segment *s, const section *sec, const unsigned char *data)
{
	for (uint32_t b = 0; b < sec->n_blocks; b++) {
		uint64_t start = (uint64_t)b * RV_SEG_BLOCK;
		size_t n = (size_t)(sec->length - start < RV_SEG_BLOCK ? sec->length - start : RV_SEG_BLOCK);
		if (rv_crc32c(0, data + start, n) != sec->crcs[b])
			return bad(s, sec->offset + start, "block checksum mismatch");
	}
	return RV_OK;
}

int rv_seg_block_crcs(rv_segment *s, uint32_t kind, uint32_t **crcs, uint32_t *n_blocks, uint64_t *file_off)
{
	section *sec = find(s, kind);
	*crcs = NULL;
	*n_blocks = 0;
	*file_off = 0;
	if (!sec || !sec->n_blocks)
		return RV_OK;
	uint32_t *c = rv_malloc((size_t)sec->n_blocks * sizeof *c);
	if (!c)
		return rv_error(s->owner, RV_ENOMEM, "out of memory opening %s", s->path);
	memcpy(c, sec->crcs, (size_t)sec->n_blocks * sizeof *c);
	*crcs = c;
	*n_blocks = sec->n_blocks;
	*file_off = sec->offset;
	return RV_OK;
}

int rv_seg_verify(rv_segment *s, uint32_t kind)
{
	section *sec = find(s, kind);
	if (!sec)
		return RV_OK;
	unsigned char *buf = rv_malloc(RV_SEG_BLOCK);
	if (!buf)
		return rv_error(s->owner, RV_ENOMEM, "out of memory verifying %s", s->path);
	int rc = RV_OK;
	for (uint32_t b = 0; b < sec->n_blocks && rc == RV_OK; b++) {
		uint64_t start = (uint64_t)b * RV_SEG_BLOCK;
		size_t n = (size_t)(sec->length - start < RV_SEG_BLOCK ? sec->length - start : RV_SEG_BLOCK), got;
		int e = rv_vfs_current()->pread(s->f, buf, n, sec->offset + start, &got);
		if (e != 0)
			rc = rv_io_error(s->owner, e, s->path, "cannot read");
		else if (got != n)
			rc = bad(s, sec->offset + start + got, "truncated");
		else if (rv_crc32c(0, buf, n) != sec->crcs[b])
			rc = bad(s, sec->offset + start, "block checksum mismatch");
	}
	rv_free(buf);
	return rc;
}

int rv_seg_read(rv_segment *s, uint32_t kind, void **data, uint64_t *len)
{
	*data = NULL;
	*len = 0;
	section *sec = find(s, kind);
	if (!sec)
		return bad(s, 64, "a required section is missing");
	unsigned char *buf = rv_malloc(sec->length ? (size_t)sec->length : 1);
	if (!buf)
		return rv_error(s->owner, RV_ENOMEM, "out of memory reading %s", s->path);
	size_t got;
	int e = rv_vfs_current()->pread(s->f, buf, (size_t)sec->length, sec->offset, &got);
	int rc = e ? rv_io_error(s->owner, e, s->path, "cannot read")
	           : got != sec->length ? bad(s, sec->offset + got, "truncated") : verify_buffer(s, sec, buf);
	if (rc != RV_OK) {
		rv_free(buf);
		return rc;
	}
	*data = buf;
	*len = sec->length;
	return RV_OK;
}

int rv_seg_map(rv_segment *s, uint32_t kind, void **data, uint64_t *len, void **map, size_t *map_len)
{
	*data = *map = NULL;
	*len = 0;
	*map_len = 0;
	section *sec = find(s, kind);
	if (!sec)
		return bad(s, 64, "a required section is missing");
	if (sec->length == 0)
		return RV_OK;
	void *p;
	int e = rv_vfs_current()->mmap(s->f, sec->offset, (size_t)sec->length, &p);
	if (e != 0)
		return rv_io_error(s->owner, e, s->path, "cannot map");
	*data = p;
	*map = p;
	*map_len = (size_t)sec->length;
	*len = sec->length;
	return RV_OK;
}
