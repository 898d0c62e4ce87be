'use strict';
// Top-k searches through the C index that give agentdb's answers.
//
// agentdb ranked every candidate row: load all rows in an SQL order, score
// each in JS, stable-sort by score, slice. Here the C index proposes the n
// nearest rows by cosine; only those rows are read from SQLite (with the
// query's SQL filters) and scored with the controller's own JS formula, and
// sorted with a comparator that reproduces agentdb's order, ties included
// (the SQL order the stable sort kept). The candidate list widens (x4)
// until the answer cannot change:
//
//   - every valid row has been seen, or
//   - the k-th result's score beats the best score any unseen row could
//     reach: an unseen row is no closer than the n-th candidate, so its
//     score is at most that one's plus a margin for float32 rounding in the
//     index (1e-4, far above the ~1e-6 error); `limitOf(distance)` gives
//     that bound (1 - d + margin for a cosine index, whose score is the
//     similarity; -d + margin for SkillLibrary's index, whose inner product
//     is its composite score), or
//   - no unseen row can pass a threshold (limit below `minPrimary`).
//
// With the exact scan (tables below exactThreshold, or when n reaches a
// quarter of the table) this gives exactly agentdb's result; with HNSW, the
// candidates are approximate (recall is measured in bench/agentdb-bench.js).
// Rows the index cannot hold (odd rows: empty, zero, other dimensions) are
// read and scored every time, as agentdb would. Past 65,536 candidates (a
// filter that very few rows pass) it falls back to agentdb's full scan.
const K_MAX = 65536;
const MARGIN = 1e-4;

/**
 * @param {object} o
 *   ix       TableIndex (vector-index.js)
 *   query    the query vector (the index's dimension)
 *   k        results wanted
 *   fetch    (ids) -> rows passing the query's filters (any order), each with `id`
 *   score    (row) -> result (adds the similarity and whatever cmp needs)
 *   cmp      comparator giving agentdb's order
 *   primary  (result) -> its score (higher first)
 *   limitOf  (distance) -> the best score a row at least that far could have
 *            (default: cosine, 1 - d + margin)
 *   minPrimary  score below which no row is kept (-Infinity)
 *   keep     (result) -> boolean, after scoring (threshold filters)
 *   fullScan () -> all rows passing the filters (the fallback)
 *   first    initial candidate count (default max(2k, k + 16))
 */
async function rankedSearch(o) {
  const { ix, query, k, fetch, score, cmp, primary, keep = () => true, minPrimary = -Infinity } = o;
  const limitOf = o.limitOf ?? ((d) => 1 - d + MARGIN);
  if (k <= 0) return [];
  const results = new Map();
  const add = (rows) => {
    for (const row of rows) {
      const r = score(row);
      if (keep(r)) results.set(row.id, r);
    }
  };
  await ix.sync();
  if (ix.oddIds.size) add(fetch([...ix.oddIds]));
  let n = o.first ?? Math.max(2 * k, k + 16);
  const seen = new Set();
  for (;;) {
    const { ids, dists, total } = await ix.search(query, n);
    const fresh = ids.filter((id) => !seen.has(id));
    for (const id of fresh) seen.add(id);
    if (fresh.length) add(fetch(fresh));
    const sorted = [...results.values()].sort(cmp);
    if (ids.length >= total || ids.length < Math.min(n, K_MAX)) return sorted.slice(0, k);
    const limit = limitOf(dists[dists.length - 1]);
    if (limit < minPrimary) return sorted.slice(0, k);
    if (sorted.length >= k && primary(sorted[k - 1]) > limit) return sorted.slice(0, k);
    if (n >= K_MAX) {
      // very selective filters: agentdb's way
      const all = new Map();
      for (const row of o.fullScan()) {
        const r = score(row);
        if (keep(r)) all.set(row.id, r);
      }
      return [...all.values()].sort(cmp).slice(0, k);
    }
    n = Math.min(n * 4, total, K_MAX);
  }
}

/** Compare numbers descending, NaN as agentdb's `|| 0` made it. */
const desc0 = (a, b) => (b || 0) - (a || 0);

module.exports = { rankedSearch, desc0, K_MAX, MARGIN };
