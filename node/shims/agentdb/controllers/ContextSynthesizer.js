// agentdb/controllers/ContextSynthesizer -> ruvector's agentdb layer.
export { ContextSynthesizer } from '../../../agentdb.mjs';
