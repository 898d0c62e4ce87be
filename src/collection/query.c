/*
 * query.c: the searches of the public API (rv_search, rv_search_batch,
 * rv_search_text, rv_search_hybrid, rv_filter_match, rv_count_matching)
 * and how each is carried out: the plan for filtered searches, MMR
 * re-ranking, BM25 text search and hybrid fusion.
 *
 * Reads. A search holds the index's rw lock shared from the walk until the
 * ids are copied into the caller's buffer; slots are only freed under the
 * exclusive lock, so every slot it found still names the id it had.
 *
 * Filtered search. The plan is chosen by the filter's estimated number of
 * matches m among the `live` records, with T = max(2048, live / 16):
 *   1. The payload indexes can list a superset of the matches and m <= T:
 *      an exact scan of that list (each candidate re-checked against the
 *      whole filter). Cost ~ m distances; exact. The list is marked in a
 *      bitmap of slots (one bit per slot) and read back in slot order:
 *      sorted and without repeats for no sort, and in memory order.
 *   2. No index answers, and a sample of up to 1024 slots predicts
 *      m <= T (or the collection is below its exact threshold, or the
 *      query asked for an exact search): an exact scan of every slot that
 *      passes the filter. Cost ~ live filter checks + m distances; exact.
 *   3. Otherwise the graph walk with the filter as a predicate: every node
 *      still guides the walk, only matching nodes enter the result list,
 *      (when the indexes can list a superset, a node must first have its
 *      bit in that bitmap, so the payload of a node that cannot match is
 *      never read: at 10% selectivity the walk decodes a tenth as many),
 *      and the walk goes on until it holds ef matches or runs out of graph
 *      (index/hnsw_search.c, search_general), which is ef growing with the
 *      rarity of matches. Should it end with fewer than k (matches fewer
 *      than k, or a part of the graph not reachable at that moment), the
 *      exact scan of plan 2 answers instead, so a search always returns
 *      min(k, matches).
 * The payload store's lock is held shared for the whole search: the
 * payloads and indexes it reads do not change under it.
 */
#include <math.h>
#include <string.h>

#include "../index/cand.h"
#include "../index/index.h"
#include "../kernels/kernels.h"
#include "../rank/rank.h"
#include "../util/alloc.h"
#include "../util/error.h"
#include "../util/utf8.h"
#include "collection.h"
#include "filter.h"

typedef struct fctx {
	const rv_collection *c;
	const rv_filter *f;
	const uint64_t *bits; /* slots the indexes list (a superset), or NULL */
	uint32_t nbits;
} fctx;

static bool accept_filter(void *ctx, uint32_t slot)
{
	const fctx *a = ctx;
	return rv_filter_eval(a->f, rv_payloads_get_locked(&a->c->payloads, slot));
}

/* The listed superset first: one bit test turns away most nodes of a
 * selective filter before their payload is read. */
static bool accept_listed(void *ctx, uint32_t slot)
{
	const fctx *a = ctx;
	if (slot < a->nbits && !(a->bits[slot >> 6] >> (slot & 63) & 1))
		return false;
	return accept_filter(ctx, slot);
}

static bool accept_visible_filter(void *ctx, uint32_t slot)
{
	const fctx *a = ctx;
	return rv_visible(a->c->index, slot) && (!a->f || accept_filter(ctx, slot));
}

/* Share of live slots matching f, from a fixed stride of up to 1024. */
static double sample_selectivity(rv_collection *c, const rv_filter *f)
{
	rv_index *x = c->index;
	uint32_t n = atomic_load_explicit(&x->n_slots, memory_order_acquire);
	if (n == 0)
		return 1.0;
	uint32_t step = n / 1024 ? n / 1024 : 1;
	size_t seen = 0, hit = 0;
	fctx a = {c, f, NULL, 0};
	for (uint32_t s = step / 2; s < n; s += step) {
		if (!rv_visible(x, s))
			continue;
		seen++;
		hit += accept_filter(&a, s);
	}
	if (!seen)
		return 1.0;
	/* one hit more than seen: a filter that matched nothing in the sample
	 * may still match up to about n/seen records */
	return (double)(hit + 1) / (double)seen;
}

static size_t small_set(size_t live)
{
	return live / 16 > 2048 ? live / 16 : 2048;
}

/* a->bits: one bit per slot handed out so far, set for slots[0..n). */
static int mark_slots(rv_index *x, const uint32_t *slots, size_t n, fctx *a)
{
	uint32_t nbits = atomic_load_explicit(&x->n_slots, memory_order_acquire);
	uint64_t *bits = rv_calloc((size_t)nbits / 64 + 1, sizeof *bits);
	if (!bits)
		return RV_ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (slots[i] < nbits)
			bits[slots[i] >> 6] |= (uint64_t)1 << (slots[i] & 63);
	a->bits = bits;
	a->nbits = nbits;
	return RV_OK;
}

/* The marked slots into out, ascending and once each; their count. */
static size_t listed_in_order(const fctx *a, uint32_t *out)
{
	size_t u = 0;
	for (uint32_t w = 0; w <= a->nbits / 64; w++)
		for (uint64_t b = a->bits[w]; b; b &= b - 1)
			out[u++] = w * 64 + (uint32_t)__builtin_ctzll(b);
	return u;
}

/* The filtered k best (payload lock held shared by the caller). */
static int filtered(rv_collection *c, rv_scratch *s, const float *q, size_t k, size_t ef, size_t rerank,
                    bool exact, const rv_filter *f, rv_cand *out)
{
	rv_index *x = c->index;
	size_t live = rv_count(c);
	fctx a = {c, f, NULL, 0};
	bool listable;
	size_t est = rv_pindexes_estimate(&c->pidx, f, live, &listable);
	uint32_t *slots = NULL;
	int rc = RV_OK;
	if (listable) {
		size_t n;
		rc = rv_pindexes_list(&c->pidx, f, &slots, &n);
		if (rc == RV_OK)
			rc = mark_slots(x, slots, n, &a);
		if (rc == RV_OK && est <= small_set(live)) {
			size_t u = listed_in_order(&a, slots);
			rc = rv_flat_search_slots(x, s, q, k, slots, u, accept_filter, &a, rv_coll_tie_by_id, &c->ids,
			                          out);
			goto done;
		}
	}
	if (rc != RV_OK)
		goto done;
	bool scan = exact || live < c->opts.exact_threshold;
	if (!scan && !listable)
		scan = sample_selectivity(c, f) * (double)live <= (double)small_set(live);
	if (!scan) {
		rc = rv_hnsw_search_rerank(x, s, q, k, ef, rerank, a.bits ? accept_listed : accept_filter, &a, out);
		if (rc < 0 || (size_t)rc >= k)
			goto done;
	}
	rc = rv_flat_search(x, s, q, k, a.bits ? accept_listed : accept_filter, &a, rv_coll_tie_by_id, &c->ids, out);
done:
	rv_free(slots);
	rv_free((void *)a.bits);
	return rc;
}

/* Re-rank cand[0..n) by MMR into out[0..min(k, n)). */
static int mmr(rv_collection *c, const rv_cand *cand, size_t n, size_t k, float lambda, rv_cand *out)
{
	rv_index *x = c->index;
	size_t dim = c->opts.dim, bytes;
	if (!rv_mul_size(n, dim * sizeof(float), &bytes))
		return RV_ENOMEM;
	float *vecs = rv_malloc(bytes ? bytes : 1);
	float *qd = rv_malloc((n ? n : 1) * sizeof *qd);
	uint32_t *order = rv_malloc((n ? n : 1) * sizeof *order);
	int rc = RV_ENOMEM;
	if (vecs && qd && order) {
		for (size_t i = 0; i < n; i++) {
			memcpy(vecs + i * dim, rv_vec(x, cand[i].slot), dim * sizeof(float));
			qd[i] = cand[i].dist;
		}
		rc = rv_mmr(vecs, n, dim, qd, rv_metric_pair(x->metric), lambda, k, order);
		for (int i = 0; i < rc; i++)
			out[i] = cand[order[i]];
	}
	rv_free(vecs);
	rv_free(qd);
	rv_free(order);
	return rc;
}

static int plan(rv_collection *c, rv_scratch *s, const float *q, size_t k, const rv_search_params *p, rv_cand *out)
{
	rv_index *x = c->index;
	size_t ef = p && p->ef ? p->ef : c->opts.ef_search;
	if (p && (p->flags & RV_SEARCH_CALIBRATED)) {
		rv_calibration cal;
		rv_calibration_get(c, &cal);
		ef = cal.recall ? cal.recall_ef : ef;
	}
	size_t rerank = p ? p->rerank : 0;
	bool exact = (p && (p->flags & RV_SEARCH_EXACT)) || rv_count(c) < c->opts.exact_threshold;
	const rv_filter *f = p ? p->filter : NULL;
	if (!f)
		return exact ? rv_flat_search(x, s, q, k, NULL, NULL, rv_coll_tie_by_id, &c->ids, out)
		             : rv_hnsw_search_rerank(x, s, q, k, ef, rerank, NULL, NULL, out);
	rv_rwlock_rdlock(&c->payloads.lock);
	int n = filtered(c, s, q, k, ef, rerank, exact, f, out);
	rv_rwlock_unlock(&c->payloads.lock);
	return n;
}

/* A search that read a damaged block of mapped vectors (or runs after one
 * was found) fails rather than answer from it (index/vectors.c, LAZY
 * VERIFICATION). */
static int vector_fault(rv_collection *c, int n)
{
	const char *path;
	uint64_t off;
	if (n < 0 || !rv_index_vfault(c->index, &path, &off))
		return n;
	return rv_error(c, RV_ECORRUPT, "%s: byte %llu: a block of vectors fails its checksum; searches refuse to "
	                "answer from it (see `ruvector check`; restore a backup)", path, (unsigned long long)off);
}

int rv_coll_search_plan(rv_collection *c, rv_scratch *s, const float *q, size_t k, const rv_search_params *p,
                        rv_cand *out)
{
	if (!p || !(p->flags & RV_SEARCH_MMR))
		return vector_fault(c, plan(c, s, q, k, p, out));
	size_t want = p->mmr_candidates ? p->mmr_candidates : (4 * k > 40 ? 4 * k : 40);
	if (want < k)
		want = k;
	rv_search_params inner = *p;
	if (inner.ef && inner.ef < want)
		inner.ef = (uint32_t)(want < RV_EF_MAX ? want : RV_EF_MAX);
	rv_cand *cand = rv_malloc(want * sizeof *cand);
	if (!cand)
		return RV_ENOMEM;
	int n = vector_fault(c, plan(c, s, q, want, &inner, cand));
	if (n >= 0)
		n = mmr(c, cand, (size_t)n, k, p->mmr_lambda, out);
	rv_free(cand);
	return n;
}

/* ---- filters by id, counting ---- */

int rv_filter_match(rv_collection *c, const char *id, const rv_filter *f)
{
	if (!id || !f)
		return rv_error(c, RV_EINVAL, "%s is NULL", id ? "filter" : "id");
	size_t len = strlen(id);
	if (len == 0 || len > RV_ID_MAX)
		return rv_error(c, RV_EID, "id must be 1..%u bytes", RV_ID_MAX);
	rv_rwlock_rdlock(&c->index->rw);
	uint32_t slot = rv_idmap_find(&c->ids, id, len);
	int r = 0;
	if (slot != RV_IDMAP_NONE) {
		rv_rwlock_rdlock(&c->payloads.lock);
		r = rv_filter_eval(f, rv_payloads_get_locked(&c->payloads, slot));
		rv_rwlock_unlock(&c->payloads.lock);
	}
	rv_rwlock_unlock(&c->index->rw);
	if (slot == RV_IDMAP_NONE)
		return rv_error(c, RV_ENOTFOUND, "no record with id \"%s\"", id);
	return r;
}

long long rv_count_matching(rv_collection *c, const rv_filter *f)
{
	if (!f)
		return (long long)rv_count(c);
	rv_index *x = c->index;
	rv_rwlock_rdlock(&x->rw);
	rv_rwlock_rdlock(&c->payloads.lock);
	fctx a = {c, f, NULL, 0};
	long long count = 0;
	bool listable;
	(void)rv_pindexes_estimate(&c->pidx, f, rv_count(c), &listable);
	uint32_t *slots = NULL;
	size_t n = 0;
	if (listable && rv_pindexes_list(&c->pidx, f, &slots, &n) == RV_OK && mark_slots(x, slots, n, &a) == RV_OK) {
		size_t u = listed_in_order(&a, slots);
		for (size_t i = 0; i < u; i++)
			count += accept_visible_filter(&a, slots[i]);
		rv_free(slots);
		rv_free((void *)a.bits);
		a.bits = NULL;
	} else {
		rv_free(slots);
		uint32_t ns = atomic_load_explicit(&x->n_slots, memory_order_acquire);
		for (uint32_t s = 0; s < ns; s++)
			count += accept_visible_filter(&a, s);
	}
	rv_rwlock_unlock(&c->payloads.lock);
	rv_rwlock_unlock(&x->rw);
	return count;
}

/* ---- text ---- */

static int check_k(rv_collection *c, size_t k, const rv_hit *hits)
{
	if (!hits)
		return rv_error(c, RV_EINVAL, "hits is NULL");
	if (k == 0 || k > RV_K_MAX)
		return rv_error(c, RV_EINVAL, "k is %zu; it must be 1..%u", k, RV_K_MAX);
	return RV_OK;
}

/* BM25 hits into cands (payload lock held). */
static int text_hits(rv_collection *c, const char *query, size_t k, const rv_filter *f, rv_cand *cand,
                     float *scores)
{
	if (!c->pidx.text)
		return rv_error(c, RV_EINVAL, "the collection has no text index; create one with rv_create_index(.., RV_INDEX_TEXT)");
	if (c->pidx.text_stale)
		return rv_error(c, RV_ENOMEM, "the text index missed a write for lack of memory; reopen the collection to rebuild it");
	rv_bm25_hit *bh = rv_malloc(k * sizeof *bh);
	if (!bh)
		return rv_error(c, RV_ENOMEM, "out of memory for %zu results", k);
	fctx a = {c, f, NULL, 0};
	int n = rv_bm25_search(c->pidx.text, query, strlen(query), k, accept_visible_filter, &a, bh);
	for (int i = 0; i < n; i++) {
		cand[i] = (rv_cand){NAN, bh[i].doc};
		scores[i] = bh[i].score;
	}
	rv_free(bh);
	if (n == RV_EINVAL)
		return rv_error(c, n, "the text query is not valid UTF-8");
	if (n < 0)
		return rv_error(c, n, "out of memory in text search");
	return n;
}

int rv_search_text(rv_collection *c, const char *query, size_t k, const rv_filter *f, rv_hit *hits, char *idbuf,
                   size_t idbuf_size)
{
	int rc = check_k(c, k, hits);
	if (rc != RV_OK)
		return rc;
	if (!query)
		return rv_error(c, RV_EINVAL, "query is NULL");
	rv_cand *cand = rv_malloc(k * sizeof *cand);
	float *scores = rv_malloc(k * sizeof *scores);
	if (!cand || !scores) {
		rv_free(cand);
		rv_free(scores);
		return rv_error(c, RV_ENOMEM, "out of memory for %zu results", k);
	}
	rv_rwlock_rdlock(&c->index->rw);
	rv_rwlock_rdlock(&c->payloads.lock);
	int n = text_hits(c, query, k, f, cand, scores);
	rv_rwlock_unlock(&c->payloads.lock);
	if (n >= 0)
		n = rv_coll_fill_hits(c, cand, n, scores, hits, idbuf, idbuf_size);
	rv_rwlock_unlock(&c->index->rw);
	rv_free(cand);
	rv_free(scores);
	if (n == RV_ERANGE)
		return rv_error(c, n, "id buffer of %zu bytes is too small; RV_IDBUF_SIZE(k) always suffices", idbuf_size);
	return n;
}

/* ---- hybrid ---- */

void rv_hybrid_params_init(rv_hybrid_params *p)
{
	memset(p, 0, sizeof *p);
	p->fusion = RV_FUSION_RRF;
	p->vector_weight = 1.0f;
	p->text_weight = 1.0f;
	p->rrf_k = 60.0f;
}

int rv_search_hybrid(rv_collection *c, const float *query, size_t dim, const char *text, size_t k,
                     const rv_hybrid_params *hp, rv_hit *hits, char *idbuf, size_t idbuf_size)
{
	int rc = check_k(c, k, hits);
	if (rc != RV_OK)
		return rc;
	if (!text || !query)
		return rv_error(c, RV_EINVAL, "%s is NULL", text ? "query" : "text");
	rv_hybrid_params def;
	if (!hp) {
		rv_hybrid_params_init(&def);
		hp = &def;
	}
	if (hp->fusion != RV_FUSION_RRF && hp->fusion != RV_FUSION_WEIGHTED)
		return rv_error(c, RV_EINVAL, "unknown fusion %d", (int)hp->fusion);
	if (!(hp->vector_weight >= 0) || !(hp->text_weight >= 0) || !isfinite(hp->vector_weight) ||
	    !isfinite(hp->text_weight) || !(hp->rrf_k >= 0) || !isfinite(hp->rrf_k))
		return rv_error(c, RV_EINVAL, "weights and rrf_k must be finite and non-negative");
	if ((rc = rv_coll_check_vector(c, query, dim, NULL, 0)) != RV_OK)
		return rc;
	if (hp->vector.flags & ~(RV_SEARCH_EXACT))
		return rv_error(c, RV_EINVAL, "hybrid searches take only RV_SEARCH_EXACT in vector.flags");
	if (hp->vector.ef > RV_EF_MAX)
		return rv_error(c, RV_EINVAL, "ef is %u; it must be 0..%u", hp->vector.ef, RV_EF_MAX);
	size_t depth = hp->depth ? hp->depth : (2 * k > 50 ? 2 * k : 50);
	if (depth < k)
		depth = k;
	if (depth > RV_K_MAX)
		depth = RV_K_MAX;
	rv_cand *vc = rv_malloc(depth * sizeof *vc), *tc = rv_malloc(depth * sizeof *tc);
	float *ts = rv_malloc(depth * sizeof *ts);
	rv_ranked *vr = rv_malloc(depth * sizeof *vr), *tr = rv_malloc(depth * sizeof *tr);
	rv_ranked *fused = rv_malloc(k * sizeof *fused);
	rv_cand *res = rv_malloc(k * sizeof *res);
	float *scores = rv_malloc(k * sizeof *scores);
	int n = RV_ENOMEM;
	if (!vc || !tc || !ts || !vr || !tr || !fused || !res || !scores) {
		n = rv_error(c, RV_ENOMEM, "out of memory for a hybrid search");
		goto out;
	}
	rv_index *x = c->index;
	rv_rwlock_rdlock(&x->rw);
	rv_scratch *s = rv_scratch_get(x);
	int nv = s ? rv_coll_search_plan(c, s, query, depth, &hp->vector, vc) : RV_ENOMEM;
	if (s)
		rv_scratch_put(x, s);
	int nt = 0;
	if (nv >= 0) {
		rv_rwlock_rdlock(&c->payloads.lock);
		nt = text_hits(c, text, depth, hp->vector.filter, tc, ts);
		rv_rwlock_unlock(&c->payloads.lock);
	}
	if (nv < 0 || nt < 0) {
		rv_rwlock_unlock(&x->rw);
		n = nv < 0 ? rv_error(c, nv, "out of memory in search") : nt;
		goto out;
	}
	for (int i = 0; i < nv; i++)
		vr[i] = (rv_ranked){vc[i].slot, vc[i].dist};
	for (int i = 0; i < nt; i++)
		tr[i] = (rv_ranked){tc[i].slot, ts[i]};
	rv_rank_list lists[2] = {{vr, (size_t)nv, 1, hp->vector_weight}, {tr, (size_t)nt, 0, hp->text_weight}};
	n = hp->fusion == RV_FUSION_RRF ? rv_fuse_rrf(lists, 2, hp->rrf_k > 0 ? hp->rrf_k : 60.0f, k, fused)
	                                : rv_fuse_weighted(lists, 2, k, fused);
	for (int i = 0; i < n; i++) {
		float d = NAN;
		for (int j = 0; j < nv; j++)
			if (vc[j].slot == fused[i].key) {
				d = vc[j].dist;
				break;
			}
		res[i] = (rv_cand){d, fused[i].key};
		scores[i] = fused[i].score;
	}
	if (n >= 0)
		n = rv_coll_fill_hits(c, res, n, scores, hits, idbuf, idbuf_size);
	rv_rwlock_unlock(&x->rw);
	if (n == RV_ERANGE)
		n = rv_error(c, n, "id buffer of %zu bytes is too small; RV_IDBUF_SIZE(k) always suffices", idbuf_size);
	else if (n < 0)
		n = rv_error(c, n, "out of memory fusing results");
out:
	rv_free(vc);
	rv_free(tc);
	rv_free(ts);
	rv_free(vr);
	rv_free(tr);
	rv_free(fused);
	rv_free(res);
	rv_free(scores);
	return n;
}

/* ---- vector search ---- */

static int check_search(rv_collection *c, const float *q, size_t dim, size_t k, const rv_search_params *p,
                        const rv_hit *hits, const char *what, size_t index)
{
	if (!hits)
		return rv_error(c, RV_EINVAL, "hits is NULL");
	if (k == 0 || k > RV_K_MAX)
		return rv_error(c, RV_EINVAL, "k is %zu; it must be 1..%u", k, RV_K_MAX);
	if (p && p->ef > RV_EF_MAX)
		return rv_error(c, RV_EINVAL, "ef is %u; it must be 0..%u", p->ef, RV_EF_MAX);
	const uint32_t known = RV_SEARCH_EXACT | RV_SEARCH_MMR | RV_SEARCH_CALIBRATED;
	if (p && (p->flags & ~known))
		return rv_error(c, RV_EINVAL, "unknown search flags 0x%x", p->flags & ~known);
	if (p && (p->flags & RV_SEARCH_CALIBRATED)) {
		rv_calibration cal;
		rv_calibration_get(c, &cal);
		if (!cal.recall)
			return rv_error(c, RV_EINVAL, "RV_SEARCH_CALIBRATED: the collection has no target-recall calibration "
			                "(rv_calibrate_recall)");
	}
	if (p && (p->flags & RV_SEARCH_MMR)) {
		if (!(p->mmr_lambda >= 0 && p->mmr_lambda <= 1))
			return rv_error(c, RV_EINVAL, "mmr_lambda is %g; it must be in [0, 1]", (double)p->mmr_lambda);
		if (p->mmr_candidates > RV_K_MAX)
			return rv_error(c, RV_EINVAL, "mmr_candidates is %u; it must be 0..%u", p->mmr_candidates, RV_K_MAX);
	}
	return rv_coll_check_vector(c, q, dim, what, index);
}

/* Exact ties rank by id: shorter first, then bytewise, which is numeric
 * order for decimal ids (ruvector.h). */
int rv_coll_tie_by_id(void *ctx, uint32_t a, uint32_t b)
{
	rv_idmap *m = ctx;
	size_t la = 0, lb = 0;
	rv_rwlock_rdlock(&m->lock);
	const char *ka = rv_idmap_key_locked(m, a, &la), *kb = rv_idmap_key_locked(m, b, &lb);
	int r = !ka || !kb ? 0 : la != lb ? (la < lb ? -1 : 1) : memcmp(ka, kb, la);
	rv_rwlock_unlock(&m->lock);
	return r;
}

int rv_coll_fill_hits(rv_collection *c, const rv_cand *res, int n, const float *scores, rv_hit *hits, char *idbuf,
                      size_t idbuf_size)
{
	size_t used = 0;
	int rc = n;
	rv_rwlock_rdlock(&c->ids.lock);
	for (int i = 0; i < n; i++) {
		size_t len = 0;
		const char *key = rv_idmap_key_locked(&c->ids, res[i].slot, &len);
		hits[i].distance = res[i].dist;
		hits[i].score = scores ? scores[i] : -res[i].dist;
		hits[i].id_len = (uint32_t)len;
		hits[i].id = NULL;
		if (idbuf && key) {
			if (used + len + 1 > idbuf_size) {
				rc = RV_ERANGE;
				break;
			}
			memcpy(idbuf + used, key, len);
			idbuf[used + len] = '\0';
			hits[i].id = idbuf + used;
			used += len + 1;
		}
	}
	rv_rwlock_unlock(&c->ids.lock);
	return rc;
}

/* One validated query. */
static int search_one(rv_collection *c, const float *q, size_t k, const rv_search_params *p, rv_hit *hits,
                      char *idbuf, size_t idbuf_size)
{
	rv_index *x = c->index;
	rv_cand local[64];
	rv_cand *res = k <= 64 ? local : rv_malloc(k * sizeof *res);
	if (!res)
		return rv_error(c, RV_ENOMEM, "out of memory for %zu results", k);
	rv_rwlock_rdlock(&x->rw);
	rv_scratch *s = rv_scratch_get(x);
	int n = s ? rv_coll_search_plan(c, s, q, k, p, res) : RV_ENOMEM;
	if (s)
		rv_scratch_put(x, s);
	int rc = n >= 0 ? rv_coll_fill_hits(c, res, n, NULL, hits, idbuf, idbuf_size) : n;
	rv_rwlock_unlock(&x->rw);
	if (res != local)
		rv_free(res);
	if (rc == RV_ENOMEM)
		return rv_error(c, rc, "out of memory in search");
	if (rc == RV_ERANGE)
		return rv_error(c, rc, "id buffer of %zu bytes is too small; RV_IDBUF_SIZE(k) always suffices", idbuf_size);
	return rc;
}

int rv_search(rv_collection *c, const float *q, size_t dim, size_t k, const rv_search_params *p, rv_hit *hits,
              char *idbuf, size_t idbuf_size)
{
	int rc = check_search(c, q, dim, k, p, hits, NULL, 0);
	if (rc != RV_OK)
		return rc;
	return search_one(c, q, k, p, hits, idbuf, idbuf_size);
}

typedef struct batch_job {
	rv_collection *c;
	const float *qs;
	size_t k;
	const rv_search_params *p;
	rv_hit *hits;
	int *counts;
	char *idbuf;
} batch_job;

static int search_job(void *arg, size_t i, unsigned worker)
{
	(void)worker;
	batch_job *j = arg;
	size_t slice = RV_IDBUF_SIZE(j->k);
	int n = search_one(j->c, j->qs + i * j->c->opts.dim, j->k, j->p, j->hits + i * j->k,
	                   j->idbuf ? j->idbuf + i * slice : NULL, slice);
	if (n < 0)
		return n;
	j->counts[i] = n;
	return RV_OK;
}

int rv_search_batch(rv_collection *c, size_t nq, const float *qs, size_t dim, size_t k,
                    const rv_search_params *p, rv_hit *hits, int *counts, char *idbuf, size_t idbuf_size)
{
	if (!qs || !counts)
		return rv_error(c, RV_EINVAL, "%s is NULL", qs ? "counts" : "queries");
	for (size_t i = 0; i < nq; i++) {
		int rc = check_search(c, qs + i * dim, dim, k, p, hits, "query", i);
		if (rc != RV_OK)
			return rc;
	}
	size_t need;
	if (idbuf && (!rv_mul_size(nq, RV_IDBUF_SIZE(k), &need) || idbuf_size < need))
		return rv_error(c, RV_ERANGE, "id buffer of %zu bytes is too small for %zu queries", idbuf_size, nq);
	batch_job j = {c, qs, k, p, hits, counts, idbuf};
	int rc = rv_parallel_for(nq, c->threads, 4, search_job, &j);
	return rc < 0 ? rc : RV_OK;
}
