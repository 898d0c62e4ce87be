// agentdb/controllers/CausalRecall -> ruvector's agentdb layer.
export { CausalRecall } from '../../../agentdb.mjs';
