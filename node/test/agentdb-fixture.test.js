'use strict';
// A database written by agentdb 1.6.1 itself (test/fixtures/agentdb-1.6.1.db,
// made by make-agentdb-fixture.mjs with sql.js, 64-d mock embeddings, an
// empty-text episode among them) opens as it is: ours reads its rows and
// gives, on it, the answers agentdb 1.6.1 gave (agentdb-1.6.1.expected.json,
// recorded by agentdb at the time). Then ours writes to it, and (when the
// peer is installed) agentdb 1.6.1 reads the result back.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const A = require('../lib/agentdb');

const fixture = path.join(__dirname, 'fixtures', 'agentdb-1.6.1.db');
const expected = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'agentdb-1.6.1.expected.json'), 'utf8'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ruvector-agentdb-fixture-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const digest = (f) => ({ floats: f.length, sha256: crypto.createHash('sha256').update(Buffer.from(f.buffer, f.byteOffset, f.byteLength)).digest('hex') });
const norm = (v) => JSON.parse(JSON.stringify(v, (k, x) => (x instanceof Float32Array ? digest(x) : x)));
const embedder = () => new A.EmbeddingService({ model: 'Xenova/all-MiniLM-L6-v2', dimension: 64, provider: 'local' });

test('the fixture is a database agentdb 1.6.1 (sql.js) wrote', () => {
  const head = fs.readFileSync(fixture).subarray(0, 20);
  assert.equal(head.subarray(0, 16).toString('latin1'), 'SQLite format 3\0');
  assert.equal(head[18], 1, 'written in rollback-journal mode (sql.js), not WAL');
});

test('ours opens it as it is and gives agentdb 1.6.1\'s answers', async () => {
  const file = path.join(tmp, 'copy.db');
  fs.copyFileSync(fixture, file);
  const db = await A.createDatabase(file);
  const emb = embedder();
  const r = new A.ReflexionMemory(db, emb);
  const s = new A.SkillLibrary(db, emb);
  const rb = new A.ReasoningBank(db, emb);
  const g = new A.CausalMemoryGraph(db);
  assert.deepEqual(db.prepare("SELECT (SELECT COUNT(*) FROM episodes) AS episodes, (SELECT COUNT(*) FROM skills) AS skills, (SELECT COUNT(*) FROM reasoning_patterns) AS patterns, (SELECT COUNT(*) FROM learning_experiences) AS experiences").get(), expected.counts);
  for (const { query, result } of expected.retrieve) {
    assert.deepEqual(norm(await r.retrieveRelevant(query)), result, `retrieveRelevant ${JSON.stringify(query)}`);
  }
  for (const { query, result } of expected.skills) {
    assert.deepEqual(norm(await s.searchSkills(query)), result, `searchSkills ${JSON.stringify(query)}`);
  }
  const pq = await emb.embed('debug: pattern approach 3');
  for (const { query, result } of expected.patterns) {
    assert.deepEqual(norm(await rb.searchPatterns({ taskEmbedding: pq, ...query })), result, `searchPatterns ${JSON.stringify(query)}`);
  }
  assert.deepEqual(norm(g.queryCausalEffects({ interventionMemoryId: 1, interventionMemoryType: 'episode' })), expected.causal);
  assert.deepEqual(norm(s.getSkillPlan(1)), expected.plan);
  const stats = r.getTaskStats('fix flaky payment test');
  assert.equal(stats.totalAttempts, expected.taskStats.totalAttempts);
  assert.equal(stats.avgReward, expected.taskStats.avgReward);
  // the empty-text episode's empty blob is held outside the index and scored as agentdb did
  assert.equal(db.vectorIndexes.table('episodes').oddIds.size, 1);
  // the learning session it wrote goes on
  const ls = new A.LearningSystem(db, emb);
  const p = await ls.predict(expected.sessionId, 's0');
  assert.equal(p.action, 'a1');
  // ours writes to it; every row agentdb wrote is still there
  await r.storeEpisode({ sessionId: 'ours', task: 'implement oauth login', critique: 'written by ruvector', reward: 0.95, success: true });
  assert.equal(db.prepare('SELECT COUNT(*) AS n FROM episodes').get().n, expected.counts.episodes + 1);
  assert.equal(db.prepare('PRAGMA integrity_check').get().integrity_check, 'ok');
  await db.closeAsync();
});

test('agentdb 1.6.1 reads the file back after ours wrote it', async (t) => {
  const peer = await require('./agentdb/peer').load();
  if (peer.skip) return t.skip(peer.skip);
  const file = path.join(tmp, 'roundtrip.db');
  fs.copyFileSync(fixture, file);
  const db = await A.createDatabase(file);
  const emb = embedder();
  const r = new A.ReflexionMemory(db, emb);
  const id = await r.storeEpisode({ sessionId: 'ours', task: 'roundtrip task', critique: 'from ruvector', reward: 0.9, success: true });
  const ours = await r.retrieveRelevant({ task: 'roundtrip task', k: 5 });
  await db.closeAsync();
  const saved = [console.log, console.warn];
  console.log = console.warn = () => {};
  try {
    const adb = await peer.agentdb.createDatabase(file);
    const ar = new peer.agentdb.ReflexionMemory(adb, new peer.agentdb.EmbeddingService({ model: 'Xenova/all-MiniLM-L6-v2', dimension: 64, provider: 'local' }));
    assert.equal(adb.prepare('SELECT task FROM episodes WHERE id = ?').get(id).task, 'roundtrip task');
    const theirs = await ar.retrieveRelevant({ task: 'roundtrip task', k: 5 });
    assert.deepEqual(norm(theirs), norm(ours));
    assert.ok(theirs.some((e) => e.id === id) || ours.every((e) => e.id !== id));
  } finally {
    [console.log, console.warn] = saved;
  }
});
