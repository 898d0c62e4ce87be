#!/usr/bin/env node
// agent_bench.mjs: the agent-memory workload of ruvector's benchmark, one
// engine per process.
//
//   node --expose-gc bench/peers/agent_bench.mjs --engine ENGINE --peers DIR --node-pkg DIR
//        --base B.fvecs --query Q.fvecs [--rows 10000] [--queries 200] [--k 10] [--ef 64]
//
// The workload: an agent's episodic memory of ROWS episodes, each with a
// 384-d embedding, and "which past episodes are most like this task?"
// queries. Embeddings are real vectors from B (the first ROWS rows) and Q,
// not a model's: the engines are given an embedder that maps the episode's
// text ("ep<i>") and the query's ("q<i>") to those vectors, so no model runs
// and every engine sees the same vectors.
//
// ENGINE is one of
//   agentdb          npm agentdb 1.6.1: ReflexionMemory over its createDatabase
//                    (sql.js, in memory) with its schema.sql and
//                    frontier-schema.sql; build = storeEpisode() per row; query =
//                    retrieveRelevant({task, k}), which loads every episode row
//                    with its embedding, computes cosine in JS and sorts.
//   ruvector-agentdb this repository's agentdb-compatible layer, driven exactly
//                    as agentdb (only when the Node package has one: lib/agentdb
//                    or a "./agentdb" export).
//   ruvector-exact   this repository's Node package, Collection (cosine),
//                    insertBatch of the rows, search(q, k, {exact: true}).
//   ruvector-hnsw    the same collection searched through its HNSW graph at --ef.
// One JSON line on stdout (bench/run.sh adds the engine's name):
//   {"rows":..,"dim":..,"queries":..,"k":..,
//    "build_s":..,"qps":..,"p50_us":..,"p99_us":..,"recall":..,"ef":..,"version":..}
// recall is recall@k against the exact cosine neighbours among the ROWS
// rows, computed here in float64.
import fs from 'fs';
import path from 'path';
import { createRequire } from 'module';
import { performance } from 'perf_hooks';
import { pathToFileURL } from 'url';

const require = createRequire(import.meta.url);

function die(msg, code = 2) {
  process.stderr.write(`agent_bench: ${msg}\n`);
  process.exit(code);
}

function parseArgs(argv) {
  const a = { rows: 10000, queries: 200, k: 10, ef: 64 };
  for (let i = 0; i < argv.length; i += 2) {
    const o = argv[i], v = argv[i + 1];
    if (v === undefined) die(`option ${o} needs a value`);
    switch (o) {
      case '--engine': a.engine = v; break;
      case '--peers': a.peers = v; break;
      case '--node-pkg': a.nodePkg = v; break;
      case '--base': a.base = v; break;
      case '--query': a.query = v; break;
      case '--rows': a.rows = +v; break;
      case '--queries': a.queries = +v; break;
      case '--k': a.k = +v; break;
      case '--ef': a.ef = +v; break;
      default: die(`unknown option ${o}`);
    }
  }
  if (!a.engine || !a.base || !a.query) die('give --engine, --base and --query');
  return a;
}

function readVecs(file, limit) {
  const b = fs.readFileSync(file);
  const dim = b.readInt32LE(0);
  const n = Math.min(limit, b.length / (4 + dim * 4));
  const all = new Float32Array(b.buffer, b.byteOffset, b.length / 4);
  const rows = [];
  for (let i = 0; i < n; i++) rows.push(Float32Array.from(all.subarray(i * (dim + 1) + 1, (i + 1) * (dim + 1))));
  return { dim, rows };
}

// Exact cosine top-k (float64), ties to the lower row.
function exactTopK(rows, q, k) {
  let qn = 0;
  for (let j = 0; j < q.length; j++) qn += q[j] * q[j];
  const sims = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    let dot = 0, rn = 0;
    for (let j = 0; j < q.length; j++) { dot += q[j] * r[j]; rn += r[j] * r[j]; }
    sims[i] = dot / Math.sqrt(qn * rn);
  }
  const idx = Array.from(sims.keys());
  idx.sort((x, y) => sims[y] - sims[x] || x - y);
  return new Set(idx.slice(0, k));
}

// The agentdb-compatible layer of this repository's package, if it has one.
function findOurAgentdb(pkgDir) {
  const pj = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  const exp = pj.exports && pj.exports['./agentdb'];
  const cands = [];
  if (exp) {
    const e = typeof exp === 'string' ? exp : (exp.import || exp.require || exp.default);
    if (typeof e === 'string') cands.push(path.join(pkgDir, e));
  }
  cands.push(path.join(pkgDir, 'lib', 'agentdb', 'index.js'), path.join(pkgDir, 'lib', 'agentdb', 'index.mjs'),
    path.join(pkgDir, 'lib', 'agentdb.js'), path.join(pkgDir, 'lib', 'agentdb.mjs'));
  return cands.find((c) => fs.existsSync(c)) || null;
}

async function reflexionEngine(mod, schemaDir, embedder) {
  const { createDatabase, ReflexionMemory } = mod;
  if (typeof ReflexionMemory !== 'function') throw new Error('the module exports no ReflexionMemory');
  const db = typeof createDatabase === 'function' ? await createDatabase(':memory:') : null;
  if (!db) throw new Error('the module exports no createDatabase');
  // agentdb's controllers need the schema that its CLI applies at start-up.
  if (schemaDir && typeof db.exec === 'function') {
    for (const f of ['schema.sql', 'frontier-schema.sql']) {
      const p = path.join(schemaDir, f);
      if (fs.existsSync(p)) db.exec(fs.readFileSync(p, 'utf8'));
    }
  }
  const rm = new ReflexionMemory(db, embedder);
  return {
    async add(i) { return rm.storeEpisode({ sessionId: 'bench', task: `ep${i}`, reward: 0.5, success: true }); },
    async query(qi, k) { return (await rm.retrieveRelevant({ task: `q${qi}`, k })).map((e) => Number(e.id) - 1); },
  };
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const base = readVecs(a.base, a.rows);
  const queries = readVecs(a.query, a.queries);
  if (base.dim !== queries.dim) die('base and query dimensions differ', 1);
  const n = base.rows.length, nq = queries.rows.length, k = a.k;
  const vectors = new Map();
  base.rows.forEach((v, i) => vectors.set(`ep${i}`, v));
  queries.rows.forEach((v, i) => vectors.set(`q${i}`, v));
  const embedder = {
    async embed(text) {
      const v = vectors.get(text);
      if (!v) throw new Error(`no vector for '${text}'`);
      return v;
    },
  };

  let version = '', eng, batch = null, ef = null;
  const pkgDir = a.nodePkg && path.resolve(a.nodePkg);
  const agentdbDir = a.peers && path.resolve(a.peers, 'agentdb@1.6.1', 'node_modules', 'agentdb');
  const schemaDir = agentdbDir && path.join(agentdbDir, 'dist', 'schemas');
  // agentdb logs to stdout ("Using sql.js ..."); keep stdout for the result line.
  const log = console.log;
  console.log = (...x) => process.stderr.write(x.join(' ') + '\n');
  switch (a.engine) {
    case 'agentdb': {
      if (!fs.existsSync(agentdbDir)) die(`agentdb@1.6.1 is not installed in ${a.peers} (bench/run.sh installs it)`, 1);
      version = JSON.parse(fs.readFileSync(path.join(agentdbDir, 'package.json'), 'utf8')).version;
      const mod = await import(pathToFileURL(path.join(agentdbDir, 'dist', 'index.js')).href);
      eng = await reflexionEngine(mod, schemaDir, embedder);
      break;
    }
    case 'ruvector-agentdb': {
      const file = findOurAgentdb(pkgDir);
      if (!file) die('this Node package has no agentdb layer yet (no lib/agentdb or "./agentdb" export)', 3);
      version = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version;
      let mod;
      try {
        mod = require(file); // CommonJS: all of module.exports, not what the ESM lexer can see
      } catch (e) {
        if (e.code !== 'ERR_REQUIRE_ESM') throw e;
        mod = await import(pathToFileURL(file).href);
      }
      // its createDatabase applies agentdb's schema itself
      eng = await reflexionEngine(mod.default && !mod.ReflexionMemory ? mod.default : mod, null, embedder);
      break;
    }
    case 'ruvector-exact':
    case 'ruvector-hnsw': {
      const mod = require(pkgDir);
      version = `${JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version} (isa ${mod.isa()})`;
      const c = new mod.Collection({ dimensions: base.dim, metric: 'cosine', m: 16, efConstruction: 200, numericIds: true });
      const exact = a.engine === 'ruvector-exact';
      if (!exact) ef = a.ef;
      batch = async () => {
        const flat = new Float32Array(n * base.dim);
        base.rows.forEach((v, i) => flat.set(v, i * base.dim));
        await c.insertBatch(Array.from({ length: n }, (_, i) => i), flat);
      };
      eng = {
        async query(qi, kk) {
          return (await c.search(queries.rows[qi], kk, exact ? { exact: true } : { ef: a.ef })).map((h) => h.id);
        },
      };
      break;
    }
    default:
      die(`unknown engine '${a.engine}' (agentdb, ruvector-agentdb, ruvector-exact, ruvector-hnsw)`);
  }

  const t0 = performance.now();
  if (batch) await batch();
  else for (let i = 0; i < n; i++) await eng.add(i);
  const buildS = (performance.now() - t0) / 1000;

  // Ground truth first: computed between timed queries, its scan of every
  // row would evict the index from the caches before each search.
  const truth = queries.rows.map((v) => exactTopK(base.rows, v, k));
  const lat = new Float64Array(nq);
  const found = new Array(nq);
  await eng.query(0, k); // warm-up
  for (let q = 0; q < nq; q++) {
    const t = performance.now();
    found[q] = await eng.query(q, k);
    lat[q] = (performance.now() - t) * 1000;
  }
  let hits = 0;
  for (let q = 0; q < nq; q++) for (const id of found[q]) if (truth[q].has(id)) hits++;
  const s = Array.from(lat).sort((x, y) => x - y);
  const total = s.reduce((x, y) => x + y, 0);
  const r1 = (x) => Math.round(x * 10) / 10;
  console.log = log;
  console.log(JSON.stringify({
    rows: n, dim: base.dim, queries: nq, k,
    build_s: Math.round(buildS * 1000) / 1000, qps: r1(nq / (total / 1e6)), p50_us: r1(s[nq >> 1]),
    p99_us: r1(s[Math.floor((nq - 1) * 0.99)]), recall: Math.round((hits / (nq * k)) * 1e4) / 1e4, ef, version,
  }));
}

main().then(() => process.exit(0), (e) => die(e && e.stack ? e.stack : String(e), 1));
