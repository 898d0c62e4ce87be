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

function runAndKill(file, start, count) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, file, String(start)], { stdio: ['ignore', 'pipe', 'pipe'] });
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

test('kill -9 during a stream of storeEpisode calls loses no acknowledged episode', async () => {
  const file = path.join(tmp, 'stream.db');
  const emb = new A.EmbeddingService({ model: 'm', dimension: 32, provider: 'local' });
  const all = [];
  let next = 0;
  for (let cycle = 0; cycle < 4; cycle++) {
    const acked = await runAndKill(file, next, 40 + 30 * cycle);
    all.push(...acked);
    next = acked[acked.length - 1][1] + 2; // past the one that may have been in flight
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
});
