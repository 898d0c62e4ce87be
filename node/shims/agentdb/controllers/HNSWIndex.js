// agentdb/controllers/HNSWIndex -> ruvector's agentdb layer.
export { HNSWIndex } from '../../../agentdb.mjs';
