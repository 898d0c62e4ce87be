/*
 * hyper_api.c: the hypergraph's writes (ruvector.h, "Hypergraph"), in the
 * collection's three steps (collection.h): validate and log under wlock,
 * apply (hyper.c), then wait for the log after releasing wlock; and the
 * replay of their log frames at open (replay.c hands them here).
 *
 * A put is validated whole before anything is logged: every field, every
 * member against the records that exist now (under wlock, so none can go
 * between the check and the apply). The frame holds the hyperedges in
 * their encoded form (hyper.c, persist.h), so replay decodes and validates
 * exactly what a segment load does.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../util/alloc.h"
#include "../util/error.h"
#include "../util/utf8.h"
#include "hyper.h"
#include "persist.h"

void rv_hyperedge_init(rv_hyperedge *e)
{
	memset(e, 0, sizeof *e);
	e->confidence = 1.0f;
	e->valid_from = RV_TIME_MIN;
	e->valid_to = RV_TIME_MAX;
}

static bool record_exists(rv_collection *c, const char *id, size_t len)
{
	return rv_idmap_find(&c->ids, id, len) != RV_IDMAP_NONE;
}

/* Prefix the message just set with the hyperedge's id (copied out first:
 * rv_error formats into the buffer rv_errmsg points at). */
static int annotate(rv_collection *c, int rc, const char *id)
{
	char why[400];
	snprintf(why, sizeof why, "%s", rv_errmsg(c));
	return rv_error(c, rc, "hyperedge \"%s\": %s", id, why);
}

/* Validate entry i (not the members' existence) into in; the payload is
 * encoded into *blob (rv_free it). */
static int check_edge(rv_collection *c, const rv_hyperedge *e, size_t i, rv_hedge_in *in, uint8_t **blob)
{
	size_t len;
	int rc = rv_coll_check_id_str(c, e->id, &len, "hyperedge", i);
	if (rc != RV_OK)
		return rc;
	if (e->n_members < 2 || e->n_members > RV_HEDGE_MEMBERS_MAX)
		return rv_error(c, RV_EINVAL, "hyperedge \"%s\" has %zu members; it must have 2..%u", e->id, e->n_members,
		                RV_HEDGE_MEMBERS_MAX);
	if (!e->members)
		return rv_error(c, RV_EINVAL, "hyperedge \"%s\": members is NULL", e->id);
	for (size_t m = 0; m < e->n_members; m++) {
		size_t ml;
		if ((rc = rv_coll_check_id_str(c, e->members[m], &ml, "member", m)) != RV_OK)
			return annotate(c, rc, e->id);
		for (size_t k = 0; k < m; k++)
			if (strcmp(e->members[k], e->members[m]) == 0)
				return rv_error(c, RV_EINVAL, "hyperedge \"%s\": member \"%s\" appears twice (members %zu and %zu)",
				                e->id, e->members[m], k, m);
	}
	size_t dl = e->description ? strlen(e->description) : 0;
	if (dl > RV_HEDGE_DESC_MAX || (dl && rv_utf8_check(e->description, dl) != dl))
		return rv_error(c, RV_EINVAL, "hyperedge \"%s\": description is longer than %u bytes or not UTF-8", e->id,
		                RV_HEDGE_DESC_MAX);
	if (!(e->confidence >= 0.0f && e->confidence <= 1.0f))
		return rv_error(c, RV_EINVAL, "hyperedge \"%s\": confidence is %g; it must be in [0, 1]", e->id,
		                (double)e->confidence);
	if (e->valid_from >= e->valid_to)
		return rv_error(c, RV_EINVAL, "hyperedge \"%s\": valid_from (%lld) must be before valid_to (%lld)", e->id,
		                (long long)e->valid_from, (long long)e->valid_to);
	if (e->embedding && (rc = rv_coll_check_vector(c, e->embedding, e->dim, "embedding of hyperedge", i)) != RV_OK)
		return annotate(c, rc, e->id);
	*blob = NULL;
	if (e->payload) {
		char why[160];
		rc = rv_payload_from_json(e->payload, strlen(e->payload), blob, why, sizeof why);
		if (rc != RV_OK)
			return rv_error(c, rc, "hyperedge \"%s\": payload: %s", e->id, why);
	}
	*in = (rv_hedge_in){e->id, len, e->n_members, e->members, e->ordered != 0, e->description ? e->description : "",
	                    dl, (const unsigned char *)e->embedding, e->confidence, e->valid_from, e->valid_to, *blob};
	return RV_OK;
}

static bool in_is(const void *ctx, uint32_t v, const void *key, size_t len)
{
	const rv_hedge_in *in = ctx;
	return in[v].idlen == len && memcmp(in[v].id, key, len) == 0;
}

/* The first repeated id of a batch: 1 with its entries, 0, or RV_ENOMEM. */
static int find_repeat(size_t n, const rv_hedge_in *in, size_t *first, size_t *second)
{
	rv_hashtab t = {0};
	if (n >= RV_HASHTAB_NONE || !rv_hashtab_reserve(&t, n))
		return RV_ENOMEM;
	int found = 0;
	for (size_t i = 0; i < n && !found; i++) {
		uint32_t hash = (uint32_t)rv_hash_bytes(in[i].id, in[i].idlen);
		bool dup;
		size_t b = rv_hashtab_probe(&t, hash, in_is, in, in[i].id, in[i].idlen, &dup);
		if (dup) {
			*first = t.b[b].value;
			*second = i;
			found = 1;
		} else {
			rv_hashtab_insert(&t, &b, hash, (uint32_t)i); /* room reserved */
		}
	}
	rv_hashtab_free(&t);
	return found;
}

static int refuse_readonly(const rv_collection *c)
{
	return rv_error(c, RV_EREADONLY, "collection \"%s\" is open read-only", c->name);
}

/* Log a frame of n encoded hyperedges (or ids) (wlock held). */
static int log_put(rv_collection *c, size_t n, const rv_hedge_in *in, rv_ticket *t)
{
	size_t total = 8;
	for (size_t i = 0; i < n; i++)
		total += rv_hyper_encoded_size(&in[i], c->opts.dim);
	unsigned char *b = rv_malloc(total);
	if (!b)
		return rv_error(c, RV_ENOMEM, "out of memory logging %zu hyperedges", n);
	memset(b, 0, 8);
	rv_put32(b, (uint32_t)n);
	size_t at = 8;
	for (size_t i = 0; i < n; i++) {
		rv_hyper_encode(&in[i], c->opts.dim, b + at);
		at += rv_hyper_encoded_size(&in[i], c->opts.dim);
	}
	const void *parts[1] = {b};
	int rc = rv_persist_log_frame(c, FRAME_HEDGE_PUT, parts, &total, 1, t);
	rv_free(b);
	return rc;
}

int rv_hyperedge_put(rv_collection *c, size_t n, const rv_hyperedge *edges, unsigned flags)
{
	if (n == 0)
		return RV_OK;
	if (!edges)
		return rv_error(c, RV_EINVAL, "edges is NULL");
	if (n > RV_MAX_VECTORS)
		return rv_error(c, RV_EINVAL, "a batch of %zu hyperedges is too large", n);
	if (flags & ~RV_UPSERT)
		return rv_error(c, RV_EINVAL, "flags 0x%x: only RV_UPSERT is known", flags);
	rv_hedge_in *in = rv_calloc(n, sizeof *in);
	uint8_t **blobs = rv_calloc(n, sizeof *blobs);
	int rc = in && blobs ? RV_OK : rv_error(c, RV_ENOMEM, "out of memory for %zu hyperedges", n);
	for (size_t i = 0; rc == RV_OK && i < n; i++)
		rc = check_edge(c, &edges[i], i, &in[i], &blobs[i]);
	if (rc == RV_OK && c->readonly)
		rc = refuse_readonly(c);
	/* ids repeating in the batch: the later wins with RV_UPSERT, else an error */
	size_t ra, rb;
	int r = rc == RV_OK && !(flags & RV_UPSERT) ? find_repeat(n, in, &ra, &rb) : 0;
	if (r == RV_ENOMEM)
		rc = rv_error(c, RV_ENOMEM, "out of memory checking the batch's ids");
	else if (r)
		rc = rv_error(c, RV_EEXIST, "hyperedge \"%s\" appears twice in the batch (entries %zu and %zu)",
		              in[rb].id, ra, rb);
	if (rc != RV_OK)
		goto out;
	rv_mutex_lock(&c->wlock);
	rv_hyper *h = c->hyper;
	for (size_t i = 0; rc == RV_OK && i < n; i++) {
		for (size_t m = 0; rc == RV_OK && m < in[i].n; m++)
			if (!record_exists(c, in[i].members[m], strlen(in[i].members[m])))
				rc = rv_error(c, RV_ENOTFOUND, "hyperedge \"%s\" (entry %zu): member \"%s\" is no record", in[i].id,
				              i, in[i].members[m]);
		if (rc == RV_OK && !(flags & RV_UPSERT)) {
			rv_rwlock_rdlock(&h->lock);
			bool there = rv_hyper_find_edge(h, in[i].id, in[i].idlen) != RV_HASHTAB_NONE;
			rv_rwlock_unlock(&h->lock);
			if (there)
				rc = rv_error(c, RV_EEXIST, "hyperedge \"%s\" (entry %zu) exists; pass RV_UPSERT to replace it",
				              in[i].id, i);
		}
	}
	rv_ticket t;
	if (rc == RV_OK)
		rc = log_put(c, n, in, &t);
	if (rc == RV_OK) {
		rc = rv_hyper_apply_put(h, n, in);
		if (rc != RV_OK) {
			rv_persist_unlog(c, &t);
			rc = rv_error(c, rc, "out of memory writing %zu hyperedges", n);
		}
	}
	rv_mutex_unlock(&c->wlock);
	if (rc == RV_OK)
		rc = rv_persist_commit(c, &t);
	if (rc == RV_OK)
		rv_persist_after_write(c);
out:
	rv_coll_free_blobs(blobs, n);
	rv_free(in);
	return rc;
}

int rv_hyperedge_delete(rv_collection *c, size_t n, const char *const *ids)
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
		for (size_t j = 0; j < i && n <= 1024; j++)
			if (strcmp(ids[i], ids[j]) == 0)
				return rv_error(c, RV_EINVAL, "hyperedge \"%s\" appears twice (entries %zu and %zu)", ids[i], j, i);
	}
	if (c->readonly)
		return refuse_readonly(c);
	rv_mutex_lock(&c->wlock);
	rv_hyper *h = c->hyper;
	rv_rwlock_rdlock(&h->lock);
	int rc = RV_OK;
	for (size_t i = 0; i < n && rc == RV_OK; i++)
		if (rv_hyper_find_edge(h, ids[i], strlen(ids[i])) == RV_HASHTAB_NONE)
			rc = rv_error(c, RV_ENOTFOUND, "no hyperedge with id \"%s\" (entry %zu); nothing was deleted", ids[i],
			              i);
	rv_rwlock_unlock(&h->lock);
	rv_ticket t;
	if (rc == RV_OK) {
		size_t total = 8;
		for (size_t i = 0; i < n; i++)
			total += 1 + strlen(ids[i]);
		unsigned char *b = rv_malloc(total);
		if (!b)
			rc = rv_error(c, RV_ENOMEM, "out of memory logging a delete");
		if (b) {
			memset(b, 0, 8);
			rv_put32(b, (uint32_t)n);
			size_t at = 8;
			for (size_t i = 0; i < n; i++) {
				size_t l = strlen(ids[i]);
				b[at++] = (unsigned char)l;
				memcpy(b + at, ids[i], l);
				at += l;
			}
			const void *parts[1] = {b};
			rc = rv_persist_log_frame(c, FRAME_HEDGE_DEL, parts, &total, 1, &t);
			rv_free(b);
		}
	}
	if (rc == RV_OK)
		rv_hyper_apply_delete(h, n, ids);
	rv_mutex_unlock(&c->wlock);
	if (rc == RV_OK)
		rc = rv_persist_commit(c, &t);
	if (rc == RV_OK)
		rv_persist_after_write(c);
	return rc;
}
