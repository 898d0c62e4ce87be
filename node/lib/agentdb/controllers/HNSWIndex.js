'use strict';
// HNSWIndex: agentdb 1.6.1's explicit HNSW index (MIT, ruv), same config,
// methods, results, statistics and messages, on the C core's HNSW instead of
// hnswlib-node (so importing it needs no second native addon):
//
//   buildIndex(table)  reads `pattern_id as id, embedding` from the table
//                      (pattern_embeddings by default) into a C collection
//                      with the configured M, efConstruction and metric;
//   search(q, k, {threshold, filters})  distances as hnswlib gave them
//                      (cosine 1 - cos, l2 squared, ip 1 - dot) and
//                      agentdb's similarity for each (1 - d, e^-d, -d);
//   addVector / removeVector  real inserts and deletes (hnswlib could not
//                      delete, and a re-added id was listed twice).
//
// Persistence (persistIndex and indexPath): the index is a ruvector
// database directory at indexPath (agentdb wrote an hnswlib file there plus
// indexPath.mappings.json, which this does not read). Loading it is
// asynchronous: the constructor starts it, search() waits for it, and
// isReady() is true once it has finished. addVector/removeVector are
// synchronous as in agentdb; their writes are queued and search() waits
// for them.
const fs = require('fs');
const { Collection } = require('../../collection');
const { checkIdentifiers } = require('./WASMVectorSearch');

const METRIC = { cosine: 'cosine', l2: 'l2', ip: 'ip' };

class HNSWIndex {
  db;
  config;
  index = null;          // the C Collection
  vectorCache = new Map();
  idToLabel = new Map(); // kept for agentdb's shape: label = id here
  labelToId = new Map();
  nextLabel = 0;
  indexBuilt = false;
  updatesSinceLastBuild = 0;
  totalSearches = 0;
  totalSearchTime = 0;
  lastBuildTime = null;
  lastSearchTime = null;
  #writes = Promise.resolve();
  #loading = null;

  constructor(db, config) {
    this.db = db;
    this.config = {
      M: 16,
      efConstruction: 200,
      efSearch: 100,
      metric: 'cosine',
      dimension: 1536,
      maxElements: 100000,
      persistIndex: true,
      rebuildThreshold: 0.1,
      ...config,
    };
    if (this.config.persistIndex && this.config.indexPath) {
      this.loadIndex();
    }
  }

  #options() {
    const metric = METRIC[this.config.metric];
    if (!metric) throw new Error(`Unknown metric: ${this.config.metric}`);
    return {
      dimensions: this.config.dimension,
      metric,
      m: this.config.M,
      efConstruction: this.config.efConstruction,
      efSearch: this.config.efSearch,
      numericIds: true,
      exactThreshold: 0, // always the graph, as hnswlib
    };
  }

  async buildIndex(tableName = 'pattern_embeddings') {
    const start = Date.now();
    console.log(`[HNSWIndex] Building HNSW index from ${tableName}...`);
    try {
      checkIdentifiers(this.db, tableName, []);
      const rows = this.db.prepare(`
        SELECT pattern_id as id, embedding
        FROM "${tableName}"
      `).all();
      if (rows.length === 0) {
        console.warn('[HNSWIndex] No vectors found in database');
        return;
      }
      if (this.index) await this.index.close();
      const persist = this.config.persistIndex && this.config.indexPath;
      if (persist) {
        const { Database } = require('../../database');
        if (fs.existsSync(this.config.indexPath)) {
          const db = await Database.open(this.config.indexPath);
          const names = await db.listCollections();
          if (names.includes('hnsw')) await db.dropCollection('hnsw');
          await db.close();
        }
        this.index = await Collection.open({ path: this.config.indexPath, name: 'hnsw', ...this.#options(), durability: 'normal' });
      } else {
        this.index = new Collection(this.#options());
      }
      this.vectorCache.clear();
      this.idToLabel.clear();
      this.labelToId.clear();
      this.nextLabel = 0;
      console.log(`[HNSWIndex] Adding ${rows.length} vectors to index...`);
      const dim = this.config.dimension;
      const ids = [];
      const buf = new Float32Array(rows.length * dim);
      rows.forEach((row, i) => {
        const embedding = new Float32Array(row.embedding.buffer, row.embedding.byteOffset, row.embedding.byteLength / 4);
        if (embedding.length !== dim) {
          throw new Error(`Invalid vector dimension: ${embedding.length} (expected ${dim})`);
        }
        buf.set(embedding, i * dim);
        ids.push(row.id);
        this.idToLabel.set(row.id, row.id);
        this.labelToId.set(row.id, row.id);
        this.vectorCache.set(row.id, embedding);
      });
      this.nextLabel = rows.length;
      await this.index.insertBatch(ids, buf, { upsert: true });
      this.indexBuilt = true;
      this.updatesSinceLastBuild = 0;
      this.lastBuildTime = Date.now();
      const duration = (Date.now() - start) / 1000;
      console.log(`[HNSWIndex] ✅ Index built successfully in ${duration.toFixed(2)}s`);
      console.log(`[HNSWIndex] - Elements: ${rows.length}`);
      console.log(`[HNSWIndex] - Dimension: ${this.config.dimension}`);
      console.log(`[HNSWIndex] - M: ${this.config.M}`);
      console.log(`[HNSWIndex] - efConstruction: ${this.config.efConstruction}`);
      if (persist) {
        await this.index.checkpoint();
        console.log(`[HNSWIndex] Index saved to ${this.config.indexPath}`);
      }
    } catch (error) {
      console.error('[HNSWIndex] Failed to build index:', error);
      this.indexBuilt = false;
      throw error;
    }
  }

  async search(query, k, options) {
    if (this.#loading) await this.#loading;
    if (!this.index || !this.indexBuilt) {
      throw new Error('Index not built. Call buildIndex() first.');
    }
    await this.#writes;
    const searchStart = Date.now();
    try {
      const q = query instanceof Float32Array ? query : Float32Array.from(query);
      if (q.length !== this.config.dimension) {
        throw new Error(`Invalid the given array length (expected ${this.config.dimension}, but got ${q.length}).`);
      }
      const n = Math.min(k, this.index.len());
      const hits = n > 0 ? await this.index.search(q, n, { ef: Math.max(this.config.efSearch, n) }) : [];
      const searchTime = Date.now() - searchStart;
      this.lastSearchTime = searchTime;
      this.totalSearches++;
      this.totalSearchTime += searchTime;
      const results = [];
      for (const h of hits) {
        // hnswlib's distances: ip is 1 - dot (the core gives -dot)
        const distance = this.config.metric === 'ip' ? 1 + h.distance : h.distance;
        const similarity = this.distanceToSimilarity(distance);
        if (options?.threshold !== undefined && similarity < options.threshold) continue;
        results.push({ id: h.id, distance, similarity });
      }
      if (options?.filters) {
        return this.applyFilters(results, options.filters);
      }
      return results;
    } catch (error) {
      console.error('[HNSWIndex] Search failed:', error);
      throw error;
    }
  }

  addVector(id, embedding) {
    if (!this.index || !this.indexBuilt) {
      throw new Error('Index not built. Call buildIndex() first.');
    }
    const v = embedding instanceof Float32Array ? embedding.slice() : Float32Array.from(embedding);
    const index = this.index;
    const p = this.#writes.then(() => index.upsert(id, v));
    this.#writes = p.catch((e) => console.error('[HNSWIndex] addVector failed:', e));
    this.nextLabel++;
    this.idToLabel.set(id, id);
    this.labelToId.set(id, id);
    this.vectorCache.set(id, v);
    this.updatesSinceLastBuild++;
    const totalElements = this.labelToId.size;
    const updatePercentage = this.updatesSinceLastBuild / totalElements;
    if (updatePercentage > this.config.rebuildThreshold) {
      console.log(`[HNSWIndex] Rebuild threshold reached (${(updatePercentage * 100).toFixed(1)}%)`);
    }
  }

  removeVector(id) {
    if (!this.index || !this.indexBuilt) {
      throw new Error('Index not built. Call buildIndex() first.');
    }
    if (!this.idToLabel.has(id)) {
      console.warn(`[HNSWIndex] ID ${id} not found in index`);
      return;
    }
    const index = this.index;
    const p = this.#writes.then(() => index.delete(id));
    this.#writes = p.catch((e) => console.error('[HNSWIndex] removeVector failed:', e));
    this.idToLabel.delete(id);
    this.labelToId.delete(id);
    this.vectorCache.delete(id);
    this.updatesSinceLastBuild++;
  }

  needsRebuild() {
    if (!this.indexBuilt) return true;
    const totalElements = this.labelToId.size;
    if (totalElements === 0) return false;
    return this.updatesSinceLastBuild / totalElements > this.config.rebuildThreshold;
  }

  /** Persist now (a checkpoint of the index directory). */
  async saveIndex() {
    if (!this.index || !this.config.indexPath || !this.index.persistent) return;
    try {
      await this.#writes;
      await this.index.checkpoint();
      console.log(`[HNSWIndex] Index saved to ${this.config.indexPath}`);
    } catch (error) {
      console.error('[HNSWIndex] Failed to save index:', error);
    }
  }

  /** Start loading the index directory at indexPath (search() waits). */
  loadIndex() {
    if (!this.config.indexPath || !fs.existsSync(this.config.indexPath)) return;
    if (!fs.statSync(this.config.indexPath).isDirectory()) {
      console.warn(`[HNSWIndex] ${this.config.indexPath} is not a ruvector index directory (an hnswlib file?); call buildIndex()`);
      return;
    }
    console.log(`[HNSWIndex] Loading index from ${this.config.indexPath}...`);
    this.#loading = (async () => {
      try {
        this.index = await Collection.open({ path: this.config.indexPath, name: 'hnsw', numericIds: true, create: false, durability: 'normal' });
        if (this.index.dimensions !== this.config.dimension) {
          throw new Error(`Invalid vector dimension: ${this.index.dimensions} (expected ${this.config.dimension})`);
        }
        this.indexBuilt = true;
        this.nextLabel = this.index.len();
        console.log(`[HNSWIndex] ✅ Index loaded successfully (${this.index.len()} elements)`);
      } catch (error) {
        console.warn('[HNSWIndex] Failed to load index:', error);
        if (this.index) await this.index.close().catch(() => {});
        this.index = null;
        this.indexBuilt = false;
      } finally {
        this.#loading = null;
      }
    })();
  }

  distanceToSimilarity(distance) {
    switch (this.config.metric) {
      case 'cosine':
        return 1 - distance;
      case 'l2':
        return Math.exp(-distance);
      case 'ip':
        return -distance;
      default:
        return 1 - distance;
    }
  }

  applyFilters(results, filters) {
    checkIdentifiers(this.db, 'pattern_embeddings', Object.keys(filters));
    const conditions = [];
    const params = [];
    Object.entries(filters).forEach(([key, value]) => {
      conditions.push(`"${key}" = ?`);
      params.push(value);
    });
    const whereClause = conditions.join(' AND ');
    const stmt = this.db.prepare(`
      SELECT 1 FROM pattern_embeddings
      WHERE pattern_id = ? AND ${whereClause}
    `);
    return results.filter((result) => stmt.get(result.id, ...params));
  }

  getStats() {
    return {
      enabled: this.indexBuilt,
      indexBuilt: this.indexBuilt,
      numElements: this.index && this.indexBuilt ? this.index.len() : this.labelToId.size,
      dimension: this.config.dimension,
      metric: this.config.metric,
      M: this.config.M,
      efConstruction: this.config.efConstruction,
      efSearch: this.config.efSearch,
      lastBuildTime: this.lastBuildTime,
      lastSearchTime: this.lastSearchTime,
      totalSearches: this.totalSearches,
      avgSearchTimeMs: this.totalSearches > 0 ? this.totalSearchTime / this.totalSearches : 0,
    };
  }

  setEfSearch(ef) {
    if (this.index) {
      this.config.efSearch = ef;
      console.log(`[HNSWIndex] efSearch updated to ${ef}`);
    }
  }

  clear() {
    if (this.index) this.index.close().catch(() => {});
    this.index = null;
    this.vectorCache.clear();
    this.idToLabel.clear();
    this.labelToId.clear();
    this.nextLabel = 0;
    this.indexBuilt = false;
    this.updatesSinceLastBuild = 0;
    console.log('[HNSWIndex] Index cleared');
  }

  isReady() {
    return this.indexBuilt && this.index !== null;
  }
}

module.exports = { HNSWIndex };
