'use strict';
// Child process for test/persistence.test.js: payloads and payload indexes
// across a restart. Mode:
//   write DIR HOW   open DIR with Collection.open, insert 40 records with
//                   payloads (a batch and single inserts), change and clear
//                   some, create keyword, numeric and text indexes, then
//                   HOW = close: close and exit; exit: exit without closing
//                   (every write had resolved: the log must bring it back)
const { Collection } = require('../..');

function payloadOf(i) {
  return { label: `L${i % 4}`, num: i, tags: [`t${i % 3}`], body: i % 2 ? `odd record number ${i}` : `even record ${i}` };
}

function vectorOf(i) {
  return [Math.sin(i), Math.cos(i), i / 40, 1];
}

async function main() {
  const [mode, dir, how] = process.argv.slice(2);
  if (mode === undefined) return; // `node --test test/` runs every file under test/: nothing to do then
  if (mode !== 'write') throw new Error(`unknown mode ${mode}`);
  const c = await Collection.open({ path: dir, dimensions: 4, metric: 'l2' });
  const ids = Array.from({ length: 30 }, (_, i) => String(i));
  await c.insertBatch(ids, ids.map((_, i) => vectorOf(i)), { payloads: ids.map((_, i) => payloadOf(i)) });
  await c.createIndex('label', 'keyword');
  await c.createIndex('num', 'numeric');
  for (let i = 30; i < 40; i++) await c.insert(String(i), vectorOf(i), { payload: JSON.stringify(payloadOf(i)) });
  await c.createIndex('body', 'text'); // after some records: indexes them too
  await c.setPayload('5', { label: 'special', num: 500, body: 'a special zebra' });
  await c.setPayload('6', null);
  await c.delete('7');
  process.stdout.write('done\n');
  if (how === 'close') await c.close();
  else process.exit(0);
}

if (require.main === module) main().catch((e) => { console.error(e); process.exit(1); });

module.exports = { payloadOf, vectorOf };
