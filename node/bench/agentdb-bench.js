#!/usr/bin/env node
// ReflexionMemory.retrieveRelevant and SkillLibrary.searchSkills (k 10) at
// 10K and 100K rows of 384-d embeddings: ruvector/agentdb against the real
// agentdb 1.6.1 (installed into ../build/npm-peers/agentdb-1.6.1, see
// test/agentdb/peer.js), in the same process, on the same rows and queries.
//
//   node bench/agentdb-bench.js [--sizes 10000,100000] [--queries 200]
//        [--peer-queries 20,5] [--embedder mock,clustered] [--json out.json]
//
// For each size and embedder:
//   - the same episodes (BatchOperations.insertEpisodes, batches of 1,000)
//     and skills (raw SQL: the rows createSkill writes) go into an in-memory
//     agentdb database and into ours (in memory; the C index is built at
//     the first search, timed apart as "index build");
//   - agentdb answers --peer-queries queries (it scans every row in JS: about
//     0.15 s per query at 10K), ours --queries queries, one at a time;
//   - recall@10: ours against the exact answer, computed in JS with
//     agentdb's own scoring over every row (the same as agentdb's result,
//     which is also compared on the queries agentdb answered).
// Embedders: 'mock' is agentdb's deterministic mock (what agentdb uses
// without a model; its vectors span only a 4-dimensional subspace of the
// 384), 'clustered' draws full-rank unit vectors around 1,000 centres (a
// harder, more realistic neighbourhood structure). Both sides get the same
// embedder object.
'use strict';
const { performance } = require('perf_hooks');
const peerMod = require('../test/agentdb/peer');
const ours = require('../lib/agentdb');

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}
const SIZES = arg('sizes', '10000,100000').split(',').map(Number);
const QUERIES = Number(arg('queries', '200'));
const PEER_QUERIES = arg('peer-queries', '20,5').split(',').map(Number);
const EMBEDDERS = arg('embedder', 'mock,clustered').split(',');
const JSON_OUT = arg('json', null);
const DIM = 384;
const K = 10;

// ---- data ----

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

const VERBS = ['implement', 'fix', 'refactor', 'test', 'deploy', 'review', 'optimize', 'document', 'debug', 'design'];
const NOUNS = ['auth', 'login flow', 'payment api', 'search index', 'cache layer', 'user profile', 'billing job',
  'email sender', 'rate limiter', 'session store', 'upload service', 'report builder'];
function taskText(i) { return `${VERBS[i % 10]} ${NOUNS[(i * 7) % 12]} #${i}`; }

// A full-rank embedder: the text's hash picks one of 1,000 centres; the
// vector is that centre plus noise, normalized (deterministic per text).
class ClusteredEmbedder {
  constructor(dim, centres = 1000) {
    const r = rng(12345);
    this.dim = dim;
    this.centres = Array.from({ length: centres }, () => Float32Array.from({ length: dim }, () => r() * 2 - 1));
  }
  async embed(text) {
    let h = 0;
    for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
    const r = rng(h);
    const c = this.centres[Math.floor(r() * this.centres.length)];
    const v = new Float32Array(this.dim);
    let n = 0;
    for (let i = 0; i < this.dim; i++) { v[i] = c[i] + (r() * 2 - 1) * 0.6; n += v[i] * v[i]; }
    n = Math.sqrt(n);
    for (let i = 0; i < this.dim; i++) v[i] /= n;
    return v;
  }
  async embedBatch(texts) { return Promise.all(texts.map((t) => this.embed(t))); }
}

function episodes(n) {
  const r = rng(99);
  return Array.from({ length: n }, (_, i) => ({
    sessionId: `s${i % 50}`, task: taskText(i), critique: i % 3 ? `note ${i % 17}` : undefined,
    output: i % 2 ? `result ${i % 23}` : undefined, reward: Math.round(r() * 100) / 100, success: r() > 0.4,
    latencyMs: Math.floor(r() * 1000),
  }));
}

async function loadSkills(db, emb, n) {
  const r = rng(77);
  const rows = [];
  for (let i = 0; i < n; i++) {
    const skill = { name: `skill ${taskText(i)}`, description: `does ${NOUNS[i % 12]}`, signature: { inputs: { x: 'string' }, outputs: { y: 'any' } } };
    const text = [skill.name, skill.description, JSON.stringify(skill.signature)].join('\n');
    rows.push([skill, await emb.embed(text), 0.5 + Math.round(r() * 50) / 100, Math.floor(r() * 2000), Math.round(r() * 100) / 100]);
  }
  const ins = db.prepare('INSERT INTO skills (name, description, signature, success_rate, uses, avg_reward, avg_latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const emb2 = db.prepare('INSERT INTO skill_embeddings (skill_id, embedding) VALUES (?, ?)');
  const tx = db.transaction(() => {
    for (const [s, e, sr, uses, ar] of rows) {
      const id = ins.run(s.name, s.description, JSON.stringify(s.signature), sr, uses, ar, 0).lastInsertRowid;
      emb2.run(id, Buffer.from(e.buffer));
    }
  });
  tx();
}

// ---- exact answers (agentdb's scoring over every row) ----

function cosine(a, b) {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { d += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return d / (Math.sqrt(na) * Math.sqrt(nb));
}

function loadAll(db, sql) {
  return db.prepare(sql).all().map((r) => ({ ...r, v: new Float32Array(r.embedding.buffer, r.embedding.byteOffset, r.embedding.length / 4) }));
}

function exactEpisodes(rows, q, k) {
  return rows.map((r) => [r.id, cosine(q, r.v), r.reward]).sort((a, b) => (b[1] - a[1]) || (b[2] - a[2]) || (a[0] - b[0])).slice(0, k).map((x) => x[0]);
}

function exactSkills(rows, q, k) {
  return rows.filter((r) => r.success_rate >= 0.5)
    .map((r) => [r.id, cosine(q, r.v) * 0.4 + r.success_rate * 0.3 + Math.min(r.uses / 1000, 1.0) * 0.1 + r.avg_reward * 0.2])
    .sort((a, b) => (b[1] - a[1]) || (a[0] - b[0])).slice(0, k).map((x) => x[0]);
}

function recall(got, want) {
  const w = new Set(want);
  return got.filter((id) => w.has(id)).length / want.length;
}

function pct(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

async function timeQueries(fn, texts) {
  const times = [];
  const results = [];
  for (const t of texts) {
    const t0 = performance.now();
    results.push(await fn(t));
    times.push(performance.now() - t0);
  }
  return { times, results };
}

function quiet(fn) {
  const saved = [console.log, console.warn];
  console.log = console.warn = () => {};
  return Promise.resolve().then(fn).finally(() => { [console.log, console.warn] = saved; });
}

async function runSize(peer, n, peerQ, embName) {
  const mkEmb = (A) => (embName === 'mock' ? new A.EmbeddingService({ model: 'Xenova/all-MiniLM-L6-v2', dimension: DIM, provider: 'local' }) : new ClusteredEmbedder(DIM));
  const eps = episodes(n);
  const queryTexts = Array.from({ length: QUERIES }, (_, j) => `${VERBS[(j * 3) % 10]} ${NOUNS[(j * 5) % 12]} #${(j * 7919) % n}`);
  const out = { size: n, embedder: embName, dim: DIM, k: K };

  // ours
  const db = await ours.createDatabase(':memory:');
  const emb = mkEmb(ours);
  let t0 = performance.now();
  await new ours.BatchOperations(db, emb, { batchSize: 1000 }).insertEpisodes(eps);
  await loadSkills(db, emb, n);
  out.oursLoadS = (performance.now() - t0) / 1000;
  const reflexion = new ours.ReflexionMemory(db, emb);
  const skills = new ours.SkillLibrary(db, emb);
  t0 = performance.now();
  await reflexion.retrieveRelevant({ task: 'warm up', k: K });
  await skills.searchSkills({ task: 'warm up', k: K });
  out.oursIndexBuildS = (performance.now() - t0) / 1000;
  const ro = await timeQueries((t) => reflexion.retrieveRelevant({ task: t, k: K }), queryTexts);
  const so = await timeQueries((t) => skills.searchSkills({ task: t, k: K }), queryTexts);

  // exact answers and recall
  const epRows = loadAll(db, 'SELECT e.id, e.reward, ee.embedding FROM episodes e JOIN episode_embeddings ee ON e.id = ee.episode_id');
  const skRows = loadAll(db, 'SELECT s.id, s.success_rate, s.uses, s.avg_reward, se.embedding FROM skills s JOIN skill_embeddings se ON s.id = se.skill_id');
  let rr = 0, sr = 0;
  for (let j = 0; j < queryTexts.length; j++) {
    const q = await emb.embed(queryTexts[j]);
    rr += recall(ro.results[j].map((e) => e.id), exactEpisodes(epRows, q, K));
    sr += recall(so.results[j].map((s) => s.id), exactSkills(skRows, q, K));
  }
  out.ours = {
    retrieveRelevant: { queries: QUERIES, p50Ms: pct(ro.times, 0.5), p99Ms: pct(ro.times, 0.99), meanMs: ro.times.reduce((a, b) => a + b) / QUERIES, recallAt10: rr / QUERIES },
    searchSkills: { queries: QUERIES, p50Ms: pct(so.times, 0.5), p99Ms: pct(so.times, 0.99), meanMs: so.times.reduce((a, b) => a + b) / QUERIES, recallAt10: sr / QUERIES },
  };
  await db.closeAsync();

  // agentdb 1.6.1
  if (peer && !peer.skip && peerQ > 0) {
    await quiet(async () => {
      const A = peer.agentdb;
      const adb = await A.createDatabase(':memory:');
      for (const s of peer.schemas) adb.exec(s);
      const aemb = mkEmb(A);
      let t1 = performance.now();
      await new A.BatchOperations(adb, aemb, { batchSize: 1000 }).insertEpisodes(eps);
      await loadSkills(adb, aemb, n);
      out.agentdbLoadS = (performance.now() - t1) / 1000;
      const ar = new A.ReflexionMemory(adb, aemb);
      const as = new A.SkillLibrary(adb, aemb);
      const texts = queryTexts.slice(0, peerQ);
      const ra = await timeQueries((t) => ar.retrieveRelevant({ task: t, k: K }), texts);
      const sa = await timeQueries((t) => as.searchSkills({ task: t, k: K }), texts);
      let same = 0, sameS = 0;
      for (let j = 0; j < texts.length; j++) {
        same += recall(ro.results[j].map((e) => e.id), ra.results[j].map((e) => e.id));
        sameS += recall(so.results[j].map((e) => e.id), sa.results[j].map((e) => e.id));
      }
      out.agentdb = {
        retrieveRelevant: { queries: peerQ, p50Ms: pct(ra.times, 0.5), meanMs: ra.times.reduce((a, b) => a + b) / peerQ, oursRecallAgainstIt: same / peerQ },
        searchSkills: { queries: peerQ, p50Ms: pct(sa.times, 0.5), meanMs: sa.times.reduce((a, b) => a + b) / peerQ, oursRecallAgainstIt: sameS / peerQ },
      };
      out.speedup = {
        retrieveRelevantP50: out.agentdb.retrieveRelevant.p50Ms / out.ours.retrieveRelevant.p50Ms,
        searchSkillsP50: out.agentdb.searchSkills.p50Ms / out.ours.searchSkills.p50Ms,
        retrieveRelevantMean: out.agentdb.retrieveRelevant.meanMs / out.ours.retrieveRelevant.meanMs,
        searchSkillsMean: out.agentdb.searchSkills.meanMs / out.ours.searchSkills.meanMs,
      };
      adb.close();
    });
  }
  return out;
}

async function main() {
  const peer = await peerMod.load();
  if (peer.skip) console.log(`agentdb 1.6.1 unavailable (${peer.skip}): measuring ours only`);
  const all = [];
  for (const embName of EMBEDDERS) {
    for (let i = 0; i < SIZES.length; i++) {
      const r = await runSize(peer, SIZES[i], PEER_QUERIES[i] ?? PEER_QUERIES[PEER_QUERIES.length - 1], embName);
      all.push(r);
      const f = (x) => (x === undefined ? '-' : x < 1 ? x.toFixed(3) : x.toFixed(1));
      console.log(`\n${r.size} rows x ${r.dim}-d, ${r.embedder} embedder (load: ours ${f(r.oursLoadS)} s, agentdb ${f(r.agentdbLoadS)} s; ours' index build ${f(r.oursIndexBuildS)} s)`);
      for (const m of ['retrieveRelevant', 'searchSkills']) {
        const o = r.ours[m], a = r.agentdb && r.agentdb[m];
        console.log(`  ${m.padEnd(17)} ours p50 ${f(o.p50Ms)} ms (p99 ${f(o.p99Ms)}, ${o.queries} queries), recall@10 ${o.recallAt10.toFixed(3)}` +
          (a ? ` | agentdb p50 ${f(a.p50Ms)} ms (${a.queries} queries) | ${(a.p50Ms / o.p50Ms).toFixed(0)}x | same ids as agentdb: ${a.oursRecallAgainstIt.toFixed(3)}` : ''));
      }
    }
  }
  if (JSON_OUT) require('fs').writeFileSync(JSON_OUT, JSON.stringify({ node: process.version, date: new Date().toISOString(), results: all }, null, 2));
}

main().catch((e) => { console.error(e); process.exit(1); });
