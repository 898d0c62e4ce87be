// vectordb.js: ruvector in the browser, the page's side: VectorDB, with the
// constructor options, methods, result shapes, scores and errors of the
// Node package's VectorDB (node/lib/vectordb.js), every method async.
//
// The engine runs in a dedicated Web Worker (worker.js); this thread only
// checks arguments (with Node's messages and codes, so a bad call fails the
// same way before anything is sent), posts one message per call and turns
// the answer into the Promise's value or rejection. Batches cross to the
// worker as Transferables: insertBatch packs the vectors into one fresh
// Float32Array and hands its buffer over without a copy.
//
// Persistence: with storagePath, the database lives in the origin's
// private file system (OPFS) under that name, in the native file format
// (worker.js, pool.js); where the browser has no OPFS sync access handles,
// in IndexedDB (idb.js; storage: 'indexeddb' forces it), and without
// either in the worker's memory (storage: 'memory'). Without storagePath,
// in memory.
//
// Browser-only options: wasm ('auto' | 'simd' | 'plain': which build;
// auto picks SIMD where WebAssembly.validate accepts it), storage ('auto' |
// 'opfs' | 'indexeddb' | 'memory'), importFiles (a database directory's files, as
// exportFiles() returns them or read from a native one, to store under
// storagePath before opening; the name must be unused), workerUrl and
// distBase (where worker.js and the builds are served, when a bundler
// moved them). No Node built-ins are used here.
import {
  rvError, typeError, rangeError, prefixed, dimError, normalizeMetric, entryId, possibleId, copyNumbers,
  vectorLength, ownedFloat32, Engine, noop, same,
} from './common.js';

const HNSW_DEFAULTS = Object.freeze({ m: 32, efConstruction: 200, efSearch: 100, maxElements: 10_000_000 });
const PUBLIC_METRIC = { l2: 'euclidean', ip: 'dot', cosine: 'cosine', l1: 'manhattan' };
const K_MAX = 65536;
const M_MIN = 2;
const M_MAX = 128;
const EF_MAX = 65536;

function metadataJson(m, what) {
  if (m === undefined || m === null) return null;
  if (typeof m !== 'object' || Array.isArray(m)) throw typeError(`${what} must be an object (or undefined)`);
  const json = JSON.stringify(m);
  if (typeof json !== 'string' || json[0] !== '{') throw typeError(`${what} cannot be written as a JSON object`);
  return json === '{}' ? null : json;
}
function metadataOf(payload) {
  if (payload === null || payload === undefined) return undefined;
  for (const _ in payload) return payload; // eslint-disable-line no-unreachable-loop
  return undefined;
}
function filterText(filter) {
  if (filter === undefined || filter === null) return undefined;
  if (typeof filter !== 'object' || Array.isArray(filter)) throw typeError('filter must be an object');
  const json = JSON.stringify(filter);
  return json === '{}' ? undefined : json;
}
function asMetadataError(e) {
  if (e && e.code === 'RV_EINVAL' && typeof e.message === 'string') e.message = e.message.replace(/\bpayload\b/, 'metadata');
  return e;
}

// Payload indexes a filter can use (as node/lib/vectordb.js): "key\0kind".
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

function checkHnsw(h) {
  if (!Number.isInteger(h.m) || h.m < M_MIN || h.m > M_MAX) throw rangeError(`m must be an integer from ${M_MIN} to ${M_MAX}; got ${h.m}`, 'RV_EINVAL');
  for (const k of ['efConstruction', 'efSearch']) {
    if (!Number.isInteger(h[k]) || h[k] < 1 || h[k] > EF_MAX) throw rangeError(`${k} must be an integer from 1 to ${EF_MAX}; got ${h[k]}`, 'RV_EINVAL');
  }
}

export class VectorDB {
  #engine;
  #ready;
  #info = null;
  #dim;
  #metric;
  #storagePath;
  #readOnly;
  #efSearch;
  #scale;
  #closing = null;
  #inflight = new Set();
  #autoIndex;
  #indexed = new Set();

  /**
   * @param {object} options as Node's VectorDB: dimensions|dimension
   *   (required), storagePath|path (a name in the origin's storage; in
   *   memory without), distanceMetric|metric ('cosine' default),
   *   hnswConfig|hnsw {m, efConstruction, efSearch}, durability, readOnly,
   *   checkpointBytes, autoIndex; and the browser's wasm, storage,
   *   importFiles, workerUrl, distBase (see the top of this file).
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
    checkHnsw(hnsw);
    const storagePath = o.storagePath ?? o.path;
    if (storagePath !== undefined && storagePath !== null && (typeof storagePath !== 'string' || storagePath === '')) {
      throw typeError('storagePath must be a non-empty string');
    }
    if (o.durability !== undefined && !['full', 'normal', 'off'].includes(o.durability)) {
      throw rangeError(`durability must be 'full', 'normal' or 'off'; got ${String(o.durability)}`, 'RV_EINVAL');
    }
    this.#dim = dimensions;
    this.#metric = metric;
    this.#storagePath = storagePath ?? undefined;
    this.#readOnly = Boolean(o.readOnly);
    this.#autoIndex = o.autoIndex !== false && !this.#readOnly;
    this.#efSearch = hnsw.efSearch;
    this.#scale = metric === 'l2' ? (d) => Math.fround(Math.sqrt(d)) : metric === 'cosine' ? (d) => (d > 0 ? d : 0) : (d) => d;
    this.#engine = new Engine(o.workerUrl ?? new URL('./worker.js', import.meta.url));
    const files = o.importFiles;
    const transfer = [];
    if (files) for (const f of files) if (f.data instanceof Uint8Array) transfer.push(f.data.buffer);
    this.#ready = this.#engine.call('open', {
      wasm: o.wasm ?? 'auto',
      storage: o.storage,
      distBase: o.distBase ? String(o.distBase) : undefined,
      storagePath: this.#storagePath,
      readOnly: this.#readOnly,
      durability: o.durability,
      checkpointBytes: o.checkpointBytes,
      importFiles: files,
      collection: { dimensions, metric, m: hnsw.m, efConstruction: hnsw.efConstruction, efSearch: hnsw.efSearch },
    }, transfer).then((info) => { this.#info = info; return info; });
    this.#ready.catch(noop); // reported by the first call (or ready())
  }

  #call(body) {
    if (this.#closing) return Promise.reject(rvError('RV_ECLOSED', 'the collection is closed'));
    const p = body();
    const settled = p.then(noop, noop);
    this.#inflight.add(settled);
    settled.then(() => this.#inflight.delete(settled));
    return p.then(same);
  }

  async #open() { return this.#info ?? this.#ready; }

  /** Resolves to this database once it is open (rejects with the open error). */
  ready() { return this.#call(async () => { await this.#open(); return this; }); }

  get dimensions() { return this.#dim; }
  get metric() { return PUBLIC_METRIC[this.#metric]; }
  get storagePath() { return this.#storagePath; }
  get readOnly() { return this.#readOnly; }
  get persistent() { return this.#storagePath !== undefined; }
  /** After ready(): {variant: 'simd'|'plain', isa, storage: 'opfs'|'memory'|'none', persisted, count}. */
  get engineInfo() { return this.#info; }

  insert(entry) { return this.#call(() => this.#insert(entry)); }

  async #insert(entry) {
    if (entry === null || typeof entry !== 'object') throw typeError('entry must be an object');
    const id = entryId(entry.id, 'id');
    const len = vectorLength(entry.vector, 'vector');
    if (len !== this.#dim) throw dimError('Insert failed: ', this.#dim, len);
    const payload = metadataJson(entry.metadata, 'metadata');
    const vector = ownedFloat32(entry.vector);
    await this.#open();
    try {
      await this.#engine.call('insert', { id, vector, payload, upsert: true }, [vector.buffer]);
    } catch (e) {
      throw prefixed(asMetadataError(e), 'Insert failed: ');
    }
    return id;
  }

  insertBatch(entries) { return this.#call(() => this.#insertBatch(entries)); }

  async #insertBatch(entries) {
    if (!Array.isArray(entries)) throw typeError('entries must be an array');
    const n = entries.length;
    if (n === 0) return [];
    const ids = new Array(n);
    const payloads = new Array(n);
    let any = false;
    const vectors = new Float32Array(n * this.#dim);
    for (let i = 0; i < n; i++) {
      const e = entries[i];
      if (e === null || typeof e !== 'object') throw typeError(`entry ${i} must be an object`);
      ids[i] = entryId(e.id, `id of entry ${i}`);
      payloads[i] = metadataJson(e.metadata, `metadata of entry ${i}`);
      if (payloads[i] !== null) any = true;
      const len = vectorLength(e.vector, `vector ${i}`);
      if (len !== this.#dim) throw dimError('Batch insert failed: ', this.#dim, len);
      if (Array.isArray(e.vector)) copyNumbers(e.vector, vectors, i * this.#dim, `vector ${i}`);
      else vectors.set(e.vector, i * this.#dim);
    }
    await this.#open();
    try {
      await this.#engine.call('insertBatch', { ids, vectors, payloads: any ? payloads : null, upsert: true }, [vectors.buffer]);
    } catch (e) {
      throw prefixed(asMetadataError(e), 'Batch insert failed: ');
    }
    return ids;
  }

  /** The k nearest entries: [{id, score, vector, metadata}], score ascending (as Node). */
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
    const vector = ownedFloat32(query.vector);
    const f = filterText(filter);
    const kk = Math.min(k, K_MAX);
    await this.#open();
    if (kk === 0) {
      await this.#engine.call('len'); // still rejects when closed
      return [];
    }
    if (f !== undefined && this.#autoIndex) await this.#indexFor(filter);
    let hits;
    try {
      hits = await this.#engine.call('search', { vector, k: kk, ef: efSearch ?? this.#efSearch, exact: Boolean(query.exact),
        filter: f, withVectors: query.withVectors !== false, withPayloads: true }, [vector.buffer]);
    } catch (e) {
      throw prefixed(e, 'Search failed: ');
    }
    return hits.map((h) => ({ id: h.id, score: this.#scale(h.distance), vector: h.vector, metadata: metadataOf(h.payload) }));
  }

  async #indexFor(filter) {
    const want = [];
    for (const ik of indexesFor(filter, new Set())) {
      if (this.#indexed.has(ik) || this.#indexed.size >= AUTO_INDEX_MAX) continue;
      this.#indexed.add(ik);
      const [key, kind] = ik.split('\0');
      want.push(this.#engine.call('createIndex', { key, kind }).catch(noop));
    }
    if (want.length) await Promise.all(want);
  }

  /** {id, vector, metadata} or null. */
  get(id) {
    return this.#call(async () => {
      if (typeof id !== 'string') throw typeError('id must be a string');
      await this.#open();
      if (!possibleId(id)) {
        await this.#engine.call('len');
        return null;
      }
      const r = await this.#engine.call('get', { id });
      return r ? { id, vector: r.vector, metadata: metadataOf(r.payload) } : null;
    });
  }

  /** Delete by id: true if it existed. */
  delete(id) {
    return this.#call(async () => {
      if (typeof id !== 'string') throw typeError('id must be a string');
      await this.#open();
      if (!possibleId(id)) {
        await this.#engine.call('len');
        return false;
      }
      return this.#engine.call('delete', { id });
    });
  }

  len() { return this.#call(async () => { await this.#open(); return this.#engine.call('len'); }); }
  isEmpty() { return this.#call(async () => (await this.len()) === 0); }
  stats() { return this.#call(async () => { await this.#open(); return this.#engine.call('stats'); }); }
  checkpoint() { return this.#call(async () => { await this.#open(); return this.#engine.call('checkpoint'); }); }
  compact() { return this.#call(async () => { await this.#open(); return this.#engine.call('compact'); }); }
  /** The graph check of the core: {ok, problem}. */
  check() {
    return this.#call(async () => {
      await this.#open();
      const r = await this.#engine.call('check');
      return { ok: r.ok, problem: r.problem };
    });
  }
  /**
   * The database's files, [{path, dir, data: Uint8Array}], exactly as a
   * native database directory holds them (write them out and `ruvector
   * check` / `ruvector search` read them). Persistent databases only.
   */
  exportFiles() { return this.#call(async () => { await this.#open(); return this.#engine.call('exportFiles'); }); }

  /**
   * For tests: inject storage faults ({quotaBytes: n}: n more bytes of
   * file data can be written, then writes fail as a full OPFS quota does;
   * null or {} ends it). Persistent databases only.
   */
  injectFaults(faults) {
    return this.#call(async () => { await this.#open(); return this.#engine.call('faults', faults ?? {}); });
  }

  /**
   * For tests: run the engine's heap to its limit, leaving about
   * {leaveBytes} free, so that calls meet a real out-of-memory; {} gives
   * it back.
   */
  squeezeHeap(how) {
    return this.#call(async () => { await this.#open(); return this.#engine.call('squeeze', how ?? {}); });
  }

  /**
   * Verify the database stored under storagePath without opening it: every
   * header, checksum and graph (the core's rv_db_check), as the Node
   * package's Database.check: {ok, code, problem}, the problem naming the
   * file and offset. The database must not be open elsewhere (RV_EBUSY).
   * options: wasm, storage, workerUrl, distBase, as for the constructor.
   */
  static async check(storagePath, options = {}) {
    if (typeof storagePath !== 'string' || storagePath === '') throw typeError('storagePath must be a non-empty string');
    const engine = new Engine(options.workerUrl ?? new URL('./worker.js', import.meta.url));
    try {
      return await engine.call('checkStorage', { storagePath, wasm: options.wasm ?? 'auto', storage: options.storage,
        distBase: options.distBase ? String(options.distBase) : undefined });
    } finally {
      engine.terminate();
    }
  }

  /** Close: calls made before finish first; later calls reject with RV_ECLOSED; the worker ends. Idempotent. */
  close() {
    if (this.#closing) return this.#closing;
    const before = [...this.#inflight];
    this.#closing = (async () => {
      await Promise.all(before);
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
