'use strict';
// fuzz-args.test.js: the Node argument layer under random arguments (issue
// #19, "fuzz every input surface"). A seeded generator builds hostile
// values (NaN and infinities, huge and negative numbers, BigInt, symbols,
// strings with lone surrogates and NUL, sparse and huge arrays, typed arrays
// of every kind, objects whose getters throw, proxies, cyclic objects,
// deep nesting) and calls every Collection and VectorDB method with them,
// mixed with valid calls. What must hold, for every call:
//  - it resolves, or it throws / rejects an Error with a string `code`
//    (RV_* from the core, ERR_* from Node's conventions) and a message;
//    nothing else escapes, and the process does not crash;
//  - the collection stays consistent: len() equals the ids a model says
//    were stored by the calls that succeeded, and check() passes at the end.
// RUVECTOR_FUZZ_ITERS sets the number of calls (default 3,000, a few
// seconds; `make fuzz-long` style runs set more). The seed is printed.
const test = require('node:test');
const assert = require('node:assert/strict');
const { Collection, VectorDB } = require('..');

const ITERS = Number(process.env.RUVECTOR_FUZZ_ITERS || 3000);
const SEED = Number(process.env.RUVECTOR_FUZZ_SEED || 20261204);
const DIM = 4;

function rng(seed) {
  let s = BigInt(seed) & 0xffffffffffffffffn;
  return () => {
    s = (s + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
    return Number((z ^ (z >> 31n)) >> 11n) / 2 ** 53;
  };
}

function makeGen(r) {
  const pick = (a) => a[Math.floor(r() * a.length)];
  const num = () => pick([0, -0, 1, -1, 0.5, 3, 4, 5, 1e308, -1e308, 2 ** 53, 2 ** 31, -(2 ** 31), NaN, Infinity,
    -Infinity, 65536, 65537, 1e9, Number.MIN_VALUE, r() * 10 - 5]);
  const str = () => pick(['', 'a', 'id', '\uD800', '\uDC00x', 'a\0b', 'é', '😀', 'x'.repeat(300), 'x'.repeat(70000),
    '{"a":1}', '{"a":', '[1,2]', 'null', '$gt', 'meta.x', '..', String(Math.floor(r() * 20))]);
  const thrower = () => { const o = {}; Object.defineProperty(o, 'a', { enumerable: true, get() { throw new Error('getter'); } }); return o; };
  const cyclic = () => { const o = { a: 1 }; o.self = o; return o; };
  const deep = (n) => { let v = 1; for (let i = 0; i < n; i++) v = { k: v }; return v; };
  const proxy = () => new Proxy({}, { get() { throw new Error('proxy'); }, ownKeys() { throw new Error('proxy'); } });
  const vector = () => {
    switch (Math.floor(r() * 12)) {
      case 0: return Array.from({ length: DIM }, () => r() * 2 - 1);
      case 1: return new Float32Array(DIM).map(() => r());
      case 2: return new Float64Array(DIM).fill(num());
      case 3: return Array.from({ length: Math.floor(r() * 9) }, num);
      case 4: return ['1', '2', '3', '4'];
      case 5: return new Int8Array(DIM);
      case 6: return new Float32Array(0);
      case 7: { const a = []; a[DIM - 1] = 1; return a; } // sparse
      case 8: return new Float32Array(new ArrayBuffer(DIM * 4 + 4), 4, DIM);
      case 9: return [0, 0, 0, 0];
      case 10: return new BigInt64Array(DIM);
      default: return any(2);
    }
  };
  const any = (depth) => {
    switch (Math.floor(r() * (depth > 0 ? 16 : 11))) {
      case 0: return undefined;
      case 1: return null;
      case 2: return num();
      case 3: return str();
      case 4: return r() < 0.5;
      case 5: return 10n;
      case 6: return Symbol('s');
      case 7: return () => 1;
      case 8: return thrower();
      case 9: return cyclic();
      case 10: return proxy();
      case 11: return { a: any(depth - 1), 'b.c': any(depth - 1) };
      case 12: return [any(depth - 1), any(depth - 1)];
      case 13: return deep(Math.floor(r() * 20));
      case 14: return vector();
      default: return new Uint8Array(3);
    }
  };
  const id = () => (r() < 0.7 ? `v${Math.floor(r() * 30)}` : r() < 0.5 ? Math.floor(r() * 30) : any(1));
  const payload = () => (r() < 0.6 ? { tag: `t${Math.floor(r() * 3)}`, n: Math.floor(r() * 10), nested: { x: [1, { y: str() }] } } : any(2));
  const filter = () => (r() < 0.5 ? { tag: `t${Math.floor(r() * 3)}` } : r() < 0.5 ? { 'nested.x.y': { $exists: true } } : any(2));
  const k = () => (r() < 0.6 ? 1 + Math.floor(r() * 10) : num());
  return { r, pick, any, id, vector, payload, filter, k, str, num };
}

// An error that escaped must be one the API documents: an Error with a code,
// or the caller's own exception (a throwing getter or proxy of the
// generator's) passed through unchanged.
function checkError(e, what) {
  assert.ok(e instanceof Error, `${what}: threw a non-Error: ${String(e)}`);
  if (e.message === 'getter' || e.message === 'proxy') return;
  assert.equal(typeof e.code, 'string', `${what}: error without a code: ${e.stack}`);
  assert.match(e.code, /^(RV_|ERR_)/, `${what}: unexpected code ${e.code}: ${e.message}`);
  assert.ok(e.message.length > 0, `${what}: empty message`);
}

async function call(what, fn) {
  try {
    const p = fn();
    if (p && typeof p.then === 'function') return { ok: true, value: await p };
    return { ok: true, value: p };
  } catch (e) {
    checkError(e, what);
    return { ok: false, error: e };
  }
}

test(`Collection methods under ${ITERS} random argument sets (seed ${SEED})`, async (t) => {
  const g = makeGen(rng(SEED));
  const c = new Collection({ dim: DIM, metric: 'l2' });
  const model = new Set();
  const calls = { ok: 0, refused: 0 };
  const ops = [
    async () => { const id = g.id(); const r = await call('insert', () => c.insert(id, g.vector(), g.r() < 0.5 ? { payload: g.payload(), upsert: g.r() < 0.5 } : g.any(1))); if (r.ok) model.add(String(id)); return r; },
    async () => { const ids = [g.id(), g.id()]; const r = await call('insertBatch', () => c.insertBatch(ids, [g.vector(), g.vector()], g.r() < 0.5 ? { upsert: true, payloads: [g.payload(), g.payload()] } : g.any(1))); if (r.ok) ids.forEach((i) => model.add(String(i))); return r; },
    async () => call('search', () => c.search(g.vector(), g.k(), g.r() < 0.5 ? { filter: g.filter(), ef: g.k(), withPayload: g.r() < 0.5 } : g.any(1))),
    async () => call('searchBatch', () => c.searchBatch([g.vector(), g.vector()], g.k(), g.any(1))),
    async () => call('searchText', () => c.searchText(g.str(), g.k(), g.any(1))),
    async () => call('searchHybrid', () => c.searchHybrid(g.vector(), g.str(), g.k(), g.any(1))),
    async () => call('setPayload', () => c.setPayload(g.id(), g.payload())),
    async () => call('mergePayload', () => c.mergePayload(g.id(), g.payload())),
    async () => call('getPayload', () => c.getPayload(g.id())),
    async () => call('get', () => c.get(g.id())),
    async () => call('getBatch', () => c.getBatch([g.id(), g.any(0)])),
    async () => { const id = g.id(); const r = await call('delete', () => c.delete(id)); if (r.ok && r.value === true) model.delete(String(id)); return r; },
    async () => call('countMatching', () => c.countMatching(g.filter())),
    async () => call('createIndex', () => c.createIndex(g.pick(['tag', 'n', 'nested.x.y', g.str()]), g.pick(['keyword', 'numeric', 'text', g.str()]))),
    // hyperedges (lib/hypergraph.js, src/hyper.c)
    async () => call('putHyperedges', () => c.putHyperedges(g.r() < 0.6
      ? [{ id: g.id(), members: [g.id(), g.id(), ...(g.r() < 0.3 ? [g.any(0)] : [])], ordered: g.r() < 0.5,
          description: g.r() < 0.7 ? 'why' : g.any(0), embedding: g.r() < 0.6 ? g.vector() : g.any(1),
          confidence: g.r() < 0.7 ? g.r() : g.num(), validFrom: g.r() < 0.5 ? undefined : g.num(),
          validTo: g.r() < 0.7 ? undefined : g.any(0), payload: g.r() < 0.5 ? g.payload() : undefined }]
      : g.any(2), g.r() < 0.3 ? { upsert: true } : undefined)),
    async () => call('searchHyperedges', () => c.searchHyperedges(g.vector(), g.k(), g.r() < 0.5
      ? { filter: g.filter(), window: g.pick(['now', 'any', { at: g.num() }, { from: g.num(), to: g.num() }, g.any(1)]), ef: g.k() }
      : g.any(1))),
    async () => call('kHop', () => c.kHop(g.id(), g.k(), g.r() < 0.5 ? { fanout: [g.num(), 2], window: g.any(1), directed: g.r() < 0.5 } : g.any(1))),
    async () => call('weightedPath', () => c.weightedPath(g.id(), g.id(), g.r() < 0.5 ? { window: { at: g.num() } } : g.any(1))),
    async () => call('hyperedgesOf', () => c.hyperedgesOf(g.id(), g.any(1))),
    async () => call('hyperedgeBuckets', () => c.hyperedgeBuckets(g.num(), g.num(), g.pick(['day', 'week', 'month', g.str()]))),
    async () => call('getHyperedge', () => c.getHyperedge(g.id())),
    async () => call('deleteHyperedges', () => c.deleteHyperedges([g.id()])),
  ];
  for (let i = 0; i < ITERS; i++) {
    const r = await g.pick(ops)();
    calls[r.ok ? 'ok' : 'refused']++;
  }
  // ids are normalised by the API (numbers become decimal strings), so compare counts
  assert.equal(c.len(), model.size, 'len() equals the ids the successful calls stored');
  const rep = await c.check();
  assert.equal(rep.ok, true, JSON.stringify(rep));
  await c.close();
  t.diagnostic(`${calls.ok} calls succeeded, ${calls.refused} refused with a code`);
  assert.ok(calls.ok > ITERS / 10 && calls.refused > ITERS / 10, 'the mix exercises both outcomes');
});

test(`VectorDB methods under random arguments (seed ${SEED + 1})`, async () => {
  const g = makeGen(rng(SEED + 1));
  const db = new VectorDB({ dimensions: DIM });
  for (let i = 0; i < ITERS / 3; i++) {
    const op = Math.floor(g.r() * 5);
    if (op === 0) await call('vdb.insert', () => db.insert(g.r() < 0.6 ? { id: g.id(), vector: g.vector(), metadata: g.payload() } : g.any(2)));
    else if (op === 1) await call('vdb.insertBatch', () => db.insertBatch([{ vector: g.vector() }, g.any(1)]));
    else if (op === 2) await call('vdb.search', () => db.search(g.r() < 0.6 ? { vector: g.vector(), k: g.k(), filter: g.filter() } : g.any(2)));
    else if (op === 3) await call('vdb.get', () => db.get(g.any(1)));
    else await call('vdb.delete', () => db.delete(g.any(1)));
  }
  const n = await db.len();
  assert.equal(typeof n, 'number');
  await db.close();
});
