'use strict';
// Top-k searches through the C index that give agentdb's answers.
//
// agentdb ranked every candidate row: load all rows in an SQL order, score
// each in JS, stable-sort by score, slice. Here the C index proposes the
// nearest rows in its order; they are read from SQLite (with the query's
// SQL filters) a few at a time, nearest first, and scored with the
// controller's own JS formula, and sorted with a comparator that reproduces
// agentdb's order, ties included (the SQL order the stable sort kept).
// Usually exactly k rows are read. Reading stops, and the candidate list
// from the index widens (x4) when it runs out, until the answer cannot
// change:
//
//   - every valid row has been seen, or
//   - the k-th result's score beats the best score any row not read yet
//     could reach: such a row is no closer than the next candidate, so its
//     score is at most that one's plus a margin for float32 rounding in the
//     index (1e-6: over 300,000 random and mock pairs the index and the JS
//     formula differed by at most 6.4e-8); `limitOf(distance)` gives
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
const MARGIN = 1e-6;

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
 *   first    initial candidate count (default k + 8)
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
  const sorted = () => [...results.values()].sort(cmp);
  await ix.sync();
  if (ix.oddIds.size) add(fetch([...ix.oddIds]));
  const seen = new Set();
  let n = o.first ?? k + 8;
  for (;;) {
    const { ids, dists, total } = await ix.search(query, n, { sync: false });
    const exhausted = ids.length >= total || ids.length < Math.min(n, K_MAX);
    // the candidates not read yet, nearest first
    const cand = [];
    for (let i = 0; i < ids.length; i++) if (!seen.has(ids[i])) cand.push(i);
    let pos = 0;
    for (;;) {
      const list = sorted();
      // the best any row from here on could score
      const next = pos < cand.length ? limitOf(dists[cand[pos]]) : exhausted ? -Infinity : limitOf(dists[dists.length - 1]);
      if (next < minPrimary) return list.slice(0, k);
      if (list.length >= k && !(next >= primary(list[k - 1]))) return list.slice(0, k);
      if (pos >= cand.length) break; // need more candidates from the index
      // read the next few: as many as results are missing, and every one
      // that could still beat the k-th
      const want = Math.max(k - list.length, 1);
      const batch = [];
      while (pos < cand.length && (batch.length < want ||
        (list.length >= k && limitOf(dists[cand[pos]]) >= primary(list[k - 1])))) {
        batch.push(ids[cand[pos++]]);
        if (batch.length >= 256) break;
      }
      for (const id of batch) seen.add(id);
      add(fetch(batch));
    }
    if (exhausted) return sorted().slice(0, k);
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
