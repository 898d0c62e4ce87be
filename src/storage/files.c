/*
 * files.c: the pieces every file format shares, and record files.
 *
 * RECORD FILE FORMAT (the database marker RUVECTOR, collection MANIFESTs)
 *
 *   offset size
 *   0      8    magic (which kind of record: "RVDBMARK", "RVMANIFS")
 *   8      4    format version (RV_FORMAT_VERSION when written)
 *   12     4    byte-order mark 0x01020304
 *   16     4    writer version ((major << 16) | (minor << 8) | patch)
 *   20     4    payload length in bytes (at most RV_RECORD_MAX)
 *   24     4    CRC-32C of the payload
 *   28     32   zero (reserved)
 *   60     4    CRC-32C of bytes 0..59
 *   64     ...  payload
 *
 * A record is replaced, never edited: the new version is written to
 * NAME.tmp, synced, renamed over NAME, and the directory synced. A crash
 * leaves either the old record or the new one, and at worst a stray .tmp
 * that the next writer overwrites.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../kernels/kernels.h"
#include "../util/alloc.h"
#include "../util/error.h"
#include "storage.h"

#define RECORD_HEADER 64

int rv_io_error(const void *handle, int neg_errno, const char *path, const char *what)
{
	int e = -neg_errno;
	int code = e == ENOSPC || e == EDQUOT ? RV_ENOSPC : e == ENOMEM ? RV_ENOMEM : RV_EIO;
	return rv_error(handle, code, "%s: %s: %s", path, what, strerror(e));
}

char *rv_path_join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name), n;
	if (!rv_add_size(a, b + 2, &n))
		return NULL;
	char *p = rv_malloc(n);
	if (!p)
		return NULL;
	memcpy(p, dir, a);
	p[a] = '/';
	memcpy(p + a + 1, name, b + 1);
	return p;
}

void rv_put_header(unsigned char *hdr, const char magic[8])
{
	memcpy(hdr, magic, 8);
	rv_put32(hdr + 8, RV_FORMAT_VERSION);
	rv_put32(hdr + 12, RV_BYTE_ORDER_MARK);
	rv_put32(hdr + 16, RV_WRITER_VERSION);
}

int rv_check_header(const void *handle, const char *path, const unsigned char *hdr, const char magic[8])
{
	if (memcmp(hdr, magic, 8) != 0)
		return rv_error(handle, RV_EFORMAT, "%s: byte 0: not a ruvector %.8s file (wrong magic)", path, magic);
	uint32_t bom = rv_get32(hdr + 12);
	if (bom == 0x04030201u)
		return rv_error(handle, RV_EUNSUPPORTED, "%s: written on a machine of the other byte order", path);
	if (bom != RV_BYTE_ORDER_MARK)
		return rv_error(handle, RV_ECORRUPT, "%s: byte 12: bad byte-order mark 0x%08x", path, bom);
	uint32_t v = rv_get32(hdr + 8);
	if (v > RV_FORMAT_VERSION)
		return rv_error(handle, RV_EVERSION,
		                "%s: byte 8: written in format version %u by ruvector %u.%u.%u; this version reads up to %u",
		                path, v, rv_get32(hdr + 16) >> 16, (rv_get32(hdr + 16) >> 8) & 0xff, rv_get32(hdr + 16) & 0xff,
		                RV_FORMAT_VERSION);
	if (v == 0)
		return rv_error(handle, RV_ECORRUPT, "%s: byte 8: format version 0", path);
	return RV_OK;
}

int rv_record_write(const void *handle, const char *dir, const char *name, const char magic[8],
                    const void *payload, size_t len, bool *renamed)
{
	if (renamed)
		*renamed = false;
	if (len > RV_RECORD_MAX)
		return rv_error(handle, RV_EINVAL, "%s/%s: record of %zu bytes is too large", dir, name, len);
	const rv_vfs *vfs = rv_vfs_current();
	char tmpname[RV_NAME_MAX + 32];
	snprintf(tmpname, sizeof tmpname, "%s.tmp", name);
	char *path = rv_path_join(dir, name), *tmp = rv_path_join(dir, tmpname);
	unsigned char hdr[RECORD_HEADER] = {0};
	rv_file *f = NULL;
	int rc = RV_OK, e;
	if (!path || !tmp) {
		rc = rv_error(handle, RV_ENOMEM, "out of memory");
		goto out;
	}
	rv_put_header(hdr, magic);
	rv_put32(hdr + 20, (uint32_t)len);
	rv_put32(hdr + 24, rv_crc32c(0, payload, len));
	rv_put32(hdr + 60, rv_crc32c(0, hdr, 60));
	if ((e = vfs->open(tmp, RV_O_RDWR | RV_O_CREATE | RV_O_TRUNC, &f)) != 0) {
		rc = rv_io_error(handle, e, tmp, "cannot create");
		goto out;
	}
	if ((e = vfs->pwrite(f, hdr, sizeof hdr, 0)) != 0 || (e = vfs->pwrite(f, payload, len, sizeof hdr)) != 0) {
		rc = rv_io_error(handle, e, tmp, "cannot write");
		goto out;
	}
	if ((e = vfs->sync(f)) != 0) {
		rc = rv_io_error(handle, e, tmp, "cannot sync");
		goto out;
	}
	e = vfs->close(f);
	f = NULL;
	if (e != 0) {
		rc = rv_io_error(handle, e, tmp, "cannot close");
		goto out;
	}
	if ((e = vfs->rename(tmp, path)) != 0) {
		rc = rv_io_error(handle, e, path, "cannot rename into place");
		goto out;
	}
	if (renamed)
		*renamed = true;
	if ((e = vfs->sync_dir(dir)) != 0)
		rc = rv_io_error(handle, e, dir, "cannot sync directory");
out:
	if (f)
		vfs->close(f);
	if (rc != RV_OK && tmp)
		vfs->unlink(tmp);
	rv_free(path);
	rv_free(tmp);
	return rc;
}

int rv_record_read(const void *handle, const char *path, const char magic[8], void **payload, size_t *len)
{
	const rv_vfs *vfs = rv_vfs_current();
	*payload = NULL;
	*len = 0;
	rv_file *f;
	int e = vfs->open(path, RV_O_RDONLY, &f);
	if (e == -ENOENT)
		return rv_error(handle, RV_ENOTFOUND, "%s: no such file", path);
	if (e != 0)
		return rv_io_error(handle, e, path, "cannot open");
	unsigned char hdr[RECORD_HEADER];
	uint64_t size = 0;
	size_t got = 0;
	unsigned char *buf = NULL;
	int rc = RV_OK;
	if ((e = vfs->size(f, &size)) != 0 || (e = vfs->pread(f, hdr, sizeof hdr, 0, &got)) != 0) {
		rc = rv_io_error(handle, e, path, "cannot read");
		goto out;
	}
	if (got < sizeof hdr) {
		rc = rv_error(handle, RV_EFORMAT, "%s: truncated at byte %zu: the header needs %d", path, got, RECORD_HEADER);
		goto out;
	}
	if ((rc = rv_check_header(handle, path, hdr, magic)) != RV_OK)
		goto out;
	if (rv_get32(hdr + 60) != rv_crc32c(0, hdr, 60)) {
		rc = rv_error(handle, RV_ECORRUPT, "%s: byte 60: header checksum mismatch", path);
		goto out;
	}
	uint32_t plen = rv_get32(hdr + 20);
	if (plen > RV_RECORD_MAX || plen + (uint64_t)RECORD_HEADER != size) {
		rc = rv_error(handle, RV_ECORRUPT, "%s: byte 20: payload length %u does not match the file size %llu", path,
		              plen, (unsigned long long)size);
		goto out;
	}
	buf = rv_malloc(plen ? plen : 1);
	if (!buf) {
		rc = rv_error(handle, RV_ENOMEM, "out of memory reading %s", path);
		goto out;
	}
	if ((e = vfs->pread(f, buf, plen, RECORD_HEADER, &got)) != 0) {
		rc = rv_io_error(handle, e, path, "cannot read");
		goto out;
	}
	if (got != plen || rv_get32(hdr + 24) != rv_crc32c(0, buf, plen)) {
		rc = rv_error(handle, RV_ECORRUPT, "%s: byte %d: payload checksum mismatch", path, RECORD_HEADER);
		goto out;
	}
	*payload = buf;
	*len = plen;
	buf = NULL;
out:
	rv_free(buf);
	vfs->close(f);
	return rc;
}
