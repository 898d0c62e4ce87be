'use strict';
// ruvector's agentdb layer: a drop-in for the npm package agentdb 1.6.1
// (`require('ruvector/agentdb')`, `import ... from 'ruvector/agentdb'`):
// the same exports, classes, signatures, defaults, return shapes and error
// strings, on real SQLite (better-sqlite3, WAL, every write durable) with
// every similarity search through the C index. README.md ("agentdb") lists
// each difference from agentdb 1.6.1.
const { createDatabase, getDatabaseInfo, applySchema } = require('./database');
const security = require('./security');
const { ReflexionMemory } = require('./controllers/ReflexionMemory');
const { SkillLibrary } = require('./controllers/SkillLibrary');
const { CausalMemoryGraph } = require('./controllers/CausalMemoryGraph');
const { CausalRecall } = require('./controllers/CausalRecall');
const { ExplainableRecall } = require('./controllers/ExplainableRecall');
const { NightlyLearner } = require('./controllers/NightlyLearner');
const { LearningSystem } = require('./controllers/LearningSystem');
const { ReasoningBank } = require('./controllers/ReasoningBank');
const { EmbeddingService } = require('./controllers/EmbeddingService');
const { EnhancedEmbeddingService } = require('./controllers/EnhancedEmbeddingService');
const { WASMVectorSearch } = require('./controllers/WASMVectorSearch');
const { HNSWIndex } = require('./controllers/HNSWIndex');
const { MMRDiversityRanker } = require('./controllers/MMRDiversityRanker');
const { ContextSynthesizer } = require('./controllers/ContextSynthesizer');
const { MetadataFilter } = require('./controllers/MetadataFilter');
const { BatchOperations } = require('./controllers/BatchOperations');
const { QueryOptimizer } = require('./controllers/QueryOptimizer');

// agentdb's QUIC synchronisation (QUICServer, QUICClient, SyncCoordinator)
// is not part of this layer: the names exist so that imports resolve, and
// constructing one says so.
function unsupported(name) {
  return class {
    constructor() {
      const e = new Error(`${name} (agentdb's QUIC sync) is not provided by ruvector/agentdb`);
      e.code = 'ERR_AGENTDB_UNSUPPORTED';
      throw e;
    }
  };
}

module.exports = {
  // controllers
  CausalMemoryGraph,
  CausalRecall,
  ExplainableRecall,
  NightlyLearner,
  ReflexionMemory,
  SkillLibrary,
  LearningSystem,
  ReasoningBank,
  EmbeddingService,
  EnhancedEmbeddingService,
  WASMVectorSearch,
  HNSWIndex,
  MMRDiversityRanker,
  ContextSynthesizer,
  MetadataFilter,
  QUICServer: unsupported('QUICServer'),
  QUICClient: unsupported('QUICClient'),
  SyncCoordinator: unsupported('SyncCoordinator'),
  // database
  createDatabase,
  getDatabaseInfo,
  applySchema,
  // optimizations
  BatchOperations,
  QueryOptimizer,
  // security
  validateTableName: security.validateTableName,
  validateColumnName: security.validateColumnName,
  validatePragmaCommand: security.validatePragmaCommand,
  buildSafeWhereClause: security.buildSafeWhereClause,
  buildSafeSetClause: security.buildSafeSetClause,
  ValidationError: security.ValidationError,
};
