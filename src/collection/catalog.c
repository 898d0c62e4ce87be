/*
 * catalog.c: which collections a database holds, and which are damaged.
 *
 * The database directory (db.c) holds one directory per collection and
 * DB/CATALOG, a record file (storage/files.c, magic "RVCATALG") naming the
 * collections created: u32 count, then per name u8 length and its bytes,
 * sorted. Without it, a collection whose directory or MANIFEST disappeared
 * simply vanished: `check` said ok, opening said "no such collection", and
 * a create with its name removed its data.
 *
 * WHICH COLLECTIONS EXIST. A collection exists once its MANIFEST does (the
 * manifest is the commit point of a create: persist.c). The catalogue is
 * written after it (create) and before it is removed (drop), so after any
 * crash every catalogued name has a manifest unless something outside the
 * library removed it; a manifest whose name is not catalogued (a create or
 * drop cut short, or a database written before the catalogue) is a sound
 * collection, and the next writable open adds it. A name is DAMAGED when
 *   - the catalogue lists it, and its directory is missing, is not a
 *     directory, or has no MANIFEST; or
 *   - its directory holds a segment or a log with frames but no MANIFEST
 *     (a create cut short leaves only an empty log: that is not damage).
 * A damaged collection is listed, fails to open with RV_ECORRUPT naming
 * what is missing, fails check, and is never replaced by a create (db.c).
 * The catalogue is a new file, not a new format version: a database
 * without one (written before it) gets one at its first writable open, and
 * older binaries ignore it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../storage/storage.h"
#include "../util/alloc.h"
#include "../util/error.h"
#include "collection.h"

#define CATALOG_MAGIC "RVCATALG"

int rv_coll_check_name(const void *h, const char *name)
{
	if (!name)
		return rv_error(h, RV_EINVAL, "collection name is NULL");
	size_t n = strnlen(name, RV_NAME_MAX + 1);
	if (n == 0 || n > RV_NAME_MAX)
		return rv_error(h, RV_EINVAL, "collection name must be 1..%u bytes", RV_NAME_MAX);
	if (name[0] == '.')
		return rv_error(h, RV_EINVAL, "collection name \"%s\" starts with '.'", name);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
		          ch == '-' || ch == '.';
		if (!ok) {
			if (ch < 0x20 || ch == 0x7f)
				return rv_error(h, RV_EINVAL, "collection name has a control character (0x%02x) at byte %zu", ch, i);
			return rv_error(h, RV_EINVAL, "collection name has '%c' at byte %zu; use letters, digits, '_', '-', '.'",
			                ch, i);
		}
	}
	return RV_OK;
}

bool rv_coll_has_manifest(const char *dir)
{
	char *m = rv_path_join(dir, "MANIFEST");
	bool yes = m && rv_vfs_current()->stat(m, NULL, NULL) == 0;
	rv_free(m);
	return yes;
}

/* ---- the catalogue ---- */

/* A set of names: NUL-terminated copies, sorted. */
void rv_names_free(rv_namelist *l)
{
	for (size_t i = 0; i < l->n; i++)
		rv_free(l->v[i]);
	rv_free(l->v);
	memset(l, 0, sizeof *l);
}

bool rv_names_has(const rv_namelist *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], name))
			return true;
	return false;
}

int rv_names_add(rv_namelist *l, const char *name, size_t len)
{
	char *copy = rv_strndup(name, len);
	if (!copy || !rv_grow_array((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v)) {
		rv_free(copy);
		return RV_ENOMEM;
	}
	size_t at = l->n;
	while (at > 0 && strcmp(l->v[at - 1], copy) > 0)
		at--;
	memmove(l->v + at + 1, l->v + at, (l->n - at) * sizeof *l->v);
	l->v[at] = copy;
	l->n++;
	return RV_OK;
}

void rv_names_remove(rv_namelist *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], name)) {
			rv_free(l->v[i]);
			memmove(l->v + i, l->v + i + 1, (l->n - i - 1) * sizeof *l->v);
			l->n--;
			return;
		}
}

/* Read DB/CATALOG into *l (empty, *present false, when there is none). */
int rv_catalog_read(const void *h, const char *dbpath, rv_namelist *l, bool *present)
{
	memset(l, 0, sizeof *l);
	*present = false;
	char *path = rv_path_join(dbpath, "CATALOG");
	if (!path)
		return rv_error(h, RV_ENOMEM, "out of memory");
	if (rv_vfs_current()->stat(path, NULL, NULL) == -ENOENT) {
		rv_free(path);
		return RV_OK;
	}
	void *p;
	size_t len;
	int rc = rv_record_read(h, path, CATALOG_MAGIC, &p, &len);
	if (rc != RV_OK) {
		rv_free(path);
		return rc;
	}
	const unsigned char *b = p;
	size_t at = 4, n = len >= 4 ? rv_get32(b) : 0;
	if (len < 4)
		rc = rv_error(h, RV_ECORRUPT, "%s: byte 64: a catalogue of %zu bytes", path, len);
	for (size_t i = 0; rc == RV_OK && i < n; i++) {
		char name[RV_NAME_MAX + 1];
		size_t nl = at < len ? b[at] : 0;
		if (at >= len || nl == 0 || nl > RV_NAME_MAX || len - at - 1 < nl) {
			rc = rv_error(h, RV_ECORRUPT, "%s: byte %zu: name %zu of %zu is cut short", path, 64 + at, i, n);
			break;
		}
		memcpy(name, b + at + 1, nl);
		name[nl] = '\0';
		if (rv_coll_check_name(NULL, name) != RV_OK) {
			rc = rv_error(h, RV_ECORRUPT, "%s: byte %zu: name %zu is not a collection name", path, 64 + at, i);
			break;
		}
		if ((rc = rv_names_add(l, name, nl)) != RV_OK)
			rc = rv_error(h, rc, "out of memory");
		at += 1 + nl;
	}
	if (rc == RV_OK && at != len)
		rc = rv_error(h, RV_ECORRUPT, "%s: byte %zu: bytes after the last name", path, 64 + at);
	rv_free(p);
	rv_free(path);
	if (rc != RV_OK)
		rv_names_free(l);
	else
		*present = true;
	return rc;
}

int rv_catalog_write(const void *h, const char *dbpath, const rv_namelist *l)
{
	size_t len = 4;
	for (size_t i = 0; i < l->n; i++)
		len += 1 + strlen(l->v[i]);
	unsigned char *b = rv_malloc(len);
	if (!b)
		return rv_error(h, RV_ENOMEM, "out of memory");
	rv_put32(b, (uint32_t)l->n);
	size_t at = 4;
	for (size_t i = 0; i < l->n; i++) {
		size_t nl = strlen(l->v[i]);
		b[at] = (unsigned char)nl;
		memcpy(b + at + 1, l->v[i], nl);
		at += 1 + nl;
	}
	int rc = rv_record_write(h, dbpath, "CATALOG", CATALOG_MAGIC, b, len, NULL);
	rv_free(b);
	return rc;
}


typedef struct data_ctx {
	bool has_data;    /* a segment, or a log with frames */
	const char *dir;
} data_ctx;

static int find_data(void *arg, const char *name, bool is_dir)
{
	data_ctx *d = arg;
	if (is_dir)
		return 0;
	uint64_t size = 0;
	if (!strncmp(name, "seg-", 4)) {
		d->has_data = true;
	} else if (!strncmp(name, "wal-", 4)) {
		char *p = rv_path_join(d->dir, name);
		/* a log holds frames past its 64-byte header (storage/wal.c) */
		if (!p || rv_vfs_current()->stat(p, NULL, &size) != 0 || size > 64)
			d->has_data = true;
		rv_free(p);
	}
	return 0;
}

/* Is the collection `name` damaged (see WHICH COLLECTIONS EXIST)? If so,
 * record why on h and return RV_ECORRUPT; RV_OK when it is sound or absent
 * (*exists says which). */
int rv_catalog_state(const void *h, const char *dbpath, const rv_namelist *cat, const char *name, bool *exists)
{
	const rv_vfs *vfs = rv_vfs_current();
	*exists = false;
	char *dir = rv_path_join(dbpath, name);
	if (!dir)
		return rv_error(h, RV_ENOMEM, "out of memory");
	bool is_dir = false, listed = rv_names_has(cat, name);
	int rc = RV_OK, e = vfs->stat(dir, &is_dir, NULL);
	if (e == 0 && is_dir && rv_coll_has_manifest(dir)) {
		*exists = true;
	} else if (listed && e != 0) {
		rc = rv_error(h, RV_ECORRUPT, "collection \"%s\" is damaged: its directory %s is missing (%s/CATALOG lists it)",
		              name, dir, dbpath);
	} else if (listed && !is_dir) {
		rc = rv_error(h, RV_ECORRUPT, "collection \"%s\" is damaged: %s is not a directory (%s/CATALOG lists it)",
		              name, dir, dbpath);
	} else if (listed) {
		rc = rv_error(h, RV_ECORRUPT, "collection \"%s\" is damaged: %s/MANIFEST is missing (%s/CATALOG lists it)",
		              name, dir, dbpath);
	} else if (e == 0 && is_dir) {
		data_ctx d = {false, dir};
		vfs->list(dir, find_data, &d);
		if (d.has_data)
			rc = rv_error(h, RV_ECORRUPT,
			              "collection \"%s\" is damaged: %s holds a segment or log but no MANIFEST", name, dir);
	}
	rv_free(dir);
	return rc;
}

typedef struct list_ctx {
	const char *dbpath;
	rv_namelist *l;
	int rc;
} list_ctx;

/* Directories that hold a collection, sound or damaged. */
static int add_name(void *arg, const char *name, bool is_dir)
{
	list_ctx *x = arg;
	if (!is_dir || rv_coll_check_name(NULL, name) != RV_OK || rv_names_has(x->l, name))
		return 0;
	char *dir = rv_path_join(x->dbpath, name);
	bool yes = dir && rv_coll_has_manifest(dir);
	if (dir && !yes) {
		data_ctx d = {false, dir};
		rv_vfs_current()->list(dir, find_data, &d);
		yes = d.has_data;
	}
	rv_free(dir);
	if (yes && rv_names_add(x->l, name, strlen(name)) != RV_OK)
		x->rc = RV_ENOMEM;
	return 0;
}

/* Every collection name, damaged ones included: the catalogue's, and every
 * directory with a manifest or with data. Sorted. */
int rv_catalog_all(const void *h, const char *dbpath, rv_namelist *l)
{
	bool present;
	int rc = rv_catalog_read(h, dbpath, l, &present);
	if (rc != RV_OK)
		return rc;
	list_ctx x = {dbpath, l, RV_OK};
	int e = rv_vfs_current()->list(dbpath, add_name, &x);
	if (e < 0)
		rc = rv_io_error(h, e, dbpath, "cannot list");
	else if (x.rc != RV_OK)
		rc = rv_error(h, x.rc, "out of memory");
	if (rc != RV_OK)
		rv_names_free(l);
	return rc;
}

