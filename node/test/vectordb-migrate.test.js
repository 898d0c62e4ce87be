'use strict';
// Stores of the earlier format (metadata in vectordb.meta beside the
// collection, lib/metastore.js up to commit 8f750e3) move their metadata
// into the core's payloads on the first open for writing (lib/migrate.js):
//  - the committed fixture, written by that release, opens with every
//    vector and metadata as that release recorded them, filters run by the
//    core over the migrated metadata, and the old file is gone;
//  - a read-only open asks for one open for writing and changes nothing;
//  - a damaged log is refused naming the file and offset, unchanged; a torn
//    last record (never acknowledged) is dropped; metadata the core refuses
//    fails the open naming the id, and the file stays;
//  - kill -9 of a child at points inside the migration (after 2,048 and
//    4,096 payloads, after the checkpoint before the file is deleted, at a
//    random moment): the next open finishes it and nothing is lost.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const { spawn } = require('child_process');
const { VectorDB, Collection, Database } = require('..');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ruvector-migrate-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let nth = 0;
const fresh = (name = 'db') => path.join(tmp, `${name}-${nth++}`);
const fixture = path.join(__dirname, 'fixtures', 'vectordb-metastore');
const expected = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'vectordb-metastore.expected.json'), 'utf8'));
const child = path.join(__dirname, 'children', 'migrate-writer.js');

function copyFixture() {
  const dir = fresh('fixture');
  fs.cpSync(fixture, dir, { recursive: true });
  return dir;
}

async function expectReject(p, code, re) {
  await assert.rejects(p, (e) => {
    assert.equal(e.code, code, `${e.code}: ${e.message}`);
    if (re) assert.match(e.message, re);
    return true;
  });
}

// The old format, written here from its specification (lib/migrate.js).
function metaLog(records) {
  const h = Buffer.alloc(16);
  h.write('RVNMETA1', 0, 'latin1');
  h.writeUInt32LE(1, 8);
  h.writeUInt32LE(zlib.crc32(h.subarray(0, 12)), 12);
  const parts = [h];
  for (const r of records) {
    const body = Buffer.from(JSON.stringify(r), 'utf8');
    const head = Buffer.alloc(8);
    head.writeUInt32LE(body.length, 0);
    head.writeUInt32LE(zlib.crc32(body), 4);
    parts.push(head, body);
  }
  return Buffer.concat(parts);
}

// Does metadata m match a VectorDB filter of plain equalities (the core's
// rule: an array field matches when an element does)?
function matches(m, filter) {
  if (!m) return false;
  return Object.entries(filter).every(([k, v]) => (Array.isArray(m[k]) ? m[k].includes(v) : m[k] === v));
}

async function checkAgainstExpected(db) {
  const ids = Object.keys(expected.records);
  assert.equal(await db.len(), ids.length);
  for (const id of ids) {
    const want = expected.records[id];
    const got = await db.get(id);
    assert.ok(got, `id ${id} is there`);
    assert.deepEqual(Array.from(got.vector), want.vector.map(Math.fround), `vector of ${id}`);
    assert.deepEqual(got.metadata, want.metadata ?? undefined, `metadata of ${id}`);
  }
}

test('the fixture written by the earlier release migrates on first open: every vector and metadata, filters in the core', async () => {
  const dir = copyFixture();
  const meta = path.join(dir, 'vectordb.meta');
  assert.equal(fs.readFileSync(meta).toString('latin1', 0, 8), 'RVNMETA1');
  const db = new VectorDB({ dimensions: 8, distanceMetric: 'euclidean', storagePath: dir });
  await db.ready();
  assert.equal(fs.existsSync(meta), false, 'the old log is gone once migrated');
  await checkAgainstExpected(db);
  // deleted ids stayed deleted
  for (const id of ['id-1', 'id-12', 'id-23']) {
    assert.equal(expected.records[id], undefined);
    assert.equal(await db.get(id), null);
  }
  // the metadata is the payload in the core, and the core filters it
  const q = expected.records['id-10'].vector;
  for (const filter of [{ tag: 't1' }, { even: true, tag: 't2' }, { tags: 'a' }, { v: 1 }, { label: 'é33' }]) {
    const want = Object.keys(expected.records).filter((id) => matches(expected.records[id].metadata, filter)).sort();
    const got = await db.search({ vector: q, k: 200, filter });
    assert.deepEqual(got.map((h) => h.id).sort(), want, JSON.stringify(filter));
    assert.ok(want.length > 0);
  }
  assert.deepEqual(await db.collection.getPayload('id-10'), expected.records['id-10'].metadata);
  await db.close();
  assert.equal((await Database.check(dir)).ok, true);
  // and again, without anything to migrate
  const again = new VectorDB({ dimensions: 8, distanceMetric: 'euclidean', storagePath: dir });
  await checkAgainstExpected(again);
  await again.close();
});

test('a read-only open of an unmigrated store asks for one open for writing and changes nothing', async () => {
  const dir = copyFixture();
  const meta = path.join(dir, 'vectordb.meta');
  const before = fs.readFileSync(meta);
  await expectReject(new VectorDB({ dimensions: 8, distanceMetric: 'euclidean', storagePath: dir, readOnly: true }).ready(),
    'RV_EREADONLY', /vectordb\.meta: .*earlier release.*open it once for writing/);
  assert.deepEqual(fs.readFileSync(meta), before);
});

test('a damaged log is refused naming the file and offset, and nothing changes; a torn last record is dropped', async () => {
  const dir = copyFixture();
  const meta = path.join(dir, 'vectordb.meta');
  const bytes = fs.readFileSync(meta);
  bytes[20] ^= 0x40; // inside the first record, valid records after it
  fs.writeFileSync(meta, bytes);
  await expectReject(new VectorDB({ dimensions: 8, distanceMetric: 'euclidean', storagePath: dir }).ready(),
    'RV_ECORRUPT', /vectordb\.meta: offset 16: record checksum mismatch \(valid records follow it\)/);
  assert.deepEqual(fs.readFileSync(meta), bytes);
  const c = await Collection.open({ path: dir, name: 'vectordb', create: false });
  assert.deepEqual(await c.getPayload('id-10'), {}, 'no payload was set');
  await c.close();
  fs.writeFileSync(meta, 'garbage that is long enough');
  await expectReject(new VectorDB({ dimensions: 8, distanceMetric: 'euclidean', storagePath: dir }).ready(),
    'RV_ECORRUPT', /no "RVNMETA1" header/);

  const torn = copyFixture();
  fs.appendFileSync(path.join(torn, 'vectordb.meta'), Buffer.from([40, 0, 0, 0, 1, 2, 3, 4, 0x5b, 0x22]));
  const db = new VectorDB({ dimensions: 8, distanceMetric: 'euclidean', storagePath: torn });
  await checkAgainstExpected(db);
  await db.close();
});

test('metadata the core refuses fails the open naming the id; the log stays', async () => {
  const dir = fresh();
  const c = await Collection.open({ path: dir, name: 'vectordb', dimensions: 2, metric: 'cosine' });
  await c.insertBatch(['a', 'b'], [[1, 2], [2, 1]]);
  await c.close();
  const meta = path.join(dir, 'vectordb.meta');
  fs.writeFileSync(meta, metaLog([['s', 'a', '{"x":1}'], ['s', 'b', '{"deep":{"":1}}']]));
  await expectReject(new VectorDB({ dimensions: 2, storagePath: dir }).ready(), 'RV_EINVAL',
    /vectordb\.meta: cannot move the metadata of id "b" into the collection \(the file is kept; nothing was lost\): payload field name "deep\." must be/);
  assert.equal(fs.existsSync(meta), true);
});

test('nested metadata of the earlier format migrates as documents', async () => {
  const dir = fresh();
  const c = await Collection.open({ path: dir, name: 'vectordb', dimensions: 2, metric: 'cosine' });
  await c.insertBatch(['a', 'b'], [[1, 2], [2, 1]]);
  await c.close();
  const meta = path.join(dir, 'vectordb.meta');
  const deep = { deep: { x: [1, { y: 'z' }], n: null }, tags: ['t'] };
  fs.writeFileSync(meta, metaLog([['s', 'a', JSON.stringify(deep)], ['s', 'b', '{"k":1}']]));
  const db = new VectorDB({ dimensions: 2, storagePath: dir });
  assert.deepEqual((await db.get('a')).metadata, deep);
  assert.deepEqual((await db.search({ vector: [1, 2], k: 2, filter: { 'deep.x.y': 'z' } })).map((h) => h.id), ['a']);
  assert.equal(fs.existsSync(meta), false);
  await db.close();
});

// A store of the earlier format with N records, its metadata log holding
// sets, replacements, removals and a set for an id whose vector is gone.
async function oldStore(n) {
  const dir = fresh('old');
  const c = await Collection.open({ path: dir, name: 'vectordb', dimensions: 8, metric: 'l2', durability: 'off' });
  const ids = Array.from({ length: n }, (_, i) => `r${i}`);
  const vecs = new Float32Array(n * 8);
  for (let i = 0; i < vecs.length; i++) vecs[i] = Math.sin(i * 0.37) * 10;
  await c.insertBatch(ids, vecs);
  await c.checkpoint();
  await c.close();
  const want = new Map();
  const records = [];
  for (let i = 0; i < n; i++) {
    const m = { i, tag: `t${i % 6}`, names: [`n${i % 4}`] };
    records.push(['s', ids[i], JSON.stringify(m)]);
    want.set(ids[i], m);
  }
  for (let i = 0; i < n; i += 3) {
    const m = { i, v: 1 };
    records.push(['s', ids[i], JSON.stringify(m)]);
    want.set(ids[i], m);
  }
  for (let i = 1; i < n; i += 7) {
    records.push(['d', ids[i]]);
    want.delete(ids[i]);
  }
  records.push(['s', 'ghost', '{"gone":true}']); // its vector was deleted before the crash
  fs.writeFileSync(path.join(dir, 'vectordb.meta'), metaLog(records));
  return { dir, ids, want };
}

function runChild(dir, at, killAfterMs) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, 'open', dir, at], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (d) => {
      out += d;
      if (killAfterMs !== undefined && out.includes('opening\n')) {
        killAfterMs = undefined;
        setTimeout(() => p.kill('SIGKILL'), Math.floor(Math.random() * 300));
      }
    });
    p.stderr.on('data', (d) => { err += d; });
    p.on('error', reject);
    p.on('exit', (code, signal) => resolve({ code, signal, out, err }));
  });
}

test('kill -9 during the migration loses nothing: the next open finishes it', async () => {
  const N = 6000;
  const { dir, ids, want } = await oldStore(N);
  const meta = path.join(dir, 'vectordb.meta');
  for (const at of ['2048', '4096', 'checkpointed']) {
    const r = await runChild(dir, at);
    assert.equal(r.signal, 'SIGKILL', `killed at ${at}: ${r.out} ${r.err}`);
    assert.match(r.out, new RegExp(`progress ${at}\\n$`));
    assert.equal(fs.existsSync(meta), true, `the log stays until the payloads are durable (killed at ${at})`);
  }
  const r = await runChild(dir, 'never', 1);
  assert.ok(r.signal === 'SIGKILL' || (r.code === 0 && r.out.endsWith('done\n')), `${r.code} ${r.signal} ${r.err}`);
  const db = new VectorDB({ dimensions: 8, distanceMetric: 'euclidean', storagePath: dir });
  assert.equal(await db.len(), N);
  assert.equal(fs.existsSync(meta), false);
  for (const id of ids) {
    const got = await db.get(id);
    assert.ok(got, id);
    assert.deepEqual(got.metadata, want.get(id), `metadata of ${id}`);
  }
  assert.equal(await db.get('ghost'), null);
  const tagged = await db.search({ vector: new Array(8).fill(0), k: 2000, filter: { names: 'n1', tag: 't5' } });
  const wantTagged = [...want].filter(([, m]) => m.tag === 't5' && m.names && m.names.includes('n1')).map(([id]) => id).sort();
  assert.deepEqual(tagged.map((h) => h.id).sort(), wantTagged);
  await db.close();
  assert.equal((await Database.check(dir)).ok, true);
});
