/*
 * text.h: full-text search for the core (issue #5, the text half of hybrid
 * search): a Unicode-aware tokenizer and a BM25 inverted index.
 *
 * TOKENS (tokenize.c)
 *
 * Text is UTF-8 and is checked first: invalid UTF-8 (RFC 3629: overlong
 * forms, surrogates, code points above U+10FFFF, truncated sequences) gives
 * RV_EINVAL before any token is reported. Each code point is then one of
 *
 *   word       a letter (general category L*), a letter number (Nl), or a
 *              decimal digit (Nd, of every script: "٣" and "३" are digits)
 *              in the scripts covered: ASCII, Latin-1 Supplement, Latin
 *              Extended-A/B/C/D/E and Additional, IPA, Greek (and Extended),
 *              Cyrillic (and supplements), Armenian, Hebrew, Arabic, Syriac,
 *              Thaana, NKo, Devanagari, Bengali, Gurmukhi, Gujarati, Oriya,
 *              Tamil, Telugu, Kannada, Malayalam, Sinhala, Thai, Lao,
 *              Tibetan, Myanmar, Georgian, Hangul (Jamo, compatibility Jamo,
 *              syllables), Ethiopic, Cherokee, Canadian syllabics, Khmer,
 *              Mongolian, Glagolitic, Coptic, Tifinagh, the presentation
 *              forms, fullwidth Latin, Deseret, mathematical alphanumerics;
 *   mark       a combining mark (Mn, Mc, Me) in those scripts, the variation
 *              selectors, U+200C/U+200D (ZWNJ/ZWJ, which Persian and the
 *              Indic scripts use inside words);
 *   ideograph  a CJK ideograph (U+3400.., U+4E00.., U+F900.., U+20000..),
 *              a kana (hiragana, katakana, halfwidth katakana, the kana
 *              supplements), bopomofo, and the CJK letters of U+3000..U+30FF
 *              (々, 〇, ー);
 *   separator  everything else: spaces, punctuation (apostrophes ' and ’
 *              included, so "don't" is "don" and "t"), symbols, emoji,
 *              superscripts and fractions (No), controls, and letters of
 *              scripts not covered above.
 * The classes come from a range table generated from Unicode 14.0
 * (tokenize.c says how).
 *
 * A token is a maximal run of word code points, with the marks that follow
 * a word or ideograph code point kept inside it (a mark after a separator is
 * dropped). Each ideograph is a token of its own, with its marks: Chinese
 * and Japanese do not separate words with spaces, and single characters are
 * what an index without a dictionary can match ("向量数据库" is five
 * tokens). Thai, Lao, Khmer and Myanmar, which do not use spaces either,
 * are tokenized as runs, i.e. phrase by phrase (no dictionary segmentation).
 *
 * Tokens are lower-cased by Unicode's simple case mapping (one code point
 * to one code point, UnicodeData.txt field 13, locale-independent: towlower
 * depends on the C locale and is not used) for ASCII, Latin-1, Latin
 * Extended-A/B/C/D/Additional, Greek (and Extended), Cyrillic (and
 * Extended-B/C), Armenian, Georgian, Glagolitic, Coptic, fullwidth Latin and
 * Deseret; U+0130 İ becomes i and U+1E9E ẞ becomes ß. The Greek final sigma
 * ς (U+03C2) is folded to σ (U+03C3), so that "ΟΔΟΣ", "οδος" and "οδοσ"
 * written either way are the same token. Nothing else is normalised: no
 * Unicode normalisation (a precomposed "é" and "e"+U+0301 differ), no
 * accent folding (ä is not a), no stemming, no stop words.
 *
 * A token is at most RV_TOKEN_MAX (64) bytes of its lower-cased UTF-8: a
 * longer run is cut at the last code point boundary that fits, and the rest
 * of the run is skipped (not reported as a further token), so a long token
 * still matches itself and only itself, apart from other runs with the same
 * first 64 bytes.
 *
 * BM25 (bm25.c)
 *
 * An inverted index from tokens to the documents (uint32 ids chosen by the
 * caller) that contain them. A query's score for document D is Okapi BM25:
 *
 *   score(D, Q) = sum over the distinct terms t of Q that occur in D of
 *                 IDF(t) * f(t,D) * (k1 + 1) / (f(t,D) + k1 * (1 - b + b * |D| / avgdl))
 *   IDF(t)      = ln(1 + (N - n(t) + 0.5) / (n(t) + 0.5))
 *
 * f(t,D) is the number of times t occurs in D, |D| the number of tokens of
 * D, N the number of documents in the index, n(t) how many of them contain
 * t, and avgdl the mean |D| over the N documents. IDF is Lucene's form,
 * which is never negative (the classic Robertson-Sparck Jones form is
 * negative for terms in more than half of the documents, so that matching
 * a common word would lower a score). A document is in the index from
 * rv_bm25_add to rv_bm25_remove, whatever its text: a document with no
 * tokens counts in N and in avgdl (with |D| = 0) and matches nothing.
 * Scores are computed in double and returned as float; the ranking is by
 * the returned float (ties by smaller doc id), so what a caller sees is
 * consistent with the order it gets. Repeating a term in the query does not
 * count it twice.
 *
 * Locking: each index has a reader/writer lock. rv_bm25_search, _docs and
 * _memory take it shared; _add, _remove and _renumber exclusive. The accept
 * callback of a search runs under the shared lock, so it must not call the
 * index's writers (that would deadlock).
 */
#ifndef RV_TEXT_H
#define RV_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ruvector.h"

/* The longest token, in bytes of lower-cased UTF-8. */
#define RV_TOKEN_MAX 64

/* ---- tokenizer ---- */

/* Receives each token: tok[0..len) is lower-cased UTF-8, 1 <= len <=
 * RV_TOKEN_MAX, not NUL-terminated, valid only during the call. Returns 0 to
 * go on, anything else to stop. */
typedef int (*rv_token_fn)(void *ctx, const char *tok, size_t len);

/* Calls fn(ctx, token, len) for each token of the UTF-8 text[0..len), in
 * order (text may be NULL when len is 0). Returns RV_OK; RV_EINVAL when the
 * text is not valid UTF-8 (then fn was not called) or fn is NULL; or the
 * first non-zero value fn returned, which stops the tokenizer. Allocates
 * nothing; thread-safe. */
int rv_tokenize(const char *text, size_t len, rv_token_fn fn, void *ctx);

/* ---- BM25 index ---- */

typedef struct rv_bm25 rv_bm25;

typedef struct rv_bm25_hit {
	uint32_t doc; /* the document id given to rv_bm25_add */
	float score;  /* its BM25 score, > 0 */
} rv_bm25_hit;

/* A search's filter: true to let doc into the results. */
typedef bool (*rv_bm25_accept_fn)(void *ctx, uint32_t doc);

/* A new, empty index. k1 is the term-frequency saturation (k1 <= 0: the
 * default 1.2), b the length normalisation (b < 0: the default 0.75; b > 1
 * or either one NaN or infinite: RV_EINVAL). Returns RV_OK, RV_EINVAL or
 * RV_ENOMEM; *out is set only on success. Free with rv_bm25_free. */
int rv_bm25_new(float k1, float b, rv_bm25 **out);

/* Frees the index (NULL is a no-op). No call may be running on it. */
void rv_bm25_free(rv_bm25 *x);

/* Indexes text[0..len) (UTF-8, NULL when len is 0) as document doc,
 * replacing its previous text if doc is already in the index. Returns
 * RV_OK; RV_EINVAL when the text is not valid UTF-8, has more than
 * UINT32_MAX tokens, or x is NULL; RV_ENOMEM. On an error the index is as it
 * was (doc keeps its previous text, or stays absent). */
int rv_bm25_add(rv_bm25 *x, uint32_t doc, const char *text, size_t len);

/* Removes doc from the index; a no-op when it is absent. Allocates nothing,
 * costs O(number of distinct terms of doc). */
void rv_bm25_remove(rv_bm25 *x, uint32_t doc);

/* The (at most) k documents that score highest for the query text[0..len)
 * (tokenized like documents), best first, ties by smaller doc id, into
 * out[0..k). Only documents with a score > 0 (that contain one of the
 * query's terms) and for which accept(ctx, doc) is true (accept NULL: all)
 * are returned. Returns how many were written, or RV_EINVAL (x NULL, query
 * not UTF-8, out NULL with k > 0), or RV_ENOMEM. A query without tokens,
 * an empty index or k = 0 give 0. Costs O(sum of the query terms' document
 * counts) plus O(log k) per match; allocates scratch of that size. */
int rv_bm25_search(rv_bm25 *x, const char *query, size_t len, size_t k, rv_bm25_accept_fn accept, void *ctx,
                   rv_bm25_hit *out);

/* Renumbers documents: doc d becomes old_to_new[d] for each d < n in the
 * index; docs with ids >= n keep theirs; entries for ids not in the index
 * are ignored. The ids after renumbering must be distinct (old_to_new is a
 * permutation of the ids present, or maps them onto free ids), else
 * RV_EINVAL and nothing changes. Returns RV_OK, RV_EINVAL (also: x NULL, or
 * old_to_new NULL with n > 0), RV_ENOMEM (nothing changed). */
int rv_bm25_renumber(rv_bm25 *x, const uint32_t *old_to_new, size_t n);

/* Number of documents in the index (0 for NULL). */
size_t rv_bm25_docs(const rv_bm25 *x);

/* Bytes the index holds (capacities included). */
size_t rv_bm25_memory(const rv_bm25 *x);

#endif
