/*
 * vfs.h: every file operation the storage layer makes, behind one table of
 * functions (SQLite's sqlite3_vfs is the model).
 *
 * Why a table and not direct calls: tests install a table that fails the
 * Nth write, fsync, rename, truncate or mmap (with EIO, ENOSPC or a short
 * write) to prove that each failure is reported and loses nothing; a browser
 * build will install one backed by IndexedDB/OPFS; a PostgreSQL access
 * method one backed by its buffer manager.
 *
 * Conventions: functions return 0 or a negative errno value (-EIO,
 * -ENOSPC, ...); the storage layer turns those into RV_E* codes with a
 * message naming the file. Writes are whole: pwrite either writes every byte
 * or fails (a short write that the OS reports as success is retried; one it
 * reports as an error is returned, leaving the bytes before it written, as
 * a real disk would).
 */
#ifndef RV_VFS_H
#define RV_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rv_file rv_file; /* an open file (backend-defined) */

#define RV_O_RDONLY 0x0u
#define RV_O_RDWR 0x1u
#define RV_O_CREATE 0x2u /* create if missing */
#define RV_O_EXCL 0x4u   /* with CREATE: fail if it exists */
#define RV_O_TRUNC 0x8u

typedef int (*rv_list_fn)(void *ctx, const char *name, bool is_dir);

typedef struct rv_vfs {
	const char *name;
	int (*open)(const char *path, unsigned flags, rv_file **out);
	int (*close)(rv_file *f);
	/* Read up to len bytes at off; *got is how many (fewer only at the end). */
	int (*pread)(rv_file *f, void *buf, size_t len, uint64_t off, size_t *got);
	int (*pwrite)(rv_file *f, const void *buf, size_t len, uint64_t off);
	int (*sync)(rv_file *f);                 /* data and size to stable storage */
	int (*truncate)(rv_file *f, uint64_t size);
	int (*size)(rv_file *f, uint64_t *out);
	/* Map [off, off+len) copy-on-write: readable and writable, but writes
	 * stay in this process and never reach the file. Any offset; unmap
	 * with the pointer and length it gave. */
	int (*mmap)(rv_file *f, uint64_t off, size_t len, void **out);
	int (*munmap)(void *addr, size_t len);
	/* Try to lock the file; never waits. -EWOULDBLOCK when it is held. */
	int (*lock)(rv_file *f, bool exclusive);
	int (*rename)(const char *from, const char *to); /* atomic replace */
	int (*unlink)(const char *path);
	int (*mkdir)(const char *path);
	int (*rmdir)(const char *path);
	int (*sync_dir)(const char *path);      /* make renames/creations in it durable */
	/* 0 and *is_dir set when path exists; -ENOENT when not. */
	int (*stat)(const char *path, bool *is_dir, uint64_t *size);
	/* Call fn for each entry except . and ..; stops at fn's first non-zero. */
	int (*list)(const char *dir, rv_list_fn fn, void *ctx);
} rv_vfs;

/* The operating system's files. */
const rv_vfs *rv_vfs_posix(void);
/* The table in use (the POSIX one unless a test replaced it). */
const rv_vfs *rv_vfs_current(void);
/* Replace the table (NULL: back to POSIX). For tests; not thread-safe
 * against storage calls running at the same time. */
void rv_vfs_install(const rv_vfs *vfs);

#endif
