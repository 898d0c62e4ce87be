// agentdb/controllers/QUICClient -> ruvector's agentdb layer.
export { QUICClient } from '../../../agentdb.mjs';
