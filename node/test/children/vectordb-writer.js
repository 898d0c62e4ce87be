'use strict';
// Child process for test/persistence.test.js. Modes:
//   stream DIR DURABILITY  insert entries 0, 1, 2, ... one at a time (every
//                          third with metadata, every fifth replacing an
//                          earlier id, every seventh deleting one), printing
//                          "acked <i>" once each call has resolved, until killed
//   hold DIR               open DIR for writing, print "open", wait for stdin to close
//   write DIR N            insert N entries in one batch and N single ones, close, exit
const { VectorDB } = require('../..');
const { entry } = require('../persist-helpers');

async function main() {
  const [mode, dir, arg] = process.argv.slice(2);
  if (mode === undefined) return; // `node --test test/` runs every file under test/: nothing to do then
  if (mode === 'hold') {
    const db = new VectorDB({ dimensions: 8, storagePath: dir });
    await db.ready();
    process.stdout.write('open\n');
    process.stdin.resume();
    process.stdin.on('end', async () => { await db.close(); process.exit(0); });
    return;
  }
  if (mode === 'write') {
    const n = Number(arg);
    const db = new VectorDB({ dimensions: 8, storagePath: dir, distanceMetric: 'euclidean' });
    const batch = [];
    for (let i = 0; i < n; i++) batch.push(entry(i));
    await db.insertBatch(batch);
    for (let i = n; i < 2 * n; i++) await db.insert(entry(i));
    await db.delete(String(3));
    await db.close();
    process.stdout.write('done\n');
    return;
  }
  if (mode === 'stream') {
    const db = new VectorDB({ dimensions: 8, storagePath: dir, distanceMetric: 'euclidean', durability: arg });
    await db.ready();
    for (let i = 0; ; i++) {
      if (i % 7 === 6) {
        await db.delete(String(i - 3));
        process.stdout.write(`deleted ${i - 3}\n`);
      } else if (i % 5 === 4) {
        await db.insert(entry(i - 2, 1)); // replace an earlier id with version 1
        process.stdout.write(`replaced ${i - 2}\n`);
      } else {
        await db.insert(entry(i));
        process.stdout.write(`acked ${i}\n`);
      }
    }
  }
  throw new Error(`unknown mode ${mode}`);
}

main().catch((e) => { process.stderr.write(`${e.code || ''} ${e.stack}\n`); process.exit(1); });
