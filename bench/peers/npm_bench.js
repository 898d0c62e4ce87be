#!/usr/bin/env node
// npm_bench.js: the Node.js engines of ruvector's peer benchmark, one engine
// per process.
//
//   node --expose-gc bench/peers/npm_bench.js --engine ENGINE --peers DIR --node-pkg DIR
//        --base B --query Q --gt G --metric l2|ip|cosine --m 16 --ef-construction 200
//        --ef 10,20,... --threads T --k 10
//
// ENGINE is one of
//   usearch                 npm `usearch` (Index; add on T threads, search on 1)
//   hnswlib-node            npm `hnswlib-node` (HierarchicalNSW; addPoint one by one)
//   ruvector@0.3.2          npm `ruvector` 0.3.2 (VectorDB; per-query efSearch is ignored,
//                           so every ef in --ef is a fresh build; bench/run.sh runs one
//                           process per ef; its redb file goes to /dev/shm when present)
//   ruvector-node           this repository's Node package, Collection API
//   ruvector-node-nolane    the same with RUVECTOR_LANE=0 (no low-latency search lane)
//   ruvector-node-vectordb  this repository's Node package, VectorDB API (0.3.2's surface)
// --peers is the folder holding one installed folder per npm peer
// (`<name>@<version>/node_modules/<name>`, made by bench/run.sh); --node-pkg is
// this repository's Node package (bench/run.sh passes a copy, so a rebuild
// in node/ during a long run cannot swap the addon under it).
//
// Same contract and output as `ruvector bench --json` and the other drivers:
// build with the engine's own bulk path, then for each ef run every query
// alone, awaited one at a time (the asynchronous APIs: ruvector's) or called
// one at a time (the synchronous ones: usearch, hnswlib-node), and print one
// JSON line per ef:
//   {"ef":..,"recall":..,"qps":..,"p50_us":..,"p99_us":..,"build_s":..,
//    "threads":..,"bytes_per_vector":..,"build_cpu_s":..}
// The first ef gets one extra untimed warm-up pass, as in the other drivers.
// threads is what the engine was asked to use (hnswlib-node: 1, its API adds
// one point per call; ruvector@0.3.2: null, it takes no thread count);
// build_cpu_s is the process's CPU time over the build, so build_cpu_s /
// build_s shows how many cores the build really used.
// bytes_per_vector: ruvector-node reports its allocator's accounting (as the
// CLI does); the others the growth of resident memory over the build.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { performance } = require('perf_hooks');

function parseArgs(argv) {
  const a = { metric: 'l2', m: 16, efConstruction: 200, ef: '10,20,40,80,160,320', threads: 1, k: 10 };
  for (let i = 0; i < argv.length; i += 2) {
    const o = argv[i], v = argv[i + 1];
    if (v === undefined) die(`option ${o} needs a value`);
    switch (o) {
      case '--engine': a.engine = v; break;
      case '--peers': a.peers = v; break;
      case '--node-pkg': a.nodePkg = v; break;
      case '--base': a.base = v; break;
      case '--query': a.query = v; break;
      case '--gt': a.gt = v; break;
      case '--metric': a.metric = v; break;
      case '--m': a.m = +v; break;
      case '--ef-construction': a.efConstruction = +v; break;
      case '--ef': a.ef = v; break;
      case '--threads': a.threads = +v; break;
      case '--k': a.k = +v; break;
      default: die(`unknown option ${o}`);
    }
  }
  a.efs = a.ef.split(',').filter(Boolean).map(Number);
  if (!a.engine || !a.base || !a.query || !a.gt) die('give --engine, --base, --query and --gt');
  if (!a.efs.length || a.efs.some((e) => !(e >= 1)) || !(a.k >= 1) || !(a.threads >= 1)) die('bad --ef, --k or --threads');
  return a;
}

function die(msg) {
  process.stderr.write(`npm_bench: ${msg}\n`);
  process.exit(2);
}

// An fvecs/ivecs file as one typed array of rows (the dimension words removed).
function readVecs(file, isInt) {
  const b = fs.readFileSync(file);
  const dim = b.readInt32LE(0);
  const rowBytes = 4 + dim * 4;
  if (dim <= 0 || b.length % rowBytes) throw new Error(`${file}: not a .vecs file`);
  const n = b.length / rowBytes;
  const out = isInt ? new Int32Array(n * dim) : new Float32Array(n * dim);
  const words = new Int32Array(b.buffer, b.byteOffset, b.length / 4); // Buffer pools are 8-aligned
  const view = isInt ? words : new Float32Array(b.buffer, b.byteOffset, b.length / 4);
  for (let i = 0; i < n; i++) out.set(view.subarray(i * (dim + 1) + 1, (i + 1) * (dim + 1)), i * dim);
  return { n, dim, data: out };
}

// Load an installed npm peer: <peers>/<name>@<version>/node_modules/<name>.
function peer(dir, spec) {
  const name = spec.slice(0, spec.lastIndexOf('@'));
  const p = path.resolve(dir, spec, 'node_modules', name);
  if (!fs.existsSync(p)) throw new Error(`${spec} is not installed in ${dir} (bench/run.sh installs it)`);
  return { mod: require(p), version: JSON.parse(fs.readFileSync(path.join(p, 'package.json'), 'utf8')).version };
}

// Two collections: the first only finalises a dropped Buffer, the second frees it.
const gc = global.gc ? () => { global.gc(); global.gc(); } : () => {};
const rss = () => process.memoryUsage().rss;
const cpuS = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

// Each engine: build(base) -> {threads, bpv}; then per ef: prepare(ef) (may
// rebuild or reload) and search(i) -> array of numeric ids.
function usearchEngine(a, base, queries) {
  const { mod: usearch, version } = peer(a.peers, 'usearch@2.26.2');
  const metric = { l2: 'l2sq', ip: 'ip', cosine: 'cos' }[a.metric];
  const mk = (ef) => new usearch.Index({ dimensions: base.dim, metric, quantization: 'f32', connectivity: a.m,
    expansion_add: a.efConstruction, expansion_search: ef });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rv-bench-usearch-')), 'index.usearch');
  let index;
  const qv = [];
  for (let i = 0; i < queries.n; i++) qv.push(queries.data.subarray(i * queries.dim, (i + 1) * queries.dim));
  return {
    version,
    async build() {
      index = mk(a.efs[0]);
      const keys = new BigUint64Array(base.n);
      for (let i = 0; i < base.n; i++) keys[i] = BigInt(i);
      index.add(keys, base.data, a.threads);
      return { threads: a.threads };
    },
    // expansion_search is a constructor option with no setter in the JS API:
    // the built index is saved once and loaded into a new Index per ef.
    async prepare(ef) {
      if (!fs.existsSync(file)) index.save(file);
      index = null;
      gc();
      index = mk(ef);
      index.load(file);
    },
    search(i) { return Array.from(index.search(qv[i], a.k, 1).keys, Number); },
    cleanup() { fs.rmSync(path.dirname(file), { recursive: true, force: true }); },
  };
}

function hnswlibNodeEngine(a, base, queries) {
  const { mod: hnsw, version } = peer(a.peers, 'hnswlib-node@3.0.0');
  const space = { l2: 'l2', ip: 'ip', cosine: 'cosine' }[a.metric];
  let index;
  // Its API takes plain Arrays only: queries are converted before the clock;
  // base vectors inside the build loop (part of what adding a point costs).
  const qv = [];
  for (let i = 0; i < queries.n; i++) qv.push(Array.from(queries.data.subarray(i * queries.dim, (i + 1) * queries.dim)));
  return {
    version,
    async build() {
      index = new hnsw.HierarchicalNSW(space, base.dim);
      index.initIndex(base.n, a.m, a.efConstruction, 100);
      for (let i = 0; i < base.n; i++) index.addPoint(Array.from(base.data.subarray(i * base.dim, (i + 1) * base.dim)), i);
      return { threads: 1 };
    },
    async prepare(ef) { index.setEf(ef); },
    search(i) { return index.searchKnn(qv[i], a.k).neighbors; },
  };
}

function ruvector032Engine(a, base, queries) {
  const { mod: rv, version } = peer(a.peers, 'ruvector@0.3.2');
  const metric = { l2: 'euclidean', ip: 'dot', cosine: 'cosine' }[a.metric];
  // Its storage file (redb; 0.3.2 always persists) goes to a RAM file system
  // when there is one, so that disk speed and fsyncs do not count against it:
  // the other engines here are in-memory indexes.
  let root = os.tmpdir();
  try { fs.accessSync('/dev/shm', fs.constants.W_OK); root = '/dev/shm'; } catch { /* no tmpfs */ }
  const tmp = fs.mkdtempSync(path.join(root, 'rv-bench-ruvector032-'));
  const dirBytes = () => fs.readdirSync(tmp).reduce((s, f) => s + fs.statSync(path.join(tmp, f)).size, 0);
  let db, builds = 0;
  const qv = [];
  for (let i = 0; i < queries.n; i++) qv.push(queries.data.subarray(i * queries.dim, (i + 1) * queries.dim));
  const make = async (ef) => {
    db = null;
    gc();
    for (const f of fs.readdirSync(tmp)) fs.rmSync(path.join(tmp, f), { recursive: true, force: true });
    db = new rv.VectorDB({ dimensions: base.dim, distanceMetric: metric, storagePath: path.join(tmp, `db${builds++}.redb`),
      hnswConfig: { m: a.m, efConstruction: a.efConstruction, efSearch: ef, maxElements: base.n } });
    const B = 10000;
    for (let s = 0; s < base.n; s += B) {
      const entries = [];
      for (let i = s; i < Math.min(base.n, s + B); i++) entries.push({ id: String(i), vector: base.data.subarray(i * base.dim, (i + 1) * base.dim) });
      await db.insertBatch(entries);
    }
  };
  let current = null;
  return {
    version,
    // 0.3.2 ignores search()'s efSearch: the index is built with
    // hnswConfig.efSearch = the first ef, and rebuilt for every other ef.
    async build() {
      await make(a.efs[0]);
      current = a.efs[0];
      return { threads: null, extra: { storage_dir: root, file_bytes_per_vector: Math.round(dirBytes() / base.n) } };
    },
    async prepare(ef) { if (ef !== current) { await make(ef); current = ef; } },
    async search(i) { return (await db.search({ vector: qv[i], k: a.k, efSearch: current })).map((h) => Number(h.id)); },
    cleanup() { fs.rmSync(tmp, { recursive: true, force: true }); },
  };
}

function ourPackage(a) {
  const dir = path.resolve(a.nodePkg);
  const mod = require(dir);
  return { mod, version: JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version };
}

function ruvectorNodeEngine(a, base, queries) {
  const { mod, version } = ourPackage(a);
  let c, ef = a.efs[0];
  const qv = [];
  for (let i = 0; i < queries.n; i++) qv.push(queries.data.subarray(i * queries.dim, (i + 1) * queries.dim));
  return {
    version: `${version} (isa ${mod.isa()})`,
    async build() {
      // exactThreshold 0: the graph at every size, as the CLI measures it.
      c = new mod.Collection({ dimensions: base.dim, metric: a.metric, m: a.m, efConstruction: a.efConstruction,
        threads: a.threads, numericIds: true, exactThreshold: 0 });
      const ids = new Array(base.n);
      for (let i = 0; i < base.n; i++) ids[i] = i;
      await c.insertBatch(ids, base.data);
      return { threads: a.threads, bpv: c.stats().memoryBytes / base.n };
    },
    async prepare(e) { ef = e; },
    async search(i) { return (await c.search(qv[i], a.k, { ef })).map((h) => h.id); },
    cleanup() { return c.close(); },
  };
}

function ruvectorNodeVectorDBEngine(a, base, queries) {
  const { mod, version } = ourPackage(a);
  const metric = { l2: 'euclidean', ip: 'dot', cosine: 'cosine' }[a.metric];
  let db, ef = a.efs[0];
  const qv = [];
  for (let i = 0; i < queries.n; i++) qv.push(queries.data.subarray(i * queries.dim, (i + 1) * queries.dim));
  return {
    version: `${version} (isa ${mod.isa()})`,
    async build() {
      db = new mod.VectorDB({ dimensions: base.dim, distanceMetric: metric,
        hnsw: { m: a.m, efConstruction: a.efConstruction, efSearch: ef } });
      const entries = new Array(base.n);
      for (let i = 0; i < base.n; i++) entries[i] = { id: String(i), vector: base.data.subarray(i * base.dim, (i + 1) * base.dim) };
      await db.insertBatch(entries);
      return { threads: db.collection.options.threads, bpv: db.collection.stats().memoryBytes / base.n };
    },
    async prepare(e) { ef = e; },
    async search(i) { return (await db.search({ vector: qv[i], k: a.k, efSearch: ef })).map((h) => Number(h.id)); },
    cleanup() { return db.close(); },
  };
}

// ruvector-node-nolane: the same Collection with the package's low-latency
// search lane off (RUVECTOR_LANE=0: every search is plain napi async work on
// libuv's pool), to show what the lane buys or costs on this machine.
function ruvectorNodeNoLaneEngine(a, base, queries) {
  process.env.RUVECTOR_LANE = '0'; // read when the addon loads, which is next
  return ruvectorNodeEngine(a, base, queries);
}

const ENGINES = {
  usearch: usearchEngine,
  'hnswlib-node': hnswlibNodeEngine,
  'ruvector@0.3.2': ruvector032Engine,
  'ruvector-node': ruvectorNodeEngine,
  'ruvector-node-nolane': ruvectorNodeNoLaneEngine,
  'ruvector-node-vectordb': ruvectorNodeVectorDBEngine,
};

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const make = ENGINES[a.engine];
  if (!make) die(`unknown engine '${a.engine}' (${Object.keys(ENGINES).join(', ')})`);
  let base, queries, gt;
  try {
    base = readVecs(a.base);
    queries = readVecs(a.query);
    gt = readVecs(a.gt, true);
  } catch (e) {
    process.stderr.write(`npm_bench: cannot read the data files: ${e.message}\n`);
    process.exit(1);
  }
  if (queries.dim !== base.dim || gt.n < queries.n || gt.dim < a.k) {
    process.stderr.write('npm_bench: data files do not match\n');
    process.exit(1);
  }
  const nq = queries.n, k = a.k;
  const truth = [];
  for (let q = 0; q < nq; q++) truth.push(new Set(gt.data.subarray(q * gt.dim, q * gt.dim + k)));

  const eng = make(a, base, queries);
  process.stderr.write(`npm_bench: ${a.engine} ${eng.version}, node ${process.version}, ${base.n} x ${base.dim}, ` +
    `${nq} queries, metric ${a.metric}\n`);
  gc();
  const rss0 = rss(), cpu0 = cpuS(), t0 = performance.now();
  const built = await eng.build();
  const buildS = (performance.now() - t0) / 1000, buildCpu = cpuS() - cpu0;
  const bpv = built.bpv !== undefined ? built.bpv : (rss() - rss0) / base.n;

  const lat = new Float64Array(nq);
  const found = new Array(nq);
  let warmed = false;
  for (const ef of a.efs) {
    await eng.prepare(ef);
    for (let pass = warmed ? 1 : 0; pass < 2; pass++) {
      for (let q = 0; q < nq; q++) {
        const t = performance.now();
        const ids = await eng.search(q);
        lat[q] = (performance.now() - t) * 1000;
        found[q] = ids;
      }
      if (pass === 0) { warmed = true; continue; }
      let hits = 0, total = 0;
      for (let q = 0; q < nq; q++) {
        total += lat[q];
        for (const id of found[q]) if (truth[q].has(id)) hits++;
      }
      const s = Array.from(lat).sort((x, y) => x - y);
      const r1 = (x) => Math.round(x * 10) / 10;
      console.log(JSON.stringify({
        ef, recall: Math.round((hits / (nq * k)) * 1e4) / 1e4, qps: r1(nq / (total / 1e6)),
        p50_us: r1(s[nq >> 1]), p99_us: r1(s[Math.floor((nq - 1) * 0.99)]),
        build_s: Math.round(buildS * 1000) / 1000, threads: built.threads, bytes_per_vector: r1(bpv),
        build_cpu_s: Math.round(buildCpu * 1000) / 1000, version: eng.version, ...(built.extra || {}),
      }));
    }
  }
  if (eng.cleanup) await eng.cleanup();
}

main().catch((e) => {
  process.stderr.write(`npm_bench: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
