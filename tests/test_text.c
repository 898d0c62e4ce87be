/*
 * test_text.c: the tokenizer and the BM25 index of src/text/text.h.
 *
 * Tokenizer: expected token lists for ASCII, punctuation and apostrophes,
 * case, Latin-1 and the scripts text.h lists (Greek with the final sigma,
 * Cyrillic, Armenian, Hebrew, Arabic, Devanagari, Thai, Hangul, CJK and
 * kana one token per character), combining marks, digits of several
 * scripts, lower-casing samples from every mapped block, invalid UTF-8, the
 * 64-byte cut at a code point boundary, and a callback that stops early.
 *
 * BM25: every score is checked against a separate, straightforward
 * implementation written here (tokenize each document with rv_tokenize,
 * count, apply text.h's formula in double), within 1e-5 relative, and the
 * order against the contract (score as float descending, then id). The
 * reference is recomputed after removals, replacements and renumbering,
 * so N, n(t) and avgdl are checked to move as they must. Then a 2000
 * document random corpus (top 10 of many queries, before and after churn),
 * the accept filter, and out-of-memory at every allocation of an add and a
 * replace, with a counting allocator proving nothing leaks and a snapshot
 * proving nothing changed.
 */
#include "harness.h"

#include <stdatomic.h>

#include "../src/text/text.h"
#include "../src/util/alloc.h"
#include "ruvector.h"

#undef malloc
#undef realloc
#undef free
#undef calloc

/* ---- tokenizer ---- */

typedef struct toks {
	char buf[4096]; /* tokens joined by '|' */
	size_t len;
	int n;
	int stop_at; /* return 7 from this token (1-based), 0: never */
} toks;

static int collect(void *ctx, const char *tok, size_t len)
{
	toks *t = ctx;
	CHECK(len >= 1 && len <= RV_TOKEN_MAX);
	if (t->len && t->len < sizeof t->buf)
		t->buf[t->len++] = '|';
	if (t->len + len < sizeof t->buf) {
		memcpy(t->buf + t->len, tok, len);
		t->len += len;
	}
	t->buf[t->len] = 0;
	t->n++;
	return t->n == t->stop_at ? 7 : 0;
}

static void expect_tokens(const char *text, const char *want, int nwant)
{
	toks t = {.len = 0};
	int rc = rv_tokenize(text, strlen(text), collect, &t);
	CHECK_MSG(rc == RV_OK, "\"%s\": rc %d", text, rc);
	CHECK_MSG(!strcmp(t.buf, want), "\"%s\": got \"%s\", want \"%s\"", text, t.buf, want);
	CHECK_MSG(t.n == nwant, "\"%s\": %d tokens, want %d", text, t.n, nwant);
}

TEST(tokenize_ascii_punctuation_case)
{
	expect_tokens("Hello, world! foo_bar x2 3.14", "hello|world|foo|bar|x2|3|14", 7);
	expect_tokens("VeCtOr DataBASE", "vector|database", 2);
	expect_tokens("don't stop\xe2\x80\x94now", "don|t|stop|now", 4);
	expect_tokens("it\xe2\x80\x99s", "it|s", 2);                 /* right single quote */
	expect_tokens("  \t\n...", "", 0);
	expect_tokens("", "", 0);
	expect_tokens("a\xf0\x9f\x98\x80" "b", "a|b", 2);            /* an emoji separates */
	expect_tokens("x\xc2\xb2 \xc2\xbd", "x", 1);                 /* superscript two, one half: No */
	toks t = {.len = 0};
	CHECK_OK(rv_tokenize(NULL, 0, collect, &t));
	CHECK(t.n == 0);
	CHECK_RC(rv_tokenize(NULL, 3, collect, &t), RV_EINVAL);
	CHECK_RC(rv_tokenize("abc", 3, NULL, NULL), RV_EINVAL);
}

TEST(tokenize_scripts)
{
	expect_tokens("Stra\xc3\x9f" "e \xc3\x84\xc3\x96\xc3\x9c", "stra\xc3\x9f" "e|\xc3\xa4\xc3\xb6\xc3\xbc", 2);
	/* ΟΔΟΣ -> οδοσ; the final sigma ς of οδος folds to σ as well */
	expect_tokens("\xce\x9f\xce\x94\xce\x9f\xce\xa3", "\xce\xbf\xce\xb4\xce\xbf\xcf\x83", 1);
	expect_tokens("\xce\xbf\xce\xb4\xce\xbf\xcf\x82", "\xce\xbf\xce\xb4\xce\xbf\xcf\x83", 1);
	/* Greek Extended: Ἀθῆναι -> ἀθῆναι */
	expect_tokens("\xe1\xbc\x88\xce\xb8\xe1\xbf\x86\xce\xbd\xce\xb1\xce\xb9",
	              "\xe1\xbc\x80\xce\xb8\xe1\xbf\x86\xce\xbd\xce\xb1\xce\xb9", 1);
	/* Привет, МИР */
	expect_tokens("\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82, \xd0\x9c\xd0\x98\xd0\xa0",
	              "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82|\xd0\xbc\xd0\xb8\xd1\x80", 2);
	/* Armenian ՀԱՅ -> հայ */
	expect_tokens("\xd5\x80\xd4\xb1\xd5\x85", "\xd5\xb0\xd5\xa1\xd5\xb5", 1);
	/* 向量数据库: five ideographs, five tokens */
	expect_tokens("\xe5\x90\x91\xe9\x87\x8f\xe6\x95\xb0\xe6\x8d\xae\xe5\xba\x93",
	              "\xe5\x90\x91|\xe9\x87\x8f|\xe6\x95\xb0|\xe6\x8d\xae|\xe5\xba\x93", 5);
	/* GPU加速 -> gpu | 加 | 速: a word next to ideographs is cut off from them */
	expect_tokens("GPU\xe5\x8a\xa0\xe9\x80\x9f", "gpu|\xe5\x8a\xa0|\xe9\x80\x9f", 3);
	/* 加GPU */
	expect_tokens("\xe5\x8a\xa0GPU", "\xe5\x8a\xa0|gpu", 2);
	/* ベクトル: four katakana; か + combining voiced mark U+3099 stays one token */
	expect_tokens("\xe3\x83\x99\xe3\x82\xaf\xe3\x83\x88\xe3\x83\xab",
	              "\xe3\x83\x99|\xe3\x82\xaf|\xe3\x83\x88|\xe3\x83\xab", 4);
	expect_tokens("\xe3\x81\x8b\xe3\x82\x99\xe3\x81\x8b", "\xe3\x81\x8b\xe3\x82\x99|\xe3\x81\x8b", 2);
	/* Hangul uses spaces: 벡터 검색 -> two words */
	expect_tokens("\xeb\xb2\xa1\xed\x84\xb0 \xea\xb2\x80\xec\x83\x89", "\xeb\xb2\xa1\xed\x84\xb0|\xea\xb2\x80\xec\x83\x89", 2);
	/* Arabic قاعدة البيانات; Arabic-Indic digits ٣٤ */
	expect_tokens("\xd9\x82\xd8\xa7\xd8\xb9\xd8\xaf\xd8\xa9 \xd8\xa7\xd9\x84\xd8\xa8\xd9\x8a\xd8\xa7\xd9\x86\xd8\xa7\xd8\xaa",
	              "\xd9\x82\xd8\xa7\xd8\xb9\xd8\xaf\xd8\xa9|\xd8\xa7\xd9\x84\xd8\xa8\xd9\x8a\xd8\xa7\xd9\x86\xd8\xa7\xd8\xaa", 2);
	/* Devanagari हिन्दी भाषा: the vowel signs and virama (marks) stay inside */
	expect_tokens("\xe0\xa4\xb9\xe0\xa4\xbf\xe0\xa4\xa8\xe0\xa5\x8d\xe0\xa4\xa6\xe0\xa5\x80 "
	              "\xe0\xa4\xad\xe0\xa4\xbe\xe0\xa4\xb7\xe0\xa4\xbe\xe0\xa5\xa4",
	              "\xe0\xa4\xb9\xe0\xa4\xbf\xe0\xa4\xa8\xe0\xa5\x8d\xe0\xa4\xa6\xe0\xa5\x80|"
	              "\xe0\xa4\xad\xe0\xa4\xbe\xe0\xa4\xb7\xe0\xa4\xbe", 2); /* the danda । separates */
	/* Tamil தமிழ் (another Indic block) */
	expect_tokens("\xe0\xae\xa4\xe0\xae\xae\xe0\xae\xbf\xe0\xae\xb4\xe0\xaf\x8d",
	              "\xe0\xae\xa4\xe0\xae\xae\xe0\xae\xbf\xe0\xae\xb4\xe0\xaf\x8d", 1);
	/* Thai ภาษาไทย: one run */
	expect_tokens("\xe0\xb8\xa0\xe0\xb8\xb2\xe0\xb8\xa9\xe0\xb8\xb2\xe0\xb9\x84\xe0\xb8\x97\xe0\xb8\xa2",
	              "\xe0\xb8\xa0\xe0\xb8\xb2\xe0\xb8\xa9\xe0\xb8\xb2\xe0\xb9\x84\xe0\xb8\x97\xe0\xb8\xa2", 1);
	/* Hebrew with points שָׁלוֹם: the points are marks inside the word */
	expect_tokens("\xd7\xa9\xd6\xb8\xd7\x81\xd7\x9c\xd7\x95\xd6\xb9\xd7\x9d",
	              "\xd7\xa9\xd6\xb8\xd7\x81\xd7\x9c\xd7\x95\xd6\xb9\xd7\x9d", 1);
	/* combining marks: kept after a letter, dropped after a separator */
	expect_tokens("e\xcc\x81t\xc3\xa9", "e\xcc\x81t\xc3\xa9", 1);
	expect_tokens(" \xcc\x81" "abc", "abc", 1);
	/* digits of several scripts: 2024 ١٢٣ ४२ ๕ */
	expect_tokens("2024 \xd9\xa1\xd9\xa2\xd9\xa3 \xe0\xa5\xaa\xe0\xa5\xa8 \xe0\xb9\x95",
	              "2024|\xd9\xa1\xd9\xa2\xd9\xa3|\xe0\xa5\xaa\xe0\xa5\xa8|\xe0\xb9\x95", 4);
	/* fullwidth ＡＢ１ -> ａｂ１ */
	expect_tokens("\xef\xbc\xa1\xef\xbc\xa2\xef\xbc\x91", "\xef\xbd\x81\xef\xbd\x82\xef\xbc\x91", 1);
}

/* One code point in, its lower case out. */
static void expect_lower(uint32_t up, uint32_t low)
{
	char in[8], want[8];
	size_t a = 0, b = 0;
	uint32_t cps[2] = {up, low};
	char *bufs[2] = {in, want};
	size_t *lens[2] = {&a, &b};
	for (int k = 0; k < 2; k++) {
		uint32_t c = cps[k];
		char *o = bufs[k];
		size_t n;
		if (c < 0x80) {
			o[0] = (char)c;
			n = 1;
		} else if (c < 0x800) {
			o[0] = (char)(0xc0 | (c >> 6));
			o[1] = (char)(0x80 | (c & 0x3f));
			n = 2;
		} else if (c < 0x10000) {
			o[0] = (char)(0xe0 | (c >> 12));
			o[1] = (char)(0x80 | ((c >> 6) & 0x3f));
			o[2] = (char)(0x80 | (c & 0x3f));
			n = 3;
		} else {
			o[0] = (char)(0xf0 | (c >> 18));
			o[1] = (char)(0x80 | ((c >> 12) & 0x3f));
			o[2] = (char)(0x80 | ((c >> 6) & 0x3f));
			o[3] = (char)(0x80 | (c & 0x3f));
			n = 4;
		}
		o[n] = 0;
		*lens[k] = n;
	}
	toks t = {.len = 0};
	CHECK_OK(rv_tokenize(in, a, collect, &t));
	CHECK_MSG(t.n == 1 && t.len == b && !memcmp(t.buf, want, b), "U+%04X: got \"%s\", want U+%04X", (unsigned)up,
	          t.buf, (unsigned)low);
}

TEST(tokenize_lowercase_tables)
{
	static const uint32_t pairs[][2] = {
		{'Q', 'q'}, {0xC0, 0xE0}, {0xDE, 0xFE}, {0xDF, 0xDF}, {0xFF, 0xFF},            /* Latin-1 */
		{0x100, 0x101}, {0x101, 0x101}, {0x130, 0x69}, {0x131, 0x131}, {0x139, 0x13A},   /* Extended-A */
		{0x150, 0x151}, {0x178, 0xFF}, {0x17D, 0x17E}, {0x17F, 0x17F},
		{0x181, 0x253}, {0x1C4, 0x1C6}, {0x1C5, 0x1C6}, {0x1CD, 0x1CE}, {0x1F6, 0x195}, /* Extended-B */
		{0x23A, 0x2C65}, {0x24E, 0x24F},
		{0x386, 0x3AC}, {0x391, 0x3B1}, {0x3A3, 0x3C3}, {0x3A9, 0x3C9}, {0x3C2, 0x3C3}, /* Greek */
		{0x3CF, 0x3D7}, {0x3E2, 0x3E3}, {0x3F4, 0x3B8}, {0x3FD, 0x37B},
		{0x400, 0x450}, {0x410, 0x430}, {0x42F, 0x44F}, {0x460, 0x461}, {0x4C0, 0x4CF}, /* Cyrillic */
		{0x4C1, 0x4C2}, {0x4D0, 0x4D1}, {0x52E, 0x52F}, {0xA640, 0xA641},
		{0x531, 0x561}, {0x556, 0x586},                                                  /* Armenian */
		{0x10A0, 0x2D00}, {0x1C90, 0x10D0},                                              /* Georgian */
		{0x1E00, 0x1E01}, {0x1EA0, 0x1EA1}, {0x1E9E, 0xDF}, {0x1F08, 0x1F00}, {0x1F88, 0x1F80},
		{0x2C00, 0x2C30}, {0x2C80, 0x2C81}, {0xA7AA, 0x266}, {0xFF21, 0xFF41}, {0x10400, 0x10428},
		{0x4E00, 0x4E00}, {0xAC00, 0xAC00}, {0x5D0, 0x5D0},                             /* caseless */
	};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
		expect_lower(pairs[i][0], pairs[i][1]);
	/* lower-casing that shortens the encoding: İ (2 bytes) -> i, ẞ (3) -> ß (2) */
	expect_tokens("\xc4\xb0stanbul STRA\xe1\xba\x9e" "E", "istanbul|stra\xc3\x9f" "e", 2);
}

TEST(tokenize_invalid_utf8)
{
	static const char *const bad[] = {
		"\xff", "ab\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "ok \x80 ok", "\xe4\xb8",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		toks t = {.len = 0};
		CHECK_RC(rv_tokenize(bad[i], strlen(bad[i]), collect, &t), RV_EINVAL);
		CHECK_MSG(t.n == 0, "case %zu: the callback ran before the text was rejected", i);
	}
	/* a NUL byte is valid UTF-8 and a separator */
	toks t = {.len = 0};
	CHECK_OK(rv_tokenize("ab\0cd", 5, collect, &t));
	CHECK(t.n == 2 && !strcmp(t.buf, "ab|cd"));
}

static bool valid_utf8_prefix_of(const char *tok, size_t len, const char *whole)
{
	if (memcmp(tok, whole, len))
		return false;
	return ((unsigned char)whole[len] & 0xc0) != 0x80; /* cut at a code point boundary */
}

TEST(tokenize_long_tokens)
{
	char text[512];
	/* 70 ASCII letters: the first 64, then the next word separately */
	memset(text, 'a', 70);
	strcpy(text + 70, " next");
	toks t = {.len = 0};
	CHECK_OK(rv_tokenize(text, strlen(text), collect, &t));
	CHECK(t.n == 2);
	CHECK(t.len == 64 + 1 + 4 && !memcmp(t.buf + 65, "next", 4));
	for (size_t i = 0; i < 64; i++)
		CHECK(t.buf[i] == 'a');
	/* 30 Devanagari letters of 3 bytes: 64 is not a multiple of 3, so 63 */
	size_t n = 0;
	for (int i = 0; i < 30; i++) {
		memcpy(text + n, "\xe0\xa4\x95", 3);
		n += 3;
	}
	memcpy(text + n, " x", 3);
	t = (toks){.len = 0};
	CHECK_OK(rv_tokenize(text, strlen(text), collect, &t));
	CHECK(t.n == 2);
	CHECK(t.len == 63 + 2);
	CHECK(valid_utf8_prefix_of(t.buf, 63, text));
	CHECK(!strcmp(t.buf + 63, "|x"));
	/* mixed widths: 'a' then 2-byte é: 1 + 31*2 = 63, the next é would need 65 */
	n = 0;
	text[n++] = 'a';
	for (int i = 0; i < 40; i++) {
		memcpy(text + n, "\xc3\xa9", 2);
		n += 2;
	}
	text[n] = 0;
	t = (toks){.len = 0};
	CHECK_OK(rv_tokenize(text, n, collect, &t));
	CHECK(t.n == 1 && t.len == 63 && valid_utf8_prefix_of(t.buf, 63, text));
	/* exactly 64 bytes fit whole */
	memset(text, 'b', 64);
	t = (toks){.len = 0};
	CHECK_OK(rv_tokenize(text, 64, collect, &t));
	CHECK(t.n == 1 && t.len == 64);
}

TEST(tokenize_callback_stops)
{
	toks t = {.len = 0, .stop_at = 2};
	const char *s = "one two three four";
	CHECK_RC(rv_tokenize(s, strlen(s), collect, &t), 7);
	CHECK(t.n == 2 && !strcmp(t.buf, "one|two"));
}

/* ---- the reference BM25 ---- */

#define MAXDOCS 4096

typedef struct rdoc {
	bool live;
	char **tok; /* the document's tokens, in order */
	size_t n, cap;
} rdoc;

static rdoc ref[MAXDOCS];

static int ref_token(void *ctx, const char *tok, size_t len)
{
	rdoc *d = ctx;
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 16;
		d->tok = realloc(d->tok, d->cap * sizeof *d->tok);
	}
	char *s = malloc(len + 1);
	memcpy(s, tok, len);
	s[len] = 0;
	d->tok[d->n++] = s;
	return 0;
}

static void ref_clear(uint32_t id)
{
	rdoc *d = &ref[id];
	for (size_t i = 0; i < d->n; i++)
		free(d->tok[i]);
	free(d->tok);
	memset(d, 0, sizeof *d);
}

static void ref_set(uint32_t id, const char *text)
{
	ref_clear(id);
	CHECK_OK(rv_tokenize(text, strlen(text), ref_token, &ref[id]));
	ref[id].live = true;
}

static void ref_reset(void)
{
	for (uint32_t i = 0; i < MAXDOCS; i++)
		ref_clear(i);
}

static size_t count_in(const rdoc *d, const char *t)
{
	size_t c = 0;
	for (size_t i = 0; i < d->n; i++)
		c += !strcmp(d->tok[i], t);
	return c;
}

/* Scores of every document for the query, by the formula in text.h. */
static void ref_scores(const char *query, double k1, double b, double *score)
{
	rdoc q = {0};
	CHECK_OK(rv_tokenize(query, strlen(query), ref_token, &q));
	double N = 0, total = 0;
	for (uint32_t i = 0; i < MAXDOCS; i++)
		if (ref[i].live) {
			N++;
			total += (double)ref[i].n;
		}
	double avgdl = N > 0 ? total / N : 0;
	for (uint32_t i = 0; i < MAXDOCS; i++)
		score[i] = 0;
	for (size_t j = 0; j < q.n; j++) {
		bool repeat = false;
		for (size_t e = 0; e < j; e++)
			repeat |= !strcmp(q.tok[e], q.tok[j]);
		if (repeat)
			continue; /* distinct query terms */
		double nt = 0;
		for (uint32_t i = 0; i < MAXDOCS; i++)
			if (ref[i].live && count_in(&ref[i], q.tok[j]))
				nt++;
		if (nt == 0)
			continue;
		double idf = log(1.0 + (N - nt + 0.5) / (nt + 0.5));
		for (uint32_t i = 0; i < MAXDOCS; i++) {
			if (!ref[i].live)
				continue;
			double f = (double)count_in(&ref[i], q.tok[j]);
			if (f == 0)
				continue;
			double dl = (double)ref[i].n;
			score[i] += idf * f * (k1 + 1) / (f + k1 * (1 - b + b * dl / avgdl));
		}
	}
	for (size_t j = 0; j < q.n; j++)
		free(q.tok[j]);
	free(q.tok);
}

static bool close_rel(double got, double want)
{
	return fabs(got - want) <= 1e-5 * fabs(want) + 1e-12;
}

/* Every document with a positive reference score is returned with it, in
 * the contract's order; nothing else is. `even` keeps even ids only. */
static void check_query(rv_bm25 *x, const char *query, double k1, double b, rv_bm25_accept_fn accept, void *ctx,
                        bool (*want_doc)(uint32_t))
{
	static double score[MAXDOCS];
	static rv_bm25_hit hits[MAXDOCS];
	ref_scores(query, k1, b, score);
	size_t want = 0;
	for (uint32_t i = 0; i < MAXDOCS; i++)
		if (score[i] > 0 && (!want_doc || want_doc(i)))
			want++;
	int n = rv_bm25_search(x, query, strlen(query), MAXDOCS, accept, ctx, hits);
	CHECK_MSG(n == (int)want, "\"%s\": %d hits, want %zu", query, n, want);
	for (int i = 0; i < n; i++) {
		uint32_t d = hits[i].doc;
		CHECK_MSG(d < MAXDOCS && score[d] > 0 && (!want_doc || want_doc(d)), "\"%s\": doc %u", query, d);
		if (d < MAXDOCS)
			CHECK_MSG(close_rel(hits[i].score, score[d]), "\"%s\": doc %u score %.9g, want %.9g", query, d,
			          hits[i].score, score[d]);
		if (i > 0)
			CHECK_MSG(hits[i - 1].score > hits[i].score ||
			              (hits[i - 1].score == hits[i].score && hits[i - 1].doc < hits[i].doc),
			          "\"%s\": order at %d", query, i);
	}
	/* a smaller k gives the prefix */
	if (n > 2) {
		rv_bm25_hit few[2];
		CHECK(rv_bm25_search(x, query, strlen(query), 2, accept, ctx, few) == 2);
		CHECK(few[0].doc == hits[0].doc && few[1].doc == hits[1].doc && few[1].score == hits[1].score);
	}
}

static const char *const corpus[] = {
	"The quick brown fox jumps over the lazy dog",
	"A quick brown dog outpaces a quick fox",
	"Vector databases index embeddings for similarity search",
	"BM25 ranks documents by term frequency and inverse document frequency",
	"Hybrid search combines BM25 with vector similarity search",
	"",
	"\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82, \xd0\xbc\xd0\xb8\xd1\x80! \xd0\x9f\xd0\xbe\xd0\xb8\xd1\x81\xd0\xba",
	"\xe5\x90\x91\xe9\x87\x8f\xe6\x95\xb0\xe6\x8d\xae\xe5\xba\x93\xe6\x94\xaf\xe6\x8c\x81\xe6\xb7\xb7\xe5\x90\x88",
	"the the the the the",
	"Search search SEARCH engines",
};
#define NCORPUS (sizeof corpus / sizeof corpus[0])

static const char *const queries[] = {
	"quick fox", "search", "vector search bm25", "the", "\xd0\xbf\xd0\xbe\xd0\xb8\xd1\x81\xd0\xba \xd0\x9c\xd0\x98\xd0\xa0",
	"\xe6\x95\xb0\xe6\x8d\xae", "fox fox fox", "similarity frequency dog", "twins", "engines the brown",
};
#define NQUERIES (sizeof queries / sizeof queries[0])

static void check_all_queries(rv_bm25 *x, double k1, double b)
{
	for (size_t q = 0; q < NQUERIES; q++)
		check_query(x, queries[q], k1, b, NULL, NULL, NULL);
}

static void add_both(rv_bm25 *x, uint32_t id, const char *text)
{
	CHECK_OK(rv_bm25_add(x, id, text, strlen(text)));
	ref_set(id, text);
}

static void remove_both(rv_bm25 *x, uint32_t id)
{
	rv_bm25_remove(x, id);
	ref_clear(id);
}

TEST(bm25_scores_match_reference)
{
	ref_reset();
	rv_bm25 *x;
	CHECK_OK(rv_bm25_new(0, -1, &x)); /* defaults 1.2, 0.75 */
	rv_bm25_hit h[4];
	CHECK(rv_bm25_search(x, "fox", 3, 4, NULL, NULL, h) == 0); /* empty index */
	for (uint32_t i = 0; i < NCORPUS; i++)
		add_both(x, i, corpus[i]);
	/* two identical documents, added in reverse id order: a tie */
	add_both(x, 21, "identical twins");
	add_both(x, 20, "identical twins");
	CHECK(rv_bm25_docs(x) == NCORPUS + 2);
	check_all_queries(x, 1.2, 0.75);

	int n = rv_bm25_search(x, "twins", 5, 10, NULL, NULL, h);
	CHECK(n == 2 && h[0].doc == 20 && h[1].doc == 21 && h[0].score == h[1].score);
	/* the query "the" scores doc 8 (five times, short) above doc 0 */
	n = rv_bm25_search(x, "THE", 3, 10, NULL, NULL, h);
	CHECK(n == 2 && h[0].doc == 8 && h[1].doc == 0);
	/* no tokens, k = 0, no match, bad UTF-8 */
	CHECK(rv_bm25_search(x, "!!! ...", 7, 10, NULL, NULL, h) == 0);
	CHECK(rv_bm25_search(x, "", 0, 10, NULL, NULL, h) == 0);
	CHECK(rv_bm25_search(x, "fox", 3, 0, NULL, NULL, NULL) == 0);
	CHECK(rv_bm25_search(x, "zebra", 5, 10, NULL, NULL, h) == 0);
	CHECK_RC(rv_bm25_search(x, "\xff", 1, 10, NULL, NULL, h), RV_EINVAL);
	CHECK_RC(rv_bm25_search(x, "fox", 3, 10, NULL, NULL, NULL), RV_EINVAL);
	CHECK_RC(rv_bm25_add(x, 99, "\xc3", 1), RV_EINVAL);
	CHECK(rv_bm25_docs(x) == NCORPUS + 2);

	/* removal moves N, n(t) and avgdl: every score changes and is rechecked */
	remove_both(x, 2);
	remove_both(x, 8);
	rv_bm25_remove(x, 12345); /* absent: no-op */
	CHECK(rv_bm25_docs(x) == NCORPUS);
	check_all_queries(x, 1.2, 0.75);
	/* re-add with other text; replace a document's text in place */
	add_both(x, 2, "fox fox vector");
	add_both(x, 4, "nothing in common");
	check_all_queries(x, 1.2, 0.75);
	n = rv_bm25_search(x, "hybrid", 6, 10, NULL, NULL, h);
	CHECK(n == 0); /* doc 4's old words are gone with it */
	/* the empty document counts in N: removing it changes IDF */
	double before[2];
	n = rv_bm25_search(x, "quick", 5, 2, NULL, NULL, h);
	CHECK(n == 2);
	before[0] = h[0].score;
	remove_both(x, 5);
	n = rv_bm25_search(x, "quick", 5, 2, NULL, NULL, h);
	CHECK(n == 2 && h[0].score != before[0]);
	check_all_queries(x, 1.2, 0.75);
	(void)before[1];
	rv_bm25_free(x);

	/* other parameters */
	ref_reset();
	CHECK_OK(rv_bm25_new(2.0f, 0.3f, &x));
	for (uint32_t i = 0; i < NCORPUS; i++)
		add_both(x, i, corpus[i]);
	check_all_queries(x, 2.0, 0.3);
	rv_bm25_free(x);
	ref_reset();
	CHECK_OK(rv_bm25_new(1.5f, 0.0f, &x)); /* b = 0: no length normalisation */
	for (uint32_t i = 0; i < NCORPUS; i++)
		add_both(x, i, corpus[i]);
	check_all_queries(x, 1.5, 0.0);
	rv_bm25_free(x);
	CHECK_RC(rv_bm25_new(1.2f, 1.5f, &x), RV_EINVAL);
	CHECK_RC(rv_bm25_new(NAN, 0.5f, &x), RV_EINVAL);
	ref_reset();
}

static bool even_doc(uint32_t d) { return d % 2 == 0; }
static bool accept_even(void *ctx, uint32_t d)
{
	(*(int *)ctx)++;
	return d % 2 == 0;
}

TEST(bm25_accept_filter)
{
	ref_reset();
	rv_bm25 *x;
	CHECK_OK(rv_bm25_new(0, -1, &x));
	for (uint32_t i = 0; i < NCORPUS; i++)
		add_both(x, i, corpus[i]);
	int calls = 0;
	for (size_t q = 0; q < NQUERIES; q++)
		check_query(x, queries[q], 1.2, 0.75, accept_even, &calls, even_doc);
	CHECK(calls > 0);
	rv_bm25_free(x);
	ref_reset();
}

TEST(bm25_renumber)
{
	ref_reset();
	rv_bm25 *x;
	CHECK_OK(rv_bm25_new(0, -1, &x));
	for (uint32_t i = 0; i < NCORPUS; i++)
		add_both(x, i, corpus[i]);
	/* reverse the ids 0..9 */
	uint32_t map[NCORPUS];
	for (uint32_t i = 0; i < NCORPUS; i++)
		map[i] = (uint32_t)NCORPUS - 1 - i;
	CHECK_OK(rv_bm25_renumber(x, map, NCORPUS));
	for (uint32_t i = 0; i < NCORPUS; i++)
		ref_set(map[i], corpus[i]);
	check_all_queries(x, 1.2, 0.75);
	/* the new ids are the ones add/remove see */
	remove_both(x, (uint32_t)NCORPUS - 1); /* was doc 0 */
	rv_bm25_hit h[10];
	int n = rv_bm25_search(x, "lazy", 4, 10, NULL, NULL, h);
	CHECK(n == 0);
	check_all_queries(x, 1.2, 0.75);
	/* a map that merges two ids is refused, and changes nothing */
	uint32_t bad[3] = {5, 5, 2};
	CHECK_RC(rv_bm25_renumber(x, bad, 3), RV_EINVAL);
	check_all_queries(x, 1.2, 0.75);
	/* ids >= n keep theirs; a map onto free ids works */
	uint32_t up[4] = {100, 101, 102, 103};
	CHECK_OK(rv_bm25_renumber(x, up, 4));
	for (uint32_t i = 0; i < 4; i++) {
		rdoc t = ref[i];
		ref[i] = ref[100 + i];
		ref[100 + i] = t;
	}
	check_all_queries(x, 1.2, 0.75);
	CHECK(rv_bm25_docs(x) == NCORPUS - 1);
	CHECK_OK(rv_bm25_renumber(x, NULL, 0));
	rv_bm25_free(x);
	ref_reset();
}

/* ---- a random corpus ---- */

#ifdef RV_TEST_SMALL
#define RDOCS 600
#define RQUERIES 40
#else
#define RDOCS 2000
#define RQUERIES 150
#endif
#define VOCAB 400

static void random_text(test_rng *r, char *buf, size_t cap, size_t words)
{
	size_t n = 0;
	for (size_t w = 0; w < words; w++) {
		/* roughly Zipf: small word numbers are common */
		double u = (double)(rng_next(r) >> 11) / 9007199254740992.0;
		unsigned id = (unsigned)(VOCAB * u * u * u);
		n += (size_t)snprintf(buf + n, cap - n, "%sw%u", w ? " " : "", id);
	}
	buf[n] = 0;
}

static void check_top10(rv_bm25 *x, test_rng *r)
{
	static double score[MAXDOCS];
	static uint32_t order[MAXDOCS];
	char q[256];
	for (int qi = 0; qi < RQUERIES; qi++) {
		random_text(r, q, sizeof q, 1 + rng_next(r) % 4);
		ref_scores(q, 1.2, 0.75, score);
		/* reference ranking by (float score desc, id asc) */
		size_t m = 0;
		for (uint32_t i = 0; i < MAXDOCS; i++)
			if (score[i] > 0)
				order[m++] = i;
		for (size_t i = 1; i < m; i++) { /* insertion sort: small m in practice */
			uint32_t v = order[i];
			size_t j = i;
			while (j > 0 && ((float)score[order[j - 1]] < (float)score[v] ||
			                 ((float)score[order[j - 1]] == (float)score[v] && order[j - 1] > v))) {
				order[j] = order[j - 1];
				j--;
			}
			order[j] = v;
		}
		rv_bm25_hit h[10];
		int n = rv_bm25_search(x, q, strlen(q), 10, NULL, NULL, h);
		CHECK_MSG(n == (int)(m < 10 ? m : 10), "\"%s\": %d hits of %zu", q, n, m);
		for (int i = 0; i < n && i < (int)m; i++) {
			/* the doc has that score, and the i-th best score is that:
			 * a wrong doc or a missed better one fails */
			CHECK_MSG(h[i].doc < MAXDOCS && close_rel(h[i].score, score[h[i].doc]), "\"%s\" rank %d", q, i);
			CHECK_MSG(close_rel(h[i].score, score[order[i]]), "\"%s\" rank %d: %.9g want %.9g", q, i, h[i].score,
			          score[order[i]]);
			/* where the reference has no near tie, the very id */
			bool tie = (i > 0 && close_rel(score[order[i - 1]], score[order[i]])) ||
			           (i + 1 < (int)m && close_rel(score[order[i + 1]], score[order[i]]));
			if (!tie)
				CHECK_MSG(h[i].doc == order[i], "\"%s\" rank %d: doc %u want %u", q, i, h[i].doc, order[i]);
		}
	}
}

TEST(bm25_random_corpus)
{
	ref_reset();
	test_rng r = {42};
	rv_bm25 *x;
	CHECK_OK(rv_bm25_new(0, -1, &x));
	char text[1024];
	for (uint32_t i = 0; i < RDOCS; i++) {
		random_text(&r, text, sizeof text, rng_next(&r) % 40); /* some empty */
		add_both(x, i * 2, text);                               /* sparse ids */
	}
	check_top10(x, &r);
	/* churn: remove a quarter, replace a tenth, add new ones */
	for (int i = 0; i < RDOCS / 4; i++)
		remove_both(x, (uint32_t)(rng_next(&r) % RDOCS) * 2);
	for (int i = 0; i < RDOCS / 10; i++) {
		random_text(&r, text, sizeof text, 1 + rng_next(&r) % 30);
		add_both(x, (uint32_t)(rng_next(&r) % RDOCS) * 2, text);
	}
	for (int i = 0; i < RDOCS / 10; i++) {
		random_text(&r, text, sizeof text, 1 + rng_next(&r) % 30);
		add_both(x, (uint32_t)(rng_next(&r) % RDOCS) * 2 + 1, text);
	}
	size_t live = 0;
	for (uint32_t i = 0; i < MAXDOCS; i++)
		live += ref[i].live;
	CHECK(rv_bm25_docs(x) == live);
	check_top10(x, &r);
	/* remove everything: nothing matches, memory goes back down */
	size_t full = rv_bm25_memory(x);
	for (uint32_t i = 0; i < MAXDOCS; i++)
		if (ref[i].live)
			remove_both(x, i);
	CHECK(rv_bm25_docs(x) == 0);
	CHECK(rv_bm25_memory(x) < full);
	rv_bm25_hit h[4];
	CHECK(rv_bm25_search(x, "w1 w2", 5, 4, NULL, NULL, h) == 0);
	rv_bm25_free(x);
	ref_reset();
}

/* ---- out of memory ---- */

static atomic_long live_blocks;

static void *count_malloc(void *ctx, size_t n)
{
	(void)ctx;
	void *p = malloc(n);
	if (p)
		atomic_fetch_add(&live_blocks, 1);
	return p;
}

static void *count_realloc(void *ctx, void *old, size_t n)
{
	(void)ctx;
	void *p = realloc(old, n);
	if (p && !old)
		atomic_fetch_add(&live_blocks, 1);
	return p;
}

static void count_free(void *ctx, void *p)
{
	(void)ctx;
	if (p)
		atomic_fetch_sub(&live_blocks, 1);
	free(p);
}

#define SNAPQ 6
typedef struct snap {
	size_t docs;
	int n[SNAPQ];
	rv_bm25_hit h[SNAPQ][32];
} snap;

static void take_snap(rv_bm25 *x, snap *s)
{
	static const char *const q[SNAPQ] = {"quick fox", "search", "alpha beta", "new words", "the", "gamma"};
	memset(s, 0, sizeof *s);
	s->docs = rv_bm25_docs(x);
	for (int i = 0; i < SNAPQ; i++)
		s->n[i] = rv_bm25_search(x, q[i], strlen(q[i]), 32, NULL, NULL, s->h[i]);
}

static bool same_snap(const snap *a, const snap *b)
{
	return !memcmp(a, b, sizeof *a);
}

/* Adds (id, text) with allocation `fail` failing, for every fail until it
 * succeeds; each failure must leave the index as it was. */
static void oom_add(rv_bm25 *x, uint32_t id, const char *text)
{
	snap before, now, after;
	take_snap(x, &before);
	int failures = 0;
	for (long fail = 0;; fail++) {
		rv_alloc_fail_after(fail);
		int rc = rv_bm25_add(x, id, text, strlen(text));
		rv_alloc_fail_after(-1);
		if (rc == RV_OK)
			break;
		CHECK_MSG(rc == RV_ENOMEM, "fail at %ld: rc %d", fail, rc);
		failures++;
		take_snap(x, &now);
		CHECK_MSG(same_snap(&before, &now), "allocation %ld failed and the index changed", fail);
		if (fail > 1000) {
			CHECK_MSG(0, "add never succeeded");
			break;
		}
	}
	CHECK(failures >= 3);
	take_snap(x, &after);
	CHECK(!same_snap(&before, &after));
}

TEST(bm25_out_of_memory)
{
	rv_allocator a = {count_malloc, count_realloc, count_free, NULL};
	CHECK_OK(rv_set_allocator(&a));
	rv_bm25 *x = NULL;
	for (long fail = 0;; fail++) {
		rv_alloc_fail_after(fail);
		int rc = rv_bm25_new(0, -1, &x);
		rv_alloc_fail_after(-1);
		if (rc == RV_OK)
			break;
		CHECK(rc == RV_ENOMEM && fail < 10);
	}
	for (uint32_t i = 0; i < NCORPUS; i++)
		CHECK_OK(rv_bm25_add(x, i, corpus[i], strlen(corpus[i])));
	/* a new document with new and known words */
	oom_add(x, 50, "alpha beta quick search new words alpha");
	/* replacing a document: old words (fox) and new ones (gamma) */
	oom_add(x, 1, "gamma fox the words");
	/* replacing with text that shares every term with the old */
	oom_add(x, 50, "alpha beta");
	/* search reports RV_ENOMEM too */
	rv_bm25_hit h[4];
	rv_alloc_fail_after(0);
	CHECK_RC(rv_bm25_search(x, "quick", 5, 4, NULL, NULL, h), RV_ENOMEM);
	rv_alloc_fail_after(-1);
	CHECK(rv_bm25_search(x, "quick", 5, 4, NULL, NULL, h) == 1); /* doc 0 only: 1 and 50 were replaced */
	/* renumber under failure */
	uint32_t map[2] = {1, 0};
	rv_alloc_fail_after(0);
	CHECK_RC(rv_bm25_renumber(x, map, 2), RV_ENOMEM);
	rv_alloc_fail_after(-1);
	CHECK(rv_bm25_search(x, "lazy", 4, 4, NULL, NULL, h) == 1 && h[0].doc == 0);
	CHECK_RC(rv_set_allocator(NULL), RV_EBUSY); /* the index is a live object */
	rv_bm25_free(x);
	CHECK_MSG(atomic_load(&live_blocks) == 0, "%ld blocks leaked", atomic_load(&live_blocks));
	CHECK_OK(rv_set_allocator(NULL));
}

int main(void)
{
	RUN(tokenize_ascii_punctuation_case);
	RUN(tokenize_scripts);
	RUN(tokenize_lowercase_tables);
	RUN(tokenize_invalid_utf8);
	RUN(tokenize_long_tokens);
	RUN(tokenize_callback_stops);
	RUN(bm25_scores_match_reference);
	RUN(bm25_accept_filter);
	RUN(bm25_renumber);
	RUN(bm25_random_corpus);
	RUN(bm25_out_of_memory);
	return harness_exit();
}
