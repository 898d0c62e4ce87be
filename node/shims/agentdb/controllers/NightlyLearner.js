// agentdb/controllers/NightlyLearner -> ruvector's agentdb layer.
export { NightlyLearner } from '../../../agentdb.mjs';
