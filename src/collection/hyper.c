/*
 * hyper.c: the hypergraph store (hyper.h): hyperedges, the nodes of the
 * records they tie, the incidence lists both ways, and the HNSW index of
 * their embeddings. Applies puts, deletes and the delete rule for records;
 * encodes and decodes a hyperedge (the log frames and the segment section
 * share the form, persist.h); checks the whole for `check`.
 *
 * A put applies whole or not at all: every allocation it needs is made
 * before anything becomes visible, and a failure part-way takes back what
 * was linked (the same undo as the collection's inserts, state.c). A
 * delete and a detach never allocate, so the record delete that triggers a
 * detach (state.c, which cannot fail) stays a call that cannot fail.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../util/alloc.h"
#include "../util/error.h"
#include "../util/utf8.h"
#include "hyper.h"
#include "payload.h"

#define FLAG_ORDERED 0x1u
#define FLAG_EMB 0x2u
#define FLAG_PAYLOAD 0x4u
/* id length byte, flags, zero, u16 members, f32, 2 x i64, u32 desc length */
#define FIXED_BYTES (1 + 1 + 1 + 2 + 4 + 16 + 4)

static bool edge_eq(const void *ctx, uint32_t v, const void *key, size_t len)
{
	const rv_hyper *h = ctx;
	return h->e[v].idlen == len && memcmp(h->e[v].id, key, len) == 0;
}

static bool node_eq(const void *ctx, uint32_t v, const void *key, size_t len)
{
	const rv_hyper *h = ctx;
	return h->v[v].idlen == len && memcmp(h->v[v].id, key, len) == 0;
}

uint32_t rv_hyper_find_edge(const rv_hyper *h, const char *id, size_t len)
{
	return rv_hashtab_find(&h->etab, (uint32_t)rv_hash_bytes(id, len), edge_eq, h, id, len);
}

uint32_t rv_hyper_find_node(const rv_hyper *h, const char *id, size_t len)
{
	return rv_hashtab_find(&h->vtab, (uint32_t)rv_hash_bytes(id, len), node_eq, h, id, len);
}

int rv_hyper_new(uint32_t dim, const rv_index_params *ip, unsigned threads, rv_hyper **out)
{
	rv_hyper *h = rv_calloc(1, sizeof *h);
	if (!h)
		return RV_ENOMEM;
	if (rv_rwlock_init(&h->lock) != 0) {
		rv_free(h);
		return RV_ENOMEM;
	}
	if (rv_mutex_init(&h->tlock) != 0) {
		rv_rwlock_destroy(&h->lock);
		rv_free(h);
		return RV_ENOMEM;
	}
	h->dim = dim;
	h->ip = *ip;
	h->threads = threads ? threads : 1;
	*out = h;
	return RV_OK;
}

static void free_edge_fields(rv_hedge *e)
{
	rv_free(e->id);
	rv_free(e->members);
	rv_free(e->desc);
	rv_free(e->emb);
	rv_free(e->payload);
	memset(e, 0, sizeof *e);
	e->slot = RV_NO_SLOT;
}

void rv_hyper_free(rv_hyper *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->ne; i++)
		free_edge_fields(&h->e[i]);
	for (size_t i = 0; i < h->nv; i++) {
		rv_free(h->v[i].id);
		rv_free(h->v[i].edges);
	}
	rv_free(h->e);
	rv_free(h->efree);
	rv_free(h->v);
	rv_free(h->vfree);
	rv_hashtab_free(&h->etab);
	rv_hashtab_free(&h->vtab);
	if (h->index)
		rv_index_free(h->index);
	rv_free(h->slot_edge);
	rv_free(h->byfrom);
	rv_free(h->byto);
	rv_mutex_destroy(&h->tlock);
	rv_rwlock_destroy(&h->lock);
	rv_free(h);
}

/* ---- nodes and incidence ---- */

/* The node of record id, created when absent. RV_HASHTAB_NONE when out of
 * memory (nothing changed). */
static uint32_t node_get(rv_hyper *h, const char *id, size_t len)
{
	uint32_t hash = (uint32_t)rv_hash_bytes(id, len);
	bool found;
	size_t b = rv_hashtab_probe(&h->vtab, hash, node_eq, h, id, len, &found);
	if (found)
		return h->vtab.b[b].value;
	uint32_t v;
	if (h->nvfree) {
		v = h->vfree[h->nvfree - 1];
	} else {
		if (h->nv >= UINT32_MAX - 1 || !rv_grow_array((void **)&h->v, &h->vcap, h->nv + 1, sizeof *h->v))
			return RV_HASHTAB_NONE;
		v = (uint32_t)h->nv;
		memset(&h->v[v], 0, sizeof h->v[v]);
	}
	char *copy = rv_strndup(id, len);
	if (!copy)
		return RV_HASHTAB_NONE;
	if (!rv_hashtab_insert(&h->vtab, &b, hash, v)) {
		rv_free(copy);
		return RV_HASHTAB_NONE;
	}
	if (h->nvfree)
		h->nvfree--;
	else
		h->nv++;
	h->v[v].id = copy;
	h->v[v].idlen = (uint32_t)len;
	h->v[v].n = 0;
	h->nodes++;
	return v;
}

/* Free node v (no edges left). Never allocates: the free list has room
 * for every node (reserved when the node table grew). */
static void node_drop(rv_hyper *h, uint32_t v)
{
	rv_hnode *nd = &h->v[v];
	bool found;
	size_t b = rv_hashtab_probe(&h->vtab, (uint32_t)rv_hash_bytes(nd->id, nd->idlen), node_eq, h, nd->id,
	                            nd->idlen, &found);
	if (found)
		rv_hashtab_remove_at(&h->vtab, b);
	rv_free(nd->id);
	rv_free(nd->edges);
	memset(nd, 0, sizeof *nd);
	h->vfree[h->nvfree++] = v;
	h->nodes--;
}

static void node_unlink(rv_hyper *h, uint32_t v, uint32_t e)
{
	rv_hnode *nd = &h->v[v];
	for (uint32_t i = 0; i < nd->n; i++)
		if (nd->edges[i] == e) {
			nd->edges[i] = nd->edges[--nd->n];
			break;
		}
	if (nd->n == 0)
		node_drop(h, v);
}

/* Remove edge e entirely (no allocation). */
static void edge_drop(rv_hyper *h, uint32_t e)
{
	rv_hedge *ed = &h->e[e];
	for (uint32_t i = 0; i < ed->n; i++)
		node_unlink(h, ed->members[i], e);
	h->incidences -= ed->n;
	bool found;
	size_t b = rv_hashtab_probe(&h->etab, (uint32_t)rv_hash_bytes(ed->id, ed->idlen), edge_eq, h, ed->id,
	                            ed->idlen, &found);
	if (found)
		rv_hashtab_remove_at(&h->etab, b);
	if (ed->slot != RV_NO_SLOT) {
		rv_index_mark_deleted(h->index, ed->slot);
		h->slot_edge[ed->slot] = RV_HASHTAB_NONE;
		h->embedded--;
	}
	free_edge_fields(ed);
	h->efree[h->nefree++] = e;
	h->live--;
	h->tdirty = true;
}

/* Room for one more edge entry and its free-list place; for `extra` more
 * nodes and their free-list places. */
static bool reserve(rv_hyper *h, size_t edges, size_t nodes)
{
	return rv_grow_array((void **)&h->e, &h->ecap, h->ne + edges, sizeof *h->e) &&
	       rv_grow_array((void **)&h->efree, &h->efree_cap, h->ne + edges, sizeof *h->efree) &&
	       rv_grow_array((void **)&h->v, &h->vcap, h->nv + nodes, sizeof *h->v) &&
	       rv_grow_array((void **)&h->vfree, &h->vfree_cap, h->nv + nodes, sizeof *h->vfree) &&
	       rv_hashtab_reserve(&h->etab, h->etab.count + edges) && rv_hashtab_reserve(&h->vtab, h->vtab.count + nodes);
}

static int ensure_index(rv_hyper *h)
{
	if (h->index)
		return RV_OK;
	return rv_index_new(&h->ip, &h->index);
}

typedef struct link_job {
	rv_index *x;
	const uint32_t *slots;
} link_job;

static int link_one(void *arg, size_t i, unsigned worker)
{
	(void)worker;
	link_job *j = arg;
	return rv_hnsw_link(j->x, j->slots[i]);
}

/* Build edge entry number `e` from in (allocations only; nothing linked).
 * RV_ENOMEM leaves the entry free. */
static int edge_fill(rv_hyper *h, uint32_t e, const rv_hedge_in *in)
{
	rv_hedge *ed = &h->e[e];
	memset(ed, 0, sizeof *ed);
	ed->slot = RV_NO_SLOT;
	ed->id = rv_strndup(in->id, in->idlen);
	ed->members = rv_malloc(in->n * sizeof *ed->members);
	ed->desc = rv_strndup(in->desc ? in->desc : "", in->desc_len);
	if (in->emb)
		ed->emb = rv_malloc((size_t)h->dim * sizeof(float));
	if (in->payload)
		ed->payload = rv_payload_dup(in->payload);
	if (!ed->id || !ed->members || !ed->desc || (in->emb && !ed->emb) || (in->payload && !ed->payload)) {
		free_edge_fields(ed);
		return RV_ENOMEM;
	}
	ed->idlen = (uint32_t)in->idlen;
	ed->desc_len = (uint32_t)in->desc_len;
	if (in->emb)
		memcpy(ed->emb, in->emb, (size_t)h->dim * sizeof(float));
	ed->ordered = in->ordered;
	ed->confidence = in->confidence;
	ed->from = in->from;
	ed->to = in->to;
	return RV_OK;
}

/* Link edge e to its members' nodes. On RV_ENOMEM everything linked so far
 * is taken back. */
static int edge_link(rv_hyper *h, uint32_t e, const rv_hedge_in *in)
{
	rv_hedge *ed = &h->e[e];
	for (size_t i = 0; i < in->n; i++) {
		size_t len = strlen(in->members[i]);
		uint32_t v = node_get(h, in->members[i], len);
		if (v == RV_HASHTAB_NONE ||
		    !rv_grow_array((void **)&h->v[v].edges, &h->v[v].cap, h->v[v].n + 1, sizeof(uint32_t))) {
			if (v != RV_HASHTAB_NONE && h->v[v].n == 0)
				node_drop(h, v);
			for (uint32_t j = 0; j < ed->n; j++)
				node_unlink(h, ed->members[j], e);
			ed->n = 0;
			return RV_ENOMEM;
		}
		rv_hnode *nd = &h->v[v];
		nd->edges[nd->n++] = e;
		ed->members[ed->n++] = v;
	}
	return RV_OK;
}

int rv_hyper_apply_put(rv_hyper *h, size_t n, const rv_hedge_in *in)
{
	size_t members = 0, embedded = 0;
	for (size_t i = 0; i < n; i++) {
		members += in[i].n;
		embedded += in[i].emb != NULL;
	}
	rv_rwlock_wrlock(&h->lock);
	int rc = reserve(h, n, members) ? RV_OK : RV_ENOMEM;
	if (rc == RV_OK && embedded)
		rc = ensure_index(h);
	uint32_t *nums = rc == RV_OK ? rv_malloc((n ? n : 1) * sizeof *nums) : NULL;
	uint32_t *slots = rc == RV_OK ? rv_malloc((embedded ? embedded : 1) * sizeof *slots) : NULL;
	if (rc == RV_OK && (!nums || !slots))
		rc = RV_ENOMEM;
	if (rc != RV_OK) {
		rv_free(nums);
		rv_free(slots);
		rv_rwlock_unlock(&h->lock);
		return rc;
	}
	/* Build and link every new edge first; none is in the id table yet,
	 * so a failure takes them back without touching the edges they
	 * replace. */
	size_t done = 0, ns = 0;
	for (; done < n; done++) {
		uint32_t e = h->nefree ? h->efree[--h->nefree] : (uint32_t)h->ne++;
		nums[done] = e;
		rc = edge_fill(h, e, &in[done]);
		if (rc == RV_OK && (rc = edge_link(h, e, &in[done])) != RV_OK)
			free_edge_fields(&h->e[e]);
		if (rc == RV_OK && in[done].emb) {
			rc = rv_index_alloc(h->index, (const float *)h->e[e].emb, &h->e[e].slot);
			if (rc == RV_OK) {
				slots[ns++] = h->e[e].slot;
			} else {
				for (uint32_t j = 0; j < h->e[e].n; j++)
					node_unlink(h, h->e[e].members[j], e);
				free_edge_fields(&h->e[e]);
			}
		}
		if (rc != RV_OK) {
			h->efree[h->nefree++] = e;
			break;
		}
	}
	if (rc == RV_OK && ns) {
		size_t top = 0;
		for (size_t i = 0; i < ns; i++)
			top = slots[i] + (size_t)1 > top ? slots[i] + (size_t)1 : top;
		if (!rv_grow_array((void **)&h->slot_edge, &h->slot_cap, top, sizeof *h->slot_edge))
			rc = RV_ENOMEM;
		if (rc == RV_OK) {
			link_job job = {h->index, slots};
			rc = rv_parallel_for(ns, ns < 64 ? 1 : h->threads, 16, link_one, &job);
			if (rc != RV_OK) {
				/* some are linked: delete them all (repair unlinks) */
				for (size_t i = 0; i < ns; i++) {
					rv_index_mark_deleted(h->index, slots[i]);
					rv_index_publish(h->index, slots[i]);
				}
				ns = 0;
			}
		}
	}
	if (rc != RV_OK) {
		for (size_t i = 0; i < ns; i++)
			rv_index_release_unlinked(h->index, slots[i]);
		for (size_t i = 0; i < done; i++) {
			rv_hedge *ed = &h->e[nums[i]];
			for (uint32_t j = 0; j < ed->n; j++)
				node_unlink(h, ed->members[j], nums[i]);
			free_edge_fields(ed);
			h->efree[h->nefree++] = nums[i];
		}
		rv_free(nums);
		rv_free(slots);
		rv_rwlock_unlock(&h->lock);
		return rc;
	}
	/* Commit: each replaces an edge of its id (an upsert, or an earlier
	 * entry of this batch: the later wins), goes into the id table and
	 * shows. Nothing here allocates (reserved above). */
	for (size_t i = 0; i < n; i++) {
		uint32_t e = nums[i], hash = (uint32_t)rv_hash_bytes(in[i].id, in[i].idlen);
		bool found;
		size_t b = rv_hashtab_probe(&h->etab, hash, edge_eq, h, in[i].id, in[i].idlen, &found);
		if (found) {
			edge_drop(h, h->etab.b[b].value);
			b = rv_hashtab_probe(&h->etab, hash, edge_eq, h, in[i].id, in[i].idlen, &found);
		}
		(void)rv_hashtab_insert(&h->etab, &b, hash, e);
		h->live++;
		h->incidences += h->e[e].n;
		if (h->e[e].slot != RV_NO_SLOT) {
			h->slot_edge[h->e[e].slot] = e;
			h->embedded++;
			rv_index_publish(h->index, h->e[e].slot);
		}
	}
	/* deleted embeddings are unlinked in batches, as the collection's */
	size_t pending = h->index ? atomic_load(&h->index->n_pending) : 0;
	if (pending >= 64 && pending >= h->embedded / 64)
		(void)rv_hnsw_repair(h->index, h->threads);
	h->tdirty = true;
	rv_free(nums);
	rv_free(slots);
	rv_rwlock_unlock(&h->lock);
	return RV_OK;
}

void rv_hyper_apply_delete(rv_hyper *h, size_t n, const char *const *ids)
{
	rv_rwlock_wrlock(&h->lock);
	for (size_t i = 0; i < n; i++) {
		uint32_t e = rv_hyper_find_edge(h, ids[i], strlen(ids[i]));
		if (e != RV_HASHTAB_NONE)
			edge_drop(h, e);
	}
	rv_rwlock_unlock(&h->lock);
}

void rv_hyper_detach(rv_hyper *h, const char *id, size_t len)
{
	rv_rwlock_wrlock(&h->lock);
	uint32_t v = rv_hyper_find_node(h, id, len);
	while (v != RV_HASHTAB_NONE && h->v[v].id && h->v[v].n > 0) {
		uint32_t e = h->v[v].edges[h->v[v].n - 1];
		rv_hedge *ed = &h->e[e];
		if (ed->n <= 2) {
			edge_drop(h, e); /* drops v too when this was its last edge */
			continue;
		}
		uint32_t k = 0;
		for (uint32_t i = 0; i < ed->n; i++)
			if (ed->members[i] != v)
				ed->members[k++] = ed->members[i];
		h->incidences -= ed->n - k;
		ed->n = k;
		h->v[v].n--;
		if (h->v[v].n == 0)
			node_drop(h, v);
	}
	rv_rwlock_unlock(&h->lock);
}

/* ---- the encoded form (persist.h, HYPEREDGE) ---- */

size_t rv_hyper_encoded_size(const rv_hedge_in *in, uint32_t dim)
{
	size_t s = FIXED_BYTES + in->idlen + in->desc_len;
	for (size_t i = 0; i < in->n; i++)
		s += 1 + strlen(in->members[i]);
	if (in->emb)
		s += (size_t)dim * 4;
	if (in->payload)
		s += rv_payload_size(in->payload);
	return s;
}

void rv_hyper_encode(const rv_hedge_in *in, uint32_t dim, unsigned char *b)
{
	size_t at = 0;
	b[at++] = (unsigned char)((in->ordered ? FLAG_ORDERED : 0) | (in->emb ? FLAG_EMB : 0) |
	                          (in->payload ? FLAG_PAYLOAD : 0));
	b[at++] = 0;
	b[at++] = (unsigned char)(in->n & 0xff);
	b[at++] = (unsigned char)(in->n >> 8);
	uint32_t cbits;
	memcpy(&cbits, &in->confidence, 4);
	rv_put32(b + at, cbits);
	rv_put64(b + at + 4, (uint64_t)in->from);
	rv_put64(b + at + 12, (uint64_t)in->to);
	rv_put32(b + at + 20, (uint32_t)in->desc_len);
	at += 24;
	memcpy(b + at, in->desc, in->desc_len);
	at += in->desc_len;
	if (in->emb) {
		memcpy(b + at, in->emb, (size_t)dim * 4);
		at += (size_t)dim * 4;
	}
	if (in->payload) {
		memcpy(b + at, in->payload, rv_payload_size(in->payload));
		at += rv_payload_size(in->payload);
	}
	/* ids last: a frame then ends in a byte that is not NUL, which the
	 * log's torn-write rule relies on (storage/wal.c, T3) */
	for (size_t i = 0; i < in->n; i++) {
		size_t l = strlen(in->members[i]);
		b[at++] = (unsigned char)l;
		memcpy(b + at, in->members[i], l);
		at += l;
	}
	b[at++] = (unsigned char)in->idlen;
	memcpy(b + at, in->id, in->idlen);
}

void rv_hyper_view(const rv_hyper *h, uint32_t e, const char **ptrs, rv_hedge_in *out)
{
	const rv_hedge *ed = &h->e[e];
	for (uint32_t i = 0; i < ed->n; i++)
		ptrs[i] = h->v[ed->members[i]].id;
	*out = (rv_hedge_in){ed->id, ed->idlen, ed->n, ptrs, ed->ordered, ed->desc, ed->desc_len,
	                     (const unsigned char *)ed->emb, ed->confidence, ed->from, ed->to, ed->payload};
}

static bool id_ok(const char *s, size_t l)
{
	return l >= 1 && l <= RV_ID_MAX && memchr(s, 0, l) == NULL && rv_utf8_check(s, l) == l;
}

int rv_hyper_decode(const unsigned char *b, size_t len, uint32_t dim, rv_metric metric, char *store,
                    const char **ptrs, rv_hedge_in *out, size_t *used, char *why, size_t why_size)
{
#define BAD(...) do { snprintf(why, why_size, __VA_ARGS__); return RV_ECORRUPT; } while (0)
	size_t at = 0;
	if (len < FIXED_BYTES - 1)
		BAD("hyperedge cut short");
	unsigned flags = b[0];
	size_t n = (size_t)b[2] | (size_t)b[3] << 8;
	if (flags & ~7u || b[1] || n < 2 || n > RV_HEDGE_MEMBERS_MAX)
		BAD("hyperedge: bad flags or member count");
	at = 4;
	uint32_t cbits = rv_get32(b + at);
	memcpy(&out->confidence, &cbits, 4);
	out->from = (int64_t)rv_get64(b + at + 4);
	out->to = (int64_t)rv_get64(b + at + 12);
	size_t dl = rv_get32(b + at + 20);
	at += 24;
	if (!(out->confidence >= 0.0f && out->confidence <= 1.0f) || out->from >= out->to)
		BAD("hyperedge: confidence or validity out of range");
	if (dl > RV_HEDGE_DESC_MAX || len - at < dl || rv_utf8_check((const char *)b + at, dl) != dl ||
	    memchr(b + at, 0, dl))
		BAD("hyperedge: bad description");
	out->desc = (const char *)b + at;
	out->desc_len = dl;
	at += dl;
	out->emb = NULL;
	if (flags & FLAG_EMB) {
		if (len - at < (size_t)dim * 4)
			BAD("hyperedge: embedding cut short");
		bool nonzero = false;
		for (uint32_t j = 0; j < dim; j++) {
			float f;
			memcpy(&f, b + at + (size_t)j * 4, 4);
			if (!isfinite(f))
				BAD("hyperedge: embedding component %u is not finite", j);
			nonzero |= f != 0.0f;
		}
		if (metric == RV_METRIC_COSINE && !nonzero)
			BAD("hyperedge: zero embedding under cosine");
		out->emb = b + at;
		at += (size_t)dim * 4;
	}
	out->payload = NULL;
	if (flags & FLAG_PAYLOAD) {
		size_t sz;
		char pwhy[120];
		if (rv_payload_check(b + at, len - at, &sz, pwhy, sizeof pwhy) != RV_OK)
			BAD("hyperedge: payload: %s", pwhy);
		out->payload = b + at;
		at += sz;
	}
	for (size_t i = 0; i < n; i++) {
		if (at >= len || len - at - 1 < b[at] || !id_ok((const char *)b + at + 1, b[at]))
			BAD("hyperedge: member %zu missing or invalid", i);
		char *s = store + i * (RV_ID_MAX + 1);
		memcpy(s, b + at + 1, b[at]);
		s[b[at]] = '\0';
		for (size_t j = 0; j < i; j++)
			if (strcmp(ptrs[j], s) == 0)
				BAD("hyperedge: member %zu repeats", i);
		ptrs[i] = s;
		at += 1 + (size_t)b[at];
	}
	out->n = n;
	out->members = ptrs;
	out->ordered = flags & FLAG_ORDERED;
	if (at >= len || len - at - 1 < b[at] || !id_ok((const char *)b + at + 1, b[at]))
		BAD("hyperedge id missing or invalid");
	out->id = (const char *)b + at + 1;
	out->idlen = b[at];
	at += 1 + (size_t)b[at];
	*used = at;
	return RV_OK;
#undef BAD
}

/* ---- the segment section ---- */

void rv_hyper_write_section(rv_hyper *h, rv_seg_writer *w, uint32_t section)
{
	rv_rwlock_rdlock(&h->lock);
	if (h->live) {
		unsigned char le[8];
		rv_put64(le, h->live);
		rv_seg_section(w, section);
		rv_seg_write(w, le, 8);
		const char *ptrs[RV_HEDGE_MEMBERS_MAX];
		unsigned char *buf = NULL;
		size_t cap = 0;
		for (size_t e = 0; e < h->ne; e++) {
			if (!h->e[e].id)
				continue;
			rv_hedge_in in;
			rv_hyper_view(h, (uint32_t)e, ptrs, &in);
			size_t sz = rv_hyper_encoded_size(&in, h->dim);
			if (!rv_grow_array((void **)&buf, &cap, sz, 1)) {
				/* the writer then fails at finish: a short section */
				rv_seg_write(w, "", 0);
				break;
			}
			rv_hyper_encode(&in, h->dim, buf);
			rv_seg_write(w, buf, sz);
		}
		rv_free(buf);
	}
	rv_rwlock_unlock(&h->lock);
}

int rv_hyper_load_section(rv_hyper *h, const unsigned char *b, size_t len, rv_metric metric,
                          bool (*exists)(void *ctx, const char *id, size_t len), void *ctx, char *why,
                          size_t why_size)
{
	if (len < 8) {
		snprintf(why, why_size, "hyperedge section shorter than its count");
		return RV_ECORRUPT;
	}
	uint64_t count = rv_get64(b);
	/* decoded in groups, so that a group's embeddings link in parallel */
	enum { GROUP = 1024 };
	rv_hedge_in *in = rv_malloc(GROUP * sizeof *in);
	char **stores = rv_calloc(GROUP, sizeof *stores);
	const char **ptrs = rv_malloc((size_t)GROUP * RV_HEDGE_MEMBERS_MAX * sizeof *ptrs);
	int rc = in && stores && ptrs ? RV_OK : RV_ENOMEM;
	size_t at = 8;
	uint64_t seen = 0;
	while (rc == RV_OK && at < len) {
		size_t g = 0;
		for (; g < GROUP && at < len && rc == RV_OK; g++) {
			if (!stores[g] && !(stores[g] = rv_malloc((size_t)RV_HEDGE_MEMBERS_MAX * (RV_ID_MAX + 1)))) {
				rc = RV_ENOMEM;
				break;
			}
			size_t used;
			rc = rv_hyper_decode(b + at, len - at, h->dim, metric, stores[g], ptrs + g * RV_HEDGE_MEMBERS_MAX,
			                     &in[g], &used, why, why_size);
			if (rc != RV_OK)
				break;
			for (size_t i = 0; i < in[g].n; i++)
				if (!exists(ctx, in[g].members[i], strlen(in[g].members[i]))) {
					snprintf(why, why_size, "hyperedge \"%.*s\" names member \"%s\", which is no record",
					         (int)in[g].idlen, in[g].id, in[g].members[i]);
					rc = RV_ECORRUPT;
				}
			if (rc == RV_OK && rv_hyper_find_edge(h, in[g].id, in[g].idlen) != RV_HASHTAB_NONE) {
				snprintf(why, why_size, "hyperedge \"%.*s\" stored twice", (int)in[g].idlen, in[g].id);
				rc = RV_ECORRUPT;
			}
			for (size_t j = 0; rc == RV_OK && j < g; j++)
				if (in[j].idlen == in[g].idlen && memcmp(in[j].id, in[g].id, in[g].idlen) == 0) {
					snprintf(why, why_size, "hyperedge \"%.*s\" stored twice", (int)in[g].idlen, in[g].id);
					rc = RV_ECORRUPT;
				}
			at += used;
		}
		if (rc == RV_OK && g)
			rc = rv_hyper_apply_put(h, g, in);
		seen += g;
	}
	if (rc == RV_OK && seen != count) {
		snprintf(why, why_size, "hyperedge section holds %llu hyperedges; its count says %llu",
		         (unsigned long long)seen, (unsigned long long)count);
		rc = RV_ECORRUPT;
	}
	for (size_t i = 0; stores && i < GROUP; i++)
		rv_free(stores[i]);
	rv_free(stores);
	rv_free(in);
	rv_free((void *)ptrs);
	return rc;
}

/* ---- check ---- */

int rv_hyper_check(rv_hyper *h, bool (*exists)(void *ctx, const char *id, size_t len), void *ctx, char *why,
                   size_t why_size)
{
	int rc = RV_ECORRUPT;
	rv_rwlock_rdlock(&h->lock);
	size_t live = 0, inc = 0, emb = 0, nodes = 0, back = 0;
	for (size_t e = 0; e < h->ne; e++) {
		const rv_hedge *ed = &h->e[e];
		if (!ed->id)
			continue;
		live++;
		inc += ed->n;
		if (ed->n < 2 || rv_hyper_find_edge(h, ed->id, ed->idlen) != e) {
			snprintf(why, why_size, "hyperedge \"%s\": fewer than 2 members, or not in the id table", ed->id);
			goto out;
		}
		for (uint32_t i = 0; i < ed->n; i++) {
			uint32_t v = ed->members[i];
			const rv_hnode *nd = v < h->nv ? &h->v[v] : NULL;
			bool listed = false;
			for (uint32_t j = 0; nd && nd->id && j < nd->n && !listed; j++)
				listed = nd->edges[j] == e;
			if (!listed) {
				snprintf(why, why_size, "hyperedge \"%s\": member %u's record does not list it", ed->id, i);
				goto out;
			}
			if (!exists(ctx, nd->id, nd->idlen)) {
				snprintf(why, why_size, "hyperedge \"%s\": member \"%s\" is no record", ed->id, nd->id);
				goto out;
			}
		}
		if (ed->slot != RV_NO_SLOT) {
			emb++;
			if (!h->index || ed->slot >= atomic_load(&h->index->n_slots) || h->slot_edge[ed->slot] != e ||
			    !rv_visible(h->index, ed->slot)) {
				snprintf(why, why_size, "hyperedge \"%s\": its embedding is not in the index", ed->id);
				goto out;
			}
		} else if (ed->emb) {
			snprintf(why, why_size, "hyperedge \"%s\": its embedding is not in the index", ed->id);
			goto out;
		}
	}
	for (size_t v = 0; v < h->nv; v++) {
		const rv_hnode *nd = &h->v[v];
		if (!nd->id)
			continue;
		nodes++;
		back += nd->n;
		if (nd->n == 0 || rv_hyper_find_node(h, nd->id, nd->idlen) != v) {
			snprintf(why, why_size, "record \"%s\": a node without hyperedges, or not in the table", nd->id);
			goto out;
		}
		for (uint32_t j = 0; j < nd->n; j++) {
			uint32_t e = nd->edges[j];
			bool member = false;
			for (uint32_t i = 0; e < h->ne && h->e[e].id && i < h->e[e].n && !member; i++)
				member = h->e[e].members[i] == v;
			if (!member) {
				snprintf(why, why_size, "record \"%s\" lists a hyperedge it is not a member of", nd->id);
				goto out;
			}
		}
	}
	if (live != h->live || inc != h->incidences || inc != back || emb != h->embedded || nodes != h->nodes ||
	    h->etab.count != live || h->vtab.count != nodes) {
		snprintf(why, why_size, "hypergraph counts disagree (%zu hyperedges, %zu incidences, %zu back)", live, inc,
		         back);
		goto out;
	}
	rc = RV_OK;
out:
	rv_rwlock_unlock(&h->lock);
	return rc;
}
