'use strict';
// 10,000 open/close cycles leak nothing: the count of native collections
// returns to where it was, and resident memory stays flat. Each cycle holds
// 64 vectors of 32 floats plus the graph (well over 10 KiB), so leaking a
// collection per cycle would add 100 MiB or more; the bound below is 40 MiB,
// for allocator and V8 noise. (test/asan.sh runs the suite under
// AddressSanitizer with leak detection, for the byte-exact check.)
const test = require('node:test');
const assert = require('node:assert/strict');
const { Collection, VectorDB } = require('..');
const binding = require('../lib/native');
const { randomVectors } = require('./helpers');

const dim = 32;
const vecs = randomVectors(64, dim, 71);
const ids = Array.from({ length: 64 }, (_, i) => i);

async function cycle(i) {
  if (i % 2) {
    const c = new Collection({ dim });
    await c.insertBatch(ids, vecs);
    await c.search(vecs.subarray(0, dim), 5);
    await c.close();
  } else {
    const db = new VectorDB({ dimensions: dim });
    await db.insert({ id: 'a', vector: vecs.subarray(0, dim), metadata: { i } });
    await db.search({ vector: vecs.subarray(dim, 2 * dim), k: 3 });
    await db.close();
  }
}

test('10,000 open/close cycles: native collections freed, RSS flat', async () => {
  const base = binding.liveCollections();
  for (let i = 0; i < 1000; i++) await cycle(i); // warm up allocator and JIT
  if (global.gc) global.gc();
  const rss0 = process.memoryUsage().rss;
  for (let i = 0; i < 10000; i++) await cycle(i);
  assert.equal(binding.liveCollections(), base, 'every closed collection was freed');
  if (global.gc) global.gc();
  const grown = (process.memoryUsage().rss - rss0) / 1048576;
  assert.ok(grown < 40, `RSS grew by ${grown.toFixed(1)} MiB over 10,000 cycles`);
});

test('collections dropped without close are freed by garbage collection', { skip: !global.gc && 'run with --expose-gc' }, async () => {
  const base = binding.liveCollections();
  for (let i = 0; i < 200; i++) new Collection({ dim });
  for (let i = 0; i < 10 && binding.liveCollections() > base; i++) {
    global.gc();
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(binding.liveCollections(), base);
});
