'use strict';
// `ruvector mcp DB` (lib/mcp/ruvector-server.js) through the SDK's own Client
// and StdioClientTransport: protocol versions, every tool, answers checked
// against the Collection API on the same data, bounds and bad arguments as
// tool errors, 100 concurrent calls, kill -9 durability, stdout JSON-RPC
// only, SIGINT and EOF.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { LATEST_PROTOCOL_VERSION } = require('@modelcontextprotocol/sdk/types.js');
const { Collection } = require('..');
const { connect, stdoutMessages, textOf, RUVECTOR_BIN } = require('./mcp/helpers');

const VERSIONS = [...new Set(['2025-06-18', '2025-11-25', LATEST_PROTOCOL_VERSION])];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ruvector-mcp-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const freshDb = () => path.join(tmp, `db${n++}`);
const start = (db, opts) => connect([RUVECTOR_BIN, 'mcp', db], opts);

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}
const DIM = 8;
const WORDS = ['build', 'cache', 'network', 'test', 'release', 'compiler', 'flaky', 'notes'];
function points(count, seed = 1) {
  const r = rng(seed);
  return Array.from({ length: count }, (_, i) => ({
    id: `p${i}`,
    vector: Array.from({ length: DIM }, () => Math.round((r() * 2 - 1) * 1000) / 1000),
    payload: { group: `g${i % 4}`, rank: i, text: `${WORDS[i % 8]} ${WORDS[(i * 3) % 8]} item ${i}` },
  }));
}

async function finish(s) {
  await s.close();
  assert.equal((await s.exited).code, 0, s.stderr().slice(-500));
  stdoutMessages(s.stdout());
}

test('initialize with each protocol version and list the tools with their bounds', async () => {
  for (const v of VERSIONS) {
    const s = await start(freshDb(), { protocolVersion: v });
    try {
      assert.equal(s.initResult().protocolVersion, v);
      const tools = (await s.client.listTools()).tools;
      assert.deepEqual(tools.map((t) => t.name).sort(),
        ['create_collection', 'create_index', 'delete', 'drop_collection', 'get', 'list_collections', 'search', 'set_payload', 'stats', 'upsert']);
      const search = tools.find((t) => t.name === 'search').inputSchema.properties;
      assert.equal(search.k.maximum, 1000);
      assert.equal(search.ef.maximum, 4096);
      assert.match(search.filter.description, /nesting depth at most 16/);
      assert.equal(tools.find((t) => t.name === 'upsert').inputSchema.properties.points.maxItems, 1000);
    } finally {
      await finish(s);
    }
  }
});

test('every tool; results equal the Collection API on the same data', async () => {
  const db = freshDb();
  const s = await start(db);
  const call = async (name, args) => {
    const r = await s.client.callTool({ name, arguments: args });
    assert.notEqual(r.isError, true, `${name}: ${textOf(r)}`);
    return r.structuredContent;
  };
  const pts = points(60);
  const ref = new Collection({ dimensions: DIM, metric: 'cosine' });
  try {
    assert.deepEqual(await call('list_collections', {}), { collections: [] });
    assert.equal((await call('create_collection', { name: 'docs', dimensions: DIM })).metric, 'cosine');
    await call('create_index', { collection: 'docs', field: 'text', kind: 'text' });
    await call('create_index', { collection: 'docs', field: 'group', kind: 'keyword' });
    assert.equal((await call('upsert', { collection: 'docs', points: pts.slice(0, 30) })).count, 30);
    assert.equal((await call('upsert', { collection: 'docs', points: pts.slice(30) })).count, 60);
    await ref.createIndex('text', 'text');
    await ref.insertBatch(pts.map((p) => p.id), pts.map((p) => p.vector), { payloads: pts.map((p) => p.payload) });

    const q = pts[7].vector;
    const filter = { group: { $in: ['g1', 'g2'] }, rank: { $gte: 10 } };
    const vec = await call('search', { collection: 'docs', vector: q, k: 5, exact: true, filter });
    const want = await ref.search(q, 5, { exact: true, filter, withPayload: true });
    assert.equal(vec.mode, 'vector');
    assert.deepEqual(vec.hits.map((h) => [h.id, h.score, h.payload]), want.map((h) => [h.id, h.score, h.payload]));
    assert.ok(vec.hits.every((h) => ['g1', 'g2'].includes(h.payload.group) && h.payload.rank >= 10));
    const withEf = await call('search', { collection: 'docs', vector: q, k: 3, ef: 64, with_payload: false, with_vector: true });
    assert.equal(withEf.hits[0].id, 'p7');
    assert.equal(withEf.hits[0].vector.length, DIM);
    assert.equal(withEf.hits[0].payload, undefined);

    const txt = await call('search', { collection: 'docs', text: 'flaky compiler', k: 4 });
    const wantTxt = await ref.searchText('flaky compiler', 4);
    assert.equal(txt.mode, 'text');
    assert.deepEqual(txt.hits.map((h) => [h.id, h.score]), wantTxt.map((h) => [h.id, h.score]));
    const hyb = await call('search', { collection: 'docs', vector: q, text: 'network', k: 6, exact: true, filter: { group: 'g3' } });
    const wantHyb = await ref.searchHybrid(q, 'network', 6, { exact: true, filter: { group: 'g3' } });
    assert.equal(hyb.mode, 'hybrid');
    assert.deepEqual(hyb.hits.map((h) => [h.id, h.score]), wantHyb.map((h) => [h.id, h.score]));
    assert.ok(hyb.hits.every((h) => h.payload.group === 'g3'));

    const got = await call('get', { collection: 'docs', ids: ['p3', 'nope', 'p4'], with_vector: true });
    assert.deepEqual(got.records[0], { id: 'p3', payload: pts[3].payload, vector: Array.from(Float32Array.from(pts[3].vector)) });
    assert.equal(got.records[1], null);
    await call('set_payload', { collection: 'docs', id: 'p3', payload: { group: 'moved' } });
    assert.deepEqual((await call('get', { collection: 'docs', ids: ['p3'] })).records[0].payload, { group: 'moved' });
    await call('set_payload', { collection: 'docs', id: 'p4', payload: null });
    assert.deepEqual((await call('get', { collection: 'docs', ids: ['p4'] })).records[0].payload, {});
    assert.equal((await call('delete', { collection: 'docs', ids: ['p1', 'p2', 'nope'] })).deleted, 2);
    const st = await call('stats', { collection: 'docs' });
    assert.equal(st.count, 58);
    assert.equal(st.dimensions, DIM);
    assert.equal(typeof st.storage, 'object');
    await call('create_collection', { name: 'tmp', dimensions: 3, metric: 'l2' });
    assert.deepEqual((await call('list_collections', {})).collections.map((c) => [c.name, c.count]).sort(), [['docs', 58], ['tmp', 0]]);
    await call('drop_collection', { name: 'tmp' });
    assert.deepEqual((await call('list_collections', {})).collections.map((c) => c.name), ['docs']);
  } finally {
    await ref.close();
    await finish(s);
  }
  assert.match(s.stderr(), /end of input; closing/);
});

test('bounds and bad arguments are tool errors naming the field; 100 concurrent calls; kill -9 keeps acknowledged writes; SIGINT closes', async () => {
  const db = freshDb();
  let s = await start(db);
  const call = (name, args) => s.client.callTool({ name, arguments: args });
  try {
    await call('create_collection', { name: 'c', dimensions: DIM });
    const bad = [
      [{ collection: 'c', vector: [1, 0, 0, 0, 0, 0, 0, 0], k: 1e9 }, /k: must be at most 1000/],
      [{ collection: 'c', vector: [1, 0, 0, 0, 0, 0, 0, 0], k: 'ten' }, /k: must be an integer \(got string\)/],
      [{ collection: 'c', vector: [1, 0, 0, 0, 0, 0, 0, 0], ef: 0 }, /ef: must be at least 1/],
      [{ collection: 'c', vector: ['x'] }, /vector\[0\]: must be a number/],
      [{ vector: [1] }, /collection: required/],
      [{ collection: 'c', vector: [1, 0, 0, 0, 0, 0, 0, 0], filter: '{"a":1}' }, /filter: must be an object/],
      [{ collection: 'c', vector: [1, 0, 0, 0, 0, 0, 0, 0], filter: { a: { $gt: true } } }, /\$gt/],
      [{ collection: 'c', vector: [1, 0, 0, 0, 0, 0, 0, 0], filter: { a: { $near: 1 } } }, /\$near/],
      [{ collection: 'c', vector: [1, 0, 0, 0, 0, 0, 0, 0], filter: nested(17) }, /filter (\$not\.){15}\$not: nesting deeper than 16/],
      [{ collection: 'c', vector: [1, 0, 0] }, /vector has 3 dimensions; the collection has 8/],
      [{ collection: 'c', k: 3 }, /give a query vector, a query text, or both/],
      [{ collection: 'c', vector: [1, 0, 0, 0, 0, 0, 0, 0], limit: 3 }, /limit: unknown field/],
    ];
    for (const [args, re] of bad) {
      const r = await call('search', args);
      assert.equal(r.isError, true, JSON.stringify(args));
      assert.match(textOf(r), re, JSON.stringify(args));
    }
    const tooMany = await call('upsert', { collection: 'c', points: points(1001) });
    assert.equal(tooMany.isError, true);
    assert.match(textOf(tooMany), /points: must have at most 1000 items/);
    const badPayload = await call('upsert', { collection: 'c', points: [{ id: 'x', vector: points(1)[0].vector, payload: { a: { '': 1 } } }] });
    assert.equal(badPayload.isError, true);
    assert.match(textOf(badPayload), /field name "a\." must be/);
    assert.equal((await call('stats', { collection: 'c' })).structuredContent.count, 0, 'refused writes wrote nothing');

    const pts = points(100, 5);
    const replies = await Promise.all(pts.map((p, i) => (i % 2 === 0
      ? call('upsert', { collection: 'c', points: [p] })
      : call('search', { collection: 'c', vector: p.vector, k: 3 }))));
    replies.forEach((r, i) => assert.notEqual(r.isError, true, `call ${i}: ${textOf(r)}`));
    assert.equal((await call('stats', { collection: 'c' })).structuredContent.count, 50);
    await call('set_payload', { collection: 'c', id: 'p0', payload: { kept: true } });
    s.child.kill('SIGKILL');
    await s.exited;
    await s.close();

    s = await start(db);
    const st = await call('stats', { collection: 'c' });
    assert.equal(st.structuredContent.count, 50);
    const got = await call('get', { collection: 'c', ids: ['p0', 'p98', 'p1'] });
    assert.deepEqual(got.structuredContent.records.map((r) => r && r.payload), [{ kept: true }, pts[98].payload, null]);
    s.child.kill('SIGINT');
    assert.deepEqual(await s.exited, { code: 0, signal: null });
    assert.match(s.stderr(), /SIGINT; closing/);
    stdoutMessages(s.stdout());
  } finally {
    await s.close();
  }
});

function nested(depth) {
  let f = { a: 1 };
  for (let i = 0; i < depth; i++) f = { $not: f };
  return f;
}
