/*
 * vfs_web.c: the browser build's backend of src/platform/vfs.h: every file
 * operation of the storage layer goes to JavaScript functions
 * (web/src/vfs_web.lib.js) that the worker backs with its file pool
 * (node/browser/pool.js): OPFS FileSystemSyncAccessHandles, or memory where the
 * browser has no OPFS.
 *
 * Why not emscripten's own file systems: Debian's emscripten (3.1.6) has
 * no WasmFS and so no OPFS backend; its MEMFS loses everything at reload
 * and IDBFS saves whole files asynchronously, which cannot keep the log's
 * promise that an acknowledged write is durable. The core already reaches
 * files only through rv_vfs, so the browser gets the same storage code,
 * file formats and recovery as the native build.
 *
 * Every call here is synchronous, because the pool's handles are: the
 * worker opens them before any C call runs (OPFS only hands out sync
 * access handles asynchronously). Errors come back from JavaScript as small
 * positive numbers (WEB_E*), mapped here to this libc's errno values, so
 * JavaScript never needs emscripten's errno numbering.
 *
 * mmap has no equivalent: a mapping is a malloc'd copy of the range, read
 * once (copy-on-write semantics hold trivially: writes stay in the copy);
 * munmap frees it. So a segment costs heap memory in the browser, where it
 * costs page cache natively. A pread that falls inside a live mapping of
 * the same file is served from that copy: opening a segment maps its
 * links and then verifies their checksums through pread, which would
 * otherwise read them from OPFS a second time (a quarter of a reopen's
 * bytes at 100k x 128). A write or truncate to the file forgets its
 * mappings for this purpose, so pread always returns the file's bytes. lock always succeeds: the pool's sync access
 * handles are exclusive per file, so a second tab or worker cannot open
 * the same database in the first place (its pool fails with RV_EBUSY).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <emscripten.h>

#include "../../src/platform/vfs.h"

/* JavaScript side (vfs_web.lib.js). Offsets and sizes are doubles: exact up
 * to 2^53, and no i64 legalisation at the boundary. */
extern int rvw_js_open(const char *path, unsigned flags);
extern int rvw_js_close(int fd);
extern double rvw_js_read(int fd, void *buf, double len, double off);
extern int rvw_js_write(int fd, const void *buf, double len, double off);
extern int rvw_js_flush(int fd);
extern int rvw_js_truncate(int fd, double size);
extern double rvw_js_size(int fd);
extern int rvw_js_rename(const char *from, const char *to);
extern int rvw_js_unlink(const char *path);
extern int rvw_js_mkdir(const char *path);
extern int rvw_js_rmdir(const char *path);
extern double rvw_js_stat(const char *path); /* size, -1 for a directory, or -(1 + WEB_E*) */
extern int rvw_js_list(const char *dir);     /* entries, or -WEB_E* */
extern int rvw_js_list_entry(int i, char *buf, int size); /* 1 directory, 0 file, -WEB_E* */

/* The pool's error numbers (node/browser/pool.js, ERR). */
enum { WEB_ENOENT = 1, WEB_EEXIST, WEB_EIO, WEB_ENOSPC, WEB_EBUSY, WEB_ENOTEMPTY, WEB_EISDIR, WEB_ENOTDIR, WEB_EINVAL };

static int err_of(int web)
{
	switch (web) {
	case WEB_ENOENT: return -ENOENT;
	case WEB_EEXIST: return -EEXIST;
	case WEB_ENOSPC: return -ENOSPC;
	case WEB_EBUSY: return -EBUSY;
	case WEB_ENOTEMPTY: return -ENOTEMPTY;
	case WEB_EISDIR: return -EISDIR;
	case WEB_ENOTDIR: return -ENOTDIR;
	case WEB_EINVAL: return -EINVAL;
	default: return -EIO;
	}
}

/* A JavaScript result: >= 0 as is, negative as an errno. */
static int rc_of(int r) { return r < 0 ? err_of(-r) : 0; }

struct rv_file {
	int fd; /* the pool's handle number */
};

/* Live mappings, for serving preads from them (see the top). A handful at
 * most are live at once (a segment's vectors and links while it loads). */
typedef struct mapping {
	struct mapping *next;
	rv_file *f; /* NULL once the file was closed, written or truncated */
	uint64_t off;
	size_t len;
	void *addr;
} mapping;
static mapping *maps;

static void forget_file(const rv_file *f)
{
	for (mapping *m = maps; m; m = m->next)
		if (m->f == f)
			m->f = NULL;
}

static const mapping *mapped(const rv_file *f, uint64_t off, size_t len)
{
	for (const mapping *m = maps; m; m = m->next)
		if (m->f == f && off >= m->off && len <= m->len && off - m->off <= m->len - len)
			return m;
	return NULL;
}

static int w_open(const char *path, unsigned flags, rv_file **out)
{
	rv_file *f = malloc(sizeof *f);
	if (!f)
		return -ENOMEM;
	int fd = rvw_js_open(path, flags);
	if (fd < 0) {
		free(f);
		return err_of(-fd);
	}
	f->fd = fd;
	*out = f;
	return 0;
}

static int w_close(rv_file *f)
{
	forget_file(f);
	int rc = rc_of(rvw_js_close(f->fd));
	free(f);
	return rc;
}

static int w_pread(rv_file *f, void *buf, size_t len, uint64_t off, size_t *got)
{
	const mapping *m = mapped(f, off, len);
	if (m) {
		memcpy(buf, (const char *)m->addr + (off - m->off), len);
		*got = len;
		return 0;
	}
	double n = rvw_js_read(f->fd, buf, (double)len, (double)off);
	if (n < 0)
		return err_of((int)-n);
	*got = (size_t)n;
	return 0;
}

static int w_pwrite(rv_file *f, const void *buf, size_t len, uint64_t off)
{
	forget_file(f);
	return rc_of(rvw_js_write(f->fd, buf, (double)len, (double)off));
}

static int w_sync(rv_file *f) { return rc_of(rvw_js_flush(f->fd)); }
static int w_truncate(rv_file *f, uint64_t size)
{
	forget_file(f);
	return rc_of(rvw_js_truncate(f->fd, (double)size));
}

static int w_size(rv_file *f, uint64_t *out)
{
	double s = rvw_js_size(f->fd);
	if (s < 0)
		return err_of((int)-s);
	*out = (uint64_t)s;
	return 0;
}

static int w_mmap(rv_file *f, uint64_t off, size_t len, void **out)
{
	void *p = malloc(len ? len : 1);
	mapping *m = malloc(sizeof *m);
	if (!p || !m) {
		free(p);
		free(m);
		return -ENOMEM;
	}
	size_t got = 0;
	int rc = w_pread(f, p, len, off, &got);
	if (rc == 0 && got < len)
		memset((char *)p + got, 0, len - got); /* past the end reads as zeros, as a mapping would */
	if (rc != 0) {
		free(p);
		free(m);
		return rc;
	}
	/* only what the file really holds is served to pread */
	*m = (mapping){.next = maps, .f = f, .off = off, .len = got, .addr = p};
	maps = m;
	*out = p;
	return 0;
}

static int w_munmap(void *addr, size_t len)
{
	(void)len;
	for (mapping **pp = &maps; *pp; pp = &(*pp)->next) {
		if ((*pp)->addr == addr) {
			mapping *m = *pp;
			*pp = m->next;
			free(m);
			break;
		}
	}
	free(addr);
	return 0;
}

static int w_lock(rv_file *f, bool exclusive)
{
	(void)f;
	(void)exclusive;
	return 0;
}

static int w_rename(const char *from, const char *to) { return rc_of(rvw_js_rename(from, to)); }
static int w_unlink(const char *path) { return rc_of(rvw_js_unlink(path)); }
static int w_mkdir(const char *path) { return rc_of(rvw_js_mkdir(path)); }
static int w_rmdir(const char *path) { return rc_of(rvw_js_rmdir(path)); }

/* The pool writes every name change through to storage as it happens. */
static int w_sync_dir(const char *path)
{
	(void)path;
	return 0;
}

static int w_stat(const char *path, bool *is_dir, uint64_t *size)
{
	double s = rvw_js_stat(path);
	if (s < -1)
		return err_of((int)(-s - 1));
	if (is_dir)
		*is_dir = s == -1;
	if (size)
		*size = s < 0 ? 0 : (uint64_t)s;
	return 0;
}

/* The names are copied out before fn runs, since fn may list another
 * directory (the JavaScript side keeps only the latest listing). */
#define NAME_MAX_WEB 256
static int w_list(const char *dir, rv_list_fn fn, void *ctx)
{
	int n = rvw_js_list(dir);
	if (n < 0)
		return err_of(-n);
	char *names = malloc((size_t)(n ? n : 1) * NAME_MAX_WEB);
	bool *dirs = malloc((size_t)(n ? n : 1) * sizeof *dirs);
	int rc = names && dirs ? 0 : -ENOMEM;
	for (int i = 0; rc == 0 && i < n; i++) {
		int d = rvw_js_list_entry(i, names + (size_t)i * NAME_MAX_WEB, NAME_MAX_WEB);
		if (d < 0)
			rc = err_of(-d);
		else
			dirs[i] = d == 1;
	}
	for (int i = 0; rc == 0 && i < n; i++)
		rc = fn(ctx, names + (size_t)i * NAME_MAX_WEB, dirs[i]);
	free(names);
	free(dirs);
	return rc;
}

static const rv_vfs web_vfs = {
	.name = "web",
	.open = w_open,
	.close = w_close,
	.pread = w_pread,
	.pwrite = w_pwrite,
	.sync = w_sync,
	.truncate = w_truncate,
	.size = w_size,
	.mmap = w_mmap,
	.munmap = w_munmap,
	.lock = w_lock,
	.rename = w_rename,
	.unlink = w_unlink,
	.mkdir = w_mkdir,
	.rmdir = w_rmdir,
	.sync_dir = w_sync_dir,
	.stat = w_stat,
	.list = w_list,
};

/* Called once by the worker after the module loads, before any open. */
EMSCRIPTEN_KEEPALIVE void rvw_vfs_install(void) { rv_vfs_install(&web_vfs); }
