'use strict';
// The hypergraph through Node (lib/hypergraph.js, src/hyper.c):
//  - Collection: hyperedges round-trip; k-hop with fan-out caps, weighted
//    paths and calendar buckets equal a brute-force reference written here
//    on a random hypergraph, before and after record deletes (the delete
//    rule); searchHyperedges honours the window and the filter, and equals
//    an exact scan; bad input rejects with the core's code and message and
//    changes nothing; a Database keeps everything across a reopen.
//  - GraphDatabase: @ruvector/graph-node 2.1.0's calls as its README writes
//    them; beside the real package (installed into
//    ../build/npm-peers/graph-node-2.1.0, skipped, saying so, only without
//    a registry) the same data gives the same search ranking, k-hop sets
//    and stats.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { Collection, Database, GraphDatabase } = require('..');

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

const D = 8;
const T0 = Date.UTC(2024, 0, 1);
const DAY = 86400000;

function randomGraph(seed, nrec, nedge) {
  const r = rng(seed);
  const records = [];
  for (let i = 0; i < nrec; i++) records.push(`r${i}`);
  const edges = [];
  for (let i = 0; i < nedge; i++) {
    const n = 2 + Math.floor(r() * 4);
    const members = new Set();
    while (members.size < n) members.add(records[Math.floor(r() * nrec)]);
    const emb = new Float32Array(D);
    for (let j = 0; j < D; j++) emb[j] = r() * 2 - 1;
    const from = T0 + Math.floor(r() * 200) * DAY + Math.floor(r() * DAY);
    edges.push({ id: `e${i}`, members: [...members], confidence: (1 + Math.floor(r() * 10)) / 10,
      validFrom: from, validTo: r() < 0.3 ? from + Math.floor(r() * 30 * DAY) + 1 : null,
      embedding: emb, payload: { kind: i % 3 === 0 ? 'cause' : 'other' }, description: `fact ${i}` });
  }
  return { records, edges };
}

function validIn(e, w) {
  if (!w || w === 'any') return true;
  const to = e.validTo ?? Infinity;
  if (w.at !== undefined) return e.validFrom <= w.at && w.at < to;
  return e.validFrom < w.to && to > w.from;
}

const cmpId = (a, b) => (a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0);

function refKhop(edges, start, k, fanout, w) {
  const hop = new Map([[start, 0]]);
  const out = [];
  let front = new Set([start]);
  for (let d = 1; d <= k && front.size; d++) {
    const best = new Map();
    for (const e of edges) {
      if (!validIn(e, w) || !e.members.some((m) => front.has(m))) continue;
      for (const m of e.members) if (!hop.has(m) && (best.get(m) ?? -1) < e.confidence) best.set(m, e.confidence);
    }
    const cand = [...best].sort((a, b) => (a[1] !== b[1] ? b[1] - a[1] : cmpId(a[0], b[0])));
    const keep = fanout && fanout[d - 1] ? cand.slice(0, fanout[d - 1]) : cand;
    front = new Set();
    for (const [id, wt] of keep) {
      hop.set(id, d);
      front.add(id);
      out.push({ id, hop: d, weight: wt });
    }
  }
  return out;
}

function refPathCost(edges, s, t, w) {
  const dist = new Map([[s, 0]]);
  const done = new Set();
  const inc = new Map();
  for (const e of edges) {
    if (!validIn(e, w) || !(e.confidence > 0)) continue;
    for (const m of e.members) (inc.get(m) ?? inc.set(m, []).get(m)).push(e);
  }
  for (;;) {
    let u = null;
    for (const [v, d] of dist) if (!done.has(v) && (u === null || d < dist.get(u))) u = v;
    if (u === null || u === t) break;
    done.add(u);
    for (const e of inc.get(u) ?? []) {
      const nd = dist.get(u) - Math.log(Math.fround(e.confidence));
      for (const m of e.members) if (nd < (dist.get(m) ?? Infinity)) dist.set(m, nd);
    }
  }
  return dist.get(t) ?? Infinity;
}

async function build(c, g) {
  const flat = new Float32Array(g.records.length * D);
  const r = rng(99);
  for (let i = 0; i < flat.length; i++) flat[i] = r() * 2 - 1;
  await c.insertBatch(g.records, flat);
  for (let i = 0; i < g.edges.length; i += 500) await c.putHyperedges(g.edges.slice(i, i + 500));
}

function compare(c, g, seed, when) {
  const r = rng(seed);
  const live = new Set(g.records);
  for (let q = 0; q < 10; q++) {
    const start = g.records[Math.floor(r() * g.records.length)];
    const w = q % 2 ? { at: T0 + Math.floor(r() * 200) * DAY } : undefined;
    const fanout = q % 3 === 0 ? [3, 5] : undefined;
    const k = 1 + (q % 2);
    const got = c.kHop(start, k, { fanout, window: w }).map((h) => ({ id: h.id, hop: h.hop, weight: h.weight }));
    const want = refKhop(g.edges, start, k, fanout, w).map((h) => ({ ...h, weight: Math.fround(h.weight) }));
    assert.deepEqual(got, want, `${when}: kHop from ${start}`);
    const to = g.records[Math.floor(r() * g.records.length)];
    const p = c.weightedPath(start, to, { window: w });
    const cost = refPathCost(g.edges, start, to, w);
    if (cost === Infinity) assert.equal(p.length, start === to ? 1 : 0, `${when}: no path ${start} -> ${to}`);
    else {
      assert.equal(p[0].id, start);
      assert.equal(p[p.length - 1].id, to);
      assert.ok(Math.abs(-Math.log(p[p.length - 1].weight) - cost) < 1e-4, `${when}: path weight ${start} -> ${to}`);
    }
    const of = c.hyperedgesOf(start, { window: w });
    const ref = g.edges.filter((e) => validIn(e, w) && e.members.includes(start)).map((e) => e.id).sort(cmpId);
    assert.deepEqual(of, ref, `${when}: hyperedgesOf ${start}`);
  }
  for (const unit of ['day', 'week', 'month']) {
    const b = c.hyperedgeBuckets(T0 - 3 * DAY, T0 + 210 * DAY, unit);
    for (const { start, count } of b) {
      const d = new Date(start);
      assert.equal(d.getUTCHours() + d.getUTCMinutes(), 0);
      if (unit === 'week') assert.equal(d.getUTCDay(), 1);
      if (unit === 'month') assert.equal(d.getUTCDate(), 1);
      const end = unit === 'day' ? start + DAY : unit === 'week' ? start + 7 * DAY
        : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      assert.equal(count, g.edges.filter((e) => e.validFrom >= start && e.validFrom < end).length, `${when}: ${unit} ${d.toISOString()}`);
    }
  }
  const st = c.hypergraphStats();
  assert.equal(st.hyperedges, g.edges.length);
  assert.equal(st.incidences, g.edges.reduce((a, e) => a + e.members.length, 0));
  void live;
}

// The delete rule, on the model.
function deleteRecord(g, id) {
  g.records = g.records.filter((r) => r !== id);
  for (const e of g.edges) e.members = e.members.filter((m) => m !== id);
  g.edges = g.edges.filter((e) => e.members.length >= 2);
}

test('Collection: traversal, paths, buckets equal a brute-force reference, before and after deletes', async () => {
  const g = randomGraph(7, 400, 1500);
  const c = new Collection({ dimensions: D });
  await build(c, g);
  compare(c, g, 1, 'built');
  const r = rng(3);
  for (let i = 0; i < 40; i++) {
    const id = g.records[Math.floor(r() * g.records.length)];
    await c.delete(id);
    deleteRecord(g, id);
  }
  compare(c, g, 2, 'after deletes');
  await c.close();
});

test('Collection: searchHyperedges with a window and a filter equals an exact scan', async () => {
  const g = randomGraph(11, 200, 3000);
  const c = new Collection({ dimensions: D, exactThreshold: 0 });
  await build(c, g);
  const r = rng(5);
  let hit = 0;
  let total = 0;
  for (let q = 0; q < 30; q++) {
    const query = g.edges[Math.floor(r() * g.edges.length)].embedding;
    const at = T0 + Math.floor(r() * 200) * DAY;
    const filter = q % 2 ? { kind: 'cause' } : undefined;
    const ref = g.edges
      .filter((e) => validIn(e, { at }) && (!filter || e.payload.kind === 'cause'))
      .map((e) => ({ id: e.id, d: e.embedding.reduce((a, x, j) => a + (x - query[j]) ** 2, 0) }))
      .sort((a, b) => a.d - b.d).slice(0, 10);
    const exact = await c.searchHyperedges(query, 10, { window: { at }, filter, exact: true });
    assert.deepEqual(exact.map((h) => h.id), ref.map((h) => h.id));
    const approx = await c.searchHyperedges(query, 10, { window: { at }, filter, ef: 64 });
    for (const h of approx) {
      const e = g.edges[Number(h.id.slice(1))];
      assert.ok(validIn(e, { at }), `${h.id} outside the window`);
      assert.ok(!filter || e.payload.kind === 'cause', `${h.id} fails the filter`);
      assert.equal(h.confidence, Math.fround(e.confidence));
    }
    const want = new Set(ref.map((h) => h.id));
    hit += approx.filter((h) => want.has(h.id)).length;
    total += ref.length;
  }
  assert.ok(hit / total >= 0.95, `recall ${hit / total}`);
  // the default window is now: every edge here is from 2024 and some have ended
  const now = await c.searchHyperedges(g.edges[0].embedding, 50);
  for (const h of now) assert.equal(g.edges[Number(h.id.slice(1))].validTo, null);
  await c.close();
});

test('Collection: bad input rejects with the core code, names the problem, changes nothing', async () => {
  const c = new Collection({ dimensions: 3 });
  await c.insertBatch(['a', 'b', 'c'], new Float32Array(9).fill(1));
  await c.putHyperedge({ id: 'x', members: ['a', 'b', 'c'], ordered: true, description: 'migration and flush',
    embedding: [1, 0, 0], confidence: 0.9, validFrom: new Date(T0), payload: { why: 'deploy' } });
  const before = c.getHyperedge('x');
  assert.deepEqual(before.members, ['a', 'b', 'c']);
  assert.equal(before.validFrom, T0);
  assert.equal(before.validTo, null);
  assert.deepEqual(before.payload, { why: 'deploy' });
  await assert.rejects(c.putHyperedge({ id: 'y', members: ['a', 'nobody'] }),
    (e) => e.code === 'RV_ENOTFOUND' && /nobody/.test(e.message));
  const many = Array.from({ length: 257 }, () => 'a');
  await assert.rejects(c.putHyperedge({ id: 'y', members: many }), (e) => e.code === 'RV_EINVAL' && /257/.test(e.message));
  await assert.rejects(c.putHyperedge({ id: 'y', members: ['a', 'b'], embedding: [1, NaN, 0] }),
    (e) => e.code === 'RV_ENONFINITE' && /NaN/.test(e.message));
  await assert.rejects(c.putHyperedge({ id: 'y', members: ['a', 'b'], embedding: [1, 0] }), (e) => e.code === 'RV_EDIM');
  await assert.rejects(c.putHyperedge({ id: 'y', members: ['a', 'b'], confidence: 2 }), (e) => e.code === 'RV_EINVAL');
  await assert.rejects(c.putHyperedge({ id: 'x', members: ['a', 'b'] }), (e) => e.code === 'RV_EEXIST');
  await assert.rejects(c.putHyperedges([{ id: 'p', members: ['a', 'b'] }, { id: 'q', members: ['a', 'zz'] }]),
    (e) => e.code === 'RV_ENOTFOUND');
  assert.equal(c.getHyperedge('p'), null);
  assert.deepEqual(c.getHyperedge('x'), before);
  assert.equal(c.hypergraphStats().hyperedges, 1);
  assert.throws(() => c.kHop('nobody', 1), (e) => e.code === 'RV_ENOTFOUND');
  assert.throws(() => c.hyperedgeBuckets(5, 5, 'day'), (e) => e.code === 'RV_EINVAL');
  assert.throws(() => c.hyperedgeBuckets(0, 5, 'year'), (e) => e.code === 'RV_EINVAL');
  // the delete rule: a record leaves; two members left keep the edge, one does not
  await c.delete('b');
  assert.deepEqual(c.getHyperedge('x').members, ['a', 'c']);
  await c.delete('c');
  assert.equal(c.getHyperedge('x'), null);
  await c.close();
});

test('Database: hyperedges survive close and reopen (log, then checkpoint)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ruvector-hyper-'));
  try {
    const g = randomGraph(21, 100, 300);
    let db = await Database.open(dir);
    let c = await db.createCollection('g', { dimensions: D });
    await build(c, g);
    const snap = g.edges.slice(0, 50).map((e) => c.getHyperedge(e.id));
    await db.close();
    for (const round of ['replay', 'checkpoint']) {
      db = await Database.open(dir);
      c = await db.openCollection('g');
      assert.deepEqual(g.edges.slice(0, 50).map((e) => c.getHyperedge(e.id)), snap, round);
      compare(c, g, 4, round);
      if (round === 'replay') await c.checkpoint();
      await db.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ---- GraphDatabase ----

const peerDir = path.resolve(__dirname, '..', '..', 'build', 'npm-peers', 'graph-node-2.1.0');
const peerMain = path.join(peerDir, 'node_modules', '@ruvector', 'graph-node');
function installPeer() {
  if (fs.existsSync(path.join(peerMain, 'package.json'))) return null;
  fs.mkdirSync(peerDir, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--prefix', peerDir, '--no-audit', '--no-fund', '--no-save', '@ruvector/graph-node@2.1.0'],
    { encoding: 'utf8', timeout: 300000 });
  if (r.status !== 0 || !fs.existsSync(peerMain)) return `@ruvector/graph-node@2.1.0 could not be installed (no network?)`;
  return null;
}

test('GraphDatabase: graph-node README calls, as written', async () => {
  const db = new GraphDatabase({ distanceMetric: 'Cosine', dimensions: 3 });
  const nodeId = await db.createNode({ id: 'node1', embedding: new Float32Array([1, 2, 3]), properties: { name: 'Alice' } });
  assert.equal(nodeId, 'node1');
  await db.createNode({ id: 'node2', embedding: new Float32Array([1, 0, 3]) });
  await db.createNode({ id: 'node3', embedding: new Float32Array([0, 2, 3]) });
  const edgeId = await db.createEdge({ from: 'node1', to: 'node2', description: 'knows',
    embedding: new Float32Array([0.5, 0.5, 0.5]), confidence: 0.95 });
  assert.equal(typeof edgeId, 'string');
  const hyperedgeId = await db.createHyperedge({ nodes: ['node1', 'node2', 'node3'], description: 'collaborated_on_project',
    embedding: new Float32Array([0.3, 0.6, 0.9]), confidence: 0.85, metadata: { project: 'AI Research' } });
  assert.match(hyperedgeId, /^[0-9a-f-]{36}$/);
  const results = await db.searchHyperedges({ embedding: new Float32Array([0.5, 0.5, 0.5]), k: 10 });
  assert.equal(results.length, 2);
  assert.equal(results[0].id, edgeId);
  assert.ok(Math.abs(results[0].score) < 1e-6);
  const neighbors = await db.kHopNeighbors('node1', 2);
  assert.equal(neighbors[0], 'node1');
  assert.deepEqual(new Set(neighbors), new Set(['node1', 'node2', 'node3']));
  const stats = await db.stats();
  assert.deepEqual(stats, { totalNodes: 3, totalEdges: 2, avgDegree: Math.fround(5 / 3) });
  await assert.rejects(db.createHyperedge({ nodes: ['node1', 'ghost'], description: 'x', embedding: new Float32Array([1, 0, 0]) }),
    (e) => e.code === 'RV_ENOTFOUND');
  assert.deepEqual(await db.deleteHyperedge(hyperedgeId), { deleted: true });
  assert.deepEqual(await db.deleteNode('node3', { cascade: true }), { deletedNode: true, deletedEdges: 0 });
  assert.throws(() => db.query('MATCH (n) RETURN n'), (e) => e.code === 'RV_EUNSUPPORTED');
  await db.close();
});

test('GraphDatabase beside @ruvector/graph-node 2.1.0: same ranking, k-hop sets and stats', async (t) => {
  const why = installPeer();
  if (why) {
    console.log(`# SKIP graph-node comparison: ${why}`);
    t.skip(why);
    return;
  }
  const peer = require(peerMain);
  const r = rng(17);
  const dim = 16;
  const mine = new GraphDatabase({ distanceMetric: 'Cosine', dimensions: dim });
  const theirs = new peer.GraphDatabase({ distanceMetric: 'Cosine', dimensions: dim });
  const vec = () => Float32Array.from({ length: dim }, () => r() * 2 - 1);
  for (let i = 0; i < 200; i++) {
    const n = { id: `n${i}`, embedding: vec() };
    await mine.createNode(n);
    await theirs.createNode(n);
  }
  const idmap = new Map();
  for (let i = 0; i < 500; i++) {
    const members = new Set();
    const size = 2 + Math.floor(r() * 3);
    while (members.size < size) members.add(`n${Math.floor(r() * 200)}`);
    const h = { nodes: [...members], description: `h${i}`, embedding: vec(), confidence: 0.5 + r() / 2 };
    idmap.set(await theirs.createHyperedge(h), await mine.createHyperedge(h));
  }
  for (let q = 0; q < 20; q++) {
    const query = { embedding: vec(), k: 10 };
    const a = await mine.searchHyperedges(query);
    const b = await theirs.searchHyperedges(query);
    assert.deepEqual(a.map((h) => h.id), b.map((h) => idmap.get(h.id)), 'ranking');
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i].score - b[i].score) < 1e-4, 'score');
  }
  for (let q = 0; q < 10; q++) {
    const s = `n${Math.floor(r() * 200)}`;
    for (const k of [1, 2]) {
      assert.deepEqual(new Set(await mine.kHopNeighbors(s, k)), new Set(await theirs.kHopNeighbors(s, k)), `kHop ${s} ${k}`);
    }
  }
  const sa = await mine.stats();
  const sb = await theirs.stats();
  assert.equal(sa.totalNodes, sb.totalNodes);
  assert.equal(sa.totalEdges, sb.totalEdges);
  assert.equal(sa.avgDegree, sb.avgDegree);
  await mine.close();
});
