// worker.js: the dedicated Web Worker that runs ruvector in the browser.
// The page's thread never runs the engine: index.js posts one
// message per call and this worker answers it, in order, one at a time.
//
// It loads one of the two WebAssembly builds (dist/{simd,plain}/, made by
// web/build.sh, chosen by features.js unless the page forces one), installs
// the file backend (web/src/vfs_web.c over pool.js), and opens the
// database and its collection ("vectordb" unless a Collection.open names
// another: the name the Node package's VectorDB uses, so the same directory
// opens in both), or an in-memory collection when no storage path was given.
//
// A worker holds one database (or none, for in-memory collections) and any
// number of its collections, each under a small handle number (args.h; the
// first collection opened, by 'open', is handle 1 and the default): a
// VectorDB or Collection.open uses one, a Database (database.js) several.
//
// Protocol: {id, op, args} in; {id, ok: true, result} or {id, ok: false,
// error: {name, code, errno, message}} out. Errors from the core carry its
// code name ('RV_EDIM') and number (errno), as the Node addon's do. Between
// calls the file pool is topped up (it can only create OPFS files
// asynchronously; see pool.js).
import { pickVariant } from './features.js';
import { Pool } from './pool.js';

const CODES = {
  [-30900]: 'RV_EINVAL', [-30901]: 'RV_ENOMEM', [-30902]: 'RV_EDIM', [-30903]: 'RV_ENONFINITE',
  [-30904]: 'RV_ENOTFOUND', [-30905]: 'RV_EEXIST', [-30906]: 'RV_EID', [-30907]: 'RV_EZERO',
  [-30908]: 'RV_ERANGE', [-30909]: 'RV_EIO', [-30910]: 'RV_EFORMAT', [-30911]: 'RV_ECORRUPT',
  [-30912]: 'RV_EVERSION', [-30913]: 'RV_ETHREAD', [-30914]: 'RV_EUNSUPPORTED', [-30915]: 'RV_EBUSY',
  [-30916]: 'RV_EREADONLY', [-30917]: 'RV_ENOSPC',
};
const RV_ENOTFOUND = -30904;
const METRIC_NUM = { l2: 0, ip: 1, cosine: 2, l1: 3 };
const METRIC_NAME = ['l2', 'ip', 'cosine', 'l1'];
const DURABILITY = { full: 0, normal: 1, off: 2 };
const RV_DB_CREATE = 1;
const RV_DB_READONLY = 2;
const RV_UPSERT = 1;
const RV_SEARCH_EXACT = 1;
const RV_SEARCH_MMR = 2;
const OPEN_ONLY = 0;
const OPEN_OR_CREATE = 1;
const CREATE_ONLY = 2;
const DURABILITY_NAME = ['full', 'normal', 'off'];
const QUANT_NAME = ['none', 'int8', 'pq', 'binary'];
const DB_DIR = 'db'; // the database directory inside its pool
const COLLECTION = 'vectordb';

let M = null;      // the emscripten module
let pool = null;   // the file pool (persistent databases)
let db = 0;        // rv_db *
let closed = false;
const colls = new Map(); // handle -> {ptr: rv_collection *, dim, name}
let nextHandle = 1;

function fail(code, message, name = 'Error', errno) {
  const e = new Error(message);
  e.code = code;
  e.name = name;
  if (errno !== undefined) e.errno = errno;
  return e;
}

// A core error: its code name, number and the message the shell kept.
function coreError(rc) {
  return fail(CODES[rc] ?? 'RV_EINVAL', M.UTF8ToString(M._rvw_errmsg()), 'Error', rc);
}

function check(rc) {
  if (rc < 0) throw coreError(rc);
  return rc;
}

// C strings and buffers, freed together by `release`.
function scratch() {
  const ptrs = [];
  return {
    str(s) {
      if (s === null || s === undefined) return 0;
      const n = M.lengthBytesUTF8(s) + 1;
      const p = M._malloc(n) >>> 0;
      if (!p) throw fail('RV_ENOMEM', 'out of memory passing a string to the engine');
      ptrs.push(p);
      M.stringToUTF8(s, p, n);
      return p;
    },
    bytes(n) {
      // >>> 0: above 2 GiB of heap a pointer comes back from wasm as a negative i32
      const p = M._malloc(Math.max(1, n)) >>> 0;
      if (!p) throw fail('RV_ENOMEM', `out of memory: ${n} bytes for the call's arguments`);
      ptrs.push(p);
      return p;
    },
    floats(arr) {
      const p = this.bytes(arr.length * 4);
      M.HEAPF32.set(arr, p >>> 2);
      return p;
    },
    doubles(arr) {
      const p = this.bytes(arr.length * 8);
      M.HEAPF64.set(arr, p >>> 3);
      return p;
    },
    strs(list) {
      const p = this.bytes(list.length * 4);
      for (let i = 0; i < list.length; i++) M.HEAPU32[(p >>> 2) + i] = this.str(list[i]);
      return p;
    },
    release() { for (const p of ptrs) M._free(p); ptrs.length = 0; },
  };
}

function withScratch(fn) {
  const s = scratch();
  try {
    return fn(s);
  } finally {
    s.release();
  }
}

// The collection a call names (args.h; handle 1 by default).
function coll(a) {
  const c = closed ? undefined : colls.get(a.h ?? 1);
  if (!c) throw fail('RV_ECLOSED', 'the collection is closed');
  return c;
}

// Load the build the page asked for (or this engine supports).
async function load(a) {
  const variant = pickVariant(a.wasm ?? 'auto');
  const base = a.distBase ? new URL(a.distBase) : new URL('./dist/', import.meta.url);
  const url = new URL(`${variant}/ruvector.mjs`, base);
  const { default: create } = await import(url.href);
  M = await create({ locateFile: (f) => new URL(`${variant}/${f}`, base).href });
  M._rvw_vfs_install();
  return variant;
}

// VectorDB.check(storagePath): rv_db_check over the stored files, without
// opening the database ({ok, code ('' when ok), problem}, as the Node
// package's Database.check).
async function checkStorage(a) {
  await load(a);
  pool = await Pool.open(a.storagePath, a.storage ?? 'auto');
  M.rvfs = pool;
  const rc = withScratch((s) => M._rvw_db_check(s.str(DB_DIR)));
  const problem = M.UTF8ToString(M._rvw_errmsg());
  closed = true;
  pool.closeAll();
  pool = null;
  return { ok: rc === 0, code: rc === 0 ? '' : CODES[rc] ?? 'RV_EINVAL', problem };
}

// Load a build and, with a storagePath, open the database in its pool.
async function openEngine(a, info) {
  const t0 = performance.now();
  info.variant = await load(a);
  info.isa = M.UTF8ToString(M._rvw_isa());
  info.storage = 'none';
  info.persisted = null;
  info.timings = {};
  let t = performance.now();
  info.timings.loadMs = t - t0; // import + compile + instantiate the build
  if (a.storagePath === undefined) return;
  pool = await Pool.open(a.storagePath, a.storage ?? 'auto');
  M.rvfs = pool;
  info.storage = pool.kind;
  if (a.importFiles) await pool.importFiles(DB_DIR, a.importFiles);
  info.timings.poolMs = performance.now() - t; // open every slot's sync access handle (and import)
  t = performance.now();
  if (typeof navigator !== 'undefined' && navigator.storage && navigator.storage.persisted) {
    try { info.persisted = await navigator.storage.persisted(); } catch { /* not offered */ }
  }
  const flags = a.readOnly ? RV_DB_READONLY : a.create === false ? 0 : RV_DB_CREATE;
  withScratch((s) => check(M._rvw_db_open(s.str(DB_DIR), flags, DURABILITY[a.durability ?? 'full'] ?? 0,
    a.checkpointBytes ?? -1)));
  db = M._rvw_result();
  info.timings.dbMs = performance.now() - t;
}

const num = (x) => (typeof x === 'number' ? x : NaN);

// Open (mode OPEN_ONLY), open or create (OPEN_OR_CREATE) or create
// (CREATE_ONLY) collection `name` of the database, or a new in-memory one
// without a database; registers it under a new handle.
function openCollection(name, c, mode) {
  const metric = c.metric === undefined ? NaN : METRIC_NUM[c.metric];
  const o = [num(c.dimensions), metric, num(c.m), num(c.efConstruction), num(c.efSearch), num(c.pruneAlpha),
    num(c.exactThreshold), num(c.repairBatch), num(c.seed), num(c.quantTrain), num(c.threads)];
  const rc = withScratch((s) => M._rvw_collection(db, s.str(name), s.doubles(o), s.str(c.quantization), mode));
  if (rc < 0) throw coreError(rc);
  const ptr = M._rvw_result();
  const h = nextHandle++;
  colls.set(h, { ptr, dim: M._rvw_dim(ptr), name });
  return h;
}

function describe(h) {
  const c = colls.get(h);
  return { h, dimensions: c.dim, metric: METRIC_NAME[M._rvw_metric(c.ptr)], count: M._rvw_count(c.ptr) };
}

// VectorDB, new Collection and Collection.open: a build, the database (if
// persistent) and one collection, handle 1.
async function open(a) {
  const info = {};
  await openEngine(a, info);
  const c = a.collection;
  const name = a.collectionName ?? COLLECTION;
  const t = performance.now();
  try {
    openCollection(name, c, a.readOnly || c.dimensions === undefined ? OPEN_ONLY : OPEN_OR_CREATE);
  } catch (e) {
    if (db) M._rvw_db_close(db);
    db = 0;
    if (e.errno === RV_ENOTFOUND && a.readOnly) {
      throw fail('RV_ENOTFOUND', `Database at ${a.storagePath} has no collection "${name}" to open read-only`, 'Error', e.errno);
    }
    throw e;
  }
  info.timings.openMs = performance.now() - t + (info.timings.dbMs ?? 0); // the core: open, load and replay
  delete info.timings.dbMs;
  if (pool) info.io = { ...pool.io };
  const d = describe(1);
  info.dimensions = d.dimensions;
  info.metric = d.metric;
  if (c.dimensions !== undefined && (d.dimensions !== c.dimensions || d.metric !== c.metric)) {
    M._rvw_db_close(db);
    db = 0;
    colls.clear();
    throw fail('RV_EINVAL', `Database at ${a.storagePath} holds vectors of dimension ${d.dimensions} ` +
      `(metric ${d.metric}); this VectorDB asked for ${c.dimensions} (${c.metric})`);
  }
  info.count = d.count;
  return info;
}

// Database.open: a build and the database, no collection yet.
async function openDb(a) {
  const info = {};
  await openEngine(a, info);
  if (pool) info.io = { ...pool.io };
  return info;
}

function needDb() {
  if (closed || !db) throw fail('RV_ECLOSED', 'the database is closed');
}

const OPEN_MODE = { open: OPEN_ONLY, either: OPEN_OR_CREATE, create: CREATE_ONLY };

function dbCollection({ name, options, mode }) {
  needDb();
  return describe(openCollection(name, options ?? {}, OPEN_MODE[mode]));
}

function closeCollection(a) {
  const c = colls.get(a.h);
  if (!c || closed) return;
  colls.delete(a.h);
  M._rvw_collection_free(c.ptr);
}

function dropCollection({ name }) {
  needDb();
  withScratch((s) => check(M._rvw_db_drop(db, s.str(name))));
}

function listCollections() {
  needDb();
  const n = check(M._rvw_db_list(db));
  const p = M._rvw_result();
  const out = [];
  let at = p;
  for (let i = 0; i < n; i++) {
    const name = M.UTF8ToString(at);
    out.push(name);
    at += M.lengthBytesUTF8(name) + 1;
  }
  M._rvw_free(p);
  return out;
}

function insert(a) {
  const c = coll(a);
  const { id, vector, payload, upsert } = a;
  withScratch((s) => check(M._rvw_insert(c.ptr, s.str(id), s.floats(vector), vector.length,
    upsert ? RV_UPSERT : 0, s.str(payload))));
}

function insertBatch(a) {
  const c = coll(a);
  const { ids, vectors, payloads, upsert } = a;
  const n = ids.length;
  withScratch((s) => {
    const idp = s.strs(ids);
    const plp = payloads ? s.strs(payloads) : 0;
    check(M._rvw_insert_batch(c.ptr, n, idp, s.floats(vectors), n ? vectors.length / n : c.dim,
      upsert ? RV_UPSERT : 0, plp));
  });
}

// The stored vector of id (Float32Array) or null.
function getVector(s, c, id) {
  const out = s.bytes(c.dim * 4);
  const rc = M._rvw_get(c.ptr, s.str(id), out, c.dim);
  if (rc === RV_ENOTFOUND) return null;
  check(rc);
  return M.HEAPF32.slice(out >>> 2, (out >>> 2) + c.dim);
}

function getPayload(s, c, id) {
  const rc = M._rvw_get_payload(c.ptr, s.str(id));
  if (rc === RV_ENOTFOUND) return null;
  check(rc);
  const p = M._rvw_result();
  const text = M.UTF8ToString(p);
  M._rvw_free(p);
  return JSON.parse(text);
}

// Room for a call's hits: distances, scores, id offsets, ids.
function hitBuffers(s, n, k) {
  const idSize = n * k * 256 + 64;
  return { dists: s.bytes(n * k * 4), scores: s.bytes(n * k * 4), offs: s.bytes(n * k * 4), ids: s.bytes(idSize), idSize };
}

// Hits [from, from + n) of the buffers, with vectors and payloads if asked.
function readHits(s, c, b, from, n, a) {
  const hits = new Array(n);
  for (let i = 0; i < n; i++) {
    const j = from + i;
    const d = M.HEAPF32[(b.dists >>> 2) + j];
    hits[i] = { id: M.UTF8ToString(b.ids + M.HEAPU32[(b.offs >>> 2) + j]), distance: d === d ? d : null,
      score: M.HEAPF32[(b.scores >>> 2) + j] + 0 };
  }
  for (const h of hits) {
    if (a.withVectors) h.vector = getVector(s, c, h.id);
    if (a.withPayloads) h.payload = getPayload(s, c, h.id);
  }
  return hits;
}

function searchFlags(a) { return (a.exact ? RV_SEARCH_EXACT : 0) | (a.mmr ? RV_SEARCH_MMR : 0); }

function search(a) {
  const c = coll(a);
  return withScratch((s) => {
    const b = hitBuffers(s, 1, a.k);
    const n = check(M._rvw_search(c.ptr, s.floats(a.vector), a.vector.length, a.k, a.ef ?? 0, searchFlags(a),
      s.str(a.filter), a.mmr ? a.mmr[0] : 0, a.mmr ? a.mmr[1] : 0, b.dists, b.scores, b.offs, b.ids, b.idSize));
    return readHits(s, c, b, 0, n, a);
  });
}

function searchBatch(a) {
  const c = coll(a);
  const nq = a.queries.length / c.dim;
  return withScratch((s) => {
    const b = hitBuffers(s, nq, a.k);
    const counts = s.bytes(nq * 4);
    check(M._rvw_search_batch(c.ptr, nq, s.floats(a.queries), c.dim, a.k, a.ef ?? 0, searchFlags(a), s.str(a.filter),
      a.mmr ? a.mmr[0] : 0, a.mmr ? a.mmr[1] : 0, b.dists, b.scores, counts, b.offs, b.ids));
    const out = new Array(nq);
    for (let q = 0; q < nq; q++) out[q] = readHits(s, c, b, q * a.k, M.HEAP32[(counts >>> 2) + q], a);
    return out;
  });
}

function searchText(a) {
  const c = coll(a);
  return withScratch((s) => {
    const b = hitBuffers(s, 1, a.k);
    const n = check(M._rvw_search_text(c.ptr, s.str(a.query), a.k, s.str(a.filter), b.dists, b.scores, b.offs, b.ids,
      b.idSize));
    return readHits(s, c, b, 0, n, a);
  });
}

function searchHybrid(a) {
  const c = coll(a);
  const hp = [num(a.fusion), num(a.vectorWeight), num(a.textWeight), num(a.rrfK), num(a.depth)];
  return withScratch((s) => {
    const b = hitBuffers(s, 1, a.k);
    const n = check(M._rvw_search_hybrid(c.ptr, s.floats(a.vector), a.vector.length, s.str(a.text), a.k, a.ef ?? 0,
      searchFlags(a), s.str(a.filter), s.doubles(hp), b.dists, b.scores, b.offs, b.ids, b.idSize));
    return readHits(s, c, b, 0, n, a);
  });
}

function get(a) {
  const c = coll(a);
  return withScratch((s) => {
    const vector = getVector(s, c, a.id);
    return vector ? { vector, payload: getPayload(s, c, a.id) } : null;
  });
}

function getBatch(a) {
  const c = coll(a);
  return withScratch((s) => a.ids.map((id) => getVector(s, c, id)));
}

function getPayloadOp(a) {
  const c = coll(a);
  return withScratch((s) => getPayload(s, c, a.id));
}

function del(a) {
  const c = coll(a);
  const rc = withScratch((s) => M._rvw_delete(c.ptr, s.str(a.id)));
  if (rc === RV_ENOTFOUND) return false;
  check(rc);
  return true;
}

function deleteBatch(a) {
  const c = coll(a);
  return withScratch((s) => check(M._rvw_delete_batch(c.ptr, a.ids.length, s.strs(a.ids))));
}

function stats(a) {
  const c = coll(a);
  return withScratch((s) => {
    const p = s.bytes(12 * 8);
    M._rvw_stats(c.ptr, p);
    const f = M.HEAPF64.subarray(p >>> 3, (p >>> 3) + 12);
    // mappedBytes: a segment's vectors, which natively are mapped and here
    // are read into the heap (so they count against the wasm memory);
    // heapBytes: the wasm memory as grown so far
    return { count: f[0], capacity: f[1], pendingDeletes: f[2], freeSlots: f[3], memoryBytes: f[4],
      maxLevel: f[5], dim: f[6], vectorBytes: f[7], mappedBytes: f[8], codeBytes: f[9],
      quantization: QUANT_NAME[f[10]] ?? 'none', quantTrained: f[11] === 1, isa: M.UTF8ToString(M._rvw_isa()),
      heapBytes: M.HEAPU8.length };
  });
}

function storage(a) {
  const c = coll(a);
  return withScratch((s) => {
    const p = s.bytes(5 * 8);
    M._rvw_storage(c.ptr, p);
    const f = M.HEAPF64.subarray(p >>> 3, (p >>> 3) + 5);
    return { generation: f[0], segmentBytes: f[1], walBytes: f[2], formatVersion: f[3],
      durability: db ? DURABILITY_NAME[f[4]] : 'none', persistent: db !== 0 };
  });
}

// The graph check: the Node package's report ({nodes, ..., firstProblem, ok})
// plus `problem` (the same text; VectorDB.check's name for it).
function graphCheck(a) {
  const c = coll(a);
  return withScratch((s) => {
    const p = s.bytes(8 * 8);
    const rc = M._rvw_check(c.ptr, p);
    const problem = M.UTF8ToString(M._rvw_errmsg());
    if (rc < 0 && rc !== -30911) throw coreError(rc); // RV_ECORRUPT is a report, not an error
    const f = M.HEAPF64.subarray(p >>> 3, (p >>> 3) + 8);
    return { nodes: f[0], edges: f[1], reciprocal: f[2], dangling: f[3], badLevel: f[4], duplicates: f[5],
      unreachable: f[6], pendingDeletes: f[7], firstProblem: problem, ok: problem === '', problem };
  });
}

function countMatching(a) {
  const c = coll(a);
  return withScratch((s) => check(M._rvw_count_matching(c.ptr, s.str(a.filter))));
}

async function close() {
  if (closed) return;
  closed = true;
  let rc = 0;
  if (db) rc = M._rvw_db_close(db); // closes its collections too
  else for (const c of colls.values()) M._rvw_collection_free(c.ptr);
  colls.clear();
  db = 0;
  try {
    if (pool && !broken) await persist();
  } finally {
    if (pool) pool.closeAll();
    pool = null;
  }
  if (rc < 0) throw coreError(rc);
}

// Where the pool's store needs a step to make the call's writes durable
// (IndexedDB), it runs before the answer is posted. If it fails, the
// engine's memory holds changes the store does not: this call and every
// later one fail, and reopening continues from the last stored state.
let broken = null;
async function persist() {
  try {
    await pool.persist();
  } catch (e) {
    broken = fail(e && e.name === 'QuotaExceededError' ? 'RV_ENOSPC' : 'RV_EIO', `could not store the database ` +
      `(${e && e.message ? e.message : e}): the last call's changes are not stored; close and reopen it to go on ` +
      'from the last stored state');
    throw broken;
  }
}

// The database's files as a native database directory holds them.
function exportFiles() {
  if (!pool) throw fail('RV_EINVAL', 'an in-memory VectorDB has no files to export');
  return pool.exportFiles(DB_DIR);
}

// For the tests: run the heap to its limit. With {leaveBytes}: allocate
// (growing the wasm memory as far as the browser allows, 4 GB at most)
// until malloc fails, then give back about leaveBytes, so the next calls
// meet a real out-of-memory; with {} (or null): free it all again.
let ballast = [];
function squeezeHeap(a) {
  for (const p of ballast) M._free(p[0]);
  ballast = [];
  if (a.leaveBytes === undefined || a.leaveBytes === null) return { heldBytes: 0, heapBytes: M.HEAPU8.length };
  for (const size of [64 << 20, 4 << 20, 256 << 10]) {
    for (let p = M._malloc(size); p; p = M._malloc(size)) ballast.push([p, size]);
  }
  let freed = 0;
  while (freed < a.leaveBytes && ballast.length) {
    const [p, size] = ballast.pop();
    M._free(p);
    freed += size;
  }
  return { heldBytes: ballast.reduce((n, p) => n + p[1], 0), heapBytes: M.HEAPU8.length };
}

const OPS = {
  open, openDb, checkStorage, collection: dbCollection, closeCollection, dropCollection, listCollections,
  insert, insertBatch, search, searchBatch, searchText, searchHybrid, get, getBatch, getPayload: getPayloadOp,
  delete: del, deleteBatch, stats, storage, check: graphCheck, countMatching, close, exportFiles,
  len(a) { return M._rvw_count(coll(a).ptr); },
  checkpoint(a) { check(M._rvw_checkpoint(coll(a).ptr)); },
  compact(a) { check(M._rvw_compact(coll(a).ptr)); },
  vacuum(a) { check(M._rvw_vacuum(coll(a).ptr)); },
  optimize(a) { check(M._rvw_optimize(coll(a).ptr)); },
  quantize(a) { check(M._rvw_quantize(coll(a).ptr)); },
  setPayload(a) { const c = coll(a); withScratch((s) => check(M._rvw_set_payload(c.ptr, s.str(a.id), s.str(a.payload)))); },
  mergePayload(a) { const c = coll(a); withScratch((s) => check(M._rvw_merge_payload(c.ptr, s.str(a.id), s.str(a.patch)))); },
  squeeze: squeezeHeap,
  faults(f) {
    if (!pool) throw fail('RV_EINVAL', 'an in-memory VectorDB has no files to inject faults into');
    pool.faults = f && Object.keys(f).length ? { ...f } : null;
  },
  createIndex(a) {
    const c = coll(a);
    withScratch((s) => check(M._rvw_create_index(c.ptr, s.str(a.key), { keyword: 1, numeric: 2, text: 3 }[a.kind])));
  },
};

// One call at a time, in arrival order (calls are async only to open).
let queue = Promise.resolve();
self.onmessage = (ev) => {
  const { id, op, args } = ev.data;
  queue = queue.then(async () => {
    try {
      const fn = OPS[op];
      if (!fn) throw fail('RV_EINVAL', `unknown operation ${op}`);
      if (broken && op !== 'close') throw broken;
      const result = await fn(args ?? {});
      if (pool && !closed) {
        await pool.refill();
        await persist();
      }
      const transfer = [];
      if (op === 'exportFiles') for (const f of result) if (f.data) transfer.push(f.data.buffer);
      self.postMessage({ id, ok: true, result }, transfer);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      self.postMessage({ id, ok: false, error: { name: err.name, code: err.code, errno: err.errno, message: err.message } });
    }
  });
};
