/*
 * manifest.c: a collection directory's layout (persist.h): the names of
 * its files, the MANIFEST that names the current generation and holds the
 * collection's options, and removing the files no generation uses.
 *
 * The MANIFEST is replaced whole, atomically (storage/files.c writes a
 * temporary file, syncs, renames, syncs the directory), so a reader finds
 * either the old generation or the new one. Options read back are checked
 * as rv_collection_new checks them: a damaged or crafted manifest is an
 * error naming the file, never a collection with impossible settings.
 * Anything named seg-*, wal-* or *.tmp that the current generation does
 * not use is left over from a checkpoint that did not finish (or one that
 * did: the previous generation), and is removed.
 */
#include <stdio.h>
#include <string.h>

#include "../util/alloc.h"
#include "../util/error.h"
#include "persist.h"

char *rv_persist_file(const char *dir, const char *prefix, uint64_t gen, const char *suffix)
{
	char name[64];
	snprintf(name, sizeof name, "%s%06llu%s", prefix, (unsigned long long)gen, suffix);
	return rv_path_join(dir, name);
}

static void encode_manifest(const rv_options *o, uint64_t gen, bool has_seg, unsigned char *m)
{
	memset(m, 0, MANIFEST_BYTES);
	rv_put64(m, gen);
	rv_put32(m + 8, has_seg);
	rv_put32(m + 12, o->dim);
	rv_put32(m + 16, (uint32_t)o->metric);
	rv_put32(m + 20, o->m);
	rv_put32(m + 24, o->ef_construction);
	uint32_t a;
	memcpy(&a, &o->prune_alpha, 4);
	rv_put32(m + 28, a);
	rv_put32(m + 32, o->ef_search);
	rv_put32(m + 36, o->exact_threshold);
	rv_put32(m + 40, o->repair_batch);
	rv_put32(m + 44, o->threads);
	rv_put64(m + 48, o->seed);
	rv_put32(m + 56, (uint32_t)o->quant);
	rv_put32(m + 60, o->quant_pq_m);
	rv_put32(m + 64, o->quant_train);
}

int rv_manifest_read(const void *h, const char *dir, rv_options *o, uint64_t *gen, bool *has_seg)
{
	char *path = rv_path_join(dir, "MANIFEST");
	if (!path)
		return rv_error(h, RV_ENOMEM, "out of memory");
	void *p;
	size_t len;
	int rc = rv_record_read(h, path, MANIFEST_MAGIC, &p, &len);
	if (rc == RV_OK && len != MANIFEST_BYTES) {
		rc = rv_error(h, RV_ECORRUPT, "%s: payload of %zu bytes, expected %d", path, len, MANIFEST_BYTES);
		rv_free(p);
	}
	if (rc != RV_OK) {
		rv_free(path);
		return rc;
	}
	const unsigned char *m = p;
	rv_options_init(o);
	*gen = rv_get64(m);
	*has_seg = rv_get32(m + 8) != 0;
	o->dim = rv_get32(m + 12);
	o->metric = (rv_metric)rv_get32(m + 16);
	o->m = rv_get32(m + 20);
	o->ef_construction = rv_get32(m + 24);
	uint32_t a = rv_get32(m + 28);
	memcpy(&o->prune_alpha, &a, 4);
	o->ef_search = rv_get32(m + 32);
	o->exact_threshold = rv_get32(m + 36);
	o->repair_batch = rv_get32(m + 40);
	o->threads = rv_get32(m + 44);
	o->seed = rv_get64(m + 48);
	o->quant = (rv_quant_kind)rv_get32(m + 56);
	o->quant_pq_m = rv_get32(m + 60);
	o->quant_train = rv_get32(m + 64);
	rv_free(p);
	rc = rv_options_check(o);
	if (rc != RV_OK) {
		/* copied out: rv_error formats into the buffer it points at */
		char why[256];
		snprintf(why, sizeof why, "%s", rv_error_message(NULL));
		rc = rv_error(h, RV_ECORRUPT, "%s: options out of range: %s", path, why);
	} else if (*gen == 0) {
		rc = rv_error(h, RV_ECORRUPT, "%s: generation 0", path);
	}
	rv_free(path);
	return rc;
}

int rv_manifest_write(const void *h, const char *dir, const rv_options *o, uint64_t gen, bool has_seg,
                     bool *renamed)
{
	unsigned char m[MANIFEST_BYTES];
	encode_manifest(o, gen, has_seg, m);
	return rv_record_write(h, dir, "MANIFEST", MANIFEST_MAGIC, m, sizeof m, renamed);
}

int rv_persist_generation(const void *h, const char *dir, uint64_t *gen)
{
	rv_options o;
	bool has_seg;
	return rv_manifest_read(h, dir, &o, gen, &has_seg);
}

int rv_persist_read_options(const void *h, const char *dir, rv_options *o)
{
	uint64_t gen;
	bool has;
	return rv_manifest_read(h, dir, o, &gen, &has);
}

/* Remove everything in dir that the current generation does not use. */
static int remove_unused(void *ctx, const char *name, bool is_dir)
{
	rv_persist *p = ctx;
	if (is_dir)
		return 0;
	char seg[32], wal[32];
	snprintf(seg, sizeof seg, "seg-%06llu.rvs", (unsigned long long)p->gen);
	snprintf(wal, sizeof wal, "wal-%06llu.log", (unsigned long long)p->gen);
	size_t l = strlen(name);
	bool ours = (!strncmp(name, "seg-", 4) || !strncmp(name, "wal-", 4) || (l > 4 && !strcmp(name + l - 4, ".tmp")));
	if (!ours || !strcmp(name, seg) || !strcmp(name, wal))
		return 0;
	char *path = rv_path_join(p->dir, name);
	if (path)
		rv_vfs_current()->unlink(path);
	rv_free(path);
	return 0;
}

void rv_persist_clean_dir(rv_persist *p) { rv_vfs_current()->list(p->dir, remove_unused, p); }
