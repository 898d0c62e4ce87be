/*
 * db.c: a database is a directory of named collections.
 *
 * LAYOUT
 *   DB/RUVECTOR   a record file (storage/files.c, magic "RVDBMARK") that
 *                 marks the directory as a database and names its format
 *   DB/LOCK       empty; the process that opens the database for writing
 *                 holds an exclusive, non-blocking flock on it
 *   DB/<name>/    one directory per collection (persist.h)
 *   DB/CATALOG    the names of the collections created (catalog.c)
 *
 * Which names are collections, and which of them are damaged, is
 * catalog.c's job; this file keeps the catalogue up to date (create adds
 * a name after the manifest, drop removes it before; a writable open adds
 * any manifest it lacks) and refuses to create over a damaged collection.
 *
 * Opening for writing takes the lock or fails with RV_EBUSY at once, so two
 * writer processes can never interleave their logs. Read-only opens take
 * no lock: they read the last checkpoint and the log as it is at that
 * moment, which the writer only ever appends to or replaces atomically.
 *
 * The handle keeps the collections opened through it, so that closing the
 * database closes them and so that a collection is not opened twice (two
 * handles would append to one log).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../storage/storage.h"
#include "../util/alloc.h"
#include "../util/error.h"
#include "collection.h"

#define MARKER_MAGIC "RVDBMARK"
#define MARKER_BYTES 16

struct rv_db {
	char *path;
	rv_db_options opts;
	rv_file *lock;            /* held for writing; NULL when read-only */
	rv_mutex cat_mu;          /* serialises changes to DB/CATALOG */
	rv_mutex mu;              /* guards the list below */
	rv_collection **open;
	size_t n_open, cap;
};

const char *rv_db_errmsg(const rv_db *db) { return rv_error_message(db); }

/* Report on `to` the error recorded on `from`. rv_error() formats into the
 * thread's one message buffer, which is where rv_error_message(from)
 * points: formatting it into itself (overlapping arguments to vsnprintf)
 * left the message empty. Copy it out first. */
static int pass_on(const void *to, int code, const void *from)
{
	char msg[512];
	snprintf(msg, sizeof msg, "%s", rv_error_message(from));
	return rv_error(to, code, "%s", msg);
}

static int write_marker(const void *h, const char *path)
{
	unsigned char m[MARKER_BYTES] = {0};
	return rv_record_write(h, path, "RUVECTOR", MARKER_MAGIC, m, sizeof m, NULL);
}

/* The directory part of path ("." when there is none). */
static void parent_of(const char *path, char *out, size_t size)
{
	snprintf(out, size, "%s", path);
	size_t n = strlen(out);
	while (n > 1 && out[n - 1] == '/')
		out[--n] = '\0';
	char *slash = strrchr(out, '/');
	if (!slash)
		snprintf(out, size, ".");
	else if (slash == out)
		out[1] = '\0';
	else
		*slash = '\0';
}

static int unlink_entry(void *ctx, const char *name, bool is_dir)
{
	const char *dir = ctx;
	char *p = rv_path_join(dir, name);
	if (p)
		is_dir ? rv_vfs_current()->rmdir(p) : rv_vfs_current()->unlink(p);
	rv_free(p);
	return 0;
}

/* What a create cut short before its manifest leaves: its (empty) log and
 * temporary files. Nothing else is removed. */
static int unlink_leftover(void *ctx, const char *name, bool is_dir)
{
	size_t l = strlen(name);
	if (!is_dir && (!strncmp(name, "wal-", 4) || (l > 4 && !strcmp(name + l - 4, ".tmp"))))
		unlink_entry(ctx, name, false);
	return 0;
}

/* Counts what a directory holds, except the marker's temporary file: a
 * create that lost power while writing the marker leaves that behind, and
 * the directory is still ours to make a database of (write_marker
 * replaces it). */
static int count_entry(void *ctx, const char *name, bool is_dir)
{
	if (!is_dir && !strcmp(name, "RUVECTOR.tmp"))
		return 0;
	++*(int *)ctx;
	return 0;
}

typedef struct scan_ctx {
	const char *dbpath;
	rv_namelist *l;
	int rc;
} scan_ctx;

static int add_if_manifest(void *arg, const char *name, bool is_dir)
{
	scan_ctx *x = arg;
	if (!is_dir || rv_coll_check_name(NULL, name) != RV_OK || rv_names_has(x->l, name))
		return 0;
	char *dir = rv_path_join(x->dbpath, name);
	if (dir && rv_coll_has_manifest(dir) && rv_names_add(x->l, name, strlen(name)) != RV_OK)
		x->rc = RV_ENOMEM;
	rv_free(dir);
	return 0;
}

/* Add (or remove) one name. Writers only; db->cat_mu serialises them. */
static int catalog_change(rv_db *db, const char *name, bool add)
{
	rv_mutex_lock(&db->cat_mu);
	rv_namelist l;
	bool present;
	int rc = rv_catalog_read(db, db->path, &l, &present);
	if (rc == RV_OK && rv_names_has(&l, name) != add) {
		if (add)
			rc = rv_names_add(&l, name, strlen(name)) == RV_OK ? RV_OK : rv_error(db, RV_ENOMEM, "out of memory");
		else
			rv_names_remove(&l, name);
		if (rc == RV_OK)
			rc = rv_catalog_write(db, db->path, &l);
	}
	rv_names_free(&l);
	rv_mutex_unlock(&db->cat_mu);
	return rc;
}

/* At a writable open: catalogue every collection that has a manifest (a
 * database written before the catalogue; a create cut short after its
 * manifest). Rewrites the catalogue only when it changes. */
static int catalog_sync(rv_db *db)
{
	rv_namelist l;
	bool present;
	int rc = rv_catalog_read(db, db->path, &l, &present);
	if (rc != RV_OK)
		return rc;
	size_t before = l.n;
	scan_ctx x = {db->path, &l, RV_OK};
	int e = rv_vfs_current()->list(db->path, add_if_manifest, &x);
	if (e < 0)
		rc = rv_io_error(db, e, db->path, "cannot list");
	else if (x.rc != RV_OK)
		rc = rv_error(db, x.rc, "out of memory");
	else if (!present || l.n != before)
		rc = rv_catalog_write(db, db->path, &l);
	rv_names_free(&l);
	return rc;
}

int rv_db_open(const char *path, const rv_db_options *opts, rv_db **out)
{
	const rv_vfs *vfs = rv_vfs_current();
	if (!out)
		return rv_error(NULL, RV_EINVAL, "out is NULL");
	*out = NULL;
	rv_db_options o;
	if (opts)
		o = *opts;
	else
		rv_db_options_init(&o);
	if (!path || !*path)
		return rv_error(NULL, RV_EINVAL, "path is empty");
	if ((unsigned)o.durability > RV_SYNC_OFF)
		return rv_error(NULL, RV_EINVAL, "durability %d is not full, normal or off", (int)o.durability);
	if (o.sync_interval_ms < 1 || o.sync_interval_ms > 60000)
		return rv_error(NULL, RV_EINVAL, "sync_interval_ms is %u; it must be 1..60000", o.sync_interval_ms);
	if (o.flags & ~(RV_DB_CREATE | RV_DB_READONLY))
		return rv_error(NULL, RV_EINVAL, "unknown flags 0x%x", o.flags & ~(RV_DB_CREATE | RV_DB_READONLY));
	if ((o.flags & RV_DB_CREATE) && (o.flags & RV_DB_READONLY))
		return rv_error(NULL, RV_EINVAL, "RV_DB_CREATE and RV_DB_READONLY together");

	rv_db *db = rv_calloc(1, sizeof *db);
	if (!db || rv_mutex_init(&db->mu) != 0) {
		rv_free(db);
		return rv_error(NULL, RV_ENOMEM, "out of memory");
	}
	if (rv_mutex_init(&db->cat_mu) != 0) {
		rv_mutex_destroy(&db->mu);
		rv_free(db);
		return rv_error(NULL, RV_ENOMEM, "out of memory");
	}
	db->opts = o;
	int rc = RV_OK, e;
	char *marker = NULL, *lockpath = NULL;
	if (!(db->path = rv_strndup(path, strlen(path))) || !(marker = rv_path_join(path, "RUVECTOR")) ||
	    !(lockpath = rv_path_join(path, "LOCK"))) {
		rc = rv_error(NULL, RV_ENOMEM, "out of memory");
		goto fail;
	}
	bool is_dir;
	e = vfs->stat(path, &is_dir, NULL);
	if (e == -ENOENT) {
		if (!(o.flags & RV_DB_CREATE)) {
			rc = rv_error(NULL, RV_ENOTFOUND, "%s: no database here (pass RV_DB_CREATE to create one)", path);
			goto fail;
		}
		if ((e = vfs->mkdir(path)) != 0) {
			rc = rv_io_error(NULL, e, path, "cannot create the database directory");
			goto fail;
		}
		char parent[4096];
		parent_of(path, parent, sizeof parent);
		if ((rc = write_marker(NULL, path)) != RV_OK || (e = vfs->sync_dir(parent)) != 0) {
			/* a failed create leaves no database behind */
			if (rc == RV_OK)
				rc = rv_io_error(NULL, e, parent, "cannot sync the directory holding");
			vfs->list(path, unlink_entry, (void *)path);
			vfs->rmdir(path);
			goto fail;
		}
	} else if (e != 0) {
		rc = rv_io_error(NULL, e, path, "cannot open");
		goto fail;
	} else if (!is_dir) {
		rc = rv_error(NULL, RV_EFORMAT, "%s: not a ruvector database (a file, not a directory)", path);
		goto fail;
	} else if (vfs->stat(marker, NULL, NULL) == -ENOENT) {
		/* RV_DB_CREATE makes an existing empty directory (mktemp -d, a
		 * mount point) a database; a directory holding anything else is
		 * not ours to take over */
		int entries = 0;
		if (!(o.flags & RV_DB_CREATE) || vfs->list(path, count_entry, &entries) != 0 || entries) {
			rc = rv_error(NULL, RV_EFORMAT, "%s: not a ruvector database (no RUVECTOR file%s)", path,
			              (o.flags & RV_DB_CREATE) ? ", and the directory is not empty" : "");
			goto fail;
		}
		if ((rc = write_marker(NULL, path)) != RV_OK)
			goto fail;
	}
	void *payload;
	size_t plen;
	if ((rc = rv_record_read(NULL, marker, MARKER_MAGIC, &payload, &plen)) != RV_OK)
		goto fail;
	rv_free(payload);
	if (!(o.flags & RV_DB_READONLY)) {
		if ((e = vfs->open(lockpath, RV_O_RDWR | RV_O_CREATE, &db->lock)) != 0) {
			rc = rv_io_error(NULL, e, lockpath, "cannot open the lock file");
			goto fail;
		}
		if ((e = vfs->lock(db->lock, true)) != 0) {
			rc = e == -EWOULDBLOCK || e == -EAGAIN
			         ? rv_error(NULL, RV_EBUSY,
			                    "%s: another process has the database open for writing (open it read-only to "
			                    "read it meanwhile)",
			                    path)
			         : rv_io_error(NULL, e, lockpath, "cannot lock");
			goto fail;
		}
		/* Best effort: a full disk must not stop a writer from opening
		 * (to delete, say), and a damaged CATALOG is `check`'s to report
		 * (it names the file and byte); the manifests stay authoritative. */
		(void)catalog_sync(db);
	}
	rv_free(marker);
	rv_free(lockpath);
	*out = db;
	return RV_OK;
fail:
	if (db->lock)
		vfs->close(db->lock);
	rv_free(marker);
	rv_free(lockpath);
	rv_free(db->path);
	rv_mutex_destroy(&db->cat_mu);
	rv_mutex_destroy(&db->mu);
	rv_free(db);
	return rc;
}

static int remember(rv_db *db, rv_collection *c)
{
	rv_mutex_lock(&db->mu);
	int rc = RV_OK;
	if (!rv_grow_array((void **)&db->open, &db->cap, db->n_open + 1, sizeof *db->open))
		rc = RV_ENOMEM;
	else
		db->open[db->n_open++] = c;
	rv_mutex_unlock(&db->mu);
	return rc;
}

static void forget(rv_db *db, rv_collection *c)
{
	rv_mutex_lock(&db->mu);
	for (size_t i = 0; i < db->n_open; i++) {
		if (db->open[i] == c) {
			db->open[i] = db->open[--db->n_open];
			break;
		}
	}
	rv_mutex_unlock(&db->mu);
}

/* Closing any collection, in memory or not. Here rather than in
 * collection.c because one opened through a database leaves it, and the
 * database is the layer above the collection. */
void rv_collection_free(rv_collection *c)
{
	if (!c)
		return;
	if (c->persist)
		(void)rv_persist_close(c); /* errors: already reported to the writers that met them */
	if (c->db)
		forget(c->db, c);
	rv_coll_destroy(c);
}

static rv_collection *find_open(rv_db *db, const char *name)
{
	rv_collection *found = NULL;
	rv_mutex_lock(&db->mu);
	for (size_t i = 0; i < db->n_open && !found; i++)
		if (!strcmp(db->open[i]->name, name))
			found = db->open[i];
	rv_mutex_unlock(&db->mu);
	return found;
}

int rv_db_close(rv_db *db)
{
	if (!db)
		return RV_OK;
	int rc = RV_OK;
	for (;;) {
		rv_mutex_lock(&db->mu);
		rv_collection *c = db->n_open ? db->open[db->n_open - 1] : NULL;
		rv_mutex_unlock(&db->mu);
		if (!c)
			break;
		int r = c->persist ? rv_persist_close(c) : RV_OK;
		if (r != RV_OK && rc == RV_OK)
			rc = pass_on(db, r, c);
		forget(db, c);
		rv_coll_destroy(c);
	}
	if (db->lock)
		rv_vfs_current()->close(db->lock);
	rv_free(db->open);
	rv_free(db->path);
	rv_mutex_destroy(&db->cat_mu);
	rv_mutex_destroy(&db->mu);
	rv_free(db);
	return rc;
}


int rv_db_create_collection(rv_db *db, const char *name, const rv_options *o, rv_collection **out)
{
	if (!db || !out)
		return rv_error(db, RV_EINVAL, "NULL argument");
	*out = NULL;
	int rc = rv_coll_check_name(db, name);
	if (rc != RV_OK)
		return rc;
	if (!o)
		return rv_error(db, RV_EINVAL, "opts is NULL");
	if ((rc = rv_options_check(o)) != RV_OK)
		return pass_on(db, rc, NULL);
	if (!db->lock)
		return rv_error(db, RV_EREADONLY, "%s: opened read-only", db->path);
	const rv_vfs *vfs = rv_vfs_current();
	char *dir = rv_path_join(db->path, name);
	if (!dir)
		return rv_error(db, RV_ENOMEM, "out of memory");
	rv_collection *c = NULL;
	rv_namelist cat;
	bool present, exists;
	if ((rc = rv_catalog_read(db, db->path, &cat, &present)) != RV_OK)
		goto out;
	rc = rv_catalog_state(db, db->path, &cat, name, &exists);
	rv_names_free(&cat);
	if (rc != RV_OK) {
		char msg[512];
		snprintf(msg, sizeof msg, "%s", rv_error_message(db));
		rc = rv_error(db, RV_EEXIST, "%s; create does not replace it (`check` reports it; restore a backup, "
		              "or drop it)", msg);
		goto out;
	}
	if (exists) {
		rc = rv_error(db, RV_EEXIST, "collection \"%s\" already exists", name);
		goto out;
	}
	bool is_dir;
	int e = vfs->stat(dir, &is_dir, NULL);
	if (e == 0 && is_dir) {
		/* left over by a create that crashed before its manifest: an empty
		 * log, temporary files (collection_state found no data) */
		vfs->list(dir, unlink_leftover, dir);
	} else if (e == 0) {
		rc = rv_error(db, RV_EEXIST, "%s exists and is not a collection", dir);
		goto out;
	} else if ((e = vfs->mkdir(dir)) != 0) {
		rc = rv_io_error(db, e, dir, "cannot create the collection directory");
		goto out;
	}
	if ((rc = rv_coll_new(o, &c)) != RV_OK) {
		rc = pass_on(db, rc, NULL);
		goto out;
	}
	c->db = db;
	snprintf(c->name, sizeof c->name, "%s", name);
	if ((rc = rv_persist_create(c, dir, &db->opts)) != RV_OK) {
		rc = pass_on(db, rc, c);
		vfs->list(dir, unlink_entry, dir);
		vfs->rmdir(dir);
		goto out;
	}
	if ((e = vfs->sync_dir(db->path)) != 0)
		rc = rv_io_error(db, e, db->path, "cannot sync the database directory");
	else if (remember(db, c) != RV_OK)
		rc = rv_error(db, RV_ENOMEM, "out of memory");
	/* The manifest made the collection; the catalogue only guards it. If
	 * writing the catalogue fails (a full disk), the create still stands
	 * and the next writable open catalogues it (catalog_sync); failing the
	 * create here would leave a catalogued name with no collection. */
	if (rc == RV_OK)
		(void)catalog_change(db, name, true);
	if (rc != RV_OK) {
		/* a failed create leaves no collection behind */
		rv_persist_close(c);
		vfs->list(dir, unlink_entry, dir);
		vfs->rmdir(dir);
		goto out;
	}
	*out = c;
	c = NULL;
out:
	if (c) {
		if (c->persist)
			rv_persist_close(c);
		rv_coll_destroy(c);
	}
	rv_free(dir);
	return rc;
}

int rv_db_open_collection(rv_db *db, const char *name, rv_collection **out)
{
	if (!db || !out)
		return rv_error(db, RV_EINVAL, "NULL argument");
	*out = NULL;
	int rc = rv_coll_check_name(db, name);
	if (rc != RV_OK)
		return rc;
	if (find_open(db, name))
		return rv_error(db, RV_EBUSY, "collection \"%s\" is already open in this database handle", name);
	char *dir = rv_path_join(db->path, name);
	if (!dir)
		return rv_error(db, RV_ENOMEM, "out of memory");
	rv_collection *c = NULL;
	rv_options o;
	if (!rv_coll_has_manifest(dir)) {
		rv_namelist cat;
		bool present, exists = false;
		if ((rc = rv_catalog_read(db, db->path, &cat, &present)) == RV_OK)
			rc = rv_catalog_state(db, db->path, &cat, name, &exists);
		rv_names_free(&cat);
		if (rc == RV_OK && !exists)
			rc = rv_error(db, RV_ENOTFOUND, "no collection \"%s\" in %s", name, db->path);
		if (rc != RV_OK)
			goto out;
	}
	/* A read-only open takes no lock, so the writer may checkpoint under
	 * it: the generation it read is then retired and its files removed
	 * half way through the load. When a load fails and the manifest has
	 * moved on meanwhile, load the new generation instead. */
	for (int attempt = 0;; attempt++) {
		uint64_t gen_before = 0, gen_after = 0;
		if ((rc = rv_persist_read_options(db, dir, &o)) != RV_OK ||
		    (rc = rv_persist_generation(db, dir, &gen_before)) != RV_OK)
			goto out;
		if ((rc = rv_coll_new(&o, &c)) != RV_OK) {
			rc = pass_on(db, rc, NULL);
			goto out;
		}
		c->db = db;
		c->readonly = db->lock == NULL;
		snprintf(c->name, sizeof c->name, "%s", name);
		rc = rv_persist_load(c, dir, &db->opts);
		if (rc == RV_OK)
			break;
		if (c->readonly && attempt < 8 && rv_persist_generation(db, dir, &gen_after) == RV_OK &&
		    gen_after != gen_before) {
			rv_coll_destroy(c);
			c = NULL;
			continue;
		}
		rc = pass_on(db, rc, c);
		goto out;
	}
	if (remember(db, c) != RV_OK) {
		rc = rv_error(db, RV_ENOMEM, "out of memory");
		goto out;
	}
	*out = c;
	c = NULL;
out:
	if (c) {
		if (c->persist)
			rv_persist_close(c);
		rv_coll_destroy(c);
	}
	rv_free(dir);
	return rc;
}

int rv_db_drop_collection(rv_db *db, const char *name)
{
	if (!db)
		return rv_error(NULL, RV_EINVAL, "db is NULL");
	int rc = rv_coll_check_name(db, name);
	if (rc != RV_OK)
		return rc;
	if (!db->lock)
		return rv_error(db, RV_EREADONLY, "%s: opened read-only", db->path);
	if (find_open(db, name))
		return rv_error(db, RV_EBUSY, "collection \"%s\" is open; close it first", name);
	char *dir = rv_path_join(db->path, name);
	if (!dir)
		return rv_error(db, RV_ENOMEM, "out of memory");
	rv_namelist cat;
	bool present, listed = false;
	if ((rc = rv_catalog_read(db, db->path, &cat, &present)) == RV_OK)
		listed = rv_names_has(&cat, name);
	rv_names_free(&cat);
	if (rc != RV_OK) {
		/* the catalogue's message stands */
	} else if (!rv_coll_has_manifest(dir) && !listed) {
		rc = rv_error(db, RV_ENOTFOUND, "no collection \"%s\" in %s", name, db->path);
	} else if ((rc = catalog_change(db, name, false)) == RV_OK) {
		/* Out of the catalogue first; then the directory moves, in one
		 * rename, to a name no collection can have (a leading '.'), and
		 * only then are its files removed. A crash before the rename leaves
		 * the collection whole (its manifest stands; the next writer
		 * catalogues it again); after it, a hidden directory that nothing
		 * lists. Removing the manifest first, as before, left a directory
		 * of data without a manifest: a damaged collection by catalog.c's
		 * rule. */
		const rv_vfs *vfs = rv_vfs_current();
		bool is_dir = false;
		char grave[RV_NAME_MAX + 16];
		snprintf(grave, sizeof grave, ".dropped-%s", name);
		char *gpath = rv_path_join(db->path, grave);
		int e = gpath ? vfs->stat(dir, &is_dir, NULL) : -ENOMEM;
		if (e == 0 && is_dir) {
			if (vfs->stat(gpath, NULL, NULL) == 0) { /* left by a drop that crashed */
				vfs->list(gpath, unlink_entry, gpath);
				vfs->rmdir(gpath);
			}
			if ((e = vfs->rename(dir, gpath)) != 0) {
				rc = rv_io_error(db, e, dir, "cannot move away");
			} else {
				vfs->sync_dir(db->path);
				vfs->list(gpath, unlink_entry, gpath);
				if ((e = vfs->rmdir(gpath)) != 0)
					rc = rv_io_error(db, e, gpath, "cannot remove");
				vfs->sync_dir(db->path);
			}
		} else if (e == -ENOMEM) {
			rc = rv_error(db, RV_ENOMEM, "out of memory");
		} /* else nothing to remove (a damaged collection whose directory is gone or is a file: left as it is) */
		rv_free(gpath);
	}
	rv_free(dir);
	return rc;
}

int rv_db_count(rv_db *db, const char *name, uint64_t *count)
{
	if (!db || !count)
		return rv_error(db, RV_EINVAL, "NULL argument");
	*count = 0;
	int rc = rv_coll_check_name(db, name);
	if (rc != RV_OK)
		return rc;
	rv_collection *open = find_open(db, name);
	if (open) {
		*count = rv_count(open);
		return RV_OK;
	}
	char *dir = rv_path_join(db->path, name);
	if (!dir)
		return rv_error(db, RV_ENOMEM, "out of memory");
	if (!rv_coll_has_manifest(dir)) {
		rv_namelist cat;
		bool present, exists = false;
		if ((rc = rv_catalog_read(db, db->path, &cat, &present)) == RV_OK)
			rc = rv_catalog_state(db, db->path, &cat, name, &exists);
		rv_names_free(&cat);
		if (rc == RV_OK && !exists)
			rc = rv_error(db, RV_ENOTFOUND, "no collection \"%s\" in %s", name, db->path);
	} else {
		/* as rv_db_open_collection: a read-only count may lose a race with
		 * a checkpoint that retires the generation it read */
		for (int attempt = 0;; attempt++) {
			uint64_t before = 0, after = 0;
			if ((rc = rv_persist_generation(db, dir, &before)) != RV_OK)
				break;
			rc = rv_persist_count(db, dir, count);
			if (rc == RV_OK || db->lock || attempt >= 8)
				break;
			if (rv_persist_generation(db, dir, &after) != RV_OK || after == before)
				break;
		}
	}
	rv_free(dir);
	return rc;
}

int rv_db_repair(rv_db *db, const char *name, unsigned flags, rv_repair_report *out)
{
	if (!db || !out)
		return rv_error(db, RV_EINVAL, "NULL argument");
	memset(out, 0, sizeof *out);
	int rc = rv_coll_check_name(db, name);
	if (rc != RV_OK)
		return rc;
	if (flags & ~RV_REPAIR_APPLY)
		return rv_error(db, RV_EINVAL, "unknown flags 0x%x", flags & ~RV_REPAIR_APPLY);
	if (!db->lock)
		return rv_error(db, RV_EREADONLY, "%s: opened read-only; a repair needs the write lock", db->path);
	if (find_open(db, name))
		return rv_error(db, RV_EBUSY, "collection \"%s\" is open; close it first", name);
	char *dir = rv_path_join(db->path, name);
	if (!dir)
		return rv_error(db, RV_ENOMEM, "out of memory");
	if (!rv_coll_has_manifest(dir))
		rc = rv_error(db, RV_ENOTFOUND, "no collection \"%s\" in %s", name, db->path);
	else
		rc = rv_persist_repair(db, dir, (flags & RV_REPAIR_APPLY) != 0, out);
	rv_free(dir);
	return rc;
}

int rv_db_list_collections(rv_db *db, char *buf, size_t size, size_t *needed)
{
	if (!db)
		return rv_error(NULL, RV_EINVAL, "db is NULL");
	rv_namelist l;
	int rc = rv_catalog_all(db, db->path, &l);
	if (rc != RV_OK)
		return rc;
	size_t used = 0;
	for (size_t i = 0; i < l.n; i++) {
		size_t n = strlen(l.v[i]) + 1;
		if (buf && used + n <= size)
			memcpy(buf + used, l.v[i], n);
		used += n;
	}
	int count = (int)l.n;
	rv_names_free(&l);
	if (needed)
		*needed = used;
	if (used > size || (!buf && used))
		return rv_error(db, RV_ERANGE, "the names need %zu bytes", used);
	return count;
}

/* All collection names, NUL-separated, in a new buffer; *n of them. */
static int all_names(rv_db *db, char **names, int *n)
{
	size_t need = 0;
	*names = NULL;
	*n = 0;
	int rc = rv_db_list_collections(db, NULL, 0, &need);
	if (rc < 0 && rc != RV_ERANGE)
		return rc;
	char *buf = rv_malloc(need ? need : 1);
	if (!buf)
		return rv_error(db, RV_ENOMEM, "out of memory");
	rc = need ? rv_db_list_collections(db, buf, need, &need) : 0;
	if (rc < 0) {
		rv_free(buf);
		return rc;
	}
	*names = buf;
	*n = rc;
	return RV_OK;
}

int rv_db_backup(rv_db *db, const char *dest)
{
	if (!db || !dest || !*dest)
		return rv_error(db, RV_EINVAL, "NULL argument");
	const rv_vfs *vfs = rv_vfs_current();
	if (vfs->stat(dest, NULL, NULL) == 0)
		return rv_error(db, RV_EEXIST, "%s already exists; back up into a new directory", dest);
	int e = vfs->mkdir(dest);
	if (e != 0)
		return rv_io_error(db, e, dest, "cannot create");
	int rc = write_marker(db, dest), n = 0;
	char *names = NULL;
	if (rc == RV_OK)
		rc = all_names(db, &names, &n);
	const char *name = names;
	for (int i = 0; rc == RV_OK && i < n; i++, name += strlen(name) + 1) {
		char *to = rv_path_join(dest, name);
		if (!to) {
			rc = rv_error(db, RV_ENOMEM, "out of memory");
			break;
		}
		rv_collection *c = find_open(db, name);
		bool opened_here = false;
		if (!c) {
			rc = rv_db_open_collection(db, name, &c);
			opened_here = rc == RV_OK;
		}
		if (rc == RV_OK) {
			rc = rv_persist_backup(c, to);
			if (rc != RV_OK)
				rc = pass_on(db, rc, c);
		}
		if (opened_here)
			rv_collection_free(c);
		rv_free(to);
	}
	rv_free(names);
	if (rc == RV_OK && (e = vfs->sync_dir(dest)) != 0)
		rc = rv_io_error(db, e, dest, "cannot sync");
	return rc;
}

int rv_db_check(const char *path, char *problem, size_t size)
{
	if (!problem || size == 0)
		return rv_error(NULL, RV_EINVAL, "problem buffer is empty");
	problem[0] = '\0';
	rv_db_options o;
	rv_db_options_init(&o);
	o.flags = RV_DB_READONLY;
	rv_db *db;
	int rc = rv_db_open(path, &o, &db);
	if (rc != RV_OK) {
		snprintf(problem, size, "%s", rv_error_message(NULL));
		return rc == RV_ENOTFOUND || rc == RV_EINVAL ? rc : RV_ECORRUPT;
	}
	int n = 0;
	char *names = NULL;
	rc = all_names(db, &names, &n);
	if (rc != RV_OK)
		snprintf(problem, size, "%s", rv_error_message(db));
	const char *name = names;
	rv_namelist cat = {0};
	bool present, exists;
	if (rc == RV_OK && (rc = rv_catalog_read(NULL, path, &cat, &present)) != RV_OK)
		snprintf(problem, size, "%s", rv_error_message(NULL));
	for (int i = 0; rc == RV_OK && i < n; i++, name += strlen(name) + 1) {
		if ((rc = rv_catalog_state(NULL, path, &cat, name, &exists)) != RV_OK) {
			snprintf(problem, size, "%s", rv_error_message(NULL));
			break;
		}
		char *dir = rv_path_join(path, name);
		rc = dir ? rv_persist_verify(NULL, dir, problem, size) : RV_ENOMEM;
		rv_free(dir);
	}
	rv_names_free(&cat);
	rv_free(names);
	rv_db_close(db);
	if (rc != RV_OK && !problem[0])
		snprintf(problem, size, "%s", rv_error_message(NULL));
	return rc == RV_OK || rc == RV_ENOMEM || rc == RV_EIO ? rc : RV_ECORRUPT;
}
