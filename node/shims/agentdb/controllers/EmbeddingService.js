// agentdb/controllers/EmbeddingService -> ruvector's agentdb layer.
export { EmbeddingService } from '../../../agentdb.mjs';
