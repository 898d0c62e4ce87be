'use strict';
// Many Promise calls at once: searches, inserts, deletes, gets interleaved,
// then close while work is in flight.
const test = require('node:test');
const assert = require('node:assert/strict');
const { VectorDB, Collection } = require('..');
const { randomVectors, row } = require('./helpers');

test('thousands of concurrent calls give well-formed, consistent answers', async () => {
  const dim = 16, n = 5000;
  const data = randomVectors(n, dim, 41);
  const db = new VectorDB({ dimensions: dim, metric: 'euclidean', hnsw: { m: 12, efConstruction: 64 } });
  await db.insertBatch(Array.from({ length: n }, (_, i) => ({ id: `b${i}`, vector: row(data, i, dim), metadata: { i } })));
  const extra = randomVectors(1000, dim, 42);
  const ops = [];
  for (let i = 0; i < 1000; i++) {
    ops.push(db.insert({ id: `x${i}`, vector: row(extra, i, dim), metadata: { x: i } }).then((id) => ['ins', id]));
    ops.push(db.search({ vector: row(data, i, dim), k: 5, efSearch: 64 }).then((r) => ['search', i, r]));
    if (i % 4 === 0) ops.push(db.delete(`b${i + 1}`).then((r) => ['del', r]));
    if (i % 10 === 0) ops.push(db.get(`b${i}`).then((r) => ['get', i, r]));
  }
  const results = await Promise.all(ops);
  for (const r of results) {
    if (r[0] === 'ins') assert.match(r[1], /^x\d+$/);
    if (r[0] === 'del') assert.equal(r[1], true);
    if (r[0] === 'search') {
      const [, i, hits] = r;
      assert.equal(hits.length, 5);
      assert.equal(hits[0].id, `b${i}`); // the query is that stored vector (never deleted: i % 4 == 0 deletes b(i+1) with i+1 odd)
      for (const h of hits) assert.equal(h.vector.length, dim);
      for (let j = 1; j < hits.length; j++) assert.ok(hits[j].score >= hits[j - 1].score);
    }
    if (r[0] === 'get') assert.equal(r[2].metadata.i, r[1]);
  }
  assert.equal(await db.len(), n + 1000 - 250);
  const c = db.collection;
  assert.equal((await c.check()).ok, true);
});

test('many concurrent searches on the low-level Collection and batch searches together', async () => {
  const dim = 8, n = 3000;
  const data = randomVectors(n, dim, 51);
  const c = new Collection({ dim });
  await c.insertBatch(Array.from({ length: n }, (_, i) => i), data);
  const ps = [];
  for (let i = 0; i < 2000; i++) ps.push(c.search(row(data, i, dim), 1, { exact: i % 2 === 0 }));
  ps.push(c.searchBatch(data.subarray(0, 100 * dim), 1));
  const res = await Promise.all(ps);
  for (let i = 0; i < 2000; i++) assert.equal(res[i][0].id, String(i));
  res[2000].forEach((hits, i) => assert.equal(hits[0].id, String(i)));
});

test('close while searches and writes are in flight: they finish, later calls fail, nothing crashes', async () => {
  const dim = 8;
  const c = new Collection({ dim });
  const data = randomVectors(2000, dim, 61);
  await c.insertBatch(Array.from({ length: 2000 }, (_, i) => i), data);
  const pending = [];
  for (let i = 0; i < 200; i++) pending.push(c.search(row(data, i, dim), 3));
  const w = c.insert('late', row(data, 0, dim));
  const closing = c.close();
  await assert.rejects(c.search(row(data, 0, dim), 1), { code: 'RV_ECLOSED' });
  const res = await Promise.all(pending);
  for (let i = 0; i < 200; i++) assert.equal(res[i][0].id, String(i));
  await w; // called before close: it ran
  await closing;
  assert.throws(() => c.len(), { code: 'RV_ECLOSED' });
});
