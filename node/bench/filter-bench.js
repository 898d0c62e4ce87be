#!/usr/bin/env node
// Filtered VectorDB.search on sift-wp-100k-128-l2 (issue #11): QPS and
// recall@10 against the exact filtered answer at 1%, 10% and 50%
// selectivity, one query at a time (each awaited, as bench.js measures).
//
// Every base vector i gets the metadata {c100, c10, c2}: three values drawn
// from a hash of i, uniform over 0..99, 0..9 and 0..1; the filters
// {c100: 7}, {c10: 3} and {c2: 1} then keep about 1%, 10% and 50% of the
// records (the exact share is printed). The exact answer is a brute-force
// scan in this script (squared L2 in float64 over the matching vectors,
// ties to the lower index), so it does not depend on the code measured.
//
// The store is a persistent VectorDB (M 32, ef_construction 200: 0.3.2's
// defaults) built once into build/bench-filter/ (or --store DIR) and reused
// by later runs, so a before/after comparison searches the same graph.
//
// QPS is wall-clock; "CPU µs/query" is this process's CPU time (all its
// threads) per query, steadier than QPS on a shared machine (run with
// RUVECTOR_LANE=0 for it to mean work done: the lane spins while it waits).
//
// Usage: node bench/filter-bench.js [--queries 200] [--ef 100,200] [--store DIR] [--json] [--pkg DIR]
// --pkg DIR measures the package at DIR instead of this one (the "before"
// figures: the JS layer of an earlier commit, `git archive COMMIT node/lib
// node/index.js node/package.json | tar -x -C DIR`, with RUVECTOR_ADDON
// naming this build's addon).
// Data: build/data/sift-wp-100k-128-l2 (decompressed from ../shared/data when missing).
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { performance } = require('perf_hooks');
const repo = path.resolve(__dirname, '..', '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const { VectorDB } = require(path.resolve(opt('--pkg', path.join(__dirname, '..'))));
const NQ = Number(opt('--queries', 200));
const EFS = opt('--ef', '100').split(',').map(Number);
const STORE = path.resolve(opt('--store', path.join(repo, 'build', 'bench-filter')));
const JSON_OUT = args.includes('--json');
const DATASET = 'sift-wp-100k-128-l2';
const K = 10;
const WARMUP = 20;

function ensureData() {
  const dir = path.join(repo, 'build', 'data', DATASET);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ['base.fvecs', 'query.fvecs']) {
    const out = path.join(dir, f);
    if (fs.existsSync(out)) continue;
    const src = path.resolve(repo, '..', 'shared', 'data', DATASET, `${f}.xz`);
    const r = spawnSync('sh', ['-c', 'xz -dc "$1" > "$2.tmp" && mv "$2.tmp" "$2"', 'sh', src, out], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`cannot decompress ${src}`);
  }
  return dir;
}

function readFvecs(file) {
  const b = fs.readFileSync(file);
  const dim = b.readInt32LE(0);
  const row = 4 + dim * 4;
  const n = b.length / row;
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) out[i * dim + d] = b.readFloatLE(i * row + 4 + d * 4);
  }
  return { n, dim, data: out };
}

// A fixed 32-bit mix of i (splitmix-style), so the fields are independent of the data order.
function hash(i) {
  let x = (i + 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}
const metaOf = (i) => { const h = hash(i); return { c100: h % 100, c10: (h >>> 8) % 10, c2: (h >>> 16) % 2 }; };

const FILTERS = [
  { name: '1%', filter: { c100: 7 }, match: (m) => m.c100 === 7 },
  { name: '10%', filter: { c10: 3 }, match: (m) => m.c10 === 3 },
  { name: '50%', filter: { c2: 1 }, match: (m) => m.c2 === 1 },
];

function exactFiltered(base, q, qi, ids) {
  const dim = base.dim;
  const best = []; // [dist, idx], sorted, at most K
  for (const i of ids) {
    let s = 0;
    for (let d = 0; d < dim; d++) {
      const t = base.data[i * dim + d] - q.data[qi * dim + d];
      s += t * t;
    }
    if (best.length < K || s < best[best.length - 1][0]) {
      best.push([s, i]);
      best.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      if (best.length > K) best.pop();
    }
  }
  return best.map((b) => b[1]);
}

async function build(base) {
  const marker = path.join(STORE, 'bench-complete');
  if (fs.existsSync(marker)) return false;
  fs.rmSync(STORE, { recursive: true, force: true });
  const db = new VectorDB({ dimensions: base.dim, distanceMetric: 'euclidean', storagePath: STORE, durability: 'off' });
  const t0 = performance.now();
  const STEP = 10000;
  for (let s = 0; s < base.n; s += STEP) {
    const batch = [];
    for (let i = s; i < Math.min(base.n, s + STEP); i++) {
      batch.push({ id: String(i), vector: base.data.subarray(i * base.dim, (i + 1) * base.dim), metadata: metaOf(i) });
    }
    await db.insertBatch(batch);
  }
  await db.close();
  fs.writeFileSync(marker, '');
  console.log(`built ${STORE}: ${base.n} vectors in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return true;
}

async function main() {
  const dir = ensureData();
  const base = readFvecs(path.join(dir, 'base.fvecs'));
  const q = readFvecs(path.join(dir, 'query.fvecs'));
  const nq = Math.min(NQ, q.n);
  await build(base);
  const metas = Array.from({ length: base.n }, (_, i) => metaOf(i));
  const t0 = performance.now();
  const db = new VectorDB({ dimensions: base.dim, distanceMetric: 'euclidean', storagePath: STORE, readOnly: false });
  await db.ready();
  const openMs = performance.now() - t0;
  const rows = [];
  for (const f of FILTERS) {
    const ids = [];
    for (let i = 0; i < base.n; i++) if (f.match(metas[i])) ids.push(i);
    const gt = [];
    for (let qi = 0; qi < nq + WARMUP; qi++) gt.push(exactFiltered(base, q, qi % q.n, ids));
    for (const ef of EFS) {
      const vec = (qi) => q.data.subarray((qi % q.n) * q.dim, (qi % q.n + 1) * q.dim);
      for (let qi = nq; qi < nq + WARMUP; qi++) await db.search({ vector: vec(qi), k: K, efSearch: ef, filter: f.filter });
      let hit = 0, short = 0;
      const start = performance.now();
      const cpu0 = process.cpuUsage();
      const results = [];
      for (let qi = 0; qi < nq; qi++) results.push(await db.search({ vector: vec(qi), k: K, efSearch: ef, filter: f.filter }));
      const secs = (performance.now() - start) / 1000;
      const cpu = process.cpuUsage(cpu0);
      for (let qi = 0; qi < nq; qi++) {
        const g = new Set(gt[qi]);
        if (results[qi].length !== K) short++;
        for (const h of results[qi]) {
          if (!f.match(metas[Number(h.id)])) throw new Error(`query ${qi}: hit ${h.id} does not match ${JSON.stringify(f.filter)}`);
          if (g.has(Number(h.id))) hit++;
        }
      }
      rows.push({ selectivity: f.name, share: ids.length / base.n, ef, qps: nq / secs, recall: hit / (nq * K), short, queries: nq,
        cpuUs: (cpu.user + cpu.system) / nq });
    }
  }
  await db.close();
  const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  if (JSON_OUT) {
    for (const r of rows) console.log(JSON.stringify({ ...r, openMs, load }));
  } else {
    console.log(`VectorDB.search with a filter, ${DATASET}, k ${K}, ${nq} queries one at a time; open ${openMs.toFixed(0)} ms; load after: ${load}`);
    console.log('| selectivity | share | efSearch | QPS | recall@10 | CPU µs/query | short results |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) {
      console.log(`| ${r.selectivity} | ${(100 * r.share).toFixed(2)}% | ${r.ef} | ${r.qps.toFixed(0)} | ${r.recall.toFixed(3)} | ` +
        `${r.cpuUs.toFixed(0)} | ${r.short} |`);
    }
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
