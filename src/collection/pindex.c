/*
 * pindex.c: keyword and numeric payload indexes, and the text index's
 * upkeep (pindex.h describes them).
 */
#include <math.h>
#include <string.h>

#include "../util/alloc.h"
#include "pindex.h"

struct rv_kw_entry {
	char *val;          /* type byte ('s', 't', 'f', 'n') then the string */
	size_t len;
	uint32_t *slots;
	size_t n, cap;
};

/* ---- keyword ---- */

/* The table's compare: is entry v's value key[0..len)? */
static bool kw_has(const void *ctx, uint32_t v, const void *key, size_t len)
{
	const rv_kw_entry *e = &((const rv_pindex *)ctx)->kw_ent[v];
	return e->len == len && memcmp(e->val, key, len) == 0;
}

static inline uint32_t kw_hash(const char *val, size_t len)
{
	return (uint32_t)rv_hash_bytes(val, len);
}

static rv_kw_entry *kw_find(const rv_pindex *x, const char *val, size_t len)
{
	uint32_t v = rv_hashtab_find(&x->kw, kw_hash(val, len), kw_has, x, val, len);
	return v == RV_HASHTAB_NONE ? NULL : &x->kw_ent[v];
}

static bool kw_add(rv_pindex *x, const char *val, size_t len, uint32_t slot)
{
	uint32_t h = kw_hash(val, len);
	bool found;
	size_t i = rv_hashtab_probe(&x->kw, h, kw_has, x, val, len, &found);
	rv_kw_entry *e;
	if (found) {
		e = &x->kw_ent[x->kw.b[i].value];
	} else {
		if (x->kw_n >= RV_HASHTAB_NONE ||
		    !rv_grow_array((void **)&x->kw_ent, &x->kw_cap, x->kw_n + 1, sizeof *x->kw_ent))
			return false;
		char *v = rv_malloc(len ? len : 1);
		if (!v)
			return false;
		if (!rv_hashtab_insert(&x->kw, &i, h, (uint32_t)x->kw_n)) {
			rv_free(v);
			return false;
		}
		memcpy(v, val, len);
		e = &x->kw_ent[x->kw_n++];
		*e = (rv_kw_entry){v, len, NULL, 0, 0};
	}
	if (!rv_grow_array((void **)&e->slots, &e->cap, e->n + 1, sizeof *e->slots))
		return false;
	e->slots[e->n++] = slot;
	return true;
}

static void kw_remove(rv_pindex *x, const char *val, size_t len, uint32_t slot)
{
	rv_kw_entry *e = kw_find(x, val, len);
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		if (e->slots[i] == slot) {
			e->slots[i] = e->slots[--e->n];
			return;
		}
}

/* The keyword keys of a field: calls fn for each distinct one. */
typedef bool (*kw_fn)(rv_pindex *x, const char *val, size_t len, uint32_t slot);

static bool kw_each(rv_pindex *x, const rv_pfield *f, uint32_t slot, bool adding)
{
	char small[256];
	bool ok = true;
	switch (f->type) {
	case RV_PT_NULL:
	case RV_PT_TRUE:
	case RV_PT_FALSE: {
		char t = f->type == RV_PT_NULL ? 'n' : f->type == RV_PT_TRUE ? 't' : 'f';
		if (adding)
			return kw_add(x, &t, 1, slot);
		kw_remove(x, &t, 1, slot);
		return true;
	}
	case RV_PT_STRING:
	case RV_PT_STRINGS: {
		uint32_t cnt = f->type == RV_PT_STRING ? 1 : f->len;
		const uint8_t *it = NULL;
		for (uint32_t i = 0; i < cnt && ok; i++) {
			uint32_t l;
			const uint8_t *s = f->type == RV_PT_STRING ? (l = f->len, f->str) : rv_pfield_string_at(f, &it, &l);
			if (f->type == RV_PT_STRINGS) {
				/* index each distinct element once */
				const uint8_t *it2 = NULL;
				bool seen = false;
				for (uint32_t j = 0; j < i && !seen; j++) {
					uint32_t l2;
					const uint8_t *s2 = rv_pfield_string_at(f, &it2, &l2);
					seen = l2 == l && memcmp(s2, s, l) == 0;
				}
				if (seen)
					continue;
			}
			char *buf = l + 1 <= sizeof small ? small : rv_malloc((size_t)l + 1);
			if (!buf)
				return false;
			buf[0] = 's';
			memcpy(buf + 1, s, l);
			if (adding)
				ok = kw_add(x, buf, (size_t)l + 1, slot);
			else
				kw_remove(x, buf, (size_t)l + 1, slot);
			if (buf != small)
				rv_free(buf);
		}
		return ok;
	}
	default:
		return true; /* numbers: the numeric index's */
	}
}

/* ---- numeric ---- */

static int num_cmp(double a, uint32_t sa, double b, uint32_t sb)
{
	if (a != b)
		return a < b ? -1 : 1;
	return (sa > sb) - (sa < sb);
}

/* First main index with (v, s) >= (value, slot). */
static size_t num_lower(const rv_pindex *x, double value, uint32_t slot)
{
	size_t lo = 0, hi = x->mn;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (num_cmp(x->mv[mid], x->ms[mid], value, slot) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

typedef struct numpair {
	double v;
	uint32_t s;
} numpair;

static int numpair_cmp(const void *a, const void *b)
{
	const numpair *x = a, *y = b;
	return num_cmp(x->v, x->s, y->v, y->s);
}

static bool num_merge(rv_pindex *x)
{
	size_t n = x->mn - x->mdead + x->tn;
	numpair *all = rv_malloc((n ? n : 1) * sizeof *all);
	double *v = rv_malloc((n ? n : 1) * sizeof *v);
	uint32_t *s = rv_malloc((n ? n : 1) * sizeof *s);
	if (!all || !v || !s) {
		rv_free(all);
		rv_free(v);
		rv_free(s);
		return false;
	}
	size_t k = 0;
	for (size_t i = 0; i < x->mn; i++)
		if (x->ms[i] != UINT32_MAX)
			all[k++] = (numpair){x->mv[i], x->ms[i]};
	for (size_t i = 0; i < x->tn; i++)
		all[k++] = (numpair){x->tv[i], x->ts[i]};
	qsort(all, k, sizeof *all, numpair_cmp);
	for (size_t i = 0; i < k; i++) {
		v[i] = all[i].v;
		s[i] = all[i].s;
	}
	rv_free(all);
	rv_free(x->mv);
	rv_free(x->ms);
	x->mv = v;
	x->ms = s;
	x->mn = k;
	x->mdead = 0;
	x->tn = 0;
	return true;
}

static bool num_add(rv_pindex *x, double value, uint32_t slot)
{
	if (x->tn == x->tcap) {
		size_t cap = x->tcap ? x->tcap * 2 : 64;
		double *tv = rv_realloc(x->tv, cap * sizeof *tv);
		if (!tv)
			return false;
		x->tv = tv;
		uint32_t *ts = rv_realloc(x->ts, cap * sizeof *ts);
		if (!ts)
			return false;
		x->ts = ts;
		x->tcap = cap;
	}
	x->tv[x->tn] = value;
	x->ts[x->tn++] = slot;
	size_t limit = x->mn / 16 > 256 ? x->mn / 16 : 256;
	if (x->tn > limit || x->mdead > limit)
		return num_merge(x);
	return true;
}

static void num_remove(rv_pindex *x, double value, uint32_t slot)
{
	for (size_t i = 0; i < x->tn; i++)
		if (x->ts[i] == slot && x->tv[i] == value) {
			x->tv[i] = x->tv[--x->tn];
			x->ts[i] = x->ts[x->tn];
			return;
		}
	size_t i = num_lower(x, value, slot);
	if (i < x->mn && x->ms[i] == slot && x->mv[i] == value) {
		x->ms[i] = UINT32_MAX;
		x->mdead++;
	}
}

/* ---- definitions and upkeep ---- */

static void pindex_clear(rv_pindex *x)
{
	for (size_t i = 0; i < x->kw_n; i++) {
		rv_free(x->kw_ent[i].val);
		rv_free(x->kw_ent[i].slots);
	}
	rv_hashtab_free(&x->kw);
	rv_free(x->kw_ent);
	rv_free(x->mv);
	rv_free(x->ms);
	rv_free(x->tv);
	rv_free(x->ts);
	x->kw_ent = NULL;
	x->mv = x->tv = NULL;
	x->ms = x->ts = NULL;
	x->kw_n = x->kw_cap = x->mn = x->mdead = x->tn = x->tcap = 0;
}

void rv_pindexes_destroy(rv_pindexes *ix)
{
	for (size_t i = 0; i < ix->n; i++) {
		pindex_clear(&ix->v[i]);
		rv_free(ix->v[i].key);
	}
	rv_free(ix->v);
	rv_bm25_free(ix->text);
	rv_free(ix->text_key);
	memset(ix, 0, sizeof *ix);
}

void rv_pindexes_drop_last(rv_pindexes *ix, rv_index_kind kind)
{
	if (kind == RV_INDEX_TEXT) {
		rv_bm25_free(ix->text);
		rv_free(ix->text_key);
		ix->text = NULL;
		ix->text_key = NULL;
		ix->text_keylen = 0;
		return;
	}
	if (!ix->n)
		return;
	pindex_clear(&ix->v[ix->n - 1]);
	rv_free(ix->v[ix->n - 1].key);
	ix->n--;
}

int rv_pindexes_remove(rv_pindexes *ix, const char *key, size_t keylen, rv_index_kind kind)
{
	if (kind == RV_INDEX_TEXT) {
		if (!ix->text || ix->text_keylen != keylen || memcmp(ix->text_key, key, keylen) != 0)
			return RV_ENOTFOUND;
		rv_pindexes_drop_last(ix, kind);
		return RV_OK;
	}
	for (size_t i = 0; i < ix->n; i++)
		if (ix->v[i].kind == kind && ix->v[i].keylen == keylen && memcmp(ix->v[i].key, key, keylen) == 0) {
			pindex_clear(&ix->v[i]);
			rv_free(ix->v[i].key);
			memmove(&ix->v[i], &ix->v[i + 1], (ix->n - i - 1) * sizeof *ix->v);
			ix->n--;
			return RV_OK;
		}
	return RV_ENOTFOUND;
}

int rv_pindexes_define(rv_pindexes *ix, const char *key, size_t keylen, rv_index_kind kind)
{
	if (kind == RV_INDEX_TEXT) {
		if (ix->text)
			return ix->text_keylen == keylen && memcmp(ix->text_key, key, keylen) == 0 ? RV_EEXIST : RV_EINVAL;
		char *k = rv_strndup(key, keylen);
		rv_bm25 *b = NULL;
		int rc = k ? rv_bm25_new(0, 0.75f, &b) : RV_ENOMEM;
		if (rc != RV_OK) {
			rv_free(k);
			return rc;
		}
		ix->text = b;
		ix->text_key = k;
		ix->text_keylen = keylen;
		ix->text_stale = false;
		return RV_OK;
	}
	for (size_t i = 0; i < ix->n; i++)
		if (ix->v[i].kind == kind && ix->v[i].keylen == keylen && memcmp(ix->v[i].key, key, keylen) == 0)
			return RV_EEXIST;
	rv_pindex *v = rv_realloc(ix->v, (ix->n + 1) * sizeof *v);
	if (!v)
		return RV_ENOMEM;
	ix->v = v;
	char *k = rv_strndup(key, keylen);
	if (!k)
		return RV_ENOMEM;
	memset(&v[ix->n], 0, sizeof *v);
	v[ix->n].key = k;
	v[ix->n].keylen = keylen;
	v[ix->n].kind = kind;
	ix->n++;
	return RV_OK;
}

/* One value the index's path reached, and the elements of an array. */
typedef struct index_walk {
	rv_pindex *x;
	uint32_t slot;
	bool adding, ok;
} index_walk;

static bool index_number(index_walk *w, double v)
{
	if (w->adding)
		return num_add(w->x, v, w->slot);
	num_remove(w->x, v, w->slot);
	return true;
}

static bool index_value(void *ctx, const rv_pfield *f)
{
	index_walk *w = ctx;
	if (w->x->kind == RV_INDEX_KEYWORD) {
		if (f->type == RV_PT_ARRAY) {
			const uint8_t *it = NULL;
			rv_pfield e;
			for (uint32_t i = 0; i < f->len && w->ok && rv_pfield_elem(f, &it, &e); i++)
				if (e.type != RV_PT_ARRAY && e.type != RV_PT_STRINGS)
					w->ok = kw_each(w->x, &e, w->slot, w->adding);
		} else {
			w->ok = kw_each(w->x, f, w->slot, w->adding);
		}
	} else if (f->type == RV_PT_NUMBER) {
		w->ok = index_number(w, f->num);
	} else if (f->type == RV_PT_ARRAY) {
		const uint8_t *it = NULL;
		rv_pfield e;
		for (uint32_t i = 0; i < f->len && w->ok && rv_pfield_elem(f, &it, &e); i++)
			if (e.type == RV_PT_NUMBER)
				w->ok = index_number(w, e.num);
	}
	return !w->ok; /* on with the next value, unless out of memory */
}

/* Add (or remove) every value the index's path reaches in blob: each
 * value, and each element of an array value (numbers for a numeric index;
 * strings, booleans and null for a keyword one), as the filters match
 * them. Removing walks the same values, so it undoes adding exactly. */
static bool index_one(rv_pindex *x, uint32_t slot, const uint8_t *blob, bool adding)
{
	index_walk w = {x, slot, adding, true};
	(void)rv_payload_path_each(blob, x->key, x->keylen, index_value, &w);
	return w.ok;
}

/* The text of the text index's field: the first string its path reaches. */
typedef struct text_find {
	const char *s;
	size_t len;
} text_find;

static bool text_value(void *ctx, const rv_pfield *f)
{
	text_find *t = ctx;
	if (f->type != RV_PT_STRING)
		return false;
	t->s = (const char *)f->str;
	t->len = f->len;
	return true;
}

static bool text_of(const rv_pindexes *ix, const uint8_t *blob, const char **s, size_t *len)
{
	text_find t = {NULL, 0};
	if (!rv_payload_path_each(blob, ix->text_key, ix->text_keylen, text_value, &t))
		return false;
	*s = t.s;
	*len = t.len;
	return true;
}

static void text_update(rv_pindexes *ix, uint32_t slot, const uint8_t *old, const uint8_t *now)
{
	const char *s;
	size_t len;
	if (old)
		rv_bm25_remove(ix->text, slot);
	if (text_of(ix, now, &s, &len) && rv_bm25_add(ix->text, slot, s, len) != RV_OK)
		ix->text_stale = true;
}

int rv_pindexes_build(rv_pindexes *ix, size_t i, const rv_payloads *p)
{
	if (i == SIZE_MAX) {
		for (size_t s = 0; s < p->cap; s++)
			if (p->rec[s]) {
				const char *t;
				size_t len;
				if (text_of(ix, p->rec[s], &t, &len)) {
					int rc = rv_bm25_add(ix->text, (uint32_t)s, t, len);
					if (rc != RV_OK)
						return rc;
				}
			}
		ix->text_stale = false;
		return RV_OK;
	}
	rv_pindex *x = &ix->v[i];
	pindex_clear(x);
	for (size_t s = 0; s < p->cap; s++)
		if (p->rec[s] && !index_one(x, (uint32_t)s, p->rec[s], true))
			return RV_ENOMEM;
	if (x->kind == RV_INDEX_NUMERIC && !num_merge(x))
		return RV_ENOMEM;
	x->stale = false;
	return RV_OK;
}

void rv_pindexes_update(rv_pindexes *ix, uint32_t slot, const uint8_t *old, const uint8_t *now)
{
	for (size_t i = 0; i < ix->n; i++) {
		rv_pindex *x = &ix->v[i];
		if (x->stale)
			continue;
		(void)index_one(x, slot, old, false);
		if (!index_one(x, slot, now, true))
			x->stale = true;
	}
	if (ix->text && !ix->text_stale)
		text_update(ix, slot, old, now);
}

void rv_pindexes_renumber(rv_pindexes *ix, const uint32_t *map, size_t n)
{
#define MAP(s) ((s) < n ? map[s] : (s))
	for (size_t i = 0; i < ix->n; i++) {
		rv_pindex *x = &ix->v[i];
		for (size_t j = 0; j < x->kw_n; j++)
			for (size_t k = 0; k < x->kw_ent[j].n; k++)
				x->kw_ent[j].slots[k] = MAP(x->kw_ent[j].slots[k]);
		for (size_t j = 0; j < x->tn; j++)
			x->ts[j] = MAP(x->ts[j]);
		/* main: drop tombstones, remap, re-sort (in place) */
		size_t k = 0;
		for (size_t j = 0; j < x->mn; j++)
			if (x->ms[j] != UINT32_MAX) {
				x->mv[k] = x->mv[j];
				x->ms[k++] = MAP(x->ms[j]);
			}
		x->mn = k;
		x->mdead = 0;
		/* insertion sort by runs: values stay sorted, only equal values'
		 * slots are out of order, so sort each run of equal values */
		for (size_t a = 0; a < k;) {
			size_t b = a + 1;
			while (b < k && x->mv[b] == x->mv[a])
				b++;
			for (size_t p = a + 1; p < b; p++) {
				uint32_t s = x->ms[p];
				size_t q = p;
				while (q > a && x->ms[q - 1] > s) {
					x->ms[q] = x->ms[q - 1];
					q--;
				}
				x->ms[q] = s;
			}
			a = b;
		}
	}
	if (ix->text && !ix->text_stale && rv_bm25_renumber(ix->text, map, n) != RV_OK)
		ix->text_stale = true;
#undef MAP
}

size_t rv_pindexes_memory(const rv_pindexes *ix)
{
	size_t m = ix->n * sizeof *ix->v;
	for (size_t i = 0; i < ix->n; i++) {
		const rv_pindex *x = &ix->v[i];
		m += rv_hashtab_memory(&x->kw) + x->kw_cap * sizeof *x->kw_ent + (x->mn) * 12 + x->tcap * 12;
		for (size_t j = 0; j < x->kw_n; j++)
			m += x->kw_ent[j].len + x->kw_ent[j].cap * 4;
	}
	if (ix->text)
		m += rv_bm25_memory(ix->text);
	return m;
}

/* ---- planning ---- */

static const rv_pindex *find_index(const rv_pindexes *ix, const rv_filter *f, rv_index_kind kind)
{
	for (size_t i = 0; i < ix->n; i++) {
		const rv_pindex *x = &ix->v[i];
		if (!x->stale && x->kind == kind && x->keylen == f->keylen && memcmp(x->key, f->key, f->keylen) == 0)
			return x;
	}
	return NULL;
}

/* The keyword key of a value, into buf (len returned), or 0 if it has none. */
static size_t kw_key(const rv_fvalue *v, char *buf, size_t size, char **heap)
{
	*heap = NULL;
	switch (v->type) {
	case RV_VALUE_NULL:
		buf[0] = 'n';
		return 1;
	case RV_VALUE_BOOL:
		buf[0] = v->boolean ? 't' : 'f';
		return 1;
	case RV_VALUE_STRING: {
		char *b = v->len + 1 <= size ? buf : (*heap = rv_malloc(v->len + 1));
		if (!b)
			return 0;
		b[0] = 's';
		memcpy(b + 1, v->str, v->len);
		return v->len + 1;
	}
	default:
		return 0;
	}
}

static const rv_kw_entry *kw_lookup(const rv_pindex *x, const rv_fvalue *v)
{
	char buf[256], *heap;
	size_t len = kw_key(v, buf, sizeof buf, &heap);
	if (!len)
		return NULL;
	const char *k = heap ? heap : buf;
	const rv_kw_entry *e = kw_find(x, k, len);
	rv_free(heap);
	return e;
}

/* Range of a numeric condition: [lo, hi] with open ends per flags. */
static bool num_range(const rv_filter *f, size_t vi, double *lo, double *hi, bool *lo_open, bool *hi_open)
{
	const rv_fvalue *v = &f->vals[vi];
	if (v->type != RV_VALUE_NUMBER)
		return false;
	*lo = -INFINITY;
	*hi = INFINITY;
	*lo_open = *hi_open = false;
	switch (f->op) {
	case RV_FILTER_EQ:
	case RV_FILTER_IN:
		*lo = *hi = v->number;
		return true;
	case RV_FILTER_GT:
		*lo_open = true; /* fall through */
	case RV_FILTER_GTE:
		*lo = v->number;
		return true;
	case RV_FILTER_LT:
		*hi_open = true; /* fall through */
	case RV_FILTER_LTE:
		*hi = v->number;
		return true;
	default:
		return false;
	}
}

static bool in_range(double v, double lo, double hi, bool lo_open, bool hi_open)
{
	return (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi);
}

/* Walk a numeric range: count it, or (out != NULL) list it. */
static size_t num_walk(const rv_pindex *x, double lo, double hi, bool lo_open, bool hi_open, uint32_t *out)
{
	size_t n = 0;
	size_t i = num_lower(x, lo, 0);
	while (lo_open && i < x->mn && x->mv[i] <= lo)
		i++; /* skip the open lower end */
	for (; i < x->mn && (hi_open ? x->mv[i] < hi : x->mv[i] <= hi); i++)
		if (x->ms[i] != UINT32_MAX) {
			if (out)
				out[n] = x->ms[i];
			n++;
		}
	for (size_t j = 0; j < x->tn; j++)
		if (in_range(x->tv[j], lo, hi, lo_open, hi_open)) {
			if (out)
				out[n] = x->ts[j];
			n++;
		}
	return n;
}

/* Estimate (and whether listable) for one leaf. */
static size_t leaf_estimate(const rv_pindexes *ix, const rv_filter *f, size_t total, bool *listable)
{
	*listable = false;
	if (f->op != RV_FILTER_EQ && f->op != RV_FILTER_IN && f->op != RV_FILTER_GT && f->op != RV_FILTER_GTE &&
	    f->op != RV_FILTER_LT && f->op != RV_FILTER_LTE)
		return total;
	const rv_pindex *kw = find_index(ix, f, RV_INDEX_KEYWORD), *num = find_index(ix, f, RV_INDEX_NUMERIC);
	size_t sum = 0;
	for (size_t i = 0; i < f->nvals; i++) {
		const rv_fvalue *v = &f->vals[i];
		if (v->type == RV_VALUE_NUMBER) {
			double lo, hi;
			bool lo_open, hi_open;
			if (!num || !num_range(f, i, &lo, &hi, &lo_open, &hi_open))
				return total;
			sum += num_walk(num, lo, hi, lo_open, hi_open, NULL);
		} else {
			if (!kw || (f->op != RV_FILTER_EQ && f->op != RV_FILTER_IN))
				return total;
			const rv_kw_entry *e = kw_lookup(kw, v);
			sum += e ? e->n : 0;
		}
	}
	*listable = true;
	return sum < total ? sum : total;
}

size_t rv_pindexes_estimate(const rv_pindexes *ix, const rv_filter *f, size_t total, bool *listable)
{
	*listable = false;
	switch (f->op) {
	case RV_FILTER_AND: {
		size_t best = total;
		for (size_t i = 0; i < f->nkids; i++) {
			bool l;
			size_t e = rv_pindexes_estimate(ix, f->kids[i], total, &l);
			if (l && (!*listable || e < best)) {
				best = e;
				*listable = true;
			}
		}
		return best;
	}
	case RV_FILTER_OR: {
		size_t sum = 0;
		bool all = true;
		for (size_t i = 0; i < f->nkids; i++) {
			bool l;
			sum += rv_pindexes_estimate(ix, f->kids[i], total, &l);
			all = all && l;
		}
		*listable = all;
		return sum < total ? sum : total;
	}
	case RV_FILTER_NOT:
		return total;
	default:
		return leaf_estimate(ix, f, total, listable);
	}
}

typedef struct slotvec {
	uint32_t *v;
	size_t n, cap;
	bool failed;
} slotvec;

static void sv_reserve(slotvec *s, size_t more)
{
	if (!s->failed && !rv_grow_array((void **)&s->v, &s->cap, s->n + more, sizeof *s->v))
		s->failed = true;
}

static void list_into(const rv_pindexes *ix, const rv_filter *f, slotvec *out)
{
	bool l;
	if (f->op == RV_FILTER_AND) {
		size_t best = SIZE_MAX;
		const rv_filter *pick = NULL;
		for (size_t i = 0; i < f->nkids; i++) {
			size_t e = rv_pindexes_estimate(ix, f->kids[i], SIZE_MAX, &l);
			if (l && e < best) {
				best = e;
				pick = f->kids[i];
			}
		}
		if (pick)
			list_into(ix, pick, out);
		return;
	}
	if (f->op == RV_FILTER_OR) {
		for (size_t i = 0; i < f->nkids; i++)
			list_into(ix, f->kids[i], out);
		return;
	}
	const rv_pindex *kw = find_index(ix, f, RV_INDEX_KEYWORD), *num = find_index(ix, f, RV_INDEX_NUMERIC);
	for (size_t i = 0; i < f->nvals && !out->failed; i++) {
		const rv_fvalue *v = &f->vals[i];
		if (v->type == RV_VALUE_NUMBER) {
			double lo, hi;
			bool lo_open, hi_open;
			if (!num || !num_range(f, i, &lo, &hi, &lo_open, &hi_open))
				continue;
			size_t n = num_walk(num, lo, hi, lo_open, hi_open, NULL);
			sv_reserve(out, n);
			if (!out->failed)
				out->n += num_walk(num, lo, hi, lo_open, hi_open, out->v + out->n);
		} else if (kw) {
			const rv_kw_entry *e = kw_lookup(kw, v);
			if (!e)
				continue;
			sv_reserve(out, e->n);
			if (!out->failed) {
				memcpy(out->v + out->n, e->slots, e->n * sizeof *e->slots);
				out->n += e->n;
			}
		}
	}
}

int rv_pindexes_list(const rv_pindexes *ix, const rv_filter *f, uint32_t **out, size_t *n)
{
	slotvec s = {0};
	sv_reserve(&s, 16);
	if (!s.failed)
		list_into(ix, f, &s);
	if (s.failed) {
		rv_free(s.v);
		*out = NULL;
		*n = 0;
		return RV_ENOMEM;
	}
	*out = s.v;
	*n = s.n;
	return RV_OK;
}
