// agentdb/controllers -> ruvector's agentdb layer (agentdb 1.6.1's list).
export {
  ReflexionMemory, SkillLibrary, EmbeddingService, WASMVectorSearch, HNSWIndex, EnhancedEmbeddingService,
  MMRDiversityRanker, ContextSynthesizer, MetadataFilter, QUICServer, QUICClient, SyncCoordinator,
} from '../../../agentdb.mjs';
