'use strict';
// `agentdb mcp start`: agentdb 1.6.1's MCP server (29 tools, agentdb-tools.js)
// on ruvector's agentdb layer, over stdio (stdio.js).
//
// The database is AGENTDB_PATH or ./agentdb.db, opened once with
// createDatabase: real SQLite, WAL, synchronous=FULL, so every write a tool
// makes is on disk when its reply is sent (agentdb's server ran on sql.js
// and never saved: everything written through it was lost at exit). The
// vector indexes are derived data (reconciled at the next open after a
// kill); closing (EOF, SIGINT, SIGTERM) saves their state.
//
// Each handler does what agentdb's did and replies with agentdb's text, and
// returns the same facts as `data` (structuredContent). Where agentdb's tool
// did not do what its schema says, we follow the schema; README.md lists
// each difference ("MCP servers"):
//   - defaults apply to absent fields only (agentdb's `x || default` also
//     replaced 0 and false: confidence 0 became 0.95, k 0 became 10);
//   - agentdb_search honours session_id and tags (agentdb: only
//     min_reward);
//   - agentdb_delete with both filters deletes what matches both;
//   - agentdb_init resets by emptying every table (agentdb unlinked the
//     file under its in-memory image, which then lived on), and refuses a
//     db_path other than the served database;
//   - causal_query filters by cause and/or effect as given, and lists every
//     edge when neither is (agentdb: only by cause, and nothing without it);
//   - recall_with_certificate uses the alpha, beta, gamma given (agentdb
//     ignored them);
//   - learner_discover applies its thresholds, stores nothing on a dry run
//     and lists the edges it found (agentdb ignored all four arguments,
//     stored edges even on a dry run and always reported none);
//   - agentdb_stats counts learning_sessions (agentdb counted rl_sessions,
//     a table LearningSystem never writes);
//   - a failed call's text is the message without agentdb's stack trace.
const fs = require('fs');
const path = require('path');
const { createDatabase } = require('../agentdb/database');
const { CausalMemoryGraph } = require('../agentdb/controllers/CausalMemoryGraph');
const { CausalRecall } = require('../agentdb/controllers/CausalRecall');
const { ReflexionMemory } = require('../agentdb/controllers/ReflexionMemory');
const { SkillLibrary } = require('../agentdb/controllers/SkillLibrary');
const { NightlyLearner } = require('../agentdb/controllers/NightlyLearner');
const { LearningSystem } = require('../agentdb/controllers/LearningSystem');
const { EmbeddingService } = require('../agentdb/controllers/EmbeddingService');
const { BatchOperations } = require('../agentdb/controllers/BatchOperations');
const { ReasoningBank } = require('../agentdb/controllers/ReasoningBank');
const { validateId, validateTimestamp, validateSessionId, ValidationError } = require('../agentdb/security');
const { tools } = require('./agentdb-tools');
const { serve, reserveStdout } = require('./stdio');

const RECALL_DEFAULTS = { alpha: 0.7, beta: 0.2, gamma: 0.1, minConfidence: 0.6 };

// Results without their embeddings (a 384-float array per hit adds nothing
// a client can use).
function noEmbedding(x) {
  if (!x || typeof x !== 'object') return x;
  const { embedding, ...rest } = x; // eslint-disable-line no-unused-vars
  return rest;
}

const cut = (s, n) => `${s.substring(0, n)}${s.length > n ? '...' : ''}`;

/** Open the database and the controllers, as agentdb's server did at start-up. */
async function openSession(dbPath) {
  const db = await createDatabase(dbPath);
  db.pragma('cache_size = -64000'); // journal_mode is WAL already; synchronous stays FULL
  const embedder = new EmbeddingService({ model: 'Xenova/all-MiniLM-L6-v2', dimension: 384, provider: 'transformers' });
  await embedder.initialize();
  return {
    dbPath,
    db,
    embedder,
    causalGraph: new CausalMemoryGraph(db),
    reflexion: new ReflexionMemory(db, embedder),
    skills: new SkillLibrary(db, embedder),
    causalRecall: new CausalRecall(db, embedder),
    learner: new NightlyLearner(db, embedder),
    learningSystem: new LearningSystem(db, embedder),
    reasoningBank: new ReasoningBank(db, embedder),
  };
}

function sameFile(a, b) {
  return path.resolve(a) === path.resolve(b);
}

function count(db, table) {
  try {
    return db.prepare(`SELECT COUNT(*) as count FROM ${table}`).get()?.count || 0;
  } catch {
    return 0; // the table does not exist
  }
}

// agentdb_delete: one episode by id, or those matching every filter given.
async function deleteEpisodes(args, s) {
  const { id, filters } = args;
  let deleted;
  if (id !== undefined) {
    deleted = s.db.prepare('DELETE FROM episodes WHERE id = ?').run(validateId(id, 'id')).changes;
  } else if (filters && (filters.session_id !== undefined || filters.before_timestamp !== undefined)) {
    const where = [];
    const params = [];
    if (filters.session_id !== undefined) {
      where.push('session_id = ?');
      params.push(validateSessionId(filters.session_id));
    }
    if (filters.before_timestamp !== undefined) {
      where.push('ts < ?');
      params.push(validateTimestamp(filters.before_timestamp, 'before_timestamp'));
    }
    deleted = s.db.prepare(`DELETE FROM episodes WHERE ${where.join(' AND ')}`).run(...params).changes;
  } else if (filters) {
    throw new ValidationError('Invalid or missing filter criteria', 'INVALID_FILTER');
  } else {
    throw new ValidationError('Either id or filters must be provided', 'MISSING_PARAMETER');
  }
  await s.db.vectorIndexes?.table('episodes').sync();
  return {
    text: '✅ Delete operation completed!\n' +
      `📊 Deleted: ${deleted} vector(s)\n` +
      `🗑️  ${id !== undefined ? `ID: ${id}` : 'Bulk deletion with filters'}`,
    data: { deleted },
  };
}

/** The handlers: name -> async (args, session) -> {text, data}. */
const handlers = {
  // ==========================================================================
  // core vector DB operations
  // ==========================================================================
  async agentdb_init(args, s) {
    const target = args.db_path === undefined ? s.dbPath : args.db_path;
    if (!sameFile(target, s.dbPath)) {
      throw new ValidationError(`db_path: this server serves ${s.dbPath} (AGENTDB_PATH); start another server for ${target}`, 'INVALID_PATH', 'db_path');
    }
    const { db } = s;
    if (args.reset) {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%'").all().map((r) => r.name);
      db.transaction(() => {
        db.rawPragma('defer_foreign_keys = ON');
        for (const t of tables) db.prepare(`DELETE FROM "${t.replace(/"/g, '""')}"`).run();
      })();
      await db.vectorIndexes?.table('episodes').sync();
    }
    const tables = db.prepare("SELECT COUNT(*) as count FROM sqlite_master WHERE type = 'table'").get().count;
    const embedding = s.embedder.constructor.name;
    return {
      text: '✅ AgentDB initialized successfully!\n' +
        `📍 Database: ${target}\n` +
        `📊 Tables created: ${tables}\n` +
        '⚙️  Optimizations: WAL mode, cache_size=64MB\n' +
        `🧠 Embedding service: ${embedding} ready`,
      data: { dbPath: target, reset: args.reset, tables, embeddingService: embedding },
    };
  },

  async agentdb_insert(args, s) {
    const { text, session_id: sessionId, tags = [], metadata = {} } = args;
    const id = await s.reflexion.storeEpisode({
      sessionId, task: text, reward: 1.0, success: true, input: text, output: '', critique: '',
      latencyMs: 0, tokensUsed: 0, tags, metadata,
    });
    return {
      text: '✅ Vector inserted successfully!\n' +
        `🆔 ID: ${id}\n` +
        `📝 Text: ${cut(text, 100)}\n` +
        `🏷️  Tags: ${tags.join(', ') || 'none'}\n` +
        `🧠 Embedding: ${s.embedder.constructor.name}`,
      data: { id, sessionId, tags },
    };
  },

  async agentdb_insert_batch(args, s) {
    const { items, batch_size: batchSize } = args;
    const episodes = items.map((item) => ({
      sessionId: item.session_id || 'default', task: item.text, reward: 1.0, success: true, input: item.text,
      output: '', critique: '', latencyMs: 0, tokensUsed: 0, tags: item.tags || [], metadata: item.metadata || {},
    }));
    const inserted = await new BatchOperations(s.db, s.embedder, { batchSize, parallelism: 4 }).insertEpisodes(episodes);
    return {
      text: '✅ Batch insert completed!\n' +
        `📊 Inserted: ${inserted} vectors\n` +
        `⚡ Batch size: ${batchSize}\n` +
        '🧠 Embeddings generated in parallel\n' +
        '💾 Transaction committed',
      data: { inserted, batchSize },
    };
  },

  async agentdb_search(args, s) {
    const { query, k, min_similarity: minSimilarity, filters = {} } = args;
    const results = await s.reflexion.retrieveRelevant({
      task: query, k, minReward: filters.min_reward, sessionId: filters.session_id, tags: filters.tags,
    });
    const hits = minSimilarity > 0 ? results.filter((r) => (r.similarity || 0) >= minSimilarity) : results;
    return {
      text: '🔍 Search completed!\n' +
        `📊 Found: ${hits.length} results\n` +
        `🎯 Query: ${query}\n\n` +
        'Top Results:\n' +
        hits.slice(0, 5).map((r, i) => `${i + 1}. [ID: ${r.id}] Similarity: ${(r.similarity || 0).toFixed(3)}\n` +
          `   Task: ${cut(r.task, 80)}\n` +
          `   Reward: ${r.reward.toFixed(2)}`).join('\n\n') +
        (hits.length > 5 ? `\n\n... and ${hits.length - 5} more results` : ''),
      data: { query, count: hits.length, results: hits.map(noEmbedding) },
    };
  },

  async agentdb_delete(args, s) {
    try {
      return await deleteEpisodes(args, s);
    } catch (e) {
      e.replyPrefix = 'Delete operation failed'; // agentdb's text for this tool's failures
      throw e;
    }
  },

  // ==========================================================================
  // frontier memory
  // ==========================================================================
  async reflexion_store(args, s) {
    const id = await s.reflexion.storeEpisode({
      sessionId: args.session_id, task: args.task, reward: args.reward, success: args.success,
      critique: args.critique || '', input: args.input || '', output: args.output || '',
      latencyMs: args.latency_ms || 0, tokensUsed: args.tokens || 0,
    });
    return {
      text: `✅ Stored episode #${id}\nTask: ${args.task}\nReward: ${args.reward}\nSuccess: ${args.success}`,
      data: { id, task: args.task, reward: args.reward, success: args.success },
    };
  },

  async reflexion_retrieve(args, s) {
    const episodes = await s.reflexion.retrieveRelevant({
      task: args.task, k: args.k, onlyFailures: args.only_failures, onlySuccesses: args.only_successes, minReward: args.min_reward,
    });
    return {
      text: `🔍 Retrieved ${episodes.length} episodes:\n\n` +
        episodes.map((ep, i) => `${i + 1}. Episode ${ep.id}\n   Task: ${ep.task}\n   Reward: ${ep.reward.toFixed(2)}\n   Similarity: ${ep.similarity?.toFixed(3) || 'N/A'}`).join('\n\n'),
      data: { count: episodes.length, episodes: episodes.map(noEmbedding) },
    };
  },

  async skill_create(args, s) {
    const id = await s.skills.createSkill({
      name: args.name, description: args.description, signature: { inputs: {}, outputs: {} }, code: args.code || '',
      successRate: args.success_rate ?? 0.0, uses: 0, avgReward: 0.0, avgLatencyMs: 0.0,
    });
    return { text: `✅ Created skill #${id}: ${args.name}`, data: { id, name: args.name } };
  },

  async skill_search(args, s) {
    const found = await s.skills.searchSkills({ task: args.task, k: args.k, minSuccessRate: args.min_success_rate ?? 0.0 });
    return {
      text: `🔍 Found ${found.length} skills:\n\n` +
        found.map((sk, i) => `${i + 1}. ${sk.name}\n   ${sk.description}\n   Success: ${(sk.successRate * 100).toFixed(1)}%`).join('\n\n'),
      data: { count: found.length, skills: found.map(noEmbedding) },
    };
  },

  async causal_add_edge(args, s) {
    const { cause, effect, uplift, confidence, sample_size: sampleSize } = args;
    const id = s.causalGraph.addCausalEdge({
      fromMemoryId: 0, fromMemoryType: cause, toMemoryId: 0, toMemoryType: effect, similarity: 0,
      uplift, confidence, sampleSize, evidenceIds: [],
    });
    return { text: `✅ Added causal edge #${id}\n${cause} → ${effect}\nUplift: ${uplift}`, data: { id, cause, effect, uplift, confidence, sampleSize } };
  },

  async causal_query(args, s) {
    const { cause, effect, min_confidence: minConfidence, min_uplift: minUplift, limit } = args;
    const where = ['confidence >= ?', 'ABS(uplift) >= ?'];
    const params = [minConfidence, minUplift];
    if (cause !== undefined) {
      where.push('from_memory_type = ?');
      params.push(cause);
    }
    if (effect !== undefined) {
      where.push('to_memory_type = ?');
      params.push(effect);
    }
    const edges = s.db.prepare(`SELECT * FROM causal_edges WHERE ${where.join(' AND ')} ORDER BY ABS(uplift) * confidence DESC, id`)
      .all(...params).map((r) => s.causalGraph.rowToCausalEdge(r));
    const limited = edges.slice(0, limit);
    return {
      text: `🔍 Found ${edges.length} causal edges:\n\n` +
        limited.map((e, i) => `${i + 1}. ${e.fromMemoryType} → ${e.toMemoryType}\n   Uplift: ${(e.uplift || 0).toFixed(3)} (confidence: ${e.confidence.toFixed(2)})`).join('\n\n'),
      data: { count: edges.length, edges: limited },
    };
  },

  async recall_with_certificate(args, s) {
    const { query, k, alpha, beta, gamma } = args;
    const recall = alpha === RECALL_DEFAULTS.alpha && beta === RECALL_DEFAULTS.beta && gamma === RECALL_DEFAULTS.gamma
      ? s.causalRecall
      : new CausalRecall(s.db, s.embedder, { ...RECALL_DEFAULTS, alpha, beta, gamma });
    const result = await recall.recall(`mcp-${Date.now()}`, query, k, undefined, 'internal');
    return {
      text: `🔍 Retrieved ${result.candidates.length} results:\n\n` +
        result.candidates.slice(0, 5).map((r, i) => `${i + 1}. ${r.type} ${r.id}\n   Similarity: ${r.similarity.toFixed(3)}\n   Uplift: ${r.uplift?.toFixed(3) || '0.000'}`).join('\n\n') +
        `\n\n📜 Certificate ID: ${result.certificate.id}`,
      data: { count: result.candidates.length, candidates: result.candidates.map(noEmbedding), certificate: result.certificate },
    };
  },

  // agentdb passed the thresholds and dry_run to NightlyLearner.discover(),
  // which ignored them all: it stored every edge found (dry run or not) with
  // its own thresholds and reported none. Here the discovery runs in a
  // transaction (the tool is exclusive: no other call is in flight), with
  // min_confidence as its confidence threshold; edges whose cause task has
  // fewer than min_attempts episodes or a lower success rate than
  // min_success_rate are dropped; a dry run rolls back. The reply lists the
  // edges found.
  async learner_discover(args, s) {
    const { min_attempts: minAttempts, min_success_rate: minSuccessRate, min_confidence: minConfidence, dry_run: dryRun } = args;
    const { db } = s;
    const learner = new NightlyLearner(db, s.embedder, { ...s.learner.config, confidenceThreshold: minConfidence });
    const before = db.prepare('SELECT COALESCE(MAX(id), 0) AS m FROM causal_edges').get().m;
    const taskStats = db.prepare(`SELECT COUNT(*) AS n, AVG(success) AS sr FROM episodes
      WHERE task = (SELECT task FROM episodes WHERE id = ?)`);
    let discovered;
    db.exec('BEGIN IMMEDIATE');
    try {
      await learner.discoverCausalEdges();
      const rows = db.prepare('SELECT * FROM causal_edges WHERE id > ? ORDER BY id').all(before);
      const keep = [];
      for (const row of rows) {
        const st = taskStats.get(row.from_memory_id);
        if (st.n >= minAttempts && (st.sr ?? 0) >= minSuccessRate) keep.push(row);
        else db.prepare('DELETE FROM causal_edges WHERE id = ?').run(row.id);
      }
      db.exec(dryRun ? 'ROLLBACK' : 'COMMIT');
      discovered = keep.map((r) => s.causalGraph.rowToCausalEdge(r));
    } catch (e) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw e;
    }
    return {
      text: `🌙 Discovered ${discovered.length} causal patterns:\n\n` +
        discovered.slice(0, 10).map((e, i) => `${i + 1}. ${e.fromMemoryType} → ${e.toMemoryType}\n   Uplift: ${(e.uplift || 0).toFixed(3)} (n=${e.sampleSize || 0})`).join('\n\n'),
      data: { count: discovered.length, dryRun, edges: discovered },
    };
  },

  async db_stats(args, s) {
    const st = {};
    for (const t of ['causal_edges', 'causal_experiments', 'causal_observations', 'episodes', 'episode_embeddings', 'skills']) {
      st[t] = s.db.prepare(`SELECT COUNT(*) as count FROM ${t}`).get()?.count || 0;
    }
    return {
      text: '📊 Database Statistics:\n\n' +
        `Causal Edges: ${st.causal_edges}\n` +
        `Experiments: ${st.causal_experiments}\n` +
        `Observations: ${st.causal_observations}\n` +
        `Episodes (Vectors): ${st.episodes}\n` +
        `Episode Embeddings: ${st.episode_embeddings}\n` +
        `Skills: ${st.skills}`,
      data: st,
    };
  },

  // ==========================================================================
  // learning system
  // ==========================================================================
  async learning_start_session(args, s) {
    const { user_id: userId, session_type: sessionType, config } = args;
    const sessionId = await s.learningSystem.startSession(userId, sessionType, {
      learningRate: config.learning_rate, discountFactor: config.discount_factor, explorationRate: config.exploration_rate,
      batchSize: config.batch_size, targetUpdateFrequency: config.target_update_frequency,
    });
    return {
      text: '✅ Learning session started!\n\n' +
        `🆔 Session ID: ${sessionId}\n` +
        `👤 User: ${userId}\n` +
        `🧠 Algorithm: ${sessionType}\n` +
        '⚙️  Config:\n' +
        `   • Learning Rate: ${config.learning_rate}\n` +
        `   • Discount Factor: ${config.discount_factor}\n` +
        `   • Exploration Rate: ${config.exploration_rate || 0.1}\n` +
        `   • Batch Size: ${config.batch_size || 32}\n\n` +
        '📝 Use this session ID for predictions and feedback.',
      data: { sessionId, userId, sessionType, config },
    };
  },

  async learning_end_session(args, s) {
    await s.learningSystem.endSession(args.session_id);
    return {
      text: '✅ Learning session ended!\n\n' +
        `🆔 Session ID: ${args.session_id}\n` +
        '💾 Final policy saved to database\n' +
        '📊 Session marked as completed',
      data: { sessionId: args.session_id, ended: true },
    };
  },

  async learning_predict(args, s) {
    const p = await s.learningSystem.predict(args.session_id, args.state);
    return {
      text: '🎯 AI Recommendation:\n\n' +
        `📍 State: ${args.state}\n` +
        `✨ Recommended Action: ${p.action}\n` +
        `💯 Confidence: ${(p.confidence * 100).toFixed(1)}%\n` +
        `📊 Q-Value: ${p.qValue?.toFixed(3) || 'N/A'}\n\n` +
        '🔄 Alternative Actions:\n' +
        p.alternatives.map((alt, i) => `   ${i + 1}. ${alt.action} (${(alt.confidence * 100).toFixed(1)}% confidence)`).join('\n'),
      data: { sessionId: args.session_id, state: args.state, ...p },
    };
  },

  async learning_feedback(args, s) {
    const { session_id: sessionId, state, action, reward, next_state: nextState, success } = args;
    await s.learningSystem.submitFeedback({ sessionId, state, action, reward, nextState, success, timestamp: Date.now() });
    return {
      text: '✅ Feedback recorded!\n\n' +
        `🆔 Session: ${sessionId}\n` +
        `📍 State: ${state}\n` +
        `🎬 Action: ${action}\n` +
        `🏆 Reward: ${reward.toFixed(2)}\n` +
        `${success ? '✅' : '❌'} Success: ${success}\n` +
        `${nextState ? `➡️  Next State: ${nextState}\n` : ''}` +
        '🧠 Policy updated incrementally',
      data: { sessionId, state, action, reward, nextState, success },
    };
  },

  async learning_train(args, s) {
    const { session_id: sessionId, epochs, batch_size: batchSize, learning_rate: learningRate } = args;
    process.stderr.write(`🎓 Training session ${sessionId}...\n`);
    const r = await s.learningSystem.train(sessionId, epochs, batchSize, learningRate);
    return {
      text: '🎓 Training completed!\n\n' +
        '📊 Training Results:\n' +
        `   • Epochs: ${r.epochsCompleted}\n` +
        `   • Final Loss: ${r.finalLoss.toFixed(4)}\n` +
        `   • Avg Reward: ${r.avgReward.toFixed(3)}\n` +
        `   • Convergence Rate: ${(r.convergenceRate * 100).toFixed(1)}%\n` +
        `   • Training Time: ${r.trainingTimeMs}ms\n\n` +
        '💾 Trained policy saved to database\n' +
        '✨ Ready for improved predictions!',
      data: { sessionId, ...r },
    };
  },

  async learning_metrics(args, s) {
    const { session_id: sessionId, time_window_days: timeWindowDays, include_trends: includeTrends, group_by: groupBy } = args;
    const m = await s.learningSystem.getMetrics({ sessionId, timeWindowDays, includeTrends, groupBy });
    const o = m.overall;
    return {
      text: '📊 Learning Performance Metrics\n\n' +
        `⏱️  Time Window: ${timeWindowDays} days\n\n` +
        '📈 Overall Performance:\n' +
        `   • Total Episodes: ${o.totalEpisodes}\n` +
        `   • Success Rate: ${(o.successRate * 100).toFixed(1)}%\n` +
        `   • Avg Reward: ${o.avgReward.toFixed(3)}\n` +
        `   • Reward Range: [${o.minReward.toFixed(2)}, ${o.maxReward.toFixed(2)}]\n` +
        `   • Avg Latency: ${o.avgLatencyMs.toFixed(0)}ms\n\n` +
        `🎯 Top ${groupBy.charAt(0).toUpperCase() + groupBy.slice(1)}s:\n` +
        m.groupedMetrics.slice(0, 5).map((g, i) => `   ${i + 1}. ${cut(g.key, 40)}\n` +
          `      Count: ${g.count}, Success: ${(g.successRate * 100).toFixed(1)}%, Reward: ${g.avgReward.toFixed(2)}`).join('\n') +
        (m.groupedMetrics.length === 0 ? '   No data available' : '') +
        (includeTrends && m.trends.length > 0 ? `\n\n📉 Recent Trends (last ${Math.min(7, m.trends.length)} days):\n` +
          m.trends.slice(-7).map((t) => `   ${t.date}: ${t.count} episodes, ${(t.successRate * 100).toFixed(1)}% success`).join('\n') : '') +
        (m.policyImprovement.versions > 0 ? '\n\n🧠 Policy Improvement:\n' +
          `   • Versions: ${m.policyImprovement.versions}\n` +
          `   • Q-Value Improvement: ${m.policyImprovement.qValueImprovement >= 0 ? '+' : ''}${m.policyImprovement.qValueImprovement.toFixed(3)}` : ''),
      data: { timeWindowDays, groupBy, ...m },
    };
  },

  async learning_transfer(args, s) {
    const { source_session: sourceSession, target_session: targetSession, source_task: sourceTask, target_task: targetTask,
      min_similarity: minSimilarity, transfer_type: transferType, max_transfers: maxTransfers } = args;
    const r = await s.learningSystem.transferLearning({ sourceSession, targetSession, sourceTask, targetTask, minSimilarity, transferType, maxTransfers });
    const t = r.transferred;
    return {
      text: '🔄 Learning Transfer Completed!\n\n' +
        `📤 Source: ${sourceSession ? `Session ${sourceSession}` : `Task "${sourceTask}"`}\n` +
        `📥 Target: ${targetSession ? `Session ${targetSession}` : `Task "${targetTask}"`}\n` +
        `🎯 Transfer Type: ${transferType}\n` +
        `📊 Min Similarity: ${(minSimilarity * 100).toFixed(0)}%\n\n` +
        '✅ Transferred:\n' +
        `   • Episodes: ${t.episodes}\n` +
        `   • Skills/Q-Values: ${t.skills}\n` +
        `   • Causal Edges: ${t.causalEdges}\n` +
        (t.details.length > 0 ? '\n📝 Transfer Details:\n' +
          t.details.slice(0, 5).map((d, i) => `   ${i + 1}. ${d.type} #${d.id} (similarity: ${(d.similarity * 100).toFixed(1)}%)`).join('\n') : '') +
        '\n\n💡 Knowledge successfully transferred for reuse!',
      data: { transferType, minSimilarity, ...r },
    };
  },

  async learning_explain(args, s) {
    const { query, k, explain_depth: explainDepth, include_confidence: includeConfidence, include_evidence: includeEvidence, include_causal: includeCausal } = args;
    const ex = await s.learningSystem.explainAction({ query, k, explainDepth, includeConfidence, includeEvidence, includeCausal });
    return {
      text: '🔍 AI Action Recommendations (Explainable)\n\n' +
        `🎯 Query: ${query}\n\n` +
        '💡 Recommended Actions:\n' +
        ex.recommendations.map((rec, i) => `${i + 1}. ${rec.action}\n` +
          `   • Confidence: ${(rec.confidence * 100).toFixed(1)}%\n` +
          `   • Success Rate: ${(rec.successRate * 100).toFixed(1)}%\n` +
          `   • Avg Reward: ${rec.avgReward.toFixed(3)}\n` +
          `   • Supporting Examples: ${rec.supportingExamples}\n` +
          (includeEvidence && rec.evidence ? '   • Evidence:\n' +
            rec.evidence.map((e) => `     - Episode ${e.episodeId}: reward=${e.reward.toFixed(2)}, similarity=${(e.similarity * 100).toFixed(1)}%`).join('\n') : '')).join('\n\n') +
        (explainDepth !== 'summary' && ex.reasoning ? '\n\n🧠 Reasoning:\n' +
          `   • Similar Experiences Found: ${ex.reasoning.similarExperiencesFound}\n` +
          `   • Avg Similarity: ${(ex.reasoning.avgSimilarity * 100).toFixed(1)}%\n` +
          `   • Unique Actions Considered: ${ex.reasoning.uniqueActions}` : '') +
        (includeCausal && ex.causalChains && ex.causalChains.length > 0 ? '\n\n🔗 Causal Reasoning Chains:\n' +
          ex.causalChains.slice(0, 3).map((c, i) => `   ${i + 1}. ${c.fromMemoryType} → ${c.toMemoryType} (uplift: ${(c.uplift || 0).toFixed(3)})`).join('\n') : ''),
      data: { query, ...ex },
    };
  },

  async experience_record(args, s) {
    const { session_id: sessionId, tool_name: toolName, action, state_before: stateBefore, state_after: stateAfter, outcome, reward,
      success, latency_ms: latencyMs, metadata } = args;
    const id = await s.learningSystem.recordExperience({ sessionId, toolName, action, stateBefore, stateAfter, outcome, reward, success, latencyMs, metadata });
    return {
      text: '✅ Experience recorded successfully!\n\n' +
        `🆔 Experience ID: ${id}\n` +
        `📋 Session: ${sessionId}\n` +
        `🔧 Tool: ${toolName}\n` +
        `🎬 Action: ${action}\n` +
        `📊 Outcome: ${outcome}\n` +
        `🏆 Reward: ${reward.toFixed(3)}\n` +
        `${success ? '✅' : '❌'} Success: ${success}\n` +
        (latencyMs ? `⏱️  Latency: ${latencyMs}ms\n` : '') +
        '\n💾 Experience stored for offline learning and future recommendations',
      data: { id, sessionId, toolName, action, outcome, reward, success },
    };
  },

  async reward_signal(args, s) {
    const { episode_id: episodeId, success, target_achieved: targetAchieved, efficiency_score: efficiencyScore, quality_score: qualityScore,
      time_taken_ms: timeTakenMs, expected_time_ms: expectedTimeMs, include_causal: includeCausal, reward_function: rewardFunction } = args;
    const reward = s.learningSystem.calculateReward({
      episodeId, success, targetAchieved, efficiencyScore, qualityScore, timeTakenMs, expectedTimeMs, includeCausal, rewardFunction,
    });
    return {
      text: '🎯 Reward Signal Calculated\n\n' +
        `📊 Final Reward: ${reward.toFixed(3)}\n` +
        `🔧 Reward Function: ${rewardFunction}\n\n` +
        '📈 Input Factors:\n' +
        `   • Success: ${success ? '✅' : '❌'}\n` +
        `   • Target Achieved: ${targetAchieved ? '✅' : '❌'}\n` +
        `   • Efficiency Score: ${(efficiencyScore * 100).toFixed(1)}%\n` +
        `   • Quality Score: ${(qualityScore * 100).toFixed(1)}%\n` +
        (timeTakenMs && expectedTimeMs ? `   • Time Efficiency: ${((expectedTimeMs / timeTakenMs) * 100).toFixed(1)}%\n` : '') +
        (includeCausal ? '   • Causal Impact: Included\n' : '') +
        '\n💡 Use this reward signal for learning feedback',
      data: { reward, rewardFunction, success, targetAchieved, efficiencyScore, qualityScore, includeCausal },
    };
  },

  // ==========================================================================
  // agentdb tools
  // ==========================================================================
  async agentdb_stats(args, s) {
    const { db } = s;
    const st = {};
    for (const t of ['causal_edges', 'causal_experiments', 'causal_observations', 'episodes', 'episode_embeddings', 'skills',
      'skill_embeddings', 'reasoning_patterns', 'pattern_embeddings', 'learning_sessions']) st[t] = count(db, t);
    let text = '📊 AgentDB Comprehensive Statistics\n\n' +
      '🧠 Memory & Learning:\n' +
      `   Episodes (Vectors): ${st.episodes}\n` +
      `   Episode Embeddings: ${st.episode_embeddings}\n` +
      `   Skills: ${st.skills}\n` +
      `   Skill Embeddings: ${st.skill_embeddings}\n` +
      `   Reasoning Patterns: ${st.reasoning_patterns}\n` +
      `   Pattern Embeddings: ${st.pattern_embeddings}\n` +
      `   Learning Sessions: ${st.learning_sessions}\n\n` +
      '🔗 Causal Intelligence:\n' +
      `   Causal Edges: ${st.causal_edges}\n` +
      `   Experiments: ${st.causal_experiments}\n` +
      `   Observations: ${st.causal_observations}\n`;
    if (args.detailed) {
      const bytes = db.prepare('SELECT page_count * page_size as total_bytes FROM pragma_page_count(), pragma_page_size()').get().total_bytes;
      const recent = db.prepare("SELECT COUNT(*) as count FROM episodes WHERE ts >= strftime('%s', 'now', '-7 days')").get().count;
      st.databaseBytes = bytes;
      st.recentEpisodes7d = recent;
      text += '\n📦 Storage:\n' +
        `   Database Size: ${(bytes / (1024 * 1024)).toFixed(2)} MB\n` +
        `   Recent Activity (7d): ${recent} episodes\n`;
    }
    return { text, data: st };
  },

  async agentdb_pattern_store(args, s) {
    const { taskType, approach, successRate, tags = [], metadata = {} } = args;
    const id = await s.reasoningBank.storePattern({ taskType, approach, successRate, tags, metadata });
    return {
      text: '✅ Reasoning pattern stored successfully!\n\n' +
        `🆔 Pattern ID: ${id}\n` +
        `📋 Task Type: ${taskType}\n` +
        `💡 Approach: ${cut(approach, 100)}\n` +
        `📊 Success Rate: ${(successRate * 100).toFixed(1)}%\n` +
        `🏷️  Tags: ${tags.join(', ') || 'none'}\n` +
        '🧠 Embedding generated and stored',
      data: { id, taskType, successRate, tags },
    };
  },

  async agentdb_pattern_search(args, s) {
    const { task, k, threshold, filters } = args;
    const taskEmbedding = await s.embedder.embed(task);
    const patterns = await s.reasoningBank.searchPatterns({
      taskEmbedding, k, threshold,
      filters: filters ? { taskType: filters.taskType, minSuccessRate: filters.minSuccessRate, tags: filters.tags } : undefined,
    });
    return {
      text: '🔍 Pattern search completed!\n\n' +
        `📊 Found: ${patterns.length} matching patterns\n` +
        `🎯 Query: ${task}\n` +
        `🎚️  Threshold: ${threshold.toFixed(2)}\n\n` +
        'Top Results:\n' +
        patterns.slice(0, 5).map((p, i) => `${i + 1}. [ID: ${p.id}] ${p.taskType}\n` +
          `   Similarity: ${(p.similarity || 0).toFixed(3)}\n` +
          `   Success Rate: ${(p.successRate * 100).toFixed(1)}%\n` +
          `   Approach: ${cut(p.approach, 80)}\n` +
          `   Uses: ${p.uses || 0}`).join('\n\n') +
        (patterns.length > 5 ? `\n\n... and ${patterns.length - 5} more patterns` : ''),
      data: { task, count: patterns.length, patterns: patterns.map(noEmbedding) },
    };
  },

  async agentdb_pattern_stats(args, s) {
    const st = s.reasoningBank.getPatternStats();
    return {
      text: '📊 Reasoning Pattern Statistics\n\n' +
        '📈 Overview:\n' +
        `   Total Patterns: ${st.totalPatterns}\n` +
        `   Avg Success Rate: ${(st.avgSuccessRate * 100).toFixed(1)}%\n` +
        `   Avg Uses per Pattern: ${st.avgUses.toFixed(1)}\n` +
        `   High Performing (≥80%): ${st.highPerformingPatterns}\n` +
        `   Recent (7 days): ${st.recentPatterns}\n\n` +
        '🏆 Top Task Types:\n' +
        st.topTaskTypes.slice(0, 10).map((tt, i) => `   ${i + 1}. ${tt.taskType}: ${tt.count} patterns`).join('\n') +
        (st.topTaskTypes.length === 0 ? '   No patterns stored yet' : ''),
      data: st,
    };
  },

  async agentdb_clear_cache(args, s) {
    s.reasoningBank.clearCache();
    return {
      text: '✅ Cache cleared successfully!\n\n' +
        `🧹 Cache Type: ${args.cache_type}\n` +
        '♻️  Statistics and search results will be refreshed on next query',
      data: { cacheType: args.cache_type, cleared: true },
    };
  },
};

/**
 * Run the server until stdin ends or SIGINT/SIGTERM; resolves to the exit
 * code once the database is closed. `dbPath`: AGENTDB_PATH or ./agentdb.db.
 */
async function main({ dbPath = process.env.AGENTDB_PATH || './agentdb.db' } = {}) {
  reserveStdout(); // before anything can print
  const session = await openSession(dbPath);
  process.stderr.write(`agentdb MCP server (ruvector): ${path.resolve(dbPath)}${fs.existsSync(dbPath) ? '' : ' (new)'}\n`);
  return serve({
    info: { name: 'agentdb', version: '1.6.1' },
    tools,
    exclusive: new Set(['agentdb_init', 'learner_discover']),
    call: (name, args) => handlers[name](args, session),
    close: () => session.db.closeAsync(),
  });
}

module.exports = { main, handlers, tools };
