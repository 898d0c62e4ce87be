/*
 * fusion.c: reciprocal-rank and weighted fusion of rank.h (which states the
 * formulas and the contract).
 *
 * Both are one routine with a different contribution per (list, position):
 * every item is looked up in a scratch hash table (util/hashtab.h) of the
 * keys seen so far, and its contribution, weight / (k_rrf + rank) or
 * weight * norm(score), is added to its key's total. A key repeated inside one list must count once, with its
 * best contribution; to keep the sum exactly the sum over lists in list
 * order (so that the result does not depend on duplicates elsewhere), each
 * key keeps the total of the lists before the current one (base) apart from
 * its best contribution in the current one (cur), and folds cur into base
 * when a later list mentions it. The candidates are then sorted by
 * (fused score as float, descending; key, ascending) and the first k
 * copied out: fusion inputs are a few hundred items, so a full sort costs
 * nothing worth a selection algorithm.
 */
#include "rank.h"

#include <math.h>

#include "../util/alloc.h"
#include "../util/hashtab.h"

#define NONE UINT32_MAX

typedef struct cand {
	uint32_t key;  /* the record */
	uint32_t last; /* the last list that contributed */
	double base;   /* sum of the contributions of the lists before `last` */
	double cur;    /* the best contribution of list `last` */
} cand;

typedef struct fuse_in {
	int rrf;      /* 1: RRF, 0: weighted */
	double k_rrf; /* RRF's constant */
} fuse_in;

/* The table's compare: is candidate i the record *key? */
static bool cand_is(const void *ctx, uint32_t i, const void *key, size_t len)
{
	(void)len;
	return ((const cand *)ctx)[i].key == *(const uint32_t *)key;
}

static int by_score_then_key(const void *pa, const void *pb)
{
	const rv_ranked *a = pa, *b = pb;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return (a->key > b->key) - (a->key < b->key);
}

static int fuse(const rv_rank_list *lists, size_t nlists, const fuse_in *in, size_t k, rv_ranked *out)
{
	if ((!lists && nlists) || (!out && k) || nlists >= NONE)
		return RV_EINVAL;
	size_t total = 0;
	for (size_t i = 0; i < nlists; i++) {
		const rv_rank_list *l = &lists[i];
		if ((!l->items && l->n) || !isfinite(l->weight) || l->weight < 0)
			return RV_EINVAL;
		if (!in->rrf)
			for (size_t j = 0; j < l->n; j++)
				if (!isfinite(l->items[j].score))
					return RV_EINVAL;
		if (!rv_add_size(total, l->n, &total))
			return RV_ENOMEM;
	}
	if (total == 0 || k == 0)
		return 0;
	if (total >= RV_HASHTAB_NONE)
		return RV_ENOMEM; /* candidates are numbered in 32 bits */
	rv_hashtab tab = {0}; /* record -> its candidate */
	bool room = rv_hashtab_reserve(&tab, total);
	cand *c = rv_calloc(total, sizeof *c);
	rv_ranked *all = rv_calloc(total, sizeof *all);
	if (!room || !c || !all) {
		rv_hashtab_free(&tab);
		rv_free(c);
		rv_free(all);
		return RV_ENOMEM;
	}
	size_t nc = 0;
	for (size_t i = 0; i < nlists; i++) {
		const rv_rank_list *l = &lists[i];
		double lo = 0, hi = 0;
		if (!in->rrf && l->n) {
			lo = hi = l->items[0].score;
			for (size_t j = 1; j < l->n; j++) {
				double s = l->items[j].score;
				lo = s < lo ? s : lo;
				hi = s > hi ? s : hi;
			}
		}
		for (size_t j = 0; j < l->n; j++) {
			double v;
			if (in->rrf) {
				v = (double)l->weight / (in->k_rrf + (double)(j + 1));
			} else {
				double s = l->items[j].score, norm;
				if (hi == lo)
					norm = 1;
				else
					norm = l->lower_is_better ? (hi - s) / (hi - lo) : (s - lo) / (hi - lo);
				v = (double)l->weight * norm;
			}
			uint32_t key = l->items[j].key;
			uint32_t h = rv_hash_u32(key);
			bool found;
			size_t b = rv_hashtab_probe(&tab, h, cand_is, c, &key, sizeof key, &found);
			if (!found) {
				rv_hashtab_insert(&tab, &b, h, (uint32_t)nc); /* room reserved: cannot fail */
				c[nc++] = (cand){key, (uint32_t)i, 0, v};
				continue;
			}
			cand *e = &c[tab.b[b].value];
			if (e->last != i) {
				e->base += e->cur;
				e->last = (uint32_t)i;
				e->cur = v;
			} else if (v > e->cur) {
				e->cur = v;
			}
		}
	}
	for (size_t i = 0; i < nc; i++)
		all[i] = (rv_ranked){c[i].key, (float)(c[i].base + c[i].cur)};
	qsort(all, nc, sizeof *all, by_score_then_key);
	size_t m = k < nc ? k : nc;
	if (m > INT32_MAX)
		m = INT32_MAX; /* the count must fit the return value */
	memcpy(out, all, m * sizeof *out);
	rv_hashtab_free(&tab);
	rv_free(c);
	rv_free(all);
	return (int)m;
}

int rv_fuse_rrf(const rv_rank_list *lists, size_t nlists, float k_rrf, size_t k, rv_ranked *out)
{
	if (isnan(k_rrf) || isinf(k_rrf))
		return RV_EINVAL;
	fuse_in in = {1, k_rrf > 0 ? (double)k_rrf : 60.0};
	return fuse(lists, nlists, &in, k, out);
}

int rv_fuse_weighted(const rv_rank_list *lists, size_t nlists, size_t k, rv_ranked *out)
{
	fuse_in in = {0, 0};
	return fuse(lists, nlists, &in, k, out);
}
