/*
 * persist.c: what a persistent collection writes, and how it comes back.
 *
 * A collection's directory holds
 *   MANIFEST          the current generation and the collection's options
 *   seg-<gen>.rvs     the segment written by checkpoint <gen> (none at 1)
 *   wal-<gen>.log     the log of every write since that checkpoint
 * and nothing else that matters: anything else named seg-*, wal-* or *.tmp
 * is left over from a checkpoint that did not finish, and opening removes it.
 *
 * MANIFEST payload (a record file, storage/files.c), 96 bytes:
 *   0  u64 generation           8  u32 has segment (0 or 1)
 *   12 u32 dim                  16 u32 metric
 *   20 u32 m                    24 u32 ef_construction
 *   28 f32 prune_alpha          32 u32 ef_search
 *   36 u32 exact_threshold      40 u32 repair_batch
 *   44 u32 threads              48 u64 seed
 *   56 u32 quant                60 u32 quant_pq_m
 *   64 u32 quant_train          68 28 bytes zero
 * (Format 1 wrote zeros from 56: no quantization, as it had none.)
 *
 * SEGMENT sections (storage/segment.c gives each its checksums):
 *   1  META     64 bytes: u32 slots, u32 dim, u32 metric, u32 m,
 *               u64 entry point, u64 level generator position,
 *               u64 live vectors, u64 upper-level words, 16 zero
 *   2  VECTORS  slots x dim float32 (normalised for cosine)
 *   3  LINKS0   slots x 2m uint32, RV_NO_SLOT for unused
 *   4  LEVELS   slots x uint8
 *   5  FLAGS    slots x uint8: 0 free, 1 used (deletions are repaired first)
 *   6  UPPER    for each slot with level L > 0, in slot order, L x m uint32
 *   7  NORMS    slots x float32 (cosine only)
 *   8  IDARENA  per used slot in slot order: u8 length, the id, a NUL
 *   9  IDOFFS   slots x u64: offset of the slot's id in IDARENA, or ~0
 *   10 IDBUCKS  the id hash table: buckets x (u32 slot, u32 hash)
 *   11 QPARAMS  the trained quantizer (quant/quant.c's serialised form),
 *               present once it is trained
 *   12 CODES    slots x the quantizer's code bytes, with QPARAMS
 *   13 POFFS    slots x u64: offset of the slot's payload in PBLOBS, or ~0;
 *               present when any slot has a payload
 *   14 PBLOBS   the payloads, each as payload.h encodes it (its own length
 *               first), with POFFS
 *   15 PINDEX   the payload indexes: per index u8 kind (1 keyword,
 *               2 numeric, 3 text), u8 key length, the key; present when
 *               there is one. Indexes are rebuilt from the payloads at open.
 * Sections 13-15 came with payloads; a segment without them has none, so
 * segments written before still open.
 * VECTORS and LINKS0 are mapped copy-on-write; LINKS0's blocks are checked
 * against their checksums at open (a bad link could send a search out of
 * bounds), VECTORS' only by `check` (a bad float gives a wrong distance,
 * never an unsafe access, and reading them all would defeat mapping).
 * Everything a search trusts is validated when loading (rv_index_load,
 * load_ids, rv_quant_load), so a damaged or crafted file is an error, never
 * a crash. (Any byte is a valid code.)
 * `check` also verifies that every id leads back to its vector through
 * the id table (hashing every id, which open skips).
 *
 * LOG FRAMES (storage/wal.c carries them):
 *   1 INSERT  u32 n, u8 mode (0 insert, 1 upsert, 2 update), 3 zero,
 *             n x dim float32, then n x (u8 length, id bytes)
 *   2 DELETE  u32 n, 4 zero, then n x (u8 length, id bytes)
 *   3 INSERT_P an insert with payloads: as INSERT, with between the floats
 *             and the ids: u32 bytes, then n x (a payload, or u32 0: none)
 *   4 PAYLOAD u32 1, 4 zero, a payload or u32 0 (none), then the id as
 *             (u8 length, id bytes)
 *   5 INDEX   u32 1, u8 kind, 3 zero, then the key's bytes
 * A frame is one call, so a batch is atomic. Replay applies INSERT as an
 * upsert and DELETE to the ids present: the logged call succeeded, so this
 * gives the same state. Codes are not logged: replay encodes what it
 * inserts, and trains the quantizer when the collection reaches
 * quant_train vectors, as the writes did (on a sample that may differ:
 * codes only steer the walk; results are re-ranked with the vectors).
 *
 * CHECKPOINT (wlock held: writers wait, searches go on):
 *   repair pending deletions; write seg-<g+1>.rvs (synced, renamed,
 *   directory synced); create wal-<g+1>.log (synced); replace MANIFEST
 *   with generation g+1; retire the old log (writers still waiting on it
 *   are covered by the segment); delete seg-<g>.rvs and wal-<g>.log.
 *   A crash before the manifest is replaced leaves generation g intact
 *   (its log has every write); after, generation g+1 is complete.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../storage/storage.h"
#include "../util/alloc.h"
#include "../util/error.h"
#include "../util/utf8.h"
#include "collection.h"

#define MANIFEST_MAGIC "RVMANIFS"
#define MANIFEST_BYTES 96
#define FRAME_INSERT 1
#define FRAME_DELETE 2
#define FRAME_INSERT_P 3
#define FRAME_PAYLOAD 4
#define FRAME_INDEX 5
#define NO_KEY UINT64_MAX

enum { SEC_META = 1, SEC_VECTORS, SEC_LINKS0, SEC_LEVELS, SEC_FLAGS, SEC_UPPER, SEC_NORMS, SEC_IDARENA,
       SEC_IDOFFS, SEC_IDBUCKS, SEC_QPARAMS, SEC_CODES, SEC_POFFS, SEC_PBLOBS, SEC_PINDEX };

struct rv_persist {
	char *dir;
	uint64_t gen;
	bool has_segment;
	rv_wal *wal;             /* current log; one reference is ours */
	rv_wal_params wp;
	uint64_t checkpoint_bytes;
	rv_mutex mu;             /* guards `wal` for readers outside wlock (stats) */
};

static char *file_in(const char *dir, const char *prefix, uint64_t gen, const char *suffix)
{
	char name[64];
	snprintf(name, sizeof name, "%s%06llu%s", prefix, (unsigned long long)gen, suffix);
	return rv_path_join(dir, name);
}

/* ---- manifest ---- */

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

static int read_manifest(const void *h, const char *dir, rv_options *o, uint64_t *gen, bool *has_seg)
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
		snprintf(why, sizeof why, "%s", rv_errmsg(NULL));
		rc = rv_error(h, RV_ECORRUPT, "%s: options out of range: %s", path, why);
	} else if (*gen == 0) {
		rc = rv_error(h, RV_ECORRUPT, "%s: generation 0", path);
	}
	rv_free(path);
	return rc;
}

static int write_manifest(const void *h, const char *dir, const rv_options *o, uint64_t gen, bool has_seg,
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
	return read_manifest(h, dir, &o, gen, &has_seg);
}

int rv_persist_read_options(const void *h, const char *dir, rv_options *o)
{
	uint64_t gen;
	bool has;
	return read_manifest(h, dir, o, &gen, &has);
}

/* ---- logging ---- */

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

int rv_persist_log_index(rv_collection *c, const char *key, size_t keylen, rv_index_kind kind, rv_ticket *t)
{
	ticket_none(t);
	if (!c->persist)
		return RV_OK;
	unsigned char head[8] = {0};
	rv_put32(head, 1);
	head[4] = (unsigned char)kind;
	const void *parts[2] = {head, key};
	size_t lens[2] = {sizeof head, keylen};
	return log_frame(c, FRAME_INDEX, parts, lens, 2, t);
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

/* ---- replay ---- */

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

static int replay_frame(void *ctx, uint8_t type, const unsigned char *pl, size_t len)
{
	rv_collection *c = ctx;
	if (len < 8)
		return RV_ECORRUPT;
	if (type == FRAME_PAYLOAD || type == FRAME_INDEX)
		return replay_small(c, type, pl, len);
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

/* ---- checkpoint ---- */

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
	rv_seg_write(w, (const void *)x->links0, (size_t)n * x->m0 * 4);
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
	rv_seg_write(w, c->ids.buckets, c->ids.nbuckets * sizeof(rv_idmap_bucket));
	rv_rwlock_unlock(&c->ids.lock);
	rv_free(offs);
	write_payloads(c, w, n);
	return rv_seg_finish(w);
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

static void clean_dir(rv_persist *p) { rv_vfs_current()->list(p->dir, remove_unused, p); }

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
	uint32_t n = atomic_load(&x->n_slots);
	while (n > 0 && rv_flags(x, n - 1) == 0)
		n--;
	uint64_t gen = p->gen + 1;
	char *seg = file_in(p->dir, "seg-", gen, ".rvs"), *wal = file_in(p->dir, "wal-", gen, ".log");
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
		rc = write_manifest(c, p->dir, &c->opts, gen, true, &renamed);
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
		clean_dir(p);
	}
	rv_free(seg);
	rv_free(wal);
out:
	rv_mutex_unlock(&c->wlock);
	return rc;
}

/* ---- loading ---- */

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
		if (b[i].slot == RV_IDMAP_NONE)
			continue;
		if (b[i].slot >= n || offs[b[i].slot] == NO_KEY || named[b[i].slot]++) {
			snprintf(why, whysz, "id table bucket %zu names slot %u, which has no id or another bucket", i,
			         b[i].slot);
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
	rv_free(c->ids.buckets);
	rv_free(c->ids.key_off);
	rv_free(c->ids.arena);
	c->ids.buckets = bucks;
	c->ids.nbuckets = nb;
	c->ids.count = count;
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
	why[0] = '\0';
	rc = load_ids(c, s, n, why, sizeof why);
	if (rc == RV_OK)
		rc = load_payloads(c, s, n, why, sizeof why);
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
	char *wal = file_in(dir, "wal-", 1, ".log");
	int rc = wal ? rv_wal_create(c, wal, 1, &p->wp, &p->wal) : rv_error(c, RV_ENOMEM, "out of memory");
	if (rc == RV_OK)
		rc = write_manifest(c, dir, &c->opts, 1, false, NULL);
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
	int rc = read_manifest(c, dir, &o, &p->gen, &p->has_segment);
	char *seg = file_in(dir, "seg-", p->gen, ".rvs"), *wal = file_in(dir, "wal-", p->gen, ".log");
	if (rc == RV_OK && (!seg || !wal))
		rc = rv_error(c, RV_ENOMEM, "out of memory");
	if (rc == RV_OK && p->has_segment)
		rc = load_segment(c, seg, p->gen);
	if (rc == RV_OK) {
		rv_mutex_lock(&c->wlock); /* replay applies as writers do */
		rc = rv_wal_open(c, wal, p->gen, &p->wp, replay_frame, c, &p->wal);
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
			clean_dir(p);
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
	int rc = RV_OK;
	if (!c->readonly && rv_wal_failed(p->wal, NULL) == 0 && rv_wal_bytes(p->wal) > CLOSE_CHECKPOINT_BYTES)
		rc = rv_persist_checkpoint(c, false);
	int r2 = rv_wal_unref(p->wal);
	if (rc == RV_OK)
		rc = r2;
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
		char *seg = file_in(p->dir, "seg-", p->gen, ".rvs");
		uint64_t size = 0;
		if (seg && rv_vfs_current()->stat(seg, NULL, &size) == 0)
			out->segment_bytes = size;
		rv_free(seg);
	}
	rv_mutex_unlock(&p->mu);
}

/* ---- backup ---- */

static int copy_file(const void *h, rv_file *from, const char *from_path, uint64_t bytes, const char *to)
{
	const rv_vfs *vfs = rv_vfs_current();
	rv_file *out;
	int e = vfs->open(to, RV_O_RDWR | RV_O_CREATE | RV_O_TRUNC, &out);
	if (e != 0)
		return rv_io_error(h, e, to, "cannot create");
	size_t chunk = 1 << 20;
	unsigned char *buf = rv_malloc(chunk);
	int rc = buf ? RV_OK : rv_error(h, RV_ENOMEM, "out of memory copying %s", from_path);
	for (uint64_t off = 0; rc == RV_OK && off < bytes;) {
		size_t want = bytes - off < chunk ? (size_t)(bytes - off) : chunk, got;
		if ((e = vfs->pread(from, buf, want, off, &got)) != 0)
			rc = rv_io_error(h, e, from_path, "cannot read");
		else if (got != want)
			rc = rv_error(h, RV_EIO, "%s: shorter than expected at byte %llu", from_path, (unsigned long long)(off + got));
		else if ((e = vfs->pwrite(out, buf, want, off)) != 0)
			rc = rv_io_error(h, e, to, "cannot write");
		off += want;
	}
	if (rc == RV_OK && (e = vfs->sync(out)) != 0)
		rc = rv_io_error(h, e, to, "cannot sync");
	rv_free(buf);
	vfs->close(out);
	return rc;
}

int rv_persist_backup(rv_collection *c, const char *dest)
{
	rv_persist *p = c->persist;
	const rv_vfs *vfs = rv_vfs_current();
	/* Under wlock only long enough to pin a consistent point: the current
	 * segment and the log up to its end. Open files stay readable even if
	 * a checkpoint removes them while we copy. */
	rv_mutex_lock(&c->wlock);
	uint64_t gen = p->gen, wal_end = rv_wal_bytes(p->wal);
	bool has_seg = p->has_segment;
	char *seg = file_in(p->dir, "seg-", gen, ".rvs"), *wal = file_in(p->dir, "wal-", gen, ".log");
	rv_file *fs = NULL, *fw = NULL;
	int rc = seg && wal ? RV_OK : rv_error(c, RV_ENOMEM, "out of memory"), e;
	if (rc == RV_OK && has_seg && (e = vfs->open(seg, RV_O_RDONLY, &fs)) != 0)
		rc = rv_io_error(c, e, seg, "cannot open");
	if (rc == RV_OK && (e = vfs->open(wal, RV_O_RDONLY, &fw)) != 0)
		rc = rv_io_error(c, e, wal, "cannot open");
	rv_options o = c->opts;
	rv_mutex_unlock(&c->wlock);
	char *dseg = file_in(dest, "seg-", gen, ".rvs"), *dwal = file_in(dest, "wal-", gen, ".log");
	if (rc == RV_OK && (!dseg || !dwal))
		rc = rv_error(c, RV_ENOMEM, "out of memory");
	if (rc == RV_OK && (e = vfs->mkdir(dest)) != 0)
		rc = rv_io_error(c, e, dest, "cannot create");
	uint64_t seg_bytes = 0;
	if (rc == RV_OK && fs && (e = vfs->size(fs, &seg_bytes)) != 0)
		rc = rv_io_error(c, e, seg, "cannot read the size of");
	if (rc == RV_OK && fs)
		rc = copy_file(c, fs, seg, seg_bytes, dseg);
	if (rc == RV_OK)
		rc = copy_file(c, fw, wal, wal_end, dwal);
	if (rc == RV_OK)
		rc = write_manifest(c, dest, &o, gen, has_seg, NULL);
	if (fs)
		vfs->close(fs);
	if (fw)
		vfs->close(fw);
	rv_free(seg);
	rv_free(wal);
	rv_free(dseg);
	rv_free(dwal);
	return rc;
}

/* ---- verification ---- */

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
	int rc = read_manifest(h, dir, &o, &gen, &has_seg);
	char *seg = file_in(dir, "seg-", gen, ".rvs"), *wal = file_in(dir, "wal-", gen, ".log");
	if (rc == RV_OK && (!seg || !wal))
		rc = rv_error(h, RV_ENOMEM, "out of memory");
	if (rc == RV_OK && has_seg) {
		rv_segment *s = NULL;
		rc = rv_seg_open(h, seg, &s);
		for (uint32_t k = SEC_META; rc == RV_OK && k <= SEC_PINDEX; k++)
			rc = rv_seg_verify(s, k);
		rv_seg_close(s);
	}
	if (rc == RV_OK) {
		uint64_t valid, frames, bytes;
		rc = rv_wal_scan(h, wal, gen, &valid, &frames, &bytes);
		if (rc == RV_OK && valid != bytes)
			rc = rv_error(h, RV_ECORRUPT, "%s: byte %llu: invalid frame after %llu valid ones (%llu bytes follow)", wal,
			              (unsigned long long)valid, (unsigned long long)frames, (unsigned long long)(bytes - valid));
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

/* ---- public entry points ---- */

int rv_checkpoint(rv_collection *c) { return rv_persist_checkpoint(c, false); }

int rv_compact(rv_collection *c)
{
	if (c->persist)
		return rv_persist_checkpoint(c, true);
	/* in memory: repair and renumber, which is all compaction means there */
	return rv_optimize(c);
}

void rv_collection_storage(rv_collection *c, rv_storage_stats *out) { rv_persist_stats(c, out); }
