// ESM entry of ruvector's agentdb layer: `import { ReflexionMemory, createDatabase } from 'ruvector/agentdb'`.
// The same objects as the CommonJS entry (lib/agentdb/index.js).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const agentdb = require('./lib/agentdb/index.js');

export const {
  CausalMemoryGraph, CausalRecall, ExplainableRecall, NightlyLearner, ReflexionMemory, SkillLibrary,
  LearningSystem, ReasoningBank, EmbeddingService, EnhancedEmbeddingService, WASMVectorSearch, HNSWIndex,
  MMRDiversityRanker, ContextSynthesizer, MetadataFilter, QUICServer, QUICClient, SyncCoordinator,
  createDatabase, getDatabaseInfo, applySchema, BatchOperations, QueryOptimizer, validateTableName,
  validateColumnName, validatePragmaCommand, buildSafeWhereClause, buildSafeSetClause, ValidationError,
} = agentdb;
export default agentdb;
