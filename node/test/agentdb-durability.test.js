'use strict';
// kill -9 during a stream of storeEpisode() calls loses no acknowledged
// episode: a child stores episodes one at a time and prints each id once
// its Promise resolved; we kill it (SIGKILL) at a random moment after a
// number of acknowledgements, several times over the same file, and check
// after each kill that every acknowledged episode is there with its
// embedding, that searches find it through the vector index (reconciled
// with the table after the crash), and that the database is intact.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const A = require('../lib/agentdb');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ruvector-agentdb-kill-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const child = path.join(__dirname, 'children', 'agentdb-writer.js');

function runAndKill(file, start, count, inflight = 1) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, file, String(start), String(inflight)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked = [];
    let buf = '', err = '', killed = false;
    p.stdout.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const [, id, i] = buf.slice(0, nl).split(' ');
        buf = buf.slice(nl + 1);
        acked.push([Number(id), Number(i)]);
        if (!killed && acked.length >= count) {
          killed = true;
          setTimeout(() => p.kill('SIGKILL'), Math.floor(Math.random() * 8));
        }
      }
    });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(acked) : reject(new Error(`child exited ${code}: ${err}`))));
  });
}

async function killCycles(file, inflight) {
  const emb = new A.EmbeddingService({ model: 'm', dimension: 32, provider: 'local' });
  const all = [];
  let next = 0;
  for (let cycle = 0; cycle < 4; cycle++) {
    const acked = await runAndKill(file, next, 40 + 30 * cycle, inflight);
    all.push(...acked);
    // past the ones that may have been in flight
    next = Math.max(...acked.map(([, i]) => i)) + inflight + 1;
    const db = await A.createDatabase(file);
    const r = new A.ReflexionMemory(db, emb);
    assert.equal(db.prepare('PRAGMA integrity_check').get().integrity_check, 'ok');
    const rows = new Map(db.prepare('SELECT e.id, e.task, length(ee.embedding) AS bytes FROM episodes e LEFT JOIN episode_embeddings ee ON ee.episode_id = e.id').all().map((x) => [x.id, x]));
    for (const [id, i] of all) {
      const row = rows.get(id);
      assert.ok(row, `acknowledged episode ${id} (#${i}) lost after kill -9 in cycle ${cycle}`);
      assert.equal(row.task, `streamed task ${i}`);
      assert.equal(row.bytes, 32 * 4, `episode ${id} has its embedding`);
    }
    // nothing half-written: every episode has its embedding (one transaction)
    assert.ok([...rows.values()].every((x) => x.bytes === 128));
    // the index, reconciled with the table, finds the last acknowledged ones
    for (const [id, i] of all.slice(-5)) {
      const hits = await r.retrieveRelevant({ task: `streamed task ${i}\nc${i % 5}`, k: 3 });
      assert.equal(hits[0].id, id, `episode ${id} is found by the index`);
    }
    const stats = db.vectorIndexes.table('episodes').openStats;
    assert.equal(stats.reused, false, 'after a crash the index is checked, not trusted');
    await db.closeAsync();
  }
  // a clean close is trusted on the next open
  const db = await A.createDatabase(file);
  await new A.ReflexionMemory(db, emb).retrieveRelevant({ task: 'x' });
  assert.equal(db.vectorIndexes.table('episodes').openStats.reused, true);
  await db.closeAsync();
}

test('kill -9 during a stream of storeEpisode calls loses no acknowledged episode', async () => {
  await killCycles(path.join(tmp, 'stream.db'), 1);
});

test('kill -9 with eight storeEpisode calls in flight (group commit) loses no acknowledged episode', async () => {
  await killCycles(path.join(tmp, 'stream8.db'), 8);
});

test('group commit: writes in flight share one transaction; a failing write rolls back alone', async () => {
  const file = path.join(tmp, 'group.db');
  const db = await A.createDatabase(file);
  const emb = new A.EmbeddingService({ model: 'm', dimension: 32, provider: 'local' });
  const r = new A.ReflexionMemory(db, emb);
  const s = new A.SkillLibrary(db, emb);
  // a trigger refuses one task: that insert throws inside the group
  db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON episodes WHEN NEW.task = 'refused'
           BEGIN SELECT RAISE(ABORT, 'refused by trigger'); END`);
  // count the top-level transactions better-sqlite3 runs (the commits)
  const real = db.transaction.bind(db);
  let commits = 0;
  db.transaction = (fn) => {
    const tx = real(fn);
    return (...a) => { if (!db.inTransaction) commits++; return tx(...a); };
  };
  const calls = [];
  for (let i = 0; i < 8; i++) {
    const task = i === 3 ? 'refused' : `group task ${i}`;
    calls.push(r.storeEpisode({ sessionId: 'g', task, reward: 0.5, success: true }));
  }
  calls.push(s.createSkill({ name: 'grouped skill', description: 'd', signature: { inputs: {}, outputs: {} }, successRate: 1, uses: 0, avgReward: 1, avgLatencyMs: 0 }));
  const settled = await Promise.allSettled(calls);
  assert.equal(settled[3].status, 'rejected');
  assert.match(String(settled[3].reason && settled[3].reason.message), /refused by trigger/);
  const ok = settled.slice(0, 8).filter((x) => x.status === 'fulfilled').map((x) => x.value);
  assert.equal(ok.length, 7);
  assert.equal(new Set(ok).size, 7, 'distinct episode ids');
  assert.equal(settled[8].status, 'fulfilled', 'the skill in the same group is written');
  assert.ok(commits <= 2, `9 writes in flight took ${commits} commits`);
  db.transaction = real;
  await db.closeAsync();
  // on disk, with their embeddings; the refused one is nowhere
  const again = await A.createDatabase(file);
  const rows = again.prepare("SELECT e.task, length(ee.embedding) AS bytes FROM episodes e JOIN episode_embeddings ee ON ee.episode_id = e.id WHERE e.session_id = 'g'").all();
  assert.deepEqual(rows.map((x) => x.task).sort(), [0, 1, 2, 4, 5, 6, 7].map((i) => `group task ${i}`).sort());
  assert.ok(rows.every((x) => x.bytes === 128));
  assert.equal(again.prepare("SELECT count(*) AS n FROM episodes WHERE task = 'refused'").get().n, 0);
  assert.equal(again.prepare("SELECT count(*) AS n FROM skills WHERE name = 'grouped skill'").get().n, 1);
  await again.closeAsync();
});
