/*
 * hyper_replay.c: the hypergraph's part of opening and checking a
 * collection: replaying its log frames (replay.c hands FRAME_HEDGE_* here),
 * loading its segment section (load.c) and checking it (verify.c).
 *
 * A frame is untrusted input, as every frame (replay.c): hyper.c's decoder
 * checks every field, and each member must be a record at that point of
 * the log (the put was validated against the records of its time, and the
 * log is in order), else the frame is RV_ECORRUPT.
 */
#include <string.h>

#include "../util/alloc.h"
#include "../util/error.h"
#include "hyper.h"
#include "persist.h"

static bool record_exists(void *ctx, const char *id, size_t len)
{
	rv_collection *c = ctx;
	return rv_idmap_find(&c->ids, id, len) != RV_IDMAP_NONE;
}

int rv_hyper_replay_frame(rv_collection *c, uint8_t type, const unsigned char *pl, size_t len)
{
	if (len < 8 || (type != FRAME_HEDGE_PUT && type != FRAME_HEDGE_DEL))
		return RV_ECORRUPT;
	size_t n = rv_get32(pl);
	if (n == 0 || n > (len - 8) / 2 || pl[4] || pl[5] || pl[6] || pl[7])
		return RV_ECORRUPT;
	char why[200];
	if (type == FRAME_HEDGE_DEL) {
		char *store = rv_malloc(n * (RV_ID_MAX + 1));
		const char **ids = rv_malloc(n * sizeof *ids);
		int rc = store && ids ? RV_OK : RV_ENOMEM;
		size_t at = 8;
		for (size_t i = 0; rc == RV_OK && i < n; i++) {
			size_t l = at < len ? pl[at] : 0;
			if (l == 0 || len - at - 1 < l) {
				rc = RV_ECORRUPT;
				break;
			}
			char *s = store + i * (RV_ID_MAX + 1);
			memcpy(s, pl + at + 1, l);
			s[l] = '\0';
			if (rv_coll_check_id(c, s, l, "entry", i) != RV_OK) {
				rc = RV_ECORRUPT;
				break;
			}
			ids[i] = s;
			at += 1 + l;
		}
		if (rc == RV_OK && at != len)
			rc = RV_ECORRUPT;
		if (rc == RV_OK)
			rv_hyper_apply_delete(c->hyper, n, ids);
		rv_free(store);
		rv_free((void *)ids);
		return rc;
	}
	/* PUT: n x encoded hyperedges */
	size_t store_bytes;
	if (!rv_mul_size(n, (size_t)RV_HEDGE_MEMBERS_MAX * (RV_ID_MAX + 1), &store_bytes))
		return RV_ECORRUPT;
	rv_hedge_in *in = rv_malloc(n * sizeof *in);
	const char **ptrs = rv_malloc(n * RV_HEDGE_MEMBERS_MAX * sizeof *ptrs);
	char *store = rv_malloc(store_bytes);
	int rc = in && ptrs && store ? RV_OK : RV_ENOMEM;
	size_t at = 8;
	for (size_t i = 0; rc == RV_OK && i < n; i++) {
		size_t used;
		rc = rv_hyper_decode(pl + at, len - at, c->opts.dim, c->opts.metric,
		                     store + i * (size_t)RV_HEDGE_MEMBERS_MAX * (RV_ID_MAX + 1), ptrs + i * RV_HEDGE_MEMBERS_MAX,
		                     &in[i], &used, why, sizeof why);
		at += used;
		/* the members existed when the put was logged, and the log is in
		 * order: a missing one is damage */
		for (size_t m = 0; rc == RV_OK && m < in[i].n; m++)
			if (!record_exists(c, in[i].members[m], strlen(in[i].members[m])))
				rc = RV_ECORRUPT;
	}
	if (rc == RV_OK && at != len)
		rc = RV_ECORRUPT;
	if (rc == RV_OK)
		rc = rv_hyper_apply_put(c->hyper, n, in);
	rv_free(in);
	rv_free((void *)ptrs);
	rv_free(store);
	return rc;
}

int rv_hyper_load(rv_collection *c, const unsigned char *b, size_t len, char *why, size_t why_size)
{
	return rv_hyper_load_section(c->hyper, b, len, c->opts.metric, record_exists, c, why, why_size);
}

int rv_hyper_verify(rv_collection *c, char *why, size_t why_size)
{
	return rv_hyper_check(c->hyper, record_exists, c, why, why_size);
}
