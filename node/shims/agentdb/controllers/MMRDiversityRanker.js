// agentdb/controllers/MMRDiversityRanker -> ruvector's agentdb layer.
export { MMRDiversityRanker } from '../../../agentdb.mjs';
