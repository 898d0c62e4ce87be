/*
 * vfs_posix.c: the POSIX backend of vfs.h (Linux, macOS, BSDs; emscripten's
 * in-memory and node file systems too).
 *
 * fdatasync where the platform has it: the WAL preallocates nothing, so its
 * size changes with every append and fdatasync must (and on Linux does)
 * flush the size along with the data. Directories are fsynced after
 * renames and creations, without which a crash can forget a rename that
 * succeeded. EINTR is retried; every other error is returned as is.
 */
#define _GNU_SOURCE 1
#include "vfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/alloc.h"

struct rv_file {
	int fd;
};

static int p_open(const char *path, unsigned flags, rv_file **out)
{
	int of = (flags & RV_O_RDWR) ? O_RDWR : O_RDONLY;
	if (flags & RV_O_CREATE)
		of |= O_CREAT;
	if (flags & RV_O_EXCL)
		of |= O_EXCL;
	if (flags & RV_O_TRUNC)
		of |= O_TRUNC;
#ifdef O_CLOEXEC
	of |= O_CLOEXEC;
#endif
	rv_file *f = rv_malloc(sizeof *f);
	if (!f)
		return -ENOMEM;
	do
		f->fd = open(path, of, 0644);
	while (f->fd < 0 && errno == EINTR);
	if (f->fd < 0) {
		int e = errno;
		rv_free(f);
		return -e;
	}
	*out = f;
	return 0;
}

static int p_close(rv_file *f)
{
	int rc = close(f->fd) == 0 ? 0 : -errno;
	rv_free(f);
	return rc == -EINTR ? 0 : rc;
}

static int p_pread(rv_file *f, void *buf, size_t len, uint64_t off, size_t *got)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = pread(f->fd, (char *)buf + done, len - done, (off_t)(off + done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	*got = done;
	return 0;
}

static int p_pwrite(rv_file *f, const void *buf, size_t len, uint64_t off)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = pwrite(f->fd, (const char *)buf + done, len - done, (off_t)(off + done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

static int p_sync(rv_file *f)
{
#if defined(__linux__)
	int rc = fdatasync(f->fd);
#else
	int rc = fsync(f->fd);
#endif
	return rc == 0 ? 0 : -errno;
}

static int p_truncate(rv_file *f, uint64_t size)
{
	int rc;
	do
		rc = ftruncate(f->fd, (off_t)size);
	while (rc < 0 && errno == EINTR);
	return rc == 0 ? 0 : -errno;
}

static int p_size(rv_file *f, uint64_t *out)
{
	struct stat st;
	if (fstat(f->fd, &st) != 0)
		return -errno;
	*out = (uint64_t)st.st_size;
	return 0;
}

/* mmap wants a page-aligned file offset, and pages are 4 KiB here but 16
 * or 64 KiB elsewhere: map from the page boundary below `off` and hand back
 * a pointer into the mapping; p_munmap finds the boundary again. */
static int p_mmap(rv_file *f, uint64_t off, size_t len, void **out)
{
	if (len == 0) {
		*out = NULL;
		return 0;
	}
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), base = off & ~(page - 1);
	size_t delta = (size_t)(off - base);
	void *p = mmap(NULL, len + delta, PROT_READ | PROT_WRITE, MAP_PRIVATE, f->fd, (off_t)base);
	if (p == MAP_FAILED)
		return -errno;
	*out = (char *)p + delta;
	return 0;
}

static int p_munmap(void *addr, size_t len)
{
	if (!addr || len == 0)
		return 0;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), a = (uintptr_t)addr, base = a & ~(page - 1);
	return munmap((void *)base, len + (a - base)) == 0 ? 0 : -errno;
}

static int p_lock(rv_file *f, bool exclusive)
{
	int rc;
	do
		rc = flock(f->fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB);
	while (rc < 0 && errno == EINTR);
	return rc == 0 ? 0 : -errno;
}

static int p_rename(const char *from, const char *to) { return rename(from, to) == 0 ? 0 : -errno; }
static int p_unlink(const char *path) { return unlink(path) == 0 ? 0 : -errno; }
static int p_mkdir(const char *path) { return mkdir(path, 0755) == 0 ? 0 : -errno; }
static int p_rmdir(const char *path) { return rmdir(path) == 0 ? 0 : -errno; }

static int p_sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -errno;
	int rc = fsync(fd) == 0 ? 0 : -errno;
	close(fd);
	/* some file systems cannot fsync a directory; their renames are durable */
	return rc == -EINVAL ? 0 : rc;
}

static int p_stat(const char *path, bool *is_dir, uint64_t *size)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return -errno;
	if (is_dir)
		*is_dir = S_ISDIR(st.st_mode);
	if (size)
		*size = (uint64_t)st.st_size;
	return 0;
}

static int p_list(const char *dir, rv_list_fn fn, void *ctx)
{
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		bool is_dir = false;
#ifdef DT_DIR
		if (e->d_type != DT_UNKNOWN)
			is_dir = e->d_type == DT_DIR;
		else
#endif
		{
			struct stat st;
			char path[4096];
			size_t dl = strlen(dir), nl = strlen(e->d_name);
			if (dl + nl + 2 <= sizeof path) {
				memcpy(path, dir, dl);
				path[dl] = '/';
				memcpy(path + dl + 1, e->d_name, nl + 1);
				is_dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
			}
		}
		rc = fn(ctx, e->d_name, is_dir);
	}
	closedir(d);
	return rc;
}

static const rv_vfs posix_vfs = {
	"posix", p_open, p_close, p_pread, p_pwrite, p_sync, p_truncate, p_size, p_mmap, p_munmap, p_lock,
	p_rename, p_unlink, p_mkdir, p_rmdir, p_sync_dir, p_stat, p_list,
};

static _Atomic(const rv_vfs *) installed;

const rv_vfs *rv_vfs_posix(void) { return &posix_vfs; }

const rv_vfs *rv_vfs_current(void)
{
	const rv_vfs *v = atomic_load_explicit(&installed, memory_order_acquire);
	return v ? v : &posix_vfs;
}

void rv_vfs_install(const rv_vfs *vfs) { atomic_store_explicit(&installed, vfs, memory_order_release); }
