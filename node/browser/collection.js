// collection.js: the browser's Collection, the low-level class of the Node
// package (node/lib/collection.js): string ids, Float32Array vectors, the
// core's raw distances (squared L2, negative inner product, 1 - cosine, L1;
// smaller is closer), payloads and filters, exact or per-query-ef search.
//
// Each Collection has its own worker (worker.js). Differences from Node,
// all forced by the page/worker split: len(), count(), isEmpty() and
// stats() return Promises (Node answers them synchronously from the
// addon); numeric ids are not offered. Not here yet: searchBatch,
// searchText, searchHybrid, mmr, setPayload, getBatch, deleteBatch, vacuum,
// optimize, countMatching (web/README.md, "Not yet").
//
// Persistence: Collection.open({ storagePath, name, dimensions, ... })
// opens (creating it when missing) collection `name` of the database
// stored in OPFS under storagePath, as the Node package's Collection.open
// opens one of a database directory.
import {
  rvError, typeError, rangeError, normalizeMetric, checkIdText, ownedFloat32, vectorLength, copyNumbers,
  Engine, noop,
} from './common.js';

const INDEX_KINDS = new Set(['keyword', 'numeric', 'text']);

function idString(id, what = 'id') {
  let s;
  if (typeof id === 'string') s = id;
  else if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) s = String(id);
  else throw typeError(`${what} must be a string or a non-negative safe integer`);
  checkIdText(s, what);
  return s;
}

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

function payloadJson(payload, what = 'payload') {
  if (payload === undefined || payload === null) return null;
  if (typeof payload === 'string') return payload;
  if (typeof payload === 'object') {
    const s = JSON.stringify(payload);
    if (typeof s !== 'string') throw typeError(`${what} cannot be written as JSON`);
    return s;
  }
  throw typeError(`${what} must be an object, a JSON string or null`);
}

function filterJson(filter) {
  if (filter === undefined || filter === null) return undefined;
  if (typeof filter === 'string') return filter;
  if (typeof filter === 'object') return JSON.stringify(filter);
  throw typeError('filter must be an object or a JSON string');
}

export class Collection {
  #engine;
  #ready;
  #dim;
  #metric;
  #closing = null;
  #persistent;

  /**
   * An in-memory collection. options as Node's: dimensions (or dim), metric
   * ('l2' default, 'cosine', 'ip', 'l1' and aliases), m, efConstruction,
   * efSearch; and the browser's wasm, workerUrl, distBase (see vectordb.js).
   */
  constructor(options = {}) {
    if (options === null || typeof options !== 'object') throw typeError('options must be an object');
    if (options.path !== undefined || options.storagePath !== undefined) {
      throw typeError('a persistent collection is opened with `await Collection.open({ storagePath, name, ... })`',
        'ERR_INVALID_ARG_VALUE');
    }
    this.#start(options, undefined);
  }

  #start(options, store) {
    const dim = options.dimensions ?? options.dim ?? options.dimension;
    if (typeof dim !== 'number' || !Number.isInteger(dim) || dim <= 0) {
      throw rangeError('dimensions must be a positive integer', 'RV_EINVAL');
    }
    this.#dim = dim;
    this.#metric = normalizeMetric(options.metric ?? options.distanceMetric) ?? 'l2';
    this.#persistent = store !== undefined;
    this.#engine = new Engine(options.workerUrl ?? new URL('./worker.js', import.meta.url));
    this.#ready = this.#engine.call('open', {
      wasm: options.wasm ?? 'auto',
      distBase: options.distBase ? String(options.distBase) : undefined,
      storage: options.storage,
      ...(store ?? {}),
      collection: { dimensions: dim, metric: this.#metric, m: options.m, efConstruction: options.efConstruction,
        efSearch: options.efSearch },
    });
    this.#ready.catch(noop);
  }

  /**
   * Open collection `name` of the database stored under `storagePath`
   * (created when missing, unless readOnly); closing it closes that
   * database. Options as the constructor's, plus durability, readOnly,
   * checkpointBytes.
   */
  static async open(options = {}) {
    if (options === null || typeof options !== 'object') throw typeError('options must be an object');
    const { storagePath, name = 'vectordb' } = options;
    if (typeof storagePath !== 'string' || storagePath === '') throw typeError('storagePath must be a non-empty string');
    if (typeof name !== 'string' || name === '') throw typeError('name must be a non-empty string');
    const c = Object.create(Collection.prototype);
    c.#start(options, { storagePath, collectionName: name, readOnly: Boolean(options.readOnly),
      durability: options.durability, checkpointBytes: options.checkpointBytes });
    try {
      await c.#ready;
    } catch (e) {
      c.#engine.terminate();
      throw e;
    }
    return c;
  }

  get dimensions() { return this.#dim; }
  get metric() { return this.#metric; }
  get closed() { return this.#closing !== null; }
  get persistent() { return this.#persistent; }

  async #call(op, args, transfer) {
    if (this.#closing) throw rvError('RV_ECLOSED', 'the collection is closed');
    await this.#ready;
    return this.#engine.call(op, args, transfer);
  }

  /** Number of live vectors (a Promise here). */
  len() { return this.#call('len'); }
  count() { return this.len(); }
  async isEmpty() { return (await this.len()) === 0; }
  /** Memory and graph figures (a Promise here). */
  stats() { return this.#call('stats'); }

  /** Insert one vector; RV_EEXIST if the id exists, unless {upsert: true}. */
  async insert(id, vector, { upsert = false, payload } = {}) {
    const s = idString(id);
    const v = ownedFloat32(vector);
    const pl = payloadJson(payload);
    return this.#call('insert', { id: s, vector: v, payload: pl, upsert }, [v.buffer]);
  }

  upsert(id, vector) { return this.insert(id, vector, { upsert: true }); }

  /** Insert many, all or nothing: vectors one Float32Array of ids.length*dim floats, or an array of vectors. */
  async insertBatch(ids, vectors, { upsert = false, payloads } = {}) {
    if (!Array.isArray(ids)) throw typeError('ids must be an array');
    const n = ids.length;
    let pls = null;
    if (payloads !== undefined && payloads !== null) {
      if (!Array.isArray(payloads)) throw typeError('payloads must be an array');
      if (payloads.length !== n) throw rangeError(`${n} ids but ${payloads.length} payloads`, 'ERR_INVALID_ARG_VALUE');
      pls = payloads.map((p, i) => payloadJson(p, `payload ${i}`));
    }
    if (n === 0) return;
    const dim = this.#dim;
    let buf;
    if (vectors instanceof Float32Array) {
      if (vectors.length !== n * dim) {
        throw rvError('RV_EDIM', `vectors hold ${vectors.length} floats; ${n} vectors of dimension ${dim} need ${n * dim}`);
      }
      buf = vectors.slice();
    } else if (Array.isArray(vectors)) {
      if (vectors.length !== n) throw rangeError(`${n} ids but ${vectors.length} vectors`, 'ERR_INVALID_ARG_VALUE');
      buf = new Float32Array(n * dim);
      for (let i = 0; i < n; i++) {
        const v = vectors[i];
        const len = vectorLength(v, `vector ${i}`);
        if (len !== dim) throw rvError('RV_EDIM', `vector ${i} has ${len} dimensions; the collection has ${dim}`);
        if (Array.isArray(v)) copyNumbers(v, buf, i * dim, `vector ${i}`);
        else buf.set(v, i * dim);
      }
    } else {
      throw typeError('vectors must be a Float32Array or an array of vectors');
    }
    const s = ids.map((id, i) => idString(id, `id ${i}`));
    return this.#call('insertBatch', { ids: s, vectors: buf, payloads: pls, upsert }, [buf.buffer]);
  }

  /**
   * The k nearest: [{id, distance, score}] nearest first (score = -distance;
   * with {vectors: true} also `vector`, with {withPayload: true} `payload`).
   * ef: this query's candidate list (0: the collection's); exact: scan all;
   * filter: only records whose payload matches.
   */
  async search(vector, k, { ef, exact = false, vectors = false, filter, withPayload = false } = {}) {
    checkK(k);
    const e = checkEf(ef);
    const q = ownedFloat32(vector, 'query');
    const f = filterJson(filter);
    if (k === 0) {
      await this.len(); // still rejects when closed
      return [];
    }
    const hits = await this.#call('search', { vector: q, k, ef: e, exact, filter: f, withVectors: vectors,
      withPayloads: withPayload }, [q.buffer]);
    return hits.map((h) => {
      const out = { id: h.id, distance: h.distance, score: -h.distance + 0 };
      if (vectors) out.vector = h.vector;
      if (withPayload) out.payload = h.payload ?? {};
      return out;
    });
  }

  /** The stored vector, or null. */
  async get(id) {
    const r = await this.#call('get', { id: idString(id) });
    return r ? r.vector : null;
  }

  /** The payload ({} when none), or null when the id does not exist. */
  async getPayload(id) {
    const r = await this.#call('get', { id: idString(id) });
    return r ? r.payload ?? {} : null;
  }

  /** Delete by id: true if it existed. */
  delete(id) { return this.#call('delete', { id: idString(id) }); }

  /** Index a payload field: 'keyword', 'numeric' or 'text'. */
  async createIndex(key, kind) {
    if (typeof key !== 'string') throw typeError('key must be a string');
    if (!INDEX_KINDS.has(kind)) throw rvError('RV_EINVAL', `index kind must be 'keyword', 'numeric' or 'text'; got ${String(kind)}`);
    return this.#call('createIndex', { key, kind });
  }

  /** The core's graph check: {ok, problem}. */
  check() { return this.#call('check'); }
  checkpoint() { return this.#call('checkpoint'); }
  compact() { return this.#call('compact'); }

  /** Close; later calls reject with RV_ECLOSED. Idempotent. */
  close() {
    if (this.#closing) return this.#closing;
    this.#closing = (async () => {
      try {
        await this.#ready;
      } catch {
        this.#engine.terminate();
        return;
      }
      try {
        await this.#engine.call('close');
      } finally {
        this.#engine.terminate();
      }
    })();
    return this.#closing;
  }
}
