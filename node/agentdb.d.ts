// Type declarations for ruvector/agentdb: agentdb 1.6.1's public surface
// (the same classes, signatures and shapes; see README.md, "agentdb").

// ---------------------------------------------------------------- database

export interface CreateDatabaseOptions {
  /** Open read-only (better-sqlite3's option). */
  readonly?: boolean;
  /** false: keep the vector indexes in memory only (no <file>.rvindex directory). */
  vectorIndex?: boolean;
  /** Tables with fewer embeddings are searched by an exact scan (default 4096). */
  exactThreshold?: number;
  /** HNSW candidate list size for searches (default 128). */
  efSearch?: number;
}

/** A prepared statement (better-sqlite3's, binding as agentdb's sql.js did). */
export interface AgentStatement {
  run(...params: any[]): { changes: number; lastInsertRowid: number | bigint };
  get(...params: any[]): any;
  all(...params: any[]): any[];
  iterate(...params: any[]): Iterable<any>;
  pluck(on?: boolean): this;
  raw(on?: boolean): this;
  expand(on?: boolean): this;
  columns(): { name: string; column: string | null; table: string | null; database: string | null; type: string | null }[];
  /** sql.js's; a no-op. */
  finalize(): void;
  readonly source: string;
  readonly reader: boolean;
}

/**
 * A better-sqlite3 database (a subclass of better-sqlite3's Database: every
 * method of it is there) with agentdb's schema, WAL journal mode and
 * synchronous=FULL, and agentdb's sql.js wrapper semantics where they differ.
 */
export interface AgentDatabase {
  readonly name: string;
  readonly open: boolean;
  readonly inTransaction: boolean;
  readonly readonly: boolean;
  readonly memory: boolean;
  readonly filename: string;
  prepare(sql: string): AgentStatement;
  exec(sql: string): this;
  transaction<F extends (...args: any[]) => any>(fn: F): F & { deferred: F; immediate: F; exclusive: F };
  function(name: string, ...args: any[]): this;
  close(): this;
  /** agentdb's: whitelisted pragma names only; returns the first value of the first row. */
  pragma(source: string, options?: unknown): any;
  /** better-sqlite3's pragma(). */
  rawPragma(source: string, options?: { simple?: boolean }): any;
  /** better-sqlite3's prepare() (without agentdb's binding rules). */
  rawPrepare(sql: string): any;
  /** A no-op: every write is already durable. */
  save(): void;
  /** close(), then wait until the vector indexes are closed and their state saved. */
  closeAsync(): Promise<void>;
}

export declare function createDatabase(filename: string, options?: CreateDatabaseOptions): Promise<AgentDatabase>;
export declare function applySchema(db: any): void;
export declare function getDatabaseInfo(): { implementation: string; isNative: boolean; performance: string; requiresBuildTools: boolean };

// ---------------------------------------------------------------- embeddings

export interface EmbeddingConfig { model: string; dimension: number; provider: 'transformers' | 'openai' | 'local'; apiKey?: string }
export declare class EmbeddingService {
  constructor(config: EmbeddingConfig);
  config: EmbeddingConfig;
  initialize(): Promise<void>;
  embed(text: string): Promise<Float32Array>;
  embedBatch(texts: string[]): Promise<Float32Array[]>;
  clearCache(): void;
}
export interface EnhancedEmbeddingConfig extends EmbeddingConfig { enableWASM?: boolean; enableBatchProcessing?: boolean; batchSize?: number }
export declare class EnhancedEmbeddingService extends EmbeddingService {
  constructor(config: EnhancedEmbeddingConfig);
  similarity(a: string, b: string): Promise<number>;
  findMostSimilar(query: string, corpus: string[], k?: number): Promise<{ text: string; similarity: number; index: number }[]>;
  getStats(): { cacheSize: number; wasmEnabled: boolean; simdEnabled: boolean };
}

// ---------------------------------------------------------------- reflexion

export interface Episode {
  id?: number; ts?: number; sessionId: string; task: string; input?: string; output?: string; critique?: string;
  reward: number; success: boolean; latencyMs?: number; tokensUsed?: number; tags?: string[]; metadata?: Record<string, any>;
}
export interface EpisodeWithEmbedding extends Episode { embedding?: Float32Array; similarity?: number }
export interface ReflexionQuery {
  task: string; currentState?: string; k?: number; minReward?: number; onlyFailures?: boolean; onlySuccesses?: boolean; timeWindowDays?: number;
  /** ruvector: only this session's episodes */
  sessionId?: string;
  /** ruvector: episodes carrying any of these tags */
  tags?: string[];
}
export declare class ReflexionMemory {
  constructor(db: any, embedder: EmbeddingService);
  storeEpisode(episode: Episode): Promise<number>;
  retrieveRelevant(query: ReflexionQuery): Promise<EpisodeWithEmbedding[]>;
  getTaskStats(task: string, timeWindowDays?: number): { totalAttempts: number; successRate: number; avgReward: number; avgLatency: number; improvementTrend: number };
  getCritiqueSummary(query: ReflexionQuery): Promise<string>;
  getSuccessStrategies(query: ReflexionQuery): Promise<string>;
  pruneEpisodes(config: { minReward?: number; maxAgeDays?: number; keepMinPerTask?: number }): number;
}

// ---------------------------------------------------------------- skills

export interface Skill {
  id?: number; name: string; description?: string; signature: { inputs: Record<string, any>; outputs: Record<string, any> };
  code?: string; successRate: number; uses: number; avgReward: number; avgLatencyMs: number; createdFromEpisode?: number;
  metadata?: Record<string, any>; similarity?: number;
}
export interface SkillLink { parentSkillId: number; childSkillId: number; relationship: 'prerequisite' | 'alternative' | 'refinement' | 'composition'; weight: number; metadata?: Record<string, any> }
export interface SkillQuery { task: string; k?: number; minSuccessRate?: number; preferRecent?: boolean }
export declare class SkillLibrary {
  constructor(db: any, embedder: EmbeddingService);
  createSkill(skill: Skill): Promise<number>;
  updateSkillStats(skillId: number, success: boolean, reward: number, latencyMs: number): void;
  searchSkills(query: SkillQuery): Promise<Skill[]>;
  retrieveSkills(query: SkillQuery): Promise<Skill[]>;
  linkSkills(link: SkillLink): void;
  getSkillPlan(skillId: number): { skill: Skill; prerequisites: Skill[]; alternatives: Skill[]; refinements: Skill[] };
  consolidateEpisodesIntoSkills(config: { minAttempts?: number; minReward?: number; timeWindowDays?: number; extractPatterns?: boolean }):
    Promise<{ created: number; updated: number; patterns: { task: string; commonPatterns: string[]; successIndicators: string[]; avgReward: number }[] }>;
  pruneSkills(config: { minUses?: number; minSuccessRate?: number; maxAgeDays?: number }): number;
}

// ---------------------------------------------------------------- causal

export interface CausalEdge {
  id?: number; fromMemoryId: number; fromMemoryType: string; toMemoryId: number; toMemoryType: string; similarity: number;
  uplift?: number; confidence: number; sampleSize?: number; evidenceIds?: string[]; experimentIds?: string[]; confounderScore?: number;
  mechanism?: string; metadata?: Record<string, any>;
}
export declare class CausalMemoryGraph {
  constructor(db: any);
  addCausalEdge(edge: CausalEdge): number;
  createExperiment(experiment: any): number;
  recordObservation(observation: any): void;
  calculateUplift(experimentId: number): { uplift: number; pValue: number; confidenceInterval: [number, number] };
  queryCausalEffects(query: { interventionMemoryId: number; interventionMemoryType: string; outcomeMemoryId?: number; minConfidence?: number; minUplift?: number }): CausalEdge[];
  getCausalChain(fromMemoryId: number, toMemoryId: number, maxDepth?: number): { path: number[]; totalUplift: number; confidence: number }[];
  calculateCausalGain(treatmentId: number, outcomeType: string): { causalGain: number; confidence: number; mechanism: string };
  detectConfounders(edgeId: number): { confounders: any[] };
}
export declare class ExplainableRecall {
  constructor(db: any);
  createCertificate(params: { queryId: string; queryText: string; chunks: { id: string; type: string; content: string; relevance: number }[]; requirements: string[]; accessLevel?: string }): any;
  verifyCertificate(certificateId: string): { valid: boolean; issues: string[] };
  getJustification(certificateId: string, chunkId: string): any | null;
  getProvenanceLineage(contentHash: string): any[];
  auditCertificate(certificateId: string): any;
}
export declare class CausalRecall {
  constructor(db: any, embedder: EmbeddingService, config?: { alpha: number; beta: number; gamma: number; minConfidence?: number });
  recall(queryId: string, queryText: string, k?: number, requirements?: string[], accessLevel?: string): Promise<any>;
  batchRecall(queries: { queryId: string; queryText: string; k?: number }[], requirements?: string[], accessLevel?: string): Promise<any[]>;
  search(params: { query: string; k?: number; includeEvidence?: boolean; alpha?: number; beta?: number; gamma?: number }): Promise<any[]>;
  getStats(): { totalCausalEdges: number; totalCertificates: number; avgRedundancyRatio: number; avgCompletenessScore: number };
  updateConfig(config: Record<string, number>): void;
}
export declare class NightlyLearner {
  constructor(db: any, embedder: EmbeddingService, config?: Record<string, any>);
  run(): Promise<any>;
  discover(config: { minAttempts?: number; minSuccessRate?: number; minConfidence?: number; dryRun?: boolean }): Promise<CausalEdge[]>;
  updateConfig(config: Record<string, any>): void;
}

// ---------------------------------------------------------------- learning

export type SessionType = 'q-learning' | 'sarsa' | 'dqn' | 'policy-gradient' | 'actor-critic' | 'ppo' | 'decision-transformer' | 'mcts' | 'model-based';
export interface LearningConfig { learningRate: number; discountFactor: number; explorationRate?: number; batchSize?: number; targetUpdateFrequency?: number }
export interface ActionPrediction { action: string; confidence: number; qValue?: number; alternatives: { action: string; confidence: number; qValue?: number }[] }
export declare class LearningSystem {
  constructor(db: any, embedder: EmbeddingService);
  startSession(userId: string, sessionType: SessionType, config: LearningConfig): Promise<string>;
  endSession(sessionId: string): Promise<void>;
  predict(sessionId: string, state: string): Promise<ActionPrediction>;
  submitFeedback(feedback: { sessionId: string; action: string; state: string; reward: number; nextState?: string; success: boolean; timestamp: number }): Promise<void>;
  train(sessionId: string, epochs: number, batchSize: number, learningRate: number): Promise<{ epochsCompleted: number; finalLoss: number; avgReward: number; convergenceRate: number; trainingTimeMs: number }>;
  getMetrics(options: { sessionId?: string; timeWindowDays?: number; includeTrends?: boolean; groupBy?: 'task' | 'session' | 'skill' }): Promise<any>;
  transferLearning(options: Record<string, any>): Promise<any>;
  explainAction(options: { query: string; k?: number; explainDepth?: 'summary' | 'detailed' | 'full'; includeConfidence?: boolean; includeEvidence?: boolean; includeCausal?: boolean }): Promise<any>;
  recordExperience(options: Record<string, any>): Promise<number>;
  calculateReward(options: Record<string, any>): number;
}

// ---------------------------------------------------------------- patterns and vectors

export interface ReasoningPattern {
  id?: number; taskType: string; approach: string; successRate: number; embedding?: Float32Array; uses?: number; avgReward?: number;
  tags?: string[]; metadata?: Record<string, any>; createdAt?: number; similarity?: number;
}
export declare class ReasoningBank {
  constructor(db: any, embedder: EmbeddingService);
  storePattern(pattern: ReasoningPattern): Promise<number>;
  searchPatterns(query: { taskEmbedding: Float32Array; k?: number; threshold?: number; filters?: { taskType?: string; minSuccessRate?: number; tags?: string[] } }): Promise<ReasoningPattern[]>;
  getPatternStats(): any;
  updatePatternStats(patternId: number, success: boolean, reward: number): void;
  getPattern(patternId: number): ReasoningPattern | null;
  deletePattern(patternId: number): boolean;
  clearCache(): void;
}
export interface VectorSearchResult { id: number; distance: number; similarity: number; metadata?: any }
export declare class WASMVectorSearch {
  constructor(db: any, config?: { enableWASM?: boolean; enableSIMD?: boolean; batchSize?: number; indexThreshold?: number });
  cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number;
  batchSimilarity(query: ArrayLike<number>, vectors: ArrayLike<number>[]): number[];
  findKNN(query: Float32Array, k: number, tableName?: string, options?: { threshold?: number; filters?: Record<string, any> }): Promise<VectorSearchResult[]>;
  buildIndex(vectors: Float32Array[], ids: number[], metadata?: any[]): void;
  searchIndex(query: Float32Array, k: number, threshold?: number): VectorSearchResult[];
  getStats(): { wasmAvailable: boolean; simdAvailable: boolean; indexBuilt: boolean; indexSize: number; lastIndexUpdate: number | null };
  clearIndex(): void;
}
export interface HNSWConfig {
  M?: number; efConstruction?: number; efSearch?: number; metric?: 'cosine' | 'l2' | 'ip'; dimension?: number; maxElements?: number;
  persistIndex?: boolean; rebuildThreshold?: number; indexPath?: string;
}
export declare class HNSWIndex {
  constructor(db: any, config?: HNSWConfig);
  buildIndex(tableName?: string): Promise<void>;
  search(query: Float32Array, k: number, options?: { threshold?: number; filters?: Record<string, any> }): Promise<VectorSearchResult[]>;
  addVector(id: number, embedding: Float32Array): void;
  removeVector(id: number): void;
  needsRebuild(): boolean;
  saveIndex(): Promise<void>;
  getStats(): any;
  setEfSearch(ef: number): void;
  clear(): void;
  isReady(): boolean;
}

// ---------------------------------------------------------------- utilities

export declare class MMRDiversityRanker {
  static selectDiverse<T extends { embedding: number[] | Float32Array; similarity?: number }>(candidates: T[], queryEmbedding: number[] | Float32Array,
    options?: { lambda?: number; k?: number; metric?: 'cosine' | 'euclidean' | 'dot' }): T[];
  static calculateDiversityScore(results: { embedding: number[] | Float32Array }[], metric?: 'cosine' | 'euclidean' | 'dot'): number;
}
export declare class MetadataFilter {
  static apply<T>(items: T[], filters: Record<string, any>): T[];
  static toSQL(filters: Record<string, any>, tableName?: string): { where: string; params: any[] };
  static validate(filters: Record<string, any>): { valid: boolean; errors: string[] };
}
export declare class ContextSynthesizer {
  static synthesize(memories: any[], options?: { minPatternFrequency?: number; includeRecommendations?: boolean; maxSummaryLength?: number }): any;
  static extractActionableSteps(memories: any[]): string[];
}
export declare class BatchOperations {
  constructor(db: any, embedder: EmbeddingService, config?: { batchSize?: number; parallelism?: number; progressCallback?: (done: number, total: number) => void });
  insertEpisodes(episodes: Episode[]): Promise<number>;
  regenerateEmbeddings(episodeIds?: number[]): Promise<number>;
  processInParallel<T, R>(items: T[], processor: (item: T) => Promise<R>): Promise<R[]>;
  bulkDelete(table: string, conditions: Record<string, any>): number;
  bulkUpdate(table: string, updates: Record<string, any>, conditions: Record<string, any>): number;
  optimize(): void;
  getStats(): { totalSize: number; tableStats: { name: string; rows: number; size: number }[] };
}
export declare class QueryOptimizer {
  constructor(db: any, config?: { maxSize?: number; ttl?: number; enabled?: boolean });
  query<T = any>(sql: string, params?: any[], cacheKey?: string): T[];
  queryOne<T = any>(sql: string, params?: any[], cacheKey?: string): T | undefined;
  execute(sql: string, params?: any[]): any;
  clearCache(): void;
}

// ---------------------------------------------------------------- security

export declare class ValidationError extends Error {
  constructor(message: string, code?: string, field?: string);
  code: string;
  field?: string;
  getSafeMessage(): string;
}
export declare function validateTableName(tableName: string): string;
export declare function validateColumnName(tableName: string, columnName: string): string;
export declare function validatePragmaCommand(pragma: string): string;
export declare function buildSafeWhereClause(tableName: string, conditions: Record<string, any>): { clause: string; values: any[] };
export declare function buildSafeSetClause(tableName: string, updates: Record<string, any>): { clause: string; values: any[] };

/** agentdb's QUIC sync is not provided: constructing one throws (ERR_AGENTDB_UNSUPPORTED). */
export declare class QUICServer { constructor(...args: any[]) }
export declare class QUICClient { constructor(...args: any[]) }
export declare class SyncCoordinator { constructor(...args: any[]) }
