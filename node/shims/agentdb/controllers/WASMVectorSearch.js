// agentdb/controllers/WASMVectorSearch -> ruvector's agentdb layer.
export { WASMVectorSearch } from '../../../agentdb.mjs';
