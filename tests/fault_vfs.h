/*
 * fault_vfs.h: a file-system table (vfs.h) that makes one chosen call fail,
 * for the fault-injection tests. It wraps the POSIX one and counts the
 * calls of each kind; the `fail_at`-th call of `kind` fails with `err`
 * (a short write writes the first half, then reports ENOSPC, as a disk
 * that fills up mid-write does). With `then_truncate` the next truncate
 * fails too: the double fault that leaves a failed append impossible to cut
 * off.
 */
#ifndef RV_TEST_FAULT_VFS_H
#define RV_TEST_FAULT_VFS_H

#include <errno.h>
#include <stdbool.h>

#include "../src/platform/vfs.h"

typedef enum fault_kind { F_WRITE, F_SYNC, F_RENAME, F_TRUNCATE, F_MMAP, F_KINDS } fault_kind;
typedef enum fault_err { E_EIO, E_ENOSPC, E_SHORT } fault_err;

static const char *const fault_kind_name[F_KINDS] = {"write", "sync", "rename", "truncate", "mmap"};
static const char *const fault_err_name[3] = {"EIO", "ENOSPC", "short write"};

static struct {
	fault_kind kind;
	fault_err err;
	long fail_at;      /* 1-based; <= 0: never */
	bool then_truncate;
	long count[F_KINDS];
	bool fired, truncate_armed;
} fv;

static const rv_vfs *fv_base;

static void fault_reset(fault_kind kind, fault_err err, long fail_at, bool then_truncate)
{
	fv.kind = kind;
	fv.err = err;
	fv.fail_at = fail_at;
	fv.then_truncate = then_truncate;
	for (int i = 0; i < F_KINDS; i++)
		fv.count[i] = 0;
	fv.fired = fv.truncate_armed = false;
}

/* Returns the negative errno to fail with, or 0 to go ahead. */
static int fault_hit(fault_kind k)
{
	long n = ++fv.count[k];
	if (k == F_TRUNCATE && fv.truncate_armed) {
		fv.truncate_armed = false;
		return -EIO;
	}
	if (k != fv.kind || fv.fired || n != fv.fail_at)
		return 0;
	fv.fired = true;
	if (fv.then_truncate)
		fv.truncate_armed = true;
	return fv.err == E_EIO ? -EIO : -ENOSPC;
}

static int fv_pwrite(rv_file *f, const void *buf, size_t len, uint64_t off)
{
	int e = fault_hit(F_WRITE);
	if (e) {
		if (fv.err == E_SHORT && len > 1)
			fv_base->pwrite(f, buf, len / 2, off);
		return e;
	}
	return fv_base->pwrite(f, buf, len, off);
}

static int fv_sync(rv_file *f)
{
	int e = fault_hit(F_SYNC);
	return e ? e : fv_base->sync(f);
}

static int fv_sync_dir(const char *p)
{
	int e = fault_hit(F_SYNC);
	return e ? e : fv_base->sync_dir(p);
}

static int fv_rename(const char *a, const char *b)
{
	int e = fault_hit(F_RENAME);
	return e ? e : fv_base->rename(a, b);
}

static int fv_truncate(rv_file *f, uint64_t size)
{
	int e = fault_hit(F_TRUNCATE);
	return e ? e : fv_base->truncate(f, size);
}

static int fv_mmap(rv_file *f, uint64_t off, size_t len, void **out)
{
	int e = fault_hit(F_MMAP);
	return e ? e : fv_base->mmap(f, off, len, out);
}

static rv_vfs fault_vfs;

static void fault_install(void)
{
	fv_base = rv_vfs_posix();
	fault_vfs = *fv_base;
	fault_vfs.name = "fault";
	fault_vfs.pwrite = fv_pwrite;
	fault_vfs.sync = fv_sync;
	fault_vfs.sync_dir = fv_sync_dir;
	fault_vfs.rename = fv_rename;
	fault_vfs.truncate = fv_truncate;
	fault_vfs.mmap = fv_mmap;
	rv_vfs_install(&fault_vfs);
}

#endif
