/*
 * backup.c: copying a collection's files to another directory while
 * writers go on.
 *
 * Under wlock only long enough to pin a consistent point (the current
 * segment, and the log up to its current end) and open those files; the
 * copy itself runs without locks. An open file stays readable even if a
 * checkpoint removes it meanwhile, and the log is only ever appended to,
 * so its first bytes are what they were. The copy gets a manifest of its
 * own naming the pinned generation.
 */
#include <stdio.h>
#include <string.h>

#include "../util/alloc.h"
#include "../util/error.h"
#include "persist.h"

static int copy_file(const void *h, rv_file *from, const char *from_path, uint64_t bytes, const char *to)
{
	const rv_vfs *vfs = rv_vfs_current();
	rv_file *out;
	int e = vfs->open(to, RV_O_RDWR | RV_O_CREATE | RV_O_TRUNC, &out);
	if (e != 0)
		return rv_io_error(h, e, to, "cannot create");
	size_t chunk = 1 << 20;
	unsigned char *buf = rv_malloc(chunk);
	int rc = buf ? RV_OK : rv_error(h, RV_ENOMEM, "out of memory copying %s", from_path);
	for (uint64_t off = 0; rc == RV_OK && off < bytes;) {
		size_t want = bytes - off < chunk ? (size_t)(bytes - off) : chunk, got;
		if ((e = vfs->pread(from, buf, want, off, &got)) != 0)
			rc = rv_io_error(h, e, from_path, "cannot read");
		else if (got != want)
			rc = rv_error(h, RV_EIO, "%s: shorter than expected at byte %llu", from_path, (unsigned long long)(off + got));
		else if ((e = vfs->pwrite(out, buf, want, off)) != 0)
			rc = rv_io_error(h, e, to, "cannot write");
		off += want;
	}
	if (rc == RV_OK && (e = vfs->sync(out)) != 0)
		rc = rv_io_error(h, e, to, "cannot sync");
	rv_free(buf);
	vfs->close(out);
	return rc;
}

int rv_persist_backup(rv_collection *c, const char *dest)
{
	rv_persist *p = c->persist;
	const rv_vfs *vfs = rv_vfs_current();
	/* Under wlock only long enough to pin a consistent point: the current
	 * segment and the log up to its end. Open files stay readable even if
	 * a checkpoint removes them while we copy. */
	rv_mutex_lock(&c->wlock);
	uint64_t gen = p->gen, wal_end = rv_wal_bytes(p->wal);
	bool has_seg = p->has_segment;
	char *seg = rv_persist_file(p->dir, "seg-", gen, ".rvs"), *wal = rv_persist_file(p->dir, "wal-", gen, ".log");
	rv_file *fs = NULL, *fw = NULL;
	int rc = seg && wal ? RV_OK : rv_error(c, RV_ENOMEM, "out of memory"), e;
	if (rc == RV_OK && has_seg && (e = vfs->open(seg, RV_O_RDONLY, &fs)) != 0)
		rc = rv_io_error(c, e, seg, "cannot open");
	if (rc == RV_OK && (e = vfs->open(wal, RV_O_RDONLY, &fw)) != 0)
		rc = rv_io_error(c, e, wal, "cannot open");
	rv_options o = c->opts;
	rv_mutex_unlock(&c->wlock);
	char *dseg = rv_persist_file(dest, "seg-", gen, ".rvs"), *dwal = rv_persist_file(dest, "wal-", gen, ".log");
	if (rc == RV_OK && (!dseg || !dwal))
		rc = rv_error(c, RV_ENOMEM, "out of memory");
	if (rc == RV_OK && (e = vfs->mkdir(dest)) != 0)
		rc = rv_io_error(c, e, dest, "cannot create");
	uint64_t seg_bytes = 0;
	if (rc == RV_OK && fs && (e = vfs->size(fs, &seg_bytes)) != 0)
		rc = rv_io_error(c, e, seg, "cannot read the size of");
	if (rc == RV_OK && fs)
		rc = copy_file(c, fs, seg, seg_bytes, dseg);
	if (rc == RV_OK)
		rc = copy_file(c, fw, wal, wal_end, dwal);
	if (rc == RV_OK)
		rc = rv_manifest_write(c, dest, &o, gen, has_seg, NULL);
	if (fs)
		vfs->close(fs);
	if (fw)
		vfs->close(fw);
	rv_free(seg);
	rv_free(wal);
	rv_free(dseg);
	rv_free(dwal);
	return rc;
}
