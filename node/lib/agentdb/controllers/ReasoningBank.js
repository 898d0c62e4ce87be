'use strict';
// ReasoningBank: agentdb 1.6.1's pattern store (MIT, ruv), same SQL, shapes,
// cache and messages; searchPatterns() asks the C index of
// pattern_embeddings for the nearest patterns (the same ones, in the same
// order, with the same similarities) instead of scoring every row in JS.
const { indexesFor } = require('../vector-index');
const { rankedSearch } = require('../search');
const { queryVector, searchable, cachedStatement, indexBeforeWrite, indexAfterWrite, commitWrite } = require('./common');
const { cosineChecked } = require('../similarity');
const { schemaSql } = require('../schema');

class ReasoningBank {
  db;
  embedder;
  cache;
  constructor(db, embedder) {
    this.db = db;
    this.embedder = embedder;
    this.cache = new Map();
    this.initializeSchema();
  }
  /**
   * Initialize reasoning patterns schema
   */
  initializeSchema() {
    // Create the patterns table and the pattern embeddings table
    this.db.exec(schemaSql('reasoning'));
  }
  /**
   * Store a reasoning pattern with embedding
   */
  async storePattern(pattern) {
    // Generate embedding from approach text
    const embedding = await this.embedder.embed(`${pattern.taskType}: ${pattern.approach}`);
    const ix = await indexBeforeWrite(this.db, 'patterns'); // a rejected call writes nothing
    // Insert the pattern and its embedding together (agentdb: two writes)
    const stmt = this.db.prepare(`
      INSERT INTO reasoning_patterns (
        task_type, approach, success_rate, uses, avg_reward, tags, metadata
      ) VALUES (?, ?, ?, ?, ?, ?, ?)
    `);
    const write = () => {
      const result = stmt.run(pattern.taskType, pattern.approach, pattern.successRate, pattern.uses || 0,
        pattern.avgReward || 0.0, pattern.tags ? JSON.stringify(pattern.tags) : null,
        pattern.metadata ? JSON.stringify(pattern.metadata) : null);
      const patternId = result.lastInsertRowid;
      this.storePatternEmbedding(patternId, embedding);
      return patternId;
    };
    const patternId = await commitWrite(this.db, write);
    // Invalidate cache
    this.cache.clear();
    await indexAfterWrite(ix, 'patterns');
    return patternId;
  }
  /**
   * Store pattern embedding
   */
  storePatternEmbedding(patternId, embedding) {
    const blob = Buffer.from(embedding.buffer);
    const stmt = this.db.prepare(`
   INSERT OR REPLACE INTO pattern_embeddings (pattern_id, embedding)
   VALUES (?, ?)
  `);
    stmt.run(patternId, blob);
  }
  /**
   * Search patterns by semantic similarity
   */
  async searchPatterns(query) {
    const k = query.k || 10;
    const threshold = query.threshold || 0.0;
    // Build WHERE clause for filters
    const conditions = [];
    const params = [];
    if (query.filters?.taskType) {
      conditions.push('rp.task_type = ?');
      params.push(query.filters.taskType);
    }
    if (query.filters?.minSuccessRate !== undefined) {
      conditions.push('rp.success_rate >= ?');
      params.push(query.filters.minSuccessRate);
    }
    if (query.filters?.tags && query.filters.tags.length > 0) {
      // Check if any of the tags match
      const tagConditions = query.filters.tags.map(() => 'rp.tags LIKE ?').join(' OR ');
      conditions.push(`(${tagConditions})`);
      query.filters.tags.forEach(tag => {
        params.push(`%"${tag}"%`);
      });
    }
    const whereClause = conditions.length > 0
      ? `WHERE ${conditions.join(' AND ')}`
      : '';
    const select = `
      SELECT
        rp.id,
        rp.ts,
        rp.task_type,
        rp.approach,
        rp.success_rate,
        rp.uses,
        rp.avg_reward,
        rp.tags,
        rp.metadata,
        pe.embedding
      FROM reasoning_patterns rp
      JOIN pattern_embeddings pe ON rp.id = pe.pattern_id`;
    const toPattern = (row) => {
      const embedding = new Float32Array(row.embedding.buffer, row.embedding.byteOffset, row.embedding.byteLength / 4);
      const similarity = this.cosineSimilarity(query.taskEmbedding, embedding);
      return {
        id: row.id,
        taskType: row.task_type,
        approach: row.approach,
        successRate: row.success_rate,
        uses: row.uses,
        avgReward: row.avg_reward,
        tags: row.tags ? JSON.parse(row.tags) : [],
        metadata: row.metadata ? JSON.parse(row.metadata) : {},
        createdAt: row.ts,
        embedding,
        similarity,
      };
    };
    // agentdb: rows in table order, a stable sort by similarity
    const cmp = (a, b) => (b.similarity - a.similarity) || (a.id - b.id);
    const keep = (c) => c.similarity >= threshold;
    const fullScan = () => this.db.prepare(`${select} ${whereClause}`).all(...params);
    const ix = indexesFor(this.db);
    const q = queryVector(query.taskEmbedding);
    if (!ix || !searchable(q)) {
      return fullScan().map(toPattern).filter(keep).sort(cmp).slice(0, k);
    }
    const t = ix.table('patterns');
    await t.sync();
    if (t.dimensions && q.length !== t.dimensions) throw new Error('Vectors must have same length');
    const where = conditions.length > 0 ? ` AND ${conditions.join(' AND ')}` : '';
    const fetchStmt = cachedStatement(this.db, `${select} WHERE rp.id IN (SELECT value FROM json_each(?))${where}`);
    return rankedSearch({
      ix: t,
      query: q,
      k,
      fetch: (ids) => fetchStmt.all(JSON.stringify(ids), ...params),
      score: toPattern,
      cmp,
      keep,
      primary: (r) => r.similarity,
      minPrimary: threshold,
      fullScan,
    });
  }
  /**
   * Get pattern statistics
   */
  getPatternStats() {
    // Check cache first
    const cacheKey = 'pattern_stats';
    if (this.cache.has(cacheKey)) {
      return this.cache.get(cacheKey);
    }
    // Total patterns
    const totalRow = this.db.prepare('SELECT COUNT(*) as count FROM reasoning_patterns').get();
    // Average success rate and uses
    const avgRow = this.db.prepare(`
   SELECT
    AVG(success_rate) as avg_success_rate,
    AVG(uses) as avg_uses
   FROM reasoning_patterns
  `).get();
    // Top task types
    const topTaskTypes = this.db.prepare(`
   SELECT
    task_type,
    COUNT(*) as count
   FROM reasoning_patterns
   GROUP BY task_type
   ORDER BY count DESC
   LIMIT 10
  `).all();
    // Recent patterns (last 7 days)
    const recentRow = this.db.prepare(`
   SELECT COUNT(*) as count
   FROM reasoning_patterns
   WHERE ts >= strftime('%s', 'now', '-7 days')
  `).get();
    // High performing patterns (success_rate >= 0.8)
    const highPerfRow = this.db.prepare(`
   SELECT COUNT(*) as count
   FROM reasoning_patterns
   WHERE success_rate >= 0.8
  `).get();
    const stats = {
      totalPatterns: totalRow.count,
      avgSuccessRate: avgRow.avg_success_rate || 0,
      avgUses: avgRow.avg_uses || 0,
      topTaskTypes: topTaskTypes.map(row => ({
        taskType: row.task_type,
        count: row.count,
      })),
      recentPatterns: recentRow.count,
      highPerformingPatterns: highPerfRow.count,
    };
    // Cache for 5 minutes
    this.cache.set(cacheKey, stats);
    setTimeout(() => this.cache.delete(cacheKey), 5 * 60 * 1000).unref(); // unref: not a reason to keep the process alive
    return stats;
  }
  /**
   * Update pattern statistics after use
   */
  updatePatternStats(patternId, success, reward) {
    const stmt = this.db.prepare(`
   UPDATE reasoning_patterns
   SET
    uses = uses + 1,
    success_rate = (success_rate * uses + ?) / (uses + 1),
    avg_reward = (avg_reward * uses + ?) / (uses + 1)
   WHERE id = ?
  `);
    stmt.run(success ? 1 : 0, reward, patternId);
    // Invalidate cache
    this.cache.clear();
  }
  /**
   * Get pattern by ID
   */
  getPattern(patternId) {
    const stmt = this.db.prepare(`
   SELECT
    rp.id,
    rp.ts,
    rp.task_type,
    rp.approach,
    rp.success_rate,
    rp.uses,
    rp.avg_reward,
    rp.tags,
    rp.metadata,
    pe.embedding
   FROM reasoning_patterns rp
   LEFT JOIN pattern_embeddings pe ON rp.id = pe.pattern_id
   WHERE rp.id = ?
  `);
    const row = stmt.get(patternId);
    if (!row)
      return null;
    return {
      id: row.id,
      taskType: row.task_type,
      approach: row.approach,
      successRate: row.success_rate,
      uses: row.uses,
      avgReward: row.avg_reward,
      tags: row.tags ? JSON.parse(row.tags) : [],
      metadata: row.metadata ? JSON.parse(row.metadata) : {},
      createdAt: row.ts,
      embedding: row.embedding
        ? new Float32Array(row.embedding.buffer, row.embedding.byteOffset, row.embedding.byteLength / 4)
        : undefined,
    };
  }
  /**
   * Delete pattern by ID
   */
  deletePattern(patternId) {
    const stmt = this.db.prepare('DELETE FROM reasoning_patterns WHERE id = ?');
    const result = stmt.run(patternId);
    // Invalidate cache
    this.cache.clear();
    return result.changes > 0;
  }
  /**
   * Clear query cache
   */
  clearCache() {
    this.cache.clear();
  }
  /**
   * Calculate cosine similarity between two vectors
   */
  cosineSimilarity(a, b) {
    return cosineChecked(a, b);
  }
}

module.exports = { ReasoningBank };
