// collection.js: the browser's Collection, the low-level class of the Node
// package (node/lib/collection.js): string ids, Float32Array vectors, the
// core's raw distances (squared L2, negative inner product, 1 - cosine, L1;
// smaller is closer), payloads (JSON documents) and filters, exact or
// per-query-ef search, batch search, text (BM25) and hybrid search, MMR,
// and here also quantization (`quantization: 'int8' | 'binary' | 'pq:M'`).
//
// A Collection made with `new Collection()` or `Collection.open()` has a
// worker of its own (worker.js); one opened through a Database
// (database.js) shares that database's worker, under a handle. Differences
// from Node, all forced by the page/worker split: len(), count(),
// isEmpty(), stats() and storage() return Promises (Node answers them
// synchronously from the addon); numeric ids are not offered.
//
// Persistence: Collection.open({ storagePath, name, dimensions, ... })
// opens (creating it when missing) collection `name` of the database
// stored in OPFS under storagePath, as the Node package's Collection.open
// opens one of a database directory; closing it closes that database.
import {
  rvError, typeError, rangeError, normalizeMetric, checkIdText, ownedFloat32, vectorLength, copyNumbers,
  Engine, noop,
} from './common.js';

// Passed by database.js to wrap a collection its worker opened.
export const ADOPT = Symbol('ruvector.adopt');
// Passed by Collection.open to the constructor: where the database is stored.
const STORE = Symbol('ruvector.store');
const FUSIONS = { rrf: 0, weighted: 1 };
const CORE_OPTIONS = ['m', 'efConstruction', 'efSearch', 'pruneAlpha', 'exactThreshold', 'repairBatch', 'seed',
  'quantTrain', 'threads'];

/** The options the worker passes to the core, from Collection's option names. */
export function coreOptions(options) {
  if (options === null || typeof options !== 'object') throw typeError('options must be an object');
  const dim = options.dimensions ?? options.dim ?? options.dimension;
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim <= 0) {
    throw rangeError('dimensions must be a positive integer', 'RV_EINVAL');
  }
  const o = { dimensions: dim, metric: normalizeMetric(options.metric ?? options.distanceMetric) ?? 'l2' };
  for (const k of CORE_OPTIONS) {
    const v = options[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number') throw typeError(`${k} must be a number`);
    o[k] = v;
  }
  const q = options.quantization;
  if (q !== undefined && q !== null) {
    if (typeof q !== 'string') throw typeError("quantization must be a string: 'none', 'int8', 'binary' or 'pq:M'");
    o.quantization = q;
  }
  return o;
}

// A method's options object: {} when omitted (as Node's optionsOf).
function optionsOf(options, what) {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw typeError(`${what} options must be an object`);
  }
  return options;
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
    const s = toJson(payload, what);
    if (typeof s !== 'string') throw typeError(`${what} cannot be written as JSON`);
    return s;
  }
  throw typeError(`${what} must be an object, a JSON string or null`);
}

function toJson(value, what) {
  try {
    return JSON.stringify(value);
  } catch (e) {
    if (e instanceof TypeError) throw typeError(`${what} cannot be written as JSON: ${e.message}`, 'ERR_INVALID_ARG_VALUE');
    throw e;
  }
}

function filterJson(filter) {
  if (filter === undefined || filter === null) return undefined;
  if (typeof filter === 'string') return filter;
  if (typeof filter === 'object') return toJson(filter, 'filter');
  throw typeError('filter must be an object or a JSON string');
}

export class Collection {
  #engine;
  #h = 1;            // the handle in the worker
  #ownsEngine = true;
  #ready;
  #dim;
  #metric;
  #closing = null;
  #persistent;
  #database = null;
  #onClose = null;

  /**
   * An in-memory collection. options as Node's: dimensions (or dim), metric
   * ('l2' default, 'cosine', 'ip', 'l1' and aliases), m, efConstruction,
   * efSearch, pruneAlpha, exactThreshold, repairBatch, seed; the browser's
   * quantization ('none', 'int8', 'binary', 'pq:M') and quantTrain; and
   * wasm, storage, workerUrl, distBase (see vectordb.js).
   */
  constructor(options = {}) {
    if (options === null || typeof options !== 'object') throw typeError('options must be an object');
    if (options[ADOPT]) {
      // a collection a Database's worker opened (database.js)
      const a = options[ADOPT];
      this.#engine = a.engine;
      this.#ownsEngine = false;
      this.#h = a.info.h;
      this.#dim = a.info.dimensions;
      this.#metric = a.info.metric;
      this.#persistent = true;
      this.#database = a.database;
      this.#onClose = a.onClose;
      this.#ready = Promise.resolve();
      return;
    }
    if (options[STORE]) {
      this.#start(options, options[STORE]);
      return;
    }
    if (options.path !== undefined || options.storagePath !== undefined) {
      throw typeError('a persistent collection is opened with `await Collection.open({ storagePath, name, ... })`',
        'ERR_INVALID_ARG_VALUE');
    }
    this.#start(options, undefined);
  }

  #start(options, store) {
    // Collection.open without dimensions opens what is stored, as it is
    const stored = store !== undefined && (options.dimensions ?? options.dim ?? options.dimension) === undefined;
    const core = stored ? {} : coreOptions(options);
    this.#dim = core.dimensions;
    this.#metric = core.metric;
    this.#persistent = store !== undefined;
    this.#engine = new Engine(options.workerUrl ?? new URL('./worker.js', import.meta.url));
    this.#ready = this.#engine.call('open', {
      wasm: options.wasm ?? 'auto',
      distBase: options.distBase ? String(options.distBase) : undefined,
      storage: options.storage,
      ...(store ?? {}),
      collection: core,
    }).then((info) => {
      this.#dim = info.dimensions;
      this.#metric = info.metric;
      return info;
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
    const c = new Collection({ ...options, storagePath: undefined, path: undefined, [STORE]: { storagePath,
      collectionName: name, readOnly: Boolean(options.readOnly), durability: options.durability,
      checkpointBytes: options.checkpointBytes } });
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
  /** The Database it was opened through, or null. */
  get database() { return this.#database; }

  async #call(op, args = {}, transfer) {
    if (this.#closing) throw rvError('RV_ECLOSED', 'the collection is closed');
    await this.#ready;
    return this.#engine.call(op, { ...args, h: this.#h }, transfer);
  }

  /** Number of live vectors (a Promise here). */
  len() { return this.#call('len'); }
  count() { return this.len(); }
  async isEmpty() { return (await this.len()) === 0; }
  /** Memory and graph figures (a Promise here): Node's, plus vectorBytes, mappedBytes, codeBytes, quantization, quantTrained, heapBytes. */
  stats() { return this.#call('stats'); }
  /** Storage figures (a Promise here): {generation, segmentBytes, walBytes, formatVersion, durability, persistent}. */
  storage() { return this.#call('storage'); }

  /** Insert one vector; RV_EEXIST if the id exists, unless {upsert: true}. */
  async insert(id, vector, options) {
    const { upsert = false, payload } = optionsOf(options, 'insert');
    const s = idString(id);
    const v = ownedFloat32(vector);
    const pl = payloadJson(payload);
    return this.#call('insert', { id: s, vector: v, payload: pl, upsert }, [v.buffer]);
  }

  upsert(id, vector) { return this.insert(id, vector, { upsert: true }); }

  /** Insert many, all or nothing: vectors one Float32Array of ids.length*dim floats, or an array of vectors. */
  async insertBatch(ids, vectors, options) {
    const { upsert = false, payloads } = optionsOf(options, 'insertBatch');
    if (!Array.isArray(ids)) throw typeError('ids must be an array');
    const n = ids.length;
    let pls = null;
    if (payloads !== undefined && payloads !== null) {
      if (!Array.isArray(payloads)) throw typeError('payloads must be an array');
      if (payloads.length !== n) throw rangeError(`${n} ids but ${payloads.length} payloads`, 'ERR_INVALID_ARG_VALUE');
      pls = payloads.map((p, i) => payloadJson(p, `payload ${i}`));
    }
    if (n === 0) return;
    const buf = this.#pack(vectors, n, 'vector', 'vectors');
    const s = ids.map((id, i) => idString(id, `id ${i}`));
    return this.#call('insertBatch', { ids: s, vectors: buf, payloads: pls, upsert }, [buf.buffer]);
  }

  // n vectors (a flat Float32Array or an array of vectors) in a fresh Float32Array.
  #pack(vectors, n, one, many) {
    const dim = this.#dim;
    if (vectors instanceof Float32Array) {
      if (vectors.length !== n * dim) {
        throw rvError('RV_EDIM', `${many} hold ${vectors.length} floats; ${n} vectors of dimension ${dim} need ${n * dim}`);
      }
      return vectors.slice();
    }
    if (Array.isArray(vectors)) {
      if (vectors.length !== n) throw rangeError(`${n} ids but ${vectors.length} vectors`, 'ERR_INVALID_ARG_VALUE');
      const buf = new Float32Array(n * dim);
      for (let i = 0; i < n; i++) {
        const v = vectors[i];
        const len = vectorLength(v, `${one} ${i}`);
        if (len !== dim) throw rvError('RV_EDIM', `${one} ${i} has ${len} dimensions; the collection has ${dim}`);
        if (Array.isArray(v)) copyNumbers(v, buf, i * dim, `${one} ${i}`);
        else buf.set(v, i * dim);
      }
      return buf;
    }
    throw typeError(`${many} must be a Float32Array or an array of vectors`);
  }

  // The worker's hits as Node's: {id, distance, score[, vector][, payload]}.
  #hits(hits, vectors, withPayload) {
    return hits.map((h) => {
      const out = { id: h.id, distance: h.distance, score: h.score };
      if (vectors) out.vector = h.vector;
      if (withPayload) out.payload = h.payload ?? {};
      return out;
    });
  }

  /**
   * The k nearest: [{id, distance, score}] nearest first (score = -distance;
   * with {vectors: true} also `vector`, with {withPayload: true} `payload`).
   * ef: this query's candidate list (0: the collection's); exact: scan all;
   * filter: only records whose payload matches; mmr: {lambda, candidates}
   * (or true) re-ranks for diversity, hits then in pick order.
   */
  async search(vector, k, options) {
    const { ef, exact = false, vectors = false, filter, mmr, withPayload = false } = optionsOf(options, 'search');
    checkK(k);
    const e = checkEf(ef);
    const q = ownedFloat32(vector, 'query');
    const f = filterJson(filter);
    const m = mmrOf(mmr);
    if (k === 0) {
      await this.len(); // still rejects when closed
      return [];
    }
    const hits = await this.#call('search', { vector: q, k, ef: e, exact, filter: f, mmr: m, withVectors: vectors,
      withPayloads: withPayload }, [q.buffer]);
    return this.#hits(hits, vectors, withPayload);
  }

  /** Many queries at once (one message): one result array per query; options as search(). */
  async searchBatch(queries, k, options) {
    const { ef, exact = false, vectors = false, filter, mmr, withPayload = false } = optionsOf(options, 'searchBatch');
    checkK(k);
    const e = checkEf(ef);
    const f = filterJson(filter);
    const m = mmrOf(mmr);
    const dim = this.#dim;
    let buf;
    if (queries instanceof Float32Array) {
      if (queries.length % dim !== 0) {
        throw rvError('RV_EDIM', `queries hold ${queries.length} floats, not a multiple of the dimension ${dim}`);
      }
      buf = queries.slice();
    } else if (Array.isArray(queries)) {
      buf = new Float32Array(queries.length * dim);
      for (let i = 0; i < queries.length; i++) {
        const v = queries[i];
        const len = vectorLength(v, `query ${i}`);
        if (len !== dim) throw rvError('RV_EDIM', `query ${i} has ${len} dimensions; the collection has ${dim}`);
        if (Array.isArray(v)) copyNumbers(v, buf, i * dim, `query ${i}`);
        else buf.set(v, i * dim);
      }
    } else {
      throw typeError('queries must be a Float32Array or an array of vectors');
    }
    const nq = buf.length / dim;
    if (nq === 0) return [];
    if (k === 0) {
      await this.len();
      return Array.from({ length: nq }, () => []);
    }
    const per = await this.#call('searchBatch', { queries: buf, k, ef: e, exact, filter: f, mmr: m, withVectors: vectors,
      withPayloads: withPayload }, [buf.buffer]);
    return per.map((hits) => this.#hits(hits, vectors, withPayload));
  }

  /**
   * BM25 over the text-indexed field, best first: [{id, score, distance:
   * null}], only hits with a positive score. Options: filter, withPayload,
   * vectors. Rejects with RV_EINVAL without a text index.
   */
  async searchText(query, k, options) {
    const { filter, withPayload = false, vectors = false } = optionsOf(options, 'searchText');
    if (typeof query !== 'string') throw typeError('query must be a string');
    checkK(k);
    const f = filterJson(filter);
    if (k === 0) {
      await this.len();
      return [];
    }
    const hits = await this.#call('searchText', { query, k, filter: f, withVectors: vectors, withPayloads: withPayload });
    return this.#hits(hits, vectors, withPayload);
  }

  /**
   * A vector search and a BM25 search, fused: [{id, score, distance}] (distance
   * null for a record only the text side found). fusion 'rrf' (default) or
   * 'weighted'; vectorWeight, textWeight, rrfK, depth, ef, exact, filter,
   * withPayload, vectors, as Node's.
   */
  async searchHybrid(vector, text, k, options) {
    const { fusion, vectorWeight, textWeight, rrfK, depth, ef, exact = false,
      filter, withPayload = false, vectors = false } = optionsOf(options, 'searchHybrid');
    if (typeof text !== 'string') throw typeError('text must be a string');
    checkK(k);
    const e = checkEf(ef);
    const q = ownedFloat32(vector, 'query');
    let fu;
    if (fusion !== undefined && fusion !== null) {
      fu = FUSIONS[fusion];
      if (fu === undefined) throw rvError('RV_EINVAL', `fusion must be 'rrf' or 'weighted'; got ${String(fusion)}`);
    }
    for (const [name, v] of [['vectorWeight', vectorWeight], ['textWeight', textWeight], ['rrfK', rrfK], ['depth', depth]]) {
      if (v !== undefined && v !== null && typeof v !== 'number') throw typeError(`${name} must be a number`);
    }
    const f = filterJson(filter);
    if (k === 0) {
      await this.len();
      return [];
    }
    const hits = await this.#call('searchHybrid', { vector: q, text, k, ef: e, exact, filter: f, fusion: fu,
      vectorWeight, textWeight, rrfK, depth, withVectors: vectors, withPayloads: withPayload }, [q.buffer]);
    return this.#hits(hits, vectors, withPayload);
  }

  /** The stored vector, or null. */
  async get(id) {
    const r = await this.#call('get', { id: idString(id) });
    return r ? r.vector : null;
  }

  /** Vectors of many ids: a Float32Array or null per id. */
  async getBatch(ids) {
    if (!Array.isArray(ids)) throw typeError('ids must be an array');
    const s = ids.map((id, i) => idString(id, `id ${i}`));
    if (s.length === 0) {
      await this.len();
      return [];
    }
    return this.#call('getBatch', { ids: s });
  }

  /** The payload ({} when none), or null when the id does not exist. */
  async getPayload(id) {
    const r = await this.#call('getPayload', { id: idString(id) });
    return r === null ? null : r ?? {};
  }

  /** Replace the payload of an existing id (null removes it); RV_ENOTFOUND for an unknown id. */
  async setPayload(id, payload) {
    const s = idString(id);
    const pl = payloadJson(payload);
    return this.#call('setPayload', { id: s, payload: pl });
  }

  /** A JSON merge patch (RFC 7386) on the payload of id: one write. */
  async mergePayload(id, patch) {
    const s = idString(id);
    if (patch === null || patch === undefined) throw typeError('mergePayload(id, patch): patch must be an object');
    const pl = payloadJson(patch);
    return this.#call('mergePayload', { id: s, patch: pl === null ? '{}' : pl });
  }

  /** How many live records match `filter` (an object or JSON text). */
  async countMatching(filter) {
    const f = filterJson(filter);
    if (f === undefined) throw typeError('countMatching needs a filter');
    return this.#call('countMatching', { filter: f });
  }

  /** Delete by id: true if it existed. */
  delete(id) { return this.#call('delete', { id: idString(id) }); }

  /** Delete many ids (one graph repair); missing ones are skipped. Resolves to the number deleted. */
  async deleteBatch(ids) {
    if (!Array.isArray(ids)) throw typeError('ids must be an array');
    const unique = [...new Set(ids.map((id, i) => idString(id, `id ${i}`)))];
    if (unique.length === 0) {
      await this.len();
      return 0;
    }
    return this.#call('deleteBatch', { ids: unique });
  }

  /** Index a payload field: 'keyword', 'numeric' or 'text'. */
  async createIndex(key, kind) {
    if (typeof key !== 'string') throw typeError('key must be a string');
    if (!INDEX_KINDS.has(kind)) throw rvError('RV_EINVAL', `index kind must be 'keyword', 'numeric' or 'text'; got ${String(kind)}`);
    return this.#call('createIndex', { key, kind });
  }

  /** The core's graph check: Node's report {ok, nodes, edges, ..., firstProblem} (and `problem`, the same text). */
  check() { return this.#call('check'); }
  checkpoint() { return this.#call('checkpoint'); }
  compact() { return this.#call('compact'); }
  /** Repair the graph around pending deletions now. */
  vacuum() { return this.#call('vacuum'); }
  /** Repair, then renumber for memory locality. */
  optimize() { return this.#call('optimize'); }
  /** Train the quantizer on the vectors held now (normally automatic at quantTrain vectors). */
  quantize() { return this.#call('quantize'); }

  /** Close; later calls reject with RV_ECLOSED. Idempotent. */
  close() {
    if (this.#closing) return this.#closing;
    this.#closing = (async () => {
      if (!this.#ownsEngine) {
        try {
          await this.#engine.call('closeCollection', { h: this.#h });
        } catch (e) {
          if (e.code !== 'RV_ECLOSED') throw e; // its database closed first: closed either way
        } finally {
          if (this.#onClose) await this.#onClose(this);
        }
        return;
      }
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
