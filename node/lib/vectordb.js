'use strict';
// VectorDB: the drop-in for ruvector 0.3.2's VectorDB (its JS wrapper
// class), over a Collection and a metadata store. Constructor options,
// methods, result shapes and score semantics follow 0.3.2; where 0.3.2 is
// wrong we do the right thing, and the README lists each difference.
//
// Scores are distances, ascending (smaller is closer), as in 0.3.2:
//   cosine     1 - cos(a, b)            (the core's distance, clamped at 0)
//   euclidean  the L2 distance          (the root of the core's squared L2)
//   dot        -(a . b)                 (0.3.2 returns 0 for positive dots)
//   manhattan  the L1 distance
const { randomUUID } = require('crypto');
const { openStore } = require('./open');
const { normalizeMetric } = require('./collection');
const { toFloat32, vectorLength, packVectors, yieldToLoop, dimError, SLICE } = require('./vectors');
const { rvError, typeError, rangeError, prefixed } = require('./errors');

// 0.3.2's HNSW defaults (its wrapper always passes them).
const HNSW_DEFAULTS = Object.freeze({ m: 32, efConstruction: 200, efSearch: 100, maxElements: 10_000_000 });
const PUBLIC_METRIC = { l2: 'euclidean', ip: 'dot', cosine: 'cosine', l1: 'manhattan' };
const K_MAX = 65536;

function checkMetadata(m, what) {
  if (m === undefined || m === null) return undefined;
  if (typeof m !== 'object' || Array.isArray(m)) {
    throw typeError(`${what} must be an object (or undefined)`);
  }
  return m;
}

function entryId(id, what) {
  if (id === undefined || id === null) return randomUUID();
  if (typeof id !== 'string') throw typeError(`${what} must be a string`);
  if (id.includes('\0')) throw rvError('RV_EID', `${what} contains a NUL character`);
  return id;
}

// An id the core would refuse can exist in no collection.
function possibleId(id) {
  return typeof id === 'string' && id.length > 0 && !id.includes('\0') && Buffer.byteLength(id) <= 255;
}

class VectorDB {
  #c;
  #meta;
  #dim;
  #metric;
  #storagePath;
  #scale;

  /**
   * @param {object} options dimensions|dimension (required), storagePath|path,
   *   distanceMetric|metric ('cosine' default), hnswConfig|hnsw {m, efConstruction,
   *   efSearch, maxElements}.
   */
  constructor(options) {
    const o = options ?? {};
    const dimensions = o.dimensions ?? o.dimension;
    if (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions <= 0) {
      throw new Error('Missing or invalid `dimensions` (the singular `dimension` alias is also accepted)');
    }
    const metric = normalizeMetric(o.distanceMetric ?? o.metric) ?? 'cosine';
    const given = o.hnswConfig !== undefined ? o.hnswConfig : o.hnsw;
    if (given !== undefined && given !== null && typeof given !== 'object') throw typeError('hnswConfig must be an object');
    const hnsw = { ...HNSW_DEFAULTS, ...(given ?? {}) };
    const store = openStore({
      storagePath: o.storagePath ?? o.path,
      dimensions,
      metric,
      m: hnsw.m,
      efConstruction: hnsw.efConstruction,
      efSearch: hnsw.efSearch,
    });
    this.#c = store.collection;
    this.#meta = store.metadata;
    this.#dim = dimensions;
    this.#metric = metric;
    this.#storagePath = o.storagePath ?? o.path;
    this.#scale = metric === 'l2' ? (d) => Math.fround(Math.sqrt(d)) : metric === 'cosine' ? (d) => (d > 0 ? d : 0) : (d) => d;
  }

  /** Dimension of the vectors. */
  get dimensions() { return this.#dim; }
  /** 'cosine', 'euclidean', 'dot' or 'manhattan'. */
  get metric() { return PUBLIC_METRIC[this.#metric]; }
  /** The storage path given, if any (not used yet: see the README). */
  get storagePath() { return this.#storagePath; }
  /** The underlying Collection (low-level API). */
  get collection() { return this.#c; }

  /** Insert (or replace) one entry; resolves to its id (a UUID v4 when none was given). */
  async insert(entry) {
    if (entry === null || typeof entry !== 'object') throw typeError('entry must be an object');
    const id = entryId(entry.id, 'id');
    const len = vectorLength(entry.vector, 'vector');
    if (len !== this.#dim) throw dimError('Insert failed: ', this.#dim, len);
    const metadata = checkMetadata(entry.metadata, 'metadata');
    const { array } = toFloat32(entry.vector);
    try {
      await this.#c.upsert(id, array);
    } catch (e) {
      throw prefixed(e, 'Insert failed: ');
    }
    this.#meta.set(id, metadata);
    return id;
  }

  /** Insert (or replace) many entries, all or nothing; resolves to their ids. */
  async insertBatch(entries) {
    if (!Array.isArray(entries)) throw typeError('entries must be an array');
    const n = entries.length;
    if (n === 0) return [];
    const ids = new Array(n);
    const metas = new Array(n);
    const vectors = await packVectors(n, this.#dim, (i) => entries[i].vector,
      (i, len) => dimError('Batch insert failed: ', this.#dim, len),
      (i) => {
        const e = entries[i];
        if (e === null || typeof e !== 'object') throw typeError(`entry ${i} must be an object`);
        ids[i] = entryId(e.id, `id of entry ${i}`);
        metas[i] = checkMetadata(e.metadata, `metadata of entry ${i}`);
      });
    try {
      await this.#c.insertBatch(ids, vectors, { upsert: true });
    } catch (e) {
      throw prefixed(e, 'Batch insert failed: ');
    }
    for (let start = 0; start < n; start += SLICE) {
      if (start > 0) await yieldToLoop();
      for (let i = start; i < Math.min(n, start + SLICE); i++) this.#meta.set(ids[i], metas[i]);
    }
    return ids;
  }

  /**
   * The k nearest entries: [{id, score, vector, metadata}], score ascending.
   * efSearch applies to this query; filter keeps entries whose metadata has
   * each of its top-level keys with an equal value.
   */
  async search(query) {
    if (query === null || typeof query !== 'object') throw typeError('query must be an object');
    const { k, efSearch, filter } = query;
    if (k === undefined || k === null) throw typeError('Missing field `k`');
    if (typeof k !== 'number') throw typeError('k must be a number');
    if (!Number.isInteger(k) || k < 0) throw rangeError(`k must be a non-negative integer; got ${k}`);
    if (efSearch !== undefined && efSearch !== null &&
        (typeof efSearch !== 'number' || !Number.isInteger(efSearch) || efSearch < 0 || efSearch > K_MAX)) {
      throw rangeError(`efSearch must be an integer from 0 to ${K_MAX}; got ${efSearch}`);
    }
    const len = vectorLength(query.vector, 'vector');
    if (len !== this.#dim) throw dimError('Search failed: ', this.#dim, len);
    const { array } = toFloat32(query.vector);
    if (filter !== undefined && filter !== null && typeof filter !== 'object') throw typeError('filter must be an object');
    const kk = Math.min(k, K_MAX);
    if (kk === 0) {
      this.#c.len(); // still throws when closed
      return [];
    }
    try {
      if (filter && Object.keys(filter).length > 0) return await this.#searchFiltered(array, kk, efSearch, filter);
      const hits = await this.#c.search(array, kk, { ef: efSearch ?? 0, vectors: true });
      return hits.map((h) => this.#result(h.id, h.distance, h.vector));
    } catch (e) {
      throw prefixed(e, 'Search failed: ');
    }
  }

  #result(id, distance, vector) {
    return { id, score: this.#scale(distance), vector, metadata: this.#meta.get(id) };
  }

  // Post-filtering over a growing candidate list until k entries match, the
  // collection is exhausted, or (past 65,536 candidates) the nearest 65,536
  // have been tried: then an exact scan of that many. Metadata filters move
  // into the C core with payloads (issue #5).
  async #searchFiltered(array, k, efSearch, filter) {
    const match = this.#meta.matcher(filter);
    const total = this.#c.len();
    if (total === 0) return [];
    let want = Math.min(total, K_MAX, Math.max(4 * k, 64));
    for (;;) {
      const last = want >= total || want >= K_MAX;
      const ef = Math.max(efSearch ?? 0, want);
      const hits = await this.#c.search(array, want, { ef: Math.min(ef, K_MAX), exact: last && want >= total });
      const kept = [];
      for (const h of hits) {
        if (match(h.id)) {
          kept.push(h);
          if (kept.length === k) break;
        }
      }
      if (kept.length === k || last || hits.length < want) {
        const vecs = await this.#c.getBatch(kept.map((h) => h.id));
        const out = [];
        kept.forEach((h, i) => { if (vecs[i]) out.push(this.#result(h.id, h.distance, vecs[i])); });
        return out;
      }
      want = Math.min(total, K_MAX, want * 4);
    }
  }

  /** {id, vector, metadata} or null. */
  async get(id) {
    if (typeof id !== 'string') throw typeError('id must be a string');
    if (!possibleId(id)) {
      this.#c.len(); // still throws when closed
      return null;
    }
    const v = await this.#c.get(id);
    return v ? { id, vector: v, metadata: this.#meta.get(id) } : null;
  }

  /** Delete by id: true if it existed. */
  async delete(id) {
    if (typeof id !== 'string') throw typeError('id must be a string');
    if (!possibleId(id)) {
      this.#c.len();
      return false;
    }
    const existed = await this.#c.delete(id);
    if (existed) this.#meta.delete(id);
    return existed;
  }

  /** Number of entries. */
  async len() { return this.#c.len(); }
  /** Whether there are no entries. */
  async isEmpty() { return this.#c.len() === 0; }
  /** Figures of the underlying collection (not in 0.3.2). */
  async stats() { return this.#c.stats(); }
  /** Release the native index (not in 0.3.2; without it, garbage collection does). */
  async close() { return this.#c.close(); }
}

module.exports = { VectorDB, HNSW_DEFAULTS };
