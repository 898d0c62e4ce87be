// scenario.js: one script of VectorDB and Collection calls, run twice by
// browser.test.js: in the page against the browser build (node/browser/)
// and in Node against the Node package (node/). The two transcripts must be
// equal: same results, same scores, same errors (name, code, message).
// It uses no Node or browser API, only the classes it is given.

const plain = (v) => (v instanceof Float32Array ? Array.from(v) : v);

function hitOf(h) {
  const out = {};
  for (const [k, v] of Object.entries(h)) out[k] = plain(v);
  return out;
}

async function step(log, name, fn) {
  try {
    const v = await fn();
    log.push([name, 'ok', v === undefined ? null : v]);
  } catch (e) {
    log.push([name, 'error', { name: e.name, code: e.code, message: e.message }]);
  }
}

export async function scenario({ VectorDB, Collection }, extra = {}) {
  const log = [];
  // ---- VectorDB (in memory) ----
  const db = new VectorDB({ dimensions: 3, metric: 'euclidean', ...extra });
  await step(log, 'insertBatch', () => db.insertBatch([
    { id: 'a', vector: [1, 0, 0], metadata: { color: 'red', n: 1 } },
    { id: 'b', vector: [0, 1, 0], metadata: { color: 'blue', n: 2, tags: ['x', 'y'] } },
    { id: 'c', vector: new Float32Array([0, 0, 1]) },
    { id: 'd', vector: [0.5, 0.5, 0], metadata: {} },
  ]));
  await step(log, 'insert', () => db.insert({ id: 'e', vector: [2, 2, 2], metadata: { n: 5 } }));
  await step(log, 'upsert', () => db.insert({ id: 'a', vector: [0.9, 0, 0], metadata: { color: 'red', n: 10 } }));
  await step(log, 'len', () => db.len());
  await step(log, 'search', async () => (await db.search({ vector: [1, 0.1, 0], k: 3 })).map(hitOf));
  await step(log, 'search k 0', () => db.search({ vector: [1, 0.1, 0], k: 0 }));
  await step(log, 'search filter eq', async () => (await db.search({ vector: [1, 0, 0], k: 5, filter: { color: 'blue' } })).map(hitOf));
  await step(log, 'search filter range', async () => (await db.search({ vector: [1, 0, 0], k: 5, filter: { n: { $gte: 2 } } })).map((h) => h.id));
  await step(log, 'search filter contains', async () => (await db.search({ vector: [1, 0, 0], k: 5, filter: { tags: { $contains: 'y' } } })).map((h) => h.id));
  await step(log, 'get', async () => hitOf(await db.get('b')));
  await step(log, 'get no metadata', async () => hitOf(await db.get('d')));
  await step(log, 'get missing', () => db.get('zz'));
  await step(log, 'get impossible id', () => db.get(''));
  await step(log, 'delete', () => db.delete('c'));
  await step(log, 'delete again', () => db.delete('c'));
  await step(log, 'isEmpty', () => db.isEmpty());
  await step(log, 'wrong dim', () => db.insert({ id: 'x', vector: [1, 2] }));
  await step(log, 'NaN', () => db.insert({ id: 'x', vector: [1, NaN, 2] }));
  await step(log, 'batch infinite', () => db.insertBatch([{ id: 'y', vector: [1, 2, 3] }, { id: 'z', vector: [0, -Infinity, 0] }]));
  await step(log, 'batch wrong dim', () => db.insertBatch([{ id: 'y', vector: [1, 2, 3] }, { id: 'z', vector: [0, 0] }]));
  await step(log, 'bad vector', () => db.insert({ id: 'x', vector: ['1', 2, 3] }));
  await step(log, 'bad id', () => db.insert({ id: 7, vector: [1, 2, 3] }));
  await step(log, 'NUL id', () => db.insert({ id: 'a\0b', vector: [1, 2, 3] }));
  await step(log, 'nested metadata', () => db.insert({ id: 'x', vector: [1, 2, 3], metadata: { o: { p: 1 } } }));
  await step(log, 'bad filter', () => db.search({ vector: [1, 2, 3], k: 1, filter: { n: { $near: 1 } } }));
  await step(log, 'bad k', () => db.search({ vector: [1, 2, 3], k: 1.5 }));
  await step(log, 'missing k', () => db.search({ vector: [1, 2, 3] }));
  await step(log, 'len after errors', () => db.len());
  await step(log, 'close', () => db.close());
  await step(log, 'insert after close', () => db.insert({ id: 'q', vector: [1, 2, 3] }));
  await step(log, 'search after close', () => db.search({ vector: [1, 2, 3], k: 1 }));
  await step(log, 'len after close', () => db.len());

  // ---- Collection (in memory) ----
  const c = new Collection({ dimensions: 2, metric: 'cosine', ...extra });
  await step(log, 'c.insert', () => c.insert('p', [1, 0], { payload: { kind: 'x' } }));
  await step(log, 'c.insert numeric id', () => c.insert(42, [0, 1]));
  await step(log, 'c.insert exists', () => c.insert('p', [1, 1]));
  await step(log, 'c.upsert', () => c.upsert('p', [1, 0.1]));
  await step(log, 'c.insertBatch', () => c.insertBatch(['q', 'r'], new Float32Array([0.5, 0.5, -1, 0]), { payloads: [{ kind: 'y' }, null] }));
  await step(log, 'c.insertBatch dim', () => c.insertBatch(['s'], [[1, 2, 3]]));
  await step(log, 'c.insertBatch floats', () => c.insertBatch(['s', 't'], new Float32Array(3)));
  await step(log, 'c.insert zero', () => c.insert('zero', [0, 0]));
  await step(log, 'c.len', () => c.len());
  await step(log, 'c.search', async () => (await c.search([1, 0], 3)).map(hitOf));
  await step(log, 'c.search exact payload vectors', async () => (await c.search([0, 1], 2, { exact: true, withPayload: true, vectors: true })).map(hitOf));
  await step(log, 'c.search filter', async () => (await c.search([0, 1], 5, { filter: { kind: 'y' }, withPayload: true })).map(hitOf));
  await step(log, 'c.search bad k', () => c.search([0, 1], -1));
  await step(log, 'c.search bad ef', () => c.search([0, 1], 1, { ef: 1e9 }));
  await step(log, 'c.get', async () => plain(await c.get('42')));
  await step(log, 'c.get missing', () => c.get('nope'));
  await step(log, 'c.getPayload', () => c.getPayload('q'));
  await step(log, 'c.getPayload none', () => c.getPayload('r'));
  await step(log, 'c.getPayload missing', () => c.getPayload('nope'));
  await step(log, 'c.delete', () => c.delete('q'));
  await step(log, 'c.delete missing', () => c.delete('q'));
  await step(log, 'c.createIndex', () => c.createIndex('kind', 'keyword'));
  await step(log, 'c.createIndex bad', () => c.createIndex('kind', 'fuzzy'));
  await step(log, 'c.check', async () => (await c.check()).ok ?? (await c.check()));
  await step(log, 'c.close', () => c.close());
  await step(log, 'c.insert after close', () => c.insert('u', [1, 1]));
  return log;
}
