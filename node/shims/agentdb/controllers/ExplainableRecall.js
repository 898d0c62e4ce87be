// agentdb/controllers/ExplainableRecall -> ruvector's agentdb layer.
export { ExplainableRecall } from '../../../agentdb.mjs';
