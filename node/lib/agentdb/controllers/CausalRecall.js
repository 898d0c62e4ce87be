'use strict';
// CausalRecall: agentdb 1.6.1's utility reranking with certificates (MIT,
// ruv): U = alpha*similarity + beta*uplift - gamma*latencyCost. Same
// shapes, numbers and messages; one difference: vectorSearch() finds the
// nearest episodes among all of them through the C index, where agentdb
// scored only the 4k most recent ones (ORDER BY ts DESC LIMIT k*2 with the
// doubled k), so an older but closer episode was never recalled.
const { CausalMemoryGraph } = require('./CausalMemoryGraph');
const { ExplainableRecall } = require('./ExplainableRecall');
const { indexesFor } = require('../vector-index');
const { rankedSearch } = require('../search');
const { cosineCausal, blobFloats } = require('../similarity');
const { queryVector, searchable, cachedStatement } = require('./common');

class CausalRecall {
  config;
  db;
  causalGraph;
  explainableRecall;
  embedder;
  constructor(db, embedder, config = {
    alpha: 0.7,
    beta: 0.2,
    gamma: 0.1,
    minConfidence: 0.6
  }) {
    this.config = config;
    this.db = db;
    this.embedder = embedder;
    this.causalGraph = new CausalMemoryGraph(db);
    this.explainableRecall = new ExplainableRecall(db);
  }
  /**
   * Main recall function with utility-based reranking and certificate issuance
   *
   * @param queryId Unique query identifier
   * @param queryText Natural language query
   * @param k Number of results to return (default: 12)
   * @param requirements Optional list of requirements for completeness checking
   * @param accessLevel Security access level for certificate
   * @returns Reranked results with certificate
   */
  async recall(queryId, queryText, k = 12, requirements, accessLevel = 'internal') {
    const startTime = Date.now();
    const metrics = {
      vectorSearchMs: 0,
      causalLookupMs: 0,
      rerankMs: 0,
      certificateMs: 0
    };
    // Step 1: Vector similarity search
    const vectorStart = Date.now();
    const queryEmbedding = await this.embedder.embed(queryText);
    const candidates = await this.vectorSearch(queryEmbedding, k * 2); // Fetch 2k for reranking
    metrics.vectorSearchMs = Date.now() - vectorStart;
    // Step 2: Load causal edges for candidates
    const causalStart = Date.now();
    const causalEdges = await this.loadCausalEdges(candidates.map(c => c.id));
    metrics.causalLookupMs = Date.now() - causalStart;
    // Step 3: Rerank by utility
    const rerankStart = Date.now();
    const reranked = this.rerankByUtility(candidates, causalEdges);
    const topK = reranked.slice(0, k);
    metrics.rerankMs = Date.now() - rerankStart;
    // Step 4: Issue certificate
    const certStart = Date.now();
    const certificate = this.issueCertificate({
      queryId,
      queryText,
      candidates: topK,
      requirements: requirements || this.extractRequirements(queryText),
      accessLevel
    });
    metrics.certificateMs = Date.now() - certStart;
    const totalLatencyMs = Date.now() - startTime;
    return {
      candidates: topK,
      certificate,
      queryId,
      totalLatencyMs,
      metrics
    };
  }
  /**
   * Vector similarity search using cosine similarity: the k nearest
   * episodes (through the C index; agentdb scored only the 2k most recent).
   */
  async vectorSearch(queryEmbedding, k) {
    const toCandidate = (row) => ({
      id: row.id.toString(),
      type: row.type,
      content: row.content,
      similarity: this.cosineSimilarity(queryEmbedding, this.deserializeEmbedding(row.embedding)),
      latencyMs: row.latency_ms || 0,
      ts: row.ts,
    });
    // agentdb's rows came ORDER BY e.ts DESC (index order: then id); then a stable sort by similarity
    const cmp = (a, b) => (b.similarity - a.similarity) || (b.ts - a.ts) || (Number(a.id) - Number(b.id));
    const select = `
      SELECT
        e.id,
        'episode' as type,
        e.task || ' ' || COALESCE(e.output, '') as content,
        ee.embedding,
        e.latency_ms,
        e.ts
      FROM episodes e
      JOIN episode_embeddings ee ON e.id = ee.episode_id`;
    const strip = (list) => list.map(({ ts, ...c }) => c);
    const ix = indexesFor(this.db);
    const q = queryVector(queryEmbedding);
    if (!ix || !searchable(q)) {
      return strip(this.db.prepare(select).all().map(toCandidate).sort(cmp).slice(0, k));
    }
    const t = ix.table('episodes');
    await t.sync();
    if (t.dimensions && q.length !== t.dimensions) throw new Error('Vector dimensions must match');
    const fetchStmt = cachedStatement(this.db, `${select} WHERE e.id IN (SELECT value FROM json_each(?))`);
    const found = await rankedSearch({
      ix: t,
      query: q,
      k,
      fetch: (ids) => fetchStmt.all(JSON.stringify(ids)),
      score: toCandidate,
      cmp,
      primary: (r) => r.similarity,
      fullScan: () => this.db.prepare(select).all(),
    });
    return strip(found);
  }
  /**
   * Load causal edges for candidates
   */
  async loadCausalEdges(candidateIds) {
    const edgeMap = new Map();
    if (candidateIds.length === 0) {
      return edgeMap;
    }
    const placeholders = candidateIds.map(() => '?').join(',');
    const edges = this.db.prepare(`
   SELECT * FROM causal_edges
   WHERE from_memory_id IN (${placeholders})
    AND confidence >= ?
  `).all(...candidateIds.map(id => parseInt(id)), this.config.minConfidence || 0.6);
    for (const edge of edges) {
      const fromId = edge.from_memory_id.toString();
      if (!edgeMap.has(fromId)) {
        edgeMap.set(fromId, []);
      }
      edgeMap.get(fromId).push({
        id: edge.id,
        fromMemoryId: edge.from_memory_id,
        fromMemoryType: edge.from_memory_type,
        toMemoryId: edge.to_memory_id,
        toMemoryType: edge.to_memory_type,
        similarity: edge.similarity,
        uplift: edge.uplift,
        confidence: edge.confidence,
        sampleSize: edge.sample_size,
        evidenceIds: edge.evidence_ids ? JSON.parse(edge.evidence_ids) : undefined,
        mechanism: edge.mechanism
      });
    }
    return edgeMap;
  }
  /**
   * Rerank by utility: U = α*similarity + β*uplift − γ*latencyCost
   */
  rerankByUtility(candidates, causalEdges) {
    const { alpha, beta, gamma } = this.config;
    const reranked = candidates.map(candidate => {
      // Get causal uplift (average if multiple edges)
      const edges = causalEdges.get(candidate.id) || [];
      const avgUplift = edges.length > 0
        ? edges.reduce((sum, e) => sum + (e.uplift || 0), 0) / edges.length
        : 0;
      const avgConfidence = edges.length > 0
        ? edges.reduce((sum, e) => sum + e.confidence, 0) / edges.length
        : 0;
      // Normalize latency (assume max 1000ms)
      const latencyCost = Math.min(candidate.latencyMs / 1000, 1.0);
      // Calculate utility
      const utilityScore = alpha * candidate.similarity + beta * avgUplift - gamma * latencyCost;
      return {
        id: candidate.id,
        type: candidate.type,
        content: candidate.content,
        similarity: candidate.similarity,
        uplift: avgUplift,
        causalConfidence: avgConfidence,
        latencyMs: candidate.latencyMs,
        utilityScore,
        rank: 0 // Will be set after sorting
      };
    });
    // Sort by utility score descending
    reranked.sort((a, b) => b.utilityScore - a.utilityScore);
    // Assign ranks
    reranked.forEach((candidate, idx) => {
      candidate.rank = idx + 1;
    });
    return reranked;
  }
  /**
   * Issue certificate for the retrieval
   */
  issueCertificate(params) {
    const { queryId, queryText, candidates, requirements, accessLevel } = params;
    const chunks = candidates.map(c => ({
      id: c.id,
      type: c.type,
      content: c.content,
      relevance: c.similarity
    }));
    return this.explainableRecall.createCertificate({
      queryId,
      queryText,
      chunks,
      requirements,
      accessLevel
    });
  }
  /**
   * Extract requirements from query text (simple keyword extraction)
   */
  extractRequirements(queryText) {
    // Simple extraction: split on common words and filter
    const stopWords = new Set(['a', 'an', 'the', 'is', 'are', 'was', 'were', 'to', 'from', 'for', 'with', 'how', 'what', 'where', 'when', 'why', 'who']);
    const words = queryText
      .toLowerCase()
      .replace(/[^a-z0-9\s]/g, '')
      .split(/\s+/)
      .filter(w => w.length > 3 && !stopWords.has(w));
    // Return unique words
    return [...new Set(words)];
  }
  /**
   * Deserialize embedding from Buffer
   */
  deserializeEmbedding(buffer) {
    return blobFloats(buffer);
  }
  /**
   * Cosine similarity between two vectors
   */
  cosineSimilarity(a, b) {
    return cosineCausal(a, b);
  }
  /**
   * Batch recall for multiple queries
   */
  async batchRecall(queries, requirements, accessLevel = 'internal') {
    const results = [];
    for (const query of queries) {
      const result = await this.recall(query.queryId, query.queryText, query.k || 12, requirements, accessLevel);
      results.push(result);
    }
    return results;
  }
  /**
   * Get recall statistics
   */
  getStats() {
    const causalEdges = this.db.prepare('SELECT COUNT(*) as count FROM causal_edges').get();
    const certificates = this.db.prepare('SELECT COUNT(*) as count FROM recall_certificates').get();
    const avgStats = this.db.prepare(`
   SELECT
    AVG(redundancy_ratio) as avg_redundancy,
    AVG(completeness_score) as avg_completeness
   FROM recall_certificates
  `).get();
    return {
      totalCausalEdges: causalEdges.count,
      totalCertificates: certificates.count,
      avgRedundancyRatio: avgStats?.avg_redundancy || 0,
      avgCompletenessScore: avgStats?.avg_completeness || 0
    };
  }
  /**
   * Update rerank configuration
   */
  updateConfig(config) {
    this.config = { ...this.config, ...config };
  }
  /**
   * Search for memories with semantic similarity and causal utility ranking
   *
   * @param params Search parameters
   * @returns Array of ranked search results with similarity and causal uplift scores
   */
  async search(params) {
    const { query, k = 12, includeEvidence = false, alpha = this.config.alpha, beta = this.config.beta, gamma = this.config.gamma } = params;
    // Temporarily override config for this search
    const originalConfig = { ...this.config };
    this.config = { ...this.config, alpha, beta, gamma };
    try {
      // Step 1: Generate query embedding
      const queryEmbedding = await this.embedder.embed(query);
      // Step 2: Vector similarity search
      const candidates = await this.vectorSearch(queryEmbedding, k * 2);
      // Step 3: Load causal edges for uplift scoring
      const causalEdges = await this.loadCausalEdges(candidates.map(c => c.id));
      // Step 4: Rerank by utility
      const reranked = this.rerankByUtility(candidates, causalEdges);
      // Step 5: Format results for search interface
      const results = reranked.slice(0, k).map(candidate => ({
        id: parseInt(candidate.id),
        type: candidate.type,
        content: candidate.content,
        similarity: candidate.similarity,
        causalUplift: candidate.uplift || 0,
        utilityScore: candidate.utilityScore
      }));
      return results;
    }
    finally {
      // Restore original config
      this.config = originalConfig;
    }
  }
}

module.exports = { CausalRecall };
