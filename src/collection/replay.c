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
 */
#include <string.h>

#include "../util/alloc.h"
#include "../util/error.h"
#include "../util/utf8.h"
#include "persist.h"

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
 * point into b (NULL: none). */
static int parse_payloads(const unsigned char *b, size_t len, size_t n, const uint8_t **blobs)
{
	size_t at = 0;
	char why[120];
	for (size_t i = 0; i < n; i++) {
		if (len - at < 4)
			return RV_ECORRUPT;
		if (rv_get32(b + at) == 0) {
			blobs[i] = NULL;
			at += 4;
			continue;
		}
		size_t sz;
		if (rv_payload_check(b + at, len - at, &sz, why, sizeof why) != RV_OK)
			return RV_ECORRUPT;
		blobs[i] = b + at;
		at += sz;
	}
	return at == len ? RV_OK : RV_ECORRUPT;
}

static int replay_small(rv_collection *c, uint8_t type, const unsigned char *pl, size_t len)
{
	if (rv_get32(pl) != 1)
		return RV_ECORRUPT;
	if (type == FRAME_INDEX) {
		size_t kl = len - 8;
		rv_index_kind kind = pl[4];
		if ((kind != RV_INDEX_KEYWORD && kind != RV_INDEX_NUMERIC && kind != RV_INDEX_TEXT) || kl == 0 ||
		    kl > RV_PAYLOAD_KEY_MAX || rv_utf8_check((const char *)pl + 8, kl) != kl)
			return RV_ECORRUPT;
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

int rv_persist_replay_frame(void *ctx, uint8_t type, const unsigned char *pl, size_t len)
{
	rv_collection *c = ctx;
	if (len < 8)
		return RV_ECORRUPT;
	if (type == FRAME_PAYLOAD || type == FRAME_INDEX)
		return replay_small(c, type, pl, len);
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
	float *vecs = NULL;
	int rc = store && ids && (blobs || type != FRAME_INSERT_P) ? RV_OK : RV_ENOMEM;
	if (rc == RV_OK)
		rc = parse_ids(c, idpart, idpart_len, n, store, ids);
	if (rc == RV_OK && blobs)
		rc = parse_payloads(pl + 8 + (vlen - plen) + 4, plen - 4, n, blobs);
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
			rc = rv_coll_apply_insert(c, n, ids, vecs, true, blobs, pl[4] == MODE_UPDATE);
	} else if (rc == RV_OK) {
		rv_coll_apply_delete(c, n, ids);
	}
	rv_free(vecs);
	rv_free(store);
	rv_free((void *)ids);
	rv_free((void *)blobs);
	return rc;
}
