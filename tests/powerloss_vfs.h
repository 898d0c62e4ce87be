/*
 * powerloss_vfs.h: a power-loss simulator, a file-system table (vfs.h) for
 * the tests. It wraps the POSIX one and keeps, beside the real files, what
 * stable storage would hold if the power failed now:
 *   - per file, its bytes as of its last sync, and the writes and truncates
 *     made since (in order);
 *   - per directory, its entries as of its last sync_dir, and the
 *     creations, renames, unlinks, mkdirs and rmdirs made since (in order).
 * The real files always hold the current state, so the code under test
 * reads what it wrote (mmap included).
 *
 * Every mutating call (a creating or truncating open, pwrite, sync,
 * truncate, rename, unlink, mkdir, rmdir, sync_dir) is a crash point,
 * counted from 1. At the chosen one the power fails: the call does not
 * happen (a pwrite is in flight: its bytes join the unsynced ones), every
 * directory and file under the root is rebuilt as the mode says, and the
 * process ends at once with PL_EXIT_CRASHED. So it runs in a child process
 * (fork), and the parent recovers from what it left.
 *
 * What survives, by mode:
 *   drop          only what was synced: each file's synced bytes under each
 *                 directory's synced entries;
 *   keep          everything (what kill -9 leaves);
 *   torn-*        each directory keeps a random prefix of its unsynced
 *                 changes; in each file every unsynced truncate is kept or
 *                 lost, and every unsynced write is kept, lost, or torn at
 *                 a 512-byte sector boundary of the file: the sectors before
 *                 the tear land, and after it
 *     torn-cut      nothing: the file ends at the tear (or keeps its older
 *                   bytes there);
 *     torn-zero     zeros to the end of the write (the size landed, the
 *                   data did not);
 *     torn-garbage  random bytes to the end of the write (a sector left
 *                   half-written, or stale blocks).
 * A write is lost or torn independently of the others: between two syncs
 * a disk may reorder writes. The choices come from a seed, so a failing
 * case can be replayed.
 *
 * Syncs are counted and modelled, not done: nothing here survives a real
 * power cut, and the runs go many times faster without the disk (the
 * recovery side uses powerloss_nosync_install for the same reason). What
 * the root holds when a simulation starts is taken as durable, so a second
 * simulation can start from what a first crash left.
 *
 * The model is POSIX's strict one: fsync of a file makes its data and size
 * durable, not its name; only sync_dir of the directory does that. Paths
 * outside the root pass straight through. One mutex serialises the calls
 * (batch inserts run on threads).
 */
#ifndef RV_TEST_POWERLOSS_VFS_H
#define RV_TEST_POWERLOSS_VFS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../src/platform/vfs.h"

typedef enum pl_mode { PL_DROP, PL_KEEP, PL_TORN_CUT, PL_TORN_ZERO, PL_TORN_GARBAGE, PL_MODES } pl_mode;
static const char *const pl_mode_name[PL_MODES] = {"drop", "keep", "torn-cut", "torn-zero", "torn-garbage"};

#define PL_SECTOR 512u
#define PL_EXIT_CRASHED 77 /* the child lost power as asked */
#define PL_EXIT_BROKEN 78  /* the simulator met something it does not model */

typedef struct pl_node pl_node;

typedef enum pl_op_kind { PL_WRITE, PL_TRUNC, PL_LINK, PL_UNLINK, PL_RENAME } pl_op_kind;

/* A change not yet durable. */
typedef struct pl_op {
	pl_op_kind kind;
	uint64_t off, len;   /* write: where and how many bytes; truncate: the size in off */
	unsigned char *data; /* write: its bytes */
	char *name, *to;     /* link, unlink: name; rename: name -> to (one directory) */
	pl_node *node;       /* link, rename: what the name refers to */
} pl_op;

typedef struct pl_entry {
	char *name;
	pl_node *node;
} pl_entry;

typedef struct pl_dirents {
	pl_entry *e;
	size_t n, cap;
} pl_dirents;

/* A file or directory (an inode: it outlives its names, since a crash can
 * bring back a name that was unlinked or renamed over). */
struct pl_node {
	bool is_dir;
	unsigned char *dur;  /* file: bytes on stable storage */
	uint64_t dur_size;
	pl_dirents cur, dur_ents; /* directory: entries now, and on stable storage */
	pl_op *ops;          /* unsynced changes, oldest first */
	size_t nops, ops_cap;
	bool built;          /* crash time: img holds what survives */
	unsigned char *img;
	uint64_t img_size;
	pl_node *all;        /* every node, for freeing */
};

/* An open file: the POSIX one, and its node (NULL outside the root). */
typedef struct pl_file {
	rv_file *base;
	pl_node *node;
} pl_file;

static struct {
	const rv_vfs *base;
	pthread_mutex_t mu;
	char root[256];
	size_t root_len;
	pl_node *root_node, *nodes;
	long ops;      /* mutating calls so far */
	long crash_at; /* the call that loses power; <= 0: none */
	pl_mode mode;
	uint64_t rng;  /* torn modes' choices */
	/* called just before the process ends at the crash, with the number
	 * of unsynced file changes and directory changes it found */
	void (*on_crash)(long file_changes, long dir_changes);
} pl = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void pl_broken(const char *what, const char *path)
{
	fprintf(stderr, "powerloss_vfs: %s: %s\n", what, path);
	_exit(PL_EXIT_BROKEN);
}

static void *pl_alloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p)
		pl_broken("out of memory", "");
	return p;
}

static char *pl_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = pl_alloc(n);
	memcpy(p, s, n);
	return p;
}

static void pl_grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return;
	size_t c = *cap ? *cap * 2 : 8;
	while (c < need)
		c *= 2;
	void *q = realloc(*p, c * elem);
	if (!q)
		pl_broken("out of memory", "");
	*p = q;
	*cap = c;
}

static uint64_t pl_rand(void)
{
	uint64_t z = (pl.rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static pl_node *pl_new_node(bool is_dir)
{
	pl_node *n = pl_alloc(sizeof *n);
	n->is_dir = is_dir;
	n->all = pl.nodes;
	pl.nodes = n;
	return n;
}

static void pl_free_ops(pl_node *n)
{
	for (size_t i = 0; i < n->nops; i++) {
		free(n->ops[i].data);
		free(n->ops[i].name);
		free(n->ops[i].to);
	}
	n->nops = 0;
}

static void pl_free_ents(pl_dirents *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->e[i].name);
	free(d->e);
	memset(d, 0, sizeof *d);
}

static void pl_add_op(pl_node *n, pl_op op)
{
	pl_grow((void **)&n->ops, &n->ops_cap, n->nops + 1, sizeof *n->ops);
	n->ops[n->nops++] = op;
}

/* ---- directory entries ---- */

static pl_entry *pl_find(pl_dirents *d, const char *name)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->e[i].name, name))
			return &d->e[i];
	return NULL;
}

static void pl_set(pl_dirents *d, const char *name, pl_node *node)
{
	pl_entry *e = pl_find(d, name);
	if (e) {
		e->node = node;
		return;
	}
	pl_grow((void **)&d->e, &d->cap, d->n + 1, sizeof *d->e);
	d->e[d->n].name = pl_strdup(name);
	d->e[d->n++].node = node;
}

static void pl_remove(pl_dirents *d, const char *name)
{
	pl_entry *e = pl_find(d, name);
	if (!e)
		return;
	free(e->name);
	*e = d->e[--d->n];
}

static void pl_copy_ents(pl_dirents *to, const pl_dirents *from)
{
	pl_free_ents(to);
	for (size_t i = 0; i < from->n; i++)
		pl_set(to, from->e[i].name, from->e[i].node);
}

/* Apply a namespace change to a set of entries. */
static void pl_apply_ns(pl_dirents *d, const pl_op *op)
{
	if (op->kind == PL_LINK)
		pl_set(d, op->name, op->node);
	else if (op->kind == PL_UNLINK)
		pl_remove(d, op->name);
	else if (op->kind == PL_RENAME) {
		pl_remove(d, op->name);
		pl_set(d, op->to, op->node);
	}
}

/* ---- paths ---- */

/* The node of a directory path under (or at) the root, or NULL. */
static pl_node *pl_dir(const char *path)
{
	if (strncmp(path, pl.root, pl.root_len) != 0 || (path[pl.root_len] && path[pl.root_len] != '/'))
		return NULL;
	pl_node *n = pl.root_node;
	const char *p = path + pl.root_len;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		size_t len = strcspn(p, "/");
		char name[256];
		if (len >= sizeof name)
			return NULL;
		memcpy(name, p, len);
		name[len] = 0;
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			pl_broken("a path with . or .. is not modelled", path);
		pl_entry *e = pl_find(&n->cur, name);
		if (!e || !e->node->is_dir)
			return NULL;
		n = e->node;
		p += len;
	}
	return n;
}

/* Split a path under the root into its directory's node and last name;
 * false when it is not under the root (or its directory is unknown). */
static bool pl_split(const char *path, pl_node **dir, char name[256])
{
	const char *slash = strrchr(path, '/');
	if (!slash || !slash[1] || strlen(slash + 1) >= 256)
		return false;
	char parent[4096];
	size_t plen = (size_t)(slash - path);
	if (plen >= sizeof parent)
		return false;
	memcpy(parent, path, plen);
	parent[plen] = 0;
	if (!(*dir = pl_dir(parent)))
		return false;
	strcpy(name, slash + 1);
	return true;
}

/* ---- the crash ---- */

/* The bytes a file holds after the crash. */
static void pl_build_file(pl_node *n)
{
	if (n->built)
		return;
	n->built = true;
	uint64_t size = n->dur_size, cap = size;
	for (size_t i = 0; i < n->nops; i++)
		if (n->ops[i].off + n->ops[i].len > cap) /* a truncate's len is 0 */
			cap = n->ops[i].off + n->ops[i].len;
	unsigned char *b = pl_alloc((size_t)cap);
	if (n->dur_size)
		memcpy(b, n->dur, (size_t)n->dur_size);
	bool torn = pl.mode >= PL_TORN_CUT;
	for (size_t i = 0; i < n->nops; i++) {
		const pl_op *op = &n->ops[i];
		if (pl.mode == PL_DROP)
			break;
		if (op->kind == PL_TRUNC) {
			if (torn && pl_rand() % 2)
				continue;
			if (op->off < size)
				memset(b + op->off, 0, (size_t)(size - op->off));
			size = op->off;
			continue;
		}
		uint64_t land = op->len; /* bytes of it that land whole */
		if (torn) {
			uint64_t r = pl_rand() % 3;
			if (r == 0)
				continue; /* lost */
			if (r == 2) {
				/* torn at one of the sector boundaries inside it, or
				 * at its start (nothing landed) */
				uint64_t first = (op->off / PL_SECTOR + 1) * PL_SECTOR;
				uint64_t inner = first < op->off + op->len ? (op->off + op->len - 1 - first) / PL_SECTOR + 1 : 0;
				uint64_t pick = pl_rand() % (inner + 1);
				land = pick == 0 ? 0 : first + (pick - 1) * PL_SECTOR - op->off;
			}
		}
		memcpy(b + op->off, op->data, (size_t)land);
		uint64_t end = op->off + land;
		if (land < op->len && pl.mode != PL_TORN_CUT) {
			for (uint64_t j = end; j < op->off + op->len; j++)
				b[j] = pl.mode == PL_TORN_ZERO ? 0 : (unsigned char)pl_rand();
			end = op->off + op->len;
		}
		if (end > size)
			size = end;
	}
	n->img = b;
	n->img_size = size;
}

/* What a directory's entries are after the crash. */
static void pl_survivors(pl_node *d, pl_dirents *out)
{
	pl_copy_ents(out, &d->dur_ents);
	size_t keep = pl.mode == PL_DROP ? 0 : pl.mode == PL_KEEP ? d->nops : (size_t)(pl_rand() % (d->nops + 1));
	for (size_t i = 0; i < keep; i++)
		pl_apply_ns(out, &d->ops[i]);
}

static void pl_rm_tree(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		pl_broken("cannot list", path);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char p[4096];
		snprintf(p, sizeof p, "%s/%s", path, e->d_name);
		struct stat st;
		if (lstat(p, &st) != 0)
			pl_broken("cannot stat", p);
		if (S_ISDIR(st.st_mode)) {
			pl_rm_tree(p);
			if (rmdir(p) != 0)
				pl_broken("cannot remove", p);
		} else if (unlink(p) != 0) {
			pl_broken("cannot remove", p);
		}
	}
	closedir(d);
}

/* Write what survives of directory d into the (empty) real directory path. */
static void pl_write_tree(pl_node *d, const char *path)
{
	pl_dirents ents = {0};
	pl_survivors(d, &ents);
	for (size_t i = 0; i < ents.n; i++) {
		char p[4096];
		snprintf(p, sizeof p, "%s/%s", path, ents.e[i].name);
		pl_node *n = ents.e[i].node;
		if (n->is_dir) {
			if (mkdir(p, 0755) != 0)
				pl_broken("cannot create", p);
			pl_write_tree(n, p);
			continue;
		}
		pl_build_file(n);
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || (n->img_size && write(fd, n->img, (size_t)n->img_size) != (ssize_t)n->img_size) ||
		    close(fd) != 0)
			pl_broken("cannot write", p);
	}
	pl_free_ents(&ents);
}

static void pl_crash(void)
{
	long files = 0, dirs = 0;
	for (pl_node *n = pl.nodes; n; n = n->all)
		*(n->is_dir ? &dirs : &files) += (long)n->nops;
	if (pl.on_crash)
		pl.on_crash(files, dirs);
	pl_rm_tree(pl.root);
	pl_write_tree(pl.root_node, pl.root);
	_exit(PL_EXIT_CRASHED);
}

/* Count a mutating call; true when it is the one that loses power. */
static bool pl_tick(void) { return ++pl.ops == pl.crash_at; }

/* ---- the table ---- */

static pl_file *pl_f(rv_file *f) { return (pl_file *)(void *)f; }

static int pl_open(const char *path, unsigned flags, rv_file **out)
{
	pthread_mutex_lock(&pl.mu);
	pl_node *dir = NULL, *node = NULL;
	char name[256];
	bool tracked = pl_split(path, &dir, name);
	pl_entry *e = tracked ? pl_find(&dir->cur, name) : NULL;
	bool creates = tracked && !e && (flags & RV_O_CREATE);
	bool truncates = tracked && e && (flags & RV_O_TRUNC) && !(flags & RV_O_EXCL);
	if ((creates || truncates) && pl_tick())
		pl_crash();
	rv_file *bf;
	int rc = pl.base->open(path, flags, &bf);
	if (rc == 0) {
		if (creates) {
			node = pl_new_node(false);
			pl_set(&dir->cur, name, node);
			pl_add_op(dir, (pl_op){.kind = PL_LINK, .name = pl_strdup(name), .node = node});
		} else if (e) {
			node = e->node;
			if (node->is_dir)
				pl_broken("a directory opened as a file", path);
			if (truncates)
				pl_add_op(node, (pl_op){.kind = PL_TRUNC, .off = 0});
		} else if (tracked) {
			pl_broken("a file the simulator did not see created", path);
		}
		pl_file *pf = pl_alloc(sizeof *pf);
		pf->base = bf;
		pf->node = node;
		*out = (rv_file *)(void *)pf;
	}
	pthread_mutex_unlock(&pl.mu);
	return rc;
}

static int pl_close(rv_file *f)
{
	int rc = pl.base->close(pl_f(f)->base);
	free(pl_f(f));
	return rc;
}

static int pl_pread(rv_file *f, void *buf, size_t len, uint64_t off, size_t *got)
{
	return pl.base->pread(pl_f(f)->base, buf, len, off, got);
}

static int pl_pwrite(rv_file *f, const void *buf, size_t len, uint64_t off)
{
	pl_file *pf = pl_f(f);
	pthread_mutex_lock(&pl.mu);
	bool crash = pl_tick();
	int rc = crash ? 0 : pl.base->pwrite(pf->base, buf, len, off);
	if (rc == 0 && pf->node && len) {
		unsigned char *copy = pl_alloc(len);
		memcpy(copy, buf, len);
		pl_add_op(pf->node, (pl_op){.kind = PL_WRITE, .off = off, .len = len, .data = copy});
	}
	if (crash)
		pl_crash(); /* the write was in flight: it is one of the unsynced */
	pthread_mutex_unlock(&pl.mu);
	return rc;
}

/* Make a file's unsynced changes durable. */
static void pl_settle_file(pl_node *n)
{
	pl_mode mode = pl.mode;
	pl.mode = PL_KEEP;
	n->built = false;
	pl_build_file(n);
	pl.mode = mode;
	free(n->dur);
	n->dur = n->img;
	n->dur_size = n->img_size;
	n->img = NULL;
	n->built = false;
	pl_free_ops(n);
}

static int pl_sync(rv_file *f)
{
	pl_file *pf = pl_f(f);
	pthread_mutex_lock(&pl.mu);
	if (pl_tick())
		pl_crash();
	/* no real fsync: the model decides what is durable (and the
	 * thousands of runs go many times faster without the disk) */
	if (pf->node)
		pl_settle_file(pf->node);
	pthread_mutex_unlock(&pl.mu);
	return 0;
}

static int pl_truncate(rv_file *f, uint64_t size)
{
	pl_file *pf = pl_f(f);
	pthread_mutex_lock(&pl.mu);
	if (pl_tick())
		pl_crash();
	int rc = pl.base->truncate(pf->base, size);
	if (rc == 0 && pf->node)
		pl_add_op(pf->node, (pl_op){.kind = PL_TRUNC, .off = size});
	pthread_mutex_unlock(&pl.mu);
	return rc;
}

static int pl_size(rv_file *f, uint64_t *out) { return pl.base->size(pl_f(f)->base, out); }

static int pl_mmap(rv_file *f, uint64_t off, size_t len, void **out)
{
	return pl.base->mmap(pl_f(f)->base, off, len, out);
}

static int pl_munmap(void *addr, size_t len) { return pl.base->munmap(addr, len); }
static int pl_lock(rv_file *f, bool exclusive) { return pl.base->lock(pl_f(f)->base, exclusive); }

static int pl_rename(const char *from, const char *to)
{
	pthread_mutex_lock(&pl.mu);
	pl_node *d1, *d2;
	char n1[256], n2[256];
	bool tracked = pl_split(from, &d1, n1) && pl_split(to, &d2, n2);
	if (pl_tick())
		pl_crash();
	int rc = pl.base->rename(from, to);
	if (rc == 0 && tracked) {
		pl_entry *e = pl_find(&d1->cur, n1);
		if (!e)
			pl_broken("a rename of a file the simulator did not see created", from);
		pl_node *n = e->node;
		pl_remove(&d1->cur, n1);
		pl_set(&d2->cur, n2, n);
		if (d1 == d2) {
			pl_add_op(d1, (pl_op){.kind = PL_RENAME, .name = pl_strdup(n1), .to = pl_strdup(n2), .node = n});
		} else {
			pl_add_op(d1, (pl_op){.kind = PL_UNLINK, .name = pl_strdup(n1)});
			pl_add_op(d2, (pl_op){.kind = PL_LINK, .name = pl_strdup(n2), .node = n});
		}
	}
	pthread_mutex_unlock(&pl.mu);
	return rc;
}

static int pl_unlink_common(const char *path, bool is_dir)
{
	pthread_mutex_lock(&pl.mu);
	pl_node *d;
	char name[256];
	bool tracked = pl_split(path, &d, name);
	if (pl_tick())
		pl_crash();
	int rc = is_dir ? pl.base->rmdir(path) : pl.base->unlink(path);
	if (rc == 0 && tracked) {
		pl_remove(&d->cur, name);
		pl_add_op(d, (pl_op){.kind = PL_UNLINK, .name = pl_strdup(name)});
	}
	pthread_mutex_unlock(&pl.mu);
	return rc;
}

static int pl_unlink(const char *path) { return pl_unlink_common(path, false); }
static int pl_rmdir(const char *path) { return pl_unlink_common(path, true); }

static int pl_mkdir(const char *path)
{
	pthread_mutex_lock(&pl.mu);
	pl_node *d;
	char name[256];
	bool tracked = pl_split(path, &d, name);
	if (pl_tick())
		pl_crash();
	int rc = pl.base->mkdir(path);
	if (rc == 0 && tracked) {
		pl_node *n = pl_new_node(true);
		pl_set(&d->cur, name, n);
		pl_add_op(d, (pl_op){.kind = PL_LINK, .name = pl_strdup(name), .node = n});
	}
	pthread_mutex_unlock(&pl.mu);
	return rc;
}

static int pl_sync_dir(const char *path)
{
	pthread_mutex_lock(&pl.mu);
	pl_node *d = pl_dir(path);
	if (pl_tick())
		pl_crash();
	if (d) {
		pl_copy_ents(&d->dur_ents, &d->cur);
		pl_free_ops(d);
	}
	pthread_mutex_unlock(&pl.mu);
	return 0; /* as in pl_sync */
}

static int pl_stat(const char *path, bool *is_dir, uint64_t *size) { return pl.base->stat(path, is_dir, size); }
static int pl_list(const char *dir, rv_list_fn fn, void *ctx) { return pl.base->list(dir, fn, ctx); }

static const rv_vfs powerloss_vfs = {
	"powerloss", pl_open, pl_close, pl_pread, pl_pwrite, pl_sync, pl_truncate, pl_size, pl_mmap, pl_munmap, pl_lock,
	pl_rename, pl_unlink, pl_mkdir, pl_rmdir, pl_sync_dir, pl_stat, pl_list,
};

/* The POSIX table without fsync, for the recovery side of a test: what
 * it writes need not survive a crash, and it runs faster. */
static int pl_nosync(rv_file *f)
{
	(void)f;
	return 0;
}

static int pl_nosync_dir(const char *path)
{
	(void)path;
	return 0;
}

static rv_vfs powerloss_nosync_vfs;

static void powerloss_nosync_install(void)
{
	powerloss_nosync_vfs = *rv_vfs_posix();
	powerloss_nosync_vfs.name = "posix-nosync";
	powerloss_nosync_vfs.sync = pl_nosync;
	powerloss_nosync_vfs.sync_dir = pl_nosync_dir;
	rv_vfs_install(&powerloss_nosync_vfs);
}

/* Forget every node (the simulator's own memory). */
static void powerloss_free(void)
{
	while (pl.nodes) {
		pl_node *n = pl.nodes;
		pl.nodes = n->all;
		pl_free_ops(n);
		free(n->ops);
		free(n->dur);
		free(n->img);
		pl_free_ents(&n->cur);
		pl_free_ents(&n->dur_ents);
		free(n);
	}
	pl.root_node = NULL;
}

/* Take what a directory holds now as durable (a crash already happened,
 * or everything was synced before the simulation began). */
static void pl_scan(pl_node *d, const char *path)
{
	DIR *dir = opendir(path);
	if (!dir)
		pl_broken("cannot list", path);
	struct dirent *e;
	while ((e = readdir(dir)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char p[4096];
		snprintf(p, sizeof p, "%s/%s", path, e->d_name);
		struct stat st;
		if (lstat(p, &st) != 0)
			pl_broken("cannot stat", p);
		pl_node *n = pl_new_node(S_ISDIR(st.st_mode));
		if (n->is_dir) {
			pl_scan(n, p);
		} else {
			n->dur = pl_alloc((size_t)st.st_size);
			n->dur_size = (uint64_t)st.st_size;
			int fd = open(p, O_RDONLY);
			if (fd < 0 || (st.st_size && read(fd, n->dur, (size_t)st.st_size) != (ssize_t)st.st_size) ||
			    close(fd) != 0)
				pl_broken("cannot read", p);
		}
		pl_set(&d->cur, e->d_name, n);
		pl_set(&d->dur_ents, e->d_name, n);
	}
	closedir(dir);
}

/* Start simulating under `root`, an existing directory whose own name is
 * durable, and whose contents are taken as durable: the call numbered
 * `crash_at` (from 1; <= 0: none) loses power in `mode`, with the torn
 * modes' choices drawn from `seed`. */
static void powerloss_install(const char *root, long crash_at, pl_mode mode, uint64_t seed)
{
	powerloss_free();
	snprintf(pl.root, sizeof pl.root, "%s", root);
	pl.root_len = strlen(pl.root);
	while (pl.root_len > 1 && pl.root[pl.root_len - 1] == '/')
		pl.root[--pl.root_len] = 0;
	pl.root_node = pl_new_node(true);
	pl_scan(pl.root_node, pl.root);
	pl.ops = 0;
	pl.crash_at = crash_at;
	pl.mode = mode;
	pl.rng = seed;
	pl.on_crash = NULL;
	pl.base = rv_vfs_posix();
	rv_vfs_install(&powerloss_vfs);
}

#endif
