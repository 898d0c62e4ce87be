/*
 * fuzz_tokenize.c: libFuzzer target for the text tokenizer
 * (text/tokenize.c), the BM25 index (text/bm25.c) and the text query path
 * of the public API (rv_create_index(.., RV_INDEX_TEXT), rv_search_text,
 * rv_search_hybrid).
 *
 * The input is text: arbitrary bytes, split at '\n' into documents (at
 * most MAX_DOCS). Each run
 *   1. tokenizes the whole input. Oracles: invalid UTF-8 is refused with
 *      RV_EINVAL before any token is reported, valid UTF-8 is accepted;
 *      every token is 1..RV_TOKEN_MAX bytes of valid UTF-8, and tokenizes
 *      again to itself alone (lower-casing is idempotent and keeps a
 *      word a word: a query typed in the token's own form finds it);
 *   2. indexes the documents in a BM25 index (doc i = line i) and queries
 *      it with each line and with the whole input. Oracles: the hits are
 *      distinct documents of the index, with finite scores > 0, best
 *      first, ties by smaller id; a document with a token is found by its
 *      own text; after every second document is removed none of them is
 *      found, and the others score as a fresh index of them would; after
 *      a renumbering (reversal) the same documents score the same;
 *   3. stores each line as the "text" payload field of record "d<i>" in
 *      an in-memory collection with a text index (a line that is not
 *      UTF-8 must be refused as a payload), and runs the same queries
 *      through rv_search_text and rv_search_hybrid. Oracle: every hit of
 *      rv_search_text has exactly the score the BM25 index of step 2
 *      gives that document, and they are as many.
 * Seeds: corpus/tokenize/ (text in many scripts, written by hand).
 *
 * Build and run: sh tests/fuzz/run.sh [seconds]
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/text/text.h"
#include "../../src/util/utf8.h"
#include "ruvector.h"

#define MAX_DOCS 32
#define K (MAX_DOCS + 1)

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz: %s: %s\n", what, detail);
	abort();
}

static int is_utf8(const char *s, size_t len) { return rv_utf8_check(s, len) == len; }

/* ---- 1. the tokenizer ---- */

typedef struct one_token {
	const char *want; /* the token that must come back */
	size_t len;
	int n;            /* tokens seen */
} one_token;

static int same_token(void *ctx, const char *tok, size_t len)
{
	one_token *o = ctx;
	if (o->n++ == 0 && (len != o->len || memcmp(tok, o->want, len) != 0)) {
		char msg[300];
		snprintf(msg, sizeof msg, "\"%.*s\" became \"%.*s\"", (int)o->len, o->want, (int)len, tok);
		die("a token does not tokenize to itself", msg);
	}
	return 0;
}

static int check_token(void *ctx, const char *tok, size_t len)
{
	++*(size_t *)ctx;
	if (len < 1 || len > RV_TOKEN_MAX)
		die("a token's length is outside 1..RV_TOKEN_MAX", "");
	if (!is_utf8(tok, len))
		die("a token is not valid UTF-8", "");
	char copy[RV_TOKEN_MAX];
	memcpy(copy, tok, len); /* tok is valid only during this call */
	one_token o = {copy, len, 0};
	if (rv_tokenize(copy, len, same_token, &o) != RV_OK || o.n != 1) {
		char msg[200];
		snprintf(msg, sizeof msg, "\"%.*s\" gives %d tokens", (int)len, copy, o.n);
		die("a token does not tokenize to itself", msg);
	}
	return 0;
}

static int count_tokens(void *ctx, const char *tok, size_t len)
{
	(void)tok;
	(void)len;
	++*(size_t *)ctx;
	return 0;
}

static void tokenizer(const char *text, size_t len)
{
	size_t n = 0;
	int rc = rv_tokenize(text, len, check_token, &n);
	if (is_utf8(text, len) ? rc != RV_OK : rc != RV_EINVAL || n != 0)
		die("the tokenizer's verdict on UTF-8 is wrong", rv_strerror(rc));
}

/* ---- 2. the BM25 index ---- */

typedef struct doc {
	const char *text;
	size_t len;
	int utf8;      /* valid UTF-8 */
	int storable;  /* -1 refused as a payload, 1 accepted, 0 either */
	size_t tokens;
} doc;

static doc docs[MAX_DOCS];
static int ndocs;

/* Search x, check the ranking's invariants, return the hit count. */
static int ranked(rv_bm25 *x, const char *q, size_t len, rv_bm25_hit *hits)
{
	int n = rv_bm25_search(x, q, len, K, NULL, NULL, hits);
	if (n == RV_ENOMEM)
		return -1;
	if (is_utf8(q, len) ? n < 0 : n != RV_EINVAL)
		die("the BM25 search's verdict on UTF-8 is wrong", rv_strerror(n));
	for (int i = 0; i < n; i++) {
		if (!(hits[i].score > 0) || !isfinite(hits[i].score))
			die("a BM25 hit has a score that is not finite and > 0", "");
		if (i > 0 && (hits[i].score > hits[i - 1].score ||
		              (hits[i].score == hits[i - 1].score && hits[i].doc <= hits[i - 1].doc)))
			die("BM25 hits are not best first, ties by smaller id", "");
	}
	return n;
}

static float score_of(const rv_bm25_hit *hits, int n, uint32_t d)
{
	for (int i = 0; i < n; i++)
		if (hits[i].doc == d)
			return hits[i].score;
	return 0;
}

/* The queries: each line, then the whole input. */
static void query(int i, const char *text, size_t len, const char **q, size_t *qlen)
{
	*q = i < ndocs ? docs[i].text : text;
	*qlen = i < ndocs ? docs[i].len : len;
}

static void bm25(const char *text, size_t len)
{
	rv_bm25 *x, *half;
	if (rv_bm25_new(0, -1, &x) != RV_OK)
		return;
	if (rv_bm25_new(0, -1, &half) != RV_OK) {
		rv_bm25_free(x);
		return;
	}
	for (int i = 0; i < ndocs; i++) {
		int rc = rv_bm25_add(x, (uint32_t)i, docs[i].text, docs[i].len);
		if (rc == RV_ENOMEM)
			goto out;
		if (docs[i].utf8 ? rc != RV_OK : rc != RV_EINVAL)
			die("rv_bm25_add's verdict on UTF-8 is wrong", rv_strerror(rc));
		if (docs[i].utf8 && i % 2 == 1 && rv_bm25_add(half, (uint32_t)i, docs[i].text, docs[i].len) != RV_OK)
			goto out;
	}
	rv_bm25_hit hits[K], again[K];
	for (int i = 0; i <= ndocs; i++) {
		const char *q;
		size_t ql;
		query(i, text, len, &q, &ql);
		int n = ranked(x, q, ql, hits);
		if (n < 0)
			continue;
		if (i < ndocs && docs[i].utf8 && docs[i].tokens && score_of(hits, n, (uint32_t)i) == 0)
			die("a document is not found by its own text", "");
	}
	/* remove the even documents: the odd ones must score as in an index
	 * that never had the even ones */
	for (int i = 0; i < ndocs; i += 2)
		rv_bm25_remove(x, (uint32_t)i);
	if (rv_bm25_docs(x) != rv_bm25_docs(half))
		die("removing documents left the wrong number", "");
	for (int i = 0; i <= ndocs; i++) {
		const char *q;
		size_t ql;
		query(i, text, len, &q, &ql);
		int n = ranked(x, q, ql, hits), m = ranked(half, q, ql, again);
		if (n < 0 || m < 0)
			continue;
		if (n != m)
			die("an index with documents removed differs from one that never had them", "");
		for (int j = 0; j < n; j++)
			if (hits[j].doc != again[j].doc || hits[j].score != again[j].score)
				die("an index with documents removed scores differently", "");
	}
	/* renumber: doc d becomes MAX_DOCS - 1 - d; the same documents score
	 * the same */
	uint32_t map[MAX_DOCS];
	for (int i = 0; i < MAX_DOCS; i++)
		map[i] = (uint32_t)(MAX_DOCS - 1 - i);
	int rc = rv_bm25_renumber(x, map, MAX_DOCS);
	if (rc == RV_ENOMEM)
		goto out;
	if (rc != RV_OK)
		die("a permutation was refused by rv_bm25_renumber", rv_strerror(rc));
	for (int i = 0; i <= ndocs; i++) {
		const char *q;
		size_t ql;
		query(i, text, len, &q, &ql);
		int n = ranked(x, q, ql, hits), m = ranked(half, q, ql, again);
		if (n < 0 || m < 0)
			continue;
		if (n != m)
			die("renumbering changed what a query finds", "");
		for (int j = 0; j < m; j++)
			if (score_of(hits, n, map[again[j].doc]) != again[j].score)
				die("renumbering changed a score", "");
	}
out:
	rv_bm25_free(x);
	rv_bm25_free(half);
}

/* ---- 3. the public API ---- */

/* {"text":"<s as a JSON string>"} into out (room for 6 bytes per byte);
 * returns its length. */
static size_t payload_of(const char *s, size_t len, char *out)
{
	char *p = out + sprintf(out, "{\"text\":\"");
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			*p++ = '\\', *p++ = (char)ch;
		else if (ch < 0x20)
			p += sprintf(p, "\\u%04x", ch);
		else
			*p++ = (char)ch;
	}
	strcpy(p, "\"}");
	return (size_t)(p - out) + 2;
}

static void api(const char *text, size_t len)
{
	rv_options o;
	rv_options_init(&o);
	o.dim = 2;
	rv_collection *c;
	if (rv_collection_new(&o, &c) != RV_OK)
		return;
	rv_bm25 *x = NULL;
	if (rv_create_index(c, "text", RV_INDEX_TEXT) != RV_OK || rv_bm25_new(0, -1, &x) != RV_OK)
		goto out;
	for (int i = 0; i < ndocs; i++) {
		char id[16];
		snprintf(id, sizeof id, "d%d", i);
		char *json = malloc(docs[i].len * 6 + 16);
		if (!json)
			goto out;
		/* refused: text that is not UTF-8, a NUL (\u0000: json.c refuses
		 * it), a payload over RV_PAYLOAD_MAX bytes */
		size_t jl = payload_of(docs[i].text, docs[i].len, json);
		int nul = memchr(docs[i].text, '\0', docs[i].len) != NULL;
		docs[i].storable = !docs[i].utf8 || nul || jl > RV_PAYLOAD_MAX ? -1 : jl < RV_PAYLOAD_MAX ? 1 : 0;
		float v[2] = {(float)i, 1};
		int rc = rv_insert_payload(c, id, v, 2, json, 0);
		free(json);
		if (rc == RV_ENOMEM)
			goto out;
		if (docs[i].storable && (docs[i].storable > 0 ? rc != RV_OK : rc != RV_EINVAL))
			die("a text payload was accepted or refused wrongly", rv_errmsg(c));
		docs[i].storable = rc == RV_OK;
		/* the reference: slots are given in insertion order */
		if (rc == RV_OK && rv_bm25_add(x, (uint32_t)rv_count(c) - 1, docs[i].text, docs[i].len) != RV_OK)
			goto out;
	}
	rv_hit hits[K];
	rv_bm25_hit ref[K];
	static char idbuf[RV_IDBUF_SIZE(K)];
	for (int i = 0; i <= ndocs; i++) {
		const char *q;
		size_t ql;
		query(i, text, len, &q, &ql);
		char *z = malloc(ql + 1); /* the API takes NUL-terminated text */
		if (!z)
			goto out;
		memcpy(z, q, ql);
		z[ql] = '\0';
		size_t zl = strlen(z);
		int n = rv_search_text(c, z, K, NULL, hits, idbuf, sizeof idbuf);
		int m = rv_bm25_search(x, z, zl, K, NULL, NULL, ref);
		if (n == RV_ENOMEM || m == RV_ENOMEM) {
			free(z);
			continue;
		}
		if (is_utf8(z, zl) ? n < 0 : n != RV_EINVAL)
			die("rv_search_text's verdict on UTF-8 is wrong", rv_errmsg(c));
		if (n >= 0 && n != m)
			die("rv_search_text finds other than the BM25 index of the same texts", "");
		/* map each hit back to its insertion order through its id */
		int order[MAX_DOCS], k = 0;
		for (int d = 0; d < ndocs; d++)
			if (docs[d].storable)
				order[d] = k++;
		for (int j = 0; j < n; j++) {
			int d = atoi(hits[j].id + 1);
			if (d < 0 || d >= ndocs || !docs[d].storable || score_of(ref, m, (uint32_t)order[d]) != hits[j].score)
				die("rv_search_text scores a record other than the BM25 index of the same texts", hits[j].id);
		}
		rv_hybrid_params hp;
		rv_hybrid_params_init(&hp);
		hp.fusion = i % 2 ? RV_FUSION_WEIGHTED : RV_FUSION_RRF;
		float v[2] = {1, 1};
		n = rv_search_hybrid(c, v, 2, z, 8, &hp, hits, idbuf, sizeof idbuf);
		if (n < 0 && n != RV_ENOMEM && (is_utf8(z, zl) || n != RV_EINVAL))
			die("rv_search_hybrid failed", rv_errmsg(c));
		free(z);
	}
out:
	rv_bm25_free(x);
	rv_collection_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = size ? (const char *)data : "";
	tokenizer(text, size);
	ndocs = 0;
	for (size_t at = 0; ndocs < MAX_DOCS && (at < size || (at == 0 && size == 0));) {
		const char *nl = memchr(text + at, '\n', size - at);
		size_t l = nl ? (size_t)(nl - (text + at)) : size - at;
		doc *d = &docs[ndocs++];
		d->text = text + at;
		d->len = l;
		d->utf8 = is_utf8(d->text, l);
		d->tokens = 0;
		if (d->utf8)
			rv_tokenize(d->text, l, count_tokens, &d->tokens);
		at += l + 1;
		if (!nl)
			break;
	}
	bm25(text, size);
	api(text, size);
	return 0;
}
