/*
 * bm25.c: the BM25 inverted index of text.h (which states the formula and
 * the contract).
 *
 * Layout. Terms live in an array of records (term id = index), found by an
 * open-addressing hash of their bytes; each record holds its postings, one
 * (doc slot, tf, k) per document containing it. Documents live in an array
 * of slots found by an open-addressing hash of the caller's id; each slot
 * holds the document's length and its distinct terms, one (term id, pos)
 * each, pos being where its posting sits in that term's list, and k in the
 * posting being where the term sits in the document's list. The two
 * back-pointers make removal O(distinct terms of the document): a posting
 * is swap-removed (the last posting of the list fills the hole) and the
 * moved posting's document is told its new position through k, with no
 * search. Slots and term records freed by removals go on free lists and are
 * reused; a term whose last posting goes is freed at once (its bytes, its
 * list, its hash entry), so a vocabulary that churns does not accumulate.
 * Both hashes are util/hashtab.h tables (linear probing at load <= 3/4,
 * backward-shift deletion, so there are no tombstones to clean up) whose
 * values are term ids and slots.
 *
 * Postings name the slot, not the caller's id, so that renumbering only
 * rewrites the ids in the slots and rebuilds the id hash.
 *
 * Adding is in three phases so that a failure leaves nothing changed:
 * tokenize into a private bag of (distinct term, count) without the lock;
 * then, under the exclusive lock, reserve everything the change needs
 * (array and hash capacities, one more posting in each existing term's
 * list, the new terms' bytes and lists, the document's term list), undoing
 * the allocations of this call if one fails (grown capacities stay; they
 * change nothing that can be observed but rv_bm25_memory); then commit,
 * which cannot fail. Replacing a document's text unlinks the old postings
 * in the commit, and frees the terms left empty only after the new
 * postings are in, so that a term in both the old and the new text is
 * never freed and recreated.
 *
 * Search tokenizes the query into a bag, looks its distinct terms up, and
 * accumulates each matching slot's score in a scratch array of (slot,
 * score), found through a third util/hashtab.h table keyed by slot; both
 * are sized by the total length of the postings read (not by the number
 * of documents: a rare-word query on a large index touches little). Then
 * it keeps the best k in a heap, calling the accept filter only for
 * documents that would enter it.
 */
#include "text.h"

#include <math.h>

#include "../platform/platform.h"
#include "../util/alloc.h"
#include "../util/hashtab.h"

#define NONE UINT32_MAX

typedef struct posting {
	uint32_t doc; /* document slot */
	uint32_t tf;  /* occurrences of the term in the document */
	uint32_t k;   /* index of the term in the slot's term list */
} posting;

typedef struct term {
	char *s;          /* the token's bytes (not NUL-terminated); NULL: a free record */
	uint32_t len;     /* bytes of s */
	uint32_t hash;    /* term_hash of s, kept for removal */
	uint32_t next;    /* free record: the next free one (NONE ends the list) */
	posting *post;    /* the documents containing the term, in no order */
	size_t npost;     /* postings in use: n(t) */
	size_t cap;       /* postings allocated */
} term;

typedef struct doc_term {
	uint32_t term; /* term id */
	uint32_t pos;  /* index of this document's posting in the term's list */
} doc_term;

typedef struct doc {
	uint32_t id;      /* the caller's id */
	uint32_t len;     /* tokens: |D| */
	uint32_t nterms;  /* distinct terms */
	uint32_t next;    /* free slot: the next free one */
	doc_term *terms;  /* the distinct terms (NULL when none) */
	bool live;        /* holds a document */
} doc;

struct rv_bm25 {
	/* Shared by searches and the readers of counts; exclusive for add,
	 * remove and renumber. Protects everything below. */
	rv_rwlock lock;
	double k1, b;       /* parameters */

	term *terms;        /* term records, by id */
	size_t nterm_rec;   /* records used (live or free) */
	size_t term_cap;    /* records allocated */
	uint32_t term_free; /* first free record, NONE if none */
	size_t nterms;      /* live terms */
	rv_hashtab thash;   /* term bytes -> term id */

	doc *docs;          /* document slots */
	size_t ndoc_rec;    /* slots used (live or free) */
	size_t doc_cap;     /* slots allocated */
	uint32_t doc_free;  /* first free slot, NONE if none */
	size_t ndocs;       /* live documents: N */
	rv_hashtab dhash;   /* the caller's id -> slot */
	uint64_t total_len; /* sum of |D|: avgdl = total_len / ndocs */
};

/* ---- hashing ---- */

static inline uint32_t term_hash(const char *s, size_t len)
{
	return (uint32_t)rv_hash_bytes(s, len);
}

/* ---- the term hash ---- */

/* The table's compare: are term id's bytes key[0..len)? */
static bool term_has(const void *ctx, uint32_t id, const void *key, size_t len)
{
	const term *t = &((const rv_bm25 *)ctx)->terms[id];
	return t->len == len && !memcmp(t->s, key, len);
}

static uint32_t term_find(const rv_bm25 *x, const char *s, size_t len, uint32_t h)
{
	return rv_hashtab_find(&x->thash, h, term_has, x, s, len);
}

/* Enters term id (its bytes and hash set, not in the table yet); room was
 * reserved, so this cannot fail. */
static void term_hash_put(rv_bm25 *x, uint32_t id)
{
	const term *t = &x->terms[id];
	bool found;
	size_t i = rv_hashtab_probe(&x->thash, t->hash, term_has, x, t->s, t->len, &found);
	rv_hashtab_insert(&x->thash, &i, t->hash, id);
}

static void term_hash_del(rv_bm25 *x, uint32_t id)
{
	const term *t = &x->terms[id];
	bool found;
	size_t i = rv_hashtab_probe(&x->thash, t->hash, term_has, x, t->s, t->len, &found);
	rv_hashtab_remove_at(&x->thash, i);
}

/* ---- the id hash ---- */

/* The table's compare: does slot hold the caller's id *key? */
static bool doc_has(const void *ctx, uint32_t slot, const void *key, size_t len)
{
	(void)len;
	return ((const rv_bm25 *)ctx)->docs[slot].id == *(const uint32_t *)key;
}

static uint32_t doc_find(const rv_bm25 *x, uint32_t id)
{
	return rv_hashtab_find(&x->dhash, rv_hash_u32(id), doc_has, x, &id, sizeof id);
}

/* Enters (id, slot), id absent; room was reserved, so this cannot fail. */
static void doc_hash_put(rv_bm25 *x, uint32_t id, uint32_t slot)
{
	uint32_t h = rv_hash_u32(id);
	bool found;
	size_t i = rv_hashtab_probe(&x->dhash, h, doc_has, x, &id, sizeof id, &found);
	rv_hashtab_insert(&x->dhash, &i, h, slot);
}

static void doc_hash_del(rv_bm25 *x, uint32_t id)
{
	bool found;
	size_t i = rv_hashtab_probe(&x->dhash, rv_hash_u32(id), doc_has, x, &id, sizeof id, &found);
	rv_hashtab_remove_at(&x->dhash, i);
}

/* ---- a bag of distinct tokens with counts (no lock needed) ---- */

typedef struct bag_ent {
	uint32_t off;  /* bytes at arena + off */
	uint32_t len;  /* byte length */
	uint32_t hash; /* term_hash of them */
	uint32_t tf;   /* occurrences */
	uint32_t term; /* term id in the index, or NONE */
} bag_ent;

typedef struct bag {
	char *arena;     /* the distinct tokens' bytes, back to back */
	size_t alen, acap;
	bag_ent *ent;    /* distinct tokens, in order of first occurrence */
	size_t n, cap;
	rv_hashtab tab;  /* token bytes -> index into ent */
	size_t tokens;   /* all tokens, repeats included */
} bag;

static void bag_free(bag *g)
{
	rv_free(g->arena);
	rv_free(g->ent);
	rv_hashtab_free(&g->tab);
}

/* The table's compare: is entry e's token key[0..len)? */
static bool bag_has(const void *ctx, uint32_t e, const void *key, size_t len)
{
	const bag *g = ctx;
	return g->ent[e].len == len && !memcmp(g->arena + g->ent[e].off, key, len);
}

static int bag_token(void *ctx, const char *tok, size_t len)
{
	bag *g = ctx;
	if (g->tokens >= UINT32_MAX)
		return RV_EINVAL; /* |D| is kept in 32 bits */
	g->tokens++;
	uint32_t h = term_hash(tok, len);
	bool found;
	size_t i = rv_hashtab_probe(&g->tab, h, bag_has, g, tok, len, &found);
	if (found) {
		g->ent[g->tab.b[i].value].tf++;
		return 0;
	}
	if (g->alen > UINT32_MAX - RV_TOKEN_MAX) /* offsets are 32-bit; distinct tokens this many are not text */
		return RV_ENOMEM;
	if (!rv_grow_array((void **)&g->ent, &g->cap, g->n + 1, sizeof *g->ent) ||
	    !rv_grow_array((void **)&g->arena, &g->acap, g->alen + len, 1) ||
	    !rv_hashtab_insert(&g->tab, &i, h, (uint32_t)g->n))
		return RV_ENOMEM;
	memcpy(g->arena + g->alen, tok, len);
	bag_ent *e = &g->ent[g->n++];
	e->off = (uint32_t)g->alen;
	e->len = (uint32_t)len;
	e->hash = h;
	e->tf = 1;
	e->term = NONE;
	g->alen += len;
	return 0;
}

static int bag_fill(bag *g, const char *text, size_t len)
{
	memset(g, 0, sizeof *g);
	int rc = rv_tokenize(text, len, bag_token, g);
	if (rc != RV_OK)
		bag_free(g);
	return rc;
}

/* ---- create / free ---- */

int rv_bm25_new(float k1, float b, rv_bm25 **out)
{
	if (!out || isnan(k1) || isnan(b) || isinf(k1) || isinf(b) || b > 1.0f)
		return RV_EINVAL;
	rv_bm25 *x = rv_calloc(1, sizeof *x);
	if (!x)
		return RV_ENOMEM;
	if (rv_rwlock_init(&x->lock) != 0) {
		rv_free(x);
		return RV_ENOMEM;
	}
	x->k1 = k1 > 0 ? k1 : 1.2;
	x->b = b >= 0 ? b : 0.75;
	x->term_free = NONE;
	x->doc_free = NONE;
	rv_alloc_object_created();
	*out = x;
	return RV_OK;
}

void rv_bm25_free(rv_bm25 *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->nterm_rec; i++) {
		rv_free(x->terms[i].s);
		rv_free(x->terms[i].post);
	}
	for (size_t i = 0; i < x->ndoc_rec; i++)
		rv_free(x->docs[i].terms);
	rv_free(x->terms);
	rv_hashtab_free(&x->thash);
	rv_free(x->docs);
	rv_hashtab_free(&x->dhash);
	rv_rwlock_destroy(&x->lock);
	rv_free(x);
	rv_alloc_object_destroyed();
}

/* ---- removal (exclusive lock held) ---- */

/* Takes slot's postings out of their lists; the terms stay, even empty. */
static void unlink_postings(rv_bm25 *x, uint32_t slot)
{
	doc *d = &x->docs[slot];
	for (uint32_t j = 0; j < d->nterms; j++) {
		term *t = &x->terms[d->terms[j].term];
		size_t pos = d->terms[j].pos, last = t->npost - 1;
		if (pos != last) {
			t->post[pos] = t->post[last];
			const posting *moved = &t->post[pos];
			x->docs[moved->doc].terms[moved->k].pos = (uint32_t)pos;
		}
		t->npost--;
	}
	x->total_len -= d->len;
}

static void free_term(rv_bm25 *x, uint32_t id)
{
	term *t = &x->terms[id];
	term_hash_del(x, id);
	rv_free(t->s);
	rv_free(t->post);
	t->s = NULL;
	t->post = NULL;
	t->npost = t->cap = 0;
	t->next = x->term_free;
	x->term_free = id;
	x->nterms--;
}

/* Frees the terms of list[0..n) that have no postings left. */
static void free_empty_terms(rv_bm25 *x, const doc_term *list, uint32_t n)
{
	for (uint32_t j = 0; j < n; j++) {
		term *t = &x->terms[list[j].term];
		if (t->s && t->npost == 0)
			free_term(x, list[j].term);
	}
}

void rv_bm25_remove(rv_bm25 *x, uint32_t id)
{
	if (!x)
		return;
	rv_rwlock_wrlock(&x->lock);
	uint32_t slot = doc_find(x, id);
	if (slot != NONE) {
		doc *d = &x->docs[slot];
		unlink_postings(x, slot);
		free_empty_terms(x, d->terms, d->nterms);
		rv_free(d->terms);
		d->terms = NULL;
		d->nterms = d->len = 0;
		d->live = false;
		d->next = x->doc_free;
		x->doc_free = slot;
		doc_hash_del(x, id);
		x->ndocs--;
	}
	rv_rwlock_unlock(&x->lock);
}

/* ---- add ---- */

typedef struct pending_term {
	char *s;       /* the new term's bytes */
	posting *post; /* its list, room for one */
} pending_term;

int rv_bm25_add(rv_bm25 *x, uint32_t id, const char *text, size_t len)
{
	if (!x || (!text && len))
		return RV_EINVAL;
	bag g;
	int rc = bag_fill(&g, text, len);
	if (rc != RV_OK)
		return rc;

	rv_rwlock_wrlock(&x->lock);
	pending_term *pend = NULL;
	doc_term *list = NULL;
	size_t nnew = 0, made = 0;
	uint32_t slot = doc_find(x, id);
	rc = RV_ENOMEM;

	/* Reserve. */
	for (size_t j = 0; j < g.n; j++) {
		bag_ent *e = &g.ent[j];
		e->term = term_find(x, g.arena + e->off, e->len, e->hash);
		if (e->term == NONE) {
			nnew++;
		} else {
			term *t = &x->terms[e->term];
			if (!rv_grow_array((void **)&t->post, &t->cap, t->npost + 1, sizeof *t->post))
				goto fail;
		}
	}
	if (nnew) {
		size_t need;
		if (!rv_add_size(x->nterm_rec, nnew, &need) || need >= NONE)
			goto fail;
		if (!rv_grow_array((void **)&x->terms, &x->term_cap, need, sizeof *x->terms) ||
		    !rv_hashtab_reserve(&x->thash, x->nterms + nnew))
			goto fail;
		pend = rv_calloc(nnew, sizeof *pend);
		if (!pend)
			goto fail;
		for (size_t j = 0; j < g.n; j++) {
			const bag_ent *e = &g.ent[j];
			if (e->term != NONE)
				continue;
			pending_term *p = &pend[made++];
			p->s = rv_malloc(e->len);
			p->post = rv_malloc(sizeof *p->post);
			if (!p->s || !p->post)
				goto fail;
			memcpy(p->s, g.arena + e->off, e->len);
		}
	}
	if (g.n) {
		list = rv_calloc(g.n, sizeof *list);
		if (!list)
			goto fail;
	}
	if (slot == NONE) {
		if (x->doc_free == NONE) {
			if (x->ndoc_rec >= NONE ||
			    !rv_grow_array((void **)&x->docs, &x->doc_cap, x->ndoc_rec + 1, sizeof *x->docs))
				goto fail;
		}
		if (!rv_hashtab_reserve(&x->dhash, x->ndocs + 1))
			goto fail;
	}

	/* Commit: nothing below can fail. */
	doc_term *old = NULL;
	uint32_t old_n = 0;
	if (slot != NONE) {
		unlink_postings(x, slot);
		old = x->docs[slot].terms;
		old_n = x->docs[slot].nterms;
	} else {
		if (x->doc_free != NONE) {
			slot = x->doc_free;
			x->doc_free = x->docs[slot].next;
		} else {
			slot = (uint32_t)x->ndoc_rec++;
		}
		doc_hash_put(x, id, slot);
		x->ndocs++;
	}
	doc *d = &x->docs[slot];
	d->id = id;
	d->len = (uint32_t)g.tokens;
	d->nterms = (uint32_t)g.n;
	d->terms = list;
	d->live = true;
	d->next = NONE;
	x->total_len += g.tokens;
	made = 0;
	for (size_t j = 0; j < g.n; j++) {
		const bag_ent *e = &g.ent[j];
		uint32_t tid = e->term;
		if (tid == NONE) {
			if (x->term_free != NONE) {
				tid = x->term_free;
				x->term_free = x->terms[tid].next;
			} else {
				tid = (uint32_t)x->nterm_rec++;
			}
			term *t = &x->terms[tid];
			t->s = pend[made].s;
			t->post = pend[made].post;
			made++;
			t->len = e->len;
			t->hash = e->hash;
			t->next = NONE;
			t->npost = 0;
			t->cap = 1;
			term_hash_put(x, tid);
			x->nterms++;
		}
		term *t = &x->terms[tid];
		t->post[t->npost] = (posting){slot, e->tf, (uint32_t)j};
		list[j] = (doc_term){tid, (uint32_t)t->npost};
		t->npost++;
	}
	if (old) {
		free_empty_terms(x, old, old_n);
		rv_free(old);
	}
	rv_rwlock_unlock(&x->lock);
	rv_free(pend);
	bag_free(&g);
	return RV_OK;

fail:
	rv_rwlock_unlock(&x->lock);
	for (size_t j = 0; j < made; j++) {
		rv_free(pend[j].s);
		rv_free(pend[j].post);
	}
	rv_free(pend);
	rv_free(list);
	bag_free(&g);
	return rc;
}

/* ---- search ---- */

typedef struct acc_ent {
	uint32_t slot; /* document slot */
	double score;  /* its score so far */
} acc_ent;

/* The score table's compare: is accumulator v the one of slot *key? */
static bool acc_has(const void *ctx, uint32_t v, const void *key, size_t len)
{
	(void)len;
	return ((const acc_ent *)ctx)[v].slot == *(const uint32_t *)key;
}

/* The heap keeps the best k seen, the worst of them on top. */
static bool worse(const rv_bm25_hit *a, const rv_bm25_hit *b)
{
	return a->score < b->score || (a->score == b->score && a->doc > b->doc);
}

static void sift_down(rv_bm25_hit *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && worse(&h[l], &h[m]))
			m = l;
		if (r < n && worse(&h[r], &h[m]))
			m = r;
		if (m == i)
			return;
		rv_bm25_hit t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void sift_up(rv_bm25_hit *h, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!worse(&h[i], &h[p]))
			return;
		rv_bm25_hit t = h[i];
		h[i] = h[p];
		h[p] = t;
		i = p;
	}
}

int rv_bm25_search(rv_bm25 *x, const char *query, size_t len, size_t k, rv_bm25_accept_fn accept, void *ctx,
                   rv_bm25_hit *out)
{
	if (!x || (!query && len) || (!out && k))
		return RV_EINVAL;
	bag g;
	int rc = bag_fill(&g, query, len);
	if (rc != RV_OK)
		return rc;
	if (k == 0 || g.n == 0) {
		bag_free(&g);
		return 0;
	}

	rv_rwlock_rdlock(&x->lock);
	acc_ent *acc = NULL;
	rv_hashtab at = {0};
	size_t total = 0, nhit = 0;
	rc = 0;
	for (size_t j = 0; j < g.n; j++) {
		bag_ent *e = &g.ent[j];
		e->term = term_find(x, g.arena + e->off, e->len, e->hash);
		if (e->term != NONE)
			total += x->terms[e->term].npost;
	}
	if (total == 0 || x->ndocs == 0)
		goto done;
	/* at most this many distinct documents; reserved, so no insert below
	 * allocates (n * 16 cannot overflow: the postings fit in memory) */
	size_t most = total < x->ndoc_rec ? total : x->ndoc_rec;
	acc = rv_malloc(most * sizeof *acc);
	if (!acc || !rv_hashtab_reserve(&at, most)) {
		rc = RV_ENOMEM;
		goto done;
	}
	size_t nacc = 0;
	double N = (double)x->ndocs, avgdl = (double)x->total_len / N;
	double k1 = x->k1, b = x->b;
	for (size_t j = 0; j < g.n; j++) {
		if (g.ent[j].term == NONE)
			continue;
		const term *t = &x->terms[g.ent[j].term];
		double n = (double)t->npost;
		double idf = log1p((N - n + 0.5) / (n + 0.5));
		for (size_t p = 0; p < t->npost; p++) {
			const posting *ps = &t->post[p];
			double tf = ps->tf, dl = x->docs[ps->doc].len;
			/* avgdl > 0 here: the document has a token */
			double w = idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl));
			uint32_t h = rv_hash_u32(ps->doc);
			bool found;
			size_t i = rv_hashtab_probe(&at, h, acc_has, acc, &ps->doc, sizeof ps->doc, &found);
			if (!found) {
				(void)rv_hashtab_insert(&at, &i, h, (uint32_t)nacc); /* reserved: cannot fail */
				acc[nacc++] = (acc_ent){ps->doc, 0};
			}
			acc[at.b[i].value].score += w;
		}
	}
	/* The heap is written into out directly: at most k entries. */
	size_t kk = k < nacc ? k : nacc;
	if (kk > INT32_MAX)
		kk = INT32_MAX; /* the count must fit the return value */
	for (size_t i = 0; i < nacc; i++) {
		rv_bm25_hit h = {x->docs[acc[i].slot].id, (float)acc[i].score};
		if (!(h.score > 0))
			continue;
		if (nhit == kk && !worse(&out[0], &h))
			continue; /* would not enter: spare the filter call */
		if (accept && !accept(ctx, h.doc))
			continue;
		if (nhit < kk) {
			out[nhit] = h;
			sift_up(out, nhit++);
		} else {
			out[0] = h;
			sift_down(out, nhit, 0);
		}
	}
	/* Heap sort: the worst goes to the end each time, leaving best first. */
	for (size_t n = nhit; n > 1; n--) {
		rv_bm25_hit t = out[0];
		out[0] = out[n - 1];
		out[n - 1] = t;
		sift_down(out, n - 1, 0);
	}
	rc = (int)nhit;
done:
	rv_rwlock_unlock(&x->lock);
	rv_hashtab_free(&at);
	rv_free(acc);
	bag_free(&g);
	return rc;
}

/* ---- renumber and counts ---- */

static uint32_t renumbered(uint32_t id, const uint32_t *old_to_new, size_t n)
{
	return id < n ? old_to_new[id] : id;
}

/* The renumbering table's compare: slot's id after renumbering is *key. */
typedef struct renum_ctx {
	const rv_bm25 *x;
	const uint32_t *old_to_new;
	size_t n;
} renum_ctx;

static bool renum_has(const void *ctx, uint32_t slot, const void *key, size_t len)
{
	const renum_ctx *r = ctx;
	(void)len;
	return renumbered(r->x->docs[slot].id, r->old_to_new, r->n) == *(const uint32_t *)key;
}

int rv_bm25_renumber(rv_bm25 *x, const uint32_t *old_to_new, size_t n)
{
	if (!x || (!old_to_new && n))
		return RV_EINVAL;
	rv_rwlock_wrlock(&x->lock);
	int rc = RV_OK;
	if (x->ndocs == 0 || n == 0)
		goto out;
	/* The new id table is built apart, so that a clash changes nothing. */
	renum_ctx r = {x, old_to_new, n};
	rv_hashtab tab = {0};
	if (!rv_hashtab_reserve(&tab, x->ndocs)) {
		rc = RV_ENOMEM;
		goto out;
	}
	for (size_t s = 0; s < x->ndoc_rec; s++) {
		if (!x->docs[s].live)
			continue;
		uint32_t id = renumbered(x->docs[s].id, old_to_new, n), h = rv_hash_u32(id);
		bool found;
		size_t i = rv_hashtab_probe(&tab, h, renum_has, &r, &id, sizeof id, &found);
		if (found) {
			rv_hashtab_free(&tab);
			rc = RV_EINVAL; /* two documents would share an id */
			goto out;
		}
		rv_hashtab_insert(&tab, &i, h, (uint32_t)s);
	}
	for (size_t s = 0; s < x->ndoc_rec; s++)
		if (x->docs[s].live)
			x->docs[s].id = renumbered(x->docs[s].id, old_to_new, n);
	rv_hashtab_free(&x->dhash);
	x->dhash = tab;
out:
	rv_rwlock_unlock(&x->lock);
	return rc;
}

size_t rv_bm25_docs(const rv_bm25 *cx)
{
	if (!cx)
		return 0;
	rv_bm25 *x = (rv_bm25 *)cx; /* the lock is not part of the value */
	rv_rwlock_rdlock(&x->lock);
	size_t n = x->ndocs;
	rv_rwlock_unlock(&x->lock);
	return n;
}

size_t rv_bm25_memory(const rv_bm25 *cx)
{
	if (!cx)
		return 0;
	rv_bm25 *x = (rv_bm25 *)cx;
	rv_rwlock_rdlock(&x->lock);
	size_t m = sizeof *x + x->term_cap * sizeof *x->terms + rv_hashtab_memory(&x->thash) +
	           x->doc_cap * sizeof *x->docs + rv_hashtab_memory(&x->dhash);
	for (size_t i = 0; i < x->nterm_rec; i++)
		m += x->terms[i].len * (x->terms[i].s != NULL) + x->terms[i].cap * sizeof(posting);
	for (size_t i = 0; i < x->ndoc_rec; i++)
		m += x->docs[i].nterms * sizeof(doc_term);
	rv_rwlock_unlock(&x->lock);
	return m;
}
