/*
 * hyper_query.c: reading a collection's hypergraph (hyper.h): search by
 * embedding under a filter and a time window, the time index and its
 * calendar buckets, k-hop traversal, weighted paths, a hyperedge as JSON,
 * and figures.
 *
 * THE TIME INDEX. Two arrays of (time, edge): by valid_from and by
 * valid_to, each sorted. An edge overlaps the window [a, b) when
 * from < b and to > a: the first is a prefix of the first array, the
 * second a suffix of the second, both found by binary search; the shorter
 * one is walked and the other condition checked per edge. A write marks the
 * index stale; the next read that needs it sorts it again (writes come in
 * batches, reads after them).
 *
 * SEARCH. When the window leaves few candidates (at most max(2048,
 * embedded/16), as filtered record searches decide), or the search is
 * exact, they are scanned exactly; otherwise the HNSW walk of the edge
 * index returns only edges that pass the window and the filter, and falls
 * back to the exact scan when it finds fewer than k (query.c's plan).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/alloc.h"
#include "../util/error.h"
#include "../util/json.h"
#include "collection.h"
#include "filter.h"
#include "hyper.h"

static int cmp_htime(const void *a, const void *b)
{
	const rv_htime *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return (x->e > y->e) - (x->e < y->e);
}

int rv_hyper_time_refresh(rv_hyper *h)
{
	if (!h->tdirty && h->ntime == h->live)
		return RV_OK;
	size_t n = h->live;
	rv_htime *f = rv_malloc((n ? n : 1) * sizeof *f), *t = rv_malloc((n ? n : 1) * sizeof *t);
	if (!f || !t) {
		rv_free(f);
		rv_free(t);
		return RV_ENOMEM;
	}
	size_t k = 0;
	for (size_t e = 0; e < h->ne && k < n; e++)
		if (h->e[e].id) {
			f[k] = (rv_htime){h->e[e].from, (uint32_t)e};
			t[k++] = (rv_htime){h->e[e].to, (uint32_t)e};
		}
	qsort(f, k, sizeof *f, cmp_htime);
	qsort(t, k, sizeof *t, cmp_htime);
	rv_free(h->byfrom);
	rv_free(h->byto);
	h->byfrom = f;
	h->byto = t;
	h->ntime = k;
	h->tdirty = false;
	return RV_OK;
}

/* First index in a[0..n) with a[i].t >= t (strict: > t). */
static size_t lower(const rv_htime *a, size_t n, int64_t t, bool strict)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strict ? a[mid].t <= t : a[mid].t < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	if (timespec_get(&ts, TIME_UTC) != TIME_UTC)
		return (int64_t)time(NULL) * 1000;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A window as [a, b); false when it is ANY. */
static bool window_range(const rv_window *w, int64_t *a, int64_t *b)
{
	if (!w || w->kind == RV_WINDOW_ANY)
		return false;
	if (w->kind == RV_WINDOW_BETWEEN) {
		*a = w->from;
		*b = w->to;
		return true;
	}
	*a = w->kind == RV_WINDOW_AT ? w->at : now_ms();
	*b = *a == INT64_MAX ? *a : *a + 1;
	return true;
}

static int check_window(const rv_collection *c, const rv_window *w)
{
	if (!w)
		return RV_OK;
	if (w->kind < RV_WINDOW_NOW || w->kind > RV_WINDOW_ANY)
		return rv_error(c, RV_EINVAL, "window kind %d is unknown", (int)w->kind);
	if (w->kind == RV_WINDOW_BETWEEN && w->from >= w->to)
		return rv_error(c, RV_EINVAL, "window from (%lld) must be before to (%lld)", (long long)w->from,
		                (long long)w->to);
	return RV_OK;
}

static inline bool edge_in(const rv_hedge *e, bool ranged, int64_t a, int64_t b)
{
	return !ranged || (e->from < b && e->to > a);
}

/* The edges overlapping [a, b) through the time index (tlock held),
 * appended to *out (rv_malloc'd); returns the count or RV_ENOMEM. */
static long window_edges(rv_hyper *h, int64_t a, int64_t b, uint32_t **out)
{
	size_t pf = lower(h->byfrom, h->ntime, b, false);  /* from < b: [0, pf) */
	size_t st = lower(h->byto, h->ntime, a, true);     /* to > a: [st, n) */
	bool use_from = pf <= h->ntime - st;
	size_t n = use_from ? pf : h->ntime - st, k = 0;
	uint32_t *v = rv_malloc((n ? n : 1) * sizeof *v);
	if (!v)
		return RV_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint32_t e = use_from ? h->byfrom[i].e : h->byto[st + i].e;
		if (edge_in(&h->e[e], true, a, b))
			v[k++] = e;
	}
	*out = v;
	return (long)k;
}

/* ---- search ---- */

typedef struct sctx {
	const rv_hyper *h;
	const rv_filter *f;
	bool ranged;
	int64_t a, b;
} sctx;

static bool accept_edge(void *ctx, uint32_t slot)
{
	const sctx *s = ctx;
	uint32_t e = s->h->slot_edge[slot];
	if (e == RV_HASHTAB_NONE)
		return false;
	const rv_hedge *ed = &s->h->e[e];
	return edge_in(ed, s->ranged, s->a, s->b) && (!s->f || rv_filter_eval(s->f, ed->payload));
}

static int tie_edge(void *ctx, uint32_t a, uint32_t b)
{
	const rv_hyper *h = ctx;
	const rv_hedge *x = &h->e[h->slot_edge[a]], *y = &h->e[h->slot_edge[b]];
	if (x->idlen != y->idlen)
		return x->idlen < y->idlen ? -1 : 1;
	return memcmp(x->id, y->id, x->idlen);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

void rv_hsearch_params_init(rv_hsearch_params *p)
{
	memset(p, 0, sizeof *p);
	p->window.kind = RV_WINDOW_NOW;
}

static int plan(rv_collection *c, rv_hyper *h, rv_scratch *s, const float *q, size_t k, const rv_hsearch_params *p,
                rv_cand *out)
{
	rv_index *x = h->index;
	sctx a = {h, p->filter, false, 0, 0};
	a.ranged = window_range(&p->window, &a.a, &a.b);
	size_t small = h->embedded / 16 > 2048 ? h->embedded / 16 : 2048;
	bool exact = (p->flags & RV_SEARCH_EXACT) || h->embedded < c->opts.exact_threshold;
	if (a.ranged) {
		rv_mutex_lock(&h->tlock);
		int rc = rv_hyper_time_refresh(h);
		uint32_t *edges = NULL;
		long n = rc == RV_OK ? window_edges(h, a.a, a.b, &edges) : rc;
		rv_mutex_unlock(&h->tlock);
		if (n < 0)
			return (int)n;
		if ((size_t)n <= small || exact) {
			size_t u = 0;
			for (long i = 0; i < n; i++)
				if (h->e[edges[i]].slot != RV_NO_SLOT)
					edges[u++] = h->e[edges[i]].slot;
			qsort(edges, u, sizeof *edges, cmp_u32);
			rc = rv_flat_search_slots(x, s, q, k, edges, u, accept_edge, &a, tie_edge, h, out);
			rv_free(edges);
			return rc;
		}
		rv_free(edges);
	}
	if (!exact) {
		size_t ef = p->ef ? p->ef : c->opts.ef_search;
		int got = rv_hnsw_search(x, s, q, k, ef, accept_edge, &a, out);
		if (got < 0 || (size_t)got >= k)
			return got;
	}
	return rv_flat_search(x, s, q, k, accept_edge, &a, tie_edge, h, out);
}

int rv_hyperedge_search(rv_collection *c, const float *q, size_t dim, size_t k, const rv_hsearch_params *params,
                        rv_hit *hits, char *idbuf, size_t idbuf_size)
{
	rv_hsearch_params def;
	if (!params) {
		rv_hsearch_params_init(&def);
		params = &def;
	}
	if (!hits)
		return rv_error(c, RV_EINVAL, "hits is NULL");
	if (k == 0 || k > RV_K_MAX)
		return rv_error(c, RV_EINVAL, "k is %zu; it must be 1..%u", k, RV_K_MAX);
	if (params->ef > RV_EF_MAX)
		return rv_error(c, RV_EINVAL, "ef is %u; at most %u", params->ef, RV_EF_MAX);
	int rc = check_window(c, &params->window);
	if (rc == RV_OK)
		rc = rv_coll_check_vector(c, q, dim, NULL, 0);
	if (rc != RV_OK)
		return rc;
	rv_hyper *h = c->hyper;
	rv_rwlock_rdlock(&h->lock);
	if (!h->index || !h->embedded) {
		rv_rwlock_unlock(&h->lock);
		return 0;
	}
	rv_cand local[64];
	rv_cand *res = k <= 64 ? local : rv_malloc(k * sizeof *res);
	rv_index *x = h->index;
	int n = RV_ENOMEM;
	if (res) {
		rv_rwlock_rdlock(&x->rw);
		rv_scratch *s = rv_scratch_get(x);
		n = s ? plan(c, h, s, q, k, params, res) : RV_ENOMEM;
		if (s)
			rv_scratch_put(x, s);
		rv_rwlock_unlock(&x->rw);
	}
	size_t used = 0;
	for (int i = 0; i < n; i++) {
		const rv_hedge *ed = &h->e[h->slot_edge[res[i].slot]];
		hits[i].distance = res[i].dist;
		hits[i].score = ed->confidence;
		hits[i].id_len = ed->idlen;
		hits[i].id = NULL;
		if (idbuf) {
			if (used + ed->idlen + 1 > idbuf_size) {
				n = RV_ERANGE;
				break;
			}
			memcpy(idbuf + used, ed->id, ed->idlen + 1);
			hits[i].id = idbuf + used;
			used += ed->idlen + 1;
		}
	}
	rv_rwlock_unlock(&h->lock);
	if (res != local)
		rv_free(res);
	if (n == RV_ENOMEM)
		return rv_error(c, n, "out of memory in a hyperedge search");
	if (n == RV_ERANGE)
		return rv_error(c, n, "id buffer of %zu bytes is too small; RV_IDBUF_SIZE(k) always suffices", idbuf_size);
	return n;
}

/* ---- traversal ---- */

/* The node of an existing record, or an error: RV_ENOTFOUND when no
 * record has the id; *v RV_HASHTAB_NONE when it is in no hyperedge. */
static int start_node(rv_collection *c, rv_hyper *h, const char *id, const char *what, uint32_t *v)
{
	size_t len;
	int rc = rv_coll_check_id_str(c, id, &len, NULL, 0);
	if (rc != RV_OK)
		return rc;
	if (rv_idmap_find(&c->ids, id, len) == RV_IDMAP_NONE)
		return rv_error(c, RV_ENOTFOUND, "%s: no record with id \"%s\"", what, id);
	*v = rv_hyper_find_node(h, id, len);
	return RV_OK;
}

static int put_id(char *buf, size_t size, size_t *used, const char *s, size_t len, const char **out)
{
	if (*used + len + 1 > size)
		return RV_ERANGE;
	memcpy(buf + *used, s, len);
	buf[*used + len] = '\0';
	*out = buf + *used;
	*used += len + 1;
	return RV_OK;
}

/* Where a walk from node v through edge e looks: every member, or with
 * RV_HYPER_DIRECTED and an ordered edge, the members after v. */
static uint32_t first_member(const rv_hedge *e, uint32_t v, unsigned flags)
{
	if (!(flags & RV_HYPER_DIRECTED) || !e->ordered)
		return 0;
	for (uint32_t m = 0; m < e->n; m++)
		if (e->members[m] == v)
			return m + 1;
	return e->n;
}

static int check_flags(const rv_collection *c, unsigned flags)
{
	if (flags & ~RV_HYPER_DIRECTED)
		return rv_error(c, RV_EINVAL, "flags 0x%x: only RV_HYPER_DIRECTED is known", flags);
	return RV_OK;
}

/* A record reached at the current hop (its id beside it: qsort has no
 * context argument). */
typedef struct cand_node {
	uint32_t v, via;
	float w;
	uint32_t idlen;
	const char *id;
} cand_node;

/* Shorter ids first, then bytewise (as exact ties, ruvector.h). */
static int cmp_ids(const char *a, uint32_t la, const char *b, uint32_t lb)
{
	if (la != lb)
		return la < lb ? -1 : 1;
	return memcmp(a, b, la);
}

static int cmp_cand(const void *a, const void *b)
{
	const cand_node *x = a, *y = b;
	if (x->w != y->w)
		return x->w > y->w ? -1 : 1;
	return cmp_ids(x->id, x->idlen, y->id, y->idlen);
}

int rv_hyper_khop(rv_collection *c, const char *start, uint32_t k, const uint32_t *fanout, const rv_window *w,
                  unsigned flags, rv_graph_hit *hits, size_t max, char *idbuf, size_t idbuf_size)
{
	if (!hits && max)
		return rv_error(c, RV_EINVAL, "hits is NULL");
	if (k == 0 || k > 64)
		return rv_error(c, RV_EINVAL, "k is %u; it must be 1..64", k);
	int rc = check_flags(c, flags);
	if (rc == RV_OK)
		rc = check_window(c, w);
	if (rc != RV_OK)
		return rc;
	rv_hyper *h = c->hyper;
	rv_rwlock_rdlock(&h->lock);
	uint32_t s;
	rc = start_node(c, h, start, "start", &s);
	if (rc != RV_OK || s == RV_HASHTAB_NONE) {
		rv_rwlock_unlock(&h->lock);
		return rc;
	}
	int64_t a = 0, b = 0;
	bool ranged = window_range(w, &a, &b);
	uint32_t *hop = rv_malloc((h->nv ? h->nv : 1) * sizeof *hop);
	uint32_t *front = rv_malloc((h->nv ? h->nv : 1) * sizeof *front);
	cand_node *cand = rv_malloc((h->nv ? h->nv : 1) * sizeof *cand);
	size_t *where = rv_malloc((h->nv ? h->nv : 1) * sizeof *where);
	if (!hop || !front || !cand || !where) {
		rc = rv_error(c, RV_ENOMEM, "out of memory in a traversal");
		goto out;
	}
	for (size_t i = 0; i < h->nv; i++)
		hop[i] = UINT32_MAX;
	hop[s] = 0;
	front[0] = s;
	size_t nf = 1, count = 0, used = 0;
	for (uint32_t d = 1; d <= k && nf; d++) {
		size_t nc = 0;
		for (size_t i = 0; i < nf; i++) {
			const rv_hnode *nd = &h->v[front[i]];
			for (size_t j = 0; j < nd->n; j++) {
				const rv_hedge *ed = &h->e[nd->edges[j]];
				if (!edge_in(ed, ranged, a, b))
					continue;
				for (uint32_t m = first_member(ed, front[i], flags); m < ed->n; m++) {
					uint32_t v = ed->members[m];
					if (hop[v] < d)
						continue;
					if (hop[v] != d) { /* first seen at this hop */
						hop[v] = d;
						where[v] = nc;
						cand[nc++] = (cand_node){v, nd->edges[j], ed->confidence, h->v[v].idlen, h->v[v].id};
					} else if (ed->confidence > cand[where[v]].w) {
						cand[where[v]].w = ed->confidence;
						cand[where[v]].via = nd->edges[j];
					}
				}
			}
		}
		qsort(cand, nc, sizeof *cand, cmp_cand);
		size_t keep = fanout && fanout[d - 1] && fanout[d - 1] < nc ? fanout[d - 1] : nc;
		for (size_t i = keep; i < nc; i++)
			hop[cand[i].v] = UINT32_MAX - 1; /* dropped by the cap: never reached */
		nf = 0;
		for (size_t i = 0; i < keep; i++) {
			if (count >= max) {
				rc = rv_error(c, RV_ERANGE, "more than %zu records within %u hops", max, k);
				goto out;
			}
			const rv_hnode *nd = &h->v[cand[i].v];
			const rv_hedge *via = &h->e[cand[i].via];
			rv_graph_hit *o = &hits[count++];
			o->hop = d;
			o->weight = cand[i].w;
			o->id = o->via = NULL;
			if (idbuf && (put_id(idbuf, idbuf_size, &used, nd->id, nd->idlen, &o->id) != RV_OK ||
			              put_id(idbuf, idbuf_size, &used, via->id, via->idlen, &o->via) != RV_OK)) {
				rc = rv_error(c, RV_ERANGE, "id buffer of %zu bytes is too small", idbuf_size);
				goto out;
			}
			front[nf++] = cand[i].v;
		}
	}
	rc = (int)count;
out:
	rv_rwlock_unlock(&h->lock);
	rv_free(hop);
	rv_free(front);
	rv_free(cand);
	rv_free(where);
	return rc;
}

/* A binary heap of (cost, node) for Dijkstra. */
typedef struct hent {
	double d;
	uint32_t v;
} hent;

static void heap_push(hent *a, size_t *n, hent x)
{
	size_t i = (*n)++;
	while (i && a[(i - 1) / 2].d > x.d) {
		a[i] = a[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	a[i] = x;
}

static hent heap_pop(hent *a, size_t *n)
{
	hent top = a[0], x = a[--*n];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		double md = x.d;
		if (l < *n && a[l].d < md)
			m = l, md = a[l].d;
		if (r < *n && a[r].d < md)
			m = r;
		if (m == i)
			break;
		a[i] = a[m];
		i = m;
	}
	if (*n)
		a[i] = x;
	return top;
}

int rv_hyper_path(rv_collection *c, const char *from, const char *to, const rv_window *w, unsigned flags,
                  rv_graph_hit *hits,
                  size_t max, char *idbuf, size_t idbuf_size)
{
	if (!hits && max)
		return rv_error(c, RV_EINVAL, "hits is NULL");
	int rc = check_flags(c, flags);
	if (rc == RV_OK)
		rc = check_window(c, w);
	if (rc != RV_OK)
		return rc;
	rv_hyper *h = c->hyper;
	rv_rwlock_rdlock(&h->lock);
	uint32_t s, t;
	if ((rc = start_node(c, h, from, "from", &s)) != RV_OK || (rc = start_node(c, h, to, "to", &t)) != RV_OK ||
	    s == RV_HASHTAB_NONE || t == RV_HASHTAB_NONE) {
		rv_rwlock_unlock(&h->lock);
		if (rc == RV_OK && from && to && strcmp(from, to) == 0) {
			/* a record is its own path, in a hyperedge or not */
			if (max < 1)
				return rv_error(c, RV_ERANGE, "no room for the path");
			hits[0] = (rv_graph_hit){NULL, NULL, 0, 1.0f};
			size_t used = 0;
			if (idbuf && put_id(idbuf, idbuf_size, &used, from, strlen(from), &hits[0].id) != RV_OK)
				return rv_error(c, RV_ERANGE, "id buffer of %zu bytes is too small", idbuf_size);
			return 1;
		}
		return rc;
	}
	int64_t a = 0, b = 0;
	bool ranged = window_range(w, &a, &b);
	size_t nv = h->nv ? h->nv : 1, nheap = 0;
	double *dist = rv_malloc(nv * sizeof *dist);
	uint32_t *prev = rv_malloc(nv * sizeof *prev), *via = rv_malloc(nv * sizeof *via);
	hent *heap = rv_malloc((h->incidences + 1) * h->nv / (h->nv ? h->nv : 1) * sizeof *heap + 64 * sizeof *heap);
	size_t heap_cap = (h->incidences + 1) * h->nv / (h->nv ? h->nv : 1) + 64;
	uint32_t *order = NULL;
	if (!dist || !prev || !via || !heap) {
		rc = rv_error(c, RV_ENOMEM, "out of memory finding a path");
		goto out;
	}
	for (size_t i = 0; i < h->nv; i++)
		dist[i] = INFINITY, prev[i] = via[i] = RV_HASHTAB_NONE;
	dist[s] = 0;
	heap_push(heap, &nheap, (hent){0, s});
	while (nheap) {
		hent x = heap_pop(heap, &nheap);
		if (x.d > dist[x.v])
			continue;
		if (x.v == t)
			break;
		const rv_hnode *nd = &h->v[x.v];
		for (size_t j = 0; j < nd->n; j++) {
			const rv_hedge *ed = &h->e[nd->edges[j]];
			if (!(ed->confidence > 0) || !edge_in(ed, ranged, a, b))
				continue;
			double nd2 = x.d - log((double)ed->confidence);
			for (uint32_t m = first_member(ed, x.v, flags); m < ed->n; m++) {
				uint32_t v = ed->members[m];
				if (nd2 < dist[v]) {
					dist[v] = nd2;
					prev[v] = x.v;
					via[v] = nd->edges[j];
					if (nheap == heap_cap) {
						hent *g = rv_realloc(heap, 2 * heap_cap * sizeof *heap);
						if (!g) {
							rc = rv_error(c, RV_ENOMEM, "out of memory finding a path");
							goto out;
						}
						heap = g;
						heap_cap *= 2;
					}
					heap_push(heap, &nheap, (hent){nd2, v});
				}
			}
		}
	}
	if (dist[t] == INFINITY) {
		rc = 0;
		goto out;
	}
	size_t len = 1;
	for (uint32_t v = t; v != s; v = prev[v])
		len++;
	if (len > max) {
		rc = rv_error(c, RV_ERANGE, "the path has %zu records; room for %zu", len, max);
		goto out;
	}
	order = rv_malloc(len * sizeof *order);
	if (!order) {
		rc = rv_error(c, RV_ENOMEM, "out of memory finding a path");
		goto out;
	}
	size_t i = len;
	for (uint32_t v = t;; v = prev[v]) {
		order[--i] = v;
		if (v == s)
			break;
	}
	size_t used = 0;
	for (i = 0; i < len; i++) {
		uint32_t v = order[i];
		rv_graph_hit *o = &hits[i];
		o->hop = (uint32_t)i;
		o->weight = (float)exp(-dist[v]);
		o->id = o->via = NULL;
		if (idbuf && (put_id(idbuf, idbuf_size, &used, h->v[v].id, h->v[v].idlen, &o->id) != RV_OK ||
		              (i && put_id(idbuf, idbuf_size, &used, h->e[via[v]].id, h->e[via[v]].idlen, &o->via) !=
		                        RV_OK))) {
			rc = rv_error(c, RV_ERANGE, "id buffer of %zu bytes is too small", idbuf_size);
			goto out;
		}
	}
	rc = (int)len;
out:
	rv_rwlock_unlock(&h->lock);
	rv_free(dist);
	rv_free(prev);
	rv_free(via);
	rv_free(heap);
	rv_free(order);
	return rc;
}

/* ---- edges of a record, buckets, JSON, figures ---- */

static int cmp_edge_id(const void *a, const void *b)
{
	const rv_hedge *x = *(const rv_hedge *const *)a, *y = *(const rv_hedge *const *)b;
	return cmp_ids(x->id, x->idlen, y->id, y->idlen);
}

int rv_hyperedges_of(rv_collection *c, const char *id, const rv_window *w, char *buf, size_t size, size_t *needed)
{
	int rc = check_window(c, w);
	if (rc != RV_OK)
		return rc;
	rv_hyper *h = c->hyper;
	rv_rwlock_rdlock(&h->lock);
	uint32_t v;
	rc = start_node(c, h, id, "record", &v);
	size_t n = 0, need = 0;
	const rv_hedge **list = NULL;
	if (rc == RV_OK && v != RV_HASHTAB_NONE) {
		int64_t a = 0, b = 0;
		bool ranged = window_range(w, &a, &b);
		list = rv_malloc((h->v[v].n ? h->v[v].n : 1) * sizeof *list);
		if (!list)
			rc = rv_error(c, RV_ENOMEM, "out of memory");
		for (size_t j = 0; list && j < h->v[v].n; j++)
			if (edge_in(&h->e[h->v[v].edges[j]], ranged, a, b)) {
				list[n++] = &h->e[h->v[v].edges[j]];
				need += h->e[h->v[v].edges[j]].idlen + 1;
			}
		if (list)
			qsort((void *)list, n, sizeof *list, cmp_edge_id);
	}
	if (needed)
		*needed = need;
	if (rc == RV_OK && need > size)
		rc = rv_error(c, RV_ERANGE, "buffer of %zu bytes is too small; %zu needed", size, need);
	if (rc == RV_OK) {
		size_t at = 0;
		for (size_t i = 0; i < n; i++) {
			memcpy(buf + at, list[i]->id, list[i]->idlen + 1);
			at += list[i]->idlen + 1;
		}
		rc = (int)n;
	}
	rv_rwlock_unlock(&h->lock);
	rv_free((void *)list);
	return rc;
}

/* Days since 1970-01-01 of a civil date, and back (Howard Hinnant's
 * algorithms: proleptic Gregorian, exact for every int64 day we use). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}

#define DAY_MS 86400000LL
/* Times beyond a few million years are clamped so the arithmetic stays in range. */
#define TIME_LIMIT (DAY_MS * 366LL * 1000000LL)

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t rv_time_bucket_start(int64_t t, rv_time_unit unit)
{
	t = t < -TIME_LIMIT ? -TIME_LIMIT : t > TIME_LIMIT ? TIME_LIMIT : t;
	int64_t day = floor_div(t, DAY_MS);
	if (unit == RV_UNIT_WEEK) {
		/* 1970-01-01 was a Thursday: Monday-based weekday is (day + 3) mod 7 */
		int64_t wd = ((day + 3) % 7 + 7) % 7;
		return (day - wd) * DAY_MS;
	}
	if (unit == RV_UNIT_MONTH) {
		int64_t y;
		unsigned m, d;
		civil_from_days(day, &y, &m, &d);
		return days_from_civil(y, m, 1) * DAY_MS;
	}
	return day * DAY_MS;
}

int64_t rv_time_bucket_next(int64_t start, rv_time_unit unit)
{
	int64_t s = rv_time_bucket_start(start, unit);
	if (unit == RV_UNIT_WEEK)
		return s + 7 * DAY_MS;
	if (unit == RV_UNIT_MONTH) {
		int64_t y;
		unsigned m, d;
		civil_from_days(floor_div(s, DAY_MS), &y, &m, &d);
		return days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) * DAY_MS;
	}
	return s + DAY_MS;
}

int rv_hyperedge_buckets(rv_collection *c, int64_t from, int64_t to, rv_time_unit unit, int64_t *starts,
                         uint64_t *counts, size_t max, size_t *needed)
{
	if (unit != RV_UNIT_DAY && unit != RV_UNIT_WEEK && unit != RV_UNIT_MONTH)
		return rv_error(c, RV_EINVAL, "time unit %d is unknown", (int)unit);
	if (from >= to || from < -TIME_LIMIT || to > TIME_LIMIT)
		return rv_error(c, RV_EINVAL, "from (%lld) must be before to (%lld), both within +-1e6 years",
		                (long long)from, (long long)to);
	size_t n = 0;
	for (int64_t s = rv_time_bucket_start(from, unit); s < to && n <= RV_BUCKETS_MAX; s = rv_time_bucket_next(s, unit))
		n++;
	if (n > RV_BUCKETS_MAX)
		return rv_error(c, RV_EINVAL, "from %lld to %lld spans more than %u buckets", (long long)from, (long long)to,
		                RV_BUCKETS_MAX);
	if (needed)
		*needed = n;
	if (n > max)
		return rv_error(c, RV_ERANGE, "%zu buckets; room for %zu", n, max);
	if (n && (!starts || !counts))
		return rv_error(c, RV_EINVAL, "starts or counts is NULL");
	rv_hyper *h = c->hyper;
	rv_rwlock_rdlock(&h->lock);
	rv_mutex_lock(&h->tlock);
	int rc = rv_hyper_time_refresh(h);
	if (rc == RV_OK) {
		size_t i = 0;
		for (int64_t s = rv_time_bucket_start(from, unit); s < to; s = rv_time_bucket_next(s, unit), i++) {
			int64_t e = rv_time_bucket_next(s, unit);
			starts[i] = s;
			counts[i] = lower(h->byfrom, h->ntime, e, false) - lower(h->byfrom, h->ntime, s, false);
		}
	}
	rv_mutex_unlock(&h->tlock);
	rv_rwlock_unlock(&h->lock);
	if (rc != RV_OK)
		return rv_error(c, rc, "out of memory building the time index");
	return (int)n;
}

void rv_hyper_stats_get(rv_collection *c, rv_hyper_stats *out)
{
	rv_hyper *h = c->hyper;
	rv_rwlock_rdlock(&h->lock);
	out->hyperedges = h->live;
	out->nodes = h->nodes;
	out->incidences = h->incidences;
	out->embedded = h->embedded;
	rv_rwlock_unlock(&h->lock);
}

static void json_time(rv_strbuf *s, int64_t t)
{
	if (t == RV_TIME_MIN || t == RV_TIME_MAX)
		rv_strbuf_append(s, "null", 4);
	else
		rv_strbuf_printf(s, "%lld", (long long)t);
}

int rv_hyperedge_get(rv_collection *c, const char *id, char *buf, size_t size, size_t *needed)
{
	size_t len;
	int rc = rv_coll_check_id_str(c, id, &len, NULL, 0);
	if (rc != RV_OK)
		return rc;
	rv_hyper *h = c->hyper;
	rv_rwlock_rdlock(&h->lock);
	uint32_t e = rv_hyper_find_edge(h, id, len);
	if (e == RV_HASHTAB_NONE) {
		rv_rwlock_unlock(&h->lock);
		return rv_error(c, RV_ENOTFOUND, "no hyperedge with id \"%s\"", id);
	}
	const rv_hedge *ed = &h->e[e];
	rv_strbuf s = {0};
	rv_strbuf_append(&s, "{\"id\":", 6);
	rv_strbuf_json_string(&s, ed->id, ed->idlen);
	rv_strbuf_append(&s, ",\"members\":[", 12);
	for (uint32_t i = 0; i < ed->n; i++) {
		if (i)
			rv_strbuf_append(&s, ",", 1);
		rv_strbuf_json_string(&s, h->v[ed->members[i]].id, h->v[ed->members[i]].idlen);
	}
	rv_strbuf_printf(&s, "],\"ordered\":%s,\"description\":", ed->ordered ? "true" : "false");
	rv_strbuf_json_string(&s, ed->desc, ed->desc_len);
	rv_strbuf_printf(&s, ",\"confidence\":%.9g,\"valid_from\":", (double)ed->confidence);
	json_time(&s, ed->from);
	rv_strbuf_append(&s, ",\"valid_to\":", 12);
	json_time(&s, ed->to);
	rv_strbuf_append(&s, ",\"payload\":", 11);
	if (ed->payload) {
		size_t pl = rv_payload_to_json(ed->payload, NULL, 0);
		char *tmp = rv_malloc(pl + 1);
		if (tmp) {
			rv_payload_to_json(ed->payload, tmp, pl + 1);
			rv_strbuf_append(&s, tmp, strlen(tmp));
			rv_free(tmp);
		} else {
			s.failed = true;
		}
	} else {
		rv_strbuf_append(&s, "null", 4);
	}
	rv_strbuf_append(&s, ",\"embedding\":", 13);
	if (ed->emb) {
		rv_strbuf_append(&s, "[", 1);
		for (uint32_t i = 0; i < h->dim; i++)
			rv_strbuf_printf(&s, "%s%.9g", i ? "," : "", (double)ed->emb[i]);
		rv_strbuf_append(&s, "]", 1);
	} else {
		rv_strbuf_append(&s, "null", 4);
	}
	rv_strbuf_append(&s, "}", 1);
	rv_rwlock_unlock(&h->lock);
	if (s.failed) {
		rv_strbuf_free(&s);
		return rv_error(c, RV_ENOMEM, "out of memory writing a hyperedge");
	}
	if (needed)
		*needed = s.len + 1;
	if (!buf || s.len + 1 > size) {
		rv_strbuf_free(&s);
		return rv_error(c, RV_ERANGE, "buffer of %zu bytes is too small for hyperedge \"%s\"", size, id);
	}
	memcpy(buf, s.buf, s.len + 1);
	rv_strbuf_free(&s);
	return RV_OK;
}
