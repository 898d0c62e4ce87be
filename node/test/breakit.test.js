'use strict';
// The Node break-it cases of issue #19, one test each, scripted so they
// keep passing (each failed before its fix):
//   3. VectorDB.close() waits for every call made before it (300 un-awaited
//      inserts and 50 searches all succeed and persist); `db.insert(...);
//      await db.close()` ends cleanly; an error's prefix is not repeated.
//   4. ids that are not well-formed UTF-16 (a lone surrogate) are refused,
//      naming the id, instead of colliding on U+FFFD; surrogate pairs
//      round-trip.
//   7. agentdb: a write reported as failed is not committed (the vector
//      index is checked before the row is written); a path with a NUL byte
//      is refused before SQLite opens a shorter one.
//   8. MetadataFilter.toSQL refuses identifiers it would paste into SQL; an
//      array of strings is not a vector; clear messages for createDatabase
//      on a directory and storeEpisode without its fields.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { VectorDB, Collection } = require('..');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ruvector-breakit-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let nth = 0;
const fresh = (name = 'db') => path.join(tmp, `${name}-${nth++}`);
const vec = (i) => [1, 2, 3, i + 1];

let agentdb = null;
try {
  agentdb = require('../lib/agentdb');
  require('better-sqlite3');
} catch (e) {
  agentdb = { skip: `better-sqlite3 is not available: ${e.message}` };
}
const noSqlite = () => (agentdb.skip ? agentdb.skip : false);

// ---- 3: close waits for the calls made before it ----

test('3: close() after 300 un-awaited inserts and 50 searches: all succeed and persist', async () => {
  const dir = fresh();
  const db = new VectorDB({ dimensions: 4, storagePath: dir, distanceMetric: 'euclidean' });
  await db.ready();
  await db.insertBatch([0, 1, 2].map((i) => ({ id: `seed${i}`, vector: [0, 0, i, 1] })));
  const inserts = [];
  for (let i = 0; i < 300; i++) inserts.push(db.insert({ id: `a${i}`, vector: vec(i), metadata: { i } }));
  const searches = [];
  for (let i = 0; i < 50; i++) searches.push(db.search({ vector: vec(i), k: 3 }));
  const closing = db.close();
  const got = await Promise.allSettled([...inserts, ...searches]);
  await closing;
  const rejected = got.filter((r) => r.status === 'rejected');
  assert.equal(rejected.length, 0, `${rejected.length} calls made before close() failed: ${rejected[0] && rejected[0].reason.message}`);
  for (let i = 0; i < 300; i++) assert.equal(got[i].value, `a${i}`);
  for (let i = 300; i < 350; i++) assert.equal(got[i].value.length, 3);
  await assert.rejects(db.insert({ id: 'late', vector: vec(0) }), { code: 'RV_ECLOSED' });
  const again = new VectorDB({ dimensions: 4, storagePath: dir, distanceMetric: 'euclidean' });
  assert.equal(await again.len(), 303);
  assert.deepEqual((await again.get('a299')).metadata, { i: 299 });
  await again.close();
});

test('3: close() waits for calls made while the database was still opening', async () => {
  const dir = fresh();
  const db = new VectorDB({ dimensions: 4, storagePath: dir });
  const p = [db.insert({ id: 'x', vector: vec(1) }), db.insertBatch([{ id: 'y', vector: vec(2) }]), db.len()];
  await db.close();
  assert.deepEqual((await Promise.allSettled(p)).map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled']);
  const again = new VectorDB({ dimensions: 4, storagePath: dir });
  assert.equal(await again.len(), 2);
  await again.close();
});

test('3: `db.insert(...); await db.close()` ends the process cleanly, the write kept', () => {
  const dir = fresh();
  const script = `
    const { VectorDB } = require(${JSON.stringify(path.join(__dirname, '..'))});
    (async () => {
      const db = new VectorDB({ dimensions: 4, storagePath: ${JSON.stringify(dir)} });
      await db.ready();
      db.insert({ id: 'x', vector: [1, 2, 3, 4] });
      await db.close();
      const m = new VectorDB({ dimensions: 4 });
      m.insert({ id: 'y', vector: [1, 2, 3, 4] });
      await m.close();
      const again = new VectorDB({ dimensions: 4, storagePath: ${JSON.stringify(dir)} });
      process.stdout.write('len ' + (await again.len()) + '\\n');
      await again.close();
    })();`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  assert.equal(r.stdout, 'len 1\n');
});

test('3: an error from the core carries its prefix once, in message and stack', async () => {
  const db = new VectorDB({ dimensions: 4 });
  await assert.rejects(db.insert({ id: 'n', vector: [1, NaN, 3, 4] }), (e) => {
    assert.equal(e.code, 'RV_ENONFINITE');
    assert.match(e.message, /^Insert failed: [^]*NaN/);
    assert.doesNotMatch(e.message, /Insert failed: .*Insert failed/);
    assert.match(e.stack, /^Error: Insert failed: /);
    assert.doesNotMatch(e.stack, /Insert failed: .*Insert failed/);
    return true;
  });
  await assert.rejects(db.search({ vector: [1, 2, 3, Infinity], k: 1 }), (e) => {
    assert.doesNotMatch(e.stack, /Search failed: .*Search failed/);
    return true;
  });
  await db.close();
});

// ---- 4: ids must be well-formed ----

test('4: ids with a lone surrogate are refused, naming the id; pairs round-trip', async () => {
  const db = new VectorDB({ dimensions: 4, distanceMetric: 'euclidean' });
  for (const id of ['\uD800', '\uDC00', 'a\uD83Db', 'x\uDE42']) {
    await assert.rejects(db.insert({ id, vector: vec(1) }), (e) => {
      assert.equal(e.code, 'RV_EID');
      assert.ok(e.message.includes(JSON.stringify(id)), e.message); // the id, escaped
      assert.match(e.message, /lone surrogate/);
      return true;
    });
  }
  await assert.rejects(db.insertBatch([{ id: 'ok', vector: vec(1) }, { id: '\uDBFF', vector: vec(2) }]), { code: 'RV_EID' });
  assert.equal(await db.len(), 0);
  assert.equal(await db.get('\uD800'), null);
  assert.equal(await db.delete('\uD800'), false);
  const smile = 'id-\uD83D\uDE42';
  await db.insert({ id: smile, vector: vec(3) });
  await db.insert({ id: '\uFFFD', vector: vec(4) });
  assert.equal(await db.len(), 2);
  const hits = await db.search({ vector: vec(3), k: 2 });
  assert.equal(hits[0].id, smile);
  assert.equal(hits[1].id, '\uFFFD');
  await db.close();

  const c = new Collection({ dimensions: 4 });
  await assert.rejects(c.insert('\uDC00', vec(1)), { code: 'RV_EID' });
  await assert.rejects(c.insertBatch(['a', '\uD800'], [vec(1), vec(2)]), { code: 'RV_EID' });
  await assert.rejects(c.get('\uD800'), { code: 'RV_EID' });
  await assert.rejects(c.delete('\uD800'), { code: 'RV_EID' });
  assert.equal(c.len(), 0);
  await c.close();
});

// ---- 7: agentdb, a failed write is not committed ----

async function agentMemory(file) {
  const db = await agentdb.createDatabase(file);
  const emb = new agentdb.EmbeddingService({ model: 'mock', dimension: 16, provider: 'local' });
  await emb.initialize();
  return { db, memory: new agentdb.ReflexionMemory(db, emb), skills: new agentdb.SkillLibrary(db, emb), emb };
}
const episode = { sessionId: 's', task: 'fix the build', reward: 1, success: true };

test('7: storeEpisode with agent.db.rvindex a regular file rejects and stores nothing; a retry stores one', { skip: noSqlite() }, async () => {
  const dir = fresh('agent');
  fs.mkdirSync(dir);
  const file = path.join(dir, 'agent.db');
  fs.writeFileSync(`${file}.rvindex`, 'not a directory');
  const { db, memory, skills } = await agentMemory(file);
  await assert.rejects(memory.storeEpisode(episode), (e) => {
    assert.equal(e.code, 'RV_EFORMAT');
    assert.ok(e.message.includes('agent.db.rvindex'), e.message);
    return true;
  });
  await assert.rejects(memory.storeEpisode(episode), { code: 'RV_EFORMAT' });
  await assert.rejects(skills.createSkill({ name: 'k', signature: {}, successRate: 1, uses: 0, avgReward: 1, avgLatencyMs: 1 }),
    { code: 'RV_EFORMAT' });
  assert.equal(db.prepare('SELECT COUNT(*) AS n FROM episodes').get().n, 0);
  assert.equal(db.prepare('SELECT COUNT(*) AS n FROM episode_embeddings').get().n, 0);
  assert.equal(db.prepare('SELECT COUNT(*) AS n FROM skills').get().n, 0);
  fs.rmSync(`${file}.rvindex`);
  const id = await memory.storeEpisode(episode);
  assert.equal(db.prepare('SELECT COUNT(*) AS n FROM episodes').get().n, 1);
  const found = await memory.retrieveRelevant({ task: 'fix the build', k: 3 });
  assert.deepEqual(found.map((e) => e.id), [id]);
  await db.closeAsync();
});

test('7: a database path holding a NUL byte is refused before anything is created', { skip: noSqlite() }, async () => {
  const dir = fresh('agent');
  fs.mkdirSync(dir);
  await assert.rejects(agentdb.createDatabase(path.join(dir, 'agent\0x.db')), (e) => {
    assert.equal(e.code, 'ERR_INVALID_ARG_VALUE');
    assert.match(e.message, /NUL byte at index \d+/);
    return true;
  });
  assert.deepEqual(fs.readdirSync(dir), []);
});

// ---- 8: smaller ones ----

test('8: MetadataFilter.toSQL refuses table names, columns and metadata paths it would paste into SQL', () => {
  if (agentdb.skip) return;
  const { MetadataFilter, ValidationError } = agentdb;
  // agentdb's output for well-formed names is unchanged
  assert.deepEqual(MetadataFilter.toSQL({ 'metadata.year': { $gte: 2021 }, 'metadata.a.b_2[0]': 1, reward: { $lt: 1 } }, 'e'), {
    where: "json_extract(e.metadata, '$.year') >= ? AND json_extract(e.metadata, '$.a.b_2[0]') = ? AND e.reward < ?",
    params: [2021, 1, 1],
  });
  const bad = [
    [{ 'reward = 1 OR 1=1 --': 1 }, 'e', /reward = 1 OR 1=1 --/],
    [{ "metadata.x') OR 1=1 --": 1 }, '', /x'\) OR 1=1 --/],
    [{ 'metadata.': 1 }, '', /metadata path/],
    [{ reward: 1 }, 'e; DROP TABLE episodes', /table name/],
  ];
  for (const [filter, table, re] of bad) {
    assert.throws(() => MetadataFilter.toSQL(filter, table), (e) => {
      assert.ok(e instanceof ValidationError, e.message);
      assert.match(e.message, re);
      return true;
    });
  }
});

test('8: an array of strings is not a vector', async () => {
  const db = new VectorDB({ dimensions: 4 });
  const strings = ['1', '2', '3', '4'];
  const check = (re) => (e) => { assert.equal(e.code, 'ERR_INVALID_ARG_TYPE'); assert.match(e.message, re); return true; };
  await assert.rejects(db.insert({ id: 'a', vector: strings }), check(/vector\[0\] is a string \("1"\), not a number/));
  await assert.rejects(db.insert({ id: 'a', vector: [1, 2, undefined, 4] }), check(/vector\[2\] is undefined/));
  await assert.rejects(db.insertBatch([{ id: 'a', vector: [1, 2, 3, 4] }, { id: 'b', vector: [1, '2', 3, 4] }]), check(/vector 1\[1\] is a string/));
  await assert.rejects(db.search({ vector: strings, k: 1 }), check(/vector\[0\] is a string/));
  assert.equal(await db.len(), 0);
  await db.close();
  const c = new Collection({ dimensions: 4 });
  await assert.rejects(c.insert('a', strings), check(/is a string/));
  await assert.rejects(c.insertBatch(['a'], [strings]), check(/is a string/));
  await assert.rejects(c.search(strings, 1), check(/is a string/));
  await assert.rejects(c.searchBatch([strings], 1), check(/is a string/));
  assert.equal(c.len(), 0);
  await c.close();
});

test('8: createDatabase on a directory says so', { skip: noSqlite() }, async () => {
  const dir = fresh('agentdir');
  fs.mkdirSync(dir);
  await assert.rejects(agentdb.createDatabase(dir), (e) => {
    assert.equal(e.code, 'EISDIR');
    assert.ok(e.message.includes(dir), e.message);
    assert.match(e.message, /is a directory/);
    return true;
  });
});

test('8: storeEpisode(null) and episodes without their fields say what is missing; nothing is stored', { skip: noSqlite() }, async () => {
  const { db, memory } = await agentMemory(path.join(fresh('agent'), 'a.db'));
  await assert.rejects(memory.storeEpisode(null), (e) => {
    assert.ok(e instanceof TypeError);
    assert.match(e.message, /storeEpisode: the episode must be an object; got null/);
    return true;
  });
  const cases = [
    [{ task: 't', reward: 1 }, /episode\.sessionId is missing/],
    [{ sessionId: 's', reward: 1 }, /episode\.task is missing/],
    [{ sessionId: 's', task: 't' }, /episode\.reward is missing/],
    [{ sessionId: 's', task: 't', reward: '1' }, /episode\.reward must be a number/],
    [{ sessionId: 7, task: 't', reward: 1 }, /episode\.sessionId must be a string/],
  ];
  for (const [ep, re] of cases) {
    await assert.rejects(memory.storeEpisode(ep), (e) => {
      assert.equal(e.name, 'ValidationError');
      assert.match(e.message, re);
      return true;
    });
  }
  assert.equal(db.prepare('SELECT COUNT(*) AS n FROM episodes').get().n, 0);
  await db.closeAsync();
});
