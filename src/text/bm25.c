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
 * Both hashes use linear probing at load <= 1/2 with backward-shift
 * deletion, so there are no tombstones to clean up.
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
 * accumulates each matching slot's score in a scratch hash sized by the
 * total length of the postings read (not by the number of documents: a
 * rare-word query on a large index touches little), then keeps the best k
 * in a heap, calling the accept filter only for documents that would enter
 * it.
 */
#include "text.h"

#include <math.h>

#include "../platform/platform.h"
#include "../util/alloc.h"

#define NONE UINT32_MAX

typedef struct posting {
	uint32_t doc; /* document slot */
	uint32_t tf;  /* occurrences of the term in the document */
	uint32_t k;   /* index of the term in the slot's term list */
} posting;

typedef struct term {
	char *s;          /* the token's bytes (not NUL-terminated); NULL: a free record */
	uint32_t len;     /* bytes of s */
	uint32_t hash;    /* hash of s, kept for rehashing */
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

typedef struct id_slot {
	uint32_t id;   /* the caller's id */
	uint32_t slot; /* its slot; NONE: empty hash entry */
} id_slot;

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
	uint32_t *thash;    /* term ids by hash of their bytes; NONE: empty */
	size_t thash_cap;   /* power of two, or 0 */

	doc *docs;          /* document slots */
	size_t ndoc_rec;    /* slots used (live or free) */
	size_t doc_cap;     /* slots allocated */
	uint32_t doc_free;  /* first free slot, NONE if none */
	size_t ndocs;       /* live documents: N */
	id_slot *dhash;     /* slots by the caller's id */
	size_t dhash_cap;   /* power of two, or 0 */
	uint64_t total_len; /* sum of |D|: avgdl = total_len / ndocs */
};

/* ---- hashing ---- */

static uint32_t hash_bytes(const char *s, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h ^ (h >> 15);
}

static uint32_t hash_u32(uint32_t x)
{
	x ^= x >> 16; /* murmur3's finaliser */
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	x *= 0xc2b2ae35u;
	return x ^ (x >> 16);
}

/* Smallest power of two >= 2n (at least 16), or 0 on overflow. */
static size_t table_size(size_t n)
{
	size_t c = 16;
	while (c / 2 < n) {
		if (c > SIZE_MAX / 2)
			return 0;
		c *= 2;
	}
	return c;
}

/* ---- the term hash ---- */

static uint32_t term_find(const rv_bm25 *x, const char *s, size_t len, uint32_t h)
{
	if (!x->thash_cap)
		return NONE;
	size_t mask = x->thash_cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		uint32_t id = x->thash[i];
		if (id == NONE)
			return NONE;
		const term *t = &x->terms[id];
		if (t->hash == h && t->len == len && !memcmp(t->s, s, len))
			return id;
	}
}

static void term_hash_put(uint32_t *tab, size_t cap, const term *terms, uint32_t id)
{
	size_t mask = cap - 1;
	size_t i = terms[id].hash & mask;
	while (tab[i] != NONE)
		i = (i + 1) & mask;
	tab[i] = id;
}

/* Makes room for `n` live terms. */
static bool term_hash_reserve(rv_bm25 *x, size_t n)
{
	size_t want = table_size(n);
	if (!want)
		return false;
	if (want <= x->thash_cap)
		return true;
	uint32_t *tab = rv_calloc(want, sizeof *tab);
	if (!tab)
		return false;
	memset(tab, 0xff, want * sizeof *tab);
	for (size_t i = 0; i < x->thash_cap; i++)
		if (x->thash[i] != NONE)
			term_hash_put(tab, want, x->terms, x->thash[i]);
	rv_free(x->thash);
	x->thash = tab;
	x->thash_cap = want;
	return true;
}

/* Backward-shift deletion: entries after the hole that may move to it do. */
static void term_hash_del(rv_bm25 *x, uint32_t id)
{
	size_t mask = x->thash_cap - 1;
	size_t i = x->terms[id].hash & mask;
	while (x->thash[i] != id)
		i = (i + 1) & mask;
	for (size_t j = (i + 1) & mask; x->thash[j] != NONE; j = (j + 1) & mask) {
		size_t home = x->terms[x->thash[j]].hash & mask;
		/* the entry at j may move to i unless its home lies in (i, j] */
		bool stays = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			x->thash[i] = x->thash[j];
			i = j;
		}
	}
	x->thash[i] = NONE;
}

/* ---- the id hash ---- */

static uint32_t doc_find(const rv_bm25 *x, uint32_t id)
{
	if (!x->dhash_cap)
		return NONE;
	size_t mask = x->dhash_cap - 1;
	for (size_t i = hash_u32(id) & mask;; i = (i + 1) & mask) {
		if (x->dhash[i].slot == NONE)
			return NONE;
		if (x->dhash[i].id == id)
			return x->dhash[i].slot;
	}
}

/* Inserts (id, slot); false if id is already there. */
static bool doc_hash_put(id_slot *tab, size_t cap, uint32_t id, uint32_t slot)
{
	size_t mask = cap - 1;
	size_t i = hash_u32(id) & mask;
	while (tab[i].slot != NONE) {
		if (tab[i].id == id)
			return false;
		i = (i + 1) & mask;
	}
	tab[i].id = id;
	tab[i].slot = slot;
	return true;
}

static id_slot *doc_hash_alloc(size_t cap)
{
	id_slot *tab = rv_calloc(cap, sizeof *tab);
	if (tab)
		for (size_t i = 0; i < cap; i++)
			tab[i].slot = NONE;
	return tab;
}

static bool doc_hash_reserve(rv_bm25 *x, size_t n)
{
	size_t want = table_size(n);
	if (!want)
		return false;
	if (want <= x->dhash_cap)
		return true;
	id_slot *tab = doc_hash_alloc(want);
	if (!tab)
		return false;
	for (size_t i = 0; i < x->dhash_cap; i++)
		if (x->dhash[i].slot != NONE)
			doc_hash_put(tab, want, x->dhash[i].id, x->dhash[i].slot);
	rv_free(x->dhash);
	x->dhash = tab;
	x->dhash_cap = want;
	return true;
}

static void doc_hash_del(rv_bm25 *x, uint32_t id)
{
	size_t mask = x->dhash_cap - 1;
	size_t i = hash_u32(id) & mask;
	while (x->dhash[i].id != id || x->dhash[i].slot == NONE)
		i = (i + 1) & mask;
	for (size_t j = (i + 1) & mask; x->dhash[j].slot != NONE; j = (j + 1) & mask) {
		size_t home = hash_u32(x->dhash[j].id) & mask;
		bool stays = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			x->dhash[i] = x->dhash[j];
			i = j;
		}
	}
	x->dhash[i].slot = NONE;
}

/* ---- a bag of distinct tokens with counts (no lock needed) ---- */

typedef struct bag_ent {
	uint32_t off;  /* bytes at arena + off */
	uint32_t len;  /* byte length */
	uint32_t hash; /* hash_bytes of them */
	uint32_t tf;   /* occurrences */
	uint32_t term; /* term id in the index, or NONE */
} bag_ent;

typedef struct bag {
	char *arena;     /* the distinct tokens' bytes, back to back */
	size_t alen, acap;
	bag_ent *ent;    /* distinct tokens, in order of first occurrence */
	size_t n, cap;
	uint32_t *tab;   /* indexes into ent by hash; NONE: empty */
	size_t tcap;     /* power of two, or 0 */
	size_t tokens;   /* all tokens, repeats included */
} bag;

static void bag_free(bag *g)
{
	rv_free(g->arena);
	rv_free(g->ent);
	rv_free(g->tab);
}

static bool bag_rehash(bag *g, size_t want)
{
	uint32_t *tab = rv_calloc(want, sizeof *tab);
	if (!tab)
		return false;
	memset(tab, 0xff, want * sizeof *tab);
	for (size_t e = 0; e < g->n; e++) {
		size_t i = g->ent[e].hash & (want - 1);
		while (tab[i] != NONE)
			i = (i + 1) & (want - 1);
		tab[i] = (uint32_t)e;
	}
	rv_free(g->tab);
	g->tab = tab;
	g->tcap = want;
	return true;
}

static int bag_token(void *ctx, const char *tok, size_t len)
{
	bag *g = ctx;
	if (g->tokens >= UINT32_MAX)
		return RV_EINVAL; /* |D| is kept in 32 bits */
	g->tokens++;
	uint32_t h = hash_bytes(tok, len);
	if (g->tcap) {
		size_t mask = g->tcap - 1;
		for (size_t i = h & mask; g->tab[i] != NONE; i = (i + 1) & mask) {
			bag_ent *e = &g->ent[g->tab[i]];
			if (e->hash == h && e->len == len && !memcmp(g->arena + e->off, tok, len)) {
				e->tf++;
				return 0;
			}
		}
	}
	if (g->alen > UINT32_MAX - RV_TOKEN_MAX) /* offsets are 32-bit; distinct tokens this many are not text */
		return RV_ENOMEM;
	size_t want = table_size(g->n + 1);
	if (!want || (want > g->tcap && !bag_rehash(g, want)))
		return RV_ENOMEM;
	if (!rv_grow_array((void **)&g->ent, &g->cap, g->n + 1, sizeof *g->ent) ||
	    !rv_grow_array((void **)&g->arena, &g->acap, g->alen + len, 1))
		return RV_ENOMEM;
	memcpy(g->arena + g->alen, tok, len);
	bag_ent *e = &g->ent[g->n];
	e->off = (uint32_t)g->alen;
	e->len = (uint32_t)len;
	e->hash = h;
	e->tf = 1;
	e->term = NONE;
	g->alen += len;
	size_t mask = g->tcap - 1, i = h & mask;
	while (g->tab[i] != NONE)
		i = (i + 1) & mask;
	g->tab[i] = (uint32_t)g->n++;
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
	rv_free(x->thash);
	rv_free(x->docs);
	rv_free(x->dhash);
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
		    !term_hash_reserve(x, x->nterms + nnew))
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
		if (!doc_hash_reserve(x, x->ndocs + 1))
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
		doc_hash_put(x->dhash, x->dhash_cap, id, slot);
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
			term_hash_put(x->thash, x->thash_cap, x->terms, tid);
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
	uint32_t slot; /* document slot; NONE: empty */
	double score;  /* its score so far */
} acc_ent;

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
	size_t cap = table_size(total < x->ndoc_rec ? total : x->ndoc_rec);
	acc = cap ? rv_malloc(cap * sizeof *acc) : NULL; /* cap * 16 cannot overflow: total postings fit in memory */
	if (!acc) {
		rc = RV_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < cap; i++)
		acc[i].slot = NONE;
	size_t mask = cap - 1, nacc = 0;
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
			size_t i = hash_u32(ps->doc) & mask;
			while (acc[i].slot != NONE && acc[i].slot != ps->doc)
				i = (i + 1) & mask;
			if (acc[i].slot == NONE) {
				acc[i].slot = ps->doc;
				acc[i].score = 0;
				nacc++;
			}
			acc[i].score += w;
		}
	}
	/* The heap is written into out directly: at most k entries. */
	size_t kk = k < nacc ? k : nacc;
	if (kk > INT32_MAX)
		kk = INT32_MAX; /* the count must fit the return value */
	for (size_t i = 0; i < cap; i++) {
		if (acc[i].slot == NONE)
			continue;
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
	rv_free(acc);
	bag_free(&g);
	return rc;
}

/* ---- renumber and counts ---- */

static uint32_t renumbered(uint32_t id, const uint32_t *old_to_new, size_t n)
{
	return id < n ? old_to_new[id] : id;
}

int rv_bm25_renumber(rv_bm25 *x, const uint32_t *old_to_new, size_t n)
{
	if (!x || (!old_to_new && n))
		return RV_EINVAL;
	rv_rwlock_wrlock(&x->lock);
	int rc = RV_OK;
	if (x->ndocs == 0 || n == 0)
		goto out;
	id_slot *tab = doc_hash_alloc(x->dhash_cap);
	if (!tab) {
		rc = RV_ENOMEM;
		goto out;
	}
	for (size_t s = 0; s < x->ndoc_rec; s++) {
		if (!x->docs[s].live)
			continue;
		if (!doc_hash_put(tab, x->dhash_cap, renumbered(x->docs[s].id, old_to_new, n), (uint32_t)s)) {
			rv_free(tab);
			rc = RV_EINVAL; /* two documents would share an id */
			goto out;
		}
	}
	for (size_t s = 0; s < x->ndoc_rec; s++)
		if (x->docs[s].live)
			x->docs[s].id = renumbered(x->docs[s].id, old_to_new, n);
	rv_free(x->dhash);
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
	size_t m = sizeof *x + x->term_cap * sizeof *x->terms + x->thash_cap * sizeof *x->thash +
	           x->doc_cap * sizeof *x->docs + x->dhash_cap * sizeof *x->dhash;
	for (size_t i = 0; i < x->nterm_rec; i++)
		m += x->terms[i].len * (x->terms[i].s != NULL) + x->terms[i].cap * sizeof(posting);
	for (size_t i = 0; i < x->ndoc_rec; i++)
		m += x->docs[i].nterms * sizeof(doc_term);
	rv_rwlock_unlock(&x->lock);
	return m;
}
