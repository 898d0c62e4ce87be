'use strict';
// VectorDB: the drop-in for ruvector 0.3.2's VectorDB (its JS wrapper
// class), over one Collection of the core. Constructor options,
// methods, result shapes and score semantics follow 0.3.2; where 0.3.2 is
// wrong we do the right thing, and the README lists each difference.
//
// Scores are distances, ascending (smaller is closer), as in 0.3.2:
//   cosine     1 - cos(a, b)            (the core's distance, clamped at 0)
//   euclidean  the L2 distance          (the root of the core's squared L2)
//   dot        -(a . b)                 (0.3.2 returns 0 for positive dots)
//   manhattan  the L1 distance
//
// Metadata is the record's payload in the core (given as JSON text, checked
// and stored by the core with the vector: one write, one log frame), and a
// filter is the core's filter (include/ruvector.h, "Filters"): one search
// call returns min(k, matches) hits, with their vectors and payloads. An
// empty metadata object and no metadata are the same record (no payload):
// both read back as undefined.
//
// Persistence: with storagePath (or path), the collection lives in a
// database directory there (lib/open.js; a store of the earlier format,
// metadata in vectordb.meta, is migrated on its first open for writing,
// lib/migrate.js); the constructor starts opening it and every method
// waits for that, so an
// error opening it (another process writing it: RV_EBUSY; not a database:
// RV_EFORMAT; damaged: RV_ECORRUPT) rejects the first call, or ready().
// Each write resolves once it is durable (durability 'full' by default).
// Without a path, everything stays in memory.
const { randomUUID } = require('crypto');
const { memoryStore, persistentStore } = require('./open');
const { Collection, normalizeMetric, checkIdText, wellFormed } = require('./collection');
const { toFloat32, vectorLength, packVectors, dimError } = require('./vectors');
const { rvError, typeError, rangeError, prefixed, toJson } = require('./errors');

// 0.3.2's HNSW defaults (its wrapper always passes them).
const HNSW_DEFAULTS = Object.freeze({ m: 32, efConstruction: 200, efSearch: 100, maxElements: 10_000_000 });
const PUBLIC_METRIC = { l2: 'euclidean', ip: 'dot', cosine: 'cosine', l1: 'manhattan' };
const K_MAX = 65536;
const noop = () => {};
const same = (v) => v;

// Metadata -> the payload's JSON text, or null for none ({} is none).
function metadataJson(m, what) {
  if (m === undefined || m === null) return null;
  if (typeof m !== 'object' || Array.isArray(m)) {
    throw typeError(`${what} must be an object (or undefined)`);
  }
  const json = toJson(m, what);
  if (typeof json !== 'string' || json[0] !== '{') throw typeError(`${what} cannot be written as a JSON object`);
  return json === '{}' ? null : json;
}

// A payload as returned by the core ({} when none) -> metadata or undefined.
function metadataOf(payload) {
  if (payload === null || payload === undefined) return undefined;
  for (const _ in payload) return payload; // eslint-disable-line no-unreachable-loop
  return undefined;
}

// A filter -> its JSON text for the core, or undefined for none. It goes
// through JSON as in 0.3.2 ({n: undefined} is no condition); an empty
// filter matches everything.
function filterText(filter) {
  if (filter === undefined || filter === null) return undefined;
  if (typeof filter !== 'object' || Array.isArray(filter)) throw typeError('filter must be an object');
  const json = toJson(filter, 'filter');
  return json === '{}' ? undefined : json;
}

// Payload indexes a filter can use: "key\0numeric" for a key compared with
// a number, "key\0keyword" with a string or boolean (equality, $in,
// ranges, $contains), through $and/$or/$not.
const INDEX_OPS = new Set(['$eq', '$in', '$gt', '$gte', '$lt', '$lte', '$contains']);
function indexesFor(filter, out) {
  for (const [key, v] of Object.entries(filter)) {
    if (key === '$and' || key === '$or') {
      if (Array.isArray(v)) for (const f of v) if (f && typeof f === 'object') indexesFor(f, out);
      continue;
    }
    if (key === '$not') {
      if (v && typeof v === 'object') indexesFor(v, out);
      continue;
    }
    if (key.startsWith('$')) continue;
    const values = [];
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [op, x] of Object.entries(v)) {
        if (!INDEX_OPS.has(op)) continue;
        if (Array.isArray(x)) values.push(...x);
        else values.push(x);
      }
    } else {
      values.push(v);
    }
    for (const x of values) {
      if (typeof x === 'number') out.add(`${key}\0numeric`);
      else if (typeof x === 'string' || typeof x === 'boolean') out.add(`${key}\0keyword`);
    }
  }
  return out;
}
const AUTO_INDEX_MAX = 64;

// The core names the payload ("payload field \"a\": ..."); a VectorDB user
// gave metadata.
function asMetadataError(e) {
  if (e && e.code === 'RV_EINVAL' && typeof e.message === 'string') {
    const m = e.message.replace(/\bpayload\b/, 'metadata');
    if (m !== e.message) {
      const stack = e.stack;
      e.message = m;
      if (typeof stack === 'string') e.stack = stack.replace(/\bpayload\b/, 'metadata');
    }
  }
  return e;
}

function entryId(id, what) {
  if (id === undefined || id === null) return randomUUID();
  if (typeof id !== 'string') throw typeError(`${what} must be a string`);
  checkIdText(id, what);
  return id;
}

// An id the core would refuse can exist in no collection.
function possibleId(id) {
  return typeof id === 'string' && id.length > 0 && !id.includes('\0') && wellFormed(id) && Buffer.byteLength(id) <= 255;
}

class VectorDB {
  #s = null;      // { collection, database?, persistent } once open
  #ready;         // Promise of #s
  #dim;
  #metric;
  #storagePath;
  #readOnly;
  #efSearch;
  #scale;
  #closing = null;
  #inflight = new Set(); // a never-rejecting Promise per call not yet settled: close() waits for them
  #autoIndex;
  #indexed = new Set();  // "key\0kind" of the payload indexes asked for (autoIndex)

  /**
   * @param {object} options dimensions|dimension (required), storagePath|path
   *   (a database directory; in memory without), distanceMetric|metric
   *   ('cosine' default), hnswConfig|hnsw {m, efConstruction, efSearch,
   *   maxElements}; not in 0.3.2: durability ('full' | 'normal' | 'off'),
   *   readOnly, syncIntervalMs, checkpointBytes, autoIndex (true: index
   *   each metadata key a filter compares, on first use).
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
    const storagePath = o.storagePath ?? o.path;
    if (storagePath !== undefined && storagePath !== null && (typeof storagePath !== 'string' || storagePath === '')) {
      throw typeError('storagePath must be a non-empty string');
    }
    const collectionOptions = {
      dimensions,
      metric,
      m: hnsw.m,
      efConstruction: hnsw.efConstruction,
      efSearch: hnsw.efSearch,
    };
    this.#dim = dimensions;
    this.#metric = metric;
    this.#storagePath = storagePath ?? undefined;
    this.#readOnly = Boolean(o.readOnly);
    this.#autoIndex = o.autoIndex !== false && !this.#readOnly;
    this.#efSearch = hnsw.efSearch;
    this.#scale = metric === 'l2' ? (d) => Math.fround(Math.sqrt(d)) : metric === 'cosine' ? (d) => (d > 0 ? d : 0) : (d) => d;
    if (this.#storagePath === undefined) {
      this.#s = memoryStore(collectionOptions);
      this.#ready = Promise.resolve(this.#s);
      return;
    }
    // Check the options now, as the in-memory case does, so that a bad m
    // or efSearch throws here rather than at the first call.
    const probe = new Collection(collectionOptions);
    probe.close();
    this.#ready = persistentStore(this.#storagePath, collectionOptions, {
      readOnly: this.#readOnly,
      durability: o.durability,
      syncIntervalMs: o.syncIntervalMs,
      checkpointBytes: o.checkpointBytes,
    }).then((s) => { this.#s = s; return s; });
    this.#ready.catch(() => {}); // reported by the first call (or ready())
  }

  // Run a method's body, counted as in flight until it settles: close()
  // waits for every call made before it (as Collection's close does for
  // writes), so those calls run on an open collection and succeed.
  #call(body) {
    if (this.#closing) return Promise.reject(rvError('RV_ECLOSED', 'the collection is closed'));
    const p = body();
    const settled = p.then(noop, noop);
    this.#inflight.add(settled);
    settled.then(() => this.#inflight.delete(settled));
    return p.then(same); // the caller's own Promise: a rejection they ignore still reports
  }

  async #store() {
    return this.#s ?? this.#ready;
  }

  /** Resolves to this database once it is open (rejects with the open error). */
  ready() { return this.#call(async () => { await this.#store(); return this; }); }

  /** Dimension of the vectors. */
  get dimensions() { return this.#dim; }
  /** 'cosine', 'euclidean', 'dot' or 'manhattan'. */
  get metric() { return PUBLIC_METRIC[this.#metric]; }
  /** The storage path given, if any: a database directory. */
  get storagePath() { return this.#storagePath; }
  /** Whether it was opened read-only. */
  get readOnly() { return this.#readOnly; }
  /** Whether the data lives on disk (a storagePath was given). */
  get persistent() { return this.#storagePath !== undefined; }
  /** The underlying Collection (low-level API); undefined until a persistent one is open. */
  get collection() { return this.#s ? this.#s.collection : undefined; }

  /** Insert (or replace) one entry; resolves to its id (a UUID v4 when none was given). */
  insert(entry) { return this.#call(() => this.#insert(entry)); }

  async #insert(entry) {
    if (entry === null || typeof entry !== 'object') throw typeError('entry must be an object');
    const id = entryId(entry.id, 'id');
    const len = vectorLength(entry.vector, 'vector');
    if (len !== this.#dim) throw dimError('Insert failed: ', this.#dim, len);
    const payload = metadataJson(entry.metadata, 'metadata');
    const { array, owned } = toFloat32(entry.vector);
    const mine = owned ? array : array.slice(); // the caller may change theirs while we wait to open
    const { collection } = await this.#store();
    try {
      await collection.insert(id, mine, { upsert: true, payload });
    } catch (e) {
      throw prefixed(asMetadataError(e), 'Insert failed: ');
    }
    return id;
  }

  /** Insert (or replace) many entries, all or nothing; resolves to their ids. */
  insertBatch(entries) { return this.#call(() => this.#insertBatch(entries)); }

  async #insertBatch(entries) {
    if (!Array.isArray(entries)) throw typeError('entries must be an array');
    const n = entries.length;
    if (n === 0) return [];
    const ids = new Array(n);
    const payloads = new Array(n);
    let any = false;
    const vectors = await packVectors(n, this.#dim, (i) => entries[i].vector,
      (i, len) => dimError('Batch insert failed: ', this.#dim, len),
      (i) => {
        const e = entries[i];
        if (e === null || typeof e !== 'object') throw typeError(`entry ${i} must be an object`);
        ids[i] = entryId(e.id, `id of entry ${i}`);
        payloads[i] = metadataJson(e.metadata, `metadata of entry ${i}`);
        if (payloads[i] !== null) any = true;
      });
    const { collection } = await this.#store();
    try {
      await collection.insertBatch(ids, vectors, { upsert: true, payloads: any ? payloads : undefined });
    } catch (e) {
      throw prefixed(asMetadataError(e), 'Batch insert failed: ');
    }
    return ids;
  }

  /**
   * The k nearest entries: [{id, score, vector, metadata}], score ascending.
   * efSearch applies to this query; filter keeps entries whose metadata
   * matches it (the core's filter syntax: {key: value} is equality, as in
   * 0.3.2, plus $eq..$contains, $and, $or, $not), run by the core in the
   * same call, which returns min(k, matches) hits.
   */
  search(query) { return this.#call(() => this.#search(query)); }

  async #search(query) {
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
    const f = filterText(filter);
    const kk = Math.min(k, K_MAX);
    const s = await this.#store();
    if (kk === 0) {
      s.collection.len(); // still throws when closed
      return [];
    }
    if (f !== undefined && this.#autoIndex) await this.#indexFor(s.collection, filter);
    let hits;
    try {
      hits = await s.collection.search(array, kk, { ef: efSearch ?? this.#efSearch, vectors: true, withPayload: true, filter: f });
    } catch (e) {
      throw prefixed(e, 'Search failed: ');
    }
    const out = new Array(hits.length);
    for (let i = 0; i < hits.length; i++) {
      const h = hits[i];
      out[i] = { id: h.id, score: this.#scale(h.distance), vector: h.vector, metadata: metadataOf(h.payload) };
    }
    return out;
  }

  // Index the metadata keys `filter` compares (once per key and kind, at
  // most AUTO_INDEX_MAX): the core's planner then lists the matches from
  // the index instead of checking every record or walking the graph with a
  // rare filter (an index of an existing key is built from the records
  // there, once; later writes keep it). A key the core cannot index is left
  // to the search, which reports a bad filter itself.
  async #indexFor(collection, filter) {
    const want = [];
    for (const ik of indexesFor(filter, new Set())) {
      if (this.#indexed.has(ik) || this.#indexed.size >= AUTO_INDEX_MAX) continue;
      this.#indexed.add(ik);
      const [key, kind] = ik.split('\0');
      want.push(collection.createIndex(key, kind).catch(() => {}));
    }
    if (want.length) await Promise.all(want);
  }

  /** {id, vector, metadata} or null. */
  get(id) { return this.#call(() => this.#get(id)); }

  async #get(id) {
    if (typeof id !== 'string') throw typeError('id must be a string');
    const s = await this.#store();
    if (!possibleId(id)) {
      s.collection.len(); // still throws when closed
      return null;
    }
    // two reads, each of one consistent state; a write between them can
    // pair a vector with the metadata written after it (as before)
    const [v, payload] = await Promise.all([s.collection.get(id), s.collection.getPayload(id)]);
    return v ? { id, vector: v, metadata: metadataOf(payload) } : null;
  }

  /** Delete by id: true if it existed. */
  delete(id) { return this.#call(() => this.#delete(id)); }

  async #delete(id) {
    if (typeof id !== 'string') throw typeError('id must be a string');
    const s = await this.#store();
    if (!possibleId(id)) {
      s.collection.len();
      return false;
    }
    return s.collection.delete(id); // the payload goes with the record
  }

  /** Number of entries. */
  len() { return this.#call(async () => (await this.#store()).collection.len()); }
  /** Whether there are no entries. */
  isEmpty() { return this.#call(async () => (await this.#store()).collection.len() === 0); }
  /** Figures of the underlying collection (not in 0.3.2); with storage figures when persistent. */
  stats() {
    return this.#call(async () => {
      const { collection, persistent } = await this.#store();
      const st = collection.stats();
      if (persistent) st.storage = collection.storage();
      return st;
    });
  }
  /** Fold the log into a checkpoint now (persistent databases; not in 0.3.2). */
  checkpoint() { return this.#call(async () => (await this.#store()).collection.checkpoint()); }
  /** Reclaim the space of deleted vectors (not in 0.3.2). */
  compact() { return this.#call(async () => (await this.#store()).collection.compact()); }
  /**
   * Close (not in 0.3.2): every call made before it (writes, searches,
   * reads) finishes first, as if close() had been awaited after them; later
   * calls reject with RV_ECLOSED. A persistent database is then closed and
   * its lock released. Without it, garbage collection frees the index.
   * Idempotent.
   */
  close() {
    if (this.#closing) return this.#closing;
    const before = [...this.#inflight];
    this.#closing = (async () => {
      await Promise.all(before);
      let s;
      try {
        s = this.#s ?? await this.#ready;
      } catch {
        return; // never opened: nothing to close
      }
      await s.collection.close();
      if (s.database) await s.database.close();
    })();
    return this.#closing;
  }
}

module.exports = { VectorDB, HNSW_DEFAULTS };
