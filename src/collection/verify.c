/*
 * verify.c: checking a collection: its graph in memory (rv_check), and a
 * collection directory on disk (rv_persist_verify, behind rv_db_check).
 *
 * Verifying a directory reads every checksum (each segment section, every
 * log frame), then loads the collection the way open does (read-only) and
 * checks the graph. It also verifies that every id leads back to its
 * vector through the id table (hashing every id, which open skips).
 *
 * Repairing (rv_persist_repair, behind rv_db_repair) is the one thing that
 * cuts a damaged log: it scans by the same rule (storage/wal.c TORN OR
 * DAMAGED), counts the records of the frames it would drop, and cuts only
 * when asked.
 */
#include <stdio.h>
#include <string.h>

#include "../util/alloc.h"
#include "../util/error.h"
#include "persist.h"

int rv_check(rv_collection *c, rv_check_report *r)
{
	if (!r)
		return rv_error(c, RV_EINVAL, "report is NULL");
	int rc = rv_hnsw_check(c->index, r);
	if (rc == RV_ENOMEM)
		return rv_error(c, rc, "out of memory checking the graph");
	if (rc != RV_OK)
		return rv_error(c, rc, "graph check failed: %s", r->first_problem);
	return RV_OK;
}

/* Every vector's id must lead back to it through the id table. Only check
 * does this: it hashes every id, which opening skips to stay fast (open
 * checks the table's shape: load_ids). */
static int verify_ids(const void *h, rv_collection *c, const char *file)
{
	rv_index *x = c->index;
	uint32_t n = atomic_load(&x->n_slots);
	size_t used = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (rv_flags(x, i) != RV_SLOT_USED)
			continue;
		used++;
		char id[RV_ID_MAX + 1];
		size_t len = 0;
		rv_rwlock_rdlock(&c->ids.lock);
		const char *k = rv_idmap_key_locked(&c->ids, i, &len);
		if (k)
			memcpy(id, k, len);
		rv_rwlock_unlock(&c->ids.lock);
		id[k ? len : 0] = '\0';
		if (!k || rv_idmap_find(&c->ids, id, len) != i)
			return rv_error(h, RV_ECORRUPT, "%s: id table: slot %u's id \"%s\" does not lead back to it", file, i,
			                id);
	}
	size_t mapped = rv_idmap_count(&c->ids);
	if (mapped != used)
		return rv_error(h, RV_ECORRUPT, "%s: id table: %zu ids for %zu vectors", file, mapped, used);
	return RV_OK;
}

int rv_persist_verify(const void *h, const char *dir, char *problem, size_t size)
{
	rv_options o;
	uint64_t gen;
	bool has_seg;
	int rc = rv_manifest_read(h, dir, &o, &gen, &has_seg);
	char *seg = rv_persist_file(dir, "seg-", gen, ".rvs"), *wal = rv_persist_file(dir, "wal-", gen, ".log");
	if (rc == RV_OK && (!seg || !wal))
		rc = rv_error(h, RV_ENOMEM, "out of memory");
	if (rc == RV_OK && has_seg) {
		rv_segment *s = NULL;
		rc = rv_seg_open(h, seg, &s);
		for (uint32_t k = SEC_META; rc == RV_OK && k <= SEC_PINDEX; k++)
			rc = rv_seg_verify(s, k);
		if (rc == RV_OK)
			rc = rv_seg_verify(s, SEC_HEDGES);
		if (rc == RV_OK)
			rc = rv_seg_verify(s, SEC_CALIB);
		rv_seg_close(s);
	}
	if (rc == RV_OK) {
		/* the log by the rule every open applies (wal.c TORN OR DAMAGED):
		 * a torn tail passes, damage does not */
		rv_wal_scan_info info;
		rc = rv_wal_scan(h, wal, gen, NULL, NULL, &info);
		if (rc == RV_OK && info.state == RV_WAL_DAMAGED)
			rc = rv_wal_damage_error(h, wal, &info);
	}
	if (rc == RV_OK) {
		/* load it the way open does (read-only) and check the graph */
		rv_collection *c;
		rc = rv_coll_new(&o, &c);
		if (rc == RV_OK) {
			rv_db_options dbo;
			rv_db_options_init(&dbo);
			dbo.flags = RV_DB_READONLY;
			c->readonly = true;
			rc = rv_persist_load(c, dir, &dbo);
			if (rc != RV_OK) {
				/* copied out: rv_error formats into the buffer it points at */
				char why[512];
				snprintf(why, sizeof why, "%s", rv_error_message(c));
				rc = rv_error(h, rc, "%s", why);
			}
			if (rc == RV_OK) {
				rv_check_report r;
				if (rv_check(c, &r) != RV_OK)
					rc = rv_error(h, RV_ECORRUPT, "%s: graph: %s", dir, r.first_problem);
			}
			if (rc == RV_OK)
				rc = verify_ids(h, c, has_seg ? seg : wal);
			char why[240];
			if (rc == RV_OK && rv_hyper_verify(c, why, sizeof why) != RV_OK)
				rc = rv_error(h, RV_ECORRUPT, "%s: hypergraph: %s", dir, why);
			if (c->persist)
				rv_persist_close(c);
			rv_coll_destroy(c);
		}
	}
	if (rc != RV_OK)
		snprintf(problem, size, "%s", rv_error_message(h));
	rv_free(seg);
	rv_free(wal);
	return rc;
}

/* ---- repair ---- */

typedef struct tally_ctx {
	uint32_t dim;
	rv_repair_report *r;
} tally_ctx;

/* Count the records of a frame a repair drops. A frame that fails its
 * checksum may hold anything: its count is taken only when it fits the
 * frame's size, else the frame is counted as one whose records are
 * unknown. */
static void tally_frame(void *ctx, uint8_t type, const unsigned char *pl, size_t len, bool intact)
{
	tally_ctx *t = ctx;
	uint64_t n = len >= 8 ? rv_get32(pl) : 0;
	uint64_t per = type == FRAME_DELETE || type == FRAME_HEDGE_DEL ? 2
	               : type == FRAME_INSERT || type == FRAME_INSERT_P ? 4ull * t->dim + 2
	               : type == FRAME_HEDGE_PUT ? 30 : 0;
	bool plausible = n >= 1 && (per ? n <= (len - 8) / per : n == 1);
	if (!plausible || (!intact && type > FRAME_HEDGE_DEL) || (type > FRAME_UNINDEX && type < FRAME_HEDGE_PUT)) {
		t->r->unknown_frames++;
		return;
	}
	if (type == FRAME_INSERT || type == FRAME_INSERT_P)
		t->r->vectors += n;
	else if (type == FRAME_DELETE)
		t->r->deletes += n;
	else
		t->r->others += n;
}

int rv_persist_repair(const void *h, const char *dir, bool apply, rv_repair_report *r)
{
	rv_options o;
	uint64_t gen;
	bool has_seg;
	memset(r, 0, sizeof *r);
	int rc = rv_manifest_read(h, dir, &o, &gen, &has_seg);
	if (rc != RV_OK)
		return rc;
	char *wal = rv_persist_file(dir, "wal-", gen, ".log");
	if (!wal)
		return rv_error(h, RV_ENOMEM, "out of memory");
	rv_wal_scan_info info;
	tally_ctx t = {o.dim, r};
	rc = rv_wal_scan(h, wal, gen, tally_frame, &t, &info);
	if (rc == RV_OK && info.state == RV_WAL_DAMAGED) {
		r->damaged = 1;
		r->offset = info.valid_bytes;
		r->frames = info.dropped_frames;
		r->intact_frames = info.dropped_intact;
		r->undelimited_bytes = info.undelimited_bytes;
		r->bytes = info.file_bytes - info.valid_bytes;
		snprintf(r->what, sizeof r->what, "%s: byte %llu: %s", wal, (unsigned long long)info.valid_bytes, info.why);
		if (apply) {
			rc = rv_wal_cut(h, wal, info.valid_bytes);
			r->repaired = rc == RV_OK;
		}
	}
	rv_free(wal);
	return rc;
}
