'use strict';
// Scripted call sequences for test/agentdb-differential.test.js. Each runs
// once against agentdb 1.6.1 and once against ours (harness.js), with the
// mock embedder; every step's result (or error message) must be equal,
// except steps marked {diff: ...}, where a fix listed in the README makes
// ours differ (those still run on both sides).

// ReflexionMemory and SkillLibrary: storing, every retrieval filter, ties
// (identical episodes with equal rewards), statistics, consolidation.
const reflexionAndSkills = async ({ A, db, step, embedder }) => {
  const emb = embedder(64);
  const r = new A.ReflexionMemory(db, emb);
  const tasks = ['implement auth', 'fix bug', 'write tests', 'deploy app', 'refactor module'];
  for (let i = 0; i < 60; i++) {
    await step(`store ${i}`, () => r.storeEpisode({
      sessionId: `s${i % 4}`, task: tasks[i % 5], input: i % 3 ? `in ${i}` : undefined,
      output: i % 2 ? `output text ${i % 7}` : '', critique: i % 4 ? `critique ${i % 6}` : undefined,
      reward: [0.1, 0.5, 0.7, 0.9, 0.5][i % 5], success: i % 3 !== 0, latencyMs: i * 10, tokensUsed: i,
      tags: i % 5 === 0 ? ['a', 'b'] : undefined, metadata: i % 4 === 0 ? { lang: 'ts', n: i } : undefined,
    }));
  }
  for (const q of [{ task: 'implement auth' }, { task: 'fix bug', k: 10 }, { task: 'write tests', currentState: 'failing', k: 7 },
    { task: 'deploy', onlyFailures: true }, { task: 'deploy app', onlySuccesses: true, minReward: 0.6, k: 20 },
    { task: 'refactor module', timeWindowDays: 1, k: 12 }, { task: 'x', k: 100 }, { task: 'implement auth', minReward: 2 }]) {
    await step(`retrieve ${JSON.stringify(q)}`, () => r.retrieveRelevant(q));
  }
  await step('stats', () => r.getTaskStats('fix bug'));
  await step('stats window', () => r.getTaskStats('fix bug', 3));
  await step('critique', () => r.getCritiqueSummary({ task: 'implement auth' }));
  await step('strategies', () => r.getSuccessStrategies({ task: 'deploy app' }));
  await step('prune', () => r.pruneEpisodes({}));
  const s = new A.SkillLibrary(db, emb);
  for (let i = 0; i < 25; i++) {
    await step(`skill ${i}`, () => s.createSkill({ name: `skill_${i}`, description: i % 3 ? `does thing ${i % 4}` : undefined,
      signature: { inputs: { x: 'string' }, outputs: { y: i % 2 ? 'number' : 'any' } }, code: i % 2 ? 'code' : undefined,
      successRate: (i % 10) / 10, uses: i * 37, avgReward: ((i * 7) % 10) / 10, avgLatencyMs: i * 3, metadata: i % 5 ? undefined : { i } }));
  }
  await step('dup skill', () => s.createSkill({ name: 'skill_3', signature: { inputs: {}, outputs: {} }, successRate: 1, uses: 0, avgReward: 0, avgLatencyMs: 0 }));
  await step('upd', () => { s.updateSkillStats(4, true, 0.9, 100); s.updateSkillStats(7, false, 0.1, 50); });
  for (const q of [{ task: 'does thing 1' }, { task: 'skill_12', k: 10, minSuccessRate: 0 }, { task: 'x', k: 30, preferRecent: false, minSuccessRate: 0.3 }, { task: 'does thing 2', k: 3, minSuccessRate: 0.9 }]) {
    await step(`search ${JSON.stringify(q)}`, () => s.searchSkills(q));
  }
  await step('link', () => { s.linkSkills({ parentSkillId: 1, childSkillId: 2, relationship: 'prerequisite', weight: 0.5 }); s.linkSkills({ parentSkillId: 1, childSkillId: 3, relationship: 'alternative', weight: 0.7 }); s.linkSkills({ parentSkillId: 1, childSkillId: 2, relationship: 'prerequisite', weight: 0.9 }); });
  await step('plan', () => s.getSkillPlan(1));
  await step('plan missing', () => s.getSkillPlan(999));
  await step('consolidate', () => s.consolidateEpisodesIntoSkills({ minAttempts: 3, minReward: 0.5 }));
  await step('search after', () => s.searchSkills({ task: 'implement auth', k: 5, minSuccessRate: 0 }));
  await step('prune skills', () => s.pruneSkills({}));
};;

// CausalMemoryGraph, CausalRecall (16 episodes: agentdb scores only the 4k
// most recent, so with k >= 4 its scan covers them all), ExplainableRecall,
// NightlyLearner.
const causal = async ({ A, db, step, embedder }) => {
  const emb = embedder(32);
  const r = new A.ReflexionMemory(db, emb);
  for (let i = 0; i < 16; i++) await r.storeEpisode({ sessionId: `s${i % 3}`, task: ['plan', 'code', 'test', 'ship'][i % 4], output: `o${i % 5}`, critique: `c ${i % 3}`, reward: (i % 10) / 10, success: i % 2 === 0, latencyMs: (i * 37) % 1200 });
  // Episode times are whole seconds of the wall clock, and NightlyLearner
  // pairs episodes by "later than": whether the 16 stores straddled a
  // second decided its experiments, differently on each side under load.
  // Give both sides the same times.
  db.prepare('UPDATE episodes SET ts = 1700000000 + id').run();
  const g = new A.CausalMemoryGraph(db);
  await step('edge', () => g.addCausalEdge({ fromMemoryId: 1, fromMemoryType: 'episode', toMemoryId: 3, toMemoryType: 'episode', similarity: 0.8, uplift: 0.2, confidence: 0.9, sampleSize: 10, evidenceIds: ['1', '2'], mechanism: 'm', metadata: { a: 1 } }));
  await step('edge2', () => g.addCausalEdge({ fromMemoryId: 3, fromMemoryType: 'episode', toMemoryId: 4, toMemoryType: 'episode', similarity: 0.7, uplift: 0.15, confidence: 0.8 }));
  await step('edge3', () => g.addCausalEdge({ fromMemoryId: 1, fromMemoryType: 'episode', toMemoryId: 4, toMemoryType: 'episode', similarity: 0.5, uplift: 0, confidence: 0.7 }));
  await step('edge bad conf', () => g.addCausalEdge({ fromMemoryId: 1, fromMemoryType: 'episode', toMemoryId: 2, toMemoryType: 'episode', similarity: 0.5, uplift: 0.1, confidence: 1.5 }));
  await step('exp', () => g.createExperiment({ name: 'e', hypothesis: 'h', treatmentId: 1, treatmentType: 'episode', startTime: 1, sampleSize: 0, status: 'running' }));
  await step('obs', () => { for (const [t, v] of [[true, 0.9], [true, 0.8], [false, 0.3], [false, 0.4]]) g.recordObservation({ experimentId: 1, episodeId: 2, isTreatment: t, outcomeValue: v, outcomeType: 'reward' }); });
  await step('uplift', () => g.calculateUplift(1));
  await step('uplift empty', () => g.calculateUplift(99));
  await step('query', () => g.queryCausalEffects({ interventionMemoryId: 1, interventionMemoryType: 'episode' }));
  await step('query outcome', () => g.queryCausalEffects({ interventionMemoryId: 1, interventionMemoryType: 'episode', outcomeMemoryId: 3, minConfidence: 0.1 }));
  await step('chain', () => g.getCausalChain(1, 4));
  await step('gain', () => g.calculateCausalGain(1, 'reward'));
  await step('confounders', () => g.detectConfounders(1));
  await step('confounders none', () => g.detectConfounders(77));
  const cr = new A.CausalRecall(db, emb);
  await step('recall', () => cr.recall('q1', 'plan the code release', 5));
  await step('recall reqs', () => cr.recall('q2', 'test', 4, ['o1', 'c'], 'public'));
  await step('batch', () => cr.batchRecall([{ queryId: 'b1', queryText: 'ship it' }, { queryId: 'b2', queryText: 'code', k: 4 }]));
  await step('cr stats', () => cr.getStats());
  await step('search', () => cr.search({ query: 'plan', k: 4 }));
  await step('search w', () => cr.search({ query: 'plan', k: 4, alpha: 0.2, beta: 0.7, gamma: 0.5 }));
  const er = new A.ExplainableRecall(db);
  const cert = await er.createCertificate({ queryId: 'x', queryText: 'plan code', chunks: [{ id: '1', type: 'episode', content: 'plan o1', relevance: 0.95 }, { id: '2', type: 'episode', content: 'code', relevance: 0.6 }], requirements: ['plan', 'code'] });
  await step('cert', () => cert);
  await step('verify', () => er.verifyCertificate(cert.id));
  await step('verify missing', () => er.verifyCertificate('nope'));
  await step('just', () => er.getJustification(cert.id, '1'));
  await step('lineage', () => er.getProvenanceLineage(cert.sourceHashes[0]));
  await step('audit', () => er.auditCertificate(cert.id));
  await step('audit missing', () => er.auditCertificate('nope'));
  const nl = new A.NightlyLearner(db, emb, { minSimilarity: 0.7, minSampleSize: 1, confidenceThreshold: 0.1, upliftThreshold: 0.01, pruneOldEdges: true, edgeMaxAgeDays: 90, autoExperiments: true, experimentBudget: 3 });
  await step('learner run', async () => { const rep = await nl.run(); return { ...rep, executionTimeMs: typeof rep.executionTimeMs }; });
  await step('discover', () => nl.discover({ dryRun: true }));
  await step('edges after', () => db.prepare('SELECT id, from_memory_id, to_memory_id, uplift, confidence, mechanism FROM causal_edges ORDER BY id').all());
};;

// LearningSystem (all nine session types), ReasoningBank, WASMVectorSearch,
// HNSWIndex, MMR, MetadataFilter, ContextSynthesizer, validation helpers,
// BatchOperations, pragma.
const learningAndTools = async ({ A, db, step, embedder }) => {
  const emb = embedder(32);
  const ls = new A.LearningSystem(db, emb);
  const types = ['q-learning', 'sarsa', 'dqn', 'policy-gradient', 'actor-critic', 'ppo', 'decision-transformer', 'mcts', 'model-based'];
  const ids = [];
  for (const t of types) await step(`start ${t}`, async () => { const id = await ls.startSession('u1', t, { learningRate: 0.1, discountFactor: 0.9, explorationRate: 1e-300 }); ids.push(id); return id; });
  for (let i = 0; i < types.length; i++) await step(`predict empty ${types[i]}`, () => ls.predict(ids[i], 'state-a'));
  await step('predict unknown', () => ls.predict('nope', 's'));
  await step('feedback unknown', () => ls.submitFeedback({ sessionId: 'nope', state: 's', action: 'a', reward: 1, success: true, timestamp: 1 }));
  await step('train unknown', () => ls.train('nope', 1, 1, 0.1));
  await step('train nodata', () => ls.train(ids[0], 1, 1, 0.1));
  for (let i = 0; i < types.length; i++) {
    for (let j = 0; j < 6; j++) {
      await step(`feedback ${types[i]} ${j}`, () => ls.submitFeedback({ sessionId: ids[i], state: `state-${j % 3}`, action: `act-${j % 2}`, reward: (j % 4) / 4, nextState: j % 2 ? `state-${(j + 1) % 3}` : undefined, success: j % 2 === 0, timestamp: 1767225600000 - j * 1000 }));
    }
  }
  await step('feedback NaN', () => ls.submitFeedback({ sessionId: ids[0], state: 's', action: 'a', reward: NaN, success: true, timestamp: 1 }));
  for (let i = 0; i < types.length; i++) await step(`predict after ${types[i]}`, () => ls.predict(ids[i], 'state-1'), { diff: 'policy learns (fix)' });
  for (let i = 0; i < types.length; i++) await step(`train ${types[i]}`, () => ls.train(ids[i], 3, 4, 0.05), { diff: 'policy learns (fix)' });
  await step('metrics', () => ls.getMetrics({}));
  await step('metrics session', () => ls.getMetrics({ sessionId: ids[0], groupBy: 'session' }), { diff: 'policy versions (fix)' });
  await step('explain', () => ls.explainAction({ query: 'state-1', k: 3 }));
  await step('explain full', () => ls.explainAction({ query: 'state-2', k: 5, explainDepth: 'full' }));
  await step('transfer', () => ls.transferLearning({ sourceSession: ids[0], targetSession: ids[1], transferType: 'episodes', maxTransfers: 3 }));
  await step('transfer task', () => ls.transferLearning({ sourceTask: 'state', targetTask: 'state-9', minSimilarity: -1, maxTransfers: 2 }));
  await step('transfer bad', () => ls.transferLearning({}));
  await step('record', () => ls.recordExperience({ sessionId: ids[2], toolName: 'grep', action: 'search', stateBefore: { a: 1 }, stateAfter: { b: 2 }, outcome: 'found', reward: 0.8, success: true, latencyMs: 12 }));
  await step('record no after', () => ls.recordExperience({ sessionId: ids[2], toolName: 'grep', action: 'search', outcome: 'found', reward: 0.8, success: true }), { diff: 'recordExperience without stateAfter works (fix)' });
  for (const o of [{ success: true }, { success: false, rewardFunction: 'sparse' }, { success: true, rewardFunction: 'dense', qualityScore: 0.9 }, { success: true, rewardFunction: 'shaped', timeTakenMs: 50, expectedTimeMs: 100 }, { episodeId: 1, success: true }]) await step(`reward ${JSON.stringify(o)}`, () => ls.calculateReward(o));
  await step('end', () => ls.endSession(ids[3]));
  await step('end again', () => ls.endSession(ids[3]));
  await step('predict ended', () => ls.predict(ids[3], 's'));
  await step('end unknown', () => ls.endSession('nope'));
  await step('policies', () => db.prepare('SELECT session_id, version FROM learning_policies ORDER BY id').all(), { diff: 'policy versions (fix)' });

  const rb = new A.ReasoningBank(db, emb);
  for (let i = 0; i < 30; i++) await step(`pattern ${i}`, () => rb.storePattern({ taskType: ['review', 'debug', 'design'][i % 3], approach: `approach ${i % 7}`, successRate: (i % 10) / 10, uses: i, avgReward: i % 3 / 3, tags: i % 2 ? ['x', `t${i % 3}`] : undefined, metadata: i % 4 ? undefined : { i } }));
  const q = await emb.embed('debug: approach 3');
  for (const sq of [{}, { k: 5 }, { k: 40, threshold: 0.5 }, { filters: { taskType: 'review' } }, { filters: { minSuccessRate: 0.5 }, k: 4 }, { filters: { tags: ['t1', 't2'] }, k: 20 }, { threshold: 0.999 }]) {
    await step(`searchPatterns ${JSON.stringify(sq)}`, () => rb.searchPatterns({ taskEmbedding: q, ...sq }));
  }
  await step('searchPatterns wrong dim', () => rb.searchPatterns({ taskEmbedding: new Float32Array(5) }));
  await step('stats', () => rb.getPatternStats());
  await step('upd', () => rb.updatePatternStats(3, true, 0.5));
  await step('get', () => rb.getPattern(3));
  await step('get missing', () => rb.getPattern(333));
  await step('delete', () => rb.deletePattern(4));
  await step('delete missing', () => rb.deletePattern(4));
  await step('search after delete', () => rb.searchPatterns({ taskEmbedding: q, k: 6 }));

  const w = new A.WASMVectorSearch(db);
  await step('knn', () => w.findKNN(q, 5));
  await step('knn threshold', () => w.findKNN(q, 50, 'pattern_embeddings', { threshold: 0.3 }));
  await step('knn filters', () => w.findKNN(q, 5, 'pattern_embeddings', { filters: { pattern_id: 7 } }));
  await step('knn bad table', () => w.findKNN(q, 5, 'nosuchtable'));
  await step('knn bad column', () => w.findKNN(q, 5, 'pattern_embeddings', { filters: { nope: 1 } }));
  await step('knn episodes table', () => w.findKNN(q, 5, 'episode_embeddings'));
  await step('cos', () => w.cosineSimilarity(q, q));
  await step('cos bad', () => w.cosineSimilarity(q, new Float32Array(2)));
  await step('batch', () => w.batchSimilarity(q, [q, new Float32Array(32).fill(1)]));
  await step('stats w', () => w.getStats());

  const h = new A.HNSWIndex(db, { dimension: 32, persistIndex: false });
  await step('hnsw search unbuilt', () => h.search(q, 3));
  await step('hnsw build', () => h.buildIndex());
  await step('hnsw search', () => h.search(q, 5).then((r) => r.map((x) => (Math.round(x.distance * 1e5) / 1e5 + 0).toFixed(5)).sort()));
  await step('hnsw search thr', () => h.search(q, 10, { threshold: 0.5 }).then((r) => r.map((x) => (Math.round(x.distance * 1e5) / 1e5 + 0).toFixed(5)).sort()));
  await step('hnsw stats', () => { const s = h.getStats(); return { ...s, lastBuildTime: typeof s.lastBuildTime, avgSearchTimeMs: typeof s.avgSearchTimeMs }; });
  await step('hnsw ready', () => [h.isReady(), h.needsRebuild()]);

  await step('mmr', () => A.MMRDiversityRanker.selectDiverse([1, 2, 3, 4, 5].map((i) => ({ id: i, embedding: [i, 1, i % 2], similarity: 1 / i })), [1, 1, 1], { k: 3, lambda: 0.3 }));
  await step('mmr div', () => A.MMRDiversityRanker.calculateDiversityScore([{ embedding: [1, 0] }, { embedding: [0, 1] }, { embedding: [1, 1] }]));
  await step('mmr bad', () => A.MMRDiversityRanker.selectDiverse([{ id: 1, embedding: [1] }, { id: 2, embedding: [1, 2] }], [1], { k: 1 }));
  const items = [{ a: 1, metadata: '{"year":2024,"tags":["x"]}' }, { a: 2, metadata: { year: 2020 } }, { a: 3 }];
  await step('mf apply', () => A.MetadataFilter.apply(JSON.parse(JSON.stringify(items)), { 'metadata.year': { $gte: 2021 } }));
  await step('mf sql', () => A.MetadataFilter.toSQL({ 'metadata.year': { $gte: 2021, $in: [1, 2] }, a: 3, b: { $exists: false } }, 'e'));
  await step('mf validate', () => A.MetadataFilter.validate({ '': 1, a: { gt: 1 } }));
  await step('cs', () => A.ContextSynthesizer.synthesize([{ task: 't', reward: 0.9, success: true, critique: 'use caching to speed up' }, { task: 't', reward: 0.2, success: false, critique: 'use caching to speed up' }]));
  for (const [f, args] of [['validateTableName', ['episodes']], ['validateTableName', ['users']], ['validateTableName', ['']], ['validateColumnName', ['episodes', 'reward']], ['validateColumnName', ['episodes', 'password']], ['validatePragmaCommand', ['journal_mode = WAL']], ['validatePragmaCommand', ['table_info(x)']], ['buildSafeWhereClause', ['episodes', { task: 't', reward: 1 }]], ['buildSafeWhereClause', ['episodes', {}]], ['buildSafeSetClause', ['skills', { uses: 2 }]], ['buildSafeSetClause', ['skills', { 'x; drop': 2 }]]]) {
    await step(`${f} ${JSON.stringify(args)}`, () => { try { return A[f](...args); } catch (e) { return { name: e.name, code: e.code, field: e.field, message: e.message, safe: e.getSafeMessage && e.getSafeMessage() }; } });
  }
  const bo = new A.BatchOperations(db, emb, { batchSize: 4 });
  await step('bo insert', () => bo.insertEpisodes([1, 2, 3, 4, 5, 6].map((i) => ({ sessionId: 'b', task: `batch ${i % 2}`, reward: i / 10, success: true, critique: i % 2 ? 'cc' : undefined }))));
  await step('bo bulkDelete bad table', () => bo.bulkDelete('users', { id: 1 }));
  await step('bo bulkDelete bad col', () => bo.bulkDelete('episodes', { password: 1 }));
  await step('bo bulkUpdate', () => bo.bulkUpdate('episodes', { reward: 0.99 }, { task: 'batch 1' }));
  await step('bo bulkDelete', () => bo.bulkDelete('episodes', { task: 'batch 0' }));
  await step('bo regen', () => bo.regenerateEmbeddings());
  await step('bo parallel', () => bo.processInParallel([1, 2, 3, 4, 5], async (x) => x * 2));
  const r = new A.ReflexionMemory(db, emb);
  await step('retrieve after batch', () => r.retrieveRelevant({ task: 'batch 1', k: 10 }));
  await step('pragma ok', () => db.pragma('user_version'));
  await step('pragma bad', () => db.pragma('table_info(episodes)'));
};;

// Raw SQL on the object createDatabase returns: statement shapes, BLOBs,
// lastInsertRowid, transactions, errors (sql.js's message for undefined).
const rawSql = async ({ db, step }) => {
  await step('tables', () => db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('episodes', 'skills', 'causal_edges', 'recall_certificates', 'notes', 'facts') ORDER BY name").all());
  await step('insert', () => db.prepare('INSERT INTO notes (title, text, importance) VALUES (?, ?, ?)').run('t', 'hello', 0.9));
  await step('insert 2', () => db.prepare('INSERT INTO notes (title, text) VALUES (?, ?)').run(null, 'world'));
  await step('get', () => db.prepare('SELECT id, title, text, importance, note_type FROM notes WHERE id = ?').get(1));
  await step('get none', () => db.prepare('SELECT * FROM notes WHERE id = ?').get(99));
  await step('all', () => db.prepare('SELECT id, text FROM notes ORDER BY id').all());
  await step('update', () => db.prepare('UPDATE notes SET access_count = access_count + 1 WHERE id = ?').run(1));
  await step('blob', () => { db.prepare('INSERT INTO note_embeddings (note_id, embedding) VALUES (?, ?)').run(1, Buffer.from(new Float32Array([1, 2, 3]).buffer)); return db.prepare('SELECT embedding, embedding_model FROM note_embeddings').get(); });
  await step('bool param', () => db.prepare('SELECT ? AS t, ? AS f').get(true, false));
  await step('int division', () => db.prepare('SELECT ? / ? AS q, ? / 2 AS r').get(7, 2, 7.5));
  await step('undefined param', () => db.prepare('SELECT ?').get(undefined));
  await step('syntax error', () => db.prepare('SELEC 1').get());
  await step('no table', () => db.prepare('SELECT * FROM nope').all());
  await step('constraint', () => db.prepare('INSERT INTO skills (name, signature) VALUES (?, ?)').run(null, '{}'));
  await step('transaction', () => { const t = db.transaction(() => { db.prepare('INSERT INTO facts (subject, predicate, object) VALUES (?, ?, ?)').run('a', 'b', 'c'); return 5; }); return t(); });
  await step('rollback', () => { const t = db.transaction(() => { db.prepare('INSERT INTO facts (subject, predicate, object) VALUES (?, ?, ?)').run('x', 'y', 'z'); throw new Error('boom'); }); return t(); });
  await step('facts', () => db.prepare('SELECT subject FROM facts').all());
  await step('views', () => db.prepare('SELECT * FROM top_skills').all());
  await step('trigger', () => db.prepare('INSERT INTO causal_edges (from_memory_id, from_memory_type, to_memory_id, to_memory_type, confidence) VALUES (1, ?, 2, ?, 2)').run('a', 'b'));
  await step('pragma journal', () => db.pragma('journal_mode'), { diff: 'WAL on a real file; sql.js in memory reports memory' });
  await step('pragma fk', () => db.pragma('foreign_keys'));
};

// Bad input: invalid table and column names, wrong embedding dimensions,
// unknown session ids, non-finite rewards; afterwards the database is
// intact and every table holds only what succeeded.
const badInput = async ({ A, db, step, embedder, which }) => {
  const emb = embedder(16);
  const r = new A.ReflexionMemory(db, emb);
  for (let i = 0; i < 12; i++) await r.storeEpisode({ sessionId: 's', task: `task ${i % 4}`, reward: i / 12, success: i % 2 === 0 });
  const bo = new A.BatchOperations(db, emb);
  await step('bulkDelete table', () => bo.bulkDelete('sqlite_master', { name: 'episodes' }));
  await step('bulkDelete injection', () => bo.bulkDelete('episodes; DROP TABLE episodes', { id: 1 }));
  await step('bulkUpdate column', () => bo.bulkUpdate('episodes', { 'reward = 1, task': 'x' }, { id: 1 }));
  await step('bulkUpdate where column', () => bo.bulkUpdate('episodes', { reward: 1 }, { '1=1 OR id': 1 }));
  await step('bulkDelete empty', () => bo.bulkDelete('episodes', {}));
  const w = new A.WASMVectorSearch(db);
  const q = await emb.embed('task 1');
  await step('knn injection table', () => w.findKNN(q, 3, 'pattern_embeddings WHERE 1=1 UNION SELECT id, task FROM episodes --'), { diff: 'agentdb pasted the table name into its SQL (an injection); ours refuses unknown names with SQLite\'s message' });
  await step('knn injection filter', () => w.findKNN(q, 3, 'pattern_embeddings', { filters: { '1=1 OR pattern_id': 1 } }), { diff: 'filter keys are checked against the columns' });
  await step('wrong dim reflexion', () => new A.ReflexionMemory(db, embedder(8)).retrieveRelevant({ task: 'task 1' }), { diff: 'a query of another dimension is RV_EDIM, not meaningless similarities' });
  const rb = new A.ReasoningBank(db, emb);
  await rb.storePattern({ taskType: 't', approach: 'a', successRate: 0.5 });
  await step('wrong dim patterns', () => rb.searchPatterns({ taskEmbedding: new Float32Array(3) }));
  await step('wrong dim wasm', () => w.findKNN(new Float32Array(3), 3));
  await step('mmr wrong dim', () => A.MMRDiversityRanker.calculateDiversityScore([{ embedding: [1] }, { embedding: [1, 2] }]));
  const ls = new A.LearningSystem(db, emb);
  await step('unknown session predict', () => ls.predict('session-x', 's'));
  await step('unknown session feedback', () => ls.submitFeedback({ sessionId: 'session-x', state: 's', action: 'a', reward: 1, success: true, timestamp: 1 }));
  await step('unknown session end', () => ls.endSession('session-x'));
  await step('unknown session train', () => ls.train('session-x', 1, 1, 0.1));
  const sid = await ls.startSession('u', 'q-learning', { learningRate: 0.1, discountFactor: 0.9 });
  await step('NaN reward feedback', () => ls.submitFeedback({ sessionId: sid, state: 's', action: 'a', reward: NaN, success: true, timestamp: 1 }));
  await step('Infinity reward feedback', () => ls.submitFeedback({ sessionId: sid, state: 's', action: 'a', reward: Infinity, success: true, timestamp: 1 }), { diff: 'a non-finite reward is refused' });
  await step('NaN reward episode', () => r.storeEpisode({ sessionId: 's', task: 'nan', reward: NaN, success: true }), { diff: 'a non-finite reward is refused (agentdb stored NULL)' });
  await step('Infinity reward record', () => ls.recordExperience({ sessionId: sid, toolName: 't', action: 'a', stateAfter: {}, outcome: 'o', reward: -Infinity, success: false }), { diff: 'a non-finite reward is refused' });
  await step('missing reward episode', () => r.storeEpisode({ sessionId: 's', task: 'none', success: true }),
    { diff: 'the missing field is named (agentdb: sql.js\'s "Wrong API use" message)' });
  await step('missing session episode', () => r.storeEpisode({ task: 'none', reward: 1, success: true }),
    { diff: 'the missing field is named (agentdb: sql.js\'s "Wrong API use" message)' });
  const s = new A.SkillLibrary(db, emb);
  await step('NaN skill stats', () => s.updateSkillStats(1, true, NaN, 1), { diff: 'a non-finite reward is refused' });
  await step('integrity', () => db.prepare('PRAGMA integrity_check').get());
  await step('episodes count', () => db.prepare('SELECT COUNT(*) AS n FROM episodes WHERE task NOT IN (?, ?)').get('nan', 'none'));
  await step('tables intact', () => db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'episodes'").get());
  await step('retrieve after', () => r.retrieveRelevant({ task: 'task 2', k: 4 }));
};

module.exports = { reflexionAndSkills, causal, learningAndTools, rawSql, badInput };
