/*
 * count.c: a collection's live count without loading it (rv_db_count,
 * behind `ruvector count`).
 *
 * `count` used to load the whole collection, replaying every logged insert
 * into the graph (6.3 s for 40,000 x 32 in the log): only the ids matter.
 * This reads the ids of the last checkpoint (none when the log is empty:
 * the segment's META holds the live count) and applies the log's frames to
 * them alone, with the same log rule as every open. Frames are trusted as
 * far as their checksums go; their vectors are not checked here (a full
 * open does that). The frame layout is persist.h's (LOG FRAMES); the log
 * rule storage/wal.c's.
 */
#include <stdio.h>
#include <string.h>

#include "../util/alloc.h"
#include "../util/error.h"
#include "idmap.h"
#include "persist.h"

typedef struct count_ctx {
	rv_idmap ids;
	uint32_t dim;
	uint32_t next_slot;
} count_ctx;

static int count_ids(count_ctx *k, const unsigned char *b, size_t len, size_t n, bool del)
{
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		if (at >= len || b[at] == 0 || len - at - 1 < b[at])
			return RV_ECORRUPT;
		const char *id = (const char *)b + at + 1;
		size_t l = b[at];
		if (del) {
			rv_idmap_remove(&k->ids, id, l);
		} else {
			uint32_t old;
			int rc = rv_idmap_put(&k->ids, id, l, k->next_slot++, true, &old);
			if (rc != RV_OK)
				return rc;
		}
		at += 1 + l;
	}
	return at == len ? RV_OK : RV_ECORRUPT;
}

static int count_frame(void *ctx, uint8_t type, const unsigned char *pl, size_t len)
{
	count_ctx *k = ctx;
	if (len < 8)
		return RV_ECORRUPT;
	if (type == FRAME_PAYLOAD || type == FRAME_INDEX || type == FRAME_UNINDEX || type == FRAME_CALIB || type == FRAME_HEDGE_PUT ||
	    type == FRAME_HEDGE_DEL)
		return RV_OK; /* records do not change */
	size_t n = rv_get32(pl), skip = 0;
	if (type == FRAME_INSERT || type == FRAME_INSERT_P) {
		if (!rv_mul_size(n, (size_t)k->dim * 4, &skip) || skip > len - 8)
			return RV_ECORRUPT;
		if (type == FRAME_INSERT_P) {
			if (len - 8 - skip < 4 || rv_get32(pl + 8 + skip) > len - 8 - skip - 4)
				return RV_ECORRUPT;
			skip += 4 + (size_t)rv_get32(pl + 8 + skip);
		}
	} else if (type != FRAME_DELETE) {
		return RV_ECORRUPT;
	}
	return count_ids(k, pl + 8 + skip, len - 8 - skip, n, type == FRAME_DELETE);
}

int rv_persist_count(const void *h, const char *dir, uint64_t *count)
{
	rv_options o;
	uint64_t gen;
	bool has_seg;
	int rc = rv_manifest_read(h, dir, &o, &gen, &has_seg);
	if (rc != RV_OK)
		return rc;
	char *seg = rv_persist_file(dir, "seg-", gen, ".rvs"), *wal = rv_persist_file(dir, "wal-", gen, ".log");
	count_ctx k;
	memset(&k, 0, sizeof k);
	k.dim = o.dim;
	bool ids_ready = false;
	rv_wal_scan_info info;
	if (!seg || !wal || rv_idmap_init(&k.ids) != RV_OK) {
		rc = rv_error(h, RV_ENOMEM, "out of memory");
		goto out;
	}
	ids_ready = true;
	if ((rc = rv_wal_scan(h, wal, gen, NULL, NULL, &info)) != RV_OK)
		goto out;
	if (info.state == RV_WAL_DAMAGED) {
		rc = rv_wal_damage_error(h, wal, &info);
		goto out;
	}
	uint64_t live = 0;
	if (has_seg) {
		rv_segment *s;
		if ((rc = rv_seg_open(h, seg, &s)) != RV_OK)
			goto out;
		void *meta = NULL, *arena = NULL, *offs = NULL;
		uint64_t mlen = 0, alen = 0, olen = 0;
		rc = rv_seg_read(s, SEC_META, &meta, &mlen);
		if (rc == RV_OK && mlen != 64)
			rc = rv_error(h, RV_ECORRUPT, "%s: META section of %llu bytes", seg, (unsigned long long)mlen);
		if (rc == RV_OK)
			live = rv_get64((const unsigned char *)meta + 32);
		/* the ids are needed only to apply the log's frames to them */
		if (rc == RV_OK && info.frames > 0 && (rc = rv_seg_read(s, SEC_IDARENA, &arena, &alen)) == RV_OK &&
		    (rc = rv_seg_read(s, SEC_IDOFFS, &offs, &olen)) == RV_OK) {
			const unsigned char *a = arena, *of = offs;
			for (uint64_t i = 0; rc == RV_OK && i < olen / 8; i++) {
				uint64_t off = rv_get64(of + 8 * i);
				if (off == NO_KEY)
					continue;
				if (off >= alen || a[off] == 0 || alen - off - 1 < a[off])
					rc = rv_error(h, RV_ECORRUPT, "%s: slot %llu's id is out of bounds", seg, (unsigned long long)i);
				else if ((rc = rv_idmap_put(&k.ids, (const char *)a + off + 1, a[off], k.next_slot++, true,
				                            &(uint32_t){0})) != RV_OK)
					rc = rv_error(h, rc, "out of memory counting %s", dir);
			}
			if (rc == RV_OK && rv_idmap_count(&k.ids) != live)
				rc = rv_error(h, RV_ECORRUPT, "%s: %zu ids for %llu live vectors", seg, rv_idmap_count(&k.ids),
				              (unsigned long long)live);
		}
		rv_free(meta);
		rv_free(arena);
		rv_free(offs);
		rv_seg_close(s);
		if (rc != RV_OK)
			goto out;
	}
	if (info.frames == 0) {
		*count = live;
		goto out;
	}
	rv_wal_params wp = {.durability = RV_SYNC_OFF, .sync_interval_ms = 100, .readonly = true};
	rv_wal *w = NULL;
	rc = rv_wal_open(h, wal, gen, &wp, count_frame, &k, &w);
	if (rc == RV_OK) {
		rv_wal_unref(w);
		*count = rv_idmap_count(&k.ids);
	} else if (rc == RV_ECORRUPT && !strstr(rv_error_message(h), wal)) {
		rc = rv_error(h, rc, "%s: a frame fails validation", wal);
	} else if (rc == RV_ENOMEM) {
		rc = rv_error(h, rc, "out of memory counting %s", wal);
	}
out:
	if (ids_ready)
		rv_idmap_destroy(&k.ids);
	rv_free(seg);
	rv_free(wal);
	return rc;
}
