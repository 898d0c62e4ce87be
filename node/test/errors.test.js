'use strict';
// Bad input: every case throws or rejects with a code, and nothing crashes.
const test = require('node:test');
const assert = require('node:assert/strict');
const { VectorDB, Collection } = require('..');
const binding = require('../lib/native');

function detached(n) {
  const a = new Float32Array(n);
  structuredClone(a.buffer, { transfer: [a.buffer] });
  assert.equal(a.length, 0);
  return a;
}

test('constructor validation (0.3.2 messages where it has them)', () => {
  const msg = 'Missing or invalid `dimensions` (the singular `dimension` alias is also accepted)';
  for (const o of [undefined, {}, { dimensions: 0 }, { dimensions: -1 }, { dimensions: 1.5 }, { dimensions: '3' }]) {
    assert.throws(() => new VectorDB(o), { message: msg });
  }
  assert.throws(() => new VectorDB({ dimensions: 3, metric: 'foo' }), { code: 'RV_EINVAL', message: /Unknown distance metric "foo"/ });
  assert.throws(() => new VectorDB({ dimensions: 70000 }), { code: 'RV_EINVAL', message: /dim is 70000/ });
  assert.throws(() => new VectorDB({ dimensions: 3, hnsw: { m: 0 } }), { code: 'RV_EINVAL', message: /m is 0/ });
  assert.throws(() => new VectorDB({ dimensions: 3, hnsw: { efSearch: 0 } }), { code: 'RV_EINVAL', message: /ef_search is 0/ });
  assert.throws(() => new VectorDB({ dimensions: 3, hnsw: { m: 'x' } }), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => new VectorDB({ dimensions: 3, hnsw: { m: 2.5 } }), { code: 'ERR_OUT_OF_RANGE' });
});

test('VectorDB insert: wrong dimension, NaN, infinity, non-array, bad id and metadata', async () => {
  const db = new VectorDB({ dimensions: 3, metric: 'euclidean' });
  await assert.rejects(db.insert({ id: 'b', vector: [1, 2] }),
    { code: 'RV_EDIM', message: 'Insert failed: Dimension mismatch: expected 3, got 2' });
  await assert.rejects(db.insert({ id: 'b', vector: [1, NaN, 2] }),
    { code: 'RV_ENONFINITE', message: 'Insert failed: component 1 is NaN' });
  await assert.rejects(db.insert({ id: 'b', vector: [1, Infinity, 2] }), { code: 'RV_ENONFINITE' });
  await assert.rejects(db.insert({ id: 'b', vector: ['a', 'b', 'c'] }),
    { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: 'vector[0] is a string ("a"), not a number' });
  await assert.rejects(db.insert({ id: 'b', vector: 'abc' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(db.insert({ id: 'b', vector: { 0: 1, 1: 2, 2: 3, length: 3 } }), { name: 'TypeError' });
  await assert.rejects(db.insert({ id: 'b' }), { name: 'TypeError' });
  await assert.rejects(db.insert(null), { name: 'TypeError' });
  await assert.rejects(db.insert({ id: 5, vector: [1, 2, 3] }), { name: 'TypeError' });
  await assert.rejects(db.insert({ id: '', vector: [1, 2, 3] }), { code: 'RV_EID', message: /Insert failed: id is empty/ });
  await assert.rejects(db.insert({ id: 'x'.repeat(256), vector: [1, 2, 3] }), { code: 'RV_EID' });
  await assert.rejects(db.insert({ id: 'a\0b', vector: [1, 2, 3] }), { code: 'RV_EID' });
  await assert.rejects(db.insert({ id: 'm', vector: [1, 2, 3], metadata: [1, 2] }), { name: 'TypeError' });
  await assert.rejects(db.insert({ id: 'm', vector: [1, 2, 3], metadata: 'str' }), { name: 'TypeError' });
  await assert.rejects(db.insert({ id: 'd', vector: detached(3) }), { code: 'ERR_INVALID_STATE', message: /detached/ });
  await assert.rejects(db.insertBatch('x'), { name: 'TypeError' });
  await assert.rejects(db.insertBatch([{ id: 'ok', vector: [1, 2, 3] }, null]), { name: 'TypeError' });
  await assert.rejects(db.insertBatch([{ id: 'ok', vector: [1, 2, 3] }, { id: 'd', vector: detached(3) }]), { code: 'ERR_INVALID_STATE' });
  assert.equal(await db.len(), 0, 'nothing was inserted by any failed call');
});

test('cosine refuses a zero vector', async () => {
  const db = new VectorDB({ dimensions: 2 });
  await assert.rejects(db.insert({ id: 'z', vector: [0, 0] }), { code: 'RV_EZERO' });
  await db.insert({ id: 'a', vector: [1, 0] });
  await assert.rejects(db.search({ vector: [0, 0], k: 1 }), { code: 'RV_EZERO', message: /^Search failed: / });
});

test('VectorDB search: bad query, k and efSearch', async () => {
  const db = new VectorDB({ dimensions: 3, metric: 'l2' });
  await db.insert({ id: 'a', vector: [1, 2, 3] });
  await assert.rejects(db.search({ vector: [0, 0], k: 3 }),
    { code: 'RV_EDIM', message: 'Search failed: Dimension mismatch: expected 3, got 2' });
  await assert.rejects(db.search({ vector: [0, NaN, 0], k: 3 }), { code: 'RV_ENONFINITE' });
  await assert.rejects(db.search({ vector: [0, 0, 0] }), { name: 'TypeError', message: 'Missing field `k`' });
  await assert.rejects(db.search({ vector: [0, 0, 0], k: '2' }), { name: 'TypeError' });
  await assert.rejects(db.search({ vector: [0, 0, 0], k: -1 }), { name: 'RangeError' });
  await assert.rejects(db.search({ vector: [0, 0, 0], k: 1.5 }), { name: 'RangeError' });
  await assert.rejects(db.search({ vector: [0, 0, 0], k: 1, efSearch: -1 }), { name: 'RangeError' });
  await assert.rejects(db.search({ vector: [0, 0, 0], k: 1, efSearch: 'x' }), { name: 'RangeError' });
  await assert.rejects(db.search({ vector: 'abc', k: 1 }), { name: 'TypeError' });
  await assert.rejects(db.search({ vector: detached(3), k: 1 }), { code: 'ERR_INVALID_STATE' });
  await assert.rejects(db.search({ vector: [0, 0, 0], k: 1, filter: 'x' }), { name: 'TypeError' });
  await assert.rejects(db.get(5), { name: 'TypeError' });
  await assert.rejects(db.delete(5), { name: 'TypeError' });
  assert.equal((await db.search({ vector: [1, 2, 3], k: 1 }))[0].id, 'a');
});

test('calls after close throw RV_ECLOSED', async () => {
  const db = new VectorDB({ dimensions: 2 });
  await db.insert({ id: 'a', vector: [1, 1] });
  await db.close();
  await db.close(); // idempotent
  for (const p of [db.insert({ id: 'b', vector: [1, 2] }), db.insertBatch([{ vector: [1, 2] }]), db.search({ vector: [1, 1], k: 1 }),
    db.search({ vector: [1, 1], k: 0 }), db.get('a'), db.delete('a'), db.len(), db.isEmpty()]) {
    await assert.rejects(p, { code: 'RV_ECLOSED' });
  }
  const c = new Collection({ dim: 2 });
  await c.close();
  assert.throws(() => c.len(), { code: 'RV_ECLOSED' });
  assert.throws(() => c.stats(), { code: 'RV_ECLOSED' });
  await assert.rejects(c.search([1, 1], 1), { code: 'RV_ECLOSED' });
  await assert.rejects(c.vacuum(), { code: 'RV_ECLOSED' });
});

test('the native class itself refuses nonsense without crashing', async () => {
  const n = new binding.Collection({ dim: 2 });
  const v = new Float32Array([1, 2]);
  assert.throws(() => binding.Collection({ dim: 2 }), { code: 'ERR_CONSTRUCT_CALL_REQUIRED' });
  assert.throws(() => new binding.Collection(), { name: 'TypeError' });
  assert.throws(() => new binding.Collection({ dim: 2, metric: 'nope' }), { code: 'RV_EINVAL' });
  assert.throws(() => new binding.Collection({ dim: 2, metric: 9 }), { name: 'RangeError' });
  assert.throws(() => new binding.Collection({ dim: 0 }), { code: 'RV_EINVAL', message: /dim is 0/ });
  assert.throws(() => n.insert(), { code: 'ERR_MISSING_ARGS' });
  assert.throws(() => n.insert('a', 1, [1, 2], 0), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => n.insert('a', 1, new Float64Array(2), 0), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => n.insert('a', 1, detached(2), 0), { code: 'ERR_INVALID_STATE' });
  assert.throws(() => n.insert(5, 1, v, 0), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => n.insert('a', 0, v, 0), { name: 'RangeError' });
  assert.throws(() => n.insert('a', 2, v, 0), { code: 'ERR_INVALID_ARG_VALUE' }); // 1 id, n = 2
  assert.throws(() => n.insert('a\0b\0c', 2, new Float32Array(4), 0), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => n.insert('a', 1, v, 99), { name: 'RangeError' });
  await assert.rejects(n.insert('a\0b', 2, new Float32Array(3), 0), { code: 'RV_EDIM' });
  await assert.rejects(n.insert('a\0', 2, new Float32Array(4), 0), { code: 'RV_EID', message: /entry 1/ });
  await assert.rejects(n.insert('a\0a', 2, new Float32Array(4), 0), { code: 'RV_EEXIST' });
  await assert.rejects(n.insert('a', 1, new Float32Array(0), 0), { code: 'RV_EDIM' });
  assert.throws(() => n.search(v, 0), { name: 'RangeError' });
  assert.throws(() => n.search(v, 70000), { name: 'RangeError' });
  assert.throws(() => n.search(v, 1, -1), { name: 'RangeError' });
  assert.throws(() => n.search([1, 2], 1), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(n.search(new Float32Array(3), 1), { code: 'RV_EDIM' });
  assert.throws(() => n.searchBatch(v, 0, 1), { name: 'RangeError' });
  await assert.rejects(n.searchBatch(new Float32Array(3), 2, 1), { code: 'RV_EDIM' });
  assert.throws(() => n.get(), { code: 'ERR_MISSING_ARGS' });
  assert.throws(() => n.delete({}, 1), { code: 'ERR_INVALID_ARG_TYPE' });
  // methods called on something that is not a native collection
  for (const m of ['len', 'insert', 'search', 'get', 'delete', 'close', 'stats']) {
    // V8 checks the receiver of class methods first ("Illegal invocation")
    assert.throws(() => n[m].call({}), { name: 'TypeError' }, m);
    assert.throws(() => n[m].call(undefined), { name: 'TypeError' }, m);
    assert.throws(() => n[m].call(new Float32Array(2)), { name: 'TypeError' }, m);
  }
  assert.equal(binding.isDetached(detached(1)), true);
  assert.equal(binding.isDetached(v), false);
  assert.equal(binding.isDetached('x'), false);
  n.close();
  assert.throws(() => n.len(), { code: 'RV_ECLOSED' });
  assert.throws(() => n.search(v, 1), { code: 'RV_ECLOSED' });
});

test('an owned buffer is not copied, a caller\'s buffer is: changing it after the call changes nothing', async () => {
  const c = new Collection({ dim: 2 });
  const v = new Float32Array([1, 2]);
  const p = c.insert('a', v);
  v[0] = 100; // after the call returned, before the insert ran
  await p;
  assert.deepEqual(Array.from(await c.get('a')), [1, 2]);
  const batch = new Float32Array([3, 4, 5, 6]);
  const q = c.insertBatch(['b', 'c'], batch);
  batch.fill(0);
  await q;
  assert.deepEqual(Array.from(await c.get('c')), [5, 6]);
  const query = new Float32Array([5, 6]);
  const s = c.search(query, 1);
  query[0] = -100;
  assert.equal((await s)[0].id, 'c');
});
