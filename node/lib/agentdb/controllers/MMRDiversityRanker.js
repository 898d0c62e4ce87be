'use strict';
// MMRDiversityRanker: agentdb 1.6.1's maximal marginal relevance ranking
// (MIT, ruv), ported unchanged (it works on candidates already in memory).

class MMRDiversityRanker {
  /**
   * Select diverse results using MMR algorithm
   *
   * @param candidates - All candidate results with embeddings
   * @param queryEmbedding - Query vector
   * @param options - MMR configuration
   * @returns Diverse subset of candidates
   */
  static selectDiverse(candidates, queryEmbedding, options = {}) {
    const lambda = options.lambda ?? 0.5;
    const k = options.k ?? 10;
    const metric = options.metric ?? 'cosine';
    if (candidates.length === 0) {
      return [];
    }
    if (candidates.length <= k) {
      return candidates;
    }
    // Calculate initial similarities to query
    const candidatesWithSim = candidates.map(c => ({
      ...c,
      similarity: c.similarity ?? this.calculateSimilarity(queryEmbedding, c.embedding, metric),
    }));
    const selected = [];
    const remaining = [...candidatesWithSim];
    // Select first item (highest relevance)
    remaining.sort((a, b) => b.similarity - a.similarity);
    selected.push(remaining.shift());
    // Iteratively select items with highest MMR score
    while (selected.length < k && remaining.length > 0) {
      let maxMMR = -Infinity;
      let maxIdx = 0;
      for (let i = 0; i < remaining.length; i++) {
        const candidate = remaining[i];
        // Calculate max similarity to already-selected items
        let maxSimToSelected = -Infinity;
        for (const selectedItem of selected) {
          const sim = this.calculateSimilarity(candidate.embedding, selectedItem.embedding, metric);
          maxSimToSelected = Math.max(maxSimToSelected, sim);
        }
        // Calculate MMR score
        const mmrScore = lambda * candidate.similarity - (1 - lambda) * maxSimToSelected;
        if (mmrScore > maxMMR) {
          maxMMR = mmrScore;
          maxIdx = i;
        }
      }
      // Add item with highest MMR score
      selected.push(remaining.splice(maxIdx, 1)[0]);
    }
    return selected;
  }
  /**
   * Calculate similarity between two vectors
   */
  static calculateSimilarity(vec1, vec2, metric) {
    if (vec1.length !== vec2.length) {
      throw new Error(`Vector dimension mismatch: ${vec1.length} vs ${vec2.length}`);
    }
    switch (metric) {
      case 'cosine': {
        let dot = 0, mag1 = 0, mag2 = 0;
        for (let i = 0; i < vec1.length; i++) {
          dot += vec1[i] * vec2[i];
          mag1 += vec1[i] * vec1[i];
          mag2 += vec2[i] * vec2[i];
        }
        return dot / (Math.sqrt(mag1) * Math.sqrt(mag2));
      }
      case 'euclidean': {
        let sum = 0;
        for (let i = 0; i < vec1.length; i++) {
          const diff = vec1[i] - vec2[i];
          sum += diff * diff;
        }
        return 1 / (1 + Math.sqrt(sum)); // Normalized to 0-1
      }
      case 'dot': {
        let dot = 0;
        for (let i = 0; i < vec1.length; i++) {
          dot += vec1[i] * vec2[i];
        }
        return dot;
      }
      default:
        throw new Error(`Unknown metric: ${metric}`);
    }
  }
  /**
   * Calculate diversity score for a set of results
   *
   * @param results - Results to analyze
   * @param metric - Similarity metric
   * @returns Average pairwise distance (higher = more diverse)
   */
  static calculateDiversityScore(results, metric = 'cosine') {
    if (results.length < 2) {
      return 1.0; // Single result is maximally diverse
    }
    let totalDistance = 0;
    let comparisons = 0;
    for (let i = 0; i < results.length; i++) {
      for (let j = i + 1; j < results.length; j++) {
        const similarity = this.calculateSimilarity(results[i].embedding, results[j].embedding, metric);
        // Convert similarity to distance
        const distance = metric === 'cosine' ? 1 - similarity : similarity;
        totalDistance += distance;
        comparisons++;
      }
    }
    return comparisons > 0 ? totalDistance / comparisons : 0;
  }
}

module.exports = { MMRDiversityRanker };
