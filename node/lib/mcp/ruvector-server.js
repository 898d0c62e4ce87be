'use strict';
// `ruvector mcp DB`: an MCP server on stdio (stdio.js) over one ruvector
// database directory (lib/database.js, collection.js): list, create and drop
// collections, payload indexes, upsert with payloads, search by vector, by
// text (BM25) or both (hybrid) with a filter, k and ef, get, delete, set a
// payload, statistics.
//
// A thin face: each tool translates its arguments to one Collection or
// Database call and its result to JSON. The schemas state the bounds a call
// must keep (k, ef, batch sizes, vector lengths, ids, filter nesting); the
// schema check (args.js) refuses what is outside them before the core sees
// it, and what only the core can judge (a filter's operators and depth,
// a payload's shape, a vector's dimension) comes back with the core's
// message naming the part. Every write is durable when its reply is sent
// (durability 'full').
//
// Collections are opened on first use and kept open; drop_collection closes
// one first. Writes to one collection apply in call order (collection.js);
// searches run in parallel.
const path = require('path');
const { Database } = require('../database');
const { serve, reserveStdout } = require('./stdio');

const LIMITS = { k: 1000, ef: 4096, batch: 1000, dim: 65536, filterDepth: 16 };

const name = { type: 'string', description: 'Collection name: 1-64 letters, digits, _ - . (not starting with .)', minLength: 1, maxLength: 64 };
const id = { type: ['string', 'integer'], description: 'Record id: a string of 1-255 bytes or a non-negative integer (returned as its decimal string)' };
const vector = { type: 'array', items: { type: 'number' }, minItems: 1, maxItems: LIMITS.dim, description: `Vector (the collection's dimension; at most ${LIMITS.dim} numbers)` };
const payload = {
  type: 'object', maxProperties: 256,
  description: 'Payload: a flat JSON object (values null, booleans, numbers, strings, arrays of strings; at most 256 fields and 64 KiB)',
};
const filter = {
  type: 'object',
  description: 'Mongo-style payload filter: {field: value}, {field: {$eq|$ne|$gt|$gte|$lt|$lte|$in|$nin|$exists|$contains: v}}, ' +
    `{$and: [...]}, {$or: [...]}, {$not: f}; nesting depth at most ${LIMITS.filterDepth}, at most 1024 values per $in/$nin, 4096 conditions`,
};
const ids = { type: 'array', items: id, minItems: 1, maxItems: LIMITS.batch, description: `Ids (1-${LIMITS.batch})` };
const obj = (properties, required = []) => ({ type: 'object', properties, required, additionalProperties: false });

const tools = [
  {
    name: 'list_collections',
    description: 'List the collections of the database with their dimension, metric and record count.',
    inputSchema: obj({}),
  },
  {
    name: 'create_collection',
    description: 'Create a collection of vectors of one dimension, searched by an HNSW index (exact below a few thousand records).',
    inputSchema: obj({
      name,
      dimensions: { type: 'integer', minimum: 1, maximum: LIMITS.dim, description: 'Vector dimension' },
      metric: { type: 'string', enum: ['cosine', 'l2', 'ip', 'l1'], default: 'cosine', description: 'Distance: cosine, l2 (squared), ip (negative inner product), l1' },
      m: { type: 'integer', minimum: 2, maximum: 128, default: 16, description: 'HNSW links per node' },
      ef_construction: { type: 'integer', minimum: 1, maximum: LIMITS.ef, default: 200, description: 'HNSW build candidate list' },
    }, ['name', 'dimensions']),
  },
  {
    name: 'drop_collection',
    description: 'Delete a collection and its files.',
    inputSchema: obj({ name }, ['name']),
  },
  {
    name: 'create_index',
    description: 'Index a payload field: keyword (strings, booleans, string arrays), numeric (ranges) or text (BM25 for text and hybrid search; one per collection). Existing records are indexed.',
    inputSchema: obj({
      collection: name,
      field: { type: 'string', minLength: 1, maxLength: 255, description: 'Payload field' },
      kind: { type: 'string', enum: ['keyword', 'numeric', 'text'], description: 'Index kind' },
    }, ['collection', 'field', 'kind']),
  },
  {
    name: 'upsert',
    description: `Insert or replace records (id, vector, payload), all or none, durable when the reply comes; at most ${LIMITS.batch} per call.`,
    inputSchema: obj({
      collection: name,
      points: {
        type: 'array', minItems: 1, maxItems: LIMITS.batch, description: `Records (1-${LIMITS.batch})`,
        items: obj({ id, vector, payload }, ['id', 'vector']),
      },
    }, ['collection', 'points']),
  },
  {
    name: 'search',
    description: 'Search a collection: by vector (nearest first), by text (BM25 over the text index), or both (hybrid, fused by reciprocal rank or weights). Hits: id, score (higher is better), distance, payload.',
    inputSchema: obj({
      collection: name,
      vector: { ...vector, description: 'Query vector (vector or hybrid search)' },
      text: { type: 'string', minLength: 1, maxLength: 4096, description: 'Query text (BM25 or hybrid search; needs a text index)' },
      k: { type: 'integer', minimum: 1, maximum: LIMITS.k, default: 10, description: `Hits wanted (1-${LIMITS.k})` },
      ef: { type: 'integer', minimum: 1, maximum: LIMITS.ef, description: `HNSW candidate list for this search (1-${LIMITS.ef}; default: the collection's)` },
      exact: { type: 'boolean', default: false, description: 'Exact (brute-force) vector search' },
      filter,
      fusion: { type: 'string', enum: ['rrf', 'weighted'], default: 'rrf', description: 'Hybrid: reciprocal rank fusion or weighted normalised scores' },
      vector_weight: { type: 'number', minimum: 0, maximum: 1000, default: 1, description: 'Hybrid: weight of the vector ranking' },
      text_weight: { type: 'number', minimum: 0, maximum: 1000, default: 1, description: 'Hybrid: weight of the text ranking' },
      with_payload: { type: 'boolean', default: true, description: 'Return payloads' },
      with_vector: { type: 'boolean', default: false, description: 'Return vectors' },
    }, ['collection']),
  },
  {
    name: 'get',
    description: 'Records by id: vector (when asked) and payload; null for an id that does not exist.',
    inputSchema: obj({ collection: name, ids, with_vector: { type: 'boolean', default: false, description: 'Return vectors' } }, ['collection', 'ids']),
  },
  {
    name: 'delete',
    description: 'Delete records by id; says how many existed.',
    inputSchema: obj({ collection: name, ids }, ['collection', 'ids']),
  },
  {
    name: 'set_payload',
    description: 'Replace the payload of an existing record (null removes it).',
    inputSchema: obj({ collection: name, id, payload: { ...payload, type: ['object', 'null'] } }, ['collection', 'id']),
  },
  {
    name: 'stats',
    description: 'Statistics of a collection: records, dimension, metric, index and storage figures.',
    inputSchema: obj({ collection: name }, ['collection']),
  },
];

class Store {
  constructor(db, dir) {
    this.db = db;
    this.dir = dir;
    this.open = new Map(); // name -> Promise<Collection>
  }

  collection(n) {
    let p = this.open.get(n);
    if (!p) {
      p = this.db.openCollection(n);
      this.open.set(n, p);
      p.catch(() => this.open.delete(n));
    }
    return p;
  }

  async forget(n) {
    const p = this.open.get(n);
    this.open.delete(n);
    if (p) await (await p.catch(() => null))?.close();
  }
}

const describe = (n, c) => ({ name: n, dimensions: c.dimensions, metric: c.metric, count: c.len() });
const hitOut = (h) => {
  const o = { id: String(h.id), score: h.score, distance: h.distance };
  if (h.payload !== undefined) o.payload = h.payload;
  if (h.vector !== undefined) o.vector = Array.from(h.vector);
  return o;
};

const handlers = {
  async list_collections(a, st) {
    const names = await st.db.listCollections();
    const collections = [];
    for (const n of names) collections.push(describe(n, await st.collection(n)));
    return {
      text: collections.length ? collections.map((c) => `${c.name}: ${c.count} records, ${c.dimensions} dimensions, ${c.metric}`).join('\n') : 'No collections',
      data: { collections },
    };
  },

  async create_collection(a, st) {
    const c = await st.db.createCollection(a.name, { dimensions: a.dimensions, metric: a.metric, m: a.m, efConstruction: a.ef_construction });
    st.open.set(a.name, Promise.resolve(c));
    return { text: `Created collection ${a.name} (${c.dimensions} dimensions, ${c.metric})`, data: describe(a.name, c) };
  },

  async drop_collection(a, st) {
    await st.forget(a.name);
    await st.db.dropCollection(a.name);
    return { text: `Dropped collection ${a.name}`, data: { name: a.name, dropped: true } };
  },

  async create_index(a, st) {
    const c = await st.collection(a.collection);
    await c.createIndex(a.field, a.kind);
    return { text: `Indexed ${a.collection}.${a.field} (${a.kind})`, data: { collection: a.collection, field: a.field, kind: a.kind } };
  },

  async upsert(a, st) {
    const c = await st.collection(a.collection);
    const dim = c.dimensions;
    const packed = new Float32Array(a.points.length * dim);
    a.points.forEach((p, i) => {
      if (p.vector.length !== dim) {
        const e = new Error(`points[${i}].vector: has ${p.vector.length} numbers; collection ${a.collection} has dimension ${dim}`);
        e.code = 'RV_EDIM';
        throw e;
      }
      packed.set(p.vector, i * dim);
    });
    await c.insertBatch(a.points.map((p) => p.id), packed, { upsert: true, payloads: a.points.map((p) => p.payload ?? null) });
    return { text: `Upserted ${a.points.length} records into ${a.collection}`, data: { collection: a.collection, upserted: a.points.length, count: c.len() } };
  },

  async search(a, st) {
    const c = await st.collection(a.collection);
    const common = { filter: a.filter, withPayload: a.with_payload, vectors: a.with_vector };
    let hits;
    let mode;
    if (a.vector && a.text) {
      mode = 'hybrid';
      hits = await c.searchHybrid(a.vector, a.text, a.k, { ...common, ef: a.ef, exact: a.exact, fusion: a.fusion, vectorWeight: a.vector_weight, textWeight: a.text_weight });
    } else if (a.vector) {
      mode = 'vector';
      hits = await c.search(a.vector, a.k, { ...common, ef: a.ef, exact: a.exact });
    } else if (a.text) {
      mode = 'text';
      hits = await c.searchText(a.text, a.k, common);
    } else {
      const e = new Error('vector, text: give a query vector, a query text, or both');
      e.field = 'vector';
      throw e;
    }
    const out = hits.map(hitOut);
    return {
      text: `${out.length} hits (${mode}) in ${a.collection}` + out.map((h, i) => `\n${i + 1}. ${h.id} score ${h.score.toFixed(4)}` +
        (h.payload && Object.keys(h.payload).length ? ` ${JSON.stringify(h.payload)}` : '')).join(''),
      data: { collection: a.collection, mode, hits: out },
    };
  },

  async get(a, st) {
    const c = await st.collection(a.collection);
    const records = await Promise.all(a.ids.map(async (i) => {
      const pl = await c.getPayload(i);
      if (pl === null) return null;
      const r = { id: String(i), payload: pl };
      if (a.with_vector) {
        const v = await c.get(i);
        if (v === null) return null; // deleted meanwhile
        r.vector = Array.from(v);
      }
      return r;
    }));
    const found = records.filter(Boolean).length;
    return {
      text: `${found} of ${a.ids.length} found in ${a.collection}` + records.map((r, i) => `\n${a.ids[i]}: ${r ? JSON.stringify(r.payload) : 'not found'}`).join(''),
      data: { collection: a.collection, records },
    };
  },

  async delete(a, st) {
    const c = await st.collection(a.collection);
    const deleted = await c.deleteBatch(a.ids);
    return { text: `Deleted ${deleted} of ${a.ids.length} from ${a.collection}`, data: { collection: a.collection, deleted } };
  },

  async set_payload(a, st) {
    const c = await st.collection(a.collection);
    await c.setPayload(a.id, a.payload ?? null);
    return { text: `Payload of ${a.id} in ${a.collection} ${a.payload ? 'set' : 'removed'}`, data: { collection: a.collection, id: String(a.id), payload: a.payload ?? null } };
  },

  async stats(a, st) {
    const c = await st.collection(a.collection);
    const data = { ...describe(a.collection, c), index: c.stats(), storage: c.storage() };
    return { text: `${a.collection}: ${data.count} records, ${data.dimensions} dimensions, ${data.metric}`, data };
  },
};

/**
 * Serve the database directory `dir` (created if missing) until stdin ends
 * or SIGINT/SIGTERM; resolves to the exit code once it is closed.
 */
async function main(dir) {
  reserveStdout();
  const db = await Database.open(dir, { durability: 'full' });
  const st = new Store(db, dir);
  process.stderr.write(`ruvector MCP server: ${path.resolve(dir)}\n`);
  return serve({
    info: { name: 'ruvector', version: require('../../package.json').version },
    tools,
    call: (n, args) => handlers[n](args, st),
    close: () => db.close(),
  });
}

module.exports = { main, tools, handlers, LIMITS };
