'use strict';
// WASMVectorSearch: agentdb 1.6.1's vector helper (MIT, ruv). findKNN() on
// an indexed table (pattern_embeddings, the default, episode_embeddings,
// skill_embeddings) goes through the C index; on any other table, and
// buildIndex()/searchIndex() on vectors in memory, it computes as agentdb
// did. There is no ReasoningBank WASM module: wasmAvailable stays false, as
// it was in agentdb without one.
const { indexesFor, SPECS } = require('../vector-index');
const { rankedSearch } = require('../search');
const { queryVector, searchable, cachedStatement } = require('./common');

class WASMVectorSearch {
  db;
  config;
  wasmModule;
  wasmAvailable = false;
  simdAvailable = false;
  vectorIndex = null;
  constructor(db, config) {
    this.db = db;
    this.config = {
      enableWASM: true,
      enableSIMD: true,
      batchSize: 100,
      indexThreshold: 1000,
      ...config,
    };
    this.initializeWASM();
    this.detectSIMD();
  }
  /**
   * Initialize WASM module
   */
  async initializeWASM() {
    if (!this.config.enableWASM)
      return;
    try {
      // Try to load ReasoningBank WASM module
      // Note: This requires the ReasoningBank WASM module to be built and available
      // If not available, the system gracefully falls back to optimized JavaScript
      const wasmPath = '../../../agentic-flow/wasm/reasoningbank/reasoningbank_wasm.js';
      const { ReasoningBankWasm } = await import(wasmPath);
      // Test WASM functionality
      const testInstance = new ReasoningBankWasm();
      await testInstance.free();
      this.wasmModule = ReasoningBankWasm;
      this.wasmAvailable = true;
      console.log('[WASMVectorSearch] ReasoningBank WASM acceleration enabled');
    }
    catch (error) {
      // Graceful fallback - the JavaScript implementation is still highly optimized
      // with loop unrolling and batch processing
      this.wasmAvailable = false;
      // Only show detailed error in development
      if (process.env.NODE_ENV === 'development') {
        console.debug('[WASMVectorSearch] ReasoningBank WASM not available, using optimized JavaScript fallback');
        console.debug('[WASMVectorSearch] Error:', error.message);
      }
    }
  }
  /**
   * Detect SIMD support
   */
  detectSIMD() {
    if (!this.config.enableSIMD) {
      this.simdAvailable = false;
      return;
    }
    try {
      // Check for WebAssembly SIMD support
      const globalAny = globalThis;
      this.simdAvailable = typeof globalAny.WebAssembly !== 'undefined' &&
        globalAny.WebAssembly.validate(new Uint8Array([
          0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11
        ]));
      if (this.simdAvailable) {
        console.log('[WASMVectorSearch] SIMD support detected');
      }
    }
    catch {
      this.simdAvailable = false;
    }
  }
  /**
   * Calculate cosine similarity between two vectors (optimized)
   */
  cosineSimilarity(a, b) {
    if (a.length !== b.length) {
      throw new Error('Vectors must have same length');
    }
    // Standard calculation with loop unrolling
    let dotProduct = 0;
    let normA = 0;
    let normB = 0;
    // Unroll loop for better performance
    const len = a.length;
    const remainder = len % 4;
    const loopEnd = len - remainder;
    for (let i = 0; i < loopEnd; i += 4) {
      dotProduct += a[i] * b[i] + a[i + 1] * b[i + 1] + a[i + 2] * b[i + 2] + a[i + 3] * b[i + 3];
      normA += a[i] * a[i] + a[i + 1] * a[i + 1] + a[i + 2] * a[i + 2] + a[i + 3] * a[i + 3];
      normB += b[i] * b[i] + b[i + 1] * b[i + 1] + b[i + 2] * b[i + 2] + b[i + 3] * b[i + 3];
    }
    // Handle remainder
    for (let i = loopEnd; i < len; i++) {
      dotProduct += a[i] * b[i];
      normA += a[i] * a[i];
      normB += b[i] * b[i];
    }
    const denom = Math.sqrt(normA) * Math.sqrt(normB);
    return denom === 0 ? 0 : dotProduct / denom;
  }
  /**
   * Batch calculate similarities between query and multiple vectors
   */
  batchSimilarity(query, vectors) {
    const similarities = new Array(vectors.length);
    // Process in batches for better cache locality
    const batchSize = this.config.batchSize;
    for (let i = 0; i < vectors.length; i += batchSize) {
      const end = Math.min(i + batchSize, vectors.length);
      for (let j = i; j < end; j++) {
        similarities[j] = this.cosineSimilarity(query, vectors[j]);
      }
    }
    return similarities;
  }
  /**
   * The k nearest rows of `tableName` (through the C index for
   * pattern_embeddings). The table and filter columns must exist: agentdb
   * pasted them into the SQL (an injection hole); here an unknown name gets
   * SQLite's own message, as agentdb's query did ("no such table: x").
   */
  async findKNN(query, k, tableName = 'pattern_embeddings', options) {
    const threshold = options?.threshold ?? 0.0;
    checkIdentifiers(this.db, tableName, options?.filters ? Object.keys(options.filters) : []);
    const conditions = [];
    const params = [];
    if (options?.filters) {
      Object.entries(options.filters).forEach(([key, value]) => {
        conditions.push(`"${key}" = ?`);
        params.push(value);
      });
    }
    const whereClause = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const select = `SELECT pattern_id as id, embedding FROM "${tableName}"`;
    const toCandidate = (row) => {
      const embedding = new Float32Array(row.embedding.buffer, row.embedding.byteOffset, row.embedding.byteLength / 4);
      const similarity = this.cosineSimilarity(query, embedding);
      const distance = 1 - similarity;
      return { id: row.id, distance, similarity };
    };
    const cmp = (a, b) => (b.similarity - a.similarity) || (a.id - b.id);
    const keep = (c) => c.similarity >= threshold;
    const fullScan = () => this.db.prepare(`${select} ${whereClause}`).all(...params);
    const ix = tableName.toLowerCase() === SPECS.patterns.table ? indexesFor(this.db) : null;
    const q = queryVector(query);
    if (!ix || !searchable(q)) {
      return fullScan().map(toCandidate).filter(keep).sort(cmp).slice(0, k);
    }
    const t = ix.table('patterns');
    await t.sync();
    if (t.dimensions && q.length !== t.dimensions) throw new Error('Vectors must have same length');
    const where = conditions.length ? ` AND ${conditions.join(' AND ')}` : '';
    const fetchStmt = cachedStatement(this.db, `${select} WHERE pattern_id IN (SELECT value FROM json_each(?))${where}`);
    return rankedSearch({
      ix: t,
      query: q,
      k,
      fetch: (ids) => fetchStmt.all(JSON.stringify(ids), ...params),
      score: toCandidate,
      cmp,
      keep,
      primary: (r) => r.similarity,
      minPrimary: threshold,
      fullScan,
    });
  }
  /**
   * Build approximate nearest neighbor index for large datasets
   */
  buildIndex(vectors, ids, metadata) {
    if (vectors.length < this.config.indexThreshold) {
      console.log(`[WASMVectorSearch] Dataset too small (${vectors.length} < ${this.config.indexThreshold}), skipping index`);
      return;
    }
    console.log(`[WASMVectorSearch] Building ANN index for ${vectors.length} vectors...`);
    this.vectorIndex = {
      vectors,
      ids,
      metadata: metadata || [],
      built: true,
      lastUpdate: Date.now(),
    };
    console.log(`[WASMVectorSearch] ANN index built successfully`);
  }
  /**
   * Search using ANN index (if available)
   */
  searchIndex(query, k, threshold) {
    if (!this.vectorIndex || !this.vectorIndex.built) {
      throw new Error('Index not built. Call buildIndex() first.');
    }
    const similarities = this.batchSimilarity(query, this.vectorIndex.vectors);
    const results = [];
    for (let i = 0; i < similarities.length; i++) {
      const similarity = similarities[i];
      if (threshold === undefined || similarity >= threshold) {
        results.push({
          id: this.vectorIndex.ids[i],
          distance: 1 - similarity,
          similarity,
          metadata: this.vectorIndex.metadata[i],
        });
      }
    }
    // Sort by similarity and take top k
    results.sort((a, b) => b.similarity - a.similarity);
    return results.slice(0, k);
  }
  /**
   * Get vector search statistics
   */
  getStats() {
    return {
      wasmAvailable: this.wasmAvailable,
      simdAvailable: this.simdAvailable,
      indexBuilt: this.vectorIndex?.built ?? false,
      indexSize: this.vectorIndex?.vectors.length ?? 0,
      lastIndexUpdate: this.vectorIndex?.lastUpdate ?? null,
    };
  }
  /**
   * Clear vector index
   */
  clearIndex() {
    this.vectorIndex = null;
    console.log('[WASMVectorSearch] Index cleared');
  }
}

// A table and columns named by the caller must exist (SQLite's messages).
function checkIdentifiers(db, table, columns) {
  if (typeof table !== 'string' || !table) throw new Error(`no such table: ${table}`);
  const found = db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name = ? COLLATE NOCASE").get(table);
  if (!found) throw new Error(`no such table: ${table}`);
  const cols = new Set(db.prepare(`SELECT name FROM pragma_table_info(?)`).all(found.name).map((r) => r.name.toLowerCase()));
  if (!cols.has('pattern_id')) throw new Error('no such column: pattern_id');
  for (const c of columns) if (!cols.has(String(c).toLowerCase())) throw new Error(`no such column: ${c}`);
}

module.exports = { WASMVectorSearch, checkIdentifiers };
