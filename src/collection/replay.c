/*
 * replay.c: applying a collection's log at open (load.c hands
 * rv_persist_replay_frame to rv_wal_open; wlock held).
 *
 * A frame (persist.h, LOG FRAMES) is untrusted input: every count, length,
 * id, vector and payload is validated as the API validates it before
 * anything is applied, and a frame that fails is RV_ECORRUPT (the log
 * layer then reports the file and offset). Replay applies INSERT as an
 * upsert and DELETE to the ids present: the logged call succeeded, so this
 * gives the same state. Codes are not logged: replay encodes what it
 * inserts, and trains the quantizer when the collection reaches
 * quant_train vectors, as the writes did (on a sample that may differ:
 * codes only steer the walk; results are re-ranked with the vectors).
 *
 * Batched replay. A log written by single inserts holds one vector a
 * frame, and applying them one at a time links on one thread, at a
 * sixth of what a batch build does on two. So consecutive insert frames
 * are gathered (validated, and copied out of the log's buffer) into one
 * batch of up to REPLAY_BATCH vectors and applied together, linked on every
 * thread (rv_coll_apply_insert). Order still holds where it matters: a
 * frame of any other type (a delete, a payload, an index, ...) first
 * applies the batch, and so does an insert whose mode (update or not)
 * differs from the batch's or whose id is already in it (the second write
 * of an id must replace the first, as it did). Applying inserts of distinct
 * ids in one batch gives the state that applying them in order gave: each
 * is an upsert of its own id. The graph may differ (neighbours are chosen
 * among the vectors present), as it does between any two builds.
 */
#include <string.h>

#include "../util/alloc.h"
#include "../util/error.h"
#include "../util/hashtab.h"
#include "../util/utf8.h"
#include "persist.h"

/* Vectors a replay batch gathers before it is applied. */
#define REPLAY_BATCH 8192

/* Parse n ids from b[0..len) into NUL-terminated copies in `store`
 * (n * (RV_ID_MAX + 1) bytes), validating each. */
static int parse_ids(rv_collection *c, const unsigned char *b, size_t len, size_t n, char *store, const char **ids)
{
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		if (at >= len)
			return RV_ECORRUPT;
		size_t l = b[at++];
		if (l == 0 || l > RV_ID_MAX || at + l > len)
			return RV_ECORRUPT;
		char *s = store + i * (RV_ID_MAX + 1);
		memcpy(s, b + at, l);
		s[l] = '\0';
		at += l;
		if (rv_coll_check_id(c, s, l, "entry", i) != RV_OK)
			return RV_ECORRUPT;
		ids[i] = s;
	}
	return at == len ? RV_OK : RV_ECORRUPT;
}

/* A frame's payload list: n x (payload | u32 0) in b[0..len); blobs[i]
 * point into b (NULL: none), size[i] their bytes. */
static int parse_payloads(const unsigned char *b, size_t len, size_t n, const uint8_t **blobs, size_t *size)
{
	size_t at = 0;
	char why[120];
	for (size_t i = 0; i < n; i++) {
		if (len - at < 4)
			return RV_ECORRUPT;
		if (rv_get32(b + at) == 0) {
			blobs[i] = NULL;
			size[i] = 0;
			at += 4;
			continue;
		}
		size_t sz;
		if (rv_payload_check(b + at, len - at, &sz, why, sizeof why) != RV_OK)
			return RV_ECORRUPT;
		blobs[i] = b + at;
		size[i] = sz;
		at += sz;
	}
	return at == len ? RV_OK : RV_ECORRUPT;
}

static int replay_small(rv_collection *c, uint8_t type, const unsigned char *pl, size_t len)
{
	if (rv_get32(pl) != 1)
		return RV_ECORRUPT;
	if (type == FRAME_INDEX || type == FRAME_UNINDEX) {
		size_t kl = len - 8;
		rv_index_kind kind = pl[4];
		if ((kind != RV_INDEX_KEYWORD && kind != RV_INDEX_NUMERIC && kind != RV_INDEX_TEXT) || kl == 0 ||
		    kl > RV_PAYLOAD_KEY_MAX || rv_utf8_check((const char *)pl + 8, kl) != kl)
			return RV_ECORRUPT;
		if (type == FRAME_UNINDEX) {
			/* the drop was logged only for an index that existed, which
			 * replay has rebuilt by now; absent, there is nothing to do */
			(void)rv_coll_apply_unindex(c, (const char *)pl + 8, kl, kind);
			return RV_OK;
		}
		int rc = rv_coll_apply_index(c, (const char *)pl + 8, kl, kind);
		return rc == RV_EINVAL ? RV_ECORRUPT : rc;
	}
	/* PAYLOAD */
	const uint8_t *blob = NULL;
	size_t at = 8, sz = 4;
	char why[120];
	if (len - at < 4)
		return RV_ECORRUPT;
	if (rv_get32(pl + at) != 0) {
		if (rv_payload_check(pl + at, len - at, &sz, why, sizeof why) != RV_OK)
			return RV_ECORRUPT;
		blob = pl + at;
	}
	at += sz;
	char id[RV_ID_MAX + 1];
	const char *ids[1];
	if (parse_ids(c, pl + at, len - at, 1, id, ids) != RV_OK)
		return RV_ECORRUPT;
	return rv_coll_apply_payload(c, id, blob);
}

/* ---- the batch ---- */

/* The batch table's compare: is batch entry v's id key[0..len)? */
static bool batch_has(const void *ctx, uint32_t v, const void *key, size_t len)
{
	const rv_replay *r = ctx;
	const char *id = r->idstore + (size_t)v * (RV_ID_MAX + 1);
	return strlen(id) == len && memcmp(id, key, len) == 0;
}

void rv_replay_init(rv_replay *r, rv_collection *c)
{
	memset(r, 0, sizeof *r);
	r->c = c;
}

void rv_replay_free(rv_replay *r)
{
	rv_free(r->vecs);
	rv_free(r->idstore);
	rv_free(r->poff);
	rv_free(r->parena);
	rv_hashtab_free(&r->idset);
	memset(r, 0, sizeof *r);
}

/* Applies the gathered inserts, if any, and empties the batch. */
int rv_replay_flush(rv_replay *r)
{
	size_t n = r->n;
	if (n == 0)
		return RV_OK;
	const char **ids = rv_malloc(n * sizeof *ids);
	const uint8_t **blobs = r->any_payload ? rv_malloc(n * sizeof *blobs) : NULL;
	int rc = RV_ENOMEM;
	if (ids && (blobs || !r->any_payload)) {
		for (size_t i = 0; i < n; i++) {
			ids[i] = r->idstore + i * (RV_ID_MAX + 1);
			if (blobs)
				blobs[i] = r->poff[i] == SIZE_MAX ? NULL : r->parena + r->poff[i];
		}
		rc = rv_coll_apply_insert(r->c, n, ids, r->vecs, true, blobs, r->update);
	}
	rv_free((void *)ids);
	rv_free((void *)blobs);
	r->n = 0;
	r->plen = 0;
	r->any_payload = false;
	for (size_t i = 0; i < r->idset.cap; i++)
		r->idset.b[i].value = RV_HASHTAB_NONE;
	r->idset.count = 0;
	return rc;
}

/* Room in the batch for `more` vectors, ids and payload offsets, and
 * `pbytes` more payload bytes. */
static bool batch_reserve(rv_replay *r, size_t more, size_t pbytes)
{
	size_t dim = r->c->opts.dim, want = r->n + more;
	if (want > r->cap) {
		size_t cap = r->cap ? r->cap : 64;
		while (cap < want)
			cap *= 2;
		float *v = rv_realloc(r->vecs, cap * dim * sizeof *v);
		if (!v)
			return false;
		r->vecs = v;
		char *st = rv_realloc(r->idstore, cap * (RV_ID_MAX + 1));
		if (!st)
			return false;
		r->idstore = st;
		size_t *po = rv_realloc(r->poff, cap * sizeof *po);
		if (!po)
			return false;
		r->poff = po;
		r->cap = cap;
	}
	if (r->plen + pbytes > r->pcap) {
		size_t cap = r->pcap ? r->pcap : 4096;
		while (cap < r->plen + pbytes)
			cap *= 2;
		uint8_t *a = rv_realloc(r->parena, cap);
		if (!a)
			return false;
		r->parena = a;
		r->pcap = cap;
	}
	return rv_hashtab_reserve(&r->idset, want);
}

/* Gathers a validated insert frame's n entries into the batch, applying
 * the batch first where order requires it (top of the file). */
static int batch_add(rv_replay *r, size_t n, const char *const *ids, const float *vecs, const uint8_t *const *blobs,
                     const size_t *bsize, bool update)
{
	if (r->n && (r->update != update || r->n + n > REPLAY_BATCH)) {
		int rc = rv_replay_flush(r);
		if (rc != RV_OK)
			return rc;
	}
	for (size_t i = 0; i < n && r->n; i++) {
		size_t l = strlen(ids[i]);
		if (rv_hashtab_find(&r->idset, (uint32_t)rv_hash_bytes(ids[i], l), batch_has, r, ids[i], l) !=
		    RV_HASHTAB_NONE) {
			int rc = rv_replay_flush(r);
			if (rc != RV_OK)
				return rc;
			break;
		}
	}
	size_t pbytes = 0;
	for (size_t i = 0; blobs && i < n; i++)
		pbytes += bsize[i];
	if (!batch_reserve(r, n, pbytes))
		return RV_ENOMEM;
	size_t dim = r->c->opts.dim;
	r->update = update;
	memcpy(r->vecs + r->n * dim, vecs, n * dim * sizeof *vecs);
	for (size_t i = 0; i < n; i++) {
		size_t at = r->n + i, l = strlen(ids[i]);
		memcpy(r->idstore + at * (RV_ID_MAX + 1), ids[i], l + 1);
		uint32_t h = (uint32_t)rv_hash_bytes(ids[i], l);
		bool found;
		size_t b = rv_hashtab_probe(&r->idset, h, batch_has, r, ids[i], l, &found);
		/* a frame's own ids repeat only as the API allows (the last wins
		 * in rv_coll_apply_insert too); the table keeps the first */
		if (!found)
			(void)rv_hashtab_insert(&r->idset, &b, h, (uint32_t)at); /* reserved */
		r->poff[at] = SIZE_MAX;
		if (blobs && blobs[i]) {
			memcpy(r->parena + r->plen, blobs[i], bsize[i]);
			r->poff[at] = r->plen;
			r->plen += bsize[i];
			r->any_payload = true;
		}
	}
	r->n += n;
	return RV_OK;
}

int rv_persist_replay_frame(void *ctx, uint8_t type, const unsigned char *pl, size_t len)
{
	rv_replay *r = ctx;
	rv_collection *c = r->c;
	if (len < 8)
		return RV_ECORRUPT;
	if (type != FRAME_INSERT && type != FRAME_INSERT_P) {
		int rc = rv_replay_flush(r);
		if (rc != RV_OK)
			return rc;
	}
	if (type == FRAME_PAYLOAD || type == FRAME_INDEX || type == FRAME_UNINDEX)
		return replay_small(c, type, pl, len);
	if (type == FRAME_HEDGE_PUT || type == FRAME_HEDGE_DEL)
		return rv_hyper_replay_frame(c, type, pl, len);
	if (type == FRAME_CALIB) {
		rv_calibration k;
		const char *why;
		if (rv_get32(pl) != 1 || rv_get32(pl + 4) != 0 || rv_calib_decode(pl + 8, len - 8, &k, &why) != RV_OK)
			return RV_ECORRUPT;
		rv_coll_apply_calib(c, &k);
		return RV_OK;
	}
	size_t n = rv_get32(pl), vlen = 0, plen = 0;
	if (n == 0 || n > RV_MAX_VECTORS || (type != FRAME_INSERT && type != FRAME_DELETE && type != FRAME_INSERT_P))
		return RV_ECORRUPT;
	if (type != FRAME_DELETE) {
		if (pl[4] > MODE_UPDATE || !rv_mul_size(n, (size_t)c->opts.dim * 4, &vlen) || vlen > len - 8)
			return RV_ECORRUPT;
	}
	if (type == FRAME_INSERT_P) {
		if (len - 8 - vlen < 4)
			return RV_ECORRUPT;
		plen = rv_get32(pl + 8 + vlen);
		if (plen > len - 8 - vlen - 4)
			return RV_ECORRUPT;
		plen += 4;
	}
	const unsigned char *idpart = pl + 8 + vlen + plen;
	size_t idpart_len = len - 8 - vlen - plen;
	vlen += plen; /* from here on vlen counts everything before the ids */
	/* n ids need at least 2n bytes, so n is bounded by the frame's size,
	 * itself bounded by the file's */
	if (n > (len - 8 - vlen) / 2)
		return RV_ECORRUPT;
	size_t store_bytes;
	if (!rv_mul_size(n, RV_ID_MAX + 1, &store_bytes))
		return RV_ECORRUPT;
	char *store = rv_malloc(store_bytes);
	const char **ids = rv_malloc(n * sizeof *ids);
	const uint8_t **blobs = type == FRAME_INSERT_P ? rv_malloc(n * sizeof *blobs) : NULL;
	size_t *bsize = type == FRAME_INSERT_P ? rv_malloc(n * sizeof *bsize) : NULL;
	float *vecs = NULL;
	int rc = store && ids && ((blobs && bsize) || type != FRAME_INSERT_P) ? RV_OK : RV_ENOMEM;
	if (rc == RV_OK)
		rc = parse_ids(c, idpart, idpart_len, n, store, ids);
	if (rc == RV_OK && blobs)
		rc = parse_payloads(pl + 8 + (vlen - plen) + 4, plen - 4, n, blobs, bsize);
	if (rc == RV_OK && type != FRAME_DELETE) {
		size_t fl = vlen - plen;
		vecs = rv_malloc(fl ? fl : 1);
		if (!vecs)
			rc = RV_ENOMEM;
		else
			memcpy(vecs, pl + 8, fl); /* aligned copy */
		for (size_t i = 0; rc == RV_OK && i < n; i++)
			if (rv_coll_check_vector(c, vecs + i * c->opts.dim, c->opts.dim, "entry", i) != RV_OK)
				rc = RV_ECORRUPT;
		if (rc == RV_OK)
			rc = batch_add(r, n, ids, vecs, blobs, bsize, pl[4] == MODE_UPDATE);
	} else if (rc == RV_OK) {
		rv_coll_apply_delete(c, n, ids);
	}
	rv_free(vecs);
	rv_free(store);
	rv_free((void *)ids);
	rv_free((void *)blobs);
	rv_free(bsize);
	return rc;
}
