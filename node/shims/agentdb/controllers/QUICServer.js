// agentdb/controllers/QUICServer -> ruvector's agentdb layer.
export { QUICServer } from '../../../agentdb.mjs';
