'use strict';
// Child process for test/vectordb-migrate.test.js: opens a store of the
// earlier format (metadata in vectordb.meta), which migrates it, and is
// killed with SIGKILL in the middle. Mode:
//   open DIR AT   AT = a number: kill -9 once that many payloads are set;
//                 'checkpointed': once the payloads are checkpointed (the
//                 log file not yet deleted); 'never': finish, print "done";
//                 'random': print "opening" and let the parent kill it.
// The kill comes from lib/migrate.js's progress hook, so it lands at that
// exact point of the migration.
const { VectorDB } = require('../..');
const { hooks } = require('../../lib/migrate');

async function main() {
  const [mode, dir, at] = process.argv.slice(2);
  if (mode === undefined) return; // `node --test test/` runs every file under test/: nothing to do then
  if (mode !== 'open') throw new Error(`unknown mode ${mode}`);
  hooks.progress = (done) => {
    process.stdout.write(`progress ${done}\n`);
    if (String(done) === at || (typeof done === 'number' && /^\d+$/.test(at) && done >= Number(at))) {
      process.kill(process.pid, 'SIGKILL');
    }
  };
  process.stdout.write('opening\n');
  const db = new VectorDB({ dimensions: 8, storagePath: dir, distanceMetric: 'euclidean' });
  await db.ready();
  await db.close();
  process.stdout.write('done\n');
}

main().catch((e) => { process.stderr.write(`${e.code || ''} ${e.stack}\n`); process.exit(1); });
