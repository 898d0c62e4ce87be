'use strict';
// Collection: the low-level API that a layer over SQLite builds on.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Collection, version, isa } = require('..');
const { randomVectors, row, bruteForce } = require('./helpers');

test('version and isa', () => {
  assert.match(version(), /^\d+\.\d+\.\d+$/);
  assert.ok(['avx512', 'avx2', 'neon', 'serial', 'wasm-simd128'].includes(isa()));
});

test('integer ids, exact search equals brute force with ties in numeric order, numericIds', async () => {
  const dim = 8, n = 500;
  const data = randomVectors(n, dim, 11);
  // two exact duplicates of row 0, under larger ids: ties rank by id, numerically
  const c = new Collection({ dim, metric: 'l2', numericIds: true });
  await c.insertBatch(Array.from({ length: n }, (_, i) => i), data);
  await c.insert(1000, row(data, 0, dim));
  await c.insert(99, row(data, 0, dim), { upsert: true }); // replaces id 99
  assert.equal(c.len(), n + 1);
  const hits = await c.search(row(data, 0, dim), 3, { exact: true });
  assert.deepEqual(hits.map((h) => h.id), [0, 99, 1000]);
  assert.deepEqual(hits.map((h) => h.distance), [0, 0, 0]);
  const ids = Array.from({ length: n }, (_, i) => String(i));
  const q = randomVectors(1, dim, 5);
  const c2 = new Collection({ dim, metric: 'cosine' });
  await c2.insertBatch(ids, data);
  const want = bruteForce('cosine', data, ids, dim, q, 10);
  const got = await c2.search(q, 10, { exact: true });
  assert.deepEqual(got.map((h) => h.id), want.map((w) => w[0]));
  got.forEach((h, i) => assert.ok(Math.abs(h.distance - want[i][1]) < 1e-5));
});

test('raw distances per metric: squared L2, negative inner product, L1', async () => {
  for (const [metric, want] of [['l2', 25], ['ip', -11], ['l1', 7]]) {
    const c = new Collection({ dim: 2, metric });
    await c.insert('a', [3, 4]);
    const [h] = await c.search([0, 0].map((x, i) => (metric === 'l2' || metric === 'l1' ? 0 : [1, 2][i])), 1);
    assert.equal(h.distance, want, metric);
  }
});

test('insert without upsert refuses an existing id; batch all-or-nothing', async () => {
  const c = new Collection({ dim: 2 });
  await c.insert('a', [1, 1]);
  await assert.rejects(c.insert('a', [2, 2]), { code: 'RV_EEXIST' });
  await assert.rejects(c.insertBatch(['b', 'a'], [[1, 2], [3, 4]]), { code: 'RV_EEXIST' });
  await assert.rejects(c.insertBatch(['b', 'b'], [[1, 2], [3, 4]]), { code: 'RV_EEXIST', message: /appears twice/ });
  await assert.rejects(c.insertBatch(['b', 'c'], new Float32Array(3)), { code: 'RV_EDIM' });
  await assert.rejects(c.insertBatch(['b'], [[1, 2], [3, 4]]), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.equal(c.len(), 1);
  await c.insertBatch(['b', 'a'], [[1, 2], [3, 4]], { upsert: true });
  assert.deepEqual(Array.from(await c.get('a')), [3, 4]);
});

test('searchBatch equals one search per query; getBatch; deleteBatch skips missing ids', async () => {
  const dim = 16, n = 6000;
  const data = randomVectors(n, dim, 21);
  const ids = Array.from({ length: n }, (_, i) => `v${i}`);
  const c = new Collection({ dim, exactThreshold: 0 });
  await c.insertBatch(ids, data);
  const qs = randomVectors(50, dim, 22);
  const batch = await c.searchBatch(qs, 5, { ef: 100 });
  assert.equal(batch.length, 50);
  for (let i = 0; i < 50; i++) {
    const one = await c.search(row(qs, i, dim), 5, { ef: 100 });
    assert.deepEqual(batch[i], one);
  }
  const arrBatch = await c.searchBatch([Array.from(row(qs, 0, dim))], 5, { ef: 100, vectors: true });
  assert.deepEqual(arrBatch[0].map((h) => h.id), batch[0].map((h) => h.id));
  assert.deepEqual(Array.from(arrBatch[0][0].vector), Array.from(await c.get(arrBatch[0][0].id)));
  const got = await c.getBatch(['v1', 'nope', 'v2']);
  assert.deepEqual(Array.from(got[0]), Array.from(row(data, 1, dim)));
  assert.equal(got[1], null);
  assert.equal(await c.deleteBatch(['v1', 'nope', 'v2', 'v1']), 2);
  assert.equal(c.len(), n - 2);
  assert.equal(await c.get('v1'), null);
  // deleted ids never come back from a search
  for (let i = 0; i < 20; i++) {
    const res = await c.search(row(data, 1, dim), 10, { ef: 50 });
    assert.ok(!res.some((h) => h.id === 'v1' || h.id === 'v2'));
  }
  await c.vacuum();
  await c.optimize();
  const report = await c.check();
  assert.equal(report.ok, true, report.firstProblem);
  assert.equal(report.nodes, n - 2);
  const st = c.stats();
  assert.equal(st.count, n - 2);
  assert.ok(st.memoryBytes > n * dim * 4);
  assert.equal(c.isEmpty(), false);
});

test('writes apply in call order even when not awaited', async () => {
  const c = new Collection({ dim: 2 });
  const ps = [];
  for (let i = 0; i < 200; i++) {
    ps.push(c.insert('x', [i, 1], { upsert: true }));
    if (i % 3 === 0) ps.push(c.delete('x'));
  }
  const results = await Promise.all(ps);
  assert.ok(results.filter((r) => r === true).length > 0);
  // last call was insert(199) (199 % 3 != 0)
  assert.deepEqual(Array.from(await c.get('x')), [199, 1]);
});

test('a large batch with a user Float32Array', async () => {
  const dim = 32, n = 50000;
  const data = randomVectors(n, dim, 31);
  const c = new Collection({ dim, m: 8, efConstruction: 64 });
  await c.insertBatch(Array.from({ length: n }, (_, i) => i), data);
  assert.equal(c.len(), n);
  // Every stored row equals its source row (the batch was read correctly) ...
  for (const i of [0, 123, 31337, n - 1]) {
    assert.deepEqual(Array.from(await c.get(String(i))), Array.from(row(data, i, dim)));
  }
  // ... and is found by its own vector. The threaded build is not
  // deterministic and m=8 is a small graph, so search wide (ef 512) rather
  // than at the edge where one miss in a few hundred builds is expected.
  const hits = await c.search(row(data, 123, dim), 1, { ef: 512 });
  assert.equal(hits[0].id, '123');
  assert.equal(hits[0].distance, 0);
});
