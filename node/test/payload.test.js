'use strict';
// Collection: payloads, filters, payload indexes, text and hybrid search,
// MMR (the core's issue #5 features, reached through the addon).
//  - payloads round-trip (objects and JSON text, batches, set/replace/clear);
//  - filters agree with a reference evaluation written here (the semantics
//    of ruvector.h, "Filters") for every operator, with and without
//    indexes, through countMatching, exact search and searchBatch;
//  - a filtered graph search returns min(k, matches) hits, all matching;
//  - bad filters and payloads reject with the core's message and RV_EINVAL;
//  - BM25 ranking, fused hybrid order, MMR at lambda 1 = plain ranking;
//  - many concurrent filtered searches agree with the same searches alone.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Collection } = require('..');
const { randomVectors, row, bruteForce } = require('./helpers');

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

// ---- a reference evaluation of filters over JS payload objects ----

const has = (p, key) => p !== null && Object.prototype.hasOwnProperty.call(p, key);

function fieldEq(p, key, v) {
  if (!has(p, key)) return false;
  const f = p[key];
  if (v === null) return f === null;
  if (typeof v === 'boolean') return f === v;
  if (typeof v === 'number') return typeof f === 'number' && f === v;
  if (typeof v === 'string') return f === v || (Array.isArray(f) && f.includes(v));
  throw new Error(`bad value ${v}`);
}

function fieldCmp(p, key, v) {
  if (!has(p, key)) return null;
  const f = p[key];
  if (typeof v === 'number' && typeof f === 'number') return Math.sign(f - v);
  if (typeof v === 'string' && typeof f === 'string') return Buffer.compare(Buffer.from(f), Buffer.from(v));
  return null;
}

function matches(filter, p) {
  for (const [key, cond] of Object.entries(filter)) {
    let ok;
    if (key === '$and') ok = cond.every((g) => matches(g, p));
    else if (key === '$or') ok = cond.some((g) => matches(g, p));
    else if (key === '$not') ok = !matches(cond, p);
    else if (cond === null || typeof cond !== 'object') ok = fieldEq(p, key, cond);
    else {
      ok = Object.entries(cond).every(([op, v]) => {
        switch (op) {
          case '$eq': return fieldEq(p, key, v);
          case '$ne': return !fieldEq(p, key, v);
          case '$in': return v.some((x) => fieldEq(p, key, x));
          case '$nin': return !v.some((x) => fieldEq(p, key, x));
          case '$gt': { const c = fieldCmp(p, key, v); return c !== null && c > 0; }
          case '$gte': { const c = fieldCmp(p, key, v); return c !== null && c >= 0; }
          case '$lt': { const c = fieldCmp(p, key, v); return c !== null && c < 0; }
          case '$lte': { const c = fieldCmp(p, key, v); return c !== null && c <= 0; }
          case '$exists': return has(p, key) === v;
          case '$contains': {
            if (!has(p, key)) return false;
            const f = p[key];
            if (typeof f === 'string') return f.includes(v);
            return Array.isArray(f) && f.includes(v);
          }
          default: throw new Error(`reference: unknown operator ${op}`);
        }
      });
    }
    if (!ok) return false;
  }
  return true;
}

// Records with mixed payloads: label (string), num (number), flag (boolean,
// absent for a third), tags (array of strings), note (string or null, on some),
// and every 17th has no payload at all.
function makeRecords(n, seed) {
  const r = rng(seed);
  const recs = [];
  for (let i = 0; i < n; i++) {
    if (i % 17 === 16) { recs.push({ id: String(i), payload: null }); continue; }
    const p = { label: `L${Math.floor(r() * 10)}`, num: Math.floor(r() * 1000) / 10 };
    const f = Math.floor(r() * 3);
    if (f < 2) p.flag = f === 1;
    p.tags = [`t${Math.floor(r() * 6)}`, `t${Math.floor(r() * 6)}`];
    if (i % 5 === 0) p.note = i % 10 === 0 ? null : `note about item ${i}`;
    recs.push({ id: String(i), payload: p });
  }
  return recs;
}

const FILTERS = [
  { label: 'L3' },
  { label: { $eq: 'L7' } },
  { label: { $ne: 'L7' } },
  { label: { $in: ['L1', 'L2', 'L9'] } },
  { label: { $nin: ['L1', 'L2'] } },
  { num: { $gt: 25, $lt: 40 } },
  { num: { $gte: 90 } },
  { num: { $lte: 5.5 } },
  { num: 50 },
  { label: { $gte: 'L5' } },
  { flag: true },
  { flag: false },
  { flag: { $exists: false } },
  { note: { $exists: true } },
  { note: null },
  { tags: { $contains: 't2' } },
  { tags: 't4' },
  { tags: { $in: ['t0', 't5'] } },
  { note: { $contains: 'item 1' } },
  { $and: [{ label: { $in: ['L0', 'L1', 'L2', 'L3'] } }, { num: { $lt: 50 } }] },
  { $or: [{ flag: true }, { tags: { $contains: 't1' } }] },
  { $not: { label: 'L0' } },
  { $not: { $or: [{ num: { $gt: 20 } }, { flag: { $exists: true } }] } },
  { $or: [{ $and: [{ label: 'L4' }, { flag: false }] }, { num: { $gte: 99 } }] },
  { label: 'L2', tags: { $contains: 't3' } }, // implicit and
  { label: 'nothing' },
];

async function expectReject(p, code, re) {
  await assert.rejects(p, (e) => {
    assert.equal(e.code, code, `${e.code}: ${e.message}`);
    if (re) assert.ok(typeof re === 'string' ? e.message.includes(re) : re.test(e.message), e.message);
    return true;
  });
}

test('payloads round-trip: objects, JSON text, batches, set, replace, clear', async () => {
  const c = new Collection({ dim: 2 });
  const big = 'x'.repeat(5000) + 'é';
  await c.insert('a', [1, 0], { payload: { s: 'héllo "q"', n: -0.5, t: true, f: false, z: null, arr: ['p', 'q'], big } });
  await c.insert('b', [0, 1], { payload: '{"k":"v"}' });
  await c.insert('c', [1, 1]);
  await c.insertBatch(['d', 'e', 'f'], [[2, 0], [0, 2], [2, 2]], { payloads: [{ i: 1 }, null, '{"i":3}'] });
  assert.deepEqual(await c.getPayload('a'), { s: 'héllo "q"', n: -0.5, t: true, f: false, z: null, arr: ['p', 'q'], big });
  assert.deepEqual(await c.getPayload('b'), { k: 'v' });
  assert.deepEqual(await c.getPayload('c'), {});
  assert.deepEqual(await c.getPayload('d'), { i: 1 });
  assert.deepEqual(await c.getPayload('e'), {});
  assert.deepEqual(await c.getPayload('f'), { i: 3 });
  assert.equal(await c.getPayload('nope'), null);
  // setPayload replaces; null clears; unknown ids reject
  await c.setPayload('c', { now: 1 });
  assert.deepEqual(await c.getPayload('c'), { now: 1 });
  await c.setPayload('c', null);
  assert.deepEqual(await c.getPayload('c'), {});
  await expectReject(c.setPayload('nope', { a: 1 }), 'RV_ENOTFOUND');
  // an upsert replaces the record, payload included
  await c.insert('b', [0, 1], { upsert: true, payload: { k: 2 } });
  assert.deepEqual(await c.getPayload('b'), { k: 2 });
  await c.upsert('b', [0, 1]);
  assert.deepEqual(await c.getPayload('b'), {});
  // withPayload on searches (the large payload grows the result buffer)
  const hits = await c.search([1, 0], 6, { withPayload: true, exact: true });
  assert.equal(hits.length, 6);
  assert.deepEqual(hits[0], { id: 'a', distance: 0, score: 0, payload: await c.getPayload('a') });
  for (const h of hits) {
    assert.deepEqual(h.payload, await c.getPayload(h.id));
    assert.ok(h.score === -h.distance, `${h.score} vs ${h.distance}`);
  }
  const batch = await c.searchBatch([[1, 0], [0, 2]], 3, { withPayload: true, exact: true, vectors: true });
  assert.equal(batch[1][0].id, 'e');
  assert.deepEqual(batch[1][0].payload, {});
  assert.deepEqual(Array.from(batch[1][0].vector), [0, 2]);
  for (const hs of batch) for (const h of hs) assert.deepEqual(h.payload, await c.getPayload(h.id));
  // plain hits keep their shape, plus score
  const [plain] = await c.search([0, 2], 1);
  assert.deepEqual(plain, { id: 'e', distance: 0, score: 0 });
});

test('bad payloads reject with the core message and change nothing', async () => {
  const c = new Collection({ dim: 2 });
  let deep = 1;
  for (let i = 0; i < 17; i++) deep = { k: deep }; // 17 objects: one level too deep
  await expectReject(c.insert('a', [1, 0], { payload: deep }), 'RV_EINVAL', 'nesting deeper than 16');
  await expectReject(c.insert('a', [1, 0], { payload: { arr: [1, { '': 2 }] } }), 'RV_EINVAL', 'field name "arr[1]."');
  await expectReject(c.insert('a', [1, 0], { payload: '{"a":' }), 'RV_EINVAL');
  await expectReject(c.insert('a', [1, 0], { payload: '{"a":1,"a":2}' }), 'RV_EINVAL');
  await assert.rejects(c.insert('a', [1, 0], { payload: 42 }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(c.insert('a', [1, 0], { payload: 'x\0y' }), { code: 'RV_EINVAL' });
  assert.equal(c.len(), 0);
  await expectReject(c.insertBatch(['a', 'b', 'c'], [[1, 0], [0, 1], [1, 1]], { payloads: [{}, {}, { bad: { '': 1 } }] }),
    'RV_EINVAL', 'entry 2');
  await assert.rejects(c.insertBatch(['a', 'b'], [[1, 0], [0, 1]], { payloads: [{}] }), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.equal(c.len(), 0);
  await c.insert('a', [1, 0], { payload: { k: 1 } });
  await expectReject(c.setPayload('a', { k: { '': 1 } }), 'RV_EINVAL', 'k.');
  assert.deepEqual(await c.getPayload('a'), { k: 1 });
});

test('documents: nested payloads round-trip; dotted paths, $elemMatch and $size filter them in the core', async () => {
  const c = new Collection({ dim: 2 });
  const docs = {
    a: { meta: { author: { name: 'ada' }, level: 3 }, scores: [0.5, 2.5], items: [{ sku: 'x', qty: 2 }, { sku: 'y', qty: 0 }] },
    b: { meta: { author: { name: 'bob' }, level: 1 }, scores: [], items: [{ sku: 'x', qty: 0 }, { sku: 'y', qty: 5 }] },
    c: { meta: { level: 5 }, scores: [9], items: [], note: null },
  };
  for (const [id, p] of Object.entries(docs)) await c.insert(id, id === 'a' ? [1, 0] : [0, 1], { payload: p });
  for (const [id, p] of Object.entries(docs)) assert.deepEqual(await c.getPayload(id), p);
  const ids = async (filter) => (await c.search([1, 0], 10, { filter })).map((h) => h.id).sort();
  assert.deepEqual(await ids({ 'meta.author.name': 'ada' }), ['a']);
  assert.deepEqual(await ids({ 'meta.level': { $gte: 3 } }), ['a', 'c']);
  assert.deepEqual(await ids({ scores: { $gt: 2 } }), ['a', 'c']);
  assert.deepEqual(await ids({ scores: { $size: 0 } }), ['b']);
  assert.deepEqual(await ids({ 'items.sku': 'x', 'items.qty': { $gte: 2 } }), ['a', 'b']);
  assert.deepEqual(await ids({ items: { $elemMatch: { sku: 'x', qty: { $gte: 2 } } } }), ['a']);
  assert.deepEqual(await ids({ 'items.1.sku': 'y' }), ['a', 'b']);
  assert.deepEqual(await ids({ 'meta.author': { $exists: false } }), ['c']);
  await c.createIndex('items.sku', 'keyword');
  await c.createIndex('meta.level', 'numeric');
  assert.deepEqual(await ids({ 'items.sku': 'y', 'meta.level': { $lt: 2 } }), ['b']);
  assert.equal(await c.countMatching({ 'items.sku': { $in: ['x', 'y'] } }), 2);
  // a merge patch changes part of a document, in the core, as one write
  await c.mergePayload('a', { meta: { author: null, level: 0 }, extra: { k: [1] } });
  assert.deepEqual(await c.getPayload('a'), { ...docs.a, meta: { level: 0 }, extra: { k: [1] } });
  assert.deepEqual(await ids({ 'meta.level': { $lt: 2 } }), ['a', 'b']);
  assert.deepEqual(await ids({ 'items.sku': 'y', 'meta.level': { $lt: 2 } }), ['a', 'b']);
  await expectReject(c.mergePayload('a', '[1]'), 'RV_EINVAL', 'patch must be a JSON object');
  await expectReject(c.mergePayload('nope', {}), 'RV_ENOTFOUND');
  await assert.rejects(c.mergePayload('a', null), { name: 'TypeError' });
});

test('filters agree with a reference evaluation, with and without indexes', async () => {
  const dim = 8, n = 600;
  const recs = makeRecords(n, 7);
  const data = randomVectors(n, dim, 3);
  const ids = recs.map((r) => r.id);
  const c = new Collection({ dim, exactThreshold: 0 });
  await c.insertBatch(ids, data, { payloads: recs.map((r) => r.payload) });
  const q = randomVectors(1, dim, 99);
  const all = bruteForce('l2', data, ids, dim, q, n).map((w) => w[0]);
  const check = async (phase) => {
    for (const f of FILTERS) {
      const want = new Set(recs.filter((r) => matches(f, r.payload ?? {})).map((r) => r.id));
      const what = `${phase} ${JSON.stringify(f)}`;
      assert.equal(await c.countMatching(f), want.size, what);
      assert.equal(await c.countMatching(JSON.stringify(f)), want.size, what);
      // an exact search over everything returns exactly the matching set, nearest first
      const hits = await c.search(q, n, { exact: true, filter: f });
      assert.deepEqual(hits.map((h) => h.id), all.filter((id) => want.has(id)), what);
      // the same filter as JSON text
      const hits2 = await c.search(q, 10, { exact: true, filter: JSON.stringify(f) });
      assert.deepEqual(hits2.map((h) => h.id), hits.slice(0, 10).map((h) => h.id), what);
    }
  };
  await check('no indexes');
  await c.createIndex('label', 'keyword');
  await c.createIndex('tags', 'keyword');
  await c.createIndex('flag', 'keyword');
  await c.createIndex('num', 'numeric');
  await c.createIndex('num', 'numeric'); // again: a no-op
  await check('indexes');
  // searchBatch takes a filter for every query
  const queries = randomVectors(5, dim, 12);
  const f = { $or: [{ label: 'L1' }, { num: { $lt: 10 } }] };
  const batch = await c.searchBatch(queries, 7, { exact: true, filter: f });
  for (let i = 0; i < 5; i++) {
    const one = await c.search(row(queries, i, dim), 7, { exact: true, filter: f });
    assert.deepEqual(batch[i].map((h) => h.id), one.map((h) => h.id));
    assert.ok(batch[i].every((h) => matches(f, recs[Number(h.id)].payload ?? {})));
  }
  await assert.rejects(c.createIndex('x', 'fulltext'), { code: 'RV_EINVAL' });
});

test('a filtered graph search returns min(k, matches) hits, all matching', async () => {
  const dim = 16, n = 3000;
  const r = rng(5);
  const data = randomVectors(n, dim, 21);
  const ids = Array.from({ length: n }, (_, i) => String(i));
  // bucket: a number in [0, 1000); rare: on 1% of records
  const payloads = ids.map((_, i) => ({ bucket: Math.floor(r() * 1000), rare: i % 100 === 7 }));
  const c = new Collection({ dim, exactThreshold: 0, seed: 3 });
  await c.insertBatch(ids, data, { payloads });
  const filters = [
    { rare: true },                       // 1%
    { bucket: { $lt: 100 } },             // 10%
    { bucket: { $lt: 500 } },             // 50%
    { bucket: { $gte: 995 } },            // 0.5%
    { bucket: -1 },                       // none
    { $and: [{ rare: true }, { bucket: { $lt: 300 } }] }, // a handful
  ];
  for (const withIndex of [false, true]) {
    if (withIndex) await c.createIndex('bucket', 'numeric');
    for (const f of filters) {
      const match = new Set(ids.filter((id, i) => matches(f, payloads[i])));
      for (const k of [1, 10, 50]) {
        for (let qi = 0; qi < 3; qi++) {
          const q = row(data, qi * 13, dim);
          const hits = await c.search(q, k, { filter: f, ef: 64 });
          assert.equal(hits.length, Math.min(k, match.size), `${JSON.stringify(f)} k=${k} index=${withIndex}`);
          assert.ok(hits.every((h) => match.has(h.id)), JSON.stringify(f));
          assert.equal(new Set(hits.map((h) => h.id)).size, hits.length);
        }
      }
    }
  }
});

test('bad filters reject with the core message naming the offending part', async () => {
  const c = new Collection({ dim: 2 });
  await c.insert('a', [1, 0], { payload: { a: 1 } });
  await expectReject(c.search([1, 0], 1, { filter: { a: { $gt: true } } }), 'RV_EINVAL',
    'filter a.$gt: $gt expects a number or a string, got boolean');
  await expectReject(c.search([1, 0], 1, { filter: { a: { $regex: 'x' } } }), 'RV_EINVAL', '$regex');
  await expectReject(c.search([1, 0], 1, { filter: { $or: [{ a: 1 }, { b: { $lt: [1] } }] } }), 'RV_EINVAL', '$or[1].b.$lt');
  await expectReject(c.search([1, 0], 1, { filter: { a: { b: 1 } } }), 'RV_EINVAL', 'write its dotted path ("a.b")');
  await expectReject(c.search([1, 0], 1, { filter: { 'a..b': 1 } }), 'RV_EINVAL', 'empty segment');
  await expectReject(c.search([1, 0], 1, { filter: {} }), 'RV_EINVAL', 'empty filter');
  await expectReject(c.search([1, 0], 1, { filter: '{"a":1' }), 'RV_EINVAL', 'JSON');
  await expectReject(c.searchBatch([[1, 0]], 1, { filter: { a: { $in: 3 } } }), 'RV_EINVAL', 'a.$in');
  await expectReject(c.countMatching({ a: { $exists: 1 } }), 'RV_EINVAL', 'a.$exists');
  await expectReject(c.searchText('x', 1, { filter: { $and: {} } }), 'RV_EINVAL', '$and');
  await assert.rejects(c.search([1, 0], 1, { filter: 5 }), { name: 'TypeError' });
  await assert.rejects(c.countMatching(), { name: 'TypeError' });
  // still usable
  assert.equal((await c.search([1, 0], 1, { filter: { a: 1 } })).length, 1);
});

test('text search ranks by BM25; filters, deletes and errors', async () => {
  const c = new Collection({ dim: 2 });
  await expectReject(c.searchText('quick', 3), 'RV_EINVAL', 'text index');
  await c.createIndex('body', 'text');
  await expectReject(c.createIndex('other', 'text'), 'RV_EINVAL');
  const docs = ['the quick brown fox', 'a quick quick dog', 'Über Straße', 'nothing here'];
  await c.insertBatch(docs.map((_, i) => `d${i}`), docs.map((_, i) => [i, 0]),
    { payloads: docs.map((body, i) => ({ body, i })) });
  let hits = await c.searchText('QUICK', 4);
  assert.deepEqual(hits.map((h) => h.id), ['d1', 'd0']);
  assert.ok(hits[0].score > hits[1].score && hits[1].score > 0);
  assert.ok(hits.every((h) => h.distance === null));
  assert.deepEqual((await c.searchText('straße über', 4)).map((h) => h.id), ['d2']);
  assert.deepEqual((await c.searchText('quick', 4, { filter: { i: { $gt: 0 } } })).map((h) => h.id), ['d1']);
  hits = await c.searchText('quick', 1, { withPayload: true });
  assert.deepEqual(hits, [{ id: 'd1', distance: null, score: hits[0].score, payload: { body: 'a quick quick dog', i: 1 } }]);
  assert.deepEqual(await c.searchText('absent', 4), []);
  assert.deepEqual(await c.searchText('quick', 0), []);
  // a payload change re-indexes; a delete removes
  await c.setPayload('d3', { body: 'quick quick quick', i: 3 });
  assert.equal((await c.searchText('quick', 4))[0].id, 'd3');
  await c.delete('d1');
  assert.deepEqual((await c.searchText('quick', 4)).map((h) => h.id), ['d3', 'd0']);
  await assert.rejects(c.searchText(5, 1), { name: 'TypeError' });
});

test('hybrid search returns the fused order', async () => {
  const c = new Collection({ dim: 2 });
  await c.createIndex('body', 'text');
  const docs = ['the quick brown fox', 'a quick quick dog', 'Über Straße', 'nothing here'];
  for (let i = 0; i < 4; i++) await c.insert(`d${i}`, [i, 0], { payload: { body: docs[i], i } });
  // RRF: vector ranking from x=3 is d3 d2 d1 d0; text ranking for "quick" is
  // d1 d0. d1: 1/63 + 1/61; d0: 1/64 + 1/62; d3: 1/61; d2: 1/62.
  let hits = await c.searchHybrid([3, 0], 'quick', 4);
  assert.deepEqual(hits.map((h) => h.id), ['d1', 'd0', 'd3', 'd2']);
  const want = [1 / 63 + 1 / 61, 1 / 64 + 1 / 62, 1 / 61, 1 / 62];
  hits.forEach((h, i) => assert.ok(Math.abs(h.score - want[i]) < 1e-6, `${h.id}: ${h.score}`));
  assert.deepEqual(hits.map((h) => h.distance), [4, 9, 0, 1]);
  // weights: text weight 0 gives the vector order; vector weight 0 the text order
  hits = await c.searchHybrid([3, 0], 'quick', 4, { textWeight: 0 });
  assert.deepEqual(hits.slice(0, 4).map((h) => h.id), ['d3', 'd2', 'd1', 'd0']);
  hits = await c.searchHybrid([3, 0], 'quick', 2, { fusion: 'weighted', vectorWeight: 0, textWeight: 1 });
  assert.deepEqual(hits.map((h) => h.id), ['d1', 'd0']);
  // a smaller rrfK and a text-heavy weighting
  hits = await c.searchHybrid([3, 0], 'quick', 4, { rrfK: 1, textWeight: 3, depth: 10 });
  assert.deepEqual(hits.slice(0, 2).map((h) => h.id), ['d1', 'd0']);
  // depth 2 (at least k): the top two of each list, d3 d2 and d1 d0; d3 and
  // d1 tie at 1/61. d1 came only from the text side: its distance is null.
  hits = await c.searchHybrid([3, 0], 'quick', 2, { depth: 2 });
  assert.deepEqual(hits.map((h) => h.id).sort(), ['d1', 'd3']);
  assert.equal(hits.find((h) => h.id === 'd1').distance, null);
  assert.equal(hits.find((h) => h.id === 'd3').distance, 0);
  // the filter applies to both sides; payloads come along
  hits = await c.searchHybrid([3, 0], 'quick', 4, { filter: { i: { $lt: 2 } }, withPayload: true });
  assert.deepEqual(hits.map((h) => h.id), ['d1', 'd0']);
  assert.deepEqual(hits[0].payload, { body: docs[1], i: 1 });
  await assert.rejects(c.searchHybrid([3, 0], 'quick', 4, { fusion: 'max' }), { code: 'RV_EINVAL' });
  await assert.rejects(c.searchHybrid([3, 0], 'quick', 4, { rrfK: 'x' }), { name: 'TypeError' });
  await assert.rejects(c.searchHybrid([3, 0, 1], 'quick', 4), { code: 'RV_EDIM' });
});

test('MMR: lambda 1 is the plain order; lower lambda spreads the results', async () => {
  const dim = 16, n = 2000;
  const data = randomVectors(n, dim, 8);
  const ids = Array.from({ length: n }, (_, i) => String(i));
  const c = new Collection({ dim, exactThreshold: 100000 });
  await c.insertBatch(ids, data, { payloads: ids.map((_, i) => ({ even: i % 2 === 0 })) });
  const spread = (hits) => {
    let s = 0, pairs = 0;
    for (let a = 0; a < hits.length; a++) {
      for (let b = a + 1; b < hits.length; b++) {
        const x = row(data, Number(hits[a].id), dim), y = row(data, Number(hits[b].id), dim);
        for (let d = 0; d < dim; d++) s += (x[d] - y[d]) ** 2;
        pairs++;
      }
    }
    return s / pairs;
  };
  let wider = 0;
  for (let qi = 0; qi < 8; qi++) {
    const q = row(data, qi * 101, dim);
    const plain = await c.search(q, 10);
    const m1 = await c.search(q, 10, { mmr: { lambda: 1 } });
    assert.deepEqual(m1.map((h) => h.id), plain.map((h) => h.id));
    const m3 = await c.search(q, 10, { mmr: { lambda: 0.3, candidates: 60 } });
    assert.equal(m3.length, 10);
    assert.equal(new Set(m3.map((h) => h.id)).size, 10);
    if (spread(m3) > spread(m1)) wider++;
    // with a filter, every pick matches
    const mf = await c.search(q, 10, { mmr: { lambda: 0.5 }, filter: { even: true } });
    assert.equal(mf.length, 10);
    assert.ok(mf.every((h) => Number(h.id) % 2 === 0));
  }
  assert.ok(wider >= 6, `lambda 0.3 spread wider for only ${wider} of 8 queries`);
  const batch = await c.searchBatch([row(data, 0, dim), row(data, 5, dim)], 5, { mmr: { lambda: 1 } });
  assert.deepEqual(batch[0].map((h) => h.id), (await c.search(row(data, 0, dim), 5)).map((h) => h.id));
  await expectReject(c.search(row(data, 0, dim), 5, { mmr: { lambda: 1.5 } }), 'RV_EINVAL', 'mmr_lambda');
  await assert.rejects(c.search(row(data, 0, dim), 5, { mmr: 'yes' }), { name: 'TypeError' });
});

test('many concurrent filtered searches agree with the same searches run alone', async () => {
  const dim = 12, n = 4000;
  const recs = makeRecords(n, 31);
  const data = randomVectors(n, dim, 17);
  const ids = recs.map((r) => r.id);
  const c = new Collection({ dim, exactThreshold: 0, seed: 9 });
  await c.insertBatch(ids, data, { payloads: recs.map((r) => r.payload) });
  await c.createIndex('label', 'keyword');
  const queries = randomVectors(40, dim, 44);
  const jobs = [];
  for (let i = 0; i < 400; i++) {
    const f = FILTERS[i % FILTERS.length];
    const q = row(queries, i % 40, dim);
    const exact = i % 3 === 0;
    jobs.push({ f, q, exact, k: 5 + (i % 7), lane: i % 2 === 0 });
  }
  const run = (j) => c.search(j.q, j.k, { filter: j.f, exact: j.exact, lane: j.lane, ef: 80, withPayload: i2(j) });
  const i2 = (j) => j.k % 2 === 0;
  const together = await Promise.all(jobs.map(run));
  const counts = await Promise.all(FILTERS.map((f) => c.countMatching(f)));
  for (let i = 0; i < jobs.length; i++) {
    const j = jobs[i];
    const alone = await run(j);
    assert.deepEqual(together[i], alone, `job ${i}`);
    const nmatch = counts[i % FILTERS.length];
    assert.equal(together[i].length, Math.min(j.k, nmatch));
    assert.ok(together[i].every((h) => matches(j.f, recs[Number(h.id)].payload ?? {})));
    if (j.exact) {
      const want = bruteForce('l2', data, ids, dim, j.q, n).map((w) => w[0])
        .filter((id) => matches(j.f, recs[Number(id)].payload ?? {})).slice(0, j.k);
      assert.deepEqual(together[i].map((h) => h.id), want);
    }
  }
});
