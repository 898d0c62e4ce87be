// agentdb/controllers/EnhancedEmbeddingService -> ruvector's agentdb layer.
export { EnhancedEmbeddingService } from '../../../agentdb.mjs';
