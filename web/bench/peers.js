// peers.js: ruvector's browser build against the other browser vector
// libraries, in one Chromium run (`make bench-browser`):
//   ruvector (SIMD and plain builds), @ruvector/wasm, hnswlib-wasm,
//   voy-search and EdgeVec (exact versions in peers/package.json),
// on SIFT (128-d, L2) and the 384-d word vectors (cosine) from
// ../shared/data, or generated vectors without it. Per library and data
// set: build time, then recall@10, queries per second and median latency
// over a sweep of search effort (peers-page.js), up to recall@10 >= 0.95;
// the time to reopen a persisted collection against @ruvector/wasm's
// reload from IndexedDB; and the gzipped size of what each loads.
// Writes build/web/bench/peers.json and peers.md (the table for
// web/README.md); web/bench/plot.py draws web/bench/peers.png from the json.
//
// Environment: N_SIFT (100000), N_WORDS (50000), NQ (200 queries),
// ONLY (comma-separated library names), CHROMIUM. Use the shared ground
// truth at full size; below it, exact neighbours computed here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../test/server.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const DATA = process.env.RV_SHARED_DATA ?? path.join(ROOT, '..', 'shared', 'data');
const OUT = path.join(ROOT, 'build', 'web', 'bench');
const NQ = Number(process.env.NQ ?? 200);
const PARAMS = { m: 16, efConstruction: 100, edgevecEf: 64 };
const SETS = [
  { key: 'sift', dir: 'sift-wp-100k-128-l2', full: 100000, n: Number(process.env.N_SIFT ?? 100000), dim: 128, metric: 'l2' },
  { key: 'words', dir: 'words-384-cos-50k', full: 50000, n: Number(process.env.N_WORDS ?? 50000), dim: 384, metric: 'cosine' },
];
const LIBS = ['ruvector', 'ruvectorWasm', 'hnswlib', 'voy', 'edgevec'];
const only = process.env.ONLY ? process.env.ONLY.split(',') : LIBS;

// fvecs/ivecs rows (int32 dim, then dim values) -> a flat typed array of the first `rows`.
function readVecs(file, rows, Ctor) {
  const xz = `${file}.xz`;
  const buf = fs.existsSync(file) ? fs.readFileSync(file) : execFileSync('xz', ['-dc', xz], { maxBuffer: 1 << 30 });
  const dim = buf.readInt32LE(0);
  const n = Math.min(rows, buf.length / (4 + 4 * dim));
  const out = new Ctor(n * dim);
  for (let i = 0; i < n; i++) {
    const from = i * (4 + 4 * dim) + 4;
    out.set(new Ctor(buf.buffer.slice(buf.byteOffset + from, buf.byteOffset + from + 4 * dim)), i * dim);
  }
  return { data: out, dim, n };
}

function generated(n, dim, seed, unit) {
  let s = seed >>> 0;
  const out = new Float32Array(n * dim);
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 4294967296 - 0.5;
  }
  if (unit) normalise(out, dim);
  return out;
}

function normalise(v, dim) {
  for (let i = 0; i < v.length; i += dim) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += v[i + j] * v[i + j];
    const r = 1 / Math.sqrt(s || 1);
    for (let j = 0; j < dim; j++) v[i + j] *= r;
  }
}

// Exact top 10 per query (L2, or inner product on unit vectors for cosine).
function exact(base, queries, n, nq, dim, metric) {
  const gt = new Int32Array(nq * 10);
  for (let q = 0; q < nq; q++) {
    const best = [];
    const qo = q * dim;
    for (let i = 0; i < n; i++) {
      let d = 0;
      const o = i * dim;
      if (metric === 'l2') for (let j = 0; j < dim; j++) { const x = base[o + j] - queries[qo + j]; d += x * x; }
      else { for (let j = 0; j < dim; j++) d -= base[o + j] * queries[qo + j]; }
      if (best.length < 10 || d < best[best.length - 1][0]) {
        best.push([d, i]);
        best.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        if (best.length > 10) best.pop();
      }
    }
    for (let j = 0; j < 10; j++) gt[q * 10 + j] = best[j][1];
  }
  return gt;
}

function prepare(set) {
  const dir = path.join(OUT, set.key);
  fs.mkdirSync(dir, { recursive: true });
  const src = path.join(DATA, set.dir);
  let base, queries, gt, source;
  if (fs.existsSync(path.join(src, 'base.fvecs.xz')) || fs.existsSync(path.join(src, 'base.fvecs'))) {
    base = readVecs(path.join(src, 'base.fvecs'), set.n, Float32Array).data;
    queries = readVecs(path.join(src, 'query.fvecs'), NQ, Float32Array).data;
    source = `../shared/data/${set.dir}`;
    if (set.n === set.full) {
      const all = readVecs(path.join(src, 'groundtruth.ivecs'), NQ, Int32Array);
      gt = new Int32Array(NQ * 10);
      for (let q = 0; q < NQ; q++) gt.set(all.data.subarray(q * all.dim, q * all.dim + 10), q * 10);
    }
  } else {
    base = generated(set.n, set.dim, 1, set.metric === 'cosine');
    queries = generated(NQ, set.dim, 2, set.metric === 'cosine');
    source = 'generated (uniform)';
  }
  if (!gt) gt = exact(base, queries, set.n, NQ, set.dim, set.metric);
  fs.writeFileSync(path.join(dir, 'base.f32'), base);
  fs.writeFileSync(path.join(dir, 'query.f32'), queries);
  fs.writeFileSync(path.join(dir, 'gt.i32'), gt);
  return { n: set.n, dim: set.dim, nq: NQ, metric: set.metric, source };
}

const gz = (files) => files.reduce((s, f) => s + zlib.gzipSync(fs.readFileSync(path.join(ROOT, f)), { level: 9 }).length, 0);
const NM = 'web/bench/peers/node_modules';
const JS = ['index.js', 'vectordb.js', 'collection.js', 'database.js', 'common.js', 'features.js', 'worker.js', 'pool.js']
  .map((f) => `node/browser/${f}`);
const SIZES = {
  ruvector: () => ({ simd: gz([...JS, 'node/browser/dist/simd/ruvector.wasm', 'node/browser/dist/simd/ruvector.mjs']),
    plain: gz([...JS, 'node/browser/dist/plain/ruvector.wasm', 'node/browser/dist/plain/ruvector.mjs']) }),
  ruvectorWasm: () => gz([`${NM}/@ruvector/wasm/pkg/ruvector_wasm.js`, `${NM}/@ruvector/wasm/pkg/ruvector_wasm_bg.wasm`]),
  hnswlib: () => gz([`${NM}/hnswlib-wasm/dist/hnswlib.js`, `${NM}/hnswlib-wasm/dist/hnswlib-317962d7.js`]),
  voy: () => gz([`${NM}/voy-search/voy_search_bg.js`, `${NM}/voy-search/voy_search_bg.wasm`]),
  edgevec: () => gz([`${NM}/edgevec/edgevec.js`, `${NM}/edgevec/edgevec_bg.wasm`]),
};

const results = { date: new Date().toISOString(), params: PARAMS, nq: NQ, cpus: os.cpus().length, load: os.loadavg(),
  sizes: {}, sets: {} };
for (const lib of only) results.sizes[lib] = SIZES[lib]();

const srv = await serve();
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'rv-bench-'));
// a profile on disk, as a user's browser has (see reopen.js)
const ctx = await chromium.launchPersistentContext(profile, { executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--enable-precise-memory-info'], headless: true });
try {
  for (const set of SETS) {
    const t0 = Date.now();
    const meta = prepare(set);
    console.log(`${set.key}: ${meta.n} x ${meta.dim} (${meta.metric}), ${meta.nq} queries, from ${meta.source} (${Date.now() - t0} ms)`);
    results.sets[set.key] = { meta, libs: {} };
    for (const lib of only) {
      const page = await ctx.newPage(); // a fresh page per library: no heap shared
      page.on('pageerror', (e) => console.error(`  ${lib}: page error: ${e.message}`));
      await page.goto(`${srv.url}/web/bench/peers.html`);
      await page.waitForFunction(() => window.benchReady === true);
      const t = Date.now();
      try {
        const r = await page.evaluate(([fn, s, m, p]) => window.bench[fn](s, m, p), [lib, `/build/web/bench/${set.key}`, meta, PARAMS]);
        results.sets[set.key].libs[lib] = r;
        console.log(`  ${lib} (${((Date.now() - t) / 1000).toFixed(0)} s): ${JSON.stringify(r)}`);
      } catch (e) {
        results.sets[set.key].libs[lib] = { error: e.message.split('\n')[0] };
        console.log(`  ${lib}: failed: ${e.message.split('\n')[0]}`);
      }
      await page.close();
    }
  }
} finally {
  await ctx.close();
  await srv.close();
  fs.rmSync(profile, { recursive: true, force: true });
}

// The table: at the first setting reaching recall@10 0.95 (or the best reached).
const NAMES = { ruvector: 'ruvector', ruvectorWasm: '@ruvector/wasm 0.1.31', hnswlib: 'hnswlib-wasm 0.8.2',
  voy: 'voy-search 0.6.3', edgevec: 'EdgeVec 0.9.0' };
const pick = (points) => points.find((p) => p.recall >= 0.95) ?? points[points.length - 1];
const f = (x, d = 0) => (x === null || x === undefined ? 'n/a' : x.toFixed(d));
const kb = (b) => `${(b / 1024).toFixed(0)} KB`;
let md = `| data | library | build s | ef | recall@10 | QPS | p50 ms | gzipped |\n|---|---|---|---|---|---|---|---|\n`;
for (const [key, s] of Object.entries(results.sets)) {
  for (const lib of only) {
    const r = s.libs[lib];
    if (!r) continue;
    if (r.error) {
      md += `| ${key} | ${NAMES[lib]} | failed: ${r.error} | | | | | |\n`;
      continue;
    }
    const rows = lib === 'ruvector' ? [['SIMD', r.simd, results.sizes.ruvector.simd], ['plain', r.plain, results.sizes.ruvector.plain]]
      : [['', r, results.sizes[lib]]];
    for (const [variant, x, size] of rows) {
      const p = pick(x.points);
      const qps = lib === 'ruvector' ? `${f(p.qps)} (batch ${f(x.batchQps)})` : f(p.qps);
      md += `| ${key} | ${NAMES[lib]}${variant ? ` ${variant}` : ''} | ${f((r.buildMs) / 1000, 1)} | ${p.ef || '-'} | ${f(p.recall, 3)} | ` +
        `${qps} | ${f(p.p50Ms, 3)} | ${kb(size)} |\n`;
    }
  }
}
const rv = results.sets.sift?.libs.ruvector;
const rw = results.sets.sift?.libs.ruvectorWasm;
md += `\nReopen (SIFT, ${results.sets.sift?.meta.n} x 128): ruvector SIMD ${f(rv?.simd?.reopenMs)} ms, plain ${f(rv?.plain?.reopenMs)} ms; ` +
  `@ruvector/wasm reload from IndexedDB ${rw?.reloadError ? `failed (${rw.reloadError})` : `${f(rw?.reloadMs)} ms`}.\n`;
fs.mkdirSync(OUT, { recursive: true });
fs.writeFileSync(path.join(OUT, 'peers.json'), JSON.stringify(results, null, 1));
fs.writeFileSync(path.join(OUT, 'peers.md'), md);
console.log(`\n${md}\nwritten: build/web/bench/peers.json, peers.md`);
