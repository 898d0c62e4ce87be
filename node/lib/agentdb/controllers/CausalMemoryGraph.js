'use strict';
// CausalMemoryGraph: agentdb 1.6.1's causal graph (MIT, ruv), ported
// unchanged: same SQL, numbers, shapes and messages (a uplift of 0 is still
// stored as NULL, as agentdb's `|| null` did, so results stay the same).
//
// Added (ruvector's, not agentdb's): getStrongestCausalChain and
// getCausalDescendants answer through the core's hypergraph (ruvector.h,
// "Hypergraph"): each causal edge is an ordered hyperedge (from, to) with its
// confidence, walked forward only (RV_HYPER_DIRECTED). The strongest chain
// is a shortest path with weights -ln(confidence), O(E log V), where
// getCausalChain's recursive SQL enumerates every path up to maxDepth (and
// keeps agentdb's answers, quirks included). The hypergraph is an in-memory
// mirror of causal_edges, rebuilt when the table changed.

const MIRROR = Symbol('causal hypergraph mirror');

class CausalMemoryGraph {
  db;
  constructor(db) {
    this.db = db;
  }

  // The mirror of causal_edges with confidence >= min as a hypergraph (a
  // Collection of dimension 1 whose records are the memories), current as
  // of the table's fingerprint; one per threshold asked for.
  async causalHypergraph(min = 0) {
    const { Collection } = require('../../collection');
    const f = this.db.prepare('SELECT COUNT(*) AS n, MAX(id) AS m, TOTAL(confidence) AS s, ' +
      'TOTAL(from_memory_id * 31 + to_memory_id) AS t FROM causal_edges').get();
    const key = `${f.n}:${f.m}:${f.s}:${f.t}`;
    const mirrors = this[MIRROR] ?? (this[MIRROR] = new Map());
    const cached = mirrors.get(min);
    if (cached && cached.key === key) return cached.coll;
    if (cached) await cached.coll.close();
    const rows = this.db.prepare('SELECT id, from_memory_id, to_memory_id, confidence FROM causal_edges ' +
      'WHERE confidence >= ? AND from_memory_id != to_memory_id').all(min);
    const coll = new Collection({ dimensions: 1 });
    const ids = [...new Set(rows.flatMap((r) => [String(r.from_memory_id), String(r.to_memory_id)]))];
    if (ids.length) await coll.insertBatch(ids, new Float32Array(ids.length).fill(1));
    const edges = rows.map((r) => ({ id: String(r.id), members: [String(r.from_memory_id), String(r.to_memory_id)],
      ordered: true, confidence: Math.min(1, Math.max(0, Number(r.confidence) || 0)) }));
    for (let i = 0; i < edges.length; i += 10000) await coll.putHyperedges(edges.slice(i, i + 10000));
    mirrors.set(min, { key, coll });
    return coll;
  }

  /**
   * The causal chain from one memory to another whose edges (confidence >=
   * minConfidence, default 0.5 as getCausalChain) have the greatest product
   * of confidences: {path: memory ids, edgeIds, confidence: the product},
   * or null when no chain joins them.
   */
  async getStrongestCausalChain(fromMemoryId, toMemoryId, options = {}) {
    const coll = await this.causalHypergraph(options.minConfidence ?? 0.5);
    let hits;
    try {
      hits = coll.weightedPath(String(fromMemoryId), String(toMemoryId), { directed: true, window: 'any' });
    } catch (e) {
      if (e.code === 'RV_ENOTFOUND') return null; // a memory without causal edges
      throw e;
    }
    if (hits.length < 2) return null;
    return { path: hits.map((h) => Number(h.id)), edgeIds: hits.slice(1).map((h) => Number(h.via)),
      confidence: hits[hits.length - 1].weight };
  }

  /**
   * The memories a memory leads to within maxDepth causal steps (forward
   * along causal edges of confidence >= 0.5, as getCausalChain follows):
   * [{memoryId, depth, confidence (of the best edge reaching it)}], nearest
   * first.
   */
  async getCausalDescendants(memoryId, maxDepth = 3) {
    const coll = await this.causalHypergraph(0.5);
    try {
      return coll.kHop(String(memoryId), maxDepth, { directed: true, window: 'any' })
        .map((h) => ({ memoryId: Number(h.id), depth: h.hop, confidence: h.weight }));
    } catch (e) {
      if (e.code === 'RV_ENOTFOUND') return [];
      throw e;
    }
  }
  /**
   * Add a causal edge between memories
   */
  addCausalEdge(edge) {
    const stmt = this.db.prepare(`
   INSERT INTO causal_edges (
    from_memory_id, from_memory_type, to_memory_id, to_memory_type,
    similarity, uplift, confidence, sample_size,
    evidence_ids, confounder_score,
    mechanism, metadata
   ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  `);
    const result = stmt.run(edge.fromMemoryId, edge.fromMemoryType, edge.toMemoryId, edge.toMemoryType, edge.similarity, edge.uplift || null, edge.confidence, edge.sampleSize || null, edge.evidenceIds ? JSON.stringify(edge.evidenceIds) : null, edge.confounderScore || null, edge.mechanism || null, edge.metadata ? JSON.stringify(edge.metadata) : null);
    return result.lastInsertRowid;
  }
  /**
   * Create a causal experiment (A/B test)
   */
  createExperiment(experiment) {
    const stmt = this.db.prepare(`
   INSERT INTO causal_experiments (
    name, hypothesis, treatment_id, treatment_type, control_id,
    start_time, sample_size, status, metadata
   ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
  `);
    const result = stmt.run(experiment.name, experiment.hypothesis, experiment.treatmentId, experiment.treatmentType, experiment.controlId || null, experiment.startTime, experiment.sampleSize, experiment.status, experiment.metadata ? JSON.stringify(experiment.metadata) : null);
    return result.lastInsertRowid;
  }
  /**
   * Record an observation in an experiment
   */
  recordObservation(observation) {
    const stmt = this.db.prepare(`
   INSERT INTO causal_observations (
    experiment_id, episode_id, is_treatment, outcome_value, outcome_type, context
   ) VALUES (?, ?, ?, ?, ?, ?)
  `);
    stmt.run(observation.experimentId, observation.episodeId, observation.isTreatment ? 1 : 0, observation.outcomeValue, observation.outcomeType, observation.context ? JSON.stringify(observation.context) : null);
    // Update sample size
    this.db.prepare(`
   UPDATE causal_experiments
   SET sample_size = sample_size + 1
   WHERE id = ?
  `).run(observation.experimentId);
  }
  /**
   * Calculate uplift for an experiment
   */
  calculateUplift(experimentId) {
    // Get treatment and control observations
    const observations = this.db.prepare(`
   SELECT is_treatment, outcome_value
   FROM causal_observations
   WHERE experiment_id = ?
  `).all(experimentId);
    const treatmentValues = observations
      .filter(o => o.is_treatment === 1)
      .map(o => o.outcome_value);
    const controlValues = observations
      .filter(o => o.is_treatment === 0)
      .map(o => o.outcome_value);
    if (treatmentValues.length === 0 || controlValues.length === 0) {
      return { uplift: 0, pValue: 1.0, confidenceInterval: [0, 0] };
    }
    // Calculate means
    const treatmentMean = this.mean(treatmentValues);
    const controlMean = this.mean(controlValues);
    const uplift = treatmentMean - controlMean;
    // Calculate standard errors
    const treatmentSE = this.standardError(treatmentValues);
    const controlSE = this.standardError(controlValues);
    const pooledSE = Math.sqrt(treatmentSE ** 2 + controlSE ** 2);
    // t-statistic and p-value (two-tailed)
    const tStat = uplift / pooledSE;
    const df = treatmentValues.length + controlValues.length - 2;
    const pValue = 2 * (1 - this.tCDF(Math.abs(tStat), df));
    // 95% confidence interval
    const tCritical = this.tInverse(0.025, df);
    const marginOfError = tCritical * pooledSE;
    const confidenceInterval = [
      uplift - marginOfError,
      uplift + marginOfError
    ];
    // Update experiment with results
    this.db.prepare(`
   UPDATE causal_experiments
   SET treatment_mean = ?,
     control_mean = ?,
     uplift = ?,
     p_value = ?,
     confidence_interval_low = ?,
     confidence_interval_high = ?,
     status = 'completed'
   WHERE id = ?
  `).run(treatmentMean, controlMean, uplift, pValue, confidenceInterval[0], confidenceInterval[1], experimentId);
    return { uplift, pValue, confidenceInterval };
  }
  /**
   * Query causal effects
   */
  queryCausalEffects(query) {
    const { interventionMemoryId, interventionMemoryType, outcomeMemoryId, minConfidence = 0.5, minUplift = 0.0 } = query;
    let sql = `
   SELECT * FROM causal_edges
   WHERE from_memory_id = ?
    AND from_memory_type = ?
    AND confidence >= ?
    AND ABS(uplift) >= ?
  `;
    const params = [
      interventionMemoryId,
      interventionMemoryType,
      minConfidence,
      minUplift
    ];
    if (outcomeMemoryId) {
      sql += ' AND to_memory_id = ?';
      params.push(outcomeMemoryId);
    }
    sql += ' ORDER BY ABS(uplift) * confidence DESC';
    const rows = this.db.prepare(sql).all(...params);
    return rows.map(row => this.rowToCausalEdge(row));
  }
  /**
   * Get causal chain (multi-hop reasoning)
   */
  getCausalChain(fromMemoryId, toMemoryId, maxDepth = 5) {
    // Use recursive CTE from view
    const chains = this.db.prepare(`
   WITH RECURSIVE chain(from_id, to_id, depth, path, total_uplift, min_confidence) AS (
    SELECT
     from_memory_id,
     to_memory_id,
     1,
     from_memory_id || '->' || to_memory_id,
     uplift,
     confidence
    FROM causal_edges
    WHERE from_memory_id = ? AND confidence >= 0.5

    UNION ALL

    SELECT
     chain.from_id,
     ce.to_memory_id,
     chain.depth + 1,
     chain.path || '->' || ce.to_memory_id,
     chain.total_uplift + ce.uplift,
     MIN(chain.min_confidence, ce.confidence)
    FROM chain
    JOIN causal_edges ce ON chain.to_id = ce.from_memory_id
    WHERE chain.depth < ?
     AND ce.confidence >= 0.5
     AND chain.path NOT LIKE '%' || ce.to_memory_id || '%'
   )
   SELECT path, total_uplift, min_confidence
   FROM chain
   WHERE to_id = ?
   ORDER BY total_uplift DESC
   LIMIT 10
  `).all(fromMemoryId, maxDepth, toMemoryId);
    return chains.map(row => ({
      path: row.path.split('->').map(Number),
      totalUplift: row.total_uplift,
      confidence: row.min_confidence
    }));
  }
  /**
   * Calculate causal gain: E[outcome|do(treatment)] - E[outcome]
   */
  calculateCausalGain(treatmentId, outcomeType) {
    // Get episodes where treatment was applied
    const withTreatment = this.db.prepare(`
   SELECT AVG(CASE WHEN ? = 'reward' THEN reward
          WHEN ? = 'success' THEN success
          WHEN ? = 'latency' THEN latency_ms
        END) as avg_outcome
   FROM episodes
   WHERE id IN (
    SELECT to_memory_id FROM causal_edges
    WHERE from_memory_id = ? AND confidence >= 0.6
   )
  `).get(outcomeType, outcomeType, outcomeType, treatmentId);
    // Get baseline (no treatment)
    const baseline = this.db.prepare(`
   SELECT AVG(CASE WHEN ? = 'reward' THEN reward
          WHEN ? = 'success' THEN success
          WHEN ? = 'latency' THEN latency_ms
        END) as avg_outcome
   FROM episodes
   WHERE id NOT IN (
    SELECT to_memory_id FROM causal_edges
    WHERE from_memory_id = ?
   )
  `).get(outcomeType, outcomeType, outcomeType, treatmentId);
    const causalGain = (withTreatment?.avg_outcome || 0) - (baseline?.avg_outcome || 0);
    // Get most confident edge for mechanism
    const edge = this.db.prepare(`
   SELECT mechanism, confidence
   FROM causal_edges
   WHERE from_memory_id = ?
   ORDER BY confidence DESC
   LIMIT 1
  `).get(treatmentId);
    return {
      causalGain,
      confidence: edge?.confidence || 0,
      mechanism: edge?.mechanism || 'unknown'
    };
  }
  /**
   * Detect confounders using correlation analysis
   */
  detectConfounders(edgeId) {
    const edge = this.db.prepare('SELECT * FROM causal_edges WHERE id = ?').get(edgeId);
    if (!edge) {
      return { confounders: [] };
    }
    // Find memories correlated with both treatment and outcome
    // This is a simplified version - production would use proper statistical tests
    const potentialConfounders = this.db.prepare(`
   SELECT DISTINCT e.id, e.task
   FROM episodes e
   WHERE e.id != ? AND e.id != ?
    AND e.session_id IN (
     SELECT session_id FROM episodes WHERE id = ?
     UNION
     SELECT session_id FROM episodes WHERE id = ?
    )
  `).all(edge.from_memory_id, edge.to_memory_id, edge.from_memory_id, edge.to_memory_id);
    const confounders = potentialConfounders.map((conf) => {
      // Calculate correlation scores (simplified)
      const treatmentCorr = this.calculateCorrelation(conf.id, edge.from_memory_id);
      const outcomeCorr = this.calculateCorrelation(conf.id, edge.to_memory_id);
      const confounderScore = Math.sqrt(treatmentCorr ** 2 * outcomeCorr ** 2);
      return {
        memoryId: conf.id,
        correlationWithTreatment: treatmentCorr,
        correlationWithOutcome: outcomeCorr,
        confounderScore
      };
    }).filter(c => c.confounderScore > 0.3);
    // Update edge with confounder score
    if (confounders.length > 0) {
      const maxConfounderScore = Math.max(...confounders.map(c => c.confounderScore));
      this.db.prepare(`
    UPDATE causal_edges
    SET confounder_score = ?
    WHERE id = ?
   `).run(maxConfounderScore, edgeId);
    }
    return { confounders };
  }
  // ========================================================================
  // Private Helper Methods
  // ========================================================================
  rowToCausalEdge(row) {
    return {
      id: row.id,
      fromMemoryId: row.from_memory_id,
      fromMemoryType: row.from_memory_type,
      toMemoryId: row.to_memory_id,
      toMemoryType: row.to_memory_type,
      similarity: row.similarity,
      uplift: row.uplift,
      confidence: row.confidence,
      sampleSize: row.sample_size,
      evidenceIds: row.evidence_ids ? JSON.parse(row.evidence_ids) : undefined,
      experimentIds: row.experiment_ids ? JSON.parse(row.experiment_ids) : undefined,
      confounderScore: row.confounder_score,
      mechanism: row.mechanism,
      metadata: row.metadata ? JSON.parse(row.metadata) : undefined
    };
  }
  mean(values) {
    return values.reduce((a, b) => a + b, 0) / values.length;
  }
  variance(values) {
    const avg = this.mean(values);
    return values.reduce((sum, val) => sum + (val - avg) ** 2, 0) / values.length;
  }
  standardError(values) {
    return Math.sqrt(this.variance(values) / values.length);
  }
  tCDF(t, df) {
    // Simplified t-distribution CDF (use proper stats library in production)
    // This is an approximation
    return 0.5 + 0.5 * Math.sign(t) * (1 - Math.pow(1 + t * t / df, -df / 2));
  }
  tInverse(p, df) {
    // Simplified inverse t-distribution (use proper stats library)
    // Approximation for 95% CI
    return 1.96; // Standard normal approximation
  }
  calculateCorrelation(id1, id2) {
    // Simplified correlation calculation
    // In production, use proper correlation metrics
    const sharedSessions = this.db.prepare(`
   SELECT COUNT(DISTINCT e1.session_id) as shared
   FROM episodes e1
   JOIN episodes e2 ON e1.session_id = e2.session_id
   WHERE e1.id = ? AND e2.id = ?
  `).get(id1, id2);
    return Math.min(sharedSessions?.shared || 0, 1.0);
  }
}

module.exports = { CausalMemoryGraph };
