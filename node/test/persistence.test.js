'use strict';
// Persistence: VectorDB with storagePath, Collection.open, Database.
//  - data and metadata survive a process restart (a child writes and exits;
//    we reopen and compare) and kill -9 of a child in the middle of a stream
//    of writes: every write whose Promise had resolved is there, with its
//    metadata, and nothing else changed;
//  - a second writer (another process, or this one) gets RV_EBUSY at once;
//    read-only opens work meanwhile and refuse writes;
//  - a path that is not a database and a damaged collection give
//    RV_EFORMAT / RV_ECORRUPT, never a crash (the metadata log of earlier
//    releases: test/vectordb-migrate.test.js);
//  - the Database API (create, open, list, drop, backup, checkpoint,
//    compact, check) and reopening with other dimensions.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, spawnSync } = require('child_process');
const { VectorDB, Collection, Database } = require('..');
const { vectorOf, entry } = require('./persist-helpers');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ruvector-persist-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let nth = 0;
const fresh = (name = 'db') => path.join(tmp, `${name}-${nth++}`);
const child = path.join(__dirname, 'children', 'vectordb-writer.js');

async function expectReject(p, code, re) {
  await assert.rejects(p, (e) => {
    assert.equal(e.code, code, `${e.code}: ${e.message}`);
    if (re) assert.match(e.message, re);
    return true;
  });
}

function sameVector(a, b) {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.equal(a[i], b[i]);
}

test('a restart: vectors, metadata and deletions written by another process are read back', async () => {
  const dir = fresh();
  const r = spawnSync(process.execPath, [child, 'write', dir, '50'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const db = new VectorDB({ dimensions: 8, storagePath: dir, distanceMetric: 'euclidean' });
  assert.equal(await db.len(), 99);
  assert.equal(await db.get('3'), null);
  for (const i of [0, 1, 2, 6, 49, 50, 51, 99]) {
    const got = await db.get(String(i));
    const want = entry(i);
    sameVector(got.vector, want.vector);
    assert.deepEqual(got.metadata, want.metadata);
  }
  // search and filters work on what was loaded
  const hits = await db.search({ vector: vectorOf(6), k: 3 });
  assert.equal(hits[0].id, '6');
  assert.equal(hits[0].score, 0);
  const tagged = await db.search({ vector: vectorOf(6), k: 200, filter: { tag: 't2' } });
  assert.ok(tagged.length > 0 && tagged.every((h) => h.metadata.tag === 't2'));
  assert.equal(tagged.length, [...Array(100).keys()].filter((i) => i !== 3 && i % 3 === 0 && i % 4 === 2).length);
  await db.close();
});

// Read "acked i" / "replaced i" / "deleted i" lines until `count` acks, then kill -9.
function runAndKill(dir, durability, count) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, 'stream', dir, durability], { stdio: ['ignore', 'pipe', 'pipe'] });
    const events = [];
    let buf = '', err = '', killed = false;
    p.stdout.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const [what, i] = buf.slice(0, nl).split(' ');
        buf = buf.slice(nl + 1);
        events.push([what, Number(i)]);
        if (!killed && events.length >= count) {
          killed = true;
          // let it run a moment more, to land anywhere in a write
          setTimeout(() => p.kill('SIGKILL'), Math.floor(Math.random() * 5));
        }
      }
    });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited ${code}: ${err}`));
      else resolve(events);
    });
  });
}

// What the acknowledged events say each id holds: version, or deleted.
function expectedState(events) {
  const state = new Map();
  for (const [what, i] of events) {
    if (what === 'acked') state.set(i, 0);
    else if (what === 'replaced') state.set(i, 1);
    else if (what === 'deleted') state.set(i, null);
  }
  // the one operation that may have been in flight: the next event's id
  const next = events.length; // op number of the next one
  const uncertain = next % 7 === 6 ? next - 3 : next % 5 === 4 ? next - 2 : next;
  return { state, uncertain };
}

for (const durability of ['full', 'normal']) {
  test(`kill -9 during a stream of writes (durability ${durability}) loses no acknowledged write`, async () => {
    for (let cycle = 0; cycle < 3; cycle++) {
      const dir = fresh('kill');
      const events = await runAndKill(dir, durability, 60 + cycle * 40);
      const { state, uncertain } = expectedState(events);
      const db = new VectorDB({ dimensions: 8, storagePath: dir, distanceMetric: 'euclidean' });
      let present = 0;
      for (const [i, v] of state) {
        if (i === uncertain) continue;
        const got = await db.get(String(i));
        if (v === null) {
          assert.equal(got, null, `id ${i} was deleted (acknowledged) but is back`);
          continue;
        }
        assert.ok(got, `acknowledged id ${i} is missing after kill -9 (cycle ${cycle})`);
        const want = entry(i, v);
        sameVector(got.vector, want.vector);
        assert.deepEqual(got.metadata, want.metadata, `metadata of id ${i}`);
        present++;
      }
      // nothing beyond the acknowledged ids and the one in flight
      const expectedCount = [...state.values()].filter((v) => v !== null).length;
      const n = await db.len();
      assert.ok(n >= present && n <= expectedCount + 1, `len ${n}, expected about ${expectedCount}`);
      await db.close();
    }
  });
}

function holdOpen(dir) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, 'hold', dir], { stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    p.stdout.once('data', () => resolve(p));
    p.on('exit', (code) => reject(new Error(`holder exited ${code}: ${err}`)));
  });
}

test('a second writer gets RV_EBUSY at once; read-only opens read meanwhile and refuse writes', async () => {
  const dir = fresh();
  const seed = new VectorDB({ dimensions: 8, storagePath: dir });
  await seed.insertBatch([entry(1), entry(2), entry(3)]);
  await seed.close();
  const holder = await holdOpen(dir);
  try {
    const second = new VectorDB({ dimensions: 8, storagePath: dir });
    await expectReject(second.ready(), 'RV_EBUSY', /another process has the database open for writing/);
    await expectReject(second.insert(entry(9)), 'RV_EBUSY');
    await second.close();
    await expectReject(Database.open(dir), 'RV_EBUSY');

    const ro = new VectorDB({ dimensions: 8, storagePath: dir, readOnly: true });
    assert.equal(await ro.len(), 3);
    assert.deepEqual((await ro.get('3')).metadata, entry(3).metadata);
    assert.equal((await ro.search({ vector: vectorOf(2), k: 1 }))[0].id, '2');
    await expectReject(ro.insert(entry(4)), 'RV_EREADONLY');
    await expectReject(ro.delete('1'), 'RV_EREADONLY');
    await ro.close();
    const rodb = await Database.open(dir, { readOnly: true });
    assert.deepEqual(await rodb.listCollections(), ['vectordb']);
    await expectReject(rodb.createCollection('x', { dimensions: 2 }), 'RV_EREADONLY');
    await rodb.close();
  } finally {
    holder.stdin.end();
    await new Promise((r) => holder.on('exit', r));
  }
  // the lock went with the process
  const again = new VectorDB({ dimensions: 8, storagePath: dir });
  assert.equal(await again.len(), 3);
  await again.close();
});

test('within one process: a second open of the same database is RV_EBUSY until the first closes', async () => {
  const dir = fresh();
  const a = new VectorDB({ dimensions: 4, storagePath: dir });
  await a.insert({ id: 'x', vector: [1, 2, 3, 4] });
  const b = new VectorDB({ dimensions: 4, storagePath: dir });
  await expectReject(b.len(), 'RV_EBUSY');
  await a.close();
  const c = new VectorDB({ dimensions: 4, storagePath: dir });
  assert.equal(await c.len(), 1);
  await c.close();
  await expectReject(c.len(), 'RV_ECLOSED');
});

test('paths that are not databases, and damaged files, give clear errors', async () => {
  const file = path.join(tmp, 'plain-file');
  fs.writeFileSync(file, 'not a database');
  await expectReject(new VectorDB({ dimensions: 2, storagePath: file }).ready(), 'RV_EFORMAT', /not a ruvector database/);
  const emptyDir = fresh('empty');
  fs.mkdirSync(emptyDir);
  fs.writeFileSync(path.join(emptyDir, 'something'), 'x');
  await expectReject(Database.open(emptyDir), 'RV_EFORMAT', /no RUVECTOR file/);
  await expectReject(Database.open(fresh('missing'), { create: false }), 'RV_ENOTFOUND');
  await expectReject(Database.open(fresh('ro-missing'), { readOnly: true }), 'RV_ENOTFOUND');

  // a damaged manifest
  const dir = fresh();
  const db = new VectorDB({ dimensions: 4, storagePath: dir });
  await db.insert({ id: 'a', vector: [1, 2, 3, 4], metadata: { m: 1 } });
  await db.close();
  const manifest = path.join(dir, 'vectordb', 'MANIFEST');
  const bytes = fs.readFileSync(manifest);
  bytes[bytes.length - 3] ^= 0xff;
  fs.writeFileSync(manifest, bytes);
  await expectReject(new VectorDB({ dimensions: 4, storagePath: dir }).ready(), 'RV_ECORRUPT', /MANIFEST/);
  const report = await Database.check(dir);
  assert.equal(report.ok, false);
  assert.match(report.problem, /MANIFEST/);
});

test('reopening with another dimension or metric is refused; options are checked at construction', async () => {
  const dir = fresh();
  const db = new VectorDB({ dimensions: 4, storagePath: dir });
  await db.insert({ id: 'a', vector: [1, 2, 3, 4] });
  await db.close();
  await expectReject(new VectorDB({ dimensions: 5, storagePath: dir }).ready(), 'RV_EINVAL', /dimension 4/);
  await expectReject(new VectorDB({ dimensions: 4, storagePath: dir, distanceMetric: 'euclidean' }).ready(), 'RV_EINVAL');
  assert.throws(() => new VectorDB({ dimensions: 4, storagePath: dir, hnsw: { m: 0 } }), (e) => e.code === 'RV_EINVAL');
  assert.throws(() => new VectorDB({ dimensions: 4, storagePath: 42 }), TypeError);
});

test('durability settings keep the data and its metadata', async () => {
  for (const durability of ['full', 'normal', 'off']) {
    const dir = fresh();
    const db = new VectorDB({ dimensions: 4, storagePath: dir, durability, distanceMetric: 'euclidean' });
    // rewrite the same ids several times, with large metadata
    const big = 'x'.repeat(2000);
    for (let round = 0; round < 3; round++) {
      await db.insertBatch(Array.from({ length: 300 }, (_, i) => ({ id: `k${i}`, vector: [i, round, 1, 2], metadata: { round, big } })));
    }
    assert.equal(fs.existsSync(path.join(dir, 'vectordb.meta')), false); // metadata lives in the collection
    const st = await db.stats();
    assert.equal(st.storage.durability, durability);
    await db.close();
    const again = new VectorDB({ dimensions: 4, storagePath: dir, distanceMetric: 'euclidean' });
    assert.equal(await again.len(), 300);
    assert.deepEqual((await again.get('k7')).metadata, { round: 2, big });
    sameVector((await again.get('k7')).vector, new Float32Array([7, 2, 1, 2]));
    await again.close();
  }
});

test('Database: collections created, listed, reopened, dropped; checkpoint, compact, backup, check', async () => {
  const dir = fresh();
  const db = await Database.open(dir);
  assert.equal(db.path, dir);
  assert.equal(db.durability, 'full');
  const a = await db.createCollection('alpha', { dimensions: 3, metric: 'cosine', numericIds: true });
  const b = await db.createCollection('beta.2', { dimensions: 2 });
  assert.ok(a.persistent);
  await expectReject(db.createCollection('alpha', { dimensions: 3 }), 'RV_EEXIST');
  await expectReject(db.createCollection('bad/name', { dimensions: 3 }), 'RV_EINVAL', /'\/'/);
  await expectReject(db.openCollection('alpha'), 'RV_EBUSY');
  const ids = Array.from({ length: 500 }, (_, i) => i);
  const vecs = new Float32Array(500 * 3).map((_, i) => Math.sin(i) + 1.5);
  await a.insertBatch(ids, vecs);
  await b.insert('p', [1, 2]);
  assert.deepEqual((await db.listCollections()).sort(), ['alpha', 'beta.2']);
  const before = a.storage();
  await a.checkpoint();
  const after = a.storage();
  assert.equal(after.generation, before.generation + 1);
  assert.ok(after.segmentBytes > 0);
  await a.deleteBatch(ids.slice(0, 400));
  await a.compact();
  assert.ok(a.storage().segmentBytes < after.segmentBytes, 'compact shrinks the segment');
  assert.equal(a.len(), 100);
  const exact = await a.search(vecs.subarray(450 * 3, 451 * 3), 1, { exact: true });
  assert.equal(exact[0].id, 450);
  const copy = fresh('backup');
  await db.backup(copy);
  await expectReject(db.dropCollection('beta.2'), 'RV_EBUSY');
  await b.close();
  await db.dropCollection('beta.2');
  assert.deepEqual(await db.listCollections(), ['alpha']);
  await db.close();
  assert.ok(a.closed);
  assert.throws(() => a.len(), (e) => e.code === 'RV_ECLOSED');
  await expectReject(db.listCollections(), 'RV_ECLOSED');

  const fromBackup = await Database.open(copy);
  const a2 = await fromBackup.openCollection('alpha', { numericIds: true });
  assert.equal(a2.len(), 100);
  assert.equal((await a2.search(vecs.subarray(450 * 3, 451 * 3), 1))[0].id, 450);
  const b2 = await fromBackup.openCollection('beta.2');
  sameVector(await b2.get('p'), new Float32Array([1, 2]));
  await fromBackup.close();
  assert.deepEqual(await Database.check(copy), { ok: true, code: '', problem: '' });
});

test('Collection.open: create on first open, reopen, read-only, closing closes the database', async () => {
  const dir = fresh();
  const c = await Collection.open({ path: dir, name: 'vecs', dimensions: 4, metric: 'l2', efSearch: 32 });
  await c.insertBatch(['a', 'b'], [[1, 0, 0, 0], [0, 1, 0, 0]]);
  await c.close();
  await c.close(); // idempotent
  const ro = await Collection.open({ path: dir, name: 'vecs', readOnly: true });
  assert.equal(ro.len(), 2);
  assert.equal(ro.options.efSearch, 32);
  await expectReject(ro.insert('c', [0, 0, 1, 0]), 'RV_EREADONLY');
  await ro.close();
  await expectReject(Collection.open({ path: dir, name: 'nope', readOnly: true }), 'RV_ENOTFOUND');
  await expectReject(Collection.open({ path: dir, name: 'vecs', dimensions: 5 }), 'RV_EINVAL');
  const w = await Collection.open({ path: dir, name: 'vecs' }); // the lock was released by each close
  assert.equal((await w.search([0, 1, 0, 0], 1))[0].id, 'b');
  await w.close();
  assert.throws(() => new Collection({ dimensions: 2, path: dir }), TypeError);
});

test('closing a database while writes are in flight: they finish first', async () => {
  const dir = fresh();
  const db = await Database.open(dir, { durability: 'normal' });
  const c = await db.createCollection('w', { dimensions: 2 });
  const writes = [];
  for (let i = 0; i < 200; i++) writes.push(c.insert(`i${i}`, [i, 1]));
  const searches = Array.from({ length: 20 }, () => c.search([5, 1], 3));
  const closing = db.close();
  await Promise.all([...writes, ...searches]);
  await closing;
  const again = await Database.open(dir);
  const c2 = await again.openCollection('w');
  assert.equal(c2.len(), 200);
  await again.close();
});

test('a restart: payloads and payload indexes (keyword, numeric, text) written by another process survive', async () => {
  const writer = path.join(__dirname, 'children', 'payload-writer.js');
  const { payloadOf, vectorOf } = require(writer);
  for (const how of ['close', 'exit']) {
    const dir = fresh();
    const r = spawnSync(process.execPath, [writer, 'write', dir, how], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'done\n');
    const c = await Collection.open({ path: dir });
    assert.equal(c.len(), 39, how);
    for (const i of [0, 1, 29, 30, 39]) assert.deepEqual(await c.getPayload(String(i)), payloadOf(i), `${how} ${i}`);
    assert.deepEqual(await c.getPayload('5'), { label: 'special', num: 500, body: 'a special zebra' });
    assert.deepEqual(await c.getPayload('6'), {});
    assert.equal(await c.getPayload('7'), null);
    // filters over the recovered payloads and indexes
    const live = [...Array(40).keys()].filter((i) => i !== 5 && i !== 6 && i !== 7);
    assert.equal(await c.countMatching({ label: 'L1' }), live.filter((i) => i % 4 === 1).length, how);
    assert.equal(await c.countMatching({ num: { $gte: 10, $lt: 20 } }), live.filter((i) => i >= 10 && i < 20).length);
    assert.equal(await c.countMatching({ tags: { $contains: 't2' } }), live.filter((i) => i % 3 === 2).length);
    const hits = await c.search(vectorOf(12), 5, { filter: { label: 'L0' }, withPayload: true });
    assert.equal(hits[0].id, '12');
    assert.ok(hits.length === 5 && hits.every((h) => h.payload.label === 'L0'));
    // the text index survived (searchText refuses a collection without one)
    const text = await c.searchText('zebra', 3);
    assert.deepEqual(text.map((h) => h.id), ['5'], how);
    const odd = await c.searchText('odd', 50);
    assert.deepEqual(odd.map((h) => Number(h.id)).sort((a, b) => a - b), live.filter((i) => i % 2 === 1), how);
    const hybrid = await c.searchHybrid(vectorOf(12), 'special zebra', 2);
    assert.deepEqual(hybrid.map((h) => h.id).sort(), ['12', '5']);
    // and keeps working for later writes
    await c.insert('new', [0, 0, 0, 1], { payload: { label: 'L1', body: 'zebra crossing' } });
    assert.deepEqual((await c.searchText('zebra crossing', 3)).map((h) => h.id), ['new', '5']);
    await c.close();
  }
});
