'use strict';
// VectorDB: the ruvector 0.3.2 API, its result shapes and score semantics.
const test = require('node:test');
const assert = require('node:assert/strict');
const { VectorDB, VectorDb } = require('..');
const { randomVectors, row, bruteForce } = require('./helpers');

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('VectorDb is VectorDB; constructor options and aliases', () => {
  assert.equal(VectorDb, VectorDB);
  const a = new VectorDB({ dimensions: 3 });
  assert.equal(a.dimensions, 3);
  assert.equal(a.metric, 'cosine'); // 0.3.2's native default
  const b = new VectorDB({ dimension: 4, metric: 'L2' });
  assert.equal(b.dimensions, 4);
  assert.equal(b.metric, 'euclidean');
  for (const [m, want] of [['dot', 'dot'], ['DotProduct', 'dot'], ['inner_product', 'dot'], ['manhattan', 'manhattan'],
    ['l1', 'manhattan'], ['Cosine', 'cosine'], ['euclidean', 'euclidean']]) {
    assert.equal(new VectorDB({ dimensions: 2, distanceMetric: m }).metric, want, m);
  }
  // hnsw merged over the defaults, hnswConfig wins over hnsw
  const c = new VectorDB({ dimensions: 2, hnsw: { efSearch: 7 } });
  assert.equal(c.collection.options.efSearch, 7);
  assert.equal(c.collection.options.m, 32);
  const d = new VectorDB({ dimensions: 2, hnswConfig: { m: 8 }, hnsw: { m: 12 } });
  assert.equal(d.collection.options.m, 8);
});

test('insert returns the id, a UUID v4 when none is given; get, len, isEmpty', async () => {
  const db = new VectorDB({ dimensions: 3, metric: 'euclidean' });
  assert.equal(await db.isEmpty(), true);
  assert.equal(await db.len(), 0);
  assert.equal(await db.insert({ id: 'a', vector: [1, 2, 3], metadata: { cat: 'x', n: 2 } }), 'a');
  const gen = await db.insert({ vector: new Float32Array([0, 1, 0]) });
  assert.match(gen, UUID_V4);
  assert.equal(await db.len(), 2);
  assert.equal(await db.isEmpty(), false);
  const g = await db.get('a');
  assert.deepEqual(Object.keys(g), ['id', 'vector', 'metadata']);
  assert.equal(g.id, 'a');
  assert.ok(g.vector instanceof Float32Array);
  assert.deepEqual(Array.from(g.vector), [1, 2, 3]);
  assert.deepEqual(g.metadata, { cat: 'x', n: 2 });
  const g2 = await db.get(gen);
  assert.equal(g2.metadata, undefined);
  assert.equal(await db.get('missing'), null);
  assert.equal(await db.get(''), null);
  // what get returns is a copy
  g.vector[0] = 99;
  g.metadata.cat = 'changed';
  const again = await db.get('a');
  assert.equal(again.vector[0], 1);
  assert.equal(again.metadata.cat, 'x');
});

test('insert on an existing id replaces it (len unchanged)', async () => {
  const db = new VectorDB({ dimensions: 2, metric: 'l2' });
  await db.insert({ id: 'u', vector: [1, 2], metadata: { v: 1 } });
  await db.insert({ id: 'u', vector: [3, 4], metadata: { v: 2 } });
  assert.equal(await db.len(), 1);
  const g = await db.get('u');
  assert.deepEqual(Array.from(g.vector), [3, 4]);
  assert.deepEqual(g.metadata, { v: 2 });
  const hits = await db.search({ vector: [3, 4], k: 5 });
  assert.equal(hits.length, 1);
  assert.equal(hits[0].score, 0);
});

test('delete returns true the first time, false after', async () => {
  const db = new VectorDB({ dimensions: 2 });
  await db.insert({ id: 'd', vector: [1, 1], metadata: { a: 1 } });
  assert.equal(await db.delete('d'), true);
  assert.equal(await db.delete('d'), false);
  assert.equal(await db.delete(''), false);
  assert.equal(await db.get('d'), null);
  assert.equal(await db.len(), 0);
  // a deleted id can come back, without its old metadata
  await db.insert({ id: 'd', vector: [1, 2] });
  assert.equal((await db.get('d')).metadata, undefined);
});

test('search results: shape, ascending scores, per-metric semantics', async () => {
  const cases = {
    euclidean: { q: [0, 0, 0], vecs: { a: [1, 1, 1], b: [0, 1, 0], c: [3, 0, 4] }, want: [['b', 1], ['a', Math.fround(Math.sqrt(3))], ['c', 5]] },
    cosine: { q: [1, 0, 0], vecs: { a: [1, 0, 0], b: [0, 1, 0], c: [-2, 0, 0] }, want: [['a', 0], ['b', 1], ['c', 2]] },
    dot: { q: [1, 2, 0], vecs: { a: [1, 1, 0], b: [3, 3, 0], c: [-1, 0, 0] }, want: [['b', -9], ['a', -3], ['c', 1]] },
    manhattan: { q: [1, 2, 0], vecs: { a: [1, 1, 0], b: [3, 3, 1], c: [-1, 0.5, 0] }, want: [['a', 1], ['c', 3.5], ['b', 4]] },
  };
  for (const [metric, c] of Object.entries(cases)) {
    const db = new VectorDB({ dimensions: 3, metric });
    for (const [id, v] of Object.entries(c.vecs)) await db.insert({ id, vector: v, metadata: { id } });
    const hits = await db.search({ vector: c.q, k: 10 });
    assert.deepEqual(hits.map((h) => h.id), c.want.map((w) => w[0]), metric);
    hits.forEach((h, i) => {
      assert.deepEqual(Object.keys(h), ['id', 'score', 'vector', 'metadata']);
      assert.ok(Math.abs(h.score - c.want[i][1]) < 1e-6, `${metric} ${h.id}: ${h.score} vs ${c.want[i][1]}`);
      assert.ok(h.vector instanceof Float32Array);
      assert.deepEqual(h.metadata, { id: h.id });
      assert.deepEqual(Array.from(h.vector).map((x) => Math.round(x * 1e5) / 1e5), c.vecs[h.id]);
    });
    for (let i = 1; i < hits.length; i++) assert.ok(hits[i].score >= hits[i - 1].score);
  }
});

test('search: k larger than the collection, k = 0, empty database', async () => {
  const db = new VectorDB({ dimensions: 2, metric: 'euclidean' });
  assert.deepEqual(await db.search({ vector: [1, 1], k: 5 }), []);
  await db.insertBatch([{ id: 'a', vector: [0, 0] }, { id: 'b', vector: [1, 0] }]);
  assert.equal((await db.search({ vector: [1, 1], k: 100 })).length, 2);
  assert.deepEqual(await db.search({ vector: [1, 1], k: 0 }), []);
});

test('insertBatch: ids in order, generated where absent, later duplicates win, all-or-nothing', async () => {
  const db = new VectorDB({ dimensions: 2, metric: 'euclidean' });
  const ids = await db.insertBatch([{ id: 'x', vector: [1, 0], metadata: { n: 1 } }, { vector: [0, 1] },
    { id: 'x', vector: [2, 0], metadata: { n: 2 } }]);
  assert.equal(ids.length, 3);
  assert.equal(ids[0], 'x');
  assert.match(ids[1], UUID_V4);
  assert.equal(ids[2], 'x');
  assert.equal(await db.len(), 2);
  const x = await db.get('x');
  assert.deepEqual(Array.from(x.vector), [2, 0]);
  assert.deepEqual(x.metadata, { n: 2 });
  assert.deepEqual(await db.insertBatch([]), []);
  await assert.rejects(db.insertBatch([{ id: 'p', vector: [1, 1] }, { id: 'q', vector: [1] }]),
    { code: 'RV_EDIM', message: 'Batch insert failed: Dimension mismatch: expected 2, got 1' });
  await assert.rejects(db.insertBatch([{ id: 'p', vector: [1, 1] }, { id: 'q', vector: [NaN, 1] }]),
    { code: 'RV_ENONFINITE' });
  assert.equal(await db.len(), 2);
  assert.equal(await db.get('p'), null);
});

test('per-query efSearch changes the search (and is not ignored)', async () => {
  const dim = 16, n = 20000;
  const data = randomVectors(n, dim, 7);
  const db = new VectorDB({ dimensions: dim, metric: 'euclidean', hnsw: { m: 8, efConstruction: 40, efSearch: 10 } });
  const entries = Array.from({ length: n }, (_, i) => ({ id: String(i), vector: row(data, i, dim) }));
  await db.insertBatch(entries);
  const ids = entries.map((e) => e.id);
  const queries = randomVectors(100, dim, 99);
  const recall = async (ef) => {
    let hit = 0;
    for (let q = 0; q < 100; q++) {
      const qv = row(queries, q, dim);
      const truth = new Set(bruteForce('l2', data, ids, dim, qv, 10).map((x) => x[0]));
      const res = await db.search({ vector: qv, k: 10, efSearch: ef });
      for (const r of res) if (truth.has(r.id)) hit++;
    }
    return hit / 1000;
  };
  const low = await recall(10), high = await recall(400);
  assert.ok(high >= 0.99, `recall at efSearch 400: ${high}`);
  assert.ok(high > low + 0.02, `efSearch must matter: ${low} at 10, ${high} at 400`);
});

test('filter: run by the core; equality on metadata keys, k matches even when rare', async () => {
  const db = new VectorDB({ dimensions: 4, metric: 'euclidean' });
  const data = randomVectors(6000, 4, 3);
  const entries = Array.from({ length: 6000 }, (_, i) => ({
    id: `e${i}`, vector: row(data, i, 4),
    metadata: i % 500 === 0 ? { cat: 'rare', i, tags: ['a', 'b'] } : { cat: 'common', i },
  }));
  entries.push({ id: 'nometa', vector: [0.1, 0.1, 0.1, 0.1] });
  await db.insertBatch(entries);
  const q = [0.1, 0.1, 0.1, 0.1];
  const rare = await db.search({ vector: q, k: 5, filter: { cat: 'rare' } });
  assert.equal(rare.length, 5);
  for (const r of rare) assert.equal(r.metadata.cat, 'rare');
  // they are the 5 nearest among the rare ones
  const rareIds = entries.filter((e) => e.metadata && e.metadata.cat === 'rare');
  const flat = new Float32Array(rareIds.length * 4);
  rareIds.forEach((e, i) => flat.set(e.vector, i * 4));
  const truth = bruteForce('l2', flat, rareIds.map((e) => e.id), 4, Float32Array.from(q), 5).map((x) => x[0]);
  assert.deepEqual(rare.map((r) => r.id), truth);
  assert.equal((await db.search({ vector: q, k: 100, filter: { cat: 'rare' } })).length, 12);
  assert.equal((await db.search({ vector: q, k: 3, filter: { cat: 'rare', i: 500 } }))[0].id, 'e500');
  // an array field matches when an element does (the core's rule, MongoDB's)
  assert.deepEqual((await db.search({ vector: q, k: 20, filter: { tags: 'b' } })).map((r) => r.id).sort(),
    rareIds.map((e) => e.id).sort());
  await assert.rejects(db.search({ vector: q, k: 3, filter: { tags: ['a', 'b'] } }),
    { code: 'RV_EINVAL', message: /^Search failed: filter tags: an array is not a value to compare with/ });
  assert.deepEqual(await db.search({ vector: q, k: 3, filter: { cat: 'none' } }), []);
  assert.deepEqual(await db.search({ vector: q, k: 3, filter: { i: '500' } }), []); // no type coercion
  assert.deepEqual(await db.search({ vector: q, k: 3, filter: { n: { $gt: 1 } } }), []); // no such key: no match
  // the core's operators (0.3.2 compared them as values: no match)
  const high = await db.search({ vector: q, k: 100, filter: { i: { $gte: 5990 } } });
  assert.deepEqual(high.map((r) => r.metadata.i).sort((a, b) => a - b), [5990, 5991, 5992, 5993, 5994, 5995, 5996, 5997, 5998, 5999]);
  const either = await db.search({ vector: q, k: 100, filter: { $or: [{ i: 1 }, { cat: 'rare', i: { $lt: 1000 } }] } });
  assert.deepEqual(either.map((r) => r.id).sort(), ['e0', 'e1', 'e500']);
  assert.deepEqual(await db.search({ vector: q, k: 3, filter: { n: undefined } }), await db.search({ vector: q, k: 3 }));
  const all = await db.search({ vector: q, k: 3, filter: {} });
  assert.equal(all.length, 3);
  assert.equal(all[0].id, 'nometa');
});

test('without a path nothing is written (0.3.2 made ./ruvector.db); one warning when a ./ruvector.db is there', async () => {
  const fs = require('fs');
  const os = require('os');
  const path = require('path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ruvector-cwd-'));
  const cwd = process.cwd();
  const warnings = [];
  const onWarning = (w) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    process.chdir(dir);
    fs.writeFileSync('ruvector.db', 'a ruvector 0.3.2 redb file');
    const db = new VectorDB({ dimensions: 2 });
    new VectorDB({ dimensions: 2 });
    await db.insert({ id: 'a', vector: [1, 2] });
    await new Promise((r) => setImmediate(r));
    assert.equal(db.persistent, false);
    assert.equal(db.storagePath, undefined);
    assert.deepEqual(fs.readdirSync('.'), ['ruvector.db']);
    assert.equal(warnings.filter((w) => w.code === 'RUVECTOR_NO_DEFAULT_PATH').length, 1);
    // path is the alias of storagePath, and it persists
    const p = new VectorDB({ dimensions: 2, path: 'here.db' });
    await p.insert({ id: 'b', vector: [2, 1] });
    await p.close();
    assert.equal(p.storagePath, 'here.db');
    assert.ok(fs.statSync('here.db').isDirectory());
  } finally {
    process.off('warning', onWarning);
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('ESM entry exports the same classes', async () => {
  const esm = await import('ruvector').catch(() => import('../index.mjs'));
  assert.equal(esm.VectorDB, VectorDB);
  assert.equal(esm.default.VectorDB, VectorDB);
  assert.equal(typeof esm.Collection, 'function');
});

test('autoIndex: filters that index their keys give the same results as without, through later writes', async () => {
  const data = randomVectors(3000, 4, 9);
  const meta = (i, v) => ({ n: i % 50, s: `s${i % 7}`, b: i % 3 === 0, v });
  const dbs = [new VectorDB({ dimensions: 4, metric: 'euclidean' }), new VectorDB({ dimensions: 4, metric: 'euclidean', autoIndex: false })];
  const filters = [{ n: 3 }, { s: 's2', b: true }, { n: { $gte: 45 } }, { $or: [{ n: 1 }, { s: 's6' }] }, { n: { $in: [7, 8] } }];
  const q = [0.2, -0.1, 0.3, 0.05];
  const run = async (db) => {
    const out = [];
    for (const filter of filters) out.push((await db.search({ vector: q, k: 30, filter })).map((h) => [h.id, h.score]));
    return out;
  };
  for (const db of dbs) {
    await db.insertBatch(Array.from({ length: 3000 }, (_, i) => ({ id: `x${i}`, vector: row(data, i, 4), metadata: meta(i, 0) })));
  }
  const [a0, b0] = [await run(dbs[0]), await run(dbs[1])];
  assert.deepEqual(a0, b0);
  assert.ok(a0.every((r) => r.length === 30));
  // writes after the indexes exist: replaced metadata, deletes, new records
  for (const db of dbs) {
    for (let i = 0; i < 3000; i += 5) await db.insert({ id: `x${i}`, vector: row(data, i, 4), metadata: meta(i + 1, 1) });
    for (let i = 1; i < 3000; i += 9) await db.delete(`x${i}`);
  }
  const [a1, b1] = [await run(dbs[0]), await run(dbs[1])];
  assert.deepEqual(a1, b1);
  assert.notDeepEqual(a1, a0);
  for (const db of dbs) await db.close();
});
