/*
 * load.c: attaching a collection to its directory: creating the files of
 * a new one, opening an existing one (its segment, then its log replayed
 * over it), and closing.
 *
 * Loading reads the segment (persist.h, SEGMENT). VECTORS and LINKS0 are
 * mapped copy-on-write; LINKS0's blocks are checked against their
 * checksums at open (a bad link could send a search out of bounds),
 * VECTORS' block by block the first time a search reads one
 * (index/vectors.c, LAZY VERIFICATION: reading them all at open would
 * defeat mapping), all of them before a checkpoint copies them
 * (checkpoint.c), and by `check`. Everything a
 * search trusts is validated when loading (rv_index_load, load_ids,
 * rv_quant_load), so a damaged or crafted file is an error, never a crash.
 * (Any byte is a valid code.) Then the log is replayed (replay.c) under
 * wlock, as writers apply. Closing checkpoints first when the log has
 * grown past CLOSE_CHECKPOINT_BYTES, so the next open replays little.
 */
#include <stdio.h>
#include <string.h>

#include "../util/alloc.h"
#include "../util/error.h"
#include "../util/utf8.h"
#include "persist.h"

/* Read sections 13-15 into the collection (slots [0, n) loaded). */
static int load_payloads(rv_collection *c, rv_segment *s, uint32_t n, char *why, size_t whysz)
{
	void *offs_raw = NULL, *blobs = NULL, *defs = NULL;
	uint64_t olen = 0, blen = 0, dlen = 0;
	int rc = RV_OK;
	if (rv_seg_has(s, SEC_POFFS, NULL) || rv_seg_has(s, SEC_PBLOBS, NULL)) {
		if ((rc = rv_seg_read(s, SEC_POFFS, &offs_raw, &olen)) != RV_OK ||
		    (rc = rv_seg_read(s, SEC_PBLOBS, &blobs, &blen)) != RV_OK)
			goto out;
		if (olen != (uint64_t)n * 8) {
			snprintf(why, whysz, "payload offsets hold %llu bytes, expected %llu", (unsigned long long)olen,
			         (unsigned long long)n * 8);
			rc = RV_ECORRUPT;
			goto out;
		}
		if ((rc = rv_payloads_reserve(&c->payloads, n)) != RV_OK)
			goto out;
		const unsigned char *o = offs_raw;
		for (uint32_t i = 0; i < n; i++) {
			uint64_t off = rv_get64(o + (size_t)i * 8);
			if (off == NO_KEY)
				continue;
			size_t sz;
			char pwhy[120];
			if (off >= blen || rv_flags(c->index, i) != RV_SLOT_USED ||
			    rv_payload_check((const uint8_t *)blobs + off, (size_t)(blen - off), &sz, pwhy, sizeof pwhy) != RV_OK) {
				snprintf(why, whysz, "payload of slot %u (offset %llu): %.80s", i, (unsigned long long)off,
				         off >= blen ? "out of bounds" : rv_flags(c->index, i) != RV_SLOT_USED ? "on a free slot" : pwhy);
				rc = RV_ECORRUPT;
				goto out;
			}
			uint8_t *b = rv_payload_dup((const uint8_t *)blobs + off);
			if (!b) {
				rc = RV_ENOMEM;
				goto out;
			}
			rv_rwlock_wrlock(&c->payloads.lock);
			rv_free(rv_payloads_swap_locked(&c->payloads, i, b));
			rv_rwlock_unlock(&c->payloads.lock);
		}
	}
	if (rv_seg_has(s, SEC_PINDEX, NULL)) {
		if ((rc = rv_seg_read(s, SEC_PINDEX, &defs, &dlen)) != RV_OK)
			goto out;
		const unsigned char *d = defs;
		for (uint64_t at = 0; at < dlen;) {
			if (dlen - at < 2 || d[at + 1] == 0 || dlen - at - 2 < d[at + 1]) {
				snprintf(why, whysz, "payload index definitions cut short at byte %llu", (unsigned long long)at);
				rc = RV_ECORRUPT;
				goto out;
			}
			rv_index_kind kind = d[at];
			size_t kl = d[at + 1];
			const char *key = (const char *)d + at + 2;
			if ((kind != RV_INDEX_KEYWORD && kind != RV_INDEX_NUMERIC && kind != RV_INDEX_TEXT) ||
			    rv_utf8_check(key, kl) != kl) {
				snprintf(why, whysz, "payload index definition at byte %llu is invalid", (unsigned long long)at);
				rc = RV_ECORRUPT;
				goto out;
			}
			rc = rv_coll_apply_index(c, key, kl, kind);
			if (rc == RV_EINVAL) {
				snprintf(why, whysz, "a second text index at byte %llu", (unsigned long long)at);
				rc = RV_ECORRUPT;
			}
			if (rc != RV_OK)
				goto out;
			at += 2 + kl;
		}
	}
out:
	rv_free(offs_raw);
	rv_free(blobs);
	rv_free(defs);
	return rc;
}

static int load_ids(rv_collection *c, rv_segment *s, uint32_t n, char *why, size_t whysz)
{
	void *arena = NULL, *offs_raw = NULL, *bucks = NULL;
	uint64_t alen, olen, blen;
	int rc = rv_seg_read(s, SEC_IDARENA, &arena, &alen);
	if (rc == RV_OK)
		rc = rv_seg_read(s, SEC_IDOFFS, &offs_raw, &olen);
	if (rc == RV_OK)
		rc = rv_seg_read(s, SEC_IDBUCKS, &bucks, &blen);
	if (rc != RV_OK)
		goto out;
	rc = RV_ECORRUPT;
	size_t nb = (size_t)(blen / sizeof(rv_idmap_bucket));
	if (olen != (uint64_t)n * 8 || blen % sizeof(rv_idmap_bucket) || (nb & (nb - 1))) {
		snprintf(why, whysz, "id sections of the wrong size");
		goto out;
	}
	uint64_t *offs = rv_malloc((n ? n : 1) * sizeof *offs);
	if (!offs) {
		rc = RV_ENOMEM;
		snprintf(why, whysz, "out of memory");
		goto out;
	}
	const unsigned char *a = arena, *o = offs_raw;
	size_t count = 0, used_n = 0;
	/* The arena holds the used slots' ids back to back in slot order, as
	 * write_segment writes it: each id has exactly its own bytes, which
	 * the id map's accounting (idmap.c compact_arena) relies on; ids that
	 * shared or overlapped bytes would overflow its copy later. */
	uint64_t at = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t off = rv_get64(o + 8 * (size_t)i);
		bool used = rv_flags(c->index, i) == RV_SLOT_USED;
		offs[i] = off;
		if (off == NO_KEY && !used)
			continue;
		if (off != at || !used || off >= alen || a[off] == 0 || off + 2 + a[off] > alen || a[off + 1 + a[off]]) {
			snprintf(why, whysz, "slot %u's id is missing, out of bounds or out of place", i);
			rv_free(offs);
			goto out;
		}
		at += 2 + (uint64_t)a[off];
		used_n++;
	}
	if (at != alen) {
		snprintf(why, whysz, "the id arena holds %llu bytes that no slot's id covers",
		         (unsigned long long)(alen - at));
		rv_free(offs);
		goto out;
	}
	/* every used slot named by exactly one bucket */
	unsigned char *named = rv_calloc(n ? n : 1, 1);
	if (!named) {
		rc = RV_ENOMEM;
		snprintf(why, whysz, "out of memory");
		rv_free(offs);
		goto out;
	}
	rv_idmap_bucket *b = bucks;
	for (size_t i = 0; i < nb; i++) {
		if (b[i].value == RV_IDMAP_NONE)
			continue;
		if (b[i].value >= n || offs[b[i].value] == NO_KEY || named[b[i].value]++) {
			snprintf(why, whysz, "id table bucket %zu names slot %u, which has no id or another bucket", i,
			         b[i].value);
			rv_free(named);
			rv_free(offs);
			goto out;
		}
		count++;
	}
	rv_free(named);
	if (count != used_n) {
		snprintf(why, whysz, "the id table names %zu slots; %zu have ids", count, used_n);
		rv_free(offs);
		goto out;
	}
	/* at least one empty bucket, or probing would never stop */
	if (count * 4 > nb * 3 || (nb && count == nb)) {
		snprintf(why, whysz, "id table over full");
		rv_free(offs);
		goto out;
	}
	rv_rwlock_wrlock(&c->ids.lock);
	rv_hashtab_free(&c->ids.tab);
	rv_free(c->ids.key_off);
	rv_free(c->ids.arena);
	c->ids.tab.b = bucks;
	c->ids.tab.cap = nb;
	c->ids.tab.count = count;
	c->ids.key_off = offs;
	c->ids.key_cap = n;
	c->ids.arena = arena;
	c->ids.arena_len = c->ids.arena_cap = (size_t)alen;
	c->ids.arena_dead = 0;
	rv_rwlock_unlock(&c->ids.lock);
	atomic_store(&c->live, count);
	arena = bucks = NULL;
	rc = RV_OK;
out:
	rv_free(arena);
	rv_free(offs_raw);
	rv_free(bucks);
	return rc;
}

/* The trained quantizer and its codes, when the segment has them. */
static int load_quant(rv_collection *c, rv_segment *s, const char *path, uint32_t n, rv_quant **qout,
                      uint8_t **cout)
{
	uint64_t plen, clen;
	bool has_params = rv_seg_has(s, SEC_QPARAMS, &plen), has_codes = rv_seg_has(s, SEC_CODES, &clen);
	if (!has_params && !has_codes)
		return RV_OK; /* not trained when the segment was written */
	if (c->opts.quant == RV_QUANT_NONE || !has_params || !has_codes)
		return rv_error(c, RV_ECORRUPT, "%s: quantizer sections in a collection %s", path,
		                c->opts.quant == RV_QUANT_NONE ? "without quantization" : "missing one of the pair");
	rv_quant *q = rv_malloc(sizeof *q);
	if (!q)
		return rv_error(c, RV_ENOMEM, "out of memory");
	int rc = rv_quant_init(q, c->opts.quant, c->opts.dim, c->opts.metric, c->opts.quant_pq_m, c->index->k);
	void *params = NULL, *raw = NULL;
	uint8_t *codes = NULL;
	char why[160] = "";
	if (rc == RV_OK && (rc = rv_seg_read(s, SEC_QPARAMS, &params, &plen)) == RV_OK &&
	    (rc = rv_quant_load(q, params, plen, why, sizeof why)) != RV_OK)
		rc = rv_error(c, rc, "%s: %s", path, why);
	if (rc == RV_OK && clen != (uint64_t)n * q->code_bytes)
		rc = rv_error(c, RV_ECORRUPT, "%s: codes section of %llu bytes, expected %llu", path,
		              (unsigned long long)clen, (unsigned long long)n * q->code_bytes);
	if (rc == RV_OK && (rc = rv_seg_read(s, SEC_CODES, &raw, &clen)) == RV_OK) {
		/* the index keeps codes 64-byte aligned */
		if (!(codes = rv_aligned_alloc(clen ? clen : 1)))
			rc = rv_error(c, RV_ENOMEM, "out of memory");
		else
			memcpy(codes, raw, clen);
	}
	rv_free(params);
	rv_free(raw);
	if (rc != RV_OK) {
		rv_aligned_free(codes);
		rv_quant_free(q);
		rv_free(q);
		return rc;
	}
	*qout = q;
	*cout = codes;
	return RV_OK;
}

/* Hand the index the VECTORS section's block checksums, so that each
 * mapped block is verified the first time a search reads it
 * (index/vectors.c, LAZY VERIFICATION). */
static int guard_vectors(rv_collection *c, rv_segment *s, const char *path)
{
	_Static_assert(RV_VGUARD_BLOCK == RV_SEG_BLOCK, "the guard's blocks are the segment's");
	uint32_t n_blocks;
	uint64_t file_off;
	uint32_t *crcs = NULL;
	int rc = rv_seg_block_crcs(s, SEC_VECTORS, &crcs, &n_blocks, &file_off);
	if (rc != RV_OK || !n_blocks) {
		rv_free(crcs);
		return rc;
	}
	rv_vguard *g = rv_calloc(1, sizeof *g);
	_Atomic uint8_t *state = rv_calloc(n_blocks, 1);
	char *p = rv_strndup(path, strlen(path));
	if (!g || !state || !p) {
		rv_free(g);
		rv_free((void *)state);
		rv_free(p);
		rv_free(crcs);
		return rv_error(c, RV_ENOMEM, "out of memory loading %s", path);
	}
	g->crcs = crcs;
	g->state = state;
	g->n_blocks = n_blocks;
	g->file_off = file_off;
	g->path = p;
	rv_index *x = c->index;
	rv_rwlock_wrlock(&x->rw);
	g->rows = atomic_load(&x->n_slots);
	rv_index_set_vguard(x, g);
	rv_rwlock_unlock(&x->rw);
	return RV_OK;
}

static int load_segment(rv_collection *c, const char *path, uint64_t gen)
{
	rv_index *x = c->index;
	rv_segment *s;
	int rc = rv_seg_open(c, path, &s);
	if (rc != RV_OK)
		return rc;
	void *meta = NULL, *levels = NULL, *flags = NULL, *upper = NULL, *norms = NULL;
	void *vecs = NULL, *vmap = NULL, *links = NULL, *lmap = NULL;
	size_t vmlen = 0, lmlen = 0;
	rv_quant *quant = NULL;
	uint8_t *codes = NULL;
	uint64_t mlen, len;
	char why[160] = "";
	if (rv_seg_generation(s) != gen) {
		rc = rv_error(c, RV_ECORRUPT, "%s: byte 40: segment of generation %llu, the manifest says %llu", path,
		              (unsigned long long)rv_seg_generation(s), (unsigned long long)gen);
		goto out;
	}
	if ((rc = rv_seg_read(s, SEC_META, &meta, &mlen)) != RV_OK)
		goto out;
	const unsigned char *m = meta;
	uint32_t n = mlen == 64 ? rv_get32(m) : 0;
	if (mlen != 64 || rv_get32(m + 4) != x->dim || rv_get32(m + 8) != (uint32_t)x->metric ||
	    rv_get32(m + 12) != x->m || n > RV_MAX_VECTORS) {
		rc = rv_error(c, RV_ECORRUPT, "%s: the segment's dimension, metric or M differ from the manifest's", path);
		goto out;
	}
	/* every section's size follows from n; check before touching data */
	uint64_t upper_words = rv_get64(m + 40);
	struct {
		uint32_t kind;
		uint64_t want;
	} sizes[] = {
		{SEC_VECTORS, (uint64_t)n * x->row_bytes}, {SEC_LINKS0, (uint64_t)n * x->m0 * 4},
		{SEC_LEVELS, n}, {SEC_FLAGS, n}, {SEC_UPPER, upper_words * 4},
	};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		if (!rv_seg_has(s, sizes[i].kind, &len) || len != sizes[i].want) {
			rc = rv_error(c, RV_ECORRUPT, "%s: section %u is missing or of the wrong size", path, sizes[i].kind);
			goto out;
		}
	}
	if (x->metric == RV_METRIC_COSINE && (!rv_seg_has(s, SEC_NORMS, &len) || len != (uint64_t)n * 4)) {
		rc = rv_error(c, RV_ECORRUPT, "%s: norms section missing or of the wrong size", path);
		goto out;
	}
	if ((rc = rv_seg_read(s, SEC_LEVELS, &levels, &len)) != RV_OK ||
	    (rc = rv_seg_read(s, SEC_FLAGS, &flags, &len)) != RV_OK ||
	    (rc = rv_seg_read(s, SEC_UPPER, &upper, &len)) != RV_OK)
		goto out;
	if (x->metric == RV_METRIC_COSINE && (rc = rv_seg_read(s, SEC_NORMS, &norms, &len)) != RV_OK)
		goto out;
	if ((rc = load_quant(c, s, path, n, &quant, &codes)) != RV_OK)
		goto out;
	if ((rc = rv_seg_map(s, SEC_VECTORS, &vecs, &len, &vmap, &vmlen)) != RV_OK ||
	    (rc = rv_seg_map(s, SEC_LINKS0, &links, &len, &lmap, &lmlen)) != RV_OK)
		goto out;
	/* links steer every search: verify them now (vectors only in check) */
	if ((rc = rv_seg_verify(s, SEC_LINKS0)) != RV_OK)
		goto out;
	rv_index_image img = {
		.n_slots = n,
		.entry = rv_get64(m + 16),
		.level_draws = rv_get64(m + 24),
		.vecs = vecs,
		.vecs_map_len = vmlen,
		.links0 = links,
		.links_map_len = lmlen,
		.levels = levels,
		.flags = flags,
		.upper = upper,
		.upper_words = upper_words,
		.norms = norms,
		.quant = quant,
		.codes = codes,
	};
	/* an empty mapping means a heap NULL to the index */
	rv_rwlock_wrlock(&x->rw);
	rc = rv_index_load(x, &img, why, sizeof why);
	rv_rwlock_unlock(&x->rw);
	if (rc != RV_OK) {
		rc = rv_error(c, rc, "%s: %s", path, why);
		goto out;
	}
	vmap = lmap = NULL; /* the index owns them now */
	quant = NULL;
	codes = NULL;
	if ((rc = guard_vectors(c, s, path)) != RV_OK)
		goto out;
	why[0] = '\0';
	rc = load_ids(c, s, n, why, sizeof why);
	if (rc == RV_OK)
		rc = load_payloads(c, s, n, why, sizeof why);
	if (rc == RV_OK && rv_seg_has(s, SEC_HEDGES, NULL)) {
		void *hb = NULL;
		uint64_t hl = 0;
		if ((rc = rv_seg_read(s, SEC_HEDGES, &hb, &hl)) == RV_OK)
			rc = rv_hyper_load(c, hb, (size_t)hl, why, sizeof why);
		rv_free(hb);
	}
	if (rc == RV_OK && rv_seg_has(s, SEC_CALIB, NULL)) {
		void *rec = NULL;
		uint64_t rlen = 0;
		rv_calibration k;
		const char *cwhy;
		if ((rc = rv_seg_read(s, SEC_CALIB, &rec, &rlen)) == RV_OK) {
			if (rv_calib_decode(rec, (size_t)rlen, &k, &cwhy) == RV_OK) {
				rv_coll_apply_calib(c, &k);
			} else {
				snprintf(why, sizeof why, "%s", cwhy);
				rc = RV_ECORRUPT;
			}
		}
		rv_free(rec);
	}
	if (rc == RV_ENOMEM)
		rc = rv_error(c, rc, "%s: out of memory loading", path);
	else if (rc != RV_OK && why[0]) /* else the segment layer's message (file, offset) stands */
		rc = rv_error(c, rc, "%s: %s", path, why);
out:
	if (vmap)
		rv_vfs_current()->munmap(vmap, vmlen);
	if (lmap)
		rv_vfs_current()->munmap(lmap, lmlen);
	rv_free(meta);
	rv_free(levels);
	rv_free(flags);
	rv_free(upper);
	rv_free(norms);
	if (quant) {
		rv_quant_free(quant);
		rv_free(quant);
	}
	rv_aligned_free(codes);
	rv_seg_close(s);
	return rc;
}

static rv_persist *persist_new(const char *dir, const rv_db_options *dbo)
{
	rv_persist *p = rv_calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->dir = rv_strndup(dir, strlen(dir));
	if (!p->dir || rv_mutex_init(&p->mu) != 0) {
		rv_free(p->dir);
		rv_free(p);
		return NULL;
	}
	p->wp.durability = dbo->durability;
	p->wp.sync_interval_ms = dbo->sync_interval_ms;
	p->wp.readonly = (dbo->flags & RV_DB_READONLY) != 0;
	p->checkpoint_bytes = dbo->checkpoint_bytes;
	return p;
}

static void persist_free(rv_persist *p)
{
	rv_mutex_destroy(&p->mu);
	rv_free(p->dir);
	rv_free(p);
}

int rv_persist_create(rv_collection *c, const char *dir, const rv_db_options *dbo)
{
	rv_persist *p = persist_new(dir, dbo);
	if (!p)
		return rv_error(c, RV_ENOMEM, "out of memory");
	p->gen = 1;
	char *wal = rv_persist_file(dir, "wal-", 1, ".log");
	int rc = wal ? rv_wal_create(c, wal, 1, &p->wp, &p->wal) : rv_error(c, RV_ENOMEM, "out of memory");
	if (rc == RV_OK)
		rc = rv_manifest_write(c, dir, &c->opts, 1, false, NULL);
	if (rc != RV_OK) {
		if (p->wal)
			rv_wal_retire(p->wal), rv_wal_unref(p->wal);
		if (wal)
			rv_vfs_current()->unlink(wal);
		persist_free(p);
	} else {
		c->persist = p;
	}
	rv_free(wal);
	return rc;
}

int rv_persist_load(rv_collection *c, const char *dir, const rv_db_options *dbo)
{
	rv_persist *p = persist_new(dir, dbo);
	if (!p)
		return rv_error(c, RV_ENOMEM, "out of memory");
	rv_options o;
	int rc = rv_manifest_read(c, dir, &o, &p->gen, &p->has_segment);
	char *seg = rv_persist_file(dir, "seg-", p->gen, ".rvs"), *wal = rv_persist_file(dir, "wal-", p->gen, ".log");
	if (rc == RV_OK && (!seg || !wal))
		rc = rv_error(c, RV_ENOMEM, "out of memory");
	if (rc == RV_OK && p->has_segment)
		rc = load_segment(c, seg, p->gen);
	if (rc == RV_OK) {
		rv_mutex_lock(&c->wlock); /* replay applies as writers do */
		rv_replay r;
		rv_replay_init(&r, c);
		rc = rv_wal_open(c, wal, p->gen, &p->wp, rv_persist_replay_frame, &r, &p->wal);
		if (rc == RV_OK)
			rc = rv_replay_flush(&r);
		rv_replay_free(&r);
		if (rc == RV_ECORRUPT && !strstr(rv_error_message(c), wal))
			rc = rv_error(c, rc, "%s: a frame fails validation", wal);
		else if (rc == RV_ENOMEM)
			rc = rv_error(c, rc, "out of memory replaying %s", wal);
		/* only if the log replayed deletions: a repair also walks the whole
		 * graph, which at a million vectors is most of an open */
		if (rc == RV_OK && atomic_load(&c->index->n_pending) > 0)
			(void)rv_hnsw_repair(c->index, c->threads);
		rv_mutex_unlock(&c->wlock);
	}
	if (rc == RV_OK) {
		c->persist = p;
		if (!p->wp.readonly)
			rv_persist_clean_dir(p);
	} else {
		persist_free(p);
	}
	rv_free(seg);
	rv_free(wal);
	return rc;
}

/* Closing checkpoints when more than this much log would have to be
 * replayed at the next open. */
#define CLOSE_CHECKPOINT_BYTES ((uint64_t)1 << 20)

int rv_persist_close(rv_collection *c)
{
	rv_persist *p = c->persist;
	/* The checkpoint here only shortens the next open's replay: every
	 * acknowledged write is in the log already. If it fails (a full disk),
	 * the log stays in charge, as after any failed checkpoint, and closing
	 * is no less a success: reporting its error would tell the caller that
	 * writes which are durable had failed (issue #19: a delete on a full
	 * disk exited 1). Only what closing the log itself reports (the last
	 * sync under `normal`, a read-only error state) is the close's error. */
	if (!c->readonly && rv_wal_failed(p->wal, NULL) == 0 && rv_wal_bytes(p->wal) > CLOSE_CHECKPOINT_BYTES)
		(void)rv_persist_checkpoint(c, false);
	int rc = rv_wal_unref(p->wal);
	c->persist = NULL;
	persist_free(p);
	return rc;
}

void rv_persist_stats(rv_collection *c, rv_storage_stats *out)
{
	memset(out, 0, sizeof *out);
	rv_persist *p = c->persist;
	if (!p)
		return;
	rv_mutex_lock(&p->mu);
	out->generation = p->gen;
	out->wal_bytes = rv_wal_bytes(p->wal);
	out->durability = p->wp.durability;
	out->format_version = RV_FORMAT_VERSION;
	if (p->has_segment) {
		char *seg = rv_persist_file(p->dir, "seg-", p->gen, ".rvs");
		uint64_t size = 0;
		if (seg && rv_vfs_current()->stat(seg, NULL, &size) == 0)
			out->segment_bytes = size;
		rv_free(seg);
	}
	rv_mutex_unlock(&p->mu);
}
