// agentdb/controllers/MetadataFilter -> ruvector's agentdb layer.
export { MetadataFilter } from '../../../agentdb.mjs';
