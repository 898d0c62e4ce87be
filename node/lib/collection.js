'use strict';
// Collection: the low-level class over one C collection. It is what a JS
// layer over another store (agentdb over SQLite) builds on: string or
// integer ids, vectors in Float32Arrays, batch insert, search with a
// per-query ef or an exact scan, get, delete, counts, and the raw
// distances of the core (squared L2, negative inner product, 1 - cosine,
// L1; smaller is closer).
//
// Every method that touches the index returns a Promise and runs on a libuv
// worker thread. len()/isEmpty()/dimensions/metric are synchronous (atomic
// reads); stats() is synchronous but takes the index's read lock, so it can
// wait for a graph repair or renumbering in progress.
//
// Writes (insert, delete, vacuum, optimize) on one collection are applied in
// the order they were called, one at a time, even when the caller does not
// await them: a chain of Promises in this class keeps them in order, and
// keeps at most one libuv thread per collection busy with writes, leaving the
// others to searches (which never wait for writers in the core). A search
// sees every write whose Promise had resolved when the search was called.
//
// Persistence. A Collection opened through a Database (lib/database.js), or
// with Collection.open({path, name, ...}) (defined there), lives in a database directory:
// every write is logged before its Promise resolves (as durable as the
// database's setting), and checkpoint()/compact()/storage() reach the core's
// storage calls. Closing it closes its log (and may checkpoint, off the JS
// thread); Collection.open() also closes the database it opened.
//
// Payloads, filters, text search. Each record may carry a payload: a flat
// JSON object (values null, booleans, numbers, strings, arrays of strings),
// given as an object (JSON.stringify'd here) or as JSON text, and checked by
// the core. Searches take a filter in the Mongo-style syntax of ruvector.h
// ("Filters"), as an object or JSON text, parsed by the core; a bad payload
// or filter rejects with RV_EINVAL and the core's message, which names the
// offending field or operator. createIndex() adds keyword, numeric or text
// (BM25) indexes on payload fields; searchText() and searchHybrid() rank by
// the text index. Payloads and indexes are persistent like the vectors.
const binding = require('./native');
const { toFloat32, packVectors, copyOwned, yieldToLoop, SLICE } = require('./vectors');
const { rvError, typeError, rangeError, closedError, toJson } = require('./errors');
const { encodeEdges, windowOf, graphHits, unitOf, timeOf } = require('./hypergraph');

const METRICS = { l2: 'l2', euclidean: 'l2', ip: 'ip', dot: 'ip', dotproduct: 'ip', innerproduct: 'ip',
  cosine: 'cosine', l1: 'l1', manhattan: 'l1' };

function normalizeMetric(metric) {
  if (metric === undefined || metric === null) return undefined;
  if (typeof metric !== 'string') throw typeError('metric must be a string');
  const m = METRICS[metric.toLowerCase().replace(/[_\s-]/g, '')];
  if (!m) {
    throw rvError('RV_EINVAL', `Unknown distance metric "${metric}": expected cosine, euclidean (l2), ` +
      'dot (dotproduct, innerproduct, ip) or manhattan (l1)');
  }
  return m;
}

// A lone UTF-16 surrogate has no UTF-8 form: converting the id for the core
// would turn it into U+FFFD, so '\uD800' and '\uDC00' would both be the
// id "\uFFFD" and overwrite each other. Such ids are refused (RV_EID),
// named as JSON escapes them; well-formed ids round-trip exactly.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const wellFormed = typeof String.prototype.isWellFormed === 'function'
  ? (s) => s.isWellFormed()
  : (s) => !LONE_SURROGATE.test(s);

// Throws RV_EID for a string id the core cannot hold as given (NUL, a lone surrogate).
function checkIdText(s, what = 'id') {
  if (s.includes('\0')) throw rvError('RV_EID', `${what} contains a NUL character`);
  if (!wellFormed(s)) {
    const at = s.search(LONE_SURROGATE);
    throw rvError('RV_EID', `${what} ${JSON.stringify(s)} holds a lone surrogate at index ${at}: ` +
      'it is not well-formed UTF-16, so it has no UTF-8 form (ids are stored as UTF-8)');
  }
}

function idString(id, what = 'id') {
  let s;
  if (typeof id === 'string') s = id;
  else if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) s = String(id);
  else throw typeError(`${what} must be a string or a non-negative safe integer`);
  checkIdText(s, what);
  return s;
}

// Join ids for the addon (NUL-separated; see src/args.c), in slices.
async function joinIds(ids) {
  if (ids.length <= SLICE) return ids.map((id, i) => idString(id, `id ${i}`)).join('\0');
  const parts = [];
  for (let start = 0; start < ids.length; start += SLICE) {
    if (start > 0) await yieldToLoop();
    const end = Math.min(ids.length, start + SLICE);
    const part = new Array(end - start);
    for (let i = start; i < end; i++) part[i - start] = idString(ids[i], `id ${i}`);
    parts.push(part.join('\0'));
  }
  return parts.join('\0');
}

// Passed in place of options by lib/database.js to wrap a native collection
// that a Database opened (a private symbol: user code cannot forge it).
const ADOPT = Symbol('ruvector.adopt');

function checkK(k) {
  if (typeof k !== 'number') throw typeError('k must be a number');
  if (!Number.isInteger(k) || k < 0 || k > 65536) throw rangeError(`k must be an integer from 0 to 65536; got ${k}`);
}

// A payload for the addon: JSON text, or null for none.
function payloadJson(payload, what = 'payload') {
  if (payload === undefined || payload === null) return null;
  if (typeof payload === 'string') return payload;
  if (typeof payload === 'object') {
    const s = toJson(payload, what);
    if (typeof s !== 'string') throw typeError(`${what} cannot be written as JSON`);
    return s;
  }
  throw typeError(`${what} must be an object, a JSON string or null`);
}

// A method's options object: {} when omitted; anything but an object is a
// TypeError naming the method (destructuring null would throw one without
// a code).
function optionsOf(options, what) {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw typeError(`${what} options must be an object`);
  }
  return options;
}

// A filter for the addon: JSON text, or undefined for none.
function filterJson(filter) {
  if (filter === undefined || filter === null) return undefined;
  if (typeof filter === 'string') return filter;
  if (typeof filter === 'object') return toJson(filter, 'filter');
  throw typeError('filter must be an object or a JSON string');
}

// opts.mmr ({lambda, candidates}, or true for the defaults) -> [lambda, candidates] or null.
function mmrOf(mmr) {
  if (mmr === undefined || mmr === null || mmr === false) return null;
  const m = mmr === true ? {} : mmr;
  if (typeof m !== 'object') throw typeError('mmr must be an object {lambda, candidates}');
  const lambda = m.lambda ?? 0.5;
  const candidates = m.candidates ?? 0;
  if (typeof lambda !== 'number') throw typeError('mmr.lambda must be a number');
  if (typeof candidates !== 'number') throw typeError('mmr.candidates must be a number');
  return [lambda, candidates];
}

const INDEX_KINDS = { keyword: 1, numeric: 2, text: 3 };
const FUSIONS = { rrf: 0, weighted: 1 };

function checkEf(ef) {
  if (ef === undefined || ef === null) return 0;
  if (typeof ef !== 'number') throw typeError('ef must be a number');
  if (!Number.isInteger(ef) || ef < 0 || ef > 65536) throw rangeError(`ef must be an integer from 0 to 65536; got ${ef}`);
  return ef;
}

class Collection {
  #native;
  #dim;
  #metric;
  #numericIds;
  #writes = Promise.resolve();
  #closed = false;
  #closing = null;
  #database = null;   // the Database this came from, if any
  #onClose = null;    // the Database's hook, run after close (it forgets us)

  /**
   * @param {object} options dimensions (or dim), metric ('l2' default,
   *   'cosine', 'ip', 'l1' and aliases), m, efConstruction, efSearch,
   *   pruneAlpha, exactThreshold, threads, repairBatch, seed (see ruvector.h),
   *   numericIds (return ids as numbers).
   */
  constructor(options = {}) {
    if (options === null || typeof options !== 'object') throw typeError('options must be an object');
    if (options[ADOPT]) {
      // A collection a Database opened (lib/database.js).
      this.#native = options[ADOPT];
      const o = this.#native.options();
      this.#dim = o.dim;
      this.#metric = o.metric;
      this.#numericIds = Boolean(options.numericIds);
      this.#database = options.database || null;
      this.#onClose = typeof options.onClose === 'function' ? options.onClose : null;
      return;
    }
    if (options.path !== undefined || options.storagePath !== undefined) {
      throw typeError('a persistent collection is opened with `await Collection.open({ path, name, ... })` ' +
        'or through a Database', 'ERR_INVALID_ARG_VALUE');
    }
    const dim = options.dimensions ?? options.dim ?? options.dimension;
    if (typeof dim !== 'number' || !Number.isInteger(dim) || dim <= 0) {
      throw rangeError('dimensions must be a positive integer', 'RV_EINVAL');
    }
    const metric = normalizeMetric(options.metric ?? options.distanceMetric) ?? 'l2';
    const o = { dim, metric };
    for (const k of ['m', 'efConstruction', 'efSearch', 'pruneAlpha', 'exactThreshold', 'threads', 'repairBatch', 'seed']) {
      if (options[k] !== undefined && options[k] !== null) o[k] = options[k];
    }
    this.#native = new binding.Collection(o);
    this.#dim = dim;
    this.#metric = metric;
    this.#numericIds = Boolean(options.numericIds);
  }

  // Collection.open({path, name, ...}), which opens a Database, is defined
  // in lib/database.js: this file is below database.js and never requires
  // it, nor calls it (a Database hands its collections an onClose hook).

  /** Vector dimension. */
  get dimensions() { return this.#dim; }
  /** Canonical metric name: 'l2', 'ip', 'cosine' or 'l1'. */
  get metric() { return this.#metric; }
  /** Whether close() was called. */
  get closed() { return this.#closed; }
  /** Whether it lives in a database directory (see Database). */
  get persistent() { return this.#native.isPersistent(); }
  /** The Database it was opened through, or null. */
  get database() { return this.#database; }
  /** The options with the core's defaults resolved. */
  get options() { this.#open(); return this.#native.options(); }

  #open() {
    if (this.#closed) throw closedError();
  }

  // Run `fn` after every write called before it; the chain survives failures.
  #write(fn) {
    const p = this.#writes.then(fn);
    this.#writes = p.then(() => {}, () => {});
    return p;
  }

  #id(raw) {
    return this.#numericIds ? Number(raw) : raw;
  }

  /** Number of live vectors (synchronous). */
  len() { this.#open(); return this.#native.len(); }
  count() { return this.len(); }
  isEmpty() { return this.len() === 0; }

  /** Memory and graph figures (synchronous; may wait for a repair in progress). */
  stats() { this.#open(); return this.#native.stats(); }

  /**
   * Insert one vector. Rejects with RV_EEXIST if the id exists, unless
   * {upsert: true}. `payload`: an object or JSON text stored with the record
   * (an upsert replaces the record, payload included: without one, the
   * record has none).
   */
  async insert(id, vector, options) {
    const { upsert = false, payload } = optionsOf(options, 'insert');
    this.#open();
    const s = idString(id);
    const { array, owned } = toFloat32(vector);
    const pl = payloadJson(payload);
    // The write may wait its turn behind earlier writes: take the snapshot
    // now, so that changing the caller's array after the call changes nothing.
    const mine = owned ? array : array.slice();
    const flags = (upsert ? binding.UPSERT : 0) | binding.OWNED;
    return this.#write(() => this.#native.insert(s, 1, mine, flags, pl));
  }

  /** Insert or replace. */
  upsert(id, vector) { return this.insert(id, vector, { upsert: true }); }

  /**
   * Insert many vectors at once, all or nothing. `vectors` is one
   * Float32Array of ids.length*dim floats, or an array of vectors.
   * `payloads`: an array of ids.length objects, JSON texts or nulls; a bad
   * one fails the whole batch, naming its entry.
   */
  async insertBatch(ids, vectors, options) {
    const { upsert = false, payloads } = optionsOf(options, 'insertBatch');
    this.#open();
    if (!Array.isArray(ids)) throw typeError('ids must be an array');
    const n = ids.length;
    let pls = null;
    if (payloads !== undefined && payloads !== null) {
      if (!Array.isArray(payloads)) throw typeError('payloads must be an array');
      if (payloads.length !== n) throw rangeError(`${n} ids but ${payloads.length} payloads`, 'ERR_INVALID_ARG_VALUE');
    }
    if (n === 0) return;
    if (payloads !== undefined && payloads !== null) {
      pls = new Array(n);
      for (let start = 0; start < n; start += SLICE) {
        if (start > 0) await yieldToLoop();
        const end = Math.min(n, start + SLICE);
        for (let i = start; i < end; i++) pls[i] = payloadJson(payloads[i], `payload ${i}`);
      }
    }
    let buf;
    if (vectors instanceof Float32Array) {
      if (vectors.length !== n * this.#dim) {
        throw rvError('RV_EDIM', `vectors hold ${vectors.length} floats; ${n} vectors of dimension ${this.#dim} need ${n * this.#dim}`);
      }
      buf = await copyOwned(vectors);
    } else if (Array.isArray(vectors)) {
      if (vectors.length !== n) throw rangeError(`${n} ids but ${vectors.length} vectors`, 'ERR_INVALID_ARG_VALUE');
      buf = await packVectors(n, this.#dim, (i) => vectors[i], (i, len) =>
        rvError('RV_EDIM', `vector ${i} has ${len} dimensions; the collection has ${this.#dim}`));
    } else {
      throw typeError('vectors must be a Float32Array or an array of vectors');
    }
    const joined = await joinIds(ids);
    this.#open();
    const flags = (upsert ? binding.UPSERT : 0) | binding.OWNED;
    return this.#write(() => this.#native.insert(joined, n, buf, flags, pls));
  }

  /**
   * The k nearest vectors: [{id, distance, score}] nearest first (score is
   * -distance; with {vectors: true}, each also has `vector`, with
   * {withPayload: true} `payload`). ef: candidate list size for this query
   * (0 or absent: the collection's efSearch); exact: scan all; lane: false
   * sends it to the libuv pool instead of the low-latency lane
   * (src/lane.c), which suits callers that do other work between searches.
   * filter: only records whose payload matches (an object in the
   * Mongo-style syntax, or JSON text); the search still returns
   * min(k, matches) hits. mmr: {lambda (default 0.5), candidates (default
   * max(4k, 40))} re-ranks for diversity by maximal marginal relevance
   * (lambda 1: the plain ranking); hits are then in pick order.
   */
  async search(vector, k, options) {
    const { ef, exact = false, vectors = false, lane = true, filter, mmr, withPayload = false, calibrated = false } =
      optionsOf(options, 'search');
    this.#open();
    checkK(k);
    const e = checkEf(ef);
    const { array } = toFloat32(vector, 'query');
    const f = filterJson(filter);
    const m = mmrOf(mmr);
    if (k === 0) return [];
    const flags = (exact ? binding.EXACT : 0) | (vectors ? binding.VECTORS : 0) | (lane ? 0 : binding.NOLANE) |
      (m ? binding.MMR : 0) | (withPayload ? binding.PAYLOAD : 0) | (calibrated ? binding.CALIBRATED : 0);
    const [ids, dist, vecs, , scores, pls] = m
      ? await this.#native.search(array, k, e, flags, f, m[0], m[1])
      : await this.#native.search(array, k, e, flags, f);
    return this.#hits(ids, dist, vecs, scores, pls);
  }

  // Hits from the addon's output: distance NaN (text-only hits) becomes null.
  #hits(joined, dist, vecs, scores, pls) {
    const n = dist.length;
    const out = new Array(n);
    if (n === 0) return out;
    const ids = joined.split('\0');
    const dim = this.#dim;
    for (let i = 0; i < n; i++) {
      const d = dist[i];
      const h = { id: this.#id(ids[i]), distance: d === d ? d : null, score: scores[i] + 0 }; // + 0: no -0
      if (vecs) h.vector = vecs.slice(i * dim, (i + 1) * dim);
      if (pls) h.payload = JSON.parse(pls[i]);
      out[i] = h;
    }
    return out;
  }

  /**
   * Calibrate on query vectors and store the result with the collection
   * (ruvector.h, "Calibrated retrieval"; persistent like a write). Options:
   *   alpha: conformal result sets missing a relevant item for at most this
   *     share of queries (searchConformal() then returns them), or
   *   targetRecall: the ef at which mean recall@k reaches it (search() with
   *     {calibrated: true} then uses it);
   *   k (10): relevant items per query; relevant: one array of k ids per
   *     query (default: each query's exact k nearest);
   *   conformal only: cap (max(10k, 100)), ef, score ('distance' | 'rank' | 'ratio');
   *   target recall only: maxEf (4096).
   * `queries`: a Float32Array of nq*dim floats or an array of vectors.
   * Resolves to calibration() after the change. RV_ERANGE when no ef up to
   * maxEf reaches the target.
   */
  async calibrate(queries, options) {
    const o = optionsOf(options, 'calibrate');
    this.#open();
    const { alpha, targetRecall, k = 10, relevant, cap = 0, ef = 0, maxEf = 0, score = 'distance' } = o;
    if ((alpha === undefined) === (targetRecall === undefined)) {
      throw typeError('calibrate needs one of the options alpha and targetRecall');
    }
    const level = alpha !== undefined ? alpha : targetRecall;
    if (typeof level !== 'number') throw typeError('alpha and targetRecall must be numbers');
    const scores = { distance: 0, rank: 1, ratio: 2 };
    if (!(score in scores)) throw rvError('RV_EINVAL', 'score must be "distance", "rank" or "ratio"');
    let buf;
    if (queries instanceof Float32Array) {
      buf = queries;
    } else if (Array.isArray(queries)) {
      buf = await packVectors(queries.length, this.#dim, (i) => queries[i], (i, len) =>
        rvError('RV_EDIM', `query ${i} has ${len} dimensions; the collection has ${this.#dim}`));
    } else {
      throw typeError('queries must be a Float32Array or an array of vectors');
    }
    let joined, n;
    if (relevant !== undefined && relevant !== null) {
      if (!Array.isArray(relevant)) throw typeError('relevant must be an array of id arrays');
      const flat = [];
      relevant.forEach((ids, i) => {
        if (!Array.isArray(ids) || ids.length !== k) {
          throw rvError('RV_EINVAL', `relevant[${i}] must be an array of k = ${k} ids`);
        }
        for (const id of ids) flat.push(id);
      });
      n = flat.length;
      joined = await joinIds(flat);
    }
    return this.#write(() => this.#native.calibrate(buf, alpha !== undefined ? 0 : 1, k, level, cap,
      alpha !== undefined ? ef : maxEf, scores[score], joined, n));
  }

  /** The stored calibrations: {conformal: {...} | null, targetRecall: {...} | null}. */
  calibration() { this.#open(); return this.#native.calibration(); }

  /**
   * The conformal result set of `vector`: {hits: [{id, distance, score}],
   * threshold, alpha, cap}. Every hit within the calibrated threshold, at
   * most cap of them; rejects with RV_EINVAL before calibrate({alpha}).
   */
  async searchConformal(vector) {
    this.#open();
    const { array } = toFloat32(vector, 'query');
    const [ids, dist, , , scores, , threshold, alpha, cap] = await this.#native.searchConformal(array);
    return { hits: this.#hits(ids, dist, undefined, scores, undefined), threshold, alpha, cap };
  }

  /**
   * The embedding-quality report on a random sample (ruvector.h,
   * "Embedding-quality report"): norms, duplicates, hubness, intrinsic
   * dimension, spectrum, H0 persistence (h0: the sorted death times) and
   * the sampled ids. Options: sample (2000), k (10), near (0.01), seed (1).
   */
  async inspect(options) {
    const { sample, k, near, seed } = optionsOf(options, 'inspect');
    this.#open();
    const r = await this.#native.inspect(sample, k, near, seed);
    r.sampleIds = r.sampleIds.split('\0').map((id) => this.#id(id));
    return r;
  }

  /**
   * The k records whose text (the field with the text index) best matches
   * `query` by BM25, best first: [{id, score, distance: null}] (score: the
   * BM25 score; only records with a positive score). Options: filter,
   * withPayload, vectors. Rejects with RV_EINVAL without a text index.
   */
  async searchText(query, k, options) {
    const { filter, withPayload = false, vectors = false } = optionsOf(options, 'searchText');
    this.#open();
    if (typeof query !== 'string') throw typeError('query must be a string');
    checkK(k);
    const f = filterJson(filter);
    if (k === 0) return [];
    const flags = (vectors ? binding.VECTORS : 0) | (withPayload ? binding.PAYLOAD : 0);
    const [ids, dist, vecs, , scores, pls] = await this.#native.searchText(query, k, flags, f);
    return this.#hits(ids, dist, vecs, scores, pls);
  }

  /**
   * A vector search for `vector` and a BM25 search for `text`, fused:
   * [{id, score, distance}] best first; score is the fused score, distance
   * the vector distance or null for a record only the text side found.
   * fusion: 'rrf' (default; w_v/(rrfK + rank_v) + w_t/(rrfK + rank_t)) or
   * 'weighted' (w_v * nv + w_t * nt over min-max normalised scores);
   * vectorWeight, textWeight (default 1), rrfK (default 60), depth
   * (candidates from each side; default max(2k, 50)), ef and exact for the
   * vector side, filter (both sides), withPayload, vectors.
   */
  async searchHybrid(vector, text, k, options) {
    const { fusion, vectorWeight, textWeight, rrfK, depth, ef, exact = false,
    filter, withPayload = false, vectors = false } = optionsOf(options, 'searchHybrid');
    this.#open();
    if (typeof text !== 'string') throw typeError('text must be a string');
    checkK(k);
    const e = checkEf(ef);
    const { array } = toFloat32(vector, 'query');
    let fu;
    if (fusion !== undefined && fusion !== null) {
      fu = FUSIONS[fusion];
      if (fu === undefined) throw rvError('RV_EINVAL', `fusion must be 'rrf' or 'weighted'; got ${String(fusion)}`);
    }
    const f = filterJson(filter);
    if (k === 0) return [];
    const flags = (exact ? binding.EXACT : 0) | (vectors ? binding.VECTORS : 0) | (withPayload ? binding.PAYLOAD : 0);
    const [ids, dist, vecs, , scores, pls] = await this.#native.searchHybrid(array, text, k, e, flags, f, fu,
      vectorWeight, textWeight, rrfK, depth);
    return this.#hits(ids, dist, vecs, scores, pls);
  }

  /** Replace the payload of an existing id (null removes it); rejects RV_ENOTFOUND for an unknown id. */
  async setPayload(id, payload) {
    this.#open();
    const s = idString(id);
    const pl = payloadJson(payload);
    return this.#write(() => this.#native.setPayload(s, pl));
  }

  /**
   * Change part of the payload of `id`: `patch` is a JSON merge patch (RFC 7386): its members
   * replace those of the same name, null removes one, objects merge into objects. One write.
   */
  async mergePayload(id, patch) {
    this.#open();
    const s = idString(id);
    if (patch === null || patch === undefined) throw typeError('mergePayload(id, patch): patch must be an object');
    const pl = payloadJson(patch);
    return this.#write(() => this.#native.mergePayload(s, pl === null ? '{}' : pl));
  }

  /** The payload of `id` as an object ({} when it has none), or null when the id does not exist. */
  async getPayload(id) {
    this.#open();
    const s = idString(id);
    const text = await this.#native.getPayload(s);
    return text === null ? null : JSON.parse(text);
  }

  /**
   * Index payload field `key`: kind 'keyword' (strings, booleans, string
   * arrays: $eq $in $contains), 'numeric' (numbers, ranges) or 'text' (BM25
   * for searchText/searchHybrid; one per collection). Existing records are
   * indexed too; creating an index that exists does nothing. Persistent.
   */
  async createIndex(key, kind) {
    this.#open();
    if (typeof key !== 'string') throw typeError('key must be a string');
    const k = INDEX_KINDS[kind];
    if (k === undefined) throw rvError('RV_EINVAL', `index kind must be 'keyword', 'numeric' or 'text'; got ${String(kind)}`);
    return this.#write(() => this.#native.createIndex(key, k));
  }

  /** How many live records match `filter` (an object or JSON text). */
  async countMatching(filter) {
    this.#open();
    const f = filterJson(filter);
    if (f === undefined) throw typeError('countMatching needs a filter');
    return this.#native.countMatching(f);
  }

  /**
   * Many queries at once, spread over the collection's threads. `queries` is
   * one Float32Array of nq*dim floats or an array of vectors. Resolves to
   * one result array per query. filter, mmr and withPayload are as for
   * search() and apply to every query.
   */
  async searchBatch(queries, k, options) {
    const { ef, exact = false, vectors = false, filter, mmr, withPayload = false } = optionsOf(options, 'searchBatch');
    this.#open();
    checkK(k);
    const e = checkEf(ef);
    const f = filterJson(filter);
    const m = mmrOf(mmr);
    let buf, nq, owned = 0;
    if (queries instanceof Float32Array) {
      if (queries.length % this.#dim !== 0) {
        throw rvError('RV_EDIM', `queries hold ${queries.length} floats, not a multiple of the dimension ${this.#dim}`);
      }
      nq = queries.length / this.#dim;
      buf = queries;
    } else if (Array.isArray(queries)) {
      nq = queries.length;
      buf = await packVectors(nq, this.#dim, (i) => queries[i], (i, len) =>
        rvError('RV_EDIM', `query ${i} has ${len} dimensions; the collection has ${this.#dim}`));
      owned = 1;
    } else {
      throw typeError('queries must be a Float32Array or an array of vectors');
    }
    if (nq === 0) return [];
    if (k === 0) return Array.from({ length: nq }, () => []);
    this.#open();
    const flags = (exact ? binding.EXACT : 0) | (vectors ? binding.VECTORS : 0) | (m ? binding.MMR : 0) |
      (withPayload ? binding.PAYLOAD : 0);
    const [joined, dist, vecs, counts, scores, pls] = m
      ? await this.#native.searchBatch(buf, nq, k, e, flags, owned, f, m[0], m[1])
      : await this.#native.searchBatch(buf, nq, k, e, flags, owned, f);
    const ids = dist.length ? joined.split('\0') : [];
    const dim = this.#dim;
    const out = new Array(nq);
    let at = 0;
    for (let q = 0; q < nq; q++) {
      const n = counts[q];
      const hits = new Array(n);
      for (let i = 0; i < n; i++, at++) {
        const h = { id: this.#id(ids[at]), distance: dist[at], score: scores[at] + 0 };
        if (vecs) h.vector = vecs.slice(at * dim, (at + 1) * dim);
        if (pls) h.payload = JSON.parse(pls[at]);
        hits[i] = h;
      }
      out[q] = hits;
    }
    return out;
  }

  /** The stored vector of `id` (a copy), or null. */
  async get(id) {
    this.#open();
    const s = idString(id);
    const [vecs, found] = await this.#native.get(s, 1);
    return found[0] ? vecs : null;
  }

  /** Vectors of many ids: an array with a Float32Array or null per id. */
  async getBatch(ids) {
    this.#open();
    if (!Array.isArray(ids)) throw typeError('ids must be an array');
    if (ids.length === 0) return [];
    const [vecs, found] = await this.#native.get(await joinIds(ids), ids.length);
    const dim = this.#dim;
    return Array.from(found, (f, i) => (f ? vecs.slice(i * dim, (i + 1) * dim) : null));
  }

  // ---- hyperedges (ruvector.h, "Hypergraph"; lib/hypergraph.js) ----

  /**
   * Write hyperedges as one atomic batch: [{id, members (or nodes): ids
   * (2..256, existing records), ordered, description, embedding (dim
   * floats), confidence (0..1, default 1), validFrom, validTo (ms or Date;
   * default unbounded), payload (or metadata): object or JSON text}].
   * Rejects RV_ENOTFOUND for a member that is no record, RV_EEXIST for an
   * existing id unless {upsert: true}; nothing is written then.
   */
  async putHyperedges(edges, options) {
    const { upsert = false } = optionsOf(options, 'putHyperedges');
    this.#open();
    const { text, nums, embs } = encodeEdges(edges, this.#dim, idString);
    if (nums.length === 0) return undefined;
    return this.#write(() => this.#native.hyperPut(text, nums, embs, edges.length, upsert ? 1 : 0));
  }

  /** Write one hyperedge (see putHyperedges). */
  async putHyperedge(edge, options) { return this.putHyperedges([edge], options); }

  /** Delete hyperedges by id; all must exist (else RV_ENOTFOUND, nothing deleted). */
  async deleteHyperedges(ids) {
    this.#open();
    if (!Array.isArray(ids)) throw typeError('ids must be an array');
    const s = ids.map((id, i) => idString(id, `hyperedge id ${i}`));
    if (s.length === 0) return undefined;
    return this.#write(() => this.#native.hyperDelete(s.join('\0'), s.length));
  }

  /**
   * A hyperedge: {id, members, ordered, description, confidence, validFrom,
   * validTo (null: unbounded), payload, embedding (Float32Array or null)},
   * or null. Synchronous, like the graph reads below: they walk in-memory
   * lists under a shared lock and never touch the disk.
   */
  getHyperedge(id) {
    this.#open();
    const j = this.#native.hyperGet(idString(id));
    if (j === null) return null;
    const e = JSON.parse(j);
    return { id: e.id, members: e.members.map((m) => this.#id(m)), ordered: e.ordered, description: e.description,
      confidence: e.confidence, validFrom: e.valid_from, validTo: e.valid_to, payload: e.payload,
      embedding: e.embedding ? Float32Array.from(e.embedding) : null };
  }

  /**
   * The k hyperedges nearest `vector` by embedding among those valid in
   * `window` (default 'now': expired ones are left out) and matching
   * `filter` (on their payloads): [{id, distance, confidence}].
   */
  async searchHyperedges(vector, k, options) {
    const { ef, exact = false, filter, window } = optionsOf(options, 'searchHyperedges');
    this.#open();
    checkK(k);
    const e = checkEf(ef);
    const { array } = toFloat32(vector, 'query');
    const w = windowOf(window);
    if (k === 0) return [];
    const [ids, dist, conf] = await this.#native.hyperSearch(array, k, e, exact ? 1 : 0, filterJson(filter) ?? null, w ?? null);
    const n = dist.length;
    if (n === 0) return [];
    const a = ids.split('\0');
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = { id: a[i], distance: dist[i], confidence: conf[i] };
    return out;
  }

  /**
   * Records within k hops of `start` through hyperedges valid in `window`
   * (default: any time), in hop order: [{id, hop, weight, via}]. fanout:
   * per-hop caps (an array of k numbers; 0: none); a capped hop keeps the
   * records reached by the most confident hyperedges. directed: ordered
   * hyperedges are followed forward only (causal chains).
   */
  kHop(start, k, options) {
    const { fanout, window, directed = false } = optionsOf(options, 'kHop');
    this.#open();
    let f = null;
    if (fanout !== undefined && fanout !== null) {
      if ((!Array.isArray(fanout) && !(fanout instanceof Uint32Array)) ||
          !Array.prototype.every.call(fanout, (x) => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 0xffffffff)) {
        throw typeError('fanout must be an array of counts (integers 0..2^32-1)');
      }
      f = Uint32Array.from(fanout);
    }
    return graphHits(this.#native.hyperKhop(idString(start), k, f, windowOf(window) ?? null, directed ? 1 : 0),
      (x) => this.#id(x));
  }

  /**
   * The path from record `from` to `to` through hyperedges valid in
   * `window` whose confidences have the greatest product: [{id, hop, weight
   * (product so far), via (hyperedge taken)}], or [] when there is none.
   */
  weightedPath(from, to, options) {
    const { window, directed = false } = optionsOf(options, 'weightedPath');
    this.#open();
    return graphHits(this.#native.hyperPath(idString(from), idString(to, 'to'), windowOf(window) ?? null,
      directed ? 1 : 0), (x) => this.#id(x));
  }

  /** The ids of the hyperedges record `id` is a member of (valid in `window`; default any), sorted. */
  hyperedgesOf(id, options) {
    const { window } = optionsOf(options, 'hyperedgesOf');
    this.#open();
    const s = this.#native.hyperOf(idString(id), windowOf(window) ?? null);
    return s === '' ? [] : s.split('\0');
  }

  /**
   * Hyperedges by the calendar bucket (UTC day, ISO week from Monday, or
   * month) their validFrom falls in, from the bucket holding `from` to the
   * one holding `to` - 1: [{start (ms), count}].
   */
  hyperedgeBuckets(from, to, unit = 'day') {
    this.#open();
    const [starts, counts] = this.#native.hyperBuckets(timeOf(from, 'from'), timeOf(to, 'to'), unitOf(unit));
    const out = new Array(starts.length);
    for (let i = 0; i < starts.length; i++) out[i] = { start: starts[i], count: counts[i] };
    return out;
  }

  /** {hyperedges, nodes (records in one or more), incidences, embedded} (synchronous). */
  hypergraphStats() { this.#open(); return this.#native.hyperStats(); }

  /** Delete one id: true if it existed. */
  async delete(id) {
    this.#open();
    const s = idString(id);
    return this.#write(() => this.#native.delete(s, 1)).then((n) => n === 1);
  }

  /**
   * Delete many ids at once (one graph repair for all); ids that do not
   * exist are skipped. Resolves to the number deleted.
   */
  async deleteBatch(ids) {
    this.#open();
    if (!Array.isArray(ids)) throw typeError('ids must be an array');
    const unique = [...new Set(ids.map((id, i) => idString(id, `id ${i}`)))];
    if (unique.length === 0) return 0;
    const joined = unique.join('\0');
    return this.#write(() => this.#native.delete(joined, unique.length));
  }

  /** Repair the graph around pending deletions now. */
  async vacuum() { this.#open(); return this.#write(() => this.#native.vacuum()); }
  /** Repair, then renumber for memory locality (after bulk changes). */
  async optimize() { this.#open(); return this.#write(() => this.#native.optimize()); }
  // Diagnostics for bench/bench.js: the CLI's search loop, run synchronously
  // inside this process (blocks the JS thread). Not part of the API.
  _searchLoop(queries, nq, k, ef) { this.#open(); return this.#native._searchLoop(queries, nq, k, ef); }

  /** Check the graph (rv_check): {ok, nodes, edges, ..., firstProblem}. */
  async check() { this.#open(); return this.#native.check(); }

  /** Fold the log into a new checkpoint now (persistent collections; a no-op in memory). */
  async checkpoint() { this.#open(); return this.#write(() => this.#native.checkpoint()); }
  /**
   * Reclaim deleted vectors' space: repair, renumber densely and checkpoint,
   * so the files shrink (in memory: repair and renumber).
   */
  async compact() { this.#open(); return this.#write(() => this.#native.compact()); }
  /**
   * Storage figures (synchronous): {generation, segmentBytes, walBytes,
   * formatVersion, durability ('full' | 'normal' | 'off', 'none' in memory),
   * persistent}.
   */
  storage() { this.#open(); return this.#native.storage(); }

  /**
   * Close: later calls throw RV_ECLOSED. Writes already called still run;
   * the native collection is freed once they and any running search finish
   * (a persistent one closes its log, off the JS thread, and the Promise
   * resolves after that). Idempotent: every call returns the same Promise.
   */
  close() {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    this.#closing = (async () => {
      await this.#writes;
      await this.#native.close();
      if (this.#onClose) await this.#onClose(this);
    })();
    return this.#closing;
  }
}

module.exports = { Collection, normalizeMetric, idString, checkIdText, wellFormed, ADOPT };
