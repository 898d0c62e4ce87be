#!/usr/bin/env node
// storeEpisode throughput at full durability (issue #16): ruvector/agentdb
// (SQLite in WAL mode with synchronous=FULL: a resolved write is on disk)
// against the real agentdb 1.6.1 (../test/agentdb/peer.js), in the same
// process, the same episodes and the same embedder (agentdb's deterministic
// mock, 384-d), each into a fresh database file:
//   - one at a time: each call awaited before the next;
//   - N in flight (--inflight, default 8): N callers, each awaiting its own
//     calls; ruvector/agentdb commits the writes that meet at their commit
//     point together (controllers/common.js, group commit).
// agentdb 1.6.1 on a file keeps the database in memory (sql.js) and writes
// the file only when asked (save/close), so its rate is that of memory; the
// figure to beat, not a like-for-like durability.
//
//   node bench/agentdb-writes.js [--episodes 10000] [--inflight 8] [--json out.json]
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { performance } = require('perf_hooks');
const peerMod = require('../test/agentdb/peer');
const ours = require('../lib/agentdb');

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}
const N = Number(arg('episodes', '10000'));
const INFLIGHT = Number(arg('inflight', '8'));
const JSON_OUT = arg('json', null);
const DIM = 384;

function episode(i) {
  return { sessionId: `s${i % 50}`, task: `task ${i}: fix the ${['auth', 'cache', 'billing'][i % 3]} path`,
    critique: `critique ${i % 17}`, reward: (i % 10) / 10, success: i % 3 !== 0, latencyMs: i % 100 };
}

// n episodes through `store`, with `inflight` callers; episodes/s.
async function rate(store, n, inflight) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inflight }, async () => {
    for (let i = next++; i < n; i = next++) await store(episode(i));
  }));
  return n / ((performance.now() - t0) / 1000);
}

function quiet(fn) {
  const saved = [console.log, console.warn];
  console.log = console.warn = () => {};
  return Promise.resolve().then(fn).finally(() => { [console.log, console.warn] = saved; });
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ruvector-writes-'));
  const out = { episodes: N, inflight: INFLIGHT, dim: DIM };
  try {
    for (const [label, k] of [['oneAtATime', 1], ['inFlight', INFLIGHT]]) {
      const db = await ours.createDatabase(path.join(tmp, `ours-${k}.db`));
      const m = new ours.ReflexionMemory(db, new ours.EmbeddingService({ model: 'mock', dimension: DIM, provider: 'local' }));
      out[`ours_${label}`] = await rate((e) => m.storeEpisode(e), N, k);
      const rows = db.prepare('SELECT count(*) AS n FROM episodes').get().n;
      if (rows !== N) throw new Error(`ours stored ${rows} of ${N}`);
      await db.closeAsync();
    }
    const peer = await peerMod.load();
    if (peer.skip) {
      out.agentdb = `unavailable: ${peer.skip}`;
    } else {
      await quiet(async () => {
        for (const [label, k] of [['oneAtATime', 1], ['inFlight', INFLIGHT]]) {
          const A = peer.agentdb;
          const adb = await A.createDatabase(path.join(tmp, `agentdb-${k}.db`));
          for (const s of peer.schemas) adb.exec(s);
          const m = new A.ReflexionMemory(adb, new A.EmbeddingService({ model: 'mock', dimension: DIM, provider: 'local' }));
          out[`agentdb_${label}`] = await rate((e) => m.storeEpisode(e), N, k);
          adb.close();
        }
      });
      out.ratio_inFlight = out.ours_inFlight / out.agentdb_inFlight;
      out.ratio_oneAtATime = out.ours_oneAtATime / out.agentdb_oneAtATime;
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  for (const [k, v] of Object.entries(out)) console.log(`${k.padEnd(22)} ${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(2) : v}`);
  if (JSON_OUT) fs.writeFileSync(JSON_OUT, `${JSON.stringify(out, null, 2)}\n`);
}

main().catch((e) => { console.error(e); process.exit(1); });
