'use strict';
// ReflexionMemory: agentdb 1.6.1's episodic memory (MIT, ruv), same SQL,
// return shapes and messages. What differs:
//   - retrieveRelevant() asks the C index of episode_embeddings for the
//     nearest episodes instead of scoring every row in JS (search.js), and
//     gives the same episodes in the same order, similarities to the last
//     bit (computed with agentdb's formula on the same floats);
//   - storeEpisode() embeds first, checks that the vector index can be
//     opened, and then writes the episode and its embedding in one
//     transaction (agentdb wrote the episode, awaited the embedder, then
//     wrote the embedding: a failure or crash in between left an episode no
//     search could find); resolves once both are on disk and, unless the
//     index failed after the commit (common.js), in the index; a rejected
//     call wrote nothing;
//   - an episode that is not an object or lacks sessionId, task or reward
//     is refused naming the field (agentdb: sql.js's "Wrong API use"
//     message, or reading a property of null);
//   - a query embedding whose dimension differs from the stored ones is an
//     error (RV_EDIM) instead of meaningless similarities;
//   - a reward that is NaN or infinite is refused (agentdb stored NULL);
//   - retrieveRelevant() also takes sessionId (that session only) and tags
//     (episodes carrying any of them), which the MCP tool agentdb_search
//     offers (agentdb's tool accepted them and ignored them).
const { indexesFor } = require('../vector-index');
const { rankedSearch } = require('../search');
const { cosinePlain, blobFloats } = require('../similarity');
const { queryVector, checkQueryDim, searchable, cachedStatement, checkEpisode, indexBeforeWrite, indexAfterWrite, commitWrite } = require('./common');

class ReflexionMemory {
  db;
  embedder;

  constructor(db, embedder) {
    this.db = db;
    this.embedder = embedder;
  }

  /** Store an episode with its critique and outcome; resolves to its id. */
  async storeEpisode(episode) {
    checkEpisode(episode);
    const stmt = this.db.prepare(`
      INSERT INTO episodes (
        session_id, task, input, output, critique, reward, success,
        latency_ms, tokens_used, tags, metadata
      ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    `);
    const tags = episode.tags ? JSON.stringify(episode.tags) : null;
    const metadata = episode.metadata ? JSON.stringify(episode.metadata) : null;
    const text = this.buildEpisodeText(episode);
    const embedding = await this.embedder.embed(text);
    const ix = await indexBeforeWrite(this.db, 'episodes');
    const embStmt = this.db.prepare(`
      INSERT INTO episode_embeddings (episode_id, embedding)
      VALUES (?, ?)
    `);
    const write = () => {
      const result = stmt.run(episode.sessionId, episode.task, episode.input || null, episode.output || null,
        episode.critique || null, episode.reward, episode.success ? 1 : 0, episode.latencyMs || null,
        episode.tokensUsed || null, tags, metadata);
      const episodeId = result.lastInsertRowid;
      embStmt.run(episodeId, this.serializeEmbedding(embedding));
      return episodeId;
    };
    const episodeId = await commitWrite(this.db, write);
    await indexAfterWrite(ix, 'episodes');
    return episodeId;
  }

  /** The k past episodes most similar to the task (and state). */
  async retrieveRelevant(query) {
    const { task, currentState = '', k = 5, minReward, onlyFailures = false, onlySuccesses = false, timeWindowDays, sessionId, tags } = query;
    const queryText = currentState ? `${task}\n${currentState}` : task;
    const queryEmbedding = await this.embedder.embed(queryText);
    const filters = [];
    const params = [];
    if (minReward !== undefined) {
      filters.push('e.reward >= ?');
      params.push(minReward);
    }
    if (onlyFailures) filters.push('e.success = 0');
    if (onlySuccesses) filters.push('e.success = 1');
    if (timeWindowDays) {
      filters.push("e.ts > strftime('%s', 'now') - ?"); // agentdb wrote "%s", "now": better-sqlite3's SQLite refuses double-quoted strings
      params.push(timeWindowDays * 86400);
    }
    if (sessionId !== undefined) {
      filters.push('e.session_id = ?');
      params.push(sessionId);
    }
    if (tags && tags.length > 0) {
      // any of the tags; a tags column that is not a JSON array matches none
      filters.push(`(CASE WHEN json_valid(e.tags) AND json_type(e.tags) = 'array' THEN
        EXISTS (SELECT 1 FROM json_each(e.tags) t WHERE t.value IN (SELECT value FROM json_each(?))) ELSE 0 END)`);
      params.push(JSON.stringify(tags));
    }
    const score = (row) => this.#toEpisode(row, queryEmbedding);
    // agentdb: rows ORDER BY e.reward DESC (index order: then id), then a
    // stable sort by similarity (NaN as 0)
    const cmp = (a, b) => ((b.similarity || 0) - (a.similarity || 0)) || byRewardDesc(a, b) || a.id - b.id;
    const fullScan = () => {
      const where = filters.length > 0 ? `WHERE ${filters.join(' AND ')}` : '';
      return this.db.prepare(`
      SELECT
        e.*,
        ee.embedding
      FROM episodes e
      JOIN episode_embeddings ee ON e.id = ee.episode_id
      ${where}
      ORDER BY e.reward DESC
    `).all(...params);
    };
    const ix = indexesFor(this.db);
    const q = queryVector(queryEmbedding);
    if (!ix || !searchable(q)) {
      // no index (a foreign handle), or a zero query (every similarity is NaN): agentdb's scan
      const episodes = fullScan().map(score);
      episodes.sort((a, b) => (b.similarity || 0) - (a.similarity || 0));
      return episodes.slice(0, k);
    }
    const t = ix.table('episodes');
    await t.sync();
    checkQueryDim(t, q, 'episode');
    const where = filters.length ? ` AND ${filters.join(' AND ')}` : '';
    const fetchStmt = cachedStatement(this.db, `
      SELECT e.*, ee.embedding
      FROM episodes e
      JOIN episode_embeddings ee ON e.id = ee.episode_id
      WHERE e.id IN (SELECT value FROM json_each(?))${where}
    `);
    return rankedSearch({
      ix: t,
      query: q,
      k,
      fetch: (ids) => fetchStmt.all(JSON.stringify(ids), ...params),
      score,
      cmp,
      primary: (r) => r.similarity || 0,
      fullScan,
    });
  }

  #toEpisode(row, queryEmbedding) {
    const embedding = this.deserializeEmbedding(row.embedding);
    const similarity = this.cosineSimilarity(queryEmbedding, embedding);
    return {
      id: row.id,
      ts: row.ts,
      sessionId: row.session_id,
      task: row.task,
      input: row.input,
      output: row.output,
      critique: row.critique,
      reward: row.reward,
      success: row.success === 1,
      latencyMs: row.latency_ms,
      tokensUsed: row.tokens_used,
      tags: row.tags ? JSON.parse(row.tags) : undefined,
      metadata: row.metadata ? JSON.parse(row.metadata) : undefined,
      embedding,
      similarity,
    };
  }

  getTaskStats(task, timeWindowDays) {
    const windowFilter = timeWindowDays
      ? `AND ts > strftime('%s', 'now') - ${timeWindowDays * 86400}`
      : '';
    const stmt = this.db.prepare(`
      SELECT
        COUNT(*) as total,
        AVG(CASE WHEN success = 1 THEN 1.0 ELSE 0.0 END) as success_rate,
        AVG(reward) as avg_reward,
        AVG(latency_ms) as avg_latency
      FROM episodes
      WHERE task = ? ${windowFilter}
    `);
    const stats = stmt.get(task);
    const trendStmt = this.db.prepare(`
      SELECT
        AVG(CASE
          WHEN ts > strftime('%s', 'now') - ${7 * 86400} THEN reward
        END) as recent_reward,
        AVG(CASE
          WHEN ts <= strftime('%s', 'now') - ${7 * 86400} THEN reward
        END) as older_reward
      FROM episodes
      WHERE task = ? ${windowFilter}
    `);
    const trend = trendStmt.get(task);
    const improvementTrend = trend.recent_reward && trend.older_reward
      ? (trend.recent_reward - trend.older_reward) / trend.older_reward
      : 0;
    return {
      totalAttempts: stats.total || 0,
      successRate: stats.success_rate || 0,
      avgReward: stats.avg_reward || 0,
      avgLatency: stats.avg_latency || 0,
      improvementTrend,
    };
  }

  async getCritiqueSummary(query) {
    const failures = await this.retrieveRelevant({ ...query, onlyFailures: true, k: 3 });
    if (failures.length === 0) {
      return 'No prior failures found for this task.';
    }
    const critiques = failures
      .filter((ep) => ep.critique)
      .map((ep, i) => `${i + 1}. ${ep.critique} (reward: ${ep.reward.toFixed(2)})`)
      .join('\n');
    return `Prior failures and lessons learned:\n${critiques}`;
  }

  async getSuccessStrategies(query) {
    const successes = await this.retrieveRelevant({ ...query, onlySuccesses: true, minReward: 0.7, k: 3 });
    if (successes.length === 0) {
      return 'No successful strategies found for this task.';
    }
    const strategies = successes
      .map((ep, i) => {
        const approach = ep.output?.substring(0, 200) || 'No output recorded';
        return `${i + 1}. Approach (reward ${ep.reward.toFixed(2)}): ${approach}...`;
      })
      .join('\n');
    return `Successful strategies:\n${strategies}`;
  }

  pruneEpisodes(config) {
    const { minReward = 0.3, maxAgeDays = 30, keepMinPerTask = 5 } = config;
    const stmt = this.db.prepare(`
      DELETE FROM episodes
      WHERE id IN (
        SELECT id FROM (
          SELECT
            id,
            reward,
            ts,
            ROW_NUMBER() OVER (PARTITION BY task ORDER BY reward DESC) as rank
          FROM episodes
          WHERE reward < ?
            AND ts < strftime('%s', 'now') - ?
        ) WHERE rank > ?
      )
    `);
    const result = stmt.run(minReward, maxAgeDays * 86400, keepMinPerTask);
    return result.changes;
  }

  buildEpisodeText(episode) {
    const parts = [episode.task];
    if (episode.critique) parts.push(episode.critique);
    if (episode.output) parts.push(episode.output);
    return parts.join('\n');
  }

  storeEmbedding(episodeId, embedding) {
    this.db.prepare(`
      INSERT INTO episode_embeddings (episode_id, embedding)
      VALUES (?, ?)
    `).run(episodeId, this.serializeEmbedding(embedding));
  }

  serializeEmbedding(embedding) {
    if (!embedding || !embedding.buffer) {
      return Buffer.alloc(0);
    }
    return Buffer.from(embedding.buffer);
  }

  deserializeEmbedding(buffer) {
    return blobFloats(buffer);
  }

  cosineSimilarity(a, b) {
    return cosinePlain(a, b);
  }
}

function byRewardDesc(a, b) {
  const ra = a.reward === null || a.reward === undefined ? -Infinity : a.reward;
  const rb = b.reward === null || b.reward === undefined ? -Infinity : b.reward;
  return ra === rb ? 0 : rb > ra ? 1 : -1;
}

module.exports = { ReflexionMemory };
