// agentdb/controllers/ReflexionMemory -> ruvector's agentdb layer.
export { ReflexionMemory } from '../../../agentdb.mjs';
