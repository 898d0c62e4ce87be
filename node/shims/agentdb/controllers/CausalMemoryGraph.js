// agentdb/controllers/CausalMemoryGraph -> ruvector's agentdb layer.
export { CausalMemoryGraph } from '../../../agentdb.mjs';
