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
const DB_DIR = 'db'; // the database directory inside its pool
const COLLECTION = 'vectordb';

let M = null;      // the emscripten module
let pool = null;   // the file pool (persistent databases)
let db = 0;        // rv_db *
let coll = 0;      // rv_collection *
let dim = 0;
let closed = false;

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
      const p = M._malloc(n);
      if (!p) throw fail('RV_ENOMEM', 'out of memory passing a string to the engine');
      ptrs.push(p);
      M.stringToUTF8(s, p, n);
      return p;
    },
    bytes(n) {
      const p = M._malloc(Math.max(1, n));
      if (!p) throw fail('RV_ENOMEM', `out of memory: ${n} bytes for the call's arguments`);
      ptrs.push(p);
      return p;
    },
    floats(arr) {
      const p = this.bytes(arr.length * 4);
      M.HEAPF32.set(arr, p >> 2);
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

function needOpen() {
  if (closed || !coll) throw fail('RV_ECLOSED', 'the collection is closed');
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

async function open(a) {
  const t0 = performance.now();
  const variant = await load(a);
  const info = { variant, isa: M.UTF8ToString(M._rvw_isa()), storage: 'none', persisted: null, timings: {} };
  let t = performance.now();
  info.timings.loadMs = t - t0; // import + compile + instantiate the build
  if (a.storagePath !== undefined) {
    pool = await Pool.open(a.storagePath, a.storage ?? 'auto');
    M.rvfs = pool;
    info.storage = pool.kind;
    if (a.importFiles) await pool.importFiles(DB_DIR, a.importFiles);
    info.timings.poolMs = performance.now() - t; // open every slot's sync access handle (and import)
    t = performance.now();
    if (typeof navigator !== 'undefined' && navigator.storage && navigator.storage.persisted) {
      try { info.persisted = await navigator.storage.persisted(); } catch { /* not offered */ }
    }
    const flags = a.readOnly ? RV_DB_READONLY : RV_DB_CREATE;
    withScratch((s) => check(M._rvw_db_open(s.str(DB_DIR), flags, DURABILITY[a.durability ?? 'full'] ?? 0,
      a.checkpointBytes ?? -1)));
    db = M._rvw_result();
  }
  const c = a.collection;
  const name = a.collectionName ?? COLLECTION;
  const rc = withScratch((s) => M._rvw_collection(db, s.str(name), c.dimensions, METRIC_NUM[c.metric],
    c.m ?? 0, c.efConstruction ?? 0, c.efSearch ?? 0, a.readOnly ? 0 : 1));
  if (rc < 0) {
    const e = rc === RV_ENOTFOUND && a.readOnly
      ? fail('RV_ENOTFOUND', `Database at ${a.storagePath} has no collection "${name}" to open read-only`, 'Error', rc)
      : coreError(rc);
    if (db) M._rvw_db_close(db);
    db = 0;
    throw e;
  }
  coll = M._rvw_result();
  info.timings.openMs = performance.now() - t; // the core: open the database, load and replay the collection
  dim = M._rvw_dim(coll);
  const metric = METRIC_NAME[M._rvw_metric(coll)];
  if (dim !== c.dimensions || metric !== c.metric) {
    const e = fail('RV_EINVAL', `Database at ${a.storagePath} holds vectors of dimension ${dim} ` +
      `(metric ${metric}); this VectorDB asked for ${c.dimensions} (${c.metric})`);
    M._rvw_db_close(db);
    db = coll = 0;
    throw e;
  }
  info.count = M._rvw_count(coll);
  return info;
}

function insert({ id, vector, payload, upsert }) {
  needOpen();
  withScratch((s) => check(M._rvw_insert(coll, s.str(id), s.floats(vector), vector.length,
    upsert ? RV_UPSERT : 0, s.str(payload))));
}

function insertBatch({ ids, vectors, payloads, upsert }) {
  needOpen();
  const n = ids.length;
  withScratch((s) => {
    const idp = s.bytes(n * 4);
    for (let i = 0; i < n; i++) M.HEAPU32[(idp >> 2) + i] = s.str(ids[i]);
    let plp = 0;
    if (payloads) {
      plp = s.bytes(n * 4);
      for (let i = 0; i < n; i++) M.HEAPU32[(plp >> 2) + i] = s.str(payloads[i]);
    }
    check(M._rvw_insert_batch(coll, n, idp, s.floats(vectors), n ? vectors.length / n : dim,
      upsert ? RV_UPSERT : 0, plp));
  });
}

// The stored vector of id (Float32Array) or null.
function getVector(s, id) {
  const out = s.bytes(dim * 4);
  const rc = M._rvw_get(coll, s.str(id), out, dim);
  if (rc === RV_ENOTFOUND) return null;
  check(rc);
  return M.HEAPF32.slice(out >> 2, (out >> 2) + dim);
}

function getPayload(s, id) {
  const rc = M._rvw_get_payload(coll, s.str(id));
  if (rc === RV_ENOTFOUND) return null;
  check(rc);
  const p = M._rvw_result();
  const text = M.UTF8ToString(p);
  M._rvw_free(p);
  return JSON.parse(text);
}

function search({ vector, k, ef, exact, filter, withVectors, withPayloads }) {
  needOpen();
  return withScratch((s) => {
    const idSize = k * 256 + 64;
    const dists = s.bytes(k * 4);
    const offs = s.bytes(k * 4);
    const idbuf = s.bytes(idSize);
    const n = check(M._rvw_search(coll, s.floats(vector), vector.length, k, ef ?? 0, exact ? RV_SEARCH_EXACT : 0,
      s.str(filter), dists, offs, idbuf, idSize));
    const hits = new Array(n);
    for (let i = 0; i < n; i++) {
      const id = M.UTF8ToString(idbuf + M.HEAPU32[(offs >> 2) + i]);
      hits[i] = { id, distance: M.HEAPF32[(dists >> 2) + i] };
    }
    for (const h of hits) {
      if (withVectors) h.vector = getVector(s, h.id);
      if (withPayloads) h.payload = getPayload(s, h.id);
    }
    return hits;
  });
}

function get({ id }) {
  needOpen();
  return withScratch((s) => {
    const vector = getVector(s, id);
    return vector ? { vector, payload: getPayload(s, id) } : null;
  });
}

function del({ id }) {
  needOpen();
  const rc = withScratch((s) => M._rvw_delete(coll, s.str(id)));
  if (rc === RV_ENOTFOUND) return false;
  check(rc);
  return true;
}

function stats() {
  needOpen();
  return withScratch((s) => {
    const p = s.bytes(9 * 8);
    M._rvw_stats(coll, p);
    const f = M.HEAPF64.subarray(p >> 3, (p >> 3) + 9);
    // mappedBytes: a segment's vectors, which natively are mapped and here
    // are read into the heap (so they count against the wasm memory);
    // heapBytes: the wasm memory as grown so far
    return { count: f[0], capacity: f[1], pendingDeletes: f[2], freeSlots: f[3], memoryBytes: f[4],
      maxLevel: f[5], dim: f[6], vectorBytes: f[7], mappedBytes: f[8], isa: M.UTF8ToString(M._rvw_isa()),
      heapBytes: M.HEAPU8.length };
  });
}

function graphCheck() {
  needOpen();
  const rc = M._rvw_check(coll);
  return { ok: rc === 0, problem: M.UTF8ToString(M._rvw_errmsg()) };
}

function close() {
  if (closed) return;
  closed = true;
  let rc = 0;
  if (coll) {
    if (db) rc = M._rvw_db_close(db); // closes the collection too
    else M._rvw_collection_free(coll);
  }
  coll = db = 0;
  if (pool) pool.closeAll();
  pool = null;
  if (rc < 0) throw coreError(rc);
}

// The database's files as a native database directory holds them.
function exportFiles() {
  if (!pool) throw fail('RV_EINVAL', 'an in-memory VectorDB has no files to export');
  return pool.exportFiles(DB_DIR);
}

const OPS = {
  open, checkStorage, insert, insertBatch, search, get, delete: del, stats, check: graphCheck, close, exportFiles,
  len() { needOpen(); return M._rvw_count(coll); },
  checkpoint() { needOpen(); check(M._rvw_checkpoint(coll)); },
  compact() { needOpen(); check(M._rvw_compact(coll)); },
  faults(f) {
    if (!pool) throw fail('RV_EINVAL', 'an in-memory VectorDB has no files to inject faults into');
    pool.faults = f && Object.keys(f).length ? { ...f } : null;
  },
  createIndex({ key, kind }) {
    needOpen();
    withScratch((s) => check(M._rvw_create_index(coll, s.str(key), { keyword: 1, numeric: 2, text: 3 }[kind])));
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
      const result = await fn(args ?? {});
      if (pool && !closed) await pool.refill();
      const transfer = [];
      if (op === 'exportFiles') for (const f of result) if (f.data) transfer.push(f.data.buffer);
      self.postMessage({ id, ok: true, result }, transfer);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      self.postMessage({ id, ok: false, error: { name: err.name, code: err.code, errno: err.errno, message: err.message } });
    }
  });
};
