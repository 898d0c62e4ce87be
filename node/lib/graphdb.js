'use strict';
// GraphDatabase: @ruvector/graph-node 2.1.0's class, over one Collection
// whose records are the graph's nodes and whose hyperedges (ruvector.h,
// "Hypergraph") are its edges and hyperedges. Same constructor options
// ({distanceMetric: 'Euclidean' | 'Cosine' | 'DotProduct' | 'Manhattan',
// dimensions, storagePath}) and the same signatures for createNode,
// createEdge, createHyperedge, searchHyperedges, kHopNeighbors, stats,
// deleteNode, deleteHyperedge, batchInsert, isPersistent, getStoragePath
// and GraphDatabase.open. Differences (node/README.md, "GraphDatabase"):
//   - hyperedges are durable with storagePath (a Database directory holding
//     the collection "graph"), logged and checkpointed like records;
//   - searchHyperedges' score is the distance, as graph-node's: 1 - cosine,
//     Euclidean (not squared), negative dot product, Manhattan; it searches
//     an HNSW index of the hyperedges' embeddings rather than scanning, and
//     also takes {filter, window} (on metadata and validity times);
//   - a member must be a node (graph-node says so too), and a node that is
//     deleted leaves its hyperedges (cascade: they are deleted instead);
//   - query(), querySync(), begin/commit/rollback and subscribe() are not
//     provided: they throw RV_EUNSUPPORTED.
const { randomUUID } = require('crypto');
const { Collection } = require('./collection');
const { Database } = require('./database');
const { rvError, typeError } = require('./errors');

const METRIC = { Euclidean: 'l2', Cosine: 'cosine', DotProduct: 'ip', Manhattan: 'l1' };
const NAME = 'graph';

function unsupported(what) {
  return () => {
    throw rvError('RV_EUNSUPPORTED', `GraphDatabase.${what} is not provided by ruvector (see node/README.md)`);
  };
}

class GraphDatabase {
  #coll = null;
  #db = null;
  #ready;
  #path = null;
  #metric;

  /** new GraphDatabase({distanceMetric, dimensions, storagePath}) */
  constructor(options) {
    const o = options ?? {};
    if (typeof o !== 'object') throw typeError('options must be an object');
    const metric = o.distanceMetric ?? 'Cosine';
    if (!(metric in METRIC)) {
      throw rvError('RV_EINVAL', `distanceMetric must be Euclidean, Cosine, DotProduct or Manhattan; got ${JSON.stringify(metric)}`);
    }
    this.#metric = METRIC[metric];
    const dim = o.dimensions ?? 384;
    if (o.storagePath === undefined || o.storagePath === null) {
      this.#coll = new Collection({ dimensions: dim, metric: this.#metric });
      this.#ready = Promise.resolve();
      return;
    }
    this.#path = o.storagePath;
    this.#ready = (async () => {
      this.#db = await Database.open(this.#path, { create: true });
      const names = await this.#db.listCollections();
      this.#coll = names.includes(NAME)
        ? await this.#db.openCollection(NAME)
        : await this.#db.createCollection(NAME, { dimensions: dim, metric: this.#metric });
      this.#metric = this.#coll.metric;
    })();
    this.#ready.catch(() => {}); // reported by the first call that awaits it
  }

  /** Open a database a GraphDatabase with storagePath made (its metric and dimensions are stored). */
  static open(path) { return new GraphDatabase({ storagePath: path }); }

  isPersistent() { return this.#path !== null; }
  getStoragePath() { return this.#path; }
  /** The Collection underneath (after the first awaited call on a persistent one). */
  get collection() { return this.#coll; }

  async #c() {
    await this.#ready;
    return this.#coll;
  }

  /** createNode({id, embedding, labels, properties}) -> id */
  async createNode(node) {
    if (node === null || typeof node !== 'object') throw typeError('node must be an object');
    const c = await this.#c();
    const payload = {};
    if (node.labels !== undefined) payload.labels = node.labels;
    if (node.properties !== undefined) payload.properties = node.properties;
    await c.insert(node.id, node.embedding, { payload: Object.keys(payload).length ? payload : undefined });
    return String(node.id);
  }

  /** createEdge({from, to, description, embedding, confidence, metadata}) -> id: an ordered hyperedge of two. */
  async createEdge(edge) {
    if (edge === null || typeof edge !== 'object') throw typeError('edge must be an object');
    return this.createHyperedge({ ...edge, nodes: [edge.from, edge.to], ordered: true });
  }

  /** createHyperedge({nodes, description, embedding, confidence, metadata}) -> id (a UUID) */
  async createHyperedge(h) {
    if (h === null || typeof h !== 'object') throw typeError('hyperedge must be an object');
    const c = await this.#c();
    const id = h.id ?? randomUUID();
    await c.putHyperedges([{ ...h, id, members: h.nodes }]);
    return id;
  }

  /** searchHyperedges({embedding, k, filter?, window?}) -> [{id, score}] (score: the distance; nearest first) */
  async searchHyperedges(query) {
    if (query === null || typeof query !== 'object') throw typeError('query must be an object');
    const c = await this.#c();
    const hits = await c.searchHyperedges(query.embedding, query.k, { window: query.window ?? 'any', filter: query.filter });
    const l2 = this.#metric === 'l2';
    return hits.map((h) => ({ id: h.id, score: l2 ? Math.sqrt(h.distance) : h.distance }));
  }

  /** kHopNeighbors(startNode, k) -> the ids within k hops, the start first. */
  async kHopNeighbors(startNode, k) {
    const c = await this.#c();
    return [String(startNode), ...c.kHop(startNode, k).map((h) => String(h.id))];
  }

  /** stats() -> {totalNodes, totalEdges, avgDegree} (edges: hyperedges; degree: memberships per node) */
  async stats() {
    const c = await this.#c();
    const s = c.hypergraphStats();
    const nodes = c.len();
    // float32, as graph-node computes it
    return { totalNodes: nodes, totalEdges: s.hyperedges, avgDegree: nodes ? Math.fround(s.incidences / nodes) : 0 };
  }

  /** deleteNode(id, {cascade}) -> {deletedNode, deletedEdges} */
  async deleteNode(id, opts) {
    const c = await this.#c();
    const before = c.hypergraphStats().hyperedges;
    let cascaded = 0;
    if (opts?.cascade) {
      let edges = [];
      try {
        edges = c.hyperedgesOf(id);
      } catch (e) {
        if (e.code !== 'RV_ENOTFOUND') throw e;
      }
      if (edges.length) await c.deleteHyperedges(edges);
      cascaded = edges.length;
    }
    const deletedNode = await c.delete(id);
    const after = c.hypergraphStats().hyperedges;
    return { deletedNode, deletedEdges: cascaded + (before - cascaded - after) };
  }

  /** deleteHyperedge(id) / deleteEdge(id) -> {deleted} */
  async deleteHyperedge(id) {
    const c = await this.#c();
    if (c.getHyperedge(id) === null) return { deleted: false };
    await c.deleteHyperedges([id]);
    return { deleted: true };
  }

  async deleteEdge(id) { return this.deleteHyperedge(id); }

  /** batchInsert({nodes, edges}) -> {nodeIds, edgeIds}: the nodes in one batch, then the edges in one. */
  async batchInsert(batch) {
    if (batch === null || typeof batch !== 'object') throw typeError('batch must be an object');
    const c = await this.#c();
    const nodes = batch.nodes ?? [];
    const edges = batch.edges ?? [];
    if (nodes.length) {
      const dim = c.dimensions;
      const flat = new Float32Array(nodes.length * dim);
      nodes.forEach((n, i) => flat.set(n.embedding, i * dim));
      await c.insertBatch(nodes.map((n) => n.id), flat);
    }
    const edgeIds = edges.map((e) => e.id ?? randomUUID());
    if (edges.length) {
      await c.putHyperedges(edges.map((e, i) => ({ ...e, id: edgeIds[i], members: e.nodes ?? [e.from, e.to],
        ordered: e.nodes === undefined })));
    }
    return { nodeIds: nodes.map((n) => String(n.id)), edgeIds };
  }

  /** Close (a persistent one closes its database). */
  async close() {
    await this.#ready.catch(() => {});
    if (this.#db) await this.#db.close();
    else if (this.#coll) await this.#coll.close();
  }
}

for (const m of ['query', 'querySync', 'begin', 'commit', 'rollback', 'subscribe']) {
  GraphDatabase.prototype[m] = unsupported(m);
}

module.exports = { GraphDatabase };
