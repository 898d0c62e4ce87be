// page.js: what the browser tests run inside the page (web/test/page.html),
// through the public entry node/browser/index.js only. Each function returns
// plain data; web/test/browser.test.js makes the assertions, so that a
// failure prints what the page saw.
import { VectorDB, Collection as BrowserCollection, hasSimd } from '../../node/browser/index.js';

export { hasSimd };

// splitmix64-like generator over 32-bit halves: the same data every run.
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 * 2 - 1;
  };
}

export function randomVectors(n, dim, seed) {
  const r = rng(seed);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < out.length; i++) out[i] = r();
  return out;
}

const errInfo = (e) => ({ name: e.name, code: e.code, errno: e.errno, message: e.message });

async function settle(p) {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    return { ok: false, error: errInfo(e) };
  }
}

export async function roundTrip(wasm) {
  const db = new VectorDB({ dimensions: 3, metric: 'euclidean', wasm });
  await db.ready();
  const out = { info: db.engineInfo };
  out.ids = await db.insertBatch([
    { id: 'a', vector: [1, 0, 0], metadata: { color: 'red', n: 1 } },
    { id: 'b', vector: [0, 1, 0], metadata: { color: 'blue', n: 2 } },
    { id: 'c', vector: new Float32Array([0, 0, 1]) },
  ]);
  out.auto = await db.insert({ vector: [1, 1, 0] });
  out.len = await db.len();
  out.search = (await db.search({ vector: [0.9, 0.1, 0], k: 2 })).map((h) => ({ ...h, vector: Array.from(h.vector) }));
  out.filtered = (await db.search({ vector: [0.9, 0.1, 0], k: 3, filter: { color: 'blue' } })).map((h) => h.id);
  const g = await db.get('a');
  out.get = { id: g.id, vector: Array.from(g.vector), metadata: g.metadata };
  out.getMissing = await db.get('zz');
  out.deleted = await db.delete('a');
  out.deletedAgain = await db.delete('a');
  out.afterDelete = (await db.search({ vector: [1, 0, 0], k: 4 })).map((h) => h.id);
  out.lenAfter = await db.len();
  out.isEmpty = await db.isEmpty();
  await db.close();
  return out;
}

// Recall@10 of the HNSW search against an exact scan computed here.
export async function recall(wasm, n, dim, nq, efSearch) {
  const data = randomVectors(n, dim, 7);
  const queries = randomVectors(nq, dim, 99);
  const db = new VectorDB({ dimensions: dim, metric: 'euclidean', wasm, hnsw: { m: 16, efConstruction: 100, efSearch } });
  await db.ready();
  const entries = new Array(n);
  for (let i = 0; i < n; i++) entries[i] = { id: String(i), vector: data.subarray(i * dim, (i + 1) * dim) };
  const t0 = performance.now();
  await db.insertBatch(entries);
  const insertMs = performance.now() - t0;
  let found = 0;
  let searchMs = 0;
  for (let q = 0; q < nq; q++) {
    const qv = queries.subarray(q * dim, (q + 1) * dim);
    const d = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < dim; j++) {
        const x = data[i * dim + j] - qv[j];
        s += x * x;
      }
      d[i] = s;
    }
    const order = Array.from(d.keys()).sort((a, b) => d[a] - d[b]).slice(0, 10);
    const truth = new Set(order.map(String));
    const s0 = performance.now();
    const hits = await db.search({ vector: qv, k: 10, withVectors: false });
    searchMs += performance.now() - s0;
    for (const h of hits) if (truth.has(h.id)) found++;
  }
  const stats = await db.stats();
  await db.close();
  return { recall: found / (nq * 10), info: db.engineInfo, isa: stats.isa, insertMs, searchMs, count: stats.count,
    memoryBytes: stats.memoryBytes };
}

// Quantized collections (the browser's Collection option): the graph walk
// on int8 or PQ codes, re-ranked with the floats; recall@10 of the graph
// (exactThreshold 0) against an exact scan computed here, and the codes'
// bytes from stats().
export async function quantRecall(wasm, quantization, n, dim, nq) {
  const data = randomVectors(n, dim, 11);
  const queries = randomVectors(nq, dim, 12);
  const c = new BrowserCollection({ dimensions: dim, metric: 'l2', wasm, quantization, exactThreshold: 0, efSearch: 64,
    quantTrain: 1000 });
  await c.insertBatch(Array.from({ length: n }, (_, i) => String(i)), data);
  const stats = await c.stats();
  let found = 0;
  for (let q = 0; q < nq; q++) {
    const qv = queries.subarray(q * dim, (q + 1) * dim);
    const d = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < dim; j++) {
        const x = data[i * dim + j] - qv[j];
        s += x * x;
      }
      d[i] = s;
    }
    const truth = new Set(Array.from(d.keys()).sort((a, b) => d[a] - d[b]).slice(0, 10).map(String));
    for (const h of await c.search(qv, 10)) if (truth.has(h.id)) found++;
  }
  const bad = await settle(new BrowserCollection({ dimensions: dim, wasm, quantization: 'pq:7' }).len());
  await c.close();
  return { recall: found / (nq * 10), quantization: stats.quantization, trained: stats.quantTrained,
    codeBytes: stats.codeBytes, vectorBytes: stats.vectorBytes, bad };
}

// Persistence: the first page writes; the reloaded page reads.
export async function persistWrite(name, wasm, n, dim) {
  const db = new VectorDB({ dimensions: dim, metric: 'cosine', storagePath: name, wasm, hnsw: { efSearch: 200 } });
  await db.ready();
  const info = db.engineInfo;
  const data = randomVectors(n, dim, 3);
  const half = n >> 1;
  const entries = [];
  for (let i = 0; i < half; i++) entries.push({ id: `v${i}`, vector: data.subarray(i * dim, (i + 1) * dim), metadata: { i } });
  await db.insertBatch(entries);
  await db.checkpoint(); // the first half into a segment, the rest only in the log
  for (let i = half; i < n; i++) await db.insert({ id: `v${i}`, vector: data.subarray(i * dim, (i + 1) * dim), metadata: { i } });
  await db.delete('v0');
  const q = randomVectors(1, dim, 11);
  const hits = (await db.search({ vector: q, k: 5 })).map((h) => [h.id, h.score]);
  // no close(): the page is reloaded with the database open, as a tab is closed
  return { info, len: await db.len(), hits };
}

export async function persistRead(name, wasm, dim) {
  const db = new VectorDB({ dimensions: dim, metric: 'cosine', storagePath: name, wasm, hnsw: { efSearch: 200 } });
  await db.ready();
  const q = randomVectors(1, dim, 11);
  const out = {
    info: db.engineInfo,
    len: await db.len(),
    hits: (await db.search({ vector: q, k: 5 })).map((h) => [h.id, h.score]),
    v0: await db.get('v0'),
    v7: await db.get('v7'),
    check: await db.check(),
  };
  out.v7 = out.v7 && { id: out.v7.id, metadata: out.v7.metadata, vector: Array.from(out.v7.vector) };
  out.v7expected = Array.from(randomVectors(8, dim, 3).subarray(7 * dim, 8 * dim));
  out.files = (await db.exportFiles()).map((f) => ({ path: f.path, dir: f.dir, size: f.data ? f.data.length : 0,
    head: f.data ? Array.from(f.data.subarray(0, 8)) : null }));
  await db.close();
  return out;
}

export async function badInput(wasm) {
  const db = new VectorDB({ dimensions: 3, metric: 'euclidean', wasm });
  await db.ready();
  const r = {};
  r.wrongDimInsert = await settle(db.insert({ id: 'x', vector: [1, 2] }));
  r.wrongDimSearch = await settle(db.search({ vector: [1, 2, 3, 4], k: 1 }));
  r.nanInsert = await settle(db.insert({ id: 'x', vector: [1, NaN, 3] }));
  r.nanBatch = await settle(db.insertBatch([{ id: 'y', vector: [1, 2, 3] }, { id: 'z', vector: [Infinity, 0, 0] }]));
  r.lenAfterBad = await db.len();
  r.badK = await settle(db.search({ vector: [1, 2, 3], k: -1 }));
  r.badVector = await settle(db.insert({ id: 'x', vector: 'abc' }));
  r.badMetadata = await settle(db.insert({ id: 'x', vector: [1, 2, 3], metadata: { nested: { '': 1 } } }));
  r.badFilter = await settle(db.search({ vector: [1, 2, 3], k: 1, filter: { n: { $bogus: 1 } } }));
  r.stillWorks = await db.insert({ id: 'ok', vector: [1, 2, 3] });
  await db.close();
  r.closedInsert = await settle(db.insert({ id: 'x', vector: [1, 2, 3] }));
  r.closedSearch = await settle(db.search({ vector: [1, 2, 3], k: 1 }));
  r.badDims = await settle((async () => new VectorDB({ dimensions: 0 }))());
  r.badMetric = await settle((async () => new VectorDB({ dimensions: 2, metric: 'hamming' }))());
  return r;
}

// A storage path holding something that is not a database.
export async function notADatabase(name) {
  const files = [{ path: 'MANIFEST', dir: false, data: new TextEncoder().encode('this is not a ruvector manifest, just text') }];
  const db = new VectorDB({ dimensions: 3, storagePath: name, importFiles: files });
  const r = await settle(db.ready());
  await db.close();
  return r;
}

// Native interop. Files cross page.evaluate as base64.
const fromB64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
function toB64(u8) {
  let s = '';
  for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode(...u8.subarray(i, i + 0x8000));
  return btoa(s);
}

async function exactHits(db, queries, dim, k) {
  const out = [];
  for (let q = 0; q < queries.length / dim; q++) {
    const hits = await db.search({ vector: queries.slice(q * dim, (q + 1) * dim), k, exact: true, withVectors: false });
    out.push(hits.map((h) => [h.id, h.score]));
  }
  return out;
}

// Open a database directory written natively (files from the test), and
// search it exactly.
export async function importAndSearch(name, files, queries, dim, k, wasm) {
  const db = new VectorDB({ dimensions: dim, metric: 'cosine', storagePath: name, wasm,
    importFiles: files.map((f) => ({ path: f.path, dir: f.dir, data: f.dir ? undefined : fromB64(f.data) })) });
  await db.ready();
  const out = { len: await db.len(), hits: await exactHits(db, queries, dim, k), check: await db.check() };
  await db.close();
  return out;
}

// Write a database here (a batch, a checkpoint, single inserts, a delete:
// segment and log both in use), search it, and export its files.
export async function writeAndExport(name, n, dim, queries, k) {
  const db = new VectorDB({ dimensions: dim, metric: 'cosine', storagePath: name });
  await db.ready();
  const data = randomVectors(n, dim, 5);
  const half = n >> 1;
  const entries = [];
  for (let i = 0; i < half; i++) entries.push({ id: String(i), vector: data.subarray(i * dim, (i + 1) * dim) });
  await db.insertBatch(entries);
  await db.checkpoint();
  for (let i = half; i < n; i++) await db.insert({ id: String(i), vector: data.subarray(i * dim, (i + 1) * dim) });
  await db.delete('1');
  const out = { len: await db.len(), hits: await exactHits(db, queries, dim, k) };
  out.files = (await db.exportFiles()).map((f) => ({ path: f.path, dir: f.dir, data: f.dir ? null : toB64(f.data) }));
  await db.close();
  return out;
}

// Crash test: insert forever, one write at a time (a checkpoint every 40),
// recording each id once its Promise resolved (acknowledged = durable).
export async function ackStream(name, dim) {
  window.acked = [];
  const db = new VectorDB({ dimensions: dim, metric: 'euclidean', storagePath: name });
  await db.ready();
  (async () => {
    for (let i = 0; ; i++) {
      await db.insert({ id: `k${i}`, vector: randomVectors(1, dim, 1000 + i), metadata: { i } });
      window.acked.push(`k${i}`);
      if (i % 40 === 39) await db.checkpoint();
    }
  })();
  return true;
}

export async function verifyAcked(name, dim, ids) {
  const db = new VectorDB({ dimensions: dim, metric: 'euclidean', storagePath: name });
  await db.ready();
  const missing = [];
  const wrong = [];
  for (const id of ids) {
    const r = await db.get(id);
    if (!r) {
      missing.push(id);
      continue;
    }
    const i = Number(id.slice(1));
    const want = randomVectors(1, dim, 1000 + i);
    if (r.metadata?.i !== i || r.vector.some((x, j) => x !== want[j])) wrong.push(id);
  }
  // writes acknowledged after the test read the list may be there too,
  // but only in order: what is there is k0, k1, ... with no hole
  let prefix = 0;
  while (await db.get(`k${prefix}`)) prefix++;
  const out = { len: await db.len(), prefix, missing, wrong, check: await db.check() };
  await db.close();
  return out;
}

// The OPFS slot file holding `file` (a path inside the database) of the
// database stored under `name`, found by the path in each slot's header
// (the layout at the top of node/browser/pool.js).
async function slotOf(name, file) {
  const root = await navigator.storage.getDirectory();
  const dir = await (await root.getDirectoryHandle('ruvector')).getDirectoryHandle(encodeURIComponent(name));
  for await (const [, h] of dir.entries()) {
    const head = new Uint8Array(await (await h.getFile()).slice(0, 4096).arrayBuffer());
    if (head.length < 32) continue;
    const len = new DataView(head.buffer).getUint32(20, true);
    const p = new TextDecoder().decode(head.subarray(32, 32 + len));
    if (file.test(p)) return { handle: h, path: p };
  }
  return null;
}

// Write a database, flip one byte in the middle of its segment, then check
// it and try to use it.
export async function corruptSegment(name) {
  const dim = 8;
  let db = new VectorDB({ dimensions: dim, metric: 'euclidean', storagePath: name });
  await db.ready();
  const data = randomVectors(300, dim, 21);
  const entries = [];
  for (let i = 0; i < 300; i++) entries.push({ id: String(i), vector: data.subarray(i * dim, (i + 1) * dim) });
  await db.insertBatch(entries);
  await db.checkpoint();
  await db.close();
  const before = await VectorDB.check(name);
  const slot = await slotOf(name, /^db\/vectordb\/seg-\d+\.rvs$/);
  const file = await slot.handle.getFile();
  const at = 4096 + Math.floor((file.size - 4096) / 2);
  const byte = new Uint8Array(await file.slice(at, at + 1).arrayBuffer())[0];
  const w = await slot.handle.createWritable({ keepExistingData: true });
  await w.write({ type: 'write', position: at, data: new Uint8Array([byte ^ 0x5a]) });
  await w.close();
  const after = await VectorDB.check(name);
  // using it: an error with a code, or answers; never a crash of the page
  db = new VectorDB({ dimensions: dim, metric: 'euclidean', storagePath: name });
  let use;
  try {
    await db.ready();
    const hits = await db.search({ vector: data.subarray(0, dim), k: 5, exact: true });
    use = { ok: true, hits: hits.length };
  } catch (e) {
    use = { ok: false, error: errInfo(e) };
  }
  await db.close();
  return { before, after, segment: slot.path, flippedAt: at - 4096, use };
}

// A full quota while writing: the write fails with RV_ENOSPC and the
// database is as it was, in this session and after reopening.
export async function quotaFull(name) {
  const dim = 8;
  const data = randomVectors(200, dim, 31);
  const entry = (i) => ({ id: String(i), vector: data.subarray(i * dim, (i + 1) * dim), metadata: { i } });
  let db = new VectorDB({ dimensions: dim, metric: 'euclidean', storagePath: name });
  await db.ready();
  await db.insertBatch(Array.from({ length: 100 }, (_, i) => entry(i)));
  const r = {};
  await db.injectFaults({ quotaBytes: 0 });
  r.single = await settle(db.insert(entry(100)));
  r.batch = await settle(db.insertBatch(Array.from({ length: 50 }, (_, i) => entry(101 + i))));
  r.checkpoint = await settle(db.checkpoint());
  r.lenDuring = await db.len();
  r.searchDuring = (await db.search({ vector: data.subarray(0, dim), k: 3, exact: true })).map((h) => h.id);
  await db.injectFaults(null);
  r.afterQuota = await settle(db.insert(entry(100)));
  r.lenAfter = await db.len();
  await db.close();
  db = new VectorDB({ dimensions: dim, metric: 'euclidean', storagePath: name });
  await db.ready();
  r.lenReopened = await db.len();
  r.got100 = (await db.get('100'))?.metadata ?? null;
  r.got101 = await db.get('101');
  await db.close();
  r.check = await VectorDB.check(name);
  return r;
}

// The worker dies under a VectorDB: every call, pending or later, rejects.
export async function workerDies() {
  const db = new VectorDB({ dimensions: 2, workerUrl: new URL('./dying-worker.js', import.meta.url) });
  const ready = await settle(db.ready());
  const later = await settle(db.insert({ id: 'a', vector: [1, 2] }));
  const search = await settle(db.search({ vector: [1, 2], k: 1 }));
  const closing = await settle(db.close());
  return { ready, later, search, closing };
}

// The shared script (scenario.js) against the browser build.
import { VectorDB as BrowserVectorDB, Database as BrowserDatabase } from '../../node/browser/index.js';
import { scenario } from './scenario.js';

export function runScenario(wasm) {
  return scenario({ VectorDB: BrowserVectorDB, Collection: BrowserCollection, Database: BrowserDatabase }, { wasm },
    `scenario-${wasm}-${Date.now()}`);
}

// Two handles on one stored database: the second is refused while the
// first is open (sync access handles are exclusive), and opens after.
export async function busy(name) {
  const a = new VectorDB({ dimensions: 2, storagePath: name });
  await a.ready();
  await a.insert({ id: 'x', vector: [1, 2] });
  const b = new VectorDB({ dimensions: 2, storagePath: name });
  const second = await settle(b.ready());
  await b.close();
  await a.close();
  const c = new VectorDB({ dimensions: 2, storagePath: name });
  const after = await settle(c.len());
  await c.close();
  return { second, after };
}

// The heap run to its limit (the worker allocates until malloc fails,
// then gives back about 16 MiB): a batch that needs more fails with
// RV_ENOMEM and changes nothing; searches go on; once the memory is given
// back, batches go in again.
export async function outOfMemory(wasm) {
  const dim = 64;
  // a small graph (m 8, ef construction 32): the inserts are not what is tested
  const db = new VectorDB({ dimensions: dim, metric: 'euclidean', wasm, hnsw: { m: 8, efConstruction: 32 } });
  await db.ready();
  const base = randomVectors(2000, dim, 5);
  await db.insertBatch(Array.from({ length: 2000 }, (_, i) => ({ id: `b${i}`, vector: base.subarray(i * dim, (i + 1) * dim) })));
  const big = randomVectors(40000, dim, 6); // 10 MiB of floats, more in the index
  const entries = Array.from({ length: 40000 }, (_, i) => ({ id: `x${i}`, vector: big.subarray(i * dim, (i + 1) * dim) }));
  const squeezed = await db.squeezeHeap({ leaveBytes: 16 << 20 });
  const batch = await settle(db.insertBatch(entries));
  const single = await settle(db.insert({ id: 'one', vector: big.subarray(0, dim) }));
  const lenDuring = await db.len();
  const searchDuring = (await db.search({ vector: base.subarray(0, dim), k: 3 })).map((h) => h.id);
  const released = await db.squeezeHeap({});
  const batchAfter = await settle(db.insertBatch(entries.slice(0, 2000)));
  const lenAfter = await db.len();
  const check = await db.check();
  await db.close();
  return { squeezed, batch, single, lenDuring, searchDuring, released, batchAfter: batchAfter.ok, lenAfter, check };
}

// IndexedDB instead of OPFS (storage: 'indexeddb', what 'auto' picks where
// the browser has no sync access handles): written here, read back after
// a page reload by idbRead.
export async function idbWrite(name, wasm) {
  const dim = 8;
  const db = new VectorDB({ dimensions: dim, metric: 'euclidean', storagePath: name, storage: 'indexeddb', wasm });
  await db.ready();
  const data = randomVectors(320, dim, 31);
  const entries = [];
  for (let i = 0; i < 300; i++) entries.push({ id: `v${i}`, vector: data.subarray(i * dim, (i + 1) * dim), metadata: { i } });
  await db.insertBatch(entries);
  await db.checkpoint(); // a segment; the rest in the log
  for (let i = 300; i < 320; i++) await db.insert({ id: `v${i}`, vector: data.subarray(i * dim, (i + 1) * dim), metadata: { i } });
  await db.delete('v5');
  const second = await settle(new VectorDB({ dimensions: dim, metric: 'euclidean', storagePath: name, storage: 'indexeddb' }).ready());
  const hits = (await db.search({ vector: data.subarray(0, dim), k: 5, exact: true })).map((h) => [h.id, h.score]);
  const out = { info: db.engineInfo, len: await db.len(), hits, second };
  await db.close();
  return out;
}

export async function idbRead(name, wasm) {
  const dim = 8;
  const data = randomVectors(320, dim, 31);
  const db = new VectorDB({ dimensions: dim, metric: 'euclidean', storagePath: name, storage: 'indexeddb', wasm });
  await db.ready();
  const out = { info: db.engineInfo, len: await db.len(),
    hits: (await db.search({ vector: data.subarray(0, dim), k: 5, exact: true })).map((h) => [h.id, h.score]),
    v5: await db.get('v5'), v310: (await db.get('v310')).metadata, check: await db.check(),
    files: (await db.exportFiles()).map((f) => ({ path: f.path, dir: f.dir, size: f.data ? f.data.length : 0,
      head: f.data ? Array.from(f.data.subarray(0, 8)) : null })) };
  await db.close();
  out.stored = await VectorDB.check(name, { storage: 'indexeddb' });
  return out;
}

// IndexedDB refusing a transaction (as at a full quota): the call whose
// changes could not be stored rejects with RV_ENOSPC, and so does every
// later one (the engine's memory is ahead of what is stored); reopened,
// the database is as it was after the last stored call.
export async function idbQuota(name) {
  const dim = 4;
  let db = new VectorDB({ dimensions: dim, metric: 'euclidean', storagePath: name, storage: 'indexeddb' });
  await db.ready();
  const data = randomVectors(60, dim, 41);
  await db.insertBatch(Array.from({ length: 50 }, (_, i) => ({ id: `v${i}`, vector: data.subarray(i * dim, (i + 1) * dim) })));
  await db.insert({ id: 'a', vector: data.subarray(50 * dim, 51 * dim) });
  await db.injectFaults({ persistFails: true });
  const failed = await settle(db.insert({ id: 'b', vector: data.subarray(51 * dim, 52 * dim) }));
  const later = await settle(db.len());
  const closing = await settle(db.close());
  db = new VectorDB({ dimensions: dim, metric: 'euclidean', storagePath: name, storage: 'indexeddb' });
  await db.ready();
  const out = { failed, later, closing, len: await db.len(), a: (await db.get('a')) !== null, b: await db.get('b'),
    check: await db.check() };
  await db.insert({ id: 'c', vector: data.subarray(52 * dim, 53 * dim) });
  out.lenAfter = await db.len();
  await db.close();
  return out;
}
