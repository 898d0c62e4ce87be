#!/usr/bin/env node
// Hyperedges: ruvector's GraphDatabase (the core's hypergraph, issue #18)
// beside @ruvector/graph-node 2.1.0 (installed into
// ../build/npm-peers/graph-node-2.1.0, as test/hypergraph.test.js does), in
// the same process, on the same nodes, hyperedges and queries:
//   - hyperedge inserts per second: createHyperedge one call at a time on
//     both (awaited in turn), and ours also as batches of 1,000
//     (Collection.putHyperedges);
//   - searchHyperedges (k 10): queries per second and recall@10 against
//     the exact answer computed here; graph-node's answer is exact (it
//     scans), ours is given at the smallest ef in the list whose recall
//     reaches graph-node's, and exact (a scan, recall 1);
//   - kHopNeighbors(start, 2): mean and p50 latency.
//
//   node bench/hypergraph-bench.js [--nodes 10000] [--edges 50000] [--dim 64]
//        [--queries 200] [--hops 200] [--json out.json]
'use strict';
const path = require('path');
const { performance } = require('perf_hooks');
const { GraphDatabase } = require('..');

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}
const NODES = Number(arg('nodes', '10000'));
const EDGES = Number(arg('edges', '50000'));
const DIM = Number(arg('dim', '64'));
const QUERIES = Number(arg('queries', '200'));
const HOPS = Number(arg('hops', '200'));
const JSON_OUT = arg('json', null);
const K = 10;

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

// Clustered unit vectors (200 centres): a neighbourhood structure like
// sentence embeddings, harder than uniform noise for a graph index.
function makeVectors(n, seed) {
  const r = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  const centres = Array.from({ length: 200 }, () => Float32Array.from({ length: DIM }, gauss));
  return Array.from({ length: n }, () => {
    const c = centres[Math.floor(r() * centres.length)];
    const v = Float32Array.from(c, (x) => x + 0.6 * gauss());
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
}

function exactTopK(edgeVecs, q) {
  const d = edgeVecs.map((v, i) => {
    let dot = 0;
    for (let j = 0; j < DIM; j++) dot += v[j] * q[j];
    return [1 - dot, i];
  });
  d.sort((a, b) => a[0] - b[0]);
  return d.slice(0, K).map((x) => x[1]);
}

async function main() {
  const peer = require(path.resolve(__dirname, '..', '..', 'build', 'npm-peers', 'graph-node-2.1.0', 'node_modules',
    '@ruvector', 'graph-node'));
  const r = rng(1);
  const nodeVecs = makeVectors(NODES, 2);
  const edgeVecs = makeVectors(EDGES, 3);
  const queries = makeVectors(QUERIES, 4);
  const members = Array.from({ length: EDGES }, () => {
    const s = new Set();
    const n = 2 + Math.floor(r() * 4);
    while (s.size < n) s.add(`n${Math.floor(r() * NODES)}`);
    return [...s];
  });
  const edges = members.map((m, i) => ({ nodes: m, description: `fact ${i}`, embedding: edgeVecs[i], confidence: 0.5 + r() / 2 }));
  const out = { nodes: NODES, edges: EDGES, dim: DIM, k: K };

  const sides = {
    'graph-node 2.1.0': new peer.GraphDatabase({ distanceMetric: 'Cosine', dimensions: DIM }),
    ruvector: new GraphDatabase({ distanceMetric: 'Cosine', dimensions: DIM }),
  };
  const idOf = {};
  for (const [name, db] of Object.entries(sides)) {
    for (let i = 0; i < NODES; i++) await db.createNode({ id: `n${i}`, embedding: nodeVecs[i] });
    const ids = new Array(EDGES);
    const t0 = performance.now();
    for (let i = 0; i < EDGES; i++) ids[i] = await db.createHyperedge(edges[i]);
    const s = (performance.now() - t0) / 1000;
    idOf[name] = new Map(ids.map((id, i) => [id, i]));
    out[name] = { insertPerSec: EDGES / s };
    console.log(`${name}: ${EDGES} createHyperedge calls in ${s.toFixed(2)} s: ${(EDGES / s).toFixed(0)}/s`);
  }
  {
    // ours in batches, into a fresh collection
    const db = new GraphDatabase({ distanceMetric: 'Cosine', dimensions: DIM });
    for (let i = 0; i < NODES; i++) await db.createNode({ id: `n${i}`, embedding: nodeVecs[i] });
    const c = db.collection;
    const t0 = performance.now();
    for (let i = 0; i < EDGES; i += 1000) {
      await c.putHyperedges(edges.slice(i, i + 1000).map((e, j) => ({ ...e, id: `b${i + j}` })));
    }
    const s = (performance.now() - t0) / 1000;
    out.ruvector.batchInsertPerSec = EDGES / s;
    console.log(`ruvector: putHyperedges in batches of 1000: ${(EDGES / s).toFixed(0)}/s`);
    await db.close();
  }

  const truth = queries.map((q) => exactTopK(edgeVecs, q));
  async function measure(name, run) {
    let hit = 0;
    const t0 = performance.now();
    for (let q = 0; q < QUERIES; q++) {
      const res = await run(queries[q]);
      const want = new Set(truth[q]);
      hit += res.filter((i) => want.has(i)).length;
    }
    const s = (performance.now() - t0) / 1000;
    return { qps: QUERIES / s, recall: hit / (QUERIES * K) };
  }
  const peerDb = sides['graph-node 2.1.0'];
  const peerRes = await measure('peer', async (q) => (await peerDb.searchHyperedges({ embedding: q, k: K }))
    .map((h) => idOf['graph-node 2.1.0'].get(h.id)));
  out['graph-node 2.1.0'].search = peerRes;
  console.log(`graph-node 2.1.0: searchHyperedges ${peerRes.qps.toFixed(0)} QPS, recall@10 ${peerRes.recall.toFixed(4)}`);
  const mine = sides.ruvector;
  const c = mine.collection;
  out.ruvector.search = {};
  for (const ef of [16, 32, 64, 128, 256]) {
    const res = await measure('ours', async (q) => (await c.searchHyperedges(q, K, { ef, window: 'any' }))
      .map((h) => idOf.ruvector.get(h.id)));
    out.ruvector.search[`ef${ef}`] = res;
    console.log(`ruvector: searchHyperedges ef ${ef}: ${res.qps.toFixed(0)} QPS, recall@10 ${res.recall.toFixed(4)}`);
  }
  const exact = await measure('ours', async (q) => (await c.searchHyperedges(q, K, { exact: true, window: 'any' }))
    .map((h) => idOf.ruvector.get(h.id)));
  out.ruvector.search.exact = exact;
  console.log(`ruvector: searchHyperedges exact: ${exact.qps.toFixed(0)} QPS, recall@10 ${exact.recall.toFixed(4)}`);

  for (const [name, db] of Object.entries(sides)) {
    const lat = [];
    let reached = 0;
    for (let i = 0; i < HOPS; i++) {
      const t0 = performance.now();
      const n = await db.kHopNeighbors(`n${(i * 7919) % NODES}`, 2);
      lat.push(performance.now() - t0);
      reached += n.length;
    }
    lat.sort((a, b) => a - b);
    const mean = lat.reduce((a, b) => a + b, 0) / lat.length;
    out[name].twoHop = { meanMs: mean, p50Ms: lat[lat.length >> 1], meanReached: reached / HOPS };
    console.log(`${name}: kHopNeighbors(_, 2): mean ${mean.toFixed(3)} ms, p50 ${lat[lat.length >> 1].toFixed(3)} ms, ` +
      `${(reached / HOPS).toFixed(0)} nodes reached on average`);
  }
  await mine.close();
  if (JSON_OUT) require('fs').writeFileSync(JSON_OUT, JSON.stringify(out, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
