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
// with Collection.open({path, name, ...}), lives in a database directory:
// every write is logged before its Promise resolves (as durable as the
// database's setting), and checkpoint()/compact()/storage() reach the core's
// storage calls. Closing it closes its log (and may checkpoint, off the JS
// thread); Collection.open() also closes the database it opened.
const binding = require('./native');
const { toFloat32, packVectors, copyOwned, yieldToLoop, SLICE } = require('./vectors');
const { rvError, typeError, rangeError, closedError } = require('./errors');

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

function idString(id, what = 'id') {
  let s;
  if (typeof id === 'string') s = id;
  else if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) s = String(id);
  else throw typeError(`${what} must be a string or a non-negative safe integer`);
  if (s.includes('\0')) throw rvError('RV_EID', `${what} contains a NUL character`);
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
  #ownsDatabase = false; // Collection.open(): close the database too

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

  /**
   * Open a persistent collection: the collection `name` ('default') of the
   * database directory `path`, created (with the other options, as for new
   * Collection()) when it does not exist and `create` is not false.
   * Database options: readOnly, durability ('full' | 'normal' | 'off'),
   * syncIntervalMs, checkpointBytes (see Database.open). Closing the
   * collection closes the database.
   */
  static async open(options = {}) {
    if (options === null || typeof options !== 'object') throw typeError('options must be an object');
    const { Database } = require('./database');
    const path = options.path ?? options.storagePath;
    const name = options.name ?? 'default';
    const db = await Database.open(path, {
      create: options.create ?? !options.readOnly,
      readOnly: options.readOnly,
      durability: options.durability,
      syncIntervalMs: options.syncIntervalMs,
      checkpointBytes: options.checkpointBytes,
    });
    let c;
    try {
      c = options.create === false || options.readOnly || (options.dimensions ?? options.dim ?? options.dimension) === undefined
        ? await db.openCollection(name, options)
        : await db.collection(name, options);
    } catch (e) {
      await db.close().catch(() => {});
      throw e;
    }
    c.#ownsDatabase = true;
    return c;
  }

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
   * {upsert: true}.
   */
  async insert(id, vector, { upsert = false } = {}) {
    this.#open();
    const s = idString(id);
    const { array, owned } = toFloat32(vector);
    // The write may wait its turn behind earlier writes: take the snapshot
    // now, so that changing the caller's array after the call changes nothing.
    const mine = owned ? array : array.slice();
    const flags = (upsert ? binding.UPSERT : 0) | binding.OWNED;
    return this.#write(() => this.#native.insert(s, 1, mine, flags));
  }

  /** Insert or replace. */
  upsert(id, vector) { return this.insert(id, vector, { upsert: true }); }

  /**
   * Insert many vectors at once, all or nothing. `vectors` is one
   * Float32Array of ids.length*dim floats, or an array of vectors.
   */
  async insertBatch(ids, vectors, { upsert = false } = {}) {
    this.#open();
    if (!Array.isArray(ids)) throw typeError('ids must be an array');
    const n = ids.length;
    if (n === 0) return;
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
    return this.#write(() => this.#native.insert(joined, n, buf, flags));
  }

  /**
   * The k nearest vectors: [{id, distance}] nearest first (with
   * {vectors: true}, each also has `vector`). ef: candidate list size for
   * this query (0 or absent: the collection's efSearch); exact: scan all;
   * lane: false sends it to the libuv pool instead of the low-latency lane
   * (src/lane.c), which suits callers that do other work between searches.
   */
  async search(vector, k, { ef, exact = false, vectors = false, lane = true } = {}) {
    this.#open();
    checkK(k);
    const e = checkEf(ef);
    const { array } = toFloat32(vector, 'query');
    if (k === 0) return [];
    const flags = (exact ? binding.EXACT : 0) | (vectors ? binding.VECTORS : 0) | (lane ? 0 : binding.NOLANE);
    const [ids, dist, vecs] = await this.#native.search(array, k, e, flags);
    return this.#hits(ids, dist, vecs, 0, dist.length);
  }

  #hits(joined, dist, vecs, from, to) {
    const n = to - from;
    const out = new Array(n);
    if (n === 0) return out;
    const ids = joined.split('\0');
    const dim = this.#dim;
    for (let i = 0; i < n; i++) {
      const h = { id: this.#id(ids[i]), distance: dist[from + i] };
      if (vecs) h.vector = vecs.slice((from + i) * dim, (from + i + 1) * dim);
      out[i] = h;
    }
    return out;
  }

  /**
   * Many queries at once, spread over the collection's threads. `queries` is
   * one Float32Array of nq*dim floats or an array of vectors. Resolves to
   * one result array per query.
   */
  async searchBatch(queries, k, { ef, exact = false, vectors = false } = {}) {
    this.#open();
    checkK(k);
    const e = checkEf(ef);
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
    const flags = (exact ? binding.EXACT : 0) | (vectors ? binding.VECTORS : 0);
    const [joined, dist, vecs, counts] = await this.#native.searchBatch(buf, nq, k, e, flags, owned);
    const ids = dist.length ? joined.split('\0') : [];
    const dim = this.#dim;
    const out = new Array(nq);
    let at = 0;
    for (let q = 0; q < nq; q++) {
      const n = counts[q];
      const hits = new Array(n);
      for (let i = 0; i < n; i++, at++) {
        const h = { id: this.#id(ids[at]), distance: dist[at] };
        if (vecs) h.vector = vecs.slice(at * dim, (at + 1) * dim);
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
      if (this.#database) {
        this.#database._forget(this);
        if (this.#ownsDatabase && !this.#database.closed) await this.#database.close();
      }
    })();
    return this.#closing;
  }
}

module.exports = { Collection, normalizeMetric, idString, ADOPT };
