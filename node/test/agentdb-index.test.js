'use strict';
// The C vector indexes behind ruvector/agentdb (lib/agentdb/vector-index.js):
// every search must give what agentdb's full scan gives on the same
// database (the reference here: the same controller on a view of the
// database without the index, which makes it scan every row in JS, as
// agentdb did) after every kind of write:
//  - raw SQL inserts, updates and deletes, cascades, rolled-back and
//    committed transactions, pruning, bulk updates, regenerated embeddings;
//  - writes by another connection during a session;
//  - index files reused after a clean close, reconciled after the table
//    changed while closed (by ours, by a plain SQLite connection, by
//    agentdb 1.6.1), rebuilt when missing or damaged;
//  - rows the index cannot hold (empty, zero, NaN, other dimensions);
//  - the HNSW regime (recall against the scan) and selective filters;
//  - SkillLibrary's composite ranking as statistics change.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const Sqlite = require('better-sqlite3');
const A = require('../lib/agentdb');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ruvector-agentdb-index-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let nth = 0;
const fresh = () => path.join(tmp, `db${nth++}.sqlite`);
const emb = (dim = 32) => new A.EmbeddingService({ model: 'm', dimension: dim, provider: 'local' });

// The database as agentdb saw it: no index, so controllers scan every row.
function scanView(db) {
  return new Proxy(db, {
    get(t, k) {
      if (k === 'vectorIndexes' || k === 'function') return undefined;
      const v = t[k];
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
}

const strip = (list) => list.map(({ embedding, ...rest }) => rest);

async function sameAsScan(db, e, queries, what = '') {
  const ours = new A.ReflexionMemory(db, e);
  const ref = new A.ReflexionMemory(scanView(db), e);
  for (const q of queries) {
    assert.deepEqual(strip(await ours.retrieveRelevant(q)), strip(await ref.retrieveRelevant(q)), `${what} ${JSON.stringify(q)}`);
  }
}

const QUERIES = [{ task: 'alpha task', k: 8 }, { task: 'beta', k: 20, onlyFailures: true }, { task: 'gamma task 7', k: 5, minReward: 0.5 }, { task: 'delta', k: 100 }];

async function seed(db, e, n, prefix = 'alpha task') {
  const r = new A.ReflexionMemory(db, e);
  const ids = [];
  for (let i = 0; i < n; i++) ids.push(await r.storeEpisode({ sessionId: `s${i % 3}`, task: `${prefix} ${i % 13}`, critique: `c${i}`, reward: (i % 10) / 10, success: i % 3 !== 0 }));
  return ids;
}

test('raw SQL, cascades, transactions and bulk operations keep the index in step', async () => {
  const db = await A.createDatabase(':memory:');
  const e = emb();
  await seed(db, e, 60);
  await sameAsScan(db, e, QUERIES, 'seeded');
  // raw inserts of an episode and its embedding
  const id = db.prepare("INSERT INTO episodes (session_id, task, reward, success) VALUES ('raw', 'raw task', 0.9, 1)").run().lastInsertRowid;
  db.prepare('INSERT INTO episode_embeddings (episode_id, embedding) VALUES (?, ?)').run(id, Buffer.from((await e.embed('alpha task 3')).buffer));
  await sameAsScan(db, e, QUERIES, 'raw insert');
  // an embedding replaced, another deleted directly, episodes deleted (cascade)
  db.prepare('UPDATE episode_embeddings SET embedding = ? WHERE episode_id = ?').run(Buffer.from((await e.embed('delta')).buffer), 5);
  db.prepare('DELETE FROM episode_embeddings WHERE episode_id = ?').run(6);
  db.prepare('DELETE FROM episodes WHERE id IN (7, 8, 9)').run();
  await sameAsScan(db, e, QUERIES, 'update/delete/cascade');
  // a rolled-back transaction leaves nothing; a committed one counts
  db.exec('BEGIN');
  db.prepare('DELETE FROM episodes WHERE id < 20').run();
  db.prepare('UPDATE episode_embeddings SET embedding = ? WHERE episode_id = 30').run(Buffer.from((await e.embed('beta')).buffer));
  await sameAsScan(db, e, QUERIES, 'inside an open transaction');
  db.exec('ROLLBACK');
  await sameAsScan(db, e, QUERIES, 'after rollback');
  db.transaction(() => { db.prepare('DELETE FROM episodes WHERE id BETWEEN 20 AND 25').run(); })();
  await sameAsScan(db, e, QUERIES, 'after a committed transaction');
  // controllers' bulk paths
  const bo = new A.BatchOperations(db, e, { batchSize: 7 });
  await bo.insertEpisodes(Array.from({ length: 20 }, (_, i) => ({ sessionId: 'b', task: `beta ${i}`, reward: 0.3, success: i % 2 === 0 })));
  bo.bulkUpdate('episodes', { reward: 0.95 }, { session_id: 'b' });
  bo.bulkDelete('episodes', { session_id: 's1' });
  await sameAsScan(db, e, QUERIES, 'bulk');
  db.prepare("UPDATE episodes SET critique = 'rewritten', output = 'new output' WHERE id % 4 = 0").run();
  await bo.regenerateEmbeddings();
  await sameAsScan(db, e, QUERIES, 'regenerated');
  db.prepare("UPDATE episodes SET ts = ts - 90 * 86400 WHERE id % 2 = 0").run();
  assert.ok(new A.ReflexionMemory(db, e).pruneEpisodes({ minReward: 0.5, maxAgeDays: 30, keepMinPerTask: 0 }) > 0);
  await sameAsScan(db, e, [...QUERIES, { task: 'alpha task 2', timeWindowDays: 30, k: 10 }], 'pruned');
  // the table dropped and made again (triggers re-installed)
  db.exec('DROP TABLE episode_embeddings');
  db.exec('CREATE TABLE episode_embeddings (episode_id INTEGER PRIMARY KEY, embedding BLOB NOT NULL, embedding_model TEXT DEFAULT \'all-MiniLM-L6-v2\', FOREIGN KEY (episode_id) REFERENCES episodes(id) ON DELETE CASCADE)');
  await sameAsScan(db, e, QUERIES, 'table remade, empty');
  await seed(db, e, 15, 'remade');
  await sameAsScan(db, e, QUERIES, 'table remade, filled');
  await db.closeAsync();
});

test('writes by another connection (and another process\'s index) are seen', async () => {
  const file = fresh();
  const db = await A.createDatabase(file);
  const e = emb();
  await seed(db, e, 40);
  await sameAsScan(db, e, QUERIES);
  const other = new Sqlite(file);
  other.prepare('DELETE FROM episodes WHERE id % 5 = 0').run();
  const id = other.prepare("INSERT INTO episodes (session_id, task, reward, success) VALUES ('o', 'other', 0.99, 0)").run().lastInsertRowid;
  other.prepare('INSERT INTO episode_embeddings (episode_id, embedding) VALUES (?, ?)').run(id, Buffer.from((await e.embed('alpha task 1')).buffer));
  other.close();
  await sameAsScan(db, e, QUERIES, 'after another connection wrote');
  // a second ruvector connection in this process: the index directory is
  // held by the first, so it keeps its own index in memory
  const db2 = await A.createDatabase(file);
  await sameAsScan(db2, e, QUERIES, 'second connection');
  assert.equal(db2.vectorIndexes.table('episodes').persistent, false);
  await new A.ReflexionMemory(db2, e).storeEpisode({ sessionId: 'x', task: 'from db2', reward: 0.5, success: true });
  await sameAsScan(db, e, QUERIES, 'first connection after the second wrote');
  await db2.closeAsync();
  await db.closeAsync();
});

test('index files: reused after a clean close, reconciled when the table changed, rebuilt when missing or damaged', async () => {
  const file = fresh();
  const e = emb();
  let db = await A.createDatabase(file);
  await seed(db, e, 80);
  await sameAsScan(db, e, QUERIES);
  await db.closeAsync();
  const stats = async () => {
    db = await A.createDatabase(file);
    await sameAsScan(db, e, QUERIES);
    const s = db.vectorIndexes.table('episodes').openStats;
    await db.closeAsync();
    return s;
  };
  assert.equal((await stats()).reused, true);
  // changed while closed, by a plain SQLite connection
  const other = new Sqlite(file);
  other.prepare('DELETE FROM episodes WHERE id IN (3, 4)').run();
  other.prepare('UPDATE episode_embeddings SET embedding = ? WHERE episode_id = 10').run(Buffer.from((await e.embed('delta')).buffer));
  other.close();
  const s1 = await stats();
  assert.equal(s1.reused, false);
  assert.equal(s1.rebuilt, false);
  assert.equal(s1.reconciled, 3); // two deleted, one changed
  assert.equal((await stats()).reused, true);
  // the index directory removed
  fs.rmSync(`${file}.rvindex`, { recursive: true, force: true });
  assert.equal((await stats()).rebuilt, true);
  // a damaged index file
  const manifest = path.join(`${file}.rvindex`, 'episodes', 'MANIFEST');
  const bytes = fs.readFileSync(manifest);
  bytes[bytes.length - 5] ^= 0xff;
  fs.writeFileSync(manifest, bytes);
  assert.equal((await stats()).rebuilt, true);
  // a state file that lies (written for another table content) is caught by the row hash
  await (async () => {
    db = await A.createDatabase(file);
    await new A.ReflexionMemory(db, e).retrieveRelevant({ task: 'x' });
    await db.closeAsync();
  })();
  const state = path.join(`${file}.rvindex`, 'episodes.state');
  const st = JSON.parse(fs.readFileSync(state, 'utf8'));
  const raw = new Sqlite(file);
  raw.prepare('UPDATE episode_embeddings SET embedding = ? WHERE episode_id = 20').run(Buffer.from((await e.embed('gamma task 7')).buffer));
  raw.close();
  fs.writeFileSync(state, JSON.stringify(st));
  const s2 = await stats();
  assert.equal(s2.reused, false);
  assert.equal(s2.reconciled, 1);
});

test('the index of a file written by agentdb 1.6.1 after ours closed it is reconciled', async (t) => {
  const peer = await require('./agentdb/peer').load();
  if (peer.skip) return t.skip(peer.skip);
  const file = fresh();
  const e = emb();
  let db = await A.createDatabase(file);
  await seed(db, e, 30);
  await db.closeAsync();
  const saved = [console.log, console.warn];
  console.log = console.warn = () => {};
  try {
    const adb = await peer.agentdb.createDatabase(file);
    const ar = new peer.agentdb.ReflexionMemory(adb, new peer.agentdb.EmbeddingService({ model: 'm', dimension: 32, provider: 'local' }));
    for (let i = 0; i < 5; i++) await ar.storeEpisode({ sessionId: 'agentdb', task: `alpha task ${i}`, critique: 'by agentdb', reward: 0.99, success: true });
    adb.prepare('DELETE FROM episodes WHERE id = 2').run();
    adb.close(); // sql.js writes the file here
  } finally {
    [console.log, console.warn] = saved;
  }
  db = await A.createDatabase(file);
  await sameAsScan(db, e, QUERIES, 'after agentdb wrote');
  const s = db.vectorIndexes.table('episodes').openStats;
  assert.equal(s.reused, false);
  assert.ok(s.reconciled >= 5 || s.rebuilt, JSON.stringify(s)); // 5 new; the deleted one's embedding stays unless agentdb's connection enforced the foreign keys
  await db.closeAsync();
});

test('rows the index cannot hold are scored as agentdb did', async () => {
  const db = await A.createDatabase(':memory:');
  const e = emb();
  await seed(db, e, 30);
  const r = new A.ReflexionMemory(db, e);
  await r.storeEpisode({ sessionId: 'odd', task: '', reward: 0.7, success: false }); // an empty blob
  const add = (blob) => {
    const id = db.prepare("INSERT INTO episodes (session_id, task, reward, success) VALUES ('odd', 'odd', 0.6, 0)").run().lastInsertRowid;
    db.prepare('INSERT INTO episode_embeddings (episode_id, embedding) VALUES (?, ?)').run(id, blob);
  };
  add(Buffer.from(new Float32Array(32).buffer)); // zeros
  const nan = new Float32Array(32).fill(0.1);
  nan[3] = NaN;
  add(Buffer.from(nan.buffer));
  add(Buffer.from((await emb(48).embed('alpha task 2')).buffer)); // longer
  add(Buffer.from((await emb(16).embed('alpha task 2')).buffer)); // shorter
  await sameAsScan(db, e, QUERIES, 'odd rows');
  assert.equal(db.vectorIndexes.table('episodes').oddIds.size, 5);
  // an empty query: every similarity NaN, agentdb's order
  await sameAsScan(db, e, [{ task: '', k: 10 }], 'empty query');
  // a query of another dimension than the stored embeddings
  await assert.rejects(new A.ReflexionMemory(db, emb(8)).retrieveRelevant({ task: 'x' }), (err) => err.code === 'RV_EDIM');
  await db.closeAsync();
});

test('the HNSW regime: recall against the scan, and selective filters', async () => {
  const db = await A.createDatabase(':memory:', { exactThreshold: 200 });
  const e = emb(64);
  const bo = new A.BatchOperations(db, e, { batchSize: 500 });
  await bo.insertEpisodes(Array.from({ length: 4000 }, (_, i) => ({ sessionId: 's', task: `task ${i} ${['plan', 'code', 'test'][i % 3]}`, reward: (i % 100) / 100, success: i % 50 !== 7 })));
  const ours = new A.ReflexionMemory(db, e);
  const ref = new A.ReflexionMemory(scanView(db), e);
  let hit = 0, total = 0;
  for (let q = 0; q < 40; q++) {
    const query = { task: `task ${q * 97} code`, k: 10 };
    const a = await ours.retrieveRelevant(query);
    const b = await ref.retrieveRelevant(query);
    const want = new Set(b.map((x) => x.id));
    hit += a.filter((x) => want.has(x.id)).length;
    total += b.length;
  }
  assert.ok(hit / total >= 0.95, `recall@10 ${hit / total}`);
  // 2% of the rows are failures: the candidate list widens until k pass
  for (const query of [{ task: 'task 5 plan', k: 10, onlyFailures: true }, { task: 'task 9', k: 30, minReward: 0.98, onlyFailures: true }]) {
    const a = await ours.retrieveRelevant(query);
    const b = await ref.retrieveRelevant(query);
    assert.equal(a.length, b.length);
    assert.ok(a.every((x) => !x.success && x.reward >= (query.minReward ?? 0)));
    assert.deepEqual(strip(a), strip(b));
  }
  await db.closeAsync();
});

test('SkillLibrary: the composite ranking follows statistics changes', async () => {
  const db = await A.createDatabase(':memory:');
  const e = emb();
  const s = new A.SkillLibrary(db, e);
  const ref = new A.SkillLibrary(scanView(db), e);
  for (let i = 0; i < 40; i++) {
    await s.createSkill({ name: `skill ${i}`, description: `does ${i % 5}`, signature: { inputs: {}, outputs: {} }, successRate: 0.3 + (i % 7) / 10, uses: i * 40, avgReward: (i % 3) / 3, avgLatencyMs: 5 });
  }
  const check = async (what) => {
    for (const q of [{ task: 'does 3' }, { task: 'skill 7', k: 10, minSuccessRate: 0 }, { task: 'x', k: 40, preferRecent: false, minSuccessRate: 0.6 }]) {
      assert.deepEqual(await s.searchSkills(q), await ref.searchSkills(q), `${what} ${JSON.stringify(q)}`);
    }
  };
  await check('created');
  for (let i = 0; i < 20; i++) s.updateSkillStats(1 + (i % 6), i % 2 === 0, 0.9, 10);
  await check('after updateSkillStats');
  db.prepare('UPDATE skills SET success_rate = 0.99, avg_reward = 1 WHERE id IN (30, 31)').run();
  db.prepare('DELETE FROM skills WHERE id = 2').run();
  await check('after raw updates');
  await s.consolidateEpisodesIntoSkills({});
  await check('after consolidation');
  await db.closeAsync();
});

test('read-only databases search and refuse writes', async () => {
  const file = fresh();
  const e = emb();
  let db = await A.createDatabase(file);
  await seed(db, e, 20);
  await db.closeAsync();
  db = await A.createDatabase(file, { readonly: true });
  await sameAsScan(db, e, QUERIES, 'read-only');
  await assert.rejects(new A.ReflexionMemory(db, e).storeEpisode({ sessionId: 's', task: 't', reward: 1, success: true }), /readonly/);
  await db.closeAsync();
});
