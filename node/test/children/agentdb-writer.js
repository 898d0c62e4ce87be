'use strict';
// Child process for test/agentdb-durability.test.js: opens FILE with
// ruvector/agentdb and stores episodes START, START+1, ... with INFLIGHT
// (default 1: one at a time) storeEpisode() calls in flight, printing
// "acked <id> <i>" once each has resolved, until killed.
const A = require('../../lib/agentdb');

async function main() {
  const [file, start, inflight = '1'] = process.argv.slice(2);
  if (file === undefined) return; // `node --test test/` runs every file under test/
  const db = await A.createDatabase(file);
  const r = new A.ReflexionMemory(db, new A.EmbeddingService({ model: 'm', dimension: 32, provider: 'local' }));
  let next = Number(start);
  const one = async () => {
    for (;;) {
      const i = next++;
      const id = await r.storeEpisode({ sessionId: 'stream', task: `streamed task ${i}`, critique: `c${i % 5}`, reward: (i % 10) / 10, success: i % 2 === 0 });
      process.stdout.write(`acked ${id} ${i}\n`);
    }
  };
  await Promise.all(Array.from({ length: Number(inflight) }, one));
}

main().catch((e) => { process.stderr.write(`${e.stack}\n`); process.exit(1); });
