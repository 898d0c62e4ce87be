/*
 * log.c: logging a write, the first of a write's three steps (collection.h):
 * validate and log under wlock, apply under wlock, then wait for the log to
 * be durable after releasing it.
 *
 * Each call becomes one frame (persist.h, LOG FRAMES) appended to the
 * current log, so a batch is atomic. The writer takes a reference on the
 * log it appended to (the ticket), because a checkpoint may replace the
 * current log before the writer commits: the old log stays alive until its
 * last writer has waited on it, and the segment covers its frames. A write
 * whose apply fails is taken back (rv_persist_unlog) before wlock is
 * released, so no other frame can follow it. In-memory collections log
 * nothing and get an empty ticket.
 */
#include <string.h>

#include "../util/alloc.h"
#include "../util/error.h"
#include "persist.h"

static void ticket_none(rv_ticket *t) { t->wal = NULL, t->start = t->end = 0; }

/* Take a reference on the current log for a writer (wlock held). */
static rv_wal *current_wal(rv_persist *p)
{
	rv_mutex_lock(&p->mu);
	rv_wal *w = p->wal;
	rv_wal_ref(w);
	rv_mutex_unlock(&p->mu);
	return w;
}

static int log_frame(rv_collection *c, uint8_t type, const void *const *parts, const size_t *lens, int nparts,
                     rv_ticket *t)
{
	rv_wal *w = current_wal(c->persist);
	/* the log reports its errors on the collection's handle */
	int rc = rv_wal_append(w, type, parts, lens, nparts, &t->start, &t->end);
	if (rc != RV_OK) {
		rv_wal_unref(w);
		ticket_none(t);
		return rc;
	}
	t->wal = w;
	return RV_OK;
}

/* The ids of a frame: n x (u8 length, bytes). */
static unsigned char *pack_ids(size_t n, const char *const *ids, size_t *len)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += 1 + strlen(ids[i]);
	unsigned char *b = rv_malloc(total ? total : 1);
	if (!b)
		return NULL;
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(ids[i]);
		b[at++] = (unsigned char)l;
		memcpy(b + at, ids[i], l);
		at += l;
	}
	*len = total;
	return b;
}

int rv_persist_log_frame(rv_collection *c, uint8_t type, const void *const *parts, const size_t *lens, int nparts,
                         rv_ticket *t)
{
	ticket_none(t);
	if (!c->persist)
		return RV_OK;
	return log_frame(c, type, parts, lens, nparts, t);
}

int rv_persist_log_insert(rv_collection *c, size_t n, const char *const *ids, const float *vecs, write_mode mode,
                          rv_ticket *t)
{
	ticket_none(t);
	if (!c->persist)
		return RV_OK;
	unsigned char head[8] = {0};
	rv_put32(head, (uint32_t)n);
	head[4] = (unsigned char)mode;
	size_t idlen, vlen;
	unsigned char *idb = pack_ids(n, ids, &idlen);
	if (!idb)
		return rv_error(c, RV_ENOMEM, "out of memory logging a batch of %zu", n);
	if (!rv_mul_size(n, (size_t)c->opts.dim * sizeof(float), &vlen)) {
		rv_free(idb);
		return rv_error(c, RV_EINVAL, "batch of %zu is too large to log", n);
	}
	/* floats are written as they are: the format is little-endian, and a
	 * big-endian host is refused at open (storage.h) */
	const void *parts[3] = {head, vecs, idb};
	size_t lens[3] = {sizeof head, vlen, idlen};
	int rc = log_frame(c, FRAME_INSERT, parts, lens, 3, t);
	rv_free(idb);
	return rc;
}

int rv_persist_log_insert_payloads(rv_collection *c, size_t n, const char *const *ids, const float *vecs,
                                   write_mode mode, const uint8_t *const *payloads, rv_ticket *t)
{
	if (!payloads)
		return rv_persist_log_insert(c, n, ids, vecs, mode, t);
	ticket_none(t);
	if (!c->persist)
		return RV_OK;
	unsigned char head[8] = {0};
	rv_put32(head, (uint32_t)n);
	head[4] = (unsigned char)mode;
	size_t idlen, vlen, plen = 0;
	for (size_t i = 0; i < n; i++)
		plen += payloads[i] ? rv_payload_size(payloads[i]) : 4;
	if (plen > UINT32_MAX)
		return rv_error(c, RV_EINVAL, "batch of %zu payloads is too large to log", n);
	unsigned char *idb = pack_ids(n, ids, &idlen);
	unsigned char *pb = rv_malloc(4 + plen);
	if (!idb || !pb) {
		rv_free(idb);
		rv_free(pb);
		return rv_error(c, RV_ENOMEM, "out of memory logging a batch of %zu", n);
	}
	rv_put32(pb, (uint32_t)plen);
	size_t at = 4;
	for (size_t i = 0; i < n; i++) {
		if (payloads[i]) {
			size_t l = rv_payload_size(payloads[i]);
			memcpy(pb + at, payloads[i], l);
			at += l;
		} else {
			rv_put32(pb + at, 0);
			at += 4;
		}
	}
	if (!rv_mul_size(n, (size_t)c->opts.dim * sizeof(float), &vlen)) {
		rv_free(idb);
		rv_free(pb);
		return rv_error(c, RV_EINVAL, "batch of %zu is too large to log", n);
	}
	const void *parts[4] = {head, vecs, pb, idb};
	size_t lens[4] = {sizeof head, vlen, 4 + plen, idlen};
	int rc = log_frame(c, FRAME_INSERT_P, parts, lens, 4, t);
	rv_free(idb);
	rv_free(pb);
	return rc;
}

int rv_persist_log_payload(rv_collection *c, const char *id, const uint8_t *blob, rv_ticket *t)
{
	ticket_none(t);
	if (!c->persist)
		return RV_OK;
	unsigned char head[8] = {0}, none[4] = {0};
	rv_put32(head, 1);
	size_t idlen;
	unsigned char *idb = pack_ids(1, &id, &idlen);
	if (!idb)
		return rv_error(c, RV_ENOMEM, "out of memory logging a payload");
	const void *parts[3] = {head, blob ? (const void *)blob : none, idb};
	size_t lens[3] = {sizeof head, blob ? rv_payload_size(blob) : 4, idlen};
	int rc = log_frame(c, FRAME_PAYLOAD, parts, lens, 3, t);
	rv_free(idb);
	return rc;
}

int rv_persist_log_index(rv_collection *c, const char *key, size_t keylen, rv_index_kind kind, bool drop,
                         rv_ticket *t)
{
	ticket_none(t);
	if (!c->persist)
		return RV_OK;
	unsigned char head[8] = {0};
	rv_put32(head, 1);
	head[4] = (unsigned char)kind;
	const void *parts[2] = {head, key};
	size_t lens[2] = {sizeof head, keylen};
	return log_frame(c, drop ? FRAME_UNINDEX : FRAME_INDEX, parts, lens, 2, t);
}

int rv_persist_log_calib(rv_collection *c, const rv_calibration *k, rv_ticket *t)
{
	ticket_none(t);
	if (!c->persist)
		return RV_OK;
	unsigned char head[8] = {0}, rec[RV_CALIB_BYTES];
	rv_put32(head, 1);
	rv_calib_encode(k, rec);
	const void *parts[2] = {head, rec};
	size_t lens[2] = {sizeof head, sizeof rec};
	return log_frame(c, FRAME_CALIB, parts, lens, 2, t);
}

int rv_persist_log_delete(rv_collection *c, size_t n, const char *const *ids, rv_ticket *t)
{
	ticket_none(t);
	if (!c->persist)
		return RV_OK;
	unsigned char head[8] = {0};
	rv_put32(head, (uint32_t)n);
	size_t idlen;
	unsigned char *idb = pack_ids(n, ids, &idlen);
	if (!idb)
		return rv_error(c, RV_ENOMEM, "out of memory logging a delete of %zu", n);
	const void *parts[2] = {head, idb};
	size_t lens[2] = {sizeof head, idlen};
	int rc = log_frame(c, FRAME_DELETE, parts, lens, 2, t);
	rv_free(idb);
	return rc;
}

void rv_persist_unlog(rv_collection *c, rv_ticket *t)
{
	(void)c;
	if (!t->wal)
		return;
	/* If even the cut fails the log is in its error state: the frame
	 * is never acknowledged, and the state on disk is what reopening
	 * shows. */
	(void)rv_wal_unappend(t->wal, t->start);
	rv_wal_unref(t->wal);
	ticket_none(t);
}

int rv_persist_commit(rv_collection *c, rv_ticket *t)
{
	if (!t->wal)
		return RV_OK;
	(void)c; /* the log reports on the collection's handle */
	int rc = rv_wal_commit(t->wal, t->end);
	rv_wal_unref(t->wal);
	ticket_none(t);
	return rc;
}
