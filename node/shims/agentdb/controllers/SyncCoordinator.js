// agentdb/controllers/SyncCoordinator -> ruvector's agentdb layer.
export { SyncCoordinator } from '../../../agentdb.mjs';
