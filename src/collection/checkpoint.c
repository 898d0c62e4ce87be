/*
 * checkpoint.c: writing a collection's state as a segment (persist.h,
 * SEGMENT) and starting a new generation with an empty log.
 *
 * CHECKPOINT (wlock held: writers wait, searches go on):
 *   repair pending deletions; write seg-<g+1>.rvs (synced, renamed,
 *   directory synced); create wal-<g+1>.log (synced); replace MANIFEST
 *   with generation g+1; retire the old log (writers still waiting on it
 *   are covered by the segment); delete seg-<g>.rvs and wal-<g>.log.
 *   A crash before the manifest is replaced leaves generation g intact
 *   (its log has every write); after, generation g+1 is complete.
 * If the manifest was renamed but the directory sync failed, either
 * generation may be what a power loss leaves: both are kept and the
 * collection enters the read-only error state. After a checkpoint the
 * vectors are read from the new segment's mapping instead of the heap.
 * rv_persist_after_write checkpoints once the log has grown past the
 * database's checkpoint_bytes.
 */
#include <string.h>

#include "../util/alloc.h"
#include "../util/error.h"
#include "hyper.h"
#include "persist.h"

static int write_u8s(rv_seg_writer *w, const _Atomic uint8_t *a, size_t n)
{
	/* atomics of one byte have the size and representation of a byte */
	return rv_seg_write(w, (const void *)a, n);
}

/* Sections 13-15 (the writer records a failed write and reports it at
 * rv_seg_finish). */
static void write_payloads(rv_collection *c, rv_seg_writer *w, uint32_t n)
{
	rv_index *x = c->index;
	rv_rwlock_rdlock(&c->payloads.lock);
	if (c->payloads.count) {
		unsigned char le[8];
		uint64_t at = 0;
		rv_seg_section(w, SEC_POFFS);
		for (uint32_t i = 0; i < n; i++) {
			const uint8_t *b = rv_flags(x, i) == RV_SLOT_USED ? rv_payloads_get_locked(&c->payloads, i) : NULL;
			rv_put64(le, b ? at : NO_KEY);
			rv_seg_write(w, le, 8);
			at += b ? rv_payload_size(b) : 0;
		}
		rv_seg_section(w, SEC_PBLOBS);
		for (uint32_t i = 0; i < n; i++) {
			const uint8_t *b = rv_flags(x, i) == RV_SLOT_USED ? rv_payloads_get_locked(&c->payloads, i) : NULL;
			if (b)
				rv_seg_write(w, b, rv_payload_size(b));
		}
	}
	const rv_pindexes *ix = &c->pidx;
	if (ix->n || ix->text) {
		rv_seg_section(w, SEC_PINDEX);
		for (size_t i = 0; i <= ix->n; i++) {
			const char *key = i < ix->n ? ix->v[i].key : ix->text_key;
			size_t kl = i < ix->n ? ix->v[i].keylen : ix->text_keylen;
			if (!key)
				continue;
			unsigned char h[2] = {(unsigned char)(i < ix->n ? ix->v[i].kind : RV_INDEX_TEXT), (unsigned char)kl};
			rv_seg_write(w, h, 2);
			rv_seg_write(w, key, kl);
		}
	}
	rv_rwlock_unlock(&c->payloads.lock);
}

/* Level-0 links, a free slot's row as RV_NO_SLOT: rows of slots freed by
 * an earlier version, or loaded from its segments, may still hold links
 * to slots this segment does not have. */
static void write_links0(rv_seg_writer *w, rv_index *x, uint32_t n)
{
	uint32_t empty[2 * RV_M_MAX];
	memset(empty, 0xff, sizeof empty); /* RV_NO_SLOT in every word */
	for (uint32_t i = 0, run; i < n; i += run) {
		if (!rv_flags(x, i)) {
			rv_seg_write(w, empty, (size_t)x->m0 * 4);
			run = 1;
			continue;
		}
		for (run = 1; i + run < n && rv_flags(x, i + run); run++)
			;
		rv_seg_write(w, (const void *)rv_links(x, i, 0), (size_t)run * x->m0 * 4);
	}
}

static int write_segment(rv_collection *c, const char *path, uint64_t gen, uint32_t n)
{
	rv_index *x = c->index;
	rv_seg_writer *w;
	int rc = rv_seg_begin(c, path, gen, &w);
	if (rc != RV_OK)
		return rc;
	uint64_t upper_words = 0, live = 0;
	for (uint32_t i = 0; i < n; i++) {
		upper_words += (uint64_t)x->levels[i] * x->m;
		live += rv_flags(x, i) == RV_SLOT_USED;
	}
	unsigned char meta[64] = {0};
	rv_put32(meta, n);
	rv_put32(meta + 4, x->dim);
	rv_put32(meta + 8, (uint32_t)x->metric);
	rv_put32(meta + 12, x->m);
	rv_put64(meta + 16, atomic_load(&x->entry));
	rv_put64(meta + 24, atomic_load(&x->level_draws));
	rv_put64(meta + 32, live);
	rv_put64(meta + 40, upper_words);
	rv_seg_section(w, SEC_META);
	rv_seg_write(w, meta, sizeof meta);
	rv_seg_section(w, SEC_VECTORS);
	for (size_t r = 0, run; r < n; r += run) {
		const float *rows;
		run = rv_vecstore_run(&x->vs, r, n - r, &rows);
		rv_seg_write(w, rows, run * x->row_bytes);
	}
	rv_seg_section(w, SEC_LINKS0);
	write_links0(w, x, n);
	rv_seg_section(w, SEC_LEVELS);
	rv_seg_write(w, x->levels, n);
	rv_seg_section(w, SEC_FLAGS);
	write_u8s(w, x->flags, n);
	rv_seg_section(w, SEC_UPPER);
	for (uint32_t i = 0; i < n; i++)
		if (x->levels[i])
			rv_seg_write(w, (const void *)x->upper[i], (size_t)x->levels[i] * x->m * 4);
	if (x->metric == RV_METRIC_COSINE) {
		rv_seg_section(w, SEC_NORMS);
		rv_seg_write(w, x->norms, (size_t)n * 4);
	}
	if (x->quant) {
		size_t plen = rv_quant_param_bytes(x->quant);
		unsigned char *params = rv_malloc(plen);
		if (!params) {
			rv_seg_abort(w);
			return rv_error(c, RV_ENOMEM, "out of memory writing %s", path);
		}
		rv_quant_save(x->quant, params);
		rv_seg_section(w, SEC_QPARAMS);
		rv_seg_write(w, params, plen);
		rv_free(params);
		rv_seg_section(w, SEC_CODES);
		rv_seg_write(w, x->codes, (size_t)n * x->quant->code_bytes);
	}
	/* ids: a fresh arena of the used slots' ids only */
	uint64_t *offs = rv_malloc((n ? n : 1) * sizeof *offs);
	if (!offs) {
		rv_seg_abort(w);
		return rv_error(c, RV_ENOMEM, "out of memory writing %s", path);
	}
	rv_rwlock_rdlock(&c->ids.lock);
	rv_seg_section(w, SEC_IDARENA);
	uint64_t at = 0;
	for (uint32_t i = 0; i < n; i++) {
		size_t len;
		const char *key = rv_flags(x, i) == RV_SLOT_USED ? rv_idmap_key_locked(&c->ids, i, &len) : NULL;
		if (!key) {
			offs[i] = NO_KEY;
			continue;
		}
		offs[i] = at;
		rv_seg_write(w, key - 1, len + 2); /* length byte, id, NUL: as stored */
		at += len + 2;
	}
	unsigned char le[8];
	rv_seg_section(w, SEC_IDOFFS);
	for (uint32_t i = 0; i < n; i++) {
		rv_put64(le, offs[i]);
		rv_seg_write(w, le, 8);
	}
	rv_seg_section(w, SEC_IDBUCKS);
	rv_seg_write(w, c->ids.tab.b, c->ids.tab.cap * sizeof(rv_idmap_bucket));
	rv_rwlock_unlock(&c->ids.lock);
	rv_free(offs);
	write_payloads(c, w, n);
	rv_hyper_write_section(c->hyper, w, SEC_HEDGES);
	rv_calibration k;
	rv_calibration_get(c, &k);
	if (k.conformal || k.recall) {
		unsigned char rec[RV_CALIB_BYTES];
		rv_calib_encode(&k, rec);
		rv_seg_section(w, SEC_CALIB);
		rv_seg_write(w, rec, sizeof rec);
	}
	return rv_seg_finish(w);
}

/* Let the vectors the segment just written holds come from it (mapped)
 * rather than the heap (index/vectors.c). An optimisation: if the mapping
 * fails the heap copies stay, and the checkpoint stands. wlock held. */
static void rebase_vectors(rv_collection *c, const char *seg, uint32_t n)
{
	rv_segment *s;
	if (rv_seg_open(c, seg, &s) != RV_OK)
		return;
	void *rows, *map;
	uint64_t len;
	size_t map_len;
	if (rv_seg_map(s, SEC_VECTORS, &rows, &len, &map, &map_len) == RV_OK && map &&
	    len == (uint64_t)n * c->index->row_bytes &&
	    rv_index_rebase_vectors(c->index, rows, map_len, n) != RV_OK)
		rv_vfs_current()->munmap(map, map_len);
	rv_seg_close(s);
}

int rv_persist_checkpoint(rv_collection *c, bool compact)
{
	rv_persist *p = c->persist;
	if (!p)
		return RV_OK;
	if (c->readonly)
		return rv_error(c, RV_EREADONLY, "collection \"%s\" is open read-only", c->name);
	rv_mutex_lock(&c->wlock);
	const char *why;
	int rc = rv_wal_failed(p->wal, &why);
	if (rc != RV_OK) {
		rc = rv_error(c, RV_EREADONLY, "the database is in its read-only error state: %s", why);
		goto out;
	}
	/* deletions must be repaired before the graph is written */
	rc = rv_hnsw_repair(c->index, c->threads);
	if (rc != RV_OK) {
		rc = rv_error(c, rc, "out of memory repairing before a checkpoint");
		goto out;
	}
	rv_index *x = c->index;
	if (compact) {
		/* renumber the live vectors into [0, live) (hnsw_reorder.c) */
		rv_rwlock_wrlock(&x->rw);
		uint32_t n = atomic_load(&x->n_slots);
		void *prepared = rv_idmap_renumber_prepare(&c->ids, n);
		void *pprep = rv_payloads_renumber_prepare(&c->payloads, n);
		uint32_t *map = NULL;
		int r = prepared && pprep ? rv_hnsw_reorder(x, &map) : RV_ENOMEM;
		if (r == RV_OK && map) {
			rv_idmap_renumber_apply(&c->ids, prepared, map, n);
			rv_coll_renumber_payloads(c, pprep, map, n);
			prepared = pprep = NULL;
		}
		rv_free(prepared);
		rv_free(pprep);
		rv_free(map);
		rv_rwlock_unlock(&x->rw);
		if (r != RV_OK) {
			rc = rv_error(c, r, "out of memory compacting");
			goto out;
		}
	}
	/* slots to write: up to the last used one */
	rv_rwlock_rdlock(&x->rw);
	/* the new segment gets new checksums: no damaged block may pass into
	 * it unseen (index/vectors.c, LAZY VERIFICATION) */
	const char *vpath;
	uint64_t voff;
	if (rv_index_verify_vectors(x) && rv_index_vfault(x, &vpath, &voff)) {
		rc = rv_error(c, RV_ECORRUPT, "%s: byte %llu: a block of vectors fails its checksum; not checkpointing "
		              "damaged data (see `ruvector check`; restore a backup)", vpath, (unsigned long long)voff);
		rv_rwlock_unlock(&x->rw);
		goto out;
	}
	uint32_t n = atomic_load(&x->n_slots);
	while (n > 0 && rv_flags(x, n - 1) == 0)
		n--;
	uint64_t gen = p->gen + 1;
	char *seg = rv_persist_file(p->dir, "seg-", gen, ".rvs"), *wal = rv_persist_file(p->dir, "wal-", gen, ".log");
	rv_wal *nw = NULL;
	if (!seg || !wal)
		rc = rv_error(c, RV_ENOMEM, "out of memory");
	if (rc == RV_OK)
		rc = write_segment(c, seg, gen, n);
	rv_rwlock_unlock(&x->rw);
	if (rc == RV_OK)
		rc = rv_wal_create(c, wal, gen, &p->wp, &nw);
	bool renamed = false;
	if (rc == RV_OK)
		rc = rv_manifest_write(c, p->dir, &c->opts, gen, true, &renamed);
	if (rc != RV_OK && renamed) {
		/* The new manifest is in place but the directory sync failed:
		 * generation `gen` is what opening finds now, yet a power loss may
		 * bring generation gen-1 back. Keep every file of both, switch to
		 * the new generation, and stop accepting writes (the read-only
		 * error state), as for any failed sync. */
		rv_mutex_lock(&p->mu);
		rv_wal *old = p->wal;
		p->wal = nw;
		p->gen = gen;
		p->has_segment = true;
		rv_mutex_unlock(&p->mu);
		rv_wal_fail(nw, "the directory sync after a checkpoint failed");
		rv_wal_retire(old);
		rv_wal_unref(old);
	} else if (rc != RV_OK) {
		/* generation `gen` never became current: remove its files */
		if (nw)
			rv_wal_retire(nw), rv_wal_unref(nw);
		if (seg)
			rv_vfs_current()->unlink(seg);
		if (wal)
			rv_vfs_current()->unlink(wal);
	} else {
		rv_mutex_lock(&p->mu);
		rv_wal *old = p->wal;
		p->wal = nw;
		p->gen = gen;
		p->has_segment = true;
		rv_mutex_unlock(&p->mu);
		rv_wal_retire(old); /* its writers are covered by the segment now */
		rv_wal_unref(old);
		rebase_vectors(c, seg, n);
		rv_persist_clean_dir(p);
	}
	rv_free(seg);
	rv_free(wal);
out:
	rv_mutex_unlock(&c->wlock);
	return rc;
}

void rv_persist_after_write(rv_collection *c)
{
	rv_persist *p = c->persist;
	if (!p || !p->checkpoint_bytes)
		return;
	rv_mutex_lock(&p->mu);
	uint64_t bytes = rv_wal_bytes(p->wal);
	rv_mutex_unlock(&p->mu);
	if (bytes >= p->checkpoint_bytes)
		(void)rv_persist_checkpoint(c, false); /* a failure leaves the log in charge; retried next time */
}
