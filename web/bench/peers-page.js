// peers-page.js: what web/bench/peers.js runs inside one Chromium page:
// each library builds an index over the same vectors, then answers the same
// queries at a sweep of search effort (ef), one query at a time, awaited,
// as a page would call it. Returned per setting: recall@10 against the
// exact neighbours peers.js computed, queries per second of the loop, and
// the median latency. ruvector runs in its worker (each search a message
// round trip, as the page sees it; its searchBatch, one message for all
// queries, is measured too); the others run on the page's thread, as their
// packages offer them. Libraries load from web/bench/peers/node_modules
// (`npm ci` there; peers.js does it).
import { Collection } from '../../node/browser/index.js';

const NM = '/web/bench/peers/node_modules';
const EFS = [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512];
const TARGET = 0.95;

async function fetchF32(url) { return new Float32Array(await (await fetch(url)).arrayBuffer()); }
async function fetchI32(url) { return new Int32Array(await (await fetch(url)).arrayBuffer()); }

function recallAt10(got, gt, q) {
  const want = new Set();
  for (let j = 0; j < 10; j++) want.add(gt[q * 10 + j]);
  let n = 0;
  for (const id of got.slice(0, 10)) if (want.has(id)) n++;
  return n / 10;
}

// One setting: each query awaited in turn. search(q) -> ids (numbers).
async function sweepPoint(search, queries, dim, nq, gt) {
  const lat = new Float64Array(nq);
  let rec = 0;
  const t0 = performance.now();
  for (let q = 0; q < nq; q++) {
    const a = performance.now();
    const ids = await search(queries.subarray(q * dim, (q + 1) * dim));
    lat[q] = performance.now() - a;
    rec += recallAt10(ids, gt, q);
  }
  const ms = performance.now() - t0;
  lat.sort();
  return { recall: rec / nq, qps: nq / (ms / 1000), p50Ms: lat[nq >> 1], p99Ms: lat[Math.min(nq - 1, Math.floor(nq * 0.99))] };
}

// The sweep: settings in order until recall@10 reaches the target (and one more).
async function sweep(setEf, search, queries, dim, nq, gt, efs = EFS) {
  const points = [];
  for (const ef of efs) {
    await setEf(ef);
    const p = { ef, ...(await sweepPoint(search, queries, dim, nq, gt)) };
    points.push(p);
    if (p.recall >= TARGET) break;
  }
  return points;
}

const heapMiB = () => (performance.memory ? performance.memory.usedJSHeapSize / 2 ** 20 : null);

// ---- ruvector: SIMD builds, persists and is measured; then reopened by each build ----
export async function ruvector(set, meta, params) {
  const [base, queries, gt] = await Promise.all([fetchF32(`${set}/base.f32`), fetchF32(`${set}/query.f32`), fetchI32(`${set}/gt.i32`)]);
  const { n, dim, nq, metric } = meta;
  const name = `bench-${Date.now()}`;
  const out = {};
  let c = await Collection.open({ storagePath: name, name: 'bench', dimensions: dim, metric, m: params.m,
    efConstruction: params.efConstruction, wasm: 'simd', checkpointBytes: 0, durability: 'off' });
  const ids = Array.from({ length: n }, (_, i) => String(i));
  let t = performance.now();
  await c.insertBatch(ids, base);
  out.buildMs = performance.now() - t;
  t = performance.now();
  await c.checkpoint();
  out.checkpointMs = performance.now() - t;
  await c.close();
  for (const wasm of ['simd', 'plain']) {
    t = performance.now();
    c = await Collection.open({ storagePath: name, name: 'bench', dimensions: dim, metric, wasm });
    const reopenMs = performance.now() - t;
    const st = await c.stats();
    let ef = 0;
    const points = await sweep((e) => { ef = e; }, async (q) => (await c.search(q, 10, { ef })).map((h) => Number(h.id)),
      queries, dim, nq, gt);
    // the same queries in one message, at the setting that reached the target
    ef = points[points.length - 1].ef;
    t = performance.now();
    await c.searchBatch(queries, 10, { ef });
    const batchQps = nq / ((performance.now() - t) / 1000);
    out[wasm] = { reopenMs, points, batchQps, batchEf: ef, isa: st.isa, bytesPerVector: (st.memoryBytes + st.mappedBytes) / st.count,
      heapMiB: st.heapBytes / 2 ** 20 };
    await c.close();
  }
  return out;
}

// ---- hnswlib-wasm 0.8.2: hnswlib (C++) with emscripten, no SIMD ----
export async function hnswlib(set, meta, params) {
  const [base, queries, gt] = await Promise.all([fetchF32(`${set}/base.f32`), fetchF32(`${set}/query.f32`), fetchI32(`${set}/gt.i32`)]);
  const { n, dim, nq, metric } = meta;
  const { loadHnswlib } = await import(`${NM}/hnswlib-wasm/dist/hnswlib.js`);
  const lib = await loadHnswlib();
  const index = new lib.HierarchicalNSW(metric === 'cosine' ? 'cosine' : 'l2', dim, '');
  index.initIndex(n, params.m, params.efConstruction, 100);
  const t = performance.now();
  const items = new Array(n);
  for (let i = 0; i < n; i++) items[i] = base.subarray(i * dim, (i + 1) * dim);
  const labels = Array.from({ length: n }, (_, i) => i);
  // in slices: the embind call converts each item to a C++ vector
  for (let s = 0; s < n; s += 1000) index.addPoints(items.slice(s, s + 1000), labels.slice(s, s + 1000), false);
  const buildMs = performance.now() - t;
  const points = await sweep((e) => index.setEfSearch(e), (q) => index.searchKnn(q, 10, undefined).neighbors,
    queries, dim, nq, gt);
  return { buildMs, points, jsHeapMiB: heapMiB() };
}

// ---- @ruvector/wasm 0.1.31: Rust (wasm-bindgen); no search-effort setting ----
export async function ruvectorWasm(set, meta) {
  const [base, queries, gt] = await Promise.all([fetchF32(`${set}/base.f32`), fetchF32(`${set}/query.f32`), fetchI32(`${set}/gt.i32`)]);
  const { n, dim, nq, metric } = meta;
  const mod = await import(`${NM}/@ruvector/wasm/pkg/ruvector_wasm.js`);
  await mod.default();
  const db = new mod.VectorDB(dim, metric === 'cosine' ? 'cosine' : 'euclidean', true);
  const t = performance.now();
  // one at a time: its insertBatch rejects plain entries ("Invalid metadata")
  for (let i = 0; i < n; i++) db.insert(base.slice(i * dim, (i + 1) * dim), String(i), undefined);
  const buildMs = performance.now() - t;
  const points = await sweep(() => {}, (q) => db.search(q, 10, null).map((r) => Number(r.id)), queries, dim, nq, gt, [0]);
  // its persistence: save to IndexedDB, then load (which rebuilds the index from the saved vectors)
  let saveMs = null, reloadMs = null, reloadError = null;
  try {
    let s = performance.now();
    await db.saveToIndexedDB();
    saveMs = performance.now() - s;
    s = performance.now();
    const again = await mod.VectorDB.loadFromIndexedDB('ruvector_db');
    reloadMs = performance.now() - s;
    reloadError = again && typeof again.len === 'function' && again.len() !== n ? `reloaded ${again.len()} of ${n}` : null;
  } catch (e) {
    reloadError = String(e && e.message ? e.message : e);
  }
  return { buildMs, points, saveMs, reloadMs, reloadError, jsHeapMiB: heapMiB() };
}

// ---- voy-search 0.6.3: a k-d tree (Rust, wasm-bindgen); exact, no setting ----
export async function voy(set, meta) {
  const [base, queries, gt] = await Promise.all([fetchF32(`${set}/base.f32`), fetchF32(`${set}/query.f32`), fetchI32(`${set}/gt.i32`)]);
  const { n, dim, nq } = meta;
  // its module is made for bundlers (it imports the .wasm): instantiate it here
  const bg = await import(`${NM}/voy-search/voy_search_bg.js`);
  const bytes = await (await fetch(`${NM}/voy-search/voy_search_bg.wasm`)).arrayBuffer();
  const m = await WebAssembly.compile(bytes);
  const imports = {};
  for (const imp of WebAssembly.Module.imports(m)) imports[imp.module] = bg;
  const inst = await WebAssembly.instantiate(m, imports);
  bg.__wbg_set_wasm(inst.exports);
  const t = performance.now();
  const embeddings = new Array(n);
  for (let i = 0; i < n; i++) embeddings[i] = { id: String(i), title: '', url: '', embeddings: Array.from(base.subarray(i * dim, (i + 1) * dim)) };
  const index = new bg.Voy({ embeddings });
  const buildMs = performance.now() - t;
  const points = await sweep(() => {}, (q) => Array.from(index.search(q, 10).neighbors, (x) => Number(x.id)), queries, dim, nq, gt, [0]);
  return { buildMs, points, jsHeapMiB: heapMiB() };
}

// ---- EdgeVec 0.9.0: HNSW in Rust (wasm-bindgen); ef_search is fixed at construction ----
export async function edgevec(set, meta, params) {
  const [base, queries, gt] = await Promise.all([fetchF32(`${set}/base.f32`), fetchF32(`${set}/query.f32`), fetchI32(`${set}/gt.i32`)]);
  const { n, dim, nq } = meta;
  const mod = await import(`${NM}/edgevec/edgevec.js`);
  await mod.default();
  const make = (ef) => {
    const cfg = new mod.EdgeVecConfig(dim);
    // L2 for both sets: the word vectors are unit length, so L2 ranks as
    // cosine does, and EdgeVec 0.9.0's 'cosine' returns the farthest first
    // (its scores are similarities sorted ascending)
    cfg.metric = 'l2';
    cfg.m = params.m;
    cfg.m0 = params.m * 2;
    cfg.ef_construction = params.efConstruction;
    cfg.ef_search = ef;
    return new mod.EdgeVec(cfg);
  };
  // one index, built once; ef_search can only be set before building, so the
  // sweep is one point at the ef where the others reach the target
  const ef = params.edgevecEf;
  const idx = make(ef);
  const t = performance.now();
  const idOf = new Map();
  for (let s = 0; s < n; s += 1000) {
    const cnt = Math.min(1000, n - s);
    const got = idx.insertBatchFlat(base.subarray(s * dim, (s + cnt) * dim), cnt);
    for (let i = 0; i < cnt; i++) idOf.set(got[i], s + i);
  }
  const buildMs = performance.now() - t;
  const points = await sweep(() => {}, (q) => Array.from(idx.search(q, 10), (r) => idOf.get(r.id)), queries, dim, nq, gt, [ef]);
  return { buildMs, points, jsHeapMiB: heapMiB() };
}
