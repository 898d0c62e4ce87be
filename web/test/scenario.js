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

// Only the error's code (for messages that name where the database lives,
// a directory in Node and a storage name in the browser).
async function stepCode(log, name, fn) {
  try {
    const v = await fn();
    log.push([name, 'ok', v === undefined ? null : v]);
  } catch (e) {
    log.push([name, 'error', { name: e.name, code: e.code }]);
  }
}

async function step(log, name, fn) {
  try {
    const v = await fn();
    log.push([name, 'ok', v === undefined ? null : v]);
  } catch (e) {
    log.push([name, 'error', { name: e.name, code: e.code, message: e.message }]);
  }
}

const hits = async (p) => (await p).map(hitOf);

export async function scenario({ VectorDB, Collection, Database }, extra = {}, dbPath = undefined) {
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

  // ---- Collection: documents, text and hybrid search, MMR, batches ----
  const t = new Collection({ dimensions: 4, metric: 'l2', ...extra });
  const titles = ['the quick brown fox', 'a lazy brown dog', 'quick thinking', 'fox and hound', 'brown bread recipe',
    'the dog park', 'quantum foxes', 'lazy sunday'];
  const ids = titles.map((_, i) => `t${i}`);
  const flat = new Float32Array(titles.length * 4);
  for (let i = 0; i < flat.length; i++) flat[i] = ((i * 37) % 11) / 11 - 0.4;
  const docs = titles.map((title, i) => ({ title, kind: i % 2 ? 'odd' : 'even', n: i,
    meta: { level: i % 3, tags: i % 2 ? ['x'] : ['x', 'y'], author: { name: `a${i % 4}` } } }));
  await step(log, 't.insertBatch documents', () => t.insertBatch(ids, flat, { payloads: docs }));
  await step(log, 't.searchText without index', () => t.searchText('fox', 3));
  await step(log, 't.createIndex text', () => t.createIndex('title', 'text'));
  await step(log, 't.createIndex keyword', () => t.createIndex('kind', 'keyword'));
  await step(log, 't.createIndex nested numeric', () => t.createIndex('meta.level', 'numeric'));
  await step(log, 't.searchText', () => hits(t.searchText('brown fox', 4)));
  await step(log, 't.searchText payload vectors', () => hits(t.searchText('lazy', 2, { withPayload: true, vectors: true })));
  await step(log, 't.searchText filter', () => hits(t.searchText('brown', 5, { filter: { kind: 'even' } })));
  await step(log, 't.searchText nothing', () => t.searchText('zebra', 3));
  await step(log, 't.searchText bad query', () => t.searchText(42, 3));
  const q = [0.1, -0.2, 0.3, 0];
  await step(log, 't.searchHybrid rrf', () => hits(t.searchHybrid(q, 'brown fox', 4)));
  await step(log, 't.searchHybrid weighted', () => hits(t.searchHybrid(q, 'lazy dog', 3, { fusion: 'weighted',
    vectorWeight: 0.3, textWeight: 0.7, depth: 8 })));
  await step(log, 't.searchHybrid filter payload', () => hits(t.searchHybrid(q, 'quick', 3, { filter: { 'meta.level': { $lte: 1 } },
    withPayload: true, rrfK: 10 })));
  await step(log, 't.searchHybrid bad fusion', () => t.searchHybrid(q, 'x', 3, { fusion: 'max' }));
  await step(log, 't.search mmr', () => hits(t.search(q, 4, { mmr: { lambda: 0.3 } })));
  await step(log, 't.search mmr lambda 1', () => hits(t.search(q, 4, { mmr: { lambda: 1, candidates: 8 } })));
  await step(log, 't.search mmr true', () => hits(t.search(q, 3, { mmr: true, exact: true })));
  await step(log, 't.search bad mmr', () => t.search(q, 3, { mmr: { lambda: 'high' } }));
  await step(log, 't.search nested filter', () => hits(t.search(q, 8, { filter: { 'meta.author.name': 'a1' }, withPayload: true })));
  await step(log, 't.search $or $not', () => hits(t.search(q, 8, { filter: { $or: [{ n: { $gte: 6 } }, { $not: { 'meta.tags': 'y' } }] } })));
  await step(log, 't.search bad options', () => t.search(q, 3, 'fast'));
  await step(log, 't.searchBatch array', () => t.searchBatch([q, [0, 0, 0, 1]], 2).then((r) => r.map((x) => x.map(hitOf))));
  await step(log, 't.searchBatch flat filter mmr', () => t.searchBatch(new Float32Array([...q, 1, 1, 1, 1, 0, 0, 0, 0]), 3,
    { filter: { kind: 'odd' }, mmr: { lambda: 0.5 }, withPayload: true }).then((r) => r.map((x) => x.map(hitOf))));
  await step(log, 't.searchBatch k 0', () => t.searchBatch([q], 0));
  await step(log, 't.searchBatch empty', () => t.searchBatch([], 3));
  await step(log, 't.searchBatch bad dims', () => t.searchBatch([q, [1, 2]], 2));
  await step(log, 't.searchBatch bad floats', () => t.searchBatch(new Float32Array(6), 2));
  await step(log, 't.setPayload', () => t.setPayload('t2', { title: 'slow thinking fox', kind: 'odd', n: 2 }));
  await step(log, 't.searchText after set', () => hits(t.searchText('fox', 5)));
  await step(log, 't.setPayload missing', () => t.setPayload('nope', { a: 1 }));
  await step(log, 't.setPayload bad', () => t.setPayload('t2', '{"a":'));
  await step(log, 't.mergePayload nested', () => t.mergePayload('t3', { meta: { level: 9, tags: null }, extra: true }));
  await step(log, 't.getPayload merged', () => t.getPayload('t3'));
  await step(log, 't.mergePayload null', () => t.mergePayload('t3', null));
  await step(log, 't.setPayload null', () => t.setPayload('t4', null));
  await step(log, 't.getPayload cleared', () => t.getPayload('t4'));
  await step(log, 't.countMatching', () => t.countMatching({ kind: 'even' }));
  await step(log, 't.countMatching nested', () => t.countMatching({ 'meta.level': { $gte: 1 } }));
  await step(log, 't.countMatching text', () => t.countMatching('{"n":{"$in":[1,2,3]}}'));
  await step(log, 't.countMatching none', () => t.countMatching());
  await step(log, 't.countMatching bad', () => t.countMatching({ n: { $between: [1, 2] } }));
  await step(log, 't.getBatch', async () => (await t.getBatch(['t1', 'nope', 5, 't7'])).map(plain));
  await step(log, 't.getBatch empty', () => t.getBatch([]));
  await step(log, 't.getBatch bad', () => t.getBatch('t1'));
  await step(log, 't.deleteBatch', () => t.deleteBatch(['t0', 'nope', 't5', 't0']));
  await step(log, 't.deleteBatch none', () => t.deleteBatch(['nope']));
  await step(log, 't.deleteBatch bad id', () => t.deleteBatch(['t1', {}]));
  await step(log, 't.len after deleteBatch', () => t.len());
  await step(log, 't.vacuum', () => t.vacuum());
  await step(log, 't.optimize', () => t.optimize());
  await step(log, 't.check', () => t.check().then(({ problem, ...r }) => r)); // eslint-disable-line no-unused-vars
  await step(log, 't.search after optimize', () => hits(t.search(q, 3, { withPayload: true })));
  await step(log, 't.close', () => t.close());
  await step(log, 't.searchText after close', () => t.searchText('fox', 1));

  // ---- Database: named persistent collections ----
  if (Database && dbPath !== undefined) {
    const d = await Database.open(dbPath, extra);
    await step(log, 'd.listCollections empty', () => d.listCollections());
    let docsC;
    await step(log, 'd.createCollection', async () => { docsC = await d.createCollection('docs', { dimensions: 3, metric: 'cosine' }); return [docsC.dimensions, docsC.metric, docsC.persistent]; });
    await stepCode(log, 'd.createCollection exists', () => d.createCollection('docs', { dimensions: 3 }));
    await stepCode(log, 'd.createCollection bad name', () => d.createCollection('a/b', { dimensions: 3 }));
    await step(log, 'd.createCollection bad dims', () => d.createCollection('x', { dimensions: 0 }));
    await step(log, 'docs.insertBatch', () => docsC.insertBatch(['a', 'b', 'c'], [[1, 0, 0], [0, 1, 0], [1, 1, 0]], { payloads: [{ g: 1 }, { g: 2 }, null] }));
    await step(log, 'docs.search', () => hits(docsC.search([1, 0.1, 0], 2, { withPayload: true })));
    await step(log, 'docs.storage', async () => { const st = await docsC.storage(); return [st.durability, st.persistent, st.formatVersion]; });
    let other;
    await step(log, 'd.collection creates', async () => { other = await d.collection('keep', { dimensions: 2, metric: 'l2' }); return [other.dimensions, other.metric]; });
    await step(log, 'keep.insert', () => other.insert('k1', [3, 4], { payload: { deep: { x: [1, 2] } } }));
    await step(log, 'd.listCollections', async () => (await d.listCollections()).sort());
    await stepCode(log, 'd.openCollection open already', () => d.openCollection('docs'));
    await stepCode(log, 'd.openCollection missing', () => d.openCollection('nothing'));
    await stepCode(log, 'd.dropCollection open', () => d.dropCollection('docs'));
    await step(log, 'docs.close', () => docsC.close());
    await step(log, 'docs.search after close', () => docsC.search([1, 0, 0], 1));
    await stepCode(log, 'd.collection mismatch', () => d.collection('docs', { dimensions: 4 }));
    await step(log, 'd.dropCollection', () => d.dropCollection('docs'));
    await step(log, 'd.listCollections after drop', () => d.listCollections());
    await step(log, 'd.close', () => d.close());
    await step(log, 'keep after d.close', () => other.len());
    await step(log, 'keep.close after d.close', () => other.close());
    await step(log, 'd.listCollections after close', () => d.listCollections());
    const d2 = await Database.open(dbPath, extra);
    await step(log, 'reopened keep', async () => {
      const k = await d2.openCollection('keep');
      return [await k.len(), plain(await k.get('k1')), await k.getPayload('k1'), (await k.search([3, 4], 1)).map(hitOf)];
    });
    await step(log, 'd2.close', () => d2.close());
    // Collection.open: a collection that owns its database
    const solo = `${dbPath}-solo`;
    await step(log, 'Collection.open', async () => {
      const s = await Collection.open({ storagePath: solo, name: 'solo', dimensions: 2, metric: 'ip', ...extra });
      await s.insert('s1', [1, 2], { payload: { a: 1 } });
      await s.close();
      const again = await Collection.open({ storagePath: solo, name: 'solo', ...extra });
      const r = [again.persistent, again.dimensions, again.metric, await again.len(), await again.getPayload('s1'),
        (await again.search([1, 1], 1)).map(hitOf)];
      await again.close();
      return r;
    });
    await stepCode(log, 'Collection.open no path', () => Collection.open({ name: 'x', dimensions: 2 }));
  }
  return log;
}
