/*
 * collection.c: the public collection API (ruvector.h) for writes and
 * upkeep: create, insert, update, delete, payloads, payload indexes,
 * repair, optimise, checkpoint.
 *
 * Every public entry point validates its arguments completely before it
 * changes anything, so a rejected call leaves the collection exactly as it
 * was, and the message names the argument (and for batches, the entry).
 *
 * Writes. One writer at a time holds `wlock` for the whole write: validate,
 * log (persistent collections, log.c), apply (state.c: take slots, map ids,
 * link into the graph, then make the new vectors visible); after releasing
 * it, wait until the log is durable. If the apply fails, the logged frame
 * is taken back before `wlock` is released. Searches are in query.c;
 * closing a collection (rv_collection_free) in db.c, as it may leave a
 * database.
 */
#include <stdlib.h>
#include <string.h>

#include "../index/index.h"
#include "../util/alloc.h"
#include "../util/error.h"
#include "../util/hashtab.h"
#include "../util/utf8.h"
#include "collection.h"
#include "idmap.h"
#include "ruvector.h"

const char *rv_errmsg(const rv_collection *c) { return rv_error_message(c); }

int rv_collection_new(const rv_options *opts, rv_collection **out)
{
	if (!out)
		return rv_error(NULL, RV_EINVAL, "out is NULL");
	*out = NULL;
	if (!opts)
		return rv_error(NULL, RV_EINVAL, "opts is NULL");
	int rc = rv_options_check(opts);
	if (rc != RV_OK)
		return rc;
	return rv_coll_new(opts, out);
}

void rv_collection_options(const rv_collection *c, rv_options *out)
{
	*out = c->opts;
	out->threads = c->threads;
}

/* The table's compare: is ids[i] the string key[0..len)? (ids[i] may be
 * shorter than len: strncmp stops at its NUL.) */
static bool id_is(const void *ctx, uint32_t i, const void *key, size_t len)
{
	const char *id = ((const char *const *)ctx)[i];
	return strncmp(id, key, len) == 0 && id[len] == '\0';
}

/* Does any id repeat within the batch? 1 with the first repeat in batch
 * order (*first < *second), 0 if none, RV_ENOMEM. */
static int find_repeat(size_t n, const char *const *ids, size_t *first, size_t *second)
{
	if (n >= RV_HASHTAB_NONE)
		return RV_ENOMEM; /* the table holds 32-bit indices; such a batch is not memory either */
	rv_hashtab t = {0};
	if (!rv_hashtab_reserve(&t, n))
		return RV_ENOMEM;
	int found = 0;
	for (size_t i = 0; i < n && !found; i++) {
		size_t len = strlen(ids[i]);
		uint32_t h = (uint32_t)rv_hash_bytes(ids[i], len);
		bool dup;
		size_t b = rv_hashtab_probe(&t, h, id_is, ids, ids[i], len, &dup);
		if (dup) {
			*first = t.b[b].value;
			*second = i;
			found = 1;
		} else {
			rv_hashtab_insert(&t, &b, h, (uint32_t)i); /* room reserved: cannot fail */
		}
	}
	rv_hashtab_free(&t);
	return found;
}

static int refuse_readonly(const rv_collection *c)
{
	return rv_error(c, RV_EREADONLY, "collection \"%s\" is open read-only", c->name);
}

int rv_quantize(rv_collection *c)
{
	if (c->opts.quant == RV_QUANT_NONE)
		return rv_error(c, RV_EINVAL, "the collection was created without quantization (rv_options.quant)");
	if (c->readonly)
		return refuse_readonly(c);
	char why[160];
	rv_mutex_lock(&c->wlock);
	int rc = rv_coll_train_quantizer(c, why, sizeof why);
	rv_mutex_unlock(&c->wlock);
	if (rc != RV_OK)
		return rv_error(c, rc, "%s", why);
	/* The log holds vectors, not quantizers: a checkpoint makes this one
	 * durable (else a reopen would train again only at quant_train). */
	return c->persist ? rv_checkpoint(c) : RV_OK;
}

static int insert_batch(rv_collection *c, size_t n, const char *const *ids, const float *vecs,
                        write_mode mode, const uint8_t *const *payloads)
{
	if (c->readonly)
		return refuse_readonly(c);
	if (n > 1 && mode == MODE_INSERT) {
		size_t a, b;
		int r = find_repeat(n, ids, &a, &b);
		if (r == RV_ENOMEM)
			return rv_error(c, RV_ENOMEM, "out of memory checking the batch's ids");
		if (r)
			return rv_error(c, RV_EEXIST, "id \"%s\" appears twice in the batch (entries %zu and %zu)",
			                ids[a], a, b);
	}
	rv_mutex_lock(&c->wlock);
	int rc = RV_OK;
	for (size_t i = 0; i < n && mode != MODE_UPSERT; i++) {
		bool exists = rv_idmap_find(&c->ids, ids[i], strlen(ids[i])) != RV_IDMAP_NONE;
		if (mode == MODE_INSERT && exists) {
			rv_mutex_unlock(&c->wlock);
			return rv_error(c, RV_EEXIST, "id \"%s\" already exists (entry %zu); pass RV_UPSERT to replace it",
			                ids[i], i);
		}
		if (mode == MODE_UPDATE && !exists) {
			rv_mutex_unlock(&c->wlock);
			return rv_error(c, RV_ENOTFOUND, "no record with id \"%s\"", ids[i]);
		}
	}
	rv_ticket t;
	rc = rv_persist_log_insert_payloads(c, n, ids, vecs, mode, payloads, &t);
	if (rc == RV_OK) {
		rc = rv_coll_apply_insert(c, n, ids, vecs, mode != MODE_INSERT, payloads, mode == MODE_UPDATE);
		if (rc != RV_OK)
			rv_persist_unlog(c, &t);
	}
	rv_mutex_unlock(&c->wlock);
	if (rc == RV_OK)
		rc = rv_persist_commit(c, &t);
	if (rc == RV_OK)
		rv_persist_after_write(c);
	return rc;
}

int rv_insert(rv_collection *c, const char *id, const float *vec, size_t dim, unsigned flags)
{
	return rv_insert_payload(c, id, vec, dim, NULL, flags);
}

int rv_insert_batch(rv_collection *c, size_t n, const char *const *ids, const float *vecs, size_t dim,
                    unsigned flags)
{
	return rv_insert_batch_payload(c, n, ids, vecs, dim, NULL, flags);
}

int rv_update(rv_collection *c, const char *id, const float *vec, size_t dim)
{
	size_t len;
	int rc = rv_coll_check_id_str(c, id, &len, NULL, 0);
	if (rc == RV_OK)
		rc = rv_coll_check_vector(c, vec, dim, NULL, 0);
	if (rc != RV_OK)
		return rc;
	return insert_batch(c, 1, &id, vec, MODE_UPDATE, NULL);
}

/* Parse one payload text (NULL: none) into *blob (NULL for none). */
static int parse_payload(rv_collection *c, const char *payload, uint8_t **blob)
{
	*blob = NULL;
	if (!payload)
		return RV_OK;
	char why[200];
	int rc = rv_payload_from_json(payload, strlen(payload), blob, why, sizeof why);
	if (rc == RV_ENOMEM)
		return rv_error(c, rc, "out of memory parsing the payload");
	return rc == RV_OK ? RV_OK : rv_error(c, rc, "%s", why);
}

/* Parse n payload texts (payloads may be NULL; entries may be NULL) into
 * blobs; *out is NULL when there are none at all. */
static int parse_payloads(rv_collection *c, size_t n, const char *const *payloads, uint8_t ***out)
{
	*out = NULL;
	if (!payloads)
		return RV_OK;
	uint8_t **b = rv_calloc(n ? n : 1, sizeof *b);
	if (!b)
		return rv_error(c, RV_ENOMEM, "out of memory parsing payloads");
	for (size_t i = 0; i < n; i++) {
		if (!payloads[i])
			continue;
		char why[200];
		int rc = rv_payload_from_json(payloads[i], strlen(payloads[i]), &b[i], why, sizeof why);
		if (rc != RV_OK) {
			rv_coll_free_blobs(b, n);
			if (rc == RV_ENOMEM)
				return rv_error(c, rc, "out of memory parsing payloads");
			return rv_error(c, rc, "entry %zu: %s", i, why);
		}
	}
	*out = b;
	return RV_OK;
}

int rv_insert_payload(rv_collection *c, const char *id, const float *vec, size_t dim, const char *payload,
                      unsigned flags)
{
	size_t len;
	int rc = rv_coll_check_id_str(c, id, &len, NULL, 0);
	if (rc == RV_OK)
		rc = rv_coll_check_vector(c, vec, dim, NULL, 0);
	uint8_t *blob = NULL;
	if (rc == RV_OK)
		rc = parse_payload(c, payload, &blob);
	if (rc != RV_OK)
		return rc;
	const uint8_t *const blobs[1] = {blob};
	rc = insert_batch(c, 1, &id, vec, (flags & RV_UPSERT) ? MODE_UPSERT : MODE_INSERT, blob ? blobs : NULL);
	rv_free(blob);
	return rc;
}

int rv_insert_batch_payload(rv_collection *c, size_t n, const char *const *ids, const float *vecs, size_t dim,
                            const char *const *payloads, unsigned flags)
{
	if (n == 0)
		return RV_OK;
	if (!ids || !vecs)
		return rv_error(c, RV_EINVAL, "%s is NULL", ids ? "vectors" : "ids");
	if (dim != c->opts.dim)
		return rv_error(c, RV_EDIM, "vectors have %zu dimensions; the collection has %u", dim, c->opts.dim);
	if (n > RV_MAX_VECTORS)
		return rv_error(c, RV_EINVAL, "batch of %zu is larger than %u", n, RV_MAX_VECTORS);
	for (size_t i = 0; i < n; i++) {
		size_t len;
		int rc = rv_coll_check_id_str(c, ids[i], &len, "entry", i);
		if (rc == RV_OK)
			rc = rv_coll_check_vector(c, vecs + i * dim, dim, "entry", i);
		if (rc != RV_OK)
			return rc;
	}
	uint8_t **blobs;
	int rc = parse_payloads(c, n, payloads, &blobs);
	if (rc != RV_OK)
		return rc;
	rc = insert_batch(c, n, ids, vecs, (flags & RV_UPSERT) ? MODE_UPSERT : MODE_INSERT,
	                  (const uint8_t *const *)blobs);
	rv_coll_free_blobs(blobs, n);
	return rc;
}

int rv_set_payload(rv_collection *c, const char *id, const char *payload)
{
	size_t len;
	int rc = rv_coll_check_id_str(c, id, &len, NULL, 0);
	if (rc != RV_OK)
		return rc;
	if (c->readonly)
		return refuse_readonly(c);
	uint8_t *blob;
	if ((rc = parse_payload(c, payload, &blob)) != RV_OK)
		return rc;
	rv_mutex_lock(&c->wlock);
	if (rv_idmap_find(&c->ids, id, len) == RV_IDMAP_NONE) {
		rv_mutex_unlock(&c->wlock);
		rv_free(blob);
		return rv_error(c, RV_ENOTFOUND, "no record with id \"%s\"", id);
	}
	rv_ticket t;
	rc = rv_persist_log_payload(c, id, blob, &t);
	if (rc == RV_OK) {
		rc = rv_coll_apply_payload(c, id, blob);
		if (rc != RV_OK)
			rv_persist_unlog(c, &t);
	}
	rv_mutex_unlock(&c->wlock);
	rv_free(blob);
	if (rc == RV_OK)
		rc = rv_persist_commit(c, &t);
	if (rc == RV_OK)
		rv_persist_after_write(c);
	return rc;
}

int rv_merge_payload(rv_collection *c, const char *id, const char *patch)
{
	size_t len;
	int rc = rv_coll_check_id_str(c, id, &len, NULL, 0);
	if (rc != RV_OK)
		return rc;
	if (!patch)
		return rv_error(c, RV_EINVAL, "patch is NULL");
	if (c->readonly)
		return refuse_readonly(c);
	size_t plen = strlen(patch);
	if (plen > RV_PAYLOAD_MAX)
		return rv_error(c, RV_EINVAL, "patch is %zu bytes; the limit is %u", plen, RV_PAYLOAD_MAX);
	rv_json_limits lim = {.max_depth = RV_PAYLOAD_DEPTH_MAX, .max_bytes = RV_PAYLOAD_MAX};
	rv_json *doc = NULL;
	char why[200];
	if ((rc = rv_json_parse(patch, plen, &lim, &doc, why, sizeof why)) != RV_OK)
		return rv_error(c, rc, "patch: %s", why);
	if (doc->type != RV_JSON_OBJECT) {
		rc = rv_error(c, RV_EINVAL, "patch must be a JSON object, not %s", rv_json_type_name(doc->type));
		rv_json_free(doc);
		return rc;
	}
	/* read, merge and write under the writer's lock: no write between */
	rv_mutex_lock(&c->wlock);
	uint32_t slot = rv_idmap_find(&c->ids, id, len);
	if (slot == RV_IDMAP_NONE) {
		rv_mutex_unlock(&c->wlock);
		rv_json_free(doc);
		return rv_error(c, RV_ENOTFOUND, "no record with id \"%s\"", id);
	}
	rv_strbuf merged = {0};
	rv_rwlock_rdlock(&c->payloads.lock);
	rv_payload_merge(rv_payloads_get_locked(&c->payloads, slot), doc, &merged);
	rv_rwlock_unlock(&c->payloads.lock);
	rv_json_free(doc);
	uint8_t *blob = NULL;
	if (merged.failed)
		rc = rv_error(c, RV_ENOMEM, "out of memory merging the payload");
	else if (strcmp(merged.buf, "{}") != 0)
		rc = parse_payload(c, merged.buf, &blob);
	rv_strbuf_free(&merged);
	rv_ticket t;
	if (rc == RV_OK && (rc = rv_persist_log_payload(c, id, blob, &t)) == RV_OK) {
		rc = rv_coll_apply_payload(c, id, blob);
		if (rc != RV_OK)
			rv_persist_unlog(c, &t);
	}
	rv_mutex_unlock(&c->wlock);
	rv_free(blob);
	if (rc != RV_OK)
		return rc;
	rc = rv_persist_commit(c, &t);
	if (rc == RV_OK)
		rv_persist_after_write(c);
	return rc;
}

int rv_get_payload(rv_collection *c, const char *id, char *buf, size_t size, size_t *needed)
{
	size_t len;
	int rc = rv_coll_check_id_str(c, id, &len, NULL, 0);
	if (rc != RV_OK)
		return rc;
	if (!buf && size)
		return rv_error(c, RV_EINVAL, "buf is NULL");
	rv_rwlock_rdlock(&c->index->rw);
	uint32_t slot = rv_idmap_find(&c->ids, id, len);
	size_t n = 0;
	if (slot != RV_IDMAP_NONE) {
		rv_rwlock_rdlock(&c->payloads.lock);
		n = rv_payload_to_json(rv_payloads_get_locked(&c->payloads, slot), buf, size);
		rv_rwlock_unlock(&c->payloads.lock);
	}
	rv_rwlock_unlock(&c->index->rw);
	if (slot == RV_IDMAP_NONE)
		return rv_error(c, RV_ENOTFOUND, "no record with id \"%s\"", id);
	if (n >= SIZE_MAX - 1)
		return rv_error(c, RV_ENOMEM, "out of memory writing the payload of \"%s\"", id);
	if (needed)
		*needed = n + 1;
	if (n + 1 > size)
		return rv_error(c, RV_ERANGE, "the payload of \"%s\" needs %zu bytes; the buffer has %zu", id, n + 1, size);
	return RV_OK;
}

int rv_create_index(rv_collection *c, const char *key, rv_index_kind kind)
{
	if (!key)
		return rv_error(c, RV_EINVAL, "key is NULL");
	size_t len = strlen(key);
	char why[160];
	if (len == 0 || len > RV_PAYLOAD_KEY_MAX || rv_utf8_check(key, len) != len)
		return rv_error(c, RV_EINVAL, "an index path must be 1..%u bytes of UTF-8", RV_PAYLOAD_KEY_MAX);
	if (!rv_payload_path_ok(key, len, why, sizeof why))
		return rv_error(c, RV_EINVAL, "index: %s", why);
	if (kind != RV_INDEX_KEYWORD && kind != RV_INDEX_NUMERIC && kind != RV_INDEX_TEXT)
		return rv_error(c, RV_EINVAL, "unknown index kind %d", (int)kind);
	if (c->readonly)
		return refuse_readonly(c);
	rv_mutex_lock(&c->wlock);
	if (kind == RV_INDEX_TEXT && c->pidx.text &&
	    (c->pidx.text_keylen != len || memcmp(c->pidx.text_key, key, len) != 0)) {
		rv_mutex_unlock(&c->wlock);
		return rv_error(c, RV_EINVAL, "the collection already has a text index, on \"%s\"; it may have one",
		                c->pidx.text_key);
	}
	rv_ticket t;
	int rc = rv_persist_log_index(c, key, len, kind, false, &t);
	if (rc == RV_OK) {
		rc = rv_coll_apply_index(c, key, len, kind);
		if (rc != RV_OK) {
			rv_persist_unlog(c, &t);
			rc = rv_error(c, rc, "out of memory building the index on \"%s\"", key);
		}
	}
	rv_mutex_unlock(&c->wlock);
	if (rc == RV_OK)
		rc = rv_persist_commit(c, &t);
	return rc;
}

int rv_drop_index(rv_collection *c, const char *key, rv_index_kind kind)
{
	if (!key)
		return rv_error(c, RV_EINVAL, "key is NULL");
	size_t len = strlen(key);
	if (len == 0 || len > RV_PAYLOAD_KEY_MAX || rv_utf8_check(key, len) != len)
		return rv_error(c, RV_EINVAL, "an index path must be 1..%u bytes of UTF-8", RV_PAYLOAD_KEY_MAX);
	if (kind != RV_INDEX_KEYWORD && kind != RV_INDEX_NUMERIC && kind != RV_INDEX_TEXT)
		return rv_error(c, RV_EINVAL, "unknown index kind %d", (int)kind);
	if (c->readonly)
		return refuse_readonly(c);
	static const char *const names[] = {"", "keyword", "numeric", "text"};
	rv_mutex_lock(&c->wlock);
	/* only the writer changes the definitions, and it holds wlock */
	bool found = false;
	if (kind == RV_INDEX_TEXT)
		found = c->pidx.text && c->pidx.text_keylen == len && memcmp(c->pidx.text_key, key, len) == 0;
	for (size_t i = 0; !found && i < c->pidx.n; i++)
		found = c->pidx.v[i].kind == kind && c->pidx.v[i].keylen == len && memcmp(c->pidx.v[i].key, key, len) == 0;
	if (!found) {
		rv_mutex_unlock(&c->wlock);
		return rv_error(c, RV_ENOTFOUND, "no %s index on \"%s\"", names[kind], key);
	}
	rv_ticket t;
	int rc = rv_persist_log_index(c, key, len, kind, true, &t);
	if (rc == RV_OK)
		(void)rv_coll_apply_unindex(c, key, len, kind); /* found above, under the same lock: cannot fail */
	rv_mutex_unlock(&c->wlock);
	if (rc == RV_OK)
		rc = rv_persist_commit(c, &t);
	return rc;
}

size_t rv_list_indexes(rv_collection *c, rv_index_desc *out, size_t max)
{
	rv_rwlock_rdlock(&c->payloads.lock);
	size_t n = 0;
	for (size_t i = 0; i < c->pidx.n; i++, n++)
		if (out && n < max) {
			memcpy(out[n].key, c->pidx.v[i].key, c->pidx.v[i].keylen);
			out[n].key[c->pidx.v[i].keylen] = '\0';
			out[n].kind = c->pidx.v[i].kind;
		}
	if (c->pidx.text) {
		if (out && n < max) {
			memcpy(out[n].key, c->pidx.text_key, c->pidx.text_keylen);
			out[n].key[c->pidx.text_keylen] = '\0';
			out[n].kind = RV_INDEX_TEXT;
		}
		n++;
	}
	rv_rwlock_unlock(&c->payloads.lock);
	return n;
}

/* Delete ids that all exist (checked under wlock by the caller); with
 * `repair_now` repair the graph right away, else when the queue is full. */
static int delete_logged(rv_collection *c, size_t n, const char *const *ids, bool repair_now)
{
	rv_ticket t;
	int rc = rv_persist_log_delete(c, n, ids, &t);
	if (rc == RV_OK) {
		rv_coll_apply_delete(c, n, ids);
		if (repair_now)
			(void)rv_hnsw_repair(c->index, c->threads); /* a failure is retried by the next repair */
		else
			rv_coll_maybe_repair(c);
	}
	rv_mutex_unlock(&c->wlock);
	if (rc == RV_OK)
		rc = rv_persist_commit(c, &t);
	if (rc == RV_OK)
		rv_persist_after_write(c);
	return rc;
}

int rv_delete(rv_collection *c, const char *id)
{
	size_t len;
	int rc = rv_coll_check_id_str(c, id, &len, NULL, 0);
	if (rc != RV_OK)
		return rc;
	if (c->readonly)
		return refuse_readonly(c);
	rv_mutex_lock(&c->wlock);
	if (rv_idmap_find(&c->ids, id, len) == RV_IDMAP_NONE) {
		rv_mutex_unlock(&c->wlock);
		return rv_error(c, RV_ENOTFOUND, "no record with id \"%s\"", id);
	}
	return delete_logged(c, 1, &id, false); /* unlocks */
}

int rv_delete_batch(rv_collection *c, size_t n, const char *const *ids)
{
	if (n == 0)
		return RV_OK;
	if (!ids)
		return rv_error(c, RV_EINVAL, "ids is NULL");
	for (size_t i = 0; i < n; i++) {
		size_t len;
		int rc = rv_coll_check_id_str(c, ids[i], &len, "entry", i);
		if (rc != RV_OK)
			return rc;
	}
	if (c->readonly)
		return refuse_readonly(c);
	size_t a, b;
	int r = find_repeat(n, ids, &a, &b);
	if (r == RV_ENOMEM)
		return rv_error(c, RV_ENOMEM, "out of memory checking the batch's ids");
	if (r)
		return rv_error(c, RV_EINVAL, "id \"%s\" appears twice in the batch (entries %zu and %zu)", ids[a], a, b);
	rv_mutex_lock(&c->wlock);
	for (size_t i = 0; i < n; i++) {
		if (rv_idmap_find(&c->ids, ids[i], strlen(ids[i])) == RV_IDMAP_NONE) {
			rv_mutex_unlock(&c->wlock);
			return rv_error(c, RV_ENOTFOUND, "no record with id \"%s\" (entry %zu); nothing was deleted", ids[i], i);
		}
	}
	return delete_logged(c, n, ids, true); /* unlocks */
}

int rv_vacuum(rv_collection *c)
{
	rv_mutex_lock(&c->wlock);
	int rc = rv_hnsw_repair(c->index, c->threads);
	if (rc == RV_OK)
		c->since_connect = 0;
	rv_mutex_unlock(&c->wlock);
	if (rc != RV_OK)
		return rv_error(c, rc, "out of memory repairing the graph; it is still valid and the repair will be retried");
	return RV_OK;
}

int rv_optimize(rv_collection *c)
{
	rv_mutex_lock(&c->wlock);
	int rc = rv_hnsw_repair(c->index, c->threads);
	if (rc == RV_OK)
		rv_coll_reorder(c);
	rv_mutex_unlock(&c->wlock);
	if (rc != RV_OK)
		return rv_error(c, rc, "out of memory repairing the graph; it is still valid");
	return RV_OK;
}

int rv_reserve(rv_collection *c, size_t n)
{
	if (n > RV_MAX_VECTORS)
		return rv_error(c, RV_EINVAL, "cannot reserve %zu vectors; the limit is %u", n, RV_MAX_VECTORS);
	int rc = rv_index_reserve(c->index, n);
	if (rc != RV_OK)
		return rv_error(c, rc, "out of memory reserving %zu vectors", n);
	return RV_OK;
}

/* ---- reads ---- */

int rv_get(rv_collection *c, const char *id, float *out, size_t dim)
{
	size_t len;
	int rc = rv_coll_check_id_str(c, id, &len, NULL, 0);
	if (rc != RV_OK)
		return rc;
	if (!out)
		return rv_error(c, RV_EINVAL, "out is NULL");
	if (dim != c->opts.dim)
		return rv_error(c, RV_EDIM, "output holds %zu floats; the collection has %u dimensions", dim, c->opts.dim);
	rv_rwlock_rdlock(&c->index->rw);
	uint32_t slot = rv_idmap_find(&c->ids, id, len);
	if (slot != RV_IDMAP_NONE)
		rv_index_get_vector(c->index, slot, out);
	rv_rwlock_unlock(&c->index->rw);
	if (slot == RV_IDMAP_NONE)
		return rv_error(c, RV_ENOTFOUND, "no record with id \"%s\"", id);
	return RV_OK;
}

/* ---- inspection ---- */

void rv_collection_stats(rv_collection *c, rv_stats *out)
{
	memset(out, 0, sizeof *out);
	rv_index *x = c->index;
	out->count = rv_count(c);
	out->dim = c->opts.dim;
	out->isa = x->k->name;
	rv_rwlock_rdlock(&x->rw);
	out->capacity = x->capacity;
	rv_mutex_lock(&x->slot_lock);
	out->free_slots = x->n_free;
	rv_mutex_unlock(&x->slot_lock);
	rv_rwlock_unlock(&x->rw);
	out->pending_deletes = atomic_load(&x->n_pending);
	uint64_t e = atomic_load(&x->entry);
	out->max_level = e == RV_NO_ENTRY ? 0 : (uint32_t)(e >> 32);
	out->memory_bytes = sizeof *c + rv_index_memory(x) + rv_idmap_memory(&c->ids);
	out->quant = c->opts.quant;
	rv_rwlock_rdlock(&x->rw);
	out->quant_trained = x->quant != NULL;
	rv_rwlock_unlock(&x->rw);
	size_t heap, mapped;
	rv_index_vector_bytes(x, &heap, &mapped);
	out->vector_bytes = heap;
	out->mapped_bytes = mapped;
	rv_rwlock_rdlock(&x->rw);
	out->code_bytes = x->quant ? x->capacity * x->quant->code_bytes + rv_quant_param_bytes(x->quant) : 0;
	rv_rwlock_unlock(&x->rw);
}

/* ---- checkpoints ---- */

int rv_checkpoint(rv_collection *c) { return rv_persist_checkpoint(c, false); }

int rv_compact(rv_collection *c)
{
	if (c->persist)
		return rv_persist_checkpoint(c, true);
	/* in memory: repair and renumber, which is all compaction means there */
	return rv_optimize(c);
}

void rv_collection_storage(rv_collection *c, rv_storage_stats *out) { rv_persist_stats(c, out); }
